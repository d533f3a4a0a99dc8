"""Golden cases: tests/cases/<case>/ holds input/, case.toml and expected/<sheet>.csv.

The command runs on the inputs; each expected sheet's rows are compared cell by cell (as text)
with the written workbook, on the columns the expected file names, in the order of its first
column.
"""

import datetime as dt
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from vos_cli.cli import app

CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if (p / "case.toml").exists())


def as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d") if v.time() == dt.time() else v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".") if not v.is_integer() else f"{v:.1f}"
    return str(v)


def norm(v: str) -> str:
    try:
        f = float(v)
    except ValueError:
        return v
    return f"{f:.2f}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case, tmp_path):
    spec = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
    args = [spec["command"], "--input", str(case / "input"), "--output", str(tmp_path), "--month", spec["month"]]
    args += spec.get("args", [])
    if (case / "config.toml").exists():
        args += ["--config", str(case / "config.toml")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == spec.get("exit_code", 0), res.output
    wb = openpyxl.load_workbook(tmp_path / spec["workbook"])
    for expected_file in sorted((case / "expected").glob("*.csv")):
        expected = pd.read_csv(expected_file, sep=";", dtype=str, keep_default_na=False)
        ws = wb[expected_file.stem]
        rows = list(ws.iter_rows(values_only=True))
        if len(rows) > 1 and rows[-1][0] == "Summa":  # the total row is not data (contract: scripts skip it)
            rows = rows[:-1]
        got = pd.DataFrame([[as_text(v) for v in r] for r in rows[1:]], columns=[str(c) for c in rows[0]])
        missing = [c for c in expected.columns if c not in got.columns]
        assert not missing, f"{expected_file.stem}: missing columns {missing}"
        got = got[list(expected.columns)]
        key = expected.columns[0]
        got = got.sort_values(key, ignore_index=True).map(norm)
        exp = expected.sort_values(key, ignore_index=True).map(norm)
        assert got.to_dict("records") == exp.to_dict("records"), expected_file.stem
