"""vos compensation → ersattning_YYYY-MM.xlsx (`Per beställning`, `Matlådor`, `Per utförare`)."""

from __future__ import annotations

import copy
import re

import pandas as pd

from vos_cli.config import Config
from vos_cli.io.contract import Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import endings as endings_report
from vos_cli.reports import execution as execution_report
from vos_cli.reports.common import about
from vos_cli.rules import compensation as rule
from vos_cli.rules import corrections as corr
from vos_cli.rules.endings import adjusted_end_for

NEEDED = ("bestallningar",)
OPTIONAL = ("besok", "franvaro", "maltider")
MONEY = ("rates",)
HISTORY = True
SHEET_ORDERS = Blad.PER_BESTALLNING
SHEET_BOXES = Blad.MATLADOR
SHEET_PROVIDERS = Blad.PER_UTFORARE


def compute(inputs: Inputs, period: Period, config: Config, full: bool = True):
    """The month's compensation per order, meal boxes and per provider. full=False: what the
    corrections of an earlier month compare — without the Förklaring in words."""
    execution, _ = execution_report.compute(inputs, period)
    ends, _ = endings_report.compute(inputs, config)
    adjusted = adjusted_end_for(execution, ends)
    year = period.year
    orders = rule.per_order(execution, adjusted, inputs.df("franvaro"),
                            period.ts_first, period.ts_last,
                            config.provider_rates(year, "timersattning"), config.rate(year, "timersattning"),
                            words=full)
    boxes = rule.meal_boxes(inputs.df("maltider"), period.label, config.provider_rates(year, "matlada"),
                            config.rate(year, "matlada"))
    return orders, boxes, rule.per_provider(orders, boxes)


def file_safe(name: str) -> str:
    """A provider's name in a file name: spaces as _, \\ / : * ? " < > | removed (docs/rules.md)."""
    safe = re.sub(r'[\\/:*?"<>|]', "", str(name)).strip().strip(".").replace(" ", "_")
    return safe or "utforare"


def per_provider_reports(combined: Report, orders: pd.DataFrame, boxes: pd.DataFrame, providers: pd.DataFrame,
                         corrections: pd.DataFrame) -> list[Report]:
    """One workbook per provider with only its own orders, meal boxes, totals and corrections — a
    statement that can be sent without disclosing other providers' clients (sekretess)."""
    out, taken = [], set()
    label = combined.filename.removeprefix("ersattning_").removesuffix(".xlsx")
    names = sorted(set(providers[Col.UTFORARE]) | set(corrections[Col.UTFORARE]))
    for name in names:
        safe = file_safe(name)
        n = 2
        while safe.casefold() in taken:
            safe, n = f"{file_safe(name)}_{n}", n + 1
        taken.add(safe.casefold())
        mine = [orders[orders[Col.UTFORARE] == name].drop(columns=[rule.ACTIVE, rule.ORDER_END]),
                boxes[boxes[Col.UTFORARE] == name], providers[providers[Col.UTFORARE] == name],
                corrections[corrections[Col.UTFORARE] == name]]
        about = copy.copy(combined.about)
        about.title = f"Ersättning till {name}"
        about.notes = [f"Utförarens eget underlag: bara {name}s beställningar och brukare."] + \
            [n for n in combined.about.notes if not n.startswith("Varningar")]
        out.append(Report(f"ersattning_{label}_{safe}.xlsx", about,
                          [Sheet(s.name, df) for s, df in zip(combined.sheets, mine)], rejected=pd.DataFrame(),
                          warnings=pd.DataFrame()))
    return out


def build(inputs: Inputs, period: Period, config: Config):
    orders, boxes, providers = compute(inputs, period, config)
    inputs.outcomes["compensation"] = (orders, boxes)
    h = inputs.history
    corrections = h.comp_corrections if h is not None else pd.DataFrame(columns=corr.COMP_COLUMNS)
    notes = ["Ingen liggare (vos run skapar den i utdatamappen): Rättelser är tomt"] if h is None else \
        [f"Rättelser: {', '.join(h.corrected)} räknades om och jämfördes med vad som betalats"] if h.corrected else []
    year = period.year
    report = Report(
        f"ersattning_{period.label}.xlsx",
        about("Ersättning till utförare", period, inputs, config, {
            "Timersättning (kr)": config.rate(year, "timersattning"),
            "Matlåda (kr)": config.rate(year, "matlada"),
            "Dagar i månaden": period.days,
            "Verkställighetsdatum": "första utförda besöket" if inputs.has("besok") else "registrerat",
        }, notes),
        [Sheet(SHEET_ORDERS, orders.drop(columns=[rule.ACTIVE, rule.ORDER_END])), Sheet(SHEET_BOXES, boxes),
         Sheet(SHEET_PROVIDERS, providers), Sheet(Blad.RATTELSER, corrections)],
        inputs.rejected,
    )
    report.companions = per_provider_reports(report, orders, boxes, providers, corrections)
    total = round(float(providers[Col.SUMMA].sum()), 2)
    summary = {"Per utförare (kr)": {Col.TOTALT: total}
               | dict(zip(providers[Col.UTFORARE], providers[Col.SUMMA].astype(float)))}
    return report, summary
