"""Many variants of one scenario: ``simulate_many`` against one ``simulate`` call per variant.

jiangmen-2021 at 4,000 draws (``--smoke``: 200 draws, 6 variants), in this process, one worker:

- (a) 50 policy-lever variants: the R&D reward's and the loan-interest subsidy's envelopes
  and caps on a 5 × 5 × 2 grid — target ≥ 10× faster than separate runs;
- (b) 50 variants each changing one population's assumptions (arrival means and attribute
  medians of ten populations at five factors) — target ≥ 3× faster.

Each variant's result is checked to be bit-identical to its separate run. Also printed: the
throughput of re-evaluating a stored sample for a lever variant (applicant-evaluations per
second: applicants × programmes that read them) next to the engine's sampling throughput
(applicants sampled per second). Usage: ``python benchmarks/many.py [--smoke]``. The last
line printed is machine-readable.
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

import numpy as np

import budgetsim
from budgetsim._allocator import tuned_allocator
from budgetsim.scenario import compile_scenario
from budgetsim.stages import ChunkTask, evaluate, sample

SCENARIO = "jiangmen-2021"


def lever_variants(n: int) -> list[dict[str, Any]]:
    """Envelopes × caps of the two programmes a bureau sizes most often."""
    grid = itertools.product(
        [600, 800, 1000, 1200, 1500],  # R&D reward a year [万元]
        [10, 15, 20, 25, 30],  # its cap per firm [万元]
        ["×0.8", "×1.2"],  # the interest subsidy's three-year envelope
    )
    return [
        {
            "programmes.rd_reward.envelope.per_year": per_year,
            "programmes.rd_reward.instrument.cap": cap,
            "programmes.loan_interest.envelope.total": total,
        }
        for per_year, cap, total in itertools.islice(grid, n)
    ]


def assumption_variants(n: int) -> list[dict[str, Any]]:
    """One population's assumption changed per variant."""
    paths = [
        "populations.hte_certified.arrivals.mean",
        "populations.tsme_rd.arrivals.mean",
        "populations.tsme_rd.attributes.rd_expense.median",
        "populations.tech_borrowers.arrivals.mean",
        "populations.tech_borrowers.attributes.principal.median",
        "populations.key_tech_proposals.arrivals.mean",
        "populations.competition_entrants.arrivals.mean",
        "populations.innovation_teams.arrivals.mean",
        "populations.tech_introducers.arrivals.mean",
        "populations.platforms.arrivals.mean",
    ]
    factors = ["×0.8", "×0.9", "×1.1", "×1.2", "×1.3"]
    return [{p: f} for p, f in itertools.islice(itertools.product(paths, factors), n)]


def same(a: budgetsim.SimulationResult, b: budgetsim.SimulationResult) -> bool:
    return all(
        np.array_equal(a.dataset[k].values, b.dataset[k].values, equal_nan=True)
        for k in a.dataset.data_vars
    )


def compare(sc: budgetsim.Scenario, variants: list[dict[str, Any]], draws: int) -> float:
    """Speed-up of simulate_many over separate runs (variants compiled beforehand for both)."""
    varied = [sc.vary(v) for v in variants]
    started = time.perf_counter()
    many = budgetsim.simulate_many(sc, varied, draws=draws, seed=1)
    t_many = time.perf_counter() - started
    started = time.perf_counter()
    alone = [budgetsim.simulate(v, draws=draws, seed=1) for v in varied]
    t_alone = time.perf_counter() - started
    if not all(same(a, b) for a, b in zip(many, alone, strict=True)):
        raise SystemExit("simulate_many differs from separate runs")
    print(
        f"  {len(variants)} variants × {draws:,} draws: simulate_many {t_many:6.2f} s, "
        f"separate runs {t_alone:6.2f} s → {t_alone / t_many:5.1f}×"
    )
    return t_alone / t_many


def throughput(sc: budgetsim.Scenario, draws: int) -> tuple[float, float]:
    """(applicants sampled per second, applicant-evaluations per second re-evaluating)."""
    base = compile_scenario(sc)
    lever = compile_scenario(sc.vary(lever_variants(1)[0]))
    task = ChunkTask((base, lever), entropy=1, start=0, stop=draws)
    with tuned_allocator():  # as the engine runs it
        started = time.perf_counter()
        smp = sample(base, task.entropy, task.draws)
        t_sample = time.perf_counter() - started
        reference = evaluate(base, smp, task)
        shared = sample(lever, task.entropy, task.draws, smp)
        started = time.perf_counter()
        evaluate(lever, shared, task, (base, reference))
        t_eval = time.perf_counter() - started
    applicants = sum(c.size for cohorts in smp.cohorts.values() for c in cohorts)
    evaluations = sum(
        smp.cohorts[p.population][y].size for p in lever.programmes for y in range(len(lever.years))
    )
    return applicants / t_sample, evaluations / t_eval


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes (for CI)")
    args = parser.parse_args()
    draws, n = (200, 6) if args.smoke else (4_000, 50)
    sc = budgetsim.load_scenario(SCENARIO)
    print(f"{SCENARIO}, one process")
    print("(a) policy levers (envelopes × caps):")
    levers = compare(sc, lever_variants(n), draws)
    print("(b) one population's assumptions each:")
    assumptions = compare(sc, assumption_variants(n), draws)
    sampled, reeval = throughput(sc, min(draws, 200))
    print(
        f"sampling {sampled / 1e6:.2f} M applicants/s; re-evaluating a stored sample for a "
        f"lever variant {reeval / 1e6:.2f} M applicant-evaluations/s"
    )
    print("targets: (a) ≥ 10×, (b) ≥ 3×")
    print(
        f"many_levers_speedup={levers:.1f} many_assumptions_speedup={assumptions:.1f} "
        f"reeval_evals_per_s={reeval:.3g}"
    )


if __name__ == "__main__":
    main()
