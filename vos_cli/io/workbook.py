"""One writer for every workbook: a report is data plus layout; this module knows Excel.

Written with xlsxwriter row by row in constant-memory mode (measured ~5x faster than openpyxl's
write-only mode; never through DataFrame.to_excel, which with constant_memory silently drops
cells). Tests read the workbooks back with openpyxl.

Conventions (docs/workbooks.md): `Om rapporten` first, then `Läs så här`, then the sheets of only
the rows to act on, the report's sheets, `Varningar` and `Avvisade rader`. Every column is
formatted by its kind in the contract (kronor `# ##0,00 kr`, whole counts, hours with 2 decimals,
real percentages, dates ÅÅÅÅ-MM-DD); a table of amounts, hours or counts ends with a `Summa` row
(SUBTOTAL, so it follows the filter, with the value cached for any reader); rows are coloured by
their status; bold frozen header with autofilter; fitted widths, long texts wrapped; printed
landscape, one page wide, the header row repeated, the report, period and sheet in the page header
and "Sida X av Y" and the as-of time in the footer. Text that looks like a formula stays text (a
string cell with Excel's quote prefix). Written atomically (temporary file, then rename) with mode
0600. Identical reports give byte-identical files: the workbook's creation time is the report's
as-of time (or SOURCE_DATE_EPOCH when set), never the clock.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
import xlsxwriter.exceptions
import xlsxwriter.utility
from isal import isal_zlib
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate

from vos_cli import __version__
from vos_cli import platform as osl
from vos_cli.errors import OutputError
from vos_cli.io.contract import SHEET_ABOUT, SHEET_REJECTED, SHEET_WARNINGS, SUMMA, TOTALT, Kind, kind_of
from vos_cli.io.readers import REJECTED_COLUMNS, WARNING_COLUMNS, Source
from vos_cli.text import sv1

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CHARS = 32_767
CUT_MARK = " … [avkortad]"
FORMULA_START = ("=", "+", "-", "@")
FMT_DATE = "yyyy-mm-dd"
FMT_DATETIME = "yyyy-mm-dd hh:mm"
# one number format per kind of column (Swedish Excel shows "# ##0,00 kr" for the first)
FORMATS = {
    Kind.KR: '#,##0.00 "kr"', Kind.PRICE: '#,##0.00 "kr"', Kind.HOURS: "#,##0.00", Kind.COUNT: "#,##0",
    Kind.NUMBER: "0", Kind.DECIMAL: "#,##0.00", Kind.DECIMAL1: "#,##0.0", Kind.PERCENT: "0.0%",
    Kind.DATE: FMT_DATE, Kind.DATETIME: FMT_DATETIME, Kind.TEXT: None,
}
WIDE_COLUMNS = 14  # a table with more columns is printed on A3
LINE_HEIGHT = 15.0  # points per line of text; a wrapped row is as high as its longest text needs
# row colours by status level (0: act now, 1: watch), as Excel's own "bad" and "neutral" styles
LEVEL_STYLES = {0: {"bg_color": "#FFC7CE", "font_color": "#9C0006"}, 1: {"bg_color": "#FFEB9C", "font_color": "#9C5700"}}


@dataclass
class Chart:
    """A native Excel chart over columns of its sheet (stays live in Excel and LibreOffice)."""

    kind: str  # "bar", "column" or "line"
    title: str
    categories: str  # the column naming each point
    values: list[str]  # one series per column
    anchor: str | None = None  # top-left cell; None: below the table, one under the other
    stacked: bool = False
    y_title: str = ""


@dataclass
class Sheet:
    name: str
    df: pd.DataFrame
    # column -> Kind where this sheet's column differs from the contract's (e.g. Antal of mixed units)
    kinds: dict[str, str] = field(default_factory=dict)
    charts: list[Chart] = field(default_factory=list)
    # said in words on the sheet when it has no rows (a text box: scripts still see an empty table)
    empty_text: str | None = None
    # column -> a Kind per row (a column of mixed figures, e.g. Nyckeltal's Värde)
    cell_kinds: dict[str, pd.Series] = field(default_factory=dict)
    # a Summa row under the table when it has amounts, hours or counts (False: the table has its own)
    total: bool = True
    # status value -> level (0 act, 1 watch, 2 OK): the rows are coloured by it (reports.common)
    levels: dict[str, int] = field(default_factory=dict)
    status_column: str = "Status"
    # the widest a text column may be before it wraps (characters)
    wrap_width: int = 60


@dataclass
class About:
    title: str
    period: str
    as_of: str
    inputs: list[Source] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # the moment the report describes; the workbook's creation time (reproducible bytes)
    stamp: dt.datetime | None = None
    # the creation time as resolved by the process that built the report (creation_time), so a
    # worker process never reads it from an environment of its own
    created: dt.datetime | None = None


def creation_time(about: About) -> dt.datetime:
    """SOURCE_DATE_EPOCH (reproducible-builds convention) when set, else the report's as-of time."""
    if about.created is not None:
        return about.created
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
    return about.stamp or dt.datetime(2000, 1, 1)


@dataclass
class Report:
    filename: str
    about: About
    sheets: list[Sheet]
    rejected: pd.DataFrame | None = None
    # text files written beside the workbook: (file name, text, encoding)
    attachments: list[tuple[str, str, str]] = field(default_factory=list)
    rows_per_sheet: dict[str, int] = field(default_factory=dict)
    # warnings of the month (exit 1), written as the sheet `Varningar`; None: set by reports.common.finish
    warnings: pd.DataFrame | None = None
    # the report's own sheets hold something that needs a look (vos check)
    flagged: bool = False
    # workbooks written beside this one (one per provider), each with the same guarantees
    companions: list[Report] = field(default_factory=list)
    # `Läs så här` and the sheets of only the rows to act on (reports.common.finish)
    guide: Sheet | None = None
    actions: list[Sheet] = field(default_factory=list)

    def all_sheets(self) -> list[Sheet]:
        """The sheets as written, in order, `Om rapporten` excluded."""
        sheets = ([self.guide] if self.guide is not None else []) + list(self.actions) + list(self.sheets)
        names = {s.name for s in sheets}
        if self.warnings is not None and len(self.warnings) and SHEET_WARNINGS not in names:
            sheets.append(Sheet(SHEET_WARNINGS, self.warnings.reindex(columns=WARNING_COLUMNS)))
        if self.rejected is not None and len(self.rejected) and SHEET_REJECTED not in names:
            sheets.append(Sheet(SHEET_REJECTED, self.rejected.reindex(columns=REJECTED_COLUMNS)))
        return sheets

    @property
    def needs_look(self) -> bool:
        """Exit 1: rows rejected, or a warning."""
        return self.flagged or any(x is not None and len(x) for x in (self.rejected, self.warnings))


def kinds_of(sheet: Sheet) -> list[str]:
    """Each column's kind: the sheet's own, else the contract's; a date column with times is DATETIME."""
    out = []
    for c in sheet.df.columns:
        s = sheet.df[c]
        kind = sheet.kinds.get(str(c)) or kind_of(str(c), s.dtype)
        if pd.api.types.is_datetime64_any_dtype(s):
            kind = Kind.DATETIME if _has_time(s) else Kind.DATE
        out.append(kind)
    return out


def _has_time(s: pd.Series) -> bool:
    """Whether a date column has a time of day other than midnight anywhere (on the numbers: pandas'
    normalize-and-compare is six times slower, and each sheet asks three times)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return bool((s.dropna().dt.normalize() != s.dropna()).any())
    at = s.to_numpy().astype("datetime64[us]")
    return bool(((at - at.astype("datetime64[D]")) != np.timedelta64(0, "us"))[~np.isnat(at)].any())


def _py_values(s: pd.Series) -> list[Any]:
    """Column → Python values the writer understands; missing → None."""
    if pd.api.types.is_datetime64_any_dtype(s):
        # Excel's serial day number, computed for the whole column (written with a date format)
        arr = s.astype("datetime64[us]").to_numpy()
        serial = (arr - np.datetime64("1899-12-30", "us")) / np.timedelta64(1, "D")
        return [None if v != v else v for v in serial.tolist()]
    if pd.api.types.is_bool_dtype(s):
        return [None if pd.isna(v) else ("Ja" if v else "Nej") for v in s.astype(object)]
    if pd.api.types.is_integer_dtype(s) or pd.api.types.is_float_dtype(s):
        arr = s.astype("float64").to_numpy()
        return [None if v != v else v for v in arr.tolist()]
    if isinstance(s.dtype, pd.StringDtype):  # texts and missing ones only: no value to look at twice
        values = s.tolist()
        return [v if isinstance(v, str) else None for v in values] if s.hasnans else values
    return [None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else
            v if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else str(v)
            for v in s.astype(object)]


def _may_be_long(s: pd.Series) -> bool:
    """Whether a column may hold a text over Excel's cell limit: no text has more characters than
    bytes, so an Arrow text column is settled by its longest text in bytes (no pass in Python)."""
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        return (pc.max(pc.binary_length(pa.array(s.array))).as_py() or 0) > EXCEL_MAX_CHARS
    return True


class Columns:
    """A table's columns as the Python values the writer writes (`_py_values`: missing → None;
    texts over Excel's cell limit cut where `cut`), made a block of rows at a time: a nation's fee
    basis (250 000 rows × 25 columns) made at once held some 300 MB in its writer process.
    Iterating gives the whole columns (the cell-by-cell reference of the tests)."""

    def __init__(self, df: pd.DataFrame | None = None, cut: list[bool] | None = None,
                 lists: list[list[Any]] | None = None):
        self.df, self.lists = df, lists
        self.width = len(lists) if lists is not None else len(df.columns)
        self.rows = (len(lists[0]) if lists else 0) if lists is not None else len(df)
        self.cut = cut or [False] * self.width

    def block(self, start: int, end: int) -> list[list[Any]]:
        if self.lists is not None:
            return [v[start:end] for v in self.lists]
        part = self.df.iloc[start:end]
        out = []
        for c in range(self.width):
            values = _py_values(part.iloc[:, c])
            if self.cut[c]:
                _cut_long(values)
            out.append(values)
        return out

    def column(self, c: int) -> list[Any]:
        return self.lists[c] if self.lists is not None else Columns(self.df.iloc[:, [c]], [self.cut[c]]).block(
            0, self.rows)[0]

    def filled(self) -> np.ndarray:
        """Whether each row has a value in any column (a cell not None)."""
        if self.lists is not None:
            return np.array([any(v[r] is not None for v in self.lists) for r in range(self.rows)], dtype=bool)
        filled = np.zeros(self.rows, dtype=bool)
        for c in range(self.width):
            s = self.df.iloc[:, c]
            if s.dtype == object:  # as _py_values sees it: None, NA and NaN are missing, anything else is written
                filled |= np.array([not (v is None or v is pd.NA or (isinstance(v, float) and v != v)) for v in s],
                                   dtype=bool)
            else:
                filled |= s.notna().to_numpy()
        return filled

    def __iter__(self):
        return iter(self.block(0, self.rows))


def _cut_long(values: list[Any]) -> int:
    """Texts over Excel's cell limit are cut (in place) with a visible mark; returns how many."""
    n = 0
    for i, v in enumerate(values):
        if isinstance(v, str) and len(v) > EXCEL_MAX_CHARS:
            values[i] = v[:EXCEL_MAX_CHARS - len(CUT_MARK)] + CUT_MARK
            n += 1
    return n


HEADER_MIN = 12  # a long header wraps rather than widen a column of short values beyond this


def _width(name: str, values: list[Any], kind: str, wrap_width: int = 60, texts: int | None = None) -> float:
    """A column's width in characters: its longest value among the first 5 000 (`texts`: that
    length, already known for a text column), its header's longest word, at most wrap_width."""
    if kind == Kind.DATE:
        longest = 10
    elif kind == Kind.DATETIME:
        longest = 16
    elif texts is not None:
        longest = texts
    else:
        sample = values[:5000]
        if kind in (Kind.KR, Kind.PRICE):
            longest = max((len(f"{v:,.2f}") + 3 if isinstance(v, (int, float)) else len(str(v))
                           for v in sample if v is not None), default=0)
        else:
            longest = max((len(str(v)) for v in sample if v is not None), default=0)
    header = min(len(name), max(HEADER_MIN, max((len(w) for w in name.split()), default=0)))
    return float(min(max(header, longest) + 2, wrap_width))


def _longest(values: list[Any]) -> int:
    return max((len(v) for v in values[:5000] if isinstance(v, str)), default=0)


def _longest_text(s: pd.Series) -> int | None:
    """`_longest` of an Arrow text column, in Arrow (no Python string per value); None for other
    columns. A text cut to Excel's limit is still longer than any column is wide."""
    if not isinstance(s.array, pd.arrays.ArrowStringArray):
        return None
    return pc.max(pc.utf8_length(pa.array(s.array[:5000]))).as_py() or 0


def _lines(text: str, width: float) -> int:
    """How many lines a wrapped text needs in a column `width` characters wide (an estimate: Excel
    and LibreOffice do not grow a row for wrapped text by themselves)."""
    per_line = max(width * 1.0, 1.0)
    return sum(max(1, -(-len(part) // int(per_line))) for part in text.split("\n"))


def _row_heights(values: dict[int, list[Any]], wrapped: list[int], widths: list[float]) -> dict[int, float]:
    """Row (1-based, after the header) → height in points, for rows whose wrapped texts need more
    than one line."""
    heights: dict[int, float] = {}
    for c in wrapped:
        for r, v in enumerate(values[c], start=1):
            if isinstance(v, str) and len(v) > widths[c]:
                h = min(_lines(v, widths[c]) * LINE_HEIGHT, 409.0)
                if h > heights.get(r, LINE_HEIGHT):
                    heights[r] = h
    return heights


class _Formats:
    """xlsxwriter Format objects, one per combination of properties."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.cache: dict[tuple, Any] = {}
        self.bold = self.get(bold=True)
        self.quoted = self.get(quote_prefix=True)
        self.levels = {level: wb.add_format(style) for level, style in LEVEL_STYLES.items()}

    def get(self, **props: Any):
        props = {k: v for k, v in props.items() if v not in (None, False)}
        if not props:
            return None
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.wb.add_format(props)
        return self.cache[key]

    def __call__(self, num_format: str | None):
        return self.get(num_format=num_format)


def long_text_notes(sheets: list[Sheet]) -> list[str]:
    """A note per sheet with texts over Excel's cell limit (they are cut when written)."""
    notes = []
    for sheet in sheets:
        n = 0
        for c in sheet.df.columns:
            s = sheet.df[c]
            if isinstance(s.array, pd.arrays.ArrowStringArray):
                if _may_be_long(s):
                    n += pc.sum(pc.greater(pc.utf8_length(pa.array(s.array)), EXCEL_MAX_CHARS)).as_py() or 0
            elif pd.api.types.is_string_dtype(s) or s.dtype == object:
                n += int((s.astype("str").str.len() > EXCEL_MAX_CHARS).sum())
        if n:
            notes.append(f"{n} text(er) i bladet {sheet.name} var längre än en Excelcell rymmer "
                         f"({EXCEL_MAX_CHARS} tecken) och kortades; slutet är markerat med '{CUT_MARK.strip()}'")
    return notes


def totals(sheet: Sheet) -> dict[str, float]:
    """The sums of the Summa row: each column of amounts, hours or counts (empty when none)."""
    if not sheet.total or not len(sheet.df):
        return {}
    first = sheet.df.iloc[:, 0]
    if first.astype("str").str.startswith(TOTALT).any():  # the table has its own total rows
        return {}
    out = {}
    for c, kind in zip(sheet.df.columns, kinds_of(sheet)):
        if kind in Kind.SUMMED and str(c) not in sheet.cell_kinds:
            values = pd.to_numeric(sheet.df[c], errors="coerce")
            total = float(values.sum())
            out[str(c)] = round(total, 2) if kind != Kind.COUNT else float(round(total))
    return out


def _header_text(text: str) -> str:
    return text.replace("&", "&&")[:80]


def _print_setup(ws, sheet: Sheet, about: About | None, with_chart: bool) -> None:
    """Printing (and LibreOffice's PDF): A4 landscape, one page wide, the header row on every page,
    the report, period and sheet above, page X of Y and the as-of time below."""
    ws.set_paper(8 if len(sheet.df.columns) > WIDE_COLUMNS else 9)  # A3 for a wide table, else A4
    ws.set_landscape()
    ws.fit_to_pages(1, 1 if with_chart else 0)
    ws.repeat_rows(0)
    ws.hide_gridlines(2 if with_chart else 0)  # printed gridlines help a wide table, not a chart
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    if about is not None:
        ws.set_header(f'&L&"-,Bold"{_header_text(about.title)}'
                      f"&R{_header_text(about.period)} · {_header_text(sheet.name)}")
        ws.set_footer(f"&L{_header_text('Per ' + about.as_of)}&CSida &P av &N&Rvos {__version__}")


# A workbook's parts are deflated by ISA-L (Intel's deflate, the `isal` package) at its level 2 —
# its default — instead of zlib, which xlsxwriter leaves at zipfile's default level 6. A city
# month's 92 MB of sheet XML, fed as zipfile feeds it (8 KB at a time), least CPU of three: zlib
# level 6 1.47 s and 9.6 MB, level 4 (until November 2026) 0.82 s and 11.0 MB, ISA-L level 2
# 0.15 s and 12.1 MB (level 1 the same, level 3 0.31 s and 11.7 MB). The parts are ordinary
# deflate: every zip reader reads them, zlib among them.
ZIP_LEVEL = 2


class _Zip(zipfile.ZipFile):
    """zipfile's ZipFile, each part written through it deflated by ISA-L at ZIP_LEVEL: zipfile has
    no setting for the compressor, so the part it opens for writing is given ISA-L's (a part stored
    uncompressed has none and keeps none). `_compressor` is zipfile's own (Python 3.6–3.13): a
    Python without it keeps zlib's — slower, the same workbook — and tests/test_workbook_rows.py,
    which checks each part's bytes against ISA-L's, says so."""

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        part = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode == "w" and getattr(part, "_compressor", None) is not None:
            part._compressor = isal_zlib.compressobj(ZIP_LEVEL, isal_zlib.DEFLATED, -15)
        return part


class _Workbook(xlsxwriter.Workbook):
    """xlsxwriter's workbook, its parts deflated by ISA-L (_Zip). xlsxwriter has no option for the
    compression: its _store_workbook opens the file through its module's name `ZipFile`, which is
    _Zip for that call."""

    def _store_workbook(self) -> None:
        module = sys.modules[xlsxwriter.Workbook.__module__]
        plain = module.ZipFile
        module.ZipFile = _Zip
        try:
            super()._store_workbook()
        finally:
            module.ZipFile = plain


def _write_sheet(wb: xlsxwriter.Workbook, fmt_of: _Formats, sheet: Sheet, about: About | None = None) -> int:
    df = sheet.df
    ws = wb.add_worksheet(sheet.name[:31])
    columns = [str(c) for c in df.columns]
    kinds = kinds_of(sheet)
    values = Columns(df, [FORMATS[k] is None and _may_be_long(df.iloc[:, i]) for i, k in enumerate(kinds)])
    head = values.block(0, 5000)  # what the widths are measured on
    texts = [_longest_text(df.iloc[:, i]) for i in range(len(columns))]
    wrap = [FORMATS[k] is None and (_longest(v) if t is None else t) > sheet.wrap_width
            for v, k, t in zip(head, kinds, texts)]
    widths = [_width(c, v, k, sheet.wrap_width, t) for c, v, k, t in zip(columns, head, kinds, texts)]
    del head
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    wrapped = [i for i, w in enumerate(wrap) if w]
    heights = _row_heights({i: values.column(i) for i in wrapped}, wrapped, widths)
    ws.freeze_panes(1, 0)
    if columns:
        ws.autofilter(0, 0, len(df), len(columns) - 1)
    header_lines = max((_lines(c, (widths[i] - 1) * 0.85) for i, c in enumerate(columns)), default=1)  # bold
    if header_lines > 1:
        ws.set_row(0, header_lines * LINE_HEIGHT)
    header_fmt = fmt_of.get(bold=True, text_wrap=True, valign="top")
    for i, c in enumerate(columns):
        ws.write_string(0, i, c, header_fmt)
    number_fmt = [fmt_of(FORMATS[k]) for k in kinds]
    # a text in a numeric column ("<3", "–") aligns with the numbers
    text_fmt = [fmt_of.get(text_wrap=True, valign="top") if w else
                fmt_of.get(align="right") if FORMATS[k] not in (None, FMT_DATE, FMT_DATETIME) else None
                for w, k in zip(wrap, kinds)]
    quoted_fmt = [fmt_of.get(quote_prefix=True, text_wrap=w or None, valign="top" if w else None) for w in wrap]
    per_cell = {columns.index(c): [fmt_of(FORMATS[k]) for k in s.tolist()] for c, s in sheet.cell_kinds.items()
                if c in columns}
    for r, h in heights.items():
        ws.set_row(r, h)

    write_rows(ws, values, CellFormats(number_fmt, per_cell, text_fmt, quoted_fmt))
    sums = totals(sheet)
    if sums:
        r = len(df) + 1
        ws.write_string(r, 0, SUMMA, fmt_of.bold)
        for c, name in enumerate(columns):
            if name in sums and c > 0:
                col = xlsxwriter.utility.xl_col_to_name(c)
                ws.write_formula(r, c, f"=SUBTOTAL(9,{col}2:{col}{len(df) + 1})",
                                 fmt_of.get(bold=True, num_format=FORMATS[kinds[c]], top=1), sums[name])
    _colour_by_status(ws, fmt_of, sheet, columns)
    if not len(df) and sheet.empty_text:
        ws.insert_textbox(2, 1, sheet.empty_text, {"width": 620, "height": 60, "font": {"size": 11},
                                                   "border": {"none": True}, "fill": {"none": True},
                                                   "object_position": 3})
    for n, spec in enumerate(sheet.charts):
        _add_chart(wb, ws, sheet, spec, spec.anchor or f"A{len(df) + 4 + 17 * n}")
    _print_setup(ws, sheet, about, bool(sheet.charts))
    return len(df)


class CellFormats:
    """The format of each cell of a table, called as fmt(r, c, v): a number in its column's format
    (or its cell's, where the sheet gives one per cell), a text in its column's text format — one
    that looks like a formula quote-prefixed: never a formula, never altered, and text in Excel too."""

    def __init__(self, number: list[Any], per_cell: dict[int, list[Any]], text: list[Any], quoted: list[Any]):
        self.number, self.per_cell, self.text, self.quoted = number, per_cell, text, quoted

    def __call__(self, r: int, c: int, v: Any):
        if isinstance(v, str):
            return self.quoted[c] if v.startswith(FORMULA_START) else self.text[c]
        cells = self.per_cell.get(c)
        return cells[r - 1] if cells is not None else self.number[c]


def write_rows(ws, values: Columns | list[list[Any]], fmt: Callable[[int, int, Any], Any]) -> None:
    """The table's rows under the header (row 0, already written): values[c][r - 1] → cell (r, c),
    a str as text, a number as a number, None left empty, in the format fmt(r, c, value).

    The same bytes as xlsxwriter's write_string/write_number cell by cell (tests/test_workbook_rows.py
    compares them on every workbook of a month), built here as one XML text per block of rows:
    xlsxwriter's per-cell bookkeeping was two thirds of the time spent writing a large month. Its
    own escaping and row tags are used, and the last row goes through its API and stays pending as
    there, so the styles are numbered in the same order."""
    if not isinstance(values, Columns):
        values = Columns(lists=values)
    filled = np.flatnonzero(values.filled()) + 1  # the rows (1-based) with a value
    last = int(filled[-1]) if len(filled) else 0
    first = int(filled[0]) if len(filled) else 0
    if first < last and ws.constant_memory:
        ws._write_single_row(first)  # the header row goes out first, as when `first` is written cell by cell
        _xml_rows(ws, values, fmt, first, last)
        ws.previous_row = last  # as after writing the rows before `last` cell by cell
        first = last
    for r in range(first, last + 1) if last else ():
        for c, v in enumerate(col[0] for col in values.block(r - 1, r)):
            if v is not None:
                (ws.write_string if isinstance(v, str) else ws.write_number)(r, c, v, fmt(r, c, v))


def _xml_rows(ws, values: Columns, fmt: Callable[[int, int, Any], Any], first: int, stop: int) -> None:
    """Rows first … stop − 1 as xlsxwriter writes them in constant-memory mode, to its row file."""
    letters = [xlsxwriter.utility.xl_col_to_name(c) for c in range(values.width)]
    styles: dict[int, str] = {}  # id(format) → ' s="…"', numbered in first-use order, as xlsxwriter does
    texts: dict[str, str] = {}
    plain_row = _row_tag(ws, None)
    sized_rows: dict[tuple, str] = {}  # a row's height and the like → its tag with {} for the row number

    def row_tag(r: int) -> str:  # r: the row's number in the XML (row r − 1)
        info = ws.row_info.get(r - 1)
        if info is None:
            return plain_row.format(r)
        if info.row_format is not None:  # its format is numbered where first used: xlsxwriter's own way
            return _row_tag(ws, r - 1)
        key = (info.height, info.hidden, info.level, info.collapsed)
        if key not in sized_rows:  # wrapped texts give a few heights over thousands of rows
            sized_rows[key] = _row_tag(ws, r - 1).replace(f'<row r="{r}"', '<row r="{}"', 1)
        return sized_rows[key].format(r)

    def style(f) -> str:
        key = id(f)
        if key not in styles:
            styles[key] = f' s="{f._get_xf_index()}"' if f else ""
        return styles[key]

    def text(v: str) -> str:
        if v in texts:
            return texts[v]
        if not _NOT_PLAIN.search(v) and len(v) <= ws.xls_strmax // 2:
            texts[v] = f' t="inlineStr"><is><t>{v}</t></is>'  # nothing to escape, cut or keep
        else:
            s = v
            if len(s) > ws.xls_strmax // 2 and _utf16_len(s) > ws.xls_strmax:
                s = _utf16_truncate(s, ws.xls_strmax)
            s = ws._escape_control_characters(s)
            if s.startswith("<r>") and s.endswith("</r>"):  # xlsxwriter takes it as rich text
                texts[v] = f' t="inlineStr"><is>{s}</is>'
            else:
                space = ' xml:space="preserve"' if _preserve_whitespace(s) else ""
                texts[v] = f' t="inlineStr"><is><t{space}>{ws._escape_data(s)}</t></is>'
        return texts[v]

    def column(c: int, vals: list[Any], start: int) -> tuple[str, Any, list[Any] | None]:
        """How a column's cells in a block are written: ("num"/"str", its one format, None) when
        every value is a plain number (finite) or a plain text in the column's format — built in
        one comprehension — else ("any", None, each cell's format)."""
        if isinstance(fmt, CellFormats):
            types = set(map(type, vals))
            types.discard(type(None))
            if types <= _NUMBER_TYPES and c not in fmt.per_cell and types \
                    and math.isfinite(sum(v for v in vals if v is not None)):
                return "num", fmt.number[c], None
            if types == {str} and not any(v.startswith(FORMULA_START) for v in vals if v is not None):
                return "str", fmt.text[c], None
        return "any", None, [None if v is None else fmt(start + 1 + i, c, v) for i, v in enumerate(vals)]

    for start in range(first - 1, stop - 1, XML_BLOCK):
        end = min(start + XML_BLOCK, stop - 1)
        numbers = range(start + 2, end + 2)  # the rows' numbers in the XML (row r is r + 1)
        blocks = values.block(start, end)
        how = [column(c, vals, start) for c, vals in enumerate(blocks)]
        # each format numbered where it is first used, row by row, as xlsxwriter numbers them
        first_use = []
        for c, (vals, (kind, one, each)) in enumerate(zip(blocks, how)):
            if kind != "any":
                i = next((i for i, v in enumerate(vals) if v is not None), None)
                if i is not None and one is not None:
                    first_use.append((i, c, one))
            else:
                seen: set[int] = set()
                for i, f in enumerate(each):
                    if f is not None and id(f) not in seen:
                        seen.add(id(f))
                        first_use.append((i, c, f))
        for _, _, f in sorted(first_use, key=lambda t: t[:2]):
            style(f)
        cells = []
        for c, (vals, (kind, one, each)) in enumerate(zip(blocks, how)):
            col = letters[c]
            if kind == "num":
                st = style(one)
                known, new = _number_texts()  # the text of a value met before, else made
                cells.append([f'<c r="{col}{r}"{st}><v>{known(v) or new(v)}</v></c>' if v is not None else ""
                              for r, v in zip(numbers, vals)])
            elif kind == "str":
                st = style(one)
                cells.append([f'<c r="{col}{r}"{st}{texts[v] if v in texts else text(v)}</c>' if v is not None
                              else "" for r, v in zip(numbers, vals)])
            else:
                out_c = []
                for r, v, f in zip(numbers, vals, each):
                    if v is None:
                        out_c.append("")
                    elif isinstance(v, str):
                        out_c.append(f'<c r="{col}{r}"{style(f)}{text(v)}</c>')
                    else:
                        if v != v or v in _INFINITE:
                            ws._write_number(r - 1, c, v)  # xlsxwriter's own error for NaN and infinity
                        out_c.append(f'<c r="{col}{r}"{style(f)}><v>{v:.16G}</v></c>')
                cells.append(out_c)
        out = []
        for r, row in zip(numbers, zip(*cells)):
            line = "".join(row)
            if line:
                out.append(row_tag(r) + line + "</row>")
        ws.fh.write("".join(out))


_NUMBER_TYPES = {int, float}
XML_BLOCK = 20_000  # rows built as one text
_INFINITE = (float("inf"), float("-inf"))
# what makes a text more than itself in a cell's XML, as xlsxwriter writes it: an escape-like
# _xHHHH_, a control character or non-character, what XML escapes (and what its test looks for),
# whitespace first or last (kept with xml:space), rich text (<r>…</r>)
_NOT_PLAIN = re.compile(r'_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff"&<>\n]|^\s|\s$')


def _number_texts() -> tuple[Callable[[float], str | None], Callable[[float], str]]:
    """A number's text in a cell as xlsxwriter writes it ('.16G'), each distinct value formatted
    once — a city month's 1 M number cells hold 80 000 distinct values, counted per block, and a
    third of them are zero: (the text of a value met before or None, the text of a value made and
    kept). Zero is not kept: 0.0 and -0.0 are the same key with different texts ('0', '-0')."""
    seen: dict[float, str] = {}

    def new(v: float) -> str:
        if v == 0:
            return "-0" if math.copysign(1.0, v) < 0 else "0"
        text = seen[v] = f"{v:.16G}"
        return text

    return seen.get, new


def _row_tag(ws, r: int | None) -> str:
    """xlsxwriter's own <row> tag for row r (its height, if set), or for a plain row as a
    template with {} for the row number."""
    fh, ws.fh = ws.fh, io.StringIO()
    try:
        ws._write_row(r if r is not None else EXCEL_MAX_ROWS - 1, None, ws.row_info.get(r) if r is not None else None)
        tag = ws.fh.getvalue()
    finally:
        ws.fh = fh
    return tag if r is not None else tag.replace(f'r="{EXCEL_MAX_ROWS}"', 'r="{}"')


def _colour_by_status(ws, fmt_of: _Formats, sheet: Sheet, columns: list[str]) -> None:
    """Rows to act on red, rows to watch yellow, by their status (a formula rule per level)."""
    if not sheet.levels or sheet.status_column not in columns or not len(sheet.df):
        return
    col = xlsxwriter.utility.xl_col_to_name(columns.index(sheet.status_column))
    for level, fmt in fmt_of.levels.items():
        values = sorted(v for v, lv in sheet.levels.items() if lv == level)
        if not values:
            continue
        test = ",".join(f'${col}2="{v}"' for v in values)
        ws.conditional_format(1, 0, len(sheet.df), len(columns) - 1,
                              {"type": "formula", "criteria": f"=OR({test})", "format": fmt})


def _add_chart(wb: xlsxwriter.Workbook, ws, sheet: Sheet, spec: Chart, anchor: str) -> None:
    columns = [str(c) for c in sheet.df.columns]
    last = max(len(sheet.df), 1)
    chart = wb.add_chart({"type": spec.kind, **({"subtype": "stacked"} if spec.stacked else {})})
    cat = columns.index(spec.categories)
    for name in spec.values:
        col = columns.index(name)
        series = {"name": [ws.name, 0, col], "categories": [ws.name, 1, cat, last, cat],
                  "values": [ws.name, 1, col, last, col]}
        if spec.kind == "line":
            series["marker"] = {"type": "circle"}
        chart.add_series(series)
    chart.set_title({"name": spec.title})
    value_axis = chart.set_x_axis if spec.kind == "bar" else chart.set_y_axis
    axis: dict[str, Any] = {"name": spec.y_title} if spec.y_title else {}
    if all(kind_of(v) == Kind.PERCENT for v in spec.values):  # a share: 0–100 %, never beyond
        axis |= {"num_format": "0%", "min": 0, "max": 1}
    if axis:
        value_axis(axis)
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 560, "height": 320})
    ws.insert_chart(anchor, chart)


def _about_sheet(wb: xlsxwriter.Workbook, fmt_of: _Formats, about: About, sheets: list[Sheet]) -> int:
    ws = wb.add_worksheet(SHEET_ABOUT)
    _print_setup(ws, Sheet(SHEET_ABOUT, pd.DataFrame()), about, False)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 90, fmt_of.get(text_wrap=True, valign="top"))
    ws.set_column(2, 7, 15)
    n = 0

    def row(*vals: Any, bold: bool = False) -> None:
        nonlocal n
        if len(vals) > 1 and isinstance(vals[1], str) and len(vals[1]) > 90:
            ws.set_row(n, min(_lines(vals[1], 90) * LINE_HEIGHT, 409.0))
        for c, v in enumerate(vals):
            if isinstance(v, str):
                ws.write_string(n, c, v, fmt_of.get(bold=bold or None, text_wrap=c == 1 or None,
                                                    valign="top"))
            elif v is not None:
                ws.write_number(n, c, v, fmt_of.get(num_format="#,##0", valign="top"))
        n += 1

    row("Rapport", about.title)
    row("Period", about.period)
    row("Per", about.as_of)
    row("Verktyg", f"vos {__version__}")
    for note in about.notes:
        row("Obs", note)
    row()
    row("Indatafil", "Sökväg", "Lästa rader", "Använda rader", "Avvisade rader", "SHA-256", "Export", "Läst som",
        bold=True)
    for r in about.inputs:
        row(r.path.name, str(r.path), r.read, r.used, r.n_rejected, r.sha256, r.export, r.how)
    row()
    # the control totals: what each sheet's Summa row holds, to compare with the receiving system
    row("Blad", "Kontrollsummor (bladets summarad)", "Rader", bold=True)
    for s in sheets:
        sums = totals(s)
        kinds = dict(zip([str(c) for c in s.df.columns], kinds_of(s)))
        text = "; ".join(f"{c}: {sv1(v)}{' kr' if kinds[c] == Kind.KR else ''}" for c, v in sums.items())
        row(s.name, text, len(s.df))
    if about.parameters:
        row()
        row("Parameter", "Värde", bold=True)
        for k, v in about.parameters.items():
            row(str(k), str(v))
    return n


def _split(sheet: Sheet) -> list[Sheet]:
    """A sheet never exceeds Excel's row limit: split into `Name (2)`, `Name (3)`, …"""
    limit = EXCEL_MAX_ROWS - 1
    if len(sheet.df) <= limit:
        return [sheet]
    parts = []
    for n, start in enumerate(range(0, len(sheet.df), limit), start=1):
        name = sheet.name if n == 1 else f"{sheet.name[:26]} ({n})"
        parts.append(Sheet(name, sheet.df.iloc[start:start + limit], sheet.kinds, total=sheet.total,
                           levels=sheet.levels, status_column=sheet.status_column))
    return parts


def write_report(report: Report, output_dir: Path) -> Path:
    """Write the workbook atomically with mode 0600; return its final path. The rows written per
    sheet are left in report.rows_per_sheet (for the run manifest)."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(osl.output_problem(output_dir, exc, "kan inte skapa mappen")) from None
    sheets = [part for s in report.all_sheets() for part in _split(s)]
    split = [s.name for s in report.all_sheets() if len(s.df) > EXCEL_MAX_ROWS - 1]
    if split:
        report.about.notes.append(
            f"Bladet {', '.join(split)} har fler rader än Excel rymmer och är delat i flera blad: Namn, Namn (2), …")
    for name, text, encoding in report.attachments:
        write_text_atomic(output_dir / name, text, encoding)
    path = output_dir / report.filename

    def write(tmp: str) -> None:
        wb = _Workbook(tmp, {"constant_memory": True, "strings_to_formulas": False,
                             "strings_to_urls": False, "strings_to_numbers": False,
                             "tmpdir": str(Path(tmp).parent)})
        wb.set_properties({"created": creation_time(report.about), "title": report.about.title})
        try:
            fmt_of = _Formats(wb)
            report.about.notes.extend(n for n in long_text_notes(sheets) if n not in report.about.notes)
            rows = {SHEET_ABOUT: _about_sheet(wb, fmt_of, report.about, sheets)}
            for sheet in sheets:
                rows[sheet.name[:31]] = _write_sheet(wb, fmt_of, sheet, report.about)
            wb.close()
        except BaseException:
            wb.fileclosed = True  # no "explicit close() required" noise from the destructor
            raise
        report.rows_per_sheet = rows

    saved = save_atomic(write, path)
    for companion in report.companions:
        write_report(companion, output_dir)
    return saved


def save_atomic(write: Callable[[str], None], path: Path) -> Path:
    """Run write(temporary path) beside path, fsync, then rename over path; owner-only access."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(osl.output_problem(path.parent, exc, "kan inte skriva i mappen")) from None
    try:
        os.close(fd)
        osl.private(Path(tmp))
        write(tmp)
        osl.private(Path(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        osl.retry_rename(lambda: os.replace(tmp, path), path)
    except (OSError, xlsxwriter.exceptions.FileCreateError) as exc:
        Path(tmp).unlink(missing_ok=True)
        err = exc if isinstance(exc, OSError) else (exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc)
        raise OutputError(osl.output_problem(path, err)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """A text file (statistics, the manifest), with the same guarantees as the workbooks."""
    try:
        data = text.encode(encoding)
    except (LookupError, UnicodeEncodeError) as exc:
        raise OutputError(f"{path.name}: kan inte skrivas med teckenkodningen {encoding!r} ({exc}) — "
                          "ändra [statistics] encoding i --config") from None
    return save_atomic(lambda tmp: Path(tmp).write_bytes(data), path)


# ---- writing several workbooks: in worker processes when the month is large -----------------


def write_one(report: Report, output_dir: Path) -> tuple[dict[str, dict[str, int]], float]:
    """Write a report and its companions; the rows per sheet of each file and the seconds it took
    (runs in a worker process: everything it needs travels in `report`)."""
    t = time.perf_counter()
    write_report(report, output_dir)
    rows = {r.filename: r.rows_per_sheet for r in [report] + report.companions}
    return rows, time.perf_counter() - t


class Writer:
    """Writes workbooks as they are handed over. With workers > 1 each workbook is written by one
    of that many processes while the caller goes on computing the next report; the files are the
    same bytes as when written here, one after the other (tested). close() waits for all and
    leaves each report's rows per sheet in report.rows_per_sheet."""

    PRELOAD = ["vos_cli.io.workbook"]  # what the writer processes import once, in the server they fork from

    def __init__(self, output_dir: Path, workers: int = 1, yield_cores: bool = False):
        self.output_dir = output_dir
        self.workers = workers
        # yield_cores: the worker processes run at a lower priority than the caller (platform.lower_priority)
        self.pool = osl.process_pool(workers, self.PRELOAD, yield_cores) if workers > 1 else None
        self.pending: list[tuple[Report, Any]] = []
        self.seconds: dict[str, float] = {}

    @classmethod
    def start_early(cls) -> None:
        """Start the server the writer processes fork from before they are needed (on Linux; its
        imports then run beside this process's reading, not after it)."""
        osl.start_process_server(cls.PRELOAD)

    def submit(self, report: Report) -> None:
        if self.pool is None:
            rows, seconds = write_one(report, self.output_dir)
            self._done(report, rows, seconds)
        else:
            for r in [report] + report.companions:  # the worker's environment may be another's
                r.about.created = creation_time(r.about)
            self.pending.append((report, self.pool.submit(write_one, report, self.output_dir)))

    def _done(self, report: Report, rows: dict[str, dict[str, int]], seconds: float) -> None:
        for r in [report] + report.companions:
            r.rows_per_sheet = rows.get(r.filename, r.rows_per_sheet)
        self.seconds[report.filename] = seconds

    def close(self) -> None:
        try:
            for report, future in self.pending:
                rows, seconds = future.result()
                self._done(report, rows, seconds)
        finally:
            self.pending = []
            self._stop()

    def _stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()
