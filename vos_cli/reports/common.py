"""Shared pieces of every report: the month's coverage, the `Om rapporten` facts, warnings."""

from __future__ import annotations

from typing import Any

import pandas as pd

from vos_cli.config import Config
from vos_cli.errors import InputFileError
from vos_cli.io.inputs import Inputs
from vos_cli.io.readers import warning
from vos_cli.io.workbook import About, Report
from vos_cli.period import Period
from vos_cli.rules import coverage


def prepare(inputs: Inputs, period: Period, config: Config) -> None:
    """Before computing anything: a month the exports do not cover stops the command (exit 2);
    visits that stop part-way through it, or a meal export without the month, are warnings."""
    if inputs.has("besok") and inputs.has("bestallningar"):
        error, warn = coverage.visit_coverage(
            inputs.df("bestallningar"), inputs.df("besok"), inputs.label("besok"), period.ts_first, period.ts_last,
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
    """Every workbook lists the month's rejected rows and warnings (unless it sets its own)."""
    if report.rejected is None:
        report.rejected = inputs.rejected
    if report.warnings is None:
        report.warnings = inputs.warnings
    n = len(report.warnings) if report.warnings is not None else 0
    if n and not any(note.startswith("Varningar:") for note in report.about.notes):
        report.about.notes.append(f"Varningar: {n} — se bladet Varningar")
    return report
