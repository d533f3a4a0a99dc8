"""Law references, in one place. Socialtjänstlag (2025:400) replaced SoL (2001:453) on 2025-07-01:
the new paragraphs are cited for decisions made from then, the old ones for decisions made before."""

from __future__ import annotations

import pandas as pd

NEW_SOL_FROM = pd.Timestamp("2025-07-01")

# bistånd (the insats's own lagrum)
SOL_BISTAND_OLD = "SoL 4 kap. 1 §"
SOL_BISTAND_NEW = "SoL 11 kap. 1 §"
LSS_KORTTID = "LSS 9 § 6"

# decisions not executed within three months (reporting.md)
SOL_REPORT_NEW = "SoL (2025:400) 34 kap. 1 §"  # to IVO and the auditors: not executed, interrupted
SOL_EXECUTED_NEW = "SoL (2025:400) 34 kap. 2 §"  # when a reported decision has been executed or ended
SOL_KF_NEW = "SoL (2025:400) 34 kap. 3 §"  # quarterly statistics to Kommunfullmäktige
SOL_REPORT_OLD = "SoL (2001:453) 16 kap. 6 f §"
SOL_AUDITORS_OLD = "SoL (2001:453) 16 kap. 6 g §"
SOL_KF_OLD = "SoL (2001:453) 16 kap. 6 h §"
LSS_REPORT = "LSS 28 f §"
LSS_AUDITORS = "LSS 28 g §"
LSS_KF = "LSS 28 h §"
REPORTING_SUMMARY = (f"{SOL_REPORT_NEW}–3 § (beslut från 2025-07-01); SoL (2001:453) 16 kap. 6 f–h §§ (beslut "
                     f"före 2025-07-01); LSS 28 f–h §§")

# fees (Socialtjänstlag 2025:400, 32 kap.; before 2025-07-01 SoL 2001:453 8 kap.)
FEES_NEW = {"avgiftsunderlag": "32 kap. 5 §", "maxtaxa": "32 kap. 6 §", "minimibelopp": "32 kap. 8 §",
            "forbehallsbelopp": "32 kap. 8 §", "individuellt": "32 kap. 9 §", "andring": "32 kap. 10 §"}
FEES_OLD = {"avgiftsunderlag": "SoL (2001:453) 8 kap. 4 §", "maxtaxa": "SoL (2001:453) 8 kap. 5 §",
            "minimibelopp": "SoL (2001:453) 8 kap. 7 §", "forbehallsbelopp": "SoL (2001:453) 8 kap. 7 §",
            "individuellt": "SoL (2001:453) 8 kap. 8 §", "andring": "kommunens taxa"}
FEES_SUMMARY = "Socialtjänstlag (2025:400) 32 kap. 5–10 §§ (före 2025-07-01: SoL (2001:453) 8 kap. 4–8 §§)"


def fee_paragraphs(first_of_month: pd.Timestamp) -> dict[str, str]:
    """The paragraphs a month's fee is computed under: the new law from July 2025, the old before."""
    return FEES_NEW if first_of_month >= NEW_SOL_FROM else FEES_OLD


def is_lss(lagrum: pd.Series) -> pd.Series:
    return lagrum.fillna("").astype("str").str.upper().str.startswith("LSS")


def reporting_duty(lagrum: pd.Series, decided: pd.Series, report_type: pd.Series, executed_types: tuple[str, ...]):
    """The paragraph each IVO report is made under: new or old SoL by the decision date, or LSS."""
    followup = report_type.isin(executed_types)
    new = decided >= NEW_SOL_FROM
    out = pd.Series(SOL_REPORT_OLD, index=lagrum.index, dtype="str")
    out[new & ~followup] = SOL_REPORT_NEW
    out[new & followup] = SOL_EXECUTED_NEW
    out[is_lss(lagrum)] = LSS_REPORT
    return out
