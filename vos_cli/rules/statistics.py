"""Socialstyrelsen's monthly individual statistics (HSLF-FS 2016:86): Bilaga 1, Bilaga 2, the
register variables per person, and counts by sex and age band — bistånd under SoL only (LSS is a
separate yearly collection, SOSFS 2005:21: lss_people below). reporting.md, docs/statistics.md."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vos_cli import law, personnummer
from vos_cli.frames import day_text, distinct, isin, plain
from vos_cli.io.contract import Col, Insats, Kind, Kon, register_kinds
from vos_cli.rules.compensation import round_half_up
from vos_cli.rules.waiting import EXECUTED, decisions_with_execution

EXEC = Col.VERKSTALLIGHETSDATUM
END = Col.SLUTDATUM
HANDELSE = "Händelse"
ALDER = "Ålder"
DECISION_COLUMNS = [Col.BESLUT_ID, Col.PNR, Col.INSATS, Col.BESLUTSDATUM, EXEC, END, Col.OMFATTNING]

# The municipality's insats → the register's variable, in one documented table ([statistics.insatskoder]
# adds or overrides). The codes for särskilt boende, ledsagning and avlösning could not be confirmed
# against the current technical description: check them before the first submission.
VARIABLE = {Insats.HEMTJANST: "HTJ", Insats.MATDISTRIBUTION: "MATD", Insats.TRYGGHETSLARM: "TRYGG",
            Insats.DAGVERKSAMHET: "DAGV", "Korttidsvård": "KORTTID", "Korttidsvistelse": "KORTTID",
            "Korttidsvistelse SoL": "KORTTID", "Särskilt boende": "SABO", "Ledsagning": "LEDS",
            "Ledsagarservice": "LEDS", "Avlösning": "AVL", "Avlösarservice": "AVL"}
VARIABLES = ["HTJ", "MATD", "TRYGG", "DAGV", "KORTTID", "SABO", "LEDS", "AVL"]
PERSON_COLUMNS = ["PERIOD", Col.PNR, Col.KON, ALDER, "HTJ", "HTJTIM", "MATD", "TRYGG", "DAGV", "KORTTID", "KORTMAN",
                  "SABO", "LEDS", "AVL"]
HTJTIM_ROUND_THE_CLOCK, HTJTIM_NOT_APPLICABLE, HTJTIM_MISSING = 777, 888, 999
AGE_BANDS = [("0–64", 0, 64), ("65–79", 65, 79), ("80+", 80, 200)]
register_kinds(dict.fromkeys([*VARIABLES, "KORTMAN", *(b for b, _, _ in AGE_BANDS)], Kind.COUNT))

# The text files' layout, in one place: (field, column of text from the decision rows). Check it
# against Socialstyrelsen's current technical description before the first submission
# (docs/statistics.md).
def _ymd(s: pd.Series) -> pd.Series:
    return day_text(s, "%Y%m%d").fillna("")


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
    ("INSATS", lambda d, ctx: d[Col.INSATS].map(ctx["codes"]).fillna("OVRIG").astype("str")),
]


@dataclass
class Statistics:
    bilaga1: pd.DataFrame
    bilaga2: pd.DataFrame
    per_person: pd.DataFrame
    summary: pd.DataFrame


def decisions(beslut: pd.DataFrame, execution: pd.DataFrame, order_end: pd.Series,
              granted: pd.DataFrame | None = None) -> pd.DataFrame:
    """Granted decisions with execution date (first execution of their orders) and end date:
    Avslutsdatum; else, when every order has ended, the last order end; else T.o.m. granted:
    decisions_with_execution(beslut, execution) when the caller has it (it is not changed)."""
    if granted is None:
        granted = decisions_with_execution(beslut, execution)
    d = granted.rename(columns={EXECUTED: EXEC})  # a new frame: the caller's is not changed
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
            first: pd.Timestamp, last: pd.Timestamp, codes: dict[str, str] | None = None,
            granted: pd.DataFrame | None = None) -> Statistics:
    """codes: insats → register variable (VARIABLE with the municipality's additions); granted: as
    for decisions."""
    codes = codes or VARIABLE
    d = decisions(beslut, execution, order_end, granted)
    d = d[~law.is_lss(d[Col.LAGRUM])]  # bistånd under SoL only: LSS has its own yearly collection
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

    people = distinct(b1[Col.PNR], b2[Col.PNR], name=Col.PNR)
    p = pd.DataFrame(index=people)
    p["PERIOD"] = f"{first:%Y%m}"
    pn = pd.Series(people, index=people)
    p[Col.KON] = personnummer.sex(pn)
    p[ALDER] = age_at(pn, last)
    var_of = b1[Col.INSATS].map(codes)
    for var in VARIABLES:
        p[var] = pd.Series(1, index=b1[var_of == var][Col.PNR].unique()).reindex(people).fillna(0).astype("int64")

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

    # KORTMAN: the dygn of korttidsvistelse under SoL in the month (the visit log's days)
    kort_insatser = [insats for insats, var in codes.items() if var == "KORTTID"]
    kort = plain(visits.loc[isin(visits[Col.INSATS], kort_insatser) & visits[Col.DATUM].between(first, last),
                            [Col.PNR, Col.DATUM]])
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


def to_text(rows: pd.DataFrame, kommunkod: str, period: str, codes: dict[str, str] | None = None) -> str:
    """Semicolon-separated lines in TEXT_LAYOUT order, no header, no trailing semicolon, CRLF."""
    if not len(rows):
        return ""
    ctx = {"kommunkod": kommunkod, "period": period, "codes": codes or VARIABLE}
    fields = [fn(rows, ctx) for _, fn in TEXT_LAYOUT]
    lines = fields[0].str.cat(fields[1:], sep=";")
    return "\r\n".join(lines.tolist()) + "\r\n"


# ---- the yearly LSS statistics (SOSFS 2005:21, situation on 1 October) ------------------------

# LSS 9 § point → the column of the collection's table (bilaga to SOSFS 2005:21 as amended by
# HSLF-FS 2016:48); later amendments may have changed details: check before the first submission.
LSS_COLUMNS = [
    ("Brukarnas personnummer", None), ("Personkrets", None),
    ("Personlig assistans 9 § 2", 2), ("Ledsagarservice 9 § 3", 3), ("Kontaktperson 9 § 4", 4),
    ("Avlösarservice 9 § 5", 5), ("Korttidsvistelse 9 § 6", 6), ("Korttidstillsyn för skolungdom över 12 år 9 § 7", 7),
    ("Boende barn/unga 9 § 8", 8), ("Boende vuxna 9 § 9", 9), ("Boendekommun", None), ("Daglig verksamhet 9 § 10", 10),
]
register_kinds({name: Kind.COUNT for name, point in LSS_COLUMNS if point is not None})
LSS_POINT_OF = {Insats.KORTTID_LSS: 6, "Personlig assistans": 2, "Ledsagarservice": 3, "Kontaktperson": 4,
                "Avlösarservice": 5, "Korttidstillsyn": 7, "Bostad med särskild service för barn": 8,
                "Boende barn": 8, "Bostad med särskild service för vuxna": 9, "Boende vuxna": 9,
                "Daglig verksamhet": 10}


def lss_people(beslut: pd.DataFrame, execution: pd.DataFrame, order_end: pd.Series, ref: pd.Timestamp
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per person, each LSS 9 § insats in effect on the reference date (1 October): granted,
    executed on or before it and not ended before it. Returns (per person, counts per insats)."""
    d = decisions(beslut, execution, order_end)
    d = d[law.is_lss(d[Col.LAGRUM])]
    point = d[Col.LAGRUM].str.extract(r"9\s*§\s*(\d+)")[0].astype("float64")
    point = point.where(point.notna(), d[Col.INSATS].map(LSS_POINT_OF))
    on = d[EXEC].notna() & (d[EXEC] <= ref) & (d[END].isna() | (d[END] >= ref)) & point.notna()
    d, point = d[on], point[on].astype(int)
    people = pd.Index(sorted(d[Col.PNR].unique()), name=Col.PNR)
    out = pd.DataFrame(index=people)
    out["Brukarnas personnummer"] = people
    circle = d.dropna(subset=[Col.PERSONKRETS]).groupby(Col.PNR)[Col.PERSONKRETS].first()
    out["Personkrets"] = circle.reindex(people).fillna("").astype("str")
    for name, n in LSS_COLUMNS:
        if n is not None:
            out[name] = pd.Series(1, index=d[point == n][Col.PNR].unique()).reindex(people).fillna(0).astype("int64")
    out["Boendekommun"] = ""
    per_person = out.reset_index(drop=True)[[c for c, _ in LSS_COLUMNS]]
    counts = pd.DataFrame([(name, int(per_person[name].sum())) for name, n in LSS_COLUMNS if n is not None],
                          columns=[Col.INSATS, Col.ANTAL])
    counts.loc[len(counts)] = [Col.TOTALT + " (personer)", len(per_person)]
    return per_person, counts


def lss_text(per_person: pd.DataFrame) -> str:
    """One line per person, the columns in LSS_COLUMNS order, `;`-separated, CRLF (no header)."""
    if not len(per_person):
        return ""
    cols = [per_person[c].astype("str").str.replace("-", "", regex=False) if c == "Brukarnas personnummer"
            else per_person[c].astype("str") for c, _ in LSS_COLUMNS]
    return "\r\n".join(cols[0].str.cat(cols[1:], sep=";").tolist()) + "\r\n"
