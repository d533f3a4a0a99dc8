"""Decisions not executed within three months (rules.md §6, reporting.md): the section leaders'
monthly meeting and the quarterly reports to IVO and Kommunfullmäktige."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vos_cli import law, personnummer
from vos_cli.frames import day_text, isin
from vos_cli.io.contract import Blad, Col, Insats, Kind, Kon, Svar, Utfall, register_kinds

THREE_MONTHS = pd.DateOffset(months=3)  # same as dateutil's relativedelta(months=3): 30 Nov → 28 Feb
LSS_INSATSER = (Insats.KORTTID_LSS,)

FIRST_COLUMNS = [Col.BESLUT_ID, Col.PNR, Col.KON, Col.FODELSEAR, Col.INSATS, Col.BESLUTSDATUM,
                 Col.TREMANADERSDATUM, Col.DAGAR_SEDAN_BESLUT, Col.SKAL_DROJSMAL]
EXTRA_COLUMNS = [Col.LAGRUM, Col.HANDLAGGARE]

# IVO report types (reporting.md)
IVO_EJ = "Ej verkställt"
IVO_AVBROTT = "Avbrott"
IVO_VERKSTALLT = "Verkställt"
IVO_AVSLUTAT = "Avslutat"

EXECUTED = "_verkstalld"
ENDS = "_upphor"  # the day a decision stops: Avslutsdatum, or T.o.m. when that is earlier
ERBJUDANDE = "Erbjudande (vad och när)"
AVBROTTSDATUM = "Avbrottsdatum"
TOM_REASON = "Beslutets giltighetstid har gått ut (T.o.m.)"

# Inaktuella och utgående beslut (rules.md §11), status values
UTGANGET = "Utgånget — avsluta beslutet"
UTGANGET_OVERKSTALLT = "Utgånget utan verkställighet"
BESTALLNING_OPPEN = "Beställning öppen efter T.o.m."
UPPHOR_SNART = "Upphör snart"
OPPNA = "Öppna beställningar"
CURRENT_COLUMNS = [Col.BESLUT_ID, Col.PNR, Col.INSATS, Col.TOM, Col.STATUS, Col.AVSLUTSDATUM,
                   Col.VERKSTALLIGHETSDATUM, OPPNA, Col.HANDLAGGARE, Col.KOMMENTAR]


@dataclass
class Waiting:
    ej_verkstallda: pd.DataFrame
    for_sent: pd.DataFrame
    avslutade: pd.DataFrame
    avbrott: pd.DataFrame
    bevakning: pd.DataFrame
    dubbla: pd.DataFrame
    ivo: pd.DataFrame
    sammanstallning: pd.DataFrame
    vantande: pd.DataFrame = None  # every granted decision not executed and not ended, any wait
    inaktuella: pd.DataFrame = None  # decisions no longer current (rules.md §11)
    saknar_skal: pd.DataFrame = None  # reports without the reason for the delay


def default_lagrum(insats: pd.Series, beslutsdatum: pd.Series) -> pd.Series:
    sol = pd.Series(law.SOL_BISTAND_OLD, index=insats.index, dtype="str")
    sol[beslutsdatum >= law.NEW_SOL_FROM] = law.SOL_BISTAND_NEW
    sol[isin(insats, LSS_INSATSER)] = law.LSS_KORTTID
    return sol


def quarter_start(a: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(year=a.year, month=3 * ((a.month - 1) // 3) + 1, day=1)


def decisions_with_execution(beslut: pd.DataFrame, execution: pd.DataFrame) -> pd.DataFrame:
    """Granted decisions with deadline T, execution date (earliest of their orders), sex and birth year."""
    d = beslut[isin(beslut[Col.UTFALL], Utfall.GRANTED)].copy()
    d[Col.TREMANADERSDATUM] = (d[Col.BESLUTSDATUM] + THREE_MONTHS).astype("datetime64[us]")
    first = execution.groupby(Col.BESLUT_ID)[Col.KORREKT_VERKST].min()
    d[EXECUTED] = pd.Series(first.reindex(d[Col.BESLUT_ID]).to_numpy(), index=d.index).astype("datetime64[us]")
    d[Col.KON] = personnummer.sex(d[Col.PNR])
    d[Col.FODELSEAR] = personnummer.birth_year(d[Col.PNR])
    lagrum = d[Col.LAGRUM]
    d[Col.LAGRUM] = lagrum.where(lagrum.notna() & (lagrum != ""), default_lagrum(d[Col.INSATS], d[Col.BESLUTSDATUM]))
    av, tom = d[Col.AVSLUTSDATUM].astype("datetime64[us]"), d[Col.TOM].astype("datetime64[us]")
    d[ENDS] = av.where(av.notna() & (tom.isna() | (av <= tom)), tom)
    return d


def _granted(beslut: pd.DataFrame, execution: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.DataFrame:
    """decisions_with_execution, or a copy of the caller's (which the rules below change)."""
    return decisions_with_execution(beslut, execution) if decisions is None else decisions.copy()


def _days(later: pd.Series | pd.Timestamp, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.days.astype("Int64")


def _frame(d: pd.DataFrame, a: pd.Timestamp, extra: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    out = d.assign(**{Col.DAGAR_SEDAN_BESLUT: _days(a, d[Col.BESLUTSDATUM])})
    cols = FIRST_COLUMNS + list((extra or {}).keys()) + EXTRA_COLUMNS
    out = out.assign(**(extra or {}))
    return out[cols].sort_values([Col.BESLUTSDATUM, Col.BESLUT_ID], ignore_index=True)


def classify(beslut: pd.DataFrame, orders: pd.DataFrame, execution: pd.DataFrame, as_of: pd.Timestamp,
             warn_days: int = 30, earlier: pd.DataFrame | None = None, offers: pd.DataFrame | None = None,
             categories: dict[str, str] | None = None, decisions: pd.DataFrame | None = None) -> Waiting:
    """earlier: the decisions reported to IVO in earlier quarters (the ledger), for Ny/Återrapportering
    and the follow-up reports of decisions since executed or ended (34 kap. 2 §). decisions:
    decisions_with_execution(beslut, execution) when the caller has it (it is not changed)."""
    a = pd.Timestamp(as_of).normalize()
    q0 = quarter_start(a)
    d = _granted(beslut, execution, decisions)
    # a decision stops on its Avslutsdatum, or on its T.o.m. when that comes first: one that expired
    # without execution is reported once, as ended, in the quarter of its T.o.m. (rules.md §11)
    by_tom = d[Col.TOM].notna() & (d[Col.AVSLUTSDATUM].isna() | (d[Col.TOM] < d[Col.AVSLUTSDATUM]))
    d.loc[by_tom, Col.AVSLUTSORSAK] = TOM_REASON
    d[Col.AVSLUTSDATUM] = d[ENDS]
    t, ex, end = d[Col.TREMANADERSDATUM], d[EXECUTED], d[Col.AVSLUTSDATUM]
    executed_by_a = ex.notna() & (ex <= a)
    ended_by_a = end.notna() & (end <= a)

    ej = d[(a > t) & ~executed_by_a & ~ended_by_a]
    late = d[ex.notna() & (ex >= q0) & (ex <= a) & (ex > t)]
    never = ex.isna() | (ex > end)
    closed = d[end.notna() & (end >= q0) & (end <= a) & (end > t) & never]
    watch = d[~executed_by_a & ~ended_by_a & (t >= a) & (t <= a + pd.Timedelta(days=warn_days))]

    # interruptions: an executed decision whose order has been interrupted more than three months
    o = orders[orders[Col.AVBROTT_FROM].notna()]
    o = o[(o[Col.AVBROTT_TOM].isna() | (o[Col.AVBROTT_TOM] >= a)) & (a > o[Col.AVBROTT_FROM] + THREE_MONTHS)]
    since = o.groupby(Col.BESLUT_ID)[Col.AVBROTT_FROM].min()
    interrupted = d[executed_by_a & ~ended_by_a & isin(d[Col.BESLUT_ID], since.index)]
    i_from = pd.Series(since.reindex(interrupted[Col.BESLUT_ID]).to_numpy(), index=interrupted.index)

    w = Waiting(
        ej_verkstallda=_frame(ej, a),
        for_sent=_frame(late, a, {Col.VERKSTALLIGHETSDATUM: late[EXECUTED],
                                  Col.VANTETID: _days(late[EXECUTED], late[Col.BESLUTSDATUM])}),
        avslutade=_frame(closed, a, {Col.AVSLUTSDATUM: closed[Col.AVSLUTSDATUM],
                                     Col.AVSLUTSORSAK: closed[Col.AVSLUTSORSAK],
                                     Col.VANTETID: _days(closed[Col.AVSLUTSDATUM], closed[Col.BESLUTSDATUM])}),
        avbrott=_frame(interrupted, a, {Col.VERKSTALLIGHETSDATUM: interrupted[EXECUTED],
                                        Col.AVBROTT_FROM: i_from.astype("datetime64[us]"),
                                        Col.AVBROTT_DAGAR: _days(a, i_from.astype("datetime64[us]"))}),
        bevakning=_frame(watch, a, {Col.DAGAR_TILL_GRANS: _days(watch[Col.TREMANADERSDATUM], pd.Series(a, index=watch.index))}),
        dubbla=duplicates(d, a, q0),
        ivo=pd.DataFrame(),
        sammanstallning=pd.DataFrame(),
    )
    partial = partly_executed(d, execution, a)
    if len(partial):
        w.ej_verkstallda = pd.concat([w.ej_verkstallda, _frame(partial, a, {DELVIS: partial[DELVIS]})],
                                     ignore_index=True).sort_values([Col.BESLUTSDATUM, Col.BESLUT_ID], ignore_index=True)
    for frame in (w.for_sent, w.avslutade):  # days to the execution or end date (reporting.md)
        frame[Col.DAGAR_SEDAN_BESLUT] = frame[Col.VANTETID]
    w.ivo = ivo_report(w, d, orders, a, q0, earlier, offers, categories)
    w.saknar_skal = missing_reasons(w)
    w.sammanstallning = summary_table(w)
    waiting_now = d[~executed_by_a & ~ended_by_a & (d[Col.BESLUTSDATUM] <= a)]
    w.vantande = _frame(waiting_now, a, {VANTEBAND: waiting_band(waiting_now[Col.BESLUTSDATUM], a)})
    return w


def no_longer_current(beslut: pd.DataFrame, orders: pd.DataFrame, execution: pd.DataFrame, as_of: pd.Timestamp,
                      follow_days: int = 60, decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Seed 000, the monthly meeting: "säkerställer att de som ligger i verksamhetssystemet är aktuella".
    Granted decisions whose T.o.m. has passed without an Avslutsdatum (executed or never), whose
    orders are still open after the T.o.m., or that end within `follow_days` days of the as-of date.
    decisions: as for classify."""
    a = pd.Timestamp(as_of).normalize()
    d = _granted(beslut, execution, decisions)
    d = d[d[Col.TOM].notna()]
    open_orders = orders[isin(orders[Col.BESLUT_ID], d[Col.BESLUT_ID])]
    tom = pd.Series(d.set_index(Col.BESLUT_ID)[Col.TOM].reindex(open_orders[Col.BESLUT_ID]).to_numpy(),
                    index=open_orders.index, dtype="datetime64[us]")
    still = open_orders[(tom < a) & (open_orders[Col.SLUTDATUM].isna() | (open_orders[Col.SLUTDATUM] > tom))]
    ids = still.groupby(Col.BESLUT_ID)[Col.BESTALLNING_ID].agg(lambda s: ", ".join(sorted(s)))
    d[OPPNA] = d[Col.BESLUT_ID].map(ids).astype("str")
    expired = (d[Col.TOM] < a) & d[Col.AVSLUTSDATUM].isna()
    never = d[EXECUTED].isna() | (d[EXECUTED] > d[Col.TOM])
    ending = (d[Col.TOM] >= a) & (d[Col.TOM] <= a + pd.Timedelta(days=follow_days)) & \
        ~(d[Col.AVSLUTSDATUM].notna() & (d[Col.AVSLUTSDATUM] <= a))
    status = pd.Series(pd.NA, index=d.index, dtype="str")
    status[ending] = UPPHOR_SNART
    status[d[OPPNA].notna() & (d[Col.TOM] < a)] = BESTALLNING_OPPEN
    status[expired & ~never] = UTGANGET
    status[expired & never] = UTGANGET_OVERKSTALLT
    comment = pd.Series("", index=d.index, dtype="str")
    comment[status == UTGANGET] = "T.o.m. har passerat — avsluta beslutet eller följ upp och fatta nytt beslut"
    comment[status == UTGANGET_OVERKSTALLT] = ("Verkställdes aldrig; rapporteras en gång som avslutat utan "
                                               "verkställighet i kvartalet för T.o.m. — avsluta beslutet")
    comment[status == BESTALLNING_OPPEN] = "Avsluta beställningen " + d[OPPNA].fillna("") + \
        " — beslutet gäller inte längre"
    comment[status == UPPHOR_SNART] = "Följ upp före " + day_text(d[Col.TOM]) + \
        f" (inom {follow_days} dagar)"
    has_open = d[OPPNA].notna() & isin(status, [UTGANGET, UTGANGET_OVERKSTALLT])
    comment[has_open] = comment[has_open] + "; avsluta också beställningen " + d.loc[has_open, OPPNA]
    out = d.assign(**{Col.STATUS: status, Col.KOMMENTAR: comment, Col.VERKSTALLIGHETSDATUM: d[EXECUTED]})
    out = out[status.notna()]
    order = {UTGANGET_OVERKSTALLT: 0, UTGANGET: 1, BESTALLNING_OPPEN: 2, UPPHOR_SNART: 3}
    out = out.assign(_o=out[Col.STATUS].map(order)).sort_values(["_o", Col.TOM, Col.BESLUT_ID])
    return out[CURRENT_COLUMNS].reset_index(drop=True)


VANTEBAND = "Väntetid"
BANDS = ("0–3 mån", "3–6 mån", "6+ mån")
register_kinds(dict.fromkeys(BANDS, Kind.COUNT))


def waiting_band(decided: pd.Series, a: pd.Timestamp) -> pd.Series:
    """0–3, 3–6 or 6+ calendar months since the decision (3 months exactly is still 0–3)."""
    band = pd.Series(BANDS[0], index=decided.index, dtype="str")
    band[a > decided + THREE_MONTHS] = BANDS[1]
    band[a > decided + pd.DateOffset(months=6)] = BANDS[2]
    return band


def duplicates(d: pd.DataFrame, a: pd.Timestamp, q0: pd.Timestamp) -> pd.DataFrame:
    """Granted decisions for the same client and insats whose validity overlaps (in this quarter or later)."""
    valid_to = d[[Col.TOM, Col.AVSLUTSDATUM]].min(axis=1)
    v = d.assign(_to=valid_to.fillna(pd.Timestamp.max.normalize()).astype("datetime64[us]"))
    pairs = v.merge(v, on=[Col.PNR, Col.INSATS], suffixes=("", "_b"))
    pairs = pairs[pairs[Col.BESLUT_ID] != pairs[f"{Col.BESLUT_ID}_b"]]
    overlap_to = pairs[["_to", "_to_b"]].min(axis=1)
    overlap_from = pairs[[Col.FROM, f"{Col.FROM}_b"]].max(axis=1)
    pairs = pairs[(overlap_from <= overlap_to) & (overlap_to >= q0)]
    others = pairs.groupby(Col.BESLUT_ID)[f"{Col.BESLUT_ID}_b"].agg(lambda s: ", ".join(sorted(s)))
    dup = d[isin(d[Col.BESLUT_ID], others.index)]
    out = _frame(dup, a, {Col.FROM: dup[Col.FROM], Col.TOM: dup[Col.TOM],
                          Col.DUBBLETT_MED: dup[Col.BESLUT_ID].map(others).astype("str")})
    return out.sort_values([Col.PNR, Col.INSATS, Col.BESLUTSDATUM], ignore_index=True)


TACKAT_NEJ = "Tackat nej (datum)"
DELVIS = "Delvis verkställt"
INSATS_SYSTEM = "Insats i verksamhetssystemet"
SAKNAR_COLUMNS = [Col.BESLUT_ID, Col.PNR, Col.INSATS, Col.BESLUTSDATUM, Col.RAPPORTTYP, Col.DAGAR_SEDAN_BESLUT,
                  Col.HANDLAGGARE, Col.KOMMENTAR]
# IVO's categories of insats in the e-service (unconfirmed against the current e-service: configurable,
# [reports.ivo_insats]); the municipality's own name is kept in its own column
DEFAULT_IVO_INSATS = {
    "Hemtjänst": "Hemtjänst", "Trygghetslarm": "Trygghetslarm", "Matdistribution": "Matdistribution",
    "Dagverksamhet": "Dagverksamhet", "Särskilt boende": "Särskilt boende", "Korttidsvård": "Korttidsvistelse",
    "Korttidsvistelse": "Korttidsvistelse", "Kontaktperson": "Kontaktperson", "Ledsagning": "Ledsagarservice",
    "Ledsagarservice": "Ledsagarservice", "Avlösning": "Avlösarservice", "Avlösarservice": "Avlösarservice",
    "Korttidsvistelse LSS": "Korttidsvistelse utanför det egna hemmet (LSS 9 § 6)",
    "Personlig assistans": "Personlig assistans (LSS 9 § 2)", "Daglig verksamhet": "Daglig verksamhet (LSS 9 § 10)",
}
NY_ATER = "Ny/Återrapportering"
NY, ATER = "Ny", "Återrapportering"
ENLIGT = "Rapporteras enligt"
# the order the e-service asks for the fields (reporting.md), so a person types them top to bottom
IVO_COLUMNS = [Col.RAPPORTTYP, NY_ATER, Col.BESLUT_ID, Col.PNR, Col.KON, Col.BESLUTSDATUM, Col.INSATS, Col.LAGRUM,
               AVBROTTSDATUM, Col.SKAL_DROJSMAL, ERBJUDANDE, TACKAT_NEJ, Col.VERKSTALLIGHETSDATUM, Col.AVSLUTSDATUM,
               Col.AVSLUTSORSAK, Col.DAGAR_SEDAN_BESLUT, ENLIGT, INSATS_SYSTEM, DELVIS]


def partly_executed(d: pd.DataFrame, execution: pd.DataFrame, a: pd.Timestamp) -> pd.DataFrame:
    """Decisions executed for one insats and not for another (orders of several insatser): one row
    per insats not executed, to be reported for that part (reporting.md), once three months passed."""
    ex = execution[isin(execution[Col.BESLUT_ID], d[Col.BESLUT_ID])]
    per = ex.groupby([Col.BESLUT_ID, Col.INSATS])[Col.KORREKT_VERKST].min().reset_index()
    per["_done"] = per[Col.KORREKT_VERKST].notna() & (per[Col.KORREKT_VERKST] <= a)
    several = per.groupby(Col.BESLUT_ID)[Col.INSATS].transform("nunique") > 1
    some = per.groupby(Col.BESLUT_ID)["_done"].transform("any")
    missing = per[several & some & ~per["_done"]]
    if not len(missing):
        return d.iloc[0:0].assign(**{DELVIS: pd.Series(dtype="str")})
    done = per[per["_done"]]
    said = (done[Col.INSATS] + " verkställd " + day_text(done[Col.KORREKT_VERKST])).groupby(
        done[Col.BESLUT_ID]).agg(", ".join)
    rows = d.drop(columns=[Col.INSATS]).merge(missing[[Col.BESLUT_ID, Col.INSATS]], on=Col.BESLUT_ID)
    t, end = rows[Col.TREMANADERSDATUM], rows[Col.AVSLUTSDATUM]
    rows = rows[(a > t) & ~(end.notna() & (end <= a))]
    return rows.assign(**{DELVIS: "Delvis: " + rows[Col.BESLUT_ID].map(said).fillna("")})


def missing_reasons(w: Waiting) -> pd.DataFrame:
    """Reports of decisions not executed or interrupted without the reason for the delay, which IVO
    requires (34 kap. 1 §): for the case manager to fill in before the report is sent."""
    rows = pd.concat([w.ej_verkstallda.assign(**{Col.RAPPORTTYP: IVO_EJ}),
                      w.avbrott.assign(**{Col.RAPPORTTYP: IVO_AVBROTT})], ignore_index=True)
    reason = rows[Col.SKAL_DROJSMAL].fillna("").astype("str").str.strip()
    rows = rows[reason == ""].assign(**{Col.KOMMENTAR: "IVO kräver skäl till dröjsmålet — journalför och fyll i"})
    return rows.reindex(columns=SAKNAR_COLUMNS).reset_index(drop=True)


def ivo_report(w: Waiting, d: pd.DataFrame | None = None, orders: pd.DataFrame | None = None,
               a: pd.Timestamp | None = None, q0: pd.Timestamp | None = None,
               earlier: pd.DataFrame | None = None, offers: pd.DataFrame | None = None,
               categories: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per reportable decision, in the fields and order IVO's e-service asks for. A decision
    reported in an earlier quarter is an Återrapportering; one reported earlier as not executed or
    interrupted and now executed or ended is added with its date (34 kap. 2 §)."""
    parts = [
        w.ej_verkstallda.assign(**{Col.RAPPORTTYP: IVO_EJ}),
        w.avbrott.assign(**{Col.RAPPORTTYP: IVO_AVBROTT, AVBROTTSDATUM: w.avbrott[Col.AVBROTT_FROM]}),
        w.for_sent.assign(**{Col.RAPPORTTYP: IVO_VERKSTALLT}),
        w.avslutade.assign(**{Col.RAPPORTTYP: IVO_AVSLUTAT}),
    ]
    reported = set(earlier["beslut_id"]) if earlier is not None and len(earlier) else set()
    if reported and d is not None:
        shown = set().union(*(set(p[Col.BESLUT_ID]) for p in parts))
        last_type = earlier.drop_duplicates("beslut_id", keep="last").set_index("beslut_id")["rapporttyp"]
        open_before = last_type[isin(last_type, [IVO_EJ, IVO_AVBROTT])].index
        follow = d[isin(d[Col.BESLUT_ID], open_before) & ~isin(d[Col.BESLUT_ID], shown)]
        ex, end = follow[EXECUTED], follow[Col.AVSLUTSDATUM]
        done = follow[ex.notna() & (ex >= q0) & (ex <= a)]
        gone = follow[end.notna() & (end >= q0) & (end <= a) & ~follow.index.isin(done.index)]
        # an interruption reported earlier that has ended (Avbrott t.o.m.) in the quarter: executed again
        resumed = pd.DataFrame()
        if orders is not None and len(orders):
            r = orders[orders[Col.AVBROTT_TOM].notna() & (orders[Col.AVBROTT_TOM] >= q0) & (orders[Col.AVBROTT_TOM] <= a)]
            back = r.groupby(Col.BESLUT_ID)[Col.AVBROTT_TOM].max()
            ids = [i for i in back.index if last_type.get(i) == IVO_AVBROTT and i not in shown]
            resumed = follow[isin(follow[Col.BESLUT_ID], ids) & ~follow.index.isin(done.index) & ~follow.index.isin(gone.index)]
            resumed = resumed.assign(**{EXECUTED: pd.Series(back.reindex(resumed[Col.BESLUT_ID]).to_numpy(),
                                                            index=resumed.index, dtype="datetime64[us]")})
        for frame, kind in ((done, IVO_VERKSTALLT), (resumed, IVO_VERKSTALLT), (gone, IVO_AVSLUTAT)):
            if len(frame):
                extra = {Col.VERKSTALLIGHETSDATUM: frame[EXECUTED]} if kind == IVO_VERKSTALLT else \
                    {Col.AVSLUTSDATUM: frame[Col.AVSLUTSDATUM], Col.AVSLUTSORSAK: frame[Col.AVSLUTSORSAK]}
                parts.append(_frame(frame, a, extra).assign(**{Col.RAPPORTTYP: kind}))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame(columns=IVO_COLUMNS)
    out = out.reindex(columns=IVO_COLUMNS)
    for c in (AVBROTTSDATUM, Col.VERKSTALLIGHETSDATUM, Col.AVSLUTSDATUM, Col.BESLUTSDATUM):
        out[c] = out[c].astype("datetime64[us]")
    # days since the decision: to the execution or end date for those reports, else to the reference date
    done = out[Col.VERKSTALLIGHETSDATUM].where(out[Col.RAPPORTTYP] == IVO_VERKSTALLT,
                                               out[Col.AVSLUTSDATUM].where(out[Col.RAPPORTTYP] == IVO_AVSLUTAT))
    out[Col.DAGAR_SEDAN_BESLUT] = _days(done, out[Col.BESLUTSDATUM]).where(done.notna(), out[Col.DAGAR_SEDAN_BESLUT])
    out[Col.DAGAR_SEDAN_BESLUT] = out[Col.DAGAR_SEDAN_BESLUT].astype("Int64")
    out[INSATS_SYSTEM] = out[Col.INSATS]
    out[Col.INSATS] = out[Col.INSATS].map(categories or DEFAULT_IVO_INSATS).fillna(out[Col.INSATS]).astype("str")
    if offers is not None and len(offers):
        o = offers[isin(offers[Col.BESLUT_ID], out[Col.BESLUT_ID])].sort_values([Col.BESLUT_ID, Col.DATUM])
        text = day_text(o[Col.DATUM]) + ": " + o[Col.VAD].fillna("erbjudande") + \
            np.where(o[Col.SVAR].notna() & (o[Col.SVAR] != ""), " (" + o[Col.SVAR].fillna("") + ")", " (obesvarat)")
        out[ERBJUDANDE] = out[Col.BESLUT_ID].map(text.groupby(o[Col.BESLUT_ID]).agg("; ".join))
        declined = o[o[Col.SVAR] == Svar.NEJ].groupby(Col.BESLUT_ID)[Col.DATUM].max()
        out[TACKAT_NEJ] = pd.Series(declined.reindex(out[Col.BESLUT_ID]).to_numpy(), index=out.index,
                                    dtype="datetime64[us]")
    out[ERBJUDANDE] = out[ERBJUDANDE].astype("str")
    out[TACKAT_NEJ] = out[TACKAT_NEJ].astype("datetime64[us]")
    out[NY_ATER] = np.where(isin(out[Col.BESLUT_ID], reported), ATER, NY)
    out[ENLIGT] = law.reporting_duty(out[Col.LAGRUM], out[Col.BESLUTSDATUM], out[Col.RAPPORTTYP],
                                     (IVO_VERKSTALLT, IVO_AVSLUTAT))
    return out


SUMMARY_GROUPS = [(Blad.EJ_VERKSTALLDA, "ej_verkstallda", Col.DAGAR_SEDAN_BESLUT),
                  (Blad.AVBROTT, "avbrott", Col.AVBROTT_DAGAR),
                  (Blad.FOR_SENT, "for_sent", Col.VANTETID),
                  (Blad.AVSLUTADE_UTAN, "avslutade", Col.VANTETID)]
KATEGORI = "Kategori"
TOTAL = Col.TOTALT
SUMMARY_COLUMNS = [Col.INSATS, KATEGORI, Col.ANTAL, Col.MAN, Col.KVINNOR, Col.MEDIAN, Col.LANGSTA]


def summary_table(w: Waiting) -> pd.DataFrame:
    """The de-identified table for Kommunfullmäktige: per insats and category, no personnummer.
    Waiting days: to the as-of date (not executed), since the interruption (avbrott), to the
    execution date (executed late) and to the end date (ended without execution)."""
    insatser = sorted(set().union(*(set(getattr(w, attr)[Col.INSATS]) for _, attr, _ in SUMMARY_GROUPS)))
    rows = []
    for key in insatser + [TOTAL]:
        for label, attr, days_col in SUMMARY_GROUPS:
            frame = getattr(w, attr)
            part = frame if key == TOTAL else frame[frame[Col.INSATS] == key]
            days = part[days_col].astype("float64")
            rows.append([key, label, len(part), int((part[Col.KON] == Kon.MAN).sum()),
                         int((part[Col.KON] == Kon.KVINNA).sum()),
                         float(days.median()) if len(days) else None, int(days.max()) if len(days) else None])
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    for c in (Col.ANTAL, Col.MAN, Col.KVINNOR, Col.LANGSTA):
        out[c] = out[c].astype("Int64")
    out[Col.MEDIAN] = out[Col.MEDIAN].astype("Float64")
    return out
