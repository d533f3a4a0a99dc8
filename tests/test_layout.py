"""Workbooks a Swedish office reads and prints without help (issue 22), read back from a full month:
formats by column kind, the Summa row, print settings, `Läs så här`, exceptions first, empty sheets
in words; the Swedish command line; and every report rendered by LibreOffice where it exists."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE
from vos_cli.cli import ALIASES, app
from vos_cli.io.contract import SHEET_ABOUT, SHEET_GUIDE, SUMMA, Kind, kind_of
from vos_cli.io.workbook import FORMATS
from vos_cli.reports import guide

runner = CliRunner()


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    out = tmp_path_factory.mktemp("layout")
    res = runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(out), "-m", "2026-03", "-q"])
    assert res.exit_code == 0, res.output
    return out / "2026-03"


def workbooks(month: Path) -> list[Path]:
    return sorted(month.glob("*.xlsx"))


def data_sheets(wb):
    return [ws for ws in wb.worksheets if ws.title not in (SHEET_ABOUT, SHEET_GUIDE)]


def test_every_workbook_has_a_guide_that_names_every_sheet(month):
    for path in workbooks(month):
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[:2] == [SHEET_ABOUT, SHEET_GUIDE], path.name
        rows = list(wb[SHEET_GUIDE].iter_rows(min_row=2, values_only=True))
        described = {r[1]: r[2] for r in rows if r[0] == "Blad"}
        assert set(wb.sheetnames) <= set(described), (path.name, set(wb.sheetnames) - set(described))
        assert guide.MISSING not in described.values(), path.name
        assert rows[0][0] == "Rapporten" and rows[0][2]
        texts = " ".join(str(r[2]) for r in rows)
        assert "Summa" in texts


def test_numbers_are_formatted_by_their_column_kind(month):
    checked = set()
    for path in workbooks(month):
        wb = openpyxl.load_workbook(path)
        for ws in data_sheets(wb):
            header = [c.value for c in ws[1]]
            for col, name in enumerate(header, start=1):
                # Värde mixes figures (a format per row); Antal of invoice lines mixes hours and pieces
                if name is None or (ws.title, name) in checked or name == "Värde" or \
                        (ws.title, name) == ("Artiklar", "Antal"):
                    continue
                for row in range(2, min(ws.max_row, 40) + 1):
                    cell = ws.cell(row, col)
                    if ws.cell(row, 1).value == SUMMA or not isinstance(cell.value, (int, float)) or \
                            isinstance(cell.value, bool):
                        continue
                    kind = kind_of(name)
                    if kind != Kind.TEXT:  # a named kind: exactly its format
                        assert cell.number_format == FORMATS[kind], (path.name, ws.title, name, cell.number_format)
                    checked.add((ws.title, name))
                    break
    kinds = {kind_of(n) for _, n in checked}
    assert {Kind.KR, Kind.HOURS, Kind.COUNT, Kind.PERCENT, Kind.PRICE} <= kinds


def test_counts_have_no_decimals_amounts_have_kronor_shares_are_percentages(month):
    ws = openpyxl.load_workbook(month / "oversikt_2026-03.xlsx")["Utförare"]
    header = [c.value for c in ws[1]]
    share = [ws.cell(r, header.index("Andel i tid (%)") + 1) for r in range(2, ws.max_row)]
    assert all(c.number_format == "0.0%" for c in share if c.value is not None)
    assert all(0 <= c.value <= 1 for c in share if c.value is not None)
    sent = ws.cell(2, header.index("Beställningar skickade") + 1)
    assert sent.number_format == "#,##0"
    fee = openpyxl.load_workbook(month / "avgiftsunderlag_2026-03.xlsx")["Avgiftsunderlag"]
    head = [c.value for c in fee[1]]
    assert fee.cell(2, head.index("Att fakturera (kr)") + 1).number_format == '#,##0.00 "kr"'
    assert fee.cell(2, head.index("Utförd tid hemtjänst (tim)") + 1).number_format == "#,##0.00"
    assert fee.cell(2, head.index("Måltider (st)") + 1).number_format == "#,##0"


def test_the_summa_row_is_a_subtotal_with_the_sum_cached(month):
    seen = 0
    for path in workbooks(month):
        formulas = openpyxl.load_workbook(path)
        cached = openpyxl.load_workbook(path, data_only=True)
        for ws in data_sheets(formulas):
            last = ws.max_row
            if ws.cell(last, 1).value != SUMMA:
                continue
            seen += 1
            assert ws.auto_filter.ref.endswith(str(last - 1)), (path.name, ws.title)  # the filter stops above it
            for col in range(2, ws.max_column + 1):
                f = ws.cell(last, col).value
                if f is None:
                    continue
                letter = ws.cell(last, col).column_letter
                assert f == f"=SUBTOTAL(9,{letter}2:{letter}{last - 1})", (path.name, ws.title, f)
                values = [ws.cell(r, col).value for r in range(2, last)]
                total = sum(v for v in values if isinstance(v, (int, float)))
                assert cached[ws.title].cell(last, col).value == pytest.approx(total, abs=0.005), \
                    (path.name, ws.title, ws.cell(1, col).value)
    assert seen >= 10
    # the fee total and the compensation total are where a reader looks for them
    fee = openpyxl.load_workbook(month / "avgiftsunderlag_2026-03.xlsx", data_only=True)["Avgiftsunderlag"]
    assert fee.cell(fee.max_row, 1).value == SUMMA
    about = [r for r in openpyxl.load_workbook(month / "ersattning_2026-03.xlsx")[SHEET_ABOUT]
             .iter_rows(values_only=True) if r and r[0] == "Per utförare"]
    assert about and "Summa (kr):" in about[0][1]  # the control totals in Om rapporten


def test_print_setup_names_the_report_and_numbers_the_pages(month):
    wb = openpyxl.load_workbook(month / "verkstallighet_2026-03.xlsx")
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth in (None, 1) and ws.sheet_properties.pageSetUpPr.fitToPage  # 1 page wide
        assert "Verkställighetsdatum och bekräftelser" in ws.oddHeader.left.text
        assert "2026-03" in ws.oddHeader.right.text
        assert ws.oddFooter.center.text == "Sida &P av &N" and "2026-03-31" in ws.oddFooter.left.text
    assert wb["Verkställighet"].print_title_rows in ("1:1", "$1:$1")  # the header row on every page
    wide = openpyxl.load_workbook(month / "avgiftsunderlag_2026-03.xlsx")["Avgiftsunderlag"]
    assert wide.page_setup.paperSize == 8  # A3 for the 24 columns


def test_exceptions_first_coloured_with_a_sheet_of_only_them(month):
    wb = openpyxl.load_workbook(month / "verkstallighet_2026-03.xlsx")
    assert wb.sheetnames[2:4] == ["Att åtgärda – Verkställighet", "Att åtgärda – Bekräftelser"]
    levels = guide.levels()
    for name in ("Verkställighet", "Bekräftelser"):
        ws = wb[name]
        header = [c.value for c in ws[1]]
        status = [ws.cell(r, header.index("Status") + 1).value for r in range(2, ws.max_row + 1)]
        order = [levels.get(s, guide.WATCH) for s in status if s is not None]
        assert order == sorted(order), name  # act, then watch, then OK
        assert order[0] == guide.ACT and order[-1] == guide.OK
        act = wb[f"Att åtgärda – {name}"]
        n_act = sum(1 for lv in order if lv < guide.OK)
        assert act.max_row - 1 == n_act
        rules = [r for cf in ws.conditional_formatting for r in cf.rules]
        assert rules and any("Ej registrerat" in r.formula[0] or "Sen" in r.formula[0] for r in rules)


def test_an_empty_sheet_says_so_in_words(month):
    path = month / "ersattning_2026-03_Hemtjänst_Norr.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb["Matlådor"].max_row == 1  # a home-care provider has no meal boxes
    with zipfile.ZipFile(path) as z:
        drawings = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/drawings/drawing"))
    assert "Inget att rapportera för 2026-03" in drawings


# ---- the command line ----------------------------------------------------------------------


def test_every_command_has_swedish_help_with_an_example():
    names = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
    for name in names:
        res = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert res.exit_code == 0, name
        assert "Användning: vos" in res.output and "Flaggor" in res.output and "Visa hjälpen" in res.output, name
        assert "Exempel:" in res.output, name
        assert "Usage:" not in res.output and "Show this message" not in res.output, name


def test_swedish_names_run_the_same_command(tmp_path):
    assert ALIASES["avgifter"] == "fees" and ALIASES["kor"] == "run"
    a = runner.invoke(app, ["avgifter", "-i", str(SAMPLE), "-o", str(tmp_path / "a"), "-m", "2026-03", "-q"])
    b = runner.invoke(app, ["fees", "-i", str(SAMPLE), "-o", str(tmp_path / "b"), "-m", "2026-03", "-q"])
    assert a.exit_code == b.exit_code == 0
    assert (tmp_path / "a" / "avgiftsunderlag_2026-03.xlsx").read_bytes() == \
        (tmp_path / "b" / "avgiftsunderlag_2026-03.xlsx").read_bytes()


@pytest.mark.parametrize("args, words", [(["fees", "--nosuch"], "okänd flagga --nosuch"),
                                         (["sample", "--months", "x"], "--months ska vara ett heltal"),
                                         (["sample", "--months", "30"], "--months får vara högst 24"),
                                         (["kör"], "okänt kommando kör — menade du kor?")])
def test_usage_errors_are_one_swedish_line(args, words):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("vos: fel: ") and words in lines[0], res.output


def test_a_missing_export_names_the_folder_and_the_fix(tmp_path):
    res = runner.invoke(app, ["fees", "-i", str(tmp_path), "-m", "2026-03"])
    assert res.exit_code == 2
    assert str(tmp_path.resolve()) in res.output and "--bestallningar" in res.output


# ---- rendered as a reader sees it -------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftoppm"),
                    reason="LibreOffice (soffice) and poppler (pdftoppm) are not installed: workbooks not rendered")
def test_every_report_renders_to_pages(month, tmp_path):
    books = [p for p in workbooks(month) if not p.name.startswith("ersattning_2026-03_")]
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *map(str, books)], check=True, capture_output=True, timeout=240)
    for book in books:
        pdf = tmp_path / (book.stem + ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 5000, book.name
        subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "2", str(pdf), str(tmp_path / book.stem)],
                       check=True, timeout=60)
        assert list(tmp_path.glob(f"{book.stem}-*.png")), book.name
