"""Building blocks shared by every declarative model: strict frozen specs and typed values.

Scenario values are validated once, on reading. Models receive a validation context with the
scenario's ``unit`` and ``years`` so that amounts and per-year lists are checked in place, and
their errors name the exact field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from budgetsim.errors import did_you_mean
from budgetsim.money import AmountError, parse_amount

__all__ = [
    "Amount",
    "Cited",
    "Grade",
    "PerYearAmount",
    "PerYearFloat",
    "Plausible",
    "Provenance",
    "Spec",
    "years_of",
]

#: How well a number is known (calibration notes): S = sourced (stated in a document or an
#: official statistic), D = derived from sourced figures, E = an estimate.
Grade = Literal["S", "D", "E"]


class Spec(BaseModel):
    """A frozen model that rejects unknown fields, suggesting the closest known one."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

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
    assumption it makes, the grade of its numbers (``grade``, or ``grades`` by field) and
    the plausible range of any uncertain one (``plausible``, by field name)."""

    source: str | None = None
    assumption: str | None = None
    grade: Grade | None = None
    grades: dict[str, Grade] = Field(default_factory=dict)
    plausible: dict[str, Plausible] = Field(default_factory=dict)


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
            "amount", "expected an amount ≥ 0, found {value}", {"value": value}
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
    return float(value)


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
