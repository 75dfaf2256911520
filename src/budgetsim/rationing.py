"""Rationing rules: how an envelope is shared when demand exceeds the money available.

Each rule is a typed spec (``rule = "…"`` in a scenario, or just its name) and a vectorised
function registered for it. The function receives the applicants' entitlements for one
programme-year over a chunk of draws (flat, in arrival order) and the money available in each
draw, and returns what each applicant is paid and the total per draw. Every rule guarantees
``0 ≤ paid ≤ entitlement`` and, for capped rules, per-draw ``sum(paid) ≤ available``.

Adding a rule is a change in this module only: a spec with a ``rule`` literal, a function
decorated with :func:`rule_for` (returning a :class:`Payout`), and the spec added to the
:data:`Rationing` union.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BeforeValidator, Field

from budgetsim._model import Spec
from budgetsim.segments import Segments

__all__ = [
    "RATIONING",
    "Claims",
    "Fcfs",
    "Payout",
    "ProRata",
    "Rationing",
    "Uncapped",
    "rule_for",
]

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Claims:
    """Entitlements of one programme-year over a chunk of draws, in arrival order.

    Attributes
    ----------
    entitlement
        Flat entitlements [unit]; 0 for ineligible applicants.
    segments
        Which draw each applicant belongs to.
    available
        Money available in each draw [unit] (envelope plus carry-in); NaN when uncapped.
    """

    entitlement: Floats
    segments: Segments
    available: Floats

    @cached_property
    def running(self) -> Floats:
        """Cumulative entitlement after each applicant, per draw, in arrival order [unit]."""
        return self.segments.cumsum(self.entitlement)

    @cached_property
    def demand(self) -> Floats:
        """Total entitlement per draw [unit]: the running total after the last applicant."""
        return self.segments.last(self.running)

    @cached_property
    def boundary(self) -> NDArray[np.int64]:
        """Flat index of the first claimant whose claim passes the money available, per draw
        (-1 where the money covers every claim). Uncapped claims never pass it."""
        if np.isnan(self.available).all():
            return np.full(self.segments.draws, -1, dtype=np.int64)
        return self.segments.first_above(self.running, self.available)

    def before(self, index: NDArray[np.int64]) -> Floats:
        """Running total just before the applicants at flat ``index`` (one per draw) [unit]."""
        starts = self.segments.offsets[:-1]
        inside = index > starts
        before = np.zeros(index.shape)
        before[inside] = self.running[index[inside] - 1]
        return before


@dataclass(frozen=True)
class Payout:
    """What a rationing rule pays.

    Attributes
    ----------
    paid
        Paid to each applicant [unit].
    total
        Paid in each draw [unit], exactly as the rule defines it (e.g. the whole money
        available once first-come-first-served runs out), not a float re-summation.
    """

    paid: Floats
    total: Floats


class _Rule(Spec):
    #: Whether the rule pays from an envelope (False: demand is paid in full).
    capped: ClassVar[bool] = True
    source: str | None = None
    assumption: str | None = None


class Fcfs(_Rule):
    """First come, first served (先到先得 / 额满即止): pay in arrival order until the money ends.

    ``boundary = "remainder"`` gives the applicant at the boundary what is left;
    ``boundary = "nothing"`` pays them nothing and stops (额满即止).
    """

    rule: Literal["fcfs"]
    boundary: Literal["remainder", "nothing"] = "remainder"


class ProRata(_Rule):
    """Pro rata (按比例核减): everyone gets entitlement × min(1, available ÷ demand)."""

    rule: Literal["pro_rata"]


class Uncapped(_Rule):
    """No envelope: every entitlement is paid; the results show the budget it needed."""

    rule: Literal["uncapped"]
    capped: ClassVar[bool] = False


def _shorthand(value: Any) -> Any:
    return {"rule": value} if isinstance(value, str) else value


#: Any rationing rule, chosen by its ``rule`` field (a bare name is accepted too).
Rationing = Annotated[
    Annotated[Fcfs | ProRata | Uncapped, Field(discriminator="rule")],
    BeforeValidator(_shorthand),
]

SpecT = TypeVar("SpecT", bound=_Rule)
RuleFn = Callable[[Any, Claims], Payout]
#: Registered rationing functions by rule name.
RATIONING: dict[str, RuleFn] = {}


def rule_for(spec: type[SpecT]) -> Callable[[Callable[[SpecT, Claims], Payout]], RuleFn]:
    """Register the function that applies a rationing spec class."""
    name = spec.model_fields["rule"].annotation.__args__[0]  # type: ignore[union-attr]

    def register(fn: Callable[[SpecT, Claims], Payout]) -> RuleFn:
        RATIONING[name] = fn
        return fn

    return register


@rule_for(Fcfs)
def fcfs(spec: Fcfs, claims: Claims) -> Payout:
    """Pay in arrival order until the available money is used."""
    paid = claims.entitlement.copy()
    first = claims.boundary
    short = np.flatnonzero(first >= 0)
    before = claims.before(first)
    stops = claims.segments.offsets[1:]
    for d in short.tolist():
        k = int(first[d])
        paid[k] = claims.available[d] - before[d] if spec.boundary == "remainder" else 0.0
        paid[k + 1 : stops[d]] = 0.0
    exhausted = first >= 0
    at_boundary = claims.available if spec.boundary == "remainder" else before
    return Payout(paid, np.where(exhausted, at_boundary, claims.demand))


@rule_for(ProRata)
def pro_rata(spec: ProRata, claims: Claims) -> Payout:
    """Scale every entitlement by min(1, available ÷ demand)."""
    demand, available = claims.demand, claims.available
    short = demand > available
    ratio = np.ones_like(demand)
    np.divide(available, demand, out=ratio, where=short)
    paid = claims.entitlement * claims.segments.spread(ratio)
    np.minimum(paid, claims.entitlement, out=paid)
    return Payout(paid, np.where(short, available, demand))


@rule_for(Uncapped)
def uncapped(spec: Uncapped, claims: Claims) -> Payout:
    """Pay every entitlement."""
    return Payout(claims.entitlement, claims.demand)
