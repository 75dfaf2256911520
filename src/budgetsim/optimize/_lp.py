"""Linear programs as arrays, and the one adapter that turns them into solver calls.

Every model in :mod:`budgetsim.optimize` is first built as a :class:`LinearProgram` of numpy
and scipy.sparse arrays. From the same arrays it goes either to PuLP (CBC by default, HiGHS
when ``highspy`` is installed) or straight to the HiGHS build inside SciPy (``solver =
"scipy"``), which skips PuLP's per-variable Python objects for wide models. PuLP objects and
status codes never leave this module: callers get a :class:`Solution` with a :class:`Status`.

A solve never ends in a raw solver error. Whatever the solver returns is re-checked in numpy;
an answer short of a proven optimum (a time limit, fractional values of integer variables, an
answer that fails the check) is repaired when it can be — integer values rounded, or the LP
relaxation solved and rounded — and otherwise returned as ``NOT_SOLVED`` with the reason in
words (:attr:`Solution.reason`) and the relaxation's values and bound, for the caller's own
fallback. A solver that is missing or crashes is an :class:`OptimizationError`.

Conventions: ``A_ub x ≤ b_ub``, ``A_eq x = b_eq``, ``lower ≤ x ≤ upper``. Duals are reported as
the change of the objective (in the model's own sense, maximised or minimised) per unit
increase of each row's right-hand side, whatever the solver's sign convention.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, sparse

from budgetsim.errors import BudgetsimError

__all__ = [
    "SOLVERS",
    "LinearProgram",
    "OptimizationError",
    "Solution",
    "SolverName",
    "Status",
    "relative_gap",
    "shortfall",
    "solve",
    "to_pulp",
    "violations",
]

Floats = NDArray[np.float64]
SolverName = Literal["cbc", "highs", "scipy"]
#: Solvers by name: CBC and HiGHS through PuLP, and SciPy's own HiGHS on the arrays.
SOLVERS: tuple[SolverName, ...] = ("cbc", "highs", "scipy")


class OptimizationError(BudgetsimError):
    """A model that cannot be solved, or a solution that fails its independent check."""


class Status(Enum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    #: Stopped at a time limit with a feasible (not proven optimal) solution.
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    #: Stopped without a usable solution (time limit, solver error).
    NOT_SOLVED = "not solved"


@dataclass(frozen=True)
class LinearProgram:
    """``max`` or ``min`` of ``c·x`` under linear rows and bounds, as arrays.

    Attributes
    ----------
    c
        Objective coefficients, shape (n,).
    a_ub, b_ub
        Rows ``a_ub @ x ≤ b_ub``, shapes (m, n) and (m,).
    a_eq, b_eq
        Rows ``a_eq @ x = b_eq``, shapes (q, n) and (q,).
    lower, upper
        Bounds of each variable (``upper`` may be ``inf``).
    integer
        Which variables must take integer values.
    maximize
        Whether ``c·x`` is maximised (else minimised).
    """

    c: Floats
    a_ub: sparse.csr_array
    b_ub: Floats
    lower: Floats
    upper: Floats
    integer: NDArray[np.bool_]
    maximize: bool = True
    a_eq: sparse.csr_array = field(default_factory=lambda: sparse.csr_array((0, 0)))
    b_eq: Floats = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        n = self.c.size
        if self.a_eq.shape == (0, 0):
            object.__setattr__(self, "a_eq", sparse.csr_array((0, n)))
        shapes = {
            "a_ub": (self.a_ub.shape, (self.b_ub.size, n)),
            "a_eq": (self.a_eq.shape, (self.b_eq.size, n)),
            "lower": (self.lower.shape, (n,)),
            "upper": (self.upper.shape, (n,)),
            "integer": (self.integer.shape, (n,)),
        }
        for name, (found, expected) in shapes.items():
            if tuple(found) != expected:
                raise ValueError(f"{name} has shape {found}, expected {expected}")

    @property
    def n(self) -> int:
        """Number of variables."""
        return int(self.c.size)

    @property
    def is_mip(self) -> bool:
        """Whether any variable is integer."""
        return bool(self.integer.any())


@dataclass(frozen=True)
class Solution:
    """What a solver returned, mapped to budgetsim's terms.

    Attributes
    ----------
    status
        How the solve ended.
    x
        Variable values (NaN when there is no solution).
    objective
        ``c·x`` (NaN when there is no solution).
    duals_ub, duals_eq
        Change of the objective per unit of each row's right-hand side; None for integer
        models or when the solver gave none.
    solver
        The solver used (``"cbc"``, ``"highs"`` or ``"scipy"``).
    build_seconds, solve_seconds
        Time to build the solver's model and to solve it [s].
    bound
        Best bound known on the objective (the objective itself when optimal; the solver's
        bound or the LP relaxation's otherwise; NaN when none is known).
    reason
        Why the solve is short of a proven optimum, in words (empty when optimal).
    relaxed
        Values of the LP relaxation, when it was solved to repair or bound an integer model
        (None otherwise): a starting point for a caller's own rounding.
    """

    status: Status
    x: Floats
    objective: float
    duals_ub: Floats | None
    duals_eq: Floats | None
    solver: SolverName
    build_seconds: float
    solve_seconds: float
    bound: float = float("nan")
    reason: str = ""
    relaxed: Floats | None = None

    @property
    def usable(self) -> bool:
        """Whether there is a solution to read (optimal, or feasible at a time limit)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    @property
    def gap(self) -> float:
        """Relative distance of the objective from the bound (NaN when either is unknown)."""
        return relative_gap(self.objective, self.bound)


def relative_gap(objective: float, bound: float) -> float:
    """Relative distance of an objective from its bound, ``|bound − objective| / |bound|``.

    Examples
    --------
    >>> relative_gap(98.0, 100.0)
    0.02
    >>> relative_gap(1.0, float("nan"))
    nan
    """
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("nan")
    return abs(bound - objective) / max(abs(bound), 1e-12)


def shortfall(
    sol: Solution, what: str, *, fallback: str | None = None, objective: float | None = None
) -> str:
    """One sentence on a solve short of a proven optimum, for a result's note.

    Parameters
    ----------
    sol
        The solve.
    what
        What the model chooses (``"split"``, ``"awards"``).
    fallback
        What the caller kept instead of the solver's answer (None: the solver's answer).
    objective
        Objective of what was kept, for the gap (default: the solver's).

    Returns
    -------
    str
        Empty when the solver's own answer is optimal and kept.

    Examples
    --------
    >>> sol = Solution(Status.FEASIBLE, np.zeros(1), 98.0, None, None, "cbc", 0.0, 2.0,
    ...                bound=100.0, reason="stopped by the time limit after 2 s")
    >>> shortfall(sol, "split")
    'stopped by the time limit after 2 s: best split found, gap 2 %'
    >>> shortfall(replace(sol, status=Status.NOT_SOLVED, reason="the solver crashed"), "split",
    ...           fallback="kept the greedy split", objective=90.0)
    'the solver crashed: kept the greedy split, gap 10 %'
    """
    if fallback is None and sol.status is Status.OPTIMAL and not sol.reason:
        return ""
    head = sol.reason or f"the {sol.solver} solver ended {sol.status.value}"
    gap = relative_gap(sol.objective if objective is None else objective, sol.bound)
    gap_text = "gap unknown" if np.isnan(gap) else f"gap {100 * gap:.3g} %"
    kept = f"best {what} found" if fallback is None else fallback
    return f"{head}: {kept}, {gap_text}"


def violations(lp: LinearProgram, x: Floats, tol: float = 1e-6) -> list[str]:
    """Check a solution against every row and bound in numpy, independently of the solver.

    Each tolerance is ``tol`` relative to the magnitude of the row's terms (at least 1), so
    rounding in large sums passes and real violations do not.

    Returns
    -------
    list of str
        One line per kind of violation (empty when ``x`` is feasible).

    Examples
    --------
    >>> lp = LinearProgram(np.ones(2), sparse.csr_array(np.ones((1, 2))), np.array([1.0]),
    ...                    np.zeros(2), np.ones(2), np.zeros(2, bool))
    >>> violations(lp, np.array([0.5, 0.5]))
    []
    >>> violations(lp, np.array([0.9, 0.9]))
    ['1 row(s) a_ub·x ≤ b_ub, worst row 0 by 0.8']
    """
    out = []
    if not np.isfinite(x).all():
        return ["the solution has non-finite values"]
    for name, a, b, eq in (
        ("a_ub·x ≤ b_ub", lp.a_ub, lp.b_ub, False),
        ("a_eq·x = b_eq", lp.a_eq, lp.b_eq, True),
    ):
        if not b.size:
            continue
        lhs = a @ x
        scale = np.maximum(1.0, abs(a) @ np.abs(x) + np.abs(b))
        excess = (np.abs(lhs - b) if eq else lhs - b) / scale
        bad = excess > tol
        if bad.any():
            worst = int(np.argmax(excess))
            out.append(
                f"{int(bad.sum())} row(s) {name}, worst row {worst} by {lhs[worst] - b[worst]:.3g}"
            )
    scale = np.maximum(1.0, np.abs(x))
    low = (lp.lower - x) / scale > tol
    high = (x - lp.upper) / scale > tol
    if low.any() or high.any():
        out.append(f"{int(low.sum() + high.sum())} variable(s) outside their bounds")
    frac = lp.integer & (np.abs(x - np.round(x)) > max(tol, 1e-6))
    if frac.any():
        out.append(f"{int(frac.sum())} integer variable(s) with fractional values")
    return out


def to_pulp(lp: LinearProgram, name: str = "budgetsim") -> tuple[Any, list[Any], list[Any]]:
    """Build the PuLP model of ``lp`` in linear time.

    Each row's expression is made directly from its sparse row as (variable, coefficient)
    pairs: no ``+`` on expressions and no ``lpSum`` over products, which copy terms.

    Returns
    -------
    problem, variables, constraints
        The ``pulp.LpProblem``, its variables in column order, and its constraints (the
        ``≤`` rows, then the ``=`` rows).
    """
    import pulp

    prob = pulp.LpProblem(name, pulp.LpMaximize if lp.maximize else pulp.LpMinimize)
    cats = np.where(lp.integer, pulp.LpInteger, pulp.LpContinuous)
    low = [None if not np.isfinite(v) else float(v) for v in lp.lower]
    up = [None if not np.isfinite(v) else float(v) for v in lp.upper]
    xs = [prob.add_variable(f"x{j}", low[j], up[j], str(cats[j])) for j in range(lp.n)]
    nz = np.flatnonzero(lp.c)
    prob.setObjective(pulp.LpAffineExpression([(xs[j], float(lp.c[j])) for j in nz]))
    rows = []
    for a, b, sense, prefix in (
        (lp.a_ub, lp.b_ub, pulp.LpConstraintLE, "u"),
        (lp.a_eq, lp.b_eq, pulp.LpConstraintEQ, "e"),
    ):
        indptr, indices, data = a.indptr, a.indices.tolist(), a.data.tolist()
        for i in range(b.size):
            lo, hi = indptr[i], indptr[i + 1]
            expr = pulp.LpAffineExpression(
                [(xs[j], v) for j, v in zip(indices[lo:hi], data[lo:hi], strict=True)]
            )
            row = pulp.LpConstraint(expr, sense, f"{prefix}{i}", float(b[i]))
            prob.addConstraint(row, f"{prefix}{i}")
            rows.append(row)
    return prob, xs, rows


def _pulp_status(prob: Any) -> Status:
    # PuLP's overall status says "Optimal" for a HiGHS time-limit stop; the solution status
    # (sol_status) tells a proven optimum (1) from a feasible point found in time (2).
    status, sol = int(prob.status), getattr(prob, "sol_status", None)
    if status == 1 and sol in (1, None):
        return Status.OPTIMAL
    if sol == 2 or status == 1:
        return Status.FEASIBLE
    failed = {-1: Status.INFEASIBLE, -2: Status.UNBOUNDED}
    return failed.get(status, failed.get(int(sol or 0), Status.NOT_SOLVED))


def _pulp_solver(
    lp: LinearProgram,
    solver: SolverName,
    time_limit: float | None,
    presolve: bool,
    mip_gap: float | None,
) -> Any:
    import pulp

    if solver == "cbc":
        # CBC's dual simplex takes 10× longer than its barrier on wide LPs with a few dense
        # rows (award models), and the barrier 400× longer than simplex on square sparse ones
        # (allocation models); the barrier's crossover still gives duals
        wide = lp.n > 5_000 and lp.b_ub.size + lp.b_eq.size <= lp.n // 100
        return pulp.COIN_CMD(
            msg=False,
            timeLimit=time_limit,
            gapRel=mip_gap,
            presolve=None if presolve else False,
            options=["barrier"] if wide and not lp.is_mip else [],
        )
    if not pulp.HiGHS().available():
        raise OptimizationError(
            "solver 'highs' needs the highspy package: pip install 'budgetsim[highs]' "
            "(or choose --solver cbc or --solver scipy)"
        )
    options: dict[str, Any] = {} if presolve else {"presolve": "off", "solver": "ipm"}
    return pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=mip_gap, **options)


def _solve_pulp(
    lp: LinearProgram,
    solver: SolverName,
    time_limit: float | None,
    presolve: bool,
    mip_gap: float | None,
) -> Solution:
    import pulp

    t0 = time.perf_counter()
    prob, xs, rows = to_pulp(lp)
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            prob.solve(_pulp_solver(lp, solver, time_limit, presolve, mip_gap))
        except pulp.PulpSolverError as exc:
            raise OptimizationError(f"the {solver} solver failed: {exc}") from None
    t2 = time.perf_counter()
    status = _pulp_status(prob)
    bound = _highs_bound(prob, lp) if solver == "highs" and status is Status.FEASIBLE else np.nan
    x = np.full(lp.n, np.nan)
    duals: tuple[Floats | None, Floats | None] = (None, None)
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        x = np.array([v.varValue if v.varValue is not None else np.nan for v in xs])
        # PuLP leaves out variables in no row and with no cost: any value in bounds will do
        x = np.where(np.isnan(x), np.clip(0.0, lp.lower, lp.upper), x)
        if not lp.is_mip and status is Status.OPTIMAL:
            pi = np.array([r.pi if r.pi is not None else np.nan for r in rows], dtype=float)
            if solver == "highs" and lp.maximize:
                pi = -pi  # PuLP passes on HiGHS's duals of the minimised problem
            if np.isfinite(pi).all():
                duals = (pi[: lp.b_ub.size], pi[lp.b_ub.size :])
    return replace(_solution(lp, status, x, duals, solver, t1 - t0, t2 - t1), bound=bound)


def _highs_bound(prob: Any, lp: LinearProgram) -> float:
    """HiGHS's dual bound of an integer model stopped early (NaN when it gives none)."""
    try:
        value = float(prob.solverModel.getInfo().mip_dual_bound)
    except (AttributeError, TypeError, ValueError):
        return float("nan")
    # PuLP hands HiGHS the model in its own sense; an unset bound is ±inf
    return value if lp.is_mip and np.isfinite(value) else float("nan")


def _solve_scipy(
    lp: LinearProgram, time_limit: float | None, presolve: bool, mip_gap: float | None
) -> Solution:
    t0 = time.perf_counter()
    sign = -1.0 if lp.maximize else 1.0
    bounds = np.column_stack([lp.lower, lp.upper])
    bound = float("nan")
    duals: tuple[Floats | None, Floats | None] = (None, None)
    if lp.is_mip:
        constraints = [
            optimize.LinearConstraint(lp.a_ub, -np.inf, lp.b_ub),
            optimize.LinearConstraint(lp.a_eq, lp.b_eq, lp.b_eq),
        ]
        options: dict[str, Any] = {"presolve": presolve}
        if mip_gap is not None:
            options["mip_rel_gap"] = mip_gap
        if time_limit is not None:
            options["time_limit"] = time_limit
        res = optimize.milp(
            sign * lp.c,
            constraints=[c for c in constraints if c.A.shape[0]],
            integrality=lp.integer.astype(int),
            bounds=optimize.Bounds(lp.lower, lp.upper),
            options=options,
        )
        code = res.status
        x = res.x if res.x is not None else np.full(lp.n, np.nan)
        status = {0: Status.OPTIMAL, 2: Status.INFEASIBLE, 3: Status.UNBOUNDED}.get(
            code, Status.FEASIBLE if res.x is not None else Status.NOT_SOLVED
        )
        dual_bound = res.get("mip_dual_bound")
        if status is Status.FEASIBLE and dual_bound is not None and np.isfinite(dual_bound):
            bound = sign * float(dual_bound)
    else:
        opts: dict[str, Any] = {"presolve": presolve}
        if time_limit is not None:
            opts["time_limit"] = time_limit
        res = optimize.linprog(
            sign * lp.c,
            A_ub=lp.a_ub if lp.b_ub.size else None,
            b_ub=lp.b_ub if lp.b_ub.size else None,
            A_eq=lp.a_eq if lp.b_eq.size else None,
            b_eq=lp.b_eq if lp.b_eq.size else None,
            bounds=bounds,
            method="highs" if presolve else "highs-ipm",
            options=opts,
        )
        status = {0: Status.OPTIMAL, 2: Status.INFEASIBLE, 3: Status.UNBOUNDED}.get(
            res.status, Status.NOT_SOLVED
        )
        x = res.x if res.x is not None else np.full(lp.n, np.nan)
        if status is Status.OPTIMAL:
            # linprog minimises sign·c; its marginals are d(min)/d(b): flip back to the model
            ub = sign * np.asarray(res.ineqlin.marginals) if lp.b_ub.size else np.empty(0)
            eq = sign * np.asarray(res.eqlin.marginals) if lp.b_eq.size else np.empty(0)
            duals = (ub, eq)
    t1 = time.perf_counter()
    sol = _solution(lp, status, np.asarray(x, dtype=float), duals, "scipy", 0.0, t1 - t0)
    return replace(sol, bound=bound)


def _solution(
    lp: LinearProgram,
    status: Status,
    x: Floats,
    duals: tuple[Floats | None, Floats | None],
    solver: SolverName,
    build: float,
    solve_s: float,
) -> Solution:
    usable = status in (Status.OPTIMAL, Status.FEASIBLE)
    objective = float(lp.c @ x) if usable else float("nan")
    return Solution(status, x, objective, duals[0], duals[1], solver, build, solve_s)


def solve(
    lp: LinearProgram,
    solver: SolverName = "cbc",
    *,
    time_limit: float | None = None,
    presolve: bool = True,
    mip_gap: float | None = None,
) -> Solution:
    """Solve a linear program and check the answer independently of the solver.

    Parameters
    ----------
    lp
        The model.
    solver
        ``"cbc"`` (bundled with PuLP through ``cbcbox``), ``"highs"`` (PuLP with ``highspy``)
        or ``"scipy"`` (SciPy's HiGHS, straight from the arrays, no PuLP model).
    time_limit
        Seconds before the solver stops with its best solution so far [s].
    mip_gap
        Relative gap between the best solution and the bound at which an integer model
        counts as solved (None: the solver's default).
    presolve
        Whether the solver presolves. HiGHS's presolve is slow on wide award models; off, the
        HiGHS paths use the interior-point method.

    Returns
    -------
    Solution
        Status, values, objective, duals (for continuous models) and timings.

    Returns a :class:`Solution` whatever way the solver stopped: short of a proven optimum,
    its ``status`` says what is left (``FEASIBLE``: a solution that passes the check, with
    ``bound`` and ``reason``; ``NOT_SOLVED``, ``INFEASIBLE``, ``UNBOUNDED``: none) and
    :func:`shortfall` puts it in words. An integer model stopped short also has its LP
    relaxation solved with SciPy's HiGHS (within ``max(time_limit, 1)`` s): it gives the
    bound, and rounded it may give a feasible solution (``relaxed`` holds its values).

    Raises
    ------
    OptimizationError
        When the solver is unknown, missing or crashes (never a raw solver error).

    Examples
    --------
    >>> lp = LinearProgram(np.array([3.0, 2.0]), sparse.csr_array(np.ones((1, 2))),
    ...                    np.array([4.0]), np.zeros(2), np.array([3.0, 3.0]), np.zeros(2, bool))
    >>> sol = solve(lp, "scipy")
    >>> sol.status.value, sol.x.tolist(), round(sol.objective, 6), sol.duals_ub.tolist()
    ('optimal', [3.0, 1.0], 11.0, [2.0])
    """
    if solver not in SOLVERS:
        raise OptimizationError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    if np.array_equal(lp.lower, lp.upper):  # nothing to decide (solvers balk at empty models)
        x = lp.lower.copy()
        status = Status.INFEASIBLE if violations(lp, x) else Status.OPTIMAL
        duals = (np.zeros(lp.b_ub.size), np.zeros(lp.b_eq.size))
        return _solution(lp, status, x, duals if not lp.is_mip else (None, None), solver, 0, 0)
    try:
        if solver == "scipy":
            sol = _solve_scipy(lp, time_limit, presolve, mip_gap)
        else:
            sol = _solve_pulp(lp, solver, time_limit, presolve, mip_gap)
    except OptimizationError:
        raise
    except Exception as exc:  # a solver's own failure, whatever its type: the user's terms
        raise OptimizationError(f"the {solver} solver failed: {type(exc).__name__}: {exc}") from exc
    if solver != "scipy" and sol.status is Status.NOT_SOLVED and time_limit is None:
        # CBC reports an infeasible LP as "Undefined": let HiGHS tell which it is
        status = _solve_scipy(lp, None, True, None).status
        if status in (Status.INFEASIBLE, Status.UNBOUNDED):
            sol = replace(sol, status=status)
    return _settle(lp, sol, time_limit, presolve)


def _round_integers(lp: LinearProgram, x: Floats) -> Floats:
    """``x`` with its integer variables rounded to the nearest integer within their bounds."""
    rounded = np.clip(np.round(x), lp.lower, lp.upper)
    return np.where(lp.integer, rounded, x)


def _without(sol: Solution, status: Status, reason: str) -> Solution:
    """``sol`` with no solution to read, and why."""
    nan = np.full(sol.x.size, np.nan)
    return replace(
        sol,
        status=status,
        x=nan,
        objective=float("nan"),
        duals_ub=None,
        duals_eq=None,
        reason=reason,
    )


def _settle(lp: LinearProgram, sol: Solution, time_limit: float | None, presolve: bool) -> Solution:
    """Check the solver's answer in numpy, repair what can be repaired, and say why a solve
    is short of a proven optimum."""
    seconds = sol.build_seconds + sol.solve_seconds
    timed_out = time_limit is not None and seconds >= time_limit
    if timed_out and sol.status is not Status.OPTIMAL:
        sol = replace(sol, reason=f"stopped by the time limit after {seconds:.3g} s")
    if sol.usable:
        bad = violations(lp, sol.x)
        rounded = _round_integers(lp, sol.x)
        if bad and lp.is_mip and not violations(lp, rounded):
            # CBC stopped early may hand back fractional integer values, even as "Optimal"
            frac = int((lp.integer & (np.abs(sol.x - np.round(sol.x)) > 1e-6)).sum())
            why = sol.reason or f"the {sol.solver} solver stopped short"
            kept = _solution(
                lp,
                Status.FEASIBLE,
                rounded,
                (None, None),
                sol.solver,
                sol.build_seconds,
                sol.solve_seconds,
            )
            sol = replace(kept, reason=f"{why}; {frac} fractional integer value(s) rounded")
        elif bad:
            sol = _without(
                sol,
                Status.NOT_SOLVED,
                f"the {sol.solver} answer fails the independent check ({'; '.join(bad)})",
            )
    if sol.status is Status.OPTIMAL:
        return replace(sol, bound=sol.objective)
    if not sol.reason:
        sol = replace(sol, reason=f"the {sol.solver} solver ended {sol.status.value}")
    if not lp.is_mip:
        return sol
    return _with_relaxation(lp, sol, time_limit, presolve, timed_out)


def _with_relaxation(
    lp: LinearProgram, sol: Solution, time_limit: float | None, presolve: bool, timed_out: bool
) -> Solution:
    """An integer model short of an optimum: its LP relaxation bounds it and, rounded, may
    give a solution where the solver found none."""
    limit = None if time_limit is None else max(time_limit, 1.0)
    relaxed_lp = replace(lp, integer=np.zeros(lp.n, bool))
    try:
        relaxed = _solve_scipy(relaxed_lp, limit, presolve, None)
    except Exception:  # the bound is a courtesy: the solver's own answer stands without it
        return sol
    if relaxed.status is Status.INFEASIBLE and not sol.usable:  # no integer solution either
        return _without(sol, Status.INFEASIBLE, "the model is infeasible (so is its LP relaxation)")
    if relaxed.status is not Status.OPTIMAL or violations(relaxed_lp, relaxed.x):
        return sol
    bound = sol.bound if np.isfinite(sol.bound) else relaxed.objective
    sol = replace(sol, bound=bound, relaxed=relaxed.x)
    if sol.usable or (sol.status is Status.INFEASIBLE and not timed_out):
        return sol
    if sol.status is Status.INFEASIBLE:  # CBC says so under load: not proven at a time limit
        reason = f"{sol.reason}, calling the model infeasible (unproven: its LP relaxation is not)"
        sol = replace(sol, status=Status.NOT_SOLVED, reason=reason)
    x = _round_integers(lp, relaxed.x)
    if violations(lp, x):
        return sol
    kept = _solution(
        lp, Status.FEASIBLE, x, (None, None), sol.solver, sol.build_seconds, sol.solve_seconds
    )
    reason = f"{sol.reason}; the LP relaxation, rounded"
    return replace(kept, bound=bound, relaxed=relaxed.x, reason=reason)
