"""Load the exports a command needs from --input DIR (or explicit files), once each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vos_cli import platform as osl
from vos_cli.config import Config
from vos_cli.errors import InputFileError, VosError
from vos_cli.io.contract import EXPORTS
from vos_cli.io.discovery import Discovery, closest_export, discover
from vos_cli.io.readers import REJECTED_COLUMNS, WARNING_COLUMNS, ReadResult, Source, empty_result, read_export, warning

# From this size of the largest export on, the other exports are read beside it (osl.Beside: in a
# process forked for them, on another core) while it is read here: a city's visit log takes 1.8 s,
# its nine other exports 1.3 s (bench/notes.md)
READ_BESIDE_FROM = 16 * 2**20


def _read_all(where: dict[str, list[Path]], config: Config,
              ref_date: dt.date) -> dict[str, tuple[bool, ReadResult | Exception]]:
    """Each export read: (True, its result) or (False, the error it gave), in the order of `where`."""
    size = {name: sum(p.stat().st_size for p in paths if p.is_file()) for name, paths in where.items()}
    largest = max(size, key=size.get) if size else None
    if largest is None or size[largest] < READ_BESIDE_FROM or len(where) == 1:
        return _read_each(where, config, ref_date)
    with osl.Beside(_read_each, {n: p for n, p in where.items() if n != largest}, config, ref_date) as others:
        here = _read_each({largest: where[largest]}, config, ref_date)
        there = others.result()
    return {name: (here | there)[name] for name in where}


def _read_each(where: dict[str, list[Path]], config: Config,
               ref_date: dt.date) -> dict[str, tuple[bool, ReadResult | Exception]]:
    read: dict[str, tuple[bool, ReadResult | Exception]] = {}
    for name, paths in where.items():
        try:
            read[name] = (True, read_export(name, paths, config, ref_date))
        except VosError as exc:
            read[name] = (False, exc)
    return read


@dataclass
class Inputs:
    results: dict[str, ReadResult] = field(default_factory=dict)
    # rule results shared by several reports of one run (execution dates, end dates), computed once
    cache: dict[str, object] = field(default_factory=dict)
    # warnings and notes about the folder and the month as a whole (unused files, coverage)
    extra_warnings: list[dict] = field(default_factory=list)
    extra_notes: list[str] = field(default_factory=list)
    discovery: Discovery | None = None
    # what the ledger knows for this month (vos_cli.history.History), handed to the reports
    history: object | None = None
    # what each report computed, for the ledger: "fees", "compensation", "waiting", "statistics"
    outcomes: dict[str, object] = field(default_factory=dict)

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

    def label(self, name: str) -> str:
        """The file name(s) an export was read from, for messages."""
        r = self.results.get(name)
        return ", ".join(s.path.name for s in r.sources) if r and r.sources else f"{name}.csv"

    @property
    def rejected(self) -> pd.DataFrame:
        frames = [r.rejected for r in self.results.values() if len(r.rejected)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REJECTED_COLUMNS)

    @property
    def n_rejected(self) -> int:
        return sum(r.n_rejected for r in self.results.values())

    @property
    def warnings(self) -> pd.DataFrame:
        """What needs a look (exit 1): from the readers, the folder and the month's coverage."""
        rows = [w for r in self.results.values() for w in r.warnings] + self.extra_warnings
        return pd.DataFrame(rows).reindex(columns=WARNING_COLUMNS) if rows else pd.DataFrame(columns=WARNING_COLUMNS)

    @property
    def notes(self) -> list[str]:
        return [n for r in self.results.values() for n in r.notes] + self.extra_notes

    def files(self) -> list[Source]:
        return [s for r in self.results.values() for s in r.sources]


def load_inputs(
    input_dir: Path | None,
    config: Config,
    ref_date: dt.date,
    needed: tuple[str, ...],
    optional: tuple[str, ...] = (),
    files: dict[str, Path | None] | None = None,
) -> Inputs:
    """Read each needed export (missing → InputFileError) and each optional one that exists."""
    files = {k: v for k, v in (files or {}).items() if v is not None}
    if input_dir is not None and not input_dir.is_dir():
        raise InputFileError(f"{input_dir.resolve()}: mappen finns inte — ange exportmappen med --input")
    found = discover(input_dir) if input_dir is not None else Discovery()
    inputs = Inputs(discovery=found)
    wanted = needed + tuple(n for n in optional if n not in needed)
    for name in wanted:
        assert name in EXPORTS, name
    where = {name: [Path(files[name])] if name in files else found.files(name) for name in wanted}
    missing = [name for name in needed if not where[name]]
    # every export that is there is read first (its own error is the more specific), the first
    # error in the order wanted is the one said
    for name, (ok, value) in _read_all({n: p for n, p in where.items() if p}, config, ref_date).items():
        if not ok:
            raise value
        inputs.results[name] = value
    for name in wanted:
        if not where[name]:
            inputs.results[name] = empty_result(name)
    inputs.results = {name: inputs.results[name] for name in wanted}
    if missing:
        name = missing[0]
        where = input_dir.resolve() if input_dir is not None else Path(".").resolve()
        raise InputFileError(
            f"{where}: hittar inte exporten {name} ({name}.csv, .xlsx eller .xls) — lägg exporten i "
            f"mappen eller ange filen med --{name}"
        )
    for path in found.unknown:
        guess = closest_export(path)
        hint = f" — om det är exporten {guess}, döp om filen till {guess}{path.suffix}" if guess else \
            " — flytta filen om den inte hör hit"
        inputs.extra_warnings.append(warning(path.name, f"filen ser ut som en export men motsvarar ingen av vos "
                                                        f"exporter och lästes inte{hint}"))
    not_used = [p.name for name, paths in found.found.items() if name not in wanted and name not in files for p in paths]
    if not_used:
        inputs.extra_notes.append("Används inte av den här rapporten: " + ", ".join(not_used))
    return inputs
