"""The example records of ``examples/`` are what ``examples/make_records.py`` draws, and they
follow the true laws it states (every statistic within 3 standard errors of its true value);
the year-round variant of the interest subsidy that notebook 07 nowcasts loads and runs."""

import importlib.util
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy import stats

import budgetsim
from budgetsim.records import Records, read_records

EXAMPLES = Path(__file__).parents[1] / "examples"
SCRIPT = EXAMPLES / "make_records.py"
#: Standard errors allowed between a file's statistic and its true value.
Z = 3.0


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_records", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


MAKE = _script()
RD = MAKE.TRUE.rd
INTEREST = MAKE.TRUE.interest


@pytest.fixture(scope="module")
def rd() -> Records:
    return read_records(EXAMPLES / MAKE.RD_FILE, MAKE.RD_COLUMNS)


@pytest.fixture(scope="module")
def applications() -> Records:
    return read_records(EXAMPLES / MAKE.INTEREST_FILE, MAKE.INTEREST_COLUMNS)


def _within(found: float, true: float, se: float, what: str) -> None:
    z = (found - true) / se
    assert abs(z) < Z, f"{what}: {found:.4g} against the true {true:.4g} ({z:+.2f} SE)"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def test_committed_files_are_what_the_script_draws() -> None:
    done = _run("--check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_names_a_file_that_differs(tmp_path: Path) -> None:
    for name, data in MAKE.generate().items():
        (tmp_path / name).write_bytes(data)
    edited = tmp_path / MAKE.RD_FILE
    edited.write_bytes(edited.read_bytes().replace(b"\r\n2021,", b"\r\n2020,", 1))
    done = _run("--check", "--out", str(tmp_path))
    assert done.returncode == 1
    assert MAKE.RD_FILE in done.stdout
    assert MAKE.INTEREST_FILE not in done.stdout


def test_files_open_as_excel_saves_csv_utf8() -> None:
    for name in (MAKE.RD_FILE, MAKE.INTEREST_FILE):
        data = (EXAMPLES / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), name
        assert data.count(b"\r\n") == data.count(b"\n"), name


def test_rd_counts_per_year(rd: Records) -> None:
    years = rd.years("年度")
    assert sorted(set(years.tolist())) == list(RD.years)
    for year in RD.years:
        mean = RD.count_mean(year)
        _within(float((years == year).sum()), mean, math.sqrt(mean), f"firms in {year}")
    assert len(set(rd.labels("企业名称").tolist())) == len(rd), "every row is another firm"


def test_rd_expense_is_lognormal_the_same_every_year(rd: Records) -> None:
    log_rd = np.log(rd.numbers("研发费用（万元）"))
    n, sigma = len(log_rd), RD.rd_sigma
    _within(log_rd.mean(), RD.rd_log_mean, sigma / math.sqrt(n), "log-mean")
    _within(log_rd.std(ddof=1), sigma, sigma / math.sqrt(2 * (n - 1)), "log-sd")
    years = rd.years("年度")
    for year in RD.years:
        one = log_rd[years == year]
        _within(one.mean(), RD.rd_log_mean, sigma / math.sqrt(one.size), f"log-mean {year}")
    # lognormal, not merely the right two moments: Kolmogorov-Smirnov at the true law
    assert stats.kstest(log_rd, stats.norm(RD.rd_log_mean, sigma).cdf).pvalue > 0.001


def test_revenue_is_rd_over_a_lognormal_intensity(rd: Records) -> None:
    log_rd = np.log(rd.numbers("研发费用（万元）"))
    log_revenue = np.log(rd.numbers("营业收入（万元）"))
    n = log_rd.size
    r = np.corrcoef(log_rd, log_revenue)[0, 1]
    _within(np.arctanh(r), np.arctanh(RD.log_correlation), 1 / math.sqrt(n - 3), "log corr")
    assert RD.log_correlation == pytest.approx(0.874, abs=5e-4)  # as the docstring says
    log_intensity = log_rd - log_revenue
    s = RD.intensity_sigma
    _within(log_intensity.mean(), math.log(RD.intensity_median), s / math.sqrt(n), "intensity")
    _within(log_intensity.std(ddof=1), s, s / math.sqrt(2 * (n - 1)), "intensity log-sd")


def test_manufacturing_share_and_counties(rd: Records) -> None:
    manufacturing = rd.labels("是否制造业")
    assert set(manufacturing.tolist()) == {"是", "否"}
    p, n = RD.p_manufacturing, len(rd)
    _within(float(np.mean(manufacturing == "是")), p, math.sqrt(p * (1 - p) / n), "share 是")
    counties = rd.labels("所在区县")
    names = list(RD.county_shares)
    assert set(counties.tolist()) == set(names)
    assert sum(RD.county_shares.values()) == pytest.approx(1.0)
    observed = [int(np.sum(counties == c)) for c in names]
    expected = [n * RD.county_shares[c] for c in names]
    assert stats.chisquare(observed, expected).pvalue > 0.001


def test_applications_arrive_at_110_a_year_in_the_first_half(applications: Records) -> None:
    dates = applications.dates("申请日期")
    assert dates.min() >= np.datetime64(INTEREST.first_day)
    assert dates.max() <= np.datetime64(INTEREST.last_day)
    assert (np.diff(dates) >= np.timedelta64(0, "D")).all(), "in date order"
    assert INTEREST.count_mean == pytest.approx(110 * 181 / 365)
    mean = INTEREST.count_mean
    _within(float(len(applications)), mean, math.sqrt(mean), "applications by 30 June")
    # a Poisson process: given the count, the days are uniform over the half-year
    days = (dates - np.datetime64(INTEREST.first_day)).astype(int)
    uniform = stats.uniform(0, INTEREST.days)
    assert stats.kstest(days + 0.5, uniform.cdf).pvalue > 0.001


def test_applications_amounts(applications: Records) -> None:
    n = len(applications)
    principal = applications.numbers("贷款本金")
    assert principal.max() <= INTEREST.principal_upper
    mu, s = math.log(INTEREST.principal_median), INTEREST.principal_sigma
    log_law = stats.truncnorm(-np.inf, (math.log(INTEREST.principal_upper) - mu) / s, mu, s)
    _within(np.log(principal).mean(), log_law.mean(), log_law.std() / math.sqrt(n), "principal")
    spread = applications.numbers("利率加点")
    low, high = INTEREST.spread_low, INTEREST.spread_high
    assert low <= spread.min()
    assert spread.max() <= high
    _within(spread.mean(), (low + high) / 2, (high - low) / math.sqrt(12 * n), "spread")
    months = applications.numbers("计息月数")
    assert set(months.tolist()) <= set(range(6, 13))
    assert (months == np.rint(months)).all()
    # uniform 6–12 rounded: 6 and 12 with 1/12 each, 7–11 with 1/6 each
    p = np.array([1, 2, 2, 2, 2, 2, 1]) / 12
    values = np.arange(6, 13)
    mean = float(p @ values)
    sd = math.sqrt(float(p @ (values - mean) ** 2))
    _within(months.mean(), mean, sd / math.sqrt(n), "months")


def test_year_round_variant_takes_applications_all_year_first_come_first_served() -> None:
    base = budgetsim.load_scenario("jiangmen-2021")
    sc = budgetsim.load_scenario("jiangmen-2021@year_round_interest")
    timing = sc.populations["tech_borrowers"].timing
    assert (timing.start_month, timing.end_month) == (1, 12)
    assert sc.programmes["loan_interest"].rationing.rule == "fcfs"
    before = base.populations["tech_borrowers"].timing
    assert (before.start_month, before.end_month) == (9, 10)
    assert sc.programmes["loan_interest"].envelope == base.programmes["loan_interest"].envelope
    res = budgetsim.simulate(sc, draws=200, seed=1)
    assert np.isfinite(res.summary().loc["loan_interest", "demand_mean"]).all()
    paid = res.paid.sel(programme="loan_interest").values
    assert (paid <= res["available"].sel(programme="loan_interest").values + 1e-9).all()


# -- the fit and the nowcast on the example lists ---------------------------------------------


def _inside(value: float, plausible: dict[str, float]) -> bool:
    return plausible["low"] <= value <= plausible["high"]


def test_the_fit_recovers_the_true_parameters_of_the_example_within_its_intervals() -> None:
    fit = budgetsim.fit_population(
        EXAMPLES / MAKE.RD_FILE,
        population="tsme_rd",
        attributes={"研发费用（万元）": "rd_expense"},
        categories={"是否制造业": "is_manufacturing"},
        year_column="年度",
        first_year=RD.years[0],
        seed=0,
    )
    block = fit.block()  # the population block: arrivals and attributes
    rd_expense = block["attributes"]["rd_expense"]
    assert rd_expense["dist"] == "lognormal"
    assert _inside(RD.rd_median, rd_expense["plausible"]["median"])
    assert _inside(RD.rd_sigma, rd_expense["plausible"]["sigma"])
    share = block["attributes"]["is_manufacturing"]
    assert _inside(RD.p_manufacturing, share["plausible"]["p"])
    arrivals = block["arrivals"]
    assert _inside(RD.count_growth, arrivals["plausible"]["growth"])
    # without a kept trend, base is the mean of the three years; with one, the first year's
    truth = (
        float(np.mean([RD.count_mean(y) for y in RD.years]))
        if arrivals["growth"] == 0
        else RD.count_mean(RD.years[0])
    )
    assert _inside(truth, arrivals["plausible"]["base"])


def test_the_june_nowcast_of_the_example_learns_the_true_rate() -> None:
    scenario = budgetsim.load_scenario("jiangmen-2021@year_round_interest")
    nc = budgetsim.nowcast(
        scenario,
        "loan_interest",
        EXAMPLES / MAKE.INTEREST_FILE,
        "2022-06-30",
        columns={"利率加点": "spread", "计息月数": "months"},
        date_column="申请日期",
        draws=200,
        seed=1,
    )
    rows = len(read_records(EXAMPLES / MAKE.INTEREST_FILE, ["申请日期"]))
    assert nc.update.received == rows
    low, high = nc.update.posterior.interval(0.9)
    assert low <= INTEREST.rate <= high  # the posterior holds the true 110 a year
    prior_low, prior_high = nc.update.prior.interval(0.9)
    assert (high - low) < (prior_high - prior_low)  # and is narrower than the prior
