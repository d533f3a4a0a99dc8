"""Under bad input, faults and load: nothing lost, nothing leaked (docs/reliability.md).

The fuzzing budget here is small so that `make test` stays quick; `make fuzz` runs the same
properties with many more examples (VOS_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import SAMPLE, frame, leaks, pnr
from vos_cli.cli import app
from vos_cli.config import Config
from vos_cli.errors import InputFileError
from vos_cli.io.contract import EXPORTS, Col
from vos_cli.io.readers import read_export
from vos_cli.rules import compensation, endings, execution, waiting

EXAMPLES = int(os.environ.get("VOS_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
REF = dt.date(2026, 3, 31)
runner = CliRunner()


# ---- 1. fuzzing the readers ----------------------------------------------------------------

def read_or_refuse(path: Path, name: str = "besok"):
    """Either a controlled refusal or a result where every row is accounted for."""
    try:
        r = read_export(name, path, Config(), REF)
    except InputFileError as exc:
        assert str(exc).startswith(str(path)), exc
        return None
    assert r.read == r.used + r.n_rejected
    assert r.rejected[Col.RAD].nunique() == r.n_rejected if len(r.rejected) else r.n_rejected == 0
    return r


SAMPLE_BESOK = (SAMPLE / "besok.csv").read_bytes()[:4000]


@FUZZ
@given(st.binary(max_size=3000))
def test_binary_garbage_never_crashes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fz") / "besok.csv"
    path.write_bytes(data)
    read_or_refuse(path)


@FUZZ
@given(st.integers(0, len(SAMPLE_BESOK)), st.lists(st.tuples(st.integers(0, len(SAMPLE_BESOK) - 1),
                                                             st.binary(min_size=0, max_size=4)), max_size=6))
def test_truncated_and_mutated_files(tmp_path_factory, cut, edits):
    data = bytearray(SAMPLE_BESOK[:cut])
    for pos, b in edits:
        if pos < len(data):
            data[pos:pos + 1] = b
    path = tmp_path_factory.mktemp("fz") / "besok.csv"
    path.write_bytes(bytes(data))
    read_or_refuse(path)


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["=1+1", "+46701234567", "-3", "@SUM(A1)", '"quoted; value"', "a;b,c\tc", "2026-02-30",
                     "20260230", "19121212-1213", "121212+1212", "", " ", "NaN", "null", "1e309", "0,5", "−7"]),
    st.text(min_size=5000, max_size=20000, alphabet="xyzåäö;,\"\n"),
)


@FUZZ
@given(st.lists(st.lists(CELL, min_size=5, max_size=5), max_size=12), st.sampled_from([";", ",", "\t"]),
       st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_random_cells_csv(tmp_path_factory, rows, sep, encoding):
    path = tmp_path_factory.mktemp("fz") / "besok.csv"
    buf = io.StringIO()
    import csv
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(["Personnummer", "Utförare", "Datum", "Minuter", "Insats"])
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    read_or_refuse(path)


@FUZZ
@given(st.lists(st.lists(st.one_of(CELL, st.integers(-10**15, 10**15), st.floats(allow_nan=True),
                                   st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))),
                         min_size=5, max_size=5), max_size=8))
def test_random_cells_xlsx(tmp_path_factory, rows):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Personnummer", "Utförare", "Datum", "Minuter", "Insats"])
    for r in rows:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
    path = tmp_path_factory.mktemp("fz") / "besok.xlsx"
    wb.save(path)
    read_or_refuse(path)


def test_a_million_empty_lines(tmp_path):
    path = tmp_path / "besok.csv"
    good = f"{pnr(1940, 1, 1)};Norr;2026-03-02;30;Hemtjänst\n"
    path.write_text("Personnummer;Utförare;Datum;Minuter;Insats\n" + "\n" * 1_000_000 + good, encoding="utf-8")
    r = read_or_refuse(path)
    assert (r.read, r.used) == (1, 1) and r.df["_rad"].tolist() == [1_000_002]


def test_every_wrong_check_digit_and_impossible_date_rejected_with_line(tmp_path):
    good = pnr(1945, 3, 12, 45)
    rows = [good[:-1] + d for d in "0123456789" if d != good[-1]]
    lines = [f"{p};Norr;2026-03-02;30" for p in rows] + [f"{good};Norr;2026-02-30;30", f"{good};Norr;2026-03-02;30"]
    path = tmp_path / "besok.csv"
    path.write_text("Personnummer;Utförare;Datum;Minuter\n" + "\n".join(lines) + "\n", encoding="utf-8")
    r = read_or_refuse(path)
    assert (r.read, r.used, r.n_rejected) == (11, 1, 10)
    assert r.rejected[Col.RAD].tolist() == list(range(2, 12))


@pytest.mark.parametrize("content", [b"\xff\xfe\x00P\x00n\x00r", b"PK\x03\x04\x00\x00", b"Personnummer\n" + b"\x81" * 10])
def test_bad_files_through_the_cli_exit_2_with_one_line_and_no_traceback(tmp_path, content):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "besok.csv").write_bytes(content)
    res = runner.invoke(app, ["check", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


# ---- 2. properties of the rules --------------------------------------------------------------

DAY = st.integers(0, 120).map(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))


@st.composite
def hemtjanst_orders(draw):
    n = draw(st.integers(1, 6))
    orders, absences = [], []
    for i in range(n):
        start = draw(DAY)
        p = pnr(1930 + i, 1 + i, 1 + i, i)
        o = {Col.BESTALLNING_ID: f"O{i}", Col.BESLUT_ID: f"B{i}", Col.PNR: p, Col.INSATS: "Hemtjänst",
             Col.UTFORARE: draw(st.sampled_from(["Norr", "Söder"])),
             Col.OMFATTNING: str(draw(st.decimals(1, 200, places=2))), Col.SKICKAD: f"{start} 10:00",
             Col.STARTDATUM: str(start)}
        if draw(st.booleans()):
            o[Col.VERKSTALLIGHETSDATUM] = str(start + dt.timedelta(days=draw(st.integers(0, 10))))
        if draw(st.booleans()):
            n_ = draw(DAY)
            o[Col.AVSLUT_MEDDELAT] = str(n_)
            o[Col.BEHOV_UPPHOR] = str(n_ + dt.timedelta(days=draw(st.integers(-10, 12))))
        orders.append(o)
        for _ in range(draw(st.integers(0, 3))):
            f = draw(DAY)
            absences.append({Col.PNR: p, Col.UTFORARE: o[Col.UTFORARE], Col.FROM: str(f),
                             Col.TOM: str(f + dt.timedelta(days=draw(st.integers(0, 20)))),
                             Col.TYP: draw(st.sampled_from(["Planerad", "Oplanerad"]))})
    return orders, absences


def compensate(orders, absences, month=(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))):
    o = frame("bestallningar", orders)
    v = frame("besok", [{Col.PNR: pnr(1920, 1, 1), Col.UTFORARE: "x", Col.DATUM: "2020-01-01", Col.MINUTER: "1"}])
    ex = execution.execution_dates(o, v, None)
    ends, _ = endings.end_dates(o, v)
    a = frame("franvaro", absences) if absences else frame("franvaro", [
        {Col.PNR: pnr(1920, 1, 1), Col.UTFORARE: "x", Col.FROM: "2020-01-01", Col.TOM: "2020-01-01", Col.TYP: "Planerad"}])
    rows = compensation.per_order(ex, endings.adjusted_end_for(ex, ends), a, *month, {}, 490.0)
    return rows, ends


@FUZZ
@given(hemtjanst_orders())
def test_compensated_hours_never_exceed_granted_and_totals_add_up(case):
    orders, absences = case
    rows, ends = compensate(orders, absences)
    assert (rows[Col.ERSATT_TID] <= rows[Col.BEVILJAD_TID] + 1e-9).all()
    assert (rows[Col.ERSATTNINGSDAGAR] >= 0).all() and (rows[Col.ERSATTNINGSDAGAR] <= 31).all()
    providers = compensation.per_provider(rows, pd.DataFrame(columns=compensation.BOX_COLUMNS).astype(
        {Col.ANTAL: "int64", Col.ERSATTNING: "float64"}))
    for utf, part in rows.groupby(Col.UTFORARE):
        total = providers.set_index(Col.UTFORARE).loc[utf, Col.ERSATTNING_TID]
        assert round(total * 100) == sum(round(x * 100) for x in part[Col.ERSATTNING_TID])
    # the adjusted end is never before the day the need ended
    assert (ends[Col.JUSTERAT_SLUT] >= ends[Col.BEHOV_UPPHOR]).all()


@FUZZ
@given(hemtjanst_orders(), st.randoms(use_true_random=False))
def test_shuffling_rows_changes_no_compensation(case, rnd):
    orders, absences = case
    before, _ = compensate(orders, absences)
    rnd.shuffle(orders)
    rnd.shuffle(absences)
    after, _ = compensate(orders, absences)
    pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True))


@FUZZ
@given(st.lists(st.tuples(DAY, st.one_of(st.none(), st.integers(0, 200)), st.one_of(st.none(), st.integers(0, 200))),
                min_size=1, max_size=8), st.integers(90, 200))
def test_a_decision_is_in_at_most_one_three_month_class(specs, as_of_offset):
    decisions, orders = [], []
    for i, (day, exec_after, end_after) in enumerate(specs):
        p = pnr(1930 + i, 2, 3, i)
        d = {Col.BESLUT_ID: f"B{i}", Col.PNR: p, Col.INSATS: "Hemtjänst", Col.BESLUTSDATUM: str(day), Col.FROM: str(day)}
        if end_after is not None:
            d[Col.AVSLUTSDATUM] = str(day + dt.timedelta(days=end_after))
        decisions.append(d)
        if exec_after is not None:
            orders.append({Col.BESTALLNING_ID: f"O{i}", Col.BESLUT_ID: f"B{i}", Col.PNR: p, Col.INSATS: "Trygghetslarm",
                           Col.UTFORARE: "L", Col.SKICKAD: f"{day} 10:00", Col.STARTDATUM: str(day),
                           Col.VERKSTALLIGHETSDATUM: str(day + dt.timedelta(days=exec_after))})
    o = frame("bestallningar", orders) if orders else frame("bestallningar", [])
    ex = execution.execution_dates(o, frame("besok", []), None)
    w = waiting.classify(frame("beslut", decisions), o, ex, pd.Timestamp(dt.date(2026, 1, 1)) + pd.Timedelta(days=as_of_offset))
    seen = list(w.ej_verkstallda[Col.BESLUT_ID]) + list(w.for_sent[Col.BESLUT_ID]) + list(w.avslutade[Col.BESLUT_ID])
    assert len(seen) == len(set(seen))


def data_sheets(folder: Path) -> dict:
    got = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            got[path.name] = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets
                              if ws.title != "Om rapporten"}
        elif path.suffix == ".txt":
            got[path.name] = path.read_bytes()
    return got


def test_shuffling_the_input_rows_changes_no_report(tmp_path):
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    rnd = random.Random(11)
    for f in SAMPLE.iterdir():
        if f.suffix == ".csv":
            head, *rows = f.read_text(encoding="utf-8").splitlines()
            rnd.shuffle(rows)
            (shuffled / f.name).write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
        elif f.suffix == ".xlsx":
            shutil.copy(f, shuffled / f.name)
    a = runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(tmp_path / "a"), "-m", "2026-03", "-q"])
    b = runner.invoke(app, ["run", "-i", str(shuffled), "-o", str(tmp_path / "b"), "-m", "2026-03", "-q"])
    assert a.exit_code == b.exit_code == 0
    assert data_sheets(tmp_path / "a" / "2026-03") == data_sheets(tmp_path / "b" / "2026-03")


# ---- 3. faults -----------------------------------------------------------------------------------

def complete(folder: Path) -> bool:
    """A month folder is complete when its manifest lists exactly its files, with their hashes."""
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return False
    m = json.loads(manifest.read_text(encoding="utf-8"))
    listed = {o["fil"]: o["sha256"] for o in m["outputs"]}
    present = {p.name for p in folder.iterdir()} - {"manifest.json"}
    return present == set(listed) and all(
        hashlib.sha256((folder / f).read_bytes()).hexdigest() == h for f, h in listed.items())


def vos_run(out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vos_cli", "run", "-i", str(SAMPLE), "-o", str(out),
                             "-m", "2026-03", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


# kill midway (writing workbooks) and late (ledger, swap); make fuzz adds early (reading) and more moments
KILL_DELAYS = [0.3, 1.0, 1.8, 2.6, 3.4] if "VOS_FUZZ_EXAMPLES" in os.environ else [1.8, 3.4]


@pytest.mark.posix_only
@pytest.mark.parametrize("delay", KILL_DELAYS)
def test_killed_run_leaves_a_complete_month_and_no_stale_lock(tmp_path, delay):
    assert vos_run(tmp_path).wait() == 0
    assert complete(tmp_path / "2026-03")
    proc = vos_run(tmp_path)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    month = tmp_path / "2026-03"
    olds = list(tmp_path.glob(".2026-03.old-*"))
    assert complete(month) or (not month.exists() and olds and complete(olds[0]))
    # the ledger holds the month the folder holds: a pending run is resolved from the folder's manifest
    from vos_cli.store import ledger as store

    book = store.Ledger.open(store.default_url(tmp_path), create=False)
    try:
        if complete(month):
            book.resolve("2026-03", store.folder_run_id(month))
            assert book.run_of("2026-03").run_id == store.folder_run_id(month)
        assert len(book.months()) == 1
    finally:
        book.close()
    # no stale lock: the next run goes through, and cleans up what the kill left
    nxt = vos_run(tmp_path)
    assert nxt.wait() == 0, nxt.stderr.read()
    assert complete(month) and not list(tmp_path.glob(".2026-03*"))


@pytest.mark.posix_only
def test_sigterm_during_a_run_keeps_the_previous_month(tmp_path):
    assert vos_run(tmp_path).wait() == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "2026-03").iterdir()}
    proc = vos_run(tmp_path)
    time.sleep(0.8)
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    after = {p.name: p.read_bytes() for p in (tmp_path / "2026-03").iterdir()}
    assert after == before or complete(tmp_path / "2026-03")


def test_full_disk_gives_a_clear_error_and_keeps_the_previous_month(tmp_path, monkeypatch):
    assert runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03", "-q"]).exit_code == 0
    before = {p.name for p in (tmp_path / "2026-03").iterdir()}
    import xlsxwriter

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    res = runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03"])
    assert res.exit_code == 2
    assert "disken är full" in res.output and "Traceback" not in res.output
    assert {p.name for p in (tmp_path / "2026-03").iterdir()} == before
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_text_file_on_a_device_that_is_full():
    from vos_cli.errors import OutputError
    from vos_cli.io.workbook import write_text_atomic
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with pytest.raises(OutputError):
        write_text_atomic(Path("/dev/full/x.txt"), "x", "utf-8")


# ---- 4. leaks ------------------------------------------------------------------------------------

def test_no_personnummer_anywhere_but_inside_the_reports(tmp_path):
    res = runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03"])
    assert res.exit_code == 0
    assert not leaks(res.output)
    assert not leaks((tmp_path / "vos-log.jsonl").read_text(encoding="utf-8"))
    assert not leaks((tmp_path / "2026-03" / "manifest.json").read_text(encoding="utf-8"))
    for p in (tmp_path / "2026-03").iterdir():
        assert p.stat().st_mode & 0o777 == 0o600, p
    assert (tmp_path / "2026-03").stat().st_mode & 0o077 == 0


def test_error_messages_mask_personnummer(tmp_path):
    p = pnr(1944, 4, 4, 44)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "besok.csv").write_text(f"{p};Datum\n{p};2026-03-01\n", encoding="utf-8")
    res = runner.invoke(app, ["check", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert p not in res.output and p[:8] + "-XXXX" in res.output


def test_every_export_has_a_reader_contract():
    assert set(EXPORTS) == {"beslut", "bestallningar", "besok", "franvaro", "maltider", "avgiftsutrymme", "enheter",
                            "utskrivningar", "erbjudanden", "inkomster"}
