"""What the routines ask for (issue: rules the routines ask for): each rule at its edges."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import SAMPLE, frame, municipal_config, pnr
from vos_cli.cli import app
from vos_cli.frames import coded
from vos_cli.io.contract import Col
from vos_cli.reports.fees import tariffs
from vos_cli.rules import compensation, day_activity, discharge, endings, execution, korttid, waiting
from vos_cli.rules import fees as fee_rule

P = pnr(1939, 3, 3, 17, "Kvinna")
P2 = pnr(1941, 5, 6, 21, "Man")
MARCH = (pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
T2026 = tariffs(municipal_config(), 2026)
runner = CliRunner()


def order(oid="O1", insats="Hemtjänst", utf="Norr", start="2026-01-05", reg="2026-01-05", pn=P, omf="20", **kw):
    base = {Col.BESTALLNING_ID: oid, Col.BESLUT_ID: "B" + oid, Col.PNR: pn, Col.INSATS: insats, Col.UTFORARE: utf,
            Col.OMFATTNING: omf, Col.SKICKAD: "2026-01-02 10:00", Col.STARTDATUM: start, Col.VERKSTALLIGHETSDATUM: reg}
    base.update(kw)
    return base


def visit(day, minutes=60, insats="Hemtjänst", utf="Norr", pn=P):
    return {Col.PNR: pn, Col.UTFORARE: utf, Col.DATUM: day, Col.MINUTER: str(minutes) if minutes else "",
            Col.INSATS: insats}


def executed(orders, visits, log_start="2026-03-01"):
    o = frame("bestallningar", orders)
    v = frame("besok", visits)
    return o, v, execution.execution_dates(o, v, pd.Timestamp(log_start) if log_start else None)


def fee_run(orders, visits, options=fee_rule.Options(), month=MARCH):
    o, v, ex = executed(orders, visits)
    ends, _ = endings.end_dates(o, v)
    billing = fee_rule.billing_orders(ex, endings.adjusted_end_for(ex, ends))
    meals = frame("maltider", [])
    u = frame("avgiftsutrymme", [])
    return fee_rule.basis(billing, v, meals, u, *month, T2026, options)


# ---- 1. the fee bills at most the granted time -------------------------------------------------


def test_two_hours_granted_ten_point_three_performed_bills_two_hours():
    visits = [visit(f"2026-03-{d:02d}", 60) for d in range(1, 11)] + [visit("2026-03-11", 18)]  # 10.3 h
    f = fee_run([order(omf="2")], visits)
    row = f.basis.set_index(Col.PNR).loc[P]
    assert row[Col.UTFORD_TID] == 10.3 and row[Col.DEBITERAD_TID] == 2.0
    assert row[Col.HEMTJANST_KR] == 870.0 and row[Col.OMSORGSAVGIFT] == 870.0
    assert f.over_granted[[Col.BESTALLNING_ID, Col.BEVILJAD_MANAD, Col.UTFORD_TIM, Col.OVER_BEVILJAD]].values.tolist() \
        == [["O1", 2.0, 10.3, 8.3]]


@pytest.mark.parametrize("minutes,listed", [(120, False), (121, True)])
def test_the_granted_time_boundary(minutes, listed):
    f = fee_run([order(omf="2")], [visit("2026-03-02", minutes)])
    assert len(f.over_granted) == int(listed)
    assert f.basis.set_index(Col.PNR).loc[P, Col.DEBITERAD_TID] == 2.0 if listed else minutes / 60


def test_granted_time_is_pro_rata_for_an_order_that_starts_mid_month():
    # 31 h/month from 2026-03-17 (first visit): 15 days → 15 h granted for March
    visits = [visit(f"2026-03-{d:02d}", 120) for d in range(17, 27)]  # 20 h
    f = fee_run([order(omf="31", start="2026-03-17", reg="2026-03-17")], visits)
    assert f.basis.set_index(Col.PNR).loc[P, Col.DEBITERAD_TID] == 15.0


@pytest.mark.parametrize("mode,hours", [("utford", 10.3), ("beviljad", 2.0), ("utford_hogst_beviljad", 2.0)])
def test_the_municipality_chooses_which_hours_are_billed(mode, hours):
    visits = [visit(f"2026-03-{d:02d}", 60) for d in range(1, 11)] + [visit("2026-03-11", 18)]
    f = fee_run([order(omf="2")], visits, fee_rule.Options(hours=mode))
    assert f.basis.set_index(Col.PNR).loc[P, Col.DEBITERAD_TID] == hours
    beviljad = fee_run([order(omf="2")], [visit("2026-03-02", 30)], fee_rule.Options(hours="beviljad"))
    assert beviljad.basis.set_index(Col.PNR).loc[P, Col.DEBITERAD_TID] == 2.0  # granted, whatever performed


# ---- 2. a change of provider never pays a day twice ---------------------------------------------


@pytest.mark.parametrize("change,old_days,new_days", [("2026-03-01", 0, 31), ("2026-03-31", 30, 1),
                                                       ("2026-03-16", 15, 16)])
def test_a_change_of_provider_ends_the_previous_order_the_day_before(change, old_days, new_days):
    orders = [order("O1", utf="Norr", start="2026-01-05", reg="2026-01-05"),
              order("O2", utf="Söder", start=change, reg=change)]
    visits = [visit("2026-01-05"), visit(change, utf="Söder")] + \
        [visit(f"2026-03-{d:02d}", utf="Norr") for d in range(1, 32)]  # Norr keeps registering visits
    o, v, ex = executed(orders, visits)
    rows = compensation.per_order(ex, endings.adjusted_end_for(ex, endings.end_dates(o, v)[0]), frame("franvaro", []),
                                  *MARCH, {}, 490.0).set_index(Col.BESTALLNING_ID)
    days = rows[Col.ERSATTNINGSDAGAR].to_dict()
    assert days.get("O1", 0) == old_days and days["O2"] == new_days  # (an order ended in February is not listed)
    assert old_days + new_days == 31  # no day twice
    f = fee_run(orders, visits)  # Norr's visits after the change are not billed
    billed_days = old_days + 1  # Norr before the change (+ Söder's first visit)
    assert f.basis.set_index(Col.PNR).loc[P, Col.UTFORD_TID] == billed_days


def test_the_previous_order_ends_only_when_the_new_one_is_executed():
    orders = [order("O1", utf="Norr"), order("O2", utf="Söder", start="2026-03-10", reg="")]
    _, _, ex = executed(orders, [visit("2026-01-05")])  # Söder never came: Norr carries on
    assert pd.isna(ex.set_index(Col.BESTALLNING_ID).loc["O1", execution.END])


def test_overlapping_running_orders_are_listed_in_vos_check(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "in")
    lines = (tmp_path / "in" / "bestallningar.csv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split(";")
    running = next(r.split(";") for r in lines[1:] if r.split(";")[head.index("Insats")] == "Hemtjänst"
                   and not r.split(";")[head.index("Slutdatum")] and r.split(";")[head.index("Startdatum")] < "2026-01")
    extra = list(running)
    extra[head.index("Beställnings-ID")], extra[head.index("Utförare")] = "EXTRA1", "Trygg Omsorg AB"
    extra[head.index("Startdatum")], extra[head.index("Verkställighetsdatum")] = "2026-03-20", ""
    (tmp_path / "in" / "bestallningar.csv").write_text("\n".join(lines + [";".join(extra)]) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["check", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-m", "2026-03"])
    assert res.exit_code in (0, 1), res.output
    ws = openpyxl.load_workbook(tmp_path / "out" / "datakvalitet_2026-03.xlsx")["Överlappande beställningar"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Personnummer", "Insats", "Beställnings-ID")
    by_id = {r[2]: r for r in rows[1:]}
    assert by_id["EXTRA1"][6] == running[0] and by_id[running[0]][6] == "EXTRA1"


# ---- 3. the 24-hour acknowledgement is the home-care routine's ------------------------------------


def test_day_activity_and_korttid_orders_get_no_acknowledgement_status():
    sent = {Col.SKICKAD: "2026-03-02 10:00"}
    o = frame("bestallningar", [order("O1", "Dagverksamhet", omf="2", **sent),
                                order("O2", "Korttidsvistelse LSS", omf="4", **sent), order("O3", **sent)])
    acks = execution.acknowledgements(o, *MARCH, pd.Timestamp("2026-03-31 23:59")).set_index(Col.BESTALLNING_ID)
    assert acks.loc["O1", Col.STATUS] == "" and acks.loc["O2", Col.STATUS] == ""
    assert "gäller hemtjänstens beställningar" in acks.loc["O1", Col.KOMMENTAR]
    assert acks.loc["O3", Col.STATUS] == execution.ACK_PASSERAD
    wider = execution.acknowledgements(o, *MARCH, pd.Timestamp("2026-03-31 23:59"),
                                       scope=["Hemtjänst", "Dagverksamhet"]).set_index(Col.BESTALLNING_ID)
    assert wider.loc["O1", Col.STATUS] == execution.ACK_PASSERAD


# ---- 4. law references ----------------------------------------------------------------------------


def test_the_non_executed_report_cites_the_new_law_and_the_old(tmp_path):
    assert runner.invoke(app, ["non-executed", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03"]).exit_code == 0
    about = [r for r in openpyxl.load_workbook(tmp_path / "ej_verkstallda_2026-03-31.xlsx")["Om rapporten"]
             .iter_rows(values_only=True)]
    text = " ".join(str(c) for r in about for c in r if c)
    assert "SoL (2025:400) 34 kap. 1 §" in text and "16 kap. 6 f–h" in text and "26 kap" not in text


# ---- 5. orders not executed, for the fee administrator ----------------------------------------------


def test_orders_not_executed_are_listed_for_the_fee_administrator():
    orders = [order("O1"), order("O2", pn=P2, start="2026-03-03", reg=""),
              order("O3", pn=pnr(1950, 1, 1), start="2026-03-03", reg="2026-03-04")]
    _, _, ex = executed(orders, [visit("2026-03-02")])
    rows = fee_rule.not_executed(execution.month_selection(ex, *MARCH)).set_index(Col.BESTALLNING_ID)
    assert rows[Col.STATUS].to_dict() == {"O2": execution.EJ_PABORJAD, "O3": execution.UTAN_BESOK}
    assert rows[Col.KOMMENTAR].str.startswith("Faktureras inte").all()


# ---- 6. decisions that are no longer current ----------------------------------------------------------


def decision(bid, pn=P, date="2025-10-01", tom="", avslut="", **kw):
    base = {Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: "Hemtjänst", Col.BESLUTSDATUM: date, Col.FROM: date,
            Col.TOM: tom, Col.AVSLUTSDATUM: avslut}
    base.update(kw)
    return base


def test_decisions_no_longer_current_at_their_edges():
    a = pd.Timestamp("2026-03-31")
    beslut = frame("beslut", [
        decision("B1", tom="2026-03-30"),                      # expired, executed: close it
        decision("B2", tom="2026-03-31"),                      # T.o.m. = A: still valid, ending soon
        decision("B3", tom="2026-05-30"),                      # 60 days after A: ending soon
        decision("B4", tom="2026-05-31"),                      # 61 days: not yet
        decision("B5", tom="2026-02-10", date="2025-10-10"),   # expired, never executed
        decision("B6", tom="2026-02-28", avslut="2026-02-28"), # ended, but its order is still open
    ])
    orders = frame("bestallningar", [order(f"O{i}", **{Col.BESLUT_ID: f"B{i}"}) for i in (1, 2, 3, 4, 6)])
    ex = execution.execution_dates(orders, frame("besok", []), None)
    out = waiting.no_longer_current(beslut, orders, ex, a, 60).set_index(Col.BESLUT_ID)
    assert out[Col.STATUS].to_dict() == {"B5": waiting.UTGANGET_OVERKSTALLT, "B1": waiting.UTGANGET,
                                         "B6": waiting.BESTALLNING_OPPEN, "B2": waiting.UPPHOR_SNART,
                                         "B3": waiting.UPPHOR_SNART}
    assert "O1" in out.loc["B1", Col.KOMMENTAR] and out.loc["B6", "Öppna beställningar"] == "O6"


def test_a_decision_that_expired_unexecuted_is_reported_once_as_ended_not_as_waiting():
    beslut = frame("beslut", [decision("B1", date="2025-10-01", tom="2026-02-10")])  # T = 2026-01-01
    o = frame("bestallningar", [])
    ex = execution.execution_dates(o, frame("besok", []), None)
    q1 = waiting.classify(beslut, o, ex, pd.Timestamp("2026-03-31"))
    assert q1.ej_verkstallda.empty
    assert q1.avslutade[[Col.BESLUT_ID, Col.AVSLUTSDATUM, Col.AVSLUTSORSAK]].values.tolist() == [
        ["B1", pd.Timestamp("2026-02-10"), waiting.TOM_REASON]]
    q2 = waiting.classify(beslut, o, ex, pd.Timestamp("2026-06-30"))  # the next quarter: not again
    assert q2.ej_verkstallda.empty and q2.avslutade.empty
    before = waiting.classify(beslut, o, ex, pd.Timestamp("2026-01-31"))  # before its T.o.m.: waiting
    assert before.ej_verkstallda[Col.BESLUT_ID].tolist() == ["B1"]


# ---- 7. change of day-activity unit -----------------------------------------------------------------


def test_a_newer_decision_for_another_unit_is_a_change_of_unit_after_new_and_extension():
    def dec(bid, pn, date, days, unit):
        return {Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: "Dagverksamhet", Col.BESLUTSDATUM: date, Col.FROM: date,
                Col.OMFATTNING: str(days), Col.ONSKAD_UTFORARE: unit}

    def dorder(bid, pn, days, unit):
        return {Col.BESTALLNING_ID: "O" + bid, Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: "Dagverksamhet",
                Col.UTFORARE: unit, Col.OMFATTNING: str(days), Col.SKICKAD: "2025-06-01 10:00",
                Col.STARTDATUM: "2025-06-01", Col.VERKSTALLIGHETSDATUM: "2025-06-02"}

    p3 = pnr(1944, 4, 4, 44)
    decisions = [dec("B0", P, "2025-05-01", 2, "Solrosen"), dec("B1", P, "2025-11-01", 2, "Ängen"),  # change
                 dec("B2", P2, "2025-05-01", 1, "Solrosen"), dec("B3", P2, "2026-01-10", 3, "Solrosen"),  # more days
                 dec("B4", p3, "2026-02-01", 2, "Ängen")]  # a new client
    o = frame("bestallningar", [dorder("B0", P, 2, "Solrosen"), dorder("B2", P2, 1, "Solrosen")])
    ex = execution.execution_dates(o, frame("besok", []), None)
    units = frame("enheter", [{Col.ENHET: "Solrosen", Col.PLATSER: "3"}, {Col.ENHET: "Ängen", Col.PLATSER: "3"}])
    da = day_activity.compute(frame("beslut", decisions), ex, execution.END, units, frame("besok", []),
                              frame("maltider", []), *MARCH, pd.Timestamp("2026-03-31"))
    assert da.queue[[Col.BESLUT_ID, Col.TYP, day_activity.PRIORITET]].values.tolist() == [
        ["B4", day_activity.NY, 1], ["B3", day_activity.UTOKNING, 2], ["B1", day_activity.BYTE, 3]]
    q = da.queue.set_index(Col.BESLUT_ID)
    assert q.loc["B1", Col.ENHET] == "Ängen" and q.loc["B1", day_activity.DAGAR_PER_VECKA] == 2
    assert "B1" in set(da.offers[Col.BESLUT_ID])  # offered like the others


# ---- 8. attendance below the agreed days; long absence ------------------------------------------------


def day_orders(days="3", reg="2026-01-05"):
    return [order("D1", "Dagverksamhet", "Solrosen", start="2026-01-05", reg=reg, omf=days)]


def attend(dates):
    return [visit(d, None, "Dagverksamhet", "Solrosen") for d in dates]


def test_attendance_below_agreed_days_in_two_weeks_is_listed():
    # March 2026: weeks of 2, 9, 16, 23 March lie in the month; agreed 3 days
    dates = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-24",
             "2026-03-25"]
    _, v, ex = executed(day_orders(), attend(dates))
    out = day_activity.attendance(ex, execution.END, v, frame("franvaro", []), *MARCH, 2)
    row = out.set_index(Col.PNR).loc[P]
    assert (row[day_activity.VECKOR_UNDER], row[day_activity.RAKNADE_VECKOR], row[day_activity.NARVARODAGAR]) == (2, 4, 8)
    assert "v11: 1 av 3" in row[day_activity.VECKOR]


def test_a_week_with_absence_is_left_out_and_one_week_under_is_not_enough():
    dates = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-09", "2026-03-16", "2026-03-17", "2026-03-18",
             "2026-03-23", "2026-03-24", "2026-03-25"]
    _, v, ex = executed(day_orders(), attend(dates))
    away = frame("franvaro", [{Col.PNR: P, Col.UTFORARE: "Hemtjänst Norr", Col.FROM: "2026-03-10", Col.TOM: "2026-03-12",
                               Col.TYP: "Planerad"}])
    assert day_activity.attendance(ex, execution.END, v, away, *MARCH, 1).empty  # the only week under had absence


def test_a_holiday_week_counts_only_its_open_days():
    april = (pd.Timestamp("2026-04-01"), pd.Timestamp("2026-04-30"))  # 6 April is Easter Monday
    dates = ["2026-04-07", "2026-04-08", "2026-04-09", "2026-04-10"]  # 4 of 4 open days; agreed 5
    _, v, ex = executed(day_orders("5"), attend(dates + ["2026-04-13", "2026-04-14"]))
    out = day_activity.attendance(ex, execution.END, v, frame("franvaro", []), *april, 1)
    texts = out.set_index(Col.PNR).loc[P, day_activity.VECKOR]
    assert "v15: 4 av 4" in texts


@pytest.mark.parametrize("days,listed", [(14, True), (13, False)])
def test_long_planned_absence_from_day_activity(days, listed):
    tom = (pd.Timestamp("2026-03-05") + pd.Timedelta(days=days - 1)).strftime("%Y-%m-%d")
    ab = frame("franvaro", [{Col.PNR: P, Col.UTFORARE: "Solrosen", Col.FROM: "2026-03-05", Col.TOM: tom,
                             Col.TYP: "Planerad", Col.ORSAK: "Resa"},
                            {Col.PNR: P, Col.UTFORARE: "Hemtjänst Norr", Col.FROM: "2026-03-01", Col.TOM: "2026-03-30",
                             Col.TYP: "Planerad"}])  # home care, not day activity
    out = day_activity.long_absence(ab, {"Solrosen"}, *MARCH, 14)
    assert len(out) == int(listed) and (not listed or out.iloc[0][Col.DAGAR] == days)


# ---- 9. korttidsvistelse LSS: dygn --------------------------------------------------------------------


def korttid_case(visits, log="2026-02-01", reg="2025-12-01", omf="4"):
    o = frame("bestallningar", [order("K1", "Korttidsvistelse LSS", "Linden", start="2025-12-01", reg=reg, omf=omf)])
    v = frame("besok", [visit(d, None, "Korttidsvistelse LSS", "Linden") for d in visits])
    ex = execution.execution_dates(o, v, pd.Timestamp(log))
    return korttid.dygn(ex, v, *MARCH, pd.Timestamp(log), 2).set_index(Col.BESTALLNING_ID).loc["K1"]


def test_more_dygn_used_than_granted():
    row = korttid_case([f"2026-03-{d:02d}" for d in range(2, 7)] + ["2026-02-03"])
    assert (row[korttid.ANVANDA], row[Col.STATUS]) == (5, korttid.FLER)


def test_exactly_the_granted_dygn_is_ok():
    assert korttid_case([f"2026-03-{d:02d}" for d in range(2, 6)])[Col.STATUS] == korttid.OK


def test_no_dygn_for_two_whole_months_the_log_covers():
    assert korttid_case(["2026-01-20"], log="2026-01-01")[Col.STATUS] == korttid.OANVANDA  # Feb and Mar empty
    assert korttid_case(["2026-02-20"], log="2026-01-01")[Col.STATUS] == korttid.OK  # Feb used
    one_month = korttid_case(["2026-02-20"], log="2026-03-01")  # the log holds only March: not enough to judge
    assert one_month[Col.STATUS] == korttid.OK and one_month[korttid.MANADER_UTAN] == 1


# ---- 10. hospital discharge -------------------------------------------------------------------------


@pytest.mark.parametrize("contact,need,due", [
    ("2026-03-06 10:59", "Oförändrat", "2026-03-06"),  # Friday before 11: the same day
    ("2026-03-06 11:00", "Oförändrat", "2026-03-09"),  # Friday at 11: Monday
    ("2026-04-02 10:59", "Oförändrat", "2026-04-02"),  # the day before Good Friday, before 11
    ("2026-04-02 11:00", "Oförändrat", "2026-04-07"),  # … after 11: Tuesday after Easter
    ("2026-03-07 09:00", "Oförändrat", "2026-03-09"),  # Saturday: the next business day
    ("2026-03-06 14:00", "Ökat", "2026-03-09"),        # 24 hours on business days
    ("2026-04-02 10:00", "Ökat", "2026-04-07"),
])
def test_discharge_deadline_at_its_edges(contact, need, due):
    d = discharge.deadline(pd.Series([pd.Timestamp(contact)]), pd.Series([need]))
    assert d.iloc[0] == pd.Timestamp(due)


def test_discharge_statuses():
    rows = frame("utskrivningar", [
        {Col.PNR: P, Col.UTFORARE: "Norr", Col.KONTAKT: "2026-03-06 10:00", Col.BEHOV: "Oförändrat"},    # same day
        {Col.PNR: P2, Col.UTFORARE: "Norr", Col.KONTAKT: "2026-03-06 10:00", Col.BEHOV: "Oförändrat"},   # Monday
        {Col.PNR: pnr(1950, 1, 1), Col.UTFORARE: "Norr", Col.KONTAKT: "2026-03-10 10:00", Col.BEHOV: "Ökat"},
        {Col.PNR: pnr(1951, 1, 1), Col.UTFORARE: "Norr", Col.KONTAKT: "2026-03-31 16:00", Col.BEHOV: "Ökat"},
    ])
    visits = frame("besok", [visit("2026-03-06", pn=P), visit("2026-03-09", pn=P2), visit("2026-03-02", pn=P2)])
    out = discharge.resumptions(rows, visits, *MARCH, pd.Timestamp("2026-03-31 23:59")).set_index(Col.PNR)
    assert out[Col.STATUS].to_dict() == {P: discharge.I_TID, P2: discharge.SEN, pnr(1950, 1, 1): discharge.EJ_ATERUPPTAGEN,
                                         pnr(1951, 1, 1): discharge.INOM_FRIST}
    assert out.loc[P2, discharge.DAGAR_SENT] == 3


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["Norr", "Söder"]), st.integers(0, 40)),
                max_size=25),
       st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["Norr", "Söder"]), st.integers(0, 40),
                          st.integers(0, 23)), max_size=8),
       st.integers(20, 45), st.booleans())
@example([("a", "Norr", 10), ("a", "Norr", 30)], [("a", "Norr", 10, 23)], 29, True)  # the same day; 30 after as-of
def test_resumption_by_search_is_the_first_visit_by_hand(visit_rows, contact_rows, as_of_day, coded_visits):
    """The discharge's resumption is the first visit of the same client and provider on or after
    the contact's day and not after the as-of date, as found by looking at every visit."""
    day0 = pd.Timestamp("2026-02-20")
    visits = pd.DataFrame([r[:2] for r in visit_rows], columns=[Col.PNR, Col.UTFORARE], dtype="str")
    visits[Col.DATUM] = pd.Series([day0 + pd.Timedelta(days=r[2]) for r in visit_rows], dtype="datetime64[us]")
    if coded_visits and len(visits):
        visits[[Col.PNR, Col.UTFORARE]] = visits[[Col.PNR, Col.UTFORARE]].apply(coded)
    rows = pd.DataFrame([r[:2] for r in contact_rows], columns=[Col.PNR, Col.UTFORARE], dtype="str")
    rows[Col.KONTAKT] = pd.Series([day0 + pd.Timedelta(days=r[2], hours=r[3]) for r in contact_rows],
                                  dtype="datetime64[us]")
    rows[Col.BEHOV] = pd.Series(["Oförändrat"] * len(rows), dtype="str")
    as_of = day0 + pd.Timedelta(days=as_of_day, hours=23)
    out = discharge.resumptions(rows, visits, day0, day0 + pd.Timedelta(days=60), as_of)
    by_hand = []
    for pn, provider, days, hours in contact_rows:
        contact_day = day0 + pd.Timedelta(days=days)
        seen = [day0 + pd.Timedelta(days=d) for p, u, d in visit_rows
                if (p, u) == (pn, provider) and contact_day <= day0 + pd.Timedelta(days=d) <= as_of.normalize()]
        by_hand.append((pn, provider, day0 + pd.Timedelta(days=days, hours=hours), min(seen) if seen else pd.NaT))
    got = list(out[[Col.PNR, Col.UTFORARE, Col.KONTAKT, discharge.ATERUPPTAGEN]].itertuples(index=False, name=None))
    assert sorted(got, key=str) == sorted(by_hand, key=str)


# ---- 11. oral decisions whose written order never came ------------------------------------------------


def test_an_oral_decision_without_an_order_after_three_business_days_is_listed():
    beslut = frame("beslut", [decision("B1", date="2026-03-02", **{Col.MUNTLIGT_BESLUT: "2026-03-02"}),   # Mon → Thu
                              decision("B2", pn=P2, date="2026-03-02", **{Col.MUNTLIGT_BESLUT: "2026-03-06"}),
                              decision("B3", pn=pnr(1950, 1, 1), date="2026-03-02",
                                       **{Col.MUNTLIGT_BESLUT: "2026-03-27"})])
    orders = frame("bestallningar", [order("O2", **{Col.BESLUT_ID: "B2", Col.SKICKAD: "2026-03-11 09:00"})])  # Fri → Wed
    out = execution.oral_decisions(beslut, orders, *MARCH, pd.Timestamp("2026-03-31 23:59"), 3).set_index(Col.BESLUT_ID)
    assert out.loc["B1", Col.FRIST] == pd.Timestamp("2026-03-05")
    assert out[Col.STATUS].to_dict() == {"B1": execution.SKRIFTLIG_SAKNAS, "B2": execution.SKRIFTLIG_I_TID,
                                         "B3": execution.SKRIFTLIG_INOM}


# ---- the sheets, written and read back ----------------------------------------------------------------


def test_the_new_sheets_are_written_in_the_contracts_order(tmp_path):
    inp = tmp_path / "in"
    shutil.copytree(SAMPLE, inp)
    (inp / "utskrivningar.csv").write_text(
        "Personnummer;Utförare;Kontakt;Behov\n" + next(
            line.split(";")[0] + ";" + line.split(";")[1] + ";2026-03-10 10:30;Oförändrat"
            for line in (SAMPLE / "besok.csv").read_text(encoding="utf-8").splitlines()[1:] if "Hemtjänst" in line) + "\n",
        encoding="utf-8")
    assert runner.invoke(app, ["run", "-i", str(inp), "-o", str(tmp_path / "out"), "-m", "2026-03", "-q"]).exit_code == 0
    month = tmp_path / "out" / "2026-03"

    def names(f):
        return openpyxl.load_workbook(month / f, read_only=True).sheetnames

    ex = names("verkstallighet_2026-03.xlsx")
    assert ex.index("Verkställighet") < ex.index("Bekräftelser") < ex.index("Utskrivning från sjukhus") < \
        ex.index("Korttid dygn")
    ws = openpyxl.load_workbook(month / "verkstallighet_2026-03.xlsx")["Utskrivning från sjukhus"]
    assert [c.value for c in ws[1]][:7] == ["Personnummer", "Utförare", "Kontakt", "Behov", "Frist", "Återupptagen",
                                            "Status"]
    assert ws.cell(2, 7).value == "I tid"
    ws = openpyxl.load_workbook(month / "verkstallighet_2026-03.xlsx")["Korttid dygn"]
    assert [c.value for c in ws[1]][:6] == ["Beställnings-ID", "Personnummer", "Utförare", "Beviljade dygn",
                                            "Använda dygn", "Status"]
    fees = names("avgiftsunderlag_2026-03.xlsx")
    assert "Ej verkställda beställningar" in fees and "Utförd tid över beviljad" in fees
    ne = names("ej_verkstallda_2026-03-31.xlsx")
    assert ne.index("Sammanställning") < ne.index("Inaktuella och utgående beslut")
    ws = openpyxl.load_workbook(month / "ej_verkstallda_2026-03-31.xlsx")["Inaktuella och utgående beslut"]
    assert [c.value for c in ws[1]][:5] == ["Beslut-ID", "Personnummer", "Insats", "T.o.m.", "Status"]
    da = names("dagverksamhet_2026-03.xlsx")
    assert da.index("Kö") < da.index("Närvaro under avtalade dagar") < da.index("Lång frånvaro")
    ws = openpyxl.load_workbook(month / "dagverksamhet_2026-03.xlsx")["Närvaro under avtalade dagar"]
    assert [c.value for c in ws[1]][:5] == ["Personnummer", "Enhet", "Avtalade dagar/vecka", "Veckor under",
                                            "Närvarodagar"]
    prov = openpyxl.load_workbook(month / "oversikt_2026-03.xlsx")["Utförare"]
    header = [c.value for c in prov[1]]
    assert "Utförd tid över beviljad (beställningar)" in header and "Utskrivningar i tid" in header
