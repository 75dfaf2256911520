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
from pydantic import Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from budgetsim._model import SANE, Amount, BaseRate, Provenance, Rate, Spec, Year, years_of
from budgetsim.errors import SimulationError
from budgetsim.expressions import Expression
from budgetsim.segments import Segments

__all__ = [
    "INSTRUMENTS",
    "Bracket",
    "FixedAmount",
    "GrantOrEquity",
    "Inputs",
    "Instrument",
    "InterestSubsidy",
    "Matching",
    "Prize",
    "Prizes",
    "Proportional",
    "Range",
    "TaxRefund",
    "Tiered",
    "entitlement",
    "recovered_share",
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
    segments
        Which draw each applicant belongs to, for rules that compare applicants within a draw.
    eligible
        Which applicants may claim (None: all); rules that rank applicants rank only these.
    """

    attributes: Mapping[str, Any]
    expressions: Mapping[str, Expression]
    size: int
    categories: Mapping[str, tuple[str, ...]]
    segments: Segments | None = None
    eligible: NDArray[np.bool_] | None = None

    def expr(self, name: str) -> Floats:
        """Evaluate the instrument's expression field ``name`` for every applicant."""
        value = self.expressions[name].evaluate(self.attributes, self.size)
        return np.asarray(value, dtype=np.float64)


class _Instrument(Provenance):
    #: Names of the fields that hold expressions over attributes.
    expression_fields: ClassVar[tuple[str, ...]] = ()
    #: Per-applicant ceiling, when the instrument has one [unit].
    cap: Amount | None = None

    def expressions(self) -> dict[str, str]:
        """Every expression of the instrument by key (a field path such as ``base`` or
        ``brackets.1.when``); the engine compiles them once and :meth:`Inputs.expr` evaluates
        them by the same key."""
        return {name: getattr(self, name) for name in self.expression_fields}

    def rates(self) -> dict[str, tuple[float, str]]:
        """Each rate applied to a base, as ``(rate, base expression)`` by the rate's field
        path; a rate above 1 makes sense only for a base counted in a unit other than money."""
        return {}


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
    rate: BaseRate
    floor: Amount | None = None
    min_award: Amount | None = None
    expression_fields: ClassVar[tuple[str, ...]] = ("base",)

    def rates(self) -> dict[str, tuple[float, str]]:
        """``rate`` and ``base``, by the rate's field path."""
        return {"rate": (self.rate, self.base)}

    @model_validator(mode="after")
    def _consistent(self) -> Proportional:
        if self.cap is not None and self.floor is not None and self.floor > self.cap:
            raise PydanticCustomError(
                "order",
                "expected floor ≤ cap, found floor={f} and cap={c}",
                {"f": self.floor, "c": self.cap},
            )
        return self


class Bracket(Spec):
    """One bracket of a tiered instrument: when ``when`` holds, ``rate × base`` (the bracket's
    own ``base`` or the instrument's) or a fixed ``amount``, at most ``cap``."""

    when: str
    rate: BaseRate | None = None
    base: str | None = None
    amount: Amount | None = None
    cap: Amount | None = None

    @model_validator(mode="after")
    def _rate_or_amount(self) -> Bracket:
        if (self.rate is None) == (self.amount is None):
            raise PydanticCustomError("bracket", "give either rate (× base) or amount")
        return self


class Tiered(_Instrument):
    """Brackets with conditions; each applicant gets the most favourable bracket it meets (从优).

    Example: Zhongshan (一) — R&D > 300万: 3 % of the super-deduction, at most 300万; R&D >
    1000万 and growth > 15 %: at most 500万. Applicants meeting no bracket get nothing.
    """

    kind: Literal["tiered"]
    base: str | None = None
    brackets: tuple[Bracket, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _bases(self) -> Tiered:
        for i, bracket in enumerate(self.brackets):
            if bracket.rate is not None and bracket.base is None and self.base is None:
                raise PydanticCustomError(
                    "bracket",
                    "bracket {i} has a rate but no base (here or on the instrument)",
                    {"i": i},
                )
        return self

    def rates(self) -> dict[str, tuple[float, str]]:
        """``rate`` and ``base`` of each bracket that has a rate, by the rate's field path."""
        return {
            f"brackets.{i}.rate": (b.rate, b.base or self.base or "")
            for i, b in enumerate(self.brackets)
            if b.rate is not None
        }

    def expressions(self) -> dict[str, str]:
        found = {} if self.base is None else {"base": self.base}
        for i, bracket in enumerate(self.brackets):
            found[f"brackets.{i}.when"] = bracket.when
            if bracket.base is not None:
                found[f"brackets.{i}.base"] = bracket.base
        return found


class Matching(_Instrument):
    """``ratio ×`` an external amount (central or provincial funding, a project budget), capped:
    Jiangmen (一) 100 % of central funding ≤ 3000万; Zhongshan (十五) 1:1."""

    kind: Literal["matching"]
    of: str
    ratio: float = Field(ge=0)
    expression_fields: ClassVar[tuple[str, ...]] = ("of",)


class Range(_Instrument):
    """An award between ``low`` and ``high`` (Jiangmen (三): 50–100万元).

    Where in the range is set by ``position``, an expression in [0, 1] (clipped): a merit
    score, or an attribute drawn from a stated distribution in the population, so the
    scenario always says how the actual award is set.
    """

    kind: Literal["range"]
    low: Amount
    high: Amount
    position: str
    expression_fields: ClassVar[tuple[str, ...]] = ("position",)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise PydanticCustomError(
                "order",
                "expected low ≤ high, found low={a} and high={b}",
                {"a": self.low, "b": self.high},
            )
        return self


class InterestSubsidy(_Instrument):
    """``share ×`` interest paid in the year, capped per firm (Jiangmen (五): 50 %, ≤ 50万元).

    Interest = principal × (LPR of the year + spread) / 100 × months / 12, with ``lpr`` a table
    of the 1-year loan prime rate [%] by year (3.85, not 0.0385) and ``spread`` [percentage
    points] and ``months`` expressions over attributes.
    """

    kind: Literal["interest_subsidy"]
    principal: str
    share: Rate = Field(gt=0)
    lpr: dict[Year, Annotated[float, Field(ge=SANE["lpr_percent"][0], le=SANE["lpr_percent"][1])]]
    spread: str = "0"
    months: str = "12"
    expression_fields: ClassVar[tuple[str, ...]] = ("principal", "spread", "months")

    @model_validator(mode="after")
    def _every_year(self, info: ValidationInfo) -> InterestSubsidy:
        missing = [y for y in years_of(info) or () if y not in self.lpr]
        if missing:
            raise PydanticCustomError(
                "lpr", "expected an LPR for every scenario year; missing {m}", {"m": missing}
            )
        return self


class TaxRefund(_Instrument):
    """Pay the tax paid above ``threshold ×`` taxable income (Zhongshan (十五): individual income
    tax above 15 % of taxable income is refunded)."""

    kind: Literal["tax_refund"]
    tax_paid: str
    taxable_income: str
    threshold: Rate
    expression_fields: ClassVar[tuple[str, ...]] = ("tax_paid", "taxable_income")


class Prize(Spec):
    """``count`` winners receiving ``amount`` each."""

    count: int = Field(ge=1)
    amount: Amount


class Prizes(_Instrument):
    """A fixed number of winners a year with amounts by rank (competition awards: Jiangmen (六),
    Zhongshan (十一)). Entrants are ranked by ``score`` within each draw and year, highest
    first (ties in arrival order); prizes not reached by enough entrants are not awarded.
    """

    kind: Literal["prize"]
    score: str
    prizes: tuple[Prize, ...] = Field(min_length=1)
    expression_fields: ClassVar[tuple[str, ...]] = ("score",)


class GrantOrEquity(_Instrument):
    """A one-off ``grant``, or an equity stake of ``equity_share × capital`` up to ``equity_cap``
    (Guangzhou: 3000万 / 1000万元 on upgrade, or 30 % of the project's capital, ≤ 1亿元).

    ``form`` is an expression over attributes: true where the applicant takes equity. ``part``
    says what this programme pays: ``"both"``, or only the ``"grant"`` or the ``"equity"`` side,
    so that a scenario can report equity outlays apart from grants with two programmes that
    share the same ``form``. ``recovery`` (optional) is the share of an equity outlay expected
    back at exit, an expression clipped to [0, 1]; results then report ``recovered``.
    """

    kind: Literal["grant_or_equity"]
    grant: Amount
    equity_share: Rate = Field(gt=0)
    capital: str
    equity_cap: Amount | None = None
    form: str
    part: Literal["both", "grant", "equity"] = "both"
    recovery: str | None = None

    def expressions(self) -> dict[str, str]:
        found = {"capital": self.capital, "form": self.form}
        if self.recovery is not None:
            found["recovery"] = self.recovery
        return found


#: Any instrument, chosen by its ``kind`` field.
Instrument = Annotated[
    FixedAmount
    | Proportional
    | Tiered
    | Matching
    | Range
    | InterestSubsidy
    | TaxRefund
    | Prizes
    | GrantOrEquity,
    Field(discriminator="kind"),
]

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


@rule(Tiered)
def tiered(spec: Tiered, inputs: Inputs) -> Floats:
    """Entitlement of a tiered instrument: the best bracket met, 0 if none [unit]."""
    best = np.zeros(inputs.size)
    shared: Floats | None = None  # the instrument's own base, evaluated once for all brackets
    for i, bracket in enumerate(spec.brackets):
        if bracket.amount is not None:
            value = np.full(inputs.size, bracket.amount)
        else:
            if bracket.base is not None:
                base = inputs.expr(f"brackets.{i}.base")
            else:
                shared = inputs.expr("base") if shared is None else shared
                base = shared
            value = np.maximum(base, 0.0) * bracket.rate
        if bracket.cap is not None:
            np.minimum(value, bracket.cap, out=value)
        met = inputs.expr(f"brackets.{i}.when").astype(bool)
        np.maximum(best, np.where(met, value, 0.0), out=best)
    return best


@rule(Matching)
def matching(spec: Matching, inputs: Inputs) -> Floats:
    """Entitlement of a matching instrument [unit]."""
    return np.maximum(inputs.expr("of"), 0.0) * spec.ratio


@rule(Range)
def range_award(spec: Range, inputs: Inputs) -> Floats:
    """Entitlement of a range instrument [unit]."""
    position = np.clip(inputs.expr("position"), 0.0, 1.0)
    return spec.low + (spec.high - spec.low) * position


@rule(InterestSubsidy)
def interest_subsidy(spec: InterestSubsidy, inputs: Inputs) -> Floats:
    """Entitlement of an interest subsidy [unit]."""
    year = int(inputs.attributes["year"])
    rate = (spec.lpr[year] + inputs.expr("spread")) / 100.0
    months = np.clip(inputs.expr("months"), 0.0, 12.0)
    interest = np.maximum(inputs.expr("principal"), 0.0) * np.maximum(rate, 0.0) * months / 12.0
    return spec.share * interest


@rule(TaxRefund)
def tax_refund(spec: TaxRefund, inputs: Inputs) -> Floats:
    """Entitlement of a tax refund [unit]."""
    return np.maximum(inputs.expr("tax_paid") - spec.threshold * inputs.expr("taxable_income"), 0)


@rule(Prizes)
def prize(spec: Prizes, inputs: Inputs) -> Floats:
    """Entitlement of a prize: the amount for the entrant's rank within its draw [unit]."""
    seg = inputs.segments
    if seg is None:  # pragma: no cover - the engine always passes the segments
        raise ValueError("prizes rank entrants within a draw: Inputs.segments is required")
    score = inputs.expr("score")
    if not np.isfinite(score).all():
        raise SimulationError(f"the prize score {spec.score!r} is not a finite number")
    if inputs.eligible is not None:
        score = np.where(inputs.eligible, score, -np.inf)  # ineligible entrants rank last
    order = np.lexsort((-score, seg.row))  # by draw, then score; ties in arrival order
    rank = np.empty(inputs.size, dtype=np.int64)
    rank[order] = np.arange(inputs.size) - seg.offsets[:-1][seg.row]
    edges = np.cumsum([p.count for p in spec.prizes])
    amounts = np.array([p.amount for p in spec.prizes] + [0.0])
    award = amounts[np.searchsorted(edges, rank, side="right")]
    if inputs.eligible is not None:
        award = np.where(inputs.eligible, award, 0.0)
    return np.asarray(award, dtype=np.float64)


@rule(GrantOrEquity)
def grant_or_equity(spec: GrantOrEquity, inputs: Inputs) -> Floats:
    """Entitlement of a grant-or-equity instrument: the grant, or the equity stake [unit]."""
    equity = inputs.expr("form").astype(bool)
    stake = np.maximum(inputs.expr("capital"), 0.0) * spec.equity_share
    if spec.equity_cap is not None:
        np.minimum(stake, spec.equity_cap, out=stake)
    grant = spec.grant if spec.part != "equity" else 0.0
    return np.where(equity, stake if spec.part != "grant" else 0.0, grant)


def recovered_share(spec: Any, inputs: Inputs) -> Floats | None:
    """Share of each applicant's payment expected back (equity recovered at exit), or None
    for instruments that recover nothing [fraction]."""
    if not isinstance(spec, GrantOrEquity) or spec.recovery is None:
        return None
    share = np.clip(inputs.expr("recovery"), 0.0, 1.0)
    return np.where(inputs.expr("form").astype(bool), share, 0.0)


def entitlement(spec: Any, inputs: Inputs) -> Floats:
    """Entitlement of every applicant under ``spec``, capped and checked finite [unit]."""
    award = np.array(INSTRUMENTS[spec.kind](spec, inputs), dtype=np.float64)
    if spec.cap is not None:
        np.minimum(award, spec.cap, out=award)
    np.maximum(award, 0.0, out=award)
    return award
