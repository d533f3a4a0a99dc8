"""vos end-dates → avslut_YYYY-MM.xlsx (`Avslut`, `Oplanerad frånvaro`)."""

from __future__ import annotations

from vos_cli.config import Config
from vos_cli.io.contract import Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports.common import about
from vos_cli.rules import endings as rule

NEEDED = ("bestallningar",)
OPTIONAL = ("besok",)
SHEET_END = Blad.AVSLUT
SHEET_ABSENCE = Blad.OPLANERAD


def compute(inputs: Inputs, config: Config):
    key = f"endings {config.rules['end_rule_days']} {config.rules['end_rule_exempt_reasons']}"
    return inputs.cached(key, lambda: rule.end_dates(
        inputs.df("bestallningar"), inputs.df("besok"),
        config.rules["end_rule_exempt_reasons"], int(config.rules["end_rule_days"])))


def build(inputs: Inputs, period: Period, config: Config):
    ends, absence = rule.month_selection(*compute(inputs, config), period.ts_first, period.ts_last)
    notes = [] if inputs.has("besok") else ["Ingen besökslogg: alla dagar efter behovet upphört räknas som frånvaro"]
    report = Report(
        f"avslut_{period.label}.xlsx",
        about("Avslut och femdagarsregeln", period, inputs, config, {
            "Femdagarsregeln, dagar": config.rules["end_rule_days"],
            "Undantagna avslutsorsaker": ", ".join(config.rules["end_rule_exempt_reasons"]) or "inga",
        }, notes),
        [Sheet(SHEET_END, ends), Sheet(SHEET_ABSENCE, absence)],
        inputs.rejected,
    )
    lead = ends[Col.FRAMFORHALLNING]
    summary = {SHEET_END: {
        "Avslut i månaden": len(ends),
        "Framförhållning mer än fem dagar": int((lead > int(config.rules["end_rule_days"])).sum()),
        "Justerade till meddelat + 5": int((ends[Col.JUSTERAT_SLUT] != ends[Col.BEHOV_UPPHOR]).sum()),
        "Dagar oplanerad frånvaro": int(absence[Col.DAGAR].sum()),
    }}
    return report, summary
