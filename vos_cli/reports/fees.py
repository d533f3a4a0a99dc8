"""vos fees → avgiftsunderlag_YYYY-MM.xlsx."""

from __future__ import annotations

import pandas as pd

from vos_cli import law
from vos_cli.config import Config
from vos_cli.io.contract import Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import endings as endings_report
from vos_cli.reports import execution as execution_report
from vos_cli.reports.common import about
from vos_cli.rules import execution as execution_rule
from vos_cli.rules import fees as rule
from vos_cli.rules.endings import adjusted_end_for

NEEDED = ("bestallningar",)
OPTIONAL = ("beslut", "besok", "maltider", "avgiftsutrymme")
MONEY = ("tariffs",)


def tariffs(config: Config, year: int) -> rule.Tariffs:
    return rule.Tariffs(**{k: config.tariff(year, k) for k in rule.Tariffs.__dataclass_fields__})


def options(config: Config) -> rule.Options:
    return rule.Options(hours=config.rules["avgift_timmar"], alarm=config.fees["larm_debitering"],
                        hour_rounding=config.fees["timmar_avrundning"], total_rounding=config.fees["avrundning"])


def utrymme(inputs: Inputs) -> pd.DataFrame:
    """Each client's avgiftsutrymme and where it came from."""
    u = inputs.df("avgiftsutrymme")[[Col.PNR, Col.AVGIFTSUTRYMME]]
    return u.assign(**{rule.KALLA: rule.KALLA_EXPORT})


def compute(inputs: Inputs, period: Period, config: Config) -> rule.Fees:
    execution, _ = execution_report.compute(inputs, period)
    ends, _ = endings_report.compute(inputs, config)
    orders = rule.billing_orders(execution, adjusted_end_for(execution, ends))
    first, last = period.ts_first, period.ts_last
    fees = rule.basis(orders, inputs.df("besok"), inputs.df("maltider"), utrymme(inputs), first, last,
                      tariffs(config, period.year), options(config))
    fees.new = rule.new_in_billing(orders, first, last)
    fees.ended = rule.ended(orders, first, last)
    fees.not_executed = rule.not_executed(execution_rule.month_selection(execution, first, last))
    return fees


def build(inputs: Inputs, period: Period, config: Config):
    fees = compute(inputs, period, config)
    t = tariffs(config, period.year)
    report = Report(
        f"avgiftsunderlag_{period.label}.xlsx",
        about("Avgiftsunderlag", period, inputs, config, {
            "Maxtaxa (kr/mån)": t.maxtaxa, "Timtaxa (kr/tim)": t.timtaxa,
            "Trygghetslarm (kr/månad)": t.trygghetslarm, "Trygghetslarm debiteras": {
                "manad": "per påbörjad kalendermånad", "dag": "per dag"}[config.fees["larm_debitering"]],
            "Dagverksamhet (kr/dag)": t.dagverksamhet_per_dag, "Måltid (kr)": t.maltid, "Matlåda (kr)": t.matlada,
            "Debiterad tid": {"utford_hogst_beviljad": "utförd tid, högst beviljad tid för månaden (rutin hemtjänst)",
                              "utford": "utförd tid", "beviljad": "beviljad tid för månaden"}[config.rules["avgift_timmar"]],
            "Avgiftsutrymme": "från exporten" if inputs.has("avgiftsutrymme") else "saknas — maxtaxan gäller alla",
            "Lagrum": law.FEES_SUMMARY,
        }),
        [Sheet(Blad.AVGIFTSUNDERLAG, fees.basis), Sheet(Blad.NYA, fees.new), Sheet(Blad.AVSLUTADE, fees.ended),
         Sheet(Blad.ARTIKLAR, fees.articles), Sheet(Blad.EJ_VERKST_BEST, fees.not_executed),
         Sheet(Blad.OVER_BEVILJAD, fees.over_granted)],
        inputs.rejected,
    )
    b = fees.basis
    summary = {Blad.AVGIFTSUNDERLAG: {
        "Brukare": len(b),
        Col.ATT_FAKTURERA: round(float(b[Col.ATT_FAKTURERA].sum()), 2),
        "Begränsade av maxtaxan": int((b[Col.TAK_ORSAK] == rule.CAP_MAXTAXA).sum()),
        "Begränsade av avgiftsutrymmet": int((b[Col.TAK_ORSAK] == rule.CAP_UTRYMME).sum()),
        "Nya i månaden": len(fees.new[Col.PNR].unique()),
        "Avslutade i månaden": len(fees.ended[Col.PNR].unique()),
        "Ej verkställda beställningar": len(fees.not_executed),
        "Utförd tid över beviljad (beställningar)": len(fees.over_granted),
    }}
    return report, summary
