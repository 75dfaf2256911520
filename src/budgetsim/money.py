"""Amounts of money with Chinese units: ``"5亿元"``, ``"2610万元"``, ``"50万"``, ``1000``.

Every amount in a scenario is converted once, on reading, to a float64 in the scenario's
unit (万元 unless the scenario says otherwise). A plain number is already in that unit.
"""

from __future__ import annotations

import math
import re
import unicodedata

__all__ = ["UNITS", "AmountError", "format_amount", "parse_amount", "parse_range", "unit_factor"]

#: Size of each unit in yuan.
UNITS: dict[str, float] = {
    "元": 1.0,
    "千元": 1e3,
    "万元": 1e4,
    "万": 1e4,
    "百万元": 1e6,
    "百万": 1e6,
    "亿元": 1e8,
    "亿": 1e8,
}

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_UNIT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
_AMOUNT = re.compile(rf"^({_NUMBER})\s*({_UNIT})?$")
_RANGE = re.compile(rf"^{_NUMBER}\s*(?:{_UNIT})?\s*[-~～至到]\s*{_NUMBER}")


class AmountError(ValueError):
    """A text that is not an amount of money."""


def unit_factor(unit: str) -> float:
    """Size of ``unit`` in yuan.

    Examples
    --------
    >>> unit_factor("亿元") / unit_factor("万元")
    10000.0
    """
    try:
        return UNITS[unit]
    except KeyError:
        raise AmountError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}") from None


def parse_amount(value: object, unit: str = "万元") -> float:
    """Convert an amount to a float in ``unit``.

    Parameters
    ----------
    value
        A number (taken to be in ``unit`` already) or a text such as ``"5亿元"``,
        ``"2610万元"``, ``"50万"``, ``"1,000万元"``. Full-width digits are accepted.
    unit
        The unit of the result [万元 by default].

    Returns
    -------
    float
        The amount in ``unit``.

    Raises
    ------
    AmountError
        When ``value`` is not a number or a number followed by a known unit.

    Examples
    --------
    >>> parse_amount("5亿元")
    50000.0
    >>> parse_amount("2610万元")
    2610.0
    >>> parse_amount("50万")
    50.0
    >>> parse_amount(30)
    30.0
    >>> parse_amount("3000元")
    0.3
    """
    if isinstance(value, bool):
        raise AmountError(f"expected an amount such as 50 or '50万元', found {value!r}")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise AmountError(f"expected a finite amount, found {value!r}")
        return number
    if not isinstance(value, str):
        raise AmountError(f"expected an amount such as 50 or '50万元', found {value!r}")
    text = unicodedata.normalize("NFKC", value).replace(",", "").replace(" ", "").strip()
    if _RANGE.match(text):
        raise AmountError(f"expected a single amount, found the range {value!r}")
    match = _AMOUNT.match(text)
    if match is None:
        raise AmountError(
            f"expected an amount such as 50, '50万元', '2610万元' or '5亿元', found {value!r}"
        )
    number = float(match.group(1))
    if match.group(2) is not None:
        number = number * UNITS[match.group(2)] / unit_factor(unit)
    if not math.isfinite(number):
        raise AmountError(f"expected a finite amount, found {value!r}")
    return number


def parse_range(value: str, unit: str = "万元") -> tuple[float, float]:
    """Convert a range such as ``"1000-1500万元"`` to ``(low, high)`` in ``unit``.

    The unit written after the second number applies to both, unless the first has its own.

    Examples
    --------
    >>> parse_range("1000-1500万元")
    (1000.0, 1500.0)
    >>> parse_range("0.1亿～1500万", "万元")
    (1000.0, 1500.0)
    """
    text = unicodedata.normalize("NFKC", value).replace(",", "").replace(" ", "").strip()
    parts = re.split(r"[-~～至到]", text, maxsplit=1) if _RANGE.match(text) else []
    if len(parts) != 2:
        raise AmountError(f"expected a range such as '1000-1500万元', found {value!r}")
    high = parse_amount(parts[1], unit)
    first = _AMOUNT.match(parts[0])
    if first is not None and first.group(2) is None:
        second = _AMOUNT.match(parts[1])
        suffix = second.group(2) if second is not None and second.group(2) else ""
        low = parse_amount(parts[0] + suffix, unit)
    else:
        low = parse_amount(parts[0], unit)
    return low, high


def format_amount(value: float, unit: str = "万元", digits: int = 0) -> str:
    """Format an amount with thousands separators and its unit.

    Examples
    --------
    >>> format_amount(50000.0)
    '50,000万元'
    >>> format_amount(2610.456, digits=1)
    '2,610.5万元'
    """
    return f"{value:,.{digits}f}{unit}"
