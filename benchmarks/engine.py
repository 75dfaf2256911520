"""Engine throughput against a naive reference and against the cost of the random inputs.

The fixed case: one programme over three years; Poisson(3000) applicants a year with a
lognormal base; a capped proportional entitlement; first come, first served with carry-over.

Three figures, in applicant-evaluations per second (one evaluation = one applicant in one
programme-year, from random draw to payment):

(i)   a naive pure-Python implementation of the same rules, one applicant at a time, consuming
      the same random streams (it is checked to give the engine's per-draw results);
(ii)  the engine (``budgetsim.simulate``);
(iii) the floor: drawing the random inputs alone (the engine's population sampling).

Targets on the 2-core machine: engine ≥ 30× naive; engine ≥ 50 % of the floor.

Usage: ``python benchmarks/engine.py [--draws N] [--naive-draws M] [--smoke]``. The last line
printed is machine-readable.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import numpy as np

import budgetsim
from budgetsim._allocator import restore_allocator, tune_allocator
from budgetsim.engine import _chunks
from budgetsim.population import MONTHS, _month_shares, draw_cohorts
from budgetsim.scenario import compile_scenario
from budgetsim.scenario.load import validate_data
from budgetsim.streams import stream

MEDIAN, SIGMA, RATE, CAP, ENVELOPE = 100.0, 1.0, 0.1, 50.0, 36_000.0

CASE: dict[str, Any] = {
    "scenario": {
        "id": "bench-engine",
        "title": "engine benchmark",
        "source": "benchmark",
        "years": [2021, 2022, 2023],
    },
    "populations": {
        "firms": {
            "label": "firms",
            "arrivals": {"dist": "poisson", "mean": 3000, "assumption": "benchmark"},
            "attributes": {
                "base": {
                    "dist": "lognormal",
                    "median": MEDIAN,
                    "sigma": SIGMA,
                    "assumption": "benchmark",
                }
            },
        }
    },
    "programmes": {
        "grant": {
            "label": "grant",
            "source": "benchmark",
            "population": "firms",
            "instrument": {
                "kind": "proportional",
                "base": "base",
                "rate": RATE,
                "cap": CAP,
                "source": "benchmark",
            },
            "rationing": "fcfs",
            "envelope": {"per_year": ENVELOPE, "source": "benchmark"},
            "carry_over": True,
        }
    },
}


def naive(scenario: budgetsim.Scenario, entropy: int, draws: int) -> dict[str, np.ndarray]:
    """The same rules, one applicant at a time, in plain Python."""
    plan = compile_scenario(scenario)
    pop = plan.populations[0]
    shares = [float(s) for s in _month_shares(pop)]
    n_years = len(plan.years)
    out = {k: np.zeros((draws, n_years)) for k in ("demand", "paid", "month")}
    for d in range(draws):
        rng = stream(entropy, d, pop.stream_key)
        counts = pop.spec.arrivals.sample(rng)
        months = []
        bases = []
        for y in range(n_years):
            n = int(counts[y])
            if n == 0:
                months.append([0] * MONTHS)
                bases.append([])
                continue
            months.append([int(c) for c in rng.multinomial(n, shares)])
            bases.append([MEDIAN * math.exp(SIGMA * rng.standard_normal()) for _ in range(n)])
        carry = 0.0
        for y in range(n_years):
            available = ENVELOPE + carry
            running = paid = 0.0
            month = 0  # the money lasted
            month_ends = [sum(months[y][: m + 1]) for m in range(MONTHS)]
            for i, base in enumerate(bases[y]):
                entitlement = min(RATE * max(base, 0.0), CAP)
                before = running
                running += entitlement
                paid += min(entitlement, max(available - before, 0.0))
                if running > available and month == 0:
                    month = next(m + 1 for m, end in enumerate(month_ends) if i < end)
            paid = min(paid, available)
            out["demand"][d, y], out["paid"][d, y], out["month"][d, y] = running, paid, month
            carry = available - paid
    return out


def check_agreement(scenario: budgetsim.Scenario, draws: int = 12) -> None:
    result = budgetsim.simulate(scenario, draws=draws, seed=2024, chunk_draws=5)
    reference = naive(scenario, result.entropy, draws)
    engine = {
        "demand": result.demand.values[:, 0, :],
        "paid": result.paid.values[:, 0, :],
        "month": result["exhaustion_month"].values[:, 0, :],
    }
    for key, values in reference.items():
        if not np.allclose(engine[key], values, rtol=1e-12, atol=1e-9, equal_nan=True):
            raise SystemExit(f"naive reference and engine disagree on {key}")
    print(f"check: naive reference and engine agree on {draws} draws (demand, paid, month)")


def floor(scenario: budgetsim.Scenario, draws: int, chunk_draws: int | None) -> float:
    """Seconds to draw the random inputs alone, chunk by chunk as the engine does, under the
    allocator setting the engine runs with (``simulate`` restores glibc's defaults after it)."""
    plan = compile_scenario(scenario)
    entropy = int(np.random.SeedSequence(1).entropy)  # type: ignore[arg-type]
    tune_allocator()
    started = time.perf_counter()
    for a, b in _chunks(plan, draws, chunk_draws):
        draw_cohorts(plan.populations[0], entropy, range(a, b), plan.years)
    elapsed = time.perf_counter() - started
    restore_allocator()
    return elapsed


def best_of(repeats: int, fn: Any) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=2000, help="engine draws")
    parser.add_argument("--naive-draws", type=int, default=20, help="naive reference draws")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="a small, quick run (for CI)")
    args = parser.parse_args()
    if args.smoke:
        args.draws, args.naive_draws, args.repeats = 50, 3, 1

    scenario = validate_data(CASE, "benchmark")
    check_agreement(scenario)
    evals_per_draw = 3 * 3000  # expected applicant-evaluations per draw

    naive_s = best_of(args.repeats, lambda: naive(scenario, 1, args.naive_draws))
    naive_rate = args.naive_draws * evals_per_draw / naive_s

    result = budgetsim.simulate(scenario, draws=args.draws, seed=1)
    evals = int(result.dataset["claimants"].values.sum())  # every applicant claims here
    engine_s = best_of(args.repeats, lambda: budgetsim.simulate(scenario, draws=args.draws, seed=1))
    floor_s = best_of(args.repeats, lambda: floor(scenario, args.draws, None))
    engine_rate, floor_rate = evals / engine_s, evals / floor_s

    print(f"case: 1 programme × 3 years, Poisson(3000) applicants a year, {args.draws:,} draws")
    print(f"(i)   naive pure Python : {naive_rate / 1e6:8.2f} M evaluations/s  ({naive_s:.2f} s)")
    print(f"(ii)  engine            : {engine_rate / 1e6:8.2f} M evaluations/s  ({engine_s:.2f} s)")
    print(f"(iii) random-draw floor : {floor_rate / 1e6:8.2f} M evaluations/s  ({floor_s:.2f} s)")
    print(
        f"engine ÷ naive = {engine_rate / naive_rate:.1f}× (target ≥ 30×); "
        f"engine ÷ floor = {engine_rate / floor_rate:.2f} (target ≥ 0.50)"
    )
    print(
        f"evals_per_s={engine_rate:.3g} ratio_vs_naive={engine_rate / naive_rate:.1f} "
        f"ratio_vs_floor={engine_rate / floor_rate:.2f}"
    )


if __name__ == "__main__":
    main()
