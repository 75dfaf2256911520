"""Ragged arrays: applicants of many draws stored flat, one segment per draw.

A chunk of draws holds a different number of applicants in each draw. Applicants are stored in
one flat array, draw after draw, in arrival order. :class:`Segments` knows where each draw's
segment starts and offers the per-draw reductions the engine needs. Every reduction is computed
within one draw's segment only, element by element in arrival order, so its floating-point
result does not depend on which other draws share the chunk: one seed gives bit-identical
per-draw results for any chunk size.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Segments"]

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Segments:
    """Layout of a flat array of ``counts.sum()`` applicants over ``len(counts)`` draws.

    Parameters
    ----------
    counts
        Applicants in each draw.

    Examples
    --------
    >>> seg = Segments(np.array([2, 0, 3]))
    >>> seg.sum(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    array([ 3.,  0., 12.])
    >>> seg.cumsum(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    (array([0., 1., 0., 3., 7.]), array([ 1.,  3.,  3.,  7., 12.]))
    """

    counts: NDArray[np.int64]
    offsets: NDArray[np.int64] = field(init=False)
    row: NDArray[np.intp] = field(init=False)
    col: NDArray[np.intp] = field(init=False)

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=np.int64)
        offsets = np.zeros(counts.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        row = np.repeat(np.arange(counts.size, dtype=np.intp), counts)
        col = np.arange(offsets[-1], dtype=np.intp) - offsets[:-1][row]
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "offsets", offsets)
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "col", col)

    @property
    def draws(self) -> int:
        """Number of draws (segments)."""
        return int(self.counts.size)

    @property
    def size(self) -> int:
        """Number of applicants over all draws."""
        return int(self.offsets[-1])

    def sum(self, values: NDArray[Any]) -> Floats:
        """Per-draw sums, added in arrival order within each draw."""
        return np.bincount(self.row, weights=values, minlength=self.draws).astype(np.float64)

    def count(self, mask: NDArray[np.bool_]) -> NDArray[np.int64]:
        """Per-draw number of True elements (exact integer arithmetic)."""
        running = np.zeros(mask.size + 1, dtype=np.int64)
        np.cumsum(mask, out=running[1:])
        return running[self.offsets[1:]] - running[self.offsets[:-1]]

    def last(self, values: NDArray[Any], empty: float = 0.0) -> NDArray[Any]:
        """The last element of each draw's segment (``empty`` for draws with none)."""
        out = np.full(self.draws, empty, dtype=values.dtype)
        has = self.counts > 0
        out[has] = values[self.offsets[1:][has] - 1]
        return out

    def cumsum(self, values: Floats) -> tuple[Floats, Floats]:
        """Per-draw running totals in arrival order: (before each applicant, after it)."""
        after = np.empty_like(values, dtype=np.float64)
        bounds = self.offsets.tolist()
        for start, stop in itertools.pairwise(bounds):
            if stop > start:
                np.cumsum(values[start:stop], out=after[start:stop])
        before = np.empty_like(after)
        before[1:] = after[:-1]
        before[self.offsets[:-1][self.counts > 0]] = 0.0
        return before, after

    def first(self, mask: NDArray[np.bool_]) -> NDArray[np.int64]:
        """Flat index of the first element of each draw where ``mask`` holds, or -1.

        ``mask`` must be monotone within each draw (False… then True…), as it is for a running
        total passing a threshold.
        """
        before = self.count(~mask)
        return np.where(before < self.counts, self.offsets[:-1] + before, -1)
