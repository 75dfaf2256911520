"""The Monte Carlo engine: chunks of draws, reproducible streams, any executor.

A run is cut into chunks of draws; each chunk is one call of the public, picklable
:func:`budgetsim.stages.run_chunk` (sample every population from its own stream per draw and
population, derived from the run's seed with :class:`numpy.random.SeedSequence`; entitle; pay
year after year). Chunks run in this process, in budgetsim's worker processes, or on any
:class:`concurrent.futures.Executor` (a process pool, a dask ``Client.get_executor()``), and
their results are put together in draw order. Memory is bounded by the chunk size; per-draw
results are bit-identical whatever the chunk size, number of workers or executor.

:func:`simulate_many` evaluates many variants of one scenario on the same draws: each chunk
samples the populations once and evaluates every variant on them, re-sampling only the
populations a variant changes (see :mod:`budgetsim.stages`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from budgetsim import capacity
from budgetsim._allocator import tune_worker, tuned_allocator
from budgetsim._pool import worker_pool
from budgetsim.errors import BudgetsimError, ScenarioError
from budgetsim.results import BY_MONTH, SimulationResult
from budgetsim.scenario import Plan, Scenario, compile_scenario, scenario_hash
from budgetsim.stages import ChunkResult, ChunkTask, metric_types, run_chunk

__all__ = ["BlockTask", "Progress", "run_block", "simulate", "simulate_blocks", "simulate_many"]

#: Called after each chunk with (draws done, draws in total).
Progress = Callable[[int, int], None]

#: Applicant-years sampled per chunk when the chunk size is chosen automatically.
TARGET_APPLICANTS_PER_CHUNK = 400_000


def _applicants(plan: Plan) -> dict[str, float]:
    """Expected applicant-years of one draw, by sampled population."""
    return {
        pop.id: float(pop.spec.arrivals.means.sum())
        for pop in plan.populations
        if pop.id in plan.sampled
    }


def _chunk_size(plan: Plan, draws: int, chunk_draws: int | None) -> int:
    """Draws per chunk: as asked, or about :data:`TARGET_APPLICANTS_PER_CHUNK` applicants."""
    if chunk_draws is None:
        per_draw = sum(_applicants(plan).values())
        chunk_draws = max(1, min(draws, int(TARGET_APPLICANTS_PER_CHUNK / max(per_draw, 1.0))))
    if chunk_draws < 1:
        raise BudgetsimError(f"chunk size must be at least 1 draw, found {chunk_draws}")
    return min(chunk_draws, draws)


def _chunks(plan: Plan, draws: int, chunk_draws: int | None) -> list[tuple[int, int]]:
    size = _chunk_size(plan, draws, chunk_draws)
    return [(s, min(s + size, draws)) for s in range(0, draws, size)]


class _Collector:
    """Puts one plan's chunk results together, in draw order, into a :class:`SimulationResult`."""

    def __init__(self, plan: Plan, draws: int, monthly: bool) -> None:
        self.plan, self.draws = plan, draws
        n_prog, n_year = len(plan.programmes), len(plan.years)
        self.data: dict[str, NDArray[Any]] = {
            name: np.empty((draws, n_prog, n_year), dtype=dt) for name, dt in metric_types(plan)
        }
        for name in BY_MONTH if monthly else ():
            self.data[name] = np.empty((draws, n_prog, n_year, 12))
        self.totals = np.empty((draws, len(plan.funds)))
        self.riskfunds: dict[str, dict[str, NDArray[Any]]] = {}
        self.targets: dict[str, dict[str, NDArray[Any]]] = {}

    def add(self, start: int, stop: int, result: ChunkResult) -> None:
        for into, parts in ((self.riskfunds, result.riskfunds), (self.targets, result.targets)):
            for key, arrays in parts.items():
                store = into.setdefault(
                    key,
                    {
                        k: np.empty((self.draws, *v.shape[1:]), dtype=v.dtype)
                        for k, v in arrays.items()
                    },
                )
                for name, values in arrays.items():
                    store[name][start:stop] = values
        for name, values in result.metrics.items():
            target = self.data[name]
            if (
                target.dtype.kind == "u"
                and values.size
                and values.max() > np.iinfo(target.dtype).max
            ):
                self.data[name] = target = target.astype(np.int32)  # a draw-year > 65,535
            target[start:stop] = values
        self.totals[start:stop] = result.fund_totals

    def result(
        self, seed: int | None, entropy: int, elapsed: float, chunk_draws: int
    ) -> SimulationResult:
        plan, n_year = self.plan, len(self.plan.years)
        envelope = np.array(
            [
                p.envelope if p.envelope is not None else np.full(n_year, np.nan)
                for p in plan.programmes
            ]
        ).reshape(len(plan.programmes), n_year)
        return SimulationResult(
            scenario=plan.scenario,
            data=self.data,
            funds=plan.funds,
            fund_totals=self.totals,
            riskfunds=self.riskfunds,
            targets=self.targets,
            envelope=envelope,
            seed=seed,
            entropy=entropy,
            scenario_hash=scenario_hash(plan.scenario),
            elapsed=elapsed,
            chunk_draws=chunk_draws,
        )


def _plan(scenario: Scenario | Plan) -> Plan:
    """The plan of a scenario: as given, as compiled when it was validated, or compiled now."""
    if isinstance(scenario, Plan):
        return scenario
    compiled = scenario._plan
    if isinstance(compiled, Plan) and compiled.scenario is scenario:
        return compiled
    return compile_scenario(scenario)


#: Plans installed in a worker process by its initialiser, so that tasks need not carry them.
_INSTALLED: tuple[Plan, ...] = ()


def _install(plans: tuple[Plan, ...]) -> None:
    """Initialiser of budgetsim's own worker processes."""
    global _INSTALLED
    tune_worker()
    _INSTALLED = plans


def _run_installed(task: ChunkTask) -> list[ChunkResult]:
    """:func:`run_chunk` on the plans installed in this worker (the task carries none)."""
    return run_chunk(
        ChunkTask(_INSTALLED, task.entropy, task.start, task.stop, task.monthly, task.chain)
    )


def _results(
    plans: tuple[Plan, ...],
    tasks: list[ChunkTask],
    workers: int,
    executor: Executor | None,
) -> Generator[list[ChunkResult], None, None]:
    """Chunk results in task order, from this process, worker processes or ``executor``.

    budgetsim's own workers (:func:`budgetsim._pool.worker_pool`) ignore Ctrl-C and exit with
    this process; closing the iterator early (an error, an interrupt) cancels the chunks not
    started and terminates them.
    """
    if executor is not None:
        yield from executor.map(run_chunk, tasks)
    elif workers == 1 or len(tasks) == 1:
        for task in tasks:
            yield run_chunk(task)
    else:
        bare = [ChunkTask((), t.entropy, t.start, t.stop, t.monthly, t.chain) for t in tasks]
        with worker_pool(workers, _install, (plans,)) as pool:
            yield from pool.map(_run_installed, bare)


def _check_fits(
    plans: tuple[Plan, ...], draws: int, chunk_draws: int, workers: int, monthly: bool
) -> None:
    """Refuse, before sampling, a run that cannot fit in memory or in a day."""
    counts = max((_applicants(plan) for plan in plans), key=lambda c: sum(c.values()))
    per_draw = sum(counts.values())
    cells = sum(
        len(plan.programmes) * len(plan.years) * (len(metric_types(plan)) + 12 * monthly)
        + len(plan.funds)
        for plan in plans
    )
    largest = sorted(counts.items(), key=lambda kv: -kv[1])[:2]
    where = [f"{pid}: {n:,.0f}" for pid, n in largest if n >= 0.1 * per_draw]
    work = capacity.estimate(per_draw, draws, chunk_draws, workers, cells)
    capacity.check(work, where=where)


def _run(
    plans: tuple[Plan, ...],
    draws: int,
    seed: int | None,
    chunk_draws: int | None,
    workers: int,
    progress: Progress | None,
    monthly: bool,
    executor: Executor | None,
    chain: bool = False,
) -> list[SimulationResult]:
    if draws < 1:
        raise BudgetsimError(f"draws must be at least 1, found {draws}")
    if workers < 1:
        raise BudgetsimError(f"workers must be at least 1, found {workers}")
    started = time.perf_counter()
    root = np.random.SeedSequence(seed)
    entropy = int(root.entropy)  # type: ignore[arg-type]
    size = _chunk_size(plans[0], draws, chunk_draws)
    chunks = -(-draws // size)
    busy = 1 if executor is not None else min(workers, chunks)  # chunks held here at once
    _check_fits(plans, draws, size, busy, monthly)  # before any list of chunks is made
    bounds = _chunks(plans[0], draws, size)
    tasks = [ChunkTask(plans, entropy, a, b, monthly, chain) for a, b in bounds]
    collectors = [_Collector(plan, draws, monthly) for plan in plans]
    done = 0
    # closing the results on any exit (an error, Ctrl-C in a notebook) stops the workers now
    with tuned_allocator(), contextlib.closing(_results(plans, tasks, workers, executor)) as out:
        for task, results in zip(tasks, out, strict=True):
            for collector, result in zip(collectors, results, strict=True):
                collector.add(task.start, task.stop, result)
            done += task.stop - task.start
            if progress is not None:
                progress(done, draws)
    elapsed = time.perf_counter() - started
    size = bounds[0][1] - bounds[0][0]
    return [c.result(seed, entropy, elapsed, size) for c in collectors]


def simulate(
    scenario: Scenario | Plan,
    draws: int = 10_000,
    seed: int | None = None,
    *,
    chunk_draws: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    monthly: bool = False,
    executor: Executor | None = None,
) -> SimulationResult:
    """Run the Monte Carlo simulation of a scenario.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`budgetsim.load_scenario`), or a plan compiled from one
        (:func:`budgetsim.scenario.compile_scenario`), so that repeated runs do not recompile.
    draws
        Number of Monte Carlo draws.
    seed
        Seed of the run; None draws fresh entropy (stored in the result, so the run can be
        repeated). The same seed gives bit-identical results whatever ``chunk_draws``,
        ``workers`` and ``executor``.
    chunk_draws
        Draws processed together; bounds memory. None chooses about
        400,000 sampled applicant-years per chunk.
    workers
        Worker processes (started for this run); 1 runs in this process. Ignored when an
        ``executor`` is given.
    progress
        Called after each chunk with (draws done, draws in total).
    monthly
        Also record ``paid_by_month`` (draw, programme, year, month): what was paid to the
        claims that arrived by the end of each month, in arrival order [unit]. Twelve more
        numbers per draw, programme and year, so off by default; the fan chart needs it.
    executor
        Any :class:`concurrent.futures.Executor` to run the chunks on (for example a
        ``ProcessPoolExecutor`` kept across runs, or a dask ``Client.get_executor()``). Each
        chunk is one call of :func:`budgetsim.stages.run_chunk`.

    Returns
    -------
    SimulationResult
        Per-draw results with dimensions (draw, programme, year) and their summaries.

    Notes
    -----
    On Linux with glibc, the run raises the allocator's mmap/trim thresholds while it lasts
    and restores them when it ends, also on an error (see :mod:`budgetsim._allocator`); this
    halves the run time by avoiding page faults. Set ``BUDGETSIM_NO_MALLOPT=1`` to opt out.

    Examples
    --------
    >>> import budgetsim
    >>> sc = budgetsim.load_scenario("jiangmen-2021")
    >>> res = budgetsim.simulate(sc, draws=200, seed=1)
    >>> res.paid.dims
    ('draw', 'programme', 'year')
    """
    plans = (_plan(scenario),)
    [result] = _run(plans, draws, seed, chunk_draws, workers, progress, monthly, executor)
    return result


def simulate_many(
    scenario: Scenario,
    variants: Sequence[Scenario | Mapping[str, Any]],
    draws: int = 10_000,
    seed: int | None = None,
    *,
    chunk_draws: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    monthly: bool = False,
    executor: Executor | None = None,
    include_base: bool = False,
    chain: bool = False,
) -> list[SimulationResult]:
    """Evaluate many variants of one scenario on the same draws, for little more than one run.

    Each chunk of draws samples the scenario's populations once and evaluates every variant on
    them: a variant that changes only levers (envelopes, caps, rates, rules) re-runs only the
    entitlement and payment of the programmes it touches, on the same applicants; a variant
    that changes a population's assumptions re-samples that population only, from the same
    streams. Each result is bit-identical to ``simulate(variant, draws, seed)``.

    Parameters
    ----------
    scenario
        The base scenario.
    variants
        Each a scenario (e.g. from :meth:`Scenario.vary`) or the changes to make to the base,
        ``{path: value}`` as :func:`budgetsim.vary` takes them.
    draws, seed, chunk_draws, workers, progress, monthly, executor
        As for :func:`simulate`.
    include_base
        Also return the base scenario's result, first.
    chain
        Share each variant's work with the variant before it instead of with the base: for a
        sequence in which each variant changes one number of the one before (a Morris
        trajectory, a one-at-a-time walk), so that each re-runs only what that number moves.

    Returns
    -------
    list of SimulationResult
        One per variant, in order (after the base's when ``include_base``).

    Notes
    -----
    Every variant's per-draw results are kept, about 23 bytes per draw, programme and year
    (jiangmen-2021: 50 variants × 4,000 draws ≈ 190 MB); for larger sweeps run the variants in
    batches. What is shared, and what a variant still re-runs:

    - a population whose specification is unchanged is sampled once; one that changes is
      re-sampled (from the same streams), with every programme that reads it;
    - a programme whose instrument, eligibility and rationing are unchanged, on a shared
      population and outside any ``[limits]``, reuses its entitlements and running totals;
    - a fund whose envelope, carry-over, allocation and members are unchanged is not rationed
      again; a changed fund re-rations its members;
    - reserve funds and targets whose specification (and, for targets, populations) is
      unchanged are copied.

    Examples
    --------
    >>> import budgetsim
    >>> sc = budgetsim.load_scenario("jiangmen-2021")
    >>> caps = [{"programmes.rd_reward.instrument.cap": c} for c in (10, 20, 30)]
    >>> runs = budgetsim.simulate_many(sc, caps, draws=100, seed=1)
    >>> alone = budgetsim.simulate(sc.vary(caps[2]), draws=100, seed=1)
    >>> bool((runs[2].paid.values == alone.paid.values).all())
    True
    """
    varied = [v if isinstance(v, Scenario) else scenario.vary(v) for v in variants]
    plans = tuple(_plan(sc) for sc in (scenario, *varied))
    results = _run(plans, draws, seed, chunk_draws, workers, progress, monthly, executor, chain)
    return results if include_base else results[1:]


class BlockError(BudgetsimError):
    """A block's variant that is not a valid scenario."""


@dataclass(frozen=True)
class BlockTask:
    """One block of draws run under one variant of a scenario: what :func:`run_block` needs,
    picklable. ``scenario`` is None in budgetsim's own workers, which hold it already."""

    scenario: Scenario | None
    changes: Mapping[str, Any]
    entropy: int
    start: int
    stop: int
    monthly: bool = False


#: The scenario installed in a worker process for :func:`run_block`.
_BASE: list[Scenario] = []


def _install_base(scenario: Scenario) -> None:
    """Initialiser of the workers of :func:`simulate_blocks`."""
    tune_worker()
    _BASE[:] = [scenario]


def run_block(task: BlockTask) -> ChunkResult:
    """Vary the scenario as the task says (in the worker: the variants are made where they
    run) and run the block's draws."""
    scenario = task.scenario if task.scenario is not None else _BASE[0]
    try:
        plan = _plan(scenario.vary(task.changes)) if task.changes else _plan(scenario)
    except ScenarioError as exc:  # one plain message: it crosses process boundaries intact
        problems = "; ".join(p.render() for p in exc.problems)
        raise BlockError(
            f"{scenario.id}: the variant of draws {task.start}–{task.stop - 1} is not a valid "
            f"scenario ({problems})"
        ) from None
    [result] = run_chunk(ChunkTask((plan,), task.entropy, task.start, task.stop, task.monthly))
    return result


def simulate_blocks(
    scenario: Scenario,
    variants: Sequence[Mapping[str, Any]],
    block: int,
    draws: int,
    seed: int | None = None,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    monthly: bool = False,
    executor: Executor | None = None,
) -> SimulationResult:
    """One run of ``scenario`` whose draws come in consecutive blocks, block ``k`` drawn under
    the changes ``variants[k]`` (``{path: value}`` as :func:`budgetsim.vary` takes them).

    Draws ``k·block … (k+1)·block − 1`` are exactly those of
    ``simulate(scenario.vary(variants[k]), draws, seed)`` (every population has its own stream
    per draw); the blocks are put together as one result of ``scenario``. This is how a run with
    uncertain assumptions (:func:`budgetsim.sensitivity.uncertain.simulate_uncertain`) draws
    the assumptions once per block. Each variant is validated where its block runs, so the
    workers share that work too. The variants may change assumptions and levers, not the
    programmes, funds or years.

    Parameters
    ----------
    scenario
        The scenario the result is of.
    variants
        One set of changes per block, ``ceil(draws / block)`` of them.
    block
        Draws per block.
    draws, seed, workers, progress, monthly, executor
        As for :func:`simulate`.
    """
    if block < 1:
        raise BudgetsimError(f"a block must hold at least 1 draw, found {block}")
    if draws < 1:
        raise BudgetsimError(f"draws must be at least 1, found {draws}")
    bounds = [(s, min(s + block, draws)) for s in range(0, draws, block)]
    if len(variants) != len(bounds):
        raise BudgetsimError(f"{len(bounds)} blocks of {block} draws need as many variants")
    started = time.perf_counter()
    entropy = int(np.random.SeedSequence(seed).entropy)  # type: ignore[arg-type]
    own_pool = executor is None and workers > 1
    carried = None if own_pool else scenario
    tasks = [
        BlockTask(carried, v, entropy, a, b, monthly)
        for v, (a, b) in zip(variants, bounds, strict=True)
    ]
    collector = _Collector(_plan(scenario), draws, monthly)
    done = 0
    with tuned_allocator(), contextlib.ExitStack() as stack:
        results: Iterator[ChunkResult]
        if own_pool:
            pool = stack.enter_context(worker_pool(workers, _install_base, (scenario,)))
            results = pool.map(run_block, tasks)
        elif executor is not None:
            results = executor.map(run_block, tasks)
        else:
            results = map(run_block, tasks)
        for task, result in zip(tasks, results, strict=True):
            collector.add(task.start, task.stop, result)
            done += task.stop - task.start
            if progress is not None:
                progress(done, draws)
    return collector.result(seed, entropy, time.perf_counter() - started, block)
