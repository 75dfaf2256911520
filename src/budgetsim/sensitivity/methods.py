"""Tornado, Morris and Sobol analyses of a scenario's outputs over its plausible ranges.

Every point of a design is a variant of the scenario (:func:`budgetsim.vary`), and all points
run on the same draws (common random numbers: the same seed, so the same applicants wherever a
population is unchanged) through :func:`budgetsim.simulate_many`. A difference between two
points is therefore the effect of what changed, not the luck of the draws, and its Monte Carlo
standard error comes from the paired per-draw differences
(:func:`budgetsim.outcomes.difference_se`).
A number that moves nothing gives exactly the same draws, so a swing of exactly 0.

Morris trajectories and Saltelli's Sobol design change one number (or two) from one point to
the next; the points of a design run as a chain, each re-running only what its change moves.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from budgetsim.engine import simulate, simulate_many
from budgetsim.errors import BudgetsimError
from budgetsim.outcomes import (
    Output,
    default_outputs,
    difference_se,
    estimate,
    estimate_se,
    needed,
    parse_output,
)
from budgetsim.sensitivity.design import Factor, changes, factors, vary_point
from budgetsim.sensitivity.names import METHODS as NAMES
from budgetsim.sensitivity.result import SensitivityResult
from budgetsim.stats import Z95

if TYPE_CHECKING:
    from budgetsim.results import SimulationResult
    from budgetsim.scenario import Scenario

__all__ = ["METHODS", "morris", "sensitivity", "sobol", "tornado"]

Floats = NDArray[np.float64]
#: Called with (points done, points in all).
Progress = Callable[[int, int], None]
#: Memory the per-draw results of one batch of points may take [bytes].
BATCH_BYTES = 256 * 2**20
#: Levels of the Morris grid (SALib's default; the step is 2/3 of each range).
MORRIS_LEVELS = 4
#: The methods, as :mod:`budgetsim.sensitivity.names` declares them.
METHODS = tuple(NAMES)


def _outputs(scenario: Scenario, outputs: Sequence[Output | str] | None) -> list[Output]:
    if not outputs:
        return default_outputs(scenario)
    return [o if isinstance(o, Output) else parse_output(o, scenario) for o in outputs]


def _seed(seed: int | None) -> int:
    """The run's seed; a fresh one when None (recorded in the result, so it can be repeated)."""
    return int(np.random.SeedSequence(seed).entropy)  # type: ignore[arg-type]


def _batch_size(scenario: Scenario, draws: int, group: int) -> int:
    """Points per batch so that a batch's per-draw results stay within :data:`BATCH_BYTES`;
    a multiple of ``group`` (a trajectory, a low–high pair)."""
    probe = simulate(scenario, draws=2, seed=0)
    per_draw = sum(int(v.nbytes) for v in probe.dataset.data_vars.values()) / 2
    for group_data in (probe.riskfunds, probe.targets):
        per_draw += sum(int(v.nbytes) for ds in group_data.values() for v in ds.data_vars.values())
    points = max(1, int(BATCH_BYTES / max(per_draw * draws, 1.0)))
    return max(group, points // group * group)


def _stream(
    scenario: Scenario,
    points: Sequence[dict[str, Any]],
    draws: int,
    seed: int,
    *,
    chain: bool,
    group: int,
    workers: int,
    executor: Executor | None,
    chunk_draws: int | None,
    progress: Progress | None,
) -> Iterator[tuple[int, SimulationResult]]:
    """The base run (index −1), then every point's run, in order, a batch at a time."""
    size = _batch_size(scenario, draws, group)
    varied = [vary_point(scenario, p) for p in points]
    for start in range(0, max(len(varied), 1), size):
        batch = varied[start : start + size]
        results = simulate_many(
            scenario,
            batch,
            draws,
            seed,
            chunk_draws=chunk_draws,
            workers=workers,
            executor=executor,
            include_base=True,
            chain=chain,
        )
        if start == 0:
            yield -1, results[0]
        for i, res in enumerate(results[1:]):
            yield start + i, res
        if progress is not None:
            progress(min(start + size, len(varied)), len(varied))


def tornado(
    scenario: Scenario,
    outputs: Sequence[Output | str] | None = None,
    draws: int = 2_000,
    seed: int | None = None,
    *,
    only: Sequence[str] = (),
    exclude: Sequence[str] = (),
    kind: str | None = None,
    workers: int = 1,
    executor: Executor | None = None,
    chunk_draws: int | None = None,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Each ranged number at its low and at its high end, every other number at its value.

    The swing of an output is its value at the high end less its value at the low end, on the
    same draws; its 95 % interval comes from the paired differences. A swing whose interval
    holds 0 is within Monte Carlo noise; a number that changes nothing the output reads has a
    swing of exactly 0.

    Parameters
    ----------
    scenario
        A loaded scenario.
    outputs
        :class:`~budgetsim.outcomes.Output` or their texts (``"p_exhausted:loan_interest"``);
        the scenario's headline outputs when None (:func:`~budgetsim.outcomes.default_outputs`).
    draws, seed
        Draws per point and the seed they share.
    only, exclude, kind
        Which ranged numbers to vary (:func:`budgetsim.sensitivity.design.factors`).
    workers, executor, chunk_draws
        As for :func:`budgetsim.simulate`.
    progress
        Called with (points done, points in all).

    Returns
    -------
    SensitivityResult
        ``table``: one row per output and number (value at each end, swing, its interval).
    """
    started = time.perf_counter()
    outs, chosen, seed = (
        _outputs(scenario, outputs),
        factors(scenario, only=only, exclude=exclude, kind=kind),
        _seed(seed),
    )
    points = [changes([f], [u]) for f in chosen for u in (0.0, 1.0)]
    base: list[dict[str, Floats]] = []
    low: list[dict[str, Floats]] = []
    rows = []
    for i, res in _stream(
        scenario,
        points,
        draws,
        seed,
        chain=False,
        group=2,
        workers=workers,
        executor=executor,
        chunk_draws=chunk_draws,
        progress=progress,
    ):
        values = [needed(o, res) for o in outs]
        if i < 0:
            base = values
            continue
        if i % 2 == 0:
            low = values
            continue
        factor = chosen[i // 2]
        for o, out in enumerate(outs):
            at_low, at_high = estimate(out.metric, low[o]), estimate(out.metric, values[o])
            se = difference_se(out.metric, low[o], values[o])
            swing = at_high - at_low
            rows.append(
                {
                    "output": out.key,
                    "parameter": factor.path,
                    "base": estimate(out.metric, base[o]),
                    "at_low": at_low,
                    "at_high": at_high,
                    "swing": swing,
                    "swing_se": se,
                    "swing_low": swing - Z95 * se,
                    "swing_high": swing + Z95 * se,
                }
            )
    table = pd.DataFrame(rows)
    table["effect"] = [
        _effect(s, se) for s, se in zip(table["swing"], table["swing_se"], strict=True)
    ]
    table["rank"] = _rank(table, "swing")
    return SensitivityResult(
        "tornado", scenario, outs, chosen, _order(table), draws, seed, time.perf_counter() - started
    )


def _effect(size: float, se: float) -> str:
    """``"none"`` (exactly 0 on the same draws), ``"noise"`` (within ±1.96 standard errors)
    or ``"real"``."""
    if size == 0 and se == 0:
        return "none"
    return "real" if abs(size) > Z95 * se else "noise"  # a NaN error (too few draws): noise


def _rank(table: pd.DataFrame, column: str) -> pd.Series:
    return table[column].abs().groupby(table["output"]).rank(ascending=False, method="first")


def _order(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table
    outputs = list(dict.fromkeys(table["output"]))
    table = table.assign(_o=table["output"].map({o: i for i, o in enumerate(outputs)}))
    table = table.sort_values(["_o", "rank"]).drop(columns="_o").reset_index(drop=True)
    table["rank"] = table["rank"].astype(int)
    return table


def _problem(chosen: Sequence[Factor]) -> dict[str, Any]:
    return {
        "num_vars": len(chosen),
        "names": [f.path for f in chosen],
        "bounds": [[0.0, 1.0]] * len(chosen),
    }


def _salib_seed(seed: int) -> int:
    """A SALib seed from the run's seed: nonzero (SALib treats 0 as none) and below 2³¹."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0] % (2**31 - 1)) + 1


def morris(
    scenario: Scenario,
    outputs: Sequence[Output | str] | None = None,
    draws: int = 1_000,
    seed: int | None = None,
    *,
    trajectories: int = 10,
    only: Sequence[str] = (),
    exclude: Sequence[str] = (),
    kind: str | None = None,
    workers: int = 1,
    executor: Executor | None = None,
    chunk_draws: int | None = None,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Morris elementary effects over the plausible box (SALib), on common random numbers.

    ``trajectories`` walks of one step per number on a 4-level grid; an elementary effect is
    the change of an output over a step of 2/3 of the number's range, per unit of range, so
    that for an output linear in a number μ* = |coefficient| × (high − low). ``ee_noise`` is
    the Monte Carlo standard error of one elementary effect (from the paired draws of the
    step's two points); μ* within 1.96 of it is read as noise.

    Returns
    -------
    SensitivityResult
        ``table``: per output and number μ, μ*, its bootstrap interval, σ and the noise.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    if trajectories < 2:
        raise BudgetsimError(f"Morris needs at least 2 trajectories, found {trajectories}")
    started = time.perf_counter()
    outs = _outputs(scenario, outputs)
    chosen = factors(scenario, only=only, exclude=exclude, kind=kind)
    seed = _seed(seed)
    problem = _problem(chosen)
    x = morris_sample.sample(
        problem, trajectories, num_levels=MORRIS_LEVELS, seed=_salib_seed(seed)
    )
    k = len(chosen)
    design = _run_design(
        scenario,
        outs,
        chosen,
        x,
        draws,
        seed,
        group=k + 1,
        steps=True,
        workers=workers,
        executor=executor,
        chunk_draws=chunk_draws,
        progress=progress,
    )
    y, step_se, point_se, base_values = design
    delta = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))
    moved = _moved(x, k)  # which factor each step moved
    rows = []
    for o, out in enumerate(outs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a constant output
            si = morris_analyze.analyze(
                problem,
                x,
                y[o],
                num_resamples=200,
                num_levels=MORRIS_LEVELS,
                seed=_salib_seed(seed + 1),
            )
        for j, f in enumerate(chosen):
            ses = step_se[o][moved == j] / delta
            noise = float(np.sqrt(np.mean(ses**2))) if ses.size else float("nan")
            rows.append(
                {
                    "output": out.key,
                    "parameter": f.path,
                    "base": base_values[o],
                    "mu": float(np.asarray(si["mu"])[j]),
                    "mu_star": float(np.asarray(si["mu_star"])[j]),
                    "mu_star_conf": float(np.asarray(si["mu_star_conf"])[j]),
                    "sigma": float(np.asarray(si["sigma"])[j]),
                    "ee_noise": noise,
                }
            )
    table = pd.DataFrame(rows)
    table["effect"] = [
        _effect(m, se) for m, se in zip(table["mu_star"], table["ee_noise"], strict=True)
    ]
    table["rank"] = _rank(table, "mu_star")
    return SensitivityResult(
        "morris",
        scenario,
        outs,
        chosen,
        _order(table),
        draws,
        seed,
        time.perf_counter() - started,
        noise=_noise_frame(outs, y, point_se),
        extra={"trajectories": trajectories},
    )


def _run_design(
    scenario: Scenario,
    outs: Sequence[Output],
    chosen: Sequence[Factor],
    x: Floats,
    draws: int,
    seed: int,
    *,
    group: int,
    steps: bool,
    workers: int,
    executor: Executor | None,
    chunk_draws: int | None,
    progress: Progress | None,
) -> tuple[Floats, Floats, Floats, list[float]]:
    """Every point of a SALib design (rows of ``x``, unit coordinates) run as a chain, groups
    of ``group`` points (a trajectory, a base row) starting afresh.

    Returns each output at each point, the standard error of the change into each point from
    the one before it within its group (with ``steps``; NaN at a group's first point and
    without), the standard error of
    a point on a subset of at most 64 points (NaN elsewhere), and each output at the base.
    """
    y = np.empty((len(outs), len(x)))
    step_se = np.full((len(outs), len(x)), np.nan)
    point_se = np.full((len(outs), len(x)), np.nan)
    every = max(1, len(x) // 64)
    previous: list[dict[str, Floats]] = []
    base: list[float] = []
    for i, res in _stream(
        scenario,
        [changes(chosen, row) for row in x],
        draws,
        seed,
        chain=True,
        group=group,
        workers=workers,
        executor=executor,
        chunk_draws=chunk_draws,
        progress=progress,
    ):
        values = [needed(o, res) for o in outs]
        if i < 0:
            base = [estimate(o.metric, v) for o, v in zip(outs, values, strict=True)]
            continue
        for o, out in enumerate(outs):
            y[o, i] = estimate(out.metric, values[o])
            if steps and i % group:
                step_se[o, i] = difference_se(out.metric, previous[o], values[o])
            if i % every == 0:
                point_se[o, i] = estimate_se(out.metric, values[o])
        previous = values
    return y, step_se, point_se, base


def _moved(x: Floats, k: int) -> NDArray[np.int64]:
    """Index of the factor each row of a Morris design moved from the row before (−1 for the
    first row of a trajectory)."""
    moved = np.full(len(x), -1)
    for start in range(0, len(x), k + 1):
        diff = np.abs(np.diff(x[start : start + k + 1], axis=0)) > 0
        moved[start + 1 : start + k + 1] = diff.argmax(axis=1)
    return moved


def _noise_frame(outs: Sequence[Output], y: Floats, se: Floats) -> pd.DataFrame:
    """Per output: the spread of its values over the design and the share of that spread the
    Monte Carlo noise of a point could explain."""
    rows = []
    for o, out in enumerate(outs):
        spread = float(np.var(y[o], ddof=1)) if y.shape[1] > 1 else float("nan")
        if np.ptp(y[o]) <= 1e-12 * max(1.0, float(np.abs(y[o]).max())):
            spread = 0.0  # the same value at every point (rounding aside): no spread to share
        noise = float(np.nanmean(se[o] ** 2)) if np.isfinite(se[o]).any() else float("nan")
        share = noise / spread if spread > 0 else float("nan")
        rows.append(
            {
                "output": out.key,
                "spread_sd": float(np.sqrt(spread)),
                "noise_sd": float(np.sqrt(noise)),
                "noise_share": share,
            }
        )
    return pd.DataFrame(rows)


def sobol(
    scenario: Scenario,
    outputs: Sequence[Output | str] | None = None,
    draws: int = 1_000,
    seed: int | None = None,
    *,
    samples: int = 64,
    keep: int = 8,
    trajectories: int = 10,
    only: Sequence[str] = (),
    exclude: Sequence[str] = (),
    kind: str | None = None,
    workers: int = 1,
    executor: Executor | None = None,
    chunk_draws: int | None = None,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Sobol first-order and total indices (SALib, Saltelli's design) on common random numbers.

    Without ``only``, a Morris screening first keeps the (at most ``keep``) numbers whose μ*
    is above noise for some output, largest first. ``samples`` base points (a power of 2)
    make ``samples × (k + 2)`` points. Each index comes with SALib's bootstrap interval; the
    ``noise`` table gives, per output, the share of the spread over the design that the Monte
    Carlo noise of one point explains (an index below it is not read).
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if samples < 2 or samples & (samples - 1):
        raise BudgetsimError(f"Sobol samples must be a power of 2 (64, 128 …), found {samples}")
    started = time.perf_counter()
    outs = _outputs(scenario, outputs)
    seed = _seed(seed)
    if only:
        chosen = factors(scenario, only=only, exclude=exclude, kind=kind)
        screened = None
    else:
        screened = morris(
            scenario,
            outs,
            max(draws // 2, 100),
            seed,
            trajectories=trajectories,
            exclude=exclude,
            kind=kind,
            workers=workers,
            executor=executor,
            chunk_draws=chunk_draws,
        )
        chosen = screened.kept(keep)
    problem = _problem(chosen)
    x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=_salib_seed(seed))
    y, _, point_se, base_values = _run_design(
        scenario,
        outs,
        chosen,
        x,
        draws,
        seed,
        group=len(chosen) + 2,
        steps=False,
        workers=workers,
        executor=executor,
        chunk_draws=chunk_draws,
        progress=progress,
    )
    rows = []
    for o, out in enumerate(outs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a constant output: indices NaN, said below
            si = sobol_analyze.analyze(
                problem,
                y[o],
                calc_second_order=False,
                num_resamples=200,
                seed=_salib_seed(seed + 1),
            )
        for j, f in enumerate(chosen):
            rows.append(
                {
                    "output": out.key,
                    "parameter": f.path,
                    "base": base_values[o],
                    "S1": float(si["S1"][j]),
                    "S1_conf": float(si["S1_conf"][j]),
                    "ST": float(si["ST"][j]),
                    "ST_conf": float(si["ST_conf"][j]),
                }
            )
    table = pd.DataFrame(rows)
    noise = _noise_frame(outs, y, point_se)
    share = dict(zip(noise["output"], noise["noise_share"], strict=True))
    table["effect"] = [
        "none"
        if st == 0 and conf == 0
        else "real"
        if st > max(conf, share.get(o, 0.0))
        else "noise"
        for st, conf, o in zip(table["ST"], table["ST_conf"], table["output"], strict=True)
    ]
    table["rank"] = _rank(table, "ST")
    return SensitivityResult(
        "sobol",
        scenario,
        outs,
        chosen,
        _order(table),
        draws,
        seed,
        time.perf_counter() - started,
        noise=noise,
        extra={"samples": samples, "screening": screened},
    )


def sensitivity(
    scenario: Scenario,
    method: str = "tornado",
    outputs: Sequence[Output | str] | None = None,
    draws: int | None = None,
    seed: int | None = None,
    **options: Any,
) -> SensitivityResult:
    """Which assumptions move a scenario's outputs, and how much: ``method`` is
    ``"tornado"`` (:func:`tornado`, default 2,000 draws a point), ``"morris"``
    (:func:`morris`, 1,000) or ``"sobol"`` (:func:`sobol`, 1,000); ``options`` go to it.

    Examples
    --------
    >>> import budgetsim
    >>> sc = budgetsim.load_scenario("guangdong-2022")
    >>> res = budgetsim.sensitivity(sc, outputs=["budget_at_risk_p80"], draws=200, seed=1)
    >>> res.top("budget_at_risk_p80:policy", 1)[0].path
    'populations.provincial_centres.attributes.provincial_funding.high'
    """
    runs = {"tornado": tornado, "morris": morris, "sobol": sobol}
    if method not in runs:
        raise BudgetsimError(f"unknown method {method!r}; expected one of {', '.join(runs)}")
    kwargs = dict(options)
    if draws is not None:
        kwargs["draws"] = draws
    result: SensitivityResult = runs[method](scenario, outputs, seed=seed, **kwargs)
    return result
