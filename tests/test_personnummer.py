import datetime as dt

import pandas as pd
import pytest

from vos_cli import personnummer as p

REF = dt.date(2026, 3, 31)


def parse_one(value: str, ref: dt.date = REF):
    norm, why = p.parse(pd.Series([value]), ref)
    return (None if pd.isna(norm[0]) else norm[0]), (None if pd.isna(why[0]) else why[0])


@pytest.mark.parametrize("form", ["19121212-1212", "191212121212", "121212+1212"])
def test_every_accepted_form_normalises_to_twelve_digits(form):
    assert parse_one(form) == ("19121212-1212", None)


def test_ten_digits_without_plus_is_under_one_hundred():
    assert parse_one("121212-1212") == ("20121212-1212", None)
    assert parse_one("1212121212") == ("20121212-1212", None)


def test_century_follows_the_reference_date_not_today():
    # born 26 March: on 2026-03-31 a 10-digit 260326 is this year, on 2026-03-01 it is 1926
    number = p.make(dt.date(1926, 3, 26), 5, "Man")[2:]
    assert parse_one(number, dt.date(2026, 3, 31))[0].startswith("2026")
    assert parse_one(number, dt.date(2026, 3, 1))[0].startswith("1926")


def test_samordningsnummer_is_valid_and_keeps_day_plus_sixty():
    number = p.make(dt.date(1950, 4, 7), 3, "Man", samordning=True)
    assert number[6:8] == "67"
    norm, why = parse_one(number)
    assert norm == number and why is None
    assert p.birth_year(pd.Series([norm]))[0] == 1950
    assert p.birth_date(pd.Series([norm]))[0] == pd.Timestamp("1950-04-07")


@pytest.mark.parametrize("value,reason", [
    ("19121212-1213", p.REASON_CHECK),
    ("19450230-1234", p.REASON_DATE),
    ("1945-03-12", p.REASON_FORMAT),
    ("abc", p.REASON_FORMAT),
])
def test_rejections_name_the_reason(value, reason):
    assert parse_one(value) == (None, reason)


def test_every_wrong_check_digit_is_rejected():
    good = p.make(dt.date(1945, 3, 12), 45, "Kvinna")
    for d in "0123456789":
        if d != good[-1]:
            assert parse_one(good[:-1] + d)[1] == p.REASON_CHECK


def test_sex_from_ninth_digit():
    man, woman = p.make(dt.date(1940, 1, 1), 1, "Man"), p.make(dt.date(1940, 1, 1), 1, "Kvinna")
    assert list(p.sex(pd.Series([man, woman]))) == ["Man", "Kvinna"]
    # the well-known test number 121212-1212: ninth digit 1 → man
    assert p.sex(pd.Series(["19121212-1212"]))[0] == "Man"


def test_mask_hides_last_four_digits_in_any_text():
    assert p.mask("fel i 19450312-1234 och 194503121234, 450312+1234") == \
        "fel i 19450312-XXXX och 19450312-XXXX, 450312+XXXX"


def test_mask_leaves_amounts_and_other_numbers_alone():
    assert p.mask("Totalt 2929212345.0 kr") == "Totalt 2929212345.0 kr"
    assert p.mask("summa 1202151234,50") == "summa 1202151234,50"
    assert p.mask("id 99999999999999") == "id 99999999999999"
    assert p.mask("sha 3a4512121212ff") == "sha 3a4512121212ff"
    assert p.mask("B010000106") == "B010000106"
    assert p.mask("(19121212-1212)") == "(19121212-XXXX)"
    assert p.mask("samordning 19500767-1234") == "samordning 19500767-XXXX"


def test_mask_strings_keeps_json_numbers():
    import json
    data = {"totalt": 2929212345.0, "fel": "rad 3: 19121212-1212", "lista": ["121212-1212", 7]}
    out = p.mask_strings(data)
    assert out == {"totalt": 2929212345.0, "fel": "rad 3: 19121212-XXXX", "lista": ["121212-XXXX", 7]}
    json.loads(json.dumps(out))
