"""Envelope allocation: the LP against brute force over its breakpoints, duals against the
in-sample exhaustion frequency, bounds and total as hypothesis properties, and the scenario
round trip (recommended envelopes run through the engine)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import budgetsim
from budgetsim.optimize import FundBounds, OptimizationError, allocate
from budgetsim.optimize.allocation import allocate_from_demand, with_envelopes
from tests.conftest import toy


def _free(total: float, years: int = 1) -> FundBounds:
    return FundBounds(np.zeros(years), np.full(years, total), 0.0, total, "free")


def test_one_fund_one_year_takes_the_money_and_its_dual_is_the_exhaustion_frequency() -> None:
    rng = np.random.default_rng(1)
    d = rng.gamma(5.0, 20.0, size=(400, 1, 1))
    # the fund may take up to 1000; the total of 90 binds
    envelopes, marginal, total_dual, value, _, _ = allocate_from_demand(
        d, [_free(1000.0)], 90.0, carry_over=[False]
    )
    assert envelopes[0, 0] == pytest.approx(90.0)
    assert value == pytest.approx(np.minimum(d, 90.0).mean())
    # one more unit pays one more in every draw whose demand exceeds the envelope
    assert marginal[0, 0] == pytest.approx((d > 90.0).mean(), abs=1e-6)
    assert total_dual == pytest.approx(marginal[0, 0], abs=1e-6)
    # with the fund held to 90 as well, more total buys nothing
    *_, held, _, _, _ = allocate_from_demand(d, [_free(90.0)], 90.0, carry_over=[False])
    assert held == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_two_funds_split_matches_brute_force_over_breakpoints(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = np.stack([rng.gamma(4.0, 10.0, 60), rng.gamma(2.0, 25.0, 60)], axis=1)[:, :, None]
    total = 70.0
    envelopes, *_, value, _, _ = allocate_from_demand(
        d, [_free(total), _free(total)], total, carry_over=[False, False]
    )

    def paid(e1: float) -> float:
        return float(np.minimum(d[:, 0, 0], e1).mean() + np.minimum(d[:, 1, 0], total - e1).mean())

    # the objective is concave and piecewise linear in e1: its maximum is at a breakpoint
    candidates = np.concatenate([d[:, 0, 0], total - d[:, 1, 0], [0.0, total]])
    candidates = candidates[(candidates >= 0) & (candidates <= total)]
    assert value == pytest.approx(max(paid(e) for e in candidates), rel=1e-7)
    assert envelopes.sum() == pytest.approx(total)


def test_carry_over_lets_early_money_pay_later_claims() -> None:
    # demand 0 then 10 in every draw; a total of 10 over two years, all in the first year
    d = np.tile(np.array([[[0.0, 10.0]]]), (5, 1, 1))
    fixed_first = FundBounds(np.array([10.0, 0.0]), np.array([10.0, 0.0]), 10.0, 10.0, "first")
    _, _, _, kept, _, _ = allocate_from_demand(d, [fixed_first], 10.0, carry_over=[True])
    _, _, _, lapsed, _, _ = allocate_from_demand(d, [fixed_first], 10.0, carry_over=[False])
    assert kept == pytest.approx(10.0)
    assert lapsed == pytest.approx(0.0)


def test_among_equal_splits_the_one_closest_to_the_document_wins() -> None:
    d = np.full((10, 1, 2), 5.0)  # never short: every split of 20 pays all 10
    fund = FundBounds(np.zeros(2), np.full(2, 20.0), 20.0, 20.0, "total")
    envelopes, *_ = allocate_from_demand(
        d, [fund], 20.0, carry_over=[True], reference=np.array([[12.0, 8.0]])
    )
    np.testing.assert_allclose(envelopes, [[12.0, 8.0]], atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 12),
    funds=st.integers(1, 3),
    years=st.integers(1, 3),
    seed=st.integers(0, 1000),
    objective=st.sampled_from(["paid", "fill"]),
)
def test_allocation_never_exceeds_the_total_or_any_bound(
    k: int, funds: int, years: int, seed: int, objective: str
) -> None:
    rng = np.random.default_rng(seed)
    d = rng.gamma(2.0, 10.0, size=(k, funds, years)) * rng.integers(0, 2, size=(k, funds, years))
    bounds, floor = [], 0.0
    for _ in range(funds):
        kind = rng.integers(0, 3)
        if kind == 0:  # fixed per year
            a = rng.uniform(0, 20, years).round(2)
            b = FundBounds(a, a, float(a.sum()), float(a.sum()), "fixed")
        elif kind == 1:  # a range for the sum
            lo = float(rng.uniform(0, 20))
            b = FundBounds(np.zeros(years), np.full(years, 1e3), lo, lo + 15.0, "range")
        else:
            b = FundBounds(np.zeros(years), np.full(years, 1e3), 0.0, 1e3, "free")
        floor += max(b.total_low, float(b.year_low.sum()))
        bounds.append(b)
    total = floor + float(rng.uniform(0, 30))
    carry = list(rng.integers(0, 2, funds).astype(bool))
    envelopes, *_ = allocate_from_demand(
        d,
        bounds,
        total,
        carry_over=carry,
        objective=objective,  # type: ignore[arg-type]
    )
    tol = 1e-6 * max(1.0, total)
    assert envelopes.sum() <= total + tol
    for e, b in zip(envelopes, bounds, strict=True):
        assert (e >= b.year_low - tol).all()
        assert (e <= b.year_high + tol).all()
        assert b.total_low - tol <= e.sum() <= b.total_high + tol


def test_conflicting_bounds_are_named() -> None:
    fixed = FundBounds(np.full(1, 60.0), np.full(1, 60.0), 60.0, 60.0, "rd_reward (fixed per year)")
    with pytest.raises(OptimizationError, match=r"more than the total 50 to split \(rd_reward"):
        allocate_from_demand(np.ones((3, 1, 1)), [fixed], 50.0, carry_over=[False])


def _two_programmes() -> budgetsim.Scenario:
    return toy(
        programmes__grant__rationing="pro_rata",
        programmes__grant__envelope={"total": 120, "source": "test"},
        programmes__grant__carry_over=True,
        programmes__other={
            "label": "other",
            "source": "test",
            "population": "firms",
            "instrument": {"kind": "fixed", "amount": 1, "source": "test"},
            "rationing": "pro_rata",
            "envelope": {"total": "60-120", "source": "test"},
        },
    )


def test_allocate_judges_the_split_on_fresh_draws_through_the_engine() -> None:
    sc = _two_programmes()
    res = allocate(sc, draws=200, validation_draws=400, seed=4)
    t = res.table
    assert set(t["fund"]) == {"grant", "other"}
    assert t["recommended"].sum() <= res.total + 1e-6
    assert t.loc[t["fund"] == "grant", "recommended"].sum() == pytest.approx(120.0)
    assert 60.0 - 1e-6 <= t.loc[t["fund"] == "other", "recommended"].sum() <= 120.0 + 1e-6
    # paired difference on common random numbers
    assert res.gain.mean == pytest.approx(res.recommended.mean - res.document.mean)
    assert res.gain.low <= res.gain.mean <= res.gain.high


def test_recommended_envelopes_run_through_the_engine() -> None:
    sc = _two_programmes()
    changed = with_envelopes(sc, {"other": np.array([10.0, 20.0, 30.0])}, "test")
    res = budgetsim.simulate(changed, draws=10, seed=1)
    np.testing.assert_allclose(res.dataset["envelope"].sel(programme="other"), [10, 20, 30])
    assert changed.programmes["other"].envelope.assumption == "test"  # type: ignore[union-attr]


def test_unknown_funds_and_priorities_are_refused() -> None:
    with pytest.raises(OptimizationError, match="unknown fund"):
        allocate(_two_programmes(), free=["nope"], draws=10, validation_draws=10)
    with pytest.raises(OptimizationError, match="priority for unknown"):
        allocate(_two_programmes(), priority={"nope": 2}, draws=10, validation_draws=10)
