"""Provider compensation (rules.md §5): granted hours minus planned absence; meal boxes per box."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vos_cli.frames import day_text
from vos_cli.io.contract import Col, FranvaroTyp, Insats, MalTyp
from vos_cli.rules.endings import expand_days, intervals, order_end
from vos_cli.rules.execution import ENDED_BY

ORDER_COLUMNS = [Col.UTFORARE, Col.BESTALLNING_ID, Col.PNR, Col.INSATS, Col.BEVILJAD_TID, Col.ERSATTNINGSDAGAR,
                 Col.PLANERAD_DAGAR, Col.ERSATT_TID, Col.TIMERSATTNING, Col.ERSATTNING_TID, Col.FORKLARING,
                 Col.KORREKT_VERKST, Col.JUSTERAT_SLUT, Col.KOMMENTAR]
BOX_COLUMNS = [Col.UTFORARE, Col.PNR, Col.ANTAL, Col.PRIS, Col.ERSATTNING]
PROVIDER_COLUMNS = [Col.UTFORARE, Col.ANTAL_BRUKARE, Col.ERSATT_TID, Col.ERSATTNING_TID, Col.MATLADOR_ST,
                    Col.ERSATTNING_MATLADOR, Col.SUMMA]
ACTIVE = "_aktiva"
ORDER_END = "_slut"  # the order's effective end (the five-day rule's, Slutdatum or a later order's), for the ledger


def round_half_up(x: pd.Series | np.ndarray, decimals: int = 2) -> pd.Series:
    """Round half away from zero (öre: 0.005 → 0.01), immune to binary representation (x.xx5)."""
    f = 10 ** decimals
    s = pd.Series(x, dtype="float64")
    return np.sign(s) * np.floor(np.abs(s) * f + 0.5 + 1e-9) / f


def to_ore(x: pd.Series) -> pd.Series:
    return (pd.Series(x, dtype="float64") * 100).round().astype("int64")


def active_range(execution: pd.DataFrame, end: pd.Series, first: pd.Timestamp, last: pd.Timestamp):
    """(from, to) of each order inside the month: execution date → its end (endings.order_end) or open."""
    start = execution[Col.KORREKT_VERKST]
    a = start.where(start > first, first).where(start.notna())
    b = end.where(end.notna() & (end < last), last)
    return a, b


def planned_absence(orders: pd.DataFrame, absence: pd.DataFrame, a: pd.Series, b: pd.Series,
                    words: bool = True) -> tuple[pd.Series, pd.Series]:
    """Days of planned absence inside each order's [a, b] (overlapping absence rows count a day
    once), and the periods as text ("2026-03-05–2026-03-09 (5 dagar), 2026-03-20 (1 dag)") for the
    Förklaring — empty texts with words=False."""
    none = (pd.Series(0, index=orders.index, dtype="int64"), pd.Series("", index=orders.index, dtype="str"))
    planned = absence[absence[Col.TYP] == FranvaroTyp.PLANERAD]
    if not len(planned) or not len(orders):
        return none
    lo, hi = a.min(), b.max()
    if pd.isna(lo) or pd.isna(hi):
        return none
    clipped = planned.assign(
        _f=planned[Col.FROM].where(planned[Col.FROM] > lo, lo), _t=planned[Col.TOM].where(planned[Col.TOM] < hi, hi))
    days = expand_days(clipped, "_f", "_t", [Col.PNR, Col.UTFORARE]).drop_duplicates()
    spans = pd.DataFrame({"_i": orders.index, Col.PNR: orders[Col.PNR].to_numpy(),
                          Col.UTFORARE: orders[Col.UTFORARE].to_numpy(), "_a": a.to_numpy(), "_b": b.to_numpy()})
    m = spans.merge(days, on=[Col.PNR, Col.UTFORARE])
    inside = m[(m[Col.DATUM] >= m["_a"]) & (m[Col.DATUM] <= m["_b"])]
    count = inside.groupby("_i").size().reindex(orders.index, fill_value=0).astype("int64")
    if not words:
        return count, none[1]
    runs = intervals(inside[["_i", Col.DATUM]], ["_i"])
    if len(runs):
        start, stop = day_text(runs[Col.FROM]), day_text(runs[Col.TOM])
        n = runs[Col.DAGAR].astype("int64")
        text = pd.Series(np.where(n == 1, start + " (1 dag)", start + "–" + stop + " (" + n.astype("str") + " dagar)"),
                         index=runs.index, dtype="str")
    else:
        text = pd.Series(dtype="str")
    periods = text.groupby(runs["_i"].to_numpy()).agg(", ".join) if len(runs) else pd.Series(dtype="str")
    return count, periods.reindex(orders.index).fillna("").astype("str")


def explain(execution: pd.DataFrame, adjusted: pd.Series, end: pd.Series, a: pd.Series, b: pd.Series,
            planned_text: pd.Series, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    """Why an order has fewer compensated days than the month: its start (the execution date), its
    end (the five-day rule's, its Slutdatum, or a new order's execution), planned absence."""
    ex = execution[Col.KORREKT_VERKST]
    parts = pd.Series("", index=execution.index, dtype="str")

    def add(mask: pd.Series, text: pd.Series) -> None:
        nonlocal parts
        mask = mask.fillna(False).astype(bool)
        parts = parts.where(~mask, np.where(parts == "", text, parts + "; " + text))

    add(ex.isna(), pd.Series("ej verkställd: ingen ersättning", index=parts.index))
    add(ex > first, "start " + day_text(ex) + " (verkställighetsdatum, första besöket)")
    source = pd.Series("slutdatum", index=parts.index, dtype="str")
    source[execution[ENDED_BY].notna()] = "ny beställning " + execution[ENDED_BY].fillna("") + " verkställd dagen efter"
    source[adjusted.notna()] = "femdagarsregeln"
    add(ex.notna() & end.notna() & (end < last), "slut " + day_text(end) + " (" + source + ")")
    add(ex.notna() & (planned_text != ""), "planerad frånvaro " + planned_text)
    full = ex.notna() & (a == first) & (b == last) & (parts == "")
    parts[full] = "hela månaden"
    return parts


def per_order(execution: pd.DataFrame, adjusted_end: pd.Series, absence: pd.DataFrame,
              first: pd.Timestamp, last: pd.Timestamp, rates: dict[str, float], default_rate: float,
              words: bool = True) -> pd.DataFrame:
    """Compensation per Hemtjänst order for the month. execution: from execution.execution_dates;
    adjusted_end: the five-day rule's end per order (aligned to execution, NaT where none).
    words=False leaves the Förklaring empty (an earlier month recomputed for its corrections: only
    its days, hours and amounts are compared)."""
    hem = execution[execution[Col.INSATS] == Insats.HEMTJANST]
    adj = adjusted_end.reindex(hem.index)
    end = order_end(hem, adj)
    a, b = active_range(hem, end, first, last)
    # only orders that overlap the month at all (by start and end, executed or not)
    overlaps = (hem[Col.STARTDATUM] <= last) & (end.isna() | (end >= first))
    hem, adj, a, b = hem[overlaps], adj[overlaps], a[overlaps], b[overlaps]
    days_in_month = last.day
    active = ((b - a).dt.days + 1).clip(lower=0).fillna(0).astype("int64")
    planned, planned_text = planned_absence(hem, absence, a, b, words)
    planned = planned.where(active > 0, 0)
    comp_days = active - planned
    granted = hem[Col.OMFATTNING].astype("float64")
    hours = round_half_up(granted.to_numpy() * comp_days.to_numpy() / days_in_month).set_axis(hem.index)
    rate = hem[Col.UTFORARE].map(rates).astype("float64").fillna(default_rate)
    kr = round_half_up(hours.to_numpy() * rate.to_numpy()).set_axis(hem.index)
    comment = pd.Series("", index=hem.index, dtype="str")
    comment[hem[Col.KORREKT_VERKST].isna()] = "Ej verkställd — ingen ersättning"
    comment[hem[Col.KORREKT_VERKST].notna() & (active == 0)] = "Inga aktiva dagar i månaden"
    out = pd.DataFrame({
        Col.UTFORARE: hem[Col.UTFORARE], Col.BESTALLNING_ID: hem[Col.BESTALLNING_ID], Col.PNR: hem[Col.PNR],
        Col.INSATS: hem[Col.INSATS], Col.BEVILJAD_TID: granted, Col.ERSATTNINGSDAGAR: comp_days,
        Col.PLANERAD_DAGAR: planned, Col.ERSATT_TID: hours, Col.TIMERSATTNING: rate, Col.ERSATTNING_TID: kr,
        Col.KORREKT_VERKST: hem[Col.KORREKT_VERKST], Col.JUSTERAT_SLUT: adj, Col.KOMMENTAR: comment,
        Col.FORKLARING: explain(hem, adj, end[overlaps], a, b, planned_text, first, last) if words
        else pd.Series("", index=hem.index, dtype="str"),
        ACTIVE: active, ORDER_END: end[overlaps],
    })[ORDER_COLUMNS + [ACTIVE, ORDER_END]]
    return out.sort_values([Col.UTFORARE, Col.BESTALLNING_ID], ignore_index=True)


def meal_boxes(meals: pd.DataFrame, month: str, prices: dict[str, float], default_price: float) -> pd.DataFrame:
    boxes = meals[(meals[Col.TYP] == MalTyp.MATLADA) & (meals[Col.MANAD] == month)]
    g = boxes.groupby([Col.UTFORARE, Col.PNR], as_index=False)[Col.ANTAL].sum()
    g[Col.ANTAL] = g[Col.ANTAL].astype("int64")
    g[Col.PRIS] = g[Col.UTFORARE].map(prices).astype("float64").fillna(default_price)
    g[Col.ERSATTNING] = round_half_up(g[Col.ANTAL] * g[Col.PRIS]).to_numpy()
    return g[BOX_COLUMNS].sort_values([Col.UTFORARE, Col.PNR], ignore_index=True)


def per_provider(orders: pd.DataFrame, boxes: pd.DataFrame) -> pd.DataFrame:
    """Totals per provider, summed in whole öre so they equal the rows' sum exactly."""
    t = orders.assign(_h=to_ore(orders[Col.ERSATT_TID]), _k=to_ore(orders[Col.ERSATTNING_TID]))
    time = t.groupby(Col.UTFORARE).agg(_h=("_h", "sum"), _k=("_k", "sum"))
    m = boxes.assign(_m=to_ore(boxes[Col.ERSATTNING]))
    meal = m.groupby(Col.UTFORARE).agg(_n=(Col.ANTAL, "sum"), _m=("_m", "sum"))
    paid = pd.concat([t.loc[t["_h"] > 0, [Col.UTFORARE, Col.PNR]], boxes[[Col.UTFORARE, Col.PNR]]])
    clients = paid.drop_duplicates().groupby(Col.UTFORARE).size()
    out = time.join(meal, how="outer").fillna(0)
    out = out.join(clients.rename(Col.ANTAL_BRUKARE), how="left").fillna({Col.ANTAL_BRUKARE: 0})
    res = pd.DataFrame({
        Col.UTFORARE: out.index, Col.ANTAL_BRUKARE: out[Col.ANTAL_BRUKARE].astype("int64").to_numpy(),
        Col.ERSATT_TID: (out["_h"] / 100).to_numpy(), Col.ERSATTNING_TID: (out["_k"] / 100).to_numpy(),
        Col.MATLADOR_ST: out["_n"].astype("int64").to_numpy(), Col.ERSATTNING_MATLADOR: (out["_m"] / 100).to_numpy(),
        Col.SUMMA: ((out["_k"] + out["_m"]) / 100).to_numpy(),
    })
    return res.sort_values(Col.UTFORARE, ignore_index=True)
