"""The table rows are written as XML text per block (io.workbook.write_rows), not cell by cell
through xlsxwriter's API (issue 23): the files must be the same bytes as xlsxwriter's own cell by
cell writing gives — for every workbook of a month and for the texts that need escaping."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SAMPLE
from vos_cli import batch, config
from vos_cli.io import workbook
from vos_cli.io.contract import Kind
from vos_cli.io.workbook import About, Report, Sheet, write_report
from vos_cli.period import make_period


def cell_by_cell(ws, values, fmt) -> None:
    """The reference: xlsxwriter's public API, one cell at a time (how the rows were written before)."""
    for r, row in enumerate(zip(*values), start=1):
        for c, v in enumerate(row):
            if v is not None:
                (ws.write_string if isinstance(v, str) else ws.write_number)(r, c, v, fmt(r, c, v))


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix == ".xlsx"}


def test_a_month_is_the_same_bytes_as_written_cell_by_cell(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1774915200")
    cfg = config.load(SAMPLE / "vos.toml")
    cfg.reports["skrivprocesser"] = 1
    fast = batch.run(SAMPLE, tmp_path / "fast", make_period("2026-03", None), cfg)
    monkeypatch.setattr(workbook, "write_rows", cell_by_cell)
    slow = batch.run(SAMPLE, tmp_path / "slow", make_period("2026-03", None), cfg)
    a, b = files(fast.month_dir), files(slow.month_dir)
    assert a.keys() == b.keys() and len(a) > 15
    assert [name for name in a if a[name] != b[name]] == []


TEXTS = ["vanlig", " inledande blanksteg", "avslutande ", "a & b < c > d \"citat\"", "rad 1\nrad 2",
         "styrtecken \x01 och \x1f", "_x0041_ bokstavligt", "<r>ser ut som rik text</r>", "=SUMMA(A1)",
         "+46 70", "-", "åäö ÅÄÖ é ü", "\ufffe", "x" * 40_000, "😀" * 20_000, "", "tab\there",
         "hårt blanksteg\u00a0", "delete \x7f", 'bara "citat"', "_x00", "_X0041_ versaler", "\u2028 radskiljare"]


@pytest.mark.parametrize("height, block", [(False, 20_000), (True, 20_000), (True, 3)])
def test_texts_numbers_and_heights_are_the_same_bytes(tmp_path, monkeypatch, height, block):
    """Each column of a block is built at once (a column of plain numbers or plain texts in one
    comprehension, any other cell by cell), each format numbered where a cell first uses it, row by
    row: a column whose first value comes late, formats per cell, texts that look like formulas, in
    one block and in blocks of three rows."""
    monkeypatch.setattr(workbook, "XML_BLOCK", block)
    n = len(TEXTS)
    df = pd.DataFrame({
        "Text": TEXTS,
        # repeated values (each formatted once), zero and minus zero ('0' and '-0', never confused)
        "Belopp (kr)": [1.5, 0.1 + 0.2, 1e-7, 123456789.123, -0.0, 1e20, None, 2, 0.0, 4, -0.0, 0, 1.5, 8, 0.0, 1e20, 11]
        + list(range(12, 12 + n - 17)),
        "Datum": pd.to_datetime(["2026-03-01"] * (n - 1) + [None]),
        "Blandat": ["<3", 4.0, None, "–", 7.0] + [1.0] * (n - 5),
        "Tom": [None] * n,
        "Sent": [None] * 4 + [2.5] * (n - 4),
        "Siffror": ["12", "=1+1", None] + ["x"] * (n - 3),
    })
    per_cell = {"Sent": pd.Series([Kind.PERCENT, Kind.KR, Kind.HOURS] * 5 + [Kind.PERCENT] * (n - 15))}
    sheets = [Sheet("Rader", df, wrap_width=60 if height else 100_000, cell_kinds=per_cell),
              Sheet("Tom", df.iloc[:0]), Sheet("En", df.iloc[:1])]

    def write(folder: Path) -> dict[str, bytes]:
        folder.mkdir()
        write_report(Report("t.xlsx", About("T", "2026-03", "2026-03-31 12:00"), sheets), folder)
        with zipfile.ZipFile(folder / "t.xlsx") as z:
            return {name: z.read(name) for name in z.namelist()}

    fast = write(tmp_path / "fast")
    monkeypatch.setattr(workbook, "write_rows", cell_by_cell)
    slow = write(tmp_path / "slow")
    assert fast == slow
    assert b't="inlineStr"' in fast["xl/worksheets/sheet2.xml"] or b't="inlineStr"' in fast["xl/worksheets/sheet3.xml"]
    rows = fast["xl/worksheets/sheet2.xml"] + fast["xl/worksheets/sheet3.xml"]
    assert rows.count(b"<v>-0</v>") == 2 and rows.count(b"<v>1E+20</v>") == 2


def test_an_infinite_number_is_refused_as_xlsxwriter_refuses_it(tmp_path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(tmp_path / "x.xlsx", {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_string(0, 0, "A")
    with pytest.raises(TypeError):
        workbook.write_rows(ws, [[1.0, float("inf")]], lambda r, c, v: None)
    wb.close()


def test_every_part_of_a_workbook_is_deflated_by_isal_at_the_chosen_level(tmp_path):
    """xlsxwriter has no option for the compression; the writer gives each part ISA-L's deflate at
    workbook.ZIP_LEVEL. Each part's stored bytes must be exactly its content deflated so — fed 8 KB
    at a time, as zipfile copies a part from its file — not zlib's, and any zip reader reads them."""
    import zlib

    from isal import isal_zlib

    frame = pd.DataFrame({"Text": [f"rad {i} " * 5 for i in range(3000)], "Tal": [i * 1.25 for i in range(3000)]})
    report = Report("niva.xlsx", About("Nivå", "2026-03", "2026-03-31 12:00"),
                    [Sheet("Blad", frame, kinds={"Tal": Kind.KR})])
    write_report(report, tmp_path)

    def isal_deflated(data: bytes, level: int) -> bytes:
        c = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -15)
        return b"".join(c.compress(data[i:i + 8192]) for i in range(0, len(data), 8192)) + c.flush()

    def zlib_deflated(data: bytes, level: int) -> bytes:
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()

    path = tmp_path / "niva.xlsx"
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        parts = z.infolist()
        assert len(parts) > 5 and all(p.compress_type == zipfile.ZIP_DEFLATED for p in parts)
        for p in parts:
            content = z.read(p)  # zipfile reads it with zlib, checking its CRC
            start = p.header_offset + 30 + int.from_bytes(raw[p.header_offset + 26:p.header_offset + 28], "little") \
                + int.from_bytes(raw[p.header_offset + 28:p.header_offset + 30], "little")
            stored = raw[start:start + p.compress_size]
            assert stored == isal_deflated(content, workbook.ZIP_LEVEL), p.filename
            assert zlib.decompress(stored, -15) == content
        sheet = z.read("xl/worksheets/sheet2.xml")
    assert len(sheet) > 8192 * 10  # several chunks
    assert all(isal_deflated(sheet, workbook.ZIP_LEVEL) != zlib_deflated(sheet, level) for level in range(1, 10))
    back = pd.read_excel(path, sheet_name="Blad")[["Text", "Tal"]].iloc[:len(frame)]  # then the sum row
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_empty_rows_first_and_last_are_the_same_bytes(tmp_path, monkeypatch):
    """Rows with no value before and after the table's values, a NaT in a column of objects (written
    as text, as before): the rows written are the same as cell by cell."""
    monkeypatch.setattr(workbook, "XML_BLOCK", 2)
    df = pd.DataFrame({"A": [None, None, "x", None, 1.5, None, None],
                       "B": pd.Series([None, None, None, pd.NaT, None, None, None], dtype=object),
                       "C": pd.array([None, None, 3, None, None, None, None], dtype="Int64")})

    def write(folder: Path) -> bytes:
        folder.mkdir()
        write_report(Report("t.xlsx", About("T", "2026-03", "2026-03-31 12:00"), [Sheet("Rader", df)]), folder)
        with zipfile.ZipFile(folder / "t.xlsx") as z:
            return z.read("xl/worksheets/sheet2.xml")

    fast = write(tmp_path / "fast")
    monkeypatch.setattr(workbook, "write_rows", cell_by_cell)
    assert fast == write(tmp_path / "slow")
    assert b'r="A4"' in fast and b">NaT<" in fast
