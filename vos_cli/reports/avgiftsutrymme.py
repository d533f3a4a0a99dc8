"""vos avgiftsutrymme → avgiftsberakning_YYYY-MM.xlsx: the avgiftsutrymme computed from income,
housing cost and household (Socialtjänstlag (2025:400) 32 kap. 5–10 §§), every step in words."""

from __future__ import annotations

import pandas as pd

from vos_cli import law
from vos_cli.config import Config
from vos_cli.io.contract import Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports.common import about
from vos_cli.rules import income as rule
from vos_cli.text import sv1

NEEDED = ("inkomster",)
OPTIONAL = ("avgiftsutrymme",)
HISTORY = True  # Ändringar: last month's avgiftsutrymme from the ledger when it holds it
ONLY_WITH = "inkomster"  # vos run makes this report only when the export is there


def figures(config: Config, first: pd.Timestamp) -> rule.Figures:
    n = config.national(first.year, first.date())
    return rule.Figures(n["minimibelopp_ensamstaende"], n["minimibelopp_sammanlevande"],
                        float(config.fees["minimibelopp_under_65_procent"]), n["prisbasbelopp"])


def capacity(inputs: Inputs, first: pd.Timestamp, config: Config, words: bool = True) -> rule.Capacity:
    """The month's avgiftsutrymme from income (computed once per month and run; words=False: without
    the calculation in words, for the corrections of an earlier month)."""
    key = f"capacity {first:%Y-%m}" + ("" if words else " without words")
    if key not in inputs.outcomes:
        inputs.outcomes[key] = rule.compute(inputs.df("inkomster"), first, figures(config, first), words)
    return inputs.outcomes[key]


def previous(inputs: Inputs, period: Period, config: Config) -> tuple[pd.DataFrame, str]:
    """Last month's avgiftsutrymme: what the ledger recorded, else recomputed from the export's history."""
    h = inputs.history
    month = str(pd.Period(period.label, "M") - 1)
    if h is not None and h.previous_capacity is not None:
        return h.previous_capacity, f"{month} enligt liggaren (det som användes då)"
    first = pd.Timestamp(f"{month}-01")
    return rule.ledger_rows(capacity(inputs, first, config)), \
        f"{month} beräknat ur inkomstexportens historik (liggaren har inte {month} med inkomster)"


def build(inputs: Inputs, period: Period, config: Config):
    first = period.ts_first
    cap = capacity(inputs, first, config)
    inputs.outcomes["capacity"] = cap
    before, source = previous(inputs, period, config)
    changes = rule.changes(rule.ledger_rows(cap), before, first, new_year=first.month == 1)
    f = figures(config, first)
    par = law.fee_paragraphs(first)
    t = cap.table
    computed = t[Col.AVGIFTSUTRYMME_KR].notna()
    negative = computed & (t[Col.AVGIFTSUTRYMME_KR] < 0)
    notes = [f"Kontrollsumma: {int(computed.sum())} personer beräknade, summa avgiftsutrymme "
             f"{sv1(float(t.loc[computed, Col.AVGIFTSUTRYMME_KR].sum()))} kr"]
    if inputs.has("avgiftsutrymme"):
        both = set(inputs.df("avgiftsutrymme")[Col.PNR]) & set(t[Col.PNR])
        if both:
            notes.append(f"{len(both)} personer har också en rad i exporten avgiftsutrymme: i avgiftsunderlaget "
                         "gäller exportens värde för dem (kolumnen Avgiftsutrymme källa)")
    if first.month == 1:
        notes.append(f"Januari: alla räknas om med prisbasbeloppet för {first.year} (ingen ansökan behövs)")
    report = Report(
        f"avgiftsberakning_{period.label}.xlsx",
        about("Avgiftsberäkning: avgiftsutrymme ur inkomster", period, inputs, config, {
            "Prisbasbelopp (kr)": f.prisbasbelopp,
            "Minimibelopp ensamstående (kr/mån)": f.ensamstaende,
            "Minimibelopp sammanlevande, var och en (kr/mån)": f.sammanlevande,
            "Höjning under 65 år": f"{f.under_65_procent:g} % av minimibeloppet ([fees] minimibelopp_under_65_procent)",
            "Makar": "var och en har hälften av makarnas sammanlagda inkomst; sambor har var sin egen",
            "Boendekostnad för par": "hälften av hushållets, om inte Egen boendekostnad är angiven",
            "Gäller från": "månaden då uppgiften gäller från den 1:a, annars månaden efter",
            "Förra månaden": source,
            "Lagrum": ", ".join(f"{v} ({k})" for k, v in par.items()),
        }, notes),
        [Sheet(Blad.AVGIFTSUTRYMME, t), Sheet(Blad.ANDRINGAR, changes), Sheet(Blad.ATT_KONTROLLERA, cap.problems)],
    )
    summary = {"Avgiftsberäkning": {"Beräknade": int(computed.sum()), "Under noll": int(negative.sum()),
                                    "Att kontrollera": cap.problems[Col.PNR].nunique(), "Ändringar": len(changes)}}
    return report, summary
