"""Day activity (dagverksamhet): one queue for all units, occupancy, proposed offers, the monthly
participant list (Vellinge's routine, seeds 001/002; Botkyrka's, seed 000)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vos_cli.frames import plain
from vos_cli.io.contract import Col, FranvaroTyp, Insats, Kind, MalTyp, register_kinds
from vos_cli.rules import calendar
from vos_cli.rules.waiting import EXECUTED, decisions_with_execution

NY = "Ny brukare"
UTOKNING = "Utökning"
BYTE = "Byte av enhet"  # a newer decision or order for another unit while the client attends one (seed 000)
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
AVTALADE = "Avtalade dagar/vecka"
VECKOR_UNDER = "Veckor under"
NARVARODAGAR = "Närvarodagar"
RAKNADE_VECKOR = "Räknade veckor"
VECKOR = "Veckor"
register_kinds({BESOKARE: Kind.COUNT, I_KO: Kind.COUNT, LEDIGA_PLATSER: Kind.COUNT, ATTENDANCE_DAYS: Kind.COUNT,
                NARVARODAGAR: Kind.COUNT})
ATTENDANCE_COLUMNS = [Col.PNR, Col.ENHET, AVTALADE, VECKOR_UNDER, NARVARODAGAR, RAKNADE_VECKOR, VECKOR, Col.KOMMENTAR]
LONG_COLUMNS = [Col.PNR, Col.ENHET, Col.FROM, Col.TOM, Col.DAGAR, Col.TYP, Col.ORSAK]


@dataclass
class DayActivity:
    units: pd.DataFrame
    queue: pd.DataFrame
    offers: pd.DataFrame
    summary: pd.DataFrame
    meals: pd.DataFrame
    week: tuple[pd.Timestamp, pd.Timestamp]
    attendance: pd.DataFrame = None
    long_absence: pd.DataFrame = None


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
    attending client asking for more days per week than the running order. Priority 3: a newer
    decision or order for another unit than the one the client attends (change of unit). Oldest
    first in each."""
    d = decisions_with_execution(beslut[beslut[Col.INSATS] == Insats.DAGVERKSAMHET], execution)
    open_ = ~(d[Col.AVSLUTSDATUM].notna() & (d[Col.AVSLUTSDATUM] <= a)) & ~(d[EXECUTED].notna() & (d[EXECUTED] <= a))
    open_ &= d[Col.BESLUTSDATUM] <= a
    current = running.groupby(Col.PNR).agg(_days=(Col.OMFATTNING, "sum"), _unit=(Col.UTFORARE, "first"))
    # the unit a waiting decision is for: its order's provider when an order was sent, else the wish
    waiting_orders = execution[execution[Col.KORREKT_VERKST].isna() & (execution[Col.INSATS] == Insats.DAGVERKSAMHET)]
    ordered = waiting_orders.sort_values(Col.SKICKAD).drop_duplicates(Col.BESLUT_ID, keep="last") \
        .set_index(Col.BESLUT_ID)[Col.UTFORARE]
    d = d[open_].join(current, on=Col.PNR)
    target = d[Col.BESLUT_ID].map(ordered)
    wished = d[Col.ONSKAD_UTFORARE].where(d[Col.ONSKAD_UTFORARE].notna() & (d[Col.ONSKAD_UTFORARE] != ""))
    target = target.where(target.notna(), wished)
    attending = d["_days"].notna()
    attends = set(zip(running[Col.PNR], running[Col.UTFORARE]))
    same_unit = pd.Series([(p, u) in attends for p, u in zip(d[Col.PNR], target)], index=d.index, dtype=bool)
    change = attending & target.notna() & ~same_unit
    more = attending & ~change & (d[Col.OMFATTNING].astype("float64") > d["_days"].astype("float64"))
    new, ext, move = d[~attending], d[more], d[change]
    new = new.assign(**{PRIORITET: 1, Col.TYP: NY, DAGAR_PER_VECKA: new[Col.OMFATTNING]})
    ext = ext.assign(**{PRIORITET: 2, Col.TYP: UTOKNING, DAGAR_PER_VECKA: ext[Col.OMFATTNING] - ext["_days"]})
    move = move.assign(**{PRIORITET: 3, Col.TYP: BYTE, DAGAR_PER_VECKA: move[Col.OMFATTNING]})
    q = pd.concat([new, ext, move])
    q[NUVARANDE] = q["_days"]
    q[Col.ENHET] = target.reindex(q.index).where(target.reindex(q.index).notna(), q["_unit"]).astype("str")
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


def attendance(execution: pd.DataFrame, end_col: str, visits: pd.DataFrame, absence: pd.DataFrame,
               first: pd.Timestamp, last: pd.Timestamp, min_weeks: int = 2) -> pd.DataFrame:
    """Seeds 001/002 §10: the unit reports clients who do not come on their agreed days. Per client
    and ISO week whose Monday–Friday lie in the month and in which the order runs the whole week:
    attendance days against the agreed days per week (Omfattning), at most the week's open days
    (a holiday closes the unit). Weeks with any registered absence of the client are left out.
    Listed: clients below the agreed days in `min_weeks` or more weeks."""
    monday0 = first + pd.Timedelta(days=(7 - first.weekday()) % 7)
    mondays = [m for m in pd.date_range(monday0, last, freq="7D") if m + pd.Timedelta(days=4) <= last]
    o = execution[(execution[Col.INSATS] == Insats.DAGVERKSAMHET) & execution[Col.KORREKT_VERKST].notna()]
    if not mondays or not len(o):
        return pd.DataFrame(columns=ATTENDANCE_COLUMNS)
    weeks = pd.DataFrame({"_mon": pd.Series(mondays).astype("datetime64[us]")})
    weeks["_fri"] = weeks["_mon"] + pd.Timedelta(days=4)
    weeks["_open"] = [int(calendar.is_business_day(pd.Series(pd.date_range(m, periods=5))).sum()) for m in mondays]
    pairs = o[[Col.PNR, Col.UTFORARE, Col.OMFATTNING, Col.KORREKT_VERKST, end_col]].merge(weeks, how="cross")
    pairs = pairs[(pairs[Col.KORREKT_VERKST] <= pairs["_mon"]) & (pairs[end_col].isna() | (pairs[end_col] >= pairs["_fri"]))]
    ab = absence[[Col.PNR, Col.FROM, Col.TOM]].merge(weeks, how="cross")
    ab = ab[(ab[Col.FROM] <= ab["_mon"] + pd.Timedelta(days=6)) & (ab[Col.TOM] >= ab["_mon"])][[Col.PNR, "_mon"]]
    pairs = pairs.merge(ab.drop_duplicates().assign(_away=True), on=[Col.PNR, "_mon"], how="left")
    pairs = pairs[pairs["_away"].isna()]
    v = plain(visits[visits[Col.INSATS] == Insats.DAGVERKSAMHET][[Col.PNR, Col.UTFORARE, Col.DATUM]].drop_duplicates())
    v = v.assign(_mon=(v[Col.DATUM] - pd.to_timedelta(v[Col.DATUM].dt.day_of_week, unit="D")).astype("datetime64[us]"))
    came = v.groupby([Col.PNR, Col.UTFORARE, "_mon"]).size().rename("_came").reset_index()
    pairs = pairs.merge(came, on=[Col.PNR, Col.UTFORARE, "_mon"], how="left").fillna({"_came": 0})
    agreed = pairs[Col.OMFATTNING].astype("float64")
    pairs["_expected"] = np.minimum(agreed, pairs["_open"])
    pairs["_under"] = pairs["_came"] < pairs["_expected"]
    pairs["_text"] = "v" + pairs["_mon"].dt.isocalendar().week.astype("str") + ": " + \
        pairs["_came"].astype("int64").astype("str") + " av " + pairs["_expected"].map("{:g}".format)
    g = pairs.groupby([Col.PNR, Col.UTFORARE], sort=True)
    out = g.agg(**{AVTALADE: (Col.OMFATTNING, "first"), VECKOR_UNDER: ("_under", "sum"), NARVARODAGAR: ("_came", "sum"),
                   RAKNADE_VECKOR: ("_mon", "size"), VECKOR: ("_text", ", ".join)}).reset_index()
    out = out[out[VECKOR_UNDER] >= min_weeks].rename(columns={Col.UTFORARE: Col.ENHET})
    out[Col.KOMMENTAR] = "Rapportera till biståndshandläggaren (rutin dagverksamhet p. 10)"
    for c in (VECKOR_UNDER, NARVARODAGAR, RAKNADE_VECKOR):
        out[c] = out[c].astype("int64")
    out[AVTALADE] = out[AVTALADE].astype("Float64")
    return out[ATTENDANCE_COLUMNS].reset_index(drop=True)


def long_absence(absence: pd.DataFrame, units: set[str], first: pd.Timestamp, last: pd.Timestamp,
                 min_days: int = 14) -> pd.DataFrame:
    """Seed 000: the day activity tells the case manager of a longer planned absence. Planned absence
    rows at a day-activity unit of at least `min_days` days that overlap the month."""
    a = absence[(absence[Col.TYP] == FranvaroTyp.PLANERAD) & absence[Col.UTFORARE].isin(list(units))]
    a = a[(a[Col.FROM] <= last) & (a[Col.TOM] >= first)]
    days = ((a[Col.TOM] - a[Col.FROM]).dt.days + 1).astype("int64")
    a = a.assign(**{Col.DAGAR: days})[days >= min_days].rename(columns={Col.UTFORARE: Col.ENHET})
    return a[LONG_COLUMNS].sort_values([Col.ENHET, Col.FROM, Col.PNR], ignore_index=True)


def units(enheter: pd.DataFrame, running: pd.DataFrame, visits: pd.DataFrame, q: pd.DataFrame,
          first: pd.Timestamp, last: pd.Timestamp, open_days: int) -> pd.DataFrame:
    names = sorted(set(enheter[Col.ENHET]) | set(running[Col.UTFORARE]) | set(q[Col.ENHET].dropna()))
    u = pd.DataFrame(index=pd.Index(names, name=Col.ENHET))
    att = plain(visits.loc[(visits[Col.INSATS] == Insats.DAGVERKSAMHET) & visits[Col.DATUM].between(first, last),
                           [Col.PNR, Col.UTFORARE, Col.DATUM]])
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
            a: pd.Timestamp, warn_days: int = 30, absence: pd.DataFrame | None = None, min_weeks: int = 2,
            long_days: int = 14) -> DayActivity:
    running = running_orders(execution, a, end_col)
    q = queue(beslut, execution, running, a, warn_days)
    monday, friday, open_days = next_week(a)
    u = units(enheter, running, visits, q, first, last, open_days)
    o = offers(q, u)
    summary = pd.DataFrame([
        ("Deltagare (besökare i månaden)", int(u[BESOKARE].sum())),
        ("I kö — nya brukare", int((q[Col.TYP] == NY).sum())),
        ("I kö — utökning", int((q[Col.TYP] == UTOKNING).sum())),
        ("I kö — byte av enhet", int((q[Col.TYP] == BYTE).sum())),
        ("Nya brukare förbi tremånadersgränsen", int((q[BEVAKNING] == "Passerad").sum())),
        ("Nya brukare inom 30 dagar från gränsen", int((q[BEVAKNING] == "Inom 30 dagar").sum())),
        ("Lediga platser (hela platser per dag)", int(u[LEDIGA_PLATSER].fillna(0).sum())),
        ("Föreslagna erbjudanden", len(o)),
        (f"Kapacitet räknad för veckan {monday:%Y-%m-%d}–{friday:%Y-%m-%d}", open_days),
    ], columns=[UPPGIFT, Col.ANTAL])
    if absence is None:
        absence = pd.DataFrame({Col.PNR: pd.Series(dtype="str"), Col.UTFORARE: pd.Series(dtype="str"),
                                Col.FROM: pd.Series(dtype="datetime64[us]"), Col.TOM: pd.Series(dtype="datetime64[us]"),
                                Col.TYP: pd.Series(dtype="str"), Col.ORSAK: pd.Series(dtype="str")})
    day_units = set(enheter[Col.ENHET]) | set(execution.loc[execution[Col.INSATS] == Insats.DAGVERKSAMHET, Col.UTFORARE])
    return DayActivity(u, q, o, summary, meals_per_client(meals, f"{first:%Y-%m}"), (monday, friday),
                       attendance(execution, end_col, visits, absence, first, last, min_weeks),
                       long_absence(absence, day_units, first, last, long_days))
