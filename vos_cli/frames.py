"""Small DataFrame helpers where pandas is slow for our data (Arrow-backed text columns)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def release_memory() -> None:
    """Give memory Arrow has freed back to the operating system. Arrow's allocator keeps freed
    pages for reuse: parsing a city's visit log left 1.7 GB resident for 0.4 GB of data, 0.55 GB
    after this (measured, bench/notes.md). Cheap; called between the big steps of reading."""
    pa.default_memory_pool().release_unused()
