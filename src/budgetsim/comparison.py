"""Compare a variant of a scenario against a baseline, on common random numbers.

Both scenarios are simulated with the same seed. Every draw of a population then samples the
same applicants in both runs, so the per-draw differences are paired: their spread measures only
what the change does, and a variant that changes nothing shows exactly zero difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from budgetsim.engine import simulate
from budgetsim.errors import BudgetsimError
from budgetsim.metrics import How, metric
from budgetsim.results import SimulationResult
from budgetsim.scenario import Scenario
from budgetsim.stats import interval, standard_error

__all__ = ["COMPARED", "Comparison", "compare"]

#: Metrics compared: means over draws (a probability is the mean of a yes/no), each of the
#: per-draw variable its registry entry aggregates (:mod:`budgetsim.metrics`).
COMPARED = (
    "demand_mean",
    "paid_mean",
    "unspent_mean",
    "p_exhausted",
    "claimants_mean",
    "paid_full_mean",
)


@dataclass(frozen=True)
class Comparison:
    """A baseline and a variant simulated on common random numbers.

    Attributes
    ----------
    base, variant
        The two results (same seed, same draws).
    programmes
        Programme ids present in both, compared.
    only_in_base, only_in_variant
        Programme ids present in one scenario only (not compared).
    """

    base: SimulationResult
    variant: SimulationResult
    programmes: tuple[str, ...]
    only_in_base: tuple[str, ...]
    only_in_variant: tuple[str, ...]

    def _paired(self, label: str) -> tuple[NDArray[Any], NDArray[Any]]:
        """Per-draw values (draw, programme, year) of the variable behind metric ``label`` in
        both runs."""
        name = str(metric(label).aggregate.of)
        a = self.base[name].sel(programme=list(self.programmes)).values.astype(np.float64)
        b = self.variant[name].sel(programme=list(self.programmes)).values.astype(np.float64)
        return np.nan_to_num(a), np.nan_to_num(b)

    def _table(self, axis: int | None, index: pd.Index) -> pd.DataFrame:
        """Base, variant and the paired difference with its 95 % interval of every compared
        metric, per programme and year; summed over ``axis`` (1: programmes, 2: years) where
        given — a probability then says whether it happened in any of them."""
        columns: dict[str, NDArray[np.float64]] = {}
        for label in COMPARED:
            a, b = self._paired(label)
            if axis is not None:
                either = metric(label).aggregate.how is How.PROBABILITY
                reduce = np.any if either else np.sum
                a, b = (reduce(x, axis=axis).astype(np.float64) for x in (a, b))
            diff = b - a
            mean = diff.mean(axis=0)
            low, high = interval(mean, standard_error(diff))
            columns[f"{label}_base"] = a.mean(axis=0).ravel()
            columns[f"{label}_variant"] = b.mean(axis=0).ravel()
            columns[f"{label}_diff"] = mean.ravel()
            columns[f"{label}_diff_low"] = low.ravel()
            columns[f"{label}_diff_high"] = high.ravel()
        return pd.DataFrame(columns, index=index)

    def summary(self) -> pd.DataFrame:
        """Differences (variant − base) per programme and year, with 95 % intervals.

        For each compared quantity (``demand_mean``, ``paid_mean``, ``unspent_mean``,
        ``p_exhausted``, ``claimants_mean``, ``paid_full_mean``) the table has the base and
        variant values, the mean difference and its 95 % confidence interval (``_diff_low``,
        ``_diff_high``) from the paired per-draw differences.
        """
        index = pd.MultiIndex.from_product(
            [list(self.programmes), self.base.years], names=["programme", "year"]
        )
        return self._table(None, index)

    def totals(self) -> pd.DataFrame:
        """The same over the whole horizon, per programme (``p_exhausted``: in any year)."""
        return self._table(2, pd.Index(list(self.programmes), name="programme"))

    def policy(self) -> pd.DataFrame:
        """The same for all compared programmes together, per year and (row ``"total"``) over
        the horizon: sums of demand, paid and claimants; ``p_exhausted`` is the chance that
        some programme runs out (in any year, for the total)."""
        years = self._table(1, pd.Index([str(y) for y in self.base.years], name="year"))
        whole = self._whole_horizon()
        return pd.concat([years, whole])

    def _whole_horizon(self) -> pd.DataFrame:
        columns: dict[str, NDArray[np.float64]] = {}
        for label in COMPARED:
            a, b = self._paired(label)
            either = metric(label).aggregate.how is How.PROBABILITY
            reduce = np.any if either else np.sum
            a, b = (reduce(x, axis=(1, 2)).astype(np.float64) for x in (a, b))
            diff = b - a
            mean = diff.mean(axis=0)
            low, high = interval(mean, standard_error(diff))
            for key, value in (
                ("base", a.mean()),
                ("variant", b.mean()),
                ("diff", mean),
                ("diff_low", low),
                ("diff_high", high),
            ):
                columns[f"{label}_{key}"] = np.atleast_1d(np.float64(value))
        return pd.DataFrame(columns, index=pd.Index(["total"], name="year"))

    def tidy(self) -> pd.DataFrame:
        """Every comparison in one long table, for files: one row per programme (or
        ``policy``: all together; or a reserve fund's or a target's id) × year (or
        ``total``) × metric, with ``kind`` (``programme``, ``policy``, ``riskfund``,
        ``target``), ``base``, ``variant``, ``diff``, ``diff_low`` and ``diff_high``."""
        parts = []
        frames = (
            ("programme", self.summary().reset_index().astype({"year": str})),
            ("programme", self.totals().reset_index().assign(year="total")),
            ("policy", self.policy().reset_index().assign(programme="policy")),
        )
        for kind, frame in frames:
            for label in COMPARED:
                part = frame[["programme", "year"]].copy()
                part.insert(0, "kind", kind)
                part["metric"] = label
                for key in ("base", "variant", "diff", "diff_low", "diff_high"):
                    part[key] = frame[f"{label}_{key}"].to_numpy()
                parts.append(part)
        outcomes = self.outcomes()
        if not outcomes.empty:
            outcomes = outcomes.rename(columns={"name": "programme"}).astype({"year": str})
            parts.append(outcomes[parts[0].columns])
        return pd.concat(parts, ignore_index=True)

    def outcomes(self) -> pd.DataFrame:
        """Risk reserve funds and targets present in both runs, per year: P(depleted by the
        year end) and the year-end balance, P(stock ≥ goal) and the stock; base, variant and
        the paired difference with its 95 % interval (same draws, same random streams)."""
        rows = []
        pairs: list[tuple[str, str, str, NDArray[Any], NDArray[Any]]] = []
        months = 12 * np.arange(1, len(self.base.years) + 1)

        def depleted(result: SimulationResult, rid: str) -> NDArray[Any]:
            m = result.riskfunds[rid]["depletion_month"].values[:, None]
            return np.asarray((m > 0) & (m <= months[None, :]))

        for rid in [r for r in self.base.riskfunds if r in self.variant.riskfunds]:
            a, b = self.base.riskfunds[rid], self.variant.riskfunds[rid]
            pairs.append(
                (
                    rid,
                    "riskfund",
                    "p_depleted",
                    depleted(self.base, rid),
                    depleted(self.variant, rid),
                )
            )
            pairs.append(
                (rid, "riskfund", "balance_end", a["balance_end"].values, b["balance_end"].values)
            )
        for tid in [t for t in self.base.targets if t in self.variant.targets]:
            goal = self.base.scenario.targets[tid].goal
            before = self.base.targets[tid]["stock"].values
            after = self.variant.targets[tid]["stock"].values
            pairs.append((tid, "target", "p_at_goal", before >= goal, after >= goal))
            pairs.append((tid, "target", "stock", before, after))
        for name, kind, measure, x, y in pairs:
            x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
            diff = y - x
            mean = diff.mean(axis=0)
            low, high = interval(mean, standard_error(diff))
            for k, year in enumerate(self.base.years):
                rows.append(
                    {
                        "name": name,
                        "kind": kind,
                        "metric": measure,
                        "year": year,
                        "base": x[:, k].mean(),
                        "variant": y[:, k].mean(),
                        "diff": mean[k],
                        "diff_low": low[k],
                        "diff_high": high[k],
                    }
                )
        return pd.DataFrame(rows)


def compare(
    base: Scenario,
    variant: Scenario,
    draws: int = 10_000,
    seed: int | None = 1,
    **options: Any,
) -> Comparison:
    """Simulate a baseline and a variant on common random numbers.

    Parameters
    ----------
    base, variant
        Two scenarios over the same years (e.g. a file and the same file with overrides).
    draws, seed
        As for :func:`budgetsim.simulate`; both runs use the same seed.
    **options
        Passed to :func:`budgetsim.simulate` (``workers``, ``chunk_draws``, ``progress``).

    Returns
    -------
    Comparison
        Both results and their paired differences.

    Examples
    --------
    >>> import budgetsim
    >>> base = budgetsim.load_scenario("jiangmen-2021")
    >>> same = budgetsim.compare(base, base, draws=50)
    >>> float(same.summary()["paid_mean_diff"].abs().max())
    0.0
    """
    if base.years != variant.years:
        raise BudgetsimError(
            f"the scenarios cover different years: {list(base.years)} and {list(variant.years)}"
        )
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    a = simulate(base, draws=draws, seed=seed, **options)
    b = simulate(variant, draws=draws, seed=seed, **options)
    common = tuple(p for p in a.programmes if p in b.programmes)
    if not common:
        raise BudgetsimError("the scenarios have no programme id in common to compare")
    return Comparison(
        base=a,
        variant=b,
        programmes=common,
        only_in_base=tuple(p for p in a.programmes if p not in common),
        only_in_variant=tuple(p for p in b.programmes if p not in common),
    )
