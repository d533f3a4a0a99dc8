import shutil

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE, pnr
from vos_cli.cli import app

runner = CliRunner()
P1 = pnr(1945, 3, 12, 23, "Kvinna")


def test_check_on_sample_exits_0_and_writes_workbook(tmp_path):
    res = runner.invoke(app, ["check", "--input", str(SAMPLE), "--output", str(tmp_path), "--month", "2026-03"])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(tmp_path / "datakvalitet_2026-03.xlsx")
    assert wb.sheetnames[:5] == ["Om rapporten", "Läs så här", "Avvisade rader", "Varningar", "Täckning"]
    assert [c.value for c in wb["Avvisade rader"][1]] == ["Fil", "Rad", "Kolumn", "Värde", "Orsak"]
    assert [c.value for c in wb["Täckning"][1]] == ["Fil", "Första datum", "Sista datum", "Rader i månaden"]
    cover = {r[0]: r[1:] for r in wb["Täckning"].iter_rows(min_row=2, values_only=True)}
    assert cover["besok.csv"][0].date().isoformat() == "2026-03-01" and cover["besok.csv"][2] > 10000
    assert "beslut.csv" in res.output


def test_check_with_bad_rows_exits_1_and_lists_them_masked_in_terminal(tmp_path):
    bad = P1[:-1] + str((int(P1[-1]) + 1) % 10)
    shutil.copytree(SAMPLE, tmp_path / "in")
    with open(tmp_path / "in" / "besok.csv", "a", encoding="utf-8") as f:
        f.write(f"{bad};Norr;2026-03-02;30;Hemtjänst\n")
    n = len((tmp_path / "in" / "besok.csv").read_text(encoding="utf-8").splitlines())
    res = runner.invoke(app, ["check", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-m", "2026-03"])
    assert res.exit_code == 1
    assert "1 rader avvisades" in res.output
    assert bad not in res.output and P1 not in res.output
    ws = openpyxl.load_workbook(tmp_path / "out" / "datakvalitet_2026-03.xlsx")["Avvisade rader"]
    assert [c.value for c in ws[2]] == ["besok.csv", n, "Personnummer", bad, "ogiltigt personnummer (kontrollsiffra)"]


@pytest.mark.parametrize("args,fragment", [
    (["--input", "/nonexistent"], "mappen finns inte"),
    (["--month", "2026-13"], "ÅÅÅÅ-MM"),
    (["--as-of", "igår"], "--as-of"),
])
def test_usage_and_input_errors_exit_2_with_one_line(tmp_path, args, fragment):
    base = ["check", "--input", str(SAMPLE), "--output", str(tmp_path)]
    res = runner.invoke(app, base + args)
    assert res.exit_code == 2
    assert fragment in res.output
    assert "Traceback" not in res.output
    assert not list(tmp_path.iterdir())  # nothing written


def test_missing_required_column_exits_2_nothing_written(write_csv, tmp_path):
    write_csv("besok", ["Personnummer", "Datum"], [[P1, "2026-03-02"]], folder=tmp_path / "in")
    res = runner.invoke(app, ["check", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "besok.csv" in lines[0] and "Utförare" in lines[0]
    assert not (tmp_path / "out").exists()


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.startswith("vos ")


def test_every_command_has_help_with_an_example():
    for cmd in app.registered_commands:
        assert cmd.callback.__doc__ and "Exempel: vos " in cmd.callback.__doc__, cmd.name


def test_python_dash_m_works():
    import subprocess
    import sys
    res = subprocess.run([sys.executable, "-m", "vos_cli", "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.startswith("vos ")
