"""Order acknowledgement (24 hours on business days) and execution dates (first performed visit).

Pure functions over DataFrames; rules.md §2 and §3, docs/rules.md.
"""

from __future__ import annotations

import pandas as pd

from vos_cli.io.contract import Col, Insats
from vos_cli.rules import calendar

# status values, exact (rules.md §2)
ACK_I_TID = "I tid"
ACK_SEN = "Sen"
ACK_PASSERAD = "Ej bekräftad – frist passerad"
ACK_INOM = "Ej bekräftad – inom frist"
SEN_SKRIFTLIG = "Sen skriftlig beställning"
SKRIFTLIG_I_TID = "I tid"

# status values, exact (rules.md §3)
OK = "OK"
FOR_TIDIGT = "För tidigt"
FOR_SENT = "För sent"
EJ_REGISTRERAT = "Ej registrerat"
UTAN_BESOK = "Registrerat utan besök"
EJ_PABORJAD = "Ej påbörjad"
STATUSES = (OK, FOR_TIDIGT, FOR_SENT, EJ_REGISTRERAT, UTAN_BESOK, EJ_PABORJAD)

END = "_slut"  # an order's effective end: Slutdatum, or the day before the next order in its chain
BEFORE_LOG = "_fore_loggen"

ACK_COLUMNS = [Col.BESTALLNING_ID, Col.UTFORARE, Col.SKICKAD, Col.RAKNAS_FRAN, Col.FRIST, Col.BEKRAFTAD,
               Col.STATUS, Col.FORSENING, Col.PNR, Col.INSATS, Col.MUNTLIGT_BESLUT, Col.SKRIFTLIG_STATUS,
               Col.KOMMENTAR]
EXEC_COLUMNS = [Col.BESTALLNING_ID, Col.BESLUT_ID, Col.PNR, Col.INSATS, Col.UTFORARE, Col.STARTDATUM,
                Col.REG_VERKST, Col.FORSTA_BESOK, Col.KORREKT_VERKST, Col.STATUS, Col.KOMMENTAR]


def acknowledgements(orders: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp,
                     as_of: pd.Timestamp, oral_days: int = 3) -> pd.DataFrame:
    """One row per order sent (`Skickad`) in [first, last]: received-from, deadline, status, delay."""
    sent_day = orders[Col.SKICKAD].dt.normalize()
    o = orders[(sent_day >= first) & (sent_day <= last)].copy()
    s = calendar.received_from(o[Col.SKICKAD])
    f = calendar.deadline_24h(s)
    ack = o[Col.BEKRAFTAD]
    hours = lambda td: (td / pd.Timedelta(hours=1)).round(1)  # noqa: E731
    status = pd.Series(ACK_INOM, index=o.index, dtype="str")
    status[ack.isna() & (as_of > f)] = ACK_PASSERAD
    status[ack.notna() & (ack <= f)] = ACK_I_TID
    status[ack.notna() & (ack > f)] = ACK_SEN
    delay = pd.Series(pd.NA, index=o.index, dtype="Float64")
    late = status == ACK_SEN
    delay[late] = hours(ack[late] - f[late])
    overdue = status == ACK_PASSERAD
    delay[overdue] = hours(as_of - f[overdue])

    # an oral urgent decision must be followed by a written order within 3 business days
    oral = o[Col.MUNTLIGT_BESLUT]
    limit = calendar.add_business_days(oral, oral_days, roll="backward")
    written = pd.Series(pd.NA, index=o.index, dtype="str")
    written[oral.notna()] = SKRIFTLIG_I_TID
    written[oral.notna() & (o[Col.SKICKAD].dt.normalize() > limit)] = SEN_SKRIFTLIG

    ack_note = pd.Series("", index=o.index, dtype="str")
    ack_note[status == ACK_SEN] = "Bekräftad efter fristen"
    ack_note[overdue] = "Bekräfta beställningen i verksamhetssystemet"
    oral_late = written == SEN_SKRIFTLIG
    oral_note = f"Skriftlig beställning senare än {oral_days} vardagar efter muntligt beslut"
    comment = ack_note.where(~oral_late, ack_note + " · " + oral_note)
    comment[oral_late & (ack_note == "")] = oral_note
    out = pd.DataFrame({
        Col.BESTALLNING_ID: o[Col.BESTALLNING_ID], Col.UTFORARE: o[Col.UTFORARE], Col.SKICKAD: o[Col.SKICKAD],
        Col.RAKNAS_FRAN: s, Col.FRIST: f, Col.BEKRAFTAD: ack, Col.STATUS: status, Col.FORSENING: delay,
        Col.PNR: o[Col.PNR], Col.INSATS: o[Col.INSATS], Col.MUNTLIGT_BESLUT: oral,
        Col.SKRIFTLIG_STATUS: written, Col.KOMMENTAR: comment,
    })
    return out.sort_values([Col.UTFORARE, Col.SKICKAD, Col.BESTALLNING_ID], ignore_index=True)


def effective_end(orders: pd.DataFrame) -> pd.Series:
    """Slutdatum, or the day before the provider's next order for the same client and insats
    (a new order on a running service ends the previous one), whichever is earlier."""
    keys = [Col.PNR, Col.INSATS, Col.UTFORARE]
    o = orders.sort_values(keys + [Col.STARTDATUM, Col.BESTALLNING_ID])
    nxt = o.groupby(keys, sort=False)[Col.STARTDATUM].shift(-1)
    cap = (nxt - pd.Timedelta(days=1)).where(nxt > o[Col.STARTDATUM])
    end = pd.concat([o[Col.SLUTDATUM], cap], axis=1).min(axis=1)
    return end.reindex(orders.index).astype("datetime64[us]")


def execution_dates(orders: pd.DataFrame, visits: pd.DataFrame, log_start: pd.Timestamp | None) -> pd.DataFrame:
    """Every order with its first performed visit, correct execution date and status.

    visits: the time registration (one row per visit, attendance day or dygn). log_start: the first
    day the visit log covers; an order registered as executed before it keeps its registered date.
    With log_start None (no visit log) the registered date is taken as correct.
    """
    o = orders.copy()
    o[END] = effective_end(o)
    keys = [Col.PNR, Col.UTFORARE, Col.INSATS]
    if log_start is not None and len(visits):
        days = visits[keys + [Col.DATUM]].drop_duplicates().sort_values(Col.DATUM)
        left = o[keys + [Col.STARTDATUM]].reset_index().sort_values(Col.STARTDATUM)
        found = pd.merge_asof(left, days, left_on=Col.STARTDATUM, right_on=Col.DATUM, by=keys,
                              direction="forward", allow_exact_matches=True)
        first_visit = found.set_index("index")[Col.DATUM].reindex(o.index)
        first_visit = first_visit.where(~(first_visit > o[END]))
    else:
        first_visit = pd.Series(pd.NaT, index=o.index, dtype="datetime64[us]")
    reg = o[Col.VERKSTALLIGHETSDATUM]
    no_visits = o[Col.INSATS].isin(Insats.WITHOUT_VISITS)
    if log_start is None:
        before_log = reg.notna() & ~no_visits
    else:
        before_log = reg.notna() & (reg < log_start) & (o[Col.STARTDATUM] < log_start) & ~no_visits
    first_visit = first_visit.where(~no_visits & ~before_log)

    status = pd.Series(EJ_PABORJAD, index=o.index, dtype="str")
    status[reg.isna() & first_visit.notna()] = EJ_REGISTRERAT
    status[reg.notna() & first_visit.isna()] = UTAN_BESOK
    status[reg.notna() & (reg == first_visit)] = OK
    status[reg.notna() & (reg < first_visit)] = FOR_TIDIGT
    status[reg.notna() & (reg > first_visit)] = FOR_SENT
    status[(no_visits | before_log) & reg.notna()] = OK

    correct = first_visit.where(~(no_visits | before_log), reg)
    date_txt = correct.dt.strftime("%Y-%m-%d")
    comment = pd.Series("", index=o.index, dtype="str")
    fix = status.isin([FOR_TIDIGT, FOR_SENT])
    comment[fix] = "Ändra verkställighetsdatum till " + date_txt[fix] + " (första besöket)"
    comment[status == EJ_REGISTRERAT] = "Registrera verkställighetsdatum " + date_txt[status == EJ_REGISTRERAT] + \
        " (första besöket)"
    comment[status == UTAN_BESOK] = "Inget utfört besök från startdatum — kontrollera verkställighetsdatumet"
    comment[status == EJ_PABORJAD] = "Inte verkställd — journalför orsaken och meddela handläggaren"
    comment[no_visits & reg.notna()] = "Insatsen lämnar inga besök; registrerat datum gäller"
    if log_start is not None:
        comment[before_log & (status == OK)] = (
            f"Verkställd före besöksloggens första dag ({log_start:%Y-%m-%d}); registrerat datum gäller"
        )

    out = o.assign(**{
        Col.REG_VERKST: reg, Col.FORSTA_BESOK: first_visit, Col.KORREKT_VERKST: correct,
        Col.STATUS: status, Col.KOMMENTAR: comment, BEFORE_LOG: before_log,
    })
    return out


def month_selection(execution: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Orders active in the month, and orders started by its end and not yet executed."""
    started = execution[Col.STARTDATUM] <= last
    active = started & (execution[END].isna() | (execution[END] >= first))
    not_executed = started & execution[Col.KORREKT_VERKST].isna()
    sel = execution[active | not_executed]
    return sel.sort_values([Col.UTFORARE, Col.STARTDATUM, Col.BESTALLNING_ID])[EXEC_COLUMNS].reset_index(drop=True)


def log_start(visits: pd.DataFrame, first: pd.Timestamp) -> pd.Timestamp:
    """The first day the visit log covers: its earliest date, but at least the month's first day."""
    if not len(visits):
        return first
    return min(first, visits[Col.DATUM].min())
