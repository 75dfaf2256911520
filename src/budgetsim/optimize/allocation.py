"""Split a total across funds and years: the sample-average LP over simulated demand.

Every capped programme draws on a fund (its own envelope, or a shared 资金池). The decision is
the envelope ``E[f, t]`` of each fund and year. Over K simulated draws of demand ``D[k, f, t]``
the money paid ``p[k, f, t]`` obeys what pro-rata and first-come rationing do in total —
``p = min(available, D)`` — written linearly as

- ``0 ≤ p[k, f, t] ≤ D[k, f, t]``;
- ``p[k, f, t] ≤ E[f, t]`` for money that lapses, or ``Σ_{s≤t} p[k, f, s] ≤ Σ_{s≤t} E[f, s]``
  when unspent money carries over (结转);
- ``Σ E ≤ total``, and the bounds the clauses set: a per-year line stays fixed, a multi-year
  total keeps its sum but may move between years, a range (1000-1500万元) bounds the sum.

The objective is the expected money reaching eligible applicants (``"paid"``) or the expected
fill ratio ``p / D`` (``"fill"``), each weighted by a per-programme priority. Many splits often
pay the same (with carry-over, money put in early pays as much as money put in when needed); a
tie-break of ``NUDGE`` times the smallest value of a paid 万元, per 万元 moved away from the
document's split, picks among them the one that changes the document least. The objective is
scaled so that its largest value per 万元 paid is 1 (the fill ratio's ``1/D`` is tiny in 万元),
and scaled back in what is reported. The marginal value of one more 万元 in each fund-year is
read off the solution: the draws where a claim of that year (or, with carry-over, a later one)
is still unpaid. It equals the availability rows' duals where those are unique; they are not
where an envelope sits at a bound, and CBC then reports 0.

For funds whose members ration by rank, lottery or deadline the LP's ``min(available, D)`` is
an upper bound on what they pay. The answer is therefore judged out of sample by the engine
itself: the document's split and the recommended one are simulated on the same fresh draws
(common random numbers), and the paired difference comes with its confidence interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from budgetsim.engine import simulate
from budgetsim.funds import carry_matrix, pool_demand
from budgetsim.optimize._lp import LinearProgram, OptimizationError, SolverName, Status, solve
from budgetsim.results import SimulationResult
from budgetsim.scenario import Scenario, compile_scenario
from budgetsim.scenario.model import Envelope, EnvelopeRange
from budgetsim.stats import interval, standard_error
from budgetsim.streams import fresh_seed

__all__ = ["AllocationResult", "Estimate", "FundBounds", "allocate", "allocate_from_demand"]

Floats = NDArray[np.float64]
AllocObjective = Literal["paid", "fill"]
_TOL = 1e-7
#: Tie-break: objective given up per unit of money moved away from the reference split, as a
#: share of the smallest value of a unit paid anywhere.
NUDGE = 1e-6


@dataclass(frozen=True)
class FundBounds:
    """What the clauses allow for one fund's envelopes [unit].

    Attributes
    ----------
    year_low, year_high
        Bounds of each year's envelope, shape (years,).
    total_low, total_high
        Bounds of the fund's sum over the years.
    why
        The bounds in words (which clause or option set them).
    """

    year_low: Floats
    year_high: Floats
    total_low: float
    total_high: float
    why: str


@dataclass(frozen=True)
class Estimate:
    """A mean over draws with its 95 % confidence interval."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Floats) -> Estimate:
        """Mean of per-draw values with its 95 % interval (NaN ends from fewer than 2 draws;
        :func:`budgetsim.stats.standard_error` and :func:`budgetsim.stats.interval`)."""
        m = float(values.mean())
        low, high = interval(m, standard_error(values))
        return cls(m, float(low), float(high))


def allocate_from_demand(
    demand: Floats,
    bounds: Sequence[FundBounds],
    total: float,
    *,
    carry_over: Sequence[bool],
    weights: Floats | None = None,
    objective: AllocObjective = "paid",
    reference: Floats | None = None,
    solver: SolverName = "cbc",
) -> tuple[Floats, Floats, float, float, Status, tuple[float, float, SolverName]]:
    """Envelopes per fund and year that maximise the expected objective over the draws.

    Parameters
    ----------
    demand
        Demand per draw, fund and year [unit], shape (K, F, T).
    bounds
        Per fund.
    total
        Money to split [unit].
    carry_over
        Per fund: whether unspent money moves to the next year.
    weights
        Priority per fund (default 1).
    objective
        ``"paid"`` or ``"fill"``.
    reference
        The split to stay closest to among equally good ones, shape (F, T) [unit] (default
        zeros: the least money).
    solver
        LP solver.

    Returns
    -------
    envelopes
        Shape (F, T) [unit].
    marginal
        Gain of the objective per extra unit of money in each fund-year, shape (F, T).
    total_dual
        Gain per extra unit of the total (the best fund-year that may still take more).
    value
        In-sample objective (expected per draw).
    status
        Solve status.
    timing
        Build and solve seconds, and the solver.

    Examples
    --------
    Two funds, one year, 10 to split; the first fund's demand is always 8, the second's 4.

    >>> d = np.array([[[8.0], [4.0]]] * 3)
    >>> free = FundBounds(np.zeros(1), np.full(1, 10.0), 0.0, 10.0, "")
    >>> e, m, lam, v, s, _ = allocate_from_demand(d, [free, free], 10, carry_over=[False, False])
    >>> float(e.sum()), round(v, 6)
    (10.0, 10.0)
    """
    k, f_n, t_n = demand.shape
    if len(bounds) != f_n or len(carry_over) != f_n:
        raise OptimizationError("one bound and one carry-over flag per fund")
    _check_bounds(bounds, total)
    w = np.ones(f_n) if weights is None else np.asarray(weights, dtype=float)
    n_e, n_p = f_n * t_n, k * f_n * t_n
    if objective == "paid":
        coef = np.broadcast_to(w[None, :, None] / k, demand.shape)
    elif objective == "fill":
        coef = np.divide(w[None, :, None] / k, demand, out=np.zeros(demand.shape), where=demand > 0)
    else:
        raise OptimizationError(f"objective must be 'paid' or 'fill', found {objective!r}")
    # scale the objective so that its largest value per unit paid is 1
    per_unit = coef.sum(axis=0)
    scale = 1.0 / max(float(per_unit.max()), 1e-300)
    coef = coef * scale
    positive = per_unit[per_unit > 0] * scale
    nudge = NUDGE * (float(positive.min()) if positive.size else 1.0)
    ref = np.zeros((f_n, t_n)) if reference is None else np.asarray(reference, dtype=float)
    # columns: E (n_e), moves up and down from the reference (n_e each), paid (n_p)
    # availability rows, one per draw, fund and year: Σ p − Σ E ≤ 0 over the years that count
    years_block = sparse.block_diag([carry_matrix(c, t_n) for c in carry_over], format="csr")
    a_p = sparse.kron(sparse.eye(k), years_block, format="csr")  # (K·F·T, K·F·T)
    a_e = -sparse.kron(np.ones((k, 1)), years_block, format="csr")
    no_moves = sparse.csr_array((n_p, 2 * n_e))
    avail = sparse.hstack([a_e, no_moves, a_p], format="csr")
    # budget rows: the total, then each fund's sum within its bounds
    fund_sum = sparse.kron(sparse.eye(f_n), np.ones((1, t_n)), format="csr")
    pad = sparse.csr_array((f_n, 2 * n_e + n_p))
    ones = sparse.csr_array(np.ones((1, n_e)))
    rows = sparse.vstack(
        [
            avail,
            sparse.hstack([ones, sparse.csr_array((1, 2 * n_e + n_p))]),
            sparse.hstack([fund_sum, pad]),
            sparse.hstack([-fund_sum, pad]),
        ],
        format="csr",
    )
    b_ub = np.concatenate(
        [
            np.zeros(n_p),
            [total],
            [b.total_high for b in bounds],
            [-b.total_low for b in bounds],
        ]
    )
    # E − up + down = reference
    eye = sparse.eye(n_e, format="csr")
    moves = sparse.hstack([eye, -eye, eye, sparse.csr_array((n_e, n_p))], format="csr")
    lp = LinearProgram(
        c=np.concatenate([np.zeros(n_e), np.full(2 * n_e, -nudge), coef.ravel()]),
        a_ub=sparse.csr_array(rows),
        b_ub=b_ub,
        lower=np.concatenate([*(b.year_low for b in bounds), np.zeros(2 * n_e + n_p)]),
        upper=np.concatenate(
            [
                np.concatenate([b.year_high for b in bounds]),
                np.full(2 * n_e, np.inf),
                demand.ravel().astype(float),
            ]
        ),
        integer=np.zeros(3 * n_e + n_p, bool),
        a_eq=moves,
        b_eq=ref.ravel(),
    )
    sol = solve(lp, solver)
    if not sol.usable:
        # the bounds were checked, so the model has a solution: this is the solver's failure
        # (no split can be trusted without the LP's optimum, so there is no fallback)
        other = "" if solver == "scipy" else " (another solver may succeed: --solver scipy)"
        raise OptimizationError(f"the allocation model was not solved: {sol.reason}{other}")
    envelopes = sol.x[:n_e].reshape(f_n, t_n)
    _verify(envelopes, bounds, total)
    paid = sol.x[3 * n_e :].reshape(demand.shape)
    value = float(coef.ravel() @ paid.ravel()) / scale
    marginal = _marginal_values(coef / scale, demand, paid, carry_over)
    room = (envelopes < np.array([b.year_high for b in bounds]) - _TOL * max(1.0, total)) & (
        envelopes.sum(axis=1) < np.array([b.total_high for b in bounds]) - _TOL * max(1.0, total)
    )[:, None]
    total_dual = float(marginal[room].max()) if room.any() else 0.0
    timing = (sol.build_seconds, sol.solve_seconds, sol.solver)
    return envelopes, marginal, total_dual, value, sol.status, timing


def _marginal_values(
    coef: Floats, demand: Floats, paid: Floats, carry_over: Sequence[bool]
) -> Floats:
    """Objective gained per extra unit of money in each fund-year, read off the solution.

    One more unit in year s of a fund pays one more unit in every draw where a claim of a year
    that money can pay (:func:`~budgetsim.funds.carry_matrix`: that year, or with carry-over
    any later one) is still unpaid, at the best such claim's value. Computed from the primal
    solution rather than the solver's duals, which are not unique where an envelope sits at
    its bound (CBC then reports 0).
    """
    short = paid < demand - 1e-9 * np.maximum(1.0, demand)
    gain = np.where(short, coef, 0.0)
    best = np.empty_like(gain)
    for f, carry in enumerate(carry_over):
        pays = carry_matrix(carry, gain.shape[2]).T > 0  # [s, t]: year s's money pays year t
        best[:, f, :] = np.where(pays, gain[:, f, None, :], -np.inf).max(axis=2)
    return np.asarray(best.sum(axis=0))


def _check_bounds(bounds: Sequence[FundBounds], total: float) -> None:
    """Name conflicting bounds in the planner's terms before any solve."""
    problems = []
    for b in bounds:
        if (b.year_low > b.year_high + _TOL).any() or b.total_low > b.total_high + _TOL:
            problems.append(f"{b.why}: its lower bound exceeds its upper bound")
        elif b.year_low.sum() > b.total_high + _TOL:
            problems.append(f"{b.why}: its fixed years add up to more than its total allows")
        elif b.year_high.sum() < b.total_low - _TOL:
            problems.append(f"{b.why}: its years cannot reach its least total")
    floor = sum(max(b.total_low, float(b.year_low.sum())) for b in bounds)
    if floor > total * (1 + _TOL):
        fixed = "; ".join(
            f"{b.why}" for b in bounds if max(b.total_low, float(b.year_low.sum())) > 0
        )
        problems.append(
            f"the fixed and least amounts add up to {floor:,.6g}, more than the total "
            f"{total:,.6g} to split ({fixed})"
        )
    if problems:
        raise OptimizationError("the allocation bounds conflict:\n  - " + "\n  - ".join(problems))


def _verify(envelopes: Floats, bounds: Sequence[FundBounds], total: float) -> None:
    """Re-check the split against the total and every bound, in numpy."""
    tol = 1e-6 * max(1.0, total)
    bad = []
    if envelopes.sum() > total + tol or (envelopes < -tol).any():
        bad.append(f"the split {envelopes.sum():,.6g} exceeds the total {total:,.6g}")
    for e, b in zip(envelopes, bounds, strict=True):
        if (e < b.year_low - tol).any() or (e > b.year_high + tol).any():
            bad.append(f"{b.why}: a year outside its bounds")
        if not b.total_low - tol <= e.sum() <= b.total_high + tol:
            bad.append(f"{b.why}: its sum {e.sum():,.6g} outside its bounds")
    if bad:
        raise OptimizationError("the allocation fails the independent check: " + "; ".join(bad))


@dataclass(frozen=True)
class AllocationResult:
    """The recommended split and how it compares with the document's.

    Attributes
    ----------
    table
        One row per fund and year: ``document`` and ``recommended`` envelopes, ``low`` and
        ``high`` bounds [unit], ``marginal_value`` (objective gained per extra unit of money
        there, in sample), ``mean_demand`` [unit], ``bounds`` (the rule in words).
    total
        Money split [unit].
    total_marginal_value
        Objective gained per extra unit of the total.
    objective
        ``"paid"`` or ``"fill"``.
    in_sample
        The LP's objective on the in-sample draws (an upper bound for rank/lottery rules).
    document, recommended, gain
        Out of sample, simulated by the engine on the same fresh draws: the objective under
        the document's split and the recommended one, and their paired difference.
    coverage_document, coverage_recommended, coverage_gain
        Share of claimants of the capped programmes paid in full, over the horizon, same
        fresh draws [fraction].
    draws, validation_draws
        In-sample and fresh draws.
    status, solver, build_seconds, solve_seconds
        Of the LP.
    unit
        Unit of the amounts.
    """

    table: pd.DataFrame
    total: float
    total_marginal_value: float
    objective: AllocObjective
    in_sample: float
    document: Estimate
    recommended: Estimate
    gain: Estimate
    coverage_document: Estimate
    coverage_recommended: Estimate
    coverage_gain: Estimate
    draws: int
    validation_draws: int
    status: Status
    solver: SolverName
    build_seconds: float
    solve_seconds: float
    unit: str


def _fund_envelope(scenario: Scenario, fid: str) -> Envelope:
    if fid in scenario.funds:
        return scenario.funds[fid].envelope
    envelope = scenario.programmes[fid].envelope
    assert envelope is not None  # a fund is made only for a capped programme with an envelope
    return envelope


def default_bounds(
    scenario: Scenario,
    total: float,
    *,
    free: Sequence[str] = (),
    bounds: Mapping[str, tuple[float, float]] | None = None,
    year_change: float | None = None,
) -> tuple[list[str], list[FundBounds]]:
    """Each fund's bounds as the clauses set them, loosened where the planner says.

    A per-year envelope stays fixed; a multi-year total keeps its sum and may move between the
    years; a ranged total may take any sum in its range. A fund in ``free`` may take anything
    from 0 to ``total``; ``bounds[fund] = (low, high)`` sets its sum's bounds. ``year_change``
    keeps every year within that share of the document's amount (0.5: ±50 %).
    """
    plan = compile_scenario(scenario)
    n = len(scenario.years)
    ids, out = [], []
    known = {f.id for f in plan.funds}
    unknown = [f for f in [*free, *(bounds or {})] if f not in known]
    if unknown:
        raise OptimizationError(
            f"unknown fund(s) {', '.join(unknown)}; the funds are {', '.join(sorted(known))}"
        )
    for fund in plan.funds:
        env = _fund_envelope(scenario, fund.id)
        zero, top = np.zeros(n), np.full(n, total)
        if fund.id in (bounds or {}):
            low, high = (bounds or {})[fund.id]
            b = FundBounds(zero, top, low, high, f"{fund.id} (set: {low:,.6g}–{high:,.6g})")
        elif fund.id in free:
            b = FundBounds(zero, top, 0.0, total, f"{fund.id} (free)")
        elif env.per_year is not None:
            amounts = np.asarray(env.per_year, dtype=float)
            b = FundBounds(
                amounts, amounts, amounts.sum(), amounts.sum(), f"{fund.id} (fixed per year)"
            )
        elif isinstance(env.total, EnvelopeRange):
            low, high = env.total.low, env.total.high
            b = FundBounds(zero, top, low, high, f"{fund.id} (range {low:,.6g}–{high:,.6g})")
        else:
            s = float(fund.amounts.sum())
            b = FundBounds(zero, top, s, s, f"{fund.id} (total {s:,.6g} over the years)")
        if year_change is not None and not np.array_equal(b.year_low, b.year_high):
            doc = fund.amounts
            b = FundBounds(
                np.maximum(b.year_low, doc * (1 - year_change)),
                np.minimum(b.year_high, doc * (1 + year_change)),
                b.total_low,
                b.total_high,
                f"{b.why[:-1]}, each year ±{year_change:.0%})",
            )
        ids.append(fund.id)
        out.append(b)
    return ids, out


def with_envelopes(scenario: Scenario, envelopes: Mapping[str, Floats], note: str) -> Scenario:
    """The scenario with per-year envelopes for the given funds (data, not code)."""
    context = {"years": scenario.years, "unit": scenario.unit}
    programmes = dict(scenario.programmes)
    funds = dict(scenario.funds)
    for fid, amounts in envelopes.items():
        env = Envelope.model_validate(
            {"per_year": [float(a) for a in amounts], "assumption": note}, context=context
        )
        if fid in funds:
            funds[fid] = funds[fid].model_copy(update={"envelope": env})
        else:
            programmes[fid] = programmes[fid].model_copy(update={"envelope": env})
    return scenario.model_copy(update={"programmes": programmes, "funds": funds})


def _objective_per_draw(
    result: SimulationResult, members: Sequence[Sequence[int]], w: Floats, objective: str
) -> Floats:
    paid, demand = (
        pool_demand(result.paid.values, members),
        pool_demand(result.demand.values, members),
    )
    out = np.zeros(result.draws)
    for f in range(len(members)):
        p, d = paid[:, f, :], demand[:, f, :]
        if objective == "paid":
            out += w[f] * p.sum(axis=1)
        else:
            out += w[f] * np.divide(p, d, out=np.zeros_like(p), where=d > 0).sum(axis=1)
    return out


def _coverage_per_draw(result: SimulationResult, programmes: Sequence[int]) -> Floats:
    ds = result.dataset
    full = ds["paid_full"].values[:, list(programmes), :].sum(axis=(1, 2)).astype(float)
    claimants = ds["claimants"].values[:, list(programmes), :].sum(axis=(1, 2)).astype(float)
    return np.asarray(np.divide(full, claimants, out=np.ones_like(full), where=claimants > 0))


def allocate(
    scenario: Scenario,
    total: float | None = None,
    *,
    objective: AllocObjective = "paid",
    priority: Mapping[str, float] | None = None,
    free: Sequence[str] = (),
    bounds: Mapping[str, tuple[float, float]] | None = None,
    year_change: float | None = None,
    draws: int = 1_000,
    validation_draws: int = 4_000,
    seed: int = 1,
    solver: SolverName = "cbc",
    workers: int = 1,
) -> AllocationResult:
    """Recommend envelopes per fund and year, and judge them against the document's split.

    Parameters
    ----------
    scenario
        The scenario.
    total
        Money to split over the horizon [unit]; default: the document's own total (ranges at
        their expected value).
    objective
        ``"paid"`` (expected money reaching eligible applicants) or ``"fill"`` (expected fill
        ratio, summed over fund-years).
    priority
        Weight per programme or fund id (default 1); a fund weighs the mean of its members'.
    free, bounds
        Funds whose sum may move freely in [0, total], or within given (low, high) [unit].
    year_change
        Keep each year's envelope within this share of the document's (0.5: ±50 %) [fraction];
        None lets money move freely between years (with carry-over, money put in early is
        never worth less, so the split then leans to the first year).
    draws, validation_draws
        In-sample draws of the LP, and fresh draws of the out-of-sample comparison.
    seed
        Seed of the in-sample draws; the fresh ones use a seed derived from it.
    solver
        LP solver.
    workers
        Worker processes for the simulations.
    """
    plan = compile_scenario(scenario)
    if not plan.funds:
        raise OptimizationError(f"{scenario.id} has no capped programme: nothing to allocate")
    document = np.stack([f.amounts for f in plan.funds])
    budget = float(document.sum()) if total is None else float(total)
    ids, fund_bounds = default_bounds(
        scenario, budget, free=free, bounds=bounds, year_change=year_change
    )
    members = [f.members for f in plan.funds]
    names = list(scenario.programmes)
    pri = dict(priority or {})
    unknown = [p for p in pri if p not in names and p not in ids]
    if unknown:
        raise OptimizationError(f"priority for unknown programme or fund: {', '.join(unknown)}")
    w = np.array(
        [
            pri.get(f.id, float(np.mean([pri.get(names[p], 1.0) for p in f.members])))
            for f in plan.funds
        ]
    )
    sample = simulate(scenario, draws, seed, workers=workers)
    d = pool_demand(sample.demand.values, members)
    envelopes, marginal, lam, value, status, (build, solve_s, used) = allocate_from_demand(
        d,
        fund_bounds,
        budget,
        carry_over=[f.carry_over for f in plan.funds],
        weights=w,
        objective=objective,
        reference=document,
        solver=solver,
    )
    fresh = fresh_seed(seed, 3)
    recommended_scenario = with_envelopes(
        scenario, dict(zip(ids, envelopes, strict=True)), "budgetsim optimize allocate"
    )
    base = simulate(scenario, validation_draws, fresh, workers=workers)
    rec = simulate(recommended_scenario, validation_draws, fresh, workers=workers)
    ob, orc = (_objective_per_draw(r, members, w, objective) for r in (base, rec))
    capped = sorted({p for m in members for p in m})
    cb, cr = (_coverage_per_draw(r, capped) for r in (base, rec))
    rows = []
    for f, fid in enumerate(ids):
        for t, year in enumerate(scenario.years):
            b = fund_bounds[f]
            rows.append(
                {
                    "fund": fid,
                    "year": year,
                    "document": document[f, t],
                    "recommended": envelopes[f, t],
                    "low": b.year_low[t],
                    "high": b.year_high[t],
                    "marginal_value": marginal[f, t],
                    "mean_demand": float(d[:, f, t].mean()),
                    "bounds": b.why,
                }
            )
    return AllocationResult(
        table=pd.DataFrame(rows),
        total=budget,
        total_marginal_value=lam,
        objective=objective,
        in_sample=value,
        document=Estimate.of(ob),
        recommended=Estimate.of(orc),
        gain=Estimate.of(orc - ob),
        coverage_document=Estimate.of(cb),
        coverage_recommended=Estimate.of(cr),
        coverage_gain=Estimate.of(cr - cb),
        draws=draws,
        validation_draws=validation_draws,
        status=status,
        solver=used,
        build_seconds=build,
        solve_seconds=solve_s,
        unit=scenario.unit,
    )
