"""Numbers as Swedish staff read them, for texts in the reports: 1 200, 5 437,50."""

from __future__ import annotations

import numpy as np
import pandas as pd

NBSP = "\u00a0"


def sv(x: pd.Series, decimals: str = "auto") -> pd.Series:
    """Whole numbers without decimals, others with two; a no-break space between thousands.
    Each distinct value is formatted once (a column of 20 000 amounts has few distinct ones)."""
    codes, uniques = pd.factorize(pd.Series(x, dtype="float64").round(2))
    out = []
    auto = decimals == "auto"
    for v in uniques.tolist():  # Python floats: numpy's scalars format slower
        text = f"{v:,.0f}" if auto and v.is_integer() else f"{v:,.2f}"
        out.append(text.replace(",", NBSP).replace(".", ","))
    arr = np.array(out + [""], dtype=object)
    return pd.Series(arr[codes], index=x.index if isinstance(x, pd.Series) else None, dtype="str")


def sv1(value: float) -> str:
    return sv(pd.Series([value])).iloc[0]
