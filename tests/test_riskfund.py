"""Credit risk reserve funds: Vasicek and binomial known answers, conservation, rules."""

from typing import Any

import numpy as np
import pytest
from scipy import stats

import budgetsim
from budgetsim.riskfund import RiskFund, RiskFundPlan, conditional_pd, vasicek_quantile
from tests.conftest import binomial_band, central_moments, toy, variance_se

Z = 5.0


def fixed(value: float) -> dict[str, Any]:
    return {"dist": "fixed", "value": value, "assumption": "t"}


def fund(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "label": "reserve",
        "source": "t",
        "balance": 1000,
        "volume": fixed(20_000),
        "loan_size": fixed(100),
        "pd": fixed(0.02),
        "rho": 0.15,
        "lgd": fixed(0.5),
        "share": 0.4,
    }
    spec.update(changes)
    return spec


def run(draws: int, seed: int, years: list[int] | None = None, **changes: Any) -> Any:
    extra = {} if years is None else {"scenario__years": years}
    if years is not None:
        extra["programmes__grant__envelope"] = {"per_year": 40, "source": "t"}
    sc = toy(riskfunds={"reserve": fund(**changes)}, **extra)
    return budgetsim.simulate(sc, draws=draws, seed=seed)


def test_large_portfolio_losses_follow_the_vasicek_quantiles() -> None:
    # 200,000 loans of 1, PD 2 %, ρ 0.15, LGD 1: the default rate K/N is p(Z), whose
    # quantiles are Φ((Φ⁻¹(PD) + √ρ Φ⁻¹(q)) / √(1 − ρ)). Check the empirical CDF there.
    res = run(4_000, 31, volume=fixed(200_000), loan_size=fixed(1), lgd=fixed(1.0))
    ds = res.riskfunds["reserve"]
    rate = (ds["defaults"] / ds["loans"]).values.ravel()
    assert (ds["loans"].values == 200_000).all()
    for q in (0.1, 0.5, 0.9, 0.99):
        level = vasicek_quantile(0.02, 0.15, np.array([q]))[0]
        observed = np.mean(rate <= level)
        low, high = binomial_band(q, rate.size, Z)  # exact: q = 0.99 is near 1
        assert low <= observed <= high, q
    # and the loss is the default count × size × LGD
    np.testing.assert_allclose(ds["principal_loss"].values, ds["defaults"].values)


def test_without_correlation_defaults_are_binomial() -> None:
    res = run(6_000, 32, rho=0.0)
    k = res.riskfunds["reserve"]["defaults"].values.ravel()
    n, p = 200, 0.02  # 20,000 of loans of 100
    assert abs(k.mean() - n * p) < Z * np.sqrt(n * p * (1 - p) / k.size)
    # the variance of a binomial, not of a mixture; the SE of a sample variance takes the
    # binomial's own fourth central moment (a skewed count: not the normal 2σ⁴/(m − 1))
    var, mu4 = central_moments(stats.binom(n, p))
    assert abs(k.var(ddof=1) - var) < Z * variance_se(mu4, var, k.size)
    for x in (1, 4, 7):
        low, high = binomial_band(stats.binom.cdf(x, n, p), k.size, Z)  # exact near 0 and 1
        assert low <= np.mean(k <= x) <= high, x


def test_money_is_conserved_and_the_balance_never_goes_negative() -> None:
    res = run(
        2_000,
        33,
        pd={"dist": "beta", "alpha": 2, "beta": 20, "assumption": "t"},
        lgd={"dist": "beta", "alpha": 7, "beta": 3, "assumption": "t"},
        loan_size={
            "dist": "lognormal",
            "median": 80,
            "sigma": 0.8,
            "upper": 500,
            "assumption": "t",
        },
        replenish=[0, 200, 200],
        lag_months=[3, 15],
    )
    ds = res.riskfunds["reserve"]
    end, paid = ds["balance_end"].values, ds["claims_paid"].values
    start = np.concatenate([np.full((end.shape[0], 1), 1000.0), end[:, :-1]], axis=1)
    np.testing.assert_allclose(end, start + ds["replenished"].values - paid, atol=1e-6)
    assert (end >= -1e-9).all()
    assert (paid <= ds["claims_due"].values + 1e-9).all()
    unpaid = ds["unpaid"].values.sum(axis=1)
    depleted = ds["depletion_month"].values > 0
    assert depleted.any()
    np.testing.assert_array_equal(depleted, unpaid > 1e-9)
    # once depleted, the balance is (close to) empty at the end of that year
    year = (ds["depletion_month"].values[depleted] - 1) // 12
    assert (end[depleted, year] < 1e-6 + ds["replenished"].values[depleted, year]).all()
    summary = res.riskfund_summary()
    assert (np.diff(summary["p_depleted"].values) >= 0).all()
    assert summary["p_depleted"].iloc[-1] == pytest.approx(depleted.mean())


def test_claims_wait_for_their_lag() -> None:
    # all claims are paid 12 months after default: nothing in the first year
    res = run(300, 34, lag_months=[12, 12])
    ds = res.riskfunds["reserve"]
    assert (ds["claims_due"].values[:, 0] == 0).all()
    assert (ds["due_after"].values > 0).any()


def test_a_bank_over_the_loss_threshold_enrols_nothing_next_year() -> None:
    res = run(500, 35, suspend_above=1e-9, banks=1)
    ds = res.riskfunds["reserve"]
    lost = ds["principal_loss"].values[:, :-1] > 0
    assert lost.any()
    assert (ds["volume"].values[:, 1:][lost] == 0).all()
    assert (ds["volume"].values[:, 1:][~lost] == 20_000).all()


def test_leverage_cap_bounds_the_volume() -> None:
    res = run(500, 36, leverage_cap=10)
    ds = res.riskfunds["reserve"]
    assert (ds["volume"].values <= 10 * ds["balance_start"].values + 1e-9).all()
    assert ds["volume"].values[:, 0].max() == pytest.approx(10_000)


def test_tiered_share_by_loan_size() -> None:
    spec = RiskFund.model_validate(
        fund(
            share=None,
            tiers=[{"up_to": 500, "share": 0.4}, {"up_to": 1500, "share": 0.3}, {"share": 0.2}],
        ),
        context={"years": [2021], "unit": "万元"},
    )
    plan = RiskFundPlan.build("reserve", spec, 1)
    np.testing.assert_allclose(
        plan.share(np.array([100, 500, 501, 1500, 3000.0])), [0.4, 0.4, 0.3, 0.3, 0.2]
    )


@pytest.mark.parametrize("chunk", [1, 7])
def test_risk_funds_are_chunk_invariant(chunk: int) -> None:
    sc = toy(riskfunds={"reserve": fund(lag_months=[6, 18])})
    a = budgetsim.simulate(sc, draws=60, seed=37, chunk_draws=60)
    b = budgetsim.simulate(sc, draws=60, seed=37, chunk_draws=chunk)
    assert a.riskfunds["reserve"].equals(b.riskfunds["reserve"])


def test_conditional_pd_averages_to_the_pd() -> None:
    z = stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000)
    assert conditional_pd(0.03, 0.2, z).mean() == pytest.approx(0.03, rel=1e-3)


def test_jiangmen_reserve_base_and_stress_variant() -> None:
    base = budgetsim.load_scenario("jiangmen-2021")
    stress = budgetsim.load_scenario("jiangmen-2021@stress")
    assert stress.id == "jiangmen-2021.stress"
    assert stress.riskfunds["credit_reserve"].share == 0.40
    a = budgetsim.simulate(base, draws=1_000, seed=3).riskfund_summary()
    b = budgetsim.simulate(stress, draws=1_000, seed=3).riskfund_summary()
    assert a["p_depleted"].iloc[-1] < 0.02
    assert b["p_depleted"].iloc[-1] > a["p_depleted"].iloc[-1] + 0.1


def test_unknown_variant_is_a_clear_error() -> None:
    with pytest.raises(budgetsim.ScenarioError, match=r"no variant 'strss'.*did you mean 'stress'"):
        budgetsim.load_scenario("jiangmen-2021@strss")
