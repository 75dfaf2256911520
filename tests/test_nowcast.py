"""budgetsim.nowcast: the conjugate update, known answers, bit-identity, bad received lists."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import budgetsim
from budgetsim.errors import BudgetsimError, ScenarioError
from budgetsim.nowcast import arrival_update, claims_over_money, window_elapsed
from budgetsim.records import RecordsError
from budgetsim.scenario import compile_scenario
from budgetsim.stages import PlanKeys
from tests.conftest import toy

Z = 4.0
DRAWS = 20_000
AS_OF = dt.date(2021, 6, 30)  # uniform timing: 5 months and 29 of June's 30 days elapsed
F = (5 + 29 / 30) / 12
BAD = Path(__file__).parent / "bad_received"


def _received(k: int, seed: int = 0, last: str = "2021-06-29") -> pd.DataFrame:
    """k applications spread over the first half of 2021."""
    rng = np.random.default_rng(seed)
    span = (np.datetime64(last) - np.datetime64("2021-01-01")).astype(int)
    days = np.sort(rng.integers(0, span + 1, k))
    dates = np.datetime64("2021-01-01") + days.astype("timedelta64[D]")
    return pd.DataFrame({"申请日期": dates.astype(str), "x": rng.lognormal(np.log(10), 0.5, k)})


def _exhausted(nc: budgetsim.Nowcast) -> np.ndarray:
    return nc.after["exhaustion_month"].sel(programme="grant", year=2021).values > 0


# -- the update -------------------------------------------------------------------------------


def test_window_elapsed_counts_the_as_of_month_by_its_days() -> None:
    plan = compile_scenario(toy())
    f, rest = window_elapsed(plan.populations[0], AS_OF)
    assert f == pytest.approx(F)
    assert rest.sum() == pytest.approx(1.0)
    assert rest[5] == pytest.approx((1 / 30) / (6 + 1 / 30))  # June's last day
    assert rest[:5].sum() == 0


def test_window_elapsed_is_zero_before_and_one_after_the_window() -> None:
    sc = toy(populations__firms__timing={"kind": "window", "start_month": 9, "end_month": 10})
    pop = compile_scenario(sc).populations[0]
    assert window_elapsed(pop, dt.date(2021, 8, 31))[0] == 0.0
    f, rest = window_elapsed(pop, dt.date(2021, 11, 2))
    assert f == 1.0
    assert not rest.any()


def test_negative_binomial_update_is_the_gamma_poisson_posterior() -> None:
    sc = toy(
        populations__firms__arrivals={
            "dist": "negative_binomial",
            "mean": 50,
            "dispersion": 0.1,
            "assumption": "t",
        }
    )
    pop = compile_scenario(sc).populations[0]
    u = arrival_update(sc, pop, AS_OF, received=30)
    assert (u.prior.shape, u.prior.rate) == pytest.approx((10.0, 0.2))
    assert (u.posterior.shape, u.posterior.rate) == pytest.approx((40.0, 0.2 + F))
    assert u.expected == pytest.approx(50 * F)
    n, p = u.still
    assert stats.nbinom.mean(n, p) == pytest.approx(40 / (0.2 + F) * (1 - F))
    assert u.prior_from == "model"


def test_poisson_prior_comes_from_rate_cv_then_the_range_then_the_default() -> None:
    sc = toy()
    pop = compile_scenario(sc).populations[0]
    given = arrival_update(sc, pop, AS_OF, 10, rate_cv=0.2)
    assert given.prior.cv == pytest.approx(0.2)
    assert given.prior.mean == pytest.approx(50)
    assert given.prior_from == "rate_cv"
    default = arrival_update(sc, pop, AS_OF, 10)
    assert default.prior.cv == pytest.approx(0.3)
    assert default.prior_from == "default"
    ranged = toy(
        populations__firms__arrivals={
            "dist": "poisson",
            "mean": 50,
            "assumption": "t",
            "plausible": {"mean": {"low": 30, "high": 80}},
        }
    )
    u = arrival_update(ranged, compile_scenario(ranged).populations[0], AS_OF, 10)
    sigma = np.log(80 / 30) / (2 * stats.norm.ppf(0.95))
    assert u.prior_from == "plausible range"
    assert u.prior.cv == pytest.approx(np.sqrt(np.expm1(sigma**2)))


def test_fixed_counts_learn_nothing_and_flag_too_many() -> None:
    sc = toy(populations__firms__arrivals={"dist": "fixed", "mean": 50, "assumption": "t"})
    pop = compile_scenario(sc).populations[0]
    assert arrival_update(sc, pop, AS_OF, 30).still == (20.0, 1.0)
    over = arrival_update(sc, pop, AS_OF, 60)
    assert over.still == (0.0, 1.0)
    assert over.over


def test_claims_over_money_interpolates_within_the_month() -> None:
    claims = np.array([[0.0] * 5 + [100.0] * 7, [0.0] * 12])
    days, share = claims_over_money(claims, np.array([50.0, 50.0]), 2022)
    assert days.size == 365
    assert share.max() == 0.5  # never more than half the draws: no date
    days, share = claims_over_money(claims[:1], np.array([50.0]), 2022)
    assert str(days[np.argmax(share > 0.5)]) == "2022-06-16"


# -- known answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrivals", "shape", "rate"),
    [
        ({"dist": "poisson", "mean": 50, "assumption": "t"}, 1 / 0.3**2, 1 / 0.3**2 / 50),
        ({"dist": "negative_binomial", "mean": 50, "dispersion": 0.1, "assumption": "t"}, 10, 0.2),
    ],
)
def test_p_exhausted_matches_the_negative_binomial_closed_form(
    arrivals: dict, shape: float, rate: float
) -> None:
    # fixed grants of 1, 60 a year, FCFS: the money runs out exactly when k + R > 60
    sc = toy(
        populations__firms__arrivals=arrivals,
        programmes__grant__envelope={"per_year": 60, "source": "t"},
    )
    k = 30
    nc = budgetsim.nowcast(sc, "grant", _received(k), AS_OF, draws=DRAWS, seed=3, rate_cv=0.3)
    n, p = shape + k, (rate + F) / (rate + 1)
    assert nc.update.still == pytest.approx((n, p))
    closed = stats.nbinom.sf(60 - k, n, p)
    simulated = _exhausted(nc)
    se = np.sqrt(closed * (1 - closed) / simulated.size)
    assert abs(simulated.mean() - closed) < Z * se, (simulated.mean(), closed, se)
    demand = nc.after.demand.sel(programme="grant", year=2021).values
    mean_still = stats.nbinom.mean(n, p)
    assert abs(demand.mean() - (k + mean_still)) < Z * demand.std() / np.sqrt(demand.size)


def test_received_claims_come_first_and_are_paid_first() -> None:
    sc = toy(
        programmes__grant__instrument={
            "kind": "proportional",
            "base": "x",
            "rate": 1,
            "source": "t",
        },
        programmes__grant__envelope={"per_year": 1e6, "source": "t"},
    )
    got = _received(12, seed=4)
    nc = budgetsim.nowcast(sc, "grant", got, AS_OF, draws=50, seed=2)
    order = np.argsort(got["申请日期"].to_numpy(), kind="stable")
    assert np.allclose(nc.observed, got["x"].to_numpy()[order])
    by_month = nc.after.dataset["demand_by_month"].sel(programme="grant", year=2021).values
    months = pd.to_datetime(got["申请日期"]).dt.month.to_numpy()
    observed = np.array([got["x"].to_numpy()[months <= m].sum() for m in range(1, 6)])
    assert np.allclose(by_month[:, :5], observed)  # every draw: the months before June fixed


def test_other_years_run_as_in_the_plain_model() -> None:
    nc = budgetsim.nowcast(toy(), "grant", _received(30), AS_OF, draws=4_000, seed=5)
    later = nc.after.demand.sel(programme="grant", year=2022).values  # Poisson(50) grants of 1
    assert abs(later.mean() - 50) < Z * np.sqrt(50 / later.size)


# -- bit for bit ------------------------------------------------------------------------------


def _same(a: budgetsim.SimulationResult, b: budgetsim.SimulationResult) -> None:
    for name in a.dataset.data_vars:
        assert np.array_equal(a.dataset[name].values, b.dataset[name].values, equal_nan=True), name


def test_a_nowcast_on_the_first_day_of_the_year_is_the_plain_run() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    empty = pd.DataFrame({"申请日期": [], "principal": [], "spread": [], "months": []})
    nc = budgetsim.nowcast(sc, "loan_interest", empty, "2021-01-01", draws=300, seed=8)
    plain = budgetsim.simulate(sc, draws=300, seed=8, monthly=True)
    _same(nc.after, plain)
    nc = budgetsim.nowcast(toy(), "grant", empty, "2021-01-01", draws=300, seed=8)
    _same(nc.after, budgetsim.simulate(toy(), draws=300, seed=8, monthly=True))


def test_a_nowcast_is_bit_identical_whatever_the_chunks_and_workers() -> None:
    got = _received(30)
    runs = [
        budgetsim.nowcast(toy(), "grant", got, AS_OF, draws=600, seed=9, chunk_draws=c, workers=w)
        for c, w in ((None, 1), (7, 1), (100, 2))
    ]
    for other in runs[1:]:
        _same(runs[0].after, other.after)


def test_a_conditioned_population_never_passes_for_the_plain_one() -> None:
    nc = budgetsim.nowcast(toy(), "grant", _received(30), AS_OF, draws=20, seed=1)
    plain = compile_scenario(toy())
    assert nc.after.dataset["demand"].values.shape == (20, 1, 3)
    import dataclasses

    from budgetsim._conditioned import Condition

    cond = Condition(0, np.array([1]), {}, "fixed", 3.0, 1.0, np.full(12, 1 / 12), "k")
    pop = dataclasses.replace(plain.populations[0], condition=cond)
    conditioned = dataclasses.replace(plain, populations=(pop,))
    assert PlanKeys.of(conditioned).populations != PlanKeys.of(plain).populations


# -- bad input --------------------------------------------------------------------------------


def test_unknown_programme_says_did_you_mean() -> None:
    with pytest.raises(ScenarioError, match="did you mean 'grant'"):
        budgetsim.nowcast(toy(), "grnat", _received(3), AS_OF, draws=10)


def test_as_of_outside_the_scenario_years() -> None:
    with pytest.raises(BudgetsimError, match="not in a year of the scenario"):
        budgetsim.nowcast(toy(), "grant", _received(3), "2030-06-30", draws=10)


CASES = sorted(p for p in BAD.glob("*.*") if p.suffix in (".csv", ".xlsx"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_received_lists_name_the_problem(path: Path) -> None:
    sc = toy(
        programmes__grant__instrument={
            "kind": "proportional",
            "base": "x",
            "rate": 0.5,
            "source": "t",
            "cap": 100,
        }
    )
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").strip().splitlines()
    with pytest.raises(RecordsError) as info:
        budgetsim.nowcast(sc, "grant", path, AS_OF, draws=10, seed=1)
    message = info.value.render()
    for fragment in expected:
        assert fragment in message, message


def test_a_gbk_list_with_a_merged_title_row_reads_fine(tmp_path: Path) -> None:
    sc = toy(
        programmes__grant__instrument={
            "kind": "proportional",
            "base": "x",
            "rate": 0.5,
            "source": "t",
            "cap": 100,
        }
    )
    text = (
        "2021年上半年申请汇总,,\n企业名称,申请日期,x\n甲公司,2021-02-01,12\n乙公司,2021/3/5,8.5\n"
    )
    path = tmp_path / "收到.csv"
    path.write_bytes(text.encode("gbk"))
    nc = budgetsim.nowcast(sc, "grant", path, AS_OF, draws=20, seed=1)
    assert nc.update.received == 2
    assert nc.observed.tolist() == [6.0, 4.25]


def test_an_excel_list_with_a_merged_title_row_reads_fine(tmp_path: Path) -> None:
    import openpyxl

    sc = toy(programmes__grant__instrument={"kind": "proportional", "base": "x", "rate": 0.5,
                                            "source": "t", "cap": 100})  # fmt: skip
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2021年上半年收到的申请"])
    sheet.merge_cells("A1:C1")
    sheet.append(["企业名称", "申请日期", "x"])
    sheet.append(["甲公司", dt.datetime(2021, 4, 1), 10])
    sheet.append(["乙公司", "2021年5月6日", 30])
    path = tmp_path / "收到.xlsx"
    book.save(path)
    nc = budgetsim.nowcast(sc, "grant", path, AS_OF, draws=20, seed=1)
    assert nc.observed.tolist() == [5.0, 15.0]
    assert nc.received.months.tolist() == [4, 5]


@pytest.mark.parametrize("how", ["none", "header only"])
def test_nothing_received_before_the_window_is_the_plain_run(how: str, tmp_path: Path) -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    received = None
    if how == "header only":
        received = tmp_path / "empty.csv"
        received.write_text("申请日期,贷款本金\n", encoding="utf-8-sig")
    nc = budgetsim.nowcast(sc, "loan_interest", received, "2022-03-01", draws=60, seed=4)
    assert nc.update.received == 0
    for name in ("paid", "demand"):
        np.testing.assert_array_equal(nc.after.dataset[name], nc.before.dataset[name])
