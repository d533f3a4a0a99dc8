import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from vos_cli import personnummer

# make test is repeatable (derandomized); make fuzz explores (VOS_FUZZ_EXAMPLES set, random seeds)
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile("explore" if os.environ.get("VOS_FUZZ_EXAMPLES") else "repeatable")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
SAMPLE_CONFIG = SAMPLE / "vos.toml"


# The municipality's own amounts have no defaults (a command that computes kronor without them
# stops): every test runs with the sample municipality's vos.toml in VOS_CONFIG unless it removes it.
MUNICIPAL_TARIFFS = {
    "2024": {"timtaxa": 410, "trygghetslarm": 290, "maltid": 60, "matlada": 72, "dagverksamhet_per_dag": 45},
    "2025": {"timtaxa": 420, "trygghetslarm": 300, "maltid": 62, "matlada": 75, "dagverksamhet_per_dag": 48},
    "2026": {"timtaxa": 435, "trygghetslarm": 310, "maltid": 65, "matlada": 78, "dagverksamhet_per_dag": 50},
}
MUNICIPAL_RATES = {"2024": {"timersattning": 460, "matlada": 68}, "2025": {"timersattning": 475, "matlada": 69},
                   "2026": {"timersattning": 490, "matlada": 70}}


os.environ["VOS_CONFIG"] = str(SAMPLE_CONFIG)  # tests of the missing-config path delete it


def municipal_config():
    """A Config with tariffs and rates for 2024–2026, for rule tests."""
    import copy

    from vos_cli.config import Config

    return Config(tariffs=copy.deepcopy(MUNICIPAL_TARIFFS), rates=copy.deepcopy(MUNICIPAL_RATES))


def pnr(year: int, month: int, day: int, serial: int = 12, sex: str = "Kvinna", samordning: bool = False) -> str:
    return personnummer.make(dt.date(year, month, day), serial, sex, samordning)


@pytest.fixture
def write_csv(tmp_path):
    """Write rows as a real CSV file with the given separator and encoding."""

    def _write(name: str, header: list[str], rows: list[list[object]], sep: str = ";",
               encoding: str = "utf-8", folder: Path | None = None) -> Path:
        folder = folder or tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        lines = [sep.join(header)] + [sep.join("" if v is None else str(v) for v in r) for r in rows]
        path = folder / f"{name}.csv"
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
        return path

    return _write


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def frame(export: str, rows: list[dict]) -> pd.DataFrame:
    """A clean typed frame for a rule test, parsed exactly as the reader parses a file."""
    from vos_cli.io.contract import EXPORTS
    from vos_cli.io.readers import LINE, parse_export

    names = [f.name for f in EXPORTS[export].fields]
    raw = pd.DataFrame([{n: str(r.get(n, "") or "") for n in names} for r in rows], columns=names, dtype="str")
    raw[LINE] = range(2, len(rows) + 2)
    result = parse_export(raw, EXPORTS[export], f"{export}.csv", dt.date(2026, 12, 31))
    assert result.n_rejected == 0, result.rejected.to_dict("records")
    return result.df


def sample_personnummer() -> set[str]:
    """Every personnummer in sample_data, as written and without the dash."""
    import csv

    found = set()
    for name in ("beslut", "bestallningar", "besok", "franvaro", "maltider", "avgiftsutrymme"):
        text = (SAMPLE / f"{name}.csv").read_text(encoding="utf-8")
        for row in csv.DictReader(text.splitlines(), delimiter=";"):
            found.add(row["Personnummer"])
    return found | {p.replace("-", "") for p in found} | {p[2:] for p in found}


def leaks(text: str) -> list[str]:
    return [p for p in sample_personnummer() if p in text]
