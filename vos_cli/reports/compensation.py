"""vos compensation → ersattning_YYYY-MM.xlsx (`Per beställning`, `Matlådor`, `Per utförare`)."""

from __future__ import annotations

from vos_cli.config import Config
from vos_cli.io.contract import Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import endings as endings_report
from vos_cli.reports import execution as execution_report
from vos_cli.reports.common import about
from vos_cli.rules import compensation as rule
from vos_cli.rules.endings import adjusted_end_for

NEEDED = ("bestallningar",)
OPTIONAL = ("besok", "franvaro", "maltider")
MONEY = ("rates",)
SHEET_ORDERS = Blad.PER_BESTALLNING
SHEET_BOXES = Blad.MATLADOR
SHEET_PROVIDERS = Blad.PER_UTFORARE


def compute(inputs: Inputs, period: Period, config: Config):
    execution, _ = execution_report.compute(inputs, period)
    ends, _ = endings_report.compute(inputs, config)
    adjusted = adjusted_end_for(execution, ends)
    year = period.year
    orders = rule.per_order(execution, adjusted, inputs.df("franvaro"),
                            period.ts_first, period.ts_last,
                            config.provider_rates(year, "timersattning"), config.rate(year, "timersattning"))
    boxes = rule.meal_boxes(inputs.df("maltider"), period.label, config.provider_rates(year, "matlada"),
                            config.rate(year, "matlada"))
    return orders, boxes, rule.per_provider(orders, boxes)


def build(inputs: Inputs, period: Period, config: Config):
    orders, boxes, providers = compute(inputs, period, config)
    year = period.year
    report = Report(
        f"ersattning_{period.label}.xlsx",
        about("Ersättning till utförare", period, inputs, config, {
            "Timersättning (kr)": config.rate(year, "timersattning"),
            "Matlåda (kr)": config.rate(year, "matlada"),
            "Dagar i månaden": period.days,
            "Verkställighetsdatum": "första utförda besöket" if inputs.has("besok") else "registrerat",
        }),
        [Sheet(SHEET_ORDERS, orders.drop(columns=[rule.ACTIVE])), Sheet(SHEET_BOXES, boxes),
         Sheet(SHEET_PROVIDERS, providers)],
        inputs.rejected,
    )
    total = round(float(providers[Col.SUMMA].sum()), 2)
    summary = {"Per utförare (kr)": {Col.TOTALT: total}
               | dict(zip(providers[Col.UTFORARE], providers[Col.SUMMA].astype(float)))}
    return report, summary
