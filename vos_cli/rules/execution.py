"""Order acknowledgement (24 hours on business days) and execution dates (first performed visit).

Pure functions over DataFrames; rules.md §2 and §3, docs/rules.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vos_cli.frames import day_text, shared_keys
from vos_cli.io.contract import Col, Insats
from vos_cli.rules import calendar

# status values, exact (rules.md §2)
ACK_I_TID = "I tid"
ACK_SEN = "Sen"
ACK_PASSERAD = "Ej bekräftad – frist passerad"
ACK_INOM = "Ej bekräftad – inom frist"
SEN_SKRIFTLIG = "Sen skriftlig beställning"
SKRIFTLIG_I_TID = "I tid"
SKRIFTLIG_SAKNAS = "Skriftlig beställning saknas"
SKRIFTLIG_INOM = "Inom frist"

# status values, exact (rules.md §3)
OK = "OK"
FOR_TIDIGT = "För tidigt"
FOR_SENT = "För sent"
EJ_REGISTRERAT = "Ej registrerat"
UTAN_BESOK = "Registrerat utan besök"
EJ_PABORJAD = "Ej påbörjad"
STATUSES = (OK, FOR_TIDIGT, FOR_SENT, EJ_REGISTRERAT, UTAN_BESOK, EJ_PABORJAD)

END = "_slut"  # an order's effective end: Slutdatum, or the day before a later order's execution date
BEFORE_LOG = "_fore_loggen"
ENDED_BY = "_avslutad_av"  # the later order whose execution ended this one
DEFAULT_ACK_SCOPE = ("Hemtjänst", "Trygghetslarm", "Matdistribution")
ACK_NOT_IN_SCOPE = "Bekräftelsefristen gäller hemtjänstens beställningar, inte "

ACK_COLUMNS = [Col.BESTALLNING_ID, Col.UTFORARE, Col.SKICKAD, Col.RAKNAS_FRAN, Col.FRIST, Col.BEKRAFTAD,
               Col.STATUS, Col.FORSENING, Col.PNR, Col.INSATS, Col.MUNTLIGT_BESLUT, Col.SKRIFTLIG_STATUS,
               Col.KOMMENTAR]
EXEC_COLUMNS = [Col.BESTALLNING_ID, Col.BESLUT_ID, Col.PNR, Col.INSATS, Col.UTFORARE, Col.STARTDATUM,
                Col.REG_VERKST, Col.FORSTA_BESOK, Col.KORREKT_VERKST, Col.STATUS, Col.KOMMENTAR]
FORSTA_BESTALLNING = "Första beställning skickad"
ORAL_COLUMNS = [Col.BESLUT_ID, Col.PNR, Col.INSATS, Col.MUNTLIGT_BESLUT, Col.FRIST, FORSTA_BESTALLNING, Col.STATUS,
                Col.HANDLAGGARE, Col.KOMMENTAR]
OVERLAPPAR = "Överlappar beställning"
OVERLAP_COLUMNS = [Col.PNR, Col.INSATS, Col.BESTALLNING_ID, Col.UTFORARE, Col.STARTDATUM, Col.SLUTDATUM, OVERLAPPAR,
                   Col.KOMMENTAR]


def _hours(td: pd.Series) -> pd.Series:
    return (td / pd.Timedelta(hours=1)).round(1)


def oral_deadline(oral: pd.Series, days: int) -> pd.Series:
    """The last day for the written order: `days` business days after the call (a call on a
    weekend or holiday counts from that day: the deadline rolls back onto a business day)."""
    return calendar.add_business_days(oral, days, roll="backward")


def acknowledgements(orders: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp,
                     as_of: pd.Timestamp, oral_days: int = 3,
                     scope: tuple[str, ...] | list[str] = DEFAULT_ACK_SCOPE) -> pd.DataFrame:
    """One row per order sent (`Skickad`) in [first, last]: received-from, deadline, status, delay.
    Only orders of an insats in `scope` are judged (the 24-hour rule is the home-care routine's);
    the others get no status and do not count in a provider's punctuality."""
    sent_day = orders[Col.SKICKAD].dt.normalize()
    o = orders[(sent_day >= first) & (sent_day <= last)].copy()
    judged = o[Col.INSATS].isin(list(scope))
    s = calendar.received_from(o[Col.SKICKAD])
    f = calendar.deadline_24h(s)
    ack = o[Col.BEKRAFTAD]
    status = pd.Series(ACK_INOM, index=o.index, dtype="str")
    status[ack.isna() & (as_of > f)] = ACK_PASSERAD
    status[ack.notna() & (ack <= f)] = ACK_I_TID
    status[ack.notna() & (ack > f)] = ACK_SEN
    status = status.where(judged, "")
    delay = pd.Series(pd.NA, index=o.index, dtype="Float64")
    late = status == ACK_SEN
    delay[late] = _hours(ack[late] - f[late])
    overdue = status == ACK_PASSERAD
    delay[overdue] = _hours(as_of - f[overdue])

    # an oral urgent decision must be followed by a written order within 3 business days
    oral = o[Col.MUNTLIGT_BESLUT]
    limit = oral_deadline(oral, oral_days)
    written = pd.Series(pd.NA, index=o.index, dtype="str")
    written[oral.notna()] = SKRIFTLIG_I_TID
    written[oral.notna() & (o[Col.SKICKAD].dt.normalize() > limit)] = SEN_SKRIFTLIG

    ack_note = pd.Series("", index=o.index, dtype="str")
    ack_note[status == ACK_SEN] = "Bekräftad efter fristen"
    ack_note[overdue] = "Bekräfta beställningen i verksamhetssystemet"
    ack_note[~judged] = ACK_NOT_IN_SCOPE + o.loc[~judged, Col.INSATS].str.casefold()
    oral_late = written == SEN_SKRIFTLIG
    oral_note = f"Skriftlig beställning senare än {oral_days} vardagar efter muntligt beslut"
    comment = ack_note.where(~oral_late, ack_note + " · " + oral_note)
    comment[oral_late & (ack_note == "")] = oral_note
    out = pd.DataFrame({
        Col.BESTALLNING_ID: o[Col.BESTALLNING_ID], Col.UTFORARE: o[Col.UTFORARE], Col.SKICKAD: o[Col.SKICKAD],
        Col.RAKNAS_FRAN: s.where(judged), Col.FRIST: f.where(judged), Col.BEKRAFTAD: ack, Col.STATUS: status,
        Col.FORSENING: delay, Col.PNR: o[Col.PNR], Col.INSATS: o[Col.INSATS], Col.MUNTLIGT_BESLUT: oral,
        Col.SKRIFTLIG_STATUS: written, Col.KOMMENTAR: comment,
    })
    return out.sort_values([Col.UTFORARE, Col.SKICKAD, Col.BESTALLNING_ID], ignore_index=True)


def oral_decisions(beslut: pd.DataFrame, orders: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp,
                   as_of: pd.Timestamp, days: int = 3) -> pd.DataFrame:
    """Decisions with an urgent oral decision (`Muntligt beslut`): was a written order sent within
    `days` business days (seed 003)? Listed: calls in the month, and earlier ones still missing
    their order. Status `Skriftlig beställning saknas` once the deadline has passed with no order."""
    d = beslut[beslut[Col.MUNTLIGT_BESLUT].notna()].copy()
    deadline = oral_deadline(d[Col.MUNTLIGT_BESLUT], days)
    sent = orders.groupby(Col.BESLUT_ID)[Col.SKICKAD].min()
    first_sent = pd.Series(sent.reindex(d[Col.BESLUT_ID]).to_numpy(), index=d.index).astype("datetime64[us]")
    sent_day = first_sent.dt.normalize()
    judged_by = pd.Timestamp(as_of).normalize()
    status = pd.Series(SKRIFTLIG_INOM, index=d.index, dtype="str")
    status[first_sent.notna() & (sent_day <= deadline)] = SKRIFTLIG_I_TID
    status[first_sent.notna() & (sent_day > deadline)] = SEN_SKRIFTLIG
    status[first_sent.isna() & (judged_by > deadline)] = SKRIFTLIG_SAKNAS
    comment = pd.Series("", index=d.index, dtype="str")
    comment[status == SKRIFTLIG_SAKNAS] = "Fatta nytt beslut och skicka beställningen omgående (rutin hemtjänst)"
    comment[status == SEN_SKRIFTLIG] = f"Beställningen skickades senare än {days} vardagar efter samtalet"
    in_month = d[Col.MUNTLIGT_BESLUT].between(first, last) | (
        (status == SKRIFTLIG_SAKNAS) & (d[Col.MUNTLIGT_BESLUT] <= last))
    out = d.assign(**{Col.FRIST: deadline, FORSTA_BESTALLNING: first_sent, Col.STATUS: status,
                      Col.KOMMENTAR: comment})[in_month]
    return out[ORAL_COLUMNS].sort_values([Col.MUNTLIGT_BESLUT, Col.BESLUT_ID], ignore_index=True)


def chain_end(orders: pd.DataFrame, executed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(end, ended by) of each order: Slutdatum, or the day before a later order of the same client
    and insats is executed, whichever is earlier — whatever the later order's provider (a new order
    on a running service ends the previous one, a change of provider included, so no day is paid
    twice). `executed`: each order's execution date before this cap (first visit or registered)."""
    keys = [Col.PNR, Col.INSATS]
    o = orders[keys + [Col.STARTDATUM, Col.BESTALLNING_ID, Col.SLUTDATUM]].assign(_ex=executed)
    o = o.sort_values(keys + [Col.STARTDATUM, Col.BESTALLNING_ID], kind="stable")
    o["_pos"] = np.arange(len(o))
    # the earliest execution among the later orders of the chain: a reversed cumulative minimum
    rev = o.iloc[::-1]
    later = rev.groupby(keys, sort=False)["_ex"].cummin().iloc[::-1]
    nxt = later.groupby([o[k] for k in keys], sort=False).shift(-1).astype("datetime64[us]")
    cap = (nxt - pd.Timedelta(days=1)).where(nxt > o[Col.STARTDATUM])
    end = pd.concat([o[Col.SLUTDATUM], cap], axis=1).min(axis=1)
    # which order that was, for the comments
    capped = o.loc[cap.notna() & (o[Col.SLUTDATUM].isna() | (cap < o[Col.SLUTDATUM])), keys + ["_pos"]]
    cand = o.loc[o["_ex"].notna(), keys + ["_pos", "_ex", Col.BESTALLNING_ID]]
    m = capped.assign(_nxt=nxt[capped.index]).merge(cand, on=keys, suffixes=("", "_c"))
    m = m[(m["_pos_c"] > m["_pos"]) & (m["_ex"] == m["_nxt"])].sort_values("_pos_c").drop_duplicates("_pos")
    by = pd.Series(m[Col.BESTALLNING_ID].to_numpy(), index=o.index[m["_pos"].to_numpy()], dtype="str")
    return end.reindex(orders.index).astype("datetime64[us]"), by.reindex(orders.index).astype("str")


def first_on_or_after(visits: pd.DataFrame, orders: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """For each order, the first visit day on or after its Startdatum with the same `keys` (NaT: none).

    One integer per visit — the key (client, provider, insats as shared integer codes) times the
    days the log spans, plus the day — sorted once; each order's first visit is a binary search for
    its own key and start day. A nation's visit log is neither turned into text nor hashed."""
    found = np.full(len(orders), np.datetime64("NaT"), dtype="datetime64[D]")
    if not len(orders):  # nothing to look for (a month without discharges): the log is not sorted
        return found.astype("datetime64[us]")
    dated = visits[Col.DATUM].notna().to_numpy()
    if not dated.any():
        return found.astype("datetime64[us]")
    v = visits if dated.all() else visits[dated]
    vkey, okey = shared_keys(v, orders, keys)
    # in place (no temporary the size of the visit log): days since the first, plus key × span
    visit_at = v[Col.DATUM].to_numpy(dtype="datetime64[us]").astype("datetime64[D]").view(np.int64)
    day0 = int(visit_at.min())
    span = int(visit_at.max()) - day0 + 2
    visit_at -= day0
    vkey *= span
    visit_at += vkey
    del vkey, v
    visit_at.sort()
    day0 = np.datetime64(day0, "D")
    sday = orders[Col.STARTDATUM].to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
    # a start before the log asks for the key's first visit; after it, for a day no visit has
    starts = np.clip(np.where(np.isnat(sday), 0, (sday - day0).astype(np.int64)), 0, span - 1)
    at = np.minimum(np.searchsorted(visit_at, okey * span + starts), len(visit_at) - 1)
    hit = (visit_at[at] // span == okey) & (visit_at[at] >= okey * span + starts) & ~np.isnat(sday)
    found[hit] = day0 + (visit_at[at[hit]] % span).astype("timedelta64[D]")
    return found.astype("datetime64[us]")


def execution_dates(orders: pd.DataFrame, visits: pd.DataFrame, log_start: pd.Timestamp | None) -> pd.DataFrame:
    """Every order with its first performed visit, correct execution date and status.

    visits: the time registration (one row per visit, attendance day or dygn). log_start: the first
    day the visit log covers; an order registered as executed before it keeps its registered date.
    With log_start None (no visit log) the registered date is taken as correct.
    """
    o = orders.copy()
    keys = [Col.PNR, Col.UTFORARE, Col.INSATS]
    if log_start is not None and len(visits):
        first_visit = pd.Series(first_on_or_after(visits, o, keys), index=o.index)
        first_visit = first_visit.where(~(first_visit > o[Col.SLUTDATUM]))
    else:
        first_visit = pd.Series(pd.NaT, index=o.index, dtype="datetime64[us]")
    reg = o[Col.VERKSTALLIGHETSDATUM]
    no_visits = o[Col.INSATS].isin(Insats.WITHOUT_VISITS)
    if log_start is None:
        before_log = reg.notna() & ~no_visits
    else:
        before_log = reg.notna() & (reg < log_start) & (o[Col.STARTDATUM] < log_start) & ~no_visits
    registered_counts = no_visits | before_log
    o[END], o[ENDED_BY] = chain_end(o, first_visit.where(~registered_counts, reg))
    first_visit = first_visit.where(~(first_visit > o[END]) & ~registered_counts)

    status = pd.Series(EJ_PABORJAD, index=o.index, dtype="str")
    status[reg.isna() & first_visit.notna()] = EJ_REGISTRERAT
    status[reg.notna() & first_visit.isna()] = UTAN_BESOK
    status[reg.notna() & (reg == first_visit)] = OK
    status[reg.notna() & (reg < first_visit)] = FOR_TIDIGT
    status[reg.notna() & (reg > first_visit)] = FOR_SENT
    status[registered_counts & reg.notna()] = OK

    correct = first_visit.where(~registered_counts, reg)
    date_txt = day_text(correct)
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
    ended = o[ENDED_BY].notna() & correct.notna()
    comment[ended] = comment[ended].where(comment[ended] == "", comment[ended] + " · ") + \
        "Avslutas " + day_text(o.loc[ended, END]) + " när beställning " + o.loc[ended, ENDED_BY] + \
        " verkställs"

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


def log_start(earliest: pd.Timestamp | None, first: pd.Timestamp) -> pd.Timestamp:
    """The first day the visit log covers for the month starting `first`: the log's earliest date
    (`earliest_visit`), but no later than the month's first day."""
    return first if earliest is None else min(first, earliest)


def earliest_visit(visits: pd.DataFrame) -> pd.Timestamp | None:
    """The visit log's earliest date (None: no visits)."""
    return visits[Col.DATUM].min() if len(visits) else None


def overlapping_orders(execution: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Running orders of one client and insats whose registered periods (Startdatum to Slutdatum or
    open) overlap in the month — vos ends the earlier one when the later is executed (rules §3)."""
    keys = [Col.PNR, Col.INSATS]
    o = execution[execution[Col.STARTDATUM] <= last]
    o = o[o[Col.SLUTDATUM].isna() | (o[Col.SLUTDATUM] >= first)]
    cols = keys + [Col.BESTALLNING_ID, Col.UTFORARE, Col.STARTDATUM, Col.SLUTDATUM, END, ENDED_BY]
    pairs = o[cols].merge(o[keys + [Col.BESTALLNING_ID, Col.STARTDATUM, Col.SLUTDATUM]], on=keys, suffixes=("", "_b"))
    pairs = pairs[pairs[Col.BESTALLNING_ID] != pairs[f"{Col.BESTALLNING_ID}_b"]]
    far = pd.Timestamp("2262-01-01")
    to_a, to_b = pairs[Col.SLUTDATUM].fillna(far), pairs[f"{Col.SLUTDATUM}_b"].fillna(far)
    lo = pairs[[Col.STARTDATUM, f"{Col.STARTDATUM}_b"]].max(axis=1)
    hi = pd.concat([to_a, to_b], axis=1).min(axis=1)
    pairs = pairs[(lo <= hi) & (lo <= last) & (hi >= first)]
    others = pairs.groupby(Col.BESTALLNING_ID)[f"{Col.BESTALLNING_ID}_b"].agg(lambda s: ", ".join(sorted(s)))
    rows = pairs.drop_duplicates(Col.BESTALLNING_ID).set_index(Col.BESTALLNING_ID)
    comment = pd.Series("Löper vidare; avslutas när en senare beställning verkställs", index=rows.index, dtype="str")
    has_end = rows[ENDED_BY].notna()
    comment[has_end] = "vos avslutar den " + day_text(rows.loc[has_end, END]) + \
        ", dagen före beställning " + rows.loc[has_end, ENDED_BY] + " verkställdes — avsluta den i verksamhetssystemet"
    out = rows.reset_index().assign(**{OVERLAPPAR: lambda x: x[Col.BESTALLNING_ID].map(others).astype("str"),
                                       Col.KOMMENTAR: comment.to_numpy()})
    return out.reindex(columns=OVERLAP_COLUMNS).sort_values([Col.PNR, Col.INSATS, Col.STARTDATUM], ignore_index=True)
