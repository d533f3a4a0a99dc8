"""Runs where staff work: any platform, any console, full disks, files held open, two runs at once."""

from __future__ import annotations

import ast
import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT, SAMPLE, SAMPLE_CONFIG, pnr
from vos_cli import batch
from vos_cli import platform as osl
from vos_cli.cli import app

runner = CliRunner()
POSIX_ONLY = {"fcntl", "resource", "termios", "pwd", "grp"}
SIMULATED = bool(os.environ.get("VOS_SIMULATE_WINDOWS"))


def vos(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vos_cli", *args], capture_output=True, env={**os.environ, **(env or {})},
                          cwd=ROOT, timeout=300, **kw)


def test_no_posix_only_module_is_imported_at_module_level():
    for path in (ROOT / "vos_cli").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only; imports inside functions are guarded
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not POSIX_ONLY & {n.split(".")[0] for n in names}, (path, names)


def test_the_simulation_really_removes_the_posix_modules():
    if not SIMULATED:
        pytest.skip("only in make test-windows")
    with pytest.raises(ImportError):
        import fcntl  # noqa: F401
    with pytest.raises(ImportError):
        import resource  # noqa: F401


@pytest.mark.parametrize("encoding", ["ascii", "cp850", "latin-1", "cp1252"])
def test_any_console_encoding_finishes_the_month(tmp_path, encoding):
    res = vos("run", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03", "--config", str(SAMPLE_CONFIG),
              env={"PYTHONIOENCODING": encoding})
    assert res.returncode == 0, res.stderr.decode(encoding, "replace")
    text = res.stdout.decode(encoding)  # decodable: nothing the console cannot show
    assert "2026-03" in text and "Traceback" not in text
    # ended through platform.exit_now: the summary complete on the pipe, the run's log line written
    assert text.rstrip().endswith("manifest.json")
    assert json.loads((tmp_path / "vos-log.jsonl").read_text(encoding="utf-8").splitlines()[-1])["exit"] == 0


def test_a_workbook_held_open_on_windows_gives_advice_and_keeps_the_month(tmp_path, monkeypatch):
    args = ["run", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03", "-q", "--config", str(SAMPLE_CONFIG)]
    assert runner.invoke(app, args).exit_code == 0
    before = sorted(p.name for p in (tmp_path / "2026-03").iterdir())
    monkeypatch.setattr(osl, "IS_WINDOWS", True)
    monkeypatch.setattr(osl, "RENAME_WAIT", 0)
    real_rename = os.rename

    def held(src, dst):
        if Path(src).name == "2026-03":  # Excel has a workbook of the month open
            raise PermissionError(errno.EACCES, "The process cannot access the file")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", held)
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert "stäng rapporterna i Excel" in res.output and "Traceback" not in res.output
    assert sorted(p.name for p in (tmp_path / "2026-03").iterdir()) == before
    assert not list(tmp_path.glob(".2026-03*"))


COMMANDS = ["check", "execution-dates", "end-dates", "compensation", "fees", "non-executed", "statistics",
            "day-activity", "run"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_is_one_clear_line_and_exit_2_in_every_command(tmp_path, monkeypatch, command):
    import xlsxwriter

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    res = runner.invoke(app, [command, "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03", "--config",
                              str(SAMPLE_CONFIG)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("vos: fel")]
    assert len(lines) == 1 and "disken är full" in lines[0]
    assert "Traceback" not in res.output and "Exception" not in res.output
    assert not list(tmp_path.rglob("*.tmp")) and not list(tmp_path.glob(".2026-03*"))


def test_no_destructor_noise_after_a_failed_write(tmp_path):
    """A full disk inside a real process: stderr holds our one line, nothing from xlsxwriter."""
    code = ("import errno, sys, xlsxwriter\n"
            "def full(self, *a, **k): raise OSError(errno.ENOSPC, 'No space left on device')\n"
            "xlsxwriter.Workbook.close = full\n"
            "sys.argv = ['vos', 'fees', '-i', sys.argv[1], '-o', sys.argv[2], '-m', '2026-03', '--config', sys.argv[3]]\n"
            "from vos_cli.cli import main\nmain()\n")
    res = subprocess.run([sys.executable, "-c", code, str(SAMPLE), str(tmp_path), str(SAMPLE_CONFIG)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "disken är full" in res.stderr, res.stderr


def test_two_runs_at_once_exactly_one_wins_and_the_other_is_logged(tmp_path):
    args = [sys.executable, "-m", "vos_cli", "run", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03", "-q",
            "--config", str(SAMPLE_CONFIG)]
    procs = [subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    codes = sorted(p.wait(timeout=300) for p in procs)
    assert codes == [0, 2], codes
    log = [json.loads(line) for line in (tmp_path / "vos-log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(e["exit"] for e in log) == [0, 2]
    refused = next(e for e in log if e["exit"] == 2)
    assert "en annan körning" in refused["fel"]


def test_identical_reruns_give_identical_output_hashes(tmp_path):
    args = ["-i", str(SAMPLE), "-m", "2026-03", "-q", "--config", str(SAMPLE_CONFIG)]
    assert runner.invoke(app, ["run", "-o", str(tmp_path / "a"), *args]).exit_code == 0
    time.sleep(1.1)  # a clock-based timestamp would now differ
    assert runner.invoke(app, ["run", "-o", str(tmp_path / "b"), *args]).exit_code == 0

    def hashes(folder):
        m = json.loads((folder / "2026-03" / "manifest.json").read_text(encoding="utf-8"))
        return {o["fil"]: o["sha256"] for o in m["outputs"]}

    assert hashes(tmp_path / "a") == hashes(tmp_path / "b")


def test_source_date_epoch_sets_the_workbook_creation_time(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 00:00 UTC
    assert runner.invoke(app, ["execution-dates", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03"]).exit_code == 0
    created = openpyxl.load_workbook(tmp_path / "verkstallighet_2026-03.xlsx").properties.created
    assert created.year == 2026 and created.month == 1 and created.day == 1


def test_debug_traceback_masks_personnummer(tmp_path, monkeypatch):
    p = pnr(1944, 4, 4, 44)
    from vos_cli.reports import execution

    def boom(*a, **k):
        raise RuntimeError(f"trasig rad för {p}")

    monkeypatch.setattr(execution, "build", boom)
    res = runner.invoke(app, ["--debug", "execution-dates", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03"])
    assert res.exit_code == 3
    assert "Traceback" in res.output and p not in res.output and p[:8] + "-XXXX" in res.output


def test_peak_memory_is_measured_without_resource():
    mb = osl.peak_memory_mb()
    assert mb >= 0 if SIMULATED else mb > 10


def test_the_lock_is_released_when_the_holder_is_done(tmp_path):
    with batch.lock(tmp_path):
        pass
    with batch.lock(tmp_path):  # free again
        pass


EXIT_PROBE = """
import atexit, sys, threading, time
from vos_cli import platform as osl
atexit.register(lambda: open(sys.argv[1], "w").write("handlers ran"))
sys.stdout.write("no newline, block-buffered into a pipe")
if sys.argv[2] == "thread":  # another thread still running: a normal exit, which waits for it
    threading.Thread(target=lambda: (time.sleep(0.3), open(sys.argv[1] + ".thread", "w").write("done"))).start()
osl.exit_now(int(sys.argv[3]))
sys.stdout.write("never here")
"""


@pytest.mark.parametrize("thread", ["alone", "thread"])
@pytest.mark.parametrize("code", [0, 1, 2])
def test_exit_now_flushes_runs_the_exit_handlers_and_keeps_the_code(tmp_path, thread, code):
    """vos ends a finished command without the interpreter's teardown (platform.exit_now): what was
    written is out, the exit handlers ran, the code is the command's; with another thread still
    running it exits normally, after that thread."""
    marker = tmp_path / "m"
    res = subprocess.run([sys.executable, "-c", EXIT_PROBE, str(marker), thread, str(code)], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert res.returncode == code, res.stderr
    assert res.stdout == "no newline, block-buffered into a pipe" and res.stderr == ""
    assert marker.read_text() == "handlers ran"
    assert (tmp_path / "m.thread").exists() == (thread == "thread")


def test_the_imports_are_frozen_in_the_main_process_and_the_writers_yield_the_cores():
    """platform.settle after the imports: the garbage collector's full collections skip what the
    imports made — in vos's main process (cli.main) and in each writer process (the pool's start),
    where the writers also run at a lower priority than the run (platform.lower_priority)."""
    code = ("import gc, sys\nfrom vos_cli import cli, platform as osl\n"
            "cli.app = lambda: print(gc.get_freeze_count()) or sys.exit(0)\ncli.main()\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert res.returncode == 0 and int(res.stdout) > 10_000, res.stdout + res.stderr
    # a child forked beside the run freezes what it inherits; the run keeps what settle froze
    code = ("import gc\nfrom vos_cli import platform as osl\nosl.settle()\nn = gc.get_freeze_count()\n"
            "child = osl.Beside(gc.get_freeze_count).result()\nprint(n, child, gc.get_freeze_count())\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    n, child, after = map(int, res.stdout.split())
    assert n > 1_000 and after > n * 0.9 and child >= after, res.stdout + res.stderr  # (a few frozen objects die)
    # and the writers yield the cores to the run's own work when asked to (lower_priority)
    own = os.nice(0) if hasattr(os, "nice") else None
    for yield_cores, niceness in ((True, min(19, (own or 0) + osl.WORKER_NICENESS)), (False, own)):
        with osl.process_pool(2, ["vos_cli.io.workbook"], yield_cores) as pool:
            states = list(pool.map(_worker_state, range(2)))
        assert all(frozen > 1_000 and (own is None or nice == niceness) for frozen, nice in states), states
    assert own is None or os.nice(0) == own  # this process (the run) keeps its own


def _worker_state(_: int) -> tuple[int, int | None]:
    import gc

    return gc.get_freeze_count(), os.nice(0) if hasattr(os, "nice") else None
