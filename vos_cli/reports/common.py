"""Shared pieces of every report: the month's coverage, the `Om rapporten` facts, warnings, and the
layout every workbook gets (exceptions first, `Läs så här`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from vos_cli.config import Config
from vos_cli.errors import InputFileError
from vos_cli.io.contract import ATT_ATGARDA, SHEET_GUIDE, Kind, kind_of
from vos_cli.io.inputs import Inputs
from vos_cli.io.readers import warning
from vos_cli.io.workbook import About, Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import guide
from vos_cli.rules import coverage


def visit_days(inputs: Inputs) -> pd.DataFrame:
    """The visit log's distinct days (coverage.visit_days), found once per run."""
    return inputs.cached("besok days", lambda: coverage.visit_days(inputs.df("besok")))


def prepare(inputs: Inputs, period: Period, config: Config) -> None:
    """Before computing anything: a month the exports do not cover stops the command (exit 2);
    visits that stop part-way through it, or a meal export without the month, are warnings."""
    if inputs.has("besok") and inputs.has("bestallningar"):
        error, warn = coverage.visit_coverage(
            inputs.df("bestallningar"), visit_days(inputs), inputs.label("besok"), period.ts_first, period.ts_last,
            pd.Timestamp(period.as_of), int(config.rules["tackning_dagar"]))
        if error:
            raise InputFileError(error)
        if warn:
            inputs.extra_warnings.append(warning(inputs.label("besok"), warn))
    if inputs.has("inkomster"):
        error = coverage.income_coverage(inputs.df("inkomster"), inputs.label("inkomster"), period.ts_first)
        if error:
            raise InputFileError(error)
    if inputs.has("maltider"):
        warn = coverage.meals_coverage(inputs.df("maltider"), inputs.label("maltider"), period.label)
        if warn:
            inputs.extra_warnings.append(warning(inputs.label("maltider"), warn))


def coverage_table(inputs: Inputs, period: Period) -> pd.DataFrame:
    frames = {name: (inputs.label(name), r.df) for name, r in inputs.results.items() if r.path is not None}
    return coverage.spans(frames, period.ts_first, period.ts_last)


def about(title: str, period: Period, inputs: Inputs, config: Config,
          parameters: dict[str, Any] | None = None, notes: list[str] | None = None,
          as_of: str | None = None) -> About:
    params = {"Konfiguration": config.source}
    params.update(parameters or {})
    return About(
        title=title, period=period.label, as_of=as_of or f"{period.as_of:%Y-%m-%d %H:%M}",
        inputs=inputs.files(), parameters=params, notes=(notes or []) + inputs.notes, stamp=period.as_of,
    )


def finish(report: Report, inputs: Inputs) -> Report:
    """Every workbook lists the month's rejected rows and warnings (unless it sets its own), and
    is laid out for reading (layout)."""
    if report.rejected is None:
        report.rejected = inputs.rejected
    if report.warnings is None:
        report.warnings = inputs.warnings
    n = len(report.warnings) if report.warnings is not None else 0
    if n and not any(note.startswith("Varningar:") for note in report.about.notes):
        report.about.notes.append(f"Varningar: {n} — se bladet Varningar")
    return layout(report)


MOSTLY_OK = 0.5  # a sheet with at least this share of OK rows gets a sheet of its action rows first


def layout(report: Report) -> Report:
    """Exceptions first and `Läs så här`: the rows of each sheet with a status sorted by what needs
    action and coloured by it, a sheet of only those rows before a mostly-OK sheet, a sentence on
    every empty sheet, and the guide to the workbook (reports.guide). Companions too."""
    levels = guide.levels()
    report.guide, actions = None, []
    for sheet in report.sheets:
        status = sheet.status_column
        if status in sheet.df.columns and len(sheet.df):
            level = sheet.df[status].map(levels)
            if level.notna().any():
                present = set(sheet.df[status].unique())
                sheet.levels = {v: lv for v, lv in levels.items() if v in present}
                order = level.fillna(guide.WATCH).to_numpy().argsort(kind="stable")
                sheet.df = sheet.df.iloc[order].reset_index(drop=True)
                level = level.iloc[order].reset_index(drop=True)
                todo = level.fillna(guide.WATCH) < guide.OK
                if todo.any() and (level == guide.OK).mean() >= MOSTLY_OK:
                    actions.append(Sheet(f"{ATT_ATGARDA} – {sheet.name}"[:31], sheet.df[todo.to_numpy()]
                                         .reset_index(drop=True), sheet.kinds, levels=sheet.levels,
                                         status_column=status))
    report.actions = actions
    g = guide.report_guide(report.filename)
    for sheet in report.all_sheets():
        if sheet.empty_text is None:
            sheet.empty_text = guide.empty_text(g, sheet.name, report.about.period)
        # each column's kind fixed here, where every rules module has registered its names (a
        # worker process that writes the workbook has imported none of them)
        sheet.kinds = {str(c): sheet.kinds.get(str(c)) or kind_of(str(c), sheet.df[c].dtype) for c in sheet.df.columns}
    names = [s.name for s in report.all_sheets()]
    statuses = {v for s in report.all_sheets() for v in s.levels}
    report.guide = Sheet(SHEET_GUIDE, guide.sheet(report.filename, report.about.title, names, statuses),
                         total=False, wrap_width=100)
    report.guide.kinds = dict.fromkeys(guide.COLUMNS, Kind.TEXT)
    for companion in report.companions:
        layout(companion)
    return report
