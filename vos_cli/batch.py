"""`vos run`: the monthly batch for cron and the Task Scheduler.

Reads every export once, asks the ledger what earlier months billed and paid, writes every report
of the month into a temporary folder beside OUTPUT/YYYY-MM, adds manifest.json, records the month
in the ledger and only then swaps the folder into place — so a crash or a kill never leaves a
half-written month, the ledger holds a month exactly when its folder is in place, and a re-run
replaces the month whole. A lock (OUTPUT/.vos.lock) stops a second run on the same output folder.
One JSON line per run goes to OUTPUT/vos-log.jsonl (no personnummer). Platform differences
(locking, memory, renames on Windows) live in vos_cli.platform.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from vos_cli import __version__, history
from vos_cli import platform as osl
from vos_cli.config import Config
from vos_cli.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_REJECTED, LockedError, OutputError, VosError
from vos_cli.frames import day_text, each_distinct, release_memory
from vos_cli.io.contract import Col
from vos_cli.io.inputs import Inputs, load_inputs
from vos_cli.io.readers import sha256_of
from vos_cli.io.workbook import Report, Writer, write_report, write_text_atomic
from vos_cli.period import Period
from vos_cli.personnummer import mask_strings
from vos_cli.reports import overview
from vos_cli.reports.common import finish, prepare
from vos_cli.rules import corrections as corr
from vos_cli.rules import income
from vos_cli.store import ledger as store

# (step name, report module) in the order they run; each module has NEEDED, OPTIONAL and build().
# The two that show the corrections (fees, compensation) wait for them at their end: they come
# after those that do not, and the fee basis, the largest workbook, before the smaller ones, so
# that its writing overlaps theirs (bench/notes.md)
STEPS = [
    ("datakvalitet", "check"),
    ("verkställighet", "execution"),
    ("avslut", "endings"),
    ("avgiftsberäkning", "avgiftsutrymme"),  # only when the inkomster export is there (ONLY_WITH)
    ("avgifter", "fees"),
    ("ersättning", "compensation"),
    ("ej verkställda", "waiting"),
    ("statistik", "statistics"),
    ("dagverksamhet", "day_activity"),
]
LOCK_NAME = ".vos.lock"
LOG_NAME = "vos-log.jsonl"
MANIFEST = "manifest.json"
QUARTER_ENDS = {(3, 31), (6, 30), (9, 30), (12, 31)}


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


# Letters only: a run id never looks like a personnummer to a log scanner (or to our own masking).
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def new_run_id() -> str:
    """A unique id for one run: a UUID4 written with the letters a–p instead of hex digits."""
    return uuid.uuid4().hex.translate(_LETTERS)


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


def ledger_url(config: Config, output: Path, explicit: str | None = None) -> str:
    """--ledger URL, else [ledger] url, else the SQLite file OUTPUT/vos.sqlite."""
    return explicit or str(config.ledger.get("url") or "") or store.default_url(output)


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
        only_with = getattr(module, "ONLY_WITH", None)
        needed += [n for n in module.NEEDED if n not in needed and n != only_with]
        optional += [n for n in module.OPTIONAL + ((only_with,) if only_with else ()) if n not in optional]
    return tuple(needed), tuple(n for n in optional if n not in needed)


def run(input_dir: Path, output: Path, period: Period, config: Config,
        progress: Callable[[str], None] | None = None, files: dict[str, Path | None] | None = None,
        ledger: str | None = None) -> RunResult:
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
            book = store.Ledger.open(ledger_url(config, output, ledger))
            try:
                book.resolve(label, store.folder_run_id(output / label))
                result = _run_locked(input_dir, output, period, config, progress or (lambda s: None), files or {},
                                     book)
            finally:
                book.close()
        entry.update(exit=result.exit_code, sekunder=round(time.perf_counter() - started, 2),
                     rader=result.manifest["rader"], filer=len(result.manifest["outputs"]),
                     run_id=result.manifest["run_id"])
        _log(output, entry)
        return result
    except VosError as exc:
        entry.update(exit=EXIT_INPUT, fel=str(exc), sekunder=round(time.perf_counter() - started, 2))
        if not isinstance(exc, LockedError) or output.is_dir():
            _log(output, entry)
        raise
    except BaseException as exc:
        entry.update(exit=EXIT_INTERNAL, fel=f"{type(exc).__name__}: {exc}",
                     sekunder=round(time.perf_counter() - started, 2))
        if output.is_dir():
            _log(output, entry)
        raise


def is_quarter_end(day: dt.date) -> bool:
    return (day.month, day.day) in QUARTER_ENDS


def ledger_rows(inputs: Inputs, period: Period, h: history.History) -> Iterator[tuple[str, store.Rows]]:
    """What the month recorded, in the ledger's form, a table at a time: fee lines and clients,
    compensation, the corrections it made, the IVO reports of a quarter's end, the statistics per
    person — the large tables as frames, which the ledger turns into rows a block at a time as it
    inserts them. Each table is made when the ledger asks for it and dropped once inserted: a
    nation's month made them all first (a gigabyte in the recording's process at the run's end)."""
    month = period.label
    fees = inputs.outcomes.get("fees")
    if fees is not None:
        yield "fee_lines", corr.fee_lines(fees.articles).assign(manad=month)
        yield "fee_clients", corr.fee_clients(fees.basis, fees.details).assign(manad=month)
    comp = inputs.outcomes.get("compensation")
    if comp is not None:
        yield "compensation", corr.compensation_rows(*comp).assign(manad=month)
    yield "corrections", [dict(r, manad=month) for r in corr.as_ledger(h.fee_corrections, h.comp_corrections)]
    w = inputs.outcomes.get("waiting")
    if w is not None and is_quarter_end(period.as_of_date):
        ivo = w.ivo
        date = day_text(ivo[Col.VERKSTALLIGHETSDATUM].fillna(ivo[Col.AVSLUTSDATUM]))
        yield "ivo_reports", [
            {"kvartal": history.quarter(period.as_of_date), "referensdatum": f"{period.as_of_date:%Y-%m-%d}",
             "beslut_id": b, "pnr": p, "rapporttyp": t, "insats": i, "datum": d if isinstance(d, str) else None}
            for b, p, t, i, d in zip(ivo[Col.BESLUT_ID], ivo[Col.PNR], ivo[Col.RAPPORTTYP], ivo[Col.INSATS], date)]
    plan = inputs.outcomes.get("invoice")
    if plan is not None and len(plan.lines):  # nothing new after a sent batch: no new batch
        yield "invoice_batches", [{"batch_id": plan.batch_id, "manad": month, "lopnr": plan.number,
                                   "rader": len(plan.lines), "summa_ore": int(plan.lines["belopp_ore"].sum()),
                                   "skickad": None}]
        yield "invoice_lines", plan.lines.assign(batch_id=plan.batch_id)
    cap = inputs.outcomes.get("capacity")
    if cap is not None:
        yield "fee_capacity", income.ledger_rows(cap).assign(manad=month)
    st = inputs.outcomes.get("statistics")
    if st is not None:
        people = st.per_person
        yield "statistics", pd.DataFrame({"manad": month, "pnr": people[Col.PNR].array,
                                          "varden": json_objects(people.drop(columns=[Col.PNR])).array})


def json_objects(frame: pd.DataFrame) -> pd.Series:
    """Each row as the JSON text of {column: value} that json.dumps(ensure_ascii=False, default=str)
    gives (a missing value null), made a column at a time: each distinct value encoded once and the
    texts joined in Arrow — a month's 18 000 people × 13 figures encoded value by value cost 0.3 s of
    the month's recording, which the run waits for at its end."""
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    columns = []
    for name in frame.columns:
        key = f"{encode(str(name))}: "
        texts = each_distinct(frame[name], lambda v, key=key: key + encode(v), missing=key + "null")
        columns.append(pd.Series(texts, index=frame.index, dtype="str"))
    if not columns:
        return pd.Series("{}", index=frame.index, dtype="str")
    return "{" + columns[0].str.cat(columns[1:], sep=", ") + "}"


def _record(book: store.Ledger, run: store.Run, inputs: Inputs, period: Period, h: history.History) -> None:
    """The month's rows recorded as pending (run beside the run: see _run_locked). The corrections
    must be in hand before a child is forked for this: it must not read the corrections' own pipe."""
    book.record(run, ledger_rows(inputs, period, h))


PARALLEL_FROM = 200_000  # visit rows from which "auto" writes the workbooks in several processes
# visit rows up to which the earlier months' corrections are computed beside the run (a forked
# child, on another core, while the reports that do not show them are made); above, in the run
# itself before the reports: beside a nation's month the child's joins came on top of the month's
# own and its peak reached 3.9–4.0 GB (bench/notes.md), while the time has room to spare there
CORRECTIONS_BESIDE_UP_TO = 10_000_000


def corrections_beside(inputs: Inputs) -> bool:
    return (len(inputs.df("besok")) if inputs.has("besok") else 0) <= CORRECTIONS_BESIDE_UP_TO


def writer_count(config: Config, inputs: Inputs) -> int:
    """How many processes write the workbooks ([reports] skrivprocesser)."""
    return _writers(config, len(inputs.df("besok")) if inputs.has("besok") else 0)


def _writers(config: Config, visit_rows: int) -> int:
    """[reports] skrivprocesser: the number set, or ("auto") one per core, at most four, for a month
    of more than PARALLEL_FROM visit rows, else one."""
    setting = config.reports.get("skrivprocesser", "auto")
    if setting != "auto":
        return int(setting)
    return min(osl.cpu_count(), 4) if visit_rows > PARALLEL_FROM else 1


VISIT_ROW_BYTES = 50  # the least a visit row takes in an export file (the bench's are 54)


def start_writers_early(config: Config, input_dir: Path, files: dict[str, Path | None]) -> None:
    """The writer processes' server started before the reading (on Linux), so that its imports run
    beside the reading instead of after it, when the workbooks will be written in several processes:
    writer_count's rule with the visit rows guessed from the largest input file's size (writer_count
    decides after reading; a wrong guess costs an idle process)."""
    paths = [p for p in files.values() if p is not None]
    with contextlib.suppress(OSError):  # a missing folder is said by the reading
        paths += list(input_dir.iterdir())
    largest = max((p.stat().st_size for p in paths if p.is_file()), default=0)
    if _writers(config, largest // VISIT_ROW_BYTES) > 1:
        Writer.start_early()


def _build_reports(inputs: Inputs, period: Period, config: Config, writer: Writer,
                   progress: Callable[[str], None]) -> tuple[list[Report], list[StepResult]]:
    """Each report's rules, then its workbooks handed to the writer: written in worker processes
    while the next report is computed (see _written), or here one after the other (byte-identical
    either way)."""
    reports, steps = [], []
    for name, module_name in STEPS:
        module = importlib.import_module(f"vos_cli.reports.{module_name}")
        if getattr(module, "ONLY_WITH", None) and not inputs.has(module.ONLY_WITH):
            continue
        progress(name)
        t = time.perf_counter()
        report, summary = module.build(inputs, period, config)
        finish(report, inputs)
        t_rules = time.perf_counter() - t
        writer.submit(report)
        release_memory()  # what the report's rules built and dropped
        reports.append(report)
        written = [report.filename] + [c.filename for c in report.companions] + [a[0] for a in report.attachments]
        steps.append(StepResult(name, written, sum(len(s.df) for s in report.sheets), summary,
                                round(time.perf_counter() - t, 3), round(t_rules, 3), 0.0, peak_mb()))
    # what the reports shared (execution dates, granted decisions, the five-day rule's ends) is read
    # by none after the last: freed before the month's recording is forked and while the last
    # workbooks are written — a nation's month stays at 3.3–3.7 GB there (inputs.cached computes it
    # again if anything asks)
    inputs.cache.clear()
    release_memory()
    return reports, steps


def _written(writer: Writer, reports: list[Report], steps: list[StepResult]) -> dict[str, dict[str, int]]:
    """Waits for the workbooks handed to the writer; their rows per sheet, by file name."""
    writer.close()
    rows_per_sheet = {}
    for step, report in zip(steps, reports):
        step.write_seconds = round(writer.seconds.get(report.filename, 0.0), 3)
        for r in [report] + report.companions:
            rows_per_sheet[r.filename] = r.rows_per_sheet
    return rows_per_sheet


def _run_locked(input_dir: Path, output: Path, period: Period, config: Config,
                progress: Callable[[str], None], files: dict[str, Path | None], book: store.Ledger) -> RunResult:
    final = output / period.label
    work = output / f".{period.label}.new-{os.getpid()}"
    durations: dict[str, float] = {}
    t0 = time.perf_counter()
    progress("läser exporterna")
    needed, optional = needed_exports()
    start_writers_early(config, input_dir, files)
    # what the ledger recorded for the earlier months is read beside the exports (osl.Beside: a
    # forked child with its own database connections, where the platform forks)
    found = osl.Beside(history.recorded, book, period, config, in_child=book.forked)
    try:
        inputs: Inputs = load_inputs(input_dir, config, period.last, needed, optional, files)
    except BaseException:
        found.stop()
        raise
    # the writer processes' server starts now (on Linux): its imports run beside the checks and the
    # ledger; `found` is stopped however the run ends (a month the exports do not cover, say)
    # the writer processes yield the cores to the run's own work (platform.lower_priority) in a month
    # whose corrections are computed beside it; a nation's keeps them at the run's priority: their
    # backlog waited beside the month's recording and its peak rose (sampled: 3 645 against 3 564 MiB)
    beside = corrections_beside(inputs)
    with Writer(work, writer_count(config, inputs), yield_cores=beside) as writer, found:
        prepare(inputs, period, config)
        durations["läsning"] = round(time.perf_counter() - t0, 3)
        read_peak = peak_mb()
        progress("liggaren: rättelser av tidigare månader")
        t = time.perf_counter()
        # the corrections are computed beside this process (on another core, where the platform forks)
        # while the reports that do not show them are made — up to CORRECTIONS_BESIDE_UP_TO visit rows
        h = history.gather(book, inputs, period, config, beside=beside, found=found)
        inputs.history = h
        durations["liggare"] = round(time.perf_counter() - t, 3)
        run_id = new_run_id()
        outputs: list[dict[str, Any]] = []
        recorded = False
        recording: osl.Beside | None = None
        try:
            try:
                work.mkdir(parents=True)
            except OSError as exc:
                raise OutputError(osl.output_problem(output, exc, "kan inte skapa månadsmappen")) from None
            osl.private(work, folder=True)
            reports, steps = _build_reports(inputs, period, config, writer, progress)
            for s in steps:
                durations[s.name] = s.seconds
            durations["rättelser"] = round(h.pending.seconds, 3)  # computing them, here or beside
            progress("översikt")
            t = time.perf_counter()
            frames, files_of = overview.frames_from_reports(reports)
            ov, figures = overview.build(frames, files_of, period, output, h.trend)
            t_overview = time.perf_counter() - t
            code = EXIT_REJECTED if any(r.needs_look for r in reports) else EXIT_OK
            fees = inputs.outcomes.get("fees")
            sums = {
                "att_fakturera": round(float(fees.basis[Col.ATT_FAKTURERA].sum()), 2) if fees is not None else 0.0,
                "brukare": len(fees.basis) if fees is not None else 0,
                "rattelser_avgift": len(h.fee_corrections),
                "rattelser_avgift_kr": round(float(h.fee_corrections[corr.DIFFERENS].sum()), 2) if len(h.fee_corrections)
                else 0.0,
                "rattelser_ersattning": len(h.comp_corrections),
                "rattelser_ersattning_kr": round(float(h.comp_corrections[corr.DIFFERENS].sum()), 2)
                if len(h.comp_corrections) else 0.0,
                "rattade_manader": h.corrected,
            }
            created = dt.datetime.now().isoformat(timespec="seconds")
            used = [{"export": r.export, "fil": str(r.path), "sha256": r.sha256, "lästa": r.read, "använda": r.used,
                     "avvisade": r.n_rejected, "läst_som": r.how} for r in inputs.files()]
            # recorded (pending) beside this process (osl.Beside: a forked child with its own database
            # connection, where the platform forks) while the last workbooks are written and the
            # manifest made; awaited before the swap: the month is in the ledger only once its folder
            # is swapped into place (complete), as before
            progress("liggaren: registrerar månaden")
            run = store.Run(run_id, period.label, created, f"{period.as_of:%Y-%m-%dT%H:%M}", __version__,
                            [{k: v for k, v in i.items() if k in ("export", "fil", "sha256")} for i in used],
                            config.summary(), overview.figures_dict(figures), sums)
            # the corrections are in hand (`sums` read them): the child below never reads their pipe
            recording = osl.Beside(_record, book, run, inputs, period, h, in_child=book.forked)
            recorded = True
            progress("skriver arbetsböckerna")
            rows_per_sheet = _written(writer, reports, steps)
            t = time.perf_counter()
            write_report(ov, work)
            rows_per_sheet[ov.filename] = ov.rows_per_sheet
            t_write = time.perf_counter() - t
            steps.insert(0, StepResult("översikt", [ov.filename], sum(len(s.df) for s in ov.sheets),
                                       {"Nyckeltal": overview.figures_dict(figures)}, round(t_overview + t_write, 3),
                                       round(t_overview, 3), round(t_write, 3), peak_mb()))
            durations["översikt"] = steps[0].seconds
            order = [ov.filename] + sorted(p.name for p in work.iterdir() if p.name != ov.filename)
            for path in (work / name for name in order):
                entry: dict[str, Any] = {"fil": path.name, "sha256": sha256_of(path)}
                if path.name in rows_per_sheet:
                    entry["rader_per_blad"] = rows_per_sheet[path.name]
                outputs.append(entry)
            durations["liggare registrering"] = round(recording.seconds, 3)  # recorded, or its error raised
            manifest = {
                "verktyg": f"vos {__version__}",
                "run_id": run_id,
                "period": period.label,
                "per": run.per,
                "skapad": created,
                "inputs": used,
                "outputs": outputs,
                "rader": {"lästa": sum(r.read for r in inputs.files()), "använda": sum(r.used for r in inputs.files()),
                          "avvisade": inputs.n_rejected},
                "varningar": inputs.warnings[Col.VARNING].tolist(),
                "anteckningar": inputs.notes + h.notes,
                "nyckeltal": run.nyckeltal,
                "liggare": {"plats": store.where(book.url), "schema": book.schema_version()} | sums,
                "konfiguration": config.summary(),
                "sekunder": durations | {"totalt": round(time.perf_counter() - t0, 3)},
                "skrivprocesser": writer.workers,
                "steg": {"läsning": {"sekunder": durations["läsning"], "minnestopp_mb": read_peak}}
                | {s.name: {"regler": s.rule_seconds, "skrivning": s.write_seconds, "minnestopp_mb": s.peak_mb,
                            "rader": s.rows} for s in steps},
                "exit": code,
            }
            write_manifest(work / MANIFEST, manifest)
            swap_into_place(work, final)
        except BaseException:
            h.stop()
            if recording is not None:
                recording.stop()  # a recording still under way ends unfinished: its transaction is not committed
            shutil.rmtree(work, ignore_errors=True)
            if recorded and not (final.exists() and store.folder_run_id(final) == run_id):
                book.discard(run_id)
            raise
        book.complete(run_id, int(config.ledger.get("bevara_ar") or 0) or None)
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
