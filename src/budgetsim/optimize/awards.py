"""Award firms from an applicant list under a programme's rules.

Each applicant ``i`` may receive up to ``u_i = min(amount_i, cap)``. The award is continuous
(``0 ≤ x_i ≤ u_i``), all-or-nothing (``x_i = u_i·y_i``, ``y_i ∈ {0, 1}``), or at least a
minimum when given at all (``x_i = 0`` or ``m ≤ x_i ≤ u_i``). Awards together stay within the
envelope, and each group quota keeps a group's share of the money awarded between its bounds:
``Σ_{i∈g} x_i ≥ s_min · Σ_i x_i`` is the linear row ``Σ_i (s_min − [i∈g]) x_i ≤ 0``.

Objectives, per 万元 awarded to ``i`` (so each is linear in ``x``):

- ``"count"``: ``1/u_i`` — firms funded (a fraction for a part award);
- ``"score"``: ``score_i/u_i`` — review score of the firms funded;
- ``"money_score"``: ``score_i`` — money weighted by score;
- ``"money"``: 1 — money awarded.

The model is built as arrays (:class:`~budgetsim.optimize._lp.LinearProgram`); the answer is
re-checked in numpy against these rules before it is returned. ``method = "round"`` solves the
LP relaxation of an all-or-nothing model, rounds down and fills greedily by value per 万元: the
result is feasible and its distance from the LP bound is reported.

A solve short of a proven optimum never raises: the best awards the solver found are kept, or
— when it found none (time limit, solver failure) — the LP relaxation rounded and filled, or
else a greedy fill by value per 万元 within every row (always feasible, as no award at all is).
:attr:`AwardResult.note` says which, with the gap to the best bound known.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from budgetsim.optimize._lp import (
    LinearProgram,
    OptimizationError,
    Solution,
    SolverName,
    Status,
    shortfall,
    solve,
    violations,
)
from budgetsim.optimize.applicants import Applicants

__all__ = ["AwardResult", "AwardRules", "Quota", "award", "award_program"]

Floats = NDArray[np.float64]
Objective = Literal["count", "score", "money_score", "money"]
OBJECTIVES: tuple[Objective, ...] = ("count", "score", "money_score", "money")
_TOL = 1e-6
#: Amounts below this count as nothing requested [unit].
SMALLEST = 1e-6
#: Relative gap at which an integer award model counts as solved.
MIP_GAP = 1e-6


@dataclass(frozen=True)
class Quota:
    """Bounds on one group's share of the money awarded.

    Attributes
    ----------
    column, group
        The group column and the label (``Quota("district", "蓬江区", min_share=0.1)``).
    min_share, max_share
        Share of all money awarded that goes to the group [fraction].
    """

    column: str
    group: str
    min_share: float = 0.0
    max_share: float = 1.0

    def describe(self) -> str:
        """The quota in words."""
        parts = []
        if self.min_share > 0:
            parts.append(f"≥ {self.min_share:.0%}")
        if self.max_share < 1:
            parts.append(f"≤ {self.max_share:.0%}")
        return f"{self.column}={self.group} {' and '.join(parts) or 'any share'} of the money"


@dataclass(frozen=True)
class AwardRules:
    """A programme's award rules.

    Attributes
    ----------
    envelope
        Money to award [unit].
    cap
        Most any one applicant may receive [unit]; None for no cap beyond its amount.
    min_award
        Least award given at all [unit]; applicants entitled to less get nothing.
    all_or_nothing
        Whether each applicant gets its full amount (up to the cap) or nothing.
    quotas
        Group share bounds.
    objective
        ``"count"``, ``"score"``, ``"money_score"`` or ``"money"`` (see the module notes).
    """

    envelope: float
    cap: float | None = None
    min_award: float | None = None
    all_or_nothing: bool = False
    quotas: tuple[Quota, ...] = ()
    objective: Objective = "count"


@dataclass(frozen=True)
class AwardResult:
    """Who gets what, and why.

    Attributes
    ----------
    table
        One row per applicant: ``id``, ``amount``, ``entitled`` (amount after the cap),
        ``award``, ``share`` (award ÷ entitled), ``value_per_unit`` (objective per 万元),
        ``reason`` (empty when paid in full; otherwise why not), and the group columns.
    status
        How the solve ended.
    objective
        Objective value of the awards.
    bound
        Best bound on the objective (the LP relaxation for an integer model); equals
        ``objective`` for a continuous model solved to optimality.
    binding
        The constraints that hold with equality, in words.
    solver, method
        Solver used and ``"exact"`` or ``"round"``.
    build_seconds, solve_seconds
        Model construction and solver time [s].
    rules
        The rules applied.
    note
        Why the awards are short of a proven optimum and what was kept, in words (empty when
        optimal), e.g. "stopped by the time limit after 5 s: best awards found, gap 0.1 %".
    """

    table: pd.DataFrame
    status: Status
    objective: float
    bound: float
    binding: tuple[str, ...]
    solver: SolverName
    method: str
    build_seconds: float
    solve_seconds: float
    rules: AwardRules
    note: str = ""

    @property
    def total(self) -> float:
        """Money awarded [unit]."""
        return float(self.table["award"].sum())

    @property
    def funded(self) -> int:
        """Applicants with a non-zero award."""
        return int((self.table["award"] > 0).sum())

    @property
    def gap(self) -> float:
        """Relative distance of the objective from its bound [fraction]."""
        return abs(self.bound - self.objective) / max(abs(self.bound), 1e-12)


def _entitled(applicants: Applicants, rules: AwardRules) -> Floats:
    # below a millionth of the unit (0.01 yuan in 万元) an amount is nothing: 1/u would overflow
    u = np.where(applicants.amount >= SMALLEST, applicants.amount, 0.0)
    if rules.cap is not None:
        u = np.minimum(u, rules.cap)
    if rules.min_award is not None:
        u = np.where(u >= rules.min_award, u, 0.0)
    return u


def _value_per_unit(applicants: Applicants, entitled: Floats, objective: Objective) -> Floats:
    """Objective gained per 万元 awarded to each applicant."""
    safe = np.where(entitled > 0, entitled, 1.0)
    return {
        "count": 1.0 / safe,
        "score": applicants.score / safe,
        "money_score": applicants.score,
        "money": np.ones_like(entitled),
    }[objective] * (entitled > 0)


def _check_rules(applicants: Applicants, rules: AwardRules) -> None:
    """Reject rules that conflict, in the planner's terms, before any solve."""
    problems = []
    if rules.objective not in OBJECTIVES:
        problems.append(f"objective {rules.objective!r} is not one of {', '.join(OBJECTIVES)}")
    if not np.isfinite(rules.envelope) or rules.envelope < 0:
        problems.append(f"the envelope must be a non-negative amount, found {rules.envelope}")
    if rules.cap is not None and rules.cap <= 0:
        problems.append(f"the cap per applicant must be positive, found {rules.cap}")
    if rules.min_award is not None and rules.cap is not None and rules.min_award > rules.cap:
        problems.append(
            f"the minimum award {rules.min_award:g} exceeds the cap per applicant {rules.cap:g}"
        )
    minimum: dict[str, float] = {}
    for q in rules.quotas:
        if q.column not in applicants.groups:
            problems.append(
                f"quota on column {q.column!r}, which the applicant list does not have "
                f"(group columns: {', '.join(applicants.groups) or 'none'})"
            )
            continue
        members = applicants.groups[q.column] == q.group
        if not 0 <= q.min_share <= q.max_share <= 1:
            problems.append(f"quota {q.describe()}: expected 0 ≤ min_share ≤ max_share ≤ 1")
        if q.min_share > 0 and not members.any():
            problems.append(f"quota {q.describe()}: no applicant has {q.column}={q.group}")
        minimum[q.column] = minimum.get(q.column, 0.0) + q.min_share
    for column, total in minimum.items():
        if total > 1 + _TOL:
            quotas = "; ".join(q.describe() for q in rules.quotas if q.column == column)
            problems.append(
                f"the minimum shares by {column} add up to {total:.0%} of the money, more than "
                f"all of it: {quotas}"
            )
    if problems:
        raise OptimizationError("the award rules conflict:\n  - " + "\n  - ".join(problems))


def award_program(applicants: Applicants, rules: AwardRules) -> tuple[LinearProgram, int]:
    """The award model as arrays.

    Returns
    -------
    lp
        Variables: awards ``x`` (or indicators ``y`` when all-or-nothing), then — with a
        minimum award — one indicator per applicant.
    n
        Number of applicants (the award variables come first).
    """
    _check_rules(applicants, rules)
    n = len(applicants)
    u = _entitled(applicants, rules)
    value = _value_per_unit(applicants, u, rules.objective)
    # money per unit of each award variable: u_i for an indicator, 1 for an amount
    money = u if rules.all_or_nothing else np.ones(n)
    rows = [money[None, :]]
    rhs = [rules.envelope]
    for q in rules.quotas:
        member = (applicants.groups[q.column] == q.group).astype(float)
        if q.min_share > 0:
            rows.append(((q.min_share - member) * money)[None, :])
            rhs.append(0.0)
        if q.max_share < 1:
            rows.append(((member - q.max_share) * money)[None, :])
            rhs.append(0.0)
    a_ub = sparse.csr_array(np.vstack(rows))
    b_ub = np.asarray(rhs, dtype=float)
    c = value * money
    lower, upper = np.zeros(n), (np.where(u > 0, 1.0, 0.0) if rules.all_or_nothing else u)
    integer = np.full(n, rules.all_or_nothing)
    if rules.min_award is not None and not rules.all_or_nothing:
        m = rules.min_award
        eye = sparse.identity(n, format="csr")
        # x_i ≤ u_i·y_i and m·y_i ≤ x_i, with y_i binary
        link = sparse.vstack(
            [
                sparse.hstack([eye, -sparse.diags(u)]),
                sparse.hstack([-eye, m * eye]),
            ]
        )
        a_ub = sparse.csr_array(
            sparse.vstack([sparse.hstack([a_ub, sparse.csr_array((a_ub.shape[0], n))]), link])
        )
        b_ub = np.concatenate([b_ub, np.zeros(2 * n)])
        c = np.concatenate([c, np.zeros(n)])
        lower = np.zeros(2 * n)
        upper = np.concatenate([u, (u > 0).astype(float)])
        integer = np.concatenate([np.zeros(n, bool), np.ones(n, bool)])
    return LinearProgram(c, a_ub, b_ub, lower, upper, integer, maximize=True), n


def _round_and_fill(lp: LinearProgram, y: Floats) -> Floats:
    """Round an all-or-nothing LP relaxation down, then add whole awards in order of value per
    万元 while every row still holds (one vectorised pass per award added)."""
    chosen = np.floor(y + _TOL)
    rows = lp.a_ub.toarray()  # a few rows: the envelope and the quotas
    slack = lp.b_ub - rows @ chosen
    density = lp.c / np.maximum(rows[0], 1e-12)
    order = np.argsort(-density, kind="stable")
    open_ = order[(chosen[order] == 0) & (lp.upper[order] > 0)]
    while open_.size:
        fits = np.all(
            rows[:, open_] <= slack[:, None] + _TOL * np.maximum(1.0, np.abs(lp.b_ub))[:, None],
            axis=0,
        )
        if not fits.any():
            break
        first = int(np.argmax(fits))
        j = open_[first]
        chosen[j] = 1.0
        slack = slack - rows[:, j]
        # with a quota row, adding a member can make room for others; otherwise the slack
        # only shrinks and what did not fit never will
        negative = (rows < 0).any()
        open_ = np.delete(open_, first) if negative else open_[first + 1 :][fits[first + 1 :]]
    return chosen


def _greedy_fill(lp: LinearProgram, start: Floats, value: Floats, n: int) -> Floats:
    """Awards in money terms: from a feasible ``start``, raise each award in order of value
    per 万元 as far as its bound and every row allow, pass after pass while any rises.

    Works on the award variables of any of the three models: an indicator (all-or-nothing)
    rises by whole units only, and with a minimum award (indicators after the awards) an award
    starts only at the minimum or more. Every row holds throughout, so the result is feasible
    as the start is (no award at all always is).
    """
    rows = lp.a_ub[: lp.b_ub.size - (lp.n - n) * 2].toarray()[:, :n]  # envelope and quotas
    b = lp.b_ub[: rows.shape[0]]
    whole = bool(lp.integer[:n].all())
    minimum = lp.n > n  # with a minimum award: x_i ≥ m·y_i, read m from the link rows
    least = np.zeros(n)
    if minimum:
        link = lp.a_ub[lp.b_ub.size - n :].tocsr()  # −x_i + m·y_i ≤ 0
        least = np.asarray(link[:, n:].sum(axis=1)).ravel()
    x = start[:n].copy()
    slack = b - rows @ x
    order = np.argsort(-value, kind="stable")
    order = order[lp.upper[order] > 0]
    for _ in range(100):  # quota rows free room for others: a few passes settle it
        grew = False
        for j in order:
            col = rows[:, j]
            pos = col > 0
            room = lp.upper[j] - x[j]
            if pos.any():
                room = min(room, float(np.min(np.maximum(slack[pos], 0.0) / col[pos])))
            if whole:
                room = np.floor(room + _TOL)
            if room <= _TOL * max(1.0, lp.upper[j]) or (x[j] == 0 and room < least[j]):
                continue
            x[j] += room
            slack -= col * room
            grew = True
        if not grew:
            break
    if minimum:
        return np.concatenate([x, (x > 0).astype(float)])
    return x


def _fallback(lp: LinearProgram, sol: Solution, value: Floats, n: int) -> tuple[Floats, float, str]:
    """Variables of a feasible answer when the solver gave none, the objective and what was
    kept: the LP relaxation rounded down (and a part award below the minimum dropped), then
    filled greedily; the greedy fill alone when that breaks a row or there is no relaxation."""
    start, how = np.zeros(lp.n), "greedy awards by value per unit (no solver answer)"
    if sol.relaxed is not None:
        relaxed = sol.relaxed.copy()
        if lp.integer[:n].all():  # indicators: round down
            relaxed = np.floor(relaxed + _TOL)
        elif lp.n > n:  # minimum award: keep the awards that reach it
            least = np.asarray(lp.a_ub[lp.b_ub.size - n :][:, n:].sum(axis=1)).ravel()
            keep = relaxed[:n] >= least - _TOL * np.maximum(1.0, least)
            relaxed = np.concatenate([np.where(keep, relaxed[:n], 0.0), keep.astype(float)])
        if not violations(lp, relaxed):
            start, how = relaxed, "the LP relaxation rounded and filled greedily"
    x = _greedy_fill(lp, start, value, n)
    return x, float(lp.c @ x), how


def _topped_up(lp: LinearProgram, sol: Solution, value: Floats, n: int) -> tuple[Floats, str]:
    """The solver's answer, with whole values for the indicators; one short of a proven
    optimum is filled greedily where money is left, and the note says so."""
    x = np.where(lp.integer, np.round(sol.x), sol.x)
    if sol.status is Status.OPTIMAL:
        return x, shortfall(sol, "awards")
    filled = _greedy_fill(lp, x, value, n)
    if float(lp.c @ filled) > float(lp.c @ x) + 1e-9 * max(1.0, abs(float(lp.c @ x))):
        kept = "best awards found, topped up greedily"
        return filled, shortfall(sol, "awards", fallback=kept, objective=float(lp.c @ filled))
    return x, shortfall(sol, "awards")


def _all_or_nothing(
    lp: LinearProgram,
    u: Floats,
    value: Floats,
    solver: SolverName,
    method: str,
    time_limit: float | None,
) -> tuple[Floats, Status, float, float, Solution, str]:
    """Whole awards: ``"exact"`` solves the integer model; ``"round"`` rounds the LP
    relaxation down and fills greedily, and reports the relaxation as the bound."""
    n = u.size
    if method == "exact":
        sol = solve(lp, solver, time_limit=time_limit, mip_gap=MIP_GAP)
        if sol.usable:
            y, note = _topped_up(lp, sol, value, n)
            objective = float(lp.c @ y)
            bound = objective if sol.status is Status.OPTIMAL else sol.bound
            return y * u, sol.status, objective, bound, sol, note
        y, objective, how = _fallback(lp, sol, value, n)
        note = shortfall(sol, "awards", fallback=how, objective=objective)
        return y * u, Status.FEASIBLE, objective, sol.bound, sol, note
    relaxed = replace(lp, integer=np.zeros(lp.n, bool))
    # HiGHS's presolve is slow on this wide shape; CBC's is not
    sol = solve(relaxed, solver, time_limit=time_limit, presolve=solver == "cbc")
    if not sol.usable:
        y, objective, how = _fallback(lp, sol, value, n)
        note = shortfall(sol, "awards", fallback=how, objective=objective)
        return y * u, Status.FEASIBLE, objective, float("nan"), sol, note
    y = _round_and_fill(relaxed, sol.x)
    if violations(lp, y):
        raise OptimizationError(
            "rounding the LP relaxation breaks a minimum quota; use method 'exact'"
        )
    objective = float(lp.c @ y)
    close = objective >= sol.objective - 1e-9 * max(1.0, abs(sol.objective))
    note = shortfall(sol, "awards") if sol.status is not Status.OPTIMAL else ""
    return y * u, Status.OPTIMAL if close else Status.FEASIBLE, objective, sol.objective, sol, note


def _within_envelope(award: Floats, value: Floats, envelope: float, whole: bool) -> Floats:
    """The awards with any excess over the envelope taken back (a solver meets a row only to
    its feasibility tolerance, 1e-6, which must not pay out money that is not there): from the
    awards of least value per 万元 first, whole awards when ``whole``.

    Examples
    --------
    >>> _within_envelope(np.array([1e-6]), np.array([1.0]), 0.0, True)
    array([0.])
    >>> _within_envelope(np.array([5.0, 5.0 + 1e-7]), np.array([2.0, 1.0]), 10.0, False)
    array([5., 5.])
    """
    excess = float(award.sum()) - envelope
    if excess <= 0:
        return award
    order = np.argsort(value, kind="stable")
    order = order[award[order] > 0]
    taken = np.cumsum(award[order])
    out = award.copy()
    if whole:  # drop the fewest least-valued awards that cover the excess
        out[order[: int(np.searchsorted(taken, excess)) + 1]] = 0.0
        return out
    before = taken - award[order]
    cut = np.clip(excess - before, 0.0, award[order])
    out[order] = award[order] - cut
    return out


def _verify(applicants: Applicants, rules: AwardRules, award: Floats) -> None:
    """Re-check the awards against the rules (not the model): a failure is a bug, not a result."""
    u = _entitled(applicants, rules)
    scale = max(1.0, rules.envelope)
    bad = []
    if (award < -_TOL * scale).any() or (award > u + _TOL * np.maximum(1.0, u)).any():
        bad.append("an award outside [0, entitled]")
    if award.sum() > rules.envelope + _TOL * scale:
        bad.append(f"awards {award.sum():.6g} exceed the envelope {rules.envelope:.6g}")
    if rules.all_or_nothing and (np.minimum(award, np.abs(u - award)) > _TOL * scale).any():
        bad.append("a part award under all-or-nothing")
    if rules.min_award is not None:
        small = (award > _TOL * scale) & (award < rules.min_award - _TOL * scale)
        if small.any():
            bad.append("an award below the minimum")
    total = award.sum()
    for q in rules.quotas:
        share = award[applicants.groups[q.column] == q.group].sum()
        if share < q.min_share * total - _TOL * scale or share > q.max_share * total + _TOL * scale:
            bad.append(f"quota {q.describe()} broken ({share / max(total, 1e-12):.2%})")
    if bad:
        raise OptimizationError("the awards fail the independent check: " + "; ".join(bad))


def _explain(
    applicants: Applicants, rules: AwardRules, award: Floats, u: Floats, value: Floats
) -> tuple[list[str], tuple[str, ...]]:
    """Reasons per applicant, and the binding constraints."""
    scale = max(1.0, rules.envelope)
    total = float(award.sum())
    binding = []
    left = rules.envelope - total
    waiting = (award < u - _TOL * np.maximum(1.0, u)) & (u > 0)
    if left <= _TOL * scale and rules.envelope > 0:
        binding.append(f"envelope ({rules.envelope:,.6g} {applicants.unit}, all awarded)")
    elif rules.all_or_nothing and waiting.any() and left < u[waiting].min():
        binding.append(
            f"envelope ({left:,.6g} {applicants.unit} left, less than any unfunded request)"
        )
    at_max: list[Quota] = []
    for q in rules.quotas:
        share = award[applicants.groups[q.column] == q.group].sum()
        if q.min_share > 0 and share <= q.min_share * total + _TOL * scale and total > 0:
            binding.append(f"quota {q.column}={q.group} at its minimum ({q.min_share:.0%})")
        if q.max_share < 1 and share >= q.max_share * total - _TOL * scale:
            binding.append(f"quota {q.column}={q.group} at its maximum ({q.max_share:.0%})")
            at_max.append(q)
    capped = (
        int(((applicants.amount > rules.cap) & (award >= rules.cap - _TOL * scale)).sum())
        if rules.cap is not None
        else 0
    )
    if capped:
        binding.append(f"cap per applicant ({rules.cap:,.6g} {applicants.unit}) for {capped}")
    funded = award > _TOL * scale
    cutoff = float(value[funded].min()) if funded.any() else float("inf")
    reasons = []
    for i in range(len(applicants)):  # one string per applicant: presentation, not the engine
        if applicants.amount[i] < SMALLEST:
            reasons.append("nothing requested")
        elif u[i] <= 0:
            reasons.append(f"entitlement below the minimum award {rules.min_award:,.6g}")
        elif award[i] >= u[i] - _TOL * max(1.0, u[i]):
            reasons.append("")
        else:
            full = [q for q in at_max if applicants.groups[q.column][i] == q.group]
            if full:
                why = f"{full[0].column}={full[0].group} is at its maximum share"
            elif rules.objective == "money":
                why = "the envelope ran out (every 万元 counts the same under 'money')"
            else:
                why = (
                    f"the envelope ran out: {value[i]:.4g} per {applicants.unit} "
                    f"against a cut-off of {cutoff:.4g}"
                )
            reasons.append(("part award: " if funded[i] else "") + why)
    return reasons, tuple(binding)


def award(
    applicants: Applicants,
    rules: AwardRules,
    *,
    solver: SolverName = "cbc",
    method: Literal["exact", "round"] = "exact",
    time_limit: float | None = None,
) -> AwardResult:
    """Choose awards that maximise the objective under the rules.

    Parameters
    ----------
    applicants
        The list (:func:`~budgetsim.optimize.read_applicants`).
    rules
        Envelope, cap, minimum or all-or-nothing, quotas and the objective.
    solver
        ``"cbc"``, ``"highs"`` or ``"scipy"``.
    method
        ``"exact"`` solves the model as stated; ``"round"`` (all-or-nothing only) rounds the
        LP relaxation and fills greedily, reporting the gap to the LP bound.
    time_limit
        Solver time limit [s]; a stop at the limit returns the best awards found with status
        ``FEASIBLE`` — the solver's, or when it found none the rounded LP relaxation or a
        greedy fill — and says which in ``note``.

    Raises
    ------
    OptimizationError
        When the rules conflict (named in words), the solver is missing or crashes, or the
        awards fail the independent check (a bug, not a result).

    Examples
    --------
    >>> apps = Applicants(np.array(["a", "b", "c"]), np.array([60.0, 50.0, 40.0]),
    ...                   np.array([3.0, 2.0, 2.5]), {})
    >>> res = award(apps, AwardRules(envelope=100, all_or_nothing=True, objective="count"))
    >>> res.table[["id", "award"]].to_dict("list")
    {'id': ['a', 'b', 'c'], 'award': [60.0, 0.0, 40.0]}
    """
    if rules.objective in ("score", "money_score") and not applicants.scored:
        raise OptimizationError(
            f"objective {rules.objective!r} ranks by review score, and the list has no score "
            "column; add one (or name it with --score-column), or use objective 'count' or "
            "'money'"
        )
    lp, n = award_program(applicants, rules)
    u = _entitled(applicants, rules)
    value = _value_per_unit(applicants, u, rules.objective)
    if method == "round" and not rules.all_or_nothing:
        raise OptimizationError("method 'round' applies to all-or-nothing awards only")
    if rules.all_or_nothing:
        x, status, objective, bound, sol, note = _all_or_nothing(
            lp, u, value, solver, method, time_limit
        )
    else:
        sol = solve(lp, solver, time_limit=time_limit, presolve=lp.is_mip or solver == "cbc")
        if sol.usable:
            full, note = _topped_up(lp, sol, value, n)
            x, status = full[:n], sol.status
        else:
            full, _, how = _fallback(lp, sol, value, n)
            x, status = full[:n], Status.FEASIBLE
            note = shortfall(sol, "awards", fallback=how, objective=float(value @ x))
        x = np.clip(x, 0.0, u)
        objective = float(value @ x)
        bound = objective if status is Status.OPTIMAL else sol.bound
    x = np.where(x > 1e-9 * np.maximum(1.0, u), x, 0.0)
    x = _within_envelope(x, value, rules.envelope, rules.all_or_nothing)
    _verify(applicants, rules, x)
    reasons, binding = _explain(applicants, rules, x, u, value)
    table = pd.DataFrame(
        {
            "id": applicants.ids,
            "amount": applicants.amount,
            "entitled": u,
            "award": x,
            "share": np.divide(x, u, out=np.zeros(n), where=u > 0),
            "score": applicants.score,
            "value_per_unit": value,
            "reason": reasons,
            **applicants.groups,
        }
    )
    return AwardResult(
        table=table,
        status=status,
        objective=objective,
        bound=bound,
        binding=binding,
        solver=sol.solver,
        method=method,
        build_seconds=sol.build_seconds,
        solve_seconds=sol.solve_seconds,
        rules=rules,
        note=note,
    )
