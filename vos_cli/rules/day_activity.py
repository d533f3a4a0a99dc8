"""Day activity (dagverksamhet): one queue for all units, occupancy, proposed offers, the monthly
participant list (Vellinge's routine, seeds 001/002; Botkyrka's, seed 000)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vos_cli.io.contract import Col, Insats, MalTyp
from vos_cli.rules import calendar
from vos_cli.rules.waiting import EXECUTED, decisions_with_execution

NY = "Ny brukare"
UTOKNING = "Utökning"
PRIORITET = "Prioritet"
DAGAR_I_KO = "Dagar i kö"
DAGAR_PER_VECKA = "Dagar per vecka"
NUVARANDE = "Nuvarande dagar per vecka"
BEVAKNING = "Tremånadersgräns"
ONSKAD = "Önskad enhet"
UPPGIFT = "Uppgift"
ERBJUDEN = "Erbjuden enhet"
BESOKARE = "Besökare"
I_KO = "I kö"
LEDIGA_PLATSER = "Lediga platser"
QUEUE_COLUMNS = [PRIORITET, Col.BESLUT_ID, Col.PNR, Col.ENHET, Col.BESLUTSDATUM, DAGAR_I_KO, Col.TYP,
                 DAGAR_PER_VECKA, NUVARANDE, Col.TREMANADERSDATUM, BEVAKNING]
OPEN_DAYS = "Öppna dagar (vecka)"
ATTENDANCE_DAYS = "Besöksdagar i månaden"
UNIT_COLUMNS = [Col.ENHET, BESOKARE, I_KO, LEDIGA_PLATSER, Col.PLATSER, OPEN_DAYS, Col.KAPACITET, Col.BELAGDA,
                Col.LEDIGA_DAGAR, ATTENDANCE_DAYS]
OFFER_COLUMNS = [PRIORITET, Col.BESLUT_ID, Col.PNR, Col.TYP, ONSKAD, ERBJUDEN, DAGAR_PER_VECKA, Col.KOMMENTAR]


@dataclass
class DayActivity:
    units: pd.DataFrame
    queue: pd.DataFrame
    offers: pd.DataFrame
    summary: pd.DataFrame
    meals: pd.DataFrame
    week: tuple[pd.Timestamp, pd.Timestamp]


def next_week(a: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp, int]:
    """The first whole Monday–Friday week after the as-of date, and its open (business) days."""
    monday = a.normalize() + pd.Timedelta(days=7 - a.weekday())
    days = pd.Series(pd.date_range(monday, periods=5, freq="D")).astype("datetime64[us]")
    return monday, monday + pd.Timedelta(days=4), int(calendar.is_business_day(days).sum())


def running_orders(execution: pd.DataFrame, a: pd.Timestamp, end_col: str) -> pd.DataFrame:
    """Executed Dagverksamhet orders running on the as-of date."""
    d = execution[execution[Col.INSATS] == Insats.DAGVERKSAMHET]
    run = d[Col.KORREKT_VERKST].notna() & (d[Col.KORREKT_VERKST] <= a) & (d[end_col].isna() | (d[end_col] >= a))
    return d[run]


def queue(beslut: pd.DataFrame, execution: pd.DataFrame, running: pd.DataFrame, a: pd.Timestamp,
          warn_days: int = 30) -> pd.DataFrame:
    """Priority 1: granted decisions not executed (new clients). Priority 2: a newer decision of an
    attending client asking for more days per week than the running order. Oldest first in each."""
    d = decisions_with_execution(beslut[beslut[Col.INSATS] == Insats.DAGVERKSAMHET], execution)
    open_ = ~(d[Col.AVSLUTSDATUM].notna() & (d[Col.AVSLUTSDATUM] <= a)) & ~(d[EXECUTED].notna() & (d[EXECUTED] <= a))
    open_ &= d[Col.BESLUTSDATUM] <= a
    current = running.groupby(Col.PNR).agg(_days=(Col.OMFATTNING, "sum"), _unit=(Col.UTFORARE, "first"))
    d = d[open_].join(current, on=Col.PNR)
    attending = d["_days"].notna()
    more = attending & (d[Col.OMFATTNING].astype("float64") > d["_days"].astype("float64"))
    new, ext = d[~attending], d[more]
    new = new.assign(**{PRIORITET: 1, Col.TYP: NY, DAGAR_PER_VECKA: new[Col.OMFATTNING]})
    ext = ext.assign(**{PRIORITET: 2, Col.TYP: UTOKNING, DAGAR_PER_VECKA: ext[Col.OMFATTNING] - ext["_days"]})
    q = pd.concat([new, ext])
    q[NUVARANDE] = q["_days"]
    wished = q[Col.ONSKAD_UTFORARE]
    q[Col.ENHET] = wished.where(wished.notna() & (wished != ""), q["_unit"]).astype("str")
    q[DAGAR_I_KO] = (a - q[Col.BESLUTSDATUM]).dt.days.astype("Int64")
    t = q[Col.TREMANADERSDATUM]
    flag = pd.Series("", index=q.index, dtype="str")
    flag[(q[Col.TYP] == NY) & (t >= a) & (t <= a + pd.Timedelta(days=warn_days))] = "Inom 30 dagar"
    flag[(q[Col.TYP] == NY) & (t < a)] = "Passerad"
    q[BEVAKNING] = flag
    q = q.sort_values([PRIORITET, Col.BESLUTSDATUM, Col.BESLUT_ID], ignore_index=True)
    for c in (DAGAR_PER_VECKA, NUVARANDE):
        q[c] = q[c].astype("Float64")
    return q[QUEUE_COLUMNS]


def units(enheter: pd.DataFrame, running: pd.DataFrame, visits: pd.DataFrame, q: pd.DataFrame,
          first: pd.Timestamp, last: pd.Timestamp, open_days: int) -> pd.DataFrame:
    names = sorted(set(enheter[Col.ENHET]) | set(running[Col.UTFORARE]) | set(q[Col.ENHET].dropna()))
    u = pd.DataFrame(index=pd.Index(names, name=Col.ENHET))
    att = visits[(visits[Col.INSATS] == Insats.DAGVERKSAMHET) & visits[Col.DATUM].between(first, last)]
    u[BESOKARE] = att.groupby(Col.UTFORARE)[Col.PNR].nunique().reindex(u.index).fillna(0).astype("int64")
    u[ATTENDANCE_DAYS] = att.drop_duplicates([Col.PNR, Col.UTFORARE, Col.DATUM]).groupby(
        Col.UTFORARE).size().reindex(u.index).fillna(0).astype("int64")
    u[I_KO] = q.groupby(Col.ENHET).size().reindex(u.index).fillna(0).astype("int64")
    u[Col.PLATSER] = enheter.set_index(Col.ENHET)[Col.PLATSER].reindex(u.index).astype("Int64")
    u[OPEN_DAYS] = open_days
    u[Col.KAPACITET] = (u[Col.PLATSER] * open_days).astype("Int64")
    taken = running.groupby(Col.UTFORARE)[Col.OMFATTNING].sum().astype("float64")
    u[Col.BELAGDA] = taken.reindex(u.index).fillna(0).to_numpy()
    free = (u[Col.KAPACITET].astype("Float64") - u[Col.BELAGDA]).clip(lower=0)
    u[Col.LEDIGA_DAGAR] = free
    u[LEDIGA_PLATSER] = (np.floor(free / open_days) if open_days else free * 0).astype("Int64")
    return u.reset_index()[UNIT_COLUMNS]


def offers(q: pd.DataFrame, u: pd.DataFrame) -> pd.DataFrame:
    """Walk the queue in priority order; offer the wished unit when it has room, else the unit with
    the most free days that has room; never exceed a unit's free days. (A loop over the queue,
    which is short and whose allocation is sequential by nature.)"""
    free = dict(zip(u[Col.ENHET], u[Col.LEDIGA_DAGAR].fillna(0).astype(float)))
    rows = []
    for r in q.to_dict("records"):
        need = float(r[DAGAR_PER_VECKA]) if pd.notna(r[DAGAR_PER_VECKA]) else 1.0
        wished = r[Col.ENHET]
        if wished in free and free[wished] >= need:
            unit, note = wished, ONSKAD
        else:
            fits = sorted((-f, name) for name, f in free.items() if f >= need)
            if not fits:
                continue
            unit, note = fits[0][1], "Annan enhet — önskad enhet har inte plats"
        free[unit] -= need
        rows.append([r[PRIORITET], r[Col.BESLUT_ID], r[Col.PNR], r[Col.TYP], wished, unit, need, note])
    out = pd.DataFrame(rows, columns=OFFER_COLUMNS)
    out[DAGAR_PER_VECKA] = out[DAGAR_PER_VECKA].astype("float64")
    return out


def meals_per_client(meals: pd.DataFrame, month: str) -> pd.DataFrame:
    m = meals[(meals[Col.TYP] == MalTyp.MALTID) & (meals[Col.MANAD] == month)]
    g = m.groupby([Col.PNR, Col.UTFORARE], as_index=False)[Col.ANTAL].sum()
    g.insert(2, Col.MANAD, month)
    return g.rename(columns={Col.UTFORARE: Col.ENHET, Col.ANTAL: Col.MALTIDER_ST}).sort_values(
        [Col.ENHET, Col.PNR], ignore_index=True)


def compute(beslut: pd.DataFrame, execution: pd.DataFrame, end_col: str, enheter: pd.DataFrame,
            visits: pd.DataFrame, meals: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp,
            a: pd.Timestamp, warn_days: int = 30) -> DayActivity:
    running = running_orders(execution, a, end_col)
    q = queue(beslut, execution, running, a, warn_days)
    monday, friday, open_days = next_week(a)
    u = units(enheter, running, visits, q, first, last, open_days)
    o = offers(q, u)
    summary = pd.DataFrame([
        ("Deltagare (besökare i månaden)", int(u[BESOKARE].sum())),
        ("I kö — nya brukare", int((q[Col.TYP] == NY).sum())),
        ("I kö — utökning", int((q[Col.TYP] == UTOKNING).sum())),
        ("Nya brukare förbi tremånadersgränsen", int((q[BEVAKNING] == "Passerad").sum())),
        ("Nya brukare inom 30 dagar från gränsen", int((q[BEVAKNING] == "Inom 30 dagar").sum())),
        ("Lediga platser (hela platser per dag)", int(u[LEDIGA_PLATSER].fillna(0).sum())),
        ("Föreslagna erbjudanden", len(o)),
        (f"Kapacitet räknad för veckan {monday:%Y-%m-%d}–{friday:%Y-%m-%d}", open_days),
    ], columns=[UPPGIFT, Col.ANTAL])
    return DayActivity(u, q, o, summary, meals_per_client(meals, f"{first:%Y-%m}"), (monday, friday))
