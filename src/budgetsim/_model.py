"""Building blocks shared by every declarative model: strict frozen specs and typed values.

Scenario values are validated once, on reading. Models receive a validation context with the
scenario's ``unit`` and ``years`` so that amounts and per-year lists are checked in place, and
their errors name the exact field.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from budgetsim.errors import ask, did_you_mean
from budgetsim.money import AmountError, as_float, format_amount, parse_amount, unit_factor

__all__ = [
    "FRACTIONS",
    "SANE",
    "Amount",
    "BaseRate",
    "Cited",
    "Grade",
    "PerYearAmount",
    "PerYearFloat",
    "Plausible",
    "Provenance",
    "Rate",
    "Spec",
    "Unique",
    "Year",
    "insane_values",
    "parse_rate",
    "percent_hint",
    "years_of",
]

#: How well a number is known (calibration notes): S = sourced (stated in a document or an
#: official statistic), D = derived from sourced figures, E = an estimate.
Grade = Literal["S", "D", "E"]


#: The range of values that makes sense for each kind of number in a scenario, an override or
#: an applicant list. A value beyond it is a typo or a unit mistake, never a policy; it is
#: refused at validation with its field path.
SANE: dict[str, tuple[float, float]] = {
    # any number anywhere: beyond 10^15, sums and products of amounts lose whole yuan
    "number": (-1e15, 1e15),
    # an amount of money in yuan: 100万亿元 is about China's yearly GDP
    "amount_yuan": (0.0, 1e14),
    # expected applicants to one population in one year: more than Guangdong's enterprises
    "applicants": (0.0, 1e7),
    # loans a reserve fund's yearly volume buys: each default is drawn, so this bounds memory
    "loans": (0.0, 1e7),
    # the standard deviation of a logarithm (lognormal sigma): e^5 ≈ 150 times per step
    "log_sd": (0.0, 5.0),
    # a loan prime rate, in percent (3.85): below 0.5 % it is a fraction typed for a percent
    "lpr_percent": (0.5, 30.0),
    # months a claim may wait after its default
    "lag_months": (0, 240),
    # extra entries an incentive brings to a target, as a share of the entries
    "uplift": (0.0, 10.0),
    # a scenario year
    "year": (1949, 2200),
    # what one applicant asks for, in yuan: more than 100亿元 is a slip of the unit or a typo
    "request_yuan": (0.0, 1e10),
    # a review score in an applicant list
    "score": (0.0, 1000.0),
    # a rate or share written as a fraction (0.05 is 5 %)
    "rate": (0.0, 1.0),
    # a yearly growth rate: from −100 % (nothing left) to +100 % (doubling)
    "growth": (-1.0, 1.0),
}


#: Units of attributes that are shares, not counts or money: a rate on them is a fraction.
FRACTIONS = frozenset({"%", "％", "‰", "比例", "百分点", "share", "rate"})


class Spec(BaseModel):
    """A frozen model that rejects unknown fields, suggesting the closest known one.

    Numbers must be finite: NaN and ±infinity are refused wherever a number is expected.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = {name for name, f in cls.model_fields.items()} | {
            f.alias for f in cls.model_fields.values() if f.alias
        }
        unknown = [key for key in data if key not in known]
        if unknown:
            suggestions = {key: did_you_mean(str(key), known) or "" for key in unknown}
            raise PydanticCustomError(
                "unknown_field",
                "unknown field(s) {fields}",
                {
                    "fields": ", ".join(map(repr, unknown)),
                    "unknown": unknown,
                    "suggestions": suggestions,
                    "allowed": sorted(known),
                },
            )
        return data


def _bound(value: Any, info: ValidationInfo) -> Any:
    """A range end: a number, an amount with its unit (``"800万元"``), or a list of them."""
    if isinstance(value, list | tuple):
        return tuple(_bound(v, info) for v in value)
    if isinstance(value, str):
        try:
            return parse_amount(value, _unit(info))
        except AmountError as exc:
            raise PydanticCustomError("amount", str(exc)) from None
    return value


Bound = Annotated[float | tuple[float, ...], BeforeValidator(_bound)]


class Plausible(Spec):
    """The plausible range of one uncertain number (``plausible.mean = {…}`` in its block).

    Either ``low`` and ``high`` (the values at the ends, one each or one per year) or
    ``factor = [a, b]`` (the ends as multiples of the stated value). A per-year list varies as
    one parameter (all years together) unless ``together = false``. ``vary = false`` with a
    ``reason`` says that a number is not to be varied on its own (e.g. category shares that
    follow other numbers).

    Examples
    --------
    >>> Plausible(factor=(0.8, 1.2)).ends(1000.0)
    (800.0, 1200.0)
    >>> Plausible(low=0.38, high=0.45).ends(0.40)
    (0.38, 0.45)
    """

    low: Bound | None = None
    high: Bound | None = None
    factor: tuple[float, float] | None = None
    together: bool = True
    vary: bool = True
    reason: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Plausible:
        absolute = self.low is not None or self.high is not None
        if not self.vary:
            if absolute or self.factor is not None:
                raise PydanticCustomError("plausible", "vary = false takes no range")
            if not self.reason:
                raise PydanticCustomError("plausible", 'say why it is not varied (reason = "…")')
            return self
        if absolute == (self.factor is not None):
            raise PydanticCustomError(
                "plausible",
                "give either low and high (the values at the ends) or factor = [a, b] "
                "(multiples of the stated value)",
            )
        if absolute and (self.low is None or self.high is None):
            raise PydanticCustomError("plausible", "give both low and high")
        if self.factor is not None and not 0 <= self.factor[0] <= 1 <= self.factor[1]:
            raise PydanticCustomError(
                "plausible",
                "expected factor = [a, b] with 0 ≤ a ≤ 1 ≤ b, found {f}",
                {"f": list(self.factor)},
            )
        return self

    def ends(self, value: Any) -> tuple[Any, Any]:
        """The low and high ends for a stated ``value`` (a number or a per-year tuple)."""
        if self.factor is not None:
            a, b = self.factor
            if isinstance(value, tuple):
                return tuple(a * v for v in value), tuple(b * v for v in value)
            return a * value, b * value
        return self.low, self.high


class Cited(Spec):
    """What every block of numbers may say about them: the clause it cites (``source``), the
    assumption it makes (``assumption``; in Chinese ``source_zh`` and ``assumption_zh``), the
    grade of its numbers (``grade``, or ``grades`` by field) and the plausible range of any
    uncertain one (``plausible``, by field name)."""

    source: str | None = None
    assumption: str | None = None
    #: The source and the assumption's reasoning in Chinese, for Chinese outputs, where
    #: ``source`` or ``assumption`` is written in English (they are read where there is none).
    source_zh: str | None = None
    assumption_zh: str | None = None
    grade: Grade | None = None
    grades: dict[str, Grade] = Field(default_factory=dict)
    plausible: dict[str, Plausible] = Field(default_factory=dict)
    #: Numbers of the block that are right although unusual, by field, with the reason; their
    #: plausibility warnings (:mod:`budgetsim.plausibility`) are not shown.
    unusual: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unusual_names_fields(self) -> Cited:
        own = set(type(self).model_fields) - set(Cited.model_fields)
        for key in self.unusual:
            if key not in own:
                hint = did_you_mean(key, own)
                raise PydanticCustomError(
                    "unusual",
                    "unusual names a field the table does not have",
                    {
                        "problem": "unknown field in unusual",
                        "expected": "one of " + ", ".join(sorted(own)),
                        "found": repr(key),
                        "hint": ask(hint),
                    },
                )
        return self


class Provenance(Cited):
    """Where the numbers of a block come from: the policy clause, or a stated assumption.

    Every block of numbers in a scenario must carry at least one of the two, so that a planner
    can always tell policy from guesswork.
    """

    @model_validator(mode="after")
    def _cite_or_assume(self) -> Provenance:
        if not (self.source or self.assumption):
            raise PydanticCustomError(
                "provenance",
                'every number must cite its clause (source = "…") or say that it is an '
                'assumption (assumption = "…")',
            )
        return self


def years_of(info: ValidationInfo) -> tuple[int, ...] | None:
    """The scenario years from the validation context, when known."""
    context = info.context or {}
    years = context.get("years")
    return tuple(years) if years else None


def _unit(info: ValidationInfo) -> str:
    return str((info.context or {}).get("unit", "万元"))


def _amount(value: Any, info: ValidationInfo) -> float:
    try:
        amount = parse_amount(value, _unit(info))
    except AmountError as exc:
        raise PydanticCustomError("amount", str(exc)) from None
    if amount < 0:
        raise PydanticCustomError(
            "amount", "expected an amount ≥ 0, found {value}", {"value": _short(value)}
        )
    most = SANE["amount_yuan"][1] / unit_factor(_unit(info))
    if amount > most:
        raise PydanticCustomError(
            "amount",
            "{problem}: expected {expected}, found {found}",
            {
                "problem": "out of range",
                "expected": f"an amount of at most {format_amount(most, _unit(info))} "
                f"({SANE['amount_yuan'][1] / 1e12:g}万亿元)",
                "found": _short(value),
                "hint": f"is the unit right? a number without a unit is read in {_unit(info)}",
            },
        )
    return amount


def _per_year(value: Any, info: ValidationInfo, convert: Any) -> tuple[float, ...]:
    years = years_of(info)
    if isinstance(value, Sequence) and not isinstance(value, str):
        values = tuple(convert(v, info) for v in value)
        if years is not None and len(values) != len(years):
            raise PydanticCustomError(
                "per_year",
                "expected one value per year ({n} for years {years}), found {m} values",
                {"n": len(years), "years": list(years), "m": len(values)},
            )
        return values
    single = convert(value, info)
    return tuple([single] * len(years)) if years is not None else (single,)


def _float(value: Any, info: ValidationInfo) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError(
            "float", "expected a number, found {value}", {"value": repr(value)}
        )
    number = as_float(value)
    if not math.isfinite(number):
        raise PydanticCustomError(
            "float", "expected a finite number, found {value}", {"value": _short(value)}
        )
    return number


def _short(value: Any) -> str:
    """``repr(value)``, shortened for a message (a 400-digit integer is not shown whole)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}…{text[-8:]} ({len(text)} characters)"


#: A rate as text: a number, or a number of percent (``"0.05"``, ``"5%"``, ``"5 %"``).
_RATE_TEXT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(%?)$")


class RateError(ValueError):
    """A text or number that is not a rate in its range; says what was expected and found."""

    def __init__(self, expected: str, found: str, hint: str = "") -> None:
        self.expected, self.found, self.hint = expected, found, hint
        super().__init__(f"expected {expected}, found {found}" + (f" ({hint})" if hint else ""))


def parse_rate(value: Any, low: float = 0.0, high: float = 1.0) -> float:
    """A rate from ``low`` to ``high``: a fraction (``0.05``) or a percentage text (``"5%"``).

    The one reading of rates and shares, for scenario fields and command-line options alike.

    Raises
    ------
    RateError
        For text that is not a rate, a number that is not finite, or one outside the range
        (``5`` gets "did you mean 0.05 (5 %)?").

    Examples
    --------
    >>> parse_rate("5%"), parse_rate(0.05)
    (0.05, 0.05)
    >>> try:
    ...     parse_rate(5)
    ... except RateError as exc:
    ...     print(exc.hint)
    did you mean 0.05 (5 %)?
    """
    expected = (
        f"a rate from {low:g} to {high:g} (or text such as '5%')"
        if high < SANE["number"][1]
        else f"a rate of at least {low:g} (such as 0.05 or '5%')"
    )
    if isinstance(value, str):
        match = _RATE_TEXT.match(unicodedata.normalize("NFKC", value).strip())
        if match is None:
            raise RateError("a rate such as 0.05 or '5%'", repr(value))
        value = float(match.group(1)) / (100 if match.group(2) else 1)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RateError("a rate such as 0.05 or '5%'", repr(value))
    number = as_float(value)
    if not low <= number <= high:  # NaN too
        hint = percent_hint(number) if low <= number / 100 <= high else ""
        raise RateError(expected, _short(value), hint)
    return number


def _rate_between(low: float, high: float) -> Any:
    """A validator of rates in [low, high] (:func:`parse_rate`)."""

    def check(value: Any) -> float:
        try:
            return parse_rate(value, low, high)
        except RateError as exc:
            problem = "not a rate" if exc.expected.startswith("a rate such as") else "out of range"
            context = {"problem": problem, **vars(exc)}
            raise PydanticCustomError(
                "rate", "{problem}: expected {expected}, found {found}", context
            ) from None

    return check


def percent_hint(number: float) -> str:
    """The hint for a rate written in percent where a fraction was expected.

    Examples
    --------
    >>> percent_hint(5)
    'did you mean 0.05 (5 %)?'
    >>> percent_hint(3000)
    ''
    """
    if math.isfinite(number) and 1 < abs(number) <= 100:
        return f"did you mean {number / 100:g} ({number:g} %)?"
    return ""


#: A rate or share from 0 to 1: ``0.05`` or ``"5%"``; ``5`` is refused ("did you mean 0.05?").
Rate = Annotated[float, BeforeValidator(_rate_between(*SANE["rate"]))]
#: A rate applied to a base (``rate × base``): a fraction (``0.05``, ``"5%"``) of a base in
#: money, or an amount per unit of a counted base (3.6万元 a person); which one is checked when
#: the scenario is compiled, where the base's unit is known.
BaseRate = Annotated[float, BeforeValidator(_rate_between(0.0, SANE["number"][1]))]
#: A yearly growth rate from −1 to 1 (``0.08`` or ``"8%"``).
Growth = Annotated[float, BeforeValidator(_rate_between(*SANE["growth"]))]
#: A scenario year.
Year = Annotated[int, Field(ge=SANE["year"][0], le=SANE["year"][1])]


def _unique(values: tuple[Any, ...]) -> tuple[Any, ...]:
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise PydanticCustomError(
            "unique",
            "{problem}: expected {expected}, found {found}",
            {
                "problem": "listed twice",
                "expected": "each entry once",
                "found": ", ".join(map(repr, repeated)),
            },
        )
    return values


#: A list whose entries must differ (a population named twice in a target's entries is a
#: mistake, not a double weight).
Unique = AfterValidator(_unique)


def insane_values(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every number and text in raw data that no field could accept, as
    ``(path, problem, expected, found)``.

    Numbers must be finite and within :data:`SANE` ``["number"]``; texts must not hold control
    characters or the direction overrides that make text display differently from what it is.

    Examples
    --------
    >>> list(insane_values({"a": {"b": [1, float("nan")]}, "c": "ok"}))
    [('a.b.1', 'not a number', 'a finite number', 'nan')]
    """
    low, high = SANE["number"]
    where = ".".join(path)
    if isinstance(data, dict):
        for key, value in data.items():
            yield from insane_values(value, (*path, str(key)))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            yield from insane_values(value, (*path, str(i)))
    elif isinstance(data, bool):
        return
    elif isinstance(data, float) and not math.isfinite(data):
        yield where, "not a number", "a finite number", repr(data)
    elif isinstance(data, int | float) and not low <= data <= high:
        yield where, "out of range", f"a number from {low:g} to {high:g}", _short(data)
    elif isinstance(data, str):
        bad = next((c for c in data if _invisible(c)), None)
        if bad is not None:
            found = f"U+{ord(bad):04X} in {_short(data)}"
            yield where, "invisible character", "text without control characters", found


#: Characters that change the direction text is shown in, so that it reads differently from
#: what it is.
_DIRECTION = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _invisible(char: str) -> bool:
    """A control character (other than tab and line ends) or a text-direction override."""
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) == "Cc" or char in _DIRECTION


#: An amount of money in the scenario's unit; accepts ``"50万元"``, ``"5亿元"`` or a number.
Amount = Annotated[float, BeforeValidator(_amount)]
#: One amount per scenario year; a single value is repeated for every year.
PerYearAmount = Annotated[
    tuple[float, ...], BeforeValidator(lambda v, info: _per_year(v, info, _amount))
]
#: One number per scenario year; a single value is repeated for every year.
PerYearFloat = Annotated[
    tuple[float, ...], BeforeValidator(lambda v, info: _per_year(v, info, _float))
]
