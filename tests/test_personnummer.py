import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

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
    # other scripts' digits are digits to Python's \d, but no Swedish system writes them
    ("١٩٤٥٠٣١٢-١٢٣٤", p.REASON_FORMAT),
    ("１９１２１２１２-１２１２", p.REASON_FORMAT),
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


def _by_hand(value: str, ref: dt.date) -> tuple[str | None, str | None, str | None]:
    """rules.md §9 for one text, written out with Python's dates: (normalised, reason, flag)."""
    m = re.fullmatch(r"([0-9]{2})?([0-9]{6})([-+]?)([0-9]{4})", re.sub(r"\s", "", value))
    if m is None:
        return None, p.REASON_FORMAT, None
    cc, ymd, sep, last = m.groups()
    yy, mm, dd = int(ymd[:2]), int(ymd[2:4]), int(ymd[4:6])
    day = dd - 60 if dd > 60 else dd
    flag = None
    if cc is not None:
        year = int(cc) * 100 + yy
    elif sep == "+":
        year = max(x for x in range(ref.year - 200, ref.year - 99) if x % 100 == yy)
    else:
        year = ref.year // 100 * 100 + yy
        try:
            future = dt.date(year, mm, day) > ref
        except ValueError:
            future = year > ref.year
        year -= 100 * future
        flag = "century" if sep == "" else ("plus" if ref.year - year == 100 else None)
    try:
        dt.date(year, mm, day)
    except ValueError:
        return None, p.REASON_DATE, None
    if int(p.check_digit(ymd + last[:3])) != int(last[3]):
        return None, p.REASON_CHECK, None
    return f"{year:04d}{ymd[2:]}-{last}", None, flag


_digit = st.sampled_from("0123456789")
_texts = st.one_of(
    # near a real number: a century or not, a separator or not, days of samordningsnummer and 29 Feb
    st.builds(lambda cc, yy, mm, dd, sep, last: f"{cc}{yy}{mm}{dd}{sep}{last}",
              st.sampled_from(["", "18", "19", "20"]), st.text(_digit, min_size=2, max_size=2),
              st.sampled_from(["01", "02", "03", "12", "13", "00"]),
              st.sampled_from(["01", "28", "29", "30", "31", "61", "89", "91", "00"]),
              st.sampled_from(["", "-", "+"]), st.text(_digit, min_size=4, max_size=4)),
    # made valid on purpose, so that a good share passes the check digit
    st.builds(lambda born, serial, sex, form: form(p.make(born, serial, sex)),
              # often a hundred years before the report's year: where the dash means 100 or more
              st.one_of(st.dates(dt.date(1924, 1, 1), dt.date(1929, 12, 31)),
                        st.dates(dt.date(1900, 1, 1), dt.date(2026, 12, 31))), st.integers(0, 99),
              st.sampled_from(["Man", "Kvinna"]),
              st.sampled_from([lambda n: n, lambda n: n[2:], lambda n: n.replace("-", ""),
                               lambda n: n[2:].replace("-", ""), lambda n: n[2:].replace("-", "+")])),
    # anything, other scripts' digits among it (١٩٤٥, full-width １９): never a personnummer
    st.text(st.sampled_from("0123456789-+ T١٩٤٥１９x"), max_size=14),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_texts, min_size=1, max_size=30), st.dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31)))
# the edges, always tried: born on the report's date (not in the future), and a dash form of
# someone who turns 100 in the report's year, after the report's date (read as 100: flagged)
@example([p.make(dt.date(2026, 3, 31), 4, "Man")[2:], p.make(dt.date(1926, 6, 1), 5, "Kvinna")[2:],
          p.make(dt.date(1926, 3, 31), 6, "Man")[2:]], dt.date(2026, 3, 31))
def test_parse_equals_the_rule_written_out_by_hand(values, ref):
    norm, why, flag = p.parse(pd.Series(values), ref, with_flags=True)
    got = [tuple(None if pd.isna(x) else x for x in row) for row in zip(norm, why, flag)]
    assert got == [_by_hand(v, ref) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.sampled_from("0123456789aT"), max_size=4)), max_size=20))
def test_digit_slices_read_as_pandas_reads_them(texts):
    s = pd.Series(texts, dtype="str", index=range(7, 7 + len(texts)))
    expected = pd.to_numeric(s, errors="coerce").astype("float64")
    pd.testing.assert_series_equal(p._number(s), expected, check_names=False)


def test_sex_and_birth_of_every_form_and_of_nothing():
    values = pd.Series([p.make(dt.date(1945, 3, 12), 7, "Man"), p.make(dt.date(2000, 2, 29), 8, "Kvinna"),
                        p.make(dt.date(1950, 4, 7), 3, "Kvinna", samordning=True), "19450312-T123", "19450312-T124",
                        None], dtype="str")
    assert p.sex(values).tolist()[:5] == ["Man", "Kvinna", "Kvinna", "Man", "Kvinna"]
    assert pd.isna(p.sex(values)[5])
    assert p.birth_year(values).tolist()[:5] == [1945, 2000, 1950, 1945, 1945] and pd.isna(p.birth_year(values)[5])
    assert p.birth_date(values).tolist()[:3] == [pd.Timestamp("1945-03-12"), pd.Timestamp("2000-02-29"),
                                                 pd.Timestamp("1950-04-07")]
    assert pd.isna(p.birth_date(values)[5])
