import datetime as dt
import hashlib

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import pnr
from vos_cli.config import Config, load
from vos_cli.errors import InputFileError
from vos_cli.io.contract import Col
from vos_cli.io.inputs import load_inputs
from vos_cli.io.readers import read_export

REF = dt.date(2026, 3, 31)
P1 = pnr(1945, 3, 12, 23, "Kvinna")
P2 = pnr(1938, 11, 30, 41, "Man")
HEADER = ["Personnummer", "Utförare", "Datum", "Minuter", "Insats"]


def visits(path, cfg=None):
    return read_export("besok", path, cfg or Config(), REF)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_every_encoding_and_separator(write_csv, encoding, sep):
    path = write_csv("besok", HEADER, [[P1, "Hemtjänst Söder", "2026-03-02", 30, "Hemtjänst"],
                                       [P2, "Hemtjänst Söder", "20260303", 45, ""]], sep=sep, encoding=encoding)
    r = visits(path)
    assert (r.read, r.used, r.n_rejected) == (2, 2, 0)
    assert list(r.df[Col.UTFORARE]) == ["Hemtjänst Söder"] * 2  # å/ö survive every encoding
    assert list(r.df[Col.DATUM]) == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-03")]
    assert list(r.df[Col.INSATS]) == ["Hemtjänst", "Hemtjänst"]  # default when empty
    assert list(r.df[Col.PNR]) == [P1, P2]
    assert r.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # hashed beside the parsing


def test_visit_keys_held_as_codes_also_over_two_files(write_csv, tmp_path):
    """The visit log's personnummer, provider and insats are coded (categorical) to save memory;
    two files have codes of their own, and joined they still read as the same texts."""
    a = write_csv("besok", HEADER, [[P1, " Hemtjänst Söder", "2026-03-02", 30, "hemtjänst"],
                                    [P2, "Hemtjänst Söder ", "2026-03-03", 45, ""]], folder=tmp_path / "a")
    b = write_csv("besok", HEADER, [[P2.replace("-", ""), "Dagverksamhet Ljuset", "2026-03-20", "", "Dagverksamhet"],
                                    [P1, "Hemtjänst Söder", "2026-03-21", 15, "Hemtjänst"]], folder=tmp_path / "b")
    r = read_export("besok", [a, b], Config(), REF)
    for col in (Col.PNR, Col.UTFORARE, Col.INSATS):
        assert isinstance(r.df[col].dtype, pd.CategoricalDtype), col
    assert list(r.df[Col.PNR].astype("str")) == [P1, P2, P2, P1]
    assert list(r.df[Col.UTFORARE].astype("str")) == ["Hemtjänst Söder"] * 2 + ["Dagverksamhet Ljuset",
                                                                                 "Hemtjänst Söder"]
    assert list(r.df[Col.INSATS].astype("str")) == ["Hemtjänst", "Hemtjänst", "Dagverksamhet", "Hemtjänst"]
    assert r.df[Col.UTFORARE].cat.categories.is_unique and len(r.df[Col.UTFORARE].cat.categories) == 2


def test_decimal_comma_and_thousands_space(write_csv):
    path = write_csv("beslut", ["Beslut-ID", "Personnummer", "Insats", "Beslutsdatum", "Fr.o.m.", "Omfattning"],
                     [["0012", P1, "Hemtjänst", "2026-01-05", "2026-01-10", "12,5"],
                      ["0013", P2, "Hemtjänst", "2026-01-05", "2026-01-10", "1\u00a0200"]])
    r = read_export("beslut", path, Config(), REF)
    assert list(r.df[Col.OMFATTNING]) == [12.5, 1200.0]
    assert list(r.df[Col.BESLUT_ID]) == ["0012", "0013"]  # leading zeros kept


def test_header_aliases_and_case_and_dots(write_csv):
    path = write_csv("franvaro", ["pnr", "UTFÖRARE", "From", "t o m", "typ"],
                     [[P1, "Norr", "2026-03-01", "2026-03-04", "Dag planerad frånvaro"],
                      [P1, "Norr", "2026-03-05", "2026-03-05", "Natt oplanerad frånvaro"]])
    r = read_export("franvaro", path, Config(), REF)
    assert r.used == 2
    assert list(r.df[Col.TYP]) == ["Planerad", "Oplanerad"]


def test_config_maps_unknown_headers(write_csv, tmp_path):
    cfg_file = tmp_path / "vos.toml"
    cfg_file.write_text('[aliases]\n"Kundnummer" = "Personnummer"\n[aliases.besok]\n"Utfört av" = "Utförare"\n',
                        encoding="utf-8")
    path = write_csv("besok", ["Kundnummer", "Utfört av", "Datum", "Minuter"], [[P1, "Norr", "2026-03-02", 30]])
    r = visits(path, load(cfg_file))
    assert r.used == 1 and r.df[Col.UTFORARE][0] == "Norr"


def test_missing_required_column_stops_with_file_and_fix(write_csv):
    path = write_csv("besok", ["Personnummer", "Datum"], [[P1, "2026-03-02"]])
    with pytest.raises(InputFileError) as exc:
        visits(path)
    msg = str(exc.value)
    assert "besok.csv" in msg and "'Utförare'" in msg and "--config" in msg


@pytest.mark.parametrize("column,value,reason", [
    ("Personnummer", "19121212-1213", "ogiltigt personnummer (kontrollsiffra)"),
    # full-width digits (a copy from another system's web page) are a format error, not a crash
    ("Personnummer", "１９１２１２１２-１２１２", "ogiltigt personnummer (format)"),
    ("Datum", "２０２６-０３-０２", "ogiltigt datum (använd ÅÅÅÅ-MM-DD)"),
    ("Minuter", "٣٠", "inte ett tal"),
    ("Datum", "2026-02-30", "ogiltigt datum (använd ÅÅÅÅ-MM-DD)"),
    ("Minuter", "-5", "negativt tal"),
    ("Minuter", "12,5", "inte ett heltal"),
    ("Minuter", "tio", "inte ett tal"),
    ("Utförare", "", "värde saknas"),
    ("Minuter", "", "värde saknas (krävs för Hemtjänst)"),
])
def test_each_rejection_reason_with_file_line_column_value(write_csv, column, value, reason):
    good = {"Personnummer": P1, "Utförare": "Norr", "Datum": "2026-03-02", "Minuter": "30", "Insats": "Hemtjänst"}
    bad = dict(good, **{column: value})
    path = write_csv("besok", HEADER, [list(good.values()), list(bad.values())])
    r = visits(path)
    assert (r.read, r.used, r.n_rejected) == (2, 1, 1)
    row = r.rejected.iloc[0]
    assert (row[Col.FIL], row[Col.RAD], row[Col.KOLUMN], row[Col.VARDE], row[Col.ORSAK]) == \
        ("besok.csv", 3, column, value, reason)


def test_duplicate_id_and_dates_in_wrong_order_and_unknown_typ(write_csv):
    b = write_csv("franvaro", ["Personnummer", "Utförare", "Fr.o.m.", "T.o.m.", "Typ"],
                  [[P1, "N", "2026-03-05", "2026-03-01", "Planerad"], [P1, "N", "2026-03-01", "2026-03-02", "Semester"]])
    r = read_export("franvaro", b, Config(), REF)
    assert set(r.rejected[Col.ORSAK].str[:12]) == {"T.o.m. före ", "okänt värde "}
    o = write_csv("enheter", ["Enhet", "Platser per dag"], [["Eken", 5], ["Eken", 6]])
    r = read_export("enheter", o, Config(), REF)
    assert r.rejected[Col.ORSAK].tolist() == ["dubblett av ID (första förekomsten på rad 2)"]


def test_blank_lines_are_ignored_and_line_numbers_stay_true(tmp_path):
    path = tmp_path / "besok.csv"
    path.write_text(f"{';'.join(HEADER)}\n\n{P1};N;2026-03-02;30;\n\n{P1};N;2026-13-02;30;\n", encoding="utf-8")
    r = visits(path)
    assert (r.read, r.used, r.n_rejected) == (2, 1, 1)
    assert r.df["_rad"].tolist() == [3] and r.rejected[Col.RAD].tolist() == [5]


def test_read_equals_used_plus_rejected_on_sample():
    from tests.conftest import SAMPLE
    inputs = load_inputs(SAMPLE, Config(), REF, ("beslut", "bestallningar", "besok"), ("franvaro", "maltider"))
    for r in inputs.files():
        assert r.read == r.used + r.n_rejected and r.read > 0


def test_xlsx_with_real_date_cells_numeric_pnr_and_text_zeros(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Beställnings-ID", "Beslut-ID", "Personnummer", "Insats", "Utförare", "Omfattning",
               "Skickad", "Startdatum", "Verkställighetsdatum"])
    ws.append(["007", "0042", int(P1.replace("-", "")), "Hemtjänst", "Norr", 20.5,
               dt.datetime(2026, 3, 2, 9, 30), dt.datetime(2026, 3, 5), dt.date(2026, 3, 6)])
    ws.append([None] * 9)
    ws.append(["008", "0043", P2, "hemtjänst", "Norr", "10", "2026-03-02 17:15", "20260305", None])
    path = tmp_path / "bestallningar.xlsx"
    wb.save(path)
    r = read_export("bestallningar", path, Config(), REF)
    assert (r.read, r.used) == (2, 2)
    df = r.df
    assert df[Col.BESTALLNING_ID].tolist() == ["007", "008"]
    assert df[Col.PNR].tolist() == [P1, P2]
    assert df[Col.SKICKAD].tolist() == [pd.Timestamp("2026-03-02 09:30"), pd.Timestamp("2026-03-02 17:15")]
    assert df[Col.STARTDATUM].tolist() == [pd.Timestamp("2026-03-05")] * 2
    assert df[Col.INSATS].tolist() == ["Hemtjänst", "Hemtjänst"]
    assert df["_rad"].tolist() == [2, 4]


@pytest.mark.parametrize("content,fragment", [
    (b"\x00\x01\x02garbage", "binära data"),
    (b"", "tom"),
    (b"Personnummer;Utf\xf6rare;Datum\n\x81\x8d\n", "teckenkodning"),
])
def test_unreadable_files_give_one_clear_error(tmp_path, content, fragment):
    path = tmp_path / "besok.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=fragment):
        visits(path)


def test_broken_xlsx_is_a_clear_error(tmp_path):
    path = tmp_path / "besok.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputFileError, match="Excel"):
        visits(path)


def test_an_absent_optional_column_takes_its_default(write_csv):
    path = write_csv("besok", ["Personnummer", "Utförare", "Datum", "Minuter"], [[P1, "Norr", "2026-03-02", 30]])
    assert visits(path).df[Col.INSATS].tolist() == ["Hemtjänst"]
    path = write_csv("beslut", ["Beslut-ID", "Personnummer", "Insats", "Beslutsdatum", "Fr.o.m."],
                     [["1", P1, "Hemtjänst", "2026-01-05", "2026-01-10"]])
    assert read_export("beslut", path, Config(), REF).df[Col.UTFALL].tolist() == ["Bifall"]


def test_fast_pyarrow_path_and_careful_path_read_the_same(tmp_path, monkeypatch):
    from vos_cli.io import readers
    rows = [[P1, "Hemtjänst Söder", "2026-03-02", "30", "Hemtjänst"], [P2, '"Norr; Öst"', "20260303", "1 200", ""],
            [P1, "=1+1", "2026-03-04", "15", "dagverksamhet"], ["0012", "x", "2026-02-30", "-1", ""]]
    text = "Personnummer;Utförare;Datum;Minuter;Insats\n" + "\n".join(";".join(r) for r in rows) + "\n"
    path = tmp_path / "besok.csv"
    arrow_read = readers._read_csv_arrow
    for enc in ("utf-8", "cp1252"):
        # blank lines (also at the end) stay rows of the fast path: dropped as blank, line numbers true
        for body_text in (text, text.replace(";Hemtjänst\n", ";Hemtjänst\n\n", 1) + "\r\n"):
            path.write_bytes(body_text.encode(enc))
            arrow_enc = "utf8" if enc == "utf-8" else enc
            assert arrow_read(path.read_bytes().split(b"\n", 1)[1], arrow_enc, ";", HEADER, 2) is not None
            monkeypatch.setattr(readers, "_read_csv_arrow", arrow_read)
            a = visits(path)
            monkeypatch.setattr(readers, "_read_csv_arrow", lambda *args: None)  # the careful path
            b = visits(path)
            pd.testing.assert_frame_equal(a.df, b.df)
            assert a.rejected.values.tolist() == b.rejected.values.tolist()
            assert (a.read, a.used) == (b.read, b.used) == (4, 3)
            assert a.df["Utförare"].tolist()[1] == "Norr; Öst"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"a;b", b"", b"\r", b"\xc3\xa4;x"]), max_size=12).map(b"\n".join)
       | st.binary(max_size=80), st.integers(1, 40))
def test_the_csv_pieces_are_the_file_cut_after_line_breaks(body, size):
    from vos_cli.io import readers
    pieces = [bytes(p) for p in readers._pieces(memoryview(body), size)]
    assert b"".join(pieces) == body
    assert all(p.endswith(b"\n") for p in pieces[:-1]) and all(pieces)
    assert all(p.find(b"\n", size) == len(p) - 1 for p in pieces[:-1])  # the first break after `size` bytes


@pytest.mark.parametrize("piece", [1, 23, 64, 1 << 27])
def test_a_csv_read_in_pieces_reads_as_the_careful_path(tmp_path, monkeypatch, piece):
    """Every row and line number the same whether a piece ends after each line, mid-file or never:
    blank lines, CRLF, a quoted separator, no line break at the end, a quoted line break (the rows
    after it numbered by the line they are on)."""
    from vos_cli.io import readers
    rows = [[P1, "Hemtjänst Söder", "2026-03-02", "30", "Hemtjänst"], [P2, '"Norr; Öst"', "20260303", "1 200", ""],
            [P1, "Väst", "2026-03-04", "15", "dagverksamhet"]] * 4
    text = "Personnummer;Utförare;Datum;Minuter;Insats\r\n" + "\r\n".join(";".join(r) for r in rows)
    text = text.replace("Hemtjänst\r\n", "Hemtjänst\r\n\r\n", 2)
    path = tmp_path / "besok.csv"
    arrow_read = readers._read_csv_arrow
    monkeypatch.setattr(readers, "CSV_PIECE", piece)
    for enc in ("utf-8", "cp1252"):
        path.write_bytes(text.encode(enc))
        a = visits(path)
        monkeypatch.setattr(readers, "_read_csv_arrow", lambda *args: None)  # the careful path
        b = visits(path)
        monkeypatch.setattr(readers, "_read_csv_arrow", arrow_read)
        pd.testing.assert_frame_equal(a.df, b.df)
        assert (a.read, a.used) == (b.read, b.used) == (12, 12)
        assert a.df["_rad"].tolist()[:5] == [2, 4, 5, 6, 8]
    for broken in ('"Norr\nÖst"', '"Norr\r\n\r\nÖst"'):
        path.write_bytes(text.replace('"Norr; Öst"', broken, 1).encode("utf-8"))
        a = visits(path)
        monkeypatch.setattr(readers, "_read_csv_arrow", lambda *args: None)
        b = visits(path)
        monkeypatch.setattr(readers, "_read_csv_arrow", arrow_read)
        pd.testing.assert_frame_equal(a.df, b.df)
        gap = broken.count("\n")
        assert a.df["_rad"].tolist()[:5] == [2, 4, 5 + gap, 6 + gap, 8 + gap]
        assert a.df[Col.UTFORARE].tolist()[1] == broken.strip('"')


def test_an_unreasonably_large_number_is_a_row_error(write_csv):
    path = write_csv("besok", HEADER, [[P1, "Norr", "2026-03-02", "9223372036854775808", ""]])
    r = visits(path)
    assert r.n_rejected == 1 and r.rejected[Col.ORSAK].tolist() == ["orimligt stort tal"]


def test_sample_is_deterministic_for_a_seed_and_reads_clean(tmp_path):
    from typer.testing import CliRunner

    from tests.conftest import SAMPLE
    from vos_cli.cli import app
    res = CliRunner().invoke(app, ["sample", "--clients", "200", "--month", "2026-03", "--seed", "1",
                                   "--output", str(tmp_path), "-q"])
    assert res.exit_code == 0
    for f in tmp_path.iterdir():
        assert f.read_bytes() == (SAMPLE / f.name).read_bytes(), f.name


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=32).map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_the_utf8_check_agrees_with_pythons_decoder(data):
    from vos_cli.io import readers
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert readers._is_utf8(data) is expected
    assert readers._is_utf8(memoryview(b"x" + data)[1:]) is expected


@pytest.mark.parametrize("data, expected", [
    (b"", True), ("Hemtjänst Söder".encode(), True), ("Hemtjänst".encode("cp1252"), False), (b"a\xc3", False),
    (b"\xed\xa0\x80", False), (b"\xf4\x90\x80\x80", False), (b"\xf0\x9f\x98\x80", True), (b"\xc0\xaf", False)])
def test_the_utf8_check_at_its_edges(data, expected):
    from vos_cli.io import readers
    assert readers._is_utf8(data) is expected
