"""vos check → datakvalitet_YYYY-MM.xlsx: rejected rows, warnings, each export's coverage."""

from __future__ import annotations

import pandas as pd

from vos_cli.config import Config
from vos_cli.io.contract import SHEET_REJECTED, SHEET_WARNINGS, Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.readers import REJECTED_COLUMNS, WARNING_COLUMNS
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import execution as execution_report
from vos_cli.reports.common import about, coverage_table
from vos_cli.rules import execution as execution_rule
from vos_cli.rules import quality

# what vos run needs: vos check stops (exit 2) exactly where vos run would
NEEDED: tuple[str, ...] = ("beslut", "bestallningar", "besok")
OPTIONAL = ("franvaro", "maltider", "avgiftsutrymme", "enheter", "utskrivningar", "erbjudanden", "inkomster")


def build(inputs: Inputs, period: Period, config: Config):
    found = quality.warnings(inputs.df("beslut"), inputs.df("bestallningar"), inputs.df("besok"),
                             inputs.has("beslut") and inputs.has("bestallningar"),
                             inputs.has("besok") and inputs.has("bestallningar"))
    frames = [f for f in (inputs.warnings, found) if len(f)]
    warnings = pd.concat(frames, ignore_index=True).reindex(columns=WARNING_COLUMNS) if frames else \
        pd.DataFrame(columns=WARNING_COLUMNS)
    rejected = inputs.rejected.reindex(columns=REJECTED_COLUMNS)
    execution, _ = execution_report.compute(inputs, period)
    overlaps = execution_rule.overlapping_orders(execution, period.ts_first, period.ts_last)
    report = Report(
        f"datakvalitet_{period.label}.xlsx",
        about("Datakvalitet i exporterna", period, inputs, config),
        [Sheet(SHEET_REJECTED, rejected), Sheet(SHEET_WARNINGS, warnings),
         Sheet(Blad.TACKNING, coverage_table(inputs, period)), Sheet(Blad.OVERLAPP, overlaps)],
        rejected=rejected, warnings=warnings.iloc[0:0], flagged=bool(len(warnings) or len(rejected)),
    )
    per_kind = warnings[Col.VARNING].str.split(" — ").str[0].str[:80].value_counts().to_dict() if len(warnings) else \
        {"Inga varningar": 0}
    return report, {"Varningar": per_kind, Blad.OVERLAPP: {"Beställningar": len(overlaps)}}
