import datetime as dt
import os
import stat

import openpyxl
import pandas as pd
import pytest

from vos_cli.errors import OutputError
from vos_cli.io.contract import SHEET_ABOUT, SHEET_REJECTED, Kind
from vos_cli.io.workbook import (
    EXCEL_MAX_CHARS,
    EXCEL_MAX_ROWS,
    About,
    Report,
    Sheet,
    _split,
    kinds_of,
    long_text_notes,
    write_report,
)


def _report(df, rejected=None):
    return Report("test_2026-03.xlsx", About("Test", "2026-03", "2026-03-31 23:59", parameters={"a": 1}),
                  [Sheet("Data", df)], rejected)


def test_conventions_read_back(tmp_path):
    df = pd.DataFrame({
        "Personnummer": ["19450312-1234", "=HYPERLINK(\"x\")", "+46", "-1", "@x"],
        "Datum": pd.to_datetime(["2026-03-01", None, "2026-03-31", None, None]),
        "Skickad": pd.to_datetime(["2026-03-01 09:15", None, None, None, None]),
        "Ersättning (kr)": [1234.5, None, 0.0, 1.0, 2.0],
        "Antal": pd.array([1, None, 3, 4, 5], dtype="Int64"),
    })
    rejected = pd.DataFrame({"Fil": ["besok.csv"], "Rad": [7], "Kolumn": ["Datum"], "Värde": ["=1+1"], "Orsak": ["x"]})
    path = write_report(_report(df, rejected), tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SHEET_ABOUT, "Data", SHEET_REJECTED]
    ws = wb["Data"]
    assert [c.value for c in ws[1]] == list(df.columns)
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E6"
    assert ws.column_dimensions["A"].width >= len("19450312-1234")
    # formula-looking text stays text, exactly
    for row, text in zip(range(3, 7), ["=HYPERLINK(\"x\")", "+46", "-1", "@x"]):
        assert ws.cell(row, 1).value == text and ws.cell(row, 1).data_type == "s"
        assert ws.cell(row, 1).quotePrefix  # stays text when edited or saved as CSV
    assert ws["B2"].value == dt.datetime(2026, 3, 1) and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["C2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["D2"].value == 1234.5 and ws["D2"].number_format == '#,##0.00 "kr"'
    assert ws["E2"].value == 1 and ws["E3"].value is None
    assert wb[SHEET_REJECTED]["D2"].value == "=1+1" and wb[SHEET_REJECTED]["D2"].data_type == "s"
    about = {r[0]: r[1] for r in wb[SHEET_ABOUT].iter_rows(values_only=True) if r and r[0]}
    assert about["Period"] == "2026-03" and about["Per"] == "2026-03-31 23:59"


def test_no_rejected_sheet_when_nothing_rejected(tmp_path):
    path = write_report(_report(pd.DataFrame({"A": [1]})), tmp_path)
    assert openpyxl.load_workbook(path).sheetnames == [SHEET_ABOUT, "Data"]


def test_atomic_write_leaves_no_temporary_file_and_replaces_old(tmp_path):
    write_report(_report(pd.DataFrame({"A": [1]})), tmp_path)
    write_report(_report(pd.DataFrame({"A": [2]})), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["test_2026-03.xlsx"]
    assert openpyxl.load_workbook(tmp_path / "test_2026-03.xlsx")["Data"]["A2"].value == 2


def test_unwritable_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="--output"):
        write_report(_report(pd.DataFrame({"A": [1]})), blocker / "sub")


def test_a_sheet_never_exceeds_the_excel_row_limit():
    big = Sheet("Besök", pd.DataFrame({"A": range(EXCEL_MAX_ROWS + 5)}))
    parts = _split(big)
    assert [p.name for p in parts] == ["Besök", "Besök (2)"]
    assert sum(len(p.df) for p in parts) == EXCEL_MAX_ROWS + 5
    assert all(len(p.df) <= EXCEL_MAX_ROWS - 1 for p in parts)


def test_a_failed_text_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    import errno
    from pathlib import Path

    from vos_cli.io.workbook import write_text_atomic

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    write_text_atomic(tmp_path / "a.txt", "gammal", "utf-8")
    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OutputError, match="disken är full"):
        write_text_atomic(tmp_path / "a.txt", "ny", "utf-8")
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    assert (tmp_path / "a.txt").read_text() == "gammal"
    assert stat.S_IMODE(os.stat(tmp_path / "a.txt").st_mode) == 0o600


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "string[python]"])
def test_a_text_column_gives_its_texts_and_none_for_the_missing(dtype):
    """A text column is taken as it is (its values are texts or missing); the same values as the
    general path for a column of Python objects, which converts value by value."""
    from vos_cli.io.workbook import _py_values

    texts = ["Hemtjänst Norr", None, "", " x ", "=1+1", "å"]
    s = pd.Series(texts, dtype=dtype)
    assert _py_values(s) == _py_values(s.astype(object)) == texts
    assert _py_values(s.dropna()) == [t for t in texts if t is not None]


@pytest.mark.parametrize("values,kind", [
    (["2026-03-01", "2026-03-31", None], Kind.DATE),
    (["2026-03-01", "2026-03-31 10:59", None], Kind.DATETIME),
    (["2026-03-01 00:00:01"], Kind.DATETIME),
    (["1969-12-31 12:00", "1900-01-01"], Kind.DATETIME),  # before 1970: the day still floors right
    (["1945-03-12", "1899-12-30"], Kind.DATE),
    ([None, None], Kind.DATE),
    ([], Kind.DATE),
])
@pytest.mark.parametrize("unit", ["us", "ns"])
def test_a_date_column_with_a_time_anywhere_is_written_with_its_time(values, kind, unit):
    column = pd.Series(pd.to_datetime(values, format="ISO8601"), dtype=f"datetime64[{unit}]")
    aware = column.dt.tz_localize("Europe/Stockholm")
    assert kinds_of(Sheet("Data", pd.DataFrame({"Tidpunkt": column, "Zon": aware}))) == [kind, kind]


def test_texts_over_the_cell_limit_are_counted_in_characters_not_bytes():
    fits = "å" * EXCEL_MAX_CHARS  # twice as many bytes as characters: still fits
    over = "å" * (EXCEL_MAX_CHARS + 1)
    sheets = [Sheet("Kort", pd.DataFrame({"A": pd.Series([fits, None, "x"], dtype="str")})),
              Sheet("Lång", pd.DataFrame({"A": pd.Series([over, fits, None], dtype="str"),
                                          "B": pd.Series([over, over, "y"], dtype=object), "C": [1, 2, 3]}))]
    notes = long_text_notes(sheets)
    assert len(notes) == 1 and notes[0].startswith("3 text(er) i bladet Lång")
