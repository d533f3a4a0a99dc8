"""The reader reads the usual forms of a value directly and rewrites only the others (the rewriting
patterns need Python's `\\s`, which pandas runs a text at a time). Reading directly must give what
the rewriting gives, for every text."""

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from vos_cli import personnummer
from vos_cli.frames import MAYBE_SPACE, only_where
from vos_cli.io.readers import _parse_other_datetimes, _parse_other_numbers, parse_datetimes, parse_numbers

DATETIMES = st.one_of(
    st.builds(lambda d, h, m, sep, sec: f"{d:%Y-%m-%d}{sep}{h}:{m:02d}{sec}", st.dates(dt.date(1990, 1, 1)),
              st.integers(0, 23), st.integers(0, 59), st.sampled_from([" ", "T", "  ", " kl ", " kl. "]),
              st.sampled_from(["", ":00", ":59"])),
    st.builds(lambda d, h, m: f"{d:%Y-%m-%d} {h:02d}.{m:02d}", st.dates(dt.date(1990, 1, 1)), st.integers(0, 23),
              st.integers(0, 59)),
    st.sampled_from(["", "2026-03-01 24:00", "2026-02-30 08:00", "2026-03-01 8:30", "20260301 08:30", "46082.5",
                     "2026-03-01", "x", "2026-3-1 08:30", "2026-03-01 08:60", "2026-03-01\u00a008:30"]),
    st.text(max_size=6))
NUMBERS = st.one_of(
    st.sampled_from(["30", "-4", "+7", "12.5", ".5", "5.", "1 200", "1\u00a0200", "1 234,50 kr", "2 040 kr", "12,5",
                     "1.234,50", "1,234.50", "\u221212", "", "kr", "9" * 20, "0030", "1e3", "٣"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str), st.text("0123456789.,- k", max_size=8))


@settings(max_examples=60, deadline=None)
@given(st.lists(DATETIMES, max_size=20))
def test_datetimes_read_directly_as_rewritten(texts):
    s = pd.Series(texts, dtype="str")
    expected = _parse_other_datetimes(s).astype("datetime64[us]")
    pd.testing.assert_series_equal(parse_datetimes(s), expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(NUMBERS, max_size=20))
def test_numbers_read_directly_as_rewritten(texts):
    s = pd.Series(texts, dtype="str")
    pd.testing.assert_series_equal(parse_numbers(s), _parse_other_numbers(s).astype("float64"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["19450312-1234", "194503121234", " 19450312 -1234", "19450312\u00a0-1234",
                                 "19450312\u2003-1234", "450312-1234", "x y", "", "19450312-12\x1c34"]), max_size=12))
def test_personnummer_spaces_removed_as_python_would(texts):
    s = pd.Series(texts, dtype="str")
    ref = s.str.replace(r"\s", "", regex=True)
    got = only_where(s, s.str.contains(MAYBE_SPACE), lambda t: t.str.replace(r"\s", "", regex=True))
    pd.testing.assert_series_equal(got, ref)
    value, _ = personnummer.parse(s, dt.date(2026, 3, 31))
    expected, _ = personnummer.parse(ref, dt.date(2026, 3, 31))
    pd.testing.assert_series_equal(value, expected)
