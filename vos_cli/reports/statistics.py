"""vos statistics → statistik_YYYY-MM.xlsx and the files for Socialstyrelsen's file service (Filip):
SOL1_<kommunkod>_<YYYYMM>.txt (bilaga 1) and SOL2_<kommunkod>_<YYYYMM>.txt (bilaga 2)."""

from __future__ import annotations

import re

from vos_cli.config import Config
from vos_cli.errors import ConfigError
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
NOTHING = "Inget att rapportera — markera det i Filip"
AUTO_LIMIT = 200_000  # visit rows above which the Bilaga sheets are left out of the workbook (auto)


def codes(config: Config) -> dict[str, str]:
    return rule.VARIABLE | {str(k): str(v) for k, v in (config.statistics.get("insatskoder") or {}).items()}


def kommunkod(config: Config) -> str | None:
    """The 4-digit kommunkod, or None when there is none (then no SOL files are written)."""
    code = str(config.statistics.get("kommunkod") or "").strip()
    if code in ("", "0000"):
        return None
    if not re.fullmatch(r"\d{4}", code):
        raise ConfigError(f"[statistics] kommunkod = {code!r}: ange kommunens fyra siffror (SCB:s kommunkod), "
                          "t.ex. \"0127\"")
    return code


def compute(inputs: Inputs, period: Period, config: Config) -> rule.Statistics:
    execution, _ = execution_report.compute(inputs, period)
    ends, _ = endings_report.compute(inputs, config)
    end = order_end(execution, adjusted_end_for(execution, ends))
    return rule.compute(inputs.df("beslut"), execution, end, inputs.df("besok"), period.ts_first, period.ts_last,
                        codes(config), execution_report.decisions(inputs, period))


def build(inputs: Inputs, period: Period, config: Config):
    st = compute(inputs, period, config)
    inputs.outcomes["statistics"] = st
    enc = str(config.statistics["encoding"])
    kommun = kommunkod(config)
    period_code = f"{period.first:%Y%m}"
    files, notes, said = [], [], {}
    for n, rows in ((1, st.bilaga1), (2, st.bilaga2)):
        name = f"SOL{n}_{kommun}_{period_code}.txt"
        if kommun is None:
            said[f"Bilaga {n}"] = "ingen fil: kommunkod saknas i [statistics] kommunkod"
        elif not len(rows):
            said[f"Bilaga {n}"] = "ingen fil (tom)"
        else:
            files.append((name, rule.to_text(rows, kommun, period_code, codes(config)), enc))
            said[f"Bilaga {n}"] = name
    if kommun is None:
        notes.append("Ingen kommunkod i [statistics] kommunkod: SOL-filerna till Filip skrevs inte (arbetsboken är "
                     "skriven). Ange kommunens fyra siffror och kör igen.")
    notes += [f"Bilaga {n}: {NOTHING} (Filip tar inte emot tomma filer)"
              for n, rows in ((1, st.bilaga1), (2, st.bilaga2)) if kommun and not len(rows)]
    switch = config.statistics.get("bilagor_i_arbetsbok", "auto")
    visits = len(inputs.df("besok"))
    leave_out = bool(files) and (switch is False or (switch == "auto" and visits > AUTO_LIMIT))
    sheets = [] if leave_out else [Sheet(Blad.BILAGA1, st.bilaga1), Sheet(Blad.BILAGA2, st.bilaga2)]
    if leave_out:
        notes.append(f"Bladen Bilaga 1 och Bilaga 2 är inte med i arbetsboken (besöksexporten har {visits} rader; "
                     "[statistics] bilagor_i_arbetsbok): raderna finns i SOL-filerna")
    notes.append("Fältordningen i textfilerna ska stämmas av mot Socialstyrelsens gällande tekniska beskrivning.")
    report = Report(
        f"statistik_{period.label}.xlsx",
        about("Individstatistik till Socialstyrelsen (bistånd enligt SoL)", period, inputs, config, {
            "Omfattning": "bistånd enligt SoL; LSS rapporteras separat en gång om året (vos lss-statistics)",
            "Bilaga 1": "beslut med pågående insats månadens sista dag (även beslut som slutar den dagen)",
            "Bilaga 2": "beslut som påbörjats eller avslutats under månaden",
            "Textfiler": f"{'; '.join(f'{k}: {v}' for k, v in said.items())} ({enc}, semikolon, fält: "
                         + ";".join(f for f, _ in rule.TEXT_LAYOUT) + ")",
            "Kommunkod": kommun or "saknas",
            "Insatskoder": ", ".join(f"{k} = {v}" for k, v in codes(config).items()),
        }, notes),
        sheets + [Sheet(Blad.PER_PERSON, st.per_person), Sheet(Blad.SAMMANSTALLNING, st.summary)],
        inputs.rejected, files,
    )
    summary = {"Statistik": {"Bilaga 1 (pågående)": len(st.bilaga1), "Bilaga 2 (start/slut)": len(st.bilaga2),
                             "Personer": len(st.per_person)} | {f"Fil {k.lower()}": v for k, v in said.items()},
               "Att göra": [f"Bilaga {n}: {NOTHING}" for n, rows in ((1, st.bilaga1), (2, st.bilaga2))
                            if kommun and not len(rows)]}
    return report, summary
