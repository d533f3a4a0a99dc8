"""The fee administrators' basis (rules.md §7, §10): billed hours, days, alarm, meals; the fee under
the maxtaxa and the client's avgiftsutrymme, per article to the öre; who is new in billing, who
ended, which orders were not executed, and what needs a look.

Amounts are computed per article and rounded to öre once; the cap is an article of its own (a
negative line), so the lines of a client always sum to `Att fakturera` exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vos_cli.frames import day_text, distinct, isin, per_text, shared_keys
from vos_cli.io.contract import Col, Insats, MalTyp
from vos_cli.rules import execution as exe
from vos_cli.rules.compensation import round_half_up, to_ore
from vos_cli.rules.endings import expand_days, order_end
from vos_cli.text import sv as _sv

FEE_COLUMNS = [
    # the contract's columns, then the second wave's, then ours
    Col.PNR, Col.UTFORD_TID, Col.DAGV_DAGAR, Col.TRYGGHETSLARM, Col.MALTIDER_ST, Col.MATLADOR_ST,
    Col.AVGIFT_FORE_TAK, Col.AVGIFTSTAK, Col.OMSORGSAVGIFT, Col.MATKOSTNAD, Col.ATT_FAKTURERA,
    Col.HEMTJANST_KR, Col.TRYGGHETSLARM_KR, Col.DAGVERKSAMHET_KR, Col.MALTIDER_KR, Col.MATLADOR_KR,
    Col.UTRYMME_KALLA, Col.BERAKNING,
    Col.DEBITERAD_TID, Col.TAK_ORSAK, Col.AVGIFTSUTRYMME_KR,
]
NEW_COLUMNS = [Col.PNR, Col.INSATS, Col.VERKSTALLIGHETSDATUM, Col.UTFORARE, Col.BESTALLNING_ID]
ENDED_COLUMNS = [Col.PNR, Col.INSATS, Col.SLUTDATUM, Col.UTFORARE, Col.BESTALLNING_ID, Col.AVSLUTSORSAK]
ARTICLE_COLUMNS = [Col.PNR, Col.PERIOD, Col.ARTIKEL, Col.ANTAL, Col.A_PRIS, Col.BELOPP]
OVER_COLUMNS = [Col.PNR, Col.BESTALLNING_ID, Col.UTFORARE, Col.BEVILJAD_MANAD, Col.UTFORD_TIM, Col.OVER_BEVILJAD,
                Col.KOMMENTAR]
NOT_EXECUTED_COLUMNS = [Col.PNR, Col.BESTALLNING_ID, Col.INSATS, Col.UTFORARE, Col.STARTDATUM, Col.REG_VERKST,
                        Col.STATUS, Col.KOMMENTAR]
CHECK_COLUMNS = [Col.PNR, Col.ORSAK, Col.ATT_FAKTURERA]
BESOK, LARM_UNITS, SLUT = "besok", "larm", "slut"
DETAIL_COLUMNS = [Col.PNR, BESOK, LARM_UNITS, SLUT]
CAP_MAXTAXA = "maxtaxa"
CAP_UTRYMME = "avgiftsutrymme"
BILL_END = "_faktureras_till"

# the articles, in invoice order; the cap and the rounding are lines of their own
ART_HEMTJANST = "Hemtjänst"
ART_LARM = "Trygghetslarm"
ART_DAGV = "Dagverksamhet"
ART_TAK = "Reducering till avgiftstak"
ART_MALTID = "Måltider"
ART_MATLADA = "Matlådor"
ART_AVRUNDNING = "Öresavrundning"
ARTICLES = (ART_HEMTJANST, ART_LARM, ART_DAGV, ART_TAK, ART_MALTID, ART_MATLADA, ART_AVRUNDNING)

KALLA_EXPORT = "avgiftsutrymme (export)"
KALLA_INKOMSTER = "beräknat ur inkomster"
KALLA_SAKNAS = "saknas — maxtaxan gäller"

# where a client's cap came from, and the value (a frame: Personnummer, Avgiftsutrymme, källa)
KALLA = "_kalla"


@dataclass(frozen=True)
class Tariffs:
    maxtaxa: float
    timtaxa: float
    trygghetslarm: float
    maltid: float
    matlada: float
    dagverksamhet_per_dag: float


@dataclass(frozen=True)
class Options:
    """The municipality's choices ([rules] avgift_timmar, [fees])."""

    hours: str = "utford_hogst_beviljad"  # or "utford", "beviljad"
    alarm: str = "manad"  # or "dag"
    hour_rounding: str = "manad"  # or "besok"
    total_rounding: str = "ore"  # or "krona"


@dataclass
class Fees:
    basis: pd.DataFrame
    new: pd.DataFrame
    ended: pd.DataFrame
    articles: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ARTICLE_COLUMNS))
    over_granted: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OVER_COLUMNS))
    not_executed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOT_EXECUTED_COLUMNS))
    to_check: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHECK_COLUMNS))
    # per client, for the ledger and the causes of corrections: visits, alarm units, billing end
    details: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DETAIL_COLUMNS))
    billing: pd.DataFrame | None = None  # the executed orders billed from (billing_orders)
    # the avgiftsutrymme from income could not be computed (or is below zero): Personnummer, Orsak
    income_problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[Col.PNR, Col.ORSAK]))


def billing_orders(execution: pd.DataFrame, adjusted_end: pd.Series) -> pd.DataFrame:
    """Executed orders with the day billing ends: the five-day rule's end, else the order's end."""
    ex = execution[execution[Col.KORREKT_VERKST].notna()].copy()
    ex[BILL_END] = order_end(ex, adjusted_end)
    return ex


def _in_orders(visits: pd.DataFrame, orders: pd.DataFrame, insats: str, first: pd.Timestamp,
               last: pd.Timestamp) -> pd.DataFrame:
    """The month's visits of an insats that fall inside an executed order of the same client and provider,
    from its execution date (never before) to its end; each visit in one order (the first by
    execution date, then Beställnings-ID). Only the columns the fee rules read come out —
    Personnummer, Datum, Minuter, Beställnings-ID, the texts as codes (categoricals).

    A national month has 14 M such visits: each is looked up among the orders sorted by client and
    provider (one integer key, `shared_keys`) — in a table by key value, or by binary search where
    the keys are many beside the visits — not by pandas' hash join, whose tables and matched pairs
    cost 1.5 GB; a block of visits at a time; a visit with one candidate order (most) is checked
    against it directly, one with several against each in turn."""
    keys = [Col.PNR, Col.UTFORARE]
    days = visits[Col.DATUM].to_numpy(dtype="datetime64[us]")
    small = np.int32 if max(len(visits), len(orders)) < 2**31 else np.int64  # positions: half the memory
    rows = np.flatnonzero((visits[Col.INSATS] == insats).to_numpy(dtype=bool) & (days >= first.to_datetime64())
                          & (days <= last.to_datetime64())).astype(small)
    o = orders.loc[orders[Col.INSATS] == insats, [Col.BESTALLNING_ID, Col.PNR, Col.UTFORARE, Col.KORREKT_VERKST,
                                                  BILL_END]]
    # the visits' key columns taken without their index (a nation's 14 M index values are 112 MB)
    vkey, okey = shared_keys(pd.DataFrame({k: visits[k].array.take(rows) for k in keys}), o, keys)
    # the orders by key, then execution date and Beställnings-ID: the first inside is the one chosen
    by = o.assign(_k=okey, _p=np.arange(len(o))).sort_values(["_k", Col.KORREKT_VERKST, Col.BESTALLNING_ID],
                                                             kind="stable")
    sorted_key, pos = by["_k"].to_numpy(), by["_p"].to_numpy()
    start = by[Col.KORREKT_VERKST].to_numpy(dtype="datetime64[us]")
    end = by[BILL_END].to_numpy(dtype="datetime64[us]")
    # where each key's orders begin among the sorted ones and how many: a table by key value when the
    # keys are few beside the visits (a city's), else a binary search per visit (a nation's)
    size = int(sorted_key[-1]) + 1 if len(sorted_key) else 0
    table = 0 < size and size * _VISITS_PER_KEY <= len(rows)
    if table:
        count_of = np.bincount(sorted_key, minlength=size).astype(small)
        lo_of = np.cumsum(count_of, dtype=small) - count_of
    chosen = np.full(len(rows), -1, dtype=small)
    for block in range(0, len(rows), _BLOCK):  # a block of visits at a time: the search's arrays stay small
        key, when = vkey[block:block + _BLOCK], days[rows[block:block + _BLOCK]]
        if table:
            known = key < size
            at = np.where(known, key, 0)
            lo, count = lo_of[at], np.where(known, count_of[at], 0)
        else:
            lo = np.searchsorted(sorted_key, key, side="left")
            count = np.searchsorted(sorted_key, key, side="right") - lo
        # a visit with one order of its key (most): that order, if the visit is inside it
        one = np.flatnonzero(count == 1)
        cand = lo[one]
        inside = (when[one] >= start[cand]) & ((when[one] <= end[cand]) | np.isnat(end[cand]))
        chosen[block + one[inside]] = cand[inside]
        # a visit with several: each candidate in sort order, the first inside is chosen
        many = np.flatnonzero(count > 1)
        n = count[many]
        each = np.repeat(many, n)
        cand = np.arange(len(each)) - np.repeat(np.cumsum(n) - n - lo[many], n)
        inside = (when[each] >= start[cand]) & ((when[each] <= end[cand]) | np.isnat(end[cand]))
        each, cand = each[inside], cand[inside]
        first_of = np.ones(len(each), dtype=bool)
        np.not_equal(each[1:], each[:-1], out=first_of[1:])
        chosen[block + each[first_of]] = cand[first_of]
    del vkey
    kept = chosen >= 0
    at, order = rows[kept], pos[chosen[kept]]
    del rows, chosen
    ids, id_texts = pd.factorize(o[Col.BESTALLNING_ID], use_na_sentinel=True)
    ids = ids.astype(small)
    return pd.DataFrame({
        Col.PNR: visits[Col.PNR].array.take(at),
        Col.DATUM: days[at], Col.MINUTER: visits[Col.MINUTER].array.take(at),
        Col.BESTALLNING_ID: pd.Categorical.from_codes(ids[order], categories=pd.Index(id_texts, dtype="str")),
    }, copy=False)


# visits searched at a time: the search's arrays (candidates, their dates) stay at about 20 MB; a
# million at a time held 40–60 MB more at the peak of a city month recomputed for its corrections
_BLOCK = 1 << 18
# the orders' start per key value in a table when there are at least this many visits per value: a
# city's month has 8, a nation's about 1 (a table of 25 M values: binary search instead)
_VISITS_PER_KEY = 4


def _active_days(orders: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    a = orders[Col.KORREKT_VERKST].where(orders[Col.KORREKT_VERKST] > first, first)
    b = orders[BILL_END].where(orders[BILL_END].notna() & (orders[BILL_END] < last), last)
    return ((b - a).dt.days + 1).clip(lower=0).fillna(0).astype("int64")


def home_care_hours(orders: pd.DataFrame, visits: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp,
                    options: Options, hem: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per Hemtjänst order running in the month: performed hours, granted hours for the month
    (Omfattning × active days / days in the month, 2 decimals) and billed hours: the performed
    hours, at most the granted (seed 003: "beslutad, beviljad och utförd"), or as configured.
    Returns (per order, the orders whose performed time exceeds the granted)."""
    if hem is None:  # the month's Hemtjänst visits inside their orders (basis passes them in)
        hem = _in_orders(visits, orders, Insats.HEMTJANST, first, last)
    minutes = hem[Col.MINUTER].astype("float64")
    hem = hem.assign(_h=round_half_up((minutes / 60).to_numpy()).to_numpy() if options.hour_rounding == "besok"
                     else minutes / 60)
    performed = per_text(hem.groupby(Col.BESTALLNING_ID, observed=True)["_h"].sum())
    o = orders[(orders[Col.INSATS] == Insats.HEMTJANST) & (orders[Col.KORREKT_VERKST] <= last)
               & (orders[BILL_END].isna() | (orders[BILL_END] >= first))]
    days = _active_days(o, first, last)
    granted = round_half_up((o[Col.OMFATTNING].astype("float64") * days / last.day).to_numpy()).set_axis(o.index)
    perf = round_half_up(o[Col.BESTALLNING_ID].map(performed).fillna(0).to_numpy()).set_axis(o.index)
    if options.hours == "utford":
        billed = perf
    elif options.hours == "beviljad":
        billed = granted.fillna(0)
    else:
        billed = pd.concat([perf, granted.fillna(np.inf)], axis=1).min(axis=1)
    per = pd.DataFrame({Col.BESTALLNING_ID: o[Col.BESTALLNING_ID], Col.PNR: o[Col.PNR], Col.UTFORARE: o[Col.UTFORARE],
                        Col.BEVILJAD_MANAD: granted, Col.UTFORD_TIM: perf, "_billed": billed})
    over = per[per[Col.BEVILJAD_MANAD].notna() & (per[Col.UTFORD_TIM] > per[Col.BEVILJAD_MANAD])].copy()
    over[Col.OVER_BEVILJAD] = round_half_up((over[Col.UTFORD_TIM] - over[Col.BEVILJAD_MANAD]).to_numpy()).to_numpy()
    note = {"utford_hogst_beviljad": "Debiteras högst beviljad tid", "utford": "Debiteras utförd tid (inställning)",
            "beviljad": "Debiteras beviljad tid (inställning)"}[options.hours]
    over[Col.KOMMENTAR] = note + "; utförd tid över beviljad — följ upp med utföraren och handläggaren"
    return per, over[OVER_COLUMNS].sort_values([Col.UTFORARE, Col.PNR, Col.BESTALLNING_ID], ignore_index=True)


def alarm_units(orders: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp, per_day: bool) -> pd.Series:
    """Trygghetslarm per client: 1 per started calendar month, or the days it ran (each day once)."""
    larm = orders[(orders[Col.INSATS] == Insats.TRYGGHETSLARM) & (orders[Col.KORREKT_VERKST] <= last)
                  & (orders[BILL_END].isna() | (orders[BILL_END] >= first))]
    if not per_day:
        return larm.groupby(Col.PNR).size().clip(upper=1)
    a = larm[Col.KORREKT_VERKST].where(larm[Col.KORREKT_VERKST] > first, first)
    b = larm[BILL_END].where(larm[BILL_END].notna() & (larm[BILL_END] < last), last)
    days = expand_days(larm.assign(_a=a, _b=b), "_a", "_b", [Col.PNR]).drop_duplicates()
    return days.groupby(Col.PNR).size()


def basis(orders: pd.DataFrame, visits: pd.DataFrame, meals: pd.DataFrame, utrymme: pd.DataFrame,
          first: pd.Timestamp, last: pd.Timestamp, tariffs: Tariffs, options: Options = Options(),
          words: bool = True) -> Fees:
    """One row per client billed in the month, its article lines, and the orders over their granted
    time. orders: from billing_orders. utrymme: Personnummer, Avgiftsutrymme and optionally KALLA.
    words=False leaves the calculation in words empty (an earlier month recomputed for its
    corrections: only its amounts and figures are compared)."""
    hem_v = _in_orders(visits, orders, Insats.HEMTJANST, first, last)
    per_order, over = home_care_hours(orders, visits, first, last, options, hem=hem_v)
    performed = per_text(hem_v.groupby(Col.PNR, observed=True)[Col.MINUTER].sum()).astype("float64") / 60
    billed = per_order.groupby(Col.PNR)["_billed"].sum()
    dagv = _in_orders(visits, orders, Insats.DAGVERKSAMHET, first, last)
    days = per_text(dagv.drop_duplicates([Col.PNR, Col.DATUM]).groupby(Col.PNR, observed=True).size())
    larm = alarm_units(orders, first, last, options.alarm == "dag")

    active = orders[(orders[Col.KORREKT_VERKST] <= last) & (orders[BILL_END].isna() | (orders[BILL_END] >= first))]
    month = f"{first:%Y-%m}"
    mm = meals[meals[Col.MANAD] == month]
    n_meals = mm[mm[Col.TYP] == MalTyp.MALTID].groupby(Col.PNR)[Col.ANTAL].sum()
    n_boxes = mm[mm[Col.TYP] == MalTyp.MATLADA].groupby(Col.PNR)[Col.ANTAL].sum()

    clients = distinct(active[Col.PNR], n_meals.index, n_boxes.index, name=Col.PNR)
    b = pd.DataFrame(index=clients)
    b[Col.UTFORD_TID] = round_half_up(performed.reindex(clients).fillna(0).to_numpy()).to_numpy()
    b[Col.DEBITERAD_TID] = round_half_up(billed.reindex(clients).fillna(0).to_numpy()).to_numpy()
    b[Col.DAGV_DAGAR] = days.reindex(clients).fillna(0).astype("int64")
    larm_units = larm.reindex(clients).fillna(0).astype("int64")
    b[Col.TRYGGHETSLARM] = larm_units.clip(upper=1)
    b[Col.MALTIDER_ST] = n_meals.reindex(clients).fillna(0).astype("int64")
    b[Col.MATLADOR_ST] = n_boxes.reindex(clients).fillna(0).astype("int64")

    # each article once, rounded to öre; everything after in whole öre (exact sums)
    larm_price = tariffs.trygghetslarm if options.alarm == "manad" else \
        float(round_half_up(np.array([tariffs.trygghetslarm / last.day]))[0])
    hem_o = to_ore(round_half_up((b[Col.DEBITERAD_TID] * tariffs.timtaxa).to_numpy()))
    larm_o = to_ore(round_half_up((larm_units * larm_price).to_numpy()))
    dagv_o = to_ore(round_half_up((b[Col.DAGV_DAGAR] * tariffs.dagverksamhet_per_dag).to_numpy()))
    meal_o = to_ore(round_half_up((b[Col.MALTIDER_ST] * tariffs.maltid).to_numpy()))
    box_o = to_ore(round_half_up((b[Col.MATLADOR_ST] * tariffs.matlada).to_numpy()))
    before_o = hem_o + larm_o + dagv_o

    known = utrymme.drop_duplicates(Col.PNR, keep="last").set_index(Col.PNR)
    u = known[Col.AVGIFTSUTRYMME].astype("float64").reindex(clients)
    source = (known[KALLA] if KALLA in known else pd.Series(KALLA_EXPORT, index=known.index)).reindex(clients)
    source = source.where(u.notna(), KALLA_SAKNAS).astype("str")
    cap = np.minimum(tariffs.maxtaxa, u.clip(lower=0).fillna(tariffs.maxtaxa))
    cap_o = to_ore(pd.Series(cap.to_numpy()))
    omsorg_o = np.minimum(before_o.to_numpy(), cap_o.to_numpy())
    total_o = omsorg_o + meal_o.to_numpy() + box_o.to_numpy()
    rounded_o = (np.floor(total_o / 100 + 0.5) * 100).astype("int64") if options.total_rounding == "krona" else total_o

    kr = lambda ore: np.asarray(ore, dtype="float64") / 100  # noqa: E731
    b[Col.AVGIFT_FORE_TAK] = kr(before_o)
    b[Col.AVGIFTSTAK] = cap.to_numpy()
    b[Col.OMSORGSAVGIFT] = kr(omsorg_o)
    b[Col.MATKOSTNAD] = kr(meal_o.to_numpy() + box_o.to_numpy())
    b[Col.ATT_FAKTURERA] = kr(rounded_o)
    b[Col.HEMTJANST_KR] = kr(hem_o)
    b[Col.TRYGGHETSLARM_KR] = kr(larm_o)
    b[Col.DAGVERKSAMHET_KR] = kr(dagv_o)
    b[Col.MALTIDER_KR] = kr(meal_o)
    b[Col.MATLADOR_KR] = kr(box_o)
    b[Col.UTRYMME_KALLA] = source.to_numpy()
    capped = before_o.to_numpy() > cap_o.to_numpy()
    by_utrymme = u.notna().to_numpy() & (u.clip(lower=0).to_numpy() < tariffs.maxtaxa)
    b[Col.TAK_ORSAK] = pd.Series(np.where(capped, np.where(by_utrymme, CAP_UTRYMME, CAP_MAXTAXA), ""), index=clients,
                                 dtype="str")
    b[Col.AVGIFTSUTRYMME_KR] = u.astype("Float64")

    b[Col.BERAKNING] = _in_words(b, clients, tariffs, options, larm_units, larm_price, capped, u, rounded_o, total_o) \
        if words else pd.Series("", index=clients, dtype="str")
    b = b.reset_index()[FEE_COLUMNS]

    lines = article_lines(b, clients, month, tariffs, larm_units, larm_price, omsorg_o - before_o.to_numpy(),
                          rounded_o - total_o)
    open_ended = active[BILL_END].isna().groupby(active[Col.PNR]).any()
    last_end = active.groupby(Col.PNR)[BILL_END].max().where(~open_ended)
    details = pd.DataFrame({Col.PNR: clients, BESOK: per_text(hem_v.groupby(Col.PNR, observed=True).size())
                            .reindex(clients).fillna(0)
                            .astype("int64").to_numpy(), LARM_UNITS: larm_units.to_numpy(),
                            SLUT: last_end.reindex(clients).to_numpy()})
    return Fees(b, pd.DataFrame(columns=NEW_COLUMNS), pd.DataFrame(columns=ENDED_COLUMNS), lines, over,
                details=details)


def _in_words(b: pd.DataFrame, clients: pd.Index, tariffs: Tariffs, options: Options, larm_units: pd.Series,
              larm_price: float, capped: np.ndarray, u: pd.Series, rounded_o: np.ndarray,
              total_o: np.ndarray) -> pd.Series:
    """The calculation in words, as a fee administrator would say it to the client."""
    perf_by_client = pd.Series(b[Col.UTFORD_TID].to_numpy(), index=clients)
    parts = pd.Series("", index=clients, dtype="str")
    has_h = b[Col.DEBITERAD_TID] > 0
    parts[has_h] = _sv(b[Col.DEBITERAD_TID])[has_h] + " tim × " + _sv(pd.Series(tariffs.timtaxa, index=clients))[has_h] \
        + " kr = " + _sv(b[Col.HEMTJANST_KR])[has_h] + " kr"
    trimmed = has_h & (perf_by_client > b[Col.DEBITERAD_TID]) & (options.hours == "utford_hogst_beviljad")
    parts[trimmed] = parts[trimmed] + " (utförd " + _sv(perf_by_client)[trimmed] + " tim, högst beviljad tid)"

    def add(mask, text):
        nonlocal parts
        mask = pd.Series(np.asarray(mask), index=clients)
        # in Arrow text operations throughout (np.where would turn every text into a Python object)
        parts = parts.where(~mask, (parts + "; " + text).where(parts != "", text))

    has_l = larm_units > 0
    if options.alarm == "manad":
        add(has_l, "trygghetslarm " + _sv(b[Col.TRYGGHETSLARM_KR]) + " kr")
    else:
        add(has_l, "trygghetslarm " + larm_units.astype("str") + " dagar × " + _sv(pd.Series(larm_price, index=clients),
                                                                                "2") + " kr = "
            + _sv(b[Col.TRYGGHETSLARM_KR]) + " kr")
    has_d = b[Col.DAGV_DAGAR] > 0
    add(has_d, "dagverksamhet " + b[Col.DAGV_DAGAR].astype("str") + " dagar × "
        + _sv(pd.Series(tariffs.dagverksamhet_per_dag, index=clients)) + " kr = " + _sv(b[Col.DAGVERKSAMHET_KR]) + " kr")
    several = (has_h.astype(int) + has_l.astype(int) + has_d.astype(int)) > 1
    add(several, "summa " + _sv(b[Col.AVGIFT_FORE_TAK]) + " kr")
    cap_text = np.where(b[Col.TAK_ORSAK] == CAP_UTRYMME,
                        np.where(u.fillna(0).to_numpy() <= 0, "ingen omsorgsavgift: avgiftsutrymmet är "
                                 + _sv(u.fillna(0)) + " kr", "begränsad till avgiftsutrymmet " + _sv(b[Col.AVGIFTSTAK])
                                 + " kr"),
                        "begränsad till maxtaxan " + _sv(b[Col.AVGIFTSTAK]) + " kr")
    parts = parts.where(~capped, parts + ", " + pd.Series(cap_text, index=clients))
    has_m = b[Col.MALTIDER_ST] > 0
    add(has_m, "måltider " + b[Col.MALTIDER_ST].astype("str") + " × " + _sv(pd.Series(tariffs.maltid, index=clients))
        + " kr = " + _sv(b[Col.MALTIDER_KR]) + " kr utanför taket")
    has_b = b[Col.MATLADOR_ST] > 0
    add(has_b, "matlådor " + b[Col.MATLADOR_ST].astype("str") + " × " + _sv(pd.Series(tariffs.matlada, index=clients))
        + " kr = " + _sv(b[Col.MATLADOR_KR]) + " kr utanför taket")
    add(rounded_o != total_o, "avrundat till hela kronor")
    add(parts == "", "inget att fakturera")
    return parts + "; att fakturera " + _sv(b[Col.ATT_FAKTURERA]) + " kr"


def article_lines(b: pd.DataFrame, clients: pd.Index, month: str, tariffs: Tariffs, larm_units: pd.Series,
                  larm_price: float, reduction_o: np.ndarray, rounding_o: np.ndarray) -> pd.DataFrame:
    """One line per client and article with a non-zero amount; the cap and the rounding as lines of
    their own, so each client's lines sum to `Att fakturera` exactly."""
    pnr = b[Col.PNR].to_numpy()
    specs = [
        (ART_HEMTJANST, b[Col.DEBITERAD_TID], tariffs.timtaxa, b[Col.HEMTJANST_KR]),
        (ART_LARM, larm_units.to_numpy(), larm_price, b[Col.TRYGGHETSLARM_KR]),
        (ART_DAGV, b[Col.DAGV_DAGAR], tariffs.dagverksamhet_per_dag, b[Col.DAGVERKSAMHET_KR]),
        (ART_TAK, np.ones(len(b)), reduction_o / 100, reduction_o / 100),
        (ART_MALTID, b[Col.MALTIDER_ST], tariffs.maltid, b[Col.MALTIDER_KR]),
        (ART_MATLADA, b[Col.MATLADOR_ST], tariffs.matlada, b[Col.MATLADOR_KR]),
        (ART_AVRUNDNING, np.ones(len(b)), rounding_o / 100, rounding_o / 100),
    ]
    frames = []
    for order, (article, qty, price, amount) in enumerate(specs):
        amount = np.asarray(amount, dtype="float64")
        frames.append(pd.DataFrame({Col.PNR: pnr, Col.PERIOD: month, Col.ARTIKEL: article,
                                    Col.ANTAL: np.asarray(qty, dtype="float64"),
                                    Col.A_PRIS: np.broadcast_to(np.asarray(price, dtype="float64"), len(b)),
                                    Col.BELOPP: amount, "_o": order})[amount != 0])
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ARTICLE_COLUMNS + ["_o"])
    return out.sort_values([Col.PNR, "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)[ARTICLE_COLUMNS]


def not_executed(month_rows: pd.DataFrame) -> pd.DataFrame:
    """Orders running in the month that were not executed (rules §10, seed 000: "kontakt tas även
    med avgiftshandläggare"): nobody is billed for them, and the fee administrator knows why."""
    rows = month_rows[isin(month_rows[Col.STATUS], [exe.EJ_PABORJAD, exe.UTAN_BESOK])].copy()
    comment = pd.Series("Faktureras inte: insatsen har inte startat", index=rows.index, dtype="str")
    comment[rows[Col.STATUS] == exe.UTAN_BESOK] = ("Faktureras inte: registrerad som verkställd men inget utfört "
                                                   "besök — kontrollera med utföraren")
    rows[Col.KOMMENTAR] = comment
    return rows[NOT_EXECUTED_COLUMNS].sort_values([Col.PNR, Col.STARTDATUM, Col.BESTALLNING_ID], ignore_index=True)


def to_check(fees: Fees, orders: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp,
             previous: pd.Series | None = None, change_pct: float = 50) -> pd.DataFrame:
    """The rows a fee administrator must look at first, each with its reason: no avgiftsutrymme
    (charged the maxtaxa), 0 kr although a service runs (and why), performed over granted time, a
    fee that changed more than change_pct % since last month (from the ledger), an alarm that
    started or ended mid-month, orders not executed. previous: last month's amount per client."""
    b = fees.basis.set_index(Col.PNR)
    rows: list[pd.DataFrame] = []

    def add(pnr: pd.Index | pd.Series, reason: pd.Series | str):
        # by position (the reasons' index is not the numbers'), without a Python string per row
        rows.append(pd.DataFrame({Col.PNR: pd.array(pnr, dtype="str"),
                                  Col.ORSAK: reason if isinstance(reason, str) else pd.array(reason, dtype="str")}))

    no_u = b[(b[Col.UTRYMME_KALLA] == KALLA_SAKNAS) & (b[Col.OMSORGSAVGIFT] > 0)]
    add(no_u.index, "Avgiftsutrymme saknas: taket är maxtaxan (" + _sv(no_u[Col.AVGIFTSTAK]) + " kr) — registrera "
        "avgiftsutrymmet eller bekräfta maxtaxan")
    active = orders[(orders[Col.KORREKT_VERKST] <= last) & (orders[BILL_END].isna() | (orders[BILL_END] >= first))]
    running = isin(pd.Series(b.index), active[Col.PNR]).to_numpy()
    zero = b[(b[Col.ATT_FAKTURERA] == 0).to_numpy() & running]
    why = pd.Series("inga utförda besök, närvarodagar eller måltider i månaden", index=zero.index, dtype="str")
    why[zero[Col.AVGIFTSUTRYMME_KR].fillna(1) <= 0] = "avgiftsutrymmet är noll eller lägre: ingen omsorgsavgift"
    add(zero.index, "0 kr trots pågående insats: " + why)
    over = fees.over_granted
    add(over[Col.PNR], "Utförd tid över beviljad: " + _sv(over[Col.UTFORD_TIM]) + " tim utförd, "
        + _sv(over[Col.BEVILJAD_MANAD]) + " tim beviljad (beställning " + over[Col.BESTALLNING_ID] + ")")
    if previous is not None and len(previous):
        was = previous.reindex(b.index)
        now = b[Col.ATT_FAKTURERA]
        jump = was.notna() & (was > 0) & ((now - was).abs() > was * change_pct / 100)
        add(b.index[jump], f"Avgiften ändrad mer än {change_pct:g} % från förra månaden ("
            + _sv(was[jump]) + " → " + _sv(now[jump]) + " kr)")
    larm = active[active[Col.INSATS] == Insats.TRYGGHETSLARM]
    started = larm[larm[Col.KORREKT_VERKST] > first]
    add(started[Col.PNR], "Trygghetslarm startade " + day_text(started[Col.KORREKT_VERKST])
        + " (mitt i månaden)")
    stopped = larm[larm[BILL_END].notna() & (larm[BILL_END] < last)]
    add(stopped[Col.PNR], "Trygghetslarm avslutades " + day_text(stopped[BILL_END]) + " (mitt i månaden)")
    ip = fees.income_problems[isin(fees.income_problems[Col.PNR], b.index)]
    add(ip[Col.PNR], "Inkomster: " + ip[Col.ORSAK].astype("str"))
    ne = fees.not_executed
    add(ne[Col.PNR], "Ej verkställd beställning " + ne[Col.BESTALLNING_ID] + " (" + ne[Col.INSATS] + ", "
        + ne[Col.UTFORARE] + "): " + ne[Col.STATUS] + " — faktureras inte")
    out = pd.concat([r for r in rows if len(r)], ignore_index=True) if any(len(r) for r in rows) else \
        pd.DataFrame(columns=[Col.PNR, Col.ORSAK])
    out[Col.ATT_FAKTURERA] = out[Col.PNR].map(b[Col.ATT_FAKTURERA]).astype("Float64")
    return out[CHECK_COLUMNS].sort_values([Col.PNR], kind="stable", ignore_index=True)


def new_in_billing(orders: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Execution date in the month, and no executed order of the same insats running the day before
    (a new order on a running service is not new in billing)."""
    starts = orders[(orders[Col.KORREKT_VERKST] >= first) & (orders[Col.KORREKT_VERKST] <= last)]
    pairs = starts[[Col.BESTALLNING_ID, Col.PNR, Col.INSATS, Col.KORREKT_VERKST]].merge(
        orders[[Col.PNR, Col.INSATS, Col.KORREKT_VERKST, BILL_END]], on=[Col.PNR, Col.INSATS], suffixes=("", "_o"))
    running = (pairs[f"{Col.KORREKT_VERKST}_o"] < pairs[Col.KORREKT_VERKST]) & (
        pairs[BILL_END].isna() | (pairs[BILL_END] >= pairs[Col.KORREKT_VERKST] - pd.Timedelta(days=1)))
    new = starts[~isin(starts[Col.BESTALLNING_ID], pairs.loc[running, Col.BESTALLNING_ID])]
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
    rows = o[isin(o[Col.PNR], done) & (o[BILL_END] >= first)]
    rows = rows.sort_values(BILL_END).drop_duplicates([Col.PNR, Col.INSATS], keep="last")
    out = rows.assign(**{Col.SLUTDATUM: rows[BILL_END]})
    return out[ENDED_COLUMNS].sort_values([Col.PNR, Col.INSATS], ignore_index=True)
