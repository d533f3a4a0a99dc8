"""Every report command: exit codes and rejected rows per the contract, on real files."""

import re
import shutil

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE, leaks
from vos_cli.cli import app

runner = CliRunner()
COMMANDS = {
    "execution-dates": ("verkstallighet_2026-03.xlsx", "besok"),
    "end-dates": ("avslut_2026-03.xlsx", "bestallningar"),
    "compensation": ("ersattning_2026-03.xlsx", "bestallningar"),
    "non-executed": ("ej_verkstallda_2026-03-31.xlsx", "beslut"),
    "fees": ("avgiftsunderlag_2026-03.xlsx", "bestallningar"),
    "statistics": ("statistik_2026-03.xlsx", "beslut"),
    "day-activity": ("dagverksamhet_2026-03.xlsx", "beslut"),
}
UNMASKED = re.compile(r"\d{6}(\d{2})?[-+]?\d{4}")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_sample_run_exit_0(command, tmp_path):
    res = runner.invoke(app, [command, "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / COMMANDS[command][0]).exists()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_bad_row_gives_exit_1_and_is_listed(command, tmp_path):
    inp = tmp_path / "in"
    shutil.copytree(SAMPLE, inp)
    with open(inp / "bestallningar.csv", "a", encoding="utf-8") as f:
        f.write("X1;B1;19121212-1213;Hemtjänst;Norr;10;2026-03-02 10:00;;2026-03-02;;;;;;;;\n")
    res = runner.invoke(app, [command, "-i", str(inp), "-o", str(tmp_path / "out"), "-m", "2026-03"])
    assert res.exit_code == 1, res.output
    ws = openpyxl.load_workbook(tmp_path / "out" / COMMANDS[command][0])["Avvisade rader"]
    rows = list(ws.iter_rows(values_only=True))
    rows = [r for r in rows if r[0] == "bestallningar.csv"]
    assert rows[0][:4] == ("bestallningar.csv", len((inp / "bestallningar.csv").read_text().splitlines()), "Personnummer",
                           "19121212-1213")
    assert "19121212-1213" not in res.output


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_missing_needed_export_gives_exit_2_and_nothing_written(command, tmp_path):
    inp = tmp_path / "in"
    shutil.copytree(SAMPLE, inp)
    (inp / f"{COMMANDS[command][1]}.csv").unlink()
    res = runner.invoke(app, [command, "-i", str(inp), "-o", str(tmp_path / "out"), "-m", "2026-03"])
    assert res.exit_code == 2
    assert f"{COMMANDS[command][1]}.csv" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", list(COMMANDS) + ["check"])
def test_no_personnummer_in_terminal_output(command, tmp_path):
    res = runner.invoke(app, [command, "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03"])
    assert res.exit_code == 0
    assert not UNMASKED.search(res.output), UNMASKED.search(res.output)
    assert not leaks(res.output)


def test_non_executed_file_is_named_by_the_as_of_date(tmp_path):
    res = runner.invoke(app, ["non-executed", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03",
                              "--as-of", "2026-02-15"])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(tmp_path / "ej_verkstallda_2026-02-15.xlsx")
    assert wb.sheetnames == ["Om rapporten", "Läs så här", "Ej verkställda", "Verkställda för sent", "Avslutade utan verkställighet",
                             "Avbrott", "Bevakning", "Dubbla beslut", "IVO-rapport", "Sammanställning",
                             "Inaktuella och utgående beslut", "Saknar skäl till dröjsmål", "Väntande beslut"]
    assert not UNMASKED.search(str([c.value for row in wb["Sammanställning"].iter_rows() for c in row]))
