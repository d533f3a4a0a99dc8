"""One reader for every export: CSV or XLSX → clean typed DataFrame + rejected rows + counts.

Every value is first read as text (so personnummer and codes keep every digit), then parsed
column by column with vectorised pandas operations. A row with any bad value is rejected as a
whole and listed once per bad value; rows read = rows used + rows rejected, always.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vos_cli import personnummer
from vos_cli.config import Config
from vos_cli.errors import InputFileError
from vos_cli.io.contract import (
    CHOICE,
    COMMON_ALIASES,
    DATE,
    DATETIME,
    EXPORTS,
    MONTH,
    NUMBER,
    PNR,
    SIGNED,
    TEXT,
    WHOLE,
    Col,
    Export,
    Field,
    Insats,
)

LINE = "_rad"  # source line (CSV) or row (XLSX) of each clean row, for tracing
REJECTED_COLUMNS = [Col.FIL, Col.RAD, Col.KOLUMN, Col.VARDE, Col.ORSAK]

R_MISSING = "värde saknas"
R_DATE = "ogiltigt datum (använd ÅÅÅÅ-MM-DD)"
R_DATETIME = "ogiltig tidpunkt (använd ÅÅÅÅ-MM-DD TT:MM)"
R_NUMBER = "inte ett tal"
R_NEGATIVE = "negativt tal"
R_WHOLE = "inte ett heltal"
R_TOO_LARGE = "orimligt stort tal"
MAX_NUMBER = 1e12  # larger than any count, minute sum or krona amount in an export
R_MONTH = "ogiltig månad (använd ÅÅÅÅ-MM)"
R_CHOICE = "okänt värde (tillåtna: {})"
R_DUPLICATE = "dubblett av ID (första förekomsten på rad {})"  # {} = line number
R_ORDER = "{} före {}"

_INSATS_CANON = {
    v.casefold(): v
    for v in (Insats.HEMTJANST, Insats.TRYGGHETSLARM, Insats.MATDISTRIBUTION, Insats.DAGVERKSAMHET,
              Insats.KORTTID_LSS)
}
_INSATS_CANON.update({"korttidsvistelse": Insats.KORTTID_LSS, "korttid lss": Insats.KORTTID_LSS,
                      "larm": Insats.TRYGGHETSLARM, "dagverksamhet sol": Insats.DAGVERKSAMHET})


@dataclass
class ReadResult:
    export: str
    path: Path | None
    df: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECTED_COLUMNS))
    read: int = 0
    sha256: str = ""

    @property
    def n_rejected(self) -> int:
        return self.read - self.used

    @property
    def used(self) -> int:
        return len(self.df)


def normalise_header(name: object) -> str:
    """Compare headers ignoring case, spaces, dots, dashes and å/ä/ö vs a/a/o: `Fr.o.m.` = `From` = `fr o m`."""
    s = str(name).casefold().strip().translate(str.maketrans("åäöé", "aaoe"))
    return re.sub(r"[^0-9a-z]", "", s)


# ---- raw reading ------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_utf8(data: bytes) -> bool:
    """Checked in chunks so a large file is never decoded whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 1 << 24):
            decoder.decode(data[start:start + (1 << 24)])
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def detect_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if _is_utf8(data):
        return "utf-8"
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        raise InputFileError("okänd teckenkodning — spara filen som UTF-8 eller Windows-1252 (ANSI)") from None


def detect_separator(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            counts = {sep: _count_outside_quotes(line, sep) for sep in (";", "\t", ",")}
            best = max(counts, key=lambda k: counts[k])
            return best if counts[best] > 0 else ";"
    return ";"


def _count_outside_quotes(line: str, sep: str) -> int:
    return sum(1 for i, part in enumerate(line.split('"')) if i % 2 == 0 for _ in range(part.count(sep)))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _read_csv_arrow(data: bytes, encoding: str, sep: str, header: list[str]) -> pd.DataFrame | None:
    """The fast path: pyarrow's CSV reader, every column as text. None when the file needs the
    careful path (blank lines, a ragged row) so that line numbers stay exact."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not body[:1].strip() or b"\n\n" in body or b"\n\r\n" in body:
        return None
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24,
                                           encoding="cp1252" if encoding == "cp1252" else "utf8"),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                                             newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    raw = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    raw.columns = _unique([h.strip() or f"Kolumn {i + 1}" for i, h in enumerate(header)])
    raw[LINE] = np.arange(len(raw), dtype="int64") + 2
    return raw


def _read_csv_raw(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise InputFileError("innehåller binära data och är ingen CSV-fil — exportera som CSV eller XLSX")
    encoding = detect_encoding(data)
    first_line = (data[:65536].decode(encoding, errors="replace").lstrip("\ufeff").splitlines() or [""])[0]
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputFileError("filen är tom — exportera igen")
    sep = detect_separator(first_line) if first_line.strip() else ";"
    if first_line.strip():
        header = next(csv.reader([first_line], delimiter=sep))
        fast = _read_csv_arrow(data, encoding, sep, header)
        if fast is not None:
            return fast
    text = data.decode(encoding)
    sep = detect_separator(text)
    try:
        raw = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL, engine="c",
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+), saw (\d+)", str(exc))
        where = f"rad {m.group(1)} har {m.group(2)} fält" if m else "raderna har olika antal fält"
        raise InputFileError(
            f"{where}, fler än rubrikraden — kontrollera avgränsare ({sep!r}) och citattecken"
        ) from None
    raw[LINE] = np.arange(len(raw), dtype="int64") + 2
    return raw


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_xlsx_raw(path: Path) -> pd.DataFrame:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError(f"kan inte läsas som Excel-fil ({type(exc).__name__}) — spara om som .xlsx") from None
    try:
        ws = wb.worksheets[0]
        rows, lines, header = [], [], None
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if header is None:
                if any(c.strip() for c in cells):
                    header = cells
                continue
            rows.append(cells)
            lines.append(n)
    finally:
        wb.close()
    if header is None:
        raise InputFileError("bladet är tomt — exportera igen")
    width = len(header)
    rows = [(r + [""] * width)[:width] for r in rows]
    raw = pd.DataFrame(rows, columns=[h or f"Kolumn {i + 1}" for i, h in enumerate(header)], dtype="str")
    raw[LINE] = np.array(lines, dtype="int64")
    return raw


def read_raw(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx_raw(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv_raw(path)
    raise InputFileError(f"okänd filtyp {suffix!r} — använd .csv eller .xlsx")


# ---- header mapping -----------------------------------------------------------------------


def map_headers(raw: pd.DataFrame, export: Export, config: Config) -> pd.DataFrame:
    """Rename the file's headers to the contract's; raise when a required column is missing."""
    lookup: dict[str, str] = {}
    for f in export.fields:
        lookup[normalise_header(f.name)] = f.name
    alias_sets = [COMMON_ALIASES, config.aliases.get("*", {}), config.aliases.get(export.name, {})]
    names = {f.name for f in export.fields}
    for aliases in alias_sets:
        for alias, target in aliases.items():
            if target in names:
                lookup[normalise_header(alias)] = target
    rename: dict[str, str] = {}
    for col in raw.columns:
        if col == LINE:
            continue
        target = lookup.get(normalise_header(col))
        if target and target not in rename.values():
            rename[col] = target
    missing = [f.name for f in export.fields if f.required and f.name not in rename.values()]
    if missing:
        found = ", ".join(str(c) for c in raw.columns if c != LINE) or "inga"
        raise InputFileError(
            f"saknar kolumnen {missing[0]!r} (hittade: {found}) — byt namn på rubriken eller "
            f"ange den under [aliases] i --config"
        )
    out = raw[list(rename) + [LINE]].rename(columns=rename)
    return out


# ---- typed parsing ----------------------------------------------------------------------


def _strip(s: pd.Series) -> pd.Series:
    return s.astype("str").str.strip()


def parse_dates(s: pd.Series) -> pd.Series:
    """`YYYY-MM-DD` or `YYYYMMDD` (an Excel date cell arrives as `YYYY-MM-DD 00:00:00`); NaT if not."""
    s = s.str.replace(r"[ T]00:00(:00)?$", "", regex=True)
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    rest = out.isna() & s.str.fullmatch(r"\d{8}")
    if rest.any():
        out[rest] = pd.to_datetime(s[rest], format="%Y%m%d", errors="coerce")
    return out.astype("datetime64[us]")


def parse_datetimes(s: pd.Series) -> pd.Series:
    s = s.str.replace("T", " ", regex=False)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d %H:%M", "%Y%m%d"):
        todo = out.isna() & (s != "")
        if not todo.any():
            break
        out[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
    return out


def parse_numbers(s: pd.Series) -> pd.Series:
    s = s.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    s = s.str.replace("\u2212", "-", regex=False)
    return pd.to_numeric(s.where(s.str.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)"), None), errors="coerce")


def _parse_field(f: Field, s: pd.Series, ref_date: dt.date) -> tuple[pd.Series, pd.Series]:
    """Return (typed values, reason or <NA>) for one column of stripped text."""
    empty = s == ""
    reason = pd.Series(pd.NA, index=s.index, dtype="str")
    if f.kind == TEXT:
        value = s.where(~empty, f.default if f.default is not None else pd.NA)
        if f.name == Col.INSATS:
            canon = value.str.casefold().map(_INSATS_CANON)
            value = canon.where(canon.notna(), value)
        return value.astype("str"), reason
    if f.kind == PNR:
        value, why = personnummer.parse(s, ref_date)
        reason = why.where(~empty, pd.NA)
        return value, reason
    if f.kind == DATE:
        value = parse_dates(s)
        # 9999-12-31 and the like mean "until further notice"
        far = value.dt.year > 2200
        value = value.where(~far)
        reason[~empty & value.isna() & ~far] = R_DATE
        return value, reason
    if f.kind == DATETIME:
        value = parse_datetimes(s)
        reason[~empty & value.isna()] = R_DATETIME
        return value, reason
    if f.kind in (NUMBER, SIGNED, WHOLE):
        value = parse_numbers(s)
        reason[~empty & value.isna()] = R_NUMBER
        huge = value.abs() >= MAX_NUMBER
        reason[huge] = R_TOO_LARGE
        value = value.where(~huge)
        if f.kind != SIGNED:
            reason[value < 0] = R_NEGATIVE
        if f.kind == WHOLE:
            frac = value.notna() & (value != np.floor(value))
            reason[frac] = R_WHOLE
            value = value.where(~frac).round().astype("Int64")
        else:
            value = value.astype("Float64")
        return value, reason
    if f.kind == MONTH:
        m = s.str.extract(r"^(\d{4})-?(\d{2})(?:-01)?(?: 00:00:00)?$")
        ok = m[1].notna() & pd.to_numeric(m[1], errors="coerce").between(1, 12)
        value = (m[0] + "-" + m[1]).where(ok)
        reason[~empty & ~ok] = R_MONTH
        return value.astype("str"), reason
    if f.kind == CHOICE:
        assert f.choices is not None
        value = s.str.casefold().map(f.choices)
        if f.default is not None:
            value = value.where(~empty, f.default)
        allowed = ", ".join(sorted(set(f.choices.values())))
        reason[~empty & value.isna()] = R_CHOICE.format(allowed)
        return value.astype("str"), reason
    raise AssertionError(f.kind)


def _parse_unique(f: Field, s: pd.Series, ref_date: dt.date) -> tuple[pd.Series, pd.Series]:
    """Parse each distinct value once (a visit log has millions of rows but few distinct dates,
    providers and minutes, and one personnummer per client), then spread the results back."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    value, reason = _parse_field(f, pd.Series(uniques, dtype="str"), ref_date)
    value = value.iloc[codes].set_axis(s.index)
    reason = reason.iloc[codes].set_axis(s.index)
    return value, reason


def _empty_frame(export: Export) -> pd.DataFrame:
    dtypes = {TEXT: "str", PNR: "str", DATE: "datetime64[us]", DATETIME: "datetime64[us]",
              NUMBER: "Float64", SIGNED: "Float64", WHOLE: "Int64", MONTH: "str", CHOICE: "str"}
    frame = pd.DataFrame({f.name: pd.Series(dtype=dtypes[f.kind]) for f in export.fields})
    frame[LINE] = pd.Series(dtype="int64")
    return frame


def parse_export(raw: pd.DataFrame, export: Export, file_label: str, ref_date: dt.date) -> ReadResult:
    """Typed parsing and row validation of a header-mapped raw frame."""
    texts = {c: _strip(raw[c]) for c in raw.columns if c != LINE}
    blank = pd.Series(True, index=raw.index)
    for s in texts.values():
        blank &= s == ""
    keep = ~blank
    lines = raw.loc[keep, LINE]
    out = _empty_frame(export).reindex(range(int(keep.sum())))
    out.index = raw.index[keep]
    problems: list[pd.DataFrame] = []

    def add(mask: pd.Series, column: str, values: pd.Series, reasons: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            problems.append(pd.DataFrame({
                "_idx": mask.index[mask], Col.RAD: lines[mask].to_numpy(), Col.KOLUMN: column,
                Col.VARDE: values[mask].to_numpy(),
                Col.ORSAK: reasons[mask].to_numpy() if isinstance(reasons, pd.Series) else reasons,
            }))

    for f in export.fields:
        if f.name not in texts:
            if f.default is not None:
                out[f.name] = pd.Series(f.default, index=out.index, dtype="str")
            continue
        s = texts[f.name][keep]
        value, reason = _parse_unique(f, s, ref_date)
        out[f.name] = value
        add(reason.notna(), f.name, s, reason)
        if f.required:
            add(s == "", f.name, s, R_MISSING)
        if f.unique:
            dup = (s != "") & s.duplicated(keep="first")
            if dup.any():
                first_line = lines.groupby(s.to_numpy()).transform("first").astype("str")
                before, after = R_DUPLICATE.split("{}")
                add(dup, f.name, s, before + first_line + after)
    for col, other in export.not_before:
        if col in texts and other in texts:
            bad = out[col].notna() & out[other].notna() & (out[col] < out[other])
            add(bad, col, texts[col][keep], R_ORDER.format(col, other))
    for col, insats in export.required_for_insats:
        if Col.INSATS in out:
            need = (out[Col.INSATS] == insats) & out[col].isna()
            if col in texts:
                need &= texts[col][keep] == ""
            add(need, col, texts[col][keep] if col in texts else pd.Series("", index=out.index),
                f"{R_MISSING} (krävs för {insats})")

    rejected = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=["_idx"])
    bad_idx = pd.Index(rejected["_idx"].unique()) if len(rejected) else pd.Index([])
    clean = out.drop(index=bad_idx)
    clean[LINE] = lines.drop(index=bad_idx).astype("int64")
    rejected = rejected.drop(columns="_idx")
    rejected.insert(0, Col.FIL, file_label)
    rejected = rejected.reindex(columns=REJECTED_COLUMNS)
    if len(rejected):
        rejected = rejected.sort_values([Col.RAD, Col.KOLUMN], kind="stable", ignore_index=True)
    return ReadResult(export.name, None, clean.reset_index(drop=True), rejected, read=int(keep.sum()))


def read_export(name: str, path: Path, config: Config, ref_date: dt.date) -> ReadResult:
    """Read one export file. Raises InputFileError (with the file named) when it cannot be used."""
    export = EXPORTS[name]
    try:
        if not path.is_file():
            raise InputFileError("filen finns inte — kontrollera sökvägen")
        raw = read_raw(path)
        mapped = map_headers(raw, export, config)
    except InputFileError as exc:
        raise InputFileError(f"{path}: {exc}") from None
    except (csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path}: kan inte tolkas som CSV ({str(exc)[:80]}) — kontrollera avgränsare, "
                             "citattecken och radslut") from None
    except (OSError, UnicodeError) as exc:
        raise InputFileError(f"{path}: kan inte läsas ({exc.__class__.__name__}) — kontrollera filen och behörigheten") from None
    result = parse_export(mapped, export, path.name, ref_date)
    result.path = path
    result.sha256 = sha256_of(path)
    return result


def empty_result(name: str) -> ReadResult:
    return ReadResult(name, None, _empty_frame(EXPORTS[name]))


def find_export(folder: Path, name: str) -> Path | None:
    """`name.csv` or `name.xlsx` in folder, case-insensitively; CSV first when both exist."""
    by_lower = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for suffix in (".csv", ".xlsx", ".tsv", ".txt"):
        if name + suffix in by_lower:
            return by_lower[name + suffix]
    return None
