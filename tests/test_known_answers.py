"""Known-answer tests: simulated figures against closed forms, within Monte Carlo error.

Each tolerance is ``Z`` standard errors of the estimate, the standard error being computed
from the binomial formula or from the sample itself. With Z = 5 a correct engine fails a given
check about once in 3.5 million runs; the seeds are fixed, so the tests are deterministic.
"""

import numpy as np
import pytest
from scipy import stats

import budgetsim
from tests.conftest import toy

Z = 5.0
DRAWS = 20_000


def test_fcfs_exhaustion_probability_matches_poisson_tail() -> None:
    # Poisson(50) applicants a year, a fixed grant of 1, 40 a year, no partial payment:
    # the money runs out exactly when more than 40 apply.
    sc = toy(programmes__grant__rationing={"rule": "fcfs", "boundary": "nothing"})
    res = budgetsim.simulate(sc, draws=DRAWS, seed=11)
    exhausted = res.exhausted.sel(programme="grant").values.ravel()  # 3 independent years
    p = stats.poisson.sf(40, 50)
    assert abs(exhausted.mean() - p) < Z * np.sqrt(p * (1 - p) / exhausted.size)


def test_exhaustion_month_matches_poisson_process() -> None:
    # Arrivals uniform over the year form a Poisson process: the money (40 grants) is gone
    # by the end of month m exactly when more than 40 arrived by then, Poisson(50 m / 12).
    sc = toy(programmes__grant__rationing={"rule": "fcfs", "boundary": "nothing"})
    res = budgetsim.simulate(sc, draws=DRAWS, seed=12)
    months = res["exhaustion_month"].sel(programme="grant").values.ravel()
    for m in (8, 10, 11, 12):
        p = stats.poisson.sf(40, 50 * m / 12)
        observed = np.mean((months >= 1) & (months <= m))  # 0: the money lasted
        assert abs(observed - p) < Z * np.sqrt(p * (1 - p) / months.size), m


def test_application_window_bounds_the_exhaustion_month() -> None:
    sc = toy(populations__firms__timing={"kind": "window", "start_month": 9, "end_month": 10})
    res = budgetsim.simulate(sc, draws=2_000, seed=5)
    months = res["exhaustion_month"].values
    hit = months[months > 0]
    assert hit.size > 0
    assert set(np.unique(hit)) <= {9.0, 10.0}


@pytest.mark.parametrize(
    "arrivals",
    [
        {"dist": "poisson", "mean": 50, "assumption": "t"},
        {"dist": "negative_binomial", "mean": 50, "dispersion": 0.1, "assumption": "t"},
    ],
)
def test_pro_rata_mean_paid_is_expected_min_of_budget_and_demand(arrivals: dict) -> None:
    sc = toy(programmes__grant__rationing="pro_rata", populations__firms__arrivals=arrivals)
    res = budgetsim.simulate(sc, draws=DRAWS, seed=13)
    paid = res.paid.sel(programme="grant").values.ravel()
    n = np.arange(0, 400)
    if arrivals["dist"] == "poisson":
        pmf = stats.poisson.pmf(n, 50)
    else:
        r = 1 / 0.1
        pmf = stats.nbinom.pmf(n, r, r / (r + 50))
    expected = float(np.sum(pmf * np.minimum(40.0, 1.0 * n)))  # E[min(B, S)], S = grant × N
    assert abs(paid.mean() - expected) < Z * paid.std(ddof=1) / np.sqrt(paid.size)


def test_capped_proportional_mean_entitlement_is_lognormal_partial_expectation() -> None:
    median, sigma, rate, cap = 10.0, 0.8, 0.5, 6.0
    sc = toy(
        populations__firms__arrivals={"dist": "fixed", "mean": 200, "assumption": "t"},
        populations__firms__attributes={
            "x": {"dist": "lognormal", "median": median, "sigma": sigma, "assumption": "t"}
        },
        programmes__grant__instrument={
            "kind": "proportional",
            "base": "x",
            "rate": rate,
            "cap": cap,
            "source": "t",
        },
        programmes__grant__rationing="uncapped",
        programmes__grant__envelope=None,
    )
    res = budgetsim.simulate(sc, draws=5_000, seed=14)
    per_firm = res.demand.sel(programme="grant").values.ravel() / 200
    mu, k = np.log(median), cap / rate
    below = np.exp(mu + sigma**2 / 2) * stats.norm.cdf((np.log(k) - mu - sigma**2) / sigma)
    expected = rate * below + cap * stats.norm.sf((np.log(k) - mu) / sigma)
    assert abs(per_firm.mean() - expected) < Z * per_firm.std(ddof=1) / np.sqrt(per_firm.size)


def test_uncapped_mean_demand_is_mean_arrivals_times_mean_entitlement() -> None:
    sc = toy(
        populations__firms__arrivals={
            "dist": "negative_binomial",
            "mean": [30, 60, 90],
            "dispersion": 0.05,
            "assumption": "t",
        },
        programmes__grant__instrument={
            "kind": "proportional",
            "base": "x",
            "rate": 1.0,
            "source": "t",
        },
        programmes__grant__rationing="uncapped",
        programmes__grant__envelope=None,
    )
    res = budgetsim.simulate(sc, draws=DRAWS, seed=15)
    demand = res.demand.sel(programme="grant").values
    expected = np.array([30, 60, 90]) * 10 * np.exp(0.5**2 / 2)
    se = demand.std(axis=0, ddof=1) / np.sqrt(DRAWS)
    np.testing.assert_array_less(np.abs(demand.mean(axis=0) - expected), Z * se)
    np.testing.assert_array_equal(res.paid.values, res.demand.values)
    assert not res.exhausted.values.any()


def test_batch_deadline_admits_the_poisson_thinned_arrivals() -> None:
    # Uniform arrivals, Poisson(50) a year; only those arriving by end-October are accepted:
    # Poisson(50 × 10/12). A grant of 1 from 40 runs out exactly when more than 40 are
    # accepted, and then in the deadline month.
    sc = toy(programmes__grant__rationing={"rule": "batch", "deadline_month": 10})
    res = budgetsim.simulate(sc, draws=DRAWS, seed=21)
    months = res["exhaustion_month"].sel(programme="grant").values.ravel()
    assert set(np.unique(months)) <= {0, 10}
    p = stats.poisson.sf(40, 50 * 10 / 12)
    assert abs((months == 10).mean() - p) < Z * np.sqrt(p * (1 - p) / months.size)
    claimants = res["claimants"].sel(programme="grant").values.ravel()
    lam = 50 * 10 / 12
    assert abs(claimants.mean() - lam) < Z * np.sqrt(lam / claimants.size)


def test_lottery_covers_like_fcfs_but_picks_at_random() -> None:
    # Fixed grants: a lottery pays min(N, 40) applicants, like first-come-first-served, but the
    # month in which the claims pass the money is not the lottery's business: it pays at once.
    lottery = toy(programmes__grant__rationing={"rule": "lottery"})
    fcfs = toy(programmes__grant__rationing={"rule": "fcfs", "boundary": "nothing"})
    a = budgetsim.simulate(lottery, draws=2_000, seed=22)
    b = budgetsim.simulate(fcfs, draws=2_000, seed=22)
    np.testing.assert_array_equal(a["paid_any"].values, b["paid_any"].values)
    np.testing.assert_array_equal(a.paid.values, b.paid.values)
    again = budgetsim.simulate(lottery, draws=2_000, seed=22, chunk_draws=7)
    assert a.dataset.equals(again.dataset)


def test_arrival_month_in_expressions_thins_the_arrivals() -> None:
    # Applicants arriving in January–June only: Poisson(50 × 6/12) claimants a year.
    res = budgetsim.simulate(toy(programmes__grant__eligible="month <= 6"), draws=4_000, seed=23)
    claimants = res["claimants"].sel(programme="grant").values.ravel()
    assert abs(claimants.mean() - 25) < Z * np.sqrt(25 / claimants.size)
