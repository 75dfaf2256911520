"""The Monte Carlo engine: chunks of draws, reproducible streams, carry-over across years.

For each chunk of draws the engine samples every population (one independent random stream per
draw and population, derived from the run's seed with :class:`numpy.random.SeedSequence`), then
walks the years in order: for each programme it computes entitlements, the money available
(envelope plus carry-in), rations, and records per-draw totals. Everything inside a chunk is
vectorised over applicants and draws; memory is bounded by the chunk size; per-draw results are
bit-identical whatever the chunk size or number of worker processes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from budgetsim._allocator import tune_allocator
from budgetsim.carry import carry_out
from budgetsim.errors import BudgetsimError, SimulationError
from budgetsim.instruments import Inputs, entitlement
from budgetsim.population import Cohort, draw_cohorts
from budgetsim.rationing import RATIONING, Claims
from budgetsim.results import METRICS, SimulationResult
from budgetsim.scenario import Plan, Scenario, compile_scenario, scenario_hash
from budgetsim.scenario.compile import ProgrammePlan

__all__ = ["Progress", "simulate"]

#: Called after each chunk with (draws done, draws in total).
Progress = Callable[[int, int], None]

#: Applicant-years sampled per chunk when the chunk size is chosen automatically.
TARGET_APPLICANTS_PER_CHUNK = 400_000


@dataclass(frozen=True)
class _Chunk:
    plan: Plan
    entropy: int
    start: int
    stop: int


def _metrics(chunk: _Chunk) -> dict[str, NDArray[np.generic]]:
    """Per-draw metrics of one chunk, each shaped (draws, programmes, years)."""
    plan = chunk.plan
    draws = range(chunk.start, chunk.stop)
    n, n_prog, n_year = len(draws), len(plan.programmes), len(plan.years)
    out = {name: np.zeros((n, n_prog, n_year), dtype=dtype) for name, dtype in METRICS.items()}
    cohorts = {
        pop.id: draw_cohorts(pop, chunk.entropy, draws, plan.years)
        for pop in plan.populations
        if pop.id in plan.by_population
    }
    carry = np.zeros((n, n_prog))
    for y in range(n_year):
        for p, prog in enumerate(plan.programmes):
            cohort = cohorts[prog.population][y]
            _programme_year(prog, cohort, y, p, carry, out)
    return out


def _programme_year(
    prog: ProgrammePlan,
    cohort: Cohort,
    y: int,
    p: int,
    carry: NDArray[np.float64],
    out: dict[str, NDArray[np.generic]],
) -> None:
    spec, seg = prog.spec, cohort.segments
    mask = None
    if prog.eligible is not None:
        mask = np.asarray(prog.eligible.evaluate(cohort.attributes, cohort.size), dtype=bool)
    inputs = Inputs(cohort.attributes, prog.expressions, cohort.size, cohort.categories, seg, mask)
    ent = entitlement(spec.instrument, inputs)
    if not math.isfinite(float(np.add.reduce(ent))):  # one pass; NaN or inf poison the sum
        bad = int((~np.isfinite(ent)).sum())
        raise SimulationError(
            f"programmes.{prog.id}.instrument: the entitlement is not a finite number for {bad} "
            f"of {cohort.size} applicants in {cohort.year}; check the base expression and the "
            "attributes it reads"
        )
    if mask is not None:
        ent = np.where(mask, ent, 0.0)
    envelope = prog.envelope
    available = envelope[y] + carry[:, p] if envelope is not None else np.full(seg.draws, np.nan)
    values = {}
    for key, expr in prog.rationing.items():
        value = np.asarray(expr.evaluate(cohort.attributes, cohort.size), dtype=np.float64)
        if not np.isfinite(value).all():
            raise SimulationError(
                f"programmes.{prog.id}.rationing.{key}: {expr.text!r} is not a finite number "
                f"for some applicants in {cohort.year}"
            )
        values[key] = value
    claims = Claims(ent, seg, available, values)
    payout = RATIONING[spec.rationing.rule](spec.rationing, claims)
    paid = payout.paid
    claimant = ent > 0
    out["demand"][:, p, y] = claims.demand
    out["paid"][:, p, y] = payout.total
    out["claimants"][:, p, y] = seg.count(claimant)
    out["paid_full"][:, p, y] = seg.count(claimant & (paid >= ent))
    out["paid_any"][:, p, y] = seg.count(paid > 0)
    if envelope is None:
        return
    first = claims.boundary
    out["exhaustion_month"][:, p, y] = np.where(first >= 0, cohort.month_of(first), 0)
    carry[:, p] = carry_out(available, payout.total, spec.carry_over)


def _chunks(plan: Plan, draws: int, chunk_draws: int | None) -> list[tuple[int, int]]:
    if chunk_draws is None:
        per_draw = sum(
            float(pop.spec.arrivals.means.sum())
            for pop in plan.populations
            if pop.id in plan.by_population
        )
        chunk_draws = max(1, min(draws, int(TARGET_APPLICANTS_PER_CHUNK / max(per_draw, 1.0))))
    if chunk_draws < 1:
        raise BudgetsimError(f"chunk size must be at least 1 draw, found {chunk_draws}")
    return [(s, min(s + chunk_draws, draws)) for s in range(0, draws, chunk_draws)]


def simulate(
    scenario: Scenario,
    draws: int = 10_000,
    seed: int | None = None,
    *,
    chunk_draws: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> SimulationResult:
    """Run the Monte Carlo simulation of a scenario.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`budgetsim.load_scenario`).
    draws
        Number of Monte Carlo draws.
    seed
        Seed of the run; None draws fresh entropy (stored in the result, so the run can be
        repeated). The same seed gives bit-identical results whatever ``chunk_draws`` and
        ``workers``.
    chunk_draws
        Draws processed together; bounds memory. None chooses about
        400,000 sampled applicant-years per chunk.
    workers
        Worker processes; 1 runs in this process.
    progress
        Called after each chunk with (draws done, draws in total).

    Returns
    -------
    SimulationResult
        Per-draw results with dimensions (draw, programme, year) and their summaries.

    Notes
    -----
    On Linux with glibc the first call raises the allocator's mmap/trim thresholds for the
    process (see :mod:`budgetsim._allocator`), which halves the run time by avoiding page
    faults; set ``BUDGETSIM_NO_MALLOPT=1`` to opt out.

    Examples
    --------
    >>> import budgetsim
    >>> sc = budgetsim.load_scenario("jiangmen-2021")
    >>> res = budgetsim.simulate(sc, draws=200, seed=1)
    >>> res.paid.dims
    ('draw', 'programme', 'year')
    """
    if draws < 1:
        raise BudgetsimError(f"draws must be at least 1, found {draws}")
    if workers < 1:
        raise BudgetsimError(f"workers must be at least 1, found {workers}")
    started = time.perf_counter()
    tune_allocator()
    plan = compile_scenario(scenario)
    root = np.random.SeedSequence(seed)
    entropy = int(root.entropy)  # type: ignore[arg-type]
    chunks = [_Chunk(plan, entropy, a, b) for a, b in _chunks(plan, draws, chunk_draws)]
    n_prog, n_year = len(plan.programmes), len(plan.years)
    data = {name: np.empty((draws, n_prog, n_year), dtype=dt) for name, dt in METRICS.items()}
    done = 0

    def collect(chunk: _Chunk, metrics: dict[str, NDArray[np.generic]]) -> None:
        nonlocal done
        for name, values in metrics.items():
            data[name][chunk.start : chunk.stop] = values
        done += chunk.stop - chunk.start
        if progress is not None:
            progress(done, draws)

    if workers == 1 or len(chunks) == 1:
        for chunk in chunks:
            collect(chunk, _metrics(chunk))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for chunk, metrics in zip(chunks, pool.map(_metrics, chunks), strict=True):
                collect(chunk, metrics)
    envelope = np.array(
        [p.envelope if p.envelope is not None else np.full(n_year, np.nan) for p in plan.programmes]
    ).reshape(n_prog, n_year)
    return SimulationResult(
        scenario=scenario,
        data=data,
        envelope=envelope,
        seed=seed,
        entropy=entropy,
        scenario_hash=scenario_hash(scenario),
        elapsed=time.perf_counter() - started,
        chunk_draws=chunks[0].stop - chunks[0].start,
    )
