"""The array model and its solver adapter: same answers on every solver, duals that mean what
they say (checked by finite differences), statuses in budgetsim's terms, and the numpy check."""

import numpy as np
import pytest
from scipy import sparse

from budgetsim.optimize import SOLVERS, LinearProgram, OptimizationError, Status, solve
from budgetsim.optimize._lp import _pulp_status, to_pulp, violations


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


def test_a_time_limit_stop_is_never_reported_as_optimal() -> None:
    # a knapsack with 3,000 near-equal items: HiGHS cannot prove optimality in 10 ms
    rng = np.random.default_rng(0)
    n = 3_000
    w = rng.uniform(10, 11, n)
    lp = LinearProgram(
        w + rng.uniform(0, 1e-3, n), sparse.csr_array(w[None, :]), np.array([w.sum() / 2]),
        np.zeros(n), np.ones(n), np.ones(n, bool),
    )  # fmt: skip
    sol = solve(lp, "highs", time_limit=0.01)
    assert sol.status in (Status.FEASIBLE, Status.NOT_SOLVED)
