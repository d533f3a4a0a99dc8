"""`vos run`: the monthly batch for cron.

Reads every export once, writes every report of the month into a temporary folder beside
OUTPUT/YYYY-MM, adds manifest.json, and only then swaps it into place — so a crash or a kill
never leaves a half-written month, and a re-run replaces the previous month whole. A lock
(flock on OUTPUT/.vos.lock, released by the kernel even on SIGKILL) stops a second run on the
same output folder. One JSON line per run goes to OUTPUT/vos-log.jsonl (no personnummer).
Platform differences (locking, memory, renames on Windows) live in vos_cli.platform.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vos_cli import __version__
from vos_cli import platform as osl
from vos_cli.config import Config
from vos_cli.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_REJECTED, LockedError, OutputError, VosError
from vos_cli.io.contract import Col
from vos_cli.io.inputs import Inputs, load_inputs
from vos_cli.io.readers import sha256_of
from vos_cli.io.workbook import write_report, write_text_atomic
from vos_cli.period import Period
from vos_cli.personnummer import mask_strings
from vos_cli.reports import overview
from vos_cli.reports.common import finish, prepare

# (step name, report module) in the order they run; each module has NEEDED, OPTIONAL and build()
STEPS = [
    ("datakvalitet", "check"),
    ("verkställighet", "execution"),
    ("avslut", "endings"),
    ("ersättning", "compensation"),
    ("avgifter", "fees"),
    ("ej verkställda", "waiting"),
    ("statistik", "statistics"),
    ("dagverksamhet", "day_activity"),
]
LOCK_NAME = ".vos.lock"
LOG_NAME = "vos-log.jsonl"
MANIFEST = "manifest.json"


@dataclass
class StepResult:
    name: str
    files: list[str] = field(default_factory=list)
    rows: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    rule_seconds: float = 0.0
    write_seconds: float = 0.0
    peak_mb: float = 0.0


def peak_mb() -> float:
    return osl.peak_memory_mb()


@dataclass
class RunResult:
    exit_code: int
    month_dir: Path
    manifest: dict[str, Any]
    steps: list[StepResult]


def lock(output: Path):
    """The run lock on OUTPUT/.vos.lock (vos_cli.platform.run_lock)."""
    return osl.run_lock(output / LOCK_NAME)


def recover(output: Path, label: str) -> None:
    """Finish or undo a swap a killed run left behind; remove its temporary folders."""
    final = output / label
    olds = sorted(output.glob(f".{label}.old-*"))
    if not final.exists() and olds:
        os.rename(olds[-1], final)
        olds = olds[:-1]
    for leftover in olds + sorted(output.glob(f".{label}.new-*")):
        shutil.rmtree(leftover, ignore_errors=True)


def swap_into_place(new: Path, final: Path) -> None:
    """Replace final with new: old aside, new in, old removed. recover() mends a kill in between.
    On Windows a workbook open in Excel blocks the rename: retried, then a clear exit 2."""
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    if final.exists():
        osl.retry_rename(lambda: os.rename(final, old), final)
    try:
        osl.retry_rename(lambda: os.rename(new, final), final)
    except BaseException:
        if old.exists() and not final.exists():
            os.rename(old, final)
        raise
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
        if old.exists():  # a file in it is still held open (Windows): say where the copy is
            raise OutputError(f"{old.resolve()}: den föregående månaden kunde inte tas bort — stäng "
                              "rapporterna i Excel och ta bort mappen")
    osl.fsync_dir(final.parent)


def _log(output: Path, entry: dict[str, Any]) -> None:
    try:
        line = json.dumps(mask_strings(entry), ensure_ascii=False, default=str)
        fd = os.open(output / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    except OSError:
        pass  # the log must never turn a good run into a failed one


def needed_exports() -> tuple[tuple[str, ...], tuple[str, ...]]:
    needed: list[str] = []
    optional: list[str] = []
    for _, module_name in STEPS:
        module = importlib.import_module(f"vos_cli.reports.{module_name}")
        needed += [n for n in module.NEEDED if n not in needed]
        optional += [n for n in module.OPTIONAL if n not in optional]
    return tuple(needed), tuple(n for n in optional if n not in needed)


def run(input_dir: Path, output: Path, period: Period, config: Config,
        progress: Callable[[str], None] | None = None, files: dict[str, Path | None] | None = None) -> RunResult:
    """The month's batch. Raises VosError (exit 2) for bad input; anything else is internal (3)."""
    for section in ("tariffs", "rates"):  # no kronor at tariffs nobody set; nothing written
        config.require(period.year, section)
    started = time.perf_counter()
    label = period.label
    when = dt.datetime.now().isoformat(timespec="seconds")
    entry: dict[str, Any] = {"tid": when, "månad": label, "version": __version__}
    try:
        with lock(output):
            recover(output, label)
            result = _run_locked(input_dir, output, period, config, progress or (lambda s: None), files or {})
        entry.update(exit=result.exit_code, sekunder=round(time.perf_counter() - started, 2),
                     rader=result.manifest["rader"], filer=len(result.manifest["outputs"]))
        _log(output, entry)
        return result
    except LockedError as exc:
        entry.update(exit=EXIT_INPUT, fel=str(exc), sekunder=round(time.perf_counter() - started, 2))
        _log(output, entry)
        raise
    except VosError as exc:
        entry.update(exit=EXIT_INPUT, fel=str(exc), sekunder=round(time.perf_counter() - started, 2))
        _log(output, entry)
        raise
    except BaseException as exc:
        entry.update(exit=EXIT_INTERNAL, fel=f"{type(exc).__name__}: {exc}",
                     sekunder=round(time.perf_counter() - started, 2))
        if output.is_dir():
            _log(output, entry)
        raise


def _run_locked(input_dir: Path, output: Path, period: Period, config: Config,
                progress: Callable[[str], None], files: dict[str, Path | None]) -> RunResult:
    final = output / period.label
    work = output / f".{period.label}.new-{os.getpid()}"
    durations: dict[str, float] = {}
    t0 = time.perf_counter()
    progress("läser exporterna")
    needed, optional = needed_exports()
    inputs: Inputs = load_inputs(input_dir, config, period.last, needed, optional, files)
    prepare(inputs, period, config)
    durations["läsning"] = round(time.perf_counter() - t0, 3)
    read_peak = peak_mb()
    steps: list[StepResult] = []
    outputs: list[dict[str, Any]] = []
    rows_per_sheet: dict[str, dict[str, int]] = {}
    reports = []
    try:
        try:
            work.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(osl.output_problem(output, exc, "kan inte skapa månadsmappen")) from None
        osl.private(work, folder=True)
        for name, module_name in STEPS:
            progress(name)
            t = time.perf_counter()
            module = importlib.import_module(f"vos_cli.reports.{module_name}")
            report, summary = module.build(inputs, period, config)
            finish(report, inputs)
            t_rules = time.perf_counter() - t
            write_report(report, work)
            reports.append(report)
            rows_per_sheet[report.filename] = report.rows_per_sheet
            written = [report.filename] + [a[0] for a in report.attachments]
            step = StepResult(name, written, sum(len(s.df) for s in report.sheets), summary,
                              round(time.perf_counter() - t, 3), round(t_rules, 3),
                              round(time.perf_counter() - t - t_rules, 3), peak_mb())
            steps.append(step)
            durations[name] = step.seconds
        progress("översikt")
        t = time.perf_counter()
        frames, files = overview.frames_from_reports(reports)
        ov, figures = overview.build(frames, files, period, output)
        t_rules = time.perf_counter() - t
        write_report(ov, work)
        rows_per_sheet[ov.filename] = ov.rows_per_sheet
        steps.insert(0, StepResult("översikt", [ov.filename], sum(len(s.df) for s in ov.sheets),
                                   {"Nyckeltal": overview.figures_dict(figures)}, round(time.perf_counter() - t, 3),
                                   round(t_rules, 3), round(time.perf_counter() - t - t_rules, 3), peak_mb()))
        durations["översikt"] = steps[0].seconds
        order = [ov.filename] + sorted(p.name for p in work.iterdir() if p.name != ov.filename)
        for path in (work / name for name in order):
            entry: dict[str, Any] = {"fil": path.name, "sha256": sha256_of(path)}
            if path.name in rows_per_sheet:
                entry["rader_per_blad"] = rows_per_sheet[path.name]
            outputs.append(entry)
        code = EXIT_REJECTED if any(r.needs_look for r in reports) else EXIT_OK
        manifest = {
            "verktyg": f"vos {__version__}",
            "period": period.label,
            "per": f"{period.as_of:%Y-%m-%dT%H:%M}",
            "skapad": dt.datetime.now().isoformat(timespec="seconds"),
            "inputs": [{"export": r.export, "fil": str(r.path), "sha256": r.sha256, "lästa": r.read,
                        "använda": r.used, "avvisade": r.n_rejected, "läst_som": r.how} for r in inputs.files()],
            "varningar": inputs.warnings[Col.VARNING].tolist(),
            "anteckningar": inputs.notes,
            "outputs": outputs,
            "rader": {"lästa": sum(r.read for r in inputs.files()), "använda": sum(r.used for r in inputs.files()),
                      "avvisade": inputs.n_rejected},
            "nyckeltal": overview.figures_dict(figures),
            "konfiguration": config.summary(),
            "sekunder": durations | {"totalt": round(time.perf_counter() - t0, 3)},
            "steg": {"läsning": {"sekunder": durations["läsning"], "minnestopp_mb": read_peak}}
            | {s.name: {"regler": s.rule_seconds, "skrivning": s.write_seconds, "minnestopp_mb": s.peak_mb,
                        "rader": s.rows} for s in steps},
            "exit": code,
        }
        write_manifest(work / MANIFEST, manifest)
        swap_into_place(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return RunResult(code, final, manifest, steps)


def update_manifest(month_dir: Path, rebuilt: Path, figures: dict[str, float]) -> None:
    """After `vos overview` rebuilt the overview: its new SHA-256 and the key figures, atomically."""
    path = month_dir / MANIFEST
    if not path.exists():
        return
    m = json.loads(path.read_text(encoding="utf-8"))
    for entry in m.get("outputs", []):
        if entry.get("fil") == rebuilt.name:
            entry["sha256"] = sha256_of(rebuilt)
    m["nyckeltal"] = figures
    write_manifest(path, m)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """JSON with every text masked (numbers untouched), written atomically with mode 0600."""
    write_text_atomic(path, json.dumps(mask_strings(manifest), ensure_ascii=False, indent=2, default=str) + "\n")
