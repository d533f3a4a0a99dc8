"""What the ledger knows, gathered once for a month's reports (they never query it themselves).

For the month M being reported: the corrections of the earlier months the ledger holds (each
recomputed from the current exports with its own recorded parameters), last month's figures per
client (the changes since), the decisions reported to IVO in earlier quarters, and the trend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from vos_cli import platform as osl
from vos_cli.config import Config
from vos_cli.frames import release_memory
from vos_cli.io.contract import Col
from vos_cli.io.inputs import Inputs
from vos_cli.period import Period, make_period
from vos_cli.reports.common import visit_days
from vos_cli.rules import corrections as corr
from vos_cli.rules import coverage
from vos_cli.rules import fees as fee_rule
from vos_cli.store.ledger import Ledger, Run


@dataclass
class History:
    month: str
    ledger: str  # where, for Om rapporten
    previous_month: str = ""
    previous_clients: pd.DataFrame | None = None  # last month's fee_clients, None when not recorded
    previous_capacity: pd.DataFrame | None = None  # last month's avgiftsutrymme from income, if recorded
    ivo_earlier: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend: dict[str, dict[str, float]] = field(default_factory=dict)
    corrected: list[str] = field(default_factory=list)  # the earlier months compared
    notes: list[str] = field(default_factory=list)
    run: Run | None = None  # this month's earlier run, if any
    batches: pd.DataFrame = field(default_factory=pd.DataFrame)  # this month's invoice batches
    sent_lines: pd.DataFrame = field(default_factory=pd.DataFrame)  # the lines of its sent batches
    # the corrections, computed here or beside this process (osl.Beside) while the reports that do
    # not show them are made: read through fee_corrections / comp_corrections, which wait for them
    pending: osl.Beside | None = None

    @property
    def fee_corrections(self) -> pd.DataFrame:
        return self._corrections()[0]

    @property
    def comp_corrections(self) -> pd.DataFrame:
        return self._corrections()[1]

    def _corrections(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self.pending is None:
            return pd.DataFrame(columns=corr.FEE_COLUMNS), pd.DataFrame(columns=corr.COMP_COLUMNS)
        return self.pending.result()

    def stop(self) -> None:
        """Stops corrections still computing beside this process (the run failed)."""
        if self.pending is not None:
            self.pending.stop()


def month_back(month: str, n: int) -> str:
    return str(pd.Period(month, "M") - n)


def quarter(period_or_day) -> str:
    day = pd.Timestamp(period_or_day)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _covers(inputs: Inputs, p: Period, config: Config) -> str | None:
    """Why the current exports cannot recompute month P (None when they can)."""
    if inputs.has("besok") and inputs.has("bestallningar"):
        days = visit_days(inputs)
        error, warn = coverage.visit_coverage(inputs.df("bestallningar"), days, inputs.label("besok"),
                                              p.ts_first, p.ts_last, pd.Timestamp(p.as_of),
                                              int(config.rules["tackning_dagar"]))
        if error or warn:
            return f"besöksexporten täcker inte {p.label} helt"
        if not ((days[Col.DATUM] >= p.ts_first) & (days[Col.DATUM] <= p.ts_last)).any():
            return f"besöksexporten har inga besök i {p.label}"
    return None


@dataclass
class Recorded:
    """What the ledger recorded for an earlier month: its run, and what was invoiced, paid and
    corrected for it since. Read while the exports are (osl.Beside), then needs no database."""

    run: Run
    invoiced: pd.DataFrame
    fee_corrected: pd.DataFrame
    clients: pd.DataFrame
    paid: pd.DataFrame
    comp_corrected: pd.DataFrame


def recorded(ledger: Ledger, period: Period, config: Config) -> dict[str, Recorded]:
    """The earlier months the ledger holds among the `rattelse_manader` before `period`."""
    month = period.label
    found = {}
    for p_month in earlier(period, config):
        run = ledger.run_of(p_month)
        if run is not None:
            found[p_month] = Recorded(run, ledger.fee_lines(p_month), ledger.corrections_for(p_month, month, "avgift"),
                                      ledger.fee_clients(p_month), ledger.compensation(p_month),
                                      ledger.corrections_for(p_month, month, "ersattning"))
    return found


def earlier(period: Period, config: Config) -> list[str]:
    """The months the corrections look back on, oldest first."""
    return [month_back(period.label, n) for n in range(int(config.ledger["rattelse_manader"]), 0, -1)]


@dataclass
class EarlierMonth:
    """An earlier month to recompute and compare: its period and parameters as recorded, and what
    the ledger recorded for it (invoiced, paid and corrected since)."""

    month: str
    period: Period
    config: Config
    meals_missing: bool
    recorded: Recorded

    @property
    def created(self) -> str:
        """The day its run was recorded, for the causes in words."""
        return self.recorded.run.skapad[:10]


def earlier_months(found: dict[str, Recorded], inputs: Inputs, period: Period, config: Config,
                   h: History) -> list[EarlierMonth]:
    """The months before `period` that the ledger holds (`found`) and today's exports cover (the
    others are said in h.notes), each with what the ledger recorded for it."""
    todo = []
    for p_month in earlier(period, config):
        rec = found.get(p_month)
        if rec is None:
            h.notes.append(f"{p_month} finns inte i liggaren (före liggarens start eller aldrig körd) och rättas inte")
            continue
        p = make_period(p_month, rec.run.per.replace("T", " "))
        why = _covers(inputs, p, config)
        if why:
            h.notes.append(f"Rättelser för {p_month} gjordes inte: {why} (lägg in en export som täcker månaden)")
            continue
        meals_missing = inputs.has("maltider") and not (inputs.df("maltider")[Col.MANAD] == p_month).any()
        if meals_missing:
            h.notes.append(f"Måltider och matlådor för {p_month} rättas inte: måltidsexporten saknar månaden")
        todo.append(EarlierMonth(p_month, p, Config.from_summary(rec.run.parametrar), meals_missing, rec))
        h.corrected.append(p_month)
    return todo


def corrections(inputs: Inputs, todo: list[EarlierMonth]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each earlier month recomputed from today's exports with its own parameters and compared with
    what was invoiced and paid (and corrected since): (fee corrections, compensation corrections).
    Pure: reads the exports and `todo`, nothing else."""
    from vos_cli.reports import compensation as comp_report
    from vos_cli.reports import fees as fee_report

    fee_parts, comp_parts = [], []
    for m in todo:
        skip = (fee_rule.ART_MALTID, fee_rule.ART_MATLADA) if m.meals_missing else ()
        fees = fee_report.compute(inputs, m.period, m.config, full=False)
        fee_parts.append(corr.fee_corrections(
            m.month, corr.fee_lines(fees.articles), m.recorded.invoiced, m.recorded.fee_corrected,
            m.recorded.clients, corr.fee_clients(fees.basis, fees.details), m.created, skip))
        orders, boxes, _ = comp_report.compute(inputs, m.period, m.config, full=False)
        correct, paid = corr.compensation_rows(orders, boxes), m.recorded.paid
        if m.meals_missing:
            correct, paid = correct[correct["bestallning_id"] != ""], paid[paid["bestallning_id"] != ""]
        comp_parts.append(corr.compensation_corrections(m.month, correct, paid, m.recorded.comp_corrected))
        release_memory()  # the month's recomputation, dropped
    fee = [f for f in fee_parts if len(f)]
    comp = [f for f in comp_parts if len(f)]
    return (pd.concat(fee, ignore_index=True) if fee else pd.DataFrame(columns=corr.FEE_COLUMNS),
            pd.concat(comp, ignore_index=True) if comp else pd.DataFrame(columns=corr.COMP_COLUMNS))


def gather(ledger: Ledger, inputs: Inputs, period: Period, config: Config, beside: bool = False,
           found: osl.Beside | None = None) -> History:
    """What the ledger knows for the month, with the corrections of the earlier months — with
    `beside`, computed in a process beside this one where the platform can (osl.Beside) and
    waited for when first read. `found`: what `recorded` read beside the exports, if it did."""
    month = period.label
    h = History(month, ledger.url)
    h.run = ledger.run_of(month)
    found = found.result() if found is not None else recorded(ledger, period, config)
    todo = earlier_months(found, inputs, period, config, h)
    h.previous_month = month_back(month, 1)
    if ledger.run_of(h.previous_month) is not None:
        h.previous_clients = found[h.previous_month].clients if h.previous_month in found \
            else ledger.fee_clients(h.previous_month)
        capacity = ledger.fee_capacity(h.previous_month)
        h.previous_capacity = capacity if len(capacity) else None
    h.ivo_earlier = ledger.ivo_reported(quarter(period.as_of_date))
    h.batches = ledger.batches(month)
    sent = h.batches[h.batches["skickad"].notna()]["batch_id"].tolist() if len(h.batches) else []
    h.sent_lines = ledger.batch_lines(sent) if sent else pd.DataFrame(columns=["batch_id", "pnr", "period", "artikel",
                                                                               "antal", "a_pris", "belopp_ore"])
    h.trend = trend(ledger, month)
    # last, once the ledger is read: a forked child must not inherit a query under way. What the
    # month's reports share with the recomputed months (the execution dates and the five-day rule's
    # ends, cached in inputs) is computed first, so that a child inherits it rather than computing
    # it again; and what is freed is given back, so that it is not shared (and then copied)
    from vos_cli.reports import endings as endings_report
    from vos_cli.reports import execution as execution_report

    if todo:
        execution_report.compute(inputs, period)
        endings_report.compute(inputs, config)
    release_memory()
    h.pending = osl.Beside(corrections, inputs, todo, fork=None if beside else False)
    return h


TREND_MONTHS = 12  # the overview's trend: the month and the eleven before it


def trend(ledger: Ledger, month: str) -> dict[str, dict]:
    """The key figures the ledger recorded for the months before `month` in the overview's trend."""
    first = month_back(month, TREND_MONTHS - 1)
    return {r.manad: r.nyckeltal for r in ledger.months() if first <= r.manad < month}
