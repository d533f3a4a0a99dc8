"""The avgiftsutrymme computed from income — Socialtjänstlag (2025:400) 32 kap. 5–10 §§ (rules.md §15).

For month M, per person with a row of the `inkomster` export in force:

    avgiftsunderlag  = inkomst efter skatt + bostadstillägg            (32:5; makar: half the couple's)
    förbehållsbelopp = minimibelopp (+ the municipality's raise under 65)
                       + individuell höjning − individuell sänkning     (32:8, 32:9)
                       + boendekostnad (a couple: half the household's, unless an own share is given)
    avgiftsutrymme   = avgiftsunderlag − förbehållsbelopp               (below zero: no care fee)

A row applies (32:10) from the month of its `Giltig fr.o.m.` when that is the 1st (the changed
circumstances cover the whole month), else from the month after. Amounts are kept in whole öre;
the minimibelopp is whole kronor, rounded up ("lägst en tolftedel"); halves round up to the öre.

Nothing is guessed: a spouse without a row of their own, a partner who does not point back, a
negative income or a missing housing cost leaves the person uncomputed, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vos_cli import law
from vos_cli.frames import day_text, isin
from vos_cli.io.contract import Civilstand, Col
from vos_cli.personnummer import birth_date
from vos_cli.text import sv

COLUMNS = [Col.PNR, Col.CIVILSTAND, Col.AVGIFTSUNDERLAG_KR, Col.MINIMIBELOPP_KR, Col.HOJNING_KR, Col.SANKNING_KR,
           Col.BOENDEKOSTNAD_KR, Col.FORBEHALLSBELOPP_KR, Col.AVGIFTSUTRYMME_KR, Col.GALLER_FRAN, Col.BERAKNING]
PROBLEM_COLUMNS = [Col.PNR, Col.ORSAK]
FROM = "_from"
# the components a change is explained by (Ändringar), in öre; recorded in the ledger per month
PARTS = {"underlag": Col.AVGIFTSUNDERLAG_KR, "minimibelopp": Col.MINIMIBELOPP_KR, "hojning": Col.HOJNING_KR,
         "sankning": Col.SANKNING_KR, "boende": Col.BOENDEKOSTNAD_KR, "utrymme": Col.AVGIFTSUTRYMME_KR}
PART_WORDS = {"underlag": "avgiftsunderlaget (inkomst)", "minimibelopp": "minimibeloppet", "hojning":
              "individuell höjning", "sankning": "individuell sänkning", "boende": "boendekostnaden"}


@dataclass
class Figures:
    """The month's national figures and the municipality's choice (config)."""

    ensamstaende: float  # minimibelopp, kr per month
    sammanlevande: float  # each of cohabiting spouses or sambor
    under_65_procent: float = 0.0
    prisbasbelopp: float = 0.0


@dataclass
class Capacity:
    table: pd.DataFrame  # COLUMNS, one row per person with a row in force (amounts empty when not computed)
    problems: pd.DataFrame  # PROBLEM_COLUMNS


def applies_from(giltig: pd.Series) -> pd.Series:
    """32:10: from the month of the date when it is the 1st, else from the next month."""
    start = giltig.dt.to_period("M").dt.to_timestamp()
    return start.where(giltig.dt.day == 1, start + pd.offsets.MonthBegin(1))


def in_force(inkomster: pd.DataFrame, first: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each person's row in force in the month starting `first` (the latest that applies by then;
    of two with the same date, the later in the file), and the people whose rows apply only later."""
    d = inkomster.assign(**{FROM: applies_from(inkomster[Col.GILTIG_FROM]), "_order": np.arange(len(inkomster))})
    now = d[d[FROM] <= first].sort_values([Col.PNR, FROM, Col.GILTIG_FROM, "_order"])
    current = now.groupby(Col.PNR, sort=False).tail(1).drop(columns="_order").reset_index(drop=True)
    later = d[~isin(d[Col.PNR], current[Col.PNR])].groupby(Col.PNR)[FROM].min()
    return current, pd.DataFrame({Col.PNR: later.index, FROM: later.to_numpy()})


def _ore(s: pd.Series) -> pd.Series:
    return (pd.Series(s, dtype="float64") * 100).round().astype("Int64")


def _kr(ore: pd.Series) -> pd.Series:
    return (ore.astype("Float64") / 100).astype("Float64")


def _half_up(ore: pd.Series) -> pd.Series:
    """Half of a non-negative amount in öre, half an öre up."""
    return (ore + 1) // 2


def _age(pnr: pd.Series, day: pd.Timestamp) -> pd.Series:
    born = birth_date(pnr)
    before_birthday = (born.dt.month > day.month) | ((born.dt.month == day.month) & (born.dt.day > day.day))
    return day.year - born.dt.year - before_birthday.astype("int64")


def compute(inkomster: pd.DataFrame, first: pd.Timestamp, figures: Figures, words: bool = True) -> Capacity:
    """The month's avgiftsutrymme per person (see the module's docstring). words=False leaves the
    calculation in words empty (an earlier month recomputed for its corrections)."""
    cur, later = in_force(inkomster, first)
    problems: list[pd.DataFrame] = []

    def problem(mask: pd.Series, reason: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            why = reason[mask] if isinstance(reason, pd.Series) else reason
            problems.append(pd.DataFrame({Col.PNR: cur.loc[mask, Col.PNR].to_numpy(),
                                          Col.ORSAK: pd.Series(why, index=cur.index[mask]).to_numpy()}))

    civ, partner = cur[Col.CIVILSTAND], cur[Col.PARTNER]
    couple, makar = isin(civ, Civilstand.PAR), isin(civ, Civilstand.MAKAR)
    by = cur.set_index(Col.PNR)
    has_row = isin(partner, by.index)
    p_partner = partner.map(by[Col.PARTNER])
    p_civ = partner.map(by[Col.CIVILSTAND])
    month = f"{first:%Y-%m}"
    problem(couple & partner.isna(), "civilstånd " + civ + " men Make/maka/sambo saknas — ange personnumret")
    problem(couple & partner.notna() & ~has_row, "make/maka/sambo " + partner.fillna("") + " har ingen egen rad i "
            f"inkomster som gäller {month} — makarnas inkomster kan inte delas")
    problem(couple & has_row & (p_partner != cur[Col.PNR]), "make/maka/sambo " + partner.fillna("")
            + " anger inte den här personen som make/maka/sambo (" + p_partner.fillna("ingen").astype("str") + ")")
    problem(couple & has_row & (isin(p_civ, Civilstand.MAKAR) != makar), "civilstånd skiljer sig: " + civ + " här, "
            + p_civ.fillna("").astype("str") + " hos make/maka/sambo " + partner.fillna(""))
    problem(~couple & partner.notna(), "ensamstående men Make/maka/sambo " + partner.fillna("") + " är angiven")

    own = _ore(cur[Col.INKOMST]) + _ore(cur[Col.BOSTADSTILLAGG].fillna(0))
    problem(cur[Col.INKOMST] < 0, "negativ inkomst efter skatt (" + sv(cur[Col.INKOMST]) + " kr) — rätta inkomsten")
    p_own = partner.map(pd.Series(own.to_numpy(), index=cur[Col.PNR]))
    p_income = partner.map(by[Col.INKOMST])

    household = cur[Col.BOENDEKOSTNAD]
    p_household = partner.map(by[Col.BOENDEKOSTNAD])
    household = household.where(household.notna() | ~couple, p_household)
    differ = couple & has_row & cur[Col.BOENDEKOSTNAD].notna() & p_household.notna() & \
        (cur[Col.BOENDEKOSTNAD] != p_household) & cur[Col.EGEN_BOENDEKOSTNAD].isna()
    problem(differ, "hushållets boendekostnad skiljer sig mellan makarnas/sambornas rader ("
            + sv(cur[Col.BOENDEKOSTNAD]) + " / " + sv(p_household) + " kr) — rätta den, eller ange Egen boendekostnad")
    problem(household.isna() & cur[Col.EGEN_BOENDEKOSTNAD].isna(), "boendekostnad saknas — registrera hyran eller "
            "boendekostnaden (0 om den är noll)")

    bad = set(pd.concat(problems)[Col.PNR]) if problems else set()
    # spouses' incomes are shared (and sambor share a housing cost): one partner's fault stops both
    problem(couple & isin(partner, bad) & ~isin(cur[Col.PNR], bad), "make/maka/sambo " + partner.fillna("")
            + " har fel i sina uppgifter (se den raden) — beräknas inte")
    problem(makar & (p_income < 0) & ~isin(cur[Col.PNR], bad), "makens/makans inkomst är negativ — beräknas inte")
    bad = set(pd.concat(problems)[Col.PNR]) if problems else set()
    ok = ~isin(cur[Col.PNR], bad)

    underlag = own.where(~makar, _half_up(own + p_own))
    base = pd.Series(np.where(couple, figures.sammanlevande, figures.ensamstaende), index=cur.index)
    young = _age(cur[Col.PNR], first) < 65
    raise_kr = np.ceil(base * figures.under_65_procent / 100 - 1e-9).where(young, 0.0)
    minimi = _ore(base + raise_kr)
    hoj, sank = _ore(cur[Col.HOJNING].fillna(0)), _ore(cur[Col.SANKNING].fillna(0))
    own_share = cur[Col.EGEN_BOENDEKOSTNAD].notna()
    boende = _ore(household.fillna(0)).where(~couple, _half_up(_ore(household.fillna(0))))
    boende = boende.where(~own_share, _ore(cur[Col.EGEN_BOENDEKOSTNAD]))
    forbehall = minimi + hoj - sank + boende
    utrymme = underlag - forbehall

    t = pd.DataFrame({Col.PNR: cur[Col.PNR], Col.CIVILSTAND: civ})
    for col, ore in ((Col.AVGIFTSUNDERLAG_KR, underlag), (Col.MINIMIBELOPP_KR, minimi), (Col.HOJNING_KR, hoj),
                     (Col.SANKNING_KR, sank), (Col.BOENDEKOSTNAD_KR, boende), (Col.FORBEHALLSBELOPP_KR, forbehall),
                     (Col.AVGIFTSUTRYMME_KR, utrymme)):
        t[col] = _kr(ore.where(ok))
    t[Col.GALLER_FRAN] = cur[FROM]
    problem(ok & (utrymme < 0), "avgiftsutrymmet är under noll (" + sv(_kr(utrymme).astype("float64"))
            + " kr): ingen omsorgsavgift")
    reasons = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    if words:
        why = reasons.groupby(Col.PNR)[Col.ORSAK].agg("; ".join)
        t[Col.BERAKNING] = _words(cur, t, ok, couple, makar, own, p_own, base, raise_kr, household, own_share, figures,
                                  first).where(ok, "Beräknas inte: " + cur[Col.PNR].map(why).astype(object).fillna("")
                                               .astype("str"))
    else:
        t[Col.BERAKNING] = pd.Series("", index=t.index, dtype="str")
    if len(later):
        reasons = pd.concat([reasons, pd.DataFrame({
            Col.PNR: later[Col.PNR], Col.ORSAK: "inkomstuppgifterna gäller först från "
            + day_text(later[FROM]) + f" (32 kap. 10 §): ingen beräkning för {month}"})],
            ignore_index=True)
    t = t.sort_values(Col.PNR, ignore_index=True)[COLUMNS]
    reasons = reasons.drop_duplicates().sort_values(Col.PNR, kind="stable", ignore_index=True)[PROBLEM_COLUMNS]
    return Capacity(t, reasons)


def _words(cur, t, ok, couple, makar, own, p_own, base, raise_kr, household, own_share, figures, first) -> pd.Series:
    """The arithmetic in one Swedish sentence, with the paragraphs (32 kap. from July 2025)."""
    par = law.fee_paragraphs(first)
    kr = lambda s: sv(pd.Series(s, dtype="float64"))  # noqa: E731
    inc = "inkomst efter skatt " + kr(cur[Col.INKOMST]) + " kr"
    btp = cur[Col.BOSTADSTILLAGG].fillna(0)
    inc = inc.where(btp == 0, inc + " + bostadstillägg " + kr(btp) + " kr")
    both = (own + p_own).astype("Float64") / 100
    inc = inc.where(~makar, "hälften av makarnas sammanlagda " + kr(both) + " kr (egen: " + inc + ")")
    underlag = "Avgiftsunderlag " + kr(t[Col.AVGIFTSUNDERLAG_KR]) + " kr (" + inc + ", " + par["avgiftsunderlag"] + ")"
    who = pd.Series(np.where(couple, "för var och en av sammanlevande", "för ensamstående"), index=cur.index)
    minimi = "minimibelopp " + kr(base) + " kr " + who
    minimi = minimi.where(raise_kr == 0, minimi + f" + {figures.under_65_procent:g} % under 65 år " + kr(raise_kr)
                          + " kr")
    minimi = minimi + " (" + par["minimibelopp"] + ")"
    reason = cur[Col.ORSAK].fillna("").astype("str")
    reason = pd.Series(np.where(reason != "", reason + ", ", ""), index=cur.index)
    ind = pd.Series("", index=cur.index, dtype="str")
    hoj, sank = cur[Col.HOJNING].fillna(0), cur[Col.SANKNING].fillna(0)
    ind = ind.where(hoj == 0, ind + " + individuell höjning " + kr(hoj) + " kr (" + reason + par["individuellt"] + ")")
    ind = ind.where(sank == 0, ind + " − individuell sänkning " + kr(sank) + " kr (" + reason + par["individuellt"]
                    + ")")
    boende = " + boendekostnad " + kr(t[Col.BOENDEKOSTNAD_KR]) + " kr"
    boende = boende.where(~couple | own_share, boende + " (hälften av hushållets " + kr(household) + " kr)")
    boende = boende.where(~own_share, boende + " (egen andel)")
    forbehall = " − förbehållsbelopp " + kr(t[Col.FORBEHALLSBELOPP_KR]) + " kr (" + minimi + ind + boende + ")"
    result = " = avgiftsutrymme " + kr(t[Col.AVGIFTSUTRYMME_KR]) + " kr"
    negative = t[Col.AVGIFTSUTRYMME_KR].fillna(0) < 0
    result = result.where(~negative, result + ": under noll, ingen omsorgsavgift")
    since = ". Gäller från " + day_text(cur[FROM]) + " (" + par["andring"] + ")."
    return (underlag + forbehall + result + since).where(ok, "")


def ledger_rows(capacity: Capacity) -> pd.DataFrame:
    """The computed rows in the ledger's form (öre), for Ändringar next month."""
    t = capacity.table[capacity.table[Col.AVGIFTSUTRYMME_KR].notna()]
    out = pd.DataFrame({"pnr": t[Col.PNR].to_numpy(), "civilstand": t[Col.CIVILSTAND].to_numpy(),
                        "galler_fran": day_text(t[Col.GALLER_FRAN]).to_numpy()})
    for key, col in PARTS.items():
        out[f"{key}_ore"] = _ore(t[col]).astype("int64").to_numpy()
    return out


def changes(now: pd.DataFrame, before: pd.DataFrame | None, first: pd.Timestamp, new_year: bool) -> pd.DataFrame:
    """Ändringar: people whose avgiftsutrymme differs from last month's (both in ledger_rows form),
    with the month it applies from and what changed."""
    columns = [Col.PNR, "Förra månaden (kr)", "Denna månad (kr)", "Differens (kr)", Col.GALLER_FRAN, Col.ORSAK]
    if before is None:
        return pd.DataFrame(columns=columns)
    m = now.merge(before, on="pnr", how="outer", suffixes=("", "_f"), indicator=True)
    was, is_ = m["utrymme_ore_f"].astype("Float64"), m["utrymme_ore"].astype("Float64")
    changed = (m["_merge"] != "both") | (was != is_).fillna(True)
    m = m[changed.to_numpy()].reset_index(drop=True)
    if not len(m):
        return pd.DataFrame(columns=columns)
    why = pd.Series("", index=m.index, dtype="str")

    def add(mask: pd.Series, text: pd.Series | str) -> None:
        nonlocal why
        mask = mask.fillna(False).astype(bool)
        why = why.where(~mask, np.where(why == "", text, why + "; " + text))

    add(m["_merge"] == "left_only", "ny i beräkningen")
    add(m["_merge"] == "right_only", "ingen beräkning denna månad (se Att kontrollera)")
    both = m["_merge"] == "both"
    add(both & (m["civilstand"] != m["civilstand_f"]), "civilstånd " + m["civilstand_f"].fillna("").astype("str")
        + " → " + m["civilstand"].fillna("").astype("str"))
    for key, words in PART_WORDS.items():
        a, b = m[f"{key}_ore_f"].astype("Float64") / 100, m[f"{key}_ore"].astype("Float64") / 100
        text = words + " " + sv(a.astype("float64")) + " → " + sv(b.astype("float64")) + " kr"
        if key == "minimibelopp" and new_year:
            text = text + " (nytt prisbasbelopp)"
        add(both & (a != b).fillna(False), text)
    row_changed = m["galler_fran"] != m["galler_fran_f"]
    since = m["galler_fran"].where(both & row_changed, f"{first:%Y-%m-%d}")
    since = since.where(m["_merge"] != "right_only", f"{first:%Y-%m-%d}")
    out = pd.DataFrame({Col.PNR: m["pnr"], columns[1]: (m["utrymme_ore_f"].astype("Float64") / 100),
                        columns[2]: (m["utrymme_ore"].astype("Float64") / 100)})
    out[columns[3]] = (out[columns[2]].fillna(0) - out[columns[1]].fillna(0)).round(2)
    out[Col.GALLER_FRAN] = pd.to_datetime(since)
    out[Col.ORSAK] = why
    return out.sort_values(Col.PNR, ignore_index=True)[columns]
