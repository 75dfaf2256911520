"""Compile a validated scenario into a plan the engine runs, checking cross-references.

Pydantic checks each table on its own; this step checks how they fit together: that every
programme names an existing population, that expressions use only known attribute names and
category labels, that envelopes go with capped rationing rules. All problems are collected and
reported together.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from budgetsim.distributions import AttributeDist
from budgetsim.errors import ExpressionError, Problem, ScenarioError, did_you_mean
from budgetsim.expressions import FUNCTIONS, Expression, compile_expression
from budgetsim.instruments import FixedAmount
from budgetsim.scenario.model import Population, Programme, Scenario

__all__ = ["Plan", "PopulationPlan", "ProgrammePlan", "compile_scenario"]

RESERVED = {"year", *FUNCTIONS, "and", "or", "not", "if", "else", "True", "False"}


@dataclass(frozen=True)
class PopulationPlan:
    """A population ready to sample: ordered attributes and compiled derived attributes."""

    id: str
    spec: Population
    stream_key: int
    attributes: tuple[tuple[str, AttributeDist], ...]
    derived: tuple[tuple[str, Expression], ...]
    categories: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class ProgrammePlan:
    """A programme ready to run: compiled expressions and per-year envelope amounts."""

    id: str
    spec: Programme
    population: str
    eligible: Expression | None
    expressions: Mapping[str, Expression]
    rationing: Mapping[str, Expression]
    envelope: NDArray[np.float64] | None


@dataclass(frozen=True)
class Plan:
    """Everything the engine needs, derived once from a scenario."""

    scenario: Scenario
    populations: tuple[PopulationPlan, ...]
    programmes: tuple[ProgrammePlan, ...]
    by_population: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, ...]:
        """The scenario years."""
        return self.scenario.years


def _stream_key(name: str) -> int:
    """A stable 32-bit number for a name, so random streams do not depend on file order."""
    return zlib.crc32(name.encode("utf-8"))


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, problem: str, **kw: str) -> None:
        self.problems.append(Problem(path, problem, **kw))

    def expression(
        self,
        path: str,
        text: str,
        names: set[str],
        categories: Mapping[str, tuple[str, ...]],
    ) -> Expression | None:
        try:
            return compile_expression(text, names, categories)
        except ExpressionError as exc:
            self.add(path, exc.message, found=repr(text))
            return None


def _population(pid: str, spec: Population, check: _Checker) -> PopulationPlan:
    base = f"populations.{pid}"
    categories = {
        name: dist.categories
        for name, dist in spec.attributes.items()
        if dist.categories is not None
    }
    names = set(spec.attributes) | {"year"}
    for name in spec.attributes:
        if name in RESERVED:
            check.add(f"{base}.attributes.{name}", "this name is reserved", found=repr(name))
    derived = []
    for name, item in spec.derived.items():
        path = f"{base}.derived.{name}"
        if name in names or name in RESERVED:
            check.add(path, "this name is already an attribute or reserved", found=repr(name))
        expr = check.expression(f"{path}.expr", item.expr, names, categories)
        if expr is not None:
            derived.append((name, expr))
        names.add(name)
    return PopulationPlan(
        id=pid,
        spec=spec,
        stream_key=_stream_key(pid),
        attributes=tuple(spec.attributes.items()),
        derived=tuple(derived),
        categories=categories,
    )


def _programme(
    pid: str,
    spec: Programme,
    populations: Mapping[str, PopulationPlan],
    years: int,
    check: _Checker,
) -> ProgrammePlan | None:
    base = f"programmes.{pid}"
    population = populations.get(spec.population)
    if population is None:
        hint = did_you_mean(spec.population, populations)
        check.add(
            f"{base}.population",
            "no such population",
            expected="one of " + ", ".join(populations),
            found=repr(spec.population),
            hint=f"did you mean {hint!r}?" if hint else "",
        )
        return None
    names = {name for name, _ in population.attributes} | {n for n, _ in population.derived}
    names |= {"year"}
    categories = population.categories
    eligible = None
    if spec.eligible is not None:
        eligible = check.expression(f"{base}.eligible", spec.eligible, names, categories)
    expressions: dict[str, Expression] = {}
    rationing: dict[str, Expression] = {}
    instrument = spec.instrument
    for key, text in instrument.expressions().items():
        expr = check.expression(f"{base}.instrument.{key}", text, names, categories)
        if expr is not None:
            expressions[key] = expr
    for key, text in spec.rationing.expressions().items():
        expr = check.expression(f"{base}.rationing.{key}", text, names, categories)
        if expr is not None:
            rationing[key] = expr
    if isinstance(instrument, FixedAmount) and instrument.by is not None:
        _check_category_table(base, instrument, categories, check)
    capped = type(spec.rationing).capped
    if capped and spec.envelope is None:
        check.add(
            f"{base}.envelope",
            f"rationing rule {spec.rationing.rule!r} needs an envelope",
            expected='envelope = { per_year = … } or { total = …, split = "equal" }, '
            'or rationing = "uncapped"',
        )
    if not capped and spec.envelope is not None:
        check.add(
            f"{base}.envelope",
            "an uncapped programme has no envelope",
            expected='no envelope, or a capped rule such as "pro_rata" or "fcfs"',
        )
    if not capped and spec.carry_over:
        check.add(f"{base}.carry_over", "an uncapped programme has nothing to carry over")
    envelope = spec.envelope.amounts(years) if (spec.envelope is not None and capped) else None
    return ProgrammePlan(
        id=pid,
        spec=spec,
        population=spec.population,
        eligible=eligible,
        expressions=expressions,
        rationing=rationing,
        envelope=envelope,
    )


def _check_category_table(
    base: str,
    instrument: FixedAmount,
    categories: Mapping[str, tuple[str, ...]],
    check: _Checker,
) -> None:
    by = instrument.by
    assert by is not None
    assert instrument.amounts is not None
    if by not in categories:
        hint = did_you_mean(by, categories)
        check.add(
            f"{base}.instrument.by",
            "not a categorical attribute of the programme's population",
            expected="one of " + (", ".join(categories) or "(none defined)"),
            found=repr(by),
            hint=f"did you mean {hint!r}?" if hint else "",
        )
        return
    labels = categories[by]
    for label in instrument.amounts:
        if label not in labels:
            hint = did_you_mean(label, labels)
            check.add(
                f"{base}.instrument.amounts.{label}",
                f"{by!r} has no such category",
                expected="one of " + ", ".join(labels),
                found=repr(label),
                hint=f"did you mean {hint!r}?" if hint else "",
            )
    missing = [label for label in labels if label not in instrument.amounts]
    if missing:
        check.add(
            f"{base}.instrument.amounts",
            "every category needs an amount",
            expected=", ".join(labels),
            found="no amount for " + ", ".join(missing),
        )


def compile_scenario(scenario: Scenario, file: str | None = None) -> Plan:
    """Check cross-references and compile a scenario into a :class:`Plan`.

    Parameters
    ----------
    scenario
        A validated scenario.
    file
        The file name to show in error messages.

    Raises
    ------
    ScenarioError
        With every problem found.
    """
    check = _Checker()
    populations = {pid: _population(pid, p, check) for pid, p in scenario.populations.items()}
    programmes = []
    for pid, spec in scenario.programmes.items():
        plan = _programme(pid, spec, populations, len(scenario.years), check)
        if plan is not None:
            programmes.append(plan)
    if check.problems:
        raise ScenarioError(check.problems, file)
    used: dict[str, list[int]] = {}
    for i, prog in enumerate(programmes):
        used.setdefault(prog.population, []).append(i)
    return Plan(
        scenario=scenario,
        populations=tuple(populations.values()),
        programmes=tuple(programmes),
        by_population={k: tuple(v) for k, v in used.items()},
    )
