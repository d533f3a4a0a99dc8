"""Small DataFrame helpers where pandas is slow for our data (Arrow-backed text columns)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vos_cli import platform as osl

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"


def isin(s: pd.Series, values: Iterable) -> pd.Series:
    """`s.isin(values)`, the same boolean Series. For a text column pandas converts every value to an
    Arrow scalar in Python first (0.1 s for 20 000 personnummer, per call); this builds the value
    set in one step. A missing value matches a missing value in `values`, as in pandas. A coded
    (categorical) column is looked up once per distinct text."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        on_texts = isin(pd.Series(s.cat.categories), values).to_numpy()
        codes = s.cat.codes.to_numpy()
        missing = isin(pd.Series([pd.NA], dtype="str"), values).iloc[0]
        found = np.where(codes >= 0, on_texts[np.maximum(codes, 0)] if len(on_texts) else False, missing)
        return pd.Series(found.astype(bool), index=s.index, name=s.name)
    if not isinstance(s.array, pd.arrays.ArrowStringArray):
        return s.isin(values)
    col = pa.array(s.array)
    if isinstance(values, pd.Series | pd.Index) and isinstance(values.array, pd.arrays.ArrowStringArray):
        vals = pc.unique(pa.array(values.array))
    else:
        vals = pa.array([None if not isinstance(v, str) else v for v in values
                         if isinstance(v, str) or pd.api.types.is_scalar(v) and pd.isna(v)], type=col.type)
    found = np.zeros(len(s), dtype=bool) if len(vals) == 0 else \
        pc.is_in(col, value_set=vals.cast(col.type), skip_nulls=False).fill_null(False).to_numpy(zero_copy_only=False)
    return pd.Series(found, index=s.index, name=s.name)


def distinct(*columns: pd.Series | pd.Index, name: str | None = None) -> pd.Index:
    """The distinct texts of text columns (or indexes) together, sorted, missing values left out:
    `sorted(set(a) | set(b))` without a Python string per row — iterating Arrow's texts costs
    0.06 s per 20 000 personnummer. Sorted as Python sorts texts (by code point)."""
    texts = [pd.Series(c.dropna().astype(STR).unique(), dtype=STR) for c in columns]
    return pd.Index(pd.concat(texts, ignore_index=True).unique(), dtype=STR, name=name).sort_values()


def each_distinct(values: pd.Series, text: Callable[[Any], str], missing: str | None = None) -> np.ndarray:
    """text(value) for each row as an array of texts, made once per distinct value (a Python value:
    int, float, str, Timestamp); `missing` where there is no value. Floats are told apart by their
    bits: 0.0 and -0.0 are equal but not one text."""
    if pd.api.types.is_float_dtype(values):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        codes, bits = pd.factorize(numbers.view(np.int64))
        codes[np.isnan(numbers)] = -1
        uniques = bits.view(np.float64).tolist()
    else:
        codes, found = pd.factorize(values, use_na_sentinel=True)
        uniques = pd.Series(found).tolist()
    return np.array([text(v) for v in uniques] + [missing], dtype=object)[codes]


def day_text(s: pd.Series, fmt: str = "%Y-%m-%d") -> pd.Series:
    """`s.dt.strftime(fmt)` (missing where there is no date), each distinct day formatted once:
    pandas formats row by row in Python, and a column of 30 000 orders has a few hundred days."""
    return pd.Series(each_distinct(s, lambda day: day.strftime(fmt)), index=s.index, dtype=STR, name=s.name)


def coded(values: pd.Series) -> pd.Series:
    """A text column as codes into its distinct texts (a categorical): what the reader makes of the
    visit log's personnummer, provider and insats — 4 M rows of a city, 30 M of a nation, with a few
    thousand distinct texts — a tenth of the memory of the text. Filters, `drop_duplicates` and
    `isin` (above) work on the codes; `plain` turns the rows a rule joins on back into text."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return pd.Series(pd.Categorical.from_codes(codes.astype(np.int32), categories=pd.Index(uniques, dtype="str")),
                     index=values.index, name=values.name)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its coded (categorical) columns as plain text, so that joins with other exports'
    text columns run on text: pandas joins a categorical with text through Python objects (slow),
    while taking the texts by code is one Arrow step. The same frame when nothing is coded."""
    cols = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not cols:
        return frame
    out = frame.copy(deep=False)
    for c in cols:
        cat = frame[c].array
        texts = pa.array(pd.array(cat.categories, dtype="str")).cast(pa.large_string())
        codes = pa.array(cat.codes, mask=cat.codes < 0).cast(pa.int64())
        out[c] = pd.Series(pd.arrays.ArrowStringArray(texts.take(codes), dtype=STR), index=frame.index)
    return out


def shared_codes(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A key column of two frames as integer codes, the same text the same code on both sides: the
    left side's codes as they are when coded (a national month's 14 M visits are never turned into
    text), the right side's looked up once per row. A missing key is -1 on both sides (it matches a
    missing key, as in pandas' merge on text); a right text the left lacks is -2 (it matches nothing)."""
    if isinstance(left.dtype, pd.CategoricalDtype):  # the codes as they are (no copy)
        codes, texts = left.cat.codes.to_numpy(), left.cat.categories
    else:
        codes, texts = pd.factorize(left, use_na_sentinel=True)
        texts = pd.Index(texts, dtype="str")
    found = texts.get_indexer(plain(right.to_frame())[right.name])
    found[(found < 0) & right.notna().to_numpy()] = -2
    return codes.astype(np.int32, copy=False), found.astype(np.int32)


def shared_keys(left: pd.DataFrame, right: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The key columns of two frames as one integer per row (below 2**31), equal on both sides
    exactly when every column's text is (a missing text equal to a missing text, as in `shared_codes`);
    a right key with a text the left lacks equals no left key. For joins by sorting and binary search
    (`numpy.searchsorted`) instead of pandas' hash join, whose tables cost a gigabyte for a nation's
    visit log."""
    lkey, rkey = np.zeros(len(left), np.int64), np.zeros(len(right), np.int64)
    size = 1
    for c in cols:  # a column at a time: only the key and one column's codes in memory
        # codes + 2: a missing text is 1, a right text the left lacks 0 (never on the left)
        lc, rc = shared_codes(left[c], right[c])
        radix = int(max(lc.max(initial=0), rc.max(initial=0))) + 3
        if size * radix >= 2**31:  # renumber the keys so far densely (rare: 2 billion combinations)
            ids, uniques = pd.factorize(np.concatenate([lkey, rkey]))
            lkey, rkey, size = ids[:len(left)].astype(np.int64), ids[len(left):].astype(np.int64), len(uniques)
        for key, codes in ((lkey, lc), (rkey, rc)):  # in place: no temporary of a nation's visit count
            key *= radix
            key += codes
            key += 2
        size *= radix
    return lkey, rkey


def per_text(result: pd.Series) -> pd.Series:
    """A result grouped by a coded column (a CategoricalIndex) indexed by the plain texts instead,
    so that it lines up with the other exports' text keys; unchanged when it already is."""
    if isinstance(result.index, pd.CategoricalIndex):
        return result.set_axis(pd.Index(result.index.astype("str"), name=result.index.name))
    return result


# The rows a pattern with `\s` could match: Python's ASCII whitespace or any character beyond ASCII.
# pandas runs a pattern with `\s` in Python a row at a time (RE2's `\s` is another set of
# characters): 2 s for a column of 250 000 distinct texts. This test runs in Arrow.
NON_ASCII = "[^\x01-\x7f]"  # (as a pattern for Arrow: for such texts Python's re and RE2 may differ)
MAYBE_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f ]|" + NON_ASCII


def only_where(s: pd.Series, rows: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """fn applied to the rows in `rows` only, the others as they are — for a slow (Python) text
    operation that leaves the other rows unchanged."""
    rows = rows.fillna(False).astype(bool)
    if not rows.any():
        return s
    if rows.all():
        return fn(s)
    out = s.copy()
    out[rows] = fn(s[rows])
    return out


def extract(s: pd.Series, pattern: str, optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """`s.str.extract(pattern)` for a text column and an anchored pattern of named groups: a text
    column per group, NaN where the text does not match or where a group named in `optional` took
    no part. pandas runs the pattern in Python a text at a time (0.1 s for a city's 20 000 distinct
    personnummer, per export); here the ASCII texts go through Arrow's RE2, which reads such a
    pattern (digits, classes of ASCII characters, no `\\s`) as Python's re does on ASCII, and only
    the other texts through Python."""
    text = s.astype(STR)
    groups = pc.extract_regex(pa.array(text.array), pattern).flatten()
    out = pd.DataFrame(index=s.index)
    for name, values in zip(re.compile(pattern).groupindex, groups):
        column = pd.Series(pd.array(values, dtype=STR), index=s.index)
        out[name] = column.where(column != "") if name in optional else column
    other = text.str.contains(NON_ASCII).fillna(False).astype(bool)
    if other.any():
        out[other.to_numpy()] = text[other].str.extract(pattern)
    return out


def python_values(column: pd.Series) -> list[Any]:
    """A column's values as Python scalars, as `to_dict("records")` gives them: a masked missing
    value (pd.NA) as None, numpy scalars inside an object column as Python's. From the column's
    list (pandas' `to_dict` converts value by value)."""
    values = column.tolist()
    if column.dtype == object:
        return [v.item() if isinstance(v, np.generic) else v for v in values]
    if column.hasnans:
        return [None if v is pd.NA else v for v in values]
    return values


def release_memory() -> None:
    """Give memory Arrow has freed back to the operating system. Arrow's allocator keeps freed
    pages for reuse: parsing a city's visit log left 1.7 GB resident for 0.4 GB of data, 0.55 GB
    after this (measured, bench/notes.md). Cheap; called between the big steps of reading."""
    pa.default_memory_pool().release_unused()
    osl.trim_heap()
