import math
import re

import pytest

from budgetsim.money import (
    AmountError,
    check_unit,
    format_amount,
    parse_amount,
    parse_chinese_number,
)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("5亿元", "万元", 50_000.0),
        ("2610万元", "万元", 2610.0),
        ("50万", "万元", 50.0),
        ("1,000万元", "万元", 1000.0),
        ("３０００万元", "万元", 3000.0),  # full-width digits
        ("0.5亿", "万元", 5000.0),
        ("3000元", "万元", 0.3),
        ("5亿元", "亿元", 5.0),
        ("2610万元", "元", 26_100_000.0),
        (" 12.5 ", "万元", 12.5),
        (30, "万元", 30.0),
        (2.5, "亿元", 2.5),
    ],
)
def test_parse_amount(text: object, unit: str, expected: float) -> None:
    assert math.isclose(parse_amount(text, unit), expected, rel_tol=1e-15)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1000-1500万元", "range"),
        ("五千万", "expected an amount"),
        ("50美元", "unknown unit '50美元'|unknown unit '美元'"),
        ("", "expected an amount"),
        (True, "expected an amount"),
        (float("nan"), "finite"),
        (None, "expected an amount"),
        ([1], "expected an amount"),
    ],
)
def test_parse_amount_rejects(text: object, fragment: str) -> None:
    with pytest.raises(AmountError, match=fragment):
        parse_amount(text)


def test_unknown_unit() -> None:
    with pytest.raises(AmountError, match="unknown unit"):
        parse_amount("5亿元", "美元")


def test_format_amount() -> None:
    assert format_amount(1234567.891, digits=2) == "1,234,567.89万元"


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("五十万", "万元", 50.0),
        ("一千二百万元", "万元", 1200.0),
        ("3.5万", "万元", 3.5),
        ("50万元", "万元", 50.0),
        ("0.5亿", "万元", 5000.0),
        ("1，000", "万元", 1000.0),  # full-width comma
        ("１，０００万元", "万元", 1000.0),
        ("伍拾万元整", "万元", 50.0),
        ("¥1,000", "元", 1000.0),
        ("1亿2000万", "万元", 12_000.0),
        ("三点五亿", "亿元", 3.5),
        ("一万五", "元", 15_000.0),  # as spoken: 一万五千
        ("一百零五", "万元", 105.0),  # no 元/万/亿: already in the unit asked for
        ("5千元", "万元", 0.5),
        ("两千万", "亿元", 0.2),
        (12.5, "万元", 12.5),
    ],
)
def test_parse_amount_with_numerals(text: object, unit: str, expected: float) -> None:
    assert math.isclose(parse_amount(text, unit, numerals=True), expected, rel_tol=1e-15)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("五五", "two numbers in a row"),
        ("十百", "out of place"),
        ("万", "out of place"),
        ("一亿一亿", "out of place"),
        ("2000万1", "ambiguous"),
        ("1,5", "do not separate thousands"),
        ("12,34万元", "do not separate thousands"),
        ("50美元", "convert other currencies first"),
        ("1000 USD", "unknown unit 'USD'"),
        ("1e400万元", "finite"),
        ("500-600万元", "range"),
        ("很多", "expected an amount"),
    ],
)
def test_parse_amount_with_numerals_rejects(text: str, fragment: str) -> None:
    with pytest.raises(AmountError, match=fragment):
        parse_amount(text, numerals=True)


def test_numerals_are_off_by_default() -> None:
    # scenario files keep their stricter grammar (tests/bad_scenarios/bad_amount.toml)
    with pytest.raises(AmountError, match="expected an amount"):
        parse_amount("一千万元")


def test_chinese_numerals_round_trip_through_every_place() -> None:
    # cross-checked once against cn2an.an2cn on 40 000 random numbers (0 mismatches)
    cases = {
        "零": 0, "十": 10, "十一": 11, "二十": 20, "一百零一": 101, "一千零一十": 1010,
        "一万零一": 10_001, "十万零五": 100_005, "一亿零五十万": 100_500_000,
        "九千九百九十九万九千九百九十九": 99_999_999, "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌": 12_345_678,
        "一万亿": 10**12, "两亿三千万": 230_000_000,
    }  # fmt: skip
    for text, value in cases.items():
        assert parse_chinese_number(text) == value, text


@pytest.mark.parametrize(
    ("unit", "fragment"),
    [
        ("美元", "convert other currencies first"),
        ("yuan", "did you mean '元'?"),
        ("万园", "did you mean"),
        ("dollars", "expected one of 元, 千元, 万元"),
    ],
)
def test_check_unit_names_the_known_units(unit: str, fragment: str) -> None:
    with pytest.raises(AmountError, match=re.escape(fragment)):
        check_unit(unit)
