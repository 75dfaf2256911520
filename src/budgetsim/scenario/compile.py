"""Compile a validated scenario into a plan the engine runs, checking cross-references.

Pydantic checks each table on its own; this step checks how they fit together: that every
programme names an existing population, that expressions use only known attribute names and
category labels, that envelopes go with capped rationing rules. All problems are collected and
reported together.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from budgetsim._conditioned import Condition
from budgetsim._model import FRACTIONS, SANE, percent_hint
from budgetsim.distributions import Empirical, PopulationAttribute
from budgetsim.empirical import Resampled, resample_records
from budgetsim.errors import ExpressionError, Problem, ScenarioError, ask, did_you_mean
from budgetsim.expressions import FUNCTIONS, Expression, compile_expression
from budgetsim.funds import FundPlan
from budgetsim.instruments import FixedAmount
from budgetsim.money import UNITS
from budgetsim.riskfund import RiskFundPlan
from budgetsim.scenario.model import Envelope, Population, Programme, Scenario
from budgetsim.streams import stream_key
from budgetsim.targets import TargetPlan

__all__ = ["LimitPlan", "Plan", "PopulationPlan", "ProgrammePlan", "compile_scenario"]

RESERVED = {"year", "month", *FUNCTIONS, "and", "or", "not", "if", "else", "True", "False"}


@dataclass(frozen=True)
class PopulationPlan:
    """A population ready to sample: ordered attributes and compiled derived attributes.

    Empirical attributes come bound to their records (:class:`~budgetsim.empirical.Resampled`);
    ``joint`` maps each attribute that reuses another's uniforms (same records file) to it.
    """

    id: str
    spec: Population
    stream_key: int
    attributes: tuple[tuple[str, PopulationAttribute | Resampled], ...]
    derived: tuple[tuple[str, Expression], ...]
    categories: Mapping[str, tuple[str, ...]]
    joint: Mapping[str, str] = field(default_factory=dict)
    #: One year conditioned on the applications received so far (a nowcast), or None.
    condition: Condition | None = None


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
class LimitPlan:
    """A no-double-dipping rule over programmes that pay the same applicants.

    ``members`` are programme indices in the order listed (see
    :class:`budgetsim.scenario.model.Limit`).
    """

    id: str
    members: tuple[int, ...]
    exclusive: bool
    cap: float | None


@dataclass(frozen=True)
class Plan:
    """Everything the engine needs, derived once from a scenario."""

    scenario: Scenario
    populations: tuple[PopulationPlan, ...]
    programmes: tuple[ProgrammePlan, ...]
    by_population: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    funds: tuple[FundPlan, ...] = ()
    limits: tuple[LimitPlan, ...] = ()
    riskfunds: tuple[RiskFundPlan, ...] = ()
    targets: tuple[TargetPlan, ...] = ()

    @property
    def sampled(self) -> frozenset[str]:
        """Populations the engine samples: those of programmes and targets."""
        names = set(self.by_population)
        for target in self.targets:
            names.update(target.spec.entries.populations)
        return frozenset(names)

    @property
    def years(self) -> tuple[int, ...]:
        """The scenario years."""
        return self.scenario.years


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, problem: str, **kw: str) -> None:
        self.problems.append(Problem(path, problem, **kw))

    def unknown(self, path: str, what: str, name: str, known: Collection[str]) -> None:
        """Report a reference to a ``what`` (population, programme) that does not exist."""
        hint = did_you_mean(name, known)
        self.add(
            path,
            f"no such {what}",
            expected="one of " + ", ".join(known),
            found=repr(name),
            hint=ask(hint),
        )

    def condition(self, path: str, expr: Expression | None, population: PopulationPlan) -> None:
        """Report an eligibility rule that is a number, not a condition."""
        if expr is not None and not expr.is_condition(flags(population)):
            self.add(
                path,
                "not a condition",
                expected="a rule that is true or false, e.g. "
                f"{sorted(expr.names)[0] if expr.names else 'x'} > 0",
                found=repr(expr.text),
                hint="a number is not read as 'true unless zero'; compare it with something",
            )

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


def flags(population: PopulationPlan) -> set[str]:
    """The yes/no names of a population: Bernoulli attributes, and derived attributes that
    are conditions."""
    found = {name for name, dist in population.attributes if dist.dist == "bernoulli"}
    for name, expr in population.derived:
        if expr.is_condition(found):
            found.add(name)
    return found


def _population(
    pid: str, spec: Population, check: _Checker, unit: str, folder: Path
) -> PopulationPlan:
    base = f"populations.{pid}"
    empirical = {n: d for n, d in spec.attributes.items() if isinstance(d, Empirical)}
    bound, problems = resample_records(base, empirical, unit, folder) if empirical else ({}, [])
    check.problems += problems
    categories = {
        name: dist.categories
        for name, dist in {**spec.attributes, **bound}.items()
        if dist.categories is not None
    }
    names = set(spec.attributes) | {"year", "month"}
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
        stream_key=stream_key(pid),
        attributes=tuple(  # an empirical attribute whose file failed is reported, not run
            (name, bound.get(name, dist)) for name, dist in spec.attributes.items()
        ),
        derived=tuple(derived),
        categories=categories,
        joint={n: r.leader for n, r in bound.items() if r.leader is not None},
    )


def _counted(base: str, population: PopulationPlan) -> bool:
    """Whether ``base`` reads only attributes counted in a unit that is neither money nor a
    fraction (people, items: ``unit = "人"``), so that a rate on it is an amount per unit.
    ``min(housing_staff, 20)`` is counted; a base with no unit, in 元 or 元/人, or in % is not.
    """
    try:
        names = compile_expression(base).names
    except ExpressionError:
        return False  # reported where the base is compiled
    units = {name: dist.unit for name, dist in population.attributes}
    return bool(names) and all(_counting(units.get(name)) for name in names)


def _counting(unit: str | None) -> bool:
    """Whether an attribute's unit counts things (not money, not a share)."""
    return unit is not None and unit not in UNITS and "元" not in unit and unit not in FRACTIONS


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
        check.unknown(f"{base}.population", "population", spec.population, populations)
        return None
    names = {name for name, _ in population.attributes} | {n for n, _ in population.derived}
    names |= {"year", "month"}
    categories = population.categories
    eligible = None
    if spec.eligible is not None:
        eligible = check.expression(f"{base}.eligible", spec.eligible, names, categories)
        check.condition(f"{base}.eligible", eligible, population)
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
    for key, (rate, base_text) in instrument.rates().items():
        if rate > 1 and not _counted(base_text, population):
            check.add(
                f"{base}.instrument.{key}",
                "out of range",
                expected="a rate from 0 to 1 of a base in money (or a base counted in another "
                'unit, e.g. an attribute with unit = "人", paid per unit)',
                found=f"{rate:g}",
                hint=percent_hint(rate),
            )
    if isinstance(instrument, FixedAmount) and instrument.by is not None:
        _check_category_table(base, instrument, categories, check)
    capped = type(spec.rationing).capped
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
            hint=ask(hint),
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
                hint=ask(hint),
            )
    missing = [label for label in labels if label not in instrument.amounts]
    if missing:
        check.add(
            f"{base}.instrument.amounts",
            "every category needs an amount",
            expected=", ".join(labels),
            found="no amount for " + ", ".join(missing),
        )


def compile_scenario(
    scenario: Scenario, file: str | None = None, *, folder: str | Path | None = None
) -> Plan:
    """Check cross-references and compile a scenario into a :class:`Plan`.

    Parameters
    ----------
    scenario
        A validated scenario.
    file
        The file name to show in error messages.
    folder
        The folder a relative records file (``dist = "empirical"``) is read from: by default
        the scenario's own (as loaded), else the current directory.

    Raises
    ------
    ScenarioError
        With every problem found (records files' problems included).
    """
    check = _Checker()
    where = Path(folder or scenario._folder or Path.cwd()).resolve()
    populations = {
        pid: _population(pid, p, check, scenario.unit, where)
        for pid, p in scenario.populations.items()
    }
    programmes = []
    for pid, spec in scenario.programmes.items():
        plan = _programme(pid, spec, populations, len(scenario.years), check)
        if plan is not None:
            programmes.append(plan)
    funds = _funds(scenario, check)
    limits = _limits(scenario, check)
    targets = _targets(scenario, populations, check)
    riskfunds = _riskfunds(scenario, check)
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
        funds=funds,
        limits=limits,
        riskfunds=riskfunds,
        targets=targets,
    )


def _riskfunds(scenario: Scenario, check: _Checker) -> tuple[RiskFundPlan, ...]:
    """Reserve funds: the loans their volume buys a year must be a number that can be drawn."""
    plans = []
    most = SANE["loans"][1]
    for rid, spec in scenario.riskfunds.items():
        plan = RiskFundPlan.build(rid, spec, len(scenario.years))
        with np.errstate(all="ignore"):
            loans = plan.mean_volume / plan.mean_loan_size if plan.mean_loan_size > 0 else np.inf
        if not loans <= most:
            check.add(
                f"riskfunds.{rid}.loan_size",
                "out of range",
                expected=f"loans that the yearly volume buys: at most {most:,.0f} a year",
                found=f"{loans:,.0f} (mean volume {plan.mean_volume:,.4g} ÷ mean loan size "
                f"{plan.mean_loan_size:,.4g}, both in {scenario.unit})",
                hint="are the volume and the loan size in the same unit?",
            )
        plans.append(plan)
    return tuple(plans)


def _targets(
    scenario: Scenario, populations: Mapping[str, PopulationPlan], check: _Checker
) -> tuple[TargetPlan, ...]:
    """Targets: their populations must exist and their eligibility read known names."""
    plans = []
    for tid, target in scenario.targets.items():
        base = f"targets.{tid}.entries"
        eligible = None
        for k, name in enumerate(target.entries.populations):
            pop = populations.get(name)
            if pop is None:
                check.unknown(f"{base}.populations.{k}", "population", name, populations)
                continue
            if target.entries.eligible is not None:
                names = {n for n, _ in pop.attributes} | {n for n, _ in pop.derived}
                eligible = check.expression(
                    f"{base}.eligible",
                    target.entries.eligible,
                    names | {"year", "month"},
                    pop.categories,
                )
                check.condition(f"{base}.eligible", eligible, pop)
        plans.append(
            TargetPlan(tid, target, scenario.years.index(target.goal_year), eligible=eligible)
        )
    return tuple(plans)


def _fund(
    fid: str,
    label: str,
    envelope: Envelope,
    members: tuple[int, ...],
    allocation: str,
    carry_over: bool,
    n_years: int,
    shared: bool,
) -> FundPlan:
    return FundPlan(
        id=fid,
        label=label,
        members=members,
        allocation=allocation,  # type: ignore[arg-type]
        carry_over=carry_over,
        amounts=envelope.amounts(n_years),
        weights=envelope.weights(n_years),
        draw=envelope.draw,
        stream_key=stream_key(f"fund:{fid}"),
        shared=shared,
    )


def _funds(scenario: Scenario, check: _Checker) -> tuple[FundPlan, ...]:
    """Every programme's own envelope, then the shared funds; checks membership."""
    index = {pid: i for i, pid in enumerate(scenario.programmes)}
    n_years = len(scenario.years)
    funds: list[FundPlan] = []
    owner: dict[str, str] = {}
    for fid, fund in scenario.funds.items():
        base = f"funds.{fid}"
        if fid in index:
            check.add(base, "a fund needs an id of its own; a programme has this one")
        members: list[int] = []
        for k, pid in enumerate(fund.members):
            path = f"{base}.members.{k}"
            if pid not in index:
                check.unknown(path, "programme", pid, index)
                continue
            spec = scenario.programmes[pid]
            if pid in owner:
                check.add(path, f"{pid!r} is already a member of fund {owner[pid]!r}")
            elif spec.envelope is not None:
                check.add(path, f"{pid!r} has an envelope of its own; remove it to share this fund")
            elif not type(spec.rationing).capped:
                check.add(path, f"{pid!r} is uncapped; a fund member needs a capped rationing rule")
            elif spec.carry_over:
                check.add(
                    f"programmes.{pid}.carry_over",
                    f"carry-over of a shared fund is set on the fund ({base}.carry_over)",
                )
            owner[pid] = fid
            members.append(index[pid])
        funds.append(
            _fund(
                fid,
                fund.label,
                fund.envelope,
                tuple(members),
                fund.allocation,
                fund.carry_over,
                n_years,
                True,
            )
        )
    own = []
    for pid, spec in scenario.programmes.items():
        capped = type(spec.rationing).capped
        if capped and spec.envelope is not None:
            own.append(
                _fund(
                    pid,
                    spec.label,
                    spec.envelope,
                    (index[pid],),
                    "priority",
                    spec.carry_over,
                    n_years,
                    False,
                )
            )
        elif capped and pid not in owner:
            check.add(
                f"programmes.{pid}.envelope",
                f"rationing rule {spec.rationing.rule!r} needs an envelope",
                expected='envelope = { per_year = … } or { total = …, split = "equal" }, '
                'a shared fund that lists it among its members, or rationing = "uncapped"',
            )
    return (*own, *funds)


def _limits(scenario: Scenario, check: _Checker) -> tuple[LimitPlan, ...]:
    """No-double-dipping rules; their programmes must pay the same population."""
    index = {pid: i for i, pid in enumerate(scenario.programmes)}
    limits = []
    for lid, limit in scenario.limits.items():
        base = f"limits.{lid}"
        members = []
        for k, pid in enumerate(limit.programmes):
            if pid not in index:
                check.unknown(f"{base}.programmes.{k}", "programme", pid, index)
            else:
                members.append(index[pid])
        names = [scenario.programmes[p].population for p in limit.programmes if p in index]
        if len(set(names)) > 1:
            check.add(
                f"{base}.programmes",
                "no double-dipping compares the same applicants: every programme must draw on "
                "one population",
                found=", ".join(
                    f"{p} → {n}" for p, n in zip(limit.programmes, names, strict=False)
                ),
            )
        if len(set(members)) != len(members):
            check.add(f"{base}.programmes", "a programme is listed twice")
        limits.append(LimitPlan(lid, tuple(members), limit.exclusive, limit.cap))
    return tuple(limits)
