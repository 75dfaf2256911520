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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from budgetsim._model import Cited
from budgetsim.segments import Segments

__all__ = [
    "RATIONING",
    "Batch",
    "Claims",
    "Fcfs",
    "Lottery",
    "Payout",
    "ProRata",
    "Ranked",
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
    values
        The rule's own expressions (e.g. ``score``), evaluated for every applicant, plus
        ``month`` (arrival month) and, for rules that draw lots, ``lot`` (a uniform number
        from the run's seeded streams).
    """

    entitlement: Floats
    segments: Segments
    available: Floats
    values: Mapping[str, Floats] = field(default_factory=dict)

    def with_available(self, available: Floats) -> Claims:
        """The same claims with other money available, keeping what is already computed."""
        other = Claims(self.entitlement, self.segments, available, self.values)
        for name in ("running", "demand"):
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        return other

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
    month
        Month in which the money ran out, per draw (0: it lasted), for rules that decide at a
        fixed date; None: the month the claims, in arrival order, passed the money.
    """

    paid: Floats
    total: Floats
    month: NDArray[np.int64] | None = None


class _Rule(Cited):
    #: Whether the rule pays from an envelope (False: demand is paid in full).
    capped: ClassVar[bool] = True
    #: Names of the fields that hold expressions over attributes.
    expression_fields: ClassVar[tuple[str, ...]] = ()
    #: Whether the rule draws lots (the engine then supplies ``values["lot"]``).
    draws_lots: ClassVar[bool] = False
    #: Whether the rule accepts applications by arrival month (see :meth:`admits`).
    reads_month: ClassVar[bool] = False

    def expressions(self) -> dict[str, str]:
        """The rule's expressions by field name."""
        return {name: getattr(self, name) for name in self.expression_fields}

    def admits(self, month: Floats) -> NDArray[np.bool_] | None:
        """Which applications the rule accepts at all, by arrival month (None: all)."""
        return None


class Fcfs(_Rule):
    """First come, first served (先到先得 / 额满即止): pay in arrival order until the money ends.

    ``boundary = "remainder"`` gives the applicant at the boundary what is left;
    ``boundary = "nothing"`` pays them nothing and stops (额满即止); ``boundary = "skip"`` pays
    claims whole, passing over any that no longer fits and going on with the next ones.
    """

    rule: Literal["fcfs"]
    boundary: Literal["remainder", "nothing", "skip"] = "remainder"


class ProRata(_Rule):
    """Pro rata (按比例核减): everyone gets entitlement × min(1, available ÷ demand)."""

    rule: Literal["pro_rata"]


class Ranked(_Rule):
    """Merit ranking (择优): pay by ``score``, highest first, until the money is used.

    ``score`` is an expression over attributes; ties keep arrival order. ``boundary`` is as
    for :class:`Fcfs`: the applicant at the boundary gets what is left, or nothing.
    """

    rule: Literal["ranked"]
    score: str
    boundary: Literal["remainder", "nothing", "skip"] = "remainder"
    expression_fields: ClassVar[tuple[str, ...]] = ("score",)


class Lottery(_Rule):
    """Lottery (摇号/抽签): applicants are paid in a random order until the money is used.

    The order comes from the run's seeded streams, so it repeats with the seed. ``boundary``
    is as for :class:`Fcfs` (default ``"nothing"``: a lot is won whole or not at all).
    """

    rule: Literal["lottery"]
    boundary: Literal["remainder", "nothing", "skip"] = "nothing"
    draws_lots: ClassVar[bool] = True


class Batch(_Rule):
    """An annual call with a deadline (逾期不再受理): applications that arrive by the end of
    ``deadline_month`` are reviewed together, later ones are not accepted.

    If the money covers the accepted claims, all are paid in full; otherwise ``then =
    "pro_rata"`` cuts every award by the same share, and ``then = "ranked"`` pays by
    ``score``, highest first (``boundary`` as for :class:`Ranked`). The money runs out, if it
    does, in the deadline month.
    """

    rule: Literal["batch"]
    deadline_month: int = Field(ge=1, le=12)
    then: Literal["pro_rata", "ranked"] = "pro_rata"
    score: str | None = None
    boundary: Literal["remainder", "nothing", "skip"] = "remainder"
    reads_month: ClassVar[bool] = True

    @model_validator(mode="after")
    def _score_for_ranking(self) -> Batch:
        if (self.then == "ranked") != (self.score is not None):
            raise PydanticCustomError(
                "batch", 'score goes with then = "ranked" (and is required there)'
            )
        return self

    def expressions(self) -> dict[str, str]:
        return {} if self.score is None else {"score": self.score}

    def admits(self, month: Floats) -> NDArray[np.bool_] | None:
        return np.asarray(month <= self.deadline_month)


class Uncapped(_Rule):
    """No envelope: every entitlement is paid; the results show the budget it needed."""

    rule: Literal["uncapped"]
    capped: ClassVar[bool] = False


def _shorthand(value: Any) -> Any:
    return {"rule": value} if isinstance(value, str) else value


#: Any rationing rule, chosen by its ``rule`` field (a bare name is accepted too).
Rationing = Annotated[
    Annotated[Fcfs | ProRata | Ranked | Lottery | Batch | Uncapped, Field(discriminator="rule")],
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


def _pay_skipping(entitlement: Floats, claims: Claims) -> Payout:
    """Pay whole claims in the order given, passing over those that no longer fit (greedy).

    Each pass finds, per draw, the first claim that passes the money; that claim, and every
    later claim that would pass it even on top of what was paid before it, can never be paid
    (what is paid only grows), so they are dropped together. Passes repeat until every draw's
    remaining claims fit: the total paid is the running total of the kept claims, ≤ available
    exactly.
    """
    seg, available = claims.segments, claims.available
    kept = entitlement.copy()
    starts = seg.offsets[:-1]
    position = np.arange(seg.size) - seg.spread(starts)
    running = seg.cumsum(kept)
    rows = None  # the draws still short: after the first pass, only they are revisited
    while True:
        first = seg.first_above(running, available, rows)
        hit = first >= 0
        if not hit.any():
            break
        inside = hit & (first > starts)
        before = np.zeros(seg.draws)
        before[inside] = running[first[inside] - 1]
        after = position >= seg.spread(np.where(hit, first - starts, seg.counts))
        # before + claim > available, computed as the one-at-a-time greedy would at best
        never = seg.spread(before) + kept > seg.spread(np.where(hit, available, np.inf))
        kept[after & never] = 0.0
        rows = np.flatnonzero(hit)
        running = seg.cumsum(kept, out=running, rows=rows)
    return Payout(kept, seg.last(running))


def _pay_in_order(
    entitlement: Floats,
    running: Floats,
    first: NDArray[np.int64],
    claims: Claims,
    boundary: str,
) -> Payout:
    """Pay entitlements in the order given until each draw's money is used.

    ``running`` is the per-draw running total of ``entitlement`` in that order and ``first``
    the first applicant, per draw, whose claim passes the money available (-1: none).
    """
    if boundary == "skip":
        return _pay_skipping(entitlement, claims)
    segments, available = claims.segments, claims.available
    starts, stops = segments.offsets[:-1], segments.offsets[1:]
    inside = first > starts
    before = np.zeros(first.shape)
    before[inside] = running[first[inside] - 1]
    paid = entitlement.copy()
    for d in np.flatnonzero(first >= 0).tolist():
        k = int(first[d])
        paid[k] = available[d] - before[d] if boundary == "remainder" else 0.0
        paid[k + 1 : stops[d]] = 0.0
    at_boundary = available if boundary == "remainder" else before
    return Payout(paid, np.where(first >= 0, at_boundary, claims.demand))


@rule_for(Fcfs)
def fcfs(spec: Fcfs, claims: Claims) -> Payout:
    """Pay in arrival order until the available money is used."""
    return _pay_in_order(claims.entitlement, claims.running, claims.boundary, claims, spec.boundary)


def _pay_by_key(key: Floats, claims: Claims, boundary: str) -> Payout:
    """Pay by descending ``key`` within each draw (ties in arrival order) until the money ends."""
    seg = claims.segments
    order = np.lexsort((-key, seg.row))  # by draw, then key; stable
    entitlement = claims.entitlement[order]
    running = seg.cumsum(entitlement)
    first = seg.first_above(running, claims.available)
    payout = _pay_in_order(entitlement, running, first, claims, boundary)
    paid = np.empty_like(payout.paid)
    paid[order] = payout.paid
    return Payout(paid, payout.total)


@rule_for(Ranked)
def ranked(spec: Ranked, claims: Claims) -> Payout:
    """Pay by descending score until the available money is used."""
    return _pay_by_key(claims.values["score"], claims, spec.boundary)


@rule_for(Lottery)
def lottery(spec: Lottery, claims: Claims) -> Payout:
    """Pay in the order of the lots drawn until the available money is used."""
    return _pay_by_key(claims.values["lot"], claims, spec.boundary)


@rule_for(Batch)
def batch(spec: Batch, claims: Claims) -> Payout:
    """Review the applications accepted by the deadline together; the engine has already set
    the claims of late ones to 0 (:meth:`Batch.admits`)."""
    if spec.then == "ranked":
        payout = _pay_by_key(claims.values["score"], claims, spec.boundary)
    else:
        payout = pro_rata(ProRata(rule="pro_rata"), claims)
    short = claims.demand > claims.available
    month = np.where(short, spec.deadline_month, 0).astype(np.int64)
    return Payout(payout.paid, payout.total, month)


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
