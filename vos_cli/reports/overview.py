"""oversikt_YYYY-MM.xlsx: the month at a glance, with native charts. Built by `vos run` from the
month's reports, and rebuilt by `vos overview` from the month folders alone."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from vos_cli.io.contract import SUMMA, Blad, Col, kind_of
from vos_cli.io.workbook import About, Chart, Report, Sheet
from vos_cli.period import Period
from vos_cli.reports.common import layout
from vos_cli.rules import overview as rule
from vos_cli.rules.waiting import BANDS

MANIFEST = "manifest.json"


def prefix_of(filename: str) -> str:
    return Path(filename).stem.rsplit("_", 1)[0]


def frames_from_reports(reports: list[Report]) -> tuple[rule.Frames, dict[str, str]]:
    frames: rule.Frames = {}
    files: dict[str, str] = {}
    for report in reports:
        prefix = prefix_of(report.filename)
        if prefix in rule.SOURCES:
            files[prefix] = report.filename
            for sheet in report.sheets:
                if sheet.name in rule.SOURCES[prefix]:
                    frames[(prefix, sheet.name)] = sheet.df
    return frames, files


def frames_from_folder(month_dir: Path) -> tuple[rule.Frames, dict[str, str]]:
    """Read back the sheets the overview needs from the month's workbooks."""
    import openpyxl  # here: `vos run` builds the overview from the frames in memory, without it

    frames: rule.Frames = {}
    files: dict[str, str] = {}
    for path in sorted(month_dir.glob("*.xlsx")):
        prefix = prefix_of(path.name)
        if prefix not in rule.SOURCES:
            continue
        files[prefix] = path.name
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for name in rule.SOURCES[prefix]:
                if name in wb.sheetnames:
                    rows = list(wb[name].iter_rows(values_only=True))
                    if rows and len(rows) > 1 and rows[-1][0] == SUMMA:  # the total row is not data
                        rows = rows[:-1]
                    frames[(prefix, name)] = pd.DataFrame(rows[1:], columns=[str(c) for c in rows[0]]) if rows \
                        else pd.DataFrame()
        finally:
            wb.close()
    return frames, files


def earlier_figures(output: Path, label: str) -> dict[str, dict[str, float]]:
    """The key figures of the other months in the output folder, from their manifests."""
    found = {}
    for manifest in output.glob(f"[0-9][0-9][0-9][0-9]-[0-9][0-9]/{MANIFEST}"):
        month = manifest.parent.name
        if month == label:
            continue
        try:
            figures = json.loads(manifest.read_text(encoding="utf-8")).get("nyckeltal", {})
        except (OSError, ValueError):
            continue
        found[month] = {k: v for k, v in figures.items() if isinstance(v, (int, float))}
    return found


def build(frames: rule.Frames, files: dict[str, str], period: Period, output: Path,
          ledger_trend: dict[str, dict[str, float]] | None = None) -> tuple[Report, pd.DataFrame]:
    """ledger_trend: the earlier months' key figures from the ledger; month manifests fill in months
    recorded before the ledger existed."""
    figures = rule.key_figures(frames, files)
    prov = rule.providers(frames, files)
    wait = rule.waiting(frames, files)
    earlier = earlier_figures(output, period.label) | (ledger_trend or {})
    trend = rule.trend(period.label, figures, earlier)
    n_trend = len(trend)
    sheets = [
        Sheet(Blad.NYCKELTAL, figures, cell_kinds={rule.VARDE: figures[rule.NYCKELTAL].map(kind_of)}),
        Sheet(Blad.UTFORARE, prov, charts=[
            Chart("bar", "Andel beställningar bekräftade i tid (%)", Col.UTFORARE, [Col.ANDEL_I_TID]),
            Chart("bar", "Ersättning per utförare (kr)", Col.UTFORARE, [Col.ERSATTNING]),
        ]),
        Sheet(Blad.VANTANDE, wait, charts=[
            Chart("column", "Väntande beslut per insats och väntetid", Col.INSATS, list(BANDS), stacked=True,
                  y_title="Beslut"),
        ]),
        Sheet(Blad.TREND, trend, total=False, charts=[
            Chart("line", "Antal per månad", rule.MANAD, rule.TREND_COUNTS),
            Chart("line", "Kronor per månad", rule.MANAD, rule.TREND_MONEY),
        ]),
    ]
    about = About("Månadsöversikt", period.label, f"{period.as_of:%Y-%m-%d %H:%M}", [], {
        "Källor": ", ".join(sorted(files.values())) or "inga rapporter i mappen",
        "Trend": f"{n_trend} månad(er) ur liggaren" + ("" if ledger_trend is not None else " (manifest.json)"),
    }, ["Varje siffra anger rapport och blad den kommer från."], stamp=period.as_of)
    return layout(Report(f"oversikt_{period.label}.xlsx", about, sheets)), figures


def figures_dict(figures: pd.DataFrame) -> dict[str, float]:
    return {str(k): float(v) for k, v in zip(figures[rule.NYCKELTAL], figures[rule.VARDE])}
