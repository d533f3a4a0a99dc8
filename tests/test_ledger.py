"""The ledger: what each month reported, corrections of earlier months, changes since last month."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import pnr
from vos_cli import sample as gen
from vos_cli import template
from vos_cli.cli import app
from vos_cli.store import ledger as store

runner = CliRunner()


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    return rows[0], rows[1:]


def write(path: Path, head: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\n").writerows([head] + rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def sheet(path: Path, name: str) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    df = pd.DataFrame(rows[1:], columns=rows[0])
    return df[df.iloc[:, 0] != "Summa"] if len(df) else df


def cut(src: Path, dst: Path, last_day: str) -> None:
    """The exports as they looked on the first days after `last_day`: nothing registered later."""
    shutil.copytree(src, dst)
    rules = {"besok.csv": ("Datum", 10), "maltider.csv": ("Månad", 7), "franvaro.csv": ("Fr.o.m.", 10),
             "beslut.csv": ("Beslutsdatum", 10), "bestallningar.csv": ("Skickad", 10)}
    for name, (col, n) in rules.items():
        head, rows = read(dst / name)
        i = head.index(col)
        write(dst / name, head, [r for r in rows if r[i][:n] <= last_day[:n]])


def run(inp: Path, out: Path, month: str, *extra: str):
    res = runner.invoke(app, ["run", "-i", str(inp), "-o", str(out), "-m", month, "-q", "--config",
                              str(inp / "vos.toml"), *extra])
    assert res.exit_code in (0, 1), res.output
    return out / month


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    """March, then April with late March visits, a changed avgiftsutrymme and a back-dated end;
    April once more; then May."""
    base = tmp_path_factory.mktemp("ledger")
    src = base / "all"
    gen.write(gen.generate(150, "2026-05", 5, months=3), src)
    (src / "vos.toml").write_text(template.render([2026], filled=True), encoding="utf-8")
    cut(src, base / "march", "2026-03-31")
    out = base / "out"
    run(base / "march", out, "2026-03")
    basis = sheet(out / "2026-03" / "avgiftsunderlag_2026-03.xlsx", "Avgiftsunderlag")
    head, orders = read(src / "bestallningar.csv")
    hem = [o for o in orders if o[head.index("Insats")] == "Hemtjänst" and not o[head.index("Slutdatum")]
           and o[head.index("Startdatum")] < "2026-02-01"]
    omf = {o[head.index("Personnummer")]: float(o[head.index("Omfattning")].replace(",", ".")) for o in hem}
    provider = {o[head.index("Personnummer")]: o[head.index("Utförare")] for o in hem}
    # (a) three visits (1.5 h) registered late for a client with that much granted time left
    x = next(r["Personnummer"] for r in basis.to_dict("records") if r["Personnummer"] in omf
             and 0 < r["Utförd tid hemtjänst (tim)"] < omf[r["Personnummer"]] - 1.6)
    # (b) an avgiftsutrymme lowered by 500 kr for a client capped by it
    y = next(r["Personnummer"] for r in basis.to_dict("records") if r["Begränsad av"] == "avgiftsutrymme"
             and (r["Avgiftsutrymme (kr)"] or 0) >= 600 and r["Personnummer"] != x)
    # (c) an order ended back-dated to 15 March
    vhead, visits = read(src / "besok.csv")
    late = {v[0] for v in visits if "2026-03-20" <= v[2] <= "2026-03-31" and v[4] == "Hemtjänst"}
    z = next(o for o in hem if o[head.index("Personnummer")] in late - {x, y})
    z_id = z[head.index("Beställnings-ID")]

    def modify(folder: Path) -> None:
        vh, vs = read(folder / "besok.csv")
        vs += [[x, provider[x], f"2026-03-{d}", "30", "Hemtjänst"] for d in (10, 11, 12)]
        write(folder / "besok.csv", vh, vs)
        uh, us = read(folder / "avgiftsutrymme.csv")
        write(folder / "avgiftsutrymme.csv", uh, [[p, str(float(a) - 500) if p == y else a] for p, a in us])
        oh, os_ = read(folder / "bestallningar.csv")
        for o in os_:
            if o[oh.index("Beställnings-ID")] == z_id:
                o[oh.index("Slutdatum")] = "2026-03-15"
        write(folder / "bestallningar.csv", oh, os_)

    cut(src, base / "april", "2026-04-30")
    modify(base / "april")
    april = run(base / "april", out, "2026-04")
    first_april = {f: sheet(april / f, "Rättelser") for f in ("avgiftsunderlag_2026-04.xlsx", "ersattning_2026-04.xlsx")}
    again = run(base / "april", out, "2026-04")
    shutil.copytree(src, base / "may")
    modify(base / "may")
    may = run(base / "may", out, "2026-05")
    return {"base": base, "out": out, "x": x, "y": y, "z": z_id, "first_april": first_april, "april": again,
            "may": may}


def test_april_corrects_march_exactly_by_the_differences(months):
    base, out = months["base"], months["out"]
    oracle = base / "oracle"
    for command in ("fees", "compensation"):  # March recomputed from April's exports, with no ledger
        res = runner.invoke(app, [command, "-i", str(base / "april"), "-o", str(oracle), "-m", "2026-03", "--config",
                                  str(base / "april" / "vos.toml")])
        assert res.exit_code in (0, 1), res.output
    key = ["Personnummer", "Artikel"]
    was = sheet(out / "2026-03" / "avgiftsunderlag_2026-03.xlsx", "Artiklar").groupby(key)["Belopp (kr)"].sum()
    now = sheet(oracle / "avgiftsunderlag_2026-03.xlsx", "Artiklar").groupby(key)["Belopp (kr)"].sum()
    diff = now.sub(was, fill_value=0).round(2)
    expected = diff[diff != 0]
    got = sheet(months["april"] / "avgiftsunderlag_2026-04.xlsx", "Rättelser")
    assert list(got.columns[:7]) == ["Personnummer", "Månad", "Artikel", "Fakturerat (kr)", "Korrekt (kr)",
                                     "Differens (kr)", "Orsak"]
    assert (got["Månad"] == "2026-03").all()
    assert got.set_index(key)["Differens (kr)"].round(2).sort_index().to_dict() == expected.sort_index().to_dict()
    assert {months["x"], months["y"]} <= set(got["Personnummer"])
    causes = got.set_index(key)["Orsak"]
    assert causes[(months["x"], "Hemtjänst")].startswith("3 besök registrerade efter körningen")
    assert "avgiftsutrymme ändrat" in causes[(months["y"], "Reducering till avgiftstak")] and "→" in \
        causes[(months["y"], "Reducering till avgiftstak")]
    # provider pay, per provider and order
    pkey = ["Utförare", "Beställnings-ID", "Personnummer"]
    paid = pd.concat([sheet(out / "2026-03" / "ersattning_2026-03.xlsx", "Per beställning")[pkey + ["Ersättning tid (kr)"]]
                      .rename(columns={"Ersättning tid (kr)": "kr"}),
                      sheet(out / "2026-03" / "ersattning_2026-03.xlsx", "Matlådor").assign(**{"Beställnings-ID": ""})
                      [pkey + ["Ersättning (kr)"]].rename(columns={"Ersättning (kr)": "kr"})])
    right = pd.concat([sheet(oracle / "ersattning_2026-03.xlsx", "Per beställning")[pkey + ["Ersättning tid (kr)"]]
                       .rename(columns={"Ersättning tid (kr)": "kr"}),
                       sheet(oracle / "ersattning_2026-03.xlsx", "Matlådor").assign(**{"Beställnings-ID": ""})
                       [pkey + ["Ersättning (kr)"]].rename(columns={"Ersättning (kr)": "kr"})])
    cdiff = right.groupby(pkey)["kr"].sum().sub(paid.groupby(pkey)["kr"].sum(), fill_value=0).round(2)
    comp = sheet(months["april"] / "ersattning_2026-04.xlsx", "Rättelser")
    assert list(comp.columns[:8]) == ["Utförare", "Beställnings-ID", "Personnummer", "Månad", "Utbetalt (kr)",
                                      "Korrekt (kr)", "Differens (kr)", "Orsak"]
    comp["Beställnings-ID"] = comp["Beställnings-ID"].fillna("")
    assert comp.set_index(pkey)["Differens (kr)"].round(2).sort_index().to_dict() == cdiff[cdiff != 0].sort_index().to_dict()
    assert comp.set_index("Beställnings-ID").loc[months["z"], "Orsak"] in ("beslut avslutat retroaktivt",) or \
        "slutdatum" in comp.set_index("Beställnings-ID").loc[months["z"], "Orsak"]


def test_running_april_again_changes_nothing(months):
    for f, first in months["first_april"].items():
        assert sheet(months["april"] / f, "Rättelser").equals(first), f
    book = store.Ledger.open(store.default_url(months["out"]), create=False)
    try:
        assert [r.manad for r in book.months()] == ["2026-03", "2026-04", "2026-05"]  # one run per month
        assert len(book.corrections_recorded("2026-04")) == len(months["first_april"]["avgiftsunderlag_2026-04.xlsx"]) + \
            len(months["first_april"]["ersattning_2026-04.xlsx"])
    finally:
        book.close()


def test_may_repeats_no_correction(months):
    fees = sheet(months["may"] / "avgiftsunderlag_2026-05.xlsx", "Rättelser")
    comp = sheet(months["may"] / "ersattning_2026-05.xlsx", "Rättelser")
    assert fees.empty and comp.empty
    about = [r[1] for r in openpyxl.load_workbook(months["may"] / "avgiftsunderlag_2026-05.xlsx")["Om rapporten"]
             .iter_rows(values_only=True) if r and r[0] == "Obs"]
    assert any("2026-02 finns inte i liggaren" in str(n) for n in about)  # before the ledger: not corrected


def test_changes_since_last_month_add_up(months):
    out = months["out"]
    ch = sheet(months["april"] / "avgiftsunderlag_2026-04.xlsx", "Förändringar")
    assert list(ch.columns[:5]) == ["Personnummer", "Förra månaden (kr)", "Denna månad (kr)", "Differens (kr)", "Orsak"]
    march = sheet(out / "2026-03" / "avgiftsunderlag_2026-03.xlsx", "Avgiftsunderlag")["Att fakturera (kr)"].sum()
    april = sheet(months["april"] / "avgiftsunderlag_2026-04.xlsx", "Avgiftsunderlag")["Att fakturera (kr)"].sum()
    assert round(ch["Differens (kr)"].sum(), 2) == round(april - march, 2)
    assert set(ch["Orsak"]) & {"ny i avgiftsunderlaget", "inte längre i avgiftsunderlaget (avslutad)"} or len(ch)


def test_the_quarter_end_records_the_ivo_report_and_the_trend_reads_the_ledger(months):
    book = store.Ledger.open(store.default_url(months["out"]), create=False)
    try:
        reported = book.ivo_reported("2026-Q2")
        ivo = sheet(months["out"] / "2026-03" / "ej_verkstallda_2026-03-31.xlsx", "IVO-rapport")
        assert len(reported) == len(ivo) and set(reported["kvartal"]) <= {"2026-Q1"}
        assert book.ivo_reported("2026-Q1").empty  # April and May are no quarter's end
    finally:
        book.close()
    trend = sheet(months["may"] / "oversikt_2026-05.xlsx", "Trend")
    assert trend["Månad"].tolist() == ["2026-03", "2026-04", "2026-05"]


def test_history_lists_the_months_and_one_clients_lines_masked(months, tmp_path):
    x = months["x"]
    res = runner.invoke(app, ["history", "-o", str(months["out"]), "--pnr", x])
    assert res.exit_code == 0, res.output
    assert "2026-03" in res.output and "2026-05" in res.output and x not in res.output and x[:8] + "-XXXX" in res.output
    assert "3 besök registrerade" in res.output
    wb = openpyxl.load_workbook(months["out"] / "historik_brukare.xlsx")
    assert wb["Avgiftsrader"]["B2"].value == x  # in full, for staff
    assert [r[0] for r in wb["Månader"].iter_rows(min_row=2, values_only=True) if r[0] != "Summa"] == \
        ["2026-03", "2026-04", "2026-05"]


# ---- faults -------------------------------------------------------------------------------------


@pytest.fixture
def one_month(tmp_path):
    src = tmp_path / "in"
    gen.write(gen.generate(60, "2026-03", 2), src)
    (src / "vos.toml").write_text(template.render([2026], filled=True), encoding="utf-8")
    out = tmp_path / "out"
    run(src, out, "2026-03")
    return src, out


def _runs_again(src: Path, out: Path, *extra: str):
    before = (out / "2026-03" / "manifest.json").read_bytes()
    res = runner.invoke(app, ["run", "-i", str(src), "-o", str(out), "-m", "2026-03", "--config", str(src / "vos.toml"),
                              *extra])
    assert (out / "2026-03" / "manifest.json").read_bytes() == before  # the month folder was not swapped
    assert not list(out.glob(".2026-03*"))
    return res


def test_a_ledger_from_a_newer_vos_stops_the_run(one_month):
    src, out = one_month
    with sqlite3.connect(out / store.FILE_NAME) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    res = _runs_again(src, out)
    assert res.exit_code == 2 and "nyare version av vos" in res.output and len(res.output.strip().splitlines()) == 1


def test_a_broken_ledger_stops_the_run(one_month):
    src, out = one_month
    (out / store.FILE_NAME).write_bytes(b"this is not a database" * 100)
    res = _runs_again(src, out)
    assert res.exit_code == 2 and "liggaren" in res.output and "Traceback" not in res.output


def test_a_locked_ledger_stops_the_run(one_month, monkeypatch):
    src, out = one_month
    monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 0.2)
    holder = sqlite3.connect(out / store.FILE_NAME, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        res = _runs_again(src, out)
    finally:
        holder.rollback()
        holder.close()
    assert res.exit_code == 2 and "låst" in res.output


def test_a_database_that_cannot_be_reached_stops_the_run(one_month):
    src, out = one_month
    res = _runs_again(src, out, "--ledger", "postgresql+psycopg://vos:hemligt@127.0.0.1:9/vos")
    assert res.exit_code == 2 and "går inte att nå" in res.output and "hemligt" not in res.output


def test_a_failure_after_recording_leaves_the_ledger_as_it_was(one_month, monkeypatch):
    src, out = one_month
    book = store.Ledger.open(store.default_url(out), create=False)
    was = book.run_of("2026-03").run_id
    book.close()
    from vos_cli import batch

    def blocked(new, final):
        raise batch.OutputError("simulated: the swap failed")

    monkeypatch.setattr(batch, "swap_into_place", blocked)
    res = _runs_again(src, out)
    assert res.exit_code == 2
    book = store.Ledger.open(store.default_url(out), create=False)
    try:
        assert book.run_of("2026-03").run_id == was and len(book.months()) == 1
    finally:
        book.close()


def _tables(ledger: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(ledger) as db:
        out = {}
        for table in store.ROW_TABLES:
            cols = [c[1] for c in db.execute(f"PRAGMA table_info({table})") if c[1] not in ("id", "run_id")]
            out[table] = sorted(db.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
        return out


def test_rows_recorded_a_block_at_a_time_are_the_rows(one_month, tmp_path, monkeypatch):
    """A nation's month is recorded a block of rows at a time (never millions of rows made at once):
    in blocks of two rows the ledger holds exactly the rows of the one-block run — none lost at a
    block's edge, none twice."""
    src, out = one_month
    whole = _tables(out / store.FILE_NAME)
    assert sum(map(len, whole.values())) > 100
    monkeypatch.setattr(store, "INSERT_BLOCK", 2)
    small = tmp_path / "small"
    run(src, small, "2026-03")
    assert _tables(small / store.FILE_NAME) == whole


def test_migrations_from_the_first_version_keep_the_data(tmp_path):
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(store.MIGRATIONS))
    revisions = [r.revision for r in reversed(list(ScriptDirectory.from_config(cfg).walk_revisions()))]
    assert revisions[0] == "0001"
    url = f"sqlite:///{tmp_path / 'v.sqlite'}"
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(sa.text("INSERT INTO runs VALUES ('r1','2026-01','complete','x','x','0.1.0','[]','{}','{}','{}')"))
        conn.execute(sa.text("INSERT INTO fee_lines VALUES ('r1','2026-01',:p,'Hemtjänst',2.0,435.0,87000)"),
                     {"p": pnr(1940, 1, 1)})
    engine.dispose()
    book = store.Ledger.open(url)  # brings it to the head, step by step
    try:
        assert book.schema_version() == revisions[-1] == store.SCHEMA  # SCHEMA names the newest migration
        assert book.fee_lines("2026-01")["belopp_ore"].tolist() == [87000]
    finally:
        book.close()


def test_a_months_rows_are_read_through_an_index(tmp_path):
    """A run reads back the fee lines, fee clients and compensation of the months it corrects by
    month: through an index (schema 0004), not a scan of every month of ten years."""
    import sqlalchemy as sa

    book = store.Ledger.open(f"sqlite:///{tmp_path / 'v.sqlite'}", create=True)
    try:
        for table in (store.fee_lines, store.fee_clients, store.compensation):
            query = sa.select(*table.c).join_from(table, store.runs, table.c.run_id == store.runs.c.run_id).where(
                (table.c.manad == "2026-03") & (store.runs.c.status == store.COMPLETE))
            with book.engine.connect() as conn:
                compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
                plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all())
            assert f"USING INDEX ix_{table.name}_manad" in plan, plan
    finally:
        book.close()


def test_postgresql_for_real(tmp_path):
    """The same month and corrections on PostgreSQL (a throw-away server from the pgserver package)."""
    pgserver = pytest.importorskip("pgserver", reason="pgserver is not installed")
    try:
        server = pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")
    except Exception as exc:  # noqa: BLE001 - any failure to start a server here is a skip, said so
        pytest.skip(f"PostgreSQL could not start here: {exc}")
    try:
        url = server.get_uri().replace("postgresql://", "postgresql+psycopg://")
        src = tmp_path / "in"
        gen.write(gen.generate(60, "2026-04", 4, months=2), src)
        (src / "vos.toml").write_text(template.render([2026], filled=True), encoding="utf-8")
        cut(src, tmp_path / "march", "2026-03-31")
        run(tmp_path / "march", tmp_path / "pg-out", "2026-03", "--ledger", url)
        run(tmp_path / "march", tmp_path / "lite-out", "2026-03")
        april_pg = run(src, tmp_path / "pg-out", "2026-04", "--ledger", url)
        april_lite = run(src, tmp_path / "lite-out", "2026-04")
        for f in ("avgiftsunderlag_2026-04.xlsx", "ersattning_2026-04.xlsx"):
            assert sheet(april_pg / f, "Rättelser").equals(sheet(april_lite / f, "Rättelser"))
        book = store.Ledger.open(url)
        try:
            assert [r.manad for r in book.months()] == ["2026-03", "2026-04"]
        finally:
            book.close()
        assert not (tmp_path / "pg-out" / store.FILE_NAME).exists()
    finally:
        server.cleanup()


def test_the_invoice_file_carries_the_corrections_with_the_month_they_correct(months):
    april = months["april"]
    lines = pd.read_csv(april / "fakturaunderlag_2026-04.csv", sep=";", decimal=",", dtype={"Period": str})
    fixes = sheet(april / "avgiftsunderlag_2026-04.xlsx", "Rättelser")
    march = lines[lines["Period"] == "2026-03"]
    net = fixes.groupby("Personnummer")["Differens (kr)"].sum().round(2)
    invoiced = net[net != 0]  # (a client whose corrections net to 0 kr gets no invoice line)
    assert round(march["Belopp"].sum(), 2) == round(invoiced.sum(), 2)
    assert set(march["Personnummer"]) == set(invoiced.index)
    assert (march["Antal"] == 1).all()


@settings(deadline=None, max_examples=80)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(-5, 10**6)), st.one_of(st.none(), st.floats(allow_nan=False,
                                                                                                     width=32)),
                          st.one_of(st.none(), st.sampled_from(["Man", "Kvinna", "ä\\\"x", ""]))), max_size=20))
def test_the_statistics_rows_json_is_json_dumps_of_each_row(rows):
    """The ledger's statistics rows are made a column at a time (batch.json_objects); each is the
    text json.dumps gives for the row's dict (ensure_ascii=False), a missing value null."""
    from vos_cli.batch import json_objects
    frame = pd.DataFrame({"Ålder": pd.array([r[0] for r in rows], dtype="Int64"),
                          "HTJTIM": pd.Series([r[1] for r in rows], dtype="float64"),
                          "Kön": pd.Series([r[2] for r in rows], dtype="str"),
                          "PERIOD": "202603"})
    expected = [json.dumps({"Ålder": a, "HTJTIM": None if h is None else float(h), "Kön": k, "PERIOD": "202603"},
                           ensure_ascii=False) for a, h, k in rows]
    assert json_objects(frame).tolist() == expected
