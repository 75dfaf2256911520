"""Sensitivity analysis: tornado and Morris against separate runs, ``run --uncertain`` against a
plain run.

jiangmen-2021, every ranged number (k of them), ``--workers`` worker processes (default 2):

1. Tornado (``budgetsim.sensitivity.tornado``), 2,000 draws a point, headline outputs: each
   number at its low and its high end, plus the base (2k + 1 points) — target ≤ 60 s. The naive
   reference: the same points as separate ``budgetsim.simulate`` calls (same draws, seed and
   workers; ``vary`` outside the timing), checked to give the tornado's values; all points
   unless ``--separate N`` times a random N of them and extrapolates (said in the printout).
2. Morris (``budgetsim.sensitivity.morris``), 10 trajectories, 1,000 draws a point
   (10 × (k + 1) points) — target ≤ 180 s. Its separate-runs reference is extrapolated: a
   random ``--morris-separate`` points of the same design run as separate ``simulate`` calls
   at 1,000 draws, their mean time × the design's points.
3. ``run --uncertain`` (``simulate_uncertain``: the assumptions drawn per block of 20 draws)
   against a plain ``simulate``, 10,000 draws — target ≤ 1.5×. A plain run first warms up;
   then each is timed ``--repeats`` times (default 2), alternately, and the best is kept.

A small run first warms up imports and worker start-up. ``--smoke``: 50 draws a point over the
numbers of three populations (14), Morris with 2 trajectories, 400 uncertain draws (for CI).

Usage: ``python benchmarks/sensitivity.py [--workers W] [--separate N] [--smoke]``. The last
line printed is machine-readable.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import budgetsim
from budgetsim.outcomes import Output, default_outputs, estimate, needed
from budgetsim.sensitivity import morris, tornado
from budgetsim.sensitivity.design import Factor, changes, factors
from budgetsim.sensitivity.methods import MORRIS_LEVELS, _problem, _salib_seed
from budgetsim.sensitivity.uncertain import simulate_uncertain

SCENARIO = "jiangmen-2021"
TARGETS = {"tornado": 60.0, "morris": 180.0, "uncertain": 1.5}
SMOKE_ONLY = (
    "populations.tech_borrowers",
    "populations.innovation_teams",
    "populations.key_tech_proposals",
)


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT MET"


def seconds(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def estimates(outs: Sequence[Output], res: budgetsim.SimulationResult) -> list[float]:
    return [estimate(o.metric, needed(o, res)) for o in outs]


def agree(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)


def bench_tornado(
    sc: budgetsim.Scenario,
    chosen: list[Factor],
    only: Sequence[str],
    draws: int,
    workers: int,
    separate: int,
) -> tuple[float, float]:
    """(tornado seconds, separate runs' seconds — extrapolated when a subset)."""
    started = time.perf_counter()
    res = tornado(sc, draws=draws, seed=1, only=only, workers=workers)
    t_tornado = time.perf_counter() - started
    points = 2 * len(chosen) + 1
    print(
        f"(1) tornado, {len(chosen)} numbers × 2 ends + base = {points} points × {draws:,} "
        f"draws: {t_tornado:.2f} s (target ≤ {TARGETS['tornado']:.0f} s: "
        f"{verdict(t_tornado, TARGETS['tornado'])})"
    )

    # the naive reference: one simulate call per point; index −1 is the base
    everything = [(-1, -1)] + [(j, end) for j in range(len(chosen)) for end in (0, 1)]
    if 0 < separate < points:
        rng = np.random.default_rng(1)
        run = [everything[i] for i in sorted(rng.choice(points, separate, replace=False))]
    else:
        run = everything
    outs = default_outputs(sc)
    table = res.table.set_index(["output", "parameter"])
    mismatches = 0
    elapsed = 0.0
    for j, end in run:
        variant = sc if j < 0 else sc.vary({chosen[j].path: chosen[j].ends()[end]})
        started = time.perf_counter()
        alone = budgetsim.simulate(variant, draws=draws, seed=1, workers=workers)
        elapsed += time.perf_counter() - started
        for out, value in zip(outs, estimates(outs, alone), strict=True):
            if j < 0:
                expected = float(table.xs(out.key, level="output")["base"].iloc[0])
            else:
                column = "at_high" if end else "at_low"
                expected = float(table.loc[(out.key, chosen[j].path), column])
            mismatches += not agree(value, expected)
    if mismatches:
        raise SystemExit(f"separate runs differ from the tornado's values ({mismatches})")
    per_point = elapsed / len(run)
    t_separate = per_point * points
    how = (
        f"all {points} points"
        if len(run) == points
        else f"extrapolated from a random {len(run)} of {points} points, {elapsed:.1f} s measured"
    )
    print(
        f"    separate simulate calls: {t_separate:.2f} s ({how}; {per_point:.2f} s a point) "
        f"→ tornado {t_separate / t_tornado:.1f}× faster"
    )
    print(
        f"    check: the separate runs give the tornado's values ({len(outs)} outputs, "
        f"{len(run)} points)"
    )
    return t_tornado, t_separate


def bench_morris(
    sc: budgetsim.Scenario,
    chosen: list[Factor],
    only: Sequence[str],
    draws: int,
    trajectories: int,
    workers: int,
    sample: int,
) -> float:
    started = time.perf_counter()
    morris(sc, draws=draws, seed=1, trajectories=trajectories, only=only, workers=workers)
    t_morris = time.perf_counter() - started
    k = len(chosen)
    points = trajectories * (k + 1)
    print(
        f"(2) Morris, {trajectories} trajectories × ({k} + 1) = {points} points × {draws:,} "
        f"draws: {t_morris:.2f} s (target ≤ {TARGETS['morris']:.0f} s: "
        f"{verdict(t_morris, TARGETS['morris'])})"
    )
    # the same design as morris(seed=1) draws; a random few of its points run separately
    x = morris_sample(chosen, trajectories)
    rows = np.random.default_rng(2).choice(len(x), min(sample, len(x)), replace=False)
    elapsed = 0.0
    for row in rows:
        variant = sc.vary(changes(chosen, x[row]))
        started = time.perf_counter()
        budgetsim.simulate(variant, draws=draws, seed=1, workers=workers)
        elapsed += time.perf_counter() - started
    per_point = elapsed / len(rows)
    t_separate = per_point * points
    print(
        f"    separate simulate calls: ≈ {t_separate:.0f} s (extrapolated: {per_point:.2f} s a "
        f"point, the mean of a random {len(rows)} of the design's points run separately, "
        f"× {points} points) → Morris ≈ {t_separate / t_morris:.1f}× faster"
    )
    return t_morris


def morris_sample(chosen: list[Factor], trajectories: int) -> np.ndarray:
    from SALib.sample import morris as salib_morris

    seed = int(np.random.SeedSequence(1).entropy)  # type: ignore[arg-type]
    x: np.ndarray = salib_morris.sample(
        _problem(chosen), trajectories, num_levels=MORRIS_LEVELS, seed=_salib_seed(seed)
    )
    return x


def bench_uncertain(sc: budgetsim.Scenario, draws: int, workers: int, repeats: int) -> float:
    budgetsim.simulate(sc, draws=draws, seed=1, workers=workers)  # warm-up
    plain, uncertain = [], []
    for _ in range(repeats):
        plain.append(seconds(lambda: budgetsim.simulate(sc, draws=draws, seed=1, workers=workers)))
        uncertain.append(
            seconds(lambda: simulate_uncertain(sc, draws=draws, seed=1, workers=workers))
        )
    ratio = min(uncertain) / min(plain)
    print(
        f"(3) run --uncertain, {draws:,} draws: {min(uncertain):.2f} s against a plain run's "
        f"{min(plain):.2f} s (best of {repeats} each, after a warm-up run) → {ratio:.2f}× "
        f"(target ≤ {TARGETS['uncertain']}×: {verdict(ratio, TARGETS['uncertain'])})"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--separate",
        type=int,
        default=0,
        help="tornado points to run separately, at random, extrapolated (default 0: all)",
    )
    parser.add_argument(
        "--morris-separate",
        type=int,
        default=12,
        help="Morris design points run separately to extrapolate from (default 12)",
    )
    parser.add_argument("--repeats", type=int, default=2, help="timings of (3), best kept")
    parser.add_argument("--smoke", action="store_true", help="small sizes (for CI)")
    args = parser.parse_args()
    if args.smoke:
        only: tuple[str, ...] = SMOKE_ONLY
        t_draws, m_draws, trajectories, u_draws = 50, 50, 2, 400
        args.morris_separate = min(args.morris_separate, 3)
    else:
        only, t_draws, m_draws, trajectories, u_draws = (), 2_000, 1_000, 10, 10_000

    sc = budgetsim.load_scenario(SCENARIO)
    chosen = factors(sc, only=only)
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    print(
        f"{SCENARIO}, {len(chosen)} ranged numbers"
        + (f" (--smoke: {', '.join(only)})" if only else "")
        + f", {args.workers} workers; {cores} cores ({usable} usable by this process)"
    )
    if args.smoke:
        print("--smoke: small sizes; the targets are for the full size")
    budgetsim.simulate(sc, draws=50, seed=1, workers=args.workers)  # warm-up

    t_tornado, t_separate = bench_tornado(sc, chosen, only, t_draws, args.workers, args.separate)
    t_morris = bench_morris(
        sc, chosen, only, m_draws, trajectories, args.workers, args.morris_separate
    )
    ratio = bench_uncertain(sc, u_draws, args.workers, args.repeats)
    print(
        f"tornado_s={t_tornado:.2f} morris_s={t_morris:.2f} uncertain_ratio={ratio:.3f} "
        f"tornado_separate_s={t_separate:.2f}"
    )


if __name__ == "__main__":
    main()
