"""Personnummer and samordningsnummer: parse, validate, sex, birth year, mask.

Everything works on whole columns; each distinct value is parsed once.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vos_cli.frames import MAYBE_SPACE, STR, extract, only_where
from vos_cli.io.contract import Kon

# ASCII digits only: Python's \d also takes other scripts' digits (١٩٤٥, full-width １９４５), which
# are not a personnummer as written by any Swedish system and which the digit arithmetic below cannot read
_PATTERN = r"^(?P<cc>[0-9]{2})?(?P<yymmdd>[0-9]{6})(?P<sep>[-+]?)(?P<last>[0-9]{4})$"
# IVO's substitute for a person with neither personnummer nor samordningsnummer: ÅÅÅÅMMDD-TNNN,
# T then three characters, the third a digit (odd man, even woman); never Luhn-checked
_RESERVE = r"^(?P<date>[0-9]{8})-?[Tt](?P<rest>[0-9A-Za-z]{2}[0-9])$"
# a plausible (YY)YYMMDD (day + 60 for samordningsnummer), then 4 digits or T+3; never inside a
# longer number or an amount with decimals
_MASK_RE = re.compile(
    r"(?<![\w.,])((?:\d{2})?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01]))([-+]?)"
    r"(\d{4}|[Tt][0-9A-Za-z]{2}\d)(?!\w|[.,]\d)"
)

REASON_FORMAT = "ogiltigt personnummer (format)"
REASON_DATE = "ogiltigt personnummer (datum)"
REASON_CHECK = "ogiltigt personnummer (kontrollsiffra)"

# flags on values that were read, but by an assumption the fee administrator should know of
FLAG_CENTURY = "century"  # ten digits without - or +: the century is a guess
FLAG_PLUS = "plus"  # YYMMDD-NNNN of someone who turns 100 this year: Skatteverket writes +


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


def parse(values: pd.Series, ref_date: dt.date, reserve_ok: bool = False,
          with_flags: bool = False) -> tuple[pd.Series, ...]:
    """Normalise to `YYYYMMDD-NNNN`; return (normalised or <NA>, reason or <NA>[, flag or <NA>]).

    The century of a 10-digit form follows Skatteverket (folkbokföringslagen 18 §) relative to
    the report's own date R, year Y (never today's date): `YYMMDD+NNNN` is the latest birth year
    with those digits and Y − year ≥ 100 (the + is written from the start of the year the person
    turns 100); `YYMMDD-NNNN` and ten bare digits the latest birth date not after R. Flags say
    where that reading is an assumption (rules.md §9). reserve_ok accepts IVO's ÅÅÅÅMMDD-TNNN.
    """
    text = values.astype("str")
    text = only_where(text, text.str.contains(MAYBE_SPACE), lambda t: t.str.replace(r"\s", "", regex=True))
    codes, uniques = pd.factorize(text)
    uniq = pd.Series(uniques, dtype="str")
    parts = _parse_unique(uniq, ref_date, reserve_ok)
    out = []
    for part in parts if with_flags else parts[:2]:
        arr = part.to_numpy(dtype=object)
        spread = np.where(codes >= 0, arr[codes], None) if len(uniq) else np.full(len(values), None)
        out.append(pd.Series(spread, index=values.index, dtype="str"))
    return tuple(out)


def _digits(texts: pd.Series, width: int) -> np.ndarray:
    """An (n, width) integer array of the ASCII digits of texts that are `width` digits long."""
    raw = texts.to_numpy(dtype=f"U{width}").astype(f"S{width}")
    return np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(-1, width).astype(np.int64) - ord("0")


def _number(digits: pd.Series) -> pd.Series:
    """A text of ASCII digits as its number (float), NaN for anything else: `pd.to_numeric(...,
    errors="coerce")` on the digit slices of normalised numbers, in Arrow — pandas converts each
    text in Python (10 ms per 20 000 texts, some twenty calls in a month's statistics)."""
    text = digits.astype(STR)
    ok = text.str.fullmatch("[0-9]+").fillna(False).astype(bool).to_numpy()
    values = pc.cast(pa.array(text.where(ok, "0").array), pa.int64()).to_numpy(zero_copy_only=False)
    return pd.Series(np.where(ok, values, np.nan), index=digits.index)


def _parse_unique(s: pd.Series, ref_date: dt.date, reserve_ok: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    parts = extract(s, _PATTERN, optional=("cc",))
    reason = pd.Series(pd.NA, index=s.index, dtype="str")
    flag = pd.Series(pd.NA, index=s.index, dtype="str")
    fmt_ok = parts["yymmdd"].notna()
    reason[~fmt_ok] = REASON_FORMAT

    # the digits as numbers from their bytes (CCYYMMDDNNNN, 0 where missing), not text by text
    twelve = (parts["cc"].fillna("00") + parts["yymmdd"].fillna("000000") + parts["last"].fillna("0000"))
    digits = _digits(twelve, 12)
    pairs = pd.DataFrame(digits[:, 0::2] * 10 + digits[:, 1::2], index=s.index, dtype=float)  # CC YY MM DD NN NN
    yy, mm, dd = (pairs[i].where(fmt_ok) for i in (1, 2, 3))
    day = dd.where(dd <= 60, dd - 60)  # samordningsnummer: day + 60
    cc = pairs[0].where(parts["cc"].notna())
    y = ref_date.year

    # dash or no separator: the latest birth date with these digits not after ref_date
    guess_year = (y // 100) * 100 + yy
    guess_date = pd.to_datetime(pd.DataFrame({"year": guess_year, "month": mm, "day": day}), errors="coerce")
    in_future = guess_date > pd.Timestamp(ref_date)
    # when the guessed date is invalid (29 Feb), decide on the year alone
    in_future = in_future | (guess_date.isna() & (guess_year > y))
    dash_year = guess_year - 100 * in_future.astype(int)
    # plus: the latest year with these two digits at least 100 years before Y
    plus_year = (y - 100) - ((y - 100 - yy) % 100)
    plus = parts["sep"] == "+"
    year10 = dash_year.where(~plus, plus_year)
    year = (cc * 100 + yy).where(cc.notna(), year10)

    ten_digit = fmt_ok & cc.isna()
    flag[ten_digit & (parts["sep"] == "")] = FLAG_CENTURY
    flag[ten_digit & (parts["sep"] == "-") & (y - year == 100)] = FLAG_PLUS

    birth = pd.to_datetime(pd.DataFrame({"year": year, "month": mm, "day": day}), errors="coerce")
    date_ok = fmt_ok & birth.notna()
    reason[fmt_ok & ~date_ok] = REASON_DATE

    luhn = pd.Series(_luhn_ok(digits[:, 2:]), index=s.index) if len(s) else pd.Series(dtype=bool)
    check_ok = date_ok & luhn
    reason[date_ok & ~check_ok] = REASON_CHECK

    norm = (
        year.astype("Int64").astype("str").str.zfill(4)
        + parts["yymmdd"].str[2:6]
        + "-"
        + parts["last"]
    )
    norm = norm.where(check_ok, pd.NA)
    flag = flag.where(check_ok, pd.NA)

    if reserve_ok:
        r = extract(s, _RESERVE)
        born = pd.to_datetime(r["date"], format="%Y%m%d", errors="coerce")
        ok = r["date"].notna() & born.notna() & (born <= pd.Timestamp(ref_date))
        norm = norm.where(~ok, r["date"] + "-T" + r["rest"].str.upper())
        reason = reason.where(~ok, pd.NA)
    return norm.astype("str"), reason, flag


def is_reserve(pnr: pd.Series) -> pd.Series:
    """IVO's substitute number (ÅÅÅÅMMDD-TNNN) rather than a personnummer or samordningsnummer."""
    return pnr.str[9] == "T"


def sex(pnr: pd.Series) -> pd.Series:
    """`Man` for an odd ninth digit of the 10-digit form, else `Kvinna` (from a normalised number);
    for IVO's ÅÅÅÅMMDD-TNNN the last digit."""
    digit = _number(pnr.str[-2].where(~is_reserve(pnr).fillna(False), pnr.str[-1]))
    return pd.Series(np.where(digit % 2 == 1, Kon.MAN, Kon.KVINNA), index=pnr.index, dtype="str").where(
        digit.notna(), pd.NA
    )


def birth_year(pnr: pd.Series) -> pd.Series:
    return _number(pnr.str[0:4]).astype("Int64")


def birth_date(pnr: pd.Series) -> pd.Series:
    """Birth date; a samordningsnummer's day has 60 subtracted."""
    day = _number(pnr.str[6:8])
    day = day.where(day <= 60, day - 60)
    return pd.to_datetime(
        pd.DataFrame({"year": _number(pnr.str[0:4]), "month": _number(pnr.str[4:6]), "day": day}),
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
