"""Charts: each renders with Chinese labels and no missing glyph, draws the draws as they are
(the fill ratio's shortfalls, demand where draws lie), has a legend for its bands, draws a
shared fund's members against the fund's money, counts on whole numbers, speaks one language
with registry words and no code name, leaves global rcParams alone, and falls back to English
with one warning without a CJK font."""

import os
import re
import string
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

import budgetsim
from budgetsim import charts
from budgetsim.charts import _style
from budgetsim.metrics import format_value, label
from budgetsim.optimize import allocate
from budgetsim.stats import quantile
from budgetsim.words import WORDS, code_names, word

mpl.use("Agg")


@pytest.fixture(scope="module")
def result() -> budgetsim.SimulationResult:
    """jiangmen-2021 with monthly payments: the loan subsidy is short in about a fifth of the
    first year's draws, the R&D reward always (it pays about a tenth of demand); two shared
    funds; a rare award (the national innovation centre match, in ~3 % of draws)."""
    sc = budgetsim.load_scenario("jiangmen-2021")
    return budgetsim.simulate(sc, draws=1000, seed=1, monthly=True)


@pytest.fixture(scope="module")
def zhongshan() -> budgetsim.SimulationResult:
    return budgetsim.simulate(budgetsim.load_scenario("zhongshan-2024"), draws=300, seed=1)


def _render(fig: Figure, path: Path) -> None:
    # a missing glyph is a UserWarning from the renderer: make it fail the test
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing")
        fig.savefig(path)
        fig.savefig(path.with_suffix(".svg"))
    assert path.stat().st_size > 10_000


def _texts(fig: Figure) -> list[str]:
    """Every text a reader sees: titles, labels, tick labels, legends, notes, the footer."""
    fig.draw_without_rendering()  # tick labels are set at drawing
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def _legend_texts(fig: Figure) -> list[str]:
    legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    return [t.get_text() for lg in legends if lg is not None for t in lg.get_texts()]


def _gid(ax: Axes, gid: str) -> list[object]:
    return [a for a in ax.get_children() if a.get_gid() == gid]


# CI installs a CJK font and sets BUDGETSIM_REQUIRE_CJK: there a missing font fails the tests
needs_cjk = pytest.mark.skipif(
    charts.cjk_font() is None and not os.environ.get("BUDGETSIM_REQUIRE_CJK"),
    reason="no CJK font installed (Debian: fonts-wqy-microhei)",
)


# -- rendering, one language, registry words ------------------------------------------------------


def _every_chart(
    result: budgetsim.SimulationResult, zhongshan: budgetsim.SimulationResult, lang: str
) -> dict[str, Figure]:
    return {
        "heat": charts.exhaustion_heatmap(result, lang=lang),
        "demand": charts.demand_distribution(result, "loan_interest", lang=lang),
        "demand_rare": charts.demand_distribution(result, "tic_national_match", lang=lang),
        "fill": charts.fill_ratio(result, lang=lang),
        "curve": charts.budget_coverage_curve(result, "loan_interest", 2021, lang=lang),
        "cdf": charts.exhaustion_month_cdf(result, lang=lang),
        "fan": charts.fan_chart(result, lang=lang),
        "reserve": charts.riskfund_balance(result, lang=lang),
        "target": charts.target_paths(zhongshan, lang=lang),
        "demand_zhongshan": charts.demand_distribution(zhongshan, "youth_base", lang=lang),
    }


@needs_cjk
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_chart_renders_in_one_language_without_code_names(
    result: budgetsim.SimulationResult,
    zhongshan: budgetsim.SimulationResult,
    tmp_path: Path,
    lang: str,
) -> None:
    figures = _every_chart(result, zhongshan, lang)
    code = {name for name in code_names() if "_" in name} | set(result.programmes)
    scenario_ids = {result.scenario.id, zhongshan.scenario.id}
    for name, fig in figures.items():
        _render(fig, tmp_path / f"{name}.png")
        for text in _texts(fig):
            assert not re.search(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", text), (name, text)
            assert text.strip() not in code, (name, text)
            bare = text
            for allowed in (*scenario_ids, "budgetsim"):
                bare = bare.replace(allowed, "")
            if lang == "zh":  # Chinese throughout: no English word (P5, P95 are not words)
                assert not re.search(r"[A-Za-z]{3,}", bare), (name, text)
            else:
                assert not re.search(r"[\u4e00-\u9fff]", text), (name, text)
    heat = figures["heat"].axes[0]
    capped = 9  # programmes drawing on a fund in jiangmen-2021
    assert len(heat.texts) == capped * 3
    assert heat.get_title() == ("P(资金用尽)" if lang == "zh" else "P(exhausted)")  # the registry's
    assert len(figures["curve"].axes[0].lines) == 3  # fill, P(exhausted), the envelope
    assert figures["demand"].axes[0].get_ylabel().endswith("[万元]" if lang == "zh" else "yuan]")


def test_chart_words_have_the_same_fields_in_both_languages() -> None:
    fields = string.Formatter()
    chart_words = [w for key, w in WORDS.items() if key.startswith("chart_")]
    assert len(chart_words) > 30
    for w in chart_words:
        zh = {f for _, f, _, _ in fields.parse(w.zh) if f}
        en = {f for _, f, _, _ in fields.parse(w.en) if f}
        assert zh == en, w.key
        assert w.zh != w.en or not re.search(r"[A-Za-z]{3,}", w.en), w.key


def test_heatmap_writes_the_registry_share_of_each_programme_and_year(
    result: budgetsim.SimulationResult,
) -> None:
    ax = charts.exhaustion_heatmap(result, lang="en").axes[0]
    table = result.summary()["p_exhausted"]
    written = [t.get_text() for t in ax.texts]
    capped = [p for p in result.programmes if p in {t.get_text() for t in ax.get_yticklabels()}]
    assert capped == []  # English tick labels are labels, not ids
    expected = []
    for fund_member in charts._capped(result):
        for year in result.years:
            p = float(table.loc[(fund_member, year)])
            expected.append("<0.1%" if 0 < p < 0.0005 else format_value("p_exhausted", p))
    assert written == expected


# -- the fill ratio shows the shortfalls -----------------------------------------------------------


def test_fill_ratio_draws_every_draw_short_of_money_and_writes_its_share(
    result: budgetsim.SimulationResult,
) -> None:
    fig = charts.fill_ratio(result, lang="en")
    ax = fig.axes[0]
    ds = result.dataset.sel(year=2021)
    summary = result.summary()["p_exhausted"]
    for programme in ("loan_interest", "rd_reward", "team_projects"):
        short = result["exhausted"].sel(programme=programme, year=2021).values.astype(bool)
        paid = ds["paid"].sel(programme=programme).values[short]
        demand = ds["demand"].sel(programme=programme).values[short]
        (dots,) = _gid(ax, f"short:{programme}:2021")
        assert isinstance(dots, PathCollection)
        drawn = np.asarray(dots.get_offsets())[:, 0]
        # every draw short of money is drawn, at its fill ratio, below 100 %
        np.testing.assert_allclose(np.sort(drawn), np.sort(paid / demand))
        assert (drawn < 1).all()
        # P(fill < 100 %) is written as the result's share, beside the year
        written = [t.get_text() for t in _gid(ax, f"p-short:{programme}")]
        share = float(summary.loc[(programme, 2021)])
        assert written[0] == f"2021  {format_value('p_exhausted', share)}"
        assert short.mean() == share
    # a quarter of the loan subsidy's first-year draws fall short; the R&D reward always pays
    # about a tenth of demand
    assert 0.15 < float(summary.loc[("loan_interest", 2021)]) < 0.3
    (rd,) = _gid(ax, "short:rd_reward:2021")
    assert 0.05 < float(np.median(np.asarray(rd.get_offsets())[:, 0])) < 0.15
    # no draw paid in full is drawn as a dot (a rounding error of paid ÷ demand is no shortfall)
    assert not _gid(ax, "short:competition_prizes:2021")
    # the share of claimants paid nothing over the horizon, as the result's totals say
    totals = result.totals()["coverage_any"]
    (key_tech,) = _gid(ax, "paid-nothing:key_tech")
    assert key_tech.get_text() == format_value("coverage_any", 1 - float(totals["key_tech"]))
    # the legend says what the dots and the boxes are
    legend = _legend_texts(fig)
    assert word("chart_fill_short", "en") in legend
    assert word("chart_fill_box", "en") in legend


# -- demand where the draws lie ------------------------------------------------------------------


def _drawn_demand(ax: Axes) -> tuple[list[tuple[float, float, float]], bool]:
    """(x centre, y low, y high) of every bar of the demand chart, and whether at values."""
    bars = _gid(ax, "demand-bins")
    values = _gid(ax, "demand-values")
    spans = []
    for patch in bars:
        assert isinstance(patch, Rectangle)
        spans.append(
            (
                patch.get_x() + patch.get_width() / 2,
                patch.get_y(),
                patch.get_y() + patch.get_height(),
            )
        )
    for lines in values:
        assert isinstance(lines, LineCollection)
        for (x0, y0), (x1, y1) in lines.get_segments():
            assert y0 == y1
            spans.append(((x0 + x1) / 2, y0, y1))
    assert bool(bars) != bool(values)
    return spans, bool(values)


@pytest.mark.parametrize(
    ("scenario", "programme", "at_values"),
    [
        ("jiangmen", "tic_national_match", None),  # rare: no demand in ~97 % of draws
        ("jiangmen", "coinnovation_centres", True),  # 0–11 centres of 80 each
        ("jiangmen", "rd_reward", False),  # continuous, never 0
        ("zhongshan", "youth_base", True),  # 0, 1, 2 … bases of 100 each, 0 in 60 %
    ],
)
def test_demand_is_drawn_only_where_draws_lie_with_the_share_at_zero_written(
    result: budgetsim.SimulationResult,
    zhongshan: budgetsim.SimulationResult,
    scenario: str,
    programme: str,
    at_values: bool | None,
) -> None:
    res = result if scenario == "jiangmen" else zhongshan
    fig = charts.demand_distribution(res, programme, lang="en")
    ax = fig.axes[0]
    demand = res.demand.sel(programme=programme).values
    nonzero = demand[demand != 0]
    spans, drawn_at_values = _drawn_demand(ax)
    assert drawn_at_values == at_values or at_values is None
    assert not any(type(c).__name__ == "PolyCollection" for c in ax.collections)  # no violin
    for _, low, high in spans:
        assert nonzero.min() <= low <= high <= nonzero.max()  # no mass where no draw lies
    if drawn_at_values:  # bars at the amounts the draws take, not between them
        assert {low for _, low, _ in spans} <= set(np.unique(nonzero))
    # the widths are the shares of draws, on one scale for every year
    width = {}
    for patch in [*_gid(ax, "demand-bins")]:
        assert isinstance(patch, Rectangle)
        width[round(patch.get_x() + patch.get_width() / 2)] = (
            width.get(round(patch.get_x() + patch.get_width() / 2), 0.0) + patch.get_width()
        )
    for lines in _gid(ax, "demand-values"):
        assert isinstance(lines, LineCollection)
        for (x0, _), (x1, _) in lines.get_segments():
            width[round((x0 + x1) / 2)] = width.get(round((x0 + x1) / 2), 0.0) + (x1 - x0)
    shares = (demand != 0).mean(axis=0)
    ratio = [width.get(t, 0.0) / shares[t] for t in range(len(res.years)) if shares[t] > 0]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)
    # the share of draws with no demand is written under each year that has any
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    for t, year in enumerate(res.years):
        zero = float((demand[:, t] == 0).mean())
        if zero > 0:
            assert ticks[t] == f"{year}\n" + word("chart_zero_share", "en").format(
                share=charts._share(zero, "en")
            )
        else:
            assert ticks[t] == str(year)


def test_demand_shapes_of_a_rare_award_are_its_amounts() -> None:
    demand = np.zeros((1000, 2))
    demand[:30, 0] = 500.0
    demand[30:32, 0] = 1000.0
    demand[:10, 1] = 500.0
    positions, shares, at_values = charts._demand_shapes(demand)
    assert at_values
    assert positions.tolist() == [500.0, 1000.0]
    assert shares.tolist() == [[0.03, 0.002], [0.01, 0.0]]


# -- the fan chart ---------------------------------------------------------------------------------


@needs_cjk
def test_fan_chart_has_a_legend_and_draws_shared_members_against_the_funds_money(
    result: budgetsim.SimulationResult, tmp_path: Path
) -> None:
    fig = charts.fan_chart(result, 2021)
    _render(fig, tmp_path / "fan.png")
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert len(panels) == 9
    legend = _legend_texts(fig)
    for key in ("chart_band_90", "chart_band_50", "chart_median", "chart_money_own"):
        assert word(key) in legend
    assert word("chart_money_fund") in legend  # jiangmen-2021 has shared funds
    by_title = {ax.get_title().split("\n")[0]: ax for ax in panels}
    money = result.ledger.available[:, :, 0]
    for f, fund in enumerate(result.funds):
        for m in fund.members:
            programme = result.programmes[m]
            ax = by_title[result.scenario.programmes[programme].label]
            (line,) = _gid(ax, "fund-money" if fund.shared else "money")
            assert line.get_ydata()[0] == float(quantile(money[:, f], 0.5))
            if fund.shared:  # named as the fund's, and what all its members paid beside
                assert fund.label in ax.get_title()
                assert len(_gid(ax, "fund-paid")) == 1
                assert not _gid(ax, "money")
    # a pro-rata member's own share of the money is not what is drawn
    envoy = result["available"].sel(programme="envoy_support", year=2021).values
    coinnovation = next(f for f, fund in enumerate(result.funds) if fund.id == "coinnovation")
    assert float(quantile(envoy, 0.5)) < float(quantile(money[:, coinnovation], 0.5))
    with pytest.raises(ValueError, match="monthly=True"):
        charts.fan_chart(budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=5))


# -- counts are whole ------------------------------------------------------------------------------


def test_count_axes_tick_whole_numbers() -> None:
    # a target whose stock moves by a unit or two: a plain axis would tick 0.5, 1.5 …
    sc = budgetsim.load_scenario("zhongshan-2024", ["targets.hte_3200.goal=2"])
    res = budgetsim.simulate(sc, draws=50, seed=1)
    res.targets = {tid: ds.assign(stock=ds["stock"] % 3) for tid, ds in res.targets.items()}
    fig = charts.target_paths(res, lang="en")
    ax = fig.axes[0]
    fig.draw_without_rendering()
    low, high = ax.get_ylim()
    assert high - low < 5
    ticks = [v for v in ax.get_yticks() if low <= v <= high]
    assert len(ticks) >= 2
    assert all(float(v).is_integer() for v in ticks)
    assert all(re.fullmatch(r"-?[\d,]+", t.get_text()) for t in ax.get_yticklabels())
    assert ax.get_ylabel() == f"{label('stock', 'en')} [units]"


def test_target_goal_is_in_the_legend_with_the_registry_share(
    zhongshan: budgetsim.SimulationResult,
) -> None:
    fig = charts.target_paths(zhongshan, lang="en")
    spec = zhongshan.scenario.targets["hte_3200"]
    met = float(zhongshan.target_summary().loc[("hte_3200", 2025), "p_at_goal"])
    goal = [t for t in _legend_texts(fig) if t.startswith("goal")]
    assert goal == [f"goal 3,200 units ({spec.goal_year}) · P(stock ≥ goal) {met:.1%}"]
    assert word("chart_band_90", "en") in _legend_texts(fig)


# -- the rest --------------------------------------------------------------------------------------


@needs_cjk
def test_allocation_split_draws_both_splits(tmp_path: Path) -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    res = allocate(sc, draws=30, validation_draws=30)
    fig = charts.allocation_split(res, scenario=sc)
    _render(fig, tmp_path / "split.png")
    bars = fig.axes[0].patches
    assert len(bars) == 2 * len(res.table)  # every fund-year, document and recommended
    names = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "科技信贷贷款贴息" in names
    assert "loan_interest" not in names


def test_charts_leave_global_rcparams_alone(result: budgetsim.SimulationResult) -> None:
    before = dict(mpl.rcParams)
    charts.exhaustion_heatmap(result, lang="en")
    charts.fill_ratio(result, lang="en")
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
    result: budgetsim.SimulationResult, zhongshan: budgetsim.SimulationResult, tmp_path: Path
) -> None:
    cdf = charts.exhaustion_month_cdf(result, 2021)
    _render(cdf, tmp_path / "cdf.png")
    # the R&D reward always runs out: its curve reaches 100 % by December
    lines = {line.get_label(): line for line in cdf.axes[0].lines}
    rd = lines["研发费用加计扣除奖补"]
    assert rd.get_ydata()[-1] == 1.0
    reserve = charts.riskfund_balance(result)
    _render(reserve, tmp_path / "reserve.png")
    assert [ax.get_ylabel() for ax in reserve.axes[:2]] == ["年末余额 [万元]", "P(年末前耗尽)"]
    assert word("chart_band_50") in _legend_texts(reserve)
    target = charts.target_paths(zhongshan)
    _render(target, tmp_path / "target.png")
    assert any("3,200" in t for t in _legend_texts(target))
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


def test_money_ticks_are_written_exactly() -> None:
    """Every tick of an amount axis in 亿元 is written to its value (no 1.25 shown as 1.2)."""
    import matplotlib.pyplot as plt

    from budgetsim.charts._style import money_axis

    fig, ax = plt.subplots()
    ax.plot([0, 1], [9_800.0, 25_300.0])  # 0.98亿 to 2.53亿, in 万元
    money_axis(ax, "y", 10_000.0)
    fig.canvas.draw()
    for tick in ax.get_yticks():
        shown = ax.yaxis.get_major_formatter()(tick, 0)
        assert float(shown.replace(",", "")) == pytest.approx(tick / 10_000.0), shown
    plt.close(fig)
