"""Real exports, read right or refused clearly: each kind of mess is built from sample_data as a real
file (CSV in each encoding, XLSX by openpyxl, .xls by xlwt, HTML saved as .xls), run through the
command, and its reports compared with the clean run's cell by cell — same results, or the
documented clear error."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import SAMPLE, SAMPLE_CONFIG, pnr
from vos_cli import personnummer
from vos_cli.cli import app
from vos_cli.config import Config, load
from vos_cli.errors import InputFileError
from vos_cli.io.contract import Col
from vos_cli.io.discovery import discover, export_of
from vos_cli.io.readers import read_export

runner = CliRunner()
REF = dt.date(2026, 3, 31)
MONTH = ["-m", "2026-03"]


def table(name: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader((SAMPLE / f"{name}.csv").read_text(encoding="utf-8").splitlines(), delimiter=";"))
    return rows[0], rows[1:]


def write_text(path: Path, header, rows, sep=";", encoding="utf-8", before: list[str] = (), after: list[str] = (),
               trailing: bool = False, newline="\n") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator=newline)
    for line in before:
        buf.write(line + newline)
    for r in [header] + rows:
        w.writerow(list(r) + ([""] if trailing else []))
    for line in after:
        buf.write(line + newline)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def data_sheets(folder: Path) -> dict:
    """Every cell of every workbook except the sheets that describe the run (paths, notes, warnings)."""
    skip = {"Om rapporten", "Varningar", "Läs så här"}
    got = {}
    for path in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        got[path.name] = {ws.title: [r[1:] if ws.title == "Täckning" else r for r in ws.iter_rows(values_only=True)]
                          for ws in wb.worksheets if ws.title not in skip}  # Täckning names the files: compare spans
    for path in sorted(folder.glob("*.txt")):
        got[path.name] = path.read_bytes()
    return got


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    res = runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(out), *MONTH, "-q", "--config", str(SAMPLE_CONFIG)])
    assert res.exit_code == 0, res.output
    return data_sheets(out / "2026-03")


def messy_month(folder: Path) -> Path:
    """Every export of the sample month, each saved the way a Swedish office really saves it."""
    folder.mkdir()
    # beslut: Windows-1252 with `sep=;`, a title and a blank line above the header, headers with
    # units, a separator at the end of every row, and a total row
    h, rows = table("beslut")
    h = ["Beslutsutfall (bifall/avslag)" if c == "Beslutsutfall" else "Omfattning (tim/mån)" if c == "Omfattning"
         else c for c in h]
    write_text(folder / "BESLUT.CSV", h, rows, encoding="cp1252", trailing=True,
               before=["sep=;", "Beslut exporterade 2026-04-02 ur Lifecare", ""], after=["Summa" + ";" * len(h)])
    # bestallningar: XLSX, data on the second sheet under a title, a two-row header with
    # "Avbrott" merged over fr.o.m./t.o.m., real date cells, some dates as General-format numbers
    h, rows = table("bestallningar")
    wb = openpyxl.Workbook()
    wb.active.title = "Info"
    wb.active["A1"] = "Beställningar mars 2026"
    ws = wb.create_sheet("Data")
    ws.append(["Beställningar, utdrag"])
    upper = ["Avbrott" if c == "Avbrott fr.o.m." else "" if c == "Avbrott t.o.m." else c for c in h]
    lower = ["fr.o.m." if c == "Avbrott fr.o.m." else "t.o.m." if c == "Avbrott t.o.m." else "" for c in h]
    ws.append(upper)
    ws.append(lower)
    start = h.index("Avbrott fr.o.m.") + 1
    ws.merge_cells(start_row=2, start_column=start, end_row=2, end_column=start + 1)
    for r in rows:
        cells = []
        for c, v in zip(h, r):
            if c in ("Startdatum", "Verkställighetsdatum") and v:
                d = dt.date.fromisoformat(v)
                cells.append((d - dt.date(1899, 12, 30)).days if c == "Startdatum" else d)  # a serial, a date cell
            elif c in ("Skickad", "Bekräftad") and v:
                cells.append(dt.datetime.fromisoformat(v))
            else:
                cells.append(v)
        ws.append(cells)
    wb.save(folder / "Beställningar - Kopia.xlsx")
    # besok: two halves, a UTF-16 "Unicode text" file (tab) with Excel day numbers as dates and
    # "Utförd tid (minuter)", and an XLSX
    h, rows = table("besok")
    half = len(rows) // 2
    serial = [[(dt.date.fromisoformat(v) - dt.date(1899, 12, 30)).days if c == "Datum" else v for c, v in zip(h, r)]
              for r in rows[:half]]
    write_text(folder / "besok_del1.txt", ["Utförd tid (minuter)" if c == "Minuter" else c for c in h], serial,
               sep="\t", encoding="utf-16", newline="\r\n")
    wb = openpyxl.Workbook()
    wb.active.append(h)
    for r in rows[half:]:
        wb.active.append([dt.date.fromisoformat(v) if c == "Datum" else (int(v) if c == "Minuter" and v else v)
                          for c, v in zip(h, r)])
    wb.save(folder / "Besök_del2.xlsx")
    # franvaro: mostly UTF-8, every other line Windows-1252
    h, rows = table("franvaro")
    lines = [";".join(h).encode("utf-8")] + [";".join(r).encode("cp1252" if i % 2 else "utf-8")
                                             for i, r in enumerate(rows)]
    (folder / "frånvaro (2).csv").write_bytes(b"\n".join(lines) + b"\n")
    # maltider: an "Excel" file that is really an HTML table
    h, rows = table("maltider")
    cells = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in rows)
    html = f"<html><body><table><tr>{''.join(f'<th>{c}</th>' for c in h)}</tr>{cells}</table></body></html>"
    (folder / "maltider.xls").write_text(html, encoding="utf-8")
    # avgiftsutrymme: a real old-Excel file, amounts as text with "kr" and thousands spaces
    import xlwt

    h, rows = table("avgiftsutrymme")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Avgifter")
    for j, c in enumerate(["Personnummer", "Avgiftsutrymme (kr/mån)"]):
        sheet.write(0, j, c)
    for i, (p, amount) in enumerate(rows, start=1):
        sheet.write(i, 0, p)
        sheet.write(i, 1, f"{int(float(amount)):,} kr".replace(",", "\u00a0"))
    book.save(str(folder / "avgiftsutrymme_2026-03.xls"))
    shutil.copy(SAMPLE / "enheter.xlsx", folder / "Enheter.xlsx")
    # inkomster: Windows-1252 from the fee module, amounts as "12 345 kr", the date as "Gäller från"
    h, rows = table("inkomster")
    money = {"Inkomst efter skatt", "Bostadstillägg", "Boendekostnad", "Individuell höjning"}
    rows = [[f"{int(float(v)):,} kr".replace(",", " ") if c in money and v else v for c, v in zip(h, r)] for r in rows]
    write_text(folder / "Inkomster.csv", ["Gäller från" if c == "Giltig fr.o.m." else c for c in h], rows,
               encoding="cp1252", newline="\r\n")
    return folder


def test_a_messy_month_gives_exactly_the_clean_reports(tmp_path, clean):
    folder = messy_month(tmp_path / "in")
    res = runner.invoke(app, ["run", "-i", str(folder), "-o", str(tmp_path / "out"), *MONTH, "--config",
                              str(SAMPLE_CONFIG)])
    assert res.exit_code == 0, res.output
    assert data_sheets(tmp_path / "out" / "2026-03") == clean
    about = {r[0]: r for r in openpyxl.load_workbook(tmp_path / "out" / "2026-03" / "avgiftsunderlag_2026-03.xlsx")[
        "Om rapporten"].iter_rows(values_only=True) if r and r[0]}
    notes = [r[1] for r in openpyxl.load_workbook(tmp_path / "out" / "2026-03" / "verkstallighet_2026-03.xlsx")[
        "Om rapporten"].iter_rows(values_only=True) if r and r[0] == "Obs"]
    assert any("summeringsrad" in n for n in notes) and any("Windows-1252" in n for n in notes)
    assert any("bladet 'Data'" in n for n in notes) and any("2 filer lästes" in n for n in notes)
    assert "avgiftsutrymme_2026-03.xls" in about


def _read_with(folder: Path, monkeypatch, beside: bool) -> dict:
    from vos_cli import batch
    from vos_cli.io import inputs as inputs_module

    monkeypatch.setattr(inputs_module, "READ_BESIDE_FROM", 0 if beside else 2**62)
    needed, optional = batch.needed_exports()
    got = inputs_module.load_inputs(folder, load(SAMPLE_CONFIG), dt.date(2026, 3, 31), needed, optional)
    return {name: (r.df, r.rejected, r.read, r.sha256, r.notes, r.warnings, r.sources)
            for name, r in got.results.items()}


def test_the_exports_read_beside_the_largest_are_the_exports_read_one_by_one(tmp_path, monkeypatch):
    """From a size on, the other exports are read in a process beside the largest (osl.Beside):
    every frame, rejected row, count, hash, note and warning is the same as read one by one."""
    folder = messy_month(tmp_path / "in")
    one_by_one, beside = _read_with(folder, monkeypatch, False), _read_with(folder, monkeypatch, True)
    assert list(one_by_one) == list(beside) and len(one_by_one) >= 8
    for name in one_by_one:
        a, b = one_by_one[name], beside[name]
        assert a[0].equals(b[0]) and (a[0].dtypes == b[0].dtypes).all() and a[1].equals(b[1]), name
        assert a[2:] == b[2:], name


@pytest.mark.parametrize("beside", [False, True], ids=["one by one", "beside"])
def test_the_first_bad_export_in_order_is_the_one_said(tmp_path, monkeypatch, beside):
    """beslut comes before besok in the order read; besok, the largest, is read here and beslut
    beside it: both are bad, and beslut's error is the one said either way."""
    shutil.copytree(SAMPLE, tmp_path / "in")
    (tmp_path / "in" / "beslut.csv").write_text("Vem;Vad\n1;2\n", encoding="utf-8")
    visits = (tmp_path / "in" / "besok.csv").read_text(encoding="utf-8").split("\n", 1)[1]
    (tmp_path / "in" / "besok.csv").write_text("Vem;Vad;Var;När;Hur\n" + visits, encoding="utf-8")  # still the largest
    with pytest.raises(InputFileError, match="beslut.csv"):
        _read_with(tmp_path / "in", monkeypatch, beside)
    (tmp_path / "in" / "beslut.csv").unlink()
    shutil.copy(SAMPLE / "beslut.csv", tmp_path / "in" / "beslut.csv")
    with pytest.raises(InputFileError, match="besok.csv"):  # alone, besok's own error
        _read_with(tmp_path / "in", monkeypatch, beside)


def test_a_ten_digit_personnummer_is_read_but_warned_with_a_count(tmp_path, clean):
    shutil.copytree(SAMPLE, tmp_path / "in")
    h, rows = table("besok")
    # people under 100 (ten bare digits give a centenarian the wrong century: that is the warning's point)
    short = [i for i, r in enumerate(rows) if i % 3 == 0 and r[0][:4] > "1926"]
    rows = [[r[0][2:].replace("-", "") if i in set(short) else r[0]] + r[1:] for i, r in enumerate(rows)]
    write_text(tmp_path / "in" / "besok.csv", h, rows)
    res = runner.invoke(app, ["run", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"), *MONTH])
    assert res.exit_code == 1, res.output
    assert data_sheets(tmp_path / "out" / "2026-03") == clean
    warnings = list(openpyxl.load_workbook(tmp_path / "out" / "2026-03" / "avgiftsunderlag_2026-03.xlsx")[
        "Varningar"].iter_rows(values_only=True))
    assert any(f"{len(short)} personnummer med tio siffror" in str(w[2]) for w in warnings[1:])


def test_two_downloads_of_the_same_export_are_refused(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "in")
    shutil.copy(tmp_path / "in" / "besok.csv", tmp_path / "in" / "besok (2).csv")
    res = runner.invoke(app, ["fees", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"), *MONTH])
    assert res.exit_code == 2
    assert "besok (2).csv" in res.output and "samma rader" in res.output and "Ta bort den ena" in res.output
    assert not (tmp_path / "out").exists()


def test_a_file_that_looks_like_an_export_but_is_not_used_is_a_warning(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "in")
    (tmp_path / "in" / "bestallning_gammal.csv").write_text("x;y\n1;2\n", encoding="utf-8")
    res = runner.invoke(app, ["fees", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"), *MONTH])
    assert res.exit_code == 1
    assert "bestallning_gammal.csv" in res.output and "bestallningar" in res.output
    ws = openpyxl.load_workbook(tmp_path / "out" / "avgiftsunderlag_2026-03.xlsx")["Varningar"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["bestallning_gammal.csv"]


# ---- coverage -------------------------------------------------------------------------------


def test_a_month_the_visits_do_not_cover_is_refused_naming_the_span(tmp_path):
    res = runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-10"])
    assert res.exit_code == 2
    line = res.output.strip()
    assert "besok.csv täcker 2026-03-01–2026-03-31, inte 2026-10 — ange --month 2026-03" in line
    assert not list(tmp_path.glob("2026-10*"))
    for command in ("fees", "compensation", "execution-dates", "check"):  # every command that reads visits
        res = runner.invoke(app, [command, "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-10"])
        assert res.exit_code == 2 and "inte 2026-10" in res.output, command


@pytest.mark.parametrize("last_day,code", [(28, 0), (27, 1)])
def test_visits_stopping_part_way_are_a_warning_at_exactly_n_days(tmp_path, last_day, code):
    shutil.copytree(SAMPLE, tmp_path / "in")
    h, rows = table("besok")
    keep = [r for r in rows if r[2] <= f"2026-03-{last_day:02d}"]
    write_text(tmp_path / "in" / "besok.csv", h, keep)
    res = runner.invoke(app, ["check", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"), *MONTH])
    assert res.exit_code == code, res.output
    ws = openpyxl.load_workbook(tmp_path / "out" / "datakvalitet_2026-03.xlsx")["Varningar"]
    texts = [str(r[2]) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert any("sista besöket" in t for t in texts) == bool(code)


def test_the_tolerance_is_configurable(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "in")
    h, rows = table("besok")
    write_text(tmp_path / "in" / "besok.csv", h, [r for r in rows if r[2] <= "2026-03-20"])
    cfg = tmp_path / "vos.toml"
    cfg.write_text(SAMPLE_CONFIG.read_text(encoding="utf-8").replace("tackning_dagar = 3", "tackning_dagar = 11"),
                   encoding="utf-8")
    res = runner.invoke(app, ["check", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"), *MONTH,
                              "--config", str(cfg)])
    assert res.exit_code == 0, res.output


@settings(deadline=None, max_examples=80)
@given(st.lists(st.integers(0, 75), max_size=30), st.integers(0, 2), st.integers(0, 5))
@example([10, 10, 57], 1, 3)  # the last visit exactly three days before the month's end
def test_coverage_from_the_distinct_days_is_coverage_from_every_visit(days, month_no, tolerance):
    """The coverage checks read the visit log's distinct days (found once per run) and say what they
    say on every visit row: no visit in the month, a gap at the end, the month covered."""
    from vos_cli.rules import coverage
    day0 = pd.Timestamp("2026-01-01")
    visits = pd.DataFrame({Col.DATUM: pd.Series([day0 + pd.Timedelta(days=d) for d in days], dtype="datetime64[us]")})
    orders = pd.DataFrame({Col.INSATS: ["Hemtjänst"], Col.STARTDATUM: [pd.Timestamp("2025-12-01")],
                           Col.SLUTDATUM: [pd.NaT]})
    first = pd.Timestamp(f"2026-{month_no + 1:02d}-01")
    last = first + pd.offsets.MonthEnd(0)
    args = ("besok.csv", first, last, last + pd.Timedelta(hours=23), tolerance)
    assert coverage.visit_coverage(orders, coverage.visit_days(visits), *args) == \
        coverage.visit_coverage(orders, visits, *args)


# ---- tariffs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["fees", "compensation", "run"])
def test_no_tariffs_no_kronor(tmp_path, monkeypatch, command):
    monkeypatch.delenv("VOS_CONFIG")
    res = runner.invoke(app, [command, "-i", str(SAMPLE), "-o", str(tmp_path), *MONTH])
    assert res.exit_code == 2
    assert "konfigurationen saknar [" in res.output and "vos init" in res.output
    assert not list(tmp_path.iterdir())


def test_vos_config_environment_variable_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("VOS_CONFIG", str(SAMPLE_CONFIG))
    assert runner.invoke(app, ["fees", "-i", str(SAMPLE), "-o", str(tmp_path), *MONTH]).exit_code == 0


def test_vos_init_writes_a_template_that_bills_nothing_until_filled_in(tmp_path, monkeypatch):
    monkeypatch.delenv("VOS_CONFIG")
    res = runner.invoke(app, ["init", str(tmp_path)])
    assert res.exit_code == 0
    text = (tmp_path / "vos.toml").read_text(encoding="utf-8")
    for key in ("timtaxa", "trygghetslarm", "maltid", "matlada", "dagverksamhet_per_dag", "timersattning",
                "prisbasbelopp", "maxtaxa", "[rules]", "[statistics]", "[aliases]", "[ledger]", "[invoice]", "[reports]",
                "[fees]", "kommunkod", "rattelse_manader", "minsta_antal", "32 kap."):
        assert key in text, key
    load(tmp_path / "vos.toml")  # valid TOML
    res = runner.invoke(app, ["fees", "-i", str(SAMPLE), "-o", str(tmp_path / "out"), *MONTH, "--config",
                              str(tmp_path / "vos.toml")])
    assert res.exit_code == 2 and "[tariffs.2026]" in res.output
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 2  # never overwritten by mistake
    assert runner.invoke(app, ["init", str(tmp_path), "--force"]).exit_code == 0


def test_a_missing_key_in_the_year_table_is_named(tmp_path):
    cfg = tmp_path / "vos.toml"
    cfg.write_text("[tariffs.2026]\ntimtaxa = 400\ntrygghetslarm = 300\n", encoding="utf-8")
    res = runner.invoke(app, ["fees", "-i", str(SAMPLE), "-o", str(tmp_path / "o"), *MONTH, "--config", str(cfg)])
    assert res.exit_code == 2 and "saknar maltid" in res.output and "dagverksamhet_per_dag" in res.output


def test_national_figures_are_built_in_per_year_and_overridable(tmp_path):
    cfg = tmp_path / "vos.toml"
    cfg.write_text("[tariffs.2025]\ntimtaxa = 1\ntrygghetslarm = 1\nmaltid = 1\nmatlada = 1\n"
                   "dagverksamhet_per_dag = 1\n[tariffs.2027]\nprisbasbelopp = 60000\n", encoding="utf-8")
    c = load(cfg)
    assert [c.tariff(y, "maxtaxa") for y in (2024, 2025, 2026)] == [2575, 2642, 2660]
    assert c.tariff(2026, "timtaxa") == 1  # the municipality's own: the latest earlier year
    assert c.tariff(2027, "maxtaxa") == round(0.5392 * 60000 / 12)
    assert c.national(2026)["minimibelopp_ensamstaende"] == 7296
    assert c.national(2026)["minimibelopp_sammanlevande"] == 5953
    from vos_cli.errors import ConfigError

    with pytest.raises(ConfigError, match="prisbasbeloppet för 2028"):
        c.tariff(2028, "maxtaxa")


# ---- the reader, file by file -----------------------------------------------------------------


@pytest.mark.parametrize("name,export", [
    ("Besök.csv", "besok"), ("BESLUT.CSV", "beslut"), ("frånvaro (2).csv", "franvaro"),
    ("avgiftsutrymme_2026-03.csv", "avgiftsutrymme"), ("Beställningar - Kopia.xlsx", "bestallningar"),
    ("maltider.xls", "maltider"), ("enheter.xlsm", "enheter"), ("besok.tsv", "besok"), ("Besok.txt", "besok"),
    ("besoksdata.csv", None), ("bestallning.csv", None), ("besok.csv.bak", None), ("beslut.docx", None),
])
def test_exports_found_by_normalised_name(name, export):
    assert export_of(Path(name)) == export


def test_excel_owner_files_and_hidden_files_are_ignored(tmp_path):
    for name in ("~$besok.xlsx", ".besok.csv", "besok.csv", "anteckningar.csv", "README.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    d = discover(tmp_path)
    assert [p.name for p in d.files("besok")] == ["besok.csv"]
    assert [p.name for p in d.unknown] == ["anteckningar.csv"]


def read(path: Path, name="besok", cfg=None):
    return read_export(name, path, cfg or Config(), REF)


P1 = pnr(1945, 3, 12, 23)
P2 = pnr(1938, 11, 30, 41, "Man")


def test_excel_day_numbers_times_with_dots_and_amounts_with_kr(tmp_path):
    path = write_text(tmp_path / "besok.csv", ["Personnummer", "Utförare", "Datum", "Minuter"],
                      [[P1, "Norr", "46082", "30"], [P1, "Norr", "2026-03-02 00:00:00", "15"]])
    assert read(path).df[Col.DATUM].tolist() == [pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-02")]
    h, rows = table("bestallningar")
    rows = rows[:3]
    rows[0][h.index("Skickad")] = "2026-03-02 13.19"
    rows[1][h.index("Skickad")] = "2026-03-02 8.30"
    rows[2][h.index("Skickad")] = "46083.5"
    r = read(write_text(tmp_path / "bestallningar.csv", h, rows), "bestallningar")
    assert r.n_rejected == 0
    assert r.df[Col.SKICKAD].tolist() == [pd.Timestamp("2026-03-02 13:19"), pd.Timestamp("2026-03-02 08:30"),
                                          pd.Timestamp("2026-03-02 12:00")]
    path = write_text(tmp_path / "avgiftsutrymme.csv", ["Personnummer", "Avgiftsutrymme (kr/mån)"],
                      [[P1, "2 040 kr"], [P2, "1 234,50 kr"], [pnr(1950, 1, 1), "-300"], [pnr(1951, 1, 1), "1.234,50"]])
    assert read(path, "avgiftsutrymme").df[Col.AVGIFTSUTRYMME].tolist() == [2040.0, 1234.5, -300.0, 1234.5]


def test_a_mixed_encoding_file_never_turns_hemtjanst_into_mojibake(tmp_path):
    lines = ["Personnummer;Utförare;Datum;Minuter;Insats", f"{P1};Söder;2026-03-02;30;Hemtjänst",
             f"{P2};Söder;2026-03-03;30;Hemtjänst"]
    data = b"\n".join([lines[0].encode("utf-8"), lines[1].encode("cp1252"), lines[2].encode("utf-8")]) + b"\n"
    (tmp_path / "besok.csv").write_bytes(data)
    r = read(tmp_path / "besok.csv")
    assert r.df[Col.UTFORARE].tolist() == ["Söder", "Söder"] and r.df[Col.INSATS].tolist() == ["Hemtjänst"] * 2
    assert any("rad 2 var i Windows-1252" in n for n in r.notes)


def test_total_rows_are_left_out_with_a_note_not_rejected(tmp_path):
    path = write_text(tmp_path / "besok.csv", ["Personnummer", "Utförare", "Datum", "Minuter"],
                      [[P1, "Norr", "2026-03-02", "30"], ["Totalt:", "", "", "30"], ["", "", "", "=SUM(D2:D2)"]])
    r = read(path)
    assert (r.read, r.used, r.n_rejected) == (1, 1, 0)
    assert any("rad 3 och 4" in n.replace(", ", " och ") or "rad 3, 4" in n for n in r.notes), r.notes


def test_a_trailing_separator_on_every_row_is_not_a_ragged_file(tmp_path):
    path = write_text(tmp_path / "besok.csv", ["Personnummer", "Utförare", "Datum", "Minuter"],
                      [[P1, "Norr", "2026-03-02", "30"]] * 3, trailing=True)
    r = read(path)
    assert (r.read, r.used) == (3, 3)


def test_a_header_like_a_contract_column_but_unmatched_is_a_warning_naming_both(tmp_path):
    h, rows = table("beslut")
    h = ["Beslutsutfal" if c == "Beslutsutfall" else c for c in h]
    r = read(write_text(tmp_path / "beslut.csv", h, rows), "beslut")
    assert len(r.warnings) == 1
    text = r.warnings[0][Col.VARNING]
    assert "'Beslutsutfal'" in text and "'Beslutsutfall'" in text and "Bifall" in text and "[aliases.beslut]" in text
    assert (r.df[Col.UTFALL] == "Bifall").all()  # the default applied: that is why it is a warning


def test_an_ordinary_extra_column_says_nothing(tmp_path):
    path = write_text(tmp_path / "besok.csv", ["Personnummer", "Utförare", "Datum", "Minuter", "Kommentar", "Tid på dygnet"],
                      [[P1, "Norr", "2026-03-02", "30", "ok", "fm"]])
    assert read(path).warnings == []


def test_minutes_column_not_found_names_the_similar_header_instead_of_rejecting_every_row(tmp_path):
    path = write_text(tmp_path / "besok.csv", ["Personnummer", "Utförare", "Datum", "Tid i minuter", "Insats"],
                      [[P1, "Norr", "2026-03-02", "30", "Hemtjänst"]] * 5)
    with pytest.raises(InputFileError) as exc:
        read(path)
    msg = str(exc.value)
    assert "'Minuter'" in msg and "Hemtjänst" in msg and "'Tid i minuter'" in msg and "värde saknas" not in msg


def test_data_on_another_sheet_and_a_total_row_in_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Instruktioner"
    ws = wb.create_sheet("Besök")
    ws.append(["Besök i mars"])
    ws.append([])
    ws.append(["Personnummer", "Utförare", "Datum", "Minuter"])
    ws.append([P1, "Norr", dt.date(2026, 3, 2), 30])
    ws.append([P2, "Norr", 46083, 45])  # a date in a General-format cell
    ws.append(["Summa", None, None, "=SUM(D4:D5)"])
    wb.save(tmp_path / "besok.xlsx")
    r = read(tmp_path / "besok.xlsx")
    assert (r.read, r.used) == (2, 2) and r.df[Col.DATUM].tolist() == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-02")]
    assert r.df["_rad"].tolist() == [4, 5]


def test_a_ragged_row_with_real_extra_data_is_refused_with_its_line(tmp_path):
    (tmp_path / "besok.csv").write_text(f"Personnummer;Utförare;Datum;Minuter\n{P1};Norr;2026-03-02;30\n"
                                        f"{P1};Norr;2026-03-03;30;extra;mer\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="rad 3 har 6 fält"):
        read(tmp_path / "besok.csv")


# ---- personnummer at the century line ----------------------------------------------------------


def test_plus_is_written_from_the_start_of_the_year_a_person_turns_100():
    born = personnummer.make(dt.date(1926, 11, 15), 12, "Kvinna")  # turns 100 on 2026-11-15
    short = born[2:8] + "{}" + born[9:]
    norm, reason, flag = personnummer.parse(pd.Series([short.format("+"), short.format("-"), short.format("")]),
                                            dt.date(2026, 3, 31), with_flags=True)
    assert norm.tolist() == [born] * 3  # + in March already means 1926 (Skatteverket writes it from 1 Jan)
    assert flag.tolist()[1:] == [personnummer.FLAG_PLUS, personnummer.FLAG_CENTURY]
    older = personnummer.make(dt.date(1927, 1, 2), 12, "Kvinna")  # turns 100 next year: no + yet
    n2, _, f2 = personnummer.parse(pd.Series([older[2:8] + "+" + older[9:], older[2:8] + "-" + older[9:]]),
                                   dt.date(2026, 3, 31), with_flags=True)
    assert n2.tolist() == ["1827" + older[4:], older] and pd.isna(f2.tolist()[1])


def test_ivos_substitute_number_is_accepted_in_decisions_and_never_luhn_checked(tmp_path):
    h, rows = table("beslut")
    rows = rows[:2]
    rows[0][1] = "19450312-T123"
    rows[1][1] = "19450312-T122"
    r = read(write_text(tmp_path / "beslut.csv", h, rows), "beslut")
    assert r.n_rejected == 0 and r.df[Col.PNR].tolist() == ["19450312-T123", "19450312-T122"]
    assert personnummer.sex(r.df[Col.PNR]).tolist() == ["Man", "Kvinna"]
    assert personnummer.mask("19450312-T123") == "19450312-XXXX"
    path = write_text(tmp_path / "besok.csv", ["Personnummer", "Utförare", "Datum", "Minuter"],
                      [["19450312-T123", "Norr", "2026-03-02", "30"]])
    assert read(path).n_rejected == 1  # visits are not a report to IVO


def test_a_text_over_excels_cell_limit_is_cut_with_a_note(tmp_path):
    from vos_cli.io.workbook import CUT_MARK, EXCEL_MAX_CHARS, About, Report, Sheet, write_report

    long = "x" * (EXCEL_MAX_CHARS + 10)
    report = Report("t_2026-03.xlsx", About("T", "2026-03", "2026-03-31"), [Sheet("Data", pd.DataFrame({"A": [long, "y"]}))])
    path = write_report(report, tmp_path)
    wb = openpyxl.load_workbook(path)
    cell = wb["Data"]["A2"].value
    assert len(cell) == EXCEL_MAX_CHARS and cell.endswith(CUT_MARK)
    notes = [r[1] for r in wb["Om rapporten"].iter_rows(values_only=True) if r and r[0] == "Obs"]
    assert any("kortades" in n for n in notes)
