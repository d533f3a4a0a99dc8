"""Hospital discharge (seed 003, "Brukare som skrivs ut från sjukhus"; rules.md §14).

"Om behovet är oförändrat ska hemtjänsten kunna utföra insatserna samma dag om sjukhuset
kontaktar enheten innan klockan 11:00 på en vardag. Har behovet ökat ska hemtjänsten kunna ta
emot brukaren inom 24 timmar på vardagar, efter kontakt med handläggare."
"""

from __future__ import annotations

import pandas as pd

from vos_cli.io.contract import Behov, Col
from vos_cli.rules import calendar
from vos_cli.rules.execution import first_on_or_after

SAME_DAY_BEFORE = 11  # o'clock
ATERUPPTAGEN = "Återupptagen"
DAGAR_SENT = "Dagar sent"
I_TID = "I tid"
SEN = "Sen"
EJ_ATERUPPTAGEN = "Ej återupptagen"
INOM_FRIST = "Inom frist"
STATUSES = (I_TID, SEN, EJ_ATERUPPTAGEN, INOM_FRIST)
COLUMNS = [Col.PNR, Col.UTFORARE, Col.KONTAKT, Col.BEHOV, Col.FRIST, ATERUPPTAGEN, Col.STATUS, DAGAR_SENT,
           Col.KOMMENTAR]


def deadline(contact: pd.Series, need: pd.Series) -> pd.Series:
    """The day home care must be resumed by. Unchanged need: the contact's own day if the hospital
    called before 11:00 on a business day, else the next business day. Increased need: 24 hours
    counted on business days from the contact (as the acknowledgement, rules §2)."""
    contact = contact.astype("datetime64[us]")
    day = contact.dt.normalize()
    early = calendar.is_business_day(day) & (contact.dt.hour < SAME_DAY_BEFORE)
    unchanged = day.where(early, calendar.add_business_days(day, 1, roll="backward"))
    # a contact on a weekend or holiday: the next business day after it
    unchanged = unchanged.where(early | calendar.is_business_day(day), calendar.add_business_days(day, 0, roll="forward"))
    increased = calendar.deadline_24h(calendar.received_from(contact)).dt.normalize()
    return unchanged.where(need != Behov.OKAT, increased).astype("datetime64[us]")


def resumptions(discharges: pd.DataFrame, visits: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp,
                as_of: pd.Timestamp) -> pd.DataFrame:
    """Each discharge whose contact is in the month, or earlier with its deadline in the month:
    the first visit of the provider on or after the contact's day (not after the as-of date)."""
    d = discharges.copy()
    d[Col.FRIST] = deadline(d[Col.KONTAKT], d[Col.BEHOV])
    contact_day = d[Col.KONTAKT].dt.normalize()
    d = d[(contact_day <= last) & ((contact_day >= first) | (d[Col.FRIST] >= first))]
    today = pd.Timestamp(as_of).normalize()
    # the first visit of the client and provider on or after the contact's day (the same search as
    # the execution dates'); one after the as-of date is not there yet
    found = pd.Series(first_on_or_after(
        visits, d[[Col.PNR, Col.UTFORARE]].assign(**{Col.STARTDATUM: d[Col.KONTAKT].dt.normalize()}),
        [Col.PNR, Col.UTFORARE]), index=d.index, dtype="datetime64[us]")
    d[ATERUPPTAGEN] = found.where(found <= today)
    back, due = d[ATERUPPTAGEN], d[Col.FRIST]
    status = pd.Series(INOM_FRIST, index=d.index, dtype="str")
    status[back.isna() & (today > due)] = EJ_ATERUPPTAGEN
    status[back.notna() & (back <= due)] = I_TID
    status[back.notna() & (back > due)] = SEN
    d[Col.STATUS] = status
    late = (back - due).dt.days.where(status == SEN)
    d[DAGAR_SENT] = late.astype("Int64")
    comment = pd.Series("", index=d.index, dtype="str")
    comment[status == EJ_ATERUPPTAGEN] = "Inget besök efter utskrivningen — kontakta utföraren"
    comment[status == SEN] = "Hemtjänsten återupptogs efter fristen"
    d[Col.KOMMENTAR] = comment
    return d[COLUMNS].sort_values([Col.UTFORARE, Col.KONTAKT, Col.PNR], ignore_index=True)
