"""`vos sample`: a synthetic municipality, deterministic for a seed, vectorised so that it can
make a city's month (millions of visits) for the benchmark as well as the small committed set.

It contains the cases the rules exist for: late acknowledgements, execution dates registered
before the first visit, terminations inside five days (deaths reported late among them),
decisions waiting over three months, interruptions, planned and unplanned absence, duplicates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vos_cli import personnummer
from vos_cli.io.contract import EXPORTS, Col, FranvaroTyp, Insats, Kon, MalTyp, Utfall
from vos_cli.period import month_bounds
from vos_cli.rules import calendar
from vos_cli.rules.endings import expand_days

HEMTJANST_PROVIDERS = ["Hemtjänst Norr", "Hemtjänst Söder", "Omsorgshuset AB", "Trygg Omsorg AB"]
DAY_UNITS = {"Dagverksamhet Solrosen": 14, "Dagverksamhet Ängen": 10, "Dagverksamhet Eken": 8}
KORTTID_UNIT = "Korttidsboendet Linden"
LARM_PROVIDER = "Larmgruppen"
MAT_PROVIDER = "Matdistributionen"
DELAY_REASONS = ["Ingen ledig plats", "Brukaren har tackat nej till erbjuden tid",
                 "Brukaren vårdas på sjukhus", "Brukaren har inte gått att nå"]
END_REASONS = ["Avliden", "Flyttat", "Behov upphört", "Särskilt boende"]


def _pnr(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n distinct valid personnummer (about 3 % samordningsnummer) and their sexes."""
    start, end = np.datetime64("1920-01-01"), np.datetime64("1965-12-31")
    births = start + rng.integers(0, int((end - start).astype(int)), n).astype("timedelta64[D]")
    b = pd.DatetimeIndex(births)
    male = rng.random(n) < 0.42
    serial = rng.integers(0, 100, n)
    third = (rng.integers(0, 5, n) * 2 + male.astype(int)) % 10
    day = b.day.to_numpy() + np.where(rng.random(n) < 0.03, 60, 0)
    yy, mm = b.year.to_numpy() % 100, b.month.to_numpy()
    nine = np.stack([yy // 10, yy % 10, mm // 10, mm % 10, day // 10, day % 10,
                     serial // 10, serial % 10, third], axis=1)
    check = personnummer.check_digits(nine)
    pnr = pd.Series(b.year.astype(str)).str.zfill(4) + pd.Series(mm).astype(str).str.zfill(2) + \
        pd.Series(day).astype(str).str.zfill(2) + "-" + pd.Series(serial).astype(str).str.zfill(2) + \
        pd.Series(third).astype(str) + pd.Series(check).astype(str)
    pnr = pnr.to_numpy()
    _, first = np.unique(pnr, return_index=True)
    keep = np.zeros(n, dtype=bool)
    keep[first] = True
    return pnr[keep], np.where(male, Kon.MAN, Kon.KVINNA)[keep]


def _days(rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
    return rng.integers(lo, hi + 1, n).astype("timedelta64[D]")


def generate(clients: int, month: str, seed: int, months: int = 1) -> dict[str, pd.DataFrame]:
    """A municipality's exports for `month`, with visits, absences and meals for it and the
    `months` − 1 months before it (a second month of use: corrections of the earlier ones)."""
    rng = np.random.default_rng(seed)
    first, last = month_bounds(month)
    m0, m1 = np.datetime64(first), np.datetime64(last)
    w0 = np.datetime64(month_bounds(str(pd.Period(month, "M") - (months - 1)))[0])
    pnr, _sex = _pnr(rng, clients)
    n = len(pnr)

    # --- decisions: one main insats per client, larm and meals as add-ons
    main = rng.choice(
        [Insats.HEMTJANST, Insats.TRYGGHETSLARM, Insats.DAGVERKSAMHET, Insats.KORTTID_LSS],
        n, p=[0.68, 0.15, 0.13, 0.04],
    )
    rows = [pd.DataFrame({Col.PNR: pnr, Col.INSATS: main})]
    extra_larm = (main == Insats.HEMTJANST) & (rng.random(n) < 0.4)
    rows.append(pd.DataFrame({Col.PNR: pnr[extra_larm], Col.INSATS: Insats.TRYGGHETSLARM}))
    extra_mat = np.isin(main, [Insats.HEMTJANST, Insats.TRYGGHETSLARM]) & (rng.random(n) < 0.18)
    rows.append(pd.DataFrame({Col.PNR: pnr[extra_mat], Col.INSATS: Insats.MATDISTRIBUTION}))
    dec = pd.concat(rows, ignore_index=True)
    k = len(dec)

    kind = rng.choice(["ongoing", "new", "waiting"], k, p=[0.82, 0.12, 0.06])
    kind = np.where(np.isin(dec[Col.INSATS], [Insats.TRYGGHETSLARM, Insats.MATDISTRIBUTION]) & (kind == "waiting"),
                    "new", kind)
    beslutsdatum = np.where(
        kind == "ongoing", m0 - _days(rng, 25, 700, k),
        np.where(kind == "new", m0 - _days(rng, -(last.day - 6), 20, k), m1 - _days(rng, 50, 200, k)),
    ).astype("datetime64[D]")
    dec[Col.BESLUT_ID] = [f"B{seed % 100:02d}{i:07d}" for i in range(k)]
    dec[Col.UTFALL] = np.where(rng.random(k) < 0.03, Utfall.AVSLAG, Utfall.BIFALL)
    dec.loc[rng.random(k) < 0.04, Col.UTFALL] = Utfall.DELVIS
    dec[Col.BESLUTSDATUM] = beslutsdatum
    dec[Col.FROM] = beslutsdatum + _days(rng, 0, 4, k)
    dec[Col.TOM] = np.where(rng.random(k) < 0.5, np.datetime64("NaT", "D"), dec[Col.FROM].to_numpy() + np.timedelta64(730, "D"))
    omf = np.select(
        [dec[Col.INSATS] == Insats.HEMTJANST, dec[Col.INSATS] == Insats.DAGVERKSAMHET,
         dec[Col.INSATS] == Insats.KORTTID_LSS],
        [rng.integers(4, 81, k), rng.integers(1, 6, k), rng.integers(2, 11, k)], 0,
    )
    dec[Col.OMFATTNING] = np.where(omf > 0, omf, np.nan)
    units = np.array(list(DAY_UNITS))
    dec[Col.ONSKAD_UTFORARE] = np.where(
        dec[Col.INSATS] == Insats.DAGVERKSAMHET, units[rng.integers(0, len(units), k)],
        np.where(dec[Col.INSATS] == Insats.HEMTJANST,
                 np.array(HEMTJANST_PROVIDERS)[rng.integers(0, len(HEMTJANST_PROVIDERS), k)], ""))
    dec[Col.HANDLAGGARE] = np.array(["Anna Berg", "Karim Said", "Lena Holm", "Per Ek"])[rng.integers(0, 4, k)]
    waiting = kind == "waiting"
    dec[Col.SKAL_DROJSMAL] = np.where(waiting & (rng.random(k) < 0.6),
                                      np.array(DELAY_REASONS)[rng.integers(0, len(DELAY_REASONS), k)], "")
    declined = waiting & (rng.random(k) < 0.15)
    dec[Col.AVSLUTSDATUM] = np.where(declined, m1 - _days(rng, 0, 40, k), np.datetime64("NaT", "D")).astype("datetime64[D]")
    dec[Col.AVSLUTSORSAK] = np.where(declined, "Tackat nej", "")

    # duplicates: a second granted decision for the same client and insats, overlapping
    dup_src = dec[(dec[Col.UTFALL] != Utfall.AVSLAG) & (kind == "ongoing")].sample(
        frac=0.01, random_state=seed)
    dup = dup_src.copy()
    dup[Col.BESLUT_ID] = [f"D{seed % 100:02d}{i:07d}" for i in range(len(dup))]
    dup[Col.BESLUTSDATUM] = dup[Col.BESLUTSDATUM] + pd.Timedelta(days=30)
    dup[Col.FROM] = dup[Col.FROM] + pd.Timedelta(days=30)

    # --- orders: one per granted decision
    granted = dec[dec[Col.UTFALL] != Utfall.AVSLAG].copy()
    g_kind = kind[granted.index.to_numpy()]
    j = len(granted)
    o = pd.DataFrame({
        Col.BESTALLNING_ID: [f"O{seed % 100:02d}{i:07d}" for i in range(j)],
        Col.BESLUT_ID: granted[Col.BESLUT_ID].to_numpy(), Col.PNR: granted[Col.PNR].to_numpy(),
        Col.INSATS: granted[Col.INSATS].to_numpy(),
    })
    ins = o[Col.INSATS].to_numpy()
    provider = np.select(
        [ins == Insats.HEMTJANST, ins == Insats.DAGVERKSAMHET, ins == Insats.KORTTID_LSS,
         ins == Insats.TRYGGHETSLARM],
        [granted[Col.ONSKAD_UTFORARE].to_numpy(), granted[Col.ONSKAD_UTFORARE].to_numpy(), KORTTID_UNIT,
         LARM_PROVIDER], MAT_PROVIDER)
    o[Col.UTFORARE] = provider
    o[Col.OMFATTNING] = granted[Col.OMFATTNING].to_numpy()
    sent_day = granted[Col.BESLUTSDATUM].to_numpy().astype("datetime64[D]") + _days(rng, 0, 3, j)
    sent = sent_day.astype("datetime64[m]") + rng.integers(6 * 60, 19 * 60 + 30, j).astype("timedelta64[m]")
    o[Col.SKICKAD] = sent
    ack = sent + (rng.gamma(2.0, 9.0, j) * 60).astype(int).astype("timedelta64[m]")
    o[Col.BEKRAFTAD] = np.where(rng.random(j) < 0.05, np.datetime64("NaT", "D"), ack)
    start = np.maximum(granted[Col.FROM].to_numpy().astype("datetime64[D]"), sent_day)
    o[Col.STARTDATUM] = start
    first_visit = start + _days(rng, 0, 6, j)
    nobody = (g_kind == "waiting")
    r = rng.random(j)
    registered = np.where(r < 0.06, first_visit - _days(rng, 1, 3, j),
                          np.where(r < 0.10, first_visit + _days(rng, 1, 4, j), first_visit))
    registered = np.where((r > 0.97) | nobody, np.datetime64("NaT", "D"), registered)
    # services without visits are executed on their registered date
    novisit = np.isin(ins, Insats.WITHOUT_VISITS)
    registered = np.where(novisit & ~nobody, start + _days(rng, 0, 2, j), registered)
    o[Col.VERKSTALLIGHETSDATUM] = registered
    # endings inside the month, some inside five days, some deaths reported late
    ending = (ins == Insats.HEMTJANST) & ~nobody & (rng.random(j) < 0.08) & (first_visit < m0)
    need_end = m0 + _days(rng, 0, last.day - 1, j)
    notice = need_end - _days(rng, -3, 12, j)
    o[Col.BEHOV_UPPHOR] = np.where(ending, need_end, np.datetime64("NaT", "D")).astype("datetime64[D]")
    o[Col.AVSLUT_MEDDELAT] = np.where(ending, notice, np.datetime64("NaT", "D")).astype("datetime64[D]")
    reason = np.array(END_REASONS)[rng.integers(0, len(END_REASONS), j)]
    o[Col.AVSLUTSORSAK] = np.where(ending, reason, "")
    lead = (need_end - notice).astype(int)
    adjusted = np.where(lead > 5, need_end, notice + np.timedelta64(5, "D"))
    o[Col.SLUTDATUM] = np.where(ending, adjusted, np.datetime64("NaT", "D")).astype("datetime64[D]")
    interrupted = ~nobody & ~ending & (rng.random(j) < 0.012) & (first_visit < m0 - np.timedelta64(150, "D"))
    o[Col.AVBROTT_FROM] = np.where(interrupted, m1 - _days(rng, 20, 140, j), np.datetime64("NaT", "D")).astype("datetime64[D]")
    o[Col.AVBROTT_TOM] = np.datetime64("NaT", "D")
    oral = (ins == Insats.HEMTJANST) & (rng.random(j) < 0.03)
    o[Col.MUNTLIGT_BESLUT] = np.where(oral, sent_day - _days(rng, 0, 7, j), np.datetime64("NaT", "D")).astype("datetime64[D]")
    # waiting decisions: half have an order sent that nobody executed
    o = o[~(nobody & (rng.random(j) < 0.5))].reset_index(drop=True)

    beslut = pd.concat([dec, dup], ignore_index=True).sort_values(Col.BESLUT_ID, ignore_index=True)
    return {"beslut": beslut, **_activity(rng, o, granted, first_visit, nobody, ending, interrupted,
                                         need_end, m0, m1, w0)}


def _activity(rng, orders, granted, first_visit, nobody, ending, interrupted, need_end, m0, m1, w0):
    """Visits, absences and meals for the orders that run in the months from w0 to m1."""
    j = len(granted)
    base = pd.DataFrame({
        Col.BESTALLNING_ID: np.arange(j), Col.PNR: granted[Col.PNR].to_numpy(),
        Col.INSATS: granted[Col.INSATS].to_numpy(), "omf": granted[Col.OMFATTNING].to_numpy(),
        "first": first_visit, "end": np.where(ending, need_end, np.datetime64("NaT", "D")).astype("datetime64[D]"),
    })
    base = base[~nobody & ~interrupted]
    prov = orders.drop_duplicates([Col.PNR, Col.INSATS]).set_index([Col.PNR, Col.INSATS])[Col.UTFORARE]
    base[Col.UTFORARE] = prov.reindex(pd.MultiIndex.from_frame(base[[Col.PNR, Col.INSATS]])).to_numpy()
    base = base[base[Col.UTFORARE].notna()]
    first_d = base["first"].to_numpy().astype("datetime64[D]")
    end_d = base["end"].to_numpy().astype("datetime64[D]")
    start = np.maximum(first_d, w0)
    end = np.where(np.isnat(end_d), m1, np.minimum(end_d, m1))
    ndays = (end - start).astype(int) + 1
    base = base[ndays > 0]
    start, ndays = start[ndays > 0], ndays[ndays > 0]
    rep = np.repeat(np.arange(len(base)), ndays)
    offs = np.arange(ndays.sum()) - np.repeat(np.cumsum(ndays) - ndays, ndays)
    day = start[rep] + offs.astype("timedelta64[D]")
    daily = base.iloc[rep].reset_index(drop=True)
    daily[Col.DATUM] = day

    # planned absence: some home-care clients away 3–14 days, a few with overlapping rows; each month
    hem = base[base[Col.INSATS] == Insats.HEMTJANST]
    month_starts = pd.date_range(pd.Timestamp(w0), pd.Timestamp(m0), freq="MS").to_numpy().astype("datetime64[D]")
    parts = []
    for k0 in month_starts:
        away = hem[rng.random(len(hem)) < 0.07]
        a_from = k0 + rng.integers(0, 20, len(away)).astype("timedelta64[D]")
        a_to = a_from + rng.integers(2, 14, len(away)).astype("timedelta64[D]")
        absences = pd.DataFrame({Col.PNR: away[Col.PNR].to_numpy(), Col.UTFORARE: away[Col.UTFORARE].to_numpy(),
                                 Col.FROM: a_from, Col.TOM: a_to, Col.TYP: "Dag planerad frånvaro",
                                 Col.ORSAK: rng.choice(["Resa", "Sjukhusvistelse", "Anhörig hjälper"], len(away))})
        overlap = absences.sample(frac=0.2, random_state=1).copy()
        overlap[Col.FROM] = overlap[Col.FROM] + pd.Timedelta(days=2)
        overlap[Col.TYP] = FranvaroTyp.PLANERAD
        unpl = hem[rng.random(len(hem)) < 0.03]
        u_from = k0 + rng.integers(0, 25, len(unpl)).astype("timedelta64[D]")
        unplanned = pd.DataFrame({Col.PNR: unpl[Col.PNR].to_numpy(), Col.UTFORARE: unpl[Col.UTFORARE].to_numpy(),
                                  Col.FROM: u_from,
                                  Col.TOM: u_from + rng.integers(0, 3, len(unpl)).astype("timedelta64[D]"),
                                  Col.TYP: FranvaroTyp.OPLANERAD, Col.ORSAK: "Ej hemma vid besök"})
        parts += [absences, overlap, unplanned]
    franvaro = pd.concat(parts, ignore_index=True)

    # no visits on absent days; none after the need ended (that is the unplanned absence of §4)
    ab_days = expand_days(franvaro, Col.FROM, Col.TOM, [Col.PNR, Col.UTFORARE]).drop_duplicates()
    daily = daily.merge(ab_days.assign(_away=True), on=[Col.PNR, Col.UTFORARE, Col.DATUM], how="left")
    daily = daily[daily["_away"].isna()].drop(columns="_away")
    after_end = daily["end"].notna() & (daily[Col.DATUM] > daily["end"])
    daily = daily[~after_end]

    ins = daily[Col.INSATS].to_numpy()
    wd = pd.DatetimeIndex(daily[Col.DATUM]).day_of_week.to_numpy()
    busy = calendar.is_business_day(daily[Col.DATUM]).to_numpy()
    dagv = (ins == Insats.DAGVERKSAMHET) & busy & (wd < daily["omf"].fillna(0).to_numpy())
    kort_first = daily.groupby(Col.PNR)[Col.DATUM].transform("min")
    kort = (ins == Insats.KORTTID_LSS) & ((daily[Col.DATUM] - kort_first).dt.days.to_numpy() < daily["omf"].fillna(0).to_numpy())
    hem_rows = ins == Insats.HEMTJANST
    # home care performs 80–105 % of the granted hours (some orders a little over), as short visits
    # of 5–40 minutes (22.5 on average); a Poisson number of them each day
    share = pd.Series(rng.uniform(0.80, 1.05, len(base)), index=base[Col.BESTALLNING_ID].to_numpy())
    per_order = share.reindex(daily[Col.BESTALLNING_ID].to_numpy()).to_numpy()
    lam = daily["omf"].fillna(0).to_numpy() * 60 * per_order / 30.4 / 22.5
    per_day = np.where(hem_rows, rng.poisson(np.where(hem_rows, lam, 0)), np.where(dagv | kort, 1, 0))
    visits = daily.loc[np.repeat(daily.index.to_numpy(), per_day), [Col.PNR, Col.UTFORARE, Col.DATUM, Col.INSATS]]
    visits = visits.reset_index(drop=True)
    is_hem = visits[Col.INSATS].to_numpy() == Insats.HEMTJANST
    minutes = rng.integers(1, 9, len(visits)) * 5
    visits[Col.MINUTER] = pd.array(np.where(is_hem, minutes, 0), dtype="Int64")
    visits.loc[~is_hem, Col.MINUTER] = pd.NA
    visits = visits[[Col.PNR, Col.UTFORARE, Col.DATUM, Col.MINUTER, Col.INSATS]]

    # meals: boxes for Matdistribution, meals served at the day activity; each month
    meal_parts = []
    for k0 in month_starts:
        k1 = (pd.Timestamp(k0) + pd.offsets.MonthEnd(0)).to_datetime64()
        month = f"{pd.Timestamp(k0):%Y-%m}"
        mat = orders[(orders[Col.INSATS] == Insats.MATDISTRIBUTION) & (orders[Col.STARTDATUM] <= k1)]
        boxes = pd.DataFrame({Col.PNR: mat[Col.PNR].to_numpy(), Col.UTFORARE: MAT_PROVIDER, Col.MANAD: month,
                              Col.TYP: MalTyp.MATLADA, Col.ANTAL: rng.integers(8, 31, len(mat))})
        in_month = (visits[Col.DATUM] >= k0) & (visits[Col.DATUM] <= k1)
        att = visits[(visits[Col.INSATS] == Insats.DAGVERKSAMHET) & in_month].groupby([Col.PNR, Col.UTFORARE]).size()
        meals = pd.DataFrame({Col.PNR: att.index.get_level_values(0), Col.UTFORARE: att.index.get_level_values(1),
                              Col.MANAD: month, Col.TYP: MalTyp.MALTID, Col.ANTAL: att.to_numpy()})
        meal_parts += [boxes, meals]
    maltider = pd.concat(meal_parts, ignore_index=True)

    clients = pd.Series(pd.unique(orders[Col.PNR]))
    known = clients[rng.random(len(clients)) < 0.85]
    util = np.round(rng.normal(1800, 1600, len(known)), -1)
    avgiftsutrymme = pd.DataFrame({Col.PNR: known.to_numpy(), Col.AVGIFTSUTRYMME: util})
    enheter = pd.DataFrame({Col.ENHET: list(DAY_UNITS), Col.PLATSER: list(DAY_UNITS.values())})
    inkomster = _income(rng, clients[~clients.isin(known)].to_numpy(), clients.to_numpy(), m0)
    return {"bestallningar": orders, "besok": visits, "franvaro": franvaro, "maltider": maltider,
            "avgiftsutrymme": avgiftsutrymme, "enheter": enheter, "inkomster": inkomster}


def _income(rng: np.random.Generator, people: np.ndarray, everyone: np.ndarray, first) -> pd.DataFrame:
    """Income, housing cost and household for the clients the fee module has no avgiftsutrymme for:
    about a third married (with the spouse's own row), some sambor, a row from last year and, for
    some, a change during the month (it applies from the next month, 32 kap. 10 §)."""
    n = len(people)
    civ = rng.choice(["Ensamstående", "Gift", "Sambo"], n, p=[0.6, 0.3, 0.1])
    partners, _ = _pnr(rng, n)
    partners = partners[:n] if len(partners) >= n else np.resize(partners, n)
    civ = np.where(np.isin(partners, everyone) | (pd.Series(partners).duplicated().to_numpy()), "Ensamstående", civ)
    couple = civ != "Ensamstående"
    income = np.round(rng.normal(16500, 4000, n).clip(9000, 32000), -1)
    btp = np.where(rng.random(n) < 0.3, np.round(rng.uniform(500, 5000, n), -1), np.nan)
    rent = np.round(rng.uniform(4000, 9500, n), -1)
    start = pd.Timestamp(first) - pd.DateOffset(months=14)
    own = pd.DataFrame({Col.PNR: people, Col.CIVILSTAND: civ, Col.PARTNER: np.where(couple, partners, None),
                        Col.INKOMST: income, Col.BOSTADSTILLAGG: btp, Col.BOENDEKOSTNAD: rent,
                        Col.GILTIG_FROM: start})
    spouse = pd.DataFrame({Col.PNR: partners[couple], Col.CIVILSTAND: civ[couple], Col.PARTNER: people[couple],
                           Col.INKOMST: np.round(rng.normal(15000, 5000, int(couple.sum())).clip(0, 30000), -1),
                           Col.BOSTADSTILLAGG: np.nan, Col.BOENDEKOSTNAD: rent[couple], Col.GILTIG_FROM: start})
    raised = own[rng.random(n) < 0.05].assign(**{Col.HOJNING: 500.0, Col.ORSAK: "fördyrad kost",
                                                Col.GILTIG_FROM: pd.Timestamp(first) - pd.DateOffset(months=3)})
    changed = own[(rng.random(n) < 0.08) & ~couple].assign(**{
        Col.INKOMST: lambda d: d[Col.INKOMST] + 400, Col.GILTIG_FROM: pd.Timestamp(first) + pd.Timedelta(days=14)})
    out = pd.concat([own, spouse, raised, changed], ignore_index=True)
    return out.sort_values([Col.PNR, Col.GILTIG_FROM], kind="stable", ignore_index=True)


def _fmt(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            has_time = bool((s.dropna().dt.normalize() != s.dropna()).any())
            out[c] = s.dt.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d").fillna("")
        elif pd.api.types.is_float_dtype(s):
            out[c] = s.map(lambda v: "" if pd.isna(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}".replace(".", ",")))
        else:
            out[c] = s.astype("str").fillna("")
    return out


def write(data: dict[str, pd.DataFrame], folder: Path) -> dict[str, int]:
    """CSV with `;` in UTF-8, except `enheter` as XLSX, as municipalities' exports come."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, df in data.items():
        order = [f.name for f in EXPORTS[name].fields if f.name in df.columns]
        df = df[order]
        if name == "enheter":
            import datetime as dt

            import xlsxwriter

            wb = xlsxwriter.Workbook(folder / "enheter.xlsx")
            wb.set_properties({"created": dt.datetime(2026, 1, 1)})  # the same seed gives the same bytes
            ws = wb.add_worksheet()
            ws.write_row(0, 0, list(df.columns))
            for r, row in enumerate(df.itertuples(index=False), start=1):
                ws.write_row(r, 0, [v.item() if hasattr(v, "item") else v for v in row])
            wb.close()
        else:
            _fmt(df).to_csv(folder / f"{name}.csv", sep=";", index=False, encoding="utf-8", lineterminator="\n")
        counts[name] = len(df)
    return counts
