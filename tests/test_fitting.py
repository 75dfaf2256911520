"""Populations fitted from records: the families, the tests' calibration, arrivals, shares, and
the block as a scenario takes it.

Known answers come from seeded synthetic samples with stated true parameters. Each 95 %
interval misses its true value in 5 % of samples: the per-family test checks one fixed sample,
and the coverage test checks the rate over many (tolerance from the binomial standard error).
"""

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from scipy import stats

import budgetsim
from budgetsim._fit_counts import fit_arrivals, fit_category
from budgetsim._fit_families import (
    FAMILIES,
    NORMAL_ABOVE_ZERO,
    Candidate,
    fit_candidate,
    intervals,
)
from budgetsim._fit_toml import TOML_WIDTH, tables
from budgetsim.errors import ScenarioError
from budgetsim.fitting import PopulationFit, fit_population
from budgetsim.records import Records, RecordsError

HERE = Path(__file__).parent
BAD = HERE / "bad_records"
EXPECT: dict[str, list[str]] = tomllib.loads((BAD / "expect.toml").read_text(encoding="utf-8"))

#: n of the family-recovery samples: at 1,000 records the wrong families' KS and AD p-values
#: are ≤ 0.02 and the true family's AIC is lowest by ≥ 4 in every seeded sample tried.
N_FAMILY = 1000
TRUE = {
    "lognormal": (stats.lognorm(s=0.8, scale=150), {"median": 150, "sigma": 0.8}),
    "gamma": (stats.gamma(2.5, scale=60), {"shape": 2.5, "scale": 60}),
    "weibull": (stats.weibull_min(0.8, scale=200), {"shape": 0.8, "scale": 200}),
    "normal": (NORMAL_ABOVE_ZERO(1.0, scale=100), {"mean": 100, "sd": 100}),
}


def records(columns: dict[str, object], file: str = "synthetic.csv") -> Records:
    frame = pd.DataFrame(columns)
    rows = tuple(range(2, len(frame) + 2))
    return Records(frame, file, rows, {c: "ABCDEFG"[i] for i, c in enumerate(frame)}, "ab" * 32)


def sample(family: str, n: int, seed: int) -> np.ndarray:
    return np.asarray(TRUE[family][0].rvs(n, random_state=np.random.default_rng([7, seed])))


@pytest.mark.parametrize("family", sorted(TRUE))
def test_fit_picks_the_true_family_and_its_intervals_hold_the_true_parameters(
    family: str,
) -> None:
    fit = fit_population(
        records({"amount": sample(family, N_FAMILY, 1)}),
        population="p",
        attributes=["amount"],
        bootstrap=99,
        seed=1,
    )
    attribute = fit.attributes[0]
    assert attribute.chosen == family
    for name, true in TRUE[family][1].items():
        low, high = attribute.intervals[name]
        assert low <= true <= high, (name, low, true, high)
        assert low <= attribute.candidate.params[name] <= high
    block = fit.block()["attributes"]["amount"]
    assert block["dist"] == family
    assert block["grade"] == "D"
    assert "n = 1,000" in block["source"]
    assert "B = 99" in block["source"]


def test_the_normal_is_written_as_the_scenario_truncates_it() -> None:
    """scipy's truncnorm with a = (0 − μ)/σ, loc = μ, scale = σ is the scenario's
    ``dist = "normal", mean, sd, lower = 0``: the same densities and quantiles."""
    mean, sd = 80.0, 120.0
    ours = NORMAL_ABOVE_ZERO(mean / sd, scale=sd)
    scipy = stats.truncnorm(-mean / sd, np.inf, loc=mean, scale=sd)
    x = np.array([0.0, 1.0, 50.0, 400.0, 2000.0])
    q = np.array([1e-9, 0.01, 0.5, 0.99, 1 - 1e-9])
    np.testing.assert_allclose(ours.pdf(x), scipy.pdf(x), rtol=1e-12)
    np.testing.assert_allclose(ours.cdf(x), scipy.cdf(x), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(ours.ppf(q), scipy.ppf(q), rtol=1e-7)  # the far tails differ
    np.testing.assert_allclose(ours.cdf(ours.ppf(q)), q, rtol=1e-9, atol=1e-15)
    spec = budgetsim.distributions.Normal(dist="normal", mean=mean, sd=sd, lower=0, source="t")
    drawn = spec.transform(np.random.default_rng(3).standard_normal(20_000))
    assert stats.kstest(drawn, ours.cdf).pvalue > 0.001


def test_goodness_of_fit_p_values_are_uniform_under_the_null() -> None:
    """200 lognormal samples fitted as lognormal: with B = 49 a p-value is (k + 1)/50, and
    P(p ≤ 0.1) is exactly 0.1 under the null, for KS and AD alike; the count of such p-values
    must lie within 3 binomial standard errors of 20."""
    trials, n = 200, 80
    small = {"ks": 0, "ad": 0}
    for i in range(trials):
        x = stats.lognorm(s=1.1, scale=40).rvs(n, random_state=np.random.default_rng([11, i]))
        c = fit_candidate(x, FAMILIES["lognormal"], bootstrap=49, seed=i, name="x")
        small["ks"] += c.ks_p <= 0.1
        small["ad"] += c.ad_p <= 0.1
    se = math.sqrt(trials * 0.1 * 0.9)
    for statistic, count in small.items():
        assert abs(count - trials * 0.1) <= 3 * se, (statistic, count)


def test_intervals_cover_the_true_parameters_95_percent_of_the_time() -> None:
    trials, misses = 200, {"median": 0, "sigma": 0}
    for i in range(trials):
        x = stats.lognorm(s=0.8, scale=150).rvs(200, random_state=np.random.default_rng([9, i]))
        shape, _, scale = stats.lognorm.fit(x, floc=0)
        c = Candidate("lognormal", {"median": scale, "sigma": shape}, (shape, 0.0, scale), *[0] * 5)
        ranges = intervals(x, c, bootstrap=99, seed=i, name="a")
        misses["median"] += not ranges["median"][0] <= 150 <= ranges["median"][1]
        misses["sigma"] += not ranges["sigma"][0] <= 0.8 <= ranges["sigma"][1]
    se = math.sqrt(trials * 0.05 * 0.95)
    for name, count in misses.items():
        assert abs(count - trials * 0.05) <= 3 * se, (name, count)


def test_records_no_family_fits_are_resampled_as_they_are() -> None:
    rng = np.random.default_rng(5)
    two_kinds = np.concatenate([rng.lognormal(np.log(20), 0.1, 300), rng.lognormal(6, 0.1, 300)])
    years = np.repeat([2022, 2023], 300)
    fit = fit_population(
        records({"研发费用": two_kinds, "年度": years}, "/data/records.csv"),
        population="p",
        attributes=["研发费用=rd_expense"],
        year_column="年度",
        bootstrap=79,
    )
    assert fit.attributes[0].chosen == "empirical"
    assert not any(c.passes for c in fit.attributes[0].candidates)
    spec = fit.block(relative_to="/data")["attributes"]["rd_expense"]
    assert {
        k: spec[k] for k in ("dist", "file", "column", "growth", "year_column", "base_year")
    } == {
        "dist": "empirical",
        "file": "records.csv",
        "column": "研发费用",
        "growth": 0.0,
        "year_column": "年度",
        "base_year": 2023,
    }
    assert "plausible" not in spec
    assert spec["grade"] == "D"
    assert "no candidate family passed" in spec["source"]
    assert fit.block()["attributes"]["rd_expense"]["file"] == "/data/records.csv"


def test_poisson_counts_without_a_trend() -> None:
    counts = np.random.default_rng(3).poisson(200, size=5)
    years = np.repeat(np.arange(2019, 2024), counts)
    fit = fit_arrivals(years, 2024)
    assert fit.dist == "poisson"
    assert fit.dispersion is None
    assert fit.trend_p >= 0.05
    assert fit.growth == 0.0
    assert fit.base == pytest.approx(counts.mean())
    low, high = fit.base_interval  # Wald on the log mean: exp(±1.96 / sqrt(total))
    assert low < 200 < high
    assert math.log(high / low) / 2 == pytest.approx(1.96 / math.sqrt(counts.sum()), rel=1e-3)
    assert fit.growth_interval is not None
    assert fit.growth_interval[0] < 0 < fit.growth_interval[1]


def test_a_growth_trend_is_found_and_projected_to_the_first_scenario_year() -> None:
    means = 150 * 1.12 ** np.arange(6)
    counts = np.random.default_rng(4).poisson(means)
    fit = fit_arrivals(np.repeat(np.arange(2018, 2024), counts), 2025)
    assert fit.dist == "poisson"
    assert fit.trend_p < 0.05
    assert fit.growth_interval is not None
    assert fit.growth_interval[0] <= 0.12 <= fit.growth_interval[1]
    assert fit.base_interval[0] <= 150 * 1.12**7 <= fit.base_interval[1]


def test_overdispersed_counts_are_negative_binomial() -> None:
    alpha, mean = 0.1, 300.0
    rng = np.random.default_rng(6)
    counts = rng.poisson(rng.gamma(1 / alpha, mean * alpha, size=10))
    fit = fit_arrivals(np.repeat(np.arange(2014, 2024), counts), 2024)
    assert fit.dist == "negative_binomial"
    assert fit.dispersion_p < 0.05
    assert fit.pearson_ratio > 1
    assert fit.dispersion is not None
    assert fit.dispersion_interval is not None
    assert fit.dispersion_interval[0] <= alpha <= fit.dispersion_interval[1]


def test_one_year_of_records_is_a_poisson_mean() -> None:
    fit = fit_arrivals(np.full(120, 2023), 2024)
    assert (fit.dist, fit.growth, fit.growth_interval) == ("poisson", 0.0, None)
    assert fit.base == pytest.approx(120.0)


def test_yes_no_columns_are_bernoulli_with_wilson_intervals() -> None:
    labels = np.array(["Y"] * 45 + ["n"] * 55)
    fit = fit_category(labels)
    n, p, z = 100, 0.45, stats.norm.ppf(0.975)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert fit.kind == "bernoulli"
    assert fit.p == (0.45,)
    assert fit.low[0] == pytest.approx(centre - half)
    assert fit.high[0] == pytest.approx(centre + half)


def test_text_columns_are_categorical_with_shares_that_sum_to_one() -> None:
    rng = np.random.default_rng(8)
    labels = rng.choice(["电子信息", "生物医药", "先进制造"], size=700, p=[0.5, 0.3, 0.2])
    fit = fit_population(
        records({"行业": labels}), population="p", attributes=[], categories=["行业=sector"]
    )
    spec = fit.block()["attributes"]["sector"]
    assert spec["dist"] == "categorical"
    assert sum(spec["p"]) == pytest.approx(1.0, abs=1e-12)
    assert spec["plausible"]["p"]["vary"] is False
    shares = fit.categories[0].fit
    for share, low, high, true in zip(
        shares.p, shares.low, shares.high, (0.5, 0.3, 0.2), strict=True
    ):
        assert low <= true <= high
        assert low <= share <= high


@pytest.fixture(scope="module")
def fitted() -> PopulationFit:
    rng = np.random.default_rng(2024)
    n = 600
    return fit_population(
        records(
            {
                "年度": rng.choice([2021, 2022, 2023], size=n),
                "研发费用": rng.lognormal(np.log(150), 0.9, n).round(2),
                "首次认定": rng.choice(["是", "否"], size=n, p=[0.4, 0.6]),
            }
        ),
        population="hte_certified",
        attributes=["研发费用=rd_expense"],
        year_column="年度",
        categories=["首次认定=first_time"],
        first_year=2021,
        bootstrap=79,
    )


def test_the_toml_reads_back_as_the_block(fitted: PopulationFit) -> None:
    text = fitted.toml()
    assert tomllib.loads(text) == {"populations": {"hte_certified": fitted.block()}}
    assert max(cell_len(line) for line in text.splitlines()) <= TOML_WIDTH
    assert '"""' in text  # the long sources are folded


def test_applied_block_shows_grade_d_and_the_ranges_in_the_parameter_table(
    fitted: PopulationFit,
) -> None:
    scenario = fitted.apply(budgetsim.load_scenario("jiangmen-2021"))
    table = budgetsim.parameters(scenario, lang="en")
    prefix = "populations.hte_certified."
    block = fitted.block()
    for path, (low, high) in {
        "arrivals.base": block["arrivals"]["plausible"]["base"].values(),
        "arrivals.growth": block["arrivals"]["plausible"]["growth"].values(),
        "attributes.rd_expense.median": block["attributes"]["rd_expense"]["plausible"][
            "median"
        ].values(),
        "attributes.first_time.p": block["attributes"]["first_time"]["plausible"]["p"].values(),
    }.items():
        row = table.loc[prefix + path]
        assert row["grade"] == "D"
        assert (row["low"], row["high"]) == (low, high)
        assert low <= row["value"] <= high
        assert row["source"].startswith("fitted from synthetic.csv (n = 600, SHA-256 abababababab)")
    arrivals = scenario.populations["hte_certified"].arrivals
    assert arrivals.mean[0] == block["arrivals"]["base"]
    assert budgetsim.simulate(scenario, draws=20, seed=1).summary() is not None


def test_a_population_the_scenario_lacks_is_added(fitted: PopulationFit) -> None:
    other = PopulationFit(**{**fitted.__dict__, "population": "from_records"})
    scenario = other.apply(budgetsim.load_scenario("jiangmen-2021"))
    assert "from_records" in scenario.populations


def test_the_table_has_readable_headers(fitted: PopulationFit) -> None:
    table = fitted.table("en")
    assert list(table.columns) == [
        "parameters",
        "log-likelihood",
        "AIC",
        "BIC",
        "KS p",
        "AD p",
        "verdict",
    ]
    assert table.index.names == ["attribute", "candidate"]
    assert (table["verdict"] == "chosen").sum() == 1
    names = budgetsim.words.code_names()
    assert not names & {*table.columns, *table.index.get_level_values(1)}


def test_charts_are_written(fitted: PopulationFit, tmp_path: Path) -> None:
    paths = fitted.charts(tmp_path, "en")
    assert [p.name for p in paths] == ["rd_expense-qq.png", "rd_expense-histogram.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths)


def test_attribute_names_must_be_identifiers() -> None:
    with pytest.raises(ScenarioError, match="rd_expense"):
        fit_population(records({"研发费用": [1.0] * 20}), population="p", attributes=["研发费用"])


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_broken_records_are_refused_naming_row_column_and_cause(name: str) -> None:
    with pytest.raises(RecordsError) as info:
        fit_population(
            BAD / name, population="p", attributes=["研发费用=rd_expense"], year_column="年度"
        )
    message = str(info.value)
    assert str(BAD / name) in message
    for fragment in EXPECT[name]:
        assert fragment in message, message


def test_every_broken_file_has_an_expectation() -> None:
    assert {p.name for p in BAD.iterdir() if p.suffix == ".csv"} == set(EXPECT)


def _lines(values: np.ndarray) -> str:
    return "".join(f"{2021 + i % 3},企业{i},{v:.2f}\n" for i, v in enumerate(values))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "utf-16"])
def test_files_windows_makes_are_read(encoding: str, tmp_path: Path) -> None:
    values = stats.gamma(2.0, scale=50).rvs(120, random_state=np.random.default_rng(1))
    path = tmp_path / "records.csv"
    text = "年度,企业名称,研发费用\n" + _lines(values)
    if encoding == "utf-16":
        text = text.replace(",", "\t")
    path.write_bytes(text.encode(encoding))
    fit = fit_population(
        path, population="p", attributes=["研发费用=rd"], year_column="年度", bootstrap=79
    )
    np.testing.assert_allclose(np.sort(fit.attributes[0].values), np.sort(values.round(2)))
    assert fit.arrivals is not None
    assert fit.arrivals.counts == (40, 40, 40)


def test_a_workbook_with_a_merged_title_row_is_read(tmp_path: Path) -> None:
    import openpyxl

    values = stats.lognorm(s=0.5, scale=90).rvs(60, random_state=np.random.default_rng(2))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2023年研发费用汇总表"])
    sheet.merge_cells("A1:C1")
    sheet.append(["年度", "企业名称", "研发费用"])
    for i, v in enumerate(values):
        sheet.append([2023, f"企业{i}", float(v)])
    book.save(tmp_path / "records.xlsx")
    fit = fit_population(
        tmp_path / "records.xlsx", population="p", attributes=["研发费用=rd"], bootstrap=79
    )
    assert fit.n == 60
    assert "header on row 2" in fit.note


def test_growth_beyond_what_a_scenario_says_is_refused() -> None:
    years = np.repeat(np.arange(2020, 2024), [300, 800, 2000, 6000])
    with pytest.raises(RecordsError, match=r"\+172% a year .*2023: 6000"):
        fit_population(records({"年度": years}), population="p", attributes=[], year_column="年度")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    text=st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
    lead=st.integers(0, 90),
)
def test_any_text_in_the_block_reads_back_whole(text: str, lead: int) -> None:
    """Column names and categories are the records' own text: quotes, backslashes, control
    characters, Chinese, long runs without blanks all survive the folded TOML."""
    spec = {"label": text, "source": "x" * lead + " " + text, "plausible": {"p": {"vary": False}}}
    out = tables([("populations.p.attributes.a", spec)])
    assert tomllib.loads(out) == {"populations": {"p": {"attributes": {"a": spec}}}}
    for line in out.split("\n"):
        assert not line.startswith((" ", "\t")) or line.strip() == ""


def test_zeros_allowed_leave_the_truncated_normal_and_the_records() -> None:
    values = np.clip(np.random.default_rng(4).normal(50, 40, 400), 0, None).round(0)
    assert (values == 0).sum() > 20
    fit = fit_population(
        records({"amount": values}),
        population="p",
        attributes=["amount"],
        allow_zero=["amount"],
        bootstrap=79,
    )
    assert [c.family for c in fit.attributes[0].candidates] == ["normal", "empirical"]


def test_parquet_records_are_read(tmp_path: Path) -> None:
    values = stats.gamma(2.0, scale=50).rvs(200, random_state=np.random.default_rng(6))
    pd.DataFrame({"研发费用": values, "年度": 2023}).to_parquet(tmp_path / "records.parquet")
    fit = fit_population(
        tmp_path / "records.parquet",
        population="p",
        attributes=["研发费用=rd"],
        year_column="年度",
        bootstrap=79,
    )
    assert fit.n == 200
    assert fit.arrivals is not None
    assert fit.arrivals.counts == (200,)


def test_labels_fitted_as_amounts_and_amounts_counted_as_categories_are_one_message_each(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(4)
    amounts, districts = rng.lognormal(4, 1, 60), rng.choice(["甲", "乙"], 60)
    lines = ["研发费用,区县"] + [f"{v:.2f},{d}" for v, d in zip(amounts, districts, strict=True)]
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RecordsError) as info:
        fit_population(
            path, population="p", attributes=["区县=d"], categories=["研发费用=rd"], bootstrap=79
        )
    text = info.value.render()
    assert text.startswith("2 problems")
    assert "column '区县': a column of labels, not amounts" in text
    assert "--category '区县'" in text
    assert "column '研发费用': a column of numbers with" in text
    assert "different values, not categories" in text


def test_an_unknown_population_without_years_names_the_scenario_s_populations(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(5)
    path = tmp_path / "r.csv"
    path.write_text(
        "研发费用\n" + "\n".join(f"{v:.2f}" for v in rng.lognormal(4, 1, 50)) + "\n",
        encoding="utf-8",
    )
    fit = fit_population(path, population="tsme_r", attributes=["研发费用=rd"], bootstrap=79)
    with pytest.raises(budgetsim.BudgetsimError, match=r"no population 'tsme_r' \(did you mean"):
        fit.apply(budgetsim.load_scenario("jiangmen-2021"))


def test_columns_fitted_apart_that_correlate_are_named_with_their_rank_correlation(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(6)
    rd = rng.lognormal(4, 0.8, 120)
    revenue = rd / rng.lognormal(np.log(0.04), 0.3, 120)  # ρ of the logs ≈ 0.94
    path = tmp_path / "r.csv"
    rows = [f"{a:.2f},{b:.2f}" for a, b in zip(rd, revenue, strict=True)]
    path.write_text("研发费用,营业收入\n" + "\n".join(rows) + "\n", encoding="utf-8")
    fit = fit_population(
        path, population="p", attributes=["研发费用=rd", "营业收入=revenue"], bootstrap=79
    )
    [(a, b, rho)] = fit.correlated()
    assert (a, b) == ("研发费用", "营业收入")
    assert rho == pytest.approx(stats.spearmanr(rd.round(2), revenue.round(2))[0])
    assert rho > 0.8
