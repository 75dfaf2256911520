import math

import pytest

from budgetsim.money import AmountError, format_amount, parse_amount


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
        ("50美元", "expected an amount"),
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
