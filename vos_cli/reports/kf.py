"""kf_rapport_YYYY-Qn.xlsx: the public quarterly report to Kommunfullmäktige and the auditors
(SoL (2025:400) 34 kap. 3 §, LSS 28 h §) — no personal data at all."""

from __future__ import annotations

import pandas as pd

from vos_cli import law
from vos_cli.config import Config
from vos_cli.io.workbook import About, Report, Sheet
from vos_cli.period import Period
from vos_cli.rules import kf as rule
from vos_cli.rules.waiting import Waiting


def quarter_label(period: Period) -> str:
    a = period.as_of_date
    return f"{a.year}-Q{(a.month - 1) // 3 + 1}"


def build(w: Waiting, period: Period, config: Config, categories: dict[str, str]) -> Report:
    minimum = int(config.reports.get("minsta_antal", 3))
    q = quarter_label(period)
    a = period.as_of_date
    sheets = [
        Sheet("SoL", rule.table(w, False, categories, minimum),
              empty_text=f"Inga beslut enligt socialtjänstlagen att rapportera för {q} (per {a:%Y-%m-%d})."),
        Sheet("LSS", rule.table(w, True, categories, minimum),
              empty_text=f"Inga beslut enligt LSS att rapportera för {q} (per {a:%Y-%m-%d})."),
    ]
    about = About(
        "Ej verkställda beslut — statistikrapport till kommunfullmäktige och revisorer", q, f"{a:%Y-%m-%d}",
        parameters={
            "Lagrum": f"{law.SOL_KF_NEW} (beslut från 2025-07-01), {law.SOL_KF_OLD} (beslut före); {law.LSS_KF}",
            "Referensdatum": f"{a:%Y-%m-%d}",
            "Minsta antal som visas": f"{minimum} — färre personer visas som <{minimum}; – betyder dolt för att en "
                                      "dold uppgift inte ska kunna räknas fram",
            "Väntetid": "dagar från beslut till referensdatum (ej verkställda), från avbrottet (avbrott), till "
                        "verkställighet (för sent) eller till avslut (avslutade utan verkställighet)",
        },
        notes=["Rapporten innehåller inga personuppgifter och kan lämnas ut som allmän handling."], stamp=period.as_of)
    return Report(f"kf_rapport_{q}.xlsx", about, sheets, rejected=pd.DataFrame(), warnings=pd.DataFrame())
