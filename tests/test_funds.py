"""Shared funds (资金池), envelopes stated as ranges, and no double-dipping."""

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

import budgetsim
import budgetsim.stats
from budgetsim.funds import FundPlan, ledger
from budgetsim.limits import apply_limit
from tests.conftest import toy

Z = 5.0


def two_programmes(allocation: str, rule: str = "pro_rata", **fund: Any) -> budgetsim.Scenario:
    """Two programmes on one population, sharing a fund of 60 a year."""
    second = {
        "label": "second",
        "source": "t",
        "population": "firms",
        "instrument": {"kind": "fixed", "amount": 0.5, "source": "t"},
        "rationing": rule,
    }
    spec = {
        "label": "pool",
        "source": "t",
        "members": ["grant", "second"],
        "allocation": allocation,
        "envelope": {"per_year": 60, "source": "t"},
        **fund,
    }
    return toy(
        programmes__grant__rationing=rule,
        programmes__grant__envelope=None,
        programmes__second=second,
        funds={"pool": spec},
    )


@pytest.mark.parametrize("allocation", ["priority", "pro_rata"])
@pytest.mark.parametrize("carry_over", [False, True])
def test_fund_conserves_money_in_every_draw(allocation: str, carry_over: bool) -> None:
    sc = two_programmes(allocation, carry_over=carry_over)
    res = budgetsim.simulate(sc, draws=500, seed=3)
    funds = res.fund_summary()
    assert list(funds.index.get_level_values("fund").unique()) == ["pool"]
    available = res.ledger.available[:, res.dataset["fund"].values.tolist().index("pool"), :]
    paid = res.paid.values.sum(axis=1)  # both programmes are members
    assert (paid <= available + 1e-9).all()
    # available(t) = envelope + carry-in, carry-in = unspent of t-1 (or 0 when it lapses)
    unspent = available - paid
    expected_next = 60 + (unspent[:, :-1] if carry_over else 0.0)
    np.testing.assert_allclose(available[:, 1:], expected_next, rtol=0, atol=1e-9)
    np.testing.assert_allclose(available[:, 0], 60.0)
    # the members' payments add up to what the fund reports
    np.testing.assert_allclose(funds["paid_mean"].values, paid.mean(axis=0), rtol=1e-12)


def _by_hand(
    fund: FundPlan, totals: np.ndarray, demand: np.ndarray, paid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fund arithmetic as ``funds.py`` states it, one draw at a time in Python floats:
    money open to each member and in the fund (what ``fund_flow`` returned before the ledger
    replaced it), and the money carried in."""
    envelopes = fund.envelopes(totals)
    n, _, years = paid.shape
    members = np.empty((n, len(fund.members), years))
    available, carried = np.empty((n, years)), np.empty((n, years))
    for k in range(n):
        carry = 0.0
        for t in range(years):
            money = float(envelopes[k, t]) + carry
            need = [float(demand[k, p, t]) for p in fund.members]
            total = need[0]
            for extra in need[1:]:
                total = total + extra
            spent = 0.0
            for i, p in enumerate(fund.members):
                left = money - spent
                if fund.allocation == "pro_rata":
                    left = min(need[i] * (money / total if total > money else 1.0), left)
                members[k, i, t] = left
                spent = spent + float(paid[k, p, t])
            available[k, t], carried[k, t] = money, carry
            carry = max(money - spent, 0.0) if fund.carry_over else 0.0
    return members, available, carried


@pytest.fixture(scope="module")
def jiangmen() -> budgetsim.SimulationResult:
    """Two shared funds, ranged and carry-over envelopes, ranked and pro-rata members."""
    return budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=300, seed=21)


def test_ledger_repeats_the_funds_arithmetic_to_the_bit(
    jiangmen: budgetsim.SimulationResult,
) -> None:
    res = jiangmen
    ds = res.dataset
    assert sum(f.shared for f in res.funds) == 2
    assert any(f.carry_over for f in res.funds)
    assert any(not f.carry_over for f in res.funds)
    book = res.ledger
    capped = set()
    for f, fund in enumerate(res.funds):
        members, available, carried = _by_hand(
            fund, ds["envelope_total"].values[:, f], ds["demand"].values, ds["paid"].values
        )
        np.testing.assert_array_equal(book.available[:, f, :], available)
        np.testing.assert_array_equal(book.carry_in[:, f, :], carried)
        np.testing.assert_array_equal(book.open_to[:, list(fund.members), :], members)
        capped.update(fund.members)
    uncapped = [p for p in range(len(res.programmes)) if p not in capped]
    assert uncapped
    assert np.isnan(book.open_to[:, uncapped, :]).all()
    # the results read it, and derive it once
    np.testing.assert_array_equal(res.available.values, book.open_to)
    assert res.ledger is book


def test_ledger_conserves_every_funds_money(jiangmen: budgetsim.SimulationResult) -> None:
    res = jiangmen
    book, totals, paid = res.ledger, res.dataset["envelope_total"].values, res.paid.values
    for f, fund in enumerate(res.funds):
        spent = paid[:, list(fund.members), :].sum(axis=(1, 2))
        # the envelopes = paid over the horizon + lapsed before its end + unspent at its end
        end = book.unspent[:, f, -1]
        np.testing.assert_allclose(
            totals[:, f], spent + book.lapsed[:, f, :-1].sum(axis=1) + end, rtol=1e-12
        )
        np.testing.assert_array_equal(book.lapsed[:, f, -1], end)  # at the end, all of it lapses
        # each year's unspent money either moves on or lapses
        moved = book.carry_in[:, f, 1:]
        assert fund.carry_over or not moved.any()
        np.testing.assert_allclose(
            book.unspent[:, f, :-1], moved + book.lapsed[:, f, :-1], rtol=0, atol=1e-9
        )


def test_ledger_of_a_fund_that_lapses_and_one_that_carries_over() -> None:
    # the same payments (4, 12, 10) from 10 a year: with carry-over 6 moves on, then 4
    paid = np.array([[[4.0, 12.0, 10.0], [4.0, 8.0, 10.0]]])
    keeps = FundPlan("k", "k", (0,), "priority", True, np.full(3, 10.0), np.full(3, 1 / 3), None,
                     0, False)  # fmt: skip
    lapses = FundPlan("l", "l", (1,), "priority", False, np.full(3, 10.0), np.full(3, 1 / 3),
                      None, 0, False)  # fmt: skip
    book = ledger([keeps, lapses], np.array([[30.0, 30.0]]), paid, paid)
    np.testing.assert_array_equal(book.available[0], [[10, 16, 14], [10, 10, 10]])
    np.testing.assert_array_equal(book.carry_in[0], [[0, 6, 4], [0, 0, 0]])
    np.testing.assert_array_equal(book.unspent[0], [[6, 4, 4], [6, 2, 0]])
    np.testing.assert_array_equal(book.lapsed[0], [[0, 0, 4], [6, 2, 0]])
    np.testing.assert_array_equal(book.open_to[0], book.available[0])
    with pytest.raises(ValueError, match="read-only"):
        book.available[0, 0, 0] = 1.0


def test_priority_fund_pays_the_first_member_first() -> None:
    # grant: Poisson(50) × 1; second: Poisson(50) × 0.5; fund 60 a year, pro-rata within each.
    sc = two_programmes("priority")
    res = budgetsim.simulate(sc, draws=2_000, seed=4)
    demand, paid = res.demand.values, res.paid.values
    first = np.minimum(demand[:, 0], 60.0)
    np.testing.assert_allclose(paid[:, 0], first, rtol=1e-12)
    np.testing.assert_allclose(paid[:, 1], np.minimum(demand[:, 1], 60.0 - first), atol=1e-9)


def test_pro_rata_fund_gives_every_member_the_same_share() -> None:
    sc = two_programmes("pro_rata")
    res = budgetsim.simulate(sc, draws=2_000, seed=5)
    demand, paid = res.demand.values, res.paid.values
    short = demand.sum(axis=1) > 60.0
    ratio = paid / demand
    np.testing.assert_allclose(ratio[:, 0][short], ratio[:, 1][short], rtol=1e-9)
    np.testing.assert_allclose(ratio[~short[:, None].repeat(2, 1)], 1.0)
    # Known answer: both pay the same N ~ Poisson(50) applicants, 1 and 0.5 each, so the fund
    # pays E[min(60, 1.5 N)].
    total = paid.sum(axis=1).ravel()
    n = np.arange(0, 250)
    expected = float((np.minimum(60.0, 1.5 * n) * stats.poisson.pmf(n, 50)).sum())
    se = total.std(ddof=1) / np.sqrt(total.size)
    assert abs(total.mean() - expected) < Z * se


def test_fund_members_report_their_share_not_the_funds_unspent() -> None:
    res = budgetsim.simulate(two_programmes("priority"), draws=50, seed=1)
    summary = res.summary()
    assert summary["envelope"].isna().all()  # members have no envelope of their own
    assert summary["unspent_mean"].isna().all()
    assert (summary["available_mean"] > 0).all()
    assert res.fund_summary()["envelope"].tolist() == [60.0, 60.0, 60.0]


def test_ranged_envelope_is_drawn_per_draw_from_its_distribution() -> None:
    sc = toy(
        programmes__grant__envelope={"total": "100-160", "source": "t"},
        programmes__grant__carry_over=True,
    )
    res = budgetsim.simulate(sc, draws=4_000, seed=6)
    totals = res.dataset["envelope_total"].sel(fund="grant").values
    assert totals.min() >= 100
    assert totals.max() <= 160
    assert stats.kstest(totals, stats.uniform(100, 60).cdf).pvalue > 1e-4
    np.testing.assert_allclose(res.dataset["envelope"].sel(programme="grant").values, 130 / 3)
    # each draw's available money starts from its own total
    available = res["available"].sel(programme="grant").values
    np.testing.assert_allclose(available[:, 0], totals / 3)
    horizon = res.totals().loc["grant"]
    assert abs(horizon["available_mean"] - 130) < Z * 60 / np.sqrt(12 * totals.size)


def test_triangular_range_has_its_mean() -> None:
    envelope = {
        "total": {"low": 90, "high": 180, "dist": "triangular", "mode": 120},
        "source": "t",
    }
    res = budgetsim.simulate(toy(programmes__grant__envelope=envelope), draws=4_000, seed=7)
    totals = res.dataset["envelope_total"].values.ravel()
    dist = stats.triang((120 - 90) / 90, loc=90, scale=90)
    assert abs(totals.mean() - dist.mean()) < Z * dist.std() / np.sqrt(totals.size)


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_ranged_funds_are_chunk_and_worker_invariant(chunk: int) -> None:
    sc = two_programmes("priority", envelope={"total": "120-240", "source": "t"}, carry_over=True)
    ref = budgetsim.simulate(sc, draws=1_100, seed=8, chunk_draws=1_100)
    res = budgetsim.simulate(sc, draws=1_100, seed=8, chunk_draws=chunk)
    assert ref.dataset.equals(res.dataset)


def test_a_range_that_is_one_value_equals_the_fixed_envelope() -> None:
    fixed = budgetsim.simulate(toy(), draws=200, seed=9)
    ranged = budgetsim.simulate(
        toy(programmes__grant__envelope={"total": {"low": 120, "high": 120}, "source": "t"}),
        draws=200,
        seed=9,
    )
    np.testing.assert_array_equal(fixed.paid.values, ranged.paid.values)


#: A second programme paying every applicant of the toy population 2 (the toy grant pays 1).
BETTER = {
    "label": "better",
    "source": "t",
    "population": "firms",
    "instrument": {"kind": "fixed", "amount": 2, "source": "t"},
    "rationing": "uncapped",
}


def test_exclusive_limit_pays_each_applicant_once() -> None:
    # Both programmes pay every applicant: 1 under grant, 2 under better. 从优: only "better".
    limit = {"source": "从优、不重复", "programmes": ["grant", "better"], "exclusive": True}
    sc = toy(programmes__better=BETTER, limits={"one": limit})
    res = budgetsim.simulate(sc, draws=300, seed=10)
    assert (res.demand.sel(programme="grant").values == 0).all()
    np.testing.assert_array_equal(
        res.demand.sel(programme="better").values, 2 * res["claimants"].sel(programme="better")
    )


def test_cumulative_cap_limits_the_sum_per_applicant() -> None:
    limit = {"source": "t", "programmes": ["better", "grant"], "cap": 2.5}
    res = budgetsim.simulate(
        toy(
            programmes__better=BETTER,
            programmes__grant__rationing="uncapped",
            programmes__grant__envelope=None,
            limits={"one": limit},
        ),
        draws=300,
        seed=11,
    )
    claimants = res["claimants"].sel(programme="better").values
    np.testing.assert_allclose(res.demand.sel(programme="grant").values, 0.5 * claimants)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(2, 4), st.integers(0, 30)), elements=st.floats(0, 100)
    ),
    st.booleans(),
    st.none() | st.floats(0, 150),
)
def test_limit_properties(stack: np.ndarray, exclusive: bool, cap: float | None) -> None:
    if not exclusive and cap is None:
        exclusive = True
    ents = list(stack.copy())
    apply_limit(ents, list(range(len(ents))), exclusive, cap)
    after = np.array(ents)
    assert (after >= 0).all()
    assert (after <= stack).all()
    if exclusive:
        assert ((after > 0).sum(axis=0) <= 1).all()
        if cap is None:
            np.testing.assert_array_equal(after.max(axis=0), stack.max(axis=0))
    if cap is not None:
        assert (after.sum(axis=0) <= cap * (1 + 1e-12) + 1e-12).all()


def test_payment_schedule_turns_commitments_into_cash() -> None:
    payment = {"schedule": [0.25, 0.75], "assumption": "t"}
    res = budgetsim.simulate(toy(programmes__grant__payment=payment), draws=300, seed=12)
    paid = res.paid.sel(programme="grant").values
    cash = res["cash"].sel(programme="grant").values
    np.testing.assert_allclose(cash[:, 0], 0.25 * paid[:, 0])
    np.testing.assert_allclose(cash[:, 1:], 0.25 * paid[:, 1:] + 0.75 * paid[:, :-1])
    horizon = res.totals().loc["grant"]
    # money is conserved: cash within the horizon + what falls due after it = commitments
    assert horizon["cash_mean"] + horizon["payable_after_mean"] == pytest.approx(
        horizon["paid_mean"], rel=1e-12
    )
    assert horizon["payable_after_mean"] == pytest.approx(0.75 * paid[:, -1].mean(), rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=st.floats(0, 1e6)
    ),
    st.lists(st.floats(0, 1), min_size=1, max_size=4).filter(lambda w: sum(w) > 0),
)
def test_cash_never_exceeds_commitments(paid: np.ndarray, weights: list[float]) -> None:
    schedule = np.asarray(weights) / sum(weights)
    cash = budgetsim.stats.cash(paid, schedule)
    assert (cash >= 0).all()
    cumulative_cash, cumulative_paid = cash.cumsum(axis=1), paid.cumsum(axis=1)
    assert (cumulative_cash <= cumulative_paid * (1 + 1e-9) + 1e-6).all()
