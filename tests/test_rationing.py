"""Rationing and segment kernels: exact cases and property tests on random inputs."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from budgetsim.rationing import RATIONING, Claims, Payout, Rationing
from budgetsim.segments import Segments

NOTHING = {"rule": "fcfs", "boundary": "nothing"}


def per_draw_sum(seg: Segments, values: np.ndarray) -> np.ndarray:
    """An independent re-summation per draw, to check the totals the rules state."""
    return np.bincount(seg.row, weights=values, minlength=seg.draws)


def run(
    rule: str | dict,
    ent: list[float],
    counts: list[int],
    available: list[float],
    score: list[float] | None = None,
) -> Payout:
    spec = TypeAdapter(Rationing).validate_python(rule)
    claims = Claims(
        np.asarray(ent, dtype=float),
        Segments(np.asarray(counts)),
        np.asarray(available, dtype=float),
        {}
        if score is None
        else {"score": np.asarray(score, dtype=float), "lot": np.asarray(score, dtype=float)},
    )
    return RATIONING[spec.rule](spec, claims)


RANKED = {"rule": "ranked", "score": "merit"}


def test_fcfs_remainder_and_nothing() -> None:
    ent = [4.0, 3.0, 5.0, 1.0]
    out = run("fcfs", ent, [4], [9.0])
    np.testing.assert_array_equal(out.paid, [4.0, 3.0, 2.0, 0.0])
    np.testing.assert_array_equal(out.total, [9.0])
    out = run(NOTHING, ent, [4], [9.0])
    np.testing.assert_array_equal(out.paid, [4.0, 3.0, 0.0, 0.0])
    np.testing.assert_array_equal(out.total, [7.0])  # 额满即止: the 2 left are not paid out


def test_ranked_pays_the_best_scores_first() -> None:
    # 择优: scores 1, 3, 2 with 4 each and 6 available → the best (3) in full, the next (2)
    # gets the remaining 2, the last nothing; a second draw has room for everyone.
    out = run(RANKED, [4.0, 4.0, 4.0, 1.0, 2.0], [3, 2], [6.0, 9.0], [1, 3, 2, 5, 5])
    np.testing.assert_array_equal(out.paid, [0.0, 4.0, 2.0, 1.0, 2.0])
    np.testing.assert_array_equal(out.total, [6.0, 3.0])
    out = run({**RANKED, "boundary": "nothing"}, [4.0, 4.0, 4.0], [3], [6.0], [1, 3, 2])
    np.testing.assert_array_equal(out.paid, [0.0, 4.0, 0.0])
    np.testing.assert_array_equal(out.total, [4.0])
    # ties keep arrival order
    out = run(RANKED, [4.0, 4.0], [2], [4.0], [7, 7])
    np.testing.assert_array_equal(out.paid, [4.0, 0.0])


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
    np.testing.assert_array_equal(per_draw_sum(seg, values), [0.0, 3.0, 0.0, 3.0])
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


LOTTERY = {"rule": "lottery", "boundary": "nothing"}
BATCH = {"rule": "batch", "deadline_month": 10}
BATCH_RANKED = {**BATCH, "then": "ranked", "score": "merit"}
RULES = [
    "fcfs",
    NOTHING,
    "pro_rata",
    RANKED,
    {**RANKED, "boundary": "nothing"},
    LOTTERY,
    {**LOTTERY, "boundary": "remainder"},
    BATCH,
    BATCH_RANKED,
]
IDS = [
    "fcfs",
    "fcfs-nothing",
    "pro_rata",
    "ranked",
    "ranked-nothing",
    "lottery",
    "lottery-remainder",
    "batch",
    "batch-ranked",
]


@pytest.mark.parametrize("rule", RULES, ids=IDS)
@settings(max_examples=300, deadline=None)
@given(case=claims(), data=st.data())
def test_invariants(
    rule: str | dict, case: tuple[np.ndarray, np.ndarray, np.ndarray], data: st.DataObject
) -> None:
    ent, counts, available = case
    score = data.draw(st.lists(st.integers(0, 5), min_size=ent.size, max_size=ent.size))
    out = run(rule, ent, counts, available, score)
    seg = Segments(counts)
    assert np.all(out.paid >= 0)
    assert np.all(out.paid <= ent)
    assert np.all(out.total <= available)  # exactly: totals are defined, not re-summed
    # the stated total is what the applicants were paid, up to rounding
    np.testing.assert_allclose(per_draw_sum(seg, out.paid), out.total, rtol=1e-12, atol=1e-9)
    demand = per_draw_sum(seg, ent)
    short = demand > available
    np.testing.assert_allclose(out.total[~short], demand[~short], rtol=1e-12)
    if not (isinstance(rule, dict) and rule.get("boundary") in ("nothing", "skip")):
        # nothing is left while claims go unpaid
        np.testing.assert_array_equal(out.total[short], available[short])


@settings(max_examples=300, deadline=None)
@given(case=claims(), data=st.data())
def test_ranked_never_pays_a_lower_score_before_a_higher_one(
    case: tuple[np.ndarray, np.ndarray, np.ndarray], data: st.DataObject
) -> None:
    ent, counts, available = case
    score = np.asarray(
        data.draw(st.lists(st.integers(0, 5), min_size=ent.size, max_size=ent.size)), dtype=float
    )
    paid = run(RANKED, ent, counts, available, list(score)).paid
    seg = Segments(counts)
    for start, stop in itertools.pairwise(seg.offsets.tolist()):
        e, p, sc = ent[start:stop], paid[start:stop], score[start:stop]
        short = (e > 0) & (p < e)
        if short.any():
            # every claimant ranked above a short one was paid in full
            worst_short = sc[short].max()
            assert np.all(p[(sc > worst_short) & (e > 0)] == e[(sc > worst_short) & (e > 0)])


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
        assert per_draw_sum(seg, ent)[i] == pytest.approx(part.sum(), rel=1e-12)
        assert seg.count(mask)[i] == np.count_nonzero(mask[start:stop])
        over = np.flatnonzero(np.cumsum(part) > available[i])
        assert first[i] == (start + over[0] if over.size else -1)


def test_lottery_pays_in_the_order_of_the_lots() -> None:
    # one draw, four applicants of 10 each, 25 available: the two best lots win, whole
    out = run(LOTTERY, [10, 10, 10, 10], [4], [25], score=[0.2, 0.9, 0.1, 0.5])
    np.testing.assert_array_equal(out.paid, [0, 10, 0, 10])
    assert out.total.tolist() == [20.0]


def test_batch_decides_at_the_deadline() -> None:
    out = run(BATCH, [10, 10, 10, 0, 5], [3, 2], [15, 100])
    np.testing.assert_allclose(out.paid, [5, 5, 5, 0, 5])
    assert out.month is not None
    assert out.month.tolist() == [10, 0]
    ranked = run(BATCH_RANKED, [10, 10, 10], [3], [15], score=[1, 3, 2])
    np.testing.assert_allclose(ranked.paid, [0, 10, 5])


def test_a_batch_needs_a_score_exactly_when_ranked() -> None:
    adapter = TypeAdapter(Rationing)
    with pytest.raises(ValueError, match="score goes with"):
        adapter.validate_python({**BATCH, "then": "ranked"})
    with pytest.raises(ValueError, match="score goes with"):
        adapter.validate_python({**BATCH, "score": "merit"})


def test_skip_passes_over_a_claim_that_does_not_fit() -> None:
    # ranked 10 (best), 30, 5 with 20 available: 10 paid, 30 passed over, 5 still paid
    out = run({**RANKED, "boundary": "skip"}, [30, 10, 5], [3], [20], score=[2, 3, 1])
    np.testing.assert_array_equal(out.paid, [0, 10, 5])
    assert out.total.tolist() == [15.0]


@settings(max_examples=300, deadline=None)
@given(case=claims())
def test_skip_is_the_greedy_in_arrival_order(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    ent, counts, available = case
    out = run({"rule": "fcfs", "boundary": "skip"}, ent, counts, available)
    expected = np.zeros_like(ent)
    start = 0
    for count, money in zip(counts, available, strict=True):
        spent = 0.0
        for i in range(start, start + count):  # the naive reference, one claim at a time
            if spent + ent[i] <= money:
                expected[i] = ent[i]
                spent = spent + ent[i]
        start += count
    np.testing.assert_array_equal(out.paid, expected)
