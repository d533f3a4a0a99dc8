import re

import pandas as pd
import pytest

from tests.conftest import frame, pnr
from vos_cli.io.contract import Col
from vos_cli.rules import execution
from vos_cli.rules import waiting as rule

W1 = pnr(1936, 4, 9, 21, "Kvinna")
M1 = pnr(1944, 10, 1, 30, "Man")
S1 = pnr(1950, 7, 3, 8, "Man", samordning=True)


def dec(bid="B1", date="2026-11-30", pn=W1, insats="Hemtjänst", **kw):
    base = {Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: insats, Col.BESLUTSDATUM: date, Col.FROM: date}
    base.update(kw)
    return base


def order(bid="B1", oid=None, reg="", pn=W1, insats="Hemtjänst", start="2026-12-01", **kw):
    base = {Col.BESTALLNING_ID: oid or "O" + bid, Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: insats,
            Col.UTFORARE: "Norr", Col.OMFATTNING: "10", Col.SKICKAD: "2026-12-01 10:00", Col.STARTDATUM: start,
            Col.VERKSTALLIGHETSDATUM: reg}
    base.update(kw)
    return base


def classify(decisions, orders=(), as_of="2027-03-01"):
    b = frame("beslut", decisions)
    o = frame("bestallningar", list(orders)) if orders else frame("bestallningar", [order("none", pn=pnr(1930, 1, 1))])
    ex = execution.execution_dates(o, frame("besok", [{Col.PNR: pnr(1930, 1, 1), Col.UTFORARE: "x",
                                                       Col.DATUM: "2020-01-01", Col.MINUTER: "1"}]), None)
    return rule.classify(b, o, ex, pd.Timestamp(as_of))


def ids(df):
    return sorted(df[Col.BESLUT_ID])


def test_30_november_plus_three_months_is_28_february():
    w = classify([dec()], as_of="2027-02-28")
    assert w.bevakning.loc[0, Col.TREMANADERSDATUM] == pd.Timestamp("2027-02-28")
    assert ids(w.ej_verkstallda) == [] and ids(w.bevakning) == ["B1"]  # as-of = deadline: not yet
    w = classify([dec()], as_of="2027-03-01")
    assert ids(w.ej_verkstallda) == ["B1"] and ids(w.bevakning) == []  # one day later: reportable
    assert w.ej_verkstallda.loc[0, Col.DAGAR_SEDAN_BESLUT] == 91


def test_leap_year_deadline_29_february():
    w = classify([dec(date="2027-11-30")], as_of="2028-02-29")
    assert w.bevakning.loc[0, Col.TREMANADERSDATUM] == pd.Timestamp("2028-02-29")
    assert ids(classify([dec(date="2027-11-30")], as_of="2028-03-01").ej_verkstallda) == ["B1"]


def test_bevakning_window_is_30_days():
    assert ids(classify([dec(date="2026-12-31")], as_of="2027-02-28").bevakning) == []  # T = 31 Mar: 31 days
    assert ids(classify([dec(date="2026-12-30")], as_of="2027-02-28").bevakning) == ["B1"]  # T = 30 Mar


def test_executed_late_this_quarter_versus_previous_quarter():
    decisions = [dec("B1", "2026-10-01"), dec("B2", "2026-08-01")]
    orders = [order("B1", reg="2027-01-20"), order("B2", reg="2026-12-20")]
    w = classify(decisions, orders, as_of="2027-03-31")
    assert ids(w.for_sent) == ["B1"]  # B2 was executed late, but in the previous quarter
    assert w.for_sent.loc[0, Col.VANTETID] == 111
    assert ids(w.ej_verkstallda) == []


def test_executed_in_time_is_not_reported():
    w = classify([dec("B1", "2026-12-15")], [order("B1", reg="2027-03-15")], as_of="2027-03-31")
    assert ids(w.for_sent) == [] and ids(w.ej_verkstallda) == []


def test_ended_without_execution_including_on_the_as_of_date():
    decisions = [dec("B1", "2026-10-01", **{Col.AVSLUTSDATUM: "2027-03-31", Col.AVSLUTSORSAK: "Avliden"}),
                 dec("B2", "2026-10-01", **{Col.AVSLUTSDATUM: "2027-02-10", Col.AVSLUTSORSAK: "Flyttat"}),
                 dec("B3", "2026-12-20", **{Col.AVSLUTSDATUM: "2027-02-10", Col.AVSLUTSORSAK: "Tackat nej"})]
    w = classify(decisions, as_of="2027-03-31")
    assert ids(w.avslutade) == ["B1", "B2"]  # B3 ended before its three months had passed
    assert ids(w.ej_verkstallda) == []
    assert w.avslutade.set_index(Col.BESLUT_ID).loc["B1", Col.AVSLUTSORSAK] == "Avliden"


def test_avslag_is_ignored_and_declined_offer_without_end_is_still_reported():
    decisions = [dec("B1", **{Col.UTFALL: "Avslag"}),
                 dec("B2", **{Col.AVSLUTSORSAK: "Tackat nej", Col.SKAL_DROJSMAL: "Brukaren tackade nej 3/1"}),
                 dec("B3", **{Col.UTFALL: "Delvis bifall"})]
    w = classify(decisions, as_of="2027-03-31")
    assert ids(w.ej_verkstallda) == ["B2", "B3"]
    assert w.ej_verkstallda.set_index(Col.BESLUT_ID).loc["B2", Col.SKAL_DROJSMAL] == "Brukaren tackade nej 3/1"


@pytest.mark.parametrize("resumed,reported", [("2027-02-28", False), ("", True), ("2027-04-02", True)])
def test_interruption_over_three_months(resumed, reported):
    o = order("B1", reg="2026-06-01", start="2026-06-01",
              **{Col.AVBROTT_FROM: "2026-12-01", Col.AVBROTT_TOM: resumed})
    w = classify([dec("B1", "2026-05-20")], [o], as_of="2027-03-31")
    assert ids(w.avbrott) == (["B1"] if reported else [])
    if reported:
        assert w.avbrott.loc[0, Col.AVBROTT_FROM] == pd.Timestamp("2026-12-01")


def test_interruption_exactly_three_months_is_not_yet_reported():
    o = order("B1", reg="2026-06-01", start="2026-06-01", **{Col.AVBROTT_FROM: "2026-12-31"})
    assert ids(classify([dec("B1", "2026-05-20")], [o], as_of="2027-03-31").avbrott) == []
    assert ids(classify([dec("B1", "2026-05-20")], [o], as_of="2027-04-01").avbrott) == ["B1"]


def test_duplicates_found_and_non_overlapping_pair_not():
    decisions = [dec("B1", "2026-01-10"), dec("B2", "2026-06-01"),                          # open + open: overlap
                 dec("B3", "2026-01-10", pn=M1, **{Col.TOM: "2026-05-31"}),
                 dec("B4", "2026-06-01", pn=M1),                                            # back to back: fine
                 dec("B5", "2026-06-01", pn=M1, insats="Trygghetslarm")]                    # other insats
    w = classify(decisions, as_of="2027-03-31")
    assert ids(w.dubbla) == ["B1", "B2"]
    assert w.dubbla.set_index(Col.BESLUT_ID).loc["B1", Col.DUBBLETT_MED] == "B2"


def test_sex_and_birth_year_from_12_and_10_digit_and_samordningsnummer():
    ten = M1.replace("-", "")[2:]
    decisions = [dec("B1", pn=W1), dec("B2", pn=ten[:6] + "-" + ten[6:]), dec("B3", pn=S1)]
    w = classify(decisions, as_of="2027-03-31").ej_verkstallda.set_index(Col.BESLUT_ID)
    assert (w.loc["B1", Col.KON], w.loc["B1", Col.FODELSEAR]) == ("Kvinna", 1936)
    assert (w.loc["B2", Col.KON], w.loc["B2", Col.FODELSEAR]) == ("Man", 1944)
    assert (w.loc["B3", Col.KON], w.loc["B3", Col.FODELSEAR]) == ("Man", 1950)


def test_ivo_report_and_de_identified_summary():
    decisions = [dec("B1", "2026-10-01"), dec("B2", "2026-10-01", pn=M1),
                 dec("B3", "2026-10-01", insats="Korttidsvistelse LSS",
                     **{Col.AVSLUTSDATUM: "2027-02-01", Col.AVSLUTSORSAK: "Flyttat"})]
    w = classify(decisions, as_of="2027-03-31")
    assert sorted(w.ivo[Col.RAPPORTTYP]) == ["Avslutat", "Ej verkställt", "Ej verkställt"]
    assert w.ivo.set_index(Col.BESLUT_ID).loc["B3", Col.LAGRUM] == "LSS 9 § 6"
    assert w.ivo.set_index(Col.BESLUT_ID).loc["B1", Col.LAGRUM] == "SoL 11 kap. 1 §"
    s = w.sammanstallning
    assert Col.PNR not in s.columns
    text = s.astype(str).to_string()
    assert not re.search(r"\d{8}-\d{4}", text)
    hem = s[(s[Col.INSATS] == "Hemtjänst") & (s["Kategori"] == "Ej verkställda")].iloc[0]
    assert (hem["Antal"], hem["Män"], hem["Kvinnor"], hem["Längsta väntetid (dagar)"]) == (2, 1, 1, 181)
    total = s[(s[Col.INSATS] == "Totalt") & (s["Kategori"] == "Avslutade utan verkställighet")].iloc[0]
    assert total["Antal"] == 1 and total["Medianväntetid (dagar)"] == 123


def test_a_decision_is_in_at_most_one_of_the_three_month_classes():
    decisions = [dec(f"B{i}", f"2026-{m:02d}-15", **extra) for i, (m, extra) in enumerate([
        (9, {}), (10, {Col.AVSLUTSDATUM: "2027-03-01"}), (11, {}), (12, {})])]
    orders = [order("B2", reg="2027-02-01")]
    w = classify(decisions, orders, as_of="2027-03-31")
    seen = ids(w.ej_verkstallda) + ids(w.for_sent) + ids(w.avslutade)
    assert len(seen) == len(set(seen))


def test_every_waiting_decision_with_its_band():
    decisions = [dec("B1", "2026-12-31"), dec("B2", "2026-09-30"), dec("B3", "2026-10-01"),
                 dec("B4", "2026-06-30"), dec("B5", "2026-12-01", **{Col.AVSLUTSDATUM: "2027-01-10"})]
    w = classify(decisions, [order("B3", reg="2027-01-05")], as_of="2026-12-31")
    bands = w.vantande.set_index(Col.BESLUT_ID)[rule.VANTEBAND].to_dict()
    assert bands == {"B1": "0–3 mån", "B2": "3–6 mån", "B3": "0–3 mån", "B4": "6+ mån", "B5": "0–3 mån"}
    w = classify(decisions, [order("B3", reg="2027-01-05")], as_of="2027-01-10")
    assert "B5" not in set(w.vantande[Col.BESLUT_ID]) and "B3" not in set(w.vantande[Col.BESLUT_ID])
