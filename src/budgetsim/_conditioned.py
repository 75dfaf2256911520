"""A population's cohort of one year conditioned on the applications received so far.

:func:`budgetsim.nowcast.nowcast` attaches a :class:`Condition` to a population's plan; the
population's sampler (:func:`budgetsim.population.draw_cohorts`) then makes that year's cohort
of every draw as the received applicants (fixed: their attributes and arrival months, first in
arrival order) followed by those still to arrive, counted from the posterior predictive
distribution and placed in the months left of the window. Everything for that year comes from
the population's own nowcast stream per draw, so the other years of the population draw from
their usual streams.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from budgetsim.segments import Segments
from budgetsim.streams import stream, stream_key

__all__ = ["Condition"]

Floats = NDArray[np.float64]
MONTHS = 12


@dataclass(frozen=True, eq=False)
class Condition:
    """What a nowcast fixes of one population-year, and how the rest is drawn; picklable.

    Attributes
    ----------
    year
        Index of the conditioned year among the scenario's years.
    months
        Arrival month (1–12) of each received applicant, in arrival order.
    attributes
        The received applicants' attribute values by name (length ``k`` each), in the
        attributes' own coding (categorical: integer codes; Bernoulli: bool). Attributes not
        given are drawn from their distributions for the received applicants too.
    remaining
        How the number still to arrive is drawn: ``"negative_binomial"`` (``n``, ``p`` as
        :meth:`numpy.random.Generator.negative_binomial` takes them) or ``"fixed"`` (``n``).
    n, p
        Parameters of the count still to arrive.
    shares
        Share of those still to arrive in each month (12 values summing to 1; all zero when
        the window has closed).
    key
        A fingerprint of all of the above, so that a conditioned population never passes for
        the plain one (:class:`budgetsim.stages.PlanKeys`).
    """

    year: int
    months: NDArray[np.int64]
    attributes: dict[str, NDArray[Any]]
    remaining: Literal["negative_binomial", "fixed"]
    n: float
    p: float
    shares: Floats
    key: str

    @property
    def received(self) -> int:
        """Number of applicants received [applicants]."""
        return int(self.months.size)

    def streams(self, population: str, entropy: int, draws: range) -> list[np.random.Generator]:
        """The nowcast stream of each draw for this population."""
        key = stream_key(f"nowcast:{population}")
        return [stream(entropy, d, key) for d in draws]

    def counts(self, rngs: Sequence[np.random.Generator]) -> NDArray[np.int64]:
        """Applicants of the conditioned year per draw: received plus still to arrive."""
        if self.remaining == "fixed" or not self.shares.any():
            still = np.full(len(rngs), int(self.n) if self.shares.any() else 0, dtype=np.int64)
        else:
            still = np.array([rng.negative_binomial(self.n, self.p) for rng in rngs])
        return np.asarray(self.received + still, dtype=np.int64)

    def fill(
        self,
        rngs: Sequence[np.random.Generator],
        segments: Segments,
        monthly: NDArray[np.int64],
        standard: dict[str, Floats],
        fills: Sequence[tuple[str, Callable[[np.random.Generator, Floats], None]]],
    ) -> None:
        """Place every draw's applicants in their months (``monthly``: (draws, 13), not yet
        cumulated) and fill the standard variates of the attributes, from the nowcast
        streams; the received applicants' given attributes are set by :meth:`fix`."""
        received = np.bincount(self.months - 1, minlength=MONTHS)
        offsets = segments.offsets.tolist()
        for i, rng in enumerate(rngs):
            start, stop = offsets[i], offsets[i + 1]
            still = stop - start - self.received
            monthly[i, 1:] = received
            if still > 0:
                monthly[i, 1:] += rng.multinomial(still, self.shares)
            for name, fill in fills:
                fill(rng, standard[name][start:stop])

    def fix(self, attributes: dict[str, Any], segments: Segments) -> None:
        """Set the received applicants' given attributes (the first ``k`` of every draw)."""
        if not self.received:
            return
        index = (segments.offsets[:-1, None] + np.arange(self.received)[None, :]).ravel()
        for name, values in self.attributes.items():
            array = attributes[name]
            if not array.flags.writeable:
                array = attributes[name] = array.copy()
            array[index] = np.tile(values, segments.draws)
