"""vos non-executed → ej_verkstallda_YYYY-MM-DD.xlsx (the as-of date)."""

from __future__ import annotations

import pandas as pd

from vos_cli import law
from vos_cli.config import Config
from vos_cli.io.contract import Blad, Col
from vos_cli.io.inputs import Inputs
from vos_cli.io.workbook import Report, Sheet
from vos_cli.period import Period
from vos_cli.reports import execution as execution_report
from vos_cli.reports import kf as kf_report
from vos_cli.reports.common import about
from vos_cli.rules import waiting as rule

NEEDED = ("beslut", "bestallningar")
OPTIONAL = ("besok", "erbjudanden")
HISTORY = True
SHEETS = [(Blad.EJ_VERKSTALLDA, "ej_verkstallda"), (Blad.FOR_SENT, "for_sent"),
          (Blad.AVSLUTADE_UTAN, "avslutade"), (Blad.AVBROTT, "avbrott"), (Blad.BEVAKNING, "bevakning"),
          (Blad.DUBBLA, "dubbla"), (Blad.IVO, "ivo"), (Blad.SAMMANSTALLNING, "sammanstallning"),
          (Blad.INAKTUELLA, "inaktuella"), (Blad.SAKNAR_SKAL, "saknar_skal"), (Blad.VANTANDE, "vantande")]


def categories(config: Config) -> dict[str, str]:
    return rule.DEFAULT_IVO_INSATS | dict(config.reports.get("ivo_insats") or {})


def compute(inputs: Inputs, period: Period, config: Config) -> rule.Waiting:
    execution, _ = execution_report.compute(inputs, period)
    granted = execution_report.decisions(inputs, period)
    h = inputs.history
    earlier = h.ivo_earlier if h is not None else None
    w = rule.classify(inputs.df("beslut"), inputs.df("bestallningar"), execution,
                      pd.Timestamp(period.as_of_date), int(config.rules["bevakning_dagar"]), earlier,
                      inputs.df("erbjudanden"), categories(config), granted)
    w.inaktuella = rule.no_longer_current(inputs.df("beslut"), inputs.df("bestallningar"), execution,
                                          pd.Timestamp(period.as_of_date), int(config.rules["uppfoljning_dagar"]),
                                          granted)
    return w


def build(inputs: Inputs, period: Period, config: Config):
    w = compute(inputs, period, config)
    inputs.outcomes["waiting"] = w
    ledger_note = ["Ingen liggare: vos vet inte vad som rapporterats tidigare kvartal, alla rader är Ny"] \
        if inputs.history is None else []
    a = period.as_of_date
    q0 = rule.quarter_start(pd.Timestamp(a))
    report = Report(
        f"ej_verkstallda_{a:%Y-%m-%d}.xlsx",
        about("Beslut som inte verkställts inom tre månader", period, inputs, config, {
            "Referensdatum": f"{a:%Y-%m-%d}",
            "Kvartal": f"{q0:%Y-%m-%d} – {a:%Y-%m-%d}",
            "Tremånadersdatum": "beslutsdatum + 3 kalendermånader; rapporteras när referensdatum är senare",
            "Verkställighetsdatum": "första utförda besöket" if inputs.has("besok") else "registrerat",
            "Bevakning, dagar": config.rules["bevakning_dagar"],
            "Uppföljning av beslut som upphör, dagar": config.rules["uppfoljning_dagar"],
            "Beslut som upphör": "Avslutsdatum, eller T.o.m. när den kommer först (ett utgånget beslut väntar inte)",
            "Rapportskyldighet": law.REPORTING_SUMMARY,
        }, ledger_note, as_of=f"{a:%Y-%m-%d}"),
        [Sheet(name, getattr(w, attr)) for name, attr in SHEETS],
        inputs.rejected,
    )
    report.companions = [kf_report.build(w, period, config, categories(config))]
    counts = {name: len(getattr(w, attr)) for name, attr in SHEETS[:6] + [(Blad.INAKTUELLA, "inaktuella"),
                                                                            (Blad.SAKNAR_SKAL, "saknar_skal")]}
    title = "Tremånadersuppföljning"
    summary = {title: counts}
    if len(w.ej_verkstallda):
        oldest = w.ej_verkstallda.sort_values(Col.BESLUTSDATUM).iloc[0]
        summary[title][
            f"Äldsta: {oldest[Col.PNR]} {oldest[Col.INSATS]}, beslut {oldest[Col.BESLUTSDATUM]:%Y-%m-%d}"
        ] = f"{oldest[Col.DAGAR_SEDAN_BESLUT]} dagar"
    return report, summary
