import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import frame, pnr
from vos_cli.frames import coded
from vos_cli.io.contract import Col
from vos_cli.rules import execution as rule

P = pnr(1940, 5, 17, 33, "Kvinna")
MARCH = (pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))


def order(**kw):
    base = {Col.BESTALLNING_ID: "O1", Col.BESLUT_ID: "B1", Col.PNR: P, Col.INSATS: "Hemtjänst",
            Col.UTFORARE: "Norr", Col.OMFATTNING: "20", Col.SKICKAD: "2026-03-02 10:00",
            Col.STARTDATUM: "2026-03-02"}
    base.update(kw)
    return base


def visit(day, **kw):
    base = {Col.PNR: P, Col.UTFORARE: "Norr", Col.DATUM: day, Col.MINUTER: "30", Col.INSATS: "Hemtjänst"}
    base.update(kw)
    return base


def run(orders, visits, log_start="2026-03-01"):
    o = frame("bestallningar", orders)
    v = frame("besok", visits) if visits else frame("besok", [visit("2026-01-01", **{Col.PNR: pnr(1930, 1, 1)})])
    return rule.execution_dates(o, v, pd.Timestamp(log_start) if log_start else None).set_index(Col.BESTALLNING_ID)


def test_seed_003_worked_example_22_to_28_september():
    out = run([order(**{Col.SKICKAD: "2026-09-22 10:00", Col.STARTDATUM: "2026-09-22",
                        Col.VERKSTALLIGHETSDATUM: "2026-09-28"})],
              [visit("2026-09-28"), visit("2026-09-30")], "2026-09-01")
    row = out.loc["O1"]
    assert row[Col.FORSTA_BESOK] == pd.Timestamp("2026-09-28")
    assert row[Col.KORREKT_VERKST] == pd.Timestamp("2026-09-28")
    assert row[Col.STATUS] == rule.OK


@pytest.mark.parametrize("registered,visits,status,correct", [
    ("2026-03-05", ["2026-03-05"], rule.OK, "2026-03-05"),
    ("2026-03-03", ["2026-03-05"], rule.FOR_TIDIGT, "2026-03-05"),
    ("2026-03-07", ["2026-03-05"], rule.FOR_SENT, "2026-03-05"),
    ("", ["2026-03-05"], rule.EJ_REGISTRERAT, "2026-03-05"),
    ("2026-03-05", [], rule.UTAN_BESOK, None),
    ("", [], rule.EJ_PABORJAD, None),
])
def test_every_status(registered, visits, status, correct):
    out = run([order(**{Col.VERKSTALLIGHETSDATUM: registered})], [visit(d) for d in visits])
    row = out.loc["O1"]
    assert row[Col.STATUS] == status
    assert (pd.isna(row[Col.KORREKT_VERKST]) if correct is None else row[Col.KORREKT_VERKST] == pd.Timestamp(correct))


def test_comment_tells_what_to_do():
    out = run([order(**{Col.STARTDATUM: "2026-04-01", Col.VERKSTALLIGHETSDATUM: "2026-04-01"})],
              [visit("2026-04-07")], "2026-04-01")
    assert out.loc["O1", Col.KOMMENTAR] == "Ändra verkställighetsdatum till 2026-04-07 (första besöket)"


def test_visit_before_startdatum_not_counted():
    out = run([order(**{Col.STARTDATUM: "2026-03-10", Col.VERKSTALLIGHETSDATUM: "2026-03-10"})],
              [visit("2026-03-08"), visit("2026-03-12")])
    assert out.loc["O1", Col.FORSTA_BESOK] == pd.Timestamp("2026-03-12")
    assert out.loc["O1", Col.STATUS] == rule.FOR_TIDIGT


def test_visit_of_another_provider_or_insats_not_counted():
    out = run([order()], [visit("2026-03-03", **{Col.UTFORARE: "Söder"}),
                          visit("2026-03-04", **{Col.INSATS: "Dagverksamhet", Col.MINUTER: ""}),
                          visit("2026-03-09")])
    assert out.loc["O1", Col.FORSTA_BESOK] == pd.Timestamp("2026-03-09")


def test_visit_after_the_order_end_not_counted():
    out = run([order(**{Col.SLUTDATUM: "2026-03-04"})], [visit("2026-03-06")])
    assert pd.isna(out.loc["O1", Col.FORSTA_BESOK]) and out.loc["O1", Col.STATUS] == rule.EJ_PABORJAD


def test_new_order_on_running_service_ends_the_previous_and_starts_at_its_first_visit():
    orders = [order(**{Col.STARTDATUM: "2026-02-01", Col.VERKSTALLIGHETSDATUM: "2026-03-02"}),
              order(**{Col.BESTALLNING_ID: "O2", Col.BESLUT_ID: "B2", Col.STARTDATUM: "2026-03-16",
                       Col.VERKSTALLIGHETSDATUM: "2026-03-16"})]
    out = run(orders, [visit("2026-03-02"), visit("2026-03-13"), visit("2026-03-17")])
    # the day before the new order's execution date (its first visit), not its Startdatum
    assert out.loc["O1", rule.END] == pd.Timestamp("2026-03-16")
    assert out.loc["O2", Col.FORSTA_BESOK] == pd.Timestamp("2026-03-17")
    assert out.loc["O2", Col.STATUS] == rule.FOR_TIDIGT


@pytest.mark.parametrize("insats", ["Dagverksamhet", "Korttidsvistelse LSS"])
def test_day_activity_and_korttid_first_attendance_day_or_dygn(insats):
    out = run([order(**{Col.INSATS: insats, Col.OMFATTNING: "2", Col.VERKSTALLIGHETSDATUM: "2026-03-02"})],
              [visit("2026-03-04", **{Col.INSATS: insats, Col.MINUTER: ""})])
    assert out.loc["O1", Col.KORREKT_VERKST] == pd.Timestamp("2026-03-04")
    assert out.loc["O1", Col.STATUS] == rule.FOR_TIDIGT


@pytest.mark.parametrize("registered,status", [("2026-03-03", rule.OK), ("", rule.EJ_PABORJAD)])
def test_services_without_visits_use_the_registered_date(registered, status):
    out = run([order(**{Col.INSATS: "Trygghetslarm", Col.VERKSTALLIGHETSDATUM: registered})], [])
    assert out.loc["O1", Col.STATUS] == status


def test_order_executed_before_the_visit_log_keeps_its_registered_date():
    out = run([order(**{Col.STARTDATUM: "2025-06-01", Col.VERKSTALLIGHETSDATUM: "2025-06-03"})],
              [visit("2026-03-02")])
    assert out.loc["O1", Col.STATUS] == rule.OK
    assert out.loc["O1", Col.KORREKT_VERKST] == pd.Timestamp("2025-06-03")


def test_month_selection_active_and_unexecuted():
    orders = [order(**{Col.BESTALLNING_ID: "ended", Col.STARTDATUM: "2025-01-01", Col.SLUTDATUM: "2026-02-27",
                       Col.VERKSTALLIGHETSDATUM: "2025-01-02"}),
              order(**{Col.BESTALLNING_ID: "waiting", Col.STARTDATUM: "2025-11-01", Col.SLUTDATUM: "2026-01-31"}),
              order(**{Col.BESTALLNING_ID: "future", Col.STARTDATUM: "2026-04-01"}),
              order(**{Col.BESTALLNING_ID: "active", Col.STARTDATUM: "2026-03-31"})]
    ex = rule.execution_dates(frame("bestallningar", orders), frame("besok", [visit("2026-03-02")]),
                              pd.Timestamp("2026-03-01"))
    sel = rule.month_selection(ex, *MARCH)
    assert sorted(sel[Col.BESTALLNING_ID]) == ["active", "waiting"]
    assert list(sel.columns[:10]) == [Col.BESTALLNING_ID, Col.BESLUT_ID, Col.PNR, Col.INSATS, Col.UTFORARE,
                                      Col.STARTDATUM, "Registrerat verkställighetsdatum", "Första utförda besök",
                                      "Korrekt verkställighetsdatum", "Status"]


# ---- acknowledgement -------------------------------------------------------------------------

def acks(rows, as_of="2026-03-31 23:59"):
    o = frame("bestallningar", rows)
    return rule.acknowledgements(o, *MARCH, pd.Timestamp(as_of)).set_index(Col.BESTALLNING_ID)


@pytest.mark.parametrize("sent,confirmed,status,delay", [
    ("2026-03-06 14:00", "2026-03-09 14:00", rule.ACK_I_TID, None),     # Friday → Monday, exactly on time
    ("2026-03-06 14:00", "2026-03-09 15:30", rule.ACK_SEN, 1.5),
    ("2026-03-07 11:00", "2026-03-10 08:00", rule.ACK_I_TID, None),     # Saturday → Mon 08 → Tue 08
    ("2026-03-09 07:15", "2026-03-10 08:06", rule.ACK_SEN, 0.1),
])
def test_acknowledgement_status_and_delay(sent, confirmed, status, delay):
    out = acks([order(**{Col.SKICKAD: sent, Col.BEKRAFTAD: confirmed})])
    assert out.loc["O1", Col.STATUS] == status
    assert (pd.isna(out.loc["O1", Col.FORSENING]) if delay is None else out.loc["O1", Col.FORSENING] == delay)


def test_unconfirmed_judged_at_as_of():
    rows = [order(**{Col.SKICKAD: "2026-03-30 10:00"})]
    assert acks(rows, "2026-03-31 10:00").loc["O1", Col.STATUS] == rule.ACK_INOM
    out = acks(rows, "2026-03-31 10:01")
    assert out.loc["O1", Col.STATUS] == rule.ACK_PASSERAD


def test_easter_acknowledgement():
    out = acks([order(**{Col.SKICKAD: "2026-04-02 10:00", Col.BEKRAFTAD: "2026-04-07 10:00"})])
    assert out.empty  # sent in April: not in the March report
    o = frame("bestallningar", [order(**{Col.SKICKAD: "2026-04-02 10:00", Col.BEKRAFTAD: "2026-04-07 10:00"})])
    out = rule.acknowledgements(o, pd.Timestamp("2026-04-01"), pd.Timestamp("2026-04-30"), pd.Timestamp("2026-04-30"))
    assert out.loc[0, Col.FRIST] == pd.Timestamp("2026-04-07 10:00") and out.loc[0, Col.STATUS] == rule.ACK_I_TID


@pytest.mark.parametrize("oral,sent,flag", [
    ("2026-03-02", "2026-03-05 09:00", rule.SKRIFTLIG_I_TID),   # Monday + 3 business days = Thursday
    ("2026-03-02", "2026-03-06 09:00", rule.SEN_SKRIFTLIG),
    ("2026-03-07", "2026-03-11 09:00", rule.SKRIFTLIG_I_TID),   # Saturday call → Wednesday
    ("2026-03-07", "2026-03-12 09:00", rule.SEN_SKRIFTLIG),
])
def test_oral_decision_written_order_within_three_business_days(oral, sent, flag):
    out = acks([order(**{Col.SKICKAD: sent, Col.MUNTLIGT_BESLUT: oral, Col.BEKRAFTAD: sent})])
    assert out.loc["O1", Col.SKRIFTLIG_STATUS] == flag


def test_comment_names_both_a_late_acknowledgement_and_a_late_written_order():
    out = acks([order(**{Col.SKICKAD: "2026-03-06 09:00", Col.MUNTLIGT_BESLUT: "2026-03-02",
                         Col.BEKRAFTAD: "2026-03-10 09:00"}),
                order(**{Col.BESTALLNING_ID: "O2", Col.SKICKAD: "2026-03-06 09:00",
                         Col.MUNTLIGT_BESLUT: "2026-03-02", Col.BEKRAFTAD: "2026-03-06 10:00"})])
    assert out.loc["O1", Col.KOMMENTAR] == ("Bekräftad efter fristen · Skriftlig beställning senare än "
                                            "3 vardagar efter muntligt beslut")
    assert out.loc["O2", Col.KOMMENTAR] == "Skriftlig beställning senare än 3 vardagar efter muntligt beslut"


KEYS = [Col.PNR, Col.UTFORARE, Col.INSATS]
NAME = st.sampled_from(["a", "b", "Hemtjänst"])
DAY = st.integers(0, 60)  # days from 2026-01-30: the log's ends, February 29th-less months, gaps


def _first_by_hand(visits: pd.DataFrame, orders: pd.DataFrame) -> list:
    """The first visit day on or after each order's start with the same client, provider and insats."""
    out = []
    for _, o in orders.iterrows():
        same = visits[(visits[KEYS] == o[KEYS]).all(axis=1)]
        days = same.loc[same[Col.DATUM] >= o[Col.STARTDATUM], Col.DATUM]
        out.append(days.min() if len(days) else pd.NaT)
    return out


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(NAME, NAME, NAME, DAY), max_size=30), st.lists(st.tuples(NAME, NAME, NAME, DAY), max_size=12),
       st.booleans())
def test_first_visit_on_or_after_start_by_search_is_the_first_by_hand(visit_rows, order_rows, coded_visits):
    """The execution date's first visit found by one sort and a binary search per order equals the
    first visit found by looking at every visit: starts before, inside and after the log, the same
    day, keys that differ in one column only, keys the log does not have."""
    day0 = pd.Timestamp("2026-01-30")

    def table(rows, day_col):
        f = pd.DataFrame([r[:3] for r in rows], columns=KEYS, dtype="str")
        f[day_col] = pd.Series([day0 + pd.Timedelta(days=r[3]) for r in rows], dtype="datetime64[us]")
        return f

    visits, orders = table(visit_rows, Col.DATUM), table(order_rows, Col.STARTDATUM)
    if coded_visits and len(visits):
        visits[KEYS] = visits[KEYS].apply(coded)
    found = rule.first_on_or_after(visits, orders, KEYS)
    assert list(pd.Series(found, dtype="datetime64[us]")) == \
        list(pd.Series(_first_by_hand(table(visit_rows, Col.DATUM), orders), dtype="datetime64[us]"))
