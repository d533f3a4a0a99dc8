"""Reports in the form each receiver takes: providers, IVO, Kommunfullmäktige, Socialstyrelsen."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import SAMPLE, frame, pnr
from vos_cli import law
from vos_cli.cli import app
from vos_cli.io.contract import Col
from vos_cli.reports.compensation import file_safe
from vos_cli.rules import execution, kf, waiting

runner = CliRunner()
PNR_RE = re.compile(r"\b(19|20)?\d{6}[-+]?[0-9T]\d{3}\b")


def sheet(path: Path, name: str) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    df = pd.DataFrame(rows[1:], columns=rows[0]) if rows else pd.DataFrame()
    return df[df.iloc[:, 0] != "Summa"].reset_index(drop=True) if len(df) else df


def cells(path: Path) -> list:
    return [c for ws in openpyxl.load_workbook(path, read_only=True).worksheets
            for row in ws.iter_rows(values_only=True) for c in row if c is not None]


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    out = tmp_path_factory.mktemp("recv")
    res = runner.invoke(app, ["run", "-i", str(SAMPLE), "-o", str(out), "-m", "2026-03", "-q"])
    assert res.exit_code == 0, res.output
    return out / "2026-03"


# ---- providers -----------------------------------------------------------------------------------


def test_each_provider_gets_only_its_own_rows_and_the_sums_agree(month):
    combined = month / "ersattning_2026-03.xlsx"
    orders, boxes, providers = (sheet(combined, n) for n in ("Per beställning", "Matlådor", "Per utförare"))
    for name in providers["Utförare"]:
        path = month / f"ersattning_2026-03_{file_safe(name)}.xlsx"
        mine = {n: sheet(path, n) for n in ("Per beställning", "Matlådor", "Per utförare", "Rättelser")}
        assert openpyxl.load_workbook(path, read_only=True).sheetnames[:5] == \
            ["Om rapporten", "Läs så här", "Per beställning", "Matlådor", "Per utförare"][:1] + \
            [s for s in openpyxl.load_workbook(path, read_only=True).sheetnames[1:5]]
        own = set(orders[orders["Utförare"] == name]["Personnummer"]) | set(boxes[boxes["Utförare"] == name]["Personnummer"])
        others = (set(orders["Personnummer"]) | set(boxes["Personnummer"])) - own
        found = {c for c in cells(path) if isinstance(c, str) and PNR_RE.fullmatch(c)}
        assert found <= own and not found & others, name
        assert set(mine["Per beställning"]["Utförare"]) <= {name}
        assert mine["Per utförare"]["Summa (kr)"].sum() == pytest.approx(
            providers.set_index("Utförare").loc[name, "Summa (kr)"])
        assert mine["Per beställning"]["Ersättning tid (kr)"].sum() == pytest.approx(
            orders[orders["Utförare"] == name]["Ersättning tid (kr)"].sum())
    total = sum(sheet(month / f"ersattning_2026-03_{file_safe(n)}.xlsx", "Per utförare")["Summa (kr)"].sum()
                for n in providers["Utförare"])
    assert total == pytest.approx(providers["Summa (kr)"].sum())


def test_every_order_with_fewer_days_than_the_month_says_why(month):
    orders = sheet(month / "ersattning_2026-03.xlsx", "Per beställning")
    assert list(orders.columns[:11])[-1] == "Förklaring"
    short = orders[orders["Ersättningsdagar"] < 31]
    assert len(short) and short["Förklaring"].notna().all() and (short["Förklaring"] != "").all()
    assert short["Förklaring"].str.contains("start|slut|planerad frånvaro|ej verkställd").all()


@pytest.mark.parametrize("name,safe", [("Hemtjänst Norr", "Hemtjänst_Norr"), ('A/B: "C"?', "AB_C"),
                                       ("Omsorg <AB>|*", "Omsorg_AB"), (" . ", "utforare")])
def test_provider_names_in_file_names(name, safe):
    assert file_safe(name) == safe


# ---- IVO -----------------------------------------------------------------------------------------


P = pnr(1939, 3, 3, 17, "Kvinna")
M = pnr(1941, 5, 6, 21, "Man")


def dec(bid, pn, date, insats="Hemtjänst", **kw):
    base = {Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: insats, Col.BESLUTSDATUM: date, Col.FROM: date}
    base.update(kw)
    return base


def order(oid, bid, pn, insats, reg="", start="2026-01-02"):
    return {Col.BESTALLNING_ID: oid, Col.BESLUT_ID: bid, Col.PNR: pn, Col.INSATS: insats, Col.UTFORARE: "U",
            Col.OMFATTNING: "10", Col.SKICKAD: f"{start} 10:00", Col.STARTDATUM: start, Col.VERKSTALLIGHETSDATUM: reg}


def classify(decisions, orders, offers=None, a="2026-03-31", **kw):
    o = frame("bestallningar", orders)
    ex = execution.execution_dates(o, frame("besok", []), None)
    off = frame("erbjudanden", offers) if offers else None
    return waiting.classify(frame("beslut", decisions), o, ex, pd.Timestamp(a), offers=off, **kw)


def test_ivo_gets_the_person_the_category_the_offers_and_the_declines():
    reserve = "19450312-T123"
    w = classify([dec("B1", P, "2025-11-02", **{Col.SKAL_DROJSMAL: "Ingen ledig plats"}),
                  dec("B2", reserve, "2025-11-03", "Korttidsvistelse LSS")], [],
                 [{Col.BESLUT_ID: "B1", Col.DATUM: "2026-01-10", Col.VAD: "Plats på Solrosen", Col.SVAR: "Tackat nej"},
                  {Col.BESLUT_ID: "B1", Col.DATUM: "2026-02-15", Col.VAD: "Plats på Ängen"}],
                 categories={**waiting.DEFAULT_IVO_INSATS, "Hemtjänst": "Hemtjänst (SoL)"})
    ivo = w.ivo.set_index(Col.BESLUT_ID)
    assert list(w.ivo.columns[:8]) == ["Rapporttyp", "Ny/Återrapportering", "Beslut-ID", "Personnummer", "Kön",
                                       "Beslutsdatum", "Insats", "Lagrum"]
    assert ivo.loc["B2", Col.PNR] == reserve and ivo.loc["B2", Col.KON] == "Man"
    assert ivo.loc["B1", Col.INSATS] == "Hemtjänst (SoL)" and ivo.loc["B1", waiting.INSATS_SYSTEM] == "Hemtjänst"
    assert ivo.loc["B2", Col.INSATS].startswith("Korttidsvistelse utanför det egna hemmet")
    assert ivo.loc["B2", Col.LAGRUM] == "LSS 9 § 6" and ivo.loc["B2", waiting.ENLIGT] == "LSS 28 f §"
    assert ivo.loc["B1", waiting.ENLIGT] == "SoL (2025:400) 34 kap. 1 §"
    assert ivo.loc["B1", waiting.ERBJUDANDE] == "2026-01-10: Plats på Solrosen (Tackat nej); 2026-02-15: Plats på Ängen (obesvarat)"
    assert ivo.loc["B1", waiting.TACKAT_NEJ] == pd.Timestamp("2026-01-10")
    assert w.saknar_skal[Col.BESLUT_ID].tolist() == ["B2"]  # B1 has its reason


def test_days_since_the_decision_count_to_the_execution_or_the_end():
    w = classify([dec("B1", P, "2025-11-02"), dec("B2", M, "2025-11-02", **{Col.AVSLUTSDATUM: "2026-03-10"})],
                 [order("O1", "B1", P, "Trygghetslarm", reg="2026-03-05")])
    ivo = w.ivo.set_index(Col.BESLUT_ID)
    assert ivo.loc["B1", Col.RAPPORTTYP] == "Verkställt" and ivo.loc["B1", Col.DAGAR_SEDAN_BESLUT] == 123
    assert ivo.loc["B2", Col.RAPPORTTYP] == "Avslutat" and ivo.loc["B2", Col.DAGAR_SEDAN_BESLUT] == 128


def test_a_partly_executed_decision_is_reported_for_the_part_not_executed():
    w = classify([dec("B1", P, "2025-11-02")], [order("O1", "B1", P, "Trygghetslarm", reg="2025-11-10"),
                                                 order("O2", "B1", P, "Matdistribution")])
    rows = w.ivo[w.ivo[Col.RAPPORTTYP] == "Ej verkställt"]
    assert rows[Col.INSATS].tolist() == ["Matdistribution"]
    assert "Trygghetslarm verkställd 2025-11-10" in rows[waiting.DELVIS].iloc[0]


def test_reported_earlier_is_a_follow_up_and_an_executed_one_is_added():
    earlier = pd.DataFrame({"beslut_id": ["B1", "B2"], "kvartal": ["2026-Q1"] * 2, "rapporttyp": ["Ej verkställt"] * 2,
                            "pnr": [P, M], "insats": ["Hemtjänst"] * 2, "datum": [None, None],
                            "referensdatum": ["2026-03-31"] * 2})
    w = classify([dec("B1", P, "2025-11-02"), dec("B2", M, "2025-10-02")],
                 [order("O2", "B2", M, "Trygghetslarm", reg="2026-04-20", start="2026-04-20")],
                 a="2026-06-30", earlier=earlier)
    ivo = w.ivo.set_index(Col.BESLUT_ID)
    assert ivo.loc["B1", waiting.NY_ATER] == "Återrapportering" and ivo.loc["B1", Col.RAPPORTTYP] == "Ej verkställt"
    assert ivo.loc["B2", Col.RAPPORTTYP] == "Verkställt" and ivo.loc["B2", Col.VERKSTALLIGHETSDATUM] == pd.Timestamp("2026-04-20")
    assert ivo.loc["B2", waiting.ENLIGT] == law.SOL_EXECUTED_NEW  # decided after 2025-07-01, now executed
    assert ivo.loc["B2", waiting.NY_ATER] == "Återrapportering"


# ---- Kommunfullmäktige -----------------------------------------------------------------------------


def drawing_texts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/drawings/drawing")]


def test_the_kf_report_is_public_two_tables_and_small_counts_suppressed(month):
    path = month / "kf_rapport_2026-Q1.xlsx"
    wb = openpyxl.load_workbook(path)
    assert {"SoL", "LSS"} <= set(wb.sheetnames)
    every = cells(path)
    texts = [c for c in every if isinstance(c, str)]
    assert not any(PNR_RE.search(t) for t in texts)
    assert not any(re.search(r"\b(19|20)\d{2}-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])\b", t)
                   for t in texts if "2026" not in t and "2025" not in t)  # no birth dates
    assert "Födelseår" not in texts and "Beslut-ID" not in texts
    for name in ("SoL", "LSS"):
        t = sheet(path, name)
        if len(t):
            for c in ("Antal", "Män", "Kvinnor"):
                numbers = [v for v in t[c] if isinstance(v, (int, float))]
                assert not [v for v in numbers if 0 < v < 3], (name, c)
        else:
            drawings = drawing_texts(path)  # an empty table says so in words, in a text box over the sheet
            assert any(f"Inga beslut enligt {'LSS' if name == 'LSS' else 'socialtjänstlagen'}" in d for d in drawings)


def test_suppression_and_secondary_suppression():
    def person(i, sex):
        return pnr(1930 + i, 1 + i % 12, 1 + i % 28, i, sex)

    decisions = [dec(f"H{i}", person(i, "Kvinna" if i < 3 else "Man"), "2025-11-02") for i in range(4)]  # 3 W, 1 M
    decisions += [dec(f"D{i}", person(10 + i, "Kvinna"), "2025-11-02", "Dagverksamhet") for i in range(2)]  # 2
    decisions += [dec("L1", person(20, "Man"), "2025-11-02", "Korttidsvistelse LSS")]
    w = classify(decisions, [])
    sol = kf.table(w, False, waiting.DEFAULT_IVO_INSATS, 3).set_index([Col.INSATS, "Kategori"])
    hem, dagv = sol.loc[("Hemtjänst", "Ej verkställda")], sol.loc[("Dagverksamhet", "Ej verkställda")]
    assert hem[Col.ANTAL] == "–" and hem[Col.MAN] == "<3" and hem[Col.KVINNOR] == "–"  # 4 = 1 man + 3: both hidden
    assert dagv[Col.ANTAL] == "<3" and dagv[Col.MEDIAN] == "–"
    assert sol.loc[(Col.TOTALT, "Ej verkställda"), Col.ANTAL] == 6
    lss = kf.table(w, True, waiting.DEFAULT_IVO_INSATS, 3)
    assert lss[Col.ANTAL].tolist() == ["<3", "<3"]  # one person: its total is small too
    assert kf.table(w, True, waiting.DEFAULT_IVO_INSATS, 1)[Col.ANTAL].tolist() == [1, 1]
    total = sol.loc[(Col.TOTALT, "Ej verkställda")]
    assert total[Col.MAN] == "<3" and total[Col.KVINNOR] == "–"  # 6 = 1 + 5: the 5 would give the 1 away


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=5), st.integers(2, 5))
def test_no_suppressed_count_can_be_worked_out(rows, minimum):
    grid = [[m + k, m, k] for m, k in rows if m + k]
    if not grid:
        return
    grid.append([sum(r[j] for r in grid) for j in range(3)])
    out = kf._suppress(grid, minimum)
    hidden = [[isinstance(v, str) for v in row] for row in out]
    for r, row in enumerate(out):
        for c, v in enumerate(row):
            assert isinstance(v, str) or not 0 < v < minimum  # no small count shown
            assert isinstance(v, str) or v == grid[r][c]
    lines = [[hidden[r][c] for c in range(3)] for r in range(len(grid))]
    lines += [[hidden[r][c] for r in range(len(grid))] for c in range(3)]
    for line in lines:
        assert sum(line) != 1, (grid, out)  # a sum with one hidden cell gives it away


def test_the_kf_file_is_named_by_the_quarter_of_the_as_of_date(tmp_path):
    res = runner.invoke(app, ["non-executed", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03",
                              "--as-of", "2026-05-15"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "kf_rapport_2026-Q2.xlsx").exists()


# ---- Socialstyrelsen -----------------------------------------------------------------------------


def test_sol_files_for_filip(month):
    one = (month / "SOL1_9999_202603.txt").read_bytes().decode("utf-8").split("\r\n")
    assert one[-1] == "" and all(line.split(";")[0] == "9999" and line.split(";")[1] == "202603" for line in one[:-1])
    assert not any(line.endswith("KORTTID") for line in one if "LSS" in line)
    per = sheet(month / "statistik_2026-03.xlsx", "Per person")
    assert list(per.columns[:11]) == ["PERIOD", "Personnummer", "Kön", "Ålder", "HTJ", "HTJTIM", "MATD", "TRYGG",
                                      "DAGV", "KORTTID", "KORTMAN"]


@pytest.mark.parametrize("code", ["", "0000"])
def test_without_a_kommunkod_no_sol_files_and_it_says_why(tmp_path, code):
    cfg = tmp_path / "vos.toml"
    cfg.write_text(f'[statistics]\nkommunkod = "{code}"\n', encoding="utf-8")
    res = runner.invoke(app, ["statistics", "-i", str(SAMPLE), "-o", str(tmp_path / "out"), "-m", "2026-03",
                              "--config", str(cfg)])
    assert res.exit_code == 0, res.output  # the exit code stays as it is
    assert not list((tmp_path / "out").glob("SOL*")) and "kommunkod saknas" in res.output
    about = " ".join(str(c) for c in cells(tmp_path / "out" / "statistik_2026-03.xlsx") if isinstance(c, str))
    assert "SOL-filerna till Filip skrevs inte" in about


def test_a_bad_kommunkod_is_a_config_error(tmp_path):
    cfg = tmp_path / "vos.toml"
    cfg.write_text('[statistics]\nkommunkod = "127"\n', encoding="utf-8")
    res = runner.invoke(app, ["statistics", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03", "--config",
                              str(cfg)])
    assert res.exit_code == 2 and "fyra siffror" in res.output


def test_an_empty_bilaga_writes_no_file_and_says_mark_it_in_filip(tmp_path, write_csv):
    folder = tmp_path / "in"
    write_csv("beslut", ["Beslut-ID", "Personnummer", "Insats", "Beslutsdatum", "Fr.o.m."],
              [["B1", P, "Hemtjänst", "2025-12-01", "2025-12-01"]], folder=folder)
    write_csv("bestallningar", ["Beställnings-ID", "Beslut-ID", "Personnummer", "Insats", "Utförare", "Omfattning",
                                "Skickad", "Startdatum", "Verkställighetsdatum"],
              [["O1", "B1", P, "Hemtjänst", "U", "10", "2025-12-01 10:00", "2025-12-01", "2025-12-05"]], folder=folder)
    cfg = tmp_path / "vos.toml"
    cfg.write_text('[statistics]\nkommunkod = "0127"\n', encoding="utf-8")
    res = runner.invoke(app, ["statistics", "-i", str(folder), "-o", str(tmp_path / "out"), "-m", "2026-03",
                              "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "SOL1_0127_202603.txt").exists()
    assert not (tmp_path / "out" / "SOL2_0127_202603.txt").exists()  # nothing started or ended in March
    assert "Inget att rapportera — markera det i Filip" in res.output


def test_lss_statistics_on_1_october(tmp_path, write_csv):
    folder = tmp_path / "in"
    write_csv("beslut", ["Beslut-ID", "Personnummer", "Insats", "Lagrum", "Beslutsdatum", "Fr.o.m.", "Avslutsdatum",
                         "Personkrets"],
              [["B1", P, "Korttidsvistelse LSS", "", "2026-01-10", "2026-01-10", "", "1"],
               ["B2", M, "Daglig verksamhet", "LSS 9 § 10", "2026-01-10", "2026-01-10", "", "2"],
               ["B3", pnr(1950, 1, 1), "Korttidsvistelse LSS", "", "2026-01-10", "2026-01-10", "2026-09-30", ""],
               ["B4", pnr(1951, 1, 1), "Hemtjänst", "", "2026-01-10", "2026-01-10", "", ""]], folder=folder)
    write_csv("bestallningar", ["Beställnings-ID", "Beslut-ID", "Personnummer", "Insats", "Utförare", "Omfattning",
                                "Skickad", "Startdatum", "Verkställighetsdatum"],
              [[f"O{i}", f"B{i}", p, ins, "U", "10", "2026-01-11 10:00", "2026-01-12", "2026-01-12"]
               for i, p, ins in ((1, P, "Korttidsvistelse LSS"), (2, M, "Daglig verksamhet"),
                                 (3, pnr(1950, 1, 1), "Korttidsvistelse LSS"), (4, pnr(1951, 1, 1), "Hemtjänst"))],
              folder=folder)
    res = runner.invoke(app, ["lss-statistics", "-i", str(folder), "-o", str(tmp_path / "out"), "--as-of", "2026-10-01"])
    assert res.exit_code == 0, res.output
    per = sheet(tmp_path / "out" / "lss_statistik_2026.xlsx", "Per person").set_index("Brukarnas personnummer")
    assert set(per.index) == {P, M}  # B3 ended the day before, B4 is no LSS
    assert per.loc[P, "Korttidsvistelse 9 § 6"] == 1 and per.loc[M, "Daglig verksamhet 9 § 10"] == 1
    assert per.loc[P, "Personkrets"] == "1"
    lines = (tmp_path / "out" / "lss_statistik_2026.txt").read_bytes().decode("utf-8").split("\r\n")
    assert len(lines) == 3 and lines[0].split(";")[0] in (P.replace("-", ""), M.replace("-", ""))
    assert len(lines[0].split(";")) == 12
