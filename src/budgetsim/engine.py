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
from typing import Any

import numpy as np
from numpy.typing import NDArray

from budgetsim._allocator import restore_allocator, tune_allocator
from budgetsim.errors import BudgetsimError, SimulationError
from budgetsim.funds import fund_year
from budgetsim.instruments import Inputs, entitlement, recovered_share
from budgetsim.limits import apply_limit
from budgetsim.population import Cohort, draw_cohorts
from budgetsim.rationing import RATIONING, Claims
from budgetsim.results import METRICS, MONTHLY, OPTIONAL_METRICS, SimulationResult
from budgetsim.riskfund import simulate_riskfund
from budgetsim.scenario import Plan, Scenario, compile_scenario, scenario_hash
from budgetsim.scenario.compile import ProgrammePlan
from budgetsim.streams import stream, stream_key
from budgetsim.targets import TargetPlan, simulate_target

__all__ = ["Progress", "simulate"]

#: Called after each chunk with (draws done, draws in total).
Progress = Callable[[int, int], None]

#: Applicant-years sampled per chunk when the chunk size is chosen automatically.
TARGET_APPLICANTS_PER_CHUNK = 400_000


@dataclass(frozen=True)
class _ChunkResult:
    metrics: dict[str, NDArray[np.generic]]
    fund_totals: NDArray[np.float64]
    riskfunds: dict[str, dict[str, NDArray[Any]]]
    targets: dict[str, dict[str, NDArray[Any]]]


@dataclass(frozen=True)
class _Chunk:
    plan: Plan
    entropy: int
    start: int
    stop: int
    monthly: bool = False


def _metrics(chunk: _Chunk) -> _ChunkResult:
    """Per-draw metrics of one chunk, each shaped (draws, programmes, years), the multi-year
    total of each fund, shaped (draws, funds), and each risk reserve fund's outcomes."""
    plan = chunk.plan
    draws = range(chunk.start, chunk.stop)
    n, n_prog, n_year = len(draws), len(plan.programmes), len(plan.years)
    out = {
        name: np.zeros((n, n_prog, n_year), dtype=np.int64 if dtype().dtype.kind == "u" else dtype)
        for name, dtype in _metric_types(plan)
    }
    if chunk.monthly:
        out[MONTHLY] = np.zeros((n, n_prog, n_year, 12))
    cohorts = {
        pop.id: draw_cohorts(pop, chunk.entropy, draws, plan.years)
        for pop in plan.populations
        if pop.id in plan.sampled
    }
    totals = np.empty((n, len(plan.funds)))
    for f, fund in enumerate(plan.funds):
        totals[:, f] = fund.totals(chunk.entropy, draws)
    envelopes = [fund.envelopes(totals[:, f]) for f, fund in enumerate(plan.funds)]
    carry = np.zeros((n, len(plan.funds)))
    for y in range(n_year):
        year = [cohorts[prog.population][y] for prog in plan.programmes]
        _year(plan, y, year, [e[:, y] for e in envelopes], carry, out, chunk)
    riskfunds = {rf.id: simulate_riskfund(rf, chunk.entropy, draws) for rf in plan.riskfunds}
    targets = {
        t.id: simulate_target(t, _entries(t, cohorts), chunk.entropy, draws) for t in plan.targets
    }
    return _ChunkResult(out, totals, riskfunds, targets)


def _entries(target: TargetPlan, cohorts: dict[str, list[Cohort]]) -> NDArray[np.int64]:
    """A target's entries per draw and year: its populations' (eligible) applicants."""
    total: NDArray[np.int64] | None = None
    for name in target.spec.entries.populations:
        counts = []
        for cohort in cohorts[name]:
            if target.eligible is None:
                counts.append(cohort.segments.counts)
            else:
                mask = target.eligible.evaluate(cohort.attributes, cohort.size).astype(bool)
                counts.append(cohort.segments.count(mask))
        stacked = np.stack(counts, axis=1)
        total = stacked if total is None else total + stacked
    assert total is not None
    return total


def _metric_types(plan: Plan) -> list[tuple[str, type[np.generic]]]:
    """The per-draw metrics this plan records: :data:`METRICS` and the optional ones it needs."""
    recovers = any(getattr(p.spec.instrument, "recovery", None) for p in plan.programmes)
    optional = [("recovered", OPTIONAL_METRICS["recovered"])] if recovers else []
    return [*METRICS.items(), *optional]


def _year(
    plan: Plan,
    y: int,
    year: list[Cohort],
    envelopes: list[NDArray[np.float64]],
    carry: NDArray[np.float64],
    out: dict[str, NDArray[np.generic]],
    chunk: _Chunk,
) -> None:
    """One year of every programme: entitlements, limits, then payments fund by fund.

    ``year`` holds each programme's cohort, ``envelopes`` each fund's envelope per draw;
    ``carry`` (draws, funds) is updated in place.
    """
    programmes = plan.programmes
    pairs = [_entitlement(prog, cohort) for prog, cohort in zip(programmes, year, strict=True)]
    ents = [ent for ent, _ in pairs]
    for limit in plan.limits:
        apply_limit(ents, limit.members, limit.exclusive, limit.cap)
    claims = [
        _claims(prog, cohort, ent, chunk)
        for prog, cohort, ent in zip(programmes, year, ents, strict=True)
    ]
    for p, prog in enumerate(programmes):
        if not type(prog.spec.rationing).capped:
            _pay(prog, claims[p], year[p], y, p, out, pairs[p][1])

    def pay(p: int, open_to: NDArray[np.float64]) -> NDArray[np.float64]:
        claim = claims[p].with_available(open_to)
        return _pay(programmes[p], claim, year[p], y, p, out, pairs[p][1])

    for f, fund in enumerate(plan.funds):
        demand = [claims[p].demand for p in fund.members]
        _, carry[:, f] = fund_year(fund, envelopes[f], carry[:, f], demand, pay)


def _entitlement(
    prog: ProgrammePlan, cohort: Cohort
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """Entitlements of one programme-year, 0 for ineligible applicants [unit], and the share
    of each payment expected back (None: nothing is recovered)."""
    spec, seg = prog.spec, cohort.segments
    mask = None
    if prog.eligible is not None:
        mask = np.asarray(prog.eligible.evaluate(cohort.attributes, cohort.size), dtype=bool)
    inputs = Inputs(cohort.attributes, prog.expressions, cohort.size, cohort.categories, seg, mask)
    ent = entitlement(spec.instrument, inputs)
    if type(spec.rationing).reads_month:
        admitted = spec.rationing.admits(cohort.attributes["month"])
        if admitted is not None:
            mask = admitted if mask is None else mask & admitted
    if not math.isfinite(float(np.add.reduce(ent))):  # one pass; NaN or inf poison the sum
        bad = int((~np.isfinite(ent)).sum())
        raise SimulationError(
            f"programmes.{prog.id}.instrument: the entitlement is not a finite number for {bad} "
            f"of {cohort.size} applicants in {cohort.year}; check the base expression and the "
            "attributes it reads"
        )
    recovery = recovered_share(spec.instrument, inputs)
    return (np.where(mask, ent, 0.0) if mask is not None else ent), recovery


def _lots(prog: ProgrammePlan, cohort: Cohort, chunk: _Chunk) -> NDArray[np.float64]:
    """A uniform lot per applicant, from the programme's own stream for each draw and year."""
    key = stream_key(f"lots:{prog.id}:{cohort.year}")
    lots = np.empty(cohort.size)
    offsets = cohort.segments.offsets.tolist()
    for i, draw in enumerate(range(chunk.start, chunk.stop)):
        if offsets[i + 1] > offsets[i]:
            stream(chunk.entropy, draw, key).random(out=lots[offsets[i] : offsets[i + 1]])
    return lots


def _claims(prog: ProgrammePlan, cohort: Cohort, ent: NDArray[np.float64], chunk: _Chunk) -> Claims:
    """The claims of one programme-year, with the values its rationing rule reads."""
    values = {}
    if type(prog.spec.rationing).draws_lots:
        values["lot"] = _lots(prog, cohort, chunk)
    for key, expr in prog.rationing.items():
        value = np.asarray(expr.evaluate(cohort.attributes, cohort.size), dtype=np.float64)
        if not np.isfinite(value).all():
            raise SimulationError(
                f"programmes.{prog.id}.rationing.{key}: {expr.text!r} is not a finite number "
                f"for some applicants in {cohort.year}"
            )
        values[key] = value
    return Claims(ent, cohort.segments, np.full(cohort.segments.draws, np.nan), values)


def _pay(
    prog: ProgrammePlan,
    claims: Claims,
    cohort: Cohort,
    y: int,
    p: int,
    out: dict[str, NDArray[np.generic]],
    recovery: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Ration one programme-year, record its per-draw metrics, return the total paid."""
    seg, rule = cohort.segments, prog.spec.rationing
    payout = RATIONING[rule.rule](rule, claims)
    paid, ent = payout.paid, claims.entitlement
    claimant = ent > 0
    out["demand"][:, p, y] = claims.demand
    out["paid"][:, p, y] = payout.total
    out["claimants"][:, p, y] = seg.count(claimant)
    out["paid_full"][:, p, y] = seg.count(claimant & (paid >= ent))
    out["paid_any"][:, p, y] = seg.count(paid > 0)
    if recovery is not None:
        out["recovered"][:, p, y] = np.bincount(seg.row, paid * recovery, minlength=seg.draws)
    if MONTHLY in out:  # paid to claims arriving in each month, accumulated over the months
        # summed per draw and month (not as one running sum over the chunk), so the figures
        # do not depend on which draws share a chunk
        month = np.asarray(cohort.attributes["month"], dtype=np.int64)
        by_month = np.bincount(seg.row * 12 + month - 1, paid, minlength=seg.draws * 12)
        out[MONTHLY][:, p, y, :] = np.cumsum(by_month.reshape(seg.draws, 12), axis=1)
    if payout.month is not None:
        out["exhaustion_month"][:, p, y] = payout.month
    elif type(rule).capped:
        first = claims.boundary
        out["exhaustion_month"][:, p, y] = np.where(first >= 0, cohort.month_of(first), 0)
    return payout.total


def _chunks(plan: Plan, draws: int, chunk_draws: int | None) -> list[tuple[int, int]]:
    if chunk_draws is None:
        per_draw = sum(
            float(pop.spec.arrivals.means.sum())
            for pop in plan.populations
            if pop.id in plan.sampled
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
    monthly: bool = False,
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
    monthly
        Also record ``paid_by_month`` (draw, programme, year, month): what was paid to the
        claims that arrived by the end of each month, in arrival order [unit]. Twelve more
        numbers per draw, programme and year, so off by default; the fan chart needs it.

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
    chunks = [_Chunk(plan, entropy, a, b, monthly) for a, b in _chunks(plan, draws, chunk_draws)]
    n_prog, n_year = len(plan.programmes), len(plan.years)
    data = {name: np.empty((draws, n_prog, n_year), dtype=dt) for name, dt in _metric_types(plan)}
    if monthly:
        data[MONTHLY] = np.empty((draws, n_prog, n_year, 12))
    totals = np.empty((draws, len(plan.funds)))
    riskfunds: dict[str, dict[str, NDArray[Any]]] = {}
    targets: dict[str, dict[str, NDArray[Any]]] = {}
    done = 0

    def collect(chunk: _Chunk, result: _ChunkResult) -> None:
        nonlocal done
        metrics, fund_totals = result.metrics, result.fund_totals
        for into, parts in ((riskfunds, result.riskfunds), (targets, result.targets)):
            for key, arrays in parts.items():
                store = into.setdefault(
                    key,
                    {k: np.empty((draws, *v.shape[1:]), dtype=v.dtype) for k, v in arrays.items()},
                )
                for name, values in arrays.items():
                    store[name][chunk.start : chunk.stop] = values
        for name, values in metrics.items():
            target = data[name]
            if (
                target.dtype.kind == "u"
                and values.size
                and values.max() > np.iinfo(target.dtype).max
            ):
                data[name] = target = target.astype(np.int32)  # a draw-year with > 65,535
            target[chunk.start : chunk.stop] = values
        totals[chunk.start : chunk.stop] = fund_totals
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
    restore_allocator()
    envelope = np.array(
        [p.envelope if p.envelope is not None else np.full(n_year, np.nan) for p in plan.programmes]
    ).reshape(n_prog, n_year)
    return SimulationResult(
        scenario=scenario,
        data=data,
        funds=plan.funds,
        fund_totals=totals,
        riskfunds=riskfunds,
        targets=targets,
        envelope=envelope,
        seed=seed,
        entropy=entropy,
        scenario_hash=scenario_hash(scenario),
        elapsed=time.perf_counter() - started,
        chunk_draws=chunks[0].stop - chunks[0].start,
    )
