"""vos run: the whole month, repeatable, atomic, locked, quiet, logged without personnummer."""

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE, leaks
from vos_cli import batch
from vos_cli.cli import app

runner = CliRunner()
UNMASKED = re.compile(r"\d{6}(\d{2})?[-+]?\d{4}")
EXPECTED = {"datakvalitet_2026-03.xlsx", "verkstallighet_2026-03.xlsx", "avslut_2026-03.xlsx",
            "ersattning_2026-03.xlsx", "avgiftsunderlag_2026-03.xlsx", "ej_verkstallda_2026-03-31.xlsx",
            "statistik_2026-03.xlsx", "SOL1_9999_202603.txt", "SOL2_9999_202603.txt",
            "dagverksamhet_2026-03.xlsx", "oversikt_2026-03.xlsx", "fakturaunderlag_2026-03.csv",
            "fakturaunderlag_2026-03_kontroll.txt", "kf_rapport_2026-Q1.xlsx", "avgiftsberakning_2026-03.xlsx",
            "manifest.json"}


def run(out, *extra):
    return runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(out), "-m", "2026-03", *extra])


def content(folder):
    """Every cell of every workbook and every text file, without the run's timestamps."""
    got = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            got[path.name] = {ws.title: [r for r in ws.iter_rows(values_only=True) if r[0] != "Skapad"]
                              for ws in wb.worksheets}
        elif path.suffix in (".txt", ".csv"):
            got[path.name] = path.read_bytes()
        else:
            m = json.loads(path.read_text(encoding="utf-8"))
            for volatile in ("skapad", "sekunder", "steg", "run_id"):
                m.pop(volatile)
            m["liggare"].pop("plats")  # each output folder has its own ledger
            for o in m["outputs"]:
                o.pop("sha256")  # workbook bytes hold their save time
            got[path.name] = m
    return got


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    res = run(out)
    assert res.exit_code == 0, res.output
    return out, res


def test_full_run_writes_every_report_and_a_manifest_that_counts_the_inputs(first_run):
    out, _ = first_run
    month = out / "2026-03"
    from vos_cli.reports.compensation import file_safe

    providers = [r[0] for r in openpyxl.load_workbook(month / "ersattning_2026-03.xlsx")["Per utförare"]
                 .iter_rows(min_row=2, values_only=True) if r[0] != "Summa"]
    per_provider = {f"ersattning_2026-03_{file_safe(p)}.xlsx" for p in providers}
    assert len(per_provider) == 5 and "ersattning_2026-03_Hemtjänst_Norr.xlsx" in per_provider
    assert {p.name for p in month.iterdir()} == EXPECTED | per_provider
    m = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert m["period"] == "2026-03" and m["per"] == "2026-03-31T23:59" and m["exit"] == 0
    for entry in m["inputs"]:
        lines = [ln for ln in Path(entry["fil"]).read_text(encoding="utf-8").splitlines()[1:] if ln.strip()] \
            if entry["fil"].endswith(".csv") else None
        if lines is not None:
            assert entry["lästa"] == len(lines) == entry["använda"] + entry["avvisade"]
        assert len(entry["sha256"]) == 64
    assert {o["fil"] for o in m["outputs"]} == (EXPECTED | per_provider) - {"manifest.json"}
    wb_rows = next(o for o in m["outputs"] if o["fil"] == "avslut_2026-03.xlsx")["rader_per_blad"]
    assert set(wb_rows) == {"Om rapporten", "Läs så här", "Avslut", "Oplanerad frånvaro"}
    for path in month.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path


def test_second_run_gives_the_same_content(first_run, tmp_path):
    out, _ = first_run
    res = run(tmp_path)
    assert res.exit_code == 0
    assert content(tmp_path / "2026-03") == content(out / "2026-03")


def test_a_failing_report_leaves_the_previous_month_intact_and_no_lock(tmp_path, monkeypatch):
    assert run(tmp_path).exit_code == 0
    before = content(tmp_path / "2026-03")
    from vos_cli.reports import fees

    def boom(*a, **k):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(fees, "build", boom)
    res = run(tmp_path)
    assert res.exit_code == 3 and "internt fel" in res.output
    assert content(tmp_path / "2026-03") == before
    assert not list(tmp_path.glob(".2026-03*"))
    with batch.lock(tmp_path):  # the lock was released
        pass


def test_two_runs_at_once_the_second_refuses(tmp_path):
    with batch.lock(tmp_path):
        res = run(tmp_path)
    assert res.exit_code == 2
    assert "en annan körning" in res.output
    assert not (tmp_path / "2026-03").exists()


def test_quiet_prints_nothing_on_success(tmp_path):
    res = run(tmp_path, "--quiet")
    assert res.exit_code == 0 and res.output == ""


def test_log_line_per_run_without_personnummer(first_run, tmp_path):
    run(tmp_path)
    run(tmp_path, "--month", "2026-13")
    log = (tmp_path / "vos-log.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(log) == 1  # a usage error stops before anything is written
    entry = json.loads(log[0])
    assert entry["månad"] == "2026-03" and entry["exit"] == 0
    assert not UNMASKED.search(log[0]) and not leaks(log[0])
    out, res = first_run
    assert not leaks(res.output)
    assert not leaks((out / "2026-03" / "manifest.json").read_text(encoding="utf-8"))


def test_run_ids_never_look_like_a_personnummer():
    # A hex UUID holds 10–12 digits in a row about once in a hundred runs (CI caught one).
    ids = {batch.new_run_id() for _ in range(5000)}
    assert len(ids) == 5000
    assert not any(re.search(r"\d", i) for i in ids)
    assert all(len(i) == 32 for i in ids)


def test_recover_restores_a_month_left_aside_by_a_kill(tmp_path):
    (tmp_path / ".2026-03.old-123").mkdir()
    (tmp_path / ".2026-03.old-123" / "x").write_text("old")
    (tmp_path / ".2026-03.new-124").mkdir()
    batch.recover(tmp_path, "2026-03")
    assert (tmp_path / "2026-03" / "x").read_text() == "old"
    assert not list(tmp_path.glob(".2026-03*"))


def test_missing_input_folder_exit_2(tmp_path):
    res = runner.invoke(app, ["run", "-i", str(tmp_path / "nope"), "-o", str(tmp_path / "out"), "-m", "2026-03"])
    assert res.exit_code == 2 and "mappen finns inte" in res.output


def test_default_month_is_the_previous_calendar_month():
    from vos_cli.period import previous_month
    assert previous_month(dt.date(2026, 1, 15)) == "2025-12"
    assert previous_month(dt.date(2026, 3, 1)) == "2026-02"


def test_what_the_reports_shared_is_freed_before_the_month_is_recorded(tmp_path, monkeypatch):
    """The execution dates, granted decisions and ends the reports share (Inputs.cached) are freed
    once the last report is built: the month's recording (forked where the platform forks) and the
    last workbooks do not hold them (a nation's month stays at 3.3–3.7 GB while they are made)."""
    from vos_cli.config import load
    from vos_cli.period import make_period

    orig = batch.ledger_rows
    built = []

    def rows(inputs, period, h):
        assert inputs.cache == {}, sorted(inputs.cache)
        return orig(inputs, period, h)

    orig_build = batch._build_reports

    def build(inputs, *args, **kwargs):
        inputs.cached("seen", lambda: built.append(True))  # the cache is in use while reports are built
        return orig_build(inputs, *args, **kwargs)

    monkeypatch.setattr(batch, "ledger_rows", rows)
    monkeypatch.setattr(batch, "_build_reports", build)
    result = batch.run(SAMPLE, tmp_path, make_period("2026-03", None), load(SAMPLE / "vos.toml"))
    assert result.exit_code in (0, 1) and built == [True]
