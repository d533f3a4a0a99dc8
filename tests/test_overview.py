import json

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE
from vos_cli.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    out = tmp_path_factory.mktemp("ov")
    res = runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(out), "-m", "2026-03", "-q"])
    assert res.exit_code == 0, res.output
    return out


def sheet(path, name):
    rows = list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if r[0] != "Summa"]  # the total row is not data


def test_overview_is_first_in_the_manifest_and_has_its_sheets(month):
    m = json.loads((month / "2026-03" / "manifest.json").read_text(encoding="utf-8"))
    assert m["outputs"][0]["fil"] == "oversikt_2026-03.xlsx"
    wb = openpyxl.load_workbook(month / "2026-03" / "oversikt_2026-03.xlsx")
    assert wb.sheetnames == ["Om rapporten", "Läs så här", "Nyckeltal", "Utförare", "Väntande beslut", "Trend"]


def test_key_figures_equal_the_sums_in_the_underlying_workbooks(month):
    d = month / "2026-03"
    figures = {r["Nyckeltal"]: r for r in sheet(d / "oversikt_2026-03.xlsx", "Nyckeltal")}
    fees = sheet(d / "avgiftsunderlag_2026-03.xlsx", "Avgiftsunderlag")
    pay = sheet(d / "ersattning_2026-03.xlsx", "Per utförare")
    orders = sheet(d / "ersattning_2026-03.xlsx", "Per beställning")
    assert figures["Brukare med avgiftsunderlag"]["Värde"] == len(fees)
    assert figures["Att fakturera (kr)"]["Värde"] == pytest.approx(sum(r["Att fakturera (kr)"] for r in fees), abs=0.005)
    assert figures["Ersättning till utförare (kr)"]["Värde"] == pytest.approx(sum(r["Summa (kr)"] for r in pay), abs=0.005)
    assert figures["Ersatt tid (tim)"]["Värde"] == pytest.approx(sum(r["Ersatt tid (tim)"] for r in pay), abs=0.005)
    assert figures["Beviljad tid (tim/mån)"]["Värde"] == pytest.approx(
        sum(r["Beviljad tid (tim/mån)"] for r in orders), abs=0.005)
    assert figures["Beställningar i månaden"]["Värde"] == len(sheet(d / "verkstallighet_2026-03.xlsx", "Verkställighet"))
    waiting = sheet(d / "ej_verkstallda_2026-03-31.xlsx", "Ej verkställda")
    assert figures["Ej verkställda beslut"]["Värde"] == len(waiting)
    # every figure names the report and sheet it came from
    assert figures["Att fakturera (kr)"]["Rapport"] == "avgiftsunderlag_2026-03.xlsx"
    assert figures["Ej verkställda beslut"]["Blad"] == "Ej verkställda"
    # the provider table agrees with the compensation report
    prov = {r["Utförare"]: r for r in sheet(d / "oversikt_2026-03.xlsx", "Utförare")}
    for r in pay:
        assert prov[r["Utförare"]]["Ersättning (kr)"] == pytest.approx(r["Summa (kr)"])
    acks = sheet(d / "verkstallighet_2026-03.xlsx", "Bekräftelser")
    for utf, row in prov.items():
        mine = [a for a in acks if a["Utförare"] == utf and a["Status"]]  # judged by the 24-hour rule
        assert row["Beställningar skickade"] == len(mine)
        assert row["Bekräftade i tid"] == sum(a["Status"] == "I tid" for a in mine)


def test_charts_exist_and_reference_the_right_ranges(month):
    wb = openpyxl.load_workbook(month / "2026-03" / "oversikt_2026-03.xlsx")
    ws = wb["Utförare"]
    n = ws.max_row - 1  # the last row is Summa: the charts stop above it
    assert ws.cell(ws.max_row, 1).value == "Summa"
    refs = [s.val.numRef.f.replace("'", "") for c in ws._charts for s in c.series]
    assert refs == [f"Utförare!$D$2:$D${n}", f"Utförare!$I$2:$I${n}"]
    assert [ws.cell(1, 4).value, ws.cell(1, 9).value] == ["Andel i tid (%)", "Ersättning (kr)"]
    cats = [(s.cat.strRef or s.cat.numRef).f.replace("'", "") for c in ws._charts for s in c.series]
    assert cats == [f"Utförare!$A$2:$A${n}"] * 2
    wait = wb["Väntande beslut"]
    series = wait._charts[0].series
    assert [s.tx.strRef.f for s in series] == ["'Väntande beslut'!$B$1", "'Väntande beslut'!$C$1",
                                               "'Väntande beslut'!$D$1"]
    assert len(wb["Trend"]._charts) == 2


def write_manifest(out, m, figures):
    (out / m).mkdir()
    (out / m / "manifest.json").write_text(json.dumps({"period": m, "nyckeltal": figures}), encoding="utf-8")


def trend_points(out):
    wb = openpyxl.load_workbook(out / "2026-03" / "oversikt_2026-03.xlsx")
    ws = wb["Trend"]
    months = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    ref = ws._charts[0].series[0].val.numRef.f.replace("'", "")
    return months, ref


def test_trend_has_one_point_without_earlier_months(month):
    months, ref = trend_points(month)
    assert months == ["2026-03"] and ref == "Trend!$B$2"


def test_trend_with_three_earlier_months_has_four_points(tmp_path):
    for m, n in (("2025-12", 180), ("2026-01", 185), ("2026-02", 190), ("2025-02", 1)):  # 2025-02: > 12 months ago
        write_manifest(tmp_path, m, {"Brukare med avgiftsunderlag": n, "Att fakturera (kr)": 1000.5})
    (tmp_path / "2025-11").mkdir()  # a month without a manifest is simply absent
    res = runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03", "-q"])
    assert res.exit_code == 0, res.output
    months, ref = trend_points(tmp_path)
    assert months == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert ref == "Trend!$B$2:$B$5"
    rows = list(openpyxl.load_workbook(tmp_path / "2026-03" / "oversikt_2026-03.xlsx")["Trend"].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [180, 185, 190, 194]


def test_vos_overview_rebuilds_from_the_folder_alone(month, tmp_path):
    import shutil
    copy = tmp_path / "out"
    shutil.copytree(month, copy)
    before = sheet(copy / "2026-03" / "oversikt_2026-03.xlsx", "Nyckeltal")
    (copy / "2026-03" / "oversikt_2026-03.xlsx").unlink()
    res = runner.invoke(app, ["overview", "-o", str(copy), "-m", "2026-03"])
    assert res.exit_code == 0, res.output
    assert sheet(copy / "2026-03" / "oversikt_2026-03.xlsx", "Nyckeltal") == before
    m = json.loads((copy / "2026-03" / "manifest.json").read_text(encoding="utf-8"))
    import hashlib
    entry = next(o for o in m["outputs"] if o["fil"] == "oversikt_2026-03.xlsx")
    assert entry["sha256"] == hashlib.sha256((copy / "2026-03" / "oversikt_2026-03.xlsx").read_bytes()).hexdigest()


def test_vos_overview_without_the_month_folder_exit_2(tmp_path):
    res = runner.invoke(app, ["overview", "-o", str(tmp_path), "-m", "2026-03"])
    assert res.exit_code == 2 and "vos run" in res.output
