"""Entitlement rules: what each eligible applicant is entitled to, before rationing.

An instrument is a typed spec (``kind = "…"`` in a scenario) plus a vectorised function
registered for that kind. The function receives the spec and the applicants' inputs for one
programme-year (over a whole chunk of draws) and returns one entitlement per applicant [unit of
the scenario]. Every entitlement is finite, ≥ 0 and ≤ the instrument's per-applicant cap.

Adding an instrument is a change in this module only: define its spec (a :class:`Provenance`
subclass with a ``kind`` literal), decorate its function with :func:`rule`, and add the spec to
the :data:`Instrument` union.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from budgetsim._model import Amount, Provenance
from budgetsim.expressions import Expression

__all__ = [
    "INSTRUMENTS",
    "FixedAmount",
    "Inputs",
    "Instrument",
    "Proportional",
    "entitlement",
    "rule",
]

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Inputs:
    """The applicants of one programme-year, as an instrument sees them.

    Attributes
    ----------
    attributes
        Attribute arrays by name (flat over the chunk's applicants), plus ``year``.
    expressions
        The instrument's compiled expression fields (e.g. ``base``).
    size
        Number of applicants.
    categories
        Labels of each categorical attribute (its arrays hold integer codes).
    """

    attributes: Mapping[str, Any]
    expressions: Mapping[str, Expression]
    size: int
    categories: Mapping[str, tuple[str, ...]]

    def expr(self, name: str) -> Floats:
        """Evaluate the instrument's expression field ``name`` for every applicant."""
        value = self.expressions[name].evaluate(self.attributes, self.size)
        return np.asarray(value, dtype=np.float64)


class _Instrument(Provenance):
    #: Names of the fields that hold expressions over attributes.
    expression_fields: ClassVar[tuple[str, ...]] = ()
    #: Per-applicant ceiling, when the instrument has one [unit].
    cap: Amount | None = None


class FixedAmount(_Instrument):
    """A fixed amount per applicant, or one amount per category of a categorical attribute.

    Examples (TOML)::

        instrument = { kind = "fixed", amount = "20万元", source = "…" }
        instrument = { kind = "fixed", by = "cert_type", amounts = { first = 20, renewal = 10 } }
    """

    kind: Literal["fixed"]
    amount: Amount | None = None
    by: str | None = None
    amounts: dict[str, Amount] | None = None

    @model_validator(mode="after")
    def _amount_or_table(self) -> FixedAmount:
        single, table = self.amount is not None, self.by is not None or self.amounts is not None
        if single == table or (table and (self.by is None or self.amounts is None)):
            raise PydanticCustomError(
                "fixed",
                "give either amount, or by (a categorical attribute) with amounts per category",
            )
        return self


class Proportional(_Instrument):
    """``rate × base`` per applicant, optionally capped, floored or with a minimum award.

    ``base`` is an expression over attributes (e.g. ``"rd_expense * deduction_rate"``). Awards
    below ``min_award`` are not paid (不足…不予补助); awards above zero are raised to ``floor``.
    """

    kind: Literal["proportional"]
    base: str
    rate: float = Field(ge=0)
    floor: Amount | None = None
    min_award: Amount | None = None
    expression_fields: ClassVar[tuple[str, ...]] = ("base",)

    @model_validator(mode="after")
    def _consistent(self) -> Proportional:
        if self.cap is not None and self.floor is not None and self.floor > self.cap:
            raise PydanticCustomError(
                "order",
                "expected floor ≤ cap, found floor={f} and cap={c}",
                {"f": self.floor, "c": self.cap},
            )
        return self


#: Any instrument, chosen by its ``kind`` field.
Instrument = Annotated[FixedAmount | Proportional, Field(discriminator="kind")]

SpecT = TypeVar("SpecT", bound=_Instrument)
RuleFn = Callable[[Any, Inputs], Floats]
#: Registered entitlement functions by instrument kind.
INSTRUMENTS: dict[str, RuleFn] = {}


def rule(spec: type[SpecT]) -> Callable[[Callable[[SpecT, Inputs], Floats]], RuleFn]:
    """Register the entitlement function of an instrument spec class."""
    kind = spec.model_fields["kind"].annotation.__args__[0]  # type: ignore[union-attr]

    def register(fn: Callable[[SpecT, Inputs], Floats]) -> RuleFn:
        INSTRUMENTS[kind] = fn
        return fn

    return register


@rule(FixedAmount)
def fixed(spec: FixedAmount, inputs: Inputs) -> Floats:
    """Entitlement of a fixed instrument [unit]."""
    if spec.amount is not None:
        return np.full(inputs.size, spec.amount)
    assert spec.by is not None
    assert spec.amounts is not None
    codes = np.asarray(inputs.attributes[spec.by])
    labels = inputs.categories[spec.by]
    table = np.array([spec.amounts[label] for label in labels], dtype=np.float64)
    return np.asarray(table[codes], dtype=np.float64)


@rule(Proportional)
def proportional(spec: Proportional, inputs: Inputs) -> Floats:
    """Entitlement of a proportional instrument [unit]."""
    award = np.maximum(inputs.expr("base"), 0.0)
    award *= spec.rate
    if spec.floor is not None:
        award = np.where(award > 0, np.maximum(award, spec.floor), 0.0)
    if spec.min_award is not None:
        award = np.where(award >= spec.min_award, award, 0.0)
    return award


def entitlement(spec: Any, inputs: Inputs) -> Floats:
    """Entitlement of every applicant under ``spec``, capped and checked finite [unit]."""
    award = np.array(INSTRUMENTS[spec.kind](spec, inputs), dtype=np.float64)
    if spec.cap is not None:
        np.minimum(award, spec.cap, out=award)
    np.maximum(award, 0.0, out=award)
    return award
