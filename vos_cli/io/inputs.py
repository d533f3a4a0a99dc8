"""Load the exports a command needs from --input DIR (or explicit files), once each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vos_cli.config import Config
from vos_cli.errors import InputFileError
from vos_cli.io.contract import EXPORTS
from vos_cli.io.readers import REJECTED_COLUMNS, ReadResult, empty_result, find_export, read_export


@dataclass
class Inputs:
    results: dict[str, ReadResult] = field(default_factory=dict)
    # rule results shared by several reports of one run (execution dates, end dates), computed once
    cache: dict[str, object] = field(default_factory=dict)

    def cached(self, key: str, compute):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def has(self, name: str) -> bool:
        return name in self.results and self.results[name].path is not None

    def df(self, name: str) -> pd.DataFrame:
        if name not in self.results:
            self.results[name] = empty_result(name)
        return self.results[name].df

    @property
    def rejected(self) -> pd.DataFrame:
        frames = [r.rejected for r in self.results.values() if len(r.rejected)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REJECTED_COLUMNS)

    @property
    def n_rejected(self) -> int:
        return sum(r.n_rejected for r in self.results.values())

    def files(self) -> list[ReadResult]:
        return [r for r in self.results.values() if r.path is not None]


def load_inputs(
    input_dir: Path | None,
    config: Config,
    ref_date: dt.date,
    needed: tuple[str, ...],
    optional: tuple[str, ...] = (),
    files: dict[str, Path | None] | None = None,
) -> Inputs:
    """Read each needed export (missing → InputFileError) and each optional one that exists."""
    files = files or {}
    if input_dir is not None and not input_dir.is_dir():
        raise InputFileError(f"{input_dir}: mappen finns inte — ange exportmappen med --input")
    inputs = Inputs()
    for name in needed + optional:
        assert name in EXPORTS, name
        path = files.get(name)
        if path is None and input_dir is not None:
            path = find_export(input_dir, name)
        if path is None:
            if name in needed:
                where = input_dir if input_dir is not None else "."
                raise InputFileError(
                    f"{where}: hittar inte {name}.csv eller {name}.xlsx — lägg exporten i mappen "
                    f"eller ange filen med --{name}"
                )
            inputs.results[name] = empty_result(name)
            continue
        inputs.results[name] = read_export(name, Path(path), config, ref_date)
    return inputs
