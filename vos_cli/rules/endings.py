"""The five-day end rule (rules.md §4): adjusted end date and days of unplanned absence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vos_cli.frames import day_text, isin, shared_keys
from vos_cli.io.contract import Col, Insats
from vos_cli.rules.execution import END

END_COLUMNS = [Col.BESTALLNING_ID, Col.PNR, Col.UTFORARE, Col.AVSLUT_MEDDELAT, Col.BEHOV_UPPHOR,
               Col.FRAMFORHALLNING, Col.JUSTERAT_SLUT, Col.OPLANERAD_DAGAR, Col.INSATS, Col.AVSLUTSORSAK,
               Col.KOMMENTAR]
ABSENCE_COLUMNS = [Col.BESTALLNING_ID, Col.PNR, Col.UTFORARE, Col.FROM, Col.TOM, Col.DAGAR]


def expand_days(frame: pd.DataFrame, start: str, end: str, keep: list[str]) -> pd.DataFrame:
    """One row per calendar day of each [start, end] row (both inclusive), with `keep` columns."""
    f = frame[start].to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
    t = frame[end].to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
    n = np.where(np.isnat(f) | np.isnat(t), 0, (t - f).astype("int64") + 1).clip(min=0)
    rep = np.repeat(np.arange(len(frame)), n)
    offs = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    out = frame.iloc[rep][keep].reset_index(drop=True)
    out[Col.DATUM] = (f[rep] + offs.astype("timedelta64[D]")).astype("datetime64[us]")
    return out


def intervals(days: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Collapse one-row-per-day into runs of consecutive days per key: Fr.o.m., T.o.m., Dagar."""
    if not len(days):
        return pd.DataFrame(columns=keys + [Col.FROM, Col.TOM, Col.DAGAR])
    d = days.sort_values(keys + [Col.DATUM])
    gap = d[Col.DATUM].diff() != pd.Timedelta(days=1)
    new_key = (d[keys] != d[keys].shift()).any(axis=1)
    run = (gap | new_key).cumsum()
    out = d.groupby(run, sort=False).agg(**{k: (k, "first") for k in keys},
                                         **{Col.FROM: (Col.DATUM, "min"), Col.TOM: (Col.DATUM, "max"),
                                            Col.DAGAR: (Col.DATUM, "size")})
    return out.reset_index(drop=True)


def visited(visits: pd.DataFrame, days: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """For each row of `days`, whether the visit log has a visit with the same `keys` on its Datum.
    Only the visits of the days' clients in the days' span are looked at, as one integer per visit
    (key and day) sorted once: a nation's visit log is neither turned into text nor hashed."""
    near = isin(visits[keys[0]], days[keys[0]]).to_numpy() & \
        (visits[Col.DATUM] >= days[Col.DATUM].min()).to_numpy() & (visits[Col.DATUM] <= days[Col.DATUM].max()).to_numpy()
    v = visits.loc[near, keys + [Col.DATUM]]
    if not len(v):
        return np.zeros(len(days), dtype=bool)
    vkey, dkey = shared_keys(v, days, keys)
    day0 = days[Col.DATUM].min()
    span = (days[Col.DATUM].max() - day0).days + 1
    at_visit = np.sort(vkey * span + (v[Col.DATUM] - day0).dt.days.to_numpy())
    at_day = dkey * span + (days[Col.DATUM] - day0).dt.days.to_numpy()
    pos = np.minimum(np.searchsorted(at_visit, at_day), len(at_visit) - 1)
    return at_visit[pos] == at_day


def end_dates(orders: pd.DataFrame, visits: pd.DataFrame, exempt_reasons: list[str] | tuple[str, ...] = (),
              rule_days: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every order with both `Avslut meddelat` (N) and `Behov upphör` (E).

    Lead = E − N days. Lead > 5: the end stays E. Lead ≤ 5 (E before N included): the end is
    N + 5 and each day E < d ≤ N + 5 without a visit by the provider is unplanned absence.
    Applies to Hemtjänst; orders with an exempt Avslutsorsak keep E.
    Returns (one row per order, one row per interval of unplanned absence).
    """
    o = orders[orders[Col.AVSLUT_MEDDELAT].notna() & orders[Col.BEHOV_UPPHOR].notna()].copy()
    n, e = o[Col.AVSLUT_MEDDELAT], o[Col.BEHOV_UPPHOR]
    lead = (e - n).dt.days.astype("Int64")
    applies = (o[Col.INSATS] == Insats.HEMTJANST) & ~o[Col.AVSLUTSORSAK].isin(list(exempt_reasons))
    short = applies & (lead <= rule_days)
    adjusted = e.where(~short, n + pd.Timedelta(days=rule_days))
    o[Col.FRAMFORHALLNING] = lead
    o[Col.JUSTERAT_SLUT] = adjusted

    window = o[short].assign(_from=e[short] + pd.Timedelta(days=1), _to=adjusted[short])
    days = expand_days(window, "_from", "_to", [Col.BESTALLNING_ID, Col.PNR, Col.UTFORARE])
    if len(visits) and len(days):
        days = days[~visited(visits, days, [Col.PNR, Col.UTFORARE])]
    absence = intervals(days, [Col.BESTALLNING_ID, Col.PNR, Col.UTFORARE])
    per_order = absence.groupby(Col.BESTALLNING_ID)[Col.DAGAR].sum()
    o[Col.OPLANERAD_DAGAR] = o[Col.BESTALLNING_ID].map(per_order).fillna(0).astype("Int64")

    comment = pd.Series("Mer än fem dagars framförhållning: avsluta samma datum, ingen frånvaro", index=o.index,
                        dtype="str")
    comment[short] = "Avsluta " + day_text(adjusted[short]) + "; lägg oplanerad frånvaro enligt bladet"
    comment[short & (o[Col.OPLANERAD_DAGAR] == 0)] = "Avsluta " + day_text(adjusted) + \
        "; besök utförda alla dagar, ingen frånvaro"
    comment[(o[Col.INSATS] != Insats.HEMTJANST)] = "Femdagarsregeln gäller hemtjänst: avsluta samma datum"
    comment[(o[Col.INSATS] == Insats.HEMTJANST) & ~applies] = "Undantagen avslutsorsak: avsluta samma datum"
    o[Col.KOMMENTAR] = comment
    o = o.sort_values([Col.UTFORARE, Col.AVSLUT_MEDDELAT, Col.BESTALLNING_ID], ignore_index=True)
    absence = absence.sort_values([Col.UTFORARE, Col.BESTALLNING_ID, Col.FROM], ignore_index=True)
    return o, absence[ABSENCE_COLUMNS]


def month_selection(ends: pd.DataFrame, absence: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp):
    """Orders whose notice or need-end date falls in the month, and their absence intervals."""
    in_month = ends[Col.AVSLUT_MEDDELAT].between(first, last) | ends[Col.BEHOV_UPPHOR].between(first, last)
    sel = ends[in_month]
    return sel[END_COLUMNS].reset_index(drop=True), \
        absence[absence[Col.BESTALLNING_ID].isin(sel[Col.BESTALLNING_ID])].reset_index(drop=True)


def order_end(execution: pd.DataFrame, adjusted_end: pd.Series) -> pd.Series:
    """The day an order's service ends: the five-day rule's end when there is one, else the order's
    own end (Slutdatum, or the day before the provider's next order); NaT = open."""
    adjusted = adjusted_end.reindex(execution.index)
    return adjusted.where(adjusted.notna(), execution[END]).astype("datetime64[us]")


def adjusted_end_for(orders: pd.DataFrame, ends: pd.DataFrame) -> pd.Series:
    """The five-day rule's end for each order (aligned to orders; NaT where the rule gave none)."""
    lookup = ends.set_index(Col.BESTALLNING_ID)[Col.JUSTERAT_SLUT]
    values = lookup.reindex(orders[Col.BESTALLNING_ID]).to_numpy(dtype="datetime64[us]")
    return pd.Series(values, index=orders.index, dtype="datetime64[us]")
