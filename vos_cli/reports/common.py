"""Shared pieces of every report: the `Om rapporten` facts."""

from __future__ import annotations

from typing import Any

from vos_cli.config import Config
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import About
from vos_cli.period import Period


def about(title: str, period: Period, inputs: Inputs, config: Config,
          parameters: dict[str, Any] | None = None, notes: list[str] | None = None,
          as_of: str | None = None) -> About:
    params = {"Konfiguration": config.source}
    params.update(parameters or {})
    return About(
        title=title, period=period.label, as_of=as_of or f"{period.as_of:%Y-%m-%d %H:%M}",
        inputs=inputs.files(), parameters=params, notes=notes or [], stamp=period.as_of,
    )
