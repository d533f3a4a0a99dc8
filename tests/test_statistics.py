import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import frame, pnr
from vos_cli.cli import app
from vos_cli.io.contract import Col
from vos_cli.rules import execution
from vos_cli.rules import statistics as rule

MARCH = (pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
P = pnr(1940, 6, 1, 14, "Kvinna")
M = pnr(1946, 3, 31, 15, "Man")


def dec(bid, insats="Hemtjänst", pn=P, omf="31", **kw):
    base = {Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: insats, Col.BESLUTSDATUM: "2025-12-01",
            Col.FROM: "2025-12-01", Col.OMFATTNING: omf}
    base.update(kw)
    return base


def order(bid, insats="Hemtjänst", pn=P, reg="2025-12-05", **kw):
    base = {Col.BESTALLNING_ID: "O" + bid, Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: insats, Col.UTFORARE: "U",
            Col.OMFATTNING: "31", Col.SKICKAD: "2025-12-01 10:00", Col.STARTDATUM: "2025-12-01",
            Col.VERKSTALLIGHETSDATUM: reg}
    base.update(kw)
    return base


def compute(decisions, orders, visits=()):
    o = frame("bestallningar", orders)
    v = frame("besok", list(visits)) if visits else frame("besok", [
        {Col.PNR: pnr(1930, 1, 1), Col.UTFORARE: "x", Col.DATUM: "2020-01-01", Col.MINUTER: "1"}])
    ex = execution.execution_dates(o, v, None)
    return rule.compute(frame("beslut", decisions), ex, ex[execution.END], v, *MARCH)


def test_decision_ending_on_the_last_day_is_ongoing_and_also_ended():
    st = compute([dec("B1", **{Col.AVSLUTSDATUM: "2026-03-31"})], [order("B1")])
    assert st.bilaga1[Col.BESLUT_ID].tolist() == ["B1"]
    assert st.bilaga2[["Beslut-ID", "Händelse"]].values.tolist() == [["B1", "Slut"]]
    st = compute([dec("B1", **{Col.AVSLUTSDATUM: "2026-03-30"})], [order("B1")])
    assert st.bilaga1.empty and st.bilaga2["Händelse"].tolist() == ["Slut"]


def test_decision_starting_on_the_first_is_in_bilaga_2_and_1():
    st = compute([dec("B1", **{Col.BESLUTSDATUM: "2026-02-20"})], [order("B1", reg="2026-03-01")])
    assert st.bilaga2["Händelse"].tolist() == ["Start"]
    assert st.bilaga1[Col.VERKSTALLIGHETSDATUM].tolist() == [pd.Timestamp("2026-03-01")]
    assert st.per_person.loc[0, "HTJTIM"] == 31


def test_person_with_several_insatser_and_htjtim_for_a_partial_month():
    st = compute([dec("B1"), dec("B2", "Trygghetslarm", omf=""), dec("B3", "Matdistribution", omf="")],
                 [order("B1", reg="2026-03-17"), order("B2", "Trygghetslarm"), order("B3", "Matdistribution")])
    row = st.per_person.iloc[0]
    assert (row["HTJ"], row["TRYGG"], row["MATD"], row["DAGV"], row["KORTTID"]) == (1, 1, 1, 0, 0)
    assert row["HTJTIM"] == 15  # 31 h/month × 15 days (17–31 March) / 31
    assert row["PERIOD"] == "202603" and len(st.per_person) == 1


def test_htjtim_codes_not_applicable_and_missing():
    st = compute([dec("B1", "Trygghetslarm", omf=""), dec("B2", pn=M, omf="")],
                 [order("B1", "Trygghetslarm"), order("B2", pn=M, **{Col.OMFATTNING: "0"})])
    codes = st.per_person.set_index(Col.PNR)["HTJTIM"]
    assert codes[P] == rule.HTJTIM_NOT_APPLICABLE and codes[M] == rule.HTJTIM_MISSING


def test_kortman_counts_dygn_of_korttidsvard_under_sol_from_the_visit_log():
    visits = [{Col.PNR: P, Col.UTFORARE: "U", Col.DATUM: d, Col.INSATS: "Korttidsvård"}
              for d in ("2026-02-28", "2026-03-01", "2026-03-02", "2026-03-02", "2026-03-20")]
    st = compute([dec("B1", "Korttidsvård", omf="4")], [order("B1", "Korttidsvård")], visits)
    row = st.per_person.iloc[0]
    assert row["KORTMAN"] == 3 and row["KORTTID"] == 1


def test_korttidsvistelse_lss_is_not_in_the_monthly_sol_statistics():
    visits = [{Col.PNR: P, Col.UTFORARE: "U", Col.DATUM: "2026-03-02", Col.INSATS: "Korttidsvistelse LSS"}]
    st = compute([dec("B1", "Korttidsvistelse LSS", omf="4"), dec("B2", pn=M)],
                 [order("B1", "Korttidsvistelse LSS"), order("B2", pn=M)], visits)
    assert P not in set(st.per_person[Col.PNR]) and P not in set(st.bilaga1[Col.PNR])
    assert M in set(st.bilaga1[Col.PNR])


@pytest.mark.parametrize("born,age,band", [("1961-03-31", 65, "65–79"), ("1961-04-01", 64, "0–64"),
                                           ("1946-03-31", 80, "80+"), ("1946-04-01", 79, "65–79")])
def test_age_at_month_end_and_bands_at_their_edges(born, age, band):
    y, m, d = map(int, born.split("-"))
    person = pnr(y, m, d, 3, "Man")
    st = compute([dec("B1", pn=person)], [order("B1", pn=person)])
    assert st.per_person.loc[0, "Ålder"] == age
    total = st.summary.set_index(Col.INSATS).loc["Hemtjänst"]
    assert total[band] == 1 and sum(total[b] for b, _, _ in rule.AGE_BANDS) == 1
    assert total["Män"] == 1 and Col.PNR not in st.summary.columns


def test_text_files_read_back_field_by_field(tmp_path, write_csv):
    folder = tmp_path / "in"
    write_csv("beslut", ["Beslut-ID", "Personnummer", "Insats", "Beslutsdatum", "Fr.o.m.", "Omfattning", "Avslutsdatum"],
              [["B1", P, "Hemtjänst", "2025-12-01", "2025-12-01", "12,5", ""],
               ["B2", M, "Trygghetslarm", "2026-02-25", "2026-02-25", "", "2026-03-20"]], folder=folder)
    write_csv("bestallningar", ["Beställnings-ID", "Beslut-ID", "Personnummer", "Insats", "Utförare", "Omfattning",
                                "Skickad", "Startdatum", "Verkställighetsdatum"],
              [["O1", "B1", P, "Hemtjänst", "U", "12,5", "2025-12-01 10:00", "2025-12-01", "2025-12-05"],
               ["O2", "B2", M, "Trygghetslarm", "L", "", "2026-02-25 10:00", "2026-03-02", "2026-03-02"]],
              folder=folder)
    cfg = tmp_path / "vos.toml"
    cfg.write_text('[statistics]\nencoding = "cp1252"\nkommunkod = "0127"\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["statistics", "-i", str(folder), "-o", str(tmp_path / "out"), "-m", "2026-03",
                                   "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    one = (tmp_path / "out" / "SOL1_0127_202603.txt").read_bytes().decode("cp1252").split("\r\n")
    two = (tmp_path / "out" / "SOL2_0127_202603.txt").read_bytes().decode("cp1252").split("\r\n")
    assert one[-1] == "" and two[-1] == ""
    assert [line.split(";") for line in one[:-1]] == [
        ["0127", "202603", P.replace("-", ""), "20251201", "20251205", "", "12.5", "HTJ"]]
    assert [line.split(";") for line in two[:-1]] == [
        ["0127", "202603", M.replace("-", ""), "20260225", "20260302", "20260320", "", "TRYGG"]]
    assert not any(line.endswith(";") for line in one + two)



def test_the_granted_decisions_are_computed_once_for_waiting_and_statistics_and_left_unchanged():
    """The waiting and statistics reports share one decisions_with_execution per run (reports.execution
    .decisions); the rules copy it: afterwards it equals a fresh computation, and the reports equal
    what the rules give when they compute it themselves."""
    import datetime as dt

    from tests.conftest import SAMPLE, SAMPLE_CONFIG
    from vos_cli import batch
    from vos_cli.config import load
    from vos_cli.io.inputs import load_inputs
    from vos_cli.period import make_period
    from vos_cli.reports import endings as endings_report
    from vos_cli.reports import execution as execution_report
    from vos_cli.reports import statistics as statistics_report
    from vos_cli.reports import waiting as waiting_report
    from vos_cli.rules import waiting
    from vos_cli.rules.endings import adjusted_end_for, order_end

    cfg, period = load(SAMPLE_CONFIG), make_period("2026-03", None)
    inputs = load_inputs(SAMPLE, cfg, dt.date(2026, 3, 31), *batch.needed_exports())
    w = waiting_report.compute(inputs, period, cfg)
    st = statistics_report.compute(inputs, period, cfg)
    assert len([k for k in inputs.cache if k.startswith("decisions")]) == 1
    execution, _ = execution_report.compute(inputs, period)
    shared = execution_report.decisions(inputs, period)
    pd.testing.assert_frame_equal(shared, waiting.decisions_with_execution(inputs.df("beslut"), execution))
    assert len(shared) > 10

    as_of = pd.Timestamp(period.as_of_date)
    fresh = waiting.classify(inputs.df("beslut"), inputs.df("bestallningar"), execution, as_of,
                             int(cfg.rules["bevakning_dagar"]), None, inputs.df("erbjudanden"),
                             waiting_report.categories(cfg))
    for name in ("ej_verkstallda", "ivo", "vantande", "for_sent", "avslutade"):
        pd.testing.assert_frame_equal(getattr(w, name), getattr(fresh, name))
    pd.testing.assert_frame_equal(w.inaktuella, waiting.no_longer_current(
        inputs.df("beslut"), inputs.df("bestallningar"), execution, as_of, int(cfg.rules["uppfoljning_dagar"])))
    ends, _ = endings_report.compute(inputs, cfg)
    fresh_st = rule.compute(inputs.df("beslut"), execution, order_end(execution, adjusted_end_for(execution, ends)),
                            inputs.df("besok"), period.ts_first, period.ts_last, statistics_report.codes(cfg))
    for name in ("bilaga1", "bilaga2", "per_person", "summary"):
        pd.testing.assert_frame_equal(getattr(st, name), getattr(fresh_st, name))
