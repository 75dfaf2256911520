"""Building blocks shared by every declarative model: strict frozen specs and typed values.

Scenario values are validated once, on reading. Models receive a validation context with the
scenario's ``unit`` and ``years`` so that amounts and per-year lists are checked in place, and
their errors name the exact field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from budgetsim.errors import did_you_mean
from budgetsim.money import AmountError, parse_amount

__all__ = ["Amount", "PerYearAmount", "PerYearFloat", "Provenance", "Spec", "years_of"]


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


class Provenance(Spec):
    """Where the numbers of a block come from: the policy clause, or a stated assumption.

    Every block of numbers in a scenario must carry at least one of the two, so that a planner
    can always tell policy from guesswork.
    """

    source: str | None = None
    assumption: str | None = None

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
