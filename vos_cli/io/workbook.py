"""One writer for every workbook: a report is data plus layout; this module knows Excel.

Conventions: `Om rapporten` first, `Avvisade rader` last when rows were rejected; bold frozen
header with autofilter; fitted widths; real dates; kronor with 2 decimals; text that looks like
a formula stays text; written atomically (temporary file, then rename) with mode 0600.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from vos_cli import __version__
from vos_cli.errors import OutputError
from vos_cli.io.contract import SHEET_ABOUT, SHEET_REJECTED
from vos_cli.io.readers import REJECTED_COLUMNS, ReadResult

EXCEL_MAX_ROWS = 1_048_576
FMT_DATE = "yyyy-mm-dd"
FMT_DATETIME = "yyyy-mm-dd hh:mm"
FMT_KR = "#,##0.00"
FMT_DEC = "0.00"
FMT_DEC1 = "0.0"
BOLD = Font(bold=True)


@dataclass
class Sheet:
    name: str
    df: pd.DataFrame
    # column -> number format; dates, datetimes and "(kr)" columns are found by themselves
    formats: dict[str, str] = field(default_factory=dict)


@dataclass
class About:
    title: str
    period: str
    as_of: str
    inputs: list[ReadResult] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    filename: str
    about: About
    sheets: list[Sheet]
    rejected: pd.DataFrame | None = None
    # text files written beside the workbook: (file name, text, encoding)
    attachments: list[tuple[str, str, str]] = field(default_factory=list)

    def all_sheets(self) -> list[Sheet]:
        """The sheets as written, `Avvisade rader` included, `Om rapporten` excluded."""
        sheets = list(self.sheets)
        if self.rejected is not None and len(self.rejected):
            sheets.append(Sheet(SHEET_REJECTED, self.rejected.reindex(columns=REJECTED_COLUMNS)))
        return sheets


def _format_for(name: str, s: pd.Series, explicit: dict[str, str]) -> str | None:
    if name in explicit:
        return explicit[name]
    if pd.api.types.is_datetime64_any_dtype(s):
        has_time = bool((s.dropna().dt.normalize() != s.dropna()).any())
        return FMT_DATETIME if has_time else FMT_DATE
    if name.endswith("(kr)"):
        return FMT_KR
    if pd.api.types.is_float_dtype(s):
        return FMT_DEC
    return None


def _py_values(s: pd.Series, fmt: str | None) -> list[Any]:
    """Column → Python values openpyxl understands; missing → None."""
    if pd.api.types.is_datetime64_any_dtype(s):
        arr = s.astype("datetime64[us]").to_numpy()
        if fmt == FMT_DATE:
            return [None if np.isnat(v) else v.astype(dt.datetime).date() for v in arr]
        return [None if np.isnat(v) else v.astype(dt.datetime) for v in arr]
    if pd.api.types.is_bool_dtype(s):
        return [None if pd.isna(v) else ("Ja" if v else "Nej") for v in s.astype(object)]
    if pd.api.types.is_integer_dtype(s):
        return [None if pd.isna(v) else int(v) for v in s.astype(object)]
    if pd.api.types.is_float_dtype(s):
        return [None if pd.isna(v) else float(v) for v in s.astype(object)]
    return [None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else v
            for v in s.astype(object)]


def _width(name: str, values: list[Any], fmt: str | None) -> float:
    if fmt in (FMT_DATE,):
        longest = 10
    elif fmt == FMT_DATETIME:
        longest = 16
    else:
        sample = values[:5000]
        longest = max((len(str(v)) for v in sample if v is not None), default=0)
        if fmt == FMT_KR:
            longest += longest // 3 + 1
    return float(min(max(len(name), longest) + 2, 60))


def _write_sheet(wb: Workbook, sheet: Sheet) -> None:
    df = sheet.df
    ws = wb.create_sheet(sheet.name[:31])
    columns = [str(c) for c in df.columns]
    fmts = [_format_for(c, df[c], sheet.formats) for c in columns]
    values = [_py_values(df[c], f) for c, f in zip(columns, fmts)]
    for i, (c, v, f) in enumerate(zip(columns, values, fmts), start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(c, v, f)
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(df) + 1}"
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c)
        cell.font = BOLD
        header.append(cell)
    ws.append(header)

    def cell_of(v: Any, f: str | None) -> Any:
        if v is None:
            return None
        if isinstance(v, str):
            if v[:1] in ("=", "+", "-", "@"):
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"  # never a formula
                return c
            return v
        if f is not None:
            c = WriteOnlyCell(ws, value=v)
            c.number_format = f
            return c
        return v

    for row in zip(*values):
        ws.append([cell_of(v, f) for v, f in zip(row, fmts)])


def _about_sheet(wb: Workbook, about: About, sheets: list[Sheet]) -> None:
    ws = wb.create_sheet(SHEET_ABOUT)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 40
    for letter in "CDEF":
        ws.column_dimensions[letter].width = 16

    def row(*vals: Any, bold: bool = False) -> None:
        cells = []
        for v in vals:
            c = WriteOnlyCell(ws, value=v)
            if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
                c.data_type = "s"
            if bold:
                c.font = BOLD
            cells.append(c)
        ws.append(cells)

    row("Rapport", about.title, bold=False)
    row("Period", about.period)
    row("Per", about.as_of)
    row("Verktyg", f"vos {__version__}")
    row("Skapad", dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    for note in about.notes:
        row("Obs", note)
    row()
    row("Indatafil", "Sökväg", "Lästa rader", "Använda rader", "Avvisade rader", "SHA-256", bold=True)
    for r in about.inputs:
        row(r.path.name if r.path else r.export, str(r.path) if r.path else "", r.read, r.used,
            r.n_rejected, r.sha256)
    row()
    row("Blad", "Rader", bold=True)
    for s in sheets:
        row(s.name, len(s.df))
    if about.parameters:
        row()
        row("Parameter", "Värde", bold=True)
        for k, v in about.parameters.items():
            row(str(k), str(v))


def _split(sheet: Sheet) -> list[Sheet]:
    """A sheet never exceeds Excel's row limit: split into `Name (2)`, `Name (3)`, …"""
    limit = EXCEL_MAX_ROWS - 1
    if len(sheet.df) <= limit:
        return [sheet]
    parts = []
    for n, start in enumerate(range(0, len(sheet.df), limit), start=1):
        name = sheet.name if n == 1 else f"{sheet.name[:26]} ({n})"
        parts.append(Sheet(name, sheet.df.iloc[start:start + limit], sheet.formats))
    return parts


def write_report(report: Report, output_dir: Path) -> Path:
    """Write the workbook atomically with mode 0600; return its final path."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{output_dir}: kan inte skapa mappen ({exc.strerror}) — välj en annan --output") from None
    sheets = [part for s in report.all_sheets() for part in _split(s)]
    wb = Workbook(write_only=True)
    _about_sheet(wb, report.about, sheets)
    for sheet in sheets:
        _write_sheet(wb, sheet)
    for name, text, encoding in report.attachments:
        write_text_atomic(output_dir / name, text, encoding)
    return save_atomic(wb, output_dir / report.filename)


def save_atomic(wb: Workbook, path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path.parent}: kan inte skriva i mappen ({exc.strerror}) — välj en annan --output") from None
    try:
        os.close(fd)
        os.chmod(tmp, 0o600)
        wb.save(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        why = "disken är full" if exc.errno == errno.ENOSPC else exc.strerror
        raise OutputError(f"{path}: kunde inte skrivas ({why}) — frigör utrymme eller välj en annan --output") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str, encoding: str) -> Path:
    """A text file (statistics), same guarantees as the workbooks."""
    try:
        text.encode(encoding)
    except (LookupError, UnicodeEncodeError) as exc:
        raise OutputError(f"{path.name}: kan inte skrivas med teckenkodningen {encoding!r} ({exc}) — "
                          "ändra [statistics] encoding i --config") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        why = "disken är full" if exc.errno == errno.ENOSPC else exc.strerror
        raise OutputError(f"{path}: kunde inte skrivas ({why}) — frigör utrymme eller välj en annan --output") from None
    return path
