"""The ledger: what each month reported, billed and paid — the only module that speaks SQL.

SQLAlchemy Core over SQLite (the default file OUTPUT/vos.sqlite, nothing to install) or any
database SQLAlchemy reaches (PostgreSQL: `[ledger] url = "postgresql+psycopg://…"`). The schema
is versioned with Alembic migrations (vos_cli/store/migrations), applied when the ledger opens.

Like a bookkeeping journal, a run's rows are never edited: a month's run is recorded whole, and a
difference found later is a correction recorded by a later month with the month it corrects.
"What was invoiced for March" is always a sum over entries (March's run + the corrections for
March recorded since). A month is in the ledger exactly when its folder is in place: a run is
recorded as *pending*, the folder is swapped in, then the run is *completed* (and the month's
earlier runs deleted); a kill in between is resolved by the next run from the folder's manifest.
"""

from __future__ import annotations

import itertools
import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from vos_cli.errors import LedgerError
from vos_cli.frames import python_values

FILE_NAME = "vos.sqlite"
INSERT_BLOCK = 20_000  # rows per executemany
LOCK_WAIT_SECONDS = 10.0  # how long to wait for another program's write to the SQLite file
PENDING, COMPLETE = "pending", "complete"
Rows = Iterable[dict[str, Any]] | pd.DataFrame  # a table's rows to record
SCHEMA = "0004"  # the newest migration in migrations/versions (a test checks it is Alembic's head)
MIGRATIONS = Path(__file__).parent / "migrations"

metadata = sa.MetaData()
runs = sa.Table("runs", metadata, sa.Column("run_id", sa.String(40), primary_key=True), sa.Column("manad", sa.String(7)),
                sa.Column("status", sa.String(12)), sa.Column("skapad", sa.String(25)), sa.Column("per", sa.String(16)),
                sa.Column("version", sa.String(20)), sa.Column("indata", sa.Text), sa.Column("parametrar", sa.Text),
                sa.Column("nyckeltal", sa.Text), sa.Column("summor", sa.Text))


def _rows_table(name: str, *cols: sa.Column) -> sa.Table:
    return sa.Table(name, metadata, sa.Column("run_id", sa.String(40)), *cols)


fee_lines = _rows_table("fee_lines", sa.Column("manad", sa.String(7)), sa.Column("pnr", sa.String(13)),
                        sa.Column("artikel", sa.String(40)), sa.Column("antal", sa.Float), sa.Column("a_pris", sa.Float),
                        sa.Column("belopp_ore", sa.BigInteger))
fee_clients = _rows_table("fee_clients", sa.Column("manad", sa.String(7)), sa.Column("pnr", sa.String(13)),
                          sa.Column("utford_tim", sa.Float), sa.Column("debiterad_tim", sa.Float),
                          sa.Column("besok", sa.Integer), sa.Column("larm", sa.Integer), sa.Column("dagv_dagar", sa.Integer),
                          sa.Column("maltider", sa.Integer), sa.Column("matlador", sa.Integer),
                          sa.Column("avgiftsutrymme", sa.Float), sa.Column("slut", sa.String(10)),
                          sa.Column("att_fakturera_ore", sa.BigInteger))
compensation = _rows_table("compensation", sa.Column("manad", sa.String(7)), sa.Column("utforare", sa.String(200)),
                           sa.Column("bestallning_id", sa.String(60)), sa.Column("pnr", sa.String(13)),
                           sa.Column("dagar", sa.Integer), sa.Column("planerad_franvaro", sa.Integer),
                           sa.Column("timmar", sa.Float), sa.Column("antal", sa.Integer), sa.Column("verkst", sa.String(10)),
                           sa.Column("slut", sa.String(10)), sa.Column("belopp_ore", sa.BigInteger))
corrections = _rows_table("corrections", sa.Column("manad", sa.String(7)), sa.Column("avser", sa.String(7)),
                          sa.Column("slag", sa.String(12)), sa.Column("pnr", sa.String(13)),
                          sa.Column("artikel", sa.String(40)), sa.Column("utforare", sa.String(200)),
                          sa.Column("bestallning_id", sa.String(60)), sa.Column("fakturerat_ore", sa.BigInteger),
                          sa.Column("korrekt_ore", sa.BigInteger), sa.Column("differens_ore", sa.BigInteger),
                          sa.Column("orsak", sa.Text))
ivo_reports = _rows_table("ivo_reports", sa.Column("kvartal", sa.String(7)), sa.Column("referensdatum", sa.String(10)),
                          sa.Column("beslut_id", sa.String(60)), sa.Column("pnr", sa.String(13)),
                          sa.Column("rapporttyp", sa.String(20)), sa.Column("insats", sa.String(100)),
                          sa.Column("datum", sa.String(10)))
statistics = _rows_table("statistics", sa.Column("manad", sa.String(7)), sa.Column("pnr", sa.String(13)),
                         sa.Column("varden", sa.Text))
invoice_batches = _rows_table("invoice_batches", sa.Column("batch_id", sa.String(40)), sa.Column("manad", sa.String(7)),
                              sa.Column("lopnr", sa.Integer), sa.Column("rader", sa.Integer),
                              sa.Column("summa_ore", sa.BigInteger), sa.Column("skickad", sa.String(25)))
invoice_lines = _rows_table("invoice_lines", sa.Column("batch_id", sa.String(40)), sa.Column("pnr", sa.String(13)),
                            sa.Column("period", sa.String(7)), sa.Column("artikel", sa.String(40)),
                            sa.Column("antal", sa.Float), sa.Column("a_pris", sa.Float),
                            sa.Column("belopp_ore", sa.BigInteger))
fee_capacity = _rows_table("fee_capacity", sa.Column("manad", sa.String(7)), sa.Column("pnr", sa.String(13)),
                           sa.Column("civilstand", sa.String(30)), sa.Column("galler_fran", sa.String(10)),
                           *[sa.Column(f"{k}_ore", sa.BigInteger) for k in ("underlag", "minimibelopp", "hojning",
                                                                            "sankning", "boende", "utrymme")])
ROW_TABLES = {t.name: t for t in (fee_lines, fee_clients, compensation, corrections, ivo_reports, statistics,
                                  invoice_batches, invoice_lines, fee_capacity)}
INVOICE_TABLES = (invoice_batches, invoice_lines)


@dataclass
class Run:
    """One month's run, as recorded."""

    run_id: str
    manad: str
    skapad: str
    per: str
    version: str
    indata: list[dict[str, Any]]
    parametrar: dict[str, Any]
    nyckeltal: dict[str, float]
    summor: dict[str, Any]


def default_url(output: Path) -> str:
    return f"sqlite:///{(output / FILE_NAME).resolve()}"


def where(url: str) -> str:
    """The ledger's location for messages, without a password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return url


def _problem(url: str, exc: BaseException) -> LedgerError:
    text = str(getattr(exc, "orig", exc) or exc).splitlines()[0][:160]
    low = text.casefold()
    if "locked" in low or "busy" in low:
        why = "liggaren är låst av ett annat program — vänta tills det är klart och kör igen"
    elif "not a database" in low or "malformed" in low or "corrupt" in low:
        why = f"liggaren är skadad ({text}) — återställ den från säkerhetskopian (docs/ledger.md)"
    elif isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        why = f"databasen går inte att nå ({text}) — kontrollera [ledger] url, nätet och behörigheten"
    else:
        why = f"databasfel ({text}) — kontrollera liggaren"
    return LedgerError(f"liggaren {where(url)}: {why}")


class Ledger:
    """The ledger behind one small interface. Open with Ledger.open(url); close when done."""

    def __init__(self, engine: sa.Engine, url: str):
        self.engine = engine
        self.url = url

    # ---- opening, schema -------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, create: bool = True) -> Ledger:
        """Connect and bring the schema to this version (migrations). A ledger written by a newer
        vos, a locked or broken database, or one that cannot be reached: LedgerError (exit 2)."""
        if url.startswith("sqlite:///") and not create and not Path(url[len("sqlite:///"):]).exists():
            raise LedgerError(f"liggaren {where(url)} finns inte — kör vos run först")
        try:
            kwargs: dict[str, Any] = {}
            if url.startswith("sqlite"):
                kwargs["connect_args"] = {"timeout": LOCK_WAIT_SECONDS}
            else:
                kwargs["pool_pre_ping"] = True
            engine = sa.create_engine(url, **kwargs)
            if url.startswith("sqlite"):
                sa.event.listen(engine, "connect", _sqlite_pragmas)
            ledger = cls(engine, url)
            ledger.migrate()
            return ledger
        except LedgerError:
            raise
        except (sa_exc.SQLAlchemyError, OSError) as exc:
            raise _problem(url, exc) from None
        except ModuleNotFoundError as exc:
            raise LedgerError(f"liggaren {where(url)}: databasdrivrutinen {exc.name} saknas — installera "
                              f"vos[postgres] (pip install 'vos[postgres]')") from None

    def migrate(self) -> None:
        """Bring the schema to SCHEMA. A ledger already there is read as one row (Alembic, which
        takes a quarter of a second to load and read its scripts, only when there is work)."""
        with self.engine.connect() as conn:
            if _stored_version(conn) == SCHEMA:
                return
        from alembic import command
        from alembic.config import Config as AlembicConfig
        from alembic.script import ScriptDirectory

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        script = ScriptDirectory.from_config(cfg)
        with self.engine.begin() as conn:
            current = _stored_version(conn)
            known = {r.revision for r in script.walk_revisions()}
            if current is not None and current not in known:
                raise LedgerError(
                    f"liggaren {where(self.url)} är skapad av en nyare version av vos (schema {current}) — "
                    f"uppdatera vos innan du kör den här månaden")
            if current != script.get_current_head():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")

    def schema_version(self) -> str | None:
        with self.engine.connect() as conn:
            return _stored_version(conn)

    def close(self) -> None:
        self.engine.dispose()

    def forked(self) -> None:
        """In a child forked from the process that opened the ledger: its own connections from now
        on, the parent's left to the parent (SQLAlchemy's advice for fork: dispose(close=False))."""
        self.engine.dispose(close=False)

    def _guard(self):
        return _Guard(self.url)

    # ---- recording a run ----------------------------------------------------------------

    def record(self, run: Run, rows: dict[str, Rows] | Iterable[tuple[str, Rows]]) -> None:
        """Insert a run as pending with all its rows, in one transaction. A table's rows come as
        dicts or as a frame with the table's column names; by name in a dict, or as (name, rows)
        pairs made one after the other (each dropped once inserted)."""
        with self._guard(), self.engine.begin() as conn:
            conn.execute(runs.insert().values(
                run_id=run.run_id, manad=run.manad, status=PENDING, skapad=run.skapad, per=run.per,
                version=run.version, indata=_json(run.indata), parametrar=_json(run.parametrar),
                nyckeltal=_json(run.nyckeltal), summor=_json(run.summor)))
            # a block of rows at a time (a nation's month records 2–3 million), each as its columns
            for name, records in rows.items() if isinstance(rows, dict) else rows:
                table = ROW_TABLES[name]
                if isinstance(records, pd.DataFrame):
                    for start in range(0, len(records), INSERT_BLOCK):
                        block = records.iloc[start:start + INSERT_BLOCK]
                        _insert(conn, table, {c: python_values(block[c]) for c in block.columns}, run.run_id)
                    block = None
                else:
                    records = iter(records)
                    while batch := list(itertools.islice(records, INSERT_BLOCK)):
                        _insert(conn, table, {k: [r[k] for r in batch] for k in batch[0]}, run.run_id)
                del records  # before the next table is made

    def complete(self, run_id: str, keep_years: int | None = None) -> None:
        """The month's folder is in place: the run becomes the month's record, replacing its earlier
        runs (and what they recorded, corrections included)."""
        with self._guard(), self.engine.begin() as conn:
            month = conn.execute(sa.select(runs.c.manad).where(runs.c.run_id == run_id)).scalar_one()
            older = [r for (r,) in conn.execute(sa.select(runs.c.run_id).where(
                (runs.c.manad == month) & (runs.c.run_id != run_id)))]
            self._delete(conn, older)
            conn.execute(runs.update().where(runs.c.run_id == run_id).values(status=COMPLETE))
            if keep_years:
                y, m = int(month[:4]) - keep_years, int(month[5:])
                old = [r for (r,) in conn.execute(sa.select(runs.c.run_id).where(runs.c.manad < f"{y:04d}-{m:02d}"))]
                self._delete(conn, old)

    def discard(self, run_id: str) -> None:
        with self._guard(), self.engine.begin() as conn:
            self._delete(conn, [run_id])

    def resolve(self, month: str, folder_run_id: str | None) -> None:
        """After a kill: a pending run of the month is complete when the month's folder holds it
        (the swap happened), else it is removed (the folder still holds the previous month)."""
        with self._guard(), self.engine.connect() as conn:
            pending = [r for (r,) in conn.execute(sa.select(runs.c.run_id).where(
                (runs.c.manad == month) & (runs.c.status == PENDING)))]
        for run_id in pending:
            if run_id == folder_run_id:
                self.complete(run_id)
            else:
                self.discard(run_id)

    @staticmethod
    def _delete(conn, run_ids: list[str]) -> None:
        """Remove runs and what they recorded — except invoice batches that were sent: those are facts."""
        if not run_ids:
            return
        sent = [b for (b,) in conn.execute(sa.select(invoice_batches.c.batch_id).where(
            invoice_batches.c.run_id.in_(run_ids) & invoice_batches.c.skickad.is_not(None)))]
        for table in ROW_TABLES.values():
            condition = table.c.run_id.in_(run_ids)
            if table in INVOICE_TABLES and sent:
                condition &= table.c.batch_id.not_in(sent)
            conn.execute(table.delete().where(condition))
        conn.execute(runs.delete().where(runs.c.run_id.in_(run_ids)))

    # ---- invoice batches ---------------------------------------------------------------

    def batches(self, month: str) -> pd.DataFrame:
        """A month's invoice batches: every sent one, and the unsent one of its recorded run."""
        b = invoice_batches
        done = sa.select(runs.c.run_id).where(runs.c.status == COMPLETE)
        query = sa.select(b.c.batch_id, b.c.manad, b.c.lopnr, b.c.rader, b.c.summa_ore, b.c.skickad, b.c.run_id).where(
            (b.c.manad == month) & (b.c.skickad.is_not(None) | b.c.run_id.in_(done))).order_by(b.c.lopnr)
        return self._select(query)

    def batch_lines(self, batch_ids: list[str]) -> pd.DataFrame:
        query = sa.select(*[c for c in invoice_lines.c if c.name != "run_id"]).where(
            invoice_lines.c.batch_id.in_(batch_ids))
        return self._select(query)

    def mark_sent(self, month: str, when: str) -> str:
        """Mark the month's latest unsent batch as sent; its id. LedgerError when there is none."""
        latest = self.batches(month)
        unsent = latest[latest["skickad"].isna()] if len(latest) else latest
        if not len(unsent):
            raise LedgerError(f"{month}: ingen osänd fakturabatch i liggaren — kör vos run --month {month} först"
                              if not len(latest) else f"{month}: batch {latest['batch_id'].iloc[-1]} är redan "
                              f"markerad som skickad ({latest['skickad'].iloc[-1]})")
        batch = unsent["batch_id"].iloc[-1]
        with self._guard(), self.engine.begin() as conn:
            conn.execute(invoice_batches.update().where(invoice_batches.c.batch_id == batch).values(skickad=when))
        return batch

    # ---- reading ---------------------------------------------------------------------------

    def run_of(self, month: str) -> Run | None:
        """The month's recorded (complete) run."""
        with self._guard(), self.engine.connect() as conn:
            row = conn.execute(sa.select(runs).where((runs.c.manad == month) & (runs.c.status == COMPLETE))).first()
        return _run(row) if row else None

    def months(self) -> list[Run]:
        with self._guard(), self.engine.connect() as conn:
            rows = conn.execute(sa.select(runs).where(runs.c.status == COMPLETE).order_by(runs.c.manad)).all()
        return [_run(r) for r in rows]

    def _frame(self, table: sa.Table, condition, order: list[str] | None = None) -> pd.DataFrame:
        query = sa.select(*[c for c in table.c if c.name != "run_id"]).join_from(
            table, runs, table.c.run_id == runs.c.run_id).where(condition & (runs.c.status == COMPLETE))
        if order:
            query = query.order_by(*[table.c[o] for o in order])
        return self._select(query)

    def _select(self, query) -> pd.DataFrame:
        """The query run on the driver's own cursor: its rows are plain tuples already (SQLAlchemy's
        Row objects cost a second per million values; the ledger's frames hold hundreds of
        thousands of rows). The columns are plain (text, integers, floats): nothing to convert."""
        with self._guard(), self.engine.connect() as conn:
            compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
            params = _driver_params(compiled)(compiled.params)
            cursor = conn.connection.driver_connection.cursor()
            try:
                cursor.execute(compiled.string, params)
                columns = [d[0] for d in cursor.description]
                rows = cursor.fetchall()
            except conn.dialect.loaded_dbapi.Error as exc:  # the driver's error, as SQLAlchemy raises it
                raise sa_exc.DBAPIError.instance(compiled.string, params, exc, conn.dialect.loaded_dbapi.Error) from exc
            finally:
                cursor.close()
        return pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)

    def fee_lines(self, month: str) -> pd.DataFrame:
        return self._frame(fee_lines, fee_lines.c.manad == month)

    def fee_clients(self, month: str) -> pd.DataFrame:
        return self._frame(fee_clients, fee_clients.c.manad == month)

    def fee_capacity(self, month: str) -> pd.DataFrame:
        """The avgiftsutrymme computed from income that the month's run recorded."""
        return self._frame(fee_capacity, fee_capacity.c.manad == month)

    def compensation(self, month: str) -> pd.DataFrame:
        return self._frame(compensation, compensation.c.manad == month)

    def corrections_for(self, month: str, recorded_before: str, kind: str) -> pd.DataFrame:
        """Corrections of `month` recorded by the months after it and before `recorded_before`."""
        c = corrections.c
        return self._frame(corrections, (c.avser == month) & (c.manad > month) & (c.manad < recorded_before)
                           & (c.slag == kind))

    def corrections_recorded(self, month: str) -> pd.DataFrame:
        return self._frame(corrections, corrections.c.manad == month, ["avser", "pnr"])

    def ivo_reported(self, before_quarter: str) -> pd.DataFrame:
        """Decisions reported to IVO in the quarters before this one, each with its last report."""
        return self._frame(ivo_reports, ivo_reports.c.kvartal < before_quarter, ["kvartal"])

    def client_lines(self, pnr: str) -> pd.DataFrame:
        return self._frame(fee_lines, fee_lines.c.pnr == pnr, ["manad"])

    def client_corrections(self, pnr: str) -> pd.DataFrame:
        return self._frame(corrections, (corrections.c.pnr == pnr) & (corrections.c.slag == "avgift"), ["manad"])


class _Guard:
    """Database errors while reading or writing become one clear line (exit 2)."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is not None and isinstance(exc, sa_exc.SQLAlchemyError):
            raise _problem(self.url, exc) from None
        return False


def _stored_version(conn) -> str | None:
    """The schema version Alembic recorded in the database (None: a new, empty ledger)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _insert(conn, table: sa.Table, columns: dict[str, list[Any]], run_id: str) -> None:
    """Rows given as their columns' values (all plain: text, integers, floats), with the run's id:
    one executemany straight to the driver, the statement compiled once by SQLAlchemy for this
    database and each row made in its parameter style — a tuple in the statement's order (SQLite's
    ?) or a dict (PostgreSQL's %(name)s). SQLAlchemy's own executemany rebuilds the parameters row
    by row (2 s for a city month's 150 000 rows), and a dict per row on the way cost as much again."""
    columns = columns | {"run_id": [run_id] * len(next(iter(columns.values())))}
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
    if compiled.positional:
        params = list(zip(*(columns[k] for k in compiled.positiontup)))
    else:
        params = [dict(zip(columns, row)) for row in zip(*columns.values())]
    conn.exec_driver_sql(compiled.string, params)


def _driver_params(compiled) -> Callable[[dict[str, Any]], tuple | dict[str, Any]]:
    """A query's named values → the driver's parameter style: a tuple in the statement's order
    (SQLite's ?), or the names themselves (PostgreSQL's %(name)s)."""
    if not compiled.positional:
        return lambda values: values
    keys = tuple(compiled.positiontup)
    if len(keys) < 2:  # an itemgetter of one key gives the value itself, not a tuple
        return lambda values: tuple(values[k] for k in keys)
    return operator.itemgetter(*keys)


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)


def _run(row) -> Run:
    m = row._mapping
    return Run(m["run_id"], m["manad"], m["skapad"], m["per"], m["version"], json.loads(m["indata"]),
               json.loads(m["parametrar"]), json.loads(m["nyckeltal"]), json.loads(m["summor"]))


def folder_run_id(month_dir: Path) -> str | None:
    """The run id in a month folder's manifest (None when there is no folder or no id)."""
    try:
        return json.loads((month_dir / "manifest.json").read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError):
        return None
