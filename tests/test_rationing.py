"""Rationing and segment kernels: exact cases and property tests on random inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from budgetsim.rationing import RATIONING, Claims, Rationing
from budgetsim.segments import Segments


def run(
    rule: str | dict, ent: list[float], counts: list[int], available: list[float]
) -> np.ndarray:
    spec = TypeAdapter(Rationing).validate_python(rule)
    claims = Claims(
        np.asarray(ent, dtype=float),
        Segments(np.asarray(counts)),
        np.asarray(available, dtype=float),
    )
    return RATIONING[spec.rule](spec, claims)


def test_fcfs_remainder_and_nothing() -> None:
    ent = [4.0, 3.0, 5.0, 1.0]
    np.testing.assert_array_equal(run("fcfs", ent, [4], [9.0]), [4.0, 3.0, 2.0, 0.0])
    nothing = {"rule": "fcfs", "boundary": "nothing"}
    np.testing.assert_array_equal(run(nothing, ent, [4], [9.0]), [4.0, 3.0, 0.0, 0.0])


def test_pro_rata_and_uncapped() -> None:
    np.testing.assert_allclose(
        run("pro_rata", [4.0, 6.0, 1.0, 1.0], [2, 2], [5.0, 10.0]), [2.0, 3.0, 1.0, 1.0]
    )
    np.testing.assert_array_equal(run("uncapped", [4.0, 6.0], [2], [np.nan]), [4.0, 6.0])


def test_empty_draws() -> None:
    for rule in ("fcfs", "pro_rata", "uncapped"):
        assert run(rule, [], [0, 0], [1.0, 1.0]).shape == (0,)
    seg = Segments(np.array([0, 2, 0, 1]))
    before, after = seg.cumsum(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(before, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(after, [1.0, 3.0, 3.0])
    np.testing.assert_array_equal(seg.sum(np.array([1.0, 2.0, 3.0])), [0.0, 3.0, 0.0, 3.0])
    np.testing.assert_array_equal(seg.last(after), [0.0, 3.0, 0.0, 3.0])
    np.testing.assert_array_equal(seg.count(np.array([True, False, True])), [0, 1, 0, 1])
    np.testing.assert_array_equal(seg.first(np.array([False, True, True])), [-1, 1, -1, 2])


# realistic amounts [万元]: nothing, or at least one yuan (subnormal floats are not money)
money = st.one_of(st.just(0.0), st.floats(min_value=1e-4, max_value=1e6))


@st.composite
def claims(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = draw(st.lists(st.integers(0, 12), min_size=1, max_size=6))
    ent = draw(st.lists(money, min_size=sum(counts), max_size=sum(counts)))
    available = draw(st.lists(money, min_size=len(counts), max_size=len(counts)))
    return np.asarray(ent, dtype=float), np.asarray(counts), np.asarray(available, dtype=float)


RULES = ["fcfs", {"rule": "fcfs", "boundary": "nothing"}, "pro_rata"]


@pytest.mark.parametrize("rule", RULES, ids=["fcfs", "fcfs-nothing", "pro_rata"])
@settings(max_examples=300, deadline=None)
@given(case=claims())
def test_invariants(rule: str | dict, case: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    ent, counts, available = case
    paid = run(rule, ent, counts, available)
    seg = Segments(counts)
    assert np.all(paid >= 0)
    assert np.all(paid <= ent)
    totals = seg.sum(paid)
    assert np.all(totals <= available * (1 + 1e-12) + 1e-9)
    demand = seg.sum(ent)
    # whoever is short, the money went somewhere: nothing left while claims are unpaid
    short = demand > available
    np.testing.assert_allclose(totals[~short], demand[~short], rtol=1e-12)
    if rule != {"rule": "fcfs", "boundary": "nothing"}:
        np.testing.assert_allclose(totals[short], available[short], rtol=1e-9, atol=1e-6)


@settings(max_examples=300, deadline=None)
@given(case=claims())
def test_fcfs_pays_a_prefix_of_the_arrival_order(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    ent, counts, available = case
    paid = run("fcfs", ent, counts, available)
    seg = Segments(counts)
    for start, stop in zip(seg.offsets[:-1], seg.offsets[1:], strict=True):
        full = paid[start:stop] >= ent[start:stop]
        claimed = ent[start:stop] > 0
        # once a claimant is not paid in full, no later claimant is paid anything
        short = np.flatnonzero(claimed & ~full)
        if short.size:
            later = slice(short[0] + 1, None)
            assert np.all(paid[start:stop][later] == 0)


@settings(max_examples=200, deadline=None)
@given(case=claims())
def test_pro_rata_is_proportional(case: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    ent, counts, available = case
    paid = run("pro_rata", ent, counts, available)
    seg = Segments(counts)
    ratio = np.where(ent > 0, paid / np.where(ent > 0, ent, 1), np.nan)
    for start, stop in zip(seg.offsets[:-1], seg.offsets[1:], strict=True):
        r = ratio[start:stop][~np.isnan(ratio[start:stop])]
        if r.size:
            np.testing.assert_allclose(r, r[0], rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(case=claims())
def test_segment_reductions_match_per_draw_loops(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    ent, counts, _ = case
    seg = Segments(counts)
    before, after = seg.cumsum(ent)
    for i, (start, stop) in enumerate(zip(seg.offsets[:-1], seg.offsets[1:], strict=True)):
        part = ent[start:stop]
        expected = np.cumsum(part)
        np.testing.assert_array_equal(after[start:stop], expected)
        np.testing.assert_array_equal(
            before[start:stop], np.concatenate([[0.0], expected[:-1]]) if part.size else []
        )
        assert seg.sum(ent)[i] == pytest.approx(part.sum(), rel=1e-12)
