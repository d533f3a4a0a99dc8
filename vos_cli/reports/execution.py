"""vos execution-dates → verkstallighet_YYYY-MM.xlsx (`Verkställighet`, `Bekräftelser`, `Utskrivning från
sjukhus`, `Korttid dygn`, `Muntliga beslut`)."""

from __future__ import annotations

import pandas as pd

from vos_cli.config import Config
from vos_cli.io.contract import Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports.common import about
from vos_cli.rules import discharge, korttid
from vos_cli.rules import execution as rule
from vos_cli.rules import waiting as waiting_rule

NEEDED = ("bestallningar", "besok")
OPTIONAL: tuple[str, ...] = ("beslut", "utskrivningar")
SHEET_EXEC = Blad.VERKSTALLIGHET
SHEET_ACK = Blad.BEKRAFTELSER


def compute(inputs: Inputs, period: Period):
    """Execution dates depend on the month only through the visit log's first day: computed once
    per distinct first day (the month and the earlier months it corrects usually share it)."""
    visits = inputs.df("besok")
    # the log's earliest day looked up once per run (every report asks, for each month it computes)
    start = rule.log_start(inputs.cached("besok earliest", lambda: rule.earliest_visit(visits)), period.ts_first) \
        if inputs.has("besok") else None
    return inputs.cached(f"execution {start}",
                         lambda: (rule.execution_dates(inputs.df("bestallningar"), visits, start), start))


def decisions(inputs: Inputs, period: Period) -> pd.DataFrame:
    """The granted decisions with their execution dates (rules.waiting.decisions_with_execution):
    computed once per run for the reports that read them (waiting, statistics), which copy them."""
    execution, start = compute(inputs, period)
    return inputs.cached(f"decisions {start}",
                         lambda: waiting_rule.decisions_with_execution(inputs.df("beslut"), execution))


def acknowledgements(inputs: Inputs, period: Period, config: Config) -> pd.DataFrame:
    return rule.acknowledgements(inputs.df("bestallningar"), period.ts_first, period.ts_last,
                                 pd.Timestamp(period.as_of), int(config.rules["muntligt_beslut_vardagar"]),
                                 config.rules["bekraftelse_insatser"])


def build(inputs: Inputs, period: Period, config: Config):
    execution, start = compute(inputs, period)
    rows = rule.month_selection(execution, period.ts_first, period.ts_last)
    oral_days = int(config.rules["muntligt_beslut_vardagar"])
    acks = acknowledgements(inputs, period, config)
    discharges = discharge.resumptions(inputs.df("utskrivningar"), inputs.df("besok"), period.ts_first,
                                       period.ts_last, pd.Timestamp(period.as_of))
    dygn = korttid.dygn(execution, inputs.df("besok"), period.ts_first, period.ts_last, start,
                        int(config.rules["korttid_oanvand_manader"]))
    oral = rule.oral_decisions(inputs.df("beslut"), inputs.df("bestallningar"), period.ts_first, period.ts_last,
                               pd.Timestamp(period.as_of), oral_days)
    notes = [] if inputs.has("utskrivningar") else ["Ingen export av utskrivningar (utskrivningar): bladet "
                                                    f"{Blad.UTSKRIVNING} är tomt"]
    report = Report(
        f"verkstallighet_{period.label}.xlsx",
        about("Verkställighetsdatum och bekräftelser", period, inputs, config, {
            "Besöksloggen täcker från": f"{start:%Y-%m-%d}" if start is not None else "ingen besökslogg",
            "Mottagningstid": "08:00–17:00 helgfria vardagar",
            "Bekräftelsefrist": "24 timmar räknat på helgfria vardagar",
            "Bekräftelsefristen gäller": ", ".join(config.rules["bekraftelse_insatser"]),
            "Skriftlig beställning efter muntligt beslut": f"senast {oral_days} vardagar",
            "Utskrivning, oförändrat behov": "samma dag vid kontakt före 11:00 en vardag, annars nästa vardag",
            "Utskrivning, ökat behov": "inom 24 timmar räknat på helgfria vardagar",
            "Korttid, oanvända dygn": f"{config.rules['korttid_oanvand_manader']} hela månader i rad",
        }, notes),
        [Sheet(SHEET_EXEC, rows), Sheet(SHEET_ACK, acks),
         Sheet(Blad.UTSKRIVNING, discharges), Sheet(Blad.KORTTID_DYGN, dygn), Sheet(Blad.MUNTLIGA, oral)],
        inputs.rejected,
    )
    summary = {
        SHEET_EXEC: rows[Col.STATUS].value_counts().reindex(rule.STATUSES, fill_value=0).to_dict(),
        SHEET_ACK: acks[Col.STATUS].value_counts().reindex(
            [rule.ACK_I_TID, rule.ACK_SEN, rule.ACK_PASSERAD, rule.ACK_INOM], fill_value=0).to_dict(),
    }
    if len(discharges):
        summary[Blad.UTSKRIVNING] = discharges[Col.STATUS].value_counts().reindex(discharge.STATUSES,
                                                                                   fill_value=0).to_dict()
    if len(dygn):
        summary[Blad.KORTTID_DYGN] = dygn[Col.STATUS].value_counts().to_dict()
    if (oral[Col.STATUS] == rule.SKRIFTLIG_SAKNAS).any():
        summary[Blad.MUNTLIGA] = {rule.SKRIFTLIG_SAKNAS: int((oral[Col.STATUS] == rule.SKRIFTLIG_SAKNAS).sum())}
    return report, summary
