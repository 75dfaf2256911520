"""Charts: each renders with Chinese labels and no missing glyph, has the artists it should,
leaves global rcParams alone, and falls back to English with one warning without a CJK font."""

import os
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest

import budgetsim
from budgetsim import charts
from budgetsim.charts import _style
from budgetsim.optimize import allocate

mpl.use("Agg")


@pytest.fixture(scope="module")
def result() -> budgetsim.SimulationResult:
    return budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=200, seed=1)


def _render(fig: mpl.figure.Figure, path: Path) -> None:
    # a missing glyph is a UserWarning from the renderer: make it fail the test
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing")
        fig.savefig(path)
        fig.savefig(path.with_suffix(".svg"))
    assert path.stat().st_size > 10_000


# CI installs a CJK font and sets BUDGETSIM_REQUIRE_CJK: there a missing font fails the tests
needs_cjk = pytest.mark.skipif(
    charts.cjk_font() is None and not os.environ.get("BUDGETSIM_REQUIRE_CJK"),
    reason="no CJK font installed (Debian: fonts-wqy-microhei)",
)


@needs_cjk
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_chart_renders_without_missing_glyphs(
    result: budgetsim.SimulationResult, tmp_path: Path, lang: str
) -> None:
    figures = {
        "heat": charts.exhaustion_heatmap(result, lang=lang),
        "demand": charts.demand_distribution(result, "loan_interest", lang=lang),
        "fill": charts.fill_ratio(result, lang=lang),
        "curve": charts.budget_coverage_curve(result, "loan_interest", 2021, lang=lang),
    }
    for name, fig in figures.items():
        _render(fig, tmp_path / f"{name}.png")
    heat = figures["heat"].axes[0]
    capped = 9  # programmes drawing on a fund in jiangmen-2021
    assert len(heat.texts) == capped * 3
    assert heat.get_title() == ("P(资金用尽)" if lang == "zh" else "P(exhausted)")  # the registry's
    assert len(figures["curve"].axes[0].lines) == 3  # fill, P(exhausted), the envelope
    assert figures["demand"].axes[0].get_ylabel().endswith("[万元]" if lang == "zh" else "yuan]")


@needs_cjk
def test_allocation_split_draws_both_splits(tmp_path: Path) -> None:
    res = allocate(budgetsim.load_scenario("jiangmen-2021"), draws=30, validation_draws=30)
    fig = charts.allocation_split(res)
    _render(fig, tmp_path / "split.png")
    bars = fig.axes[0].patches
    assert len(bars) == 2 * len(res.table)  # every fund-year, document and recommended


def test_charts_leave_global_rcparams_alone(result: budgetsim.SimulationResult) -> None:
    before = dict(mpl.rcParams)
    charts.exhaustion_heatmap(result, lang="en")
    assert dict(mpl.rcParams) == before


def test_without_a_cjk_font_labels_fall_back_to_english_with_one_warning(
    result: budgetsim.SimulationResult, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_style, "cjk_font", lambda: None)
    _style._warn_once.cache_clear()
    with pytest.warns(charts.ChartFontWarning, match="English labels"):
        fig = charts.exhaustion_heatmap(result, lang="zh")
    assert fig.axes[0].get_title() == "P(exhausted)"
    with warnings.catch_warnings():
        warnings.simplefilter("error", charts.ChartFontWarning)  # once only
        charts.fill_ratio(result, lang="zh")
    _render(fig, tmp_path / "heat.png")
    _style._warn_once.cache_clear()


def test_amounts_switch_to_yi_yuan_from_one_yi() -> None:
    assert _style.money_scale(np.array([9_999.0]), "万元") == (1.0, "万元")
    assert _style.money_scale(np.array([10_000.0]), "万元") == (10_000.0, "亿元")
    assert _style.unit_label("亿元", "en") == "100m yuan"


def test_unknown_language_is_refused(result: budgetsim.SimulationResult) -> None:
    with pytest.raises(ValueError, match="lang must be 'zh' or 'en'"):
        charts.fill_ratio(result, lang="fr")


@needs_cjk
def test_month_reserve_target_and_comparison_charts_render(
    result: budgetsim.SimulationResult, tmp_path: Path
) -> None:
    cdf = charts.exhaustion_month_cdf(result, 2021)
    _render(cdf, tmp_path / "cdf.png")
    # the R&D reward always runs out: its curve reaches 100 % by December
    lines = {line.get_label(): line for line in cdf.axes[0].lines}
    rd = lines["研发费用加计扣除奖补"]
    assert rd.get_ydata()[-1] == 1.0
    reserve = charts.riskfund_balance(result)
    _render(reserve, tmp_path / "reserve.png")
    assert len(reserve.axes) == 2
    zhongshan = budgetsim.simulate(budgetsim.load_scenario("zhongshan-2024"), draws=100, seed=1)
    target = charts.target_paths(zhongshan)
    _render(target, tmp_path / "target.png")
    assert any("3,200" in t.get_text() for t in target.axes[0].texts)
    sc = budgetsim.load_scenario("jiangmen-2021")
    more = budgetsim.load_scenario(
        "jiangmen-2021", ["programmes.loan_interest.envelope.total=4500"]
    )
    comparison = budgetsim.compare(sc, more, draws=100)
    fig = charts.comparison_chart(comparison)
    _render(fig, tmp_path / "compare.png")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["科技信贷贷款贴息"]
    same = charts.comparison_chart(budgetsim.compare(sc, sc, draws=20))
    assert same.axes[0].texts[0].get_text() == "各项目均无差异"


def test_charts_for_parts_a_scenario_lacks_say_so(result: budgetsim.SimulationResult) -> None:
    with pytest.raises(ValueError, match="has no policy target"):
        charts.target_paths(result)


def test_monthly_payments_add_up_and_do_not_depend_on_chunks() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    one = budgetsim.simulate(sc, draws=120, seed=3, monthly=True)
    other = budgetsim.simulate(sc, draws=120, seed=3, monthly=True, chunk_draws=7, workers=2)
    by_month = one.dataset["paid_by_month"].values
    assert np.array_equal(by_month, other.dataset["paid_by_month"].values)
    assert (np.diff(by_month, axis=-1) >= 0).all()
    np.testing.assert_allclose(by_month[..., -1], one.paid.values, rtol=1e-12, atol=1e-9)
    assert "paid_by_month" not in budgetsim.simulate(sc, draws=5, seed=3).dataset


@needs_cjk
def test_fan_chart_has_a_panel_per_capped_programme(tmp_path: Path) -> None:
    res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=100, monthly=True)
    fig = charts.fan_chart(res, 2021)
    _render(fig, tmp_path / "fan.png")
    assert sum(ax.get_visible() for ax in fig.axes) == 9
    with pytest.raises(ValueError, match="monthly=True"):
        charts.fan_chart(budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=5))
