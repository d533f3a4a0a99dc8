"""vos lss-statistics → lss_statistik_YYYY.xlsx and lss_statistik_YYYY.txt: Socialstyrelsen's yearly
LSS statistics (SOSFS 2005:21), each LSS 9 § insats in effect on the reference date, 1 October."""

from __future__ import annotations

import pandas as pd

from vos_cli.config import Config
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
COVERAGE = False  # a situation on one day, not a month: the visit log need not cover a month


def default_as_of(today=None) -> str:
    """The latest 1 October on or before today."""
    import datetime as dt

    today = today or dt.date.today()
    year = today.year if (today.month, today.day) >= (10, 1) else today.year - 1
    return f"{year}-10-01"


def build(inputs: Inputs, period: Period, config: Config):
    ref = pd.Timestamp(period.as_of_date)
    execution, _ = execution_report.compute(inputs, period)
    ends, _ = endings_report.compute(inputs, config)
    end = order_end(execution, adjusted_end_for(execution, ends))
    people, counts = rule.lss_people(inputs.df("beslut"), execution, end, ref)
    year = ref.year
    notes = [] if ref.month == 10 and ref.day == 1 else [
        f"Referensdatumet är {ref:%Y-%m-%d}; insamlingen gäller läget den 1 oktober (ange --as-of {year}-10-01)"]
    notes.append("Kolumnerna följer bilagan till SOSFS 2005:21 (ändrad genom HSLF-FS 2016:48); stäm av mot "
                 "Socialstyrelsens gällande anvisning före inlämningen (senast 25 oktober).")
    if (people["Personkrets"] == "").any():
        notes.append("Personkrets saknas för några personer (kolumnen Personkrets i beslut): fyll i före inlämningen")
    text = rule.lss_text(people)
    report = Report(
        f"lss_statistik_{year}.xlsx",
        about("LSS-statistik till Socialstyrelsen (läget 1 oktober)", period, inputs, config, {
            "Referensdatum": f"{ref:%Y-%m-%d}",
            "Omfattning": "verkställda beslut om insatser enligt LSS 9 § 2–10 som gäller referensdagen",
            "Textfil": f"lss_statistik_{year}.txt (en rad per person, semikolon, kolumnerna i bladets ordning)",
        }, notes, as_of=f"{ref:%Y-%m-%d}"),
        [Sheet("Per person", people, empty_text="Inga verkställda LSS-insatser gäller referensdagen."),
         Sheet("Sammanställning", counts)],
        inputs.rejected, [(f"lss_statistik_{year}.txt", text, str(config.statistics["encoding"]))] if text else [],
    )
    return report, {"LSS-statistik": {"Personer": len(people)} | dict(zip(counts["Insats"], counts["Antal"]))}
