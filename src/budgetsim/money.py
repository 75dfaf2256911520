"""Amounts of money with Chinese units: ``"5亿元"``, ``"2610万元"``, ``"50万"``, ``1000``.

Every amount in a scenario is converted once, on reading, to a float64 in the scenario's
unit (万元 unless the scenario says otherwise). A plain number is already in that unit.

Applicant lists and the command line also take amounts as people type them into a
spreadsheet (``parse_amount(..., numerals=True)``): Chinese numerals (``"五十万"``,
``"一千二百万元"``, ``"三点五亿"``), numbers mixed with 十/百/千/万/亿 (``"3.5万"``,
``"1亿2000万"``), ``"¥"`` and ``"整"``. Any text with 元, 万 or 亿 is an amount in yuan and is
converted; a bare number (``"50"``, ``"五十"``) is already in the unit asked for.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, DecimalException

from budgetsim.errors import did_you_mean

__all__ = [
    "UNITS",
    "AmountError",
    "as_float",
    "check_unit",
    "format_amount",
    "parse_amount",
    "parse_chinese_number",
    "parse_range",
    "unit_factor",
]

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

#: Chinese digits, everyday and financial (大写) forms.
_DIGITS = {
    c: d
    for d, chars in enumerate(
        ("零〇", "一壹", "二贰貳两兩", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖")
    )
    for c in chars
}
_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_LARGE = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_ARABIC = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_PLAIN = re.compile(r"\s*[+-]?\d{1,15}(?:\.\d{0,15})?\s*\Z", re.ASCII)
_GROUPED = re.compile(r"\d[\d,]*")
_NUMERAL_CHARS = frozenset(_DIGITS) | frozenset(_SMALL) | frozenset(_LARGE) | {"点"}
_NUMERAL_OR_DIGIT = _NUMERAL_CHARS | frozenset("0123456789")


class AmountError(ValueError):
    """A text that is not an amount of money."""


def as_float(value: int | float) -> float:
    """``value`` as a float; an integer beyond any float is ±infinity, not an OverflowError.

    Examples
    --------
    >>> as_float(3), as_float(-(10**400))
    (3.0, -inf)
    """
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


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
        raise AmountError(_unknown_unit(unit)) from None


#: Other currencies, which budgetsim does not convert.
_FOREIGN = (
    "美元",
    "欧元",
    "日元",
    "港元",
    "港币",
    "英镑",
    "澳门元",
    "新台币",
    "usd",
    "eur",
    "hkd",
    "$",
)


def _unknown_unit(unit: str) -> str:
    if unit.lower() in _FOREIGN:
        tail = " (amounts are in Chinese yuan; convert other currencies first)"
    elif unit.lower() in ("yuan", "cny", "rmb", "¥", "人民币"):
        tail = " (did you mean '元'?)"
    else:
        hint = did_you_mean(unit, UNITS)
        tail = f" (did you mean {hint!r}?)" if hint else ""
    return f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}{tail}"


def check_unit(unit: str) -> str:
    """Return ``unit`` when it is a known unit.

    Raises
    ------
    AmountError
        Listing the known units, with a "did you mean" when one is close.

    Examples
    --------
    >>> check_unit("万元")
    '万元'
    >>> try:
    ...     check_unit("yuan")
    ... except AmountError as exc:
    ...     print(str(exc).split("; ")[-1])
    expected one of 元, 千元, 万元, 万, 百万元, 百万, 亿元, 亿 (did you mean '元'?)
    """
    unit_factor(unit)
    return unit


def parse_amount(value: object, unit: str = "万元", *, numerals: bool = False) -> float:
    """Convert an amount to a float in ``unit``.

    Parameters
    ----------
    value
        A number (taken to be in ``unit`` already) or a text such as ``"5亿元"``,
        ``"2610万元"``, ``"50万"``, ``"1,000万元"``. Full-width digits are accepted;
        thousands separators must group three digits (``"1,5"`` is refused, not read as 15).
    unit
        The unit of the result [万元 by default].
    numerals
        Also accept Chinese numerals and numbers mixed with 十/百/千/万/亿 (``"五十万"``,
        ``"一千二百万元"``, ``"3.5万"``, ``"1亿2000万"``, ``"¥1,000"``, ``"伍拾万元整"``),
        as typed into spreadsheets (see :func:`parse_chinese_number`).

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
    >>> parse_amount("一千二百万元", numerals=True), parse_amount("五十万", "元", numerals=True)
    (1200.0, 500000.0)
    """
    if isinstance(value, bool):
        raise AmountError(f"expected an amount such as 50 or '50万元', found {value!r}")
    if isinstance(value, int | float):
        number = as_float(value)
        if not math.isfinite(number):
            raise AmountError(f"expected a finite amount, found {value!r}")
        return number
    if not isinstance(value, str):
        raise AmountError(f"expected an amount such as 50 or '50万元', found {value!r}")
    if _PLAIN.match(value):  # the common case, fast
        return float(value)
    text = "".join(unicodedata.normalize("NFKC", value).split())
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise AmountError(f"expected a finite amount, found {value!r}")
    if _RANGE.match(text.replace(",", "")):
        raise AmountError(f"expected a single amount, found the range {value!r}")
    text = _ungroup(text, value)
    if numerals:
        return _parse_spoken(text, value, unit)
    match = _AMOUNT.match(text)
    if match is None:
        raise AmountError(_not_an_amount(text, value))
    number = float(match.group(1))
    if match.group(2) is not None:
        number = number * UNITS[match.group(2)] / unit_factor(unit)
    if not math.isfinite(number):
        raise AmountError(f"expected a finite amount, found {value!r}")
    return number


def _ungroup(text: str, value: str) -> str:
    """``text`` without thousands separators, which must group three digits."""
    for run in _GROUPED.findall(text):
        if "," in run and not re.fullmatch(r"\d{1,3}(?:,\d{3})+", run.rstrip(",")):
            raise AmountError(
                f"the commas in {value!r} do not separate thousands (groups of three digits); "
                "write the number without them"
            )
    return text.replace(",", "")


def _foreign_suffix(text: str) -> str | None:
    """What follows the number in ``text`` when it is no unit or numeral (``"美元"`` in
    ``"50美元"``), else None."""
    number = re.match(rf"^{_NUMBER}", text)
    rest = text[number.end() :] if number else ""
    return rest if rest and not set(rest) & _NUMERAL_CHARS else None


def _not_an_amount(text: str, value: str) -> str:
    """Why ``text`` is not an amount: an unknown unit after a number, or not a number at all."""
    rest = _foreign_suffix(text)
    if rest is not None:
        return f"{_unknown_unit(rest)}, in {value!r}"
    return f"expected an amount such as 50, '50万元', '2610万元' or '5亿元', found {value!r}"


def _parse_spoken(text: str, value: str, unit: str) -> float:
    """An amount with Chinese numerals or 十/百/千/万/亿 (``parse_amount(numerals=True)``)."""
    sign = 1
    if text[:1] in ("+", "-", "负"):
        sign = -1 if text[0] != "+" else 1
        text = text[1:]
    written = text
    yuan = False
    for prefix in ("¥", "RMB", "CNY", "人民币"):
        if text.startswith(prefix):
            yuan, text = True, text.removeprefix(prefix)
    for suffix in ("整", "元", "圆"):
        if text.endswith(suffix):
            yuan, text = yuan or suffix != "整", text.removesuffix(suffix)
    try:
        count, large = _numeral(text)
        result = sign * count
        if yuan or large:
            result /= Decimal(unit_factor(unit))
        number = float(result)
    except DecimalException:  # beyond any float: 1e999999万
        number = math.inf
    except ValueError as exc:
        if _foreign_suffix(written) is not None or not set(text) & _NUMERAL_OR_DIGIT:
            raise AmountError(_not_an_amount(written, value)) from None
        raise AmountError(
            f"expected an amount such as 50, '50万元', '五十万' or '3.5亿', found {value!r} ({exc})"
        ) from None
    if not math.isfinite(number):
        raise AmountError(f"expected a finite amount, found {value!r}")
    return number


def parse_chinese_number(text: str) -> float:
    """The value of a Chinese numeral, possibly mixed with Arabic digits.

    Digits may be everyday (一二三) or financial (壹贰叁); 两 is 2; 点 starts decimals.
    A last digit right after a unit counts in the next lower place, as spoken: 一万五 is
    15 000 and 一百五 is 150 (but 一百零五 is 105).

    Raises
    ------
    ValueError
        When the text is not a well-formed numeral (units out of order, two digits in a row,
        a unit twice, a unit with no number).

    Examples
    --------
    >>> parse_chinese_number("五十万")
    500000.0
    >>> parse_chinese_number("一千二百万")
    12000000.0
    >>> [parse_chinese_number(t) for t in ("十五", "一百零五", "一万五", "壹佰贰拾叁")]
    [15.0, 105.0, 15000.0, 123.0]
    >>> [parse_chinese_number(t) for t in ("三点五亿", "3.5万", "1亿2000万", "两万亿")]
    [350000000.0, 35000.0, 120000000.0, 2000000000000.0]
    >>> parse_chinese_number("五五")
    Traceback (most recent call last):
    ...
    ValueError: two numbers in a row at '五'
    """
    text = "".join(unicodedata.normalize("NFKC", text).split())
    return float(_numeral(text)[0])


def _numeral(text: str) -> tuple[Decimal, bool]:
    """Exact value of a numeral and whether it has 万 or 亿 (see :func:`parse_chinese_number`)."""
    if not text:
        raise ValueError("no number")
    total = section = Decimal(0)
    pending: Decimal | None = None
    small = 10**4  # places of 十/百/千 must fall within a section (below 万)
    place = 0  # place of the last unit, for "一万五"
    kind = before = ""  # what the last token was, and the one before it
    wan = yi = False  # 万 since the last 亿, 亿 at all
    i = 0
    while i < len(text):
        before, ch = kind, text[i]
        arabic = _ARABIC.match(text, i)
        if arabic is not None or ch in _DIGITS:
            if pending is not None and kind != "zero":
                raise ValueError(f"two numbers in a row at {text[i:]!r}")
            if arabic is not None:
                pending, kind, i = Decimal(arabic.group()), "arabic", arabic.end()
                continue
            pending, kind = Decimal(_DIGITS[ch]), "zero" if _DIGITS[ch] == 0 else "digit"
        elif ch == "点":
            end = i + 1
            while end < len(text) and text[end] in _DIGITS:
                end += 1
            if end == i + 1 or kind not in ("digit", "zero", "small", "large"):
                raise ValueError(f"点 without digits around it in {text!r}")
            digits = "".join(str(_DIGITS[c]) for c in text[i + 1 : end])
            pending = (pending or Decimal(0)) + Decimal("0." + digits)
            kind, i = "point", end
            continue
        elif ch in _SMALL:
            if _SMALL[ch] >= small or kind == "point":
                raise ValueError(f"{ch} out of place in {text!r}")
            section += (Decimal(1) if pending is None else pending) * _SMALL[ch]
            pending, small, place, kind = None, _SMALL[ch], _SMALL[ch], "small"
        elif ch in _LARGE:
            amount = section + (pending or Decimal(0))
            if _LARGE[ch] == 10**4:
                if wan or amount == 0:
                    raise ValueError(f"{ch} out of place in {text!r}")
                total += amount * _LARGE[ch]
                wan = True
            else:
                if yi or (amount == 0 and not wan) or (wan and amount != 0):
                    raise ValueError(f"{ch} out of place in {text!r}")
                total = (total + amount) * _LARGE[ch]
                yi, wan = True, False
            section, pending, small, place, kind = Decimal(0), None, 10**4, _LARGE[ch], "large"
        else:
            raise ValueError(f"{ch!r} is not a numeral")
        i += 1
    if pending is not None and before in ("small", "large"):
        if kind == "arabic":
            raise ValueError(f"a number after the last unit in {text!r} is ambiguous")
        if kind == "digit":
            pending *= Decimal(place) / 10
    return total + section + (pending or Decimal(0)), any(c in _LARGE for c in text)


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


def compact_amount(
    value: float, unit: str = "万元", lang: str = "zh", *, signed: bool = False
) -> str:
    """An amount in ``unit`` written short for a narrow table: from 1亿 yuan up in 亿 (Chinese)
    or in millions and billions of yuan (English), three significant digits; smaller amounts
    as the number in ``unit`` with thousands separators, as tables show them.

    Examples
    --------
    >>> compact_amount(16_666.7), compact_amount(16_666.7, lang="en")
    ('1.67亿', '167m')
    >>> compact_amount(2_500_000.0), compact_amount(-3_000.0, signed=True)
    ('250亿', '-3,000')
    >>> compact_amount(250_000.0, lang="en", signed=True), compact_amount(119_822.0)
    ('+2.50bn', '12.0亿')
    """
    sign = "+" if signed else ""
    yuan = value * UNITS.get(unit, math.nan)
    if not math.isfinite(yuan) or abs(yuan) < 1e8:
        return f"{value:{sign},.0f}"
    plus = sign if yuan > 0 else ""
    if lang == "zh":
        return f"{plus}{_digits(yuan / 1e8, strip=False)}亿"
    if abs(yuan) < 1e9:
        return f"{plus}{_digits(yuan / 1e6, strip=False)}m"
    return f"{plus}{_digits(yuan / 1e9, strip=False)}bn"


def _digits(value: float, *, strip: bool = True) -> str:
    """Three significant digits (``16.7``, ``500``, ``1.50``); with ``strip``, no trailing
    zeros (``1.5``), as prose writes them — a table keeps them, so that ``12.0亿`` says its
    precision."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    text = f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if strip else text


def money_words(value: float, unit: str, lang: str) -> str:
    """An amount [``unit``] as the report's prose says it: in Chinese in 万元, or 亿元 from
    1亿 up (``1,000万元``, ``1.67亿元``); in English in yuan, millions or billions of yuan
    (``10 million yuan``, ``1.67 billion yuan``).

    Examples
    --------
    >>> money_words(1000.0, "万元", "zh"), money_words(16_700.0, "万元", "zh")
    ('1,000万元', '1.67亿元')
    >>> money_words(1000.0, "万元", "en"), money_words(16_700.0, "万元", "en")
    ('10 million yuan', '167 million yuan')
    """
    yuan = value * unit_factor(unit)
    if lang == "zh":
        if abs(yuan) >= 1e8:
            return f"{yuan / 1e8:,.2f}亿元"
        return f"{value:,.0f}{unit}" if unit == "万元" else f"{yuan / 1e4:,.0f}万元"
    if abs(yuan) >= 1e9:
        return f"{_digits(yuan / 1e9)} billion yuan"
    if abs(yuan) >= 1e6:
        return f"{_digits(yuan / 1e6)} million yuan"
    return f"{yuan:,.0f} yuan"
