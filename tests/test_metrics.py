"""The registry of metrics (every column declared once, labelled in both languages, aggregating
as it says) and the statistics every module shares (standard errors and intervals)."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import budgetsim
from budgetsim import metrics, words
from budgetsim.metrics import REGISTRY, How, Kind, format_value, label, metric, unit_label
from budgetsim.stats import Z95, interval, proportion_se, quantile, standard_error
from budgetsim.words import header

SCENARIOS = ["jiangmen-2021", "zhongshan-2024", "guangzhou-2024-mic", "guangdong-2022",
             "jiangmen-2015-2017"]  # fmt: skip
SUMMARIES = ["summary", "totals", "fund_summary", "policy_summary", "riskfund_summary",
             "target_summary"]  # fmt: skip
#: Columns that name a row, not a metric.
IDENTIFIERS = {"label"}
GLOSSARY = Path(__file__).parents[1] / "docs" / "glossary.md"


@pytest.fixture(scope="module")
def results() -> dict[str, budgetsim.SimulationResult]:
    return {
        sid: budgetsim.simulate(budgetsim.load_scenario(sid), draws=200, seed=1)
        for sid in SCENARIOS
    }


@pytest.fixture(scope="module")
def jiangmen(results: dict[str, budgetsim.SimulationResult]) -> budgetsim.SimulationResult:
    return results["jiangmen-2021"]


# -- the registry ---------------------------------------------------------------------------------


def test_every_summary_column_and_variable_is_declared(
    results: dict[str, budgetsim.SimulationResult],
) -> None:
    missing: dict[str, set[str]] = {}
    for sid, res in results.items():
        for method in SUMMARIES:
            for column in getattr(res, method)().columns:
                if column not in REGISTRY and column not in IDENTIFIERS:
                    missing.setdefault(f"{sid} {method}", set()).add(str(column))
        variables = [*map(str, res.dataset.data_vars), *budgetsim.results.DERIVED]
        for ds in [*res.riskfunds.values(), *res.targets.values()]:
            variables += map(str, ds.data_vars)
        undeclared = {v for v in variables if v not in REGISTRY}
        if undeclared:
            missing[f"{sid} per-draw"] = undeclared
    assert missing == {}


def test_the_per_draw_variables_of_the_brief_are_declared() -> None:
    for name in ("demand", "paid", "available", "unspent", "lapsed", "carry_in", "cash",
                 "exhausted", "exhaustion_month", "claimants", "paid_full", "paid_any",
                 "recovered"):  # fmt: skip
        assert metric(name).aggregate.how is How.DRAW, name


def test_every_label_is_written_in_both_languages() -> None:
    for name, m in REGISTRY.items():
        assert m.name == name
        for lang in ("zh", "en"):
            for short in (False, True):
                text = label(name, lang, short=short)
                assert text, (name, lang, short)
                assert text.strip() == text, (name, lang, short)
        assert m.zh != m.en, name  # not left untranslated


def test_aggregates_and_standard_errors_refer_to_declared_names() -> None:
    for name, m in REGISTRY.items():
        a = m.aggregate
        if a.how in (How.DRAW, How.VALUE):
            assert a.of is None, name
        else:
            assert a.of in REGISTRY, name
        assert (a.q is not None) == (a.how is How.QUANTILE), name
        assert (a.over is not None) == (a.how is How.RATIO), name
        assert (a.where is not None) == (a.how in (How.PROBABILITY, How.MEDIAN_AMONG)), name
        if a.how is How.STANDARD_ERROR:
            assert metric(str(a.of)).se == name
            assert m.kind is metric(str(a.of)).kind
        if m.se is not None:
            assert metric(m.se).aggregate == metrics.Aggregate(How.STANDARD_ERROR, name)


def test_the_aggregates_say_how_summary_computes_each_column(
    jiangmen: budgetsim.SimulationResult,
) -> None:
    summary = jiangmen.summary()
    checked = set()
    for name in summary.columns.drop("label"):
        a = metric(name).aggregate
        if a.how is How.STANDARD_ERROR:
            continue  # checked below
        if a.how is How.VALUE:
            expected = jiangmen.dataset[name].values
        else:
            of = jiangmen[str(a.of)].values.astype(np.float64)  # (draw, programme, year)
        if a.how in (How.MEAN, How.PROBABILITY):
            expected = of.mean(axis=0)
        elif a.how is How.QUANTILE:
            expected = quantile(of, float(a.q or 0))
        elif a.how is How.RATIO:
            over = jiangmen[str(a.over)].values.astype(np.float64)
            expected = of.sum(axis=0) / over.sum(axis=0)
        elif a.how is How.MEDIAN_AMONG:
            by_programme = np.moveaxis(of, 1, 0)
            expected = np.array(
                [[np.quantile(c[c > 0], 0.5, method="inverted_cdf") if (c > 0).any() else np.nan
                  for c in draws.T] for draws in by_programme]
            )  # fmt: skip
        actual = summary[name].to_numpy().reshape(expected.shape)
        np.testing.assert_allclose(actual, expected, rtol=1e-12, err_msg=name)
        checked.add(name)
    assert {"demand_mean", "budget_at_risk_p95", "p_exhausted", "fill_ratio", "envelope",
            "exhaustion_month_p50", "coverage_any"} <= checked  # fmt: skip
    paid = jiangmen.paid.values
    np.testing.assert_allclose(summary["paid_mean_se"], standard_error(paid).ravel())
    p = summary["p_exhausted"].to_numpy()
    np.testing.assert_allclose(summary["p_exhausted_se"], proportion_se(p, jiangmen.draws))


def test_unknown_metric_suggests_the_closest_name() -> None:
    with pytest.raises(KeyError, match="did you mean 'p_exhausted'"):
        metric("p_exhausteed")
    with pytest.raises(KeyError, match="no metric 'zzz'"):
        label("zzz")


def test_units_and_kinds() -> None:
    assert metrics.is_money("budget_at_risk_p95")
    assert metrics.is_money("cash_mean")
    assert not metrics.is_money("paid_full_mean")
    assert metrics.is_share("p_exhausted_se")
    assert metrics.is_share("fill_ratio")
    assert unit_label("demand_mean", "万元", "zh") == "万元"
    assert unit_label("demand_mean", "万元", "en") == "10k yuan"
    assert unit_label("coverage_full", "万元", "en") == "%"
    assert unit_label("claimants_mean", "万元", "zh") == "家"
    assert unit_label("defaults_mean", "万元", "en") == "loans"
    assert metric("leverage").kind is Kind.RATIO
    with pytest.raises(ValueError, match="lang must be 'zh' or 'en'"):
        metrics.as_lang("fr")


def test_values_are_formatted_by_kind() -> None:
    assert format_value("paid_mean", 1_234_567.4) == "1,234,567"
    assert format_value("paid_mean", -12.6, signed=True) == "-13"
    assert format_value("p_exhausted", 0.1234) == "12.3%"
    assert format_value("p_exhausted", 0.0, signed=True) == "+0.0个百分点"  # points
    assert format_value("p_exhausted", 0.1, "en", signed=True, bare=True) == "+10.0"
    assert format_value("claimants_mean", 2.94) == "2.9"
    assert format_value("claimants_mean", 0.0) == "0"
    assert format_value("exhaustion_month_p50", 10.0) == "10月"
    assert format_value("exhaustion_month_p50", 10.0, "en") == "Oct"
    assert format_value("first_exhausted_year_p50", 2022.0) == "2022"
    assert format_value("leverage", 16.14) == "16.1×"
    for missing in (None, float("nan")):
        assert format_value("fill_ratio", missing) == "—"


def test_tidy_marks_every_money_column_with_the_unit(jiangmen: budgetsim.SimulationResult) -> None:
    tidy = jiangmen.tidy()
    units = tidy.groupby("metric")["unit"].first()
    assert (
        units["cash_mean"] == units["payable_after_mean"] == units["budget_at_risk_p80"] == "万元"
    )
    assert units["p_exhausted"] == units["claimants_mean"] == ""


def test_the_glossary_holds_the_registry_table() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    start, end = "<!-- metrics:start -->\n", "<!-- metrics:end -->"
    assert start in text
    assert end in text
    block = text[text.index(start) + len(start) : text.index(end)]
    assert block == metrics.markdown_table(), (
        "docs/glossary.md is out of date: paste in the output of the command given in its "
        "'Result columns' section"
    )


def test_the_glossary_holds_the_words_table() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    start, end = "<!-- words:start -->\n", "<!-- words:end -->"
    assert start in text
    assert end in text
    block = text[text.index(start) + len(start) : text.index(end)]
    assert block == words.markdown_table(), (
        "docs/glossary.md is out of date: paste in the output of the command given in its "
        "'Other words of the outputs' section"
    )
    lines = block.splitlines()
    assert lines[0] == "| key | 中文 | English |"
    assert len(lines) == len(words.WORDS) + 2  # every word, one row each
    assert "| `grade_S` | S 有出处 | S sourced |" in lines


def test_the_glossary_is_written_in_both_languages() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    chinese = text[text.index("## 中文") : text.index("## English")]
    english = text[text.index("## English") : text.index("## 生成的表")]
    for term in ("S 有出处", "D 推算", "E 估计", "合理区间", "假设", "条款"):
        assert term in chinese, term
    for term in ("S sourced", "D derived", "E estimate", "plausible range", "assumption", "clause"):
        assert term in english, term
    # each part names the same things: every code name of one table is in the other
    names = [set(re.findall(r"^\| `([^`]+)`", part, flags=re.M)) for part in (chinese, english)]
    assert names[0] == names[1]
    assert len(names[0]) > 60


def test_the_notebook_view_labels_with_the_registry(jiangmen: budgetsim.SimulationResult) -> None:
    page = jiangmen._repr_html_()
    for name in metrics.OVERVIEW:
        assert f"<th>{header(name, 'zh', jiangmen.unit)}</th>" in page
        assert f"<th>{name}</th>" not in page  # a reader never sees the code name
    assert "12月" in page or "6月" in page  # months formatted as months, not amounts


# -- statistics in one place ----------------------------------------------------------------------


def test_standard_error_with_one_and_two_draws() -> None:
    one = np.array([[3.0, 5.0]])  # one draw of two quantities
    assert np.isnan(standard_error(one)).all()
    assert standard_error(one).shape == (2,)
    two = np.array([[1.0, 5.0], [3.0, 5.0]])
    np.testing.assert_array_equal(standard_error(two), [1.0, 0.0])  # s = √2, / √2
    np.testing.assert_array_equal(standard_error(two.T, axis=1), [1.0, 0.0])
    assert np.isnan(proportion_se(1.0, 1))
    assert proportion_se(0.5, 2) == pytest.approx(0.5 / np.sqrt(2))
    low, high = interval(np.array([10.0, 10.0]), standard_error(np.array([[1.0, 9.0]])))
    assert np.isnan(low).all()
    assert np.isnan(high).all()
    low, high = interval(2.0, 1.0)
    assert (float(low), float(high)) == (2.0 - Z95, 2.0 + Z95)
    low, high = interval(0.0, 1.0, level=0.5)
    assert float(high) == pytest.approx(0.6744897501960817)


def test_one_draw_has_no_standard_error_anywhere() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    one = budgetsim.simulate(sc, draws=1, seed=1).summary()
    for column in ("demand_mean_se", "paid_mean_se", "p_exhausted_se"):
        assert one[column].isna().all(), column
    same = budgetsim.compare(sc, sc, draws=1).summary()
    assert same["paid_mean_diff_low"].isna().all()
    two = budgetsim.compare(sc, sc, draws=2).summary()
    assert (two["paid_mean_diff_low"] == 0).all()  # a no-change variant: exactly zero


def test_comparison_intervals_come_from_the_shared_standard_error() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    more = budgetsim.load_scenario(
        "jiangmen-2021", ["programmes.loan_interest.envelope.total=4500"]
    )
    comparison = budgetsim.compare(sc, more, draws=50)
    table = comparison.summary().loc[("loan_interest", 2021)]
    diff = (
        (comparison.variant.paid - comparison.base.paid)
        .sel(programme="loan_interest", year=2021)
        .values
    )
    half = Z95 * diff.std(ddof=1) / np.sqrt(diff.size)
    assert table["paid_mean_diff_high"] - table["paid_mean_diff"] == pytest.approx(half)
    outcomes = comparison.outcomes()
    assert isinstance(outcomes, pd.DataFrame)
    assert set(outcomes["metric"]) <= set(REGISTRY)
