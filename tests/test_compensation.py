import pandas as pd
import pytest

from tests.conftest import frame, pnr
from vos_cli.config import Config
from vos_cli.io.contract import Col
from vos_cli.rules import compensation as rule
from vos_cli.rules import endings, execution

P1, P2 = pnr(1931, 2, 3, 11, "Kvinna"), pnr(1929, 12, 24, 12, "Man")


def order(oid="O1", pn=P1, utf="Norr", start="2026-01-05", reg="2026-01-05", omf="30", **kw):
    base = {Col.BESTALLNING_ID: oid, Col.BESLUT_ID: "B" + oid, Col.PNR: pn, Col.INSATS: "Hemtjänst",
            Col.UTFORARE: utf, Col.OMFATTNING: omf, Col.SKICKAD: "2026-01-02 10:00", Col.STARTDATUM: start,
            Col.VERKSTALLIGHETSDATUM: reg}
    base.update(kw)
    return base


def absence(f, t, typ="Planerad", pn=P1, utf="Norr"):
    return {Col.PNR: pn, Col.UTFORARE: utf, Col.FROM: f, Col.TOM: t, Col.TYP: typ}


def compute(orders, absences=(), visits=None, month=("2026-03-01", "2026-03-31"), rates=None, default=490.0,
            words=True):
    o = frame("bestallningar", orders)
    v = frame("besok", visits) if visits else frame("besok", [{Col.PNR: pnr(1930, 1, 1), Col.UTFORARE: "x",
                                                               Col.DATUM: "2020-01-01", Col.MINUTER: "1"}])
    log = pd.Timestamp(month[0]) if visits else None
    ex = execution.execution_dates(o, v, log)
    ends, _ = endings.end_dates(o, v)
    adjusted = endings.adjusted_end_for(ex, ends)
    a = frame("franvaro", list(absences)) if absences else frame("franvaro", [absence("2020-01-01", "2020-01-01", pn=P2)])
    out = rule.per_order(ex, adjusted, a, pd.Timestamp(month[0]), pd.Timestamp(month[1]), rates or {}, default,
                         words=words)
    return out.set_index(Col.BESTALLNING_ID)


def test_whole_month_full_granted_time():
    out = compute([order()])
    assert out.loc["O1", Col.ERSATTNINGSDAGAR] == 31
    assert out.loc["O1", Col.ERSATT_TID] == 30.0 and out.loc["O1", Col.ERSATTNING_TID] == 14700.0


def test_order_starting_mid_month_paid_from_first_visit_not_start():
    visits = [{Col.PNR: P1, Col.UTFORARE: "Norr", Col.DATUM: "2026-03-20", Col.MINUTER: "30"}]
    out = compute([order(start="2026-03-16", reg="2026-03-16")], visits=visits)
    assert out.loc["O1", Col.KORREKT_VERKST] == pd.Timestamp("2026-03-20")
    assert out.loc["O1", Col.ERSATTNINGSDAGAR] == 12      # 20–31 March
    assert out.loc["O1", Col.ERSATT_TID] == 11.61         # 30 × 12 / 31 = 11.6129
    assert out.loc["O1", Col.ERSATTNING_TID] == 5688.90   # 11.61 × 490


def test_overlapping_planned_absences_count_each_day_once_unplanned_not_deducted():
    out = compute([order()], [absence("2026-03-02", "2026-03-08"), absence("2026-03-05", "2026-03-10"),
                              absence("2026-03-20", "2026-03-22", typ="Dag oplanerad")])
    assert out.loc["O1", Col.PLANERAD_DAGAR] == 9
    assert out.loc["O1", Col.ERSATTNINGSDAGAR] == 22


def test_absence_outside_active_days_not_deducted():
    out = compute([order(**{Col.SLUTDATUM: "2026-03-10"})], [absence("2026-03-08", "2026-03-20")])
    assert out.loc["O1", Col.PLANERAD_DAGAR] == 3 and out.loc["O1", Col.ERSATTNINGSDAGAR] == 7


def test_five_day_rule_end_is_used():
    out = compute([order(**{Col.AVSLUT_MEDDELAT: "2026-03-10", Col.BEHOV_UPPHOR: "2026-03-10",
                            Col.SLUTDATUM: "2026-03-10"})])
    assert out.loc["O1", Col.JUSTERAT_SLUT] == pd.Timestamp("2026-03-15")
    assert out.loc["O1", Col.ERSATTNINGSDAGAR] == 15


def test_february_in_a_leap_year():
    out = compute([order(start="2028-01-05", reg="2028-01-05", **{Col.SLUTDATUM: "2028-02-14"})],
                  month=("2028-02-01", "2028-02-29"))
    assert out.loc["O1", Col.ERSATTNINGSDAGAR] == 14
    assert out.loc["O1", Col.ERSATT_TID] == 14.48  # 30 × 14 / 29 = 14.4827…


def test_no_execution_date_gets_nothing():
    out = compute([order(reg="")])
    assert out.loc["O1", Col.ERSATTNINGSDAGAR] == 0 and out.loc["O1", Col.ERSATTNING_TID] == 0
    assert "ingen ersättning" in out.loc["O1", Col.KOMMENTAR]


def test_half_ore_rounds_up():
    assert rule.round_half_up(pd.Series([0.125, 2.675, 1.005, -0.125])).tolist() == [0.13, 2.68, 1.01, -0.13]


def test_rate_per_year_and_provider_from_config(tmp_path):
    from vos_cli.errors import ConfigError
    f = tmp_path / "vos.toml"
    f.write_text('[rates.2027]\ntimersattning = 500\nmatlada = 71\n[rates.2027.utforare."Söder"]\n'
                 'timersattning = 520\n', encoding="utf-8")
    from vos_cli.config import load
    cfg = load(f)
    assert cfg.rate(2027, "timersattning") == 500 and cfg.rate(2027, "timersattning", "Söder") == 520
    with pytest.raises(ConfigError, match=r"rates\.2026"):  # no table for 2026 or before: nobody set it
        cfg.rate(2026, "timersattning")
    assert cfg.rate(2030, "matlada") == 71  # a later year without its own table uses the latest before it
    out = compute([order(), order("O2", P2, "Söder")], month=("2027-03-01", "2027-03-31"),
                  rates=cfg.provider_rates(2027, "timersattning"), default=cfg.rate(2027, "timersattning"))
    assert out.loc["O1", Col.TIMERSATTNING] == 500 and out.loc["O2", Col.TIMERSATTNING] == 520


def test_missing_year_in_config_is_a_clear_error():
    from vos_cli.errors import ConfigError
    with pytest.raises(ConfigError, match="rates.2019"):
        Config().rate(2019, "timersattning")


def test_provider_sums_equal_row_sums_to_the_ore():
    orders = [order(f"O{i}", pnr(1930 + i, 1 + i % 12, 1 + i, i), "Norr" if i % 2 else "Söder", omf=str(7 + i * 1.37)[:5])
              for i in range(1, 25)]
    per = compute(orders).reset_index()
    meals = frame("maltider", [{Col.PNR: P1, Col.UTFORARE: "Mat", Col.MANAD: "2026-03", Col.TYP: "Matlåda", Col.ANTAL: "13"},
                               {Col.PNR: P1, Col.UTFORARE: "Mat", Col.MANAD: "2026-03", Col.TYP: "Matlåda", Col.ANTAL: "2"},
                               {Col.PNR: P1, Col.UTFORARE: "Mat", Col.MANAD: "2026-02", Col.TYP: "Matlåda", Col.ANTAL: "9"},
                               {Col.PNR: P2, Col.UTFORARE: "Mat", Col.MANAD: "2026-03", Col.TYP: "Måltid", Col.ANTAL: "5"}])
    boxes = rule.meal_boxes(meals, "2026-03", {}, 70.0)
    assert boxes[[Col.ANTAL, Col.ERSATTNING]].values.tolist() == [[15, 1050.0]]
    prov = rule.per_provider(per, boxes).set_index(Col.UTFORARE)
    for utf, rows in per.groupby(Col.UTFORARE):
        assert prov.loc[utf, Col.ERSATTNING_TID] * 100 == pytest.approx(round(rows[Col.ERSATTNING_TID].sum() * 100))
        assert prov.loc[utf, Col.SUMMA] == prov.loc[utf, Col.ERSATTNING_TID] + prov.loc[utf, Col.ERSATTNING_MATLADOR]
    assert prov.loc["Mat", Col.SUMMA] == 1050.0 and prov.loc["Mat", Col.ANTAL_BRUKARE] == 1


def test_forklaring_says_why_the_days_are_fewer_than_the_month():
    visits = [{Col.PNR: P1, Col.UTFORARE: "Norr", Col.DATUM: "2026-03-09", Col.MINUTER: "30"}]
    out = compute([order(start="2026-03-05", reg="2026-03-05", **{Col.SLUTDATUM: "2026-03-25"})],
                  [absence("2026-03-10", "2026-03-12"), absence("2026-03-20", "2026-03-20"),
                   absence("2026-03-24", "2026-03-28")], visits=visits)
    assert out.loc["O1", Col.FORKLARING] == (
        "start 2026-03-09 (verkställighetsdatum, första besöket); slut 2026-03-25 (slutdatum); "
        "planerad frånvaro 2026-03-10–2026-03-12 (3 dagar), 2026-03-20 (1 dag), 2026-03-24–2026-03-25 (2 dagar)")
    assert out.loc["O1", Col.ERSATTNINGSDAGAR] == 17 - 6


def test_forklaring_whole_month_five_day_rule_and_not_executed():
    assert compute([order()]).loc["O1", Col.FORKLARING] == "hela månaden"
    five = compute([order(**{Col.AVSLUT_MEDDELAT: "2026-03-10", Col.BEHOV_UPPHOR: "2026-03-10",
                             Col.SLUTDATUM: "2026-03-10"})])
    assert five.loc["O1", Col.FORKLARING] == "slut 2026-03-15 (femdagarsregeln)"
    assert compute([order(reg="")]).loc["O1", Col.FORKLARING] == "ej verkställd: ingen ersättning"


def test_without_words_only_the_forklaring_is_left_empty():
    """An earlier month recomputed for its corrections (words=False) compares days, hours and amounts:
    the same as with words, the Förklaring (start, end, planned absence in words) left out."""
    visits = [{Col.PNR: P1, Col.UTFORARE: "Norr", Col.DATUM: "2026-03-20", Col.MINUTER: "30"},
              {Col.PNR: P2, Col.UTFORARE: "Söder", Col.DATUM: "2026-03-02", Col.MINUTER: "30"}]
    orders = [order(start="2026-03-16", reg="2026-03-16"), order("O2", P2, "Söder", "2026-03-01", "2026-03-01")]
    absences = [absence("2026-03-22", "2026-03-24"), absence("2026-03-05", "2026-03-06", pn=P2, utf="Söder")]
    full, bare = compute(orders, absences, visits), compute(orders, absences, visits, words=False)
    assert (full[Col.FORKLARING] != "").all() and (bare[Col.FORKLARING] == "").all()
    assert list(full[Col.PLANERAD_DAGAR]) == [3, 2]
    pd.testing.assert_frame_equal(full.drop(columns=Col.FORKLARING), bare.drop(columns=Col.FORKLARING))
