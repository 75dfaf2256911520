"""The declarative scenario model: what a scenario TOML file may contain.

A scenario has a header (``[scenario]``), applicant ``populations`` and ``programmes``. The
models here check shapes, types, units and per-year lengths; cross-references (a programme's
population, the names in expressions) are checked when the scenario is compiled
(:mod:`budgetsim.scenario.compile`). Models are frozen: a scenario is data, never code.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from budgetsim._model import Amount, PerYearAmount, Provenance, Spec
from budgetsim.distributions import ArrivalDist, AttributeDist
from budgetsim.instruments import Instrument
from budgetsim.money import UNITS
from budgetsim.rationing import Rationing

__all__ = [
    "Derived",
    "Envelope",
    "Header",
    "Population",
    "Programme",
    "Scenario",
    "Timing",
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
    years: tuple[int, ...] = Field(min_length=1, max_length=50)

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        if unit not in UNITS:
            raise PydanticCustomError(
                "unit",
                "expected one of {units}, found {unit}",
                {"units": ", ".join(UNITS), "unit": repr(unit)},
            )
        return unit

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


class Timing(Spec):
    """When applications arrive within a year.

    ``uniform``: any time from January to December. ``window``: uniformly between the start of
    ``start_month`` and the end of ``end_month`` (an application window).
    """

    kind: Literal["uniform", "window"] = "uniform"
    start_month: int = Field(default=1, ge=1, le=12)
    end_month: int = Field(default=12, ge=1, le=12)
    source: str | None = None
    assumption: str | None = None

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
    attributes: dict[Ident, AttributeDist] = Field(default_factory=dict)
    derived: dict[Ident, Derived] = Field(default_factory=dict)


class Envelope(Provenance):
    """Money set aside for a programme: ``per_year`` amounts, or a ``total`` with a ``split``.

    A total is split across the years equally (``split = "equal"``) or by weights
    (``split = [0.3, 0.33, 0.37]``, normalised to sum to 1).
    """

    per_year: PerYearAmount | None = None
    total: Amount | None = None
    split: Literal["equal"] | tuple[float, ...] = "equal"

    @model_validator(mode="after")
    def _one_form(self) -> Envelope:
        if (self.per_year is None) == (self.total is None):
            raise PydanticCustomError(
                "envelope", "give either per_year (one amount, or one per year) or total"
            )
        if self.per_year is not None and self.split != "equal":
            raise PydanticCustomError("envelope", "split goes with total, not per_year")
        if not isinstance(self.split, str) and (
            any(w < 0 for w in self.split) or sum(self.split) <= 0
        ):
            raise PydanticCustomError(
                "envelope",
                "expected split weights ≥ 0 with a positive sum, found {w}",
                {"w": list(self.split)},
            )
        return self

    def amounts(self, n_years: int) -> NDArray[np.float64]:
        """The envelope of each year [unit]."""
        if self.per_year is not None:
            return np.asarray(self.per_year, dtype=np.float64)
        assert self.total is not None
        if isinstance(self.split, str):
            weights = np.full(n_years, 1.0 / n_years)
        else:
            weights = np.asarray(self.split, dtype=np.float64) / sum(self.split)
        return self.total * weights


class Programme(Spec):
    """A subsidy programme: who may claim, what they are entitled to, and the money for it."""

    label: str
    label_en: str | None = None
    source: str = Field(min_length=1, description="The clause, e.g. 江科〔2021〕63号 五")
    assumption: str | None = None
    population: str
    eligible: str | None = None
    instrument: Instrument
    rationing: Rationing
    envelope: Envelope | None = None
    carry_over: bool = False


class Scenario(Spec):
    """A whole scenario file."""

    scenario: Header
    populations: dict[Ident, Population] = Field(min_length=1)
    programmes: dict[Ident, Programme] = Field(min_length=1)

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
