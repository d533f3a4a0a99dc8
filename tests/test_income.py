"""The avgiftsutrymme from income (Socialtjänstlag (2025:400) 32 kap. 5–10 §§, rules.md §15): each
rule at its edge, worked by hand in the comments; then the command, the fee basis and the ledger."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE, frame, municipal_config, pnr
from vos_cli.cli import app
from vos_cli.io.contract import Col
from vos_cli.reports import avgiftsutrymme as report
from vos_cli.rules import income

runner = CliRunner()
MARCH = pd.Timestamp("2026-03-01")
F2026 = income.Figures(7296, 5953, 0, 59200)
A, B = pnr(1940, 4, 5, 11, "Kvinna"), pnr(1938, 9, 1, 12, "Man")
C, D = pnr(1942, 1, 20, 13, "Man"), pnr(1944, 2, 2, 14, "Kvinna")


def row(p, income_=15000, civ="Ensamstående", partner=None, btp=None, rent=6000, hoj=None, sank=None, why=None,
        since="2026-01-01", own=None):
    return {Col.PNR: p, Col.CIVILSTAND: civ, Col.PARTNER: partner, Col.INKOMST: income_, Col.BOSTADSTILLAGG: btp,
            Col.BOENDEKOSTNAD: rent, Col.HOJNING: hoj, Col.SANKNING: sank, Col.ORSAK: why, Col.GILTIG_FROM: since,
            Col.EGEN_BOENDEKOSTNAD: own}


def compute(rows, first=MARCH, figures=F2026):
    cap = income.compute(frame("inkomster", rows), first, figures)
    return cap.table.set_index(Col.PNR), cap.problems


def amounts(t, p):
    cols = [Col.AVGIFTSUNDERLAG_KR, Col.MINIMIBELOPP_KR, Col.HOJNING_KR, Col.SANKNING_KR, Col.BOENDEKOSTNAD_KR,
            Col.FORBEHALLSBELOPP_KR, Col.AVGIFTSUTRYMME_KR]
    return [float(t.loc[p, c]) for c in cols]


# ---- the arithmetic ------------------------------------------------------------------------


def test_single_person_by_hand():
    # 18 000 + bostadstillägg 1 200 = 19 200; 7 296 + 300 − 100 + 6 500 = 13 996; 19 200 − 13 996 = 5 204
    t, problems = compute([row(A, 18000, btp=1200, rent=6500, hoj=300, sank=100, why="fördyrad kost")])
    assert amounts(t, A) == [19200, 7296, 300, 100, 6500, 13996, 5204]
    assert t.loc[A, Col.GALLER_FRAN] == pd.Timestamp("2026-01-01") and not len(problems)
    words = t.loc[A, Col.BERAKNING]
    assert words.startswith("Avgiftsunderlag 19\u00a0200 kr (inkomst efter skatt 18\u00a0000 kr + bostadstillägg "
                            "1\u00a0200 kr, 32 kap. 5 §)")
    for part in ("minimibelopp 7\u00a0296 kr för ensamstående (32 kap. 8 §)", "individuell höjning 300 kr "
                 "(fördyrad kost, 32 kap. 9 §)", "− individuell sänkning 100 kr", "boendekostnad 6\u00a0500 kr",
                 "= avgiftsutrymme 5\u00a0204 kr", "Gäller från 2026-01-01 (32 kap. 10 §)"):
        assert part in words, part


def test_spouses_share_their_income_and_the_housing_cost():
    # (20 000 + 8 000) / 2 = 14 000 each; 5 953 + 9 000 / 2 = 10 453; 14 000 − 10 453 = 3 547
    t, problems = compute([row(A, 20000, "Gift", B, rent=9000), row(B, 8000, "Gift", A, rent=9000)])
    assert amounts(t, A) == amounts(t, B) == [14000, 5953, 0, 0, 4500, 10453, 3547]
    assert "hälften av makarnas sammanlagda 28\u00a0000 kr" in t.loc[A, Col.BERAKNING] and not len(problems)


def test_registered_partners_are_spouses_sambor_keep_their_own_income():
    t, _ = compute([row(A, 20000, "Registrerad partner", B, rent=9000),
                    row(B, 8000, "Registrerad partner", A, rent=None),  # the household's cost on one row is enough
                    row(C, 20000, "Sambo", D, rent=9000), row(D, 8000, "Sambo", C, rent=9000)])
    assert t.loc[A, Col.AVGIFTSUNDERLAG_KR] == t.loc[B, Col.AVGIFTSUNDERLAG_KR] == 14000
    assert t.loc[B, Col.BOENDEKOSTNAD_KR] == 4500
    # sambor: own income, the couple's minimibelopp, half the housing cost: 20 000 − (5 953 + 4 500)
    assert amounts(t, C) == [20000, 5953, 0, 0, 4500, 10453, 9547]
    assert amounts(t, D) == [8000, 5953, 0, 0, 4500, 10453, -2453]


def test_a_spouse_without_income_and_half_an_ore():
    # (10 000,01 + 0) / 2 = 5 000,005 → 5 000,01 (half an öre up); 4 001 / 2 = 2 000,50
    t, _ = compute([row(A, "10000,01", "Gift", B, rent=4001), row(B, "0", "Gift", A, rent=4001)])
    assert t.loc[A, Col.AVGIFTSUNDERLAG_KR] == t.loc[B, Col.AVGIFTSUNDERLAG_KR] == 5000.01
    assert t.loc[A, Col.BOENDEKOSTNAD_KR] == 2000.50
    assert t.loc[B, Col.AVGIFTSUTRYMME_KR] == round(5000.01 - 5953 - 2000.50, 2)


def test_an_own_share_of_the_housing_cost_wins_over_half():
    t, problems = compute([row(A, 20000, "Gift", B, rent=9000, own=6000), row(B, 8000, "Gift", A, rent=9000, own=3000)])
    assert t.loc[A, Col.BOENDEKOSTNAD_KR] == 6000 and t.loc[B, Col.BOENDEKOSTNAD_KR] == 3000
    assert "(egen andel)" in t.loc[A, Col.BERAKNING] and not len(problems)


def test_below_zero_means_no_care_fee_and_is_listed():
    t, problems = compute([row(A, 9000, rent=7000)])
    assert t.loc[A, Col.AVGIFTSUTRYMME_KR] == 9000 - 7296 - 7000
    assert "under noll, ingen omsorgsavgift" in t.loc[A, Col.BERAKNING]
    assert problems[Col.ORSAK].str.contains("under noll").tolist() == [True]


# ---- the minimibelopp ----------------------------------------------------------------------


def test_the_minimibelopp_is_rounded_up_from_the_prisbasbelopp():
    c = municipal_config()
    # 1,4789 × 58 800 / 12 = 7 246,61 → 7 247; 1,2066 × 58 800 / 12 = 5 912,34 → 5 913 ("lägst")
    assert (c.national(2025)["minimibelopp_ensamstaende"], c.national(2025)["minimibelopp_sammanlevande"]) == (7247, 5913)
    # 1,4789 × 59 200 / 12 = 7 295,91 → 7 296; 1,2066 × 59 200 / 12 = 5 952,56 → 5 953
    assert (c.national(2026)["minimibelopp_ensamstaende"], c.national(2026)["minimibelopp_sammanlevande"]) == (7296, 5953)
    # the factors by date: before 2022-07-01 the old ones (1,3546 × 48 300 / 12 = 5 452,27 → 5 453)
    assert c.national(2022, pd.Timestamp("2022-03-01").date())["minimibelopp_ensamstaende"] == 5453
    assert c.national(2022, pd.Timestamp("2022-09-01").date())["minimibelopp_ensamstaende"] == 5953  # 5 952,58


@pytest.mark.parametrize("born, raised", [((1961, 3, 2), True),  # 64 on 1 March 2026: raised all March
                                          ((1961, 3, 1), False),  # 65 on the 1st: not raised
                                          ((1945, 6, 6), False)])
def test_the_raise_for_clients_under_65(born, raised):
    p = pnr(*born, 21, "Man")
    t, _ = compute([row(p)], figures=income.Figures(7296, 5953, 10, 59200))
    assert t.loc[p, Col.MINIMIBELOPP_KR] == (7296 + 730 if raised else 7296)  # 729,60 up to 730
    assert ("10 % under 65 år 730 kr" in t.loc[p, Col.BERAKNING]) == raised
    off, _ = compute([row(p)])
    assert off.loc[p, Col.MINIMIBELOPP_KR] == 7296


# ---- when a change applies (32 kap. 10 §) ----------------------------------------------------


def test_a_change_mid_month_applies_from_the_next_month_one_on_the_1st_from_the_same():
    rows = [row(A, 15000, since="2026-01-01"), row(A, 16000, since="2026-03-15"),
            row(B, 15000, since="2026-01-01"), row(B, 16000, since="2026-03-01")]
    march, _ = compute(rows)
    assert march.loc[A, Col.AVGIFTSUNDERLAG_KR] == 15000 and march.loc[A, Col.GALLER_FRAN] == pd.Timestamp("2026-01-01")
    assert march.loc[B, Col.AVGIFTSUNDERLAG_KR] == 16000 and march.loc[B, Col.GALLER_FRAN] == pd.Timestamp("2026-03-01")
    april, _ = compute(rows, pd.Timestamp("2026-04-01"))
    assert april.loc[A, Col.AVGIFTSUNDERLAG_KR] == 16000 and april.loc[A, Col.GALLER_FRAN] == pd.Timestamp("2026-04-01")


def test_a_row_that_applies_only_later_gives_no_computation_this_month():
    t, problems = compute([row(A, since="2026-03-02"), row(B)])
    assert A not in t.index and B in t.index
    assert "gäller först från 2026-04-01" in problems.set_index(Col.PNR).loc[A, Col.ORSAK]


def test_january_recomputes_everyone_with_the_new_prisbasbelopp():
    c = municipal_config()
    rows = frame("inkomster", [row(A, 15000, since="2025-01-01")])
    dec = income.compute(rows, pd.Timestamp("2025-12-01"), report.figures(c, pd.Timestamp("2025-12-01")))
    jan = income.compute(rows, pd.Timestamp("2026-01-01"), report.figures(c, pd.Timestamp("2026-01-01")))
    assert dec.table[Col.MINIMIBELOPP_KR].tolist() == [7247] and jan.table[Col.MINIMIBELOPP_KR].tolist() == [7296]
    ch = income.changes(income.ledger_rows(jan), income.ledger_rows(dec), pd.Timestamp("2026-01-01"), new_year=True)
    assert ch[Col.PNR].tolist() == [A] and ch["Differens (kr)"].tolist() == [-49.0]
    assert ch[Col.ORSAK].iloc[0] == "minimibeloppet 7\u00a0247 → 7\u00a0296 kr (nytt prisbasbelopp)"
    assert ch[Col.GALLER_FRAN].iloc[0] == pd.Timestamp("2026-01-01")


def test_a_month_before_july_2025_cites_the_old_law():
    t, _ = compute([row(A, since="2025-01-01")], pd.Timestamp("2025-06-01"), income.Figures(7247, 5913, 0, 58800))
    assert "SoL (2001:453) 8 kap. 4 §" in t.loc[A, Col.BERAKNING] and "8 kap. 7 §" in t.loc[A, Col.BERAKNING]
    assert "32 kap." not in t.loc[A, Col.BERAKNING]


# ---- nothing guessed --------------------------------------------------------------------------


@pytest.mark.parametrize("rows, who, reason", [
    ([row(A, 20000, "Gift", B)], [A], "har ingen egen rad i inkomster"),
    ([row(A, 20000, "Gift", B), row(B, 8000, "Gift", C), row(C, 9000)], [A, B], "anger inte den här personen"),
    ([row(A, 20000, "Gift")], [A], "Make/maka/sambo saknas"),
    ([row(A, -500)], [A], "negativ inkomst"),
    ([row(A, 20000, "Gift", B), row(B, -500, "Gift", A)], [A, B], "negativ"),
    ([row(A, rent=None)], [A], "boendekostnad saknas"),
    ([row(A, 20000, "Gift", B, rent=None), row(B, 8000, "Gift", A, rent=None)], [A, B], "boendekostnad saknas"),
    ([row(A, 20000, "Gift", B, rent=9000), row(B, 8000, "Gift", A, rent=8000)], [A, B], "skiljer sig"),
    ([row(A, 20000, "Gift", B), row(B, 8000, "Sambo", A)], [A, B], "civilstånd skiljer sig"),
])
def test_problems_are_listed_and_not_computed(rows, who, reason):
    t, problems = compute(rows)
    for p in who:
        assert pd.isna(t.loc[p, Col.AVGIFTSUTRYMME_KR]), p
        assert t.loc[p, Col.BERAKNING].startswith("Beräknas inte: ")
        assert p in set(problems[Col.PNR])
    assert problems[Col.ORSAK].str.contains(reason, regex=False).any(), problems


def test_without_words_the_same_amounts_and_problems():
    """An earlier month recomputed for its corrections (words=False): every amount and problem as
    with the words; only the calculation in words is left empty."""
    rows = [row(A, 20000, "Gift", B, rent=9000), row(B, 8000, "Gift", A), row(C, -500), row(D, 9000, hoj=300)]
    full = income.compute(frame("inkomster", rows), MARCH, F2026)
    bare = income.compute(frame("inkomster", rows), MARCH, F2026, words=False)
    assert full.table[Col.BERAKNING].str.len().min() > 20 and (bare.table[Col.BERAKNING] == "").all()
    pd.testing.assert_frame_equal(bare.table.drop(columns=Col.BERAKNING), full.table.drop(columns=Col.BERAKNING))
    pd.testing.assert_frame_equal(bare.problems, full.problems)


# ---- the command, the fee basis, the ledger --------------------------------------------------

ORDER_HEADER = ["Beställnings-ID", "Beslut-ID", "Personnummer", "Insats", "Utförare", "Omfattning", "Skickad",
                "Startdatum", "Verkställighetsdatum"]
INCOME_HEADER = ["Personnummer", "Civilstånd", "Make/maka/sambo", "Inkomst efter skatt", "Bostadstillägg",
                 "Boendekostnad", "Individuell höjning", "Individuell sänkning", "Orsak", "Giltig fr.o.m."]


def exports(write_csv, folder, income_rows, utrymme_rows=()):
    orders = [[f"O{i}", f"B{i}", p, "Trygghetslarm", "Larmbolaget", "", "2025-12-01 10:00", "2025-12-01", "2025-12-01"]
              for i, p in enumerate([A, B, C, D])]
    write_csv("bestallningar", ORDER_HEADER, orders, folder=folder)
    write_csv("inkomster", INCOME_HEADER, income_rows, folder=folder)
    if utrymme_rows:
        write_csv("avgiftsutrymme", ["Personnummer", "Avgiftsutrymme"], utrymme_rows, folder=folder)


def sheet(path, name):
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return pd.DataFrame([r for r in rows[1:] if r[0] != "Summa"], columns=rows[0])


def test_the_command_writes_the_contract_sheet(tmp_path, write_csv):
    exports(write_csv, tmp_path / "in", [[A, "Ensamstående", "", "18000", "1200", "6500", "", "", "", "2026-01-01"],
                                         [B, "Ensamstående", "", "-10", "", "6500", "", "", "", "2026-01-01"]])
    res = runner.invoke(app, ["avgiftsutrymme", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                              "-m", "2026-03"])
    assert res.exit_code == 0, res.output
    path = tmp_path / "out" / "avgiftsberakning_2026-03.xlsx"
    t = sheet(path, "Avgiftsutrymme")
    assert list(t.columns) == ["Personnummer", "Civilstånd", "Avgiftsunderlag (kr)", "Minimibelopp (kr)",
                               "Individuell höjning (kr)", "Individuell sänkning (kr)", "Boendekostnad (kr)",
                               "Förbehållsbelopp (kr)", "Avgiftsutrymme (kr)", "Gäller från", "Beräkning"]
    a = t.set_index("Personnummer").loc[A]
    assert a["Avgiftsutrymme (kr)"] == 19200 - 7296 - 6500
    assert set(openpyxl.load_workbook(path).sheetnames) >= {"Om rapporten", "Avgiftsutrymme", "Ändringar",
                                                           "Att kontrollera"}
    assert "negativ inkomst" in " ".join(sheet(path, "Att kontrollera")["Orsak"])
    assert A not in res.output  # personnummer are masked on the terminal


def test_a_month_the_income_export_does_not_cover_stops(tmp_path, write_csv):
    exports(write_csv, tmp_path / "in", [[A, "Ensamstående", "", "18000", "", "6500", "", "", "", "2026-04-02"]])
    res = runner.invoke(app, ["avgiftsutrymme", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                              "-m", "2026-03"])
    assert res.exit_code == 2 and "ingen rad gäller 2026-03" in res.output
    assert not (tmp_path / "out").exists()


def test_the_fee_basis_takes_the_export_first_then_the_computed_one(tmp_path, write_csv):
    exports(write_csv, tmp_path / "in",
            [[A, "Ensamstående", "", "18000", "", "6500", "", "", "", "2026-01-01"],  # computed: 4 204
             [B, "Ensamstående", "", "18000", "", "6500", "", "", "", "2026-01-01"],  # the export wins: 100
             [C, "Ensamstående", "", "18000", "", "", "", "", "", "2026-01-01"]],  # no housing cost: not computed
            [[B, "100"]])
    res = runner.invoke(app, ["fees", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-m", "2026-03"])
    assert res.exit_code == 0, res.output
    path = tmp_path / "out" / "avgiftsunderlag_2026-03.xlsx"
    b = sheet(path, "Avgiftsunderlag").set_index("Personnummer")
    assert b.loc[A, "Avgiftsutrymme källa"] == "beräknat ur inkomster" and b.loc[A, "Avgiftsutrymme (kr)"] == 4204
    assert b.loc[B, "Avgiftsutrymme källa"] == "avgiftsutrymme (export)" and b.loc[B, "Omsorgsavgift (kr)"] == 100
    assert b.loc[C, "Avgiftsutrymme källa"].startswith("saknas") and b.loc[D, "Avgiftsutrymme källa"].startswith("saknas")
    check = sheet(path, "Att kontrollera")
    assert any(p == C and r.startswith("Inkomster: boendekostnad saknas") for p, r in zip(check["Personnummer"],
                                                                                        check["Orsak"]))


def test_andringar_from_the_ledger_and_without_it(tmp_path):
    inp = tmp_path / "in"
    res = runner.invoke(app, ["sample", "-o", str(inp), "-n", "60", "-m", "2026-03", "--months", "2", "-q"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", "-i", str(inp), "-o", str(out), "-m", "2026-02", "-q"]).exit_code in (0, 1)
    # a new income from 1 March for the first person, a new rent from 10 March (applies in April) for another
    ink = pd.read_csv(inp / "inkomster.csv", sep=";", dtype=str, keep_default_na=False)
    singles = ink.groupby("Personnummer").filter(lambda g: (g["Civilstånd"] == "Ensamstående").all() and len(g) == 1)
    first, second = singles["Personnummer"].iloc[0], singles["Personnummer"].iloc[-1]
    new = ink[ink["Personnummer"] == first].tail(1).assign(**{"Inkomst efter skatt": "25000",
                                                             "Giltig fr.o.m.": "2026-03-01"})
    later = ink[ink["Personnummer"] == second].tail(1).assign(**{"Boendekostnad": "9999",
                                                                "Giltig fr.o.m.": "2026-03-10"})
    pd.concat([ink, new, later]).to_csv(inp / "inkomster.csv", sep=";", index=False)
    assert runner.invoke(app, ["run", "-i", str(inp), "-o", str(out), "-m", "2026-03", "-q"]).exit_code in (0, 1)
    path = out / "2026-03" / "avgiftsberakning_2026-03.xlsx"
    ch = sheet(path, "Ändringar")
    assert ch["Personnummer"].tolist() == [first]  # the rent from 10 March waits for April
    assert "avgiftsunderlaget (inkomst)" in ch["Orsak"].iloc[0] and ch["Gäller från"].iloc[0].date().isoformat() == \
        "2026-03-01"
    about = {r[0]: r[1] for r in openpyxl.load_workbook(path)["Om rapporten"].iter_rows(values_only=True) if r and r[0]}
    assert "enligt liggaren" in about["Förra månaden"]
    alone = runner.invoke(app, ["avgiftsutrymme", "-i", str(inp), "-o", str(tmp_path / "alone"), "-m", "2026-03"])
    assert alone.exit_code == 0, alone.output
    path = tmp_path / "alone" / "avgiftsberakning_2026-03.xlsx"
    assert sheet(path, "Ändringar")["Personnummer"].tolist() == [first]
    about = {r[0]: r[1] for r in openpyxl.load_workbook(path)["Om rapporten"].iter_rows(values_only=True) if r and r[0]}
    assert "inkomstexportens historik" in about["Förra månaden"]


def test_the_sample_month_has_computed_and_exported_capacities(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "in")
    res = runner.invoke(app, ["fees", "-i", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-m", "2026-03"])
    assert res.exit_code == 0, res.output
    b = sheet(tmp_path / "out" / "avgiftsunderlag_2026-03.xlsx", "Avgiftsunderlag")
    assert {"beräknat ur inkomster", "avgiftsutrymme (export)"} <= set(b["Avgiftsutrymme källa"])


def test_the_worked_examples_in_docs_fees_md():
    docs = (SAMPLE.parent / "docs" / "fees.md").read_text(encoding="utf-8")
    t, _ = compute([row(A, 18000, btp=1200, rent=6500, hoj=300, why="fördyrad kost")])
    sentence = t.loc[A, Col.BERAKNING].replace("\u00a0", " ")
    assert f'`Beräkning`: "{sentence[:90]}' in docs.replace("\n", " ")
    assert " ".join(docs.split()).count(" ".join(sentence.split())) == 1
    assert t.loc[A, Col.AVGIFTSUTRYMME_KR] == 5104
    t, _ = compute([row(A, 20000, "Sambo", B, rent=9000), row(B, 8000, "Sambo", A, rent=9000)])
    assert t[Col.AVGIFTSUTRYMME_KR].tolist() == [9547, -2453] or t[Col.AVGIFTSUTRYMME_KR].tolist() == [-2453, 9547]
