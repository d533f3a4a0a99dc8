"""vos_cli.frames.isin gives exactly what pandas' Series.isin gives, only faster on text columns; a coded
(categorical) column is the same texts as the plain column, back and forth, and isin agrees on it."""

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vos_cli.frames import (
    coded,
    day_text,
    distinct,
    extract,
    isin,
    per_text,
    plain,
    python_values,
    shared_codes,
    shared_keys,
)

TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "Hemtjänst", "194503122384", "å"]), st.text(max_size=4))


@settings(deadline=None)
@given(st.lists(TEXT, max_size=30), st.lists(TEXT, max_size=10),
       st.sampled_from(["list", "set", "series", "index", "object"]))
def test_isin_equals_pandas(column, values, form):
    s = pd.Series(column, dtype="str", index=range(100, 100 + len(column)))
    v = {"list": values, "set": set(values), "series": pd.Series(values, dtype="str"),
         "index": pd.Index(values, dtype="str"), "object": pd.Series(values, dtype=object)}[form]
    pd.testing.assert_series_equal(isin(s, v), s.isin(v))
    pd.testing.assert_series_equal(isin(coded(s), v), s.isin(v))


@settings(deadline=None)
@given(st.lists(TEXT, max_size=30))
def test_coded_then_plain_gives_the_texts_back(column):
    s = pd.Series(column, dtype="str", index=range(7, 7 + len(column)), name="Personnummer")
    c = coded(s)
    assert isinstance(c.dtype, pd.CategoricalDtype) and c.cat.categories.is_unique
    frame = pd.DataFrame({"Personnummer": c, "n": range(len(column))}, index=s.index)
    back = plain(frame)
    pd.testing.assert_series_equal(back["Personnummer"], s)
    assert back["n"].tolist() == list(range(len(column)))
    assert plain(back) is back  # nothing coded: the same frame


def test_isin_on_numbers_is_pandas():
    s = pd.Series([1, 2, 3])
    pd.testing.assert_series_equal(isin(s, [2, 5]), s.isin([2, 5]))


KEY = st.one_of(st.none(), st.sampled_from(["", "a", "b", "Hemtjänst Söder", "194503122384"]))


@settings(deadline=None)
@given(st.lists(st.tuples(KEY, KEY), max_size=25), st.lists(st.tuples(KEY, KEY), max_size=10), st.booleans())
def test_join_on_shared_codes_is_the_join_on_text(left_rows, right_rows, code_left):
    """The fee rules join a month's visits to their orders on integer codes: the same pairs of rows
    as pandas' join on the texts, missing keys matching missing keys as pandas does."""
    cols = ["Personnummer", "Utförare"]
    left = pd.DataFrame(left_rows or None, columns=cols, dtype="str")
    right = pd.DataFrame(right_rows or None, columns=cols, dtype="str")
    coded_left = left.apply(coded) if code_left and len(left) else left
    lk, rk = pd.DataFrame(index=left.index), pd.DataFrame(index=right.index)
    for c in cols:
        lk[c], rk[c] = shared_codes(coded_left[c], right[c])
    on_codes = lk.assign(_l=range(len(left))).merge(rk.assign(_r=range(len(right))), on=cols)
    on_text = left.assign(_l=range(len(left))).merge(right.assign(_r=range(len(right))), on=cols)
    assert sorted(zip(on_codes["_l"], on_codes["_r"])) == sorted(zip(on_text["_l"], on_text["_r"]))
    # one integer per row: equal keys are the same pairs again
    lkey, rkey = shared_keys(coded_left, right, cols)
    pairs = [(i, j) for i in range(len(left)) for j in range(len(right)) if lkey[i] == rkey[j]]
    assert pairs == sorted(zip(on_text["_l"], on_text["_r"]))


def test_shared_keys_renumber_when_the_combinations_pass_two_billion():
    """Three columns of 2 000 distinct texts each: 8·10⁹ combinations do not fit below 2**31, so the
    keys are renumbered on the way — still equal exactly when the texts are."""
    n = 2000
    texts = pd.Series([f"t{i}" for i in range(n)], dtype="str")
    left = pd.DataFrame({"a": texts, "b": texts[::-1].reset_index(drop=True), "c": texts})
    right = pd.concat([left.iloc[[5, 1999, 0]], pd.DataFrame({"a": ["t5"], "b": ["t5"], "c": ["zz"]}, dtype="str")],
                      ignore_index=True)
    lkey, rkey = shared_keys(left.apply(coded), right, ["a", "b", "c"])
    assert lkey.max() < 2**31 and len(np.unique(lkey)) == n
    assert [int(np.flatnonzero(lkey == k)[0]) if (lkey == k).any() else None for k in rkey] == [5, 1999, 0, None]


def test_per_text_indexes_a_coded_result_by_its_texts():
    s = coded(pd.Series(["b", "a", "b"], dtype="str", name="Personnummer"))
    counts = per_text(pd.DataFrame({"Personnummer": s}).groupby("Personnummer", observed=True).size())
    assert not isinstance(counts.index, pd.CategoricalIndex) and counts.index.name == "Personnummer"
    assert counts.reindex(pd.Index(["a", "b", "c"], dtype="str")).fillna(0).tolist() == [1, 2, 0]


PNR_TEXT = st.text(alphabet=st.sampled_from("0123456789-+Tt x\u0661\uff11\u00e4"), max_size=14)


@settings(deadline=None, max_examples=100)
@given(st.lists(PNR_TEXT | st.sampled_from(["194503121234", "4503121234", "450312-1234", "19450312+1234",
                                             "19450312-T123", "\uff11" * 12]) | st.none(), max_size=20))
@example(["\u0661\u0669\u0664\u0665\u0660\u0663\u0661\u0662\u0661\u0662\u0663\u0664", "4503121234", None, "x", ""])
def test_extract_is_pandas_extract(texts):
    """The personnummer patterns give pandas' own result: ASCII texts through Arrow, the others
    (other digits, å/ä/ö) through Python; an optional group that took no part is NaN either way."""
    from vos_cli.personnummer import _PATTERN, _RESERVE
    s = pd.Series(texts, dtype="str")
    pd.testing.assert_frame_equal(extract(s, _PATTERN, optional=("cc",)), s.str.extract(_PATTERN))
    pd.testing.assert_frame_equal(extract(s, _RESERVE), s.str.extract(_RESERVE))


def test_python_values_are_the_values_to_dict_gives():
    """The ledger's rows are built from each column's list (pandas' to_dict is slow): the same Python
    values for every kind of column the ledger gets — whole numbers, amounts with a missing one,
    texts with a missing one, nullable integers, dates, flags, objects holding numpy numbers — in a
    whole frame and in a block cut from its middle, as the ledger cuts them."""
    n = 7
    frame = pd.DataFrame({
        "ore": np.arange(n, dtype="int64") * 100,
        "kr": pd.Series([1.5, np.nan] * 3 + [2.25]),
        "pnr": pd.Series(["194503122384", None, "a"] * 2 + ["å"], dtype="str"),
        "antal": pd.Series([1, None, 3, 4, None, 6, 7], dtype="Int64"),
        "datum": pd.to_datetime(["2026-03-01", None] * 3 + ["2026-03-31"]),
        "ny": [True, False] * 3 + [True],
        "varde": pd.Series([np.int64(3), None, "x", np.float64(1.5), 2, None, np.bool_(True)], dtype=object),
    })

    def rows(f):
        return [dict(zip(f.columns, r)) for r in zip(*(python_values(f[c]) for c in f.columns))]

    def norm(records):  # NaN and NaT are not equal to themselves: compare them by name
        return [{k: ("NaN" if isinstance(v, float) and v != v else "NaT" if v is pd.NaT else (type(v), v))
                 for k, v in r.items()} for r in records]

    assert norm(rows(frame)) == norm(frame.to_dict("records"))
    assert norm(rows(frame.iloc[3:6])) == norm(frame.iloc[3:6].to_dict("records"))


@settings(deadline=None)
@given(st.lists(st.lists(TEXT, max_size=20), min_size=1, max_size=4), st.lists(st.booleans(), min_size=4, max_size=4))
def test_distinct_is_sorted_set_of_the_texts(columns, as_code):
    parts = [pd.Series(c, dtype="str") for c in columns]
    parts = [coded(p) if code else p for p, code in zip(parts, as_code)]
    got = distinct(*parts[:-1], pd.Index(parts[-1]) if len(parts) > 1 else parts[-1], name="Personnummer")
    assert list(got) == sorted({t for c in columns for t in c if t is not None})
    assert got.name == "Personnummer" and got.dtype == "str"


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 12, 31))), max_size=30),
       st.sampled_from(["%Y-%m-%d", "%Y%m%d"]))
def test_day_text_is_strftime(days, fmt):
    s = pd.Series(days, dtype="datetime64[us]", index=range(3, 3 + len(days)), name="Datum")
    got, expected = day_text(s, fmt), s.dt.strftime(fmt)
    assert got.index.equals(s.index) and got.name == "Datum"
    assert [None if pd.isna(x) else x for x in got] == [None if pd.isna(x) else x for x in expected]
