"""Budget sizing: the single-programme quantile against the analytic Poisson quantile, the MILP
against brute force over candidate budgets, and the certificate against its definition."""

import itertools
import math
import re
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

import budgetsim
from budgetsim.optimize import (
    LinearProgram,
    OptimizationError,
    Solution,
    Status,
    _lp,
    size_budget,
    solve,
)
from budgetsim.optimize.sizing import Pooling, _carry, _pools, certify, holds, size_from_demand
from budgetsim.scenario import compile_scenario
from tests.conftest import order_statistic_band, toy

Z = 5.0


def test_single_programme_budget_is_the_poisson_quantile_of_demand() -> None:
    # Poisson(50) applicants a year, a fixed grant of 2, uncapped: demand = 2·N.
    sc = toy(
        programmes__grant__rationing="uncapped",
        programmes__grant__envelope=None,
        programmes__grant__instrument={"kind": "fixed", "amount": 2, "source": "test"},
        scenario__years=[2021],
    )
    draws, level = 4_000, 0.9
    res = size_budget(sc, level, draws=draws, validation_draws=2_000, seed=3)
    assert res.solve.method == "quantile"
    budget = float(res.budgets["budget"].iloc[0])
    # the budget is the ⌈0.9 K⌉-th smallest of K draws of 2 × Poisson(50): the exact
    # order-statistic (beta/binomial) interval, not a normal approximation of its rank
    rank = math.ceil(res.in_sample_level * res.draws - 1e-9)
    low, high = order_statistic_band(stats.poisson(50), rank, res.draws, Z)
    assert 2 * low <= budget <= 2 * high
    assert budget % 2 == 0  # a whole number of grants
    # out of sample the certificate estimates P(N ≤ budget / 2), the Poisson CDF
    p = stats.poisson.cdf(budget / 2, 50)
    c = res.certificate
    assert abs(c.probability - p) < Z * np.sqrt(p * (1 - p) / c.draws)


def _brute_force(d: np.ndarray, level: float, carry: bool) -> float:
    """Least total over budgets taken from the data's own values (an optimum lies there)."""
    k, _, years = d.shape
    need = int(np.ceil(level * k - 1e-9))
    rows = np.cumsum(d[:, 0, :], axis=1) if carry else d[:, 0, :]
    best = np.inf
    for levels in itertools.product(*(np.unique(rows[:, t]) for t in range(years))):
        lv = np.array(levels)
        if carry and (np.diff(lv) < 0).any():
            continue
        if (rows <= lv + 1e-9).all(axis=1).sum() >= need:
            best = min(best, lv[-1] if carry else lv.sum())
    return float(best)


@pytest.mark.parametrize("carry", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_joint_milp_matches_brute_force(seed: int, carry: bool) -> None:
    rng = np.random.default_rng(seed)
    d = rng.gamma(4.0, 10.0, size=(25, 1, 2)).round(1)
    level = 0.8
    budgets, how = size_from_demand(d, level, carry_over=carry)
    assert how.method == "milp"
    assert budgets.sum() == pytest.approx(_brute_force(d, level, carry), abs=1e-6)
    assert holds(budgets, d, carry_over=carry).mean() >= level


def test_joint_budget_costs_more_than_the_sum_of_marginal_quantiles() -> None:
    rng = np.random.default_rng(0)
    d = rng.gamma(9.0, 10.0, size=(1000, 1, 2))  # two independent years
    budgets, how = size_from_demand(d, 0.9, carry_over=False)
    marginal = np.quantile(d[:, 0, :], 0.9, axis=0, method="inverted_cdf")
    assert budgets.sum() > marginal.sum()
    assert holds(budgets, d, carry_over=False).mean() >= 0.9
    # the quantile bounds leave only the draws between the two bounds as binaries
    assert 0 < how.binaries < 1000


def test_fill_scales_the_requirement() -> None:
    d = np.arange(1.0, 101.0).reshape(100, 1, 1)
    half, _ = size_from_demand(d, 0.8, fill=0.5)
    assert half[0, 0] == pytest.approx(40.0)


def test_certificate_is_the_exact_binomial_interval() -> None:
    d = np.arange(1.0, 201.0).reshape(200, 1, 1)
    c = certify(np.array([[180.0]]), d, 0.85, carry_over=False)
    ci = stats.binomtest(180, 200).proportion_ci(0.95, method="exact")
    assert (c.held, c.draws) == (180, 200)
    assert (c.low, c.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert c.low == pytest.approx(0.8498, abs=1e-4)
    assert not c.passed  # 90 % held, but the interval reaches below 85 %
    assert certify(np.array([[180.0]]), d, 0.84, carry_over=False).passed


def test_a_certificate_that_fails_is_tightened_and_says_so() -> None:
    # few in-sample draws for a joint requirement over three years: in-sample success
    # overstates fresh success, so the answer must be tightened to pass
    sc = toy(
        programmes__grant__rationing="uncapped",
        programmes__grant__envelope=None,
    )
    res = size_budget(sc, 0.9, draws=60, validation_draws=4_000, seed=2)
    assert res.tightened
    assert res.in_sample_level > 0.9
    assert res.rounds[0].check.low < 0.9 <= res.rounds[-1].check.low
    assert res.certificate.draws == 4_000


def test_bad_levels_and_programmes_are_refused() -> None:
    with pytest.raises(OptimizationError, match="level must be in"):
        size_from_demand(np.ones((5, 1, 1)), 1.5)
    with pytest.raises(OptimizationError, match="unknown programme"):
        size_budget(toy(), 0.9, programmes=["nope"], draws=20, validation_draws=20)


def test_too_few_draws_are_doubled_until_the_level_can_rise() -> None:
    sc = toy(programmes__grant__rationing="uncapped", programmes__grant__envelope=None)
    res = size_budget(sc, 0.9, draws=20, validation_draws=2_000, seed=5)
    assert res.rounds[0].draws == 20
    assert res.draws > 20  # raising the level past every draw is impossible: draws doubled
    assert res.draws == res.rounds[-1].draws


def _twelve_rows() -> np.ndarray:
    return np.random.default_rng(0).gamma(9.0, 10.0, size=(2_000, 12, 1))


@pytest.mark.parametrize("solver", ["cbc", "highs", "scipy"])
def test_a_time_limit_keeps_a_feasible_split(solver: str) -> None:
    # a time limit of 0 stops the MILP before it finds anything, however fast or loaded the
    # machine: the greedy split is kept, and the note says so with its gap to the bound
    d = _twelve_rows()
    budgets, how = size_from_demand(d, 0.95, time_limit=0.0, solver=solver)  # type: ignore[arg-type]
    assert how.method == "greedy"
    assert how.status is Status.FEASIBLE
    assert how.note.startswith("stopped by the time limit after ")
    assert ": kept the greedy split" in how.note
    assert re.search(r"gap \d[\d.]* %$", how.note)
    assert holds(budgets, d, carry_over=False).mean() >= 0.95


def test_fractional_indicators_called_optimal_keep_a_feasible_split(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Regression (issue 13): under load CBC stopped by its time limit reported its LP
    # relaxation as "Optimal" — 293 fractional indicators — and solve raised. Fake exactly that.
    def relaxation_as_optimal(lp: LinearProgram, solver: str, *args: object) -> Solution:
        relaxed = solve(replace(lp, integer=np.zeros(lp.n, bool)), "scipy")
        return replace(relaxed, status=Status.OPTIMAL, solver=solver, solve_seconds=0.2)  # type: ignore[arg-type]

    monkeypatch.setattr(_lp, "_solve_pulp", relaxation_as_optimal)
    d = _twelve_rows()
    budgets, how = size_from_demand(d, 0.95, time_limit=0.1)
    assert how.method == "greedy"
    assert "fails the independent check" in how.note
    assert holds(budgets, d, carry_over=False).mean() >= 0.95


def test_a_split_found_before_the_time_limit_is_kept_and_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a solver stopped at its limit with a good split: the split is kept, status feasible
    d = _twelve_rows()[:200]
    exact, optimal = size_from_demand(d, 0.95, time_limit=None)
    assert optimal.note == ""
    assert holds(exact, d, carry_over=False).mean() >= 0.95
    real = _lp._solve_pulp

    def stopped(*args: object) -> Solution:
        return replace(real(*args), status=Status.FEASIBLE, solve_seconds=5.0)  # type: ignore[arg-type]

    monkeypatch.setattr(_lp, "_solve_pulp", stopped)
    budgets, how = size_from_demand(d, 0.95, time_limit=1.0)
    assert (how.method, how.status) == ("milp", Status.FEASIBLE)
    assert re.fullmatch(
        r"stopped by the time limit after 5[\d.]* s: best split found, gap \d[\d.e+-]* %", how.note
    )
    np.testing.assert_allclose(budgets, exact)


def test_a_fund_that_carries_over_is_sized_on_its_cumulative_demand() -> None:
    # Regression: pooling="fund" sized a fund whose money carries over (结转) as if it lapsed
    # each year. Poisson(50) applicants a year, a grant of 1 each, one envelope that carries
    # over: money set aside in any year pays claims of that year or later, so the rows are
    # cumulative, and as demand is never negative only the horizon's row binds. The least
    # total is then the in-sample order statistic of the horizon's demand, Poisson(150).
    sc = toy(programmes__grant__carry_over=True)
    draws, level = 2_000, 0.9
    res = size_budget(sc, level, pooling="fund", draws=draws, validation_draws=4_000, seed=4)
    assert res.draws == draws  # the in-sample draws are simulate(sc, draws, seed=4)
    demand = budgetsim.simulate(sc, draws, 4).demand.values
    horizon = np.sort(demand.sum(axis=(1, 2)))
    expected = horizon[int(np.ceil(res.in_sample_level * draws - 1e-9)) - 1]
    assert res.total == pytest.approx(expected, abs=1e-6), (
        f"budgets {res.budgets['budget'].tolist()} add up to {res.total}; the cumulative "
        f"requirement needs {expected}"
    )
    assert res.carry_over == (True,)
    assert res.budgets["carry_over"].all()
    budgets = res.budgets["budget"].to_numpy()[None, :]
    assert holds(budgets, demand, carry_over=True).mean() >= res.in_sample_level
    assert holds(budgets, demand, carry_over=False).mean() < level  # not year by year
    # known answer: the ⌈p K⌉-th smallest of K draws of Poisson(150), within its exact
    # order-statistic interval
    rank = int(np.ceil(res.in_sample_level * draws - 1e-9))
    low, high = order_statistic_band(stats.poisson(150), rank, draws, Z)
    assert low <= res.total <= high


def test_each_pool_carries_over_as_its_fund_does_unless_asked() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    funds = {f.id: f.carry_over for f in compile_scenario(sc).funds}
    assert set(funds.values()) == {True, False}
    ids = list(sc.programmes)
    fund_of = {ids[p]: f.id for f in compile_scenario(sc).funds for p in f.members}

    def carry(
        pooling: Pooling, asked: bool | None = None, only: list[str] | None = None
    ) -> dict[str, bool]:
        names, members = _pools(sc, pooling, only)
        return dict(zip(names, _carry(sc, members, asked), strict=True))

    assert carry("fund") == {n: funds.get(n, False) for n in carry("fund")}
    assert carry("programme") == {p: p in fund_of and funds[fund_of[p]] for p in ids}
    assert carry("policy") == {"all": False}  # several funds in one pool
    assert carry("policy", only=["key_tech"]) == {"key_tech": True}  # one that carries over
    for asked in (True, False):
        assert set(carry("fund", asked).values()) == {asked}
    # the result says what was used, pool by pool
    res = size_budget(sc, 0.8, pooling="fund", draws=20, validation_draws=20, max_rounds=1)
    assert dict(zip(res.budgets["pool"].unique(), res.carry_over, strict=True)) == carry("fund")
    pools = res.budgets.drop_duplicates("pool")
    assert pools["carry_over"].tolist() == list(res.carry_over)


def test_pools_that_carry_over_and_pools_that_lapse_together() -> None:
    # every draw must hold: the pool that carries over needs its largest horizon demand in
    # all, the one that lapses its largest demand of each year
    rng = np.random.default_rng(7)
    d = rng.gamma(4.0, 10.0, size=(30, 2, 3)).round(1)
    budgets, how = size_from_demand(d, 1.0, carry_over=[True, False])
    assert how.method == "milp"
    assert budgets[0].sum() == pytest.approx(d[:, 0, :].sum(axis=1).max(), abs=1e-6)
    np.testing.assert_allclose(budgets[1], d[:, 1, :].max(axis=0), atol=1e-6)
    assert holds(budgets, d, carry_over=[True, False]).all()
    assert not holds(budgets, d, carry_over=False).all()
    with pytest.raises(OptimizationError, match="one per pool"):
        holds(budgets, d, carry_over=[True, False, True])
