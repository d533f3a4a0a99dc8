"""Korttidsvistelse LSS: dygn used against dygn granted (seed 004: the order is "uppdraget
tillsammans med antal dygn"; rules.md §13)."""

from __future__ import annotations

import pandas as pd

from vos_cli.frames import plain
from vos_cli.io.contract import Col, Insats, Kind, register_kinds
from vos_cli.rules.execution import END

BEVILJADE = "Beviljade dygn"
ANVANDA = "Använda dygn"
MANADER_UTAN = "Månader utan dygn"
FLER = "Fler dygn än beviljat"
OANVANDA = "Oanvända dygn"
OK = "OK"
SAKNAR = "Beviljade dygn saknas"
register_kinds({BEVILJADE: Kind.COUNT, ANVANDA: Kind.COUNT})
COLUMNS = [Col.BESTALLNING_ID, Col.PNR, Col.UTFORARE, BEVILJADE, ANVANDA, Col.STATUS, MANADER_UTAN, Col.KOMMENTAR]


def dygn(execution: pd.DataFrame, visits: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp,
         log_start: pd.Timestamp | None, unused_months: int = 2) -> pd.DataFrame:
    """Per executed Korttidsvistelse LSS order running in the month: granted dygn (Omfattning, per
    month) and used dygn (distinct days in the visit log within the order). Listed: more used than
    granted, and orders with no dygn in `unused_months` whole months in a row up to this one — only
    months the visit log covers and the order ran all of."""
    o = execution[(execution[Col.INSATS] == Insats.KORTTID_LSS) & execution[Col.KORREKT_VERKST].notna()]
    o = o[(o[Col.KORREKT_VERKST] <= last) & (o[END].isna() | (o[END] >= first))]
    keys = [Col.PNR, Col.UTFORARE]
    v = plain(visits[visits[Col.INSATS] == Insats.KORTTID_LSS][keys + [Col.DATUM]].drop_duplicates())
    m = o[[Col.BESTALLNING_ID, *keys, Col.KORREKT_VERKST, END]].merge(v, on=keys)
    m = m[(m[Col.DATUM] >= m[Col.KORREKT_VERKST]) & (m[END].isna() | (m[Col.DATUM] <= m[END]))]
    m = m.assign(_m=m[Col.DATUM].dt.to_period("M"))
    per_month = m.groupby([Col.BESTALLNING_ID, "_m"]).size()
    this = pd.Period(first, "M")
    used = per_month.xs(this, level="_m") if len(per_month) and this in per_month.index.get_level_values(1) else \
        pd.Series(dtype="int64")
    out = o[[Col.BESTALLNING_ID, *keys]].copy()
    out[BEVILJADE] = o[Col.OMFATTNING].astype("Float64")
    out[ANVANDA] = out[Col.BESTALLNING_ID].map(used).fillna(0).astype("int64")

    # months in a row without a dygn, counted back from this one: covered by the log, run in full
    empty_run = pd.Series(0, index=o.index, dtype="int64")
    still = pd.Series(True, index=o.index)
    for k in range(max(unused_months, 1)):
        p = this - k
        p_first, p_last = p.start_time.normalize(), p.end_time.normalize()
        whole = (o[Col.KORREKT_VERKST] <= p_first) & (o[END].isna() | (o[END] >= p_last))
        covered = log_start is not None and log_start <= p_first
        got = out[Col.BESTALLNING_ID].map(per_month.xs(p, level="_m") if len(per_month) and
                                          p in per_month.index.get_level_values(1) else {}).fillna(0) > 0
        step = still & whole & covered & ~got.to_numpy()
        empty_run += step.astype("int64")
        still &= step
    out[MANADER_UTAN] = empty_run
    status = pd.Series(OK, index=o.index, dtype="str")
    status[out[BEVILJADE].isna()] = SAKNAR
    status[empty_run >= unused_months] = OANVANDA
    status[out[BEVILJADE].notna() & (out[ANVANDA] > out[BEVILJADE].fillna(0))] = FLER
    out[Col.STATUS] = status
    comment = pd.Series("", index=o.index, dtype="str")
    comment[status == FLER] = "Fler dygn än beställningen medger — kontakta LSS-handläggaren"
    comment[status == OANVANDA] = "Inga dygn på " + empty_run.astype("str") + " hela månader — följ upp behovet"
    comment[status == SAKNAR] = "Beställningen anger inte antal dygn (Omfattning)"
    out[Col.KOMMENTAR] = comment
    return out[COLUMNS].sort_values([Col.UTFORARE, Col.BESTALLNING_ID], ignore_index=True)
