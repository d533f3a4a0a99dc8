"""The fee administrators' basis (rules.md §7): performed hours, days, alarm, meals; the fee
under the maxtaxa and the client's avgiftsutrymme; who is new in billing and who ended."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vos_cli.io.contract import Col, Insats, MalTyp
from vos_cli.rules.compensation import round_half_up
from vos_cli.rules.endings import order_end

FEE_COLUMNS = [Col.PNR, Col.UTFORD_TID, Col.DAGV_DAGAR, Col.TRYGGHETSLARM, Col.MALTIDER_ST, Col.MATLADOR_ST,
               Col.AVGIFT_FORE_TAK, Col.AVGIFTSTAK, Col.OMSORGSAVGIFT, Col.MATKOSTNAD, Col.ATT_FAKTURERA,
               Col.TAK_ORSAK, Col.AVGIFTSUTRYMME]
NEW_COLUMNS = [Col.PNR, Col.INSATS, Col.VERKSTALLIGHETSDATUM, Col.UTFORARE, Col.BESTALLNING_ID]
ENDED_COLUMNS = [Col.PNR, Col.INSATS, Col.SLUTDATUM, Col.UTFORARE, Col.BESTALLNING_ID, Col.AVSLUTSORSAK]
CAP_MAXTAXA = "maxtaxa"
CAP_UTRYMME = "avgiftsutrymme"
BILL_END = "_faktureras_till"


@dataclass(frozen=True)
class Tariffs:
    maxtaxa: float
    timtaxa: float
    trygghetslarm: float
    maltid: float
    matlada: float
    dagverksamhet_per_dag: float


@dataclass
class Fees:
    basis: pd.DataFrame
    new: pd.DataFrame
    ended: pd.DataFrame


def billing_orders(execution: pd.DataFrame, adjusted_end: pd.Series) -> pd.DataFrame:
    """Executed orders with the day billing ends: the five-day rule's end, else the order's end."""
    ex = execution[execution[Col.KORREKT_VERKST].notna()].copy()
    ex[BILL_END] = order_end(ex, adjusted_end)
    return ex


def _in_orders(visits: pd.DataFrame, orders: pd.DataFrame, insats: str) -> pd.DataFrame:
    """Visits of an insats that fall inside an executed order of the same client and provider,
    from its execution date (never before) to its end."""
    v = visits[visits[Col.INSATS] == insats].reset_index(names="_v")
    o = orders[orders[Col.INSATS] == insats][[Col.PNR, Col.UTFORARE, Col.KORREKT_VERKST, BILL_END]]
    m = v.merge(o, on=[Col.PNR, Col.UTFORARE])
    ok = (m[Col.DATUM] >= m[Col.KORREKT_VERKST]) & (m[BILL_END].isna() | (m[Col.DATUM] <= m[BILL_END]))
    return m[ok].drop_duplicates("_v")


def basis(orders: pd.DataFrame, visits: pd.DataFrame, meals: pd.DataFrame, utrymme: pd.DataFrame,
          first: pd.Timestamp, last: pd.Timestamp, tariffs: Tariffs) -> pd.DataFrame:
    """One row per client billed in the month. orders: from billing_orders."""
    month_visits = visits[(visits[Col.DATUM] >= first) & (visits[Col.DATUM] <= last)]
    hem = _in_orders(month_visits, orders, Insats.HEMTJANST)
    hours = (hem.groupby(Col.PNR)[Col.MINUTER].sum().astype("float64") / 60)
    dagv = _in_orders(month_visits, orders, Insats.DAGVERKSAMHET)
    days = dagv.drop_duplicates([Col.PNR, Col.DATUM]).groupby(Col.PNR).size()

    active = orders[(orders[Col.KORREKT_VERKST] <= last) & (orders[BILL_END].isna() | (orders[BILL_END] >= first))]
    larm = active[active[Col.INSATS] == Insats.TRYGGHETSLARM].groupby(Col.PNR).size().clip(upper=1)
    month = f"{first:%Y-%m}"
    mm = meals[meals[Col.MANAD] == month]
    n_meals = mm[mm[Col.TYP] == MalTyp.MALTID].groupby(Col.PNR)[Col.ANTAL].sum()
    n_boxes = mm[mm[Col.TYP] == MalTyp.MATLADA].groupby(Col.PNR)[Col.ANTAL].sum()

    clients = pd.Index(sorted(set(active[Col.PNR]) | set(n_meals.index) | set(n_boxes.index)), name=Col.PNR)
    b = pd.DataFrame(index=clients)
    b[Col.UTFORD_TID] = round_half_up(hours.reindex(clients).fillna(0).to_numpy()).to_numpy()
    b[Col.DAGV_DAGAR] = days.reindex(clients).fillna(0).astype("int64")
    b[Col.TRYGGHETSLARM] = larm.reindex(clients).fillna(0).astype("int64")
    b[Col.MALTIDER_ST] = n_meals.reindex(clients).fillna(0).astype("int64")
    b[Col.MATLADOR_ST] = n_boxes.reindex(clients).fillna(0).astype("int64")

    before = (b[Col.UTFORD_TID] * tariffs.timtaxa + b[Col.TRYGGHETSLARM] * tariffs.trygghetslarm
              + b[Col.DAGV_DAGAR] * tariffs.dagverksamhet_per_dag)
    b[Col.AVGIFT_FORE_TAK] = round_half_up(before.to_numpy()).to_numpy()
    known = utrymme.drop_duplicates(Col.PNR, keep="last").set_index(Col.PNR)[Col.AVGIFTSUTRYMME].astype("float64")
    u = known.reindex(clients)
    cap = np.minimum(tariffs.maxtaxa, u.clip(lower=0).fillna(tariffs.maxtaxa))
    b[Col.AVGIFTSTAK] = cap.to_numpy()
    b[Col.OMSORGSAVGIFT] = np.minimum(b[Col.AVGIFT_FORE_TAK], b[Col.AVGIFTSTAK])
    b[Col.MATKOSTNAD] = round_half_up((b[Col.MALTIDER_ST] * tariffs.maltid + b[Col.MATLADOR_ST] * tariffs.matlada)
                                      .to_numpy()).to_numpy()
    b[Col.ATT_FAKTURERA] = round_half_up((b[Col.OMSORGSAVGIFT] + b[Col.MATKOSTNAD]).to_numpy()).to_numpy()
    capped = b[Col.AVGIFT_FORE_TAK] > b[Col.AVGIFTSTAK]
    by_utrymme = u.notna().to_numpy() & (u.clip(lower=0).to_numpy() < tariffs.maxtaxa)
    reason = np.where(capped, np.where(by_utrymme, CAP_UTRYMME, CAP_MAXTAXA), "")
    b[Col.TAK_ORSAK] = pd.Series(reason, index=clients, dtype="str")
    b[Col.AVGIFTSUTRYMME] = u.astype("Float64")
    return b.reset_index()[FEE_COLUMNS]


def new_in_billing(orders: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Execution date in the month, and no executed order of the same insats running the day before
    (a new order on a running service is not new in billing)."""
    starts = orders[(orders[Col.KORREKT_VERKST] >= first) & (orders[Col.KORREKT_VERKST] <= last)]
    pairs = starts[[Col.BESTALLNING_ID, Col.PNR, Col.INSATS, Col.KORREKT_VERKST]].merge(
        orders[[Col.PNR, Col.INSATS, Col.KORREKT_VERKST, BILL_END]], on=[Col.PNR, Col.INSATS], suffixes=("", "_o"))
    running = (pairs[f"{Col.KORREKT_VERKST}_o"] < pairs[Col.KORREKT_VERKST]) & (
        pairs[BILL_END].isna() | (pairs[BILL_END] >= pairs[Col.KORREKT_VERKST] - pd.Timedelta(days=1)))
    continuing = set(pairs.loc[running, Col.BESTALLNING_ID])
    new = starts[~starts[Col.BESTALLNING_ID].isin(continuing)]
    new = new.sort_values([Col.PNR, Col.INSATS, Col.KORREKT_VERKST]).drop_duplicates([Col.PNR, Col.INSATS])
    out = new.assign(**{Col.VERKSTALLIGHETSDATUM: new[Col.KORREKT_VERKST]})
    return out[NEW_COLUMNS].reset_index(drop=True)


def ended(orders: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Clients whose every executed service ended in the month (final invoice). A client who keeps
    Trygghetslarm, or whose five-day-rule end falls in the next month, is still ongoing."""
    o = orders[orders[Col.KORREKT_VERKST] <= last]
    g = o.groupby(Col.PNR)[BILL_END]
    latest = g.max().where(~o[BILL_END].isna().groupby(o[Col.PNR]).any())
    done = latest[(latest >= first) & (latest <= last)].index
    rows = o[o[Col.PNR].isin(done) & (o[BILL_END] >= first)]
    rows = rows.sort_values(BILL_END).drop_duplicates([Col.PNR, Col.INSATS], keep="last")
    out = rows.assign(**{Col.SLUTDATUM: rows[BILL_END]})
    return out[ENDED_COLUMNS].sort_values([Col.PNR, Col.INSATS], ignore_index=True)
