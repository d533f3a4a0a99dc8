import itertools
from unittest import mock

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import frame, municipal_config, pnr
from vos_cli.frames import coded
from vos_cli.io.contract import Col
from vos_cli.reports.fees import tariffs
from vos_cli.rules import endings, execution
from vos_cli.rules import fees as rule

P = pnr(1939, 3, 3, 17, "Kvinna")
MARCH = (pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
T2026 = tariffs(municipal_config(), 2026)


def order(oid="O1", insats="Hemtjänst", utf="Norr", start="2026-01-05", reg="2026-01-05", pn=P, **kw):
    base = {Col.BESTALLNING_ID: oid, Col.BESLUT_ID: "B" + oid, Col.PNR: pn, Col.INSATS: insats, Col.UTFORARE: utf,
            Col.OMFATTNING: "20", Col.SKICKAD: "2026-01-02 10:00", Col.STARTDATUM: start,
            Col.VERKSTALLIGHETSDATUM: reg}
    base.update(kw)
    return base


def visit(day, minutes=60, insats="Hemtjänst", utf="Norr", pn=P):
    return {Col.PNR: pn, Col.UTFORARE: utf, Col.DATUM: day, Col.MINUTER: str(minutes) if minutes else "",
            Col.INSATS: insats}


def run(orders, visits=(), meals=(), utrymme=None, month=MARCH, t=T2026):
    o = frame("bestallningar", orders)
    v = frame("besok", list(visits)) if visits else frame("besok", [visit("2020-01-01", pn=pnr(1930, 1, 1))])
    ex = execution.execution_dates(o, v, month[0])
    ends, _ = endings.end_dates(o, v)
    billing = rule.billing_orders(ex, endings.adjusted_end_for(ex, ends))
    m = frame("maltider", list(meals)) if meals else frame("maltider", [
        {Col.PNR: pnr(1930, 1, 1), Col.UTFORARE: "x", Col.MANAD: "2000-01", Col.TYP: "Måltid", Col.ANTAL: "1"}])
    u = frame("avgiftsutrymme", [{Col.PNR: P, Col.AVGIFTSUTRYMME: str(utrymme)}] if utrymme is not None else
              [{Col.PNR: pnr(1930, 1, 1), Col.AVGIFTSUTRYMME: "1"}])
    b = rule.basis(billing, v, m, u, *month, t).basis.set_index(Col.PNR)
    return b, rule.new_in_billing(billing, *month), rule.ended(billing, *month)


def test_fee_below_the_cap():
    b, _, _ = run([order()], [visit("2026-03-02", 90), visit("2026-03-03", 30)])
    row = b.loc[P]
    assert row[Col.UTFORD_TID] == 2.0 and row[Col.AVGIFT_FORE_TAK] == 870.0
    assert row[Col.OMSORGSAVGIFT] == 870.0 and row[Col.TAK_ORSAK] == ""


def test_capped_by_maxtaxa_when_avgiftsutrymme_missing():
    b, _, _ = run([order()], [visit(f"2026-03-{d:02d}", 60) for d in range(1, 11)])
    assert b.loc[P, Col.AVGIFT_FORE_TAK] == 4350.0
    assert b.loc[P, Col.AVGIFTSTAK] == 2660.0 and b.loc[P, Col.OMSORGSAVGIFT] == 2660.0
    assert b.loc[P, Col.TAK_ORSAK] == rule.CAP_MAXTAXA


@pytest.mark.parametrize("utrymme,fee,reason", [(1200.5, 1200.5, rule.CAP_UTRYMME), (-300, 0.0, rule.CAP_UTRYMME),
                                                (5000, 2660.0, rule.CAP_MAXTAXA), (4000, 2660.0, rule.CAP_MAXTAXA)])
def test_capped_by_avgiftsutrymme_or_maxtaxa(utrymme, fee, reason):
    b, _, _ = run([order()], [visit(f"2026-03-{d:02d}", 60) for d in range(1, 11)], utrymme=utrymme)
    assert b.loc[P, Col.OMSORGSAVGIFT] == fee and b.loc[P, Col.TAK_ORSAK] == reason


def test_meals_are_charged_outside_the_cap():
    meals = [{Col.PNR: P, Col.UTFORARE: "Mat", Col.MANAD: "2026-03", Col.TYP: "Matlåda", Col.ANTAL: "10"},
             {Col.PNR: P, Col.UTFORARE: "Sol", Col.MANAD: "2026-03", Col.TYP: "Måltid", Col.ANTAL: "4"},
             {Col.PNR: P, Col.UTFORARE: "Mat", Col.MANAD: "2026-02", Col.TYP: "Matlåda", Col.ANTAL: "99"}]
    b, _, _ = run([order()], [visit(f"2026-03-{d:02d}", 60) for d in range(1, 11)], meals, utrymme=100)
    row = b.loc[P]
    assert (row[Col.MATLADOR_ST], row[Col.MALTIDER_ST]) == (10, 4)
    assert row[Col.MATKOSTNAD] == 10 * 78 + 4 * 65
    assert row[Col.ATT_FAKTURERA] == 100 + 1040


def test_visit_before_the_execution_date_is_not_billed():
    b, new, _ = run([order(start="2026-03-05", reg="2026-03-05")],
                    [visit("2026-03-03", 60), visit("2026-03-09", 30), visit("2026-03-10", 30)])
    assert b.loc[P, Col.UTFORD_TID] == 1.0
    assert new[[Col.INSATS, Col.VERKSTALLIGHETSDATUM]].values.tolist() == [["Hemtjänst", pd.Timestamp("2026-03-09")]]


def test_day_activity_days_counted_once_per_day():
    b, _, _ = run([order(insats="Dagverksamhet", utf="Sol", **{Col.OMFATTNING: "2"})],
                  [visit("2026-03-02", None, "Dagverksamhet", "Sol"), visit("2026-03-02", None, "Dagverksamhet", "Sol"),
                   visit("2026-03-04", None, "Dagverksamhet", "Sol")])
    assert b.loc[P, Col.DAGV_DAGAR] == 2 and b.loc[P, Col.AVGIFT_FORE_TAK] == 100.0


def test_trygghetslarm_started_on_the_last_day_is_charged_for_the_month():
    b, new, _ = run([order(insats="Trygghetslarm", utf="Larm", start="2026-03-31", reg="2026-03-31")])
    assert b.loc[P, Col.TRYGGHETSLARM] == 1 and b.loc[P, Col.AVGIFT_FORE_TAK] == 310.0
    assert new[Col.INSATS].tolist() == ["Trygghetslarm"]


def test_client_keeping_trygghetslarm_is_not_ended():
    orders = [order(**{Col.AVSLUT_MEDDELAT: "2026-03-01", Col.BEHOV_UPPHOR: "2026-03-20"}),
              order("O2", insats="Trygghetslarm", utf="Larm")]
    _, _, ended = run(orders)
    assert ended.empty
    _, _, ended = run(orders[:1])
    assert ended[[Col.INSATS, Col.SLUTDATUM]].values.tolist() == [["Hemtjänst", pd.Timestamp("2026-03-20")]]


def test_client_ended_by_the_five_day_rule_in_the_next_month_is_not_listed_this_month():
    orders = [order(**{Col.AVSLUT_MEDDELAT: "2026-03-29", Col.BEHOV_UPPHOR: "2026-03-29"})]
    _, _, ended = run(orders)
    assert ended.empty
    _, _, ended = run(orders, month=(pd.Timestamp("2026-04-01"), pd.Timestamp("2026-04-30")))
    assert ended[Col.SLUTDATUM].tolist() == [pd.Timestamp("2026-04-03")]


def test_new_order_on_a_running_service_is_not_new_in_billing():
    orders = [order(), order("O2", start="2026-03-10", reg="2026-03-10")]
    _, new, ended = run(orders, [visit("2026-03-02"), visit("2026-03-10")])
    assert new.empty and ended.empty


def test_tariffs_of_two_different_years():
    t2024, t2025 = tariffs(municipal_config(), 2024), tariffs(municipal_config(), 2025)
    assert (t2024.maxtaxa, t2025.maxtaxa, T2026.maxtaxa) == (2575, 2642, 2660)
    jan24 = (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-31"))
    b, _, _ = run([order(start="2023-06-01", reg="2023-06-01")], [visit("2024-01-02", 60)], month=jan24, t=t2024)
    assert b.loc[P, Col.AVGIFT_FORE_TAK] == 410.0
    b, _, _ = run([order()], [visit("2026-03-02", 60)])
    assert b.loc[P, Col.AVGIFT_FORE_TAK] == 435.0


KEY = st.sampled_from(["a", "b", None])
VISIT = st.tuples(KEY, st.sampled_from(["Norr", "Söder"]), st.sampled_from(["Hemtjänst", "Ledsagning"]),
                  st.integers(0, 40), st.integers(1, 90))
ORDER = st.tuples(KEY, st.sampled_from(["Norr", "Söder"]), st.sampled_from(["Hemtjänst", "Ledsagning"]),
                  st.integers(0, 40), st.one_of(st.none(), st.integers(0, 40)), st.sampled_from(["O1", "O2", "O3"]))


@settings(deadline=None, max_examples=80)
@given(st.lists(VISIT, max_size=30), st.lists(ORDER, max_size=8), st.booleans())
# visits on the execution date and on the billing end of their one order (day 9 = 1 March) ...
@example([("a", "Norr", "Hemtjänst", 12, 30), ("a", "Norr", "Hemtjänst", 15, 45), ("a", "Norr", "Hemtjänst", 16, 5)],
         [("a", "Norr", "Hemtjänst", 12, 3, "O1")], True)
# ... and inside two orders: the earlier execution date, then the lower Beställnings-ID
@example([("a", "Norr", "Hemtjänst", 20, 30), ("a", "Norr", "Hemtjänst", 12, 45), ("a", "Norr", "Hemtjänst", 10, 5)],
         [("a", "Norr", "Hemtjänst", 12, None, "O2"), ("a", "Norr", "Hemtjänst", 10, 10, "O3"),
          ("a", "Norr", "Hemtjänst", 12, None, "O1")], False)
def test_visits_in_orders_by_search_are_the_visits_in_orders_by_hand(visit_rows, order_rows, coded_visits):
    """Each of the month's Hemtjänst visits in at most one order of its client and provider, from the
    execution date to the billing end (open or not), the earliest execution date first, then the
    lowest Beställnings-ID — whether the visit has no order, one, or several that overlap."""
    day0, first, last = pd.Timestamp("2026-02-20"), pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31")
    days = lambda n: day0 + pd.Timedelta(days=n)  # noqa: E731
    visits = pd.DataFrame([r[:3] for r in visit_rows], columns=[Col.PNR, Col.UTFORARE, Col.INSATS], dtype="str")
    visits[Col.DATUM] = pd.Series([days(r[3]) for r in visit_rows], dtype="datetime64[us]")
    visits[Col.MINUTER] = pd.Series([r[4] for r in visit_rows], dtype="Int64")
    orders = pd.DataFrame([r[:3] + (r[5],) for r in order_rows],
                          columns=[Col.PNR, Col.UTFORARE, Col.INSATS, Col.BESTALLNING_ID], dtype="str")
    orders[Col.KORREKT_VERKST] = pd.Series([days(r[3]) for r in order_rows], dtype="datetime64[us]")
    orders[rule.BILL_END] = pd.Series([None if r[4] is None else days(r[3] + r[4]) for r in order_rows],
                                      dtype="datetime64[us]")
    expected = []
    for _, v in visits.iterrows():
        if v[Col.INSATS] != "Hemtjänst" or not first <= v[Col.DATUM] <= last:
            continue
        same = orders[(orders[Col.INSATS] == "Hemtjänst") & (orders[Col.UTFORARE] == v[Col.UTFORARE])
                      & ((orders[Col.PNR] == v[Col.PNR]) | (orders[Col.PNR].isna() & pd.isna(v[Col.PNR])))
                      & (orders[Col.KORREKT_VERKST] <= v[Col.DATUM])
                      & (orders[rule.BILL_END].isna() | (orders[rule.BILL_END] >= v[Col.DATUM]))]
        if len(same):
            o = same.sort_values([Col.KORREKT_VERKST, Col.BESTALLNING_ID]).iloc[0]
            expected.append((v[Col.PNR], v[Col.DATUM], v[Col.MINUTER], o[Col.BESTALLNING_ID]))
    if coded_visits and len(visits):
        visits[[Col.PNR, Col.UTFORARE, Col.INSATS]] = visits[[Col.PNR, Col.UTFORARE, Col.INSATS]].apply(coded)
    norm = lambda rows: sorted(rows, key=lambda r: tuple(map(str, r)))  # noqa: E731
    # the visits searched a block at a time (one block, and several), each key's orders found by a
    # table of key values or by binary search
    for block, per_key in itertools.product((rule._BLOCK, 4), (0, 10**9)):
        with mock.patch.object(rule, "_BLOCK", block), mock.patch.object(rule, "_VISITS_PER_KEY", per_key):
            got = rule._in_orders(visits, orders, "Hemtjänst", first, last)
        assert norm([tuple(None if pd.isna(x) else x for x in r) for r in got.itertuples(index=False)]) == \
            norm([tuple(None if pd.isna(x) else x for x in r) for r in expected])


def test_without_words_the_same_amounts_lines_and_figures():
    """An earlier month recomputed for its corrections (words=False): every amount, article line and
    figure as in the month's own basis; only the calculation in words is left empty."""
    o = frame("bestallningar", [order(), order("O2", insats="Trygghetslarm"), order("O3", insats="Dagverksamhet")])
    v = frame("besok", [visit(f"2026-03-{d:02d}", 60) for d in range(1, 11)]
              + [visit("2026-03-04", 0, insats="Dagverksamhet")])
    ex = execution.execution_dates(o, v, MARCH[0])
    ends, _ = endings.end_dates(o, v)
    billing = rule.billing_orders(ex, endings.adjusted_end_for(ex, ends))
    m = frame("maltider", [{Col.PNR: P, Col.UTFORARE: "Mat", Col.MANAD: "2026-03", Col.TYP: "Matlåda",
                            Col.ANTAL: "3"}])
    u = frame("avgiftsutrymme", [{Col.PNR: P, Col.AVGIFTSUTRYMME: "1200"}])
    full = rule.basis(billing, v, m, u, *MARCH, T2026)
    bare = rule.basis(billing, v, m, u, *MARCH, T2026, words=False)
    assert full.basis.loc[0, Col.BERAKNING].endswith("att fakturera 1\xa0434 kr")  # the words are there
    assert bare.basis[Col.BERAKNING].tolist() == [""]
    pd.testing.assert_frame_equal(bare.basis.drop(columns=Col.BERAKNING), full.basis.drop(columns=Col.BERAKNING))
    pd.testing.assert_frame_equal(bare.articles, full.articles)
    pd.testing.assert_frame_equal(bare.details, full.details)
    pd.testing.assert_frame_equal(bare.over_granted, full.over_granted)
