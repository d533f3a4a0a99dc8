import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import frame, pnr
from vos_cli.frames import coded
from vos_cli.io.contract import Col
from vos_cli.rules import endings as rule

P = pnr(1933, 8, 2, 51, "Man")


def order(notice, need_end, oid="O1", **kw):
    base = {Col.BESTALLNING_ID: oid, Col.BESLUT_ID: "B1", Col.PNR: P, Col.INSATS: "Hemtjänst", Col.UTFORARE: "Norr",
            Col.OMFATTNING: "30", Col.SKICKAD: "2026-01-02 10:00", Col.STARTDATUM: "2026-01-05",
            Col.AVSLUT_MEDDELAT: notice, Col.BEHOV_UPPHOR: need_end}
    base.update(kw)
    return base


def visit(day, utf="Norr"):
    return {Col.PNR: P, Col.UTFORARE: utf, Col.DATUM: day, Col.MINUTER: "30"}


def run(orders, visits=(), exempt=()):
    v = frame("besok", list(visits)) if visits else frame("besok", [visit("2025-01-01") | {Col.PNR: pnr(1930, 1, 1)}])
    ends, absence = rule.end_dates(frame("bestallningar", orders), v, exempt)
    return ends.set_index(Col.BESTALLNING_ID), absence


@pytest.mark.parametrize("notice,need_end,lead,adjusted,absent", [
    ("2026-03-10", "2026-03-15", 5, "2026-03-15", 0),   # exactly five days ahead: ends as asked
    ("2026-03-10", "2026-03-16", 6, "2026-03-16", 0),   # more than five: same date, no absence
    ("2026-03-10", "2026-03-10", 0, "2026-03-15", 5),   # same day: notice + 5, five absent days
    ("2026-03-10", "2026-03-07", -3, "2026-03-15", 8),  # death reported three days late
    ("2026-03-10", "2026-03-14", 4, "2026-03-15", 1),
])
def test_lead_and_adjusted_end(notice, need_end, lead, adjusted, absent):
    ends, _ = run([order(notice, need_end)])
    assert ends.loc["O1", Col.FRAMFORHALLNING] == lead
    assert ends.loc["O1", Col.JUSTERAT_SLUT] == pd.Timestamp(adjusted)
    assert ends.loc["O1", Col.OPLANERAD_DAGAR] == absent


def test_a_visit_inside_the_window_splits_the_absence():
    ends, absence = run([order("2026-03-10", "2026-03-10")], [visit("2026-03-12"), visit("2026-03-12")])
    assert ends.loc["O1", Col.OPLANERAD_DAGAR] == 4
    assert absence[[Col.FROM, Col.TOM, Col.DAGAR]].values.tolist() == [
        [pd.Timestamp("2026-03-11"), pd.Timestamp("2026-03-11"), 1],
        [pd.Timestamp("2026-03-13"), pd.Timestamp("2026-03-15"), 3]]


def test_visit_by_another_provider_does_not_cover_a_day():
    ends, _ = run([order("2026-03-10", "2026-03-10")], [visit("2026-03-12", utf="Söder")])
    assert ends.loc["O1", Col.OPLANERAD_DAGAR] == 5


def test_adjusted_end_in_the_next_month_and_selection_by_notice_or_need_end():
    ends, absence = run([order("2026-03-29", "2026-03-30"),
                         order("2026-02-25", "2026-03-02", oid="O2"),
                         order("2026-02-01", "2026-02-20", oid="O3")])
    assert ends.loc["O1", Col.JUSTERAT_SLUT] == pd.Timestamp("2026-04-03")
    assert absence[absence[Col.BESTALLNING_ID] == "O1"][[Col.FROM, Col.TOM]].values.tolist() == [
        [pd.Timestamp("2026-03-31"), pd.Timestamp("2026-04-03")]]
    sel, sel_abs = rule.month_selection(ends.reset_index(), absence, pd.Timestamp("2026-03-01"),
                                        pd.Timestamp("2026-03-31"))
    assert sorted(sel[Col.BESTALLNING_ID]) == ["O1", "O2"]
    assert set(sel_abs[Col.BESTALLNING_ID]) == {"O1"}  # O2 had exactly five days: no absence
    assert list(sel.columns[:8]) == ["Beställnings-ID", "Personnummer", "Utförare", "Avslut meddelat", "Behov upphör",
                                     "Framförhållning (dagar)", "Justerat slutdatum", "Oplanerad frånvaro (dagar)"]


def test_leap_february_window():
    ends, absence = run([order("2028-02-26", "2028-02-27")])
    assert ends.loc["O1", Col.JUSTERAT_SLUT] == pd.Timestamp("2028-03-02")
    assert absence[Col.DAGAR].tolist() == [4]  # 28, 29 Feb, 1, 2 Mar


def test_exempt_reason_and_other_insats_keep_need_end():
    ends, absence = run([order("2026-03-10", "2026-03-10", **{Col.AVSLUTSORSAK: "Särskilt boende"}),
                         order("2026-03-10", "2026-03-10", oid="O2", **{Col.INSATS: "Dagverksamhet"})],
                        exempt=["Särskilt boende"])
    assert ends.loc["O1", Col.JUSTERAT_SLUT] == pd.Timestamp("2026-03-10")
    assert ends.loc["O2", Col.JUSTERAT_SLUT] == pd.Timestamp("2026-03-10")
    assert absence.empty


ROW = st.tuples(st.sampled_from(["a", "b", None]), st.sampled_from(["Norr", "Söder"]), st.integers(0, 40))


@settings(deadline=None, max_examples=60)
@given(st.lists(ROW, max_size=30), st.lists(ROW, max_size=12), st.booleans())
def test_visited_is_the_join_on_text(visit_rows, day_rows, coded_visits):
    """Whether a day of unplanned absence had a visit, found by sorting the visits of the days' clients
    in the days' span, equals pandas' join on the texts (a missing personnummer matching a missing one)."""
    keys = [Col.PNR, Col.UTFORARE]
    day0 = pd.Timestamp("2026-02-10")

    def table(rows):
        f = pd.DataFrame([r[:2] for r in rows], columns=keys, dtype="str")
        f[Col.DATUM] = pd.Series([day0 + pd.Timedelta(days=r[2]) for r in rows], dtype="datetime64[us]")
        return f

    visits, days = table(visit_rows), table(day_rows)
    joined = days.merge(visits.drop_duplicates(), on=keys + [Col.DATUM], how="left", indicator=True)
    if coded_visits and len(visits):
        visits[keys] = visits[keys].apply(coded)
    found = rule.visited(visits, days, keys) if len(days) else []
    assert list(found) == list(joined["_merge"] == "both")
