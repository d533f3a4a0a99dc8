import pandas as pd
import pytest

from vos_cli.rules import calendar


def one(fn, value):
    return fn(pd.Series([pd.Timestamp(value)]).astype("datetime64[us]"))[0]


@pytest.mark.parametrize("day,business", [
    ("2026-04-02", True),   # skärtorsdag
    ("2026-04-03", False),  # långfredag
    ("2026-04-06", False),  # annandag påsk
    ("2026-06-19", False),  # midsommarafton (de facto)
    ("2026-12-24", False),  # julafton (de facto)
    ("2026-12-31", False),  # nyårsafton (de facto)
    ("2026-01-06", False),  # trettondedag jul
    ("2026-05-14", False),  # Kristi himmelfärd
    ("2026-06-06", False),  # nationaldagen, a Saturday anyway
    ("2026-03-07", False),  # Saturday
    ("2026-03-09", True),
    ("2024-02-29", True),   # leap day, a Thursday
])
def test_business_days(day, business):
    assert bool(one(calendar.is_business_day, day)) is business


@pytest.mark.parametrize("sent,received,deadline", [
    ("2026-03-06 14:00", "2026-03-06 14:00", "2026-03-09 14:00"),  # Friday → Monday
    ("2026-04-02 10:00", "2026-04-02 10:00", "2026-04-07 10:00"),  # skärtorsdag → tisdag efter påsk
    ("2026-06-18 16:30", "2026-06-18 16:30", "2026-06-22 16:30"),  # over midsommar
    ("2026-12-23 09:00", "2026-12-23 09:00", "2026-12-28 09:00"),  # over jul
    ("2026-03-09 17:00", "2026-03-09 17:00", "2026-03-10 17:00"),  # exactly 17:00 is within hours
    ("2026-03-09 17:01", "2026-03-10 08:00", "2026-03-11 08:00"),
    ("2026-03-09 07:15", "2026-03-09 08:00", "2026-03-10 08:00"),  # before opening
    ("2026-03-07 11:00", "2026-03-09 08:00", "2026-03-10 08:00"),  # Saturday
    ("2026-12-24 10:00", "2026-12-28 08:00", "2026-12-29 08:00"),  # julafton
    ("2026-12-31 16:00", "2027-01-04 08:00", "2027-01-05 08:00"),  # nyårsafton over new year
])
def test_received_from_and_deadline(sent, received, deadline):
    r = one(calendar.received_from, sent)
    assert r == pd.Timestamp(received)
    assert one(calendar.deadline_24h, r) == pd.Timestamp(deadline)


def test_vectorised_over_years_and_missing_values():
    s = pd.Series(pd.to_datetime(["2025-12-31 12:00", None, "2027-04-01 09:00"])).astype("datetime64[us]")
    out = calendar.deadline_24h(calendar.received_from(s))
    # nyårsafton → received Friday 2 Jan 08:00 → deadline Monday 5 Jan 08:00
    assert out[0] == pd.Timestamp("2026-01-05 08:00") and pd.isna(out[1])
    assert out[2] == pd.Timestamp("2027-04-02 09:00")
