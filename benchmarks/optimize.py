"""The optimiser: award models on 100,000 applicants, budget sizing at K = 1,000, allocation.

Cases (seeded):

1. Award LP: 100,000 applicants, lognormal requests, a cap, one quota; maximise score. Build
   time of the PuLP model by budgetsim's direct construction, against the ``lpSum`` idiom (the
   naive reference; PuLP's plain ``sum()`` is slower still and is timed on 10,000 only); CBC's
   solve time; and SciPy's HiGHS straight from the arrays (no PuLP model).
2. All-or-nothing awards on the same list (maximise firms funded): CBC's MILP, and the LP
   relaxation rounded down and filled greedily, with its gap to the LP bound.
3. Budget sizing at K = 1,000 in-sample draws, P95 jointly: ``zhongshan-2024``'s whole policy
   per year (2 rows), and its ten largest programmes apart in 2024 (10 rows), with quantile
   bounds, against the same MILP with an indicator for every draw (the naive reference,
   timed with a limit).
4. Allocation of ``jiangmen-2021`` at K = 1,000 draws: build and solve of the LP, and the
   whole ``allocate`` call (simulations included).

Targets on the 2-core machine: award LP ≤ 3 s build + solve through PuLP (≤ 1 s on the array
path); all-or-nothing ≤ 10 s; sizing K = 1,000 ≤ 1 s; allocation K = 1,000 ≤ 30 s.

Usage: ``python benchmarks/optimize.py [--smoke]``. The last line printed is machine-readable.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import budgetsim
from budgetsim.optimize import Applicants, AwardRules, Quota, allocate, award
from budgetsim.optimize._lp import LinearProgram, solve, to_pulp
from budgetsim.optimize.awards import award_program
from budgetsim.optimize.sizing import size_from_demand


def applicants(n: int, seed: int = 1) -> Applicants:
    rng = np.random.default_rng(seed)
    amount = np.round(rng.lognormal(np.log(30), 0.8, n), 2)
    districts = np.array(["a", "b", "c", "d", "e", "f", "g"])
    return Applicants(
        np.array([f"f{i}" for i in range(n)]),
        amount,
        np.round(rng.uniform(60, 100, n), 1),
        {"district": districts[rng.integers(0, 7, n)]},
    )


def build_lpsum(lp: LinearProgram) -> float:
    """Seconds to build the same PuLP model with ``lpSum`` over products (the common idiom)."""
    import pulp

    t = time.perf_counter()
    prob = pulp.LpProblem("naive", pulp.LpMaximize)
    xs = [prob.add_variable(f"x{j}", 0, float(lp.upper[j])) for j in range(lp.n)]
    prob += pulp.lpSum(lp.c[j] * xs[j] for j in range(lp.n))
    dense = lp.a_ub.toarray()
    for i in range(lp.b_ub.size):
        prob += pulp.lpSum(dense[i, j] * xs[j] for j in range(lp.n)) <= lp.b_ub[i]
    return time.perf_counter() - t


def build_sum(lp: LinearProgram) -> float:
    """Seconds to build the objective with Python's ``sum()`` (repeated ``+`` on expressions)."""
    import pulp

    t = time.perf_counter()
    prob = pulp.LpProblem("naive", pulp.LpMaximize)
    xs = [prob.add_variable(f"x{j}", 0, float(lp.upper[j])) for j in range(lp.n)]
    prob += sum(lp.c[j] * xs[j] for j in range(lp.n))
    return time.perf_counter() - t


def bench_awards(n: int) -> dict[str, float]:
    apps = applicants(n)
    envelope = 0.4 * float(apps.amount.sum())
    lp_rules = AwardRules(
        envelope=envelope, cap=100.0, quotas=(Quota("district", "a", 0.2),), objective="score"
    )
    lp, _ = award_program(apps, lp_rules)
    t = time.perf_counter()
    to_pulp(lp)
    direct = time.perf_counter() - t
    lpsum = build_lpsum(lp)
    small, _ = award_program(applicants(min(n, 10_000)), lp_rules)
    plain = build_sum(small)
    res = award(apps, lp_rules, solver="cbc")
    arrays = award(apps, lp_rules, solver="scipy")
    print(f"award LP, {n:,} applicants, cap 100, one quota, objective score:")
    print(
        f"  build through PuLP: direct {direct:.2f} s, lpSum {lpsum:.2f} s ({lpsum / direct:.1f}×)"
    )
    print(f"  Python sum() on the objective of {small.n:,} variables: {plain:.2f} s")
    print(
        f"  CBC: build {res.build_seconds:.2f} s + solve {res.solve_seconds:.2f} s = "
        f"{res.build_seconds + res.solve_seconds:.2f} s; {res.funded:,} funded"
    )
    print(
        f"  SciPy HiGHS on the arrays: {arrays.solve_seconds:.2f} s; objectives agree to "
        f"{abs(arrays.objective - res.objective) / res.objective:.1e}"
    )
    aon = AwardRules(envelope=envelope, cap=100.0, all_or_nothing=True, objective="count")
    t = time.perf_counter()
    exact = award(apps, aon, solver="cbc")
    milp = time.perf_counter() - t
    t = time.perf_counter()
    fast = award(apps, aon, solver="scipy", method="round")
    rounding = time.perf_counter() - t
    print("all-or-nothing, objective count (firms funded):")
    print(
        f"  CBC MILP: build {exact.build_seconds:.2f} s + solve {exact.solve_seconds:.2f} s "
        f"({milp:.2f} s in all), {exact.funded:,} funded, {exact.status.value}"
    )
    print(
        f"  LP relaxation + round down + greedy fill: {rounding:.2f} s, {fast.funded:,} funded, "
        f"gap to the LP bound {fast.gap:.1e}"
    )
    return {
        "award_lp_s": res.build_seconds + res.solve_seconds,
        "award_lp_arrays_s": arrays.solve_seconds,
        "award_lp_build_ratio": lpsum / direct,
        "award_milp_s": milp,
        "award_round_s": rounding,
    }


def naive_sizing(demand: np.ndarray, level: float, limit: float) -> float:
    """The chance-constrained MILP with an indicator for every draw and no quantile bounds."""
    from scipy import sparse

    k, pools, years = demand.shape
    rows = pools * years
    d = demand.reshape(k, rows)
    big = d.max(axis=0)
    kk, rr = np.nonzero(np.ones((k, rows)))
    link = sparse.hstack(
        [
            -sparse.csr_array((np.ones(kk.size), (np.arange(kk.size), rr)), shape=(kk.size, rows)),
            sparse.csr_array((big[rr], (np.arange(kk.size), kk)), shape=(kk.size, k)),
        ]
    )
    count = sparse.hstack([sparse.csr_array((1, rows)), -sparse.csr_array(np.ones((1, k)))])
    lp = LinearProgram(
        np.concatenate([np.ones(rows), np.zeros(k)]),
        sparse.csr_array(sparse.vstack([link, count])),
        np.concatenate([big[rr] - d[kk, rr], [-np.ceil(level * k)]]),
        np.zeros(rows + k),
        np.concatenate([np.full(rows, np.inf), np.ones(k)]),
        np.concatenate([np.zeros(rows, bool), np.ones(k, bool)]),
        maximize=False,
    )
    t = time.perf_counter()
    solve(lp, "cbc", time_limit=limit)
    return time.perf_counter() - t


def bench_sizing(k: int, limit: float) -> dict[str, float]:
    sc = budgetsim.load_scenario("zhongshan-2024")
    res = budgetsim.simulate(sc, k, 1)
    figures = {}
    total = res.demand.values.sum(axis=1, keepdims=True)  # the whole policy, per year
    first = res.demand.values[:, :, :1]
    ten = first[:, np.argsort(-first.mean(axis=(0, 2)))[:10], :]  # ten largest, 2024
    cases = (
        ("policy", "zhongshan-2024, the whole policy, 2024 and 2025", total),
        ("10prog", "zhongshan-2024, its ten largest programmes apart, 2024", ten),
    )
    for key, label, demand in cases:
        t = time.perf_counter()
        _, how = size_from_demand(demand, 0.95, carry_over=False)
        fast = time.perf_counter() - t
        slow = naive_sizing(demand, 0.95, limit)
        print(f"budget sizing, {label}, P95 jointly, K = {k:,}:")
        print(
            f"  quantile bounds: {how.binaries:,} of {k:,} indicators left, build "
            f"{how.build_seconds:.2f} s + solve {how.solve_seconds:.2f} s ({fast:.2f} s in all)"
        )
        print(f"  every draw an indicator: {slow:.2f} s (limit {limit:.0f} s) → {slow / fast:.0f}×")
        figures[f"sizing_{key}_s"] = fast
        figures[f"sizing_{key}_naive_s"] = slow
    return figures


def bench_allocation(k: int, validation: int) -> dict[str, float]:
    sc = budgetsim.load_scenario("jiangmen-2021")
    t = time.perf_counter()
    res = allocate(sc, draws=k, validation_draws=validation, seed=1)
    total = time.perf_counter() - t
    print(f"allocation, jiangmen-2021, K = {k:,} in-sample, {validation:,} fresh draws:")
    print(
        f"  LP build {res.build_seconds:.2f} s + solve {res.solve_seconds:.2f} s; allocate() in "
        f"all {total:.2f} s; out-of-sample gain {res.gain.mean:,.0f} {res.unit} "
        f"[{res.gain.low:,.0f}, {res.gain.high:,.0f}]"
    )
    return {"allocate_s": total, "allocate_lp_s": res.build_seconds + res.solve_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes (for CI)")
    args = parser.parse_args()
    n, k, validation, limit = (2_000, 100, 100, 5.0) if args.smoke else (100_000, 1_000, 4_000, 60)
    warnings.simplefilter("ignore", DeprecationWarning)
    figures = {**bench_awards(n), **bench_sizing(k, limit), **bench_allocation(k, validation)}
    size = f"{n // 1000}k"
    print(
        f"award_lp_{size}_s={figures['award_lp_s']:.2f} "
        f"award_lp_arrays_{size}_s={figures['award_lp_arrays_s']:.2f} "
        f"award_build_lpsum_ratio={figures['award_lp_build_ratio']:.1f} "
        f"award_milp_{size}_s={figures['award_milp_s']:.2f} "
        f"award_round_{size}_s={figures['award_round_s']:.2f} "
        f"sizing_k{k}_s={figures['sizing_policy_s']:.2f} "
        f"sizing_naive_k{k}_s={figures['sizing_policy_naive_s']:.2f} "
        f"sizing_10prog_k{k}_s={figures['sizing_10prog_s']:.2f} "
        f"sizing_10prog_naive_k{k}_s={figures['sizing_10prog_naive_s']:.2f} "
        f"allocate_jiangmen_k{k}_s={figures['allocate_s']:.2f}"
    )


if __name__ == "__main__":
    main()
