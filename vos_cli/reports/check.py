"""vos check → datakvalitet_YYYY-MM.xlsx."""

from __future__ import annotations

from vos_cli.config import Config
from vos_cli.errors import InputFileError
from vos_cli.io.contract import SHEET_REJECTED, SHEET_WARNINGS, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.readers import REJECTED_COLUMNS
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports.common import about
from vos_cli.rules import quality

NEEDED: tuple[str, ...] = ()
OPTIONAL = ("beslut", "bestallningar", "besok", "franvaro", "maltider", "avgiftsutrymme", "enheter")


def build(inputs: Inputs, period: Period, config: Config) -> Report:
    warnings = quality.warnings(inputs.df("beslut"), inputs.df("bestallningar"), inputs.df("besok"),
                                inputs.has("beslut") and inputs.has("bestallningar"),
                                inputs.has("besok") and inputs.has("bestallningar"))
    rejected = inputs.rejected.reindex(columns=REJECTED_COLUMNS)
    if not inputs.files():
        raise InputFileError("inga exporter hittades i --input — lägg beslut.csv, bestallningar.csv … i mappen")
    report = Report(
        f"datakvalitet_{period.label}.xlsx",
        about("Datakvalitet i exporterna", period, inputs, config),
        [Sheet(SHEET_REJECTED, rejected), Sheet(SHEET_WARNINGS, warnings)],
    )
    per_kind = warnings[Col.VARNING].value_counts().to_dict() if len(warnings) else {"Inga varningar": 0}
    return report, {"Varningar": per_kind}
