"""Socialstyrelsen's monthly individual statistics (HSLF-FS 2016:86): Bilaga 1, Bilaga 2, the
register variables per person, and counts by sex and age band. reporting.md, docs/statistics.md."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vos_cli import personnummer
from vos_cli.io.contract import Col, Insats, Kon
from vos_cli.rules.compensation import round_half_up
from vos_cli.rules.waiting import EXECUTED, decisions_with_execution

EXEC = Col.VERKSTALLIGHETSDATUM
END = Col.SLUTDATUM
HANDELSE = "Händelse"
ALDER = "Ålder"
DECISION_COLUMNS = [Col.BESLUT_ID, Col.PNR, Col.INSATS, Col.BESLUTSDATUM, EXEC, END, Col.OMFATTNING]

# register variable per insats; the variables of `Per person`, in order
VARIABLE = {Insats.HEMTJANST: "HTJ", Insats.MATDISTRIBUTION: "MATD", Insats.TRYGGHETSLARM: "TRYGG",
            Insats.DAGVERKSAMHET: "DAGV", Insats.KORTTID_LSS: "KORTTID"}
PERSON_COLUMNS = ["PERIOD", Col.PNR, Col.KON, ALDER, "HTJ", "HTJTIM", "MATD", "TRYGG", "DAGV", "KORTTID", "KORTMAN"]
HTJTIM_ROUND_THE_CLOCK, HTJTIM_NOT_APPLICABLE, HTJTIM_MISSING = 777, 888, 999
AGE_BANDS = [("0–64", 0, 64), ("65–79", 65, 79), ("80+", 80, 200)]

# The text files' layout, in one place: (field, column of text from the decision rows). Check it
# against Socialstyrelsen's current technical description before the first submission
# (docs/statistics.md).
def _ymd(s: pd.Series) -> pd.Series:
    return s.dt.strftime("%Y%m%d").fillna("").astype("str")


def _scope(s: pd.Series) -> pd.Series:
    values = s.astype("float64").tolist()  # one per decision, not per visit
    return pd.Series(["" if x != x else f"{x:g}" for x in values], index=s.index, dtype="str")


TEXT_LAYOUT = [
    ("KOMMUN", lambda d, ctx: pd.Series(ctx["kommunkod"], index=d.index, dtype="str")),
    ("PERIOD", lambda d, ctx: pd.Series(ctx["period"], index=d.index, dtype="str")),
    ("PERSONNUMMER", lambda d, ctx: d[Col.PNR].str.replace("-", "", regex=False)),
    ("BESLUTSDATUM", lambda d, ctx: _ymd(d[Col.BESLUTSDATUM])),
    ("VERKSTALLIGHETSDATUM", lambda d, ctx: _ymd(d[EXEC])),
    ("SLUTDATUM", lambda d, ctx: _ymd(d[END])),
    ("OMFATTNING", lambda d, ctx: _scope(d[Col.OMFATTNING])),
    # always filled, so no line ends with a semicolon
    ("INSATS", lambda d, ctx: d[Col.INSATS].map(VARIABLE).fillna("OVRIG").astype("str")),
]


@dataclass
class Statistics:
    bilaga1: pd.DataFrame
    bilaga2: pd.DataFrame
    per_person: pd.DataFrame
    summary: pd.DataFrame


def decisions(beslut: pd.DataFrame, execution: pd.DataFrame, order_end: pd.Series) -> pd.DataFrame:
    """Granted decisions with execution date (first execution of their orders) and end date:
    Avslutsdatum; else, when every order has ended, the last order end; else T.o.m."""
    d = decisions_with_execution(beslut, execution).rename(columns={EXECUTED: EXEC})
    ex = execution.assign(_end=order_end)
    last_end = ex.groupby(Col.BESLUT_ID)["_end"].max().where(~ex["_end"].isna().groupby(ex[Col.BESLUT_ID]).any())
    orders_end = pd.Series(last_end.reindex(d[Col.BESLUT_ID]).to_numpy(), index=d.index).astype("datetime64[us]")
    d[END] = d[Col.AVSLUTSDATUM].fillna(orders_end).fillna(d[Col.TOM]).astype("datetime64[us]")
    return d


def age_at(pnr: pd.Series, day: pd.Timestamp) -> pd.Series:
    born = personnummer.birth_date(pnr)
    had_birthday = (born.dt.month < day.month) | ((born.dt.month == day.month) & (born.dt.day <= day.day))
    return (day.year - born.dt.year - (~had_birthday).astype(int)).astype("Int64")


def compute(beslut: pd.DataFrame, execution: pd.DataFrame, order_end: pd.Series, visits: pd.DataFrame,
            first: pd.Timestamp, last: pd.Timestamp) -> Statistics:
    d = decisions(beslut, execution, order_end)
    executed = d[EXEC].notna() & (d[EXEC] <= last)
    # a decision ending on the month's last day still gives the service that day: ongoing (Bilaga 1)
    ongoing = executed & (d[END].isna() | (d[END] >= last))
    started = d[EXEC].between(first, last)
    ended = executed & d[END].between(first, last)
    b1 = d[ongoing][DECISION_COLUMNS].sort_values([Col.PNR, Col.INSATS, Col.BESLUT_ID], ignore_index=True)
    b2 = d[started | ended].copy()
    b2[HANDELSE] = np.select([started[started | ended] & ended[started | ended], started[started | ended]],
                             ["Start och slut", "Start"], "Slut")
    b2 = b2[DECISION_COLUMNS + [HANDELSE]].sort_values([Col.PNR, Col.INSATS, Col.BESLUT_ID], ignore_index=True)

    people = pd.Index(sorted(set(b1[Col.PNR]) | set(b2[Col.PNR])), name=Col.PNR)
    p = pd.DataFrame(index=people)
    p["PERIOD"] = f"{first:%Y%m}"
    pn = pd.Series(people, index=people)
    p[Col.KON] = personnummer.sex(pn)
    p[ALDER] = age_at(pn, last)
    for insats, var in VARIABLE.items():
        p[var] = pd.Series(1, index=b1[b1[Col.INSATS] == insats][Col.PNR].unique()).reindex(people).fillna(0).astype("int64")

    # HTJTIM: granted home-care hours in the month, pro rata for the days the decision ran
    hem = d[executed & (d[Col.INSATS] == Insats.HEMTJANST) & (d[END].isna() | (d[END] >= first))]
    a = hem[EXEC].where(hem[EXEC] > first, first)
    b = hem[END].where(hem[END].notna() & (hem[END] < last), last)
    days = ((b - a).dt.days + 1).clip(lower=0)
    hours = hem[Col.OMFATTNING].astype("float64") * days / last.day
    per = hours.groupby(hem[Col.PNR]).sum(min_count=1)
    missing = hem[Col.OMFATTNING].isna().groupby(hem[Col.PNR]).any()
    htjtim = round_half_up(per.reindex(people).to_numpy(), 0).set_axis(people)
    code = pd.Series(HTJTIM_NOT_APPLICABLE, index=people, dtype="int64")
    has = htjtim.notna()
    code[has] = htjtim[has].astype("int64")
    code[has & (htjtim >= last.day * 24)] = HTJTIM_ROUND_THE_CLOCK
    code[missing.reindex(people).fillna(False).astype(bool)] = HTJTIM_MISSING
    p["HTJTIM"] = code

    kort = visits[(visits[Col.INSATS] == Insats.KORTTID_LSS) & visits[Col.DATUM].between(first, last)]
    dygn = kort.drop_duplicates([Col.PNR, Col.DATUM]).groupby(Col.PNR).size()
    p["KORTMAN"] = dygn.reindex(people).fillna(0).astype("int64")
    p["KORTTID"] = ((p["KORTTID"] == 1) | (p["KORTMAN"] > 0)).astype("int64")
    per_person = p.reset_index()[PERSON_COLUMNS]
    return Statistics(b1, b2, per_person, summary_by_age(b1, last))


def summary_by_age(b1: pd.DataFrame, last: pd.Timestamp) -> pd.DataFrame:
    """People with an ongoing insats on the last day, per insats, by sex and age band."""
    x = b1[[Col.PNR, Col.INSATS]].drop_duplicates()
    sex = personnummer.sex(x[Col.PNR])
    age = age_at(x[Col.PNR], last)
    rows = []
    for insats in sorted(x[Col.INSATS].unique()) + [Col.TOTALT]:
        sel = pd.Series(True, index=x.index) if insats == Col.TOTALT else x[Col.INSATS] == insats
        if insats == Col.TOTALT:
            people = x[[Col.PNR]].assign(_s=sex, _a=age).drop_duplicates(Col.PNR)
            s_, a_ = people["_s"], people["_a"]
        else:
            s_, a_ = sex[sel], age[sel]
        row = {Col.INSATS: insats, Col.ANTAL: len(s_), Col.MAN: int((s_ == Kon.MAN).sum()),
               Col.KVINNOR: int((s_ == Kon.KVINNA).sum())}
        for label, lo, hi in AGE_BANDS:
            row[label] = int(a_.between(lo, hi).sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=[Col.INSATS, Col.ANTAL, Col.MAN, Col.KVINNOR] + [b[0] for b in AGE_BANDS])


def to_text(rows: pd.DataFrame, kommunkod: str, period: str) -> str:
    """Semicolon-separated lines in TEXT_LAYOUT order, no header, no trailing semicolon, CRLF."""
    if not len(rows):
        return ""
    ctx = {"kommunkod": kommunkod, "period": period}
    fields = [fn(rows, ctx) for _, fn in TEXT_LAYOUT]
    lines = fields[0].str.cat(fields[1:], sep=";")
    return "\r\n".join(lines.tolist()) + "\r\n"
