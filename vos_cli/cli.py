"""The `vos` commands: parse options, call the rules and reports, render. Exit codes live here.

0 done, nothing rejected · 1 done, rows rejected · 2 input or usage error · 3 internal error.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vos_cli import __version__, svenska
from vos_cli import config as config_mod
from vos_cli import platform as osl
from vos_cli.errors import EXIT_INTERNAL, EXIT_OK, EXIT_REJECTED, VosError
from vos_cli.io.contract import Col, Kind
from vos_cli.io.inputs import Inputs, load_inputs
from vos_cli.io.workbook import Report, write_report
from vos_cli.period import make_period
from vos_cli.personnummer import mask
from vos_cli.reports.common import finish, prepare

app = typer.Typer(
    cls=svenska.Group,
    name="vos",
    help="vos — månadens regler och rapporter för vård och omsorg (hemtjänst, dagverksamhet, LSS).",
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)
_state = {"debug": False, "quiet": False}
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


# ---- one place for messages and exit codes ------------------------------------------------


def say(text: str) -> None:
    """Every terminal line goes through here: personnummer masked, nothing when --quiet."""
    if not _state["quiet"]:
        out.print(mask(text), markup=False)


def say_table(table: Table) -> None:
    """Tables too: rendered, then masked (the mask keeps the width, so the frame stays intact)."""
    if not _state["quiet"]:
        with out.capture() as captured:
            out.print(table)
        out.print(mask(captured.get()), markup=False, end="")


def fail(message: str) -> None:
    err.print(f"vos: fel: {mask(message)}", markup=False)


def debug_traceback() -> None:
    """With --debug: the full traceback, personnummer masked like every other line."""
    if _state["debug"]:
        err.print(mask(traceback.format_exc()), markup=False, end="")


def handle_errors(fn: Callable[..., int]) -> Callable[..., None]:
    """Map typed errors to one line on stderr and their exit code; anything else is exit 3."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> None:
        try:
            code = fn(*args, **kwargs)
        except VosError as exc:
            debug_traceback()
            fail(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the last net: a clear line, no locals
            debug_traceback()
            fail(f"internt fel ({type(exc).__name__}: {exc}) — kör igen med --debug och rapportera felet")
            raise typer.Exit(EXIT_INTERNAL) from None
        raise typer.Exit(code or EXIT_OK)

    return wrapper


# ---- options every command shares -------------------------------------------------------

InputOpt = Annotated[Path | None, typer.Option("--input", "-i", help="Mapp med exporterna (beslut.csv, bestallningar.xlsx, …).")]
OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="Mapp där rapporterna skrivs.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML med taxor, ersättningar, rubrikalias och regelparametrar.")]
MonthOpt = Annotated[str | None, typer.Option("--month", "-m", help="Månad ÅÅÅÅ-MM (standard: föregående månad).")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Bedömningstidpunkt ÅÅÅÅ-MM-DD[THH:MM] (standard: månadens sista dag 23:59).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Skriv bara ut fel.")]
LedgerOpt = Annotated[str | None, typer.Option(
    "--ledger", help="Liggarens databas-URL (standard: [ledger] url, annars OUTPUT/vos.sqlite).")]


def _file_opt(name: str):
    return Annotated[Path | None, typer.Option(f"--{name}", help=f"Filen för {name} (ersätter den i --input).")]


BeslutOpt = _file_opt("beslut")
BestOpt = _file_opt("bestallningar")
BesokOpt = _file_opt("besok")
FranvaroOpt = _file_opt("franvaro")
MaltiderOpt = _file_opt("maltider")
UtrymmeOpt = _file_opt("avgiftsutrymme")
EnheterOpt = _file_opt("enheter")
UtskrivningarOpt = _file_opt("utskrivningar")
ErbjudandenOpt = _file_opt("erbjudanden")
InkomsterOpt = _file_opt("inkomster")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"vos {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Visa version.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Visa hela felspårningen vid fel.")] = False,
) -> None:
    """vos läser kommunens exporter och skriver månadens Excelrapporter på svenska."""
    _state["debug"] = debug


def _prepare(month: str | None, as_of: str | None, config_path: Path | None, quiet: bool):
    _state["quiet"] = quiet
    period = make_period(month, as_of)
    return period, config_mod.load(config_path)


def _report_rows(inputs: Inputs) -> None:
    table = Table(title="Indata", title_justify="left")
    for col in ("Fil", "Lästa", "Använda", "Avvisade"):
        table.add_column(col, justify="left" if col == "Fil" else "right")
    for r in inputs.files():
        table.add_row(r.path.name, str(r.read), str(r.used), str(r.n_rejected))
    say_table(table)


def _finish(report: Report, output: Path, inputs: Inputs) -> int:
    path = write_report(report, output)
    say(f"Skrev {path.resolve()}")
    if report.companions:
        say(f"Skrev {len(report.companions)} underlag, ett per utförare: "
            + ", ".join(c.filename for c in report.companions[:3]) + (" …" if len(report.companions) > 3 else ""))
    for name, _text, _ in report.attachments:
        say(f"Skrev {(output / name).resolve()}")
    if inputs.n_rejected:
        say(f"{inputs.n_rejected} rader avvisades — se bladet 'Avvisade rader'.")
    warnings = report.warnings if report.warnings is not None else inputs.warnings
    for fil, text in zip(warnings[Col.FIL].head(10), warnings[Col.VARNING].head(10)) if len(warnings) else []:
        say(f"Varning: {fil}: {text}" if isinstance(fil, str) and fil else f"Varning: {text}")
    if len(warnings) > 10:
        say(f"… och {len(warnings) - 10} varningar till — se bladet 'Varningar'.")
    return EXIT_REJECTED if report.needs_look else EXIT_OK


def _counts(title: str, counts: dict) -> None:
    """A two-column summary table; a title "Name (unit)" heads the value column with the unit."""
    head, _, unit = title.partition(" (")
    table = Table(title=head, title_justify="left")
    table.add_column("")
    table.add_column(unit.rstrip(")") or "Antal", justify="right")
    for k, v in counts.items():
        table.add_row(str(k), show(k, v))
    say_table(table)


def show(key: object, value: object) -> str:
    """Amounts in Swedish form with öre; whole counts without decimals."""
    if isinstance(value, float):
        if str(key).endswith("(kr)") or not value.is_integer():
            return kr(value)
        return str(int(value))
    return str(value)


def kr(value: float) -> str:
    """1234567.8 → '1 234 567,80', as Swedish staff read amounts."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


# ---- commands ----------------------------------------------------------------------------


def _history(inputs: Inputs, period, cfg, output: Path, ledger: str | None) -> None:
    """A report that uses the ledger reads it when there is one (it never creates one)."""
    from vos_cli import batch, history
    from vos_cli.store.ledger import FILE_NAME, Ledger

    url = batch.ledger_url(cfg, output, ledger)
    if not ledger and not cfg.ledger.get("url") and not (output / FILE_NAME).exists():
        return
    book = Ledger.open(url, create=bool(ledger or cfg.ledger.get("url")))
    try:
        inputs.history = history.gather(book, inputs, period, cfg)
    finally:
        book.close()


def _run_report(module, input, output, config, month, as_of, quiet, files, ledger=None) -> int:
    if hasattr(module, "default_as_of"):  # a report on one reference day (the LSS statistics)
        as_of = as_of or module.default_as_of()
        month = month or as_of[:7]
    period, cfg = _prepare(month, as_of, config, quiet)
    for section in getattr(module, "MONEY", ()):  # no kronor at tariffs nobody set
        cfg.require(period.year, section)
    inputs = load_inputs(input, cfg, period.last, module.NEEDED, module.OPTIONAL, files)
    _report_rows(inputs)
    if getattr(module, "COVERAGE", True):
        prepare(inputs, period, cfg)
    if getattr(module, "HISTORY", False):
        _history(inputs, period, cfg, output, ledger)
    report, summary = module.build(inputs, period, cfg)
    finish(report, inputs)
    for title, counts in summary.items():
        if isinstance(counts, list):  # lines to say as they are (what the user must do next)
            for line in counts:
                say(line)
        else:
            _counts(title, counts)
    return _finish(report, output, inputs)


def report_command(name: str, module_name: str, doc: str) -> None:
    """Register a report command; every one shares the same options, defined once here."""

    def command(
        input: InputOpt = None,
        output: OutputOpt = Path("vos-output"),
        config: ConfigOpt = None,
        month: MonthOpt = None,
        as_of: AsOfOpt = None,
        quiet: QuietOpt = False,
        beslut: BeslutOpt = None,
        bestallningar: BestOpt = None,
        besok: BesokOpt = None,
        franvaro: FranvaroOpt = None,
        maltider: MaltiderOpt = None,
        avgiftsutrymme: UtrymmeOpt = None,
        enheter: EnheterOpt = None,
        utskrivningar: UtskrivningarOpt = None,
        erbjudanden: ErbjudandenOpt = None,
        inkomster: InkomsterOpt = None,
        ledger: LedgerOpt = None,
    ) -> int:
        import importlib

        module = importlib.import_module(f"vos_cli.reports.{module_name}")
        files = dict(beslut=beslut, bestallningar=bestallningar, besok=besok, franvaro=franvaro,
                     maltider=maltider, avgiftsutrymme=avgiftsutrymme, enheter=enheter, utskrivningar=utskrivningar,
                     erbjudanden=erbjudanden, inkomster=inkomster)
        return _run_report(module, input, output, config, month, as_of, quiet, files, ledger)

    command.__doc__ = doc
    command.__name__ = name.replace("-", "_")
    app.command(name, cls=svenska.Command)(handle_errors(command))


report_command("check", "check", """Läs alla exporter och lista avvisade rader och varningar.

    Exempel: vos check --input sample_data --month 2026-03
    """)
report_command("execution-dates", "execution", """Verkställighetsdatum (första utförda besöket) och 24-timmarsbekräftelser.

    Exempel: vos execution-dates --input sample_data --month 2026-03
    """)


@app.command(cls=svenska.Command)
@handle_errors
def sample(
    output: Annotated[Path, typer.Option("--output", "-o", help="Mapp att skriva exporterna i.")] = Path("sample_data"),
    clients: Annotated[int, typer.Option("--clients", "-n", min=1, help="Antal brukare.")] = 200,
    month: MonthOpt = None,
    seed: Annotated[int, typer.Option("--seed", help="Slumpfrö; samma frö ger samma data.")] = 1,
    months: Annotated[int, typer.Option("--months", min=1, max=24,
                                        help="Antal månader med besök, frånvaro och måltider (månaden och de före).")] = 1,
    quiet: QuietOpt = False,
) -> int:
    """Skapa en syntetisk kommun (påhittade brukare) att prova vos på.

    Exempel: vos sample --clients 200 --month 2026-03 --seed 1 --output sample_data
    """
    import pandas as pd

    from vos_cli import sample as gen
    from vos_cli import template
    from vos_cli.io.workbook import write_text_atomic
    from vos_cli.period import month_bounds, previous_month

    _state["quiet"] = quiet
    month = month or previous_month()
    month_bounds(month)
    counts = gen.write(gen.generate(clients, month, seed, months), output)
    first_year = int(str(pd.Period(month, "M") - (months - 1))[:4])
    write_text_atomic(output / "vos.toml", template.render(list(range(first_year, int(month[:4]) + 1)), filled=True))
    say(f"Skrev syntetiska exporter för {month} till {output}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    say(f"Skrev {output / 'vos.toml'} (den påhittade kommunens taxor och ersättningar)")
    return EXIT_OK


@app.command(cls=svenska.Command)
@handle_errors
def init(
    folder: Annotated[Path, typer.Argument(help="Mapp att skriva vos.toml i.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Skriv över en befintlig vos.toml.")] = False,
    quiet: QuietOpt = False,
) -> int:
    """Skriv en kommenterad mall för kommunens inställningar (vos.toml) med alla nycklar.

    Kommunens taxor och ersättningar står bortkommenterade: fyll i dem innan vos avgifter,
    vos ersattning eller vos run används. Ange sedan filen med --config eller VOS_CONFIG.

    Exempel: vos init /etc/vos
    """
    import datetime as dt

    from vos_cli import template
    from vos_cli.errors import UsageError
    from vos_cli.io.workbook import write_text_atomic

    _state["quiet"] = quiet
    path = folder / "vos.toml"
    if path.exists() and not force:
        raise UsageError(f"{path.resolve()}: finns redan — redigera den, ange en annan mapp eller använd --force")
    year = dt.date.today().year
    write_text_atomic(path, template.render([year - 1, year]))
    say(f"Skrev {path.resolve()} — fyll i [tariffs.{year}] och [rates.{year}] och ange filen med --config eller VOS_CONFIG")
    return EXIT_OK


report_command("end-dates", "endings", """Femdagarsregeln: justerat slutdatum och oplanerad frånvaro vid avslut.

    Exempel: vos end-dates --input sample_data --month 2026-03
    """)
report_command("compensation", "compensation", """Ersättning till utförare: beviljad tid minus planerad frånvaro, matlådor.

    Exempel: vos compensation --input sample_data --month 2026-03 --config vos.toml
    """)
report_command("non-executed", "waiting", """Beslut som inte verkställts inom tre månader: IVO-rapport och sammanställning för KF.

    --as-of är referensdatumet (standard: månadens sista dag), t.ex. kvartalets sista dag.

    Exempel: vos non-executed --input sample_data --month 2026-03
    """)
report_command("fees", "fees", """Avgiftsunderlag: utförd tid, dagverksamhet, larm, måltider, omsorgsavgift under maxtaxan; nya och avslutade.

    Exempel: vos fees --input sample_data --month 2026-03 --config vos.toml
    """)
report_command("avgiftsutrymme", "avgiftsutrymme", """Avgiftsutrymme ur inkomster, boendekostnad och hushåll (32 kap. 5–10 §§), varje steg i ord.

    Skriver avgiftsberakning_ÅÅÅÅ-MM.xlsx: Avgiftsutrymme, Ändringar (mot förra månaden), Att kontrollera.

    Exempel: vos avgiftsutrymme --input sample_data --month 2026-03 --config vos.toml
    """)
report_command("statistics", "statistics", """Socialstyrelsens individstatistik: Bilaga 1 och 2, variabler per person, sammanställning.

    Exempel: vos statistics --input sample_data --month 2026-03
    """)


report_command("day-activity", "day_activity", """Dagverksamhet: deltagarlista, gemensam kö, lediga platser och förslag på erbjudanden.

    Exempel: vos day-activity --input sample_data --month 2026-03
    """)
report_command("lss-statistics", "lss_statistics", """Socialstyrelsens årliga LSS-statistik: varje LSS 9 §-insats som gäller 1 oktober.

    --as-of är referensdagen (1 oktober); --month behövs inte.

    Exempel: vos lss-statistics --input sample_data --as-of 2026-10-01
    """)


@app.command(cls=svenska.Command)
@handle_errors
def run(
    input: Annotated[Path, typer.Option("--input", "-i", help="Mapp med exporterna.")],
    output: OutputOpt = Path("vos-output"),
    config: ConfigOpt = None,
    month: MonthOpt = None,
    as_of: AsOfOpt = None,
    quiet: QuietOpt = False,
    ledger: LedgerOpt = None,
) -> int:
    """Månadskörningen: läs alla exporter en gång och skriv alla rapporter till OUTPUT/ÅÅÅÅ-MM/ med manifest.json.

    Exempel: vos run --input /data/export --output /data/vos --month 2026-03
    """
    from vos_cli import batch

    period, cfg = _prepare(month, as_of, config, quiet)
    interactive = sys.stdout.isatty() and not quiet
    if interactive:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=out, transient=True) as bar:
            task = bar.add_task("vos run", total=None)
            result = batch.run(input, output, period, cfg, lambda step: bar.update(task, description=step),
                               ledger=ledger)
    else:
        result = batch.run(input, output, period, cfg, ledger=ledger)
    _run_summary(result)
    return result.exit_code


def _run_summary(result) -> None:
    table = Table(title=f"Månaden {result.manifest['period']} — {result.month_dir}", title_justify="left")
    for col in ("Rapport", "Rader", "Att notera"):
        table.add_column(col, justify="right" if col == "Rader" else "left")
    todo: list[str] = []
    for step in result.steps:
        notes = []
        for values in step.summary.values():
            if isinstance(values, list):
                todo += values
                continue
            notes += [f"{k}: {show(k, v)}" for k, v in values.items() if v not in (0, 0.0, "")]
        table.add_row(step.name, str(step.rows), "; ".join(notes[:2]) or "inget att notera")
    say_table(table)
    for line in todo:
        say(line)
    rows = result.manifest["rader"]
    say(f"Indata: {rows['lästa']} rader lästa, {rows['använda']} använda, {rows['avvisade']} avvisade. "
        f"Manifest: {result.month_dir / 'manifest.json'}")


@app.command(cls=svenska.Command)
@handle_errors
def overview(
    output: OutputOpt = Path("vos-output"),
    month: MonthOpt = None,
    quiet: QuietOpt = False,
) -> int:
    """Bygg om månadsöversikten (oversikt_ÅÅÅÅ-MM.xlsx) ur månadsmapparna i --output.

    Exempel: vos overview --output vos-output --month 2026-03
    """
    from vos_cli import batch
    from vos_cli.reports import overview as report

    period, _ = _prepare(month, None, None, quiet)
    month_dir = output / period.label
    if not month_dir.is_dir():
        raise VosError(f"{month_dir}: månadsmappen finns inte — kör först vos run --month {period.label}")
    from vos_cli import history
    from vos_cli.store.ledger import FILE_NAME, Ledger

    with batch.lock(output):
        frames, files = report.frames_from_folder(month_dir)
        trend = None
        if (output / FILE_NAME).exists():
            book = Ledger.open(batch.ledger_url(config_mod.Config(), output), create=False)
            try:
                trend = history.trend(book, period.label)
            finally:
                book.close()
        ov, figures = report.build(frames, files, period, output, trend)
        path = write_report(ov, month_dir)
        batch.update_manifest(month_dir, path, report.figures_dict(figures))
    say(f"Skrev {path}")
    _counts("Nyckeltal", report.figures_dict(figures))
    return EXIT_OK


@app.command(cls=svenska.Command)
@handle_errors
def invoice(
    output: OutputOpt = Path("vos-output"),
    config: ConfigOpt = None,
    ledger: LedgerOpt = None,
    month: MonthOpt = None,
    mark_sent: Annotated[str | None, typer.Option("--mark-sent", metavar="ÅÅÅÅ-MM", help=(
        "Markera månadens senaste fakturabatch som skickad (efter importen i ekonomisystemet)."))] = None,
    quiet: QuietOpt = False,
) -> int:
    """Fakturabatcherna i liggaren: lista dem, eller markera en som skickad.

    När en batch är markerad som skickad ger en ny körning av månaden bara rättelserader — aldrig en
    andra hel batch som kunde importeras två gånger.

    Exempel: vos invoice --output /srv/vos --mark-sent 2026-03
    """
    import datetime as dt

    from vos_cli import batch
    from vos_cli.period import month_bounds
    from vos_cli.store.ledger import Ledger

    _state["quiet"] = quiet
    cfg = config_mod.load(config)
    book = Ledger.open(batch.ledger_url(cfg, output, ledger), create=False)
    try:
        if mark_sent:
            month_bounds(mark_sent)
            sent = book.mark_sent(mark_sent, dt.datetime.now().isoformat(timespec="seconds"))
            say(f"Batch {sent} för {mark_sent} är markerad som skickad. En ny körning av {mark_sent} ger nu bara "
                "rättelserader.")
            return EXIT_OK
        months = [month] if month else [r.manad for r in book.months()]
        table = Table(title="Fakturabatcher", title_justify="left")
        for c in ("Månad", "Batch", "Rader", "Summa (kr)", "Skickad"):
            table.add_column(c, justify="right" if c in ("Rader", "Summa (kr)") else "left")
        for m in months:
            for r in book.batches(m).to_dict("records"):
                table.add_row(m, r["batch_id"], str(r["rader"]), kr(r["summa_ore"] / 100),
                              r["skickad"] if isinstance(r["skickad"], str) else "nej")
        say_table(table)
    finally:
        book.close()
    return EXIT_OK


@app.command(cls=svenska.Command)
@handle_errors
def history(
    output: Annotated[Path | None, typer.Option("--output", "-o", help=(
        "Utdatamappen med liggaren (vos.sqlite); anges den skrivs också en arbetsbok (historik.xlsx) dit.")
    )] = None,
    config: ConfigOpt = None,
    ledger: LedgerOpt = None,
    pnr: Annotated[str | None, typer.Option("--pnr", help="En brukares avgiftsrader månad för månad.")] = None,
    quiet: QuietOpt = False,
) -> int:
    """Visa vad liggaren minns: månaderna som körts, deras indata, summor och rättelser.

    Med --pnr en brukares avgiftsrader och rättelser månad för månad (personnumret maskeras på
    skärmen; arbetsboken med --output innehåller det i sin helhet, för personalen).

    Exempel: vos history --output /srv/vos --pnr 19450312-1234
    """
    import datetime as dt

    import pandas as pd

    from vos_cli import batch
    from vos_cli import personnummer as pn
    from vos_cli.errors import UsageError
    from vos_cli.io.workbook import About, Report, Sheet
    from vos_cli.store.ledger import Ledger

    _state["quiet"] = quiet
    cfg = config_mod.load(config)
    folder = output or Path("vos-output")
    book = Ledger.open(batch.ledger_url(cfg, folder, ledger), create=False)
    try:
        runs = book.months()
        months = pd.DataFrame([{
            "Månad": r.manad, "Körd": r.skapad[:16].replace("T", " "), "Version": r.version,
            "Indata": ", ".join(f"{i.get('export')} ({str(i.get('sha256', ''))[:8]})" for i in r.indata),
            "Brukare": r.summor.get("brukare", 0), "Att fakturera (kr)": r.summor.get("att_fakturera", 0.0),
            "Rättelser (st)": r.summor.get("rattelser_avgift", 0) + r.summor.get("rattelser_ersattning", 0),
            "Rättelser avgift (kr)": r.summor.get("rattelser_avgift_kr", 0.0),
            "Rättelser ersättning (kr)": r.summor.get("rattelser_ersattning_kr", 0.0),
            "Rättade månader": ", ".join(r.summor.get("rattade_manader", [])),
        } for r in runs], columns=["Månad", "Körd", "Version", "Indata", "Brukare", "Att fakturera (kr)", "Rättelser (st)",
                                   "Rättelser avgift (kr)", "Rättelser ersättning (kr)", "Rättade månader"])
        table = Table(title=f"Liggaren — {len(runs)} månad(er)", title_justify="left")
        for c in ("Månad", "Körd", "Brukare", "Att fakturera (kr)", "Rättelser (st)", "Rättade månader"):
            table.add_column(c, justify="right" if c in ("Brukare", "Att fakturera (kr)", "Rättelser (st)") else "left")
        for r in months.to_dict("records"):
            table.add_row(r["Månad"], r["Körd"], str(r["Brukare"]), kr(float(r["Att fakturera (kr)"])),
                          str(r["Rättelser (st)"]), r["Rättade månader"])
        say_table(table)
        sheets = [Sheet("Månader", months)]
        if pnr:
            norm, why = pn.parse(pd.Series([pnr]), dt.date.today(), reserve_ok=True)
            if pd.isna(norm.iloc[0]):
                raise UsageError(f"--pnr {mask(pnr)}: {why.iloc[0]} — ange ÅÅÅÅMMDD-NNNN")
            who = norm.iloc[0]
            lines = book.client_lines(who).rename(columns={
                "manad": "Månad", "pnr": "Personnummer", "artikel": "Artikel", "antal": "Antal", "a_pris": "À-pris (kr)"})
            lines["Belopp (kr)"] = lines.pop("belopp_ore") / 100
            fixes = book.client_corrections(who)
            fixes = pd.DataFrame({"Registrerad i": fixes["manad"], "Avser månad": fixes["avser"],
                                  "Artikel": fixes["artikel"], "Differens (kr)": fixes["differens_ore"] / 100,
                                  "Orsak": fixes["orsak"]})
            table = Table(title=f"Avgiftsrader för {who}", title_justify="left")
            for c in ("Månad", "Artikel", "Antal", "Belopp (kr)"):
                table.add_column(c, justify="left" if c in ("Månad", "Artikel") else "right")
            for r in lines.to_dict("records"):
                table.add_row(r["Månad"], r["Artikel"], f"{r['Antal']:g}", kr(r["Belopp (kr)"]))
            say_table(table)
            for r in fixes.to_dict("records"):
                say(f"Rättelse {r['Registrerad i']} av {r['Avser månad']}: {r['Artikel']} {kr(r['Differens (kr)'])} kr — "
                    f"{r['Orsak']}")
            sheets += [Sheet("Avgiftsrader", lines[["Månad", "Personnummer", "Artikel", "Antal", "À-pris (kr)",
                                                    "Belopp (kr)"]], {"Antal": Kind.DECIMAL}), Sheet("Rättelser", fixes)]
        if output is not None:
            from vos_cli.io.workbook import write_report
            from vos_cli.reports.common import layout

            report = layout(Report("historik_brukare.xlsx" if pnr else "historik.xlsx",
                            About("Liggarens historik", "alla månader", dt.date.today().isoformat(),
                                  parameters={"Liggare": book.url.split("@")[-1]},
                                  stamp=dt.datetime.combine(dt.date.today(), dt.time())), sheets))
            say(f"Skrev {write_report(report, output).resolve()}")
    finally:
        book.close()
    return EXIT_OK


# Swedish names beside the English ones, for staff (the English stay for scripts and cron lines)
ALIASES = {"kor": "run", "oversikt": "overview", "kontroll": "check", "verkstallighet": "execution-dates",
           "avslut": "end-dates", "ersattning": "compensation", "ej-verkstallda": "non-executed", "avgifter": "fees",
           "statistik": "statistics", "lss-statistik": "lss-statistics", "dagverksamhet": "day-activity",
           "faktura": "invoice", "historik": "history", "exempeldata": "sample"}


def _aliases() -> None:
    by_name = {(info.name or info.callback.__name__.replace("_", "-")): info for info in app.registered_commands}
    for alias, name in ALIASES.items():
        info = by_name[name]
        doc = (info.callback.__doc__ or "").strip()
        app.command(alias, cls=svenska.Command, rich_help_panel="Samma kommandon med svenska namn",
                    help=f"= vos {name}: {doc}")(info.callback)


_aliases()


def main() -> None:
    osl.settle()  # the imports are done (this module imports every command's)
    osl.safe_console()
    try:
        app()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            osl.exit_now(exc.code or 0)  # without the interpreter's teardown (platform.exit_now)
        sys.exit(exc.code)
