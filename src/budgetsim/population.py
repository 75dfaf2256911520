"""Applicant populations: arrivals per year and their attributes, as flat arrays.

For a chunk of draws, every population is sampled draw by draw from that draw's own random
stream (so results never depend on chunking), writing standard variates straight into flat
arrays; the distributions' transforms then run once over the whole chunk. Arrival times are
generated already sorted (normalised cumulative sums of exponential spacings are sorted uniform
order statistics), so no sort is needed to put applicants in arrival order.
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

__all__ = ["Cohort", "draw_cohorts", "stream"]

Floats = NDArray[np.float64]


def stream(entropy: int, draw: int, key: int) -> np.random.Generator:
    """The random stream of one draw of one population (or other named component)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(draw, key))))


@dataclass(frozen=True)
class Cohort:
    """The applicants of one population in one year, over a chunk of draws, in arrival order.

    Attributes
    ----------
    year
        The fiscal year.
    segments
        Which draw each applicant belongs to.
    time
        Arrival time [months since 1 January], non-decreasing within each draw.
    attributes
        Attribute and derived-attribute arrays by name, plus ``year``.
    categories
        Labels of categorical attributes (whose arrays hold integer codes).
    """

    year: int
    segments: Segments
    time: Floats
    attributes: dict[str, Any]
    categories: dict[str, tuple[str, ...]]

    @property
    def size(self) -> int:
        """Number of applicants over all draws of the chunk."""
        return self.segments.size


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
    rngs = [stream(entropy, d, plan.stream_key) for d in draws]
    counts = np.array([plan.spec.arrivals.sample(rng) for rng in rngs], dtype=np.int64)
    counts = counts.reshape(len(rngs), len(years))
    segments = [Segments(counts[:, y]) for y in range(len(years))]
    times = [np.empty(s.size) for s in segments]
    standard = [
        {name: np.empty(s.size) for name, _ in plan.attributes} for s in segments
    ]
    fills = [(name, dist.standard) for name, dist in plan.attributes if dist._kind() != "none"]
    for i, rng in enumerate(rngs):
        for y, seg in enumerate(segments):
            start, stop = int(seg.offsets[i]), int(seg.offsets[i + 1])
            if stop == start:
                continue
            spacings = np.cumsum(rng.standard_exponential(stop - start + 1))
            np.divide(spacings[:-1], spacings[-1], out=times[y][start:stop])
            for name, fill in fills:
                fill(rng, standard[y][name][start:stop])
    low, high = plan.spec.timing.span
    cohorts = []
    for y, year in enumerate(years):
        attributes: dict[str, Any] = {"year": float(year)}
        for name, dist in plan.attributes:
            attributes[name] = dist.transform(standard[y][name])
        size = segments[y].size
        for name, expr in plan.derived:
            value = np.array(expr.evaluate(attributes, size))
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
                time=low + (high - low) * times[y],
                attributes=attributes,
                categories=dict(plan.categories),
            )
        )
    return cohorts
