import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import frame, pnr
from vos_cli.io.contract import Col
from vos_cli.rules import day_activity as rule
from vos_cli.rules import execution

A = pd.Timestamp("2026-03-31")  # next week 6–10 April: Easter Monday → 4 open days
MARCH = (pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
P = [pnr(1930 + i, 1 + i % 12, 1 + i, i, "Kvinna" if i % 2 else "Man") for i in range(12)]


def dec(bid, pn, date, days, unit="Solrosen", **kw):
    base = {Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: "Dagverksamhet", Col.BESLUTSDATUM: date, Col.FROM: date,
            Col.OMFATTNING: str(days), Col.ONSKAD_UTFORARE: unit}
    base.update(kw)
    return base


def order(bid, pn, days, unit="Solrosen", reg="2025-06-02"):
    return {Col.BESTALLNING_ID: "O" + bid, Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: "Dagverksamhet",
            Col.UTFORARE: unit, Col.OMFATTNING: str(days), Col.SKICKAD: "2025-06-01 10:00",
            Col.STARTDATUM: "2025-06-01", Col.VERKSTALLIGHETSDATUM: reg}


def units(**places):
    return frame("enheter", [{Col.ENHET: k, Col.PLATSER: str(v)} for k, v in places.items()])


def compute(decisions, orders, enheter, visits=()):
    o = frame("bestallningar", orders)
    v = frame("besok", list(visits)) if visits else frame("besok", [
        {Col.PNR: pnr(1920, 1, 1), Col.UTFORARE: "x", Col.DATUM: "2020-01-01", Col.MINUTER: "1"}])
    ex = execution.execution_dates(o, v, None)
    meals = frame("maltider", [{Col.PNR: P[0], Col.UTFORARE: "Solrosen", Col.MANAD: "2026-03", Col.TYP: "Måltid",
                                Col.ANTAL: "7"}])
    return rule.compute(frame("beslut", decisions), ex, execution.END, enheter, v, meals, *MARCH, A)


def test_new_client_before_extension_even_when_the_extension_is_older():
    decisions = [dec("B0", P[0], "2025-05-01", 2), dec("B1", P[0], "2025-12-01", 4),  # extension, older
                 dec("B2", P[1], "2026-02-01", 1), dec("B3", P[2], "2026-01-15", 2)]  # new clients
    da = compute(decisions, [order("B0", P[0], 2)], units(Solrosen=3))
    assert da.queue[[Col.BESLUT_ID, Col.TYP, rule.PRIORITET]].values.tolist() == [
        ["B3", rule.NY, 1], ["B2", rule.NY, 1], ["B1", rule.UTOKNING, 2]]
    assert da.queue.set_index(Col.BESLUT_ID).loc["B1", rule.DAGAR_PER_VECKA] == 2  # 4 wanted − 2 running
    assert da.queue.set_index(Col.BESLUT_ID).loc["B3", rule.DAGAR_I_KO] == 75


def test_wished_unit_preferred_and_capacity_never_exceeded():
    decisions = [dec(f"B{i}", P[i], f"2026-01-{10 + i:02d}", 3, "Ängen") for i in range(1, 5)]
    da = compute(decisions, [], units(Solrosen=2, Ängen=2))  # 8 days/week free at each
    offered = da.offers.set_index(Col.BESLUT_ID)[rule.ERBJUDEN].to_dict()
    assert offered == {"B1": "Ängen", "B2": "Ängen", "B3": "Solrosen", "B4": "Solrosen"}
    for unit, rows in da.offers.groupby(rule.ERBJUDEN):
        cap = da.units.set_index(Col.ENHET).loc[unit, "Lediga dagar/vecka"]
        assert rows[rule.DAGAR_PER_VECKA].sum() <= cap


def test_a_unit_with_no_free_places_gets_no_offer():
    decisions = [dec("B0", P[0], "2025-05-01", 4), dec("B1", P[1], "2026-01-10", 1)]
    da = compute(decisions, [order("B0", P[0], 4)], units(Solrosen=1))  # 4 open days, 4 taken
    row = da.units.set_index(Col.ENHET).loc["Solrosen"]
    assert (row["Kapacitet (dagar/vecka)"], row["Belagda dagar/vecka"], row[rule.LEDIGA_PLATSER]) == (4, 4, 0)
    assert da.offers.empty and da.queue[Col.BESLUT_ID].tolist() == ["B1"]


def test_a_client_who_declines_leaves_the_queue():
    decisions = [dec("B1", P[1], "2026-01-10", 2, **{Col.AVSLUTSDATUM: "2026-03-20", Col.AVSLUTSORSAK: "Tackat nej"}),
                 dec("B2", P[2], "2026-01-10", 2, **{Col.AVSLUTSORSAK: "Tackat nej"})]  # not ended: stays
    da = compute(decisions, [], units(Solrosen=3))
    assert da.queue[Col.BESLUT_ID].tolist() == ["B2"]


def test_visitors_counted_once_however_often_they_came_and_meals():
    visits = [{Col.PNR: P[0], Col.UTFORARE: "Solrosen", Col.DATUM: d, Col.INSATS: "Dagverksamhet"}
              for d in ("2026-03-02", "2026-03-03", "2026-03-03", "2026-03-09")]
    visits.append({Col.PNR: P[1], Col.UTFORARE: "Solrosen", Col.DATUM: "2026-03-04", Col.INSATS: "Dagverksamhet"})
    da = compute([dec("B0", P[0], "2025-05-01", 2)], [order("B0", P[0], 2)], units(Solrosen=3), visits)
    row = da.units.set_index(Col.ENHET).loc["Solrosen"]
    assert row[rule.BESOKARE] == 2 and row["Besöksdagar i månaden"] == 4
    assert da.meals[[Col.PNR, Col.MALTIDER_ST]].values.tolist() == [[P[0], 7]]


def test_three_month_flag_for_new_clients():
    da = compute([dec("B1", P[1], "2026-01-15", 1), dec("B2", P[2], "2025-12-20", 1), dec("B3", P[3], "2026-02-10", 1)],
                 [], units(Solrosen=3))
    flags = da.queue.set_index(Col.BESLUT_ID)[rule.BEVAKNING].to_dict()
    assert flags == {"B1": "Inom 30 dagar", "B2": "Passerad", "B3": ""}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["Solrosen", "Ängen", "Eken"])), min_size=1, max_size=10),
       st.integers(0, 4), st.integers(0, 4), st.integers(0, 4))
def test_offers_never_exceed_any_units_free_days(wants, a, b, c):
    decisions = [dec(f"B{i}", P[i], f"2026-01-{i + 1:02d}", d, u) for i, (d, u) in enumerate(wants)]
    da = compute(decisions, [], units(Solrosen=a, Ängen=b, Eken=c))
    free = da.units.set_index(Col.ENHET)["Lediga dagar/vecka"]
    used = da.offers.groupby(rule.ERBJUDEN)[rule.DAGAR_PER_VECKA].sum()
    assert all(used[u] <= free[u] for u in used.index)
