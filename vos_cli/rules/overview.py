"""The month at a glance: key figures, provider follow-up, waiting decisions and the trend —
computed from the month's report sheets alone, so `vos overview` can rebuild it from the folder."""

from __future__ import annotations

import pandas as pd

from vos_cli.frames import distinct
from vos_cli.io.contract import Blad, Col, Kind, register_kinds
from vos_cli.rules import execution
from vos_cli.rules.waiting import BANDS, VANTEBAND

NYCKELTAL, VARDE, RAPPORT, BLAD, MANAD = Blad.NYCKELTAL, "Värde", "Rapport", "Blad", Col.MANAD
KALLA = "Källa"

# prefix of each report file → the sheets the overview reads from it
SOURCES = {
    "avgiftsunderlag": [Blad.AVGIFTSUNDERLAG, Blad.OVER_BEVILJAD],
    "verkstallighet": [Blad.VERKSTALLIGHET, Blad.BEKRAFTELSER, Blad.UTSKRIVNING],
    "ersattning": [Blad.PER_BESTALLNING, Blad.PER_UTFORARE],
    "ej_verkstallda": [Blad.EJ_VERKSTALLDA, Blad.BEVAKNING, Blad.VANTANDE],
    "avslut": [Blad.AVSLUT],
}
FIG_CLIENTS = "Brukare med avgiftsunderlag"
FIG_ORDERS = "Beställningar i månaden"
FIG_GRANTED = "Beviljad tid (tim/mån)"
FIG_PAY = "Ersättning till utförare (kr)"
FIG_WAITING = "Ej verkställda beslut"
FIG_WARNING = "Passerar tremånadersgränsen inom 30 dagar"

# (key figure, report prefix, sheet, how: "rows" or a column to sum)
FIGURES = [
    (FIG_CLIENTS, "avgiftsunderlag", Blad.AVGIFTSUNDERLAG, "rows"),
    (FIG_ORDERS, "verkstallighet", Blad.VERKSTALLIGHET, "rows"),
    (FIG_GRANTED, "ersattning", Blad.PER_BESTALLNING, Col.BEVILJAD_TID),
    (Col.ERSATT_TID, "ersattning", Blad.PER_UTFORARE, Col.ERSATT_TID),
    (FIG_PAY, "ersattning", Blad.PER_UTFORARE, Col.SUMMA),
    (Col.ATT_FAKTURERA, "avgiftsunderlag", Blad.AVGIFTSUNDERLAG, Col.ATT_FAKTURERA),
    (FIG_WAITING, "ej_verkstallda", Blad.EJ_VERKSTALLDA, "rows"),
    (FIG_WARNING, "ej_verkstallda", Blad.BEVAKNING, "rows"),
]
TREND_COUNTS = [FIG_CLIENTS, FIG_ORDERS, FIG_WAITING, FIG_WARNING]
TREND_MONEY = [FIG_PAY, Col.ATT_FAKTURERA]
SENT, IN_TIME = "Beställningar skickade", "Bekräftade i tid"
OVER = "Utförd tid över beviljad (beställningar)"
DISCHARGES, DISCHARGES_IN_TIME = "Utskrivningar", "Utskrivningar i tid"
EARLY, LATE = "Verkställighetsdatum för tidigt", "Verkställighetsdatum för sent"
register_kinds(dict.fromkeys([SENT, IN_TIME, OVER, DISCHARGES, DISCHARGES_IN_TIME, EARLY, LATE, *TREND_COUNTS],
                            Kind.COUNT))

Frames = dict[tuple[str, str], pd.DataFrame]


def _frame(frames: Frames, prefix: str, sheet: str) -> pd.DataFrame:
    return frames.get((prefix, sheet), pd.DataFrame())


def key_figures(frames: Frames, files: dict[str, str]) -> pd.DataFrame:
    rows = []
    for name, prefix, sheet, how in FIGURES:
        df = _frame(frames, prefix, sheet)
        if how == "rows":
            value = float(len(df))
        else:
            value = round(float(pd.to_numeric(df[how], errors="coerce").sum()) if how in df else 0.0, 2)
        rows.append([name, value, files.get(prefix, ""), sheet])
    return pd.DataFrame(rows, columns=[NYCKELTAL, VARDE, RAPPORT, BLAD])


def providers(frames: Frames, files: dict[str, str]) -> pd.DataFrame:
    """Uppföljning av utförare: acknowledgement in time, execution dates, unplanned absence, pay."""
    acks = _frame(frames, "verkstallighet", Blad.BEKRAFTELSER)
    if len(acks):  # only orders the 24-hour rule applies to count in punctuality
        acks = acks[acks[Col.STATUS].notna() & (acks[Col.STATUS] != "")]
    ex = _frame(frames, "verkstallighet", Blad.VERKSTALLIGHET)
    ends = _frame(frames, "avslut", Blad.AVSLUT)
    pay = _frame(frames, "ersattning", Blad.PER_UTFORARE)
    over = _frame(frames, "avgiftsunderlag", Blad.OVER_BEVILJAD)
    out_of_hospital = _frame(frames, "verkstallighet", Blad.UTSKRIVNING)
    names = distinct(*(df[Col.UTFORARE] for df in (acks, ex, ends, pay, over, out_of_hospital) if Col.UTFORARE in df),
                     pd.Index([], dtype="str"), name=Col.UTFORARE)
    out = pd.DataFrame(index=names)

    def count(df: pd.DataFrame, col: str, value: str) -> pd.Series:
        if not len(df):
            return pd.Series(0, index=out.index)
        return (df[col] == value).groupby(df[Col.UTFORARE]).sum().reindex(out.index).fillna(0).astype("int64")

    sent = acks.groupby(Col.UTFORARE).size().reindex(out.index).fillna(0).astype("int64") if len(acks) else \
        pd.Series(0, index=out.index)
    in_time = count(acks, Col.STATUS, execution.ACK_I_TID)
    out[SENT] = sent
    out[IN_TIME] = in_time
    # a real share (0–1), shown as a percentage by its format: 0.667 → 66,7 %
    out[Col.ANDEL_I_TID] = (in_time / sent.where(sent > 0)).round(3).astype("Float64")
    out[EARLY] = count(ex, Col.STATUS, execution.FOR_TIDIGT)
    out[LATE] = count(ex, Col.STATUS, execution.FOR_SENT)
    absent = pd.to_numeric(ends[Col.OPLANERAD_DAGAR], errors="coerce").groupby(ends[Col.UTFORARE]).sum() \
        if len(ends) else pd.Series(dtype="float64")
    out[Col.OPLANERAD_DAGAR] = absent.reindex(out.index).fillna(0).astype("int64")
    p = pay.set_index(Col.UTFORARE) if len(pay) else pd.DataFrame(columns=[Col.ERSATT_TID, Col.SUMMA])
    out[Col.ERSATT_TID] = pd.to_numeric(p[Col.ERSATT_TID], errors="coerce").reindex(out.index).fillna(0).to_numpy()
    out[Col.ERSATTNING] = pd.to_numeric(p[Col.SUMMA], errors="coerce").reindex(out.index).fillna(0).to_numpy()
    out[OVER] = over.groupby(Col.UTFORARE).size().reindex(out.index).fillna(0).astype("int64") if len(over) else 0
    discharged = out_of_hospital.groupby(Col.UTFORARE).size() if len(out_of_hospital) else pd.Series(dtype="int64")
    out[DISCHARGES] = discharged.reindex(out.index).fillna(0).astype("int64")
    out[DISCHARGES_IN_TIME] = count(out_of_hospital, Col.STATUS, "I tid")
    # the sheets each column comes from; their workbooks are named in Nyckeltal and Om rapporten
    out[KALLA] = (f"{Blad.BEKRAFTELSER}, {Blad.VERKSTALLIGHET}, {Blad.UTSKRIVNING}, {Blad.AVSLUT}, {Blad.PER_UTFORARE}, "
                  f"{Blad.OVER_BEVILJAD}")
    return out.reset_index()


def waiting(frames: Frames, files: dict[str, str]) -> pd.DataFrame:
    """Decisions waiting as of the report date, per insats and waiting time."""
    w = _frame(frames, "ej_verkstallda", Blad.VANTANDE)
    if not len(w):
        table = pd.DataFrame(columns=[Col.INSATS, *BANDS, Col.TOTALT])
    else:
        table = pd.crosstab(w[Col.INSATS], w[VANTEBAND]).reindex(columns=list(BANDS), fill_value=0)
        table[Col.TOTALT] = table.sum(axis=1)
        table = table.reset_index()
        table.columns.name = None
    for band in (*BANDS, Col.TOTALT):
        table[band] = table[band].astype("int64")
    table[KALLA] = f"{Blad.VANTANDE} ({files.get('ej_verkstallda', '')})"
    return table


def trend(current_month: str, current: pd.DataFrame, earlier: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Key figures for the last 12 months: earlier months from their manifests, this month computed.
    Months with no manifest are simply absent."""
    first = (pd.Period(current_month, "M") - 11).strftime("%Y-%m")
    rows = {m: figs for m, figs in earlier.items() if first <= m < current_month}
    rows[current_month] = dict(zip(current[NYCKELTAL], current[VARDE]))
    names = [f[0] for f in FIGURES]
    out = pd.DataFrame([[m] + [rows[m].get(n) for n in names] for m in sorted(rows)], columns=[MANAD] + names)
    for n in names:
        out[n] = pd.to_numeric(out[n], errors="coerce").astype("Float64")
    out[KALLA] = "manifest.json"
    return out
