"""Ragged per-draw operations: vectorised over draws, identical to one running sum per draw."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetsim.segments import Segments


def per_draw_cumsum(seg: Segments, values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape)
    for d in range(seg.draws):
        a, b = seg.offsets[d], seg.offsets[d + 1]
        if b > a:
            np.cumsum(values[a:b], out=out[a:b])
    return out


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(0, 40), min_size=1, max_size=25),
    seed=st.integers(0, 2**32 - 1),
)
def test_cumsum_count_and_first_above_match_a_loop_over_draws(counts: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    seg = Segments(np.array(counts))
    values = rng.lognormal(0, 2, seg.size) * (rng.random(seg.size) < 0.8)
    running = per_draw_cumsum(seg, values)
    np.testing.assert_array_equal(seg.cumsum(values), running)  # bit for bit
    every = np.arange(seg.draws)  # the one-draw-at-a-time path, as for long segments
    np.testing.assert_array_equal(seg.cumsum(values, np.empty(seg.size), every), running)
    mask = values > 1
    expected = [
        np.count_nonzero(mask[a:b]) for a, b in zip(seg.offsets, seg.offsets[1:], strict=False)
    ]
    np.testing.assert_array_equal(seg.count(mask), expected)
    limits = rng.uniform(0, running.max() if running.size else 1.0, seg.draws)
    first = np.full(seg.draws, -1)
    for d in range(seg.draws):
        a, b = seg.offsets[d], seg.offsets[d + 1]
        if b > a and running[b - 1] > limits[d]:
            first[d] = a + np.searchsorted(running[a:b], limits[d], "right")
    np.testing.assert_array_equal(seg.first_above(running, limits), first)
