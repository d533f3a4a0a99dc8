"""vos fees → avgiftsunderlag_YYYY-MM.xlsx."""

from __future__ import annotations

import pandas as pd

from vos_cli import law
from vos_cli.config import Config
from vos_cli.frames import isin
from vos_cli.io.contract import Blad, Col, Kind
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import endings as endings_report
from vos_cli.reports import execution as execution_report
from vos_cli.reports import invoice as invoice_file
from vos_cli.reports.common import about
from vos_cli.rules import corrections as corr
from vos_cli.rules import execution as execution_rule
from vos_cli.rules import fees as rule
from vos_cli.rules import invoice as invoice_rule
from vos_cli.rules.endings import adjusted_end_for
from vos_cli.text import sv1

NEEDED = ("bestallningar",)
OPTIONAL = ("beslut", "besok", "maltider", "avgiftsutrymme", "inkomster")
MONEY = ("tariffs",)
HISTORY = True  # reads what the ledger knows (corrections, last month) when there is one


def tariffs(config: Config, year: int) -> rule.Tariffs:
    return rule.Tariffs(**{k: config.tariff(year, k) for k in rule.Tariffs.__dataclass_fields__})


def options(config: Config) -> rule.Options:
    return rule.Options(hours=config.rules["avgift_timmar"], alarm=config.fees["larm_debitering"],
                        hour_rounding=config.fees["timmar_avrundning"], total_rounding=config.fees["avrundning"])


def utrymme(inputs: Inputs, first: pd.Timestamp, config: Config,
            words: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each client's avgiftsutrymme and where it came from: the avgiftsutrymme export wins for its
    clients; else computed from inkomster (32 kap.); else none. And the income problems to check."""
    u = inputs.df("avgiftsutrymme")[[Col.PNR, Col.AVGIFTSUTRYMME]].assign(**{rule.KALLA: rule.KALLA_EXPORT})
    if not inputs.has("inkomster"):
        return u, pd.DataFrame(columns=[Col.PNR, Col.ORSAK])
    from vos_cli.reports import avgiftsutrymme

    cap = avgiftsutrymme.capacity(inputs, first, config, words)
    t = cap.table[cap.table[Col.AVGIFTSUTRYMME_KR].notna() & ~isin(cap.table[Col.PNR], u[Col.PNR])]
    computed = pd.DataFrame({Col.PNR: t[Col.PNR], Col.AVGIFTSUTRYMME: t[Col.AVGIFTSUTRYMME_KR].astype("float64"),
                             rule.KALLA: rule.KALLA_INKOMSTER})
    # those the avgiftsutrymme could not be computed for (a negative one is explained by the fee itself)
    uncomputed = set(cap.table.loc[cap.table[Col.AVGIFTSUTRYMME_KR].isna(), Col.PNR]) | \
        (set(cap.problems[Col.PNR]) - set(cap.table[Col.PNR]))
    problems = cap.problems[isin(cap.problems[Col.PNR], uncomputed) & ~isin(cap.problems[Col.PNR], u[Col.PNR])]
    return pd.concat([u, computed], ignore_index=True), problems


def compute(inputs: Inputs, period: Period, config: Config, full: bool = True) -> rule.Fees:
    """The month's fees. full=False: what the corrections of an earlier month compare — its amounts
    and figures per client — without the calculation in words and the lists of new, ended and not
    executed orders that only the month's own workbook shows."""
    execution, _ = execution_report.compute(inputs, period)
    ends, _ = endings_report.compute(inputs, config)
    orders = rule.billing_orders(execution, adjusted_end_for(execution, ends))
    first, last = period.ts_first, period.ts_last
    known, problems = utrymme(inputs, first, config, words=full)
    fees = rule.basis(orders, inputs.df("besok"), inputs.df("maltider"), known, first, last,
                      tariffs(config, period.year), options(config), words=full)
    fees.income_problems = problems
    fees.billing = orders
    if not full:
        return fees
    fees.new = rule.new_in_billing(orders, first, last)
    fees.ended = rule.ended(orders, first, last)
    fees.not_executed = rule.not_executed(execution_rule.month_selection(execution, first, last))
    return fees


def ledger_sheets(inputs: Inputs, fees: rule.Fees, config: Config) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Förändringar and Rättelser from what the ledger knows (handed over in inputs.history)."""
    h = inputs.history
    notes: list[str] = []
    if h is None:
        notes.append("Ingen liggare (vos run skapar den i utdatamappen): Förändringar och Rättelser är tomma")
        return pd.DataFrame(columns=corr.CHANGE_COLUMNS), pd.DataFrame(columns=corr.FEE_COLUMNS), notes
    if h.previous_clients is None:
        notes.append(f"{h.previous_month} finns inte i liggaren: Förändringar är tomt")
        changes = pd.DataFrame(columns=corr.CHANGE_COLUMNS)
    else:
        changes = corr.changes(corr.fee_clients(fees.basis, fees.details), h.previous_clients)
    if h.corrected:
        notes.append("Rättelser: " + ", ".join(h.corrected) + " räknades om ur dagens exporter med sina egna "
                     "parametrar och jämfördes med vad som fakturerats")
    notes += h.notes
    return changes, h.fee_corrections, notes


def build(inputs: Inputs, period: Period, config: Config):
    fees = compute(inputs, period, config)
    h = inputs.history
    previous = None
    if h is not None and h.previous_clients is not None:
        previous = h.previous_clients.set_index("pnr")["att_fakturera_ore"] / 100
    fees.to_check = rule.to_check(fees, fees.billing, period.ts_first, period.ts_last, previous,
                                  float(config.fees["kontroll_andring_procent"]))
    changes, corrections, ledger_notes = ledger_sheets(inputs, fees, config)
    inputs.outcomes["fees"] = fees
    wanted = invoice_rule.lines(fees.articles, corrections)
    if h is None:
        plan = invoice_rule.plan(period.label, wanted, pd.DataFrame(), pd.DataFrame())
        plan.status += " (ingen liggare: skyddet mot dubbel import gäller när vos run för månadens bok)"
    else:
        plan = invoice_rule.plan(period.label, wanted, h.batches, h.sent_lines)
    inputs.outcomes["invoice"] = plan
    attachments = invoice_file.attachments(plan, period.label, config.invoice, f"{period.as_of:%Y-%m-%d %H:%M}")
    ledger_notes = ledger_notes + [f"Fakturaunderlag: {attachments[0][0]}, batch {plan.batch_id}, "
                                   f"{len(plan.lines)} rader — {plan.status}"]
    t = tariffs(config, period.year)
    b = fees.basis
    by_article = fees.articles.groupby(Col.ARTIKEL)[Col.BELOPP].sum()
    controls = [f"Kontrollsumma: {len(b)} brukare, att fakturera {sv1(b[Col.ATT_FAKTURERA].sum())} kr"] + [
        f"Kontrollsumma {a}: {sv1(by_article.get(a, 0.0))} kr" for a in rule.ARTICLES if a in by_article.index]
    report = Report(
        f"avgiftsunderlag_{period.label}.xlsx",
        about("Avgiftsunderlag", period, inputs, config, {
            "Maxtaxa (kr/mån)": t.maxtaxa, "Timtaxa (kr/tim)": t.timtaxa,
            "Trygghetslarm (kr/månad)": t.trygghetslarm, "Trygghetslarm debiteras": {
                "manad": "per påbörjad kalendermånad", "dag": "per dag"}[config.fees["larm_debitering"]],
            "Dagverksamhet (kr/dag)": t.dagverksamhet_per_dag, "Måltid (kr)": t.maltid, "Matlåda (kr)": t.matlada,
            "Debiterad tid": {"utford_hogst_beviljad": "utförd tid, högst beviljad tid för månaden (rutin hemtjänst)",
                              "utford": "utförd tid", "beviljad": "beviljad tid för månaden"}[config.rules["avgift_timmar"]],
            "Timmar avrundas": {"manad": "per månad", "besok": "per besök"}[config.fees["timmar_avrundning"]],
            "Att fakturera avrundas": {"ore": "till öre", "krona": "till hela kronor"}[config.fees["avrundning"]],
            "Avgiftsutrymme": {(True, True): "från exporten avgiftsutrymme, annars beräknat ur inkomster (32 kap.)",
                               (True, False): "från exporten avgiftsutrymme",
                               (False, True): "beräknat ur inkomster (32 kap., avgiftsberakning_"
                                              f"{period.label}.xlsx)",
                               (False, False): "saknas — maxtaxan gäller alla"}[
                inputs.has("avgiftsutrymme"), inputs.has("inkomster")],
            "Lagrum": law.FEES_SUMMARY,
        }, controls + ledger_notes),
        [Sheet(Blad.AVGIFTSUNDERLAG, b), Sheet(Blad.NYA, fees.new), Sheet(Blad.AVSLUTADE, fees.ended),
         Sheet(Blad.ARTIKLAR, fees.articles, {Col.ANTAL: Kind.DECIMAL}), Sheet(Blad.ATT_KONTROLLERA, fees.to_check, total=False),
         Sheet(Blad.EJ_VERKST_BEST, fees.not_executed), Sheet(Blad.FORANDRINGAR, changes),
         Sheet(Blad.RATTELSER, corrections), Sheet(Blad.OVER_BEVILJAD, fees.over_granted)],
        inputs.rejected, attachments,
    )
    summary = {Blad.AVGIFTSUNDERLAG: {
        "Brukare": len(b),
        Col.ATT_FAKTURERA: round(float(b[Col.ATT_FAKTURERA].sum()), 2),
        "Att kontrollera (brukare)": int(fees.to_check[Col.PNR].nunique()),
        "Begränsade av maxtaxan": int((b[Col.TAK_ORSAK] == rule.CAP_MAXTAXA).sum()),
        "Begränsade av avgiftsutrymmet": int((b[Col.TAK_ORSAK] == rule.CAP_UTRYMME).sum()),
        "Nya i månaden": len(fees.new[Col.PNR].unique()),
        "Avslutade i månaden": len(fees.ended[Col.PNR].unique()),
        "Ej verkställda beställningar": len(fees.not_executed),
        "Utförd tid över beviljad (beställningar)": len(fees.over_granted),
        "Rättelser (kr)": round(float(corrections[corr.DIFFERENS].sum()), 2) if len(corrections) else 0.0,
        f"Fakturabatch {plan.batch_id} (rader)": len(plan.lines),
    }}
    return report, summary
