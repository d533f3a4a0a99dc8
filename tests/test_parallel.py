"""The workbooks written by worker processes are the same bytes as written one after the other
(issue 23): a whole month, with the start methods of Linux (forkserver) and Windows (spawn). And
the corrections computed beside the run (a forked child, on Linux) are those computed in it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from vos_cli import batch, config
from vos_cli import platform as osl
from vos_cli.io.workbook import Writer
from vos_cli.period import make_period


def month_with(tmp: Path, writers: int) -> dict[str, bytes]:
    cfg = config.load(SAMPLE / "vos.toml")
    cfg.reports["skrivprocesser"] = writers
    result = batch.run(SAMPLE, tmp, make_period("2026-03", None), cfg)
    assert result.exit_code in (0, 1)
    return {p.name: p.read_bytes() for p in sorted(result.month_dir.iterdir()) if p.name != "manifest.json"}


@pytest.mark.parametrize("windows", [False, True], ids=["forkserver", "spawn"])
def test_parallel_and_serial_writers_give_identical_files(tmp_path, monkeypatch, windows):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1774915200")
    serial = month_with(tmp_path / "serial", 1)
    monkeypatch.setattr(osl, "IS_WINDOWS", windows)  # the start method Windows uses
    parallel = month_with(tmp_path / "parallel", 2)
    assert serial.keys() == parallel.keys() and len(serial) > 15
    different = [name for name in serial if serial[name] != parallel[name]]
    assert not different


def test_a_failing_worker_stops_the_month_with_its_error(tmp_path):
    import pandas as pd

    from vos_cli.errors import OutputError
    from vos_cli.io.workbook import About, Report, Sheet

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    report = Report("x.xlsx", About("X", "2026-03", "2026-03-31"), [Sheet("A", pd.DataFrame({"a": [1]}))])
    with pytest.raises(OutputError), Writer(blocked, 2) as writer:
        writer.submit(report)
        writer.close()


def test_auto_writes_in_parallel_only_for_a_large_month(monkeypatch):
    from vos_cli.io.inputs import Inputs

    cfg = config.load(SAMPLE / "vos.toml")
    inputs = Inputs()
    assert batch.writer_count(cfg, inputs) == 1
    cfg.reports["skrivprocesser"] = 3
    assert batch.writer_count(cfg, inputs) == 3


@pytest.mark.parametrize("setting, size, cores, started", [
    ("auto", (batch.PARALLEL_FROM + 1) * batch.VISIT_ROW_BYTES, 2, True),
    ("auto", (batch.PARALLEL_FROM + 1) * batch.VISIT_ROW_BYTES - 1, 2, False),
    ("auto", (batch.PARALLEL_FROM + 1) * batch.VISIT_ROW_BYTES, 1, False),
    (1, 10**9, 2, False), (2, 0, 2, True)])
def test_the_writers_server_starts_before_reading_when_they_will_be_needed(tmp_path, monkeypatch, setting, size,
                                                                           cores, started):
    """Its imports run beside the reading: started before it when the workbooks will be written in
    several processes — set so, or "auto" with several cores and a file that holds more than
    PARALLEL_FROM visit rows, as writer_count decides after reading (given by name or in the
    input folder)."""
    calls = []
    monkeypatch.setattr(Writer, "start_early", classmethod(lambda cls: calls.append(cls)))
    monkeypatch.setattr(osl, "cpu_count", lambda: cores)
    cfg = config.load(SAMPLE / "vos.toml")
    cfg.reports["skrivprocesser"] = setting
    with open(tmp_path / "besok.csv", "wb") as f:
        f.truncate(size)  # a sparse file of that size
    batch.start_writers_early(cfg, tmp_path, {})
    batch.start_writers_early(cfg, tmp_path / "elsewhere", {"besok": tmp_path / "besok.csv"})
    assert len(calls) == (2 if started else 0)
    batch.start_writers_early(cfg, tmp_path / "missing", {})  # no folder: said by the reading, not here
    assert len(calls) == (3 if setting != "auto" and started else 2 if started else 0)


def test_the_workers_are_cleaned_up(tmp_path):
    shutil.rmtree(tmp_path, ignore_errors=True)
    with Writer(tmp_path, 2) as writer:
        assert writer.pool is not None
    assert writer.pool is None


@pytest.mark.parametrize("value, ok", [('"auto"', True), ("1", True), ("64", True), ("0", False), ("65", False),
                                       ("true", False), ('"två"', False), ("2.5", False)])
def test_skrivprocesser_is_auto_or_a_number_of_processes(tmp_path, value, ok):
    from vos_cli.errors import ConfigError

    text = (SAMPLE / "vos.toml").read_text(encoding="utf-8")
    assert "skrivprocesser = " in text
    lines = [f"skrivprocesser = {value}" if line.startswith("skrivprocesser") else line for line in text.splitlines()]
    path = tmp_path / "vos.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if ok:
        assert config.load(path).reports["skrivprocesser"] == (value.strip('"') if value.startswith('"') else int(value))
    else:
        with pytest.raises(ConfigError, match="skrivprocesser"):
            config.load(path)


# ---- the corrections beside the run (osl.Beside) ------------------------------------------


def _square(x: int) -> int:
    return x * x


def _fails(message: str) -> None:
    raise ValueError(message)


def _dies() -> None:
    os._exit(7)


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "here"])
def test_beside_gives_the_value_or_the_error_either_way(fork):
    if fork and not osl.CAN_FORK:
        pytest.skip("this platform does not fork")
    job = osl.Beside(_square, 12, fork=fork)
    assert job.forked is fork
    assert job.result() == 144 and job.result() == 144  # asked twice: the same answer
    with pytest.raises(ValueError, match="19450312-1234 saknas") as caught:
        osl.Beside(_fails, "19450312-1234 saknas", fork=fork).result()
    if fork:  # where it went wrong in the child travels with the error (shown by --debug, masked)
        assert "_fails" in "".join(caught.value.__notes__)


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "here"])
def test_seconds_is_how_long_the_work_took_either_way(fork):
    if fork and not osl.CAN_FORK:
        pytest.skip("this platform does not fork")
    assert 0.2 <= osl.Beside(time.sleep, 0.2, fork=fork).seconds < 5


_SEEN: list[str] = []


def _seen() -> list[str]:
    return list(_SEEN)


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "here"])
def test_in_child_runs_first_in_a_forked_child_only(fork):
    if fork and not osl.CAN_FORK:
        pytest.skip("this platform does not fork")
    assert osl.Beside(_seen, fork=fork, in_child=lambda: _SEEN.append("own connections")).result() == \
        (["own connections"] if fork else [])
    assert _SEEN == []  # never in this process


@pytest.mark.skipif(not osl.CAN_FORK, reason="this platform does not fork")
def test_a_child_that_dies_without_an_answer_is_an_error_not_a_wait():
    with pytest.raises(RuntimeError, match="slutade utan svar.*slutkod 7"):
        osl.Beside(_dies).result()


@pytest.mark.skipif(not osl.CAN_FORK, reason="this platform does not fork")
def test_stop_ends_a_child_still_working():
    job = osl.Beside(time.sleep, 60)
    started = time.perf_counter()
    job.stop()
    assert time.perf_counter() - started < 10 and job._proc is None


@pytest.mark.posix_only  # kills a process; psutil needs `resource`
@pytest.mark.skipif(not osl.CAN_FORK, reason="this platform does not fork")
def test_the_child_dies_with_a_killed_parent():
    """A killed run leaves nothing running (and so no process holding the run lock)."""
    parent = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from vos_cli import platform as osl\n"
                               "job = osl.Beside(time.sleep, 60)\n"
                               "print(job._proc.pid, flush=True)\n"
                               "time.sleep(60)\n"], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(child):
        time.sleep(0.05)
    assert not _running(child)


def _running(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_corrections_computed_beside_the_run_are_those_computed_in_it(tmp_path, monkeypatch):
    """April with corrections of March (late visits, a lowered avgiftsutrymme, an order ended
    back-dated): the month's files are the same bytes, and the ledger holds the same rows, whether
    the corrections were computed and the month recorded in forked children or in the run."""
    from tests.test_ledger import _tables, cut, read, write
    from vos_cli import sample as gen
    from vos_cli import template
    from vos_cli.store import ledger as store

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1777593600")
    src = tmp_path / "all"
    gen.write(gen.generate(60, "2026-04", 11, months=2), src)
    (src / "vos.toml").write_text(template.render([2026], filled=True), encoding="utf-8")
    cut(src, tmp_path / "march", "2026-03-31")
    head, visits = read(src / "besok.csv")
    late = [list(v) for v in visits if v[2].startswith("2026-03") and v[4] == "Hemtjänst"][:3]
    write(src / "besok.csv", head, visits + [[v[0], v[1], "2026-03-02", "45", v[4]] for v in late])
    uh, us = read(src / "avgiftsutrymme.csv")
    write(src / "avgiftsutrymme.csv", uh, [[p, str(max(float(a) - 400, 0))] for p, a in us])
    oh, orders = read(src / "bestallningar.csv")
    col = {c: oh.index(c) for c in ("Insats", "Startdatum", "Slutdatum")}
    ended = next(o for o in orders if o[col["Insats"]] == "Hemtjänst" and not o[col["Slutdatum"]]
                 and o[col["Startdatum"]] < "2026-03-01")
    ended[col["Slutdatum"]] = "2026-03-15"  # ended back-dated: March paid too much
    write(src / "bestallningar.csv", oh, orders)
    cfg = config.load(src / "vos.toml")
    files, tables = {}, {}
    for fork in (True, False):
        monkeypatch.setattr(osl, "CAN_FORK", fork)
        out = tmp_path / f"out-{fork}"
        batch.run(tmp_path / "march", out, make_period("2026-03", None), config.load(src / "vos.toml"))
        result = batch.run(src, out, make_period("2026-04", None), cfg)
        files[fork] = {p.name: p.read_bytes() for p in sorted(result.month_dir.iterdir()) if p.name != "manifest.json"}
        tables[fork] = _tables(out / store.FILE_NAME)
        liggare = result.manifest["liggare"]
        assert liggare["rattelser_avgift"] > 0 and liggare["rattelser_ersattning"] > 0
    assert files[True].keys() == files[False].keys()
    assert [name for name in files[True] if files[True][name] != files[False][name]] == []
    assert tables[True] == tables[False] and tables[True]["corrections"] and tables[True]["fee_lines"]


@pytest.mark.parametrize("fork", [True, False])
def test_a_recording_that_fails_stops_the_month_and_records_nothing(tmp_path, monkeypatch, fork):
    """The month's rows are recorded beside the run (a forked child, where the platform forks):
    when that fails, the run stops with the ledger's one-line error (exit 2), the month's folder is
    not swapped in and the ledger has nothing of the month — as when recorded in the run."""
    from sqlalchemy import exc as sa_exc

    from vos_cli.errors import LedgerError
    from vos_cli.store import ledger as store

    monkeypatch.setattr(osl, "CAN_FORK", fork)
    insert = store._insert

    def fail_late(conn, table, columns, run_id):  # after some rows are in: the transaction is undone
        insert(conn, table, columns, run_id)
        if table.name == "compensation":  # as SQLAlchemy raises the driver's error
            raise sa_exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(store, "_insert", fail_late)
    with pytest.raises(LedgerError) as err:
        batch.run(SAMPLE, tmp_path, make_period("2026-03", None), config.load(SAMPLE / "vos.toml"))
    assert "database or disk is full" in str(err.value)  # the database's own words, in one line
    assert not (tmp_path / "2026-03").exists()
    monkeypatch.setattr(store, "_insert", insert)
    book = store.Ledger.open(f"sqlite:///{tmp_path / store.FILE_NAME}")
    try:
        assert book.months() == [] and book.fee_lines("2026-03").empty
    finally:
        book.close()


class _Visits:
    def __init__(self, n: int | None):
        self.n = n

    def has(self, name: str) -> bool:
        return self.n is not None

    def df(self, name: str) -> range:  # only its length is asked for
        return range(self.n or 0)


def test_the_corrections_are_computed_beside_the_run_up_to_a_size():
    """Beside the run (where the platform forks) up to CORRECTIONS_BESIDE_UP_TO visit rows; a larger
    month computes them in the run, where the child's joins would come on top of the month's own."""
    limit = batch.CORRECTIONS_BESIDE_UP_TO
    assert batch.corrections_beside(_Visits(limit)) and batch.corrections_beside(_Visits(None))
    assert not batch.corrections_beside(_Visits(limit + 1))


@pytest.mark.parametrize("limit, yields", [(10_000_000, True), (0, False)])
def test_the_writers_yield_the_cores_where_the_corrections_are_beside(tmp_path, monkeypatch, limit, yields):
    """A month whose corrections are computed beside the run has writer processes that yield the
    cores to it (platform.lower_priority); a larger one (a nation's) keeps them at the run's
    priority, so that their backlog does not wait beside the month's recording."""
    seen = []

    class Seen(Exception):
        pass

    class Spy(Writer):  # what the run asks for, then the run stops there (the reports are not the point)
        def __init__(self, output_dir, workers=1, yield_cores=False):
            seen.append(yield_cores)
            raise Seen

    monkeypatch.setattr(batch, "Writer", Spy)
    monkeypatch.setattr(batch, "CORRECTIONS_BESIDE_UP_TO", limit)
    cfg = config.load(SAMPLE / "vos.toml")
    with pytest.raises(Seen):
        batch.run(SAMPLE, tmp_path, make_period("2026-03", None), cfg)
    assert seen == [yields]
