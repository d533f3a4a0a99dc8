"""Data-quality warnings across exports (rules/quality.py): what `vos check` lists in Varningar."""

import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vos_cli.frames import coded
from vos_cli.io.contract import Col
from vos_cli.rules import quality

KEYS = [Col.PNR, Col.UTFORARE, Col.INSATS]
NAME = st.sampled_from(["a", "b", "ä"])
LOST = "Besök utan beställning för samma brukare, utförare och insats"


def _frames(visit_rows, order_rows, coded_visits):
    visits = pd.DataFrame(visit_rows, columns=KEYS, dtype="str")
    visits["_rad"] = range(2, len(visits) + 2)
    orders = pd.DataFrame(order_rows, columns=KEYS, dtype="str")
    orders[Col.BESTALLNING_ID] = pd.Series([f"B{i}" for i in range(len(orders))], dtype="str")
    orders["_rad"] = range(2, len(orders) + 2)
    if coded_visits and len(visits):
        visits[KEYS] = visits[KEYS].apply(coded)
    return visits, orders


def _lost(visits, orders):
    found = quality.warnings(pd.DataFrame(), orders, visits, have_beslut=False, have_visits=True)
    return found.loc[found[Col.VARNING] == LOST, [Col.RAD, Col.PNR]]


def test_a_visit_warned_when_one_of_client_provider_insats_differs():
    visits, orders = _frames([("19450312-1234", "Norr", "Hemtjänst"), ("19450312-1234", "Söder", "Hemtjänst"),
                              ("19450312-1234", "Norr", "Trygghetslarm"), ("19500101-0000", "Norr", "Hemtjänst")],
                             [("19450312-1234", "Norr", "Hemtjänst")], coded_visits=True)
    lost = _lost(visits, orders)
    assert lost[Col.RAD].tolist() == [3, 4, 5]
    assert lost[Col.PNR].tolist() == ["19450312-1234", "19450312-1234", "19500101-0000"]


def test_no_orders_every_visit_warned_and_no_visits_nothing():
    visits, orders = _frames([("p", "Norr", "Hemtjänst")], [], coded_visits=False)
    assert _lost(visits, orders)[Col.RAD].tolist() == [2]
    visits, orders = _frames([], [("p", "Norr", "Hemtjänst")], coded_visits=False)
    assert _lost(visits, orders).empty


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(NAME, NAME, NAME | st.none()), max_size=25),
       st.lists(st.tuples(NAME, NAME, NAME | st.none()), max_size=8), st.booleans())
@example([("a", "a", None), ("a", "a", "a")], [("a", "a", None)], True)  # a missing insats meets a missing one
@example([("ä", "b", "a")], [("a", "b", "ä")], True)  # the same texts in other columns
def test_visits_without_order_by_search_are_those_by_hand(visit_rows, order_rows, coded_visits):
    """The visits warned as having no order are exactly those whose client, provider and insats
    no order has (a missing text meets a missing text, as in pandas' merge), on coded or plain
    visit columns."""
    visits, orders = _frames(visit_rows, order_rows, coded_visits)
    known = {tuple(r) for r in order_rows}
    by_hand = [i + 2 for i, r in enumerate(visit_rows) if tuple(r) not in known]
    assert _lost(visits, orders)[Col.RAD].tolist() == by_hand


@settings(deadline=None, max_examples=30)
@given(st.lists(st.tuples(NAME, NAME, NAME | st.none()), min_size=130, max_size=160),
       st.lists(st.tuples(NAME, NAME, NAME | st.none()), max_size=8), st.booleans())
def test_many_visits_beside_few_key_values_looked_up_in_a_table(visit_rows, order_rows, coded_visits):
    """More visits than the 125 combinations of these names: the keys are looked up in a table by
    key value instead of searched (a city's visit log); the same visits are warned."""
    test_visits_without_order_by_search_are_those_by_hand.hypothesis.inner_test(visit_rows, order_rows, coded_visits)
