"""The workbooks written by worker processes are the same bytes as written one after the other
(issue 23): a whole month, with the start methods of Linux (forkserver) and Windows (spawn)."""

from __future__ import annotations

import shutil
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
