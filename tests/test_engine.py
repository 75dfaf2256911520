"""Engine behaviour: reproducibility, common random numbers, carry-over, errors, results."""

import numpy as np
import pytest
import xarray as xr

import budgetsim
from budgetsim.errors import BudgetsimError, SimulationError
from tests.conftest import toy

SECOND = {
    "label": "second",
    "source": "t",
    "population": "firms",
    "eligible": "x > 8",
    "instrument": {"kind": "proportional", "base": "x", "rate": 0.5, "cap": 6, "source": "t"},
    "rationing": "pro_rata",
    "envelope": {"total": 300, "split": [1, 2, 3], "source": "t"},
    "carry_over": True,
}


def two_programmes() -> budgetsim.Scenario:
    return toy(programmes__second=SECOND)


def assert_identical(a: xr.Dataset, b: xr.Dataset) -> None:
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


@pytest.mark.parametrize("chunk", [7, 1000])
def test_same_seed_same_results_whatever_the_chunk_size(chunk: int) -> None:
    sc = two_programmes()
    one = budgetsim.simulate(sc, draws=60, seed=3, chunk_draws=1)
    other = budgetsim.simulate(sc, draws=60, seed=3, chunk_draws=chunk)
    assert_identical(one.dataset, other.dataset)


def test_default_scenario_is_chunk_invariant() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    a = budgetsim.simulate(sc, draws=14, seed=9, chunk_draws=1)
    b = budgetsim.simulate(sc, draws=14, seed=9, chunk_draws=7)
    assert_identical(a.dataset, b.dataset)


def test_workers_give_identical_results() -> None:
    sc = two_programmes()
    one = budgetsim.simulate(sc, draws=400, seed=4, chunk_draws=50)
    two = budgetsim.simulate(sc, draws=400, seed=4, chunk_draws=50, workers=2)
    assert_identical(one.dataset, two.dataset)


def test_seeds_matter_and_entropy_repeats_a_run() -> None:
    sc = toy()
    a = budgetsim.simulate(sc, draws=50, seed=1)
    b = budgetsim.simulate(sc, draws=50, seed=2)
    assert not np.array_equal(a.demand.values, b.demand.values)
    fresh = budgetsim.simulate(sc, draws=50)
    again = budgetsim.simulate(sc, draws=50, seed=fresh.entropy)
    assert_identical(fresh.dataset, again.dataset)


def test_common_random_numbers_across_variants() -> None:
    base = budgetsim.simulate(toy(), draws=200, seed=5)
    variant = budgetsim.simulate(two_programmes(), draws=200, seed=5)
    # adding a programme does not change who applies to the first one
    for name in ("demand", "paid", "exhaustion_month"):
        np.testing.assert_array_equal(
            base[name].sel(programme="grant").values, variant[name].sel(programme="grant").values
        )
    # and a variant that changes nothing differs by exactly zero
    same = budgetsim.simulate(toy(), draws=200, seed=5)
    assert_identical(base.dataset, same.dataset)


def test_carry_over_moves_unspent_money_to_the_next_year() -> None:
    res = budgetsim.simulate(two_programmes(), draws=300, seed=6)
    ds = res.dataset.sel(programme="second")
    env = ds["envelope"].values
    np.testing.assert_allclose(env, [50, 100, 150])
    avail = res.available.sel(programme="second").values
    unspent = res["unspent"].sel(programme="second").values
    np.testing.assert_array_equal(avail[:, 0], env[0])
    # pro rata pays min(demand, available) with the engine's own available money: the
    # available money results derive from envelopes and payments must be the same, exactly
    np.testing.assert_array_equal(ds["paid"].values, np.minimum(ds["demand"].values, avail))
    np.testing.assert_allclose(avail[:, 1:], env[1:] + unspent[:, :-1], rtol=1e-15)
    # money is conserved over the horizon: envelopes = paid + lapsed
    lapsed = res["lapsed"].sel(programme="second").values
    total = ds["paid"].values.sum(axis=1) + lapsed.sum(axis=1)
    np.testing.assert_allclose(total, env.sum(), rtol=1e-12)


def test_lapsing_programme_starts_each_year_afresh() -> None:
    res = budgetsim.simulate(toy(), draws=100, seed=6)
    np.testing.assert_array_equal(res.available.values, 40.0)
    np.testing.assert_array_equal(res["lapsed"].values, res["unspent"].values)


def test_eligibility_filters_claimants() -> None:
    res = budgetsim.simulate(toy(programmes__grant__eligible="x > 1e9"), draws=20, seed=1)
    assert res.demand.values.sum() == 0
    assert res.dataset["claimants"].values.sum() == 0
    summary = res.summary()
    assert summary["coverage_full"].isna().all()
    assert (summary["p_exhausted"] == 0).all()


def test_non_finite_values_are_reported_not_propagated() -> None:
    sc = toy(
        populations__firms__derived={"bad": {"expr": "log(x - 1e6)", "assumption": "t"}},
        programmes__grant__eligible="bad > 0",
    )
    with pytest.raises(SimulationError, match=r"populations\.firms\.derived\.bad"):
        budgetsim.simulate(sc, draws=5, seed=1)
    sc = toy(
        programmes__grant__instrument={
            "kind": "proportional",
            "base": "1 / (x - x)",
            "rate": 1,
            "source": "t",
        }
    )
    with pytest.raises(SimulationError, match=r"programmes\.grant\.instrument"):
        budgetsim.simulate(sc, draws=5, seed=1)


def test_ranked_rationing_in_a_scenario() -> None:
    sc = toy(
        populations__firms__attributes={
            "x": {"dist": "lognormal", "median": 10, "sigma": 0.5, "assumption": "t"},
            "merit": {"dist": "uniform", "low": 0, "high": 100, "assumption": "t"},
        },
        programmes__grant__rationing={"rule": "ranked", "score": "merit", "assumption": "t"},
    )
    res = budgetsim.simulate(sc, draws=300, seed=2)
    ds = res.dataset.sel(programme="grant")
    np.testing.assert_array_less(
        ds["paid"].values, res.available.sel(programme="grant").values + 1e-9
    )
    assert (ds["paid_full"].values <= 40).all()
    with pytest.raises(budgetsim.ScenarioError, match=r"rationing\.score: unknown name 'merrit'"):
        toy(programmes__grant__rationing={"rule": "ranked", "score": "merrit"})


def test_derived_variables_and_their_names() -> None:
    res = budgetsim.simulate(two_programmes(), draws=20, seed=1)
    np.testing.assert_array_equal(res["unspent"].values, res.available.values - res.paid.values)
    np.testing.assert_array_equal(res.exhausted.values, res["exhaustion_month"].values > 0)
    assert res["carry_in"].dims == ("draw", "programme", "year")
    with pytest.raises(KeyError, match="variables: demand, paid"):
        res["spent"]


def test_bad_arguments() -> None:
    with pytest.raises(BudgetsimError, match="draws"):
        budgetsim.simulate(toy(), draws=0)
    with pytest.raises(BudgetsimError, match="workers"):
        budgetsim.simulate(toy(), draws=5, workers=0)
    with pytest.raises(BudgetsimError, match="chunk"):
        budgetsim.simulate(toy(), draws=5, chunk_draws=0)


def test_result_shapes_and_tables() -> None:
    res = budgetsim.simulate(two_programmes(), draws=100, seed=2)
    assert res.paid.dims == ("draw", "programme", "year")
    assert res.programmes == ["grant", "second"]
    assert res.years == [2021, 2022, 2023]
    assert res.paid.dtype == np.float64
    assert res.demand.dtype == np.float64
    summary = res.summary()
    assert list(summary.index.names) == ["programme", "year"]
    assert len(summary) == 6
    for column in (
        "demand_p95",
        "p_exhausted",
        "exhaustion_month_p50",
        "coverage_full",
        "coverage_any",
        "fill_ratio",
        "budget_at_risk_p80",
        "budget_at_risk_p95",
    ):
        assert column in summary
    assert (summary["budget_at_risk_p95"] >= summary["budget_at_risk_p80"]).all()
    totals = res.totals()
    assert totals.loc["second", "envelope"] == pytest.approx(300)
    tidy = res.tidy()
    assert set(tidy.columns) == {"programme", "year", "metric", "value", "unit"}
    assert {"2021", "total"} <= set(tidy["year"])
    assert len(res.draws_frame()) == 100 * 2 * 3
    assert "SimulationResult" in repr(res)
    assert "<table" in res._repr_html_()


def test_summary_quantiles_are_draw_values() -> None:
    res = budgetsim.simulate(toy(programmes__grant__rationing="pro_rata"), draws=501, seed=3)
    demand = res.demand.sel(programme="grant", year=2021).values
    bar = res.summary().loc[("grant", 2021), "budget_at_risk_p80"]
    assert bar in demand
    assert np.mean(demand <= bar) >= 0.8


def test_counts_are_compact_but_widen_past_65535() -> None:
    small = budgetsim.simulate(toy(), draws=20, seed=1)
    assert small["claimants"].dtype == np.uint16
    arrivals = {"dist": "fixed", "mean": 70_000, "assumption": "t"}
    big = budgetsim.simulate(
        toy(
            populations__firms__arrivals=arrivals,
            programmes__grant__rationing="uncapped",
            programmes__grant__envelope=None,
        ),
        draws=3,
        seed=1,
        chunk_draws=1,
    )
    assert big["claimants"].dtype == np.int32
    assert (big["claimants"].values == 70_000).all()
