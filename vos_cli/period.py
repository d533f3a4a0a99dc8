"""The month a command reports on and its as-of time."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from vos_cli.errors import UsageError


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    as_of: dt.datetime  # the moment the report judges open deadlines at

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def days(self) -> int:
        return self.last.day

    @property
    def year(self) -> int:
        return self.first.year

    @property
    def ts_first(self) -> pd.Timestamp:
        return pd.Timestamp(self.first)

    @property
    def ts_last(self) -> pd.Timestamp:
        return pd.Timestamp(self.last)

    @property
    def as_of_date(self) -> dt.date:
        return self.as_of.date()


def previous_month(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    m = re.fullmatch(r"(\d{4})-(\d{2})", month.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UsageError(f"--month {month!r}: ange månaden som ÅÅÅÅ-MM, t.ex. 2026-03")
    first = dt.date(int(m.group(1)), int(m.group(2)), 1)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def parse_as_of(value: str) -> dt.datetime:
    v = value.strip().replace(" ", "T")
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        return parsed.replace(hour=23, minute=59) if fmt == "%Y-%m-%d" else parsed
    raise UsageError(f"--as-of {value!r}: ange ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DDTTT:MM, t.ex. 2026-03-31T23:59")


def make_period(month: str | None, as_of: str | None) -> Period:
    first, last = month_bounds(month or previous_month())
    when = parse_as_of(as_of) if as_of else dt.datetime.combine(last, dt.time(23, 59))
    return Period(first, last, when)
