"""Personnummer and samordningsnummer: parse, validate, sex, birth year, mask.

Everything works on whole columns; each distinct value is parsed once.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from vos_cli.io.contract import Kon

_PATTERN = r"^(?P<cc>\d{2})?(?P<yymmdd>\d{6})(?P<sep>[-+]?)(?P<last>\d{4})$"
# a plausible (YY)YYMMDD (day + 60 for samordningsnummer), then 4 digits; never inside a longer
# number or an amount with decimals
_MASK_RE = re.compile(
    r"(?<![\w.,])((?:\d{2})?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01]))([-+]?)(\d{4})(?!\w|[.,]\d)"
)

REASON_FORMAT = "ogiltigt personnummer (format)"
REASON_DATE = "ogiltigt personnummer (datum)"
REASON_CHECK = "ogiltigt personnummer (kontrollsiffra)"


def _luhn_sum(digits: np.ndarray) -> np.ndarray:
    """Luhn digit sum over an (n, k) digit array, weights 2, 1, 2, … from the left."""
    prod = digits * np.resize([2, 1], digits.shape[1])
    return (prod // 10 + prod % 10).sum(axis=1)


def _luhn_ok(ten: np.ndarray) -> np.ndarray:
    """Luhn check over an (n, 10) digit array."""
    return _luhn_sum(ten) % 10 == 0


def check_digits(nine: np.ndarray) -> np.ndarray:
    """The check digit for each row of an (n, 9) digit array (YYMMDDNNN)."""
    return (10 - _luhn_sum(nine) % 10) % 10


def parse(values: pd.Series, ref_date: dt.date) -> tuple[pd.Series, pd.Series]:
    """Normalise to `YYYYMMDD-NNNN`; return (normalised or <NA>, reason or <NA>) aligned to values.

    A 10-digit form gets the century that makes the person at most 99 years old on ref_date,
    or 100+ with `+`. ref_date is the report date, so results never depend on the day of the run.
    """
    codes, uniques = pd.factorize(values.astype("str").str.replace(r"\s", "", regex=True))
    uniq = pd.Series(uniques, dtype="str")
    norm, reason = _parse_unique(uniq, ref_date)
    norm_arr, reason_arr = norm.to_numpy(dtype=object), reason.to_numpy(dtype=object)
    out_norm = np.where(codes >= 0, norm_arr[codes], None) if len(uniq) else np.full(len(values), None)
    out_reason = np.where(codes >= 0, reason_arr[codes], None) if len(uniq) else np.full(len(values), None)
    return (
        pd.Series(out_norm, index=values.index, dtype="str"),
        pd.Series(out_reason, index=values.index, dtype="str"),
    )


def _parse_unique(s: pd.Series, ref_date: dt.date) -> tuple[pd.Series, pd.Series]:
    parts = s.str.extract(_PATTERN)
    reason = pd.Series(pd.NA, index=s.index, dtype="str")
    fmt_ok = parts["yymmdd"].notna()
    reason[~fmt_ok] = REASON_FORMAT

    yy = pd.to_numeric(parts["yymmdd"].str[0:2], errors="coerce")
    mm = pd.to_numeric(parts["yymmdd"].str[2:4], errors="coerce")
    dd = pd.to_numeric(parts["yymmdd"].str[4:6], errors="coerce")
    day = dd.where(dd <= 60, dd - 60)  # samordningsnummer: day + 60
    cc = pd.to_numeric(parts["cc"], errors="coerce")

    # century for 10-digit forms: the latest year not after ref_date, minus 100 for '+'
    ref_c = ref_date.year // 100
    guess_year = ref_c * 100 + yy
    guess_date = pd.to_datetime(
        pd.DataFrame({"year": guess_year, "month": mm, "day": day}), errors="coerce"
    )
    in_future = guess_date > pd.Timestamp(ref_date)
    # when the guessed date is invalid (29 Feb), decide on the year alone
    in_future = in_future | (guess_date.isna() & (guess_year > ref_date.year))
    year10 = guess_year - 100 * in_future.astype(int)
    year10 = year10 - 100 * (parts["sep"] == "+").astype(int)
    year = cc * 100 + yy
    year = year.where(cc.notna(), year10)

    birth = pd.to_datetime(pd.DataFrame({"year": year, "month": mm, "day": day}), errors="coerce")
    date_ok = fmt_ok & birth.notna()
    reason[fmt_ok & ~date_ok] = REASON_DATE

    ten = (parts["yymmdd"].fillna("000000") + parts["last"].fillna("0000")).to_numpy(dtype="U10")
    digits = np.frombuffer(ten.astype("S10").tobytes(), dtype=np.uint8).reshape(-1, 10) - ord("0")
    luhn = pd.Series(_luhn_ok(digits.astype(int)), index=s.index) if len(s) else pd.Series(dtype=bool)
    check_ok = date_ok & luhn
    reason[date_ok & ~check_ok] = REASON_CHECK

    norm = (
        year.astype("Int64").astype("str").str.zfill(4)
        + parts["yymmdd"].str[2:6]
        + "-"
        + parts["last"]
    )
    norm = norm.where(check_ok, pd.NA)
    return norm.astype("str"), reason


def sex(pnr: pd.Series) -> pd.Series:
    """`Man` for an odd ninth digit of the 10-digit form, else `Kvinna` (from a normalised number)."""
    digit = pd.to_numeric(pnr.str[-2], errors="coerce")
    return pd.Series(np.where(digit % 2 == 1, Kon.MAN, Kon.KVINNA), index=pnr.index, dtype="str").where(
        digit.notna(), pd.NA
    )


def birth_year(pnr: pd.Series) -> pd.Series:
    return pd.to_numeric(pnr.str[0:4], errors="coerce").astype("Int64")


def birth_date(pnr: pd.Series) -> pd.Series:
    """Birth date; a samordningsnummer's day has 60 subtracted."""
    day = pd.to_numeric(pnr.str[6:8], errors="coerce")
    day = day.where(day <= 60, day - 60)
    return pd.to_datetime(
        pd.DataFrame(
            {"year": birth_year(pnr), "month": pd.to_numeric(pnr.str[4:6], errors="coerce"), "day": day}
        ),
        errors="coerce",
    )


def mask(text: object) -> str:
    """Hide the last four digits of every personnummer-like number in a text: `19450312-XXXX`."""
    return _MASK_RE.sub(lambda m: f"{m.group(1)}{m.group(2) or '-'}XXXX", str(text))


def mask_strings(obj: object) -> object:
    """Mask the texts inside a JSON-like structure; numbers stay numbers."""
    if isinstance(obj, str):
        return mask(obj)
    if isinstance(obj, dict):
        return {mask(k): mask_strings(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [mask_strings(v) for v in obj]
    return obj


def check_digit(nine: str) -> str:
    """The Luhn check digit for the first nine digits of the 10-digit form (YYMMDDNNN)."""
    return str(check_digits(np.array([[int(c) for c in nine]]))[0])


def make(birth: dt.date, serial: int, sex_: str, samordning: bool = False) -> str:
    """A valid normalised number, for sample data and tests. serial 0-99, sex_ 'Man' or 'Kvinna'."""
    day = birth.day + (60 if samordning else 0)
    third = (serial * 2 + (1 if sex_ == Kon.MAN else 0)) % 10
    body = f"{birth:%y%m}{day:02d}{serial % 100:02d}{third}"
    return f"{birth.year:04d}{birth:%m}{day:02d}-{body[6:]}{check_digit(body)}"
