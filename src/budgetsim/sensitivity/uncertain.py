"""Runs with uncertain assumptions, and how each output's spread splits between them and luck.

A plain run takes every assumption at its stated value, so its P80 budget assumes, for example,
that the number of borrowers is known. :func:`simulate_uncertain` draws every ranged
assumption (not the levers: the bureau decides those) uniformly over its plausible range, from
its own stream, once per *block* of consecutive draws: a two-level design in which the
assumptions vary between blocks and the luck of which firms apply varies within them. Its
exhaustion probabilities and budgets at risk allow for the assumptions being wrong.

:func:`variance_split` then splits the spread (variance) of each output's per-draw values
(:func:`budgetsim.outcomes.contributions`) into

- one first-order share per assumption: Var(E[Y | θᵢ]) ÷ Var(Y), from the block means grouped
  into bins of θᵢ, less the bins' own sampling noise;
- **luck**: the mean variance within a block ÷ Var(Y), i.e. E[Var(Y | θ)] ÷ Var(Y);
- **interactions**: what is left, 1 − luck − Σ shares (assumptions acting together);

with 95 % intervals from a grouped jackknife over the blocks. The shares, luck and
interactions add up to 1.

Examples
--------
>>> import budgetsim
>>> sc = budgetsim.load_scenario("guangdong-2022")
>>> res = simulate_uncertain(sc, draws=800, seed=1)
>>> res.uncertain.block, res.uncertain.blocks, len(res.uncertain.factors)
(40, 20, 3)
>>> split = variance_split(res)
>>> round(float(split.groupby("output")["share"].sum().iloc[0]), 9)
1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from budgetsim.engine import BlockError, Progress, simulate_blocks
from budgetsim.errors import BudgetsimError
from budgetsim.metrics import Lang, as_lang, label
from budgetsim.outcomes import (
    Output,
    contributions,
    default_outputs,
    estimate,
    estimate_se,
    parse_output,
    per_draw,
)
from budgetsim.sensitivity.design import Factor, changes, factors
from budgetsim.stats import Z95
from budgetsim.streams import stream, stream_key

if TYPE_CHECKING:
    from budgetsim.results import SimulationResult
    from budgetsim.scenario import Scenario

__all__ = [
    "DEFAULT_BLOCK",
    "PARTS",
    "UncertainDraws",
    "comparison",
    "simulate_uncertain",
    "variance_split",
]

Floats = NDArray[np.float64]
#: Draws per block of one set of assumptions: 250 sets of assumptions in 10,000 draws (about
#: the draws of one chunk of a plain run of the bundled scenarios, so the blocks cost little more).
DEFAULT_BLOCK = 40
#: The parts of a split that are not one assumption, as a reader calls them.
PARTS = {
    "luck": ("运气（哪些企业申请、申请多少）", "luck (which firms apply, and for how much)"),
    "interactions": ("假设之间的交互作用", "assumptions acting together"),
}


@dataclass(frozen=True)
class UncertainDraws:
    """The assumptions a run drew: ``u[k, j]`` places factor ``j`` in block ``k`` along its
    range (0: low end, 1: high end)."""

    factors: list[Factor]
    block: int
    u: Floats

    @property
    def blocks(self) -> int:
        """Number of blocks (sets of assumptions)."""
        return int(self.u.shape[0])

    def values(self) -> pd.DataFrame:
        """The assumptions of each block, one column per number (per-year numbers: the first
        year's value; every year moves together)."""
        columns = {}
        for j, f in enumerate(self.factors):
            at = [f.at(float(x)) for x in self.u[:, j]]
            columns[f.path] = [v[0] if isinstance(v, list) else v for v in at]
        frame = pd.DataFrame(columns)
        frame.index.name = "block"
        return frame

    def stamp(self) -> dict[str, Any]:
        """What a run's stamp records of the drawn assumptions."""
        return {
            "block": self.block,
            "blocks": self.blocks,
            "drawn": [f.path for f in self.factors],
        }


def _draw_u(entropy: int, blocks: int, chosen: Sequence[Factor]) -> Floats:
    """Uniform positions along each range, one per block, each number from its own stream
    (the first ``blocks`` values of a stream do not depend on how many are drawn)."""
    u = np.empty((blocks, len(chosen)))
    for j, f in enumerate(chosen):
        u[:, j] = stream(entropy, 0, stream_key(f"uncertain:{f.path}")).random(blocks)
    return u


def simulate_uncertain(
    scenario: Scenario,
    draws: int = 10_000,
    seed: int | None = None,
    *,
    block: int = DEFAULT_BLOCK,
    only: Sequence[str] = (),
    exclude: Sequence[str] = (),
    workers: int = 1,
    executor: Executor | None = None,
    progress: Progress | None = None,
    monthly: bool = False,
) -> SimulationResult:
    """A run in which every ranged assumption is drawn over its plausible range.

    Parameters
    ----------
    scenario
        A loaded scenario.
    draws, seed, workers, executor, progress, monthly
        As for :func:`budgetsim.simulate`.
    block
        Draws that share one set of assumptions (each number drawn uniformly over its range,
        per-year numbers moving together, whole numbers rounded). Smaller blocks draw the
        assumptions more often and cost more (one validated variant per block); the split
        needs at least 2 draws a block.
    only, exclude
        Which assumptions to draw (paths, prefixes or patterns); every ranged assumption when
        empty.

    Returns
    -------
    SimulationResult
        A run of ``scenario`` whose ``uncertain`` attribute (:class:`UncertainDraws`) holds
        the assumptions drawn; draw ``d`` of block ``k`` is draw ``d`` of a plain run of the
        scenario with block ``k``'s assumptions.
    """
    if block < 1:
        raise BudgetsimError(f"--uncertain-block must be at least 1 draw, found {block}")
    chosen = factors(scenario, only=only, exclude=exclude, kind="assumption")
    entropy = int(np.random.SeedSequence(seed).entropy)  # type: ignore[arg-type]
    blocks = -(-draws // block)
    u = _draw_u(entropy, blocks, chosen)
    try:
        result = simulate_blocks(
            scenario,
            [changes(chosen, row) for row in u],
            block,
            draws,
            seed,
            workers=workers,
            executor=executor,
            progress=progress,
            monthly=monthly,
        )
    except BlockError as exc:
        raise BudgetsimError(
            f"{exc}: drawn within the plausible ranges, so every combination of values within "
            "them must be a valid scenario; narrow the ranges that cross"
        ) from None
    result.uncertain = UncertainDraws(chosen, block, u)
    return result


def _outputs(scenario: Scenario, outputs: Sequence[Output | str] | None) -> list[Output]:
    if not outputs:
        return default_outputs(scenario)
    return [o if isinstance(o, Output) else parse_output(o, scenario) for o in outputs]


#: Fewest blocks (sets of assumptions) a split is worked out from.
MIN_BLOCKS = 16
#: Groups of blocks left out in turn for the jackknife intervals of a split.
GROUPS = 20


def _parts(means: Floats, within: Floats, u: Floats, block: int) -> Floats:
    """Shares of the variance (factors…, luck, interactions) from the blocks' means, their
    sums of squares within and their assumptions."""
    blocks, k = u.shape
    grand = means.mean()
    total = (within.sum() + block * ((means - grand) ** 2).sum()) / (blocks * block - 1)
    if not total > 0:  # the output never moved: all of nothing is luck
        return np.concatenate([np.zeros(k), [1.0, 0.0]])
    luck = within.sum() / (blocks * (block - 1)) / total
    # one-way analysis of variance of the block means in ≈ √blocks bins of each assumption:
    # Var(E[Y | θⱼ]) ≈ between-bin − (bins − 1)/blocks × pooled within-bin variance
    bins = max(2, round(np.sqrt(blocks)))  # ≥ 2 blocks a bin: blocks ≥ 4 (MIN_BLOCKS)
    rank = np.empty((blocks, k), dtype=np.int64)
    np.put_along_axis(rank, np.argsort(u, axis=0, kind="stable"), np.arange(blocks)[:, None], 0)
    label = (rank * bins // blocks + np.arange(k) * bins).ravel()  # bin of each (block, j)
    flat = np.repeat(means, k)
    count = np.bincount(label, minlength=k * bins).reshape(k, bins)
    sums = np.bincount(label, flat, minlength=k * bins).reshape(k, bins)
    squares = np.bincount(label, flat**2, minlength=k * bins).reshape(k, bins)
    bin_means = sums / count
    between = (count * (bin_means - means.mean()) ** 2).sum(axis=1) / blocks
    pooled = (squares - count * bin_means**2).sum(axis=1) / (blocks - bins)
    shares = (between - (bins - 1) / blocks * pooled) / total
    return np.concatenate([shares, [luck, 1.0 - luck - shares.sum()]])


def _split_one(y: Floats, u: Floats, block: int) -> tuple[Floats, Floats]:
    """Shares (factors…, luck, interactions) of ``y``'s variance and their standard errors
    (grouped jackknife: :data:`GROUPS` groups of blocks left out in turn)."""
    blocks = y.size // block
    y = y[: blocks * block].reshape(blocks, block)  # a last, partial block is left out
    u = u[:blocks]
    means = y.mean(axis=1)
    within = ((y - means[:, None]) ** 2).sum(axis=1)
    parts = _parts(means, within, u, block)
    groups = min(GROUPS, blocks // 4)
    if groups < 2:
        return parts, np.full(parts.shape, np.nan)
    label = np.arange(blocks) % groups
    left_out = np.array(
        [_parts(means[label != g], within[label != g], u[label != g], block) for g in range(groups)]
    )
    se = np.sqrt((groups - 1) / groups * ((left_out - left_out.mean(axis=0)) ** 2).sum(axis=0))
    return parts, se


def variance_split(
    result: SimulationResult,
    outputs: Sequence[Output | str] | None = None,
    *,
    lang: str = "zh",
) -> pd.DataFrame:
    """How the spread of each output splits between the drawn assumptions and luck.

    Parameters
    ----------
    result
        A run of :func:`simulate_uncertain`.
    outputs
        Outputs (or their texts); the scenario's headline outputs when None.
    lang
        Language of the ``label`` column.

    Returns
    -------
    pandas.DataFrame
        One row per output and part: ``part`` (an assumption's path, ``"luck"`` or
        ``"interactions"``), ``label``, ``share`` of the output's variance (the parts of an
        output add up to 1) and its 95 % interval ``low``/``high``; ``sd`` is the output's
        per-draw standard deviation. Shares near 0 may come out slightly negative: noise.
    """
    drawn: UncertainDraws | None = getattr(result, "uncertain", None)
    if drawn is None:
        raise BudgetsimError("this run drew no assumptions: run it with --uncertain")
    if drawn.block < 2:
        raise BudgetsimError("the split needs at least 2 draws a block (--uncertain-block)")
    if result.draws // drawn.block < MIN_BLOCKS:
        raise BudgetsimError(
            f"the split needs at least {MIN_BLOCKS} sets of assumptions: draws ≥ "
            f"{MIN_BLOCKS} × {drawn.block} (found {result.draws:,} draws)"
        )
    lang_: Lang = as_lang(lang)
    rows = []
    for out in _outputs(result.scenario, outputs):
        y = contributions(out.metric, per_draw(result, out))
        parts, se = _split_one(y, drawn.u, drawn.block)
        low, high = parts - Z95 * se, parts + Z95 * se
        names = [*(f.path for f in drawn.factors), "luck", "interactions"]
        labels = [
            *(f.label(lang_) for f in drawn.factors),
            *(PARTS[p][lang_ == "en"] for p in PARTS),
        ]
        for name, text, share, lo, hi in zip(names, labels, parts, low, high, strict=True):
            rows.append(
                {
                    "output": out.key,
                    "output_label": out.label(result.scenario, lang_),
                    "part": name,
                    "label": text,
                    "share": float(share),
                    "low": float(lo),
                    "high": float(hi),
                    "sd": float(np.std(y, ddof=1)),
                }
            )
    return pd.DataFrame(rows)


def comparison(
    plain: SimulationResult,
    uncertain: SimulationResult,
    outputs: Sequence[Output | str] | None = None,
    *,
    lang: str = "zh",
) -> pd.DataFrame:
    """Each output with the assumptions fixed (``plain``) and drawn (``uncertain``).

    The default outputs are the scenario's headline outputs and the whole policy's P80 and P95
    budgets. ``plain_se`` and ``uncertain_se`` are Monte Carlo standard errors, the latter from
    the blocks (the draws of a block share their assumptions, so they are not independent);
    the difference's interval is ± 1.96 √(se₁² + se₂²), treating the runs as independent
    (they share their seed, which makes it conservative).
    """
    lang_: Lang = as_lang(lang)
    sc = plain.scenario
    outs = _outputs(sc, outputs)
    drawn: UncertainDraws | None = getattr(uncertain, "uncertain", None)
    block = drawn.block if drawn is not None else None  # its draws are not independent
    if not outputs:
        extra = [
            Output(m, "policy", "policy") for m in ("budget_at_risk_p80", "budget_at_risk_p95")
        ]
        outs = [*outs, *(o for o in extra if o not in outs)]
    rows = []
    for out in outs:
        a, b = per_draw(plain, out), per_draw(uncertain, out)
        va, vb = estimate(out.metric, a), estimate(out.metric, b)
        sa, sb = estimate_se(out.metric, a), estimate_se(out.metric, b, cluster=block)
        half = Z95 * float(np.hypot(sa, sb))
        rows.append(
            {
                "output": out.key,
                "metric": out.metric,
                "label": out.label(sc, lang_),
                "metric_label": label(out.metric, lang_),
                "plain": va,
                "plain_se": sa,
                "uncertain": vb,
                "uncertain_se": sb,
                "difference": vb - va,
                "difference_low": vb - va - half,
                "difference_high": vb - va + half,
            }
        )
    return pd.DataFrame(rows)
