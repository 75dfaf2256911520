"""Size a budget: the smallest envelopes that pay every claim in at least (1 − α) of draws.

Envelopes ``E[pool, year]`` cover the demand of one or more programmes. The requirement of draw
``k`` holds when every pool pays its claims (or a stated share ``fill`` of them) in every year:
``E[p, t] ≥ fill·D[k, p, t]``, or for a pool whose money carries over
``Σ_{s≤t} E[p, s] ≥ fill·Σ_{s≤t} D[k, p, s]`` (:func:`budgetsim.funds.carry_matrix`). Each
pool carries over as its fund does in the scenario unless the caller says otherwise.

- One requirement row (one pool, one year, or one pool's horizon): the answer is an order
  statistic of the simulated demand — computed directly.
- Several rows: the sample-average MILP ``min Σ E`` with one indicator ``z_k`` per draw, rows
  ``R·E ≥ d_k − M_k (1 − z_k)`` and ``Σ z_k ≥ ⌈(1 − α)K⌉``. Quantile bounds shrink it: each row's
  level is at least its marginal (1 − α) order statistic (a joint requirement implies each
  marginal one). Draws below every lower bound hold for free; a draw whose requirement, each
  row raised to at least its lower bound, costs more than a known feasible split (the better
  of a union bound and a greedy drop of the costliest draws) cannot hold. Only the draws in
  between keep an indicator.

In-sample success overstates out-of-sample success (few draws, many rows). The answer is
therefore checked on fresh draws with an exact binomial (Clopper–Pearson) interval: the
certificate. When its lower end falls short of 1 − α, the in-sample level is raised — or, when
it cannot rise further, the in-sample draws are doubled — and the check repeated; the final
certificate is computed on another fresh set, not the one used for tuning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse, stats

from budgetsim.engine import simulate
from budgetsim.funds import carry_matrix, cumulative, pool_carry_over, pool_demand
from budgetsim.optimize._lp import (
    LinearProgram,
    OptimizationError,
    SolverName,
    Status,
    shortfall,
    solve,
)
from budgetsim.results import SimulationResult
from budgetsim.scenario import Scenario, compile_scenario
from budgetsim.stats import clustered_se
from budgetsim.streams import fresh_seed

__all__ = [
    "Certificate",
    "SizingResult",
    "certify",
    "holds",
    "size_budget",
    "size_budgets",
    "size_from_demand",
]

Floats = NDArray[np.float64]
Flags = NDArray[np.bool_]
Pooling = Literal["policy", "programme", "fund"]


@dataclass(frozen=True)
class Certificate:
    """Out-of-sample check: in how many fresh draws the budgets held.

    Attributes
    ----------
    draws, held
        Fresh draws, and those in which every requirement held.
    low, high
        Exact (Clopper–Pearson) 95 % interval of the probability [fraction].
    level
        The probability asked for (1 − α).
    """

    draws: int
    held: int
    low: float
    high: float
    level: float

    @property
    def probability(self) -> float:
        """Share of fresh draws in which the budgets held [fraction]."""
        return self.held / self.draws

    @property
    def passed(self) -> bool:
        """Whether the interval's lower end reaches the level asked for."""
        return self.low >= self.level


@dataclass(frozen=True)
class SizingRound:
    """One attempt: the in-sample level and draws used, and how the answer did on the tuning
    draws."""

    in_sample_level: float
    draws: int
    total: float
    check: Certificate


@dataclass(frozen=True)
class SizingResult:
    """Budgets sized to hold in (1 − α) of draws, with their certificate.

    Attributes
    ----------
    budgets
        One row per pool and year: ``budget`` [unit], ``marginal`` (that row alone at the
        level asked for: the run table's budget-at-risk), ``mean_demand`` [unit],
        ``carry_over`` (the pool's).
    level, fill
        The requirement: probability, share of claims paid.
    carry_over
        Per pool, in the order of ``budgets``: whether its unspent money paid later years.
    in_sample_level
        Level imposed on the in-sample draws for the final answer (≥ ``level`` when tightened).
    certificate
        The final check on fresh draws not used for anything else.
    rounds
        Every attempt, in order (more than one means the answer was tightened).
    solve
        How the final answer was solved (quantile or MILP, indicators left after the quantile
        bounds, status, solver, timings).
    draws
        In-sample draws of the final answer (more than asked for when they were doubled).
    unit
        Unit of the amounts.
    """

    budgets: pd.DataFrame
    level: float
    fill: float
    carry_over: tuple[bool, ...]
    in_sample_level: float
    certificate: Certificate
    rounds: tuple[SizingRound, ...]
    solve: SizingSolve
    draws: int
    unit: str

    @property
    def total(self) -> float:
        """Sum of the budgets [unit]."""
        return float(self.budgets["budget"].sum())

    @property
    def tightened(self) -> bool:
        """Whether the in-sample level had to be raised to pass on fresh draws."""
        return len(self.rounds) > 1


@dataclass(frozen=True)
class SizingSolve:
    """How a sizing model was solved: ``"quantile"``, ``"milp"`` or ``"greedy"`` (the MILP
    stopped short, at its time limit or by a solver failure, without beating the heuristic),
    indicators kept, status, solver and timings [s], and ``note``: why the answer is short of
    a proven optimum and what was kept, in words (empty when optimal), e.g. "stopped by the
    time limit after 30 s: best split found, gap 0.4 %"."""

    method: str
    binaries: int
    status: Status
    solver: SolverName
    build_seconds: float
    solve_seconds: float
    note: str = ""


def _flags(carry_over: bool | Sequence[bool], pools: int) -> Flags:
    """One carry-over flag per pool, from one flag for all or one per pool."""
    flags = np.asarray(carry_over, dtype=bool)
    if flags.ndim == 0:
        return np.full(pools, bool(flags))
    if flags.shape != (pools,):
        raise OptimizationError(
            f"carry_over needs one flag, or one per pool ({pools}); found {flags.size}"
        )
    return flags


def _requirements(demand: Floats, carry: Flags, fill: float) -> Floats:
    """Per-draw requirement of each row, shape (draws, pools·years)."""
    d = fill * cumulative(demand, carry)
    return d.reshape(d.shape[0], -1)


def _levels(budgets: Floats, carry: Flags) -> Floats:
    """What each row's budget covers: the year's envelope, or the cumulative one."""
    return cumulative(budgets, carry).ravel()


def _cost_rows(carry: Flags, years: int) -> NDArray[np.bool_]:
    """The rows whose levels add up to the cost, shape (pools, years): every row of a pool
    whose money lapses; only the last (cumulative) row of one whose money carries over."""
    rows = np.ones((carry.size, years), bool)
    rows[carry, :-1] = False
    return rows


def holds(
    budgets: Floats, demand: Floats, *, carry_over: bool | Sequence[bool], fill: float = 1.0
) -> NDArray[np.bool_]:
    """Whether the budgets pay every requirement, per draw.

    Parameters
    ----------
    budgets
        Envelope per pool and year [unit], shape (pools, years).
    demand
        Demand per draw, pool and year [unit], shape (draws, pools, years).
    carry_over
        Whether unspent money moves to the next year: one flag for every pool, or one per pool.
    fill
        Share of each year's claims that must be paid [fraction].

    Examples
    --------
    >>> d = np.array([[[5.0, 5.0]], [[8.0, 1.0]]])
    >>> holds(np.array([[6.0, 6.0]]), d, carry_over=False).tolist()
    [True, False]
    >>> holds(np.array([[6.0, 6.0]]), d, carry_over=True).tolist()
    [True, False]
    >>> holds(np.array([[8.0, 1.0]]), d, carry_over=True).tolist()
    [False, True]
    >>> holds(np.array([[6.0, 6.0], [8.0, 1.0]]), np.concatenate([d, d], axis=1),
    ...       carry_over=[False, True]).tolist()
    [False, False]
    """
    carry = _flags(carry_over, budgets.shape[0])
    need = _requirements(demand, carry, fill)
    have = _levels(budgets, carry)
    tol = 1e-9 * np.maximum(1.0, np.abs(have))
    return np.asarray(np.all(need <= have + tol, axis=1))


def _order_statistic(values: Floats, level: float) -> Floats:
    """Smallest value per column that at least ``level`` of the rows stay at or below."""
    k = max(1, math.ceil(level * values.shape[0] - 1e-9))
    return np.asarray(np.sort(values, axis=0)[k - 1], dtype=np.float64)


def _union_bound(need: Floats, level: float, shape: tuple[int, int], carry: Flags) -> Floats:
    """A split that holds in at least ``level`` of the draws: each of the R rows at level
    1 − (1 − level)/R, so at most (1 − level)·K draws fail in all."""
    rows = need.shape[1]
    return _budgets(_order_statistic(need, 1 - (1 - level) / rows).reshape(shape), carry)


def _budgets(levels: Floats, carry: Flags) -> Floats:
    """Envelopes per pool and year that reach each row's level, shape (pools, years): the
    level itself, or with carry-over what the cumulative level (made non-decreasing) adds."""
    levels = np.maximum(levels, 0.0)
    added = np.diff(np.maximum.accumulate(levels, axis=1), axis=1, prepend=0.0)
    return np.where(carry[:, None], added, levels)


def _greedy(need: Floats, level: float, shape: tuple[int, int], carry: Flags) -> Floats:
    """A feasible split: drop, one at a time, the draw whose removal lowers the cost most,
    until only ⌈level·K⌉ draws are kept, then cover every kept draw.

    The cost is the sum of the rows' levels without carry-over, and of each pool's last
    cumulative row with it (a pool's cumulative requirement only grows).
    """
    k = need.shape[0]
    counted = np.flatnonzero(_cost_rows(carry, shape[1]).ravel())
    vals = need[:, counted].copy()
    kept = np.ones(k, bool)
    columns = np.arange(counted.size)
    for _ in range(k - math.ceil(level * k - 1e-9)):
        top = np.argmax(vals, axis=0)
        first = vals[top, columns]
        vals[top, columns] = -np.inf
        second = vals.max(axis=0)
        vals[top, columns] = first
        gain = np.bincount(top, weights=first - np.maximum(second, 0.0), minlength=k)
        drop = int(np.argmax(np.where(kept, gain, -1.0)))
        kept[drop] = False
        vals[drop] = -np.inf
    return _budgets(need[kept].max(axis=0).reshape(shape), carry)


def size_from_demand(
    demand: Floats,
    level: float,
    *,
    carry_over: bool | Sequence[bool] = False,
    fill: float = 1.0,
    solver: SolverName = "cbc",
    time_limit: float | None = 30.0,
) -> tuple[Floats, SizingSolve]:
    """Smallest budgets (in total) that hold in at least ``level`` of the given draws.

    Parameters
    ----------
    demand
        Demand per draw, pool and year [unit], shape (draws, pools, years).
    level
        Share of draws in which every requirement must hold [fraction].
    carry_over, fill
        As for :func:`holds`.
    solver
        For the MILP (several rows).
    time_limit
        Seconds the MILP may take [s]; past it the best split found is kept (status
        ``FEASIBLE``; method ``"greedy"`` when the solver found nothing better than the
        heuristic split it started from, or nothing). Any stop short of a proven optimum is
        said in the ``note`` of the returned :class:`SizingSolve`.

    Returns
    -------
    budgets
        Per pool and year [unit], shape (pools, years).
    SizingSolve
        How it was solved.

    Examples
    --------
    One row: the order statistic. 100 draws of demand 1…100 at level 0.8 need 80.

    >>> d = np.arange(1.0, 101.0).reshape(100, 1, 1)
    >>> size_from_demand(d, 0.8)[0]
    array([[80.]])
    """
    if not 0 < level <= 1:
        raise OptimizationError(f"the level must be in (0, 1], found {level}")
    k, pools, years = demand.shape
    carry = _flags(carry_over, pools)
    need = _requirements(demand, carry, fill)
    lower = _order_statistic(need, level)
    if need.shape[1] == 1:
        return lower.reshape(pools, years), SizingSolve("quantile", 0, Status.OPTIMAL, solver, 0, 0)
    rows = pools * years
    # R: which envelopes each row's level sums (the year's, or within a pool the years so far)
    r_matrix = sparse.csr_array(sparse.block_diag([carry_matrix(c, years) for c in carry]))
    incumbent = min(
        _union_bound(need, level, (pools, years), carry),
        _greedy(need, level, (pools, years), carry),
        key=lambda b: float(b.sum()),
    )
    cost_ub = float(incumbent.sum())
    # a split that pays draw k costs at least Σ max(d_k, lower) over the rows that make the
    # cost (every row; with carry-over, each pool's last cumulative row): above a known
    # feasible cost, draw k cannot be among those paid
    counted_rows = _cost_rows(carry, years).ravel()
    least = np.maximum(need[:, counted_rows], lower[counted_rows]).sum(axis=1)
    tol = 1e-9 * max(1.0, cost_ub)
    free = np.all(need <= lower + tol, axis=1)
    dead = least > cost_ub + tol
    cand = np.flatnonzero(~free & ~dead)
    required = math.ceil(level * k - 1e-9) - int(free.sum())
    n_env, n_z = rows, cand.size
    # rows of the MILP, as ≤: −R·E ≤ −lower; −R_r·E + M z_k ≤ M − d_kr; −Σ z ≤ −required
    big_m = np.maximum(need[cand] - lower, 0.0)  # (candidates, rows)
    kk, rr = np.nonzero(big_m > 0)
    m_vals = big_m[kk, rr]
    r_rows = r_matrix[rr]
    link = sparse.hstack(
        [-r_rows, sparse.csr_array((m_vals, (np.arange(kk.size), kk)), shape=(kk.size, n_z))]
    )
    blocks_ub = [
        sparse.hstack([-r_matrix, sparse.csr_array((rows, n_z))]),
        link,
        sparse.hstack([sparse.csr_array((1, n_env)), -sparse.csr_array(np.ones((1, n_z)))]),
    ]
    b_ub = np.concatenate([-lower, m_vals - need[cand][kk, rr], [-float(max(required, 0))]])
    lp = LinearProgram(
        c=np.concatenate([np.ones(n_env), np.zeros(n_z)]),
        a_ub=sparse.csr_array(sparse.vstack(blocks_ub)),
        b_ub=b_ub,
        lower=np.zeros(n_env + n_z),
        upper=np.concatenate([np.full(n_env, np.inf), np.ones(n_z)]),
        integer=np.concatenate([np.zeros(n_env, bool), np.ones(n_z, bool)]),
        maximize=False,
    )
    sol = solve(lp, solver, mip_gap=1e-9, time_limit=time_limit)
    timing = (sol.solver, sol.build_seconds, sol.solve_seconds)
    if sol.status in (Status.INFEASIBLE, Status.UNBOUNDED) and time_limit is None:
        # the greedy split is feasible by construction: the model cannot be either
        raise OptimizationError(
            f"the budget-sizing model ended {sol.status.value}: a modelling error"
        )

    def greedy(why: str | None = None) -> tuple[Floats, SizingSolve]:
        kept = "kept the greedy split" + (f" ({why})" if why else "")
        note = shortfall(sol, "split", fallback=kept, objective=cost_ub)
        return incumbent, SizingSolve("greedy", n_z, Status.FEASIBLE, *timing, note=note)

    # a solver stopped by its time limit may call the model infeasible (CBC does, under load),
    # or stop with nothing, or with fractional indicators: keep the greedy split
    if not sol.usable:
        return greedy()
    if sol.objective > cost_ub + tol:
        return greedy("cheaper than the solver's")
    budgets = np.maximum(sol.x[:n_env], 0.0).reshape(pools, years)
    if (
        sol.status is not Status.OPTIMAL
        and holds(budgets, demand, carry_over=carry.tolist(), fill=fill).mean() < level - 1e-12
    ):
        # an incumbent a time limit stopped at is met only to the solver's tolerances: keep it
        # only if it holds in the draws themselves
        return greedy("the solver's split fails the draws at its tolerances")
    return budgets, SizingSolve("milp", n_z, sol.status, *timing, note=shortfall(sol, "split"))


def certify(
    budgets: Floats,
    demand: Floats,
    level: float,
    *,
    carry_over: bool | Sequence[bool],
    fill: float = 1.0,
    cluster: int | None = None,
) -> Certificate:
    """How often the budgets hold on (fresh) draws, with an exact 95 % binomial interval.

    ``cluster``: the draws come in blocks of that many sharing their drawn assumptions (a run
    with uncertain assumptions); the interval is then the exact one for the effective number of
    independent draws, ``n × (binomial variance ÷ variance from the blocks)`` (Korn and
    Graubard), which is wider when the blocks differ.

    Examples
    --------
    >>> d = np.arange(1.0, 1001.0).reshape(1000, 1, 1)
    >>> c = certify(np.array([[950.0]]), d, 0.9, carry_over=False)
    >>> c.held, round(c.low, 3), c.passed
    (950, 0.935, True)
    """
    ok = holds(budgets, demand, carry_over=carry_over, fill=fill)
    n, held = int(ok.size), int(ok.sum())
    if cluster is not None and cluster > 1 and 0 < held < n:
        p = held / n
        between = float(clustered_se(ok.astype(np.float64), cluster)) ** 2
        if between > p * (1 - p) / n:  # fewer effective draws than draws
            n_eff = p * (1 - p) / between
            x = p * n_eff
            low = float(stats.beta.ppf(0.025, x, n_eff - x + 1))
            high = float(stats.beta.ppf(0.975, x + 1, n_eff - x))
            return Certificate(n, held, low, high, level)
    ci = stats.binomtest(held, n).proportion_ci(confidence_level=0.95, method="exact")
    return Certificate(n, held, float(ci.low), float(ci.high), level)


def _pools(
    scenario: Scenario, pooling: Pooling, programmes: Sequence[str] | None
) -> tuple[list[str], list[list[int]]]:
    """Pool names and the programme indices each pool sums."""
    ids = list(scenario.programmes)
    chosen = list(programmes) if programmes else ids
    unknown = [p for p in chosen if p not in ids]
    if unknown:
        raise OptimizationError(
            f"unknown programme(s) {', '.join(unknown)}; the scenario has {', '.join(ids)}"
        )
    index = [ids.index(p) for p in chosen]
    if pooling == "policy":
        return ["all" if not programmes else "+".join(chosen)], [index]
    if pooling == "programme":
        return chosen, [[i] for i in index]
    plan = compile_scenario(scenario)
    names, members, seen = [], [], set()
    for fund in plan.funds:
        inside = [p for p in fund.members if p in index]
        if inside:
            names.append(fund.id)
            members.append(inside)
            seen.update(inside)
    for i in index:
        if i not in seen:  # uncapped: a pool of its own
            names.append(ids[i])
            members.append([i])
    return names, members


def _carry(
    scenario: Scenario, members: list[list[int]], carry_over: bool | None
) -> tuple[bool, ...]:
    """Whether each pool's money carries over: ``carry_over`` for every pool, or when None as
    the scenario says."""
    if carry_over is not None:
        return (carry_over,) * len(members)
    return pool_carry_over(compile_scenario(scenario).funds, members)


def size_budgets(
    scenario: Scenario,
    levels: Sequence[float] = (0.8, 0.95),
    *,
    programmes: Sequence[str] | None = None,
    pooling: Pooling = "policy",
    carry_over: bool | None = None,
    fill: float = 1.0,
    draws: int = 1_000,
    validation_draws: int = 10_000,
    seed: int = 1,
    solver: SolverName = "cbc",
    max_rounds: int = 8,
    max_draws: int = 16_000,
    workers: int = 1,
    uncertain: bool = False,
    uncertain_block: int | None = None,
) -> list[SizingResult]:
    """The budget to set aside per year so that it suffices in each of ``levels`` of cases,
    certified; the draws are simulated once for every level.

    Parameters
    ----------
    scenario
        The scenario whose demand is simulated.
    levels
        Probabilities that every requirement holds (1 − α) [fraction].
    programmes
        Programme ids to cover (default: all).
    pooling
        ``"policy"``: one budget a year for all of them together; ``"programme"``: one per
        programme; ``"fund"``: one per fund (shared funds together, uncapped programmes alone).
    carry_over
        Whether money unspent in one year pays claims of later years, in every pool. None
        (default): as the scenario says, pool by pool
        (:func:`~budgetsim.funds.pool_carry_over`): a pool carries over when all its
        programmes draw on one fund with ``carry_over = true`` (a fund, or a programme of one,
        sized alone), and not when it spans several funds or holds an uncapped programme (so
        ``pooling="policy"`` over several funds carries over only when asked).
    fill
        Share of each year's claims to pay (1 = every eligible claim in full) [fraction].
    draws
        In-sample draws the budgets are chosen on.
    validation_draws
        Fresh draws of the certificate (and as many again, halved, for tuning).
    seed
        Seed of the in-sample draws; the fresh draws use seeds derived from it.
    solver
        For the MILP.
    max_rounds
        Attempts (raising the in-sample level, or doubling the in-sample draws) before giving
        up on the certificate.
    max_draws
        Most in-sample draws the doubling may reach.
    workers
        Worker processes for the simulations.
    uncertain
        Draw the scenario's ranged assumptions over their plausible ranges in every simulation
        (in-sample and fresh), so that the budgets also cover the assumptions being wrong
        (:func:`budgetsim.sensitivity.uncertain.simulate_uncertain`).
    uncertain_block
        Draws per set of drawn assumptions (the default of ``simulate_uncertain`` when None).

    Returns
    -------
    list of SizingResult
        Per level: budgets, certificate and the record of any tightening.
    """
    names, members = _pools(scenario, pooling, programmes)
    carry = _carry(scenario, members, carry_over)
    run = _runner(uncertain, uncertain_block, workers)
    cluster = None
    if uncertain:
        from budgetsim.sensitivity.uncertain import DEFAULT_BLOCK, MIN_BLOCKS

        cluster = uncertain_block or DEFAULT_BLOCK
        fewest = min(draws, validation_draws // 2)
        if fewest < MIN_BLOCKS * cluster:
            raise OptimizationError(
                f"sizing with the assumptions drawn needs at least {MIN_BLOCKS} sets of "
                f"assumptions in every sample: --draws and --validation-draws / 2 ≥ "
                f"{MIN_BLOCKS * cluster:,} (blocks of {cluster} draws); found {fewest:,}"
            )
    sample = _Sample(scenario, members, draws, seed, run, max_draws)
    tuning = pool_demand(
        run(scenario, max(validation_draws // 2, 1), fresh_seed(seed, 1)).demand.values, members
    )
    final = pool_demand(run(scenario, validation_draws, fresh_seed(seed, 2)).demand.values, members)
    return [
        _size_one(
            scenario, names, sample, tuning, final, level, carry, fill, solver, max_rounds, cluster
        )
        for level in levels
    ]


#: Simulates a scenario: (scenario, draws, seed) → result.
_Run = Callable[[Scenario, int, int], SimulationResult]


def _runner(uncertain: bool, block: int | None, workers: int) -> _Run:
    """How sizing simulates: a plain run, or one with the assumptions drawn."""
    if not uncertain:
        return lambda sc, draws, seed: simulate(sc, draws, seed, workers=workers)
    from budgetsim.sensitivity.uncertain import DEFAULT_BLOCK, simulate_uncertain

    size = block or DEFAULT_BLOCK
    return lambda sc, draws, seed: simulate_uncertain(sc, draws, seed, block=size, workers=workers)


class _Sample:
    """In-sample pool demand, doubled with fresh independent draws when raising the in-sample
    level is no longer possible (it would exceed every draw)."""

    def __init__(
        self,
        scenario: Scenario,
        members: list[list[int]],
        draws: int,
        seed: int,
        run: _Run,
        limit: int,
    ) -> None:
        self.scenario, self.members, self.seed, self.run = scenario, members, seed, run
        self.limit = limit
        self.demand = self._simulate(draws, seed)

    def _simulate(self, draws: int, seed: int) -> Floats:
        res = self.run(self.scenario, draws, seed)
        return pool_demand(res.demand.values, self.members)

    def grow(self) -> bool:
        """Double the draws; False when that would pass the limit."""
        k = self.demand.shape[0]
        if 2 * k > self.limit:
            return False
        more = self._simulate(k, fresh_seed(self.seed, 100 + k))
        self.demand = np.concatenate([self.demand, more])
        return True


def _size_one(
    scenario: Scenario,
    names: list[str],
    draws: _Sample,
    tuning: Floats,
    final: Floats,
    level: float,
    carry_over: tuple[bool, ...],
    fill: float,
    solver: SolverName,
    max_rounds: int,
    cluster: int | None = None,
) -> SizingResult:
    rounds: list[SizingRound] = []
    in_level = level
    for _ in range(max_rounds):
        sample = draws.demand
        k = sample.shape[0]
        budgets, how = size_from_demand(
            sample, in_level, carry_over=carry_over, fill=fill, solver=solver
        )
        achieved = holds(budgets, sample, carry_over=carry_over, fill=fill).mean()
        if achieved < in_level - 1e-12:
            raise OptimizationError(
                f"the sized budgets hold in {achieved:.4f} of the in-sample draws, "
                f"below the {in_level:.4f} imposed: a modelling error"
            )
        check = certify(budgets, tuning, level, carry_over=carry_over, fill=fill, cluster=cluster)
        rounds.append(SizingRound(in_level, k, float(budgets.sum()), check))
        if check.passed:
            break
        # raise the in-sample level by the shortfall seen, plus one draw's worth; when that
        # would ask for more than every draw, take more draws instead
        wanted = in_level + (level - check.low) + 1 / k
        if wanted < 1 - 0.5 / k:
            in_level = wanted
        elif not draws.grow():
            break
    certificate = certify(budgets, final, level, carry_over=carry_over, fill=fill, cluster=cluster)
    req = fill * sample
    rows = []
    for p, name in enumerate(names):
        for t, year in enumerate(scenario.years):
            rows.append(
                {
                    "pool": name,
                    "year": year,
                    "budget": budgets[p, t],
                    "marginal": float(_order_statistic(req[:, p, t : t + 1], level)[0]),
                    "mean_demand": float(sample[:, p, t].mean()),
                    "carry_over": carry_over[p],
                }
            )
    return SizingResult(
        budgets=pd.DataFrame(rows),
        level=level,
        fill=fill,
        carry_over=carry_over,
        in_sample_level=rounds[-1].in_sample_level,
        certificate=certificate,
        rounds=tuple(rounds),
        solve=how,
        draws=sample.shape[0],
        unit=scenario.unit,
    )


def size_budget(scenario: Scenario, level: float = 0.95, **options: Any) -> SizingResult:
    """The budget to set aside per year so that it suffices in ``level`` of cases, certified.

    Same options as :func:`size_budgets` (``programmes``, ``pooling``, ``carry_over``,
    ``fill``, ``draws``, ``validation_draws``, ``seed``, ``solver``, ``max_rounds``,
    ``max_draws``, ``workers``).
    """
    return size_budgets(scenario, (level,), **options)[0]
