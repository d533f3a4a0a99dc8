"""vos fees → avgiftsunderlag_YYYY-MM.xlsx (`Avgiftsunderlag`, `Nya`, `Avslutade`)."""

from __future__ import annotations

from vos_cli.config import Config
from vos_cli.io.contract import Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import endings as endings_report
from vos_cli.reports import execution as execution_report
from vos_cli.reports.common import about
from vos_cli.rules import fees as rule
from vos_cli.rules.endings import adjusted_end_for

NEEDED = ("bestallningar",)
OPTIONAL = ("beslut", "besok", "maltider", "avgiftsutrymme")
MONEY = ("tariffs",)


def tariffs(config: Config, year: int) -> rule.Tariffs:
    return rule.Tariffs(**{k: config.tariff(year, k) for k in rule.Tariffs.__dataclass_fields__})


def compute(inputs: Inputs, period: Period, config: Config) -> rule.Fees:
    execution, _ = execution_report.compute(inputs, period)
    ends, _ = endings_report.compute(inputs, config)
    orders = rule.billing_orders(execution, adjusted_end_for(execution, ends))
    first, last = period.ts_first, period.ts_last
    return rule.Fees(
        rule.basis(orders, inputs.df("besok"), inputs.df("maltider"), inputs.df("avgiftsutrymme"), first, last,
                   tariffs(config, period.year)),
        rule.new_in_billing(orders, first, last),
        rule.ended(orders, first, last),
    )


def build(inputs: Inputs, period: Period, config: Config):
    fees = compute(inputs, period, config)
    t = tariffs(config, period.year)
    report = Report(
        f"avgiftsunderlag_{period.label}.xlsx",
        about("Avgiftsunderlag", period, inputs, config, {
            "Maxtaxa (kr/mån)": t.maxtaxa, "Timtaxa (kr/tim)": t.timtaxa,
            "Trygghetslarm (kr/påbörjad månad)": t.trygghetslarm, "Dagverksamhet (kr/dag)": t.dagverksamhet_per_dag,
            "Måltid (kr)": t.maltid, "Matlåda (kr)": t.matlada,
            "Avgiftsutrymme": "från exporten" if inputs.has("avgiftsutrymme") else "saknas — maxtaxan gäller alla",
        }),
        [Sheet(Blad.AVGIFTSUNDERLAG, fees.basis), Sheet(Blad.NYA, fees.new), Sheet(Blad.AVSLUTADE, fees.ended)],
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
    }}
    return report, summary
