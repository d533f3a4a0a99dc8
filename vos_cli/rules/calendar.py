"""Business days (helgfria vardagar) and business hours, over whole columns.

A business day is Monday–Friday that is neither a public holiday nor one of the de-facto
holidays midsommarafton, julafton and nyårsafton. Business hours are 08:00–17:00.
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

OPEN_HOUR = 8
CLOSE_HOUR = 17


@lru_cache(maxsize=8)
def holiday_array(first_year: int, last_year: int) -> np.ndarray:
    """Swedish public and de-facto holidays as datetime64[D], for numpy's busday functions."""
    se = holidays.SE(
        years=range(first_year, last_year + 1), categories=("public", "de_facto"), include_sundays=False
    )
    return np.array(sorted(se.keys()), dtype="datetime64[D]")


def _holidays_for(days: np.ndarray) -> np.ndarray:
    valid = days[~np.isnat(days)]
    if len(valid) == 0:
        return holiday_array(2000, 2000)
    years = valid.astype("datetime64[Y]").astype(int) + 1970
    return holiday_array(int(years.min()) - 1, int(years.max()) + 1)


def _days(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="datetime64[us]").astype("datetime64[D]")


def is_business_day(dates: pd.Series) -> pd.Series:
    d = _days(dates)
    out = np.zeros(len(d), dtype=bool)
    ok = ~np.isnat(d)
    out[ok] = np.is_busday(d[ok], holidays=_holidays_for(d))
    return pd.Series(out, index=dates.index)


def add_business_days(dates: pd.Series, n: int | pd.Series, roll: str = "forward") -> pd.Series:
    """The date n business days after each date (after rolling a non-business day `forward`)."""
    d = _days(dates)
    out = np.full(len(d), np.datetime64("NaT", "D"), dtype="datetime64[D]")
    ok = ~np.isnat(d)
    offsets = np.asarray(n if np.ndim(n) == 0 else np.asarray(n))
    offs = offsets if offsets.ndim == 0 else offsets[ok]
    out[ok] = np.busday_offset(d[ok], offs, roll=roll, holidays=_holidays_for(d))
    return pd.Series(out.astype("datetime64[us]"), index=dates.index)


def business_days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Business days in [start, end) — e.g. how many business days after start the end date is."""
    a, b = _days(start), _days(end)
    out = np.full(len(a), np.nan)
    ok = ~np.isnat(a) & ~np.isnat(b)
    out[ok] = np.busday_count(a[ok], b[ok], holidays=_holidays_for(np.concatenate([a, b])))
    return pd.Series(out, index=start.index).astype("Int64")


def received_from(sent: pd.Series) -> pd.Series:
    """When an order counts as received: within 08–17 on a business day as sent; before 08 → 08 that
    day; after 17 or on a non-business day → 08 on the next business day."""
    sent = sent.astype("datetime64[us]")
    day = sent.dt.normalize()
    mins = sent.dt.hour * 60 + sent.dt.minute + sent.dt.second / 60
    busy = is_business_day(day)
    within = busy & (mins >= OPEN_HOUR * 60) & (mins <= CLOSE_HOUR * 60)
    early = busy & (mins < OPEN_HOUR * 60)
    next_bd = add_business_days(day, 1, roll="forward")
    # a non-business day rolls forward to the next business day itself
    next_bd = next_bd.where(busy, add_business_days(day, 0, roll="forward"))
    opening = pd.Timedelta(hours=OPEN_HOUR)
    out = (next_bd + opening).where(~early, day + opening).where(~within, sent)
    return out.where(sent.notna())


def deadline_24h(received: pd.Series) -> pd.Series:
    """24 hours on business days: the same clock time on the next business day."""
    received = received.astype("datetime64[us]")
    day = received.dt.normalize()
    clock = received - day
    return (add_business_days(day, 1, roll="forward") + clock).where(received.notna())
