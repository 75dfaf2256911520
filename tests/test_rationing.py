"""Rationing and segment kernels: exact cases and property tests on random inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from budgetsim.rationing import RATIONING, Claims, Payout, Rationing
from budgetsim.segments import Segments

NOTHING = {"rule": "fcfs", "boundary": "nothing"}


def run(rule: str | dict, ent: list[float], counts: list[int], available: list[float]) -> Payout:
    spec = TypeAdapter(Rationing).validate_python(rule)
    claims = Claims(
        np.asarray(ent, dtype=float),
        Segments(np.asarray(counts)),
        np.asarray(available, dtype=float),
    )
    return RATIONING[spec.rule](spec, claims)


def test_fcfs_remainder_and_nothing() -> None:
    ent = [4.0, 3.0, 5.0, 1.0]
    out = run("fcfs", ent, [4], [9.0])
    np.testing.assert_array_equal(out.paid, [4.0, 3.0, 2.0, 0.0])
    np.testing.assert_array_equal(out.total, [9.0])
    out = run(NOTHING, ent, [4], [9.0])
    np.testing.assert_array_equal(out.paid, [4.0, 3.0, 0.0, 0.0])
    np.testing.assert_array_equal(out.total, [7.0])  # 额满即止: the 2 left are not paid out


def test_pro_rata_and_uncapped() -> None:
    out = run("pro_rata", [4.0, 6.0, 1.0, 1.0], [2, 2], [5.0, 10.0])
    np.testing.assert_allclose(out.paid, [2.0, 3.0, 1.0, 1.0])
    np.testing.assert_array_equal(out.total, [5.0, 2.0])
    out = run("uncapped", [4.0, 6.0], [2], [np.nan])
    np.testing.assert_array_equal(out.paid, [4.0, 6.0])
    np.testing.assert_array_equal(out.total, [10.0])


def test_empty_draws_and_segment_kernels() -> None:
    for rule in ("fcfs", "pro_rata", "uncapped", NOTHING):
        out = run(rule, [], [0, 0], [1.0, 1.0])
        assert out.paid.shape == (0,)
        np.testing.assert_array_equal(out.total, [0.0, 0.0])
    seg = Segments(np.array([0, 2, 0, 1]))
    values = np.array([1.0, 2.0, 3.0])
    after = seg.cumsum(values)
    np.testing.assert_array_equal(after, [1.0, 3.0, 3.0])
    np.testing.assert_array_equal(seg.sum(values), [0.0, 3.0, 0.0, 3.0])
    np.testing.assert_array_equal(seg.last(after), [0.0, 3.0, 0.0, 3.0])
    np.testing.assert_array_equal(seg.count(np.array([True, False, True])), [0, 1, 0, 1])
    np.testing.assert_array_equal(
        seg.first_above(after, np.array([0, 1.5, 0, 5.0])), [-1, 1, -1, -1]
    )
    np.testing.assert_array_equal(seg.spread(np.array([7, 8, 9, 10])), [8, 8, 10])


# realistic amounts [万元]: nothing, or at least one yuan (subnormal floats are not money)
money = st.one_of(st.just(0.0), st.floats(min_value=1e-4, max_value=1e6))


@st.composite
def claims(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = draw(st.lists(st.integers(0, 12), min_size=1, max_size=6))
    ent = draw(st.lists(money, min_size=sum(counts), max_size=sum(counts)))
    available = draw(st.lists(money, min_size=len(counts), max_size=len(counts)))
    return np.asarray(ent, dtype=float), np.asarray(counts), np.asarray(available, dtype=float)


RULES = ["fcfs", NOTHING, "pro_rata"]


@pytest.mark.parametrize("rule", RULES, ids=["fcfs", "fcfs-nothing", "pro_rata"])
@settings(max_examples=300, deadline=None)
@given(case=claims())
def test_invariants(rule: str | dict, case: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    ent, counts, available = case
    out = run(rule, ent, counts, available)
    seg = Segments(counts)
    assert np.all(out.paid >= 0)
    assert np.all(out.paid <= ent)
    assert np.all(out.total <= available)  # exactly: totals are defined, not re-summed
    # the stated total is what the applicants were paid, up to rounding
    np.testing.assert_allclose(seg.sum(out.paid), out.total, rtol=1e-12, atol=1e-9)
    demand = seg.sum(ent)
    short = demand > available
    np.testing.assert_allclose(out.total[~short], demand[~short], rtol=1e-12)
    if rule != NOTHING:  # nothing is left while claims go unpaid
        np.testing.assert_array_equal(out.total[short], available[short])


@settings(max_examples=300, deadline=None)
@given(case=claims())
def test_fcfs_pays_a_prefix_of_the_arrival_order(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    ent, counts, available = case
    paid = run("fcfs", ent, counts, available).paid
    seg = Segments(counts)
    for start, stop in zip(seg.offsets[:-1], seg.offsets[1:], strict=True):
        full = paid[start:stop] >= ent[start:stop]
        claimed = ent[start:stop] > 0
        # once a claimant is not paid in full, no later claimant is paid anything
        short = np.flatnonzero(claimed & ~full)
        if short.size:
            assert np.all(paid[start:stop][short[0] + 1 :] == 0)


@settings(max_examples=200, deadline=None)
@given(case=claims())
def test_pro_rata_is_proportional(case: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    ent, counts, available = case
    paid = run("pro_rata", ent, counts, available).paid
    seg = Segments(counts)
    ratio = np.where(ent > 0, paid / np.where(ent > 0, ent, 1), np.nan)
    for start, stop in zip(seg.offsets[:-1], seg.offsets[1:], strict=True):
        r = ratio[start:stop][~np.isnan(ratio[start:stop])]
        if r.size:
            np.testing.assert_allclose(r, r[0], rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(case=claims())
def test_segment_kernels_match_per_draw_loops(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    ent, counts, available = case
    seg = Segments(counts)
    after = seg.cumsum(ent)
    first = seg.first_above(after, available)
    mask = ent > 1
    for i, (start, stop) in enumerate(zip(seg.offsets[:-1], seg.offsets[1:], strict=True)):
        part = ent[start:stop]
        np.testing.assert_array_equal(after[start:stop], np.cumsum(part))
        assert seg.sum(ent)[i] == pytest.approx(part.sum(), rel=1e-12)
        assert seg.count(mask)[i] == np.count_nonzero(mask[start:stop])
        over = np.flatnonzero(np.cumsum(part) > available[i])
        assert first[i] == (start + over[0] if over.size else -1)
