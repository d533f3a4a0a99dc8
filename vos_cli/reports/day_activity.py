"""vos day-activity → dagverksamhet_YYYY-MM.xlsx."""

from __future__ import annotations

import pandas as pd

from vos_cli.config import Config
from vos_cli.io.contract import Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import execution as execution_report
from vos_cli.reports.common import about
from vos_cli.rules import day_activity as rule
from vos_cli.rules.execution import END

NEEDED = ("beslut", "bestallningar")
OPTIONAL = ("besok", "enheter", "maltider", "franvaro")


def build(inputs: Inputs, period: Period, config: Config):
    execution, _ = execution_report.compute(inputs, period)
    a = pd.Timestamp(period.as_of_date)
    da = rule.compute(inputs.df("beslut"), execution, END, inputs.df("enheter"), inputs.df("besok"),
                      inputs.df("maltider"), period.ts_first, period.ts_last, a, int(config.rules["bevakning_dagar"]),
                      inputs.df("franvaro"), int(config.rules["narvaro_veckor"]), int(config.rules["lang_franvaro_dagar"]))
    notes = [] if inputs.has("enheter") else ["Ingen enhetsfil (enheter): kapacitet och erbjudanden kan inte räknas"]
    report = Report(
        f"dagverksamhet_{period.label}.xlsx",
        about("Dagverksamhet: deltagare, kö och lediga platser", period, inputs, config, {
            "Prioritering": "1 nya brukare, 2 utökning av dagar, 3 byte av enhet (äldsta beslut först i varje)",
            "Närvaro": f"under avtalade dagar minst {config.rules['narvaro_veckor']} veckor (veckor med frånvaro räknas inte)",
            "Lång frånvaro": f"planerad frånvaro om minst {config.rules['lang_franvaro_dagar']} dagar",
            "Kapacitet": f"platser per dag × öppna vardagar veckan {da.week[0]:%Y-%m-%d}–{da.week[1]:%Y-%m-%d}",
        }, notes),
        [Sheet(Blad.DELTAGARLISTA, da.units), Sheet(Blad.KO, da.queue), Sheet(Blad.NARVARO, da.attendance),
         Sheet(Blad.LANG_FRANVARO, da.long_absence), Sheet(Blad.ERBJUDANDEN, da.offers),
         Sheet(Blad.SAMMANFATTNING, da.summary, total=False), Sheet(Blad.MALTIDER, da.meals)],
        inputs.rejected,
    )
    return report, {"Dagverksamhet": dict(zip(da.summary[rule.UPPGIFT], da.summary[Col.ANTAL]))}
