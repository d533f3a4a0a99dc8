"""One reader for every export: a file (or several) → clean typed DataFrame + rejected rows + counts.

A file is read by what it is, not by its name: XLSX (a zip), old Excel (.xls, OLE2), an "Excel"
file that is really an HTML table, or text (CSV/TSV/TXT in UTF-8, UTF-8 with BOM, Windows-1252,
UTF-16 "Unicode text", or a mix of UTF-8 and Windows-1252 lines). The header row is found by
its names, below title rows, blank rows or Excel's `sep=;` line, possibly over two merged rows,
on whichever sheet holds it. Total rows (`Summa`, `Totalt`, a `=SUM` formula) are left out with
a note. Every value is then read as text (so personnummer and codes keep every digit) and parsed
column by column with vectorised pandas operations. A row with any bad value is rejected as a
whole and listed once per bad value; rows read = rows used + rows rejected, always.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vos_cli import personnummer
from vos_cli.config import Config
from vos_cli.errors import InputFileError
from vos_cli.frames import NON_ASCII, STR, coded, plain, release_memory
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

LINE = "_rad"  # source line (CSV) or row (Excel) of each clean row, for tracing
LINE_TYPE = "int32"  # (2 billion lines: more than any export; a nation's 30 M rows take 120 MB, not 240)
REJECTED_COLUMNS = [Col.FIL, Col.RAD, Col.KOLUMN, Col.VARDE, Col.ORSAK]
WARNING_COLUMNS = [Col.FIL, Col.RAD, Col.VARNING, Col.BESTALLNING_ID, Col.BESLUT_ID, Col.PNR]

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
R_EXTRA = "fler fält än rubrikraden"

HEADER_SCAN = 30  # rows searched for the header (title rows, blank rows, `sep=;` above it)
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
SERIAL_RANGE = (20000, 80000)  # Excel day numbers 1954-10-03 … 2119-01-10
TOTAL_LABEL = re.compile(r"(?i)^\s*(summa|totalt?|totalsumma|delsumma|sum)\s*:?\s*$")
TOTAL_FORMULA = re.compile(r"(?i)^\s*=\s*(sum|summa|subtotal|delsumma|aggregate|mängd)\s*\(")

_INSATS_CANON = {
    v.casefold(): v
    for v in (Insats.HEMTJANST, Insats.TRYGGHETSLARM, Insats.MATDISTRIBUTION, Insats.DAGVERKSAMHET,
              Insats.KORTTID_LSS)
}
_INSATS_CANON.update({"korttid lss": Insats.KORTTID_LSS, "korttidsvistelse enligt lss": Insats.KORTTID_LSS,
                      "larm": Insats.TRYGGHETSLARM, "dagverksamhet sol": Insats.DAGVERKSAMHET})


@dataclass
class Source:
    """One file that was read (an export may come in several)."""

    export: str
    path: Path
    sha256: str = ""
    read: int = 0
    used: int = 0
    how: str = ""  # "CSV UTF-8 ;", "XLSX blad Data", …

    @property
    def n_rejected(self) -> int:
        return self.read - self.used


@dataclass
class ReadResult:
    export: str
    path: Path | None
    df: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECTED_COLUMNS))
    read: int = 0
    sha256: str = ""
    sources: list[Source] = field(default_factory=list)
    # things the reader noticed that change nothing (a total row left out, another sheet used)
    notes: list[str] = field(default_factory=list)
    # things that need a look (exit 1): rows of WARNING_COLUMNS as dicts
    warnings: list[dict] = field(default_factory=list)

    @property
    def n_rejected(self) -> int:
        return self.read - self.used

    @property
    def used(self) -> int:
        return len(self.df)


def normalise_header(name: object) -> str:
    """Compare headers ignoring case, spaces, dots, dashes and å/ä/ö vs a/a/o: `Fr.o.m.` = `From` = `fr o m`."""
    s = str(name).casefold().strip().translate(str.maketrans("åäöéü", "aaoeu"))
    return re.sub(r"[^0-9a-z]", "", s)


def strip_unit(name: object) -> str:
    """`Avgiftsutrymme (kr/mån)` → `Avgiftsutrymme`: a unit or a list of values in parentheses."""
    return re.sub(r"\s*[\(\[].*?[\)\]]\s*", " ", str(name)).strip()


def warning(file: str, text: str, line: object = None) -> dict:
    return {Col.FIL: file, Col.RAD: line, Col.VARNING: text}


# ---- bytes → text --------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_utf8(data: bytes | memoryview) -> bool:
    """Arrow's UTF-8 validation of the whole file as one text value, without decoding or copying it
    (a city's visit log: 0.3 s with Python's decoder, a fifth of that here); the same verdict as
    Python's (tested: truncated sequences, surrogates, code points above U+10FFFF)."""
    import pyarrow as pa

    buf = pa.py_buffer(data)
    offsets = pa.py_buffer(np.array([0, buf.size], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, buf]).validate(full=True)
        return True
    except pa.ArrowInvalid:
        return False


_NOT_BLANK = re.compile(rb"[^ \t\r\n\xef\xbb\xbf]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def detect_encoding(data: bytes) -> str:
    """`utf-16`, `utf-8-sig`, `utf-8`, `cp1252`, or `mixed` (UTF-8 lines and Windows-1252 lines)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig" if _is_utf8(memoryview(data)[3:]) else "mixed"
    if _is_utf8(data):
        return "utf-8"
    # not UTF-8 as a whole: Windows-1252, unless some lines carry real UTF-8 letters (å = C3 A5)
    if _UTF8_MULTIBYTE.search(data):
        return "mixed"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputFileError("okänd teckenkodning — spara filen som UTF-8 eller Windows-1252 (ANSI)") from None
    return "cp1252"


def decode_mixed(data: bytes) -> tuple[str, list[int]]:
    """Line by line: UTF-8 where a line is valid UTF-8, else Windows-1252. Returns the text and
    the (1-based) lines read as Windows-1252 — so `Hemtjänst` never becomes `HemtjÃ¤nst`."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out, legacy = [], []
    for n, line in enumerate(data.split(b"\n"), start=1):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
            legacy.append(n)
    return "\n".join(out), legacy


def decode(data: bytes, encoding: str) -> str:
    if encoding == "mixed":
        return decode_mixed(data)[0]
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise InputFileError("okänd teckenkodning — spara filen som UTF-8 eller Windows-1252 (ANSI)") from None


def _lines_note(lines: list[int], limit: int = 8) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" och {len(lines) - limit} till" if len(lines) > limit else "")


# ---- finding the header ---------------------------------------------------------------------


def _lookup(export: Export, config: Config) -> tuple[dict[str, str], dict[str, str]]:
    """normalised header → contract name: (exact, after stripping a unit in parentheses)."""
    names = {f.name for f in export.fields}
    exact: dict[str, str] = {normalise_header(n): n for n in names}
    for aliases in (COMMON_ALIASES, config.aliases.get("*", {}), config.aliases.get(export.name, {})):
        for alias, target in aliases.items():
            if target in names:
                exact[normalise_header(alias)] = target
    stripped = {normalise_header(strip_unit(k)): v for k, v in exact.items() if normalise_header(strip_unit(k))}
    return exact, stripped


def _target(header: str, lookup: tuple[dict[str, str], dict[str, str]]) -> str | None:
    exact, stripped = lookup
    key = normalise_header(header)
    if key in exact:
        return exact[key]
    return stripped.get(normalise_header(strip_unit(header)))


def _score(cells: list[str], lookup) -> int:
    return len({t for c in cells if c.strip() and (t := _target(c, lookup))})


def _merge_two_rows(upper: list[str], lower: list[str]) -> list[str]:
    """A header over two rows (a merged `Avbrott` above `fr.o.m.` and `t.o.m.`): the upper name
    carried right over the merged cells and joined with the lower one."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    out, carry = [], ""
    for u, lo in zip(upper, lower):
        if u.strip():
            carry = u.strip()
        if lo.strip():
            out.append(f"{carry if not u.strip() else u.strip()} {lo.strip()}".strip())
        else:
            out.append(u.strip())
            if not u.strip():
                carry = ""
    return out


def find_header(rows: list[list[str]], lookup) -> tuple[int, list[str], int]:
    """(index of the header row, the header names, rows it spans: 1 or 2) among the first rows.
    The first row with the most contract names wins; a second row below is merged into it when
    that names more columns. With no recognisable names, the first non-blank row."""
    best, best_score = None, 0
    for i, cells in enumerate(rows[:HEADER_SCAN]):
        sc = _score(cells, lookup)
        if sc > best_score:
            best, best_score = i, sc
    if best is None:
        first = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
        if first is None:
            raise InputFileError("innehåller ingen rubrikrad — exportera igen")
        return first, [c.strip() for c in rows[first]], 1
    header = [c.strip() for c in rows[best]]
    if best + 1 < len(rows):
        merged = _merge_two_rows(rows[best], rows[best + 1])
        if _score(merged, lookup) > best_score:
            return best, merged, 2
    return best, header, 1


# ---- raw tables: every cell as text ---------------------------------------------------------


@dataclass
class Raw:
    """A table as text: data rows with their source line numbers, and how it was found."""

    header: list[str]
    frame: pd.DataFrame  # columns c0..cn (text) + LINE
    how: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    extra_rows: pd.Series | None = None  # lines with fields beyond the header
    sha256: str = ""  # of the bytes read (set by read_raw)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n or f"Kolumn {i + 1}"
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _frame(rows: list[list[str]], lines: list[int], width: int) -> pd.DataFrame:
    rows = [(r + [""] * width)[:width] for r in rows]
    df = pd.DataFrame(rows, columns=[f"c{i}" for i in range(width)], dtype="str") if rows else \
        pd.DataFrame({f"c{i}": pd.Series(dtype="str") for i in range(width)})
    df[LINE] = np.array(lines, dtype=LINE_TYPE)
    return df


def _from_rows(rows: list[list[str]], lines: list[int], lookup, how: str) -> Raw:
    """A table given as rows of cells (Excel, HTML): find the header, keep what is below it."""
    h, header, span = find_header(rows, lookup)
    while header and not header[-1]:
        header = header[:-1]
    width = len(header)
    body, body_lines = rows[h + span:], lines[h + span:]
    raw = Raw(header, _frame(body, body_lines, width), how)
    beyond = sum(1 for r in body if any(c.strip() for c in r[width:]))
    if beyond:
        raw.notes.append(f"{beyond} rad(er) har värden till höger om sista rubriken; de saknar rubrik och lästes inte")
    if h > 0:
        raw.notes.append(f"rubrikraden är rad {lines[h]}; raderna ovanför (rubrik, tomma rader) lästes inte som data")
    return raw


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S") if v.time() != dt.time() else v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, dt.time):
        return v.strftime("%H:%M")
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_xlsx(data: bytes, lookup) -> Raw:
    """The sheet whose header names the most contract columns (the first one on a tie)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, InvalidFileException) as exc:
        raise InputFileError(f"kan inte läsas som Excel-fil ({type(exc).__name__}) — spara om som .xlsx") from None
    try:
        best = None
        for n, ws in enumerate(wb.worksheets):
            head = []
            for values in ws.iter_rows(max_row=HEADER_SCAN, values_only=True):
                head.append([_cell_text(v) for v in values])
            sc = max((_score(r, lookup) for r in head), default=0)
            if best is None or sc > best[0]:
                best = (sc, n, ws.title)
        if best is None:
            raise InputFileError("arbetsboken har inga blad — exportera igen")
        ws = wb.worksheets[best[1]]
        rows, lines = [], []
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            rows.append([_cell_text(v) for v in values])
            lines.append(n)
    finally:
        wb.close()
    if not any(any(c.strip() for c in r) for r in rows):
        raise InputFileError("bladet är tomt — exportera igen")
    raw = _from_rows(rows, lines, lookup, f"XLSX, bladet {best[2]}")
    if best[1] > 0:
        raw.notes.append(f"uppgifterna lästes från bladet '{best[2]}' (inte det första), där rubrikerna finns")
    return raw


def _read_xls(data: bytes, lookup) -> Raw:
    """Old Excel (BIFF, .xls) through xlrd."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as exc:  # noqa: BLE001 - xlrd raises its own and plain errors for broken files
        raise InputFileError(f"kan inte läsas som gammal Excel-fil ({type(exc).__name__}) — spara om som .xlsx") from None
    tables = []
    for sheet in book.sheets():
        rows = []
        for r in range(sheet.nrows):
            cells = []
            for c in sheet.row(r):
                if c.ctype == xlrd.XL_CELL_DATE:
                    cells.append(_cell_text(xlrd.xldate.xldate_as_datetime(c.value, book.datemode)))
                elif c.ctype == xlrd.XL_CELL_NUMBER:
                    cells.append(_cell_text(float(c.value)))
                elif c.ctype == xlrd.XL_CELL_BOOLEAN:
                    cells.append(_cell_text(bool(c.value)))
                else:
                    cells.append("" if c.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) else str(c.value))
            rows.append(cells)
        tables.append((sheet.name, rows))
    return _best_table(tables, lookup, "XLS")


def _read_html(text: str, lookup) -> Raw:
    """An "Excel" export that is really an HTML table (common from web-based systems)."""
    import lxml.html

    try:
        doc = lxml.html.fromstring(text)
    except Exception:  # noqa: BLE001 - lxml's parser errors
        raise InputFileError("ser ut som HTML men kan inte tolkas — exportera som CSV eller XLSX") from None
    tables = []
    for n, table in enumerate(doc.iter("table"), start=1):
        rows = []
        for tr in table.iter("tr"):
            cells = []
            for cell in tr:
                if cell.tag not in ("td", "th"):
                    continue
                cells.append(" ".join(cell.text_content().split()))
                span = int(cell.get("colspan", "1") or 1) if str(cell.get("colspan", "1")).isdigit() else 1
                cells.extend([""] * (span - 1))
            rows.append(cells)
        tables.append((f"tabell {n}", rows))
    if not tables:
        raise InputFileError("är HTML utan tabell — exportera som CSV eller XLSX")
    return _best_table(tables, lookup, "HTML")


def _best_table(tables: list[tuple[str, list[list[str]]]], lookup, kind: str) -> Raw:
    scored = [(max((_score(r, lookup) for r in rows[:HEADER_SCAN]), default=0), i) for i, (_, rows) in enumerate(tables)]
    sc, i = max(scored, key=lambda t: (t[0], -t[1]))
    name, rows = tables[i]
    if not any(any(c.strip() for c in r) for r in rows):
        raise InputFileError("bladet är tomt — exportera igen")
    raw = _from_rows(rows, list(range(1, len(rows) + 1)), lookup, f"{kind}, {name}")
    if i > 0:
        raw.notes.append(f"uppgifterna lästes från '{name}' (inte den första), där rubrikerna finns")
    return raw


def _count_outside_quotes(line: str, sep: str) -> int:
    return sum(part.count(sep) for i, part in enumerate(line.split('"')) if i % 2 == 0)


def detect_separator(text: str) -> str:
    """The separator of a header line: the most frequent of `;`, tab and `,` outside quotes."""
    for line in text.splitlines():
        if line.strip():
            counts = {sep: _count_outside_quotes(line, sep) for sep in (";", "\t", ",")}
            best = max(counts, key=lambda k: counts[k])
            return best if counts[best] > 0 else ";"
    return ";"


def _head_lines(text: str) -> tuple[str | None, list[str]]:
    """A `sep=;` line (Excel's hint) and the first lines of the text."""
    lines = text[:1 << 16].lstrip("\ufeff").split("\n")[:HEADER_SCAN + 2]
    lines = [ln.rstrip("\r") for ln in lines]
    m = re.fullmatch(r'"?sep=(.)"?\s*', lines[0]) if lines else None
    return (m.group(1) if m else None), lines


def _find_text_header(text: str, lookup) -> tuple[int, str, list[str], int]:
    """(line index of the header, separator, header names, rows it spans) of a text table."""
    forced, lines = _head_lines(text)
    start = 1 if forced else 0
    best = None
    for i in range(start, min(len(lines), start + HEADER_SCAN)):
        if not lines[i].strip():
            continue
        for sep in ([forced] if forced else [";", "\t", ","]):
            cells = next(csv.reader([lines[i]], delimiter=sep))
            sc = _score(cells, lookup)
            if best is None or sc > best[0] or (sc == best[0] and i == best[1] and len(cells) > len(best[3])):
                best = (sc, i, sep, cells)
    if best is None:
        raise InputFileError("filen är tom — exportera igen")
    sc, i, sep, cells = best
    if sc == 0:  # no known name anywhere: the first non-blank line, separator by count
        i = next(k for k in range(start, len(lines)) if lines[k].strip())
        sep = forced or detect_separator(lines[i])
        cells = next(csv.reader([lines[i]], delimiter=sep))
    header, span = [c.strip() for c in cells], 1
    if i + 1 < len(lines) and lines[i + 1].strip():
        below = next(csv.reader([lines[i + 1]], delimiter=sep))
        merged = _merge_two_rows(cells, below)
        if _score(merged, lookup) > sc:
            header, span = merged, 2
    return i, sep, header, span


def _split_after(data: bytes | str, lines: int, start: int = 0) -> int:
    """Offset just after the first `lines` newline characters from `start` (no copy of data)."""
    nl = b"\n" if isinstance(data, bytes) else "\n"
    pos = start
    for _ in range(lines):
        nxt = data.find(nl, pos)
        if nxt < 0:
            return len(data)
        pos = nxt + 1
    return pos


def _read_text(data: bytes, lookup) -> Raw:
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError("innehåller binära data och är ingen CSV-fil — exportera som CSV eller XLSX")
    if not _NOT_BLANK.search(data):  # (no stripped copy of a big file)
        raise InputFileError("filen är tom — exportera igen")
    encoding = detect_encoding(data)
    notes: list[str] = []
    if encoding == "mixed":
        text, legacy = decode_mixed(data)
        notes.append(f"rad {_lines_note(legacy)} var i Windows-1252 och resten i UTF-8; varje rad lästes i sin egen "
                     "teckenkodning")
        body_bytes, arrow_encoding = None, None
    elif encoding == "utf-16":
        text = decode(data, encoding)
        body_bytes, arrow_encoding = None, None
    else:
        text = data[:1 << 16].decode(encoding, errors="replace")
        body_bytes, arrow_encoding = data, ("cp1252" if encoding == "cp1252" else "utf8")
    h, sep, header, span = _find_text_header(text, lookup)
    skip = h + span  # lines before the data
    label = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 med BOM", "cp1252": "Windows-1252", "utf-16": "UTF-16",
             "mixed": "UTF-8 och Windows-1252"}[encoding]
    how = f"CSV, {label}, avgränsare {'tab' if sep == chr(9) else sep}"
    if h > (1 if _head_lines(text)[0] else 0):
        notes.append(f"rubrikraden är rad {h + 1}; raderna ovanför (rubrik, tomma rader) lästes inte som data")
    first_line = skip + 1
    if body_bytes is not None:
        start = 3 if body_bytes.startswith(b"\xef\xbb\xbf") else 0
        body = memoryview(body_bytes)[_split_after(body_bytes, skip, start):]
        fast = _read_csv_arrow(body, arrow_encoding, sep, header, first_line)
        if fast is not None:
            return Raw(header, fast[0], how, notes, extra_rows=fast[1])
        text = decode(bytes(body), encoding if encoding != "utf-8-sig" else "utf-8")
    else:
        text = text.lstrip("\ufeff")
        text = text[_split_after(text, skip):]
    frame, extra = _read_csv_careful(text, sep, header, first_line)
    return Raw(header, frame, how, notes, extra_rows=extra)


CSV_PIECE = 1 << 27  # bytes of a CSV file parsed at a time (its blocks on every core)


def _pieces(body: memoryview, size: int) -> Iterator[memoryview]:
    """The body in pieces of about `size` bytes, each ending just after a line break (the last at
    the end), without copying it."""
    start, end_of_body = 0, len(body)
    while start < end_of_body:
        end = min(end_of_body, start + size)
        while end < end_of_body:
            window = bytes(body[end:end + (1 << 16)])
            at = window.find(b"\n")
            if at >= 0:
                end += at + 1
                break
            end += len(window)
        yield body[start:end]
        start = end


def _read_csv_arrow(body, encoding: str, sep: str, header: list[str], first_line: int):
    """The fast path: pyarrow's CSV reader, every column as text, a piece of the file at a time
    (`CSV_PIECE` bytes, cut after a line break), its blocks parsed on every core. Each block's
    columns arrive as codes into the block's distinct texts, so the text of the whole file is never
    in memory at once (a city's visit log is 4 M rows, a nation's 30 M; the columns come out as
    categoricals). A blank line is a row of empty texts (dropped as blank when parsed, so every row
    keeps its line number; a row after a quoted line break, the line it is on). None when the file
    needs the careful path (a ragged row, a quoted line break where a piece ends)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    head = bytes(body[:1 << 16])
    if not head.strip() or not head[:1].strip():
        return None
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    # a trailing separator on every row (one more field than the header, and it is empty)
    first = head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8" if encoding == "utf8" else encoding, "replace")
    if len(next(csv.reader([first], delimiter=sep))) == width + 1:
        names.append("_extra")
    columns: list[list] = [[] for _ in names]
    coded = pa.dictionary(pa.int32(), pa.string())
    options = dict(
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24, encoding=encoding, use_threads=True),
        parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                                         newlines_in_values=False, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, coded), null_values=[],
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    try:
        for piece in _pieces(body, CSV_PIECE):
            table = pacsv.read_csv(pa.py_buffer(piece), **options)
            for i, column in enumerate(table.columns):
                columns[i] += column.chunks
            del table
            release_memory()  # the piece's text, freed
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    raw = pd.DataFrame(index=pd.RangeIndex(sum(len(c) for c in columns[0])))
    as_text = pa.dictionary(pa.int32(), pa.large_string())
    for i, n in enumerate(names):  # a column at a time: one set of distinct texts instead of one per block
        chunks = pa.table({n: pa.chunked_array(columns[i], type=coded)})
        columns[i] = []
        raw[n] = chunks.unify_dictionaries().column(0).cast(as_text).to_pandas(types_mapper={pa.large_string(): STR}.get)
        del chunks
        release_memory()
    raw[LINE] = _line_numbers(raw, names, first_line)
    extra = None
    if "_extra" in raw:
        filled = raw["_extra"].astype("str").str.strip() != ""
        extra = filled.reset_index(drop=True) if filled.any() else None
        raw = raw.drop(columns="_extra")
    return raw, extra


def _line_numbers(raw: pd.DataFrame, names: list[str], first_line: int) -> np.ndarray:
    """Each row's line in the file: the next line after the row before, and after the line breaks
    quoted inside the row before ("Norr\\nÖst" is two lines of the file). Coded columns are looked
    at once per distinct text."""
    lines = np.arange(first_line, first_line + len(raw), dtype=np.int64)
    inside = np.zeros(len(raw), dtype=np.int64)
    for n in names:
        column = raw[n]
        if isinstance(column.dtype, pd.CategoricalDtype):
            per_text = pd.Series(column.cat.categories).str.count("\n").to_numpy(dtype=np.int64)
            if per_text.any():
                codes = column.cat.codes.to_numpy()
                inside += np.where(codes >= 0, per_text[np.maximum(codes, 0)], 0)
        elif len(column) and column.str.contains("\n", regex=False).any():
            inside += column.str.count("\n").fillna(0).to_numpy(dtype=np.int64)
    if inside.any():
        lines[1:] += np.cumsum(inside)[:-1]
    return lines.astype(LINE_TYPE)


def _read_csv_careful(text: str, sep: str, header: list[str], first_line: int):
    """pandas' C engine, blank lines kept (so each row's line number is its line in the file)."""
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    lines = text[:1 << 16].split("\n")[:-1] or [text[:1 << 16]]
    probe = next((ln for ln in lines if ln.strip()), "")
    if probe and len(next(csv.reader([probe.rstrip("\r")], delimiter=sep))) == width + 1:
        names.append("_extra")
    try:
        raw = pd.read_csv(
            io.StringIO(text), sep=sep, header=None, names=names, dtype=str, keep_default_na=False,
            na_filter=False, skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL, engine="c", index_col=False,
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+), saw (\d+)", str(exc))
        where = f"rad {int(m.group(1)) + first_line - 1} har {m.group(2)} fält" if m else "raderna har olika antal fält"
        raise InputFileError(
            f"{where}, fler än rubrikraden ({width}) — kontrollera avgränsare ({sep!r}) och citattecken"
        ) from None
    except pd.errors.EmptyDataError:
        raw = pd.DataFrame({n: pd.Series(dtype="str") for n in names})
    raw[LINE] = _line_numbers(raw, names, first_line)
    extra = None
    if "_extra" in raw:
        filled = raw["_extra"].astype("str").str.strip() != ""
        extra = filled.reset_index(drop=True) if filled.any() else None
        raw = raw.drop(columns="_extra")
    return raw, extra


def sniff(data: bytes) -> str:
    """What a file is, from its first bytes: xlsx, xls, html or text."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) and b"<table" in data[:1 << 16].lower():
        return "html"
    return "text"


def read_raw(path: Path, lookup) -> Raw:
    data = path.read_bytes()
    # the hash of what was read (no second read of the file), in a thread while the file is parsed:
    # hashlib lets go of the interpreter for big data, and parsing leaves a core idle part of the time
    # (a city's visit log: 0.17 s of hashing off the run's critical path)
    with ThreadPoolExecutor(1) as beside:
        digest = beside.submit(lambda: hashlib.sha256(data).hexdigest())
        raw = _read_bytes(path, data, lookup)
        raw.sha256 = digest.result()
    return raw


def _read_bytes(path: Path, data: bytes, lookup) -> Raw:
    kind = sniff(data)
    if kind == "xlsx":
        return _read_xlsx(data, lookup)
    if kind == "xls":
        return _read_xls(data, lookup)
    if kind == "html":
        return _read_html(decode(data, detect_encoding(data)), lookup)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls") and b"\x00" in data[:4096]:
        raise InputFileError("är ingen Excel-fil som går att läsa — spara om som .xlsx")
    return _read_text(data, lookup)


# ---- header mapping -----------------------------------------------------------------------


def _similar(header: str, field_name: str) -> bool:
    a, b = normalise_header(strip_unit(header)), normalise_header(field_name)
    if not a or not b:
        return False
    if difflib.SequenceMatcher(None, a, b).ratio() >= 0.85:
        return True
    return len(b) >= 6 and (b in a or a in b)


def map_headers(raw: Raw, export: Export, config: Config, file_label: str) -> pd.DataFrame:
    """Rename the file's columns to the contract's; raise when a required column is missing.
    A header that resembles an unmatched contract column is a warning naming both."""
    lookup = _lookup(export, config)
    rename: dict[str, str] = {}
    headers = _unique([h.strip() for h in raw.header])
    for i in range(len(headers)):
        target = _target(raw.header[i], lookup)
        if target and target not in rename.values():
            rename[f"c{i}"] = target
    found = [h for h in headers if h]
    unmatched = [h for i, h in enumerate(headers) if f"c{i}" not in rename and h and not h.startswith("Kolumn ")]

    def near(name: str) -> list[str]:
        return [h for h in unmatched if _similar(h, name)]

    missing = [f.name for f in export.fields if f.required and f.name not in rename.values()]
    if missing:
        similar = near(missing[0])
        hint = f"; rubriken {similar[0]!r} liknar den men matchades inte" if similar else ""
        raise InputFileError(
            f"saknar kolumnen {missing[0]!r}{hint} (hittade: {', '.join(found) or 'inga'}) — byt namn på "
            f"rubriken eller ange den under [aliases] i --config"
        )
    for f in export.fields:
        if f.name in rename.values():
            continue
        for h in near(f.name):
            raw.warnings.append(
                f"rubriken {h!r} liknar kontraktets kolumn {f.name!r} men matchades inte"
                + (f" — därför gäller standardvärdet {f.default!r}" if f.default else "")
                + f"; byt namn på rubriken eller ange \"{h}\" = \"{f.name}\" under [aliases.{export.name}] i --config")
    out = raw.frame[list(rename) + [LINE]].rename(columns=rename)
    return out


def leave_out_totals(frame: pd.DataFrame, file_label: str) -> tuple[pd.DataFrame, list[str]]:
    """A total row (`Summa`/`Totalt` in the first or the personnummer column, or a `=SUM(…)`
    anywhere) is not data: left out with a note, not rejected (which would make every month exit 1)."""
    cols = [c for c in frame.columns if c != LINE]
    if not len(frame) or not cols:
        return frame, []
    label_cols = [cols[0]] + ([Col.PNR] if Col.PNR in cols and cols[0] != Col.PNR else [])
    is_total = pd.Series(False, index=frame.index)

    def matching(c: str, pattern) -> pd.Series:
        # each distinct value once (a visit log has millions of rows but few distinct labels; read by
        # the fast path a column already is its distinct texts and a code per row)
        col = frame[c]
        values = pd.Series(col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype)
                           else col.dropna().unique()).astype("str")
        # a total says sum/tot or starts with =: only such texts (or non-ASCII ones, for the case
        # folding) go to the pattern, which Python runs a text at a time
        values = values[values.str.contains("(?i)sum|tot|=|" + NON_ASCII).fillna(False).astype(bool)]
        hits = values[values.str.match(pattern).fillna(False).astype(bool)]
        return frame[c].isin(hits) if len(hits) else pd.Series(False, index=frame.index)

    for c in label_cols:
        is_total |= matching(c, TOTAL_LABEL)
    for c in cols:
        is_total |= matching(c, TOTAL_FORMULA)
    if not is_total.any():
        return frame, []
    lines = frame.loc[is_total, LINE].tolist()
    note = f"rad {_lines_note(lines)} är en summeringsrad (Summa/Totalt/formel) och lästes inte som data"
    return frame[~is_total], [note]


# ---- typed parsing ----------------------------------------------------------------------


def _serials(s: pd.Series) -> pd.Series:
    """Excel day numbers (`46082`, `46082.5`) as timestamps; NaT where not one."""
    num = pd.to_numeric(s.where(s.str.fullmatch(r"\d{5}(\.\d+)?")), errors="coerce")
    num = num.where(num.between(*SERIAL_RANGE))
    return (EXCEL_EPOCH + pd.to_timedelta(num, unit="D")).dt.round("min")


def parse_dates(s: pd.Series) -> pd.Series:
    """`YYYY-MM-DD`, `YYYYMMDD` or an Excel day number; an Excel date cell arrives as `YYYY-MM-DD`."""
    s = s.str.replace(r"[ T]00[:.]00([:.]00)?$", "", regex=True)
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    rest = out.isna() & s.str.fullmatch(r"\d{8}")
    if rest.any():
        out[rest] = pd.to_datetime(s[rest], format="%Y%m%d", errors="coerce")
    serial = out.isna() & s.str.fullmatch(r"\d{5}")
    if serial.any():
        out[serial] = _serials(s[serial])
    return out.astype("datetime64[us]")


def parse_datetimes(s: pd.Series) -> pd.Series:
    """`YYYY-MM-DD HH:MM[:SS]` (also `T`, and Swedish `13.19` / `8.30` for the time), `YYYYMMDD HH:MM`,
    a date alone (00:00), or an Excel serial with a fraction. The usual `YYYY-MM-DD HH:MM` is read
    first, as it is; only the other texts are rewritten (in Python: the patterns need `\\s`)."""
    out = pd.to_datetime(s, format="%Y-%m-%d %H:%M", errors="coerce").astype("datetime64[us]")
    rest = out.isna() & (s != "")
    if rest.any():
        out[rest] = _parse_other_datetimes(s[rest])
    return out


def _parse_other_datetimes(s: pd.Series) -> pd.Series:
    s = s.str.replace("T", " ", regex=False).str.replace(r"^(\S+)\s+(?:kl\.?\s*)?", r"\1 ", regex=True)
    s = s.str.replace(r" (\d)([:.])", r" 0\1\2", regex=True).str.replace(r" (\d{2})\.(\d{2})(\.(\d{2}))?$",
                                                                           r" \1:\2", regex=True)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d %H:%M", "%Y%m%d"):
        todo = out.isna() & (s != "")
        if not todo.any():
            break
        out[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
    serial = out.isna() & s.str.fullmatch(r"\d{5}(\.\d+)?")
    if serial.any():
        out[serial] = _serials(s[serial])
    return out


_PLAIN_NUMBER = r"[-+]?(\d+\.?\d*|\.\d+)"


def parse_numbers(s: pd.Series) -> pd.Series:
    """Decimal comma or point; spaces as thousands separators; a currency (`kr`, `SEK`, `:-`). A plain
    number (`30`, `12.5`) is read as it is; only the others are rewritten first (in Python: the
    patterns need `\\s`)."""
    plain_number = s.str.fullmatch(_PLAIN_NUMBER).fillna(False).astype(bool)
    out = pd.to_numeric(s.where(plain_number, None), errors="coerce").astype("float64")
    if not plain_number.all():
        out[~plain_number] = _parse_other_numbers(s[~plain_number]).astype("float64")
    return out


def _parse_other_numbers(s: pd.Series) -> pd.Series:
    s = s.str.replace(r"(?i)\s*(kr\.?|sek|:-)$", "", regex=True)
    s = s.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace("\u2212", "-", regex=False)
    # 1.234,50 (dot thousands, decimal comma) and 1,234.50 (the English way)
    both = s.str.contains(",", regex=False) & s.str.contains(".", regex=False)
    comma_last = s.str.rfind(",") > s.str.rfind(".")
    s = s.where(~(both & comma_last), s.str.replace(".", "", regex=False))
    s = s.where(~(both & ~comma_last), s.str.replace(",", "", regex=False))
    s = s.str.replace(",", ".", regex=False)
    return pd.to_numeric(s.where(s.str.fullmatch(_PLAIN_NUMBER), None), errors="coerce")


def _parse_field(f: Field, s: pd.Series, ref_date: dt.date) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """Return (typed values, reason or <NA>, personnummer flags or None) for one column of stripped text."""
    empty = s == ""
    reason = pd.Series(pd.NA, index=s.index, dtype="str")
    if f.kind == TEXT:
        value = s.where(~empty, f.default if f.default is not None else pd.NA)
        if f.name == Col.INSATS:
            canon = value.str.casefold().map(_INSATS_CANON)
            value = canon.where(canon.notna(), value)
        return value.astype("str"), reason, None
    if f.kind == PNR:
        value, why, flag = personnummer.parse(s, ref_date, f.reserve_ok, with_flags=True)
        reason = why.where(~empty, pd.NA)
        return value, reason, flag
    if f.kind == DATE:
        value = parse_dates(s)
        # 9999-12-31 and the like mean "until further notice"
        far = value.dt.year > 2200
        value = value.where(~far)
        reason[~empty & value.isna() & ~far] = R_DATE
        return value, reason, None
    if f.kind == DATETIME:
        value = parse_datetimes(s)
        reason[~empty & value.isna()] = R_DATETIME
        return value, reason, None
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
        return value, reason, None
    if f.kind == MONTH:
        m = s.str.extract(r"^(\d{4})-?(\d{2})(?:-01)?(?: 00:00(?::00)?)?$")
        ok = m[1].notna() & pd.to_numeric(m[1], errors="coerce").between(1, 12)
        value = (m[0] + "-" + m[1]).where(ok)
        serial = ~ok & s.str.fullmatch(r"\d{5}")
        if serial.any():  # an Excel date cell formatted as a month
            value[serial] = _serials(s[serial]).dt.strftime("%Y-%m")
            ok = ok | (serial & value.notna())
        reason[~empty & ~ok] = R_MONTH
        return value.astype("str"), reason, None
    if f.kind == CHOICE:
        assert f.choices is not None
        value = s.str.casefold().map(f.choices)
        if f.default is not None:
            value = value.where(~empty, f.default)
        allowed = ", ".join(sorted(set(f.choices.values())))
        reason[~empty & value.isna()] = R_CHOICE.format(allowed)
        return value.astype("str"), reason, None
    raise AssertionError(f.kind)


class _Texts:
    """One column of a file as a code per row into its distinct texts, stripped of surrounding
    whitespace: factorised once, each distinct text stripped and parsed once (a visit log has
    millions of rows but few distinct dates, providers and minutes, and one personnummer per
    client). No stripped copy of the column is made: a city's visit log is 4 M rows."""

    def __init__(self, s: pd.Series):
        if isinstance(s.dtype, pd.CategoricalDtype):  # as the fast CSV path reads it: already codes
            codes, uniques = s.cat.codes.to_numpy(), s.cat.categories
        else:
            codes, uniques = pd.factorize(s.astype("str"), use_na_sentinel=False)
        stripped = pd.Series(uniques, dtype="str").str.strip()
        # " x" and "x" are one text once stripped
        inner, distinct = pd.factorize(stripped, use_na_sentinel=False)
        if len(distinct) == len(uniques):  # no two texts became one: the codes stand (no pass over the rows)
            self.codes = codes if codes.dtype.itemsize <= 4 else codes.astype(np.int32 if len(distinct) < 2**31 else
                                                                              np.int64)
        else:
            self.codes = inner.astype(np.int32 if len(distinct) < 2**31 else np.int64)[codes]  # half the memory
        self.uniques = pd.Series(distinct, dtype="str")
        self.index = s.index
        self._empty = (self.uniques == "").fillna(False).to_numpy(dtype=bool)
        self.has_empty = bool(self._empty.any())

    def keep(self, rows: np.ndarray) -> None:
        self.codes, self.index = self.codes[rows], self.index[rows]

    def empty(self) -> pd.Series:
        if not self.has_empty:
            return pd.Series(np.zeros(len(self.codes), dtype=bool), index=self.index)
        return pd.Series(self._empty[self.codes], index=self.index)

    def spread(self, per_text: pd.Series) -> pd.Series:
        """Values per distinct text → per row (a take on the array: pandas' iloc checks bounds and
        converts the codes first, a second per 10 M rows)."""
        return pd.Series(per_text.array.take(self.codes), index=self.index, name=per_text.name)

    def spread_coded(self, per_text: pd.Series) -> pd.Series:
        """Text values per distinct text → a coded (categorical) column: no text per row."""
        codes, uniques = pd.factorize(per_text, use_na_sentinel=True)
        return pd.Series(pd.Categorical.from_codes(codes.astype(np.int32)[self.codes],
                                                   categories=pd.Index(uniques, dtype="str")), index=self.index)

    def at(self, mask: pd.Series) -> np.ndarray:
        """The (stripped) texts of the rows in mask."""
        return self.uniques.to_numpy()[self.codes[np.asarray(mask, dtype=bool)]]


def _parse_unique(f: Field, col: _Texts, ref_date: dt.date, coded: bool = False):
    """Parse each distinct text of the column once, then spread the results to its rows (as codes
    into the distinct values when `coded`)."""
    value, reason, flag = _parse_field(f, col.uniques, ref_date)

    def spread(x: pd.Series | None) -> pd.Series | None:
        # nothing to spread when no distinct value has one (no reason, no flag: the usual case)
        return col.spread(x) if x is not None and x.notna().any() else None

    return col.spread_coded(value) if coded else col.spread(value), spread(reason), spread(flag)


def _empty_frame(export: Export) -> pd.DataFrame:
    dtypes = {TEXT: "str", PNR: "str", DATE: "datetime64[us]", DATETIME: "datetime64[us]",
              NUMBER: "Float64", SIGNED: "Float64", WHOLE: "Int64", MONTH: "str", CHOICE: "str"}
    frame = pd.DataFrame({f.name: pd.Series(dtype=dtypes[f.kind]) for f in export.fields})
    for c in export.coded:
        frame[c] = coded(frame[c])
    frame[LINE] = pd.Series(dtype=LINE_TYPE)
    return frame


FLAG_TEXTS = {
    personnummer.FLAG_CENTURY: "{n} personnummer med tio siffror utan - eller + i kolumnen {col}: århundradet "
                               "är antaget (den senaste födelsedagen före rapportdatum) — exportera med tolv siffror",
    personnummer.FLAG_PLUS: "{n} personnummer i kolumnen {col} skrivna med - för personer som fyller 100 år i år: "
                            "lästa som 100-åringar (Skatteverket skriver + från årets början) — kontrollera exporten",
}


def parse_export(raw: pd.DataFrame, export: Export, file_label: str, ref_date: dt.date,
                 extra_rows: pd.Series | None = None) -> ReadResult:
    """Typed parsing and row validation of a header-mapped raw frame. Its text columns are taken
    out of it (raw keeps only the line numbers): each is held as codes from then on, and its text
    is freed as soon as nothing else holds it."""
    texts = {}
    for c in [c for c in raw.columns if c != LINE]:
        texts[c] = _Texts(raw.pop(c))
        release_memory()
    if all(t.has_empty for t in texts.values()):  # a row is blank when every column is empty
        blank = np.ones(len(raw), dtype=bool)
        for t in texts.values():
            blank &= t.empty().to_numpy()
    else:  # some column is never empty: no row is blank
        blank = np.zeros(len(raw), dtype=bool)
    keep = ~blank
    if blank.any():
        for t in texts.values():
            t.keep(keep)
    lines = raw.loc[keep, LINE]
    index = raw.index[keep]
    # the typed columns, filled in below; a field the file lacks stays empty (typed, not text)
    empty = _empty_frame(export)
    out = pd.DataFrame(index=index)
    problems: list[pd.DataFrame] = []
    warnings: list[dict] = []

    def add(mask: pd.Series, column: str, values: _Texts | None, reasons: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            problems.append(pd.DataFrame({
                "_idx": mask.index[mask], Col.RAD: lines[mask].to_numpy(), Col.KOLUMN: column,
                Col.VARDE: values.at(mask) if values is not None else "",
                Col.ORSAK: reasons[mask].to_numpy() if isinstance(reasons, pd.Series) else reasons,
            }))

    for f in export.fields:
        if f.name not in texts:
            if f.default is not None:
                out[f.name] = pd.Series(f.default, index=out.index, dtype="str")
                if f.name in export.coded:
                    out[f.name] = coded(out[f.name])
            else:
                out[f.name] = empty[f.name].reindex(range(len(index))).set_axis(index)
            continue
        t = texts[f.name]
        value, reason, flag = _parse_unique(f, t, ref_date, f.name in export.coded)
        out[f.name] = value
        release_memory()
        if reason is not None:
            add(reason.notna(), f.name, t, reason)
        if flag is not None:
            for kind, n in flag.value_counts().items():
                warnings.append(warning(file_label, FLAG_TEXTS[kind].format(n=n, col=f.name)))
        if f.required and t.has_empty:
            add(t.empty(), f.name, t, R_MISSING)
        if f.unique:
            codes = pd.Series(t.codes, index=index)
            dup = ~t.empty() & codes.duplicated(keep="first")
            if dup.any():
                first_line = lines.groupby(t.codes).transform("first").astype("str")
                before, after = R_DUPLICATE.split("{}")
                add(dup, f.name, t, before + first_line + after)
    if extra_rows is not None:
        extra = pd.Series(extra_rows.to_numpy(), index=raw.index)[keep]
        add(extra, "", None, R_EXTRA)
    for col, other in export.not_before:
        if col in texts and other in texts:
            bad = out[col].notna() & out[other].notna() & (out[col] < out[other])
            add(bad, col, texts[col], R_ORDER.format(col, other))
    for col, insats in export.required_for_insats:
        if Col.INSATS in out:
            need = (out[Col.INSATS] == insats) & out[col].isna()
            if col in texts:
                need &= texts[col].empty()
            add(need, col, texts.get(col), f"{R_MISSING} (krävs för {insats})")

    rejected = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=["_idx"])
    bad_idx = pd.Index(rejected["_idx"].unique()) if len(rejected) else pd.Index([])
    clean = out.drop(index=bad_idx) if len(bad_idx) else out
    clean[LINE] = lines.drop(index=bad_idx).astype(LINE_TYPE)
    rejected = rejected.drop(columns="_idx")
    rejected.insert(0, Col.FIL, file_label)
    rejected = rejected.reindex(columns=REJECTED_COLUMNS)
    if len(rejected):
        rejected = rejected.sort_values([Col.RAD, Col.KOLUMN], kind="stable", ignore_index=True)
    return ReadResult(export.name, None, clean.reset_index(drop=True), rejected, read=int(keep.sum()),
                      warnings=warnings)


def _conditional_columns(raw: Raw, export: Export, mapped: pd.DataFrame) -> None:
    """A column required for some rows (Minuter for Hemtjänst) that the file does not have at all,
    while it has such rows: the file is refused, naming the column and any similar header —
    rather than every such row rejected with "värde saknas"."""
    default = next((f.default for f in export.fields if f.name == Col.INSATS), None)
    for col, insats in export.required_for_insats:
        if col in mapped.columns:
            continue
        if Col.INSATS in mapped.columns:
            ins = mapped[Col.INSATS].astype("str").str.strip().str.casefold()
            has_rows = bool(((ins == insats.casefold()) | ((ins == "") & (default == insats))).any())
        else:
            has_rows = default == insats and len(mapped) > 0
        if has_rows:
            headers = [h for h in raw.header if h]
            similar = [h for h in headers if _similar(h, col)]
            hint = f"; rubriken {similar[0]!r} liknar den men matchades inte" if similar else ""
            raise InputFileError(
                f"saknar kolumnen {col!r}, som krävs för raderna med {insats}{hint} (hittade: {', '.join(headers)}) "
                f"— byt namn på rubriken eller ange den under [aliases] i --config")


def read_file(name: str, path: Path, config: Config, ref_date: dt.date) -> ReadResult:
    """Read one export file. Raises InputFileError (with the file named) when it cannot be used."""
    export = EXPORTS[name]
    try:
        if not path.is_file():
            raise InputFileError("filen finns inte — kontrollera sökvägen")
        raw = read_raw(path, _lookup(export, config))
        mapped = map_headers(raw, export, config, path.name)
        mapped, total_notes = leave_out_totals(mapped, path.name)
        _conditional_columns(raw, export, mapped)
    except InputFileError as exc:
        raise InputFileError(f"{path.resolve()}: {exc}") from None
    except (csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path.resolve()}: kan inte tolkas som CSV ({str(exc)[:80]}) — kontrollera avgränsare, "
                             "citattecken och radslut") from None
    except (OSError, UnicodeError) as exc:
        raise InputFileError(f"{path.resolve()}: kan inte läsas ({exc.__class__.__name__}) — kontrollera filen och "
                             "behörigheten") from None
    extra = None
    if raw.extra_rows is not None:
        extra = raw.extra_rows.set_axis(raw.frame.index)[mapped.index] if len(raw.extra_rows) == len(raw.frame) else None
    raw.frame = pd.DataFrame()  # the file's text lives on only in `mapped`, which parsing empties column by column
    result = parse_export(mapped, export, path.name, ref_date, extra)
    result.path = path
    result.sha256 = raw.sha256
    result.notes = [f"{path.name}: {n}" for n in raw.notes + total_notes]
    result.warnings = [warning(path.name, w) for w in raw.warnings] + result.warnings
    result.sources = [Source(name, path, result.sha256, result.read, result.used, raw.how)]
    return result


# the date that places a row of a dated export in time, for telling two downloads of the same
# days from two halves of a period (visits have no ID: equal rows on one day can be two visits)
_DAY_OF = {"besok": Col.DATUM, "franvaro": Col.FROM, "maltider": Col.MANAD, "utskrivningar": Col.KONTAKT,
           "erbjudanden": Col.DATUM, "inkomster": Col.GILTIG_FROM}
_ONE_PER_CLIENT = {"avgiftsutrymme": Col.PNR}


def _overlap(name: str, parts: list[ReadResult]) -> None:
    """Several files of one export must not hold the same things: the same ID (or client, for one
    row per client) in two files; or, for dated exports, the same days twice — on the days both
    files cover, most rows identical (two downloads), not a coincidence of equal visits."""
    export = EXPORTS[name]
    ident = next((f.name for f in export.fields if f.unique), None) or _ONE_PER_CLIENT.get(name)
    for i, a in enumerate(parts):
        for b in parts[:i]:
            if ident:
                shared = len(set(a.df[ident]) & set(b.df[ident]))
                what = "ID" if ident != Col.PNR else "brukare"
            else:
                day = _DAY_OF[name]
                cols = [f.name for f in export.fields if f.name in a.df.columns and f.name in b.df.columns]
                days = set(a.df[day].dropna()) & set(b.df[day].dropna())
                ra = a.df[a.df[day].isin(days)][cols].astype("str").drop_duplicates()
                rb = b.df[b.df[day].isin(days)][cols].astype("str").drop_duplicates()
                shared = len(ra.merge(rb, on=cols)) if len(ra) and len(rb) else 0
                shared = shared if shared and shared >= 0.5 * min(len(ra), len(rb)) else 0
                what = "rader"
            if shared:
                raise InputFileError(
                    f"{a.path.resolve()} och {b.path.resolve()} innehåller samma {what} ({shared} st) — två exporter "
                    f"av samma sak? Ta bort den ena filen eller dela upp perioden så att filerna inte överlappar")


def read_export(name: str, paths: Path | list[Path], config: Config, ref_date: dt.date) -> ReadResult:
    """Read an export from one file or several (concatenated; refused if they overlap)."""
    paths = [paths] if isinstance(paths, Path) else list(paths)
    parts = []
    for path in paths:
        parts.append(read_file(name, path, config, ref_date))
        release_memory()  # the file's raw text, now gone
    if len(parts) == 1:
        return parts[0]
    _overlap(name, parts)
    unique = [f.name for f in EXPORTS[name].fields if f.unique]
    df = pd.concat([plain(p.df) for p in parts], ignore_index=True)
    for c in EXPORTS[name].coded:  # each file had its own codes
        df[c] = coded(df[c])
    result = ReadResult(
        name, parts[0].path, df, pd.concat([p.rejected for p in parts if len(p.rejected)] or [parts[0].rejected],
                                            ignore_index=True),
        read=sum(p.read for p in parts), sha256=parts[0].sha256, sources=[s for p in parts for s in p.sources],
        notes=[n for p in parts for n in p.notes] + [
            f"{name}: {len(parts)} filer lästes och lades ihop: " + ", ".join(p.path.name for p in parts)],
        warnings=[w for p in parts for w in p.warnings],
    )
    if unique:  # an ID unique within each file must be unique across them too (checked above)
        assert not df[unique[0]].duplicated().any()
    return result


def empty_result(name: str) -> ReadResult:
    return ReadResult(name, None, _empty_frame(EXPORTS[name]))
