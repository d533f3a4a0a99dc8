"""vos statistics → statistik_YYYY-MM.xlsx and statistik_YYYY-MM_bilaga1.txt / _bilaga2.txt."""

from __future__ import annotations

from vos_cli.config import Config
from vos_cli.io.contract import Blad
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import endings as endings_report
from vos_cli.reports import execution as execution_report
from vos_cli.reports.common import about
from vos_cli.rules import statistics as rule
from vos_cli.rules.endings import adjusted_end_for, order_end

NEEDED = ("beslut", "bestallningar")
OPTIONAL = ("besok",)


def compute(inputs: Inputs, period: Period, config: Config) -> rule.Statistics:
    execution, _ = execution_report.compute(inputs, period)
    ends, _ = endings_report.compute(inputs, config)
    end = order_end(execution, adjusted_end_for(execution, ends))
    return rule.compute(inputs.df("beslut"), execution, end, inputs.df("besok"), period.ts_first, period.ts_last)


def build(inputs: Inputs, period: Period, config: Config):
    st = compute(inputs, period, config)
    inputs.outcomes["statistics"] = st
    enc = str(config.statistics["encoding"])
    kommun = str(config.statistics["kommunkod"])
    period_code = f"{period.first:%Y%m}"
    base = f"statistik_{period.label}"
    report = Report(
        f"{base}.xlsx",
        about("Individstatistik till Socialstyrelsen", period, inputs, config, {
            "Bilaga 1": "beslut med pågående insats månadens sista dag (även beslut som slutar den dagen)",
            "Bilaga 2": "beslut som påbörjats eller avslutats under månaden",
            "Textfiler": f"{base}_bilaga1.txt, {base}_bilaga2.txt ({enc}, semikolon, fält: "
                         + ";".join(f for f, _ in rule.TEXT_LAYOUT) + ")",
            "Kommunkod": kommun,
        }, ["Fältordningen i textfilerna ska stämmas av mot Socialstyrelsens gällande tekniska beskrivning."]),
        [Sheet(Blad.BILAGA1, st.bilaga1), Sheet(Blad.BILAGA2, st.bilaga2), Sheet(Blad.PER_PERSON, st.per_person),
         Sheet(Blad.SAMMANSTALLNING, st.summary)],
        inputs.rejected,
        [(f"{base}_bilaga1.txt", rule.to_text(st.bilaga1, kommun, period_code), enc),
         (f"{base}_bilaga2.txt", rule.to_text(st.bilaga2, kommun, period_code), enc)],
    )
    summary = {"Statistik": {"Bilaga 1 (pågående)": len(st.bilaga1), "Bilaga 2 (start/slut)": len(st.bilaga2),
                             "Personer": len(st.per_person)}}
    return report, summary
