"""The factors of a sensitivity analysis: the scenario's ranged numbers, and points in their box.

A :class:`Factor` is one row of the parameter table (:func:`budgetsim.parameters.parameter_list`)
that has a plausible range. A point of the box is given in unit coordinates ``u ∈ [0, 1]``
per factor (0: the low end, 1: the high end), which is how SALib's designs come; :func:`changes`
turns it into the ``{path: value}`` changes :func:`budgetsim.vary` takes. A per-year number
moves every year together (``u`` of the way from each year's low end to its high end); a whole
number (a count of banks, of prizes) is rounded.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from budgetsim.errors import BudgetsimError, Problem, ScenarioError, did_you_mean
from budgetsim.metrics import Lang
from budgetsim.parameters import Parameter, parameter_list

if TYPE_CHECKING:
    from budgetsim.scenario import Scenario

__all__ = ["Factor", "changes", "factors", "vary_point"]


@dataclass(frozen=True)
class Factor:
    """One ranged number of a scenario, varied over its plausible range.

    Attributes
    ----------
    parameter
        Its row of the parameter table (path, value, unit, kind, grade, labels, range).
    whole
        The scenario takes only whole numbers there (counts): values are rounded.
    """

    parameter: Parameter
    whole: bool

    @property
    def path(self) -> str:
        """The dotted path, as ``--set`` takes it."""
        return self.parameter.path

    def label(self, lang: Lang = "zh") -> str:
        """The number as a reader calls it."""
        return self.parameter.label_zh if lang == "zh" else self.parameter.label_en

    def at(self, u: float) -> Any:
        """The value ``u`` of the way from the low end (0) to the high end (1)."""
        low, high = self.parameter.low, self.parameter.high
        if isinstance(low, tuple):
            return [self._one(a, b, u) for a, b in zip(low, high, strict=True)]
        return self._one(low, high, u)

    def _one(self, low: float, high: float, u: float) -> float | int:
        value = low if u <= 0 else high if u >= 1 else low + u * (high - low)
        return round(value) if self.whole else float(value)

    def ends(self) -> tuple[Any, Any]:
        """The low and high ends, as values."""
        return self.at(0.0), self.at(1.0)


def _whole(scenario: Scenario, row: Parameter) -> bool:
    """Whether the scenario takes only whole numbers at ``row``: a stated whole number that
    does not take a fraction."""
    if not _stated_whole(row):
        return False
    try:
        scenario.vary({row.path: _plus_half(row)})
    except ScenarioError as exc:
        return "whole number" in str(exc)
    return False


def _whole_paths(scenario: Scenario, rows: Sequence[Parameter]) -> set[str]:
    """The paths of ``rows`` that take only whole numbers (:func:`_whole`), found with one
    validation of every stated whole number plus a half; row by row only when that
    validation fails for another reason too."""
    ints = [r for r in rows if _stated_whole(r)]
    if not ints:
        return set()
    try:
        scenario.vary({r.path: _plus_half(r) for r in ints})
    except ScenarioError as exc:
        if all("whole number" in p.render() for p in exc.problems):
            hit = [p.path for p in exc.problems]
            return {
                r.path for r in ints if any(h == r.path or h.startswith(f"{r.path}.") for h in hit)
            }
        return {r.path for r in ints if _whole(scenario, r)}
    return set()


def _stated_whole(row: Parameter) -> bool:
    values = row.value if isinstance(row.value, tuple) else (row.value,)
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _plus_half(row: Parameter) -> Any:
    return [v + 0.5 for v in row.value] if isinstance(row.value, tuple) else row.value + 0.5


def _select(paths: Sequence[str], patterns: Sequence[str], what: str) -> set[str]:
    chosen: set[str] = set()
    for pattern in patterns:
        hits = {p for p in paths if fnmatch.fnmatchcase(p, pattern) or p == pattern}
        hits |= {p for p in paths if p.startswith(pattern.rstrip(".") + ".")}
        if not hits:
            close = did_you_mean(pattern, paths)
            hint = f"; did you mean {close!r}?" if close else " (`budgetsim params --uncertain`)"
            raise BudgetsimError(f"{what} {pattern!r}: no ranged number matches{hint}")
        chosen |= hits
    return chosen


def factors(
    scenario: Scenario,
    *,
    only: Sequence[str] = (),
    exclude: Sequence[str] = (),
    kind: str | None = None,
) -> list[Factor]:
    """The ranged numbers of a scenario to vary, in the parameter table's order.

    Parameters
    ----------
    scenario
        A loaded scenario.
    only, exclude
        Paths, path prefixes (``populations.tech_borrowers``) or patterns
        (``*.arrivals.mean``) to keep or to leave out.
    kind
        ``"assumption"`` or ``"lever"`` to keep only those.

    Raises
    ------
    BudgetsimError
        A pattern that matches no ranged number (with the closest path), or nothing left.
    """
    rows = [r for r in parameter_list(scenario) if r.uncertain]
    paths = [r.path for r in rows]
    keep = _select(paths, only, "--only") if only else set(paths)
    keep -= _select(paths, exclude, "--exclude") if exclude else set()
    chosen = [r for r in rows if r.path in keep and (kind is None or r.kind == kind)]
    if not chosen:
        raise BudgetsimError(
            f"{scenario.id}: no number with a plausible range to vary"
            + (" among those chosen" if only or exclude or kind else "")
        )
    whole = _whole_paths(scenario, chosen)
    return [Factor(r, r.path in whole) for r in chosen]


def changes(chosen: Sequence[Factor], u: Sequence[float] | NDArray[np.float64]) -> dict[str, Any]:
    """The changes that put every factor ``u`` of the way along its range."""
    return {f.path: f.at(float(x)) for f, x in zip(chosen, u, strict=True)}


def vary_point(scenario: Scenario, point: dict[str, Any]) -> Scenario:
    """``scenario.vary(point)`` for a point of the plausible ranges; a point that is not a
    valid scenario (ranges that cross, such as a uniform's low and high) is one message that
    says which ranges to narrow.

    Raises
    ------
    BudgetsimError
        Naming the point's problem and the numbers the design set.
    """
    try:
        return scenario.vary(point)
    except ScenarioError as exc:
        problems = "; ".join(p.render() for p in exc.problems)
        raise BudgetsimError(
            f"{scenario.id}: a combination of values within the plausible ranges is not a valid "
            f"scenario ({problems}); narrow the ranges so that every combination is valid"
        ) from None


def range_problems(scenario: Scenario) -> list[Problem]:
    """Every plausible range whose ends are not valid values of their number: an end that the
    field refuses (a rate of 5, a count beyond its bound) or a low end above the high end.

    Each end is a valid value with every other number as stated, so that a mistake is found by
    ``budgetsim validate`` rather than by the point of a design that reaches it. Every low end
    is tried at once, and every high end (two validations when all is well); only when one of
    these fails are the ends tried one by one, to name the culprits.
    """
    problems = []
    try:
        ranged = factors(scenario)
    except BudgetsimError:  # no number has a range: nothing to check
        ranged = []
    ordered = []
    for factor in ranged:
        low, high = factor.ends()  # of the value's shape: checked when the scenario loaded
        lows, highs = (low, high) if isinstance(low, list) else ([low], [high])
        if any(a > b for a, b in zip(lows, highs, strict=True)):
            where = f"{factor.path} (plausible range)"
            problems.append(
                Problem(where, "low end above the high end", "low ≤ high", f"{low} > {high}")
            )
        else:
            ordered.append(factor)
    for end, u in (("low", 0.0), ("high", 1.0)):
        if _refused(scenario, {f.path: f.at(u) for f in ordered}) is None:
            continue
        for factor in ordered:
            refused = _refused(scenario, {factor.path: factor.at(u)})
            if refused is not None:
                reason = "; ".join(p.render() for p in refused.problems)
                problems.append(
                    Problem(
                        f"{factor.path} (plausible range)",
                        f"its {end} end is not a valid value ({reason})",
                    )
                )
    return problems


def _refused(scenario: Scenario, point: dict[str, Any]) -> ScenarioError | None:
    """Why ``scenario`` varied to ``point`` is not valid, or None when it is."""
    if not point:
        return None
    try:
        scenario.vary(point)
    except ScenarioError as exc:
        return exc
    return None
