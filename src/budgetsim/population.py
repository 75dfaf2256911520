"""Applicant populations: arrivals per year and their attributes, as flat arrays.

For a chunk of draws, every population is sampled draw by draw from that draw's own random
stream (so results never depend on chunking), writing standard variates straight into flat
arrays; the distributions' transforms then run once over the whole chunk.

Applicants are stored in arrival order. Arrival times are uniform over the application window,
so the number arriving in each month is multinomial and, in arrival order, the first of them
arrive in the first month, the next in the second, and so on: one multinomial draw per draw and
year places every applicant in its month, with no per-applicant random number and no sort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from budgetsim.errors import SimulationError
from budgetsim.scenario.compile import PopulationPlan
from budgetsim.segments import Segments
from budgetsim.streams import stream

__all__ = ["Cohort", "draw_cohorts"]

Floats = NDArray[np.float64]
MONTHS = 12


@dataclass(frozen=True)
class Cohort:
    """The applicants of one population in one year, over a chunk of draws, in arrival order.

    Attributes
    ----------
    year
        The fiscal year.
    segments
        Which draw each applicant belongs to.
    by_month
        Applicants arrived by the end of each month, per draw: shape (draws, 13), column m
        counts arrivals in months 1…m (column 0 is 0).
    attributes
        Attribute and derived-attribute arrays by name, plus ``year`` and ``month`` (the
        arrival month, 1–12).
    categories
        Labels of categorical attributes (whose arrays hold integer codes).
    """

    year: int
    segments: Segments
    by_month: NDArray[np.int64]
    attributes: dict[str, Any]
    categories: dict[str, tuple[str, ...]]

    @property
    def size(self) -> int:
        """Number of applicants over all draws of the chunk."""
        return self.segments.size

    def month_of(self, flat_index: NDArray[np.int64]) -> NDArray[np.int64]:
        """Arrival month (1–12) of applicants given by flat index, one per draw (-1: none)."""
        local = flat_index - self.segments.offsets[:-1]
        month = (self.by_month[:, 1:] <= local[:, None]).sum(axis=1) + 1
        return np.asarray(np.where(flat_index >= 0, month, -1), dtype=np.int64)


class _Attributes(dict[str, Any]):
    """Attribute arrays by name; ``month`` (arrival month) is computed on first use only."""

    def __init__(self, initial: dict[str, Any], by_month: NDArray[np.int64]) -> None:
        super().__init__(initial)
        self._by_month = by_month

    def __missing__(self, key: str) -> Any:
        if key != "month":
            raise KeyError(key)
        self[key] = value = _months(self._by_month)
        return value


def _months(by_month: NDArray[np.int64]) -> Floats:
    """Arrival month (1–12) of every applicant, flat in arrival order, from cumulative counts."""
    counts = np.diff(by_month, axis=1)
    labels = np.tile(np.arange(1.0, MONTHS + 1.0), counts.shape[0])
    return np.repeat(labels, counts.ravel())


def _month_shares(plan: PopulationPlan) -> Floats:
    timing = plan.spec.timing
    shares = np.zeros(MONTHS)
    shares[timing.start_month - 1 : timing.end_month] = 1.0
    return np.asarray(shares / shares.sum(), dtype=np.float64)


def draw_cohorts(
    plan: PopulationPlan, entropy: int, draws: range, years: Sequence[int]
) -> list[Cohort]:
    """Sample one population for a range of draws; one :class:`Cohort` per year.

    Parameters
    ----------
    plan
        The compiled population.
    entropy
        The root entropy of the run's seed.
    draws
        Global draw indices of the chunk.
    years
        The scenario years.
    """
    n_years = len(years)
    rngs = [stream(entropy, d, plan.stream_key) for d in draws]
    counts = np.array([plan.spec.arrivals.sample(rng) for rng in rngs], dtype=np.int64)
    counts = counts.reshape(len(rngs), n_years)
    cond = plan.condition  # a nowcast: one year made of the applications received and the rest
    if cond is not None:
        nowcast_rngs = cond.streams(plan.id, entropy, draws)
        counts[:, cond.year] = cond.counts(nowcast_rngs)
    segments = [Segments(counts[:, y]) for y in range(n_years)]
    monthly = np.zeros((len(rngs), n_years, MONTHS + 1), dtype=np.int64)
    joint = plan.joint  # records resampled together: one uniform per applicant, shared
    standard = [
        {name: np.empty(s.size) for name, _ in plan.attributes if name not in joint}
        for s in segments
    ]
    for own in standard:
        own.update({name: own[leader] for name, leader in joint.items()})
    fills = [(name, dist.standard) for name, dist in plan.attributes if dist.uses_random]
    shares = _month_shares(plan)
    for i, rng in enumerate(rngs):
        for y, seg in enumerate(segments):
            start, stop = int(seg.offsets[i]), int(seg.offsets[i + 1])
            if stop == start or (cond is not None and y == cond.year):
                continue
            monthly[i, y, 1:] = rng.multinomial(stop - start, shares)
            for name, fill in fills:
                fill(rng, standard[y][name][start:stop])
    if cond is not None:
        y = cond.year
        cond.fill(nowcast_rngs, segments[y], monthly[:, y], standard[y], fills)
    np.cumsum(monthly, axis=2, out=monthly)
    cohorts = []
    for y, year in enumerate(years):
        attributes: dict[str, Any] = _Attributes({"year": float(year)}, monthly[:, y, :])
        for name, dist in plan.attributes:
            attributes[name] = dist.transform_year(standard[y][name], year)
        if cond is not None and y == cond.year:
            cond.fix(attributes, segments[y])
        size = segments[y].size
        for name, expr in plan.derived:
            value = expr.evaluate(attributes, size)
            if not value.flags.writeable:  # a constant broadcast to every applicant
                value = value.copy()
            if value.dtype.kind == "f" and not np.isfinite(value).all():
                bad = int((~np.isfinite(value)).sum())
                raise SimulationError(
                    f"populations.{plan.id}.derived.{name}: {expr.text!r} is not a finite number "
                    f"for {bad} of {size} applicants in {year} (division by zero or log of a "
                    "value ≤ 0?)"
                )
            attributes[name] = value
        cohorts.append(
            Cohort(
                year=year,
                segments=segments[y],
                by_month=monthly[:, y, :],
                attributes=attributes,
                categories=dict(plan.categories),
            )
        )
    return cohorts
