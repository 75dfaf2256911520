"""The declarative scenario model: what a scenario TOML file may contain.

A scenario has a header (``[scenario]``), applicant ``populations`` and ``programmes``. The
models here check shapes, types, units and per-year lengths; cross-references (a programme's
population, the names in expressions) are checked when the scenario is compiled
(:mod:`budgetsim.scenario.compile`). Models are frozen: a scenario is data, never code.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from budgetsim._model import (
    Amount,
    Cited,
    Grade,
    PerYearAmount,
    Plausible,
    Provenance,
    Spec,
    Unique,
    Year,
    years_of,
)
from budgetsim.distributions import ArrivalDist, PopulationAttribute
from budgetsim.funds import EnvelopeDraw
from budgetsim.instruments import Instrument
from budgetsim.money import AmountError, check_unit, parse_range
from budgetsim.rationing import Rationing
from budgetsim.riskfund import RiskFund
from budgetsim.targets import Target

__all__ = [
    "Derived",
    "Envelope",
    "EnvelopeRange",
    "Fund",
    "Header",
    "Limit",
    "Payment",
    "Population",
    "Programme",
    "Scenario",
    "Timing",
    "Variant",
]

Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Header(Spec):
    """The ``[scenario]`` table: identity, source document, unit and years."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)
    title: str
    title_en: str | None = None
    source: str = Field(description="The policy document, e.g. 江科〔2021〕63号")
    source_file: str | None = None
    description: str | None = None
    unit: str = "万元"
    years: tuple[Year, ...] = Field(min_length=1, max_length=50)
    #: The plausible range of numbers of each grade that state none of their own, e.g.
    #: ``plausible_default = { E = { factor = [0.5, 1.5] } }``.
    plausible_default: dict[Grade, Plausible] = Field(default_factory=dict)

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        try:
            return check_unit(unit)  # the one message for units: "did you mean", currencies
        except AmountError as exc:
            raise PydanticCustomError("unit", str(exc)) from None

    @field_validator("years")
    @classmethod
    def _consecutive(cls, years: tuple[int, ...]) -> tuple[int, ...]:
        if any(b != a + 1 for a, b in itertools.pairwise(years)):
            raise PydanticCustomError(
                "years",
                "expected consecutive years such as [2021, 2022, 2023], found {y}",
                {"y": list(years)},
            )
        return years


class Timing(Cited):
    """When applications arrive within a year.

    ``uniform``: any time from January to December. ``window``: uniformly between the start of
    ``start_month`` and the end of ``end_month`` (an application window).
    """

    kind: Literal["uniform", "window"] = "uniform"
    start_month: int = Field(default=1, ge=1, le=12)
    end_month: int = Field(default=12, ge=1, le=12)

    @model_validator(mode="after")
    def _window(self) -> Timing:
        if self.start_month > self.end_month:
            raise PydanticCustomError(
                "window",
                "expected start_month ≤ end_month, found {a} > {b}",
                {"a": self.start_month, "b": self.end_month},
            )
        if self.kind == "uniform" and (self.start_month, self.end_month) != (1, 12):
            raise PydanticCustomError("window", 'start_month and end_month need kind = "window"')
        return self

    @property
    def span(self) -> tuple[float, float]:
        """Start and end of the arrival period, in months since 1 January."""
        return float(self.start_month - 1), float(self.end_month)


class Derived(Provenance):
    """An attribute computed from others: ``expr`` over attribute names and ``year``."""

    expr: str


class Population(Spec):
    """Applicants arriving each year, with their attributes."""

    label: str
    label_en: str | None = None
    description: str | None = None
    arrivals: ArrivalDist
    timing: Timing = Timing()
    attributes: dict[Ident, PopulationAttribute] = Field(default_factory=dict)
    derived: dict[Ident, Derived] = Field(default_factory=dict)


class EnvelopeRange(Spec):
    """A total stated as a range (三年安排1000-1500万元): an uncertain input, drawn per draw.

    ``dist = "uniform"`` (default) spreads it evenly between ``low`` and ``high``;
    ``"triangular"`` peaks at ``mode``. A text such as ``"1000-1500万元"`` is a uniform range.
    """

    low: Amount
    high: Amount
    dist: Literal["uniform", "triangular"] = "uniform"
    mode: Amount | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, str):
            unit = str((info.context or {}).get("unit", "万元"))
            try:
                low, high = parse_range(data, unit)
            except AmountError as exc:
                raise PydanticCustomError("amount", str(exc)) from None
            return {"low": low, "high": high}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> EnvelopeRange:
        if self.low > self.high:
            raise PydanticCustomError(
                "order",
                "expected low ≤ high, found low={a} and high={b}",
                {"a": self.low, "b": self.high},
            )
        if (self.dist == "triangular") != (self.mode is not None):
            raise PydanticCustomError("range", 'mode goes with dist = "triangular", and only there')
        if self.mode is not None and not self.low <= self.mode <= self.high:
            raise PydanticCustomError(
                "range", "expected low ≤ mode ≤ high, found mode={m}", {"m": self.mode}
            )
        return self

    def to_draw(self) -> EnvelopeDraw:
        """The range as the engine samples it."""
        return EnvelopeDraw(self.low, self.high, self.dist, self.mode)


def _total_kind(value: Any) -> str:
    if isinstance(value, dict | EnvelopeRange):
        return "amount_range"
    if isinstance(value, str) and parse_range_or_none(value) is not None:
        return "amount_range"
    return "single_amount"


def parse_range_or_none(text: str) -> tuple[float, float] | None:
    """``(low, high)`` when ``text`` is a range such as ``"1000-1500万元"``, else None."""
    try:
        return parse_range(text, "万元")
    except AmountError:
        return None


class Envelope(Provenance):
    """Money set aside for a programme or fund: ``per_year`` amounts, or a ``total`` with a
    ``split``.

    A total is split across the years equally (``split = "equal"``) or by weights
    (``split = [0.3, 0.33, 0.37]``, normalised to sum to 1). A total may be a range
    (``total = "1000-1500万元"`` or ``total = { low = …, high = …, dist = "triangular",
    mode = … }``): each draw then takes its total from that distribution.
    """

    per_year: PerYearAmount | None = None
    total: (
        Annotated[
            Annotated[Amount, Tag("single_amount")] | Annotated[EnvelopeRange, Tag("amount_range")],
            Discriminator(_total_kind),
        ]
        | None
    ) = None
    split: Literal["equal"] | tuple[float, ...] = "equal"

    @model_validator(mode="after")
    def _one_form(self, info: ValidationInfo) -> Envelope:
        if (self.per_year is None) == (self.total is None):
            raise PydanticCustomError(
                "envelope", "give either per_year (one amount, or one per year) or total"
            )
        if self.per_year is not None and self.split != "equal":
            raise PydanticCustomError("envelope", "split goes with total, not per_year")
        if not isinstance(self.split, str):
            if any(w < 0 for w in self.split) or sum(self.split) <= 0:
                raise PydanticCustomError(
                    "envelope",
                    "expected split weights ≥ 0 with a positive sum, found {w}",
                    {"w": list(self.split)},
                )
            years = years_of(info)
            if years is not None and len(self.split) != len(years):
                raise PydanticCustomError(
                    "envelope",
                    "expected one split weight per year ({n}), found {m}",
                    {"n": len(years), "m": len(self.split)},
                )
        return self

    def weights(self, n_years: int) -> NDArray[np.float64]:
        """Share of the total in each year (sums to 1)."""
        if self.per_year is not None:
            amounts = np.asarray(self.per_year, dtype=np.float64)
            return amounts / amounts.sum() if amounts.sum() > 0 else np.full(n_years, 1 / n_years)
        if isinstance(self.split, str):
            return np.full(n_years, 1.0 / n_years)
        return np.asarray(self.split, dtype=np.float64) / sum(self.split)

    @property
    def draw(self) -> EnvelopeDraw | None:
        """The range the total is drawn from, or None for a fixed envelope."""
        return self.total.to_draw() if isinstance(self.total, EnvelopeRange) else None

    def amounts(self, n_years: int) -> NDArray[np.float64]:
        """The envelope of each year [unit]; for a ranged total, its expected value."""
        if self.per_year is not None:
            return np.asarray(self.per_year, dtype=np.float64)
        assert self.total is not None
        total = self.total.to_draw().mean if isinstance(self.total, EnvelopeRange) else self.total
        return total * self.weights(n_years)


class Fund(Cited):
    """A shared fund (资金池): several capped programmes drawing on one envelope.

    ``members`` lists the programmes in priority order. ``allocation = "priority"`` lets each
    member use what the ones before it left; ``"pro_rata"`` gives every member the same share
    of its demand when their demand together exceeds the money.
    """

    label: str
    label_en: str | None = None
    source: str = Field(min_length=1, description="The clause that sets up the fund")
    members: Annotated[tuple[str, ...], Unique] = Field(min_length=1)
    allocation: Literal["priority", "pro_rata"] = "priority"
    envelope: Envelope
    carry_over: bool = False


class Limit(Cited):
    """No double-dipping (从新、从优、不重复) among programmes that pay the same applicants.

    ``exclusive = true``: an applicant entitled under several of ``programmes`` keeps only the
    most favourable entitlement (ties: the first listed). ``cap``: the applicant's entitlements
    under ``programmes`` together are at most this amount a year, taken in the order listed.
    """

    label: str | None = None
    programmes: Annotated[tuple[str, ...], Unique] = Field(min_length=2)
    exclusive: bool = False
    cap: Amount | None = None

    @model_validator(mode="after")
    def _does_something(self) -> Limit:
        if not self.exclusive and self.cap is None:
            raise PydanticCustomError("limit", "give exclusive = true, a cap, or both")
        if not (self.source or self.assumption):
            raise PydanticCustomError(
                "provenance", 'cite the clause (source = "…") or state the assumption'
            )
        return self


class Payment(Provenance):
    """When approved awards are paid: ``schedule[k]`` is the share of a year's awards paid ``k``
    years later (``[1]``: the same year; ``[0, 1]``: all the next year, e.g. after the tax
    true-up; ``[0.5, 0.5]``: two instalments). The envelope limits what is approved
    (commitments); the schedule turns commitments into cash per fiscal year.
    """

    schedule: tuple[float, ...] = Field(min_length=1, max_length=10)

    @field_validator("schedule")
    @classmethod
    def _shares(cls, schedule: tuple[float, ...]) -> tuple[float, ...]:
        if any(w < 0 for w in schedule) or abs(sum(schedule) - 1.0) > 1e-9:
            raise PydanticCustomError(
                "schedule",
                "expected shares ≥ 0 that add up to 1, found {s} (sum {t})",
                {"s": list(schedule), "t": sum(schedule)},
            )
        return schedule


class Programme(Cited):
    """A subsidy programme: who may claim, what they are entitled to, and the money for it."""

    label: str
    label_en: str | None = None
    source: str = Field(min_length=1, description="The clause, e.g. 江科〔2021〕63号 五")
    population: str
    eligible: str | None = None
    instrument: Instrument
    rationing: Rationing
    envelope: Envelope | None = None
    carry_over: bool = False
    payment: Payment | None = None


class Variant(Spec):
    """A documented variant of the scenario (``[variants.stress]``): values changed by dotted
    path, as with ``--set``, and why. Run it as ``SCENARIO@NAME`` (``jiangmen-2021@stress``)."""

    label: str
    label_en: str | None = None
    source: str | None = None
    assumption: str | None = None
    source_zh: str | None = None
    assumption_zh: str | None = None
    set: dict[str, Any] = Field(min_length=1)

    @model_validator(mode="after")
    def _explained(self) -> Variant:
        if not (self.source or self.assumption):
            raise PydanticCustomError(
                "provenance", 'say why the variant changes these values (assumption = "…")'
            )
        return self


class Scenario(Spec):
    """A whole scenario file."""

    scenario: Header
    populations: dict[Ident, Population] = Field(min_length=1)
    programmes: dict[Ident, Programme] = Field(min_length=1)
    funds: dict[Ident, Fund] = Field(default_factory=dict)
    limits: dict[Ident, Limit] = Field(default_factory=dict)
    riskfunds: dict[Ident, RiskFund] = Field(default_factory=dict)
    targets: dict[Ident, Target] = Field(default_factory=dict)
    variants: dict[Ident, Variant] = Field(default_factory=dict)
    #: The data the scenario was validated from (after variants and overrides), so that
    #: :meth:`vary` changes it without reading the file again, and the file it came from.
    _raw: dict[str, Any] | None = PrivateAttr(default=None)
    _file: str | None = PrivateAttr(default=None)
    #: The folder a relative data file (``dist = "empirical"``) is read from, absolute.
    _folder: Path | None = PrivateAttr(default=None)
    #: The plan compiled when the scenario was validated (a ``Plan``), so runs reuse it.
    _plan: Any = PrivateAttr(default=None)
    #: Values changed from the file (``--set``, :meth:`vary`), by path, as given.
    _changes: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def changes(self) -> dict[str, Any]:
        """The values changed from the scenario file (``--set``, :meth:`vary`), by path, as
        given (``"×1.2"`` stays a factor); a documented variant is part of the id."""
        return dict(self._changes)

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Scenario:
        """A copy; with ``update``, the data it was read from and its compiled plan no longer
        describe it, so they are dropped (parameters then come from the model itself)."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied._raw = copied._plan = None
        return copied

    def vary(self, changes: Any) -> Scenario:
        """A new, validated scenario with values changed by dotted path; see
        :func:`budgetsim.scenario.load.vary`."""
        from budgetsim.scenario.load import vary

        return vary(self, changes)

    def __eq__(self, other: object) -> bool:
        """Scenarios are equal when their content is (where they were read from is not)."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    @property
    def id(self) -> str:
        """The scenario id."""
        return self.scenario.id

    @property
    def years(self) -> tuple[int, ...]:
        """The scenario's fiscal years."""
        return self.scenario.years

    @property
    def unit(self) -> str:
        """The unit of every amount."""
        return self.scenario.unit
