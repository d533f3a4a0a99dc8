"""The fee administrator's invoice basis: every krona explained, and a file the finance system imports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import SAMPLE, frame, pnr
from tests.test_reliability import FUZZ
from vos_cli.cli import app
from vos_cli.io.contract import Col
from vos_cli.rules import endings, execution
from vos_cli.rules import fees as rule

runner = CliRunner()
MARCH = (pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
T = rule.Tariffs(maxtaxa=2660, timtaxa=435, trygghetslarm=310, maltid=65, matlada=78, dagverksamhet_per_dag=50)


def sheet(path: Path, name: str) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    df = pd.DataFrame(rows[1:], columns=rows[0])
    return df[df.iloc[:, 0] != "Summa"].reset_index(drop=True) if len(df) else df


# ---- every krona explained ------------------------------------------------------------------


@st.composite
def months(draw):
    people = [pnr(1930 + i, 1 + i % 12, 1 + i, i, "Kvinna" if i % 2 else "Man") for i in range(draw(st.integers(1, 5)))]
    orders, visits, meals, utrymme = [], [], [], []
    for i, p in enumerate(people):
        for insats in draw(st.sets(st.sampled_from(["Hemtjänst", "Trygghetslarm", "Dagverksamhet"]), min_size=1)):
            start = dt.date(2026, 2, 1) + dt.timedelta(days=draw(st.integers(0, 55)))
            o = {Col.BESTALLNING_ID: f"O{i}{insats[:2]}", Col.BESLUT_ID: f"B{i}", Col.PNR: p, Col.INSATS: insats,
                 Col.UTFORARE: "Norr", Col.OMFATTNING: str(draw(st.integers(1, 60))), Col.SKICKAD: f"{start} 09:00",
                 Col.STARTDATUM: str(start), Col.VERKSTALLIGHETSDATUM: str(start)}
            if draw(st.booleans()):
                o[Col.SLUTDATUM] = str(start + dt.timedelta(days=draw(st.integers(0, 40))))
            orders.append(o)
            if insats != "Trygghetslarm":
                for _ in range(draw(st.integers(0, 12))):
                    day = dt.date(2026, 3, 1) + dt.timedelta(days=draw(st.integers(0, 30)))
                    visits.append({Col.PNR: p, Col.UTFORARE: "Norr", Col.DATUM: str(day), Col.INSATS: insats,
                                   Col.MINUTER: str(draw(st.integers(1, 300))) if insats == "Hemtjänst" else ""})
        for typ in draw(st.sets(st.sampled_from(["Måltid", "Matlåda"]))):
            meals.append({Col.PNR: p, Col.UTFORARE: "Mat", Col.MANAD: "2026-03", Col.TYP: typ,
                          Col.ANTAL: str(draw(st.integers(0, 40)))})
        if draw(st.booleans()):
            utrymme.append({Col.PNR: p, Col.AVGIFTSUTRYMME: str(draw(st.integers(-2000, 6000)) / 4)})
    options = rule.Options(hours=draw(st.sampled_from(["utford_hogst_beviljad", "utford", "beviljad"])),
                           alarm=draw(st.sampled_from(["manad", "dag"])),
                           hour_rounding=draw(st.sampled_from(["manad", "besok"])),
                           total_rounding=draw(st.sampled_from(["ore", "krona"])))
    return orders, visits, meals, utrymme, options


def compute(orders, visits, meals, utrymme, options):
    o = frame("bestallningar", orders)
    v = frame("besok", visits) if visits else frame("besok", [{Col.PNR: pnr(1920, 1, 1), Col.UTFORARE: "x",
                                                               Col.DATUM: "2020-01-01", Col.MINUTER: "1"}])
    ex = execution.execution_dates(o, v, MARCH[0])
    ends, _ = endings.end_dates(o, v)
    billing = rule.billing_orders(ex, endings.adjusted_end_for(ex, ends))
    return rule.basis(billing, v, frame("maltider", meals), frame("avgiftsutrymme", utrymme), *MARCH, T, options)


@FUZZ
@given(months())
def test_the_article_lines_sum_to_the_amount_to_invoice_for_every_client(case):
    fees = compute(*case)
    lines = fees.articles.groupby(Col.PNR)[Col.BELOPP].sum().mul(100).round().astype("int64")
    to_invoice = fees.basis.set_index(Col.PNR)[Col.ATT_FAKTURERA].mul(100).round().astype("int64")
    assert lines.reindex(to_invoice.index, fill_value=0).to_dict() == to_invoice.to_dict()
    b = fees.basis
    parts = (b[Col.HEMTJANST_KR] + b[Col.TRYGGHETSLARM_KR] + b[Col.DAGVERKSAMHET_KR]).mul(100).round()
    assert (parts == b[Col.AVGIFT_FORE_TAK].mul(100).round()).all()
    assert (b[Col.OMSORGSAVGIFT] <= b[Col.AVGIFTSTAK] + 1e-9).all() and (b[Col.OMSORGSAVGIFT] >= 0).all()
    assert (b[Col.MATKOSTNAD] == b[Col.MALTIDER_KR] + b[Col.MATLADOR_KR]).all()
    if case[4].total_rounding == "krona":
        assert (b[Col.ATT_FAKTURERA] == b[Col.ATT_FAKTURERA].round()).all()
    assert b[Col.BERAKNING].str.contains("att fakturera").all()


def test_the_calculation_in_words():
    p = pnr(1940, 2, 3)
    orders = [{Col.BESTALLNING_ID: "O1", Col.BESLUT_ID: "B1", Col.PNR: p, Col.INSATS: "Hemtjänst", Col.UTFORARE: "Norr",
               Col.OMFATTNING: "20", Col.SKICKAD: "2026-01-02 09:00", Col.STARTDATUM: "2026-01-05",
               Col.VERKSTALLIGHETSDATUM: "2026-01-05"},
              {Col.BESTALLNING_ID: "O2", Col.BESLUT_ID: "B2", Col.PNR: p, Col.INSATS: "Trygghetslarm",
               Col.UTFORARE: "Larm", Col.SKICKAD: "2026-01-02 09:00", Col.STARTDATUM: "2026-01-05",
               Col.VERKSTALLIGHETSDATUM: "2026-01-05"}]
    visits = [{Col.PNR: p, Col.UTFORARE: "Norr", Col.DATUM: f"2026-03-{d:02d}", Col.MINUTER: "75",
               Col.INSATS: "Hemtjänst"} for d in range(1, 11)]  # 12.5 h
    fees = compute(orders, visits, [{Col.PNR: p, Col.UTFORARE: "Mat", Col.MANAD: "2026-03", Col.TYP: "Matlåda",
                                     Col.ANTAL: "20"}], [{Col.PNR: p, Col.AVGIFTSUTRYMME: "1200"}], rule.Options())
    text = fees.basis.set_index(Col.PNR).loc[p, Col.BERAKNING].replace("\u00a0", " ")
    assert text == ("12,50 tim × 435 kr = 5 437,50 kr; trygghetslarm 310 kr; summa 5 747,50 kr, begränsad till "
                    "avgiftsutrymmet 1 200 kr; matlådor 20 × 78 kr = 1 560 kr utanför taket; att fakturera 2 760 kr")
    arts = fees.articles.set_index(Col.ARTIKEL)
    assert arts.loc["Reducering till avgiftstak", Col.BELOPP] == -4547.5
    assert arts[Col.BELOPP].sum() == 2760.0


def test_alarm_per_day_and_whole_krona_rounding():
    p = pnr(1940, 2, 3)
    larm = [{Col.BESTALLNING_ID: "O2", Col.BESLUT_ID: "B2", Col.PNR: p, Col.INSATS: "Trygghetslarm", Col.UTFORARE: "L",
             Col.SKICKAD: "2026-03-10 09:00", Col.STARTDATUM: "2026-03-20", Col.VERKSTALLIGHETSDATUM: "2026-03-20"}]
    fees = compute(larm, [], [], [], rule.Options(alarm="dag", total_rounding="krona"))
    row = fees.basis.set_index(Col.PNR).loc[p]
    # 12 days (20–31 March) × round(310 / 31, 2) = 12 × 10.00
    assert row[Col.TRYGGHETSLARM_KR] == 120.0 and "12 dagar × 10,00 kr" in row[Col.BERAKNING]
    fees = compute(larm, [], [], [], rule.Options(alarm="manad"))
    assert fees.basis.set_index(Col.PNR).loc[p, Col.TRYGGHETSLARM_KR] == 310.0  # per started month
    odd = [{Col.PNR: p, Col.UTFORARE: "Mat", Col.MANAD: "2026-03", Col.TYP: "Måltid", Col.ANTAL: "3"}]
    t = rule.Tariffs(maxtaxa=2660, timtaxa=435, trygghetslarm=310, maltid=64.35, matlada=78, dagverksamhet_per_dag=50)
    o = frame("bestallningar", larm)
    ex = execution.execution_dates(o, frame("besok", []), None)
    billing = rule.billing_orders(ex, endings.adjusted_end_for(ex, endings.end_dates(o, frame("besok", []))[0]))
    f = rule.basis(billing, frame("besok", []), frame("maltider", odd), frame("avgiftsutrymme", []), *MARCH, t,
                   rule.Options(total_rounding="krona"))
    lines = f.articles.set_index(Col.ARTIKEL)[Col.BELOPP]
    assert lines["Måltider"] == 193.05 and lines["Öresavrundning"] == -0.05 and lines.sum() == 503.0


# ---- the invoice file ------------------------------------------------------------------------


def run_month(inp: Path, out: Path, *extra: str):
    res = runner.invoke(app, ["run", "-i", str(inp), "-o", str(out), "-m", "2026-03", "-q", *extra])
    assert res.exit_code in (0, 1), res.output
    return out / "2026-03"


def test_the_default_invoice_file_reads_back_and_sums_to_the_fee_basis(tmp_path):
    month = run_month(SAMPLE, tmp_path)
    data = (month / "fakturaunderlag_2026-03.csv").read_bytes()
    assert data.startswith("Personnummer;Period;Artikel;Antal;À-pris;Belopp\r\n".encode())
    f = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", dtype={"Personnummer": str, "Period": str})
    basis = sheet(month / "avgiftsunderlag_2026-03.xlsx", "Avgiftsunderlag")
    assert round(f["Belopp"].sum(), 2) == round(basis["Att fakturera (kr)"].sum(), 2)
    assert set(f["Period"]) == {"2026-03"} and set(f["Personnummer"]) <= set(basis["Personnummer"])
    per = f.groupby("Personnummer")["Belopp"].sum().round(2)
    assert per.to_dict() == basis.set_index("Personnummer")["Att fakturera (kr)"][lambda s: s != 0].round(2).to_dict()
    control = (month / "fakturaunderlag_2026-03_kontroll.txt").read_text(encoding="utf-8")
    assert "Batch: VOS-202603-01" in control and f"Rader: {len(f)}" in control
    assert "Artikel" not in control.split("Rader:")[0]  # the CSV holds lines only; the control file the totals


def test_the_municipalitys_own_layout(tmp_path):
    cfg = tmp_path / "vos.toml"
    cfg.write_text("""
[tariffs.2026]
timtaxa = 435
trygghetslarm = 310
maltid = 65
matlada = 78
dagverksamhet_per_dag = 50

[rates.2026]
timersattning = 490
matlada = 70

[invoice]
columns = ["Artikelkod", "Personnummer", "Period", "Belopp", "Batch", "Text"]
headers = {Personnummer = "Kundnr", Belopp = "Summa"}
article_codes = {"Hemtjänst" = "1010", "Trygghetslarm" = "1020", "Reducering till avgiftstak" = "1090"}
separator = ","
decimal = "."
encoding = "cp1252"
period_format = "%Y%m"
header = false
""", encoding="utf-8")
    month = run_month(SAMPLE, tmp_path / "out", "--config", str(cfg))
    raw = (month / "fakturaunderlag_2026-03.csv").read_bytes()
    raw.decode("cp1252")
    f = pd.read_csv(io.BytesIO(raw), sep=",", decimal=".", header=None, encoding="cp1252",
                    names=["Kod", "Kundnr", "Period", "Summa", "Batch", "Text"], dtype={"Kod": str, "Period": str})
    basis = sheet(month / "avgiftsunderlag_2026-03.xlsx", "Avgiftsunderlag")
    assert round(f["Summa"].sum(), 2) == round(basis["Att fakturera (kr)"].sum(), 2)
    assert set(f["Period"]) == {"202603"} and set(f["Batch"]) == {"VOS-202603-01"}
    assert {"1010", "1090"} <= set(f["Kod"]) and "Matlådor" in set(f["Kod"])  # no code given: the name


def test_a_rerun_gives_a_byte_identical_invoice_file(tmp_path):
    a = run_month(SAMPLE, tmp_path / "a")
    b = run_month(SAMPLE, tmp_path / "b")
    for name in ("fakturaunderlag_2026-03.csv", "fakturaunderlag_2026-03_kontroll.txt"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    again = run_month(SAMPLE, tmp_path / "a")  # the same month again, the same ledger: the same batch
    assert (again / "fakturaunderlag_2026-03.csv").read_bytes() == (b / "fakturaunderlag_2026-03.csv").read_bytes()


def test_after_mark_sent_a_changed_month_gives_correction_lines_only(tmp_path):
    inp = tmp_path / "in"
    shutil.copytree(SAMPLE, inp)
    out = tmp_path / "out"
    first = run_month(inp, out)
    full = pd.read_csv(first / "fakturaunderlag_2026-03.csv", sep=";", decimal=",", dtype=str)
    res = runner.invoke(app, ["invoice", "-o", str(out), "--mark-sent", "2026-03"])
    assert res.exit_code == 0 and "VOS-202603-01" in res.output
    # an unchanged re-run after sending: nothing new, never a second full batch
    unchanged = run_month(inp, out)
    assert (unchanged / "fakturaunderlag_2026-03.csv").read_text(encoding="utf-8").strip().count("\n") == 0
    assert "inget nytt att fakturera" in (unchanged / "fakturaunderlag_2026-03_kontroll.txt").read_text(encoding="utf-8")
    # a late visit for one client under her granted time and the cap
    basis = sheet(first / "avgiftsunderlag_2026-03.xlsx", "Avgiftsunderlag")
    client = basis[(basis["Begränsad av"].isna() | (basis["Begränsad av"] == "")) & (basis["Debiterad tid hemtjänst (tim)"] > 0)
                   & (basis["Utförd tid hemtjänst (tim)"] == basis["Debiterad tid hemtjänst (tim)"])]["Personnummer"]
    orders = list(csv.reader((inp / "bestallningar.csv").read_text(encoding="utf-8").splitlines(), delimiter=";"))
    head = orders[0]
    chosen = next(o for o in orders[1:] if o[2] in set(client) and o[3] == "Hemtjänst"
                  and float(o[head.index("Omfattning")].replace(",", ".")) > 4 + basis.set_index("Personnummer").loc[o[2], "Utförd tid hemtjänst (tim)"])
    with open(inp / "besok.csv", "a", encoding="utf-8") as f:
        f.write(f"{chosen[2]};{chosen[4]};2026-03-15;30;Hemtjänst\n")
    changed = run_month(inp, out)
    lines = pd.read_csv(changed / "fakturaunderlag_2026-03.csv", sep=";", decimal=",", dtype=str)
    assert len(lines) >= 1 and set(lines["Personnummer"]) == {chosen[2]} and len(lines) < len(full)
    assert float(lines["Belopp"].str.replace(",", ".").astype(float).sum()) == pytest.approx(217.5)  # 0.5 h × 435
    control = (changed / "fakturaunderlag_2026-03_kontroll.txt").read_text(encoding="utf-8")
    assert "Batch: VOS-202603-02" in control and "efter den skickade batchen VOS-202603-01" in control
    again = run_month(inp, out)  # not yet sent: the same correction batch again
    assert (again / "fakturaunderlag_2026-03.csv").read_bytes() == (changed / "fakturaunderlag_2026-03.csv").read_bytes()
    listing = runner.invoke(app, ["invoice", "-o", str(out)])
    assert "VOS-202603-01" in listing.output and "VOS-202603-02" in listing.output


def test_marking_twice_or_without_a_run_is_a_clear_error(tmp_path):
    run_month(SAMPLE, tmp_path)
    assert runner.invoke(app, ["invoice", "-o", str(tmp_path), "--mark-sent", "2026-03"]).exit_code == 0
    res = runner.invoke(app, ["invoice", "-o", str(tmp_path), "--mark-sent", "2026-03"])
    assert res.exit_code == 2 and "redan markerad som skickad" in res.output
    res = runner.invoke(app, ["invoice", "-o", str(tmp_path), "--mark-sent", "2026-02"])
    assert res.exit_code == 2 and "vos run --month 2026-02" in res.output


def test_vos_fees_writes_the_invoice_file_too(tmp_path):
    res = runner.invoke(app, ["fees", "-i", str(SAMPLE), "-o", str(tmp_path), "-m", "2026-03"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "fakturaunderlag_2026-03.csv").exists()
    assert "ingen liggare" in (tmp_path / "fakturaunderlag_2026-03_kontroll.txt").read_text(encoding="utf-8")


def test_rows_that_need_a_look_and_the_control_totals(tmp_path):
    inp = tmp_path / "in"  # without inkomster: some clients have no avgiftsutrymme at all
    shutil.copytree(SAMPLE, inp, ignore=shutil.ignore_patterns("inkomster.csv"))
    month = run_month(inp, tmp_path / "out")
    check = sheet(month / "avgiftsunderlag_2026-03.xlsx", "Att kontrollera")
    assert list(check.columns[:2]) == ["Personnummer", "Orsak"]
    reasons = " ".join(check["Orsak"])
    for fragment in ("Avgiftsutrymme saknas: taket är maxtaxan", "Utförd tid över beviljad", "Trygghetslarm startade",
                     "Ej verkställd beställning"):
        assert fragment in reasons, fragment
    basis = sheet(month / "avgiftsunderlag_2026-03.xlsx", "Avgiftsunderlag")
    no_u = basis[(basis["Avgiftsutrymme källa"] == rule.KALLA_SAKNAS) & (basis["Omsorgsavgift (kr)"] > 0)]
    assert set(no_u["Personnummer"]) <= set(check["Personnummer"])
    about = [str(r[1]) for r in openpyxl.load_workbook(month / "avgiftsunderlag_2026-03.xlsx")["Om rapporten"]
             .iter_rows(values_only=True) if r and r[0] == "Obs"]
    total = f"{basis['Att fakturera (kr)'].sum():,.2f}".replace(",", "\u00a0").replace(".", ",").replace(",00", "")
    assert any(f"{len(basis)} brukare" in n and total in n for n in about), about
    articles = sheet(month / "avgiftsunderlag_2026-03.xlsx", "Artiklar")
    assert list(articles.columns[:6]) == ["Personnummer", "Period", "Artikel", "Antal", "À-pris (kr)", "Belopp (kr)"]
    assert round(articles["Belopp (kr)"].sum(), 2) == round(basis["Att fakturera (kr)"].sum(), 2)


def test_the_fee_basis_columns_follow_the_contract(tmp_path):
    month = run_month(SAMPLE, tmp_path)
    cols = [c.value for c in openpyxl.load_workbook(month / "avgiftsunderlag_2026-03.xlsx")["Avgiftsunderlag"][1]]
    assert cols[:18] == ["Personnummer", "Utförd tid hemtjänst (tim)", "Dagverksamhet (dagar)", "Trygghetslarm",
                         "Måltider (st)", "Matlådor (st)", "Avgift före tak (kr)", "Avgiftstak (kr)", "Omsorgsavgift (kr)",
                         "Matkostnad (kr)", "Att fakturera (kr)", "Hemtjänst (kr)", "Trygghetslarm (kr)",
                         "Dagverksamhet (kr)", "Måltider (kr)", "Matlådor (kr)", "Avgiftsutrymme källa", "Beräkning"]
    names = openpyxl.load_workbook(month / "avgiftsunderlag_2026-03.xlsx", read_only=True).sheetnames
    order = ["Avgiftsunderlag", "Nya", "Avslutade", "Artiklar", "Att kontrollera", "Ej verkställda beställningar",
             "Förändringar", "Rättelser"]
    assert [n for n in names if n in order] == order


def test_amounts_and_counts_in_the_file_as_written_by_hand():
    from vos_cli.reports.invoice import _number
    values = pd.Series([12.5, 2.0, 0.5, 12.5, -310.0, 0.0, 5437.5, 0.04])
    assert _number(values, ",", False) == ["12,5", "2", "0,5", "12,5", "-310", "0", "5437,5", "0,04"]
    assert _number(values, ".", True) == ["12.50", "2.00", "0.50", "12.50", "-310.00", "0.00", "5437.50", "0.04"]
    assert _number(pd.Series([], dtype="float64"), ",", True) == []
    assert _number(pd.Series([0.0, -0.0]), ",", True) == ["0,00", "-0,00"]  # as Python writes each
