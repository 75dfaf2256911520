"""The array model and its solver adapter: same answers on every solver, duals that mean what
they say (checked by finite differences), statuses in budgetsim's terms, and the numpy check."""

from dataclasses import replace

import numpy as np
import pytest
from scipy import sparse

from budgetsim.optimize import SOLVERS, LinearProgram, OptimizationError, Solution, Status, solve
from budgetsim.optimize import _lp as _lp_module
from budgetsim.optimize._lp import _pulp_status, _solution, shortfall, to_pulp, violations


def _lp(maximize: bool = True, b: float = 4.0, integer: bool = False) -> LinearProgram:
    # max (or min) 3x + 2y + z  s.t.  x + y + z ≤ b,  x ≥ 0.5 (as −x ≤ −0.5),  0 ≤ · ≤ 3, and
    # y − z = 0.25 (left out of integer models)
    eq = 0 if integer else 1
    return LinearProgram(
        c=np.array([3.0, 2.0, 1.0]),
        a_ub=sparse.csr_array(np.array([[1.0, 1.0, 1.0], [-1.0, 0.0, 0.0]])),
        b_ub=np.array([b, -0.5]),
        lower=np.zeros(3),
        upper=np.full(3, 3.0),
        integer=np.full(3, integer),
        maximize=maximize,
        a_eq=sparse.csr_array(np.array([[0.0, 1.0, -1.0]])[:eq]),
        b_eq=np.array([0.25])[:eq],
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("maximize", [True, False])
def test_every_solver_gives_the_same_optimum_and_duals_match_finite_differences(
    solver: str, maximize: bool
) -> None:
    sol = solve(_lp(maximize), solver)  # type: ignore[arg-type]
    assert sol.status is Status.OPTIMAL
    assert sol.solver == solver
    expected_x = [3.0, 0.625, 0.375] if maximize else [0.5, 0.25, 0.0]
    assert sol.objective == pytest.approx(10.625 if maximize else 2.0)
    np.testing.assert_allclose(sol.x, expected_x, atol=1e-7)
    # the dual of a row is d(objective)/d(right-hand side), in the model's own sense
    assert sol.duals_ub is not None
    assert sol.duals_eq is not None
    h = 1e-3
    bumped = solve(_lp(maximize, b=4.0 + h), solver)  # type: ignore[arg-type]
    assert sol.duals_ub[0] == pytest.approx((bumped.objective - sol.objective) / h, abs=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_integer_models_round_and_report_no_duals(solver: str) -> None:
    sol = solve(_lp(integer=True, b=4.5), solver)  # type: ignore[arg-type]
    assert sol.status is Status.OPTIMAL
    assert np.allclose(sol.x, np.round(sol.x))
    assert sol.duals_ub is None
    np.testing.assert_allclose(sol.x, [3.0, 1.0, 0.0], atol=1e-9)  # x + y + z ≤ 4.5


@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible_and_unbounded_models_say_so(solver: str) -> None:
    one = np.ones((1, 2))
    infeasible = LinearProgram(
        np.ones(2), sparse.csr_array(one), np.array([-1.0]), np.zeros(2), np.ones(2),
        np.zeros(2, bool),
    )  # fmt: skip
    unbounded = LinearProgram(
        np.ones(2), sparse.csr_array(np.array([[-1.0, 1.0]])), np.array([1.0]), np.zeros(2),
        np.full(2, np.inf), np.zeros(2, bool),
    )  # fmt: skip
    assert solve(infeasible, solver).status is Status.INFEASIBLE  # type: ignore[arg-type]
    assert solve(unbounded, solver).status is Status.UNBOUNDED  # type: ignore[arg-type]


def test_violations_name_rows_bounds_and_integrality() -> None:
    lp = _lp()
    assert violations(lp, np.array([3.0, 1.0, 0.0])) == [
        "1 row(s) a_eq·x = b_eq, worst row 0 by 0.75"
    ]
    assert violations(lp, np.array([3.0, 0.5, 0.25])) == []
    found = violations(_lp(integer=True), np.array([3.5, 1.5, 0.5]))
    assert any("a_ub" in v for v in found)
    assert any("bounds" in v for v in found)
    assert any("fractional" in v for v in found)
    assert violations(lp, np.array([np.nan, 0, 0])) == ["the solution has non-finite values"]


def test_the_pulp_model_is_the_array_model() -> None:
    lp = _lp()
    prob, xs, rows = to_pulp(lp)
    assert len(xs) == lp.n
    assert len(rows) == lp.b_ub.size + lp.b_eq.size
    point = np.array([1.0, 0.5, 0.25])
    for v, value in zip(xs, point, strict=True):
        v.varValue = value
    assert prob.objective.value() == pytest.approx(lp.c @ point)
    # a PuLP constraint's value is its left side minus its right side
    lhs = np.concatenate([lp.a_ub @ point, lp.a_eq @ point])
    assert [r.value() for r in rows] == pytest.approx(list(lhs - np.r_[lp.b_ub, lp.b_eq]))


def test_a_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="upper has shape"):
        LinearProgram(
            np.ones(2), sparse.csr_array(np.ones((1, 2))), np.ones(1), np.zeros(2), np.ones(3),
            np.zeros(2, bool),
        )  # fmt: skip


def test_unknown_solver_is_a_clear_error() -> None:
    with pytest.raises(OptimizationError, match="unknown solver 'gurobi'"):
        solve(_lp(), "gurobi")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "sol_status", "expected"),
    [
        (1, 1, Status.OPTIMAL),
        (1, 2, Status.FEASIBLE),  # PuLP says "Optimal" for a HiGHS stop at the time limit
        (0, 2, Status.FEASIBLE),
        (0, 0, Status.NOT_SOLVED),
        (-1, 0, Status.INFEASIBLE),
        (-2, 0, Status.UNBOUNDED),
        (-3, 0, Status.NOT_SOLVED),  # CBC's "Undefined"
    ],
)
def test_pulp_statuses_map_to_budgetsim_statuses(
    status: int, sol_status: int, expected: Status
) -> None:
    class Problem:
        pass

    prob = Problem()
    prob.status, prob.sol_status = status, sol_status  # type: ignore[attr-defined]
    assert _pulp_status(prob) is expected


def _knapsack(n: int = 3_000) -> LinearProgram:
    # 3,000 near-equal items: no solver proves an optimum before it starts
    rng = np.random.default_rng(0)
    w = rng.uniform(10, 11, n)
    return LinearProgram(
        w + rng.uniform(0, 1e-3, n), sparse.csr_array(w[None, :]), np.array([w.sum() / 2]),
        np.zeros(n), np.ones(n), np.ones(n, bool),
    )  # fmt: skip


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_time_limit_stop_is_never_reported_as_optimal(solver: str) -> None:
    # a time limit of 0 stops every solver before anything, however fast or loaded the machine
    sol = solve(_knapsack(), solver, time_limit=0.0)  # type: ignore[arg-type]
    assert sol.status in (Status.FEASIBLE, Status.NOT_SOLVED)
    assert sol.reason.startswith("stopped by the time limit after ")
    assert shortfall(sol, "split").startswith("stopped by the time limit after ")
    # bounded by the LP relaxation (or a tighter bound of the solver's own)
    relaxation = solve(replace(_knapsack(), integer=np.zeros(3_000, bool)), "scipy").objective
    assert np.isfinite(sol.bound)
    assert sol.bound <= relaxation * (1 + 1e-9)
    if sol.usable:
        assert violations(_knapsack(), sol.x) == []
        assert sol.objective <= sol.bound * (1 + 1e-9)
        assert 0 <= sol.gap < 0.01


def _fake_backend(
    monkeypatch: pytest.MonkeyPatch, status: Status, x: list[float] | None, seconds: float = 1.0
) -> None:
    """Make the PuLP backend return what a solver stopped short might: ``status`` and ``x``."""

    def fake(lp: LinearProgram, solver: str, *args: object) -> Solution:
        values = np.full(lp.n, np.nan) if x is None else np.asarray(x, dtype=float)
        return _solution(lp, status, values, (None, None), solver, 0.0, seconds)  # type: ignore[arg-type]

    monkeypatch.setattr(_lp_module, "_solve_pulp", fake)


def test_cbc_fractional_values_called_optimal_are_rounded_not_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CBC stopped early reports its LP relaxation as "Optimal - objective value …" (seen under
    # load): 293 fractional indicators; here y = 0.9999999 rounds to a feasible 1
    _fake_backend(monkeypatch, Status.OPTIMAL, [3.0, 0.99, 0.0])
    lp = _lp(integer=True, b=4.5)
    sol = solve(lp, "cbc", time_limit=0.5)
    assert sol.status is Status.FEASIBLE
    np.testing.assert_array_equal(sol.x, [3.0, 1.0, 0.0])
    assert sol.objective == 11.0
    assert "1 fractional integer value(s) rounded" in sol.reason
    assert sol.bound == pytest.approx(12.0)  # the LP relaxation: x = 3, y = 1.5
    assert shortfall(sol, "split").endswith("best split found, gap 8.33 %")


def test_fractional_values_that_round_badly_fall_back_to_the_relaxation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # y = 1.5 rounds to 2, which breaks x + y + z ≤ 4.5, and so does the relaxation rounded:
    # no solution, but the bound and the relaxation's values for the caller's own fallback
    _fake_backend(monkeypatch, Status.OPTIMAL, [3.0, 1.5, 0.0])
    sol = solve(_lp(integer=True, b=4.5), "cbc")
    assert sol.status is Status.NOT_SOLVED
    assert "fails the independent check" in sol.reason
    assert np.isnan(sol.objective)
    assert sol.bound == pytest.approx(12.0)
    assert sol.relaxed is not None
    np.testing.assert_allclose(sol.relaxed, [3.0, 1.5, 0.0], atol=1e-9)
    assert shortfall(sol, "split", fallback="kept the greedy split", objective=11.0).endswith(
        "kept the greedy split, gap 8.33 %"
    )


@pytest.mark.parametrize("status", [Status.NOT_SOLVED, Status.INFEASIBLE])
def test_a_time_limit_stop_with_nothing_rounds_the_relaxation(
    monkeypatch: pytest.MonkeyPatch, status: Status
) -> None:
    # stopped by the limit with no solution — or calling the model infeasible, as CBC may
    # under load, though the LP relaxation is feasible (unproven): the relaxation, rounded
    _fake_backend(monkeypatch, status, None)
    sol = solve(_lp(integer=True, b=4.0), "cbc", time_limit=0.5)
    assert sol.status is Status.FEASIBLE
    np.testing.assert_array_equal(sol.x, [3.0, 1.0, 0.0])
    assert sol.reason.startswith("stopped by the time limit after 1 s")
    assert sol.reason.endswith("the LP relaxation, rounded")
    assert sol.gap == 0.0


def test_a_feasible_stop_reports_the_relaxation_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_backend(monkeypatch, Status.FEASIBLE, [3.0, 0.0, 0.0])
    sol = solve(_lp(integer=True, b=4.5), "cbc", time_limit=0.5)
    assert sol.status is Status.FEASIBLE
    assert shortfall(sol, "awards") == (
        "stopped by the time limit after 1 s: best awards found, gap 25 %"
    )


def test_a_proven_infeasible_model_stays_infeasible(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_backend(monkeypatch, Status.INFEASIBLE, None)
    sol = solve(_lp(integer=True, b=0.0), "cbc", time_limit=0.5)  # x ≥ 0.5 and x + y + z ≤ 0
    assert sol.status is Status.INFEASIBLE
    assert "so is its LP relaxation" in sol.reason


def test_an_answer_that_fails_the_check_is_not_solved_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_backend(monkeypatch, Status.OPTIMAL, [3.0, 3.0, 3.0])  # breaks x + y + z ≤ 4
    sol = solve(_lp(), "cbc")
    assert sol.status is Status.NOT_SOLVED
    assert "fails the independent check (1 row(s) a_ub·x ≤ b_ub" in sol.reason


def test_a_solver_crash_is_a_clean_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: object) -> Solution:
        raise RuntimeError("segfault in the solver")

    monkeypatch.setattr(_lp_module, "_solve_pulp", crash)
    with pytest.raises(OptimizationError, match="the cbc solver failed: RuntimeError: segfault"):
        solve(_lp(), "cbc")
    monkeypatch.setattr(_lp_module, "_solve_scipy", crash)
    with pytest.raises(OptimizationError, match="the scipy solver failed"):
        solve(_lp(), "scipy")


def test_a_missing_solver_is_a_clean_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import pulp

    monkeypatch.setattr(pulp.HiGHS, "available", lambda self: False)
    with pytest.raises(OptimizationError, match="needs the highspy package"):
        solve(_lp(), "highs")
