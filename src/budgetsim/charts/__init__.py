"""Budget planning charts: each a function, a result in, a matplotlib Figure out.

Functions that draw one panel take ``ax=`` to draw into an existing Axes (and return its
Figure). Titles and axis labels are Chinese by default (``lang="zh"``) and English with
``lang="en"``; without an installed CJK font, Chinese falls back to English with one
:class:`ChartFontWarning`. Amounts are shown in 万元 or, from 1亿 up, 亿元, with thousands
separators; a small footer names the scenario, draws, seed and budgetsim version.

Examples
--------
>>> import budgetsim
>>> from budgetsim import charts
>>> res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=50, seed=1)
>>> fig = charts.exhaustion_heatmap(res, lang="en")
>>> fig.savefig("exhaustion.png")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from numpy.typing import NDArray

from budgetsim import __version__
from budgetsim.charts._style import (
    PALETTE,
    ChartFontWarning,
    Lang,
    chart_style,
    cjk_font,
    footer,
    money_axis,
    money_scale,
    resolve_lang,
)
from budgetsim.comparison import Comparison
from budgetsim.metrics import is_share, label, money_unit
from budgetsim.optimize.allocation import AllocationResult
from budgetsim.results import SimulationResult
from budgetsim.stats import quantile

__all__ = [
    "ChartFontWarning",
    "allocation_split",
    "budget_coverage_curve",
    "cjk_font",
    "comparison_chart",
    "demand_distribution",
    "exhaustion_heatmap",
    "exhaustion_month_cdf",
    "fan_chart",
    "fill_ratio",
    "riskfund_balance",
    "target_paths",
]

Floats = NDArray[np.float64]

#: Chart text that names no metric (metric labels come from :mod:`budgetsim.metrics`).
_TEXT: dict[str, dict[Lang, str]] = {
    "year": {"zh": "年度", "en": "year"},
    "demand": {"zh": "需求分布与预算", "en": "Demand against the envelope"},
    "amount": {"zh": "金额", "en": "amount"},
    "turned_away": {"zh": "未获任何资助", "en": "paid nothing"},
    "curve": {"zh": "预算—覆盖曲线", "en": "Budget–coverage curve"},
    "split": {"zh": "预算分配：文件 vs 优化建议", "en": "Split: the document vs recommended"},
    "document": {"zh": "文件", "en": "document"},
    "recommended": {"zh": "建议", "en": "recommended"},
    "draws": {"zh": "次模拟", "en": "draws"},
    "cumulative": {"zh": "{metric}（累计概率）", "en": "{metric} (cumulative)"},
    "month": {"zh": "月份", "en": "month"},
    "p_by_month": {"zh": "截至该月用尽的概率", "en": "P(exhausted by the month)"},
    "none_runs_out": {"zh": "本年度没有项目用尽资金", "en": "no programme runs out this year"},
    "difference": {"zh": "方案差异（变体 − 基准）", "en": "Variant − baseline"},
    "difference_in": {"zh": "{metric}之差", "en": "difference in {metric}"},
    "no_difference": {"zh": "各项目均无差异", "en": "no programme differs"},
    "fan": {"zh": "年内累计拨付（按申请到达顺序）", "en": "Paid through the year (arrival order)"},
    "seed": {"zh": "随机种子", "en": "seed"},
}


def _t(key: str, lang: Lang) -> str:
    return _TEXT[key][lang]


def _title(name: str, lang: Lang) -> str:
    """The label of metric ``name`` as a title: an English one starts with a capital."""
    text = label(name, lang)
    return text[:1].upper() + text[1:]


def _label(result: SimulationResult, programme: str, lang: Lang) -> str:
    spec = result.scenario.programmes[programme]
    return spec.label if lang == "zh" else (spec.label_en or programme)


def _stamp(result: SimulationResult, lang: Lang) -> str:
    return (
        f"{result.scenario.id} · {result.draws:,} {_t('draws', lang)} · "
        f"{_t('seed', lang)} {result.seed} · budgetsim {__version__}"
    )


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes, bool]:
    if ax is not None:
        return ax.get_figure(), ax, False  # type: ignore[return-value]
    # a Figure of its own, not pyplot's: no global state, nothing to close, any backend
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot(), True


def _capped(result: SimulationResult) -> list[str]:
    """Programmes that draw on a fund (their own envelope or a shared one), in scenario order.

    Raises
    ------
    ValueError
        When the scenario has none (every programme is uncapped: nothing can run out).
    """
    members = {p for fund in result.funds for p in fund.members}
    capped = [p for i, p in enumerate(result.programmes) if i in members]
    if not capped:
        raise ValueError(
            f"{result.scenario.id} has no programme with an envelope: nothing can run out"
        )
    return capped


def exhaustion_heatmap(
    result: SimulationResult, *, lang: str = "zh", ax: Axes | None = None
) -> Figure:
    """P(exhausted) per capped programme and year, as an annotated heatmap.

    Parameters
    ----------
    result
        A simulation result.
    lang
        ``"zh"`` or ``"en"``.
    ax
        Axes to draw into; a new figure when None.
    """
    lang_ = resolve_lang(lang)
    programmes = _capped(result)
    values = result["exhausted"].sel(programme=programmes).mean("draw").values
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (6.5, 0.45 * len(programmes) + 1.4))
        ax.imshow(values, cmap="Reds", vmin=0, vmax=1, aspect="auto")
        ax.grid(False)
        ax.set_xticks(range(len(result.years)), [str(y) for y in result.years])
        ax.set_yticks(range(len(programmes)), [_label(result, p, lang_) for p in programmes])
        for (i, j), v in np.ndenumerate(values):
            ax.text(
                j, i, f"{v:.0%}", ha="center", va="center", fontsize=8,
                color="white" if v > 0.6 else "#222222",
            )  # fmt: skip
        ax.set_title(_title("p_exhausted", lang_))
        ax.set_xlabel(_t("year", lang_))
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


def demand_distribution(
    result: SimulationResult, programme: str, *, lang: str = "zh", ax: Axes | None = None
) -> Figure:
    """Demand per year of one programme (violins) against its envelope, P80/P95 marked."""
    lang_ = resolve_lang(lang)
    demand = result.demand.sel(programme=programme).values  # (draw, year)
    envelope = result.dataset["envelope"].sel(programme=programme).values
    divisor, unit = money_scale(np.r_[demand.ravel(), np.nan_to_num(envelope)], result.unit)
    x = np.arange(len(result.years))
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (6.5, 3.6))
        parts = ax.violinplot(list(demand.T), positions=x, showextrema=False, widths=0.7)
        for body in parts["bodies"]:  # type: ignore[attr-defined]
            body.set_facecolor(PALETTE[5])
            body.set_alpha(0.55)
        for name, q, colour in (("demand_p80", 0.8, PALETTE[4]), ("demand_p95", 0.95, PALETTE[1])):
            ax.scatter(
                x, quantile(demand, q), marker="_", s=300, color=colour,
                label=label(name, lang_), zorder=3,
            )  # fmt: skip
        if np.isfinite(envelope).any():
            ax.scatter(
                x, envelope, marker="D", s=28, color=PALETTE[0], label=label("envelope", lang_),
                zorder=4,
            )  # fmt: skip
        ax.set_xticks(x, [str(y) for y in result.years])
        money_axis(ax, "y", divisor)
        ax.set_ylabel(f"{_t('amount', lang_)} [{money_unit(unit, lang_)}]")
        ax.set_title(f"{_label(result, programme, lang_)} — {_t('demand', lang_)}")
        ax.legend(loc="upper left")
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


def fill_ratio(result: SimulationResult, *, lang: str = "zh", ax: Axes | None = None) -> Figure:
    """Fill ratio (paid ÷ demand) per capped programme and year over draws (one box per
    year, grouped by programme), with the share of claimants paid nothing at all over the
    horizon written beside each programme."""
    lang_ = resolve_lang(lang)
    programmes = _capped(result)
    years = result.years
    ds = result.dataset.sel(programme=programmes)
    paid, demand = ds["paid"].values, ds["demand"].values
    ratio = np.divide(paid, demand, out=np.full(paid.shape, np.nan), where=demand > 0)
    claimants = ds["claimants"].values.astype(float).sum(axis=(0, 2))
    nothing = 1 - ds["paid_any"].values.astype(float).sum(axis=(0, 2)) / np.maximum(claimants, 1)
    step = 0.8 / len(years)
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (7.0, 0.55 * len(programmes) + 1.6))
        for t, year in enumerate(years):
            data = [r[np.isfinite(r)] for r in ratio[:, :, t].T]
            y = np.arange(len(programmes)) + (t - (len(years) - 1) / 2) * step
            colour = PALETTE[t % len(PALETTE)]
            ax.boxplot(
                data, positions=y, orientation="horizontal", widths=step * 0.85,
                showfliers=False, patch_artist=True, manage_ticks=False,
                boxprops={"facecolor": colour, "alpha": 0.5}, medianprops={"color": colour},
                label=str(year),
            )  # fmt: skip
        ax.set_yticks(range(len(programmes)), [_label(result, p, lang_) for p in programmes])
        ax.set_xlim(0, 1.4)  # room on the right for the shares paid nothing
        ax.set_xticks(np.linspace(0, 1, 6))
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        for i, share in enumerate(nothing):
            ax.text(1.04, i, f"{share:.0%} {_t('turned_away', lang_)}", va="center", fontsize=7)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(_title("fill_ratio", lang_))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


def coverage_curve(demand: Floats, envelopes: Floats) -> tuple[Floats, Floats]:
    """Expected fill ratio and P(exhausted) at each envelope, from simulated demand alone.

    Under pro-rata or first-come rationing a programme pays ``min(E, D)``: the expected fill
    ratio is ``E[min(E, D)] / E[D]`` and it runs out when ``D > E``.

    Examples
    --------
    >>> fill, short = coverage_curve(np.array([10.0, 20.0]), np.array([0.0, 10.0, 20.0]))
    >>> fill.tolist(), short.tolist()
    ([0.0, 0.6666666666666666, 1.0], [1.0, 0.5, 0.0])
    """
    paid = np.minimum(envelopes[None, :], demand[:, None])
    mean_demand = float(demand.mean())
    fill = paid.mean(axis=0) / mean_demand if mean_demand > 0 else np.ones(envelopes.size)
    short = (demand[:, None] > envelopes[None, :]).mean(axis=0)
    return np.asarray(fill), np.asarray(short)


def budget_coverage_curve(
    result: SimulationResult,
    programme: str,
    year: int | None = None,
    *,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Figure:
    """For one programme and year: the envelope (x) against the expected fill ratio and
    P(exhausted), computed from the simulated demand without re-running (see
    :func:`coverage_curve`); the current envelope is marked."""
    lang_ = resolve_lang(lang)
    year = result.years[0] if year is None else year
    demand = result.demand.sel(programme=programme, year=year).values
    envelope = float(result.dataset["envelope"].sel(programme=programme, year=year))
    top = float(quantile(demand, 0.995)) * 1.1 or 1.0
    grid = np.linspace(0.0, top, 200)
    fill, short = coverage_curve(demand, grid)
    divisor, unit = money_scale(grid, result.unit)
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (6.5, 3.6))
        ax.plot(grid, fill, color=PALETTE[0], label=label("fill_ratio", lang_, short=True))
        ax.plot(grid, short, color=PALETTE[1], linestyle="--", label=label("p_exhausted", lang_))
        if np.isfinite(envelope):
            ax.axvline(envelope, color="#555555", linewidth=0.8)
            ax.annotate(
                f" {label('envelope', lang_)}", (envelope, 0.04), fontsize=7, ha="left",
                xycoords=("data", "axes fraction"), rotation=90,
            )  # fmt: skip
        money_axis(ax, "x", divisor)
        ax.set_xlabel(f"{label('envelope', lang_)} [{money_unit(unit, lang_)}]")
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
        ax.set_title(f"{_label(result, programme, lang_)} {year} — {_t('curve', lang_)}")
        ax.legend(loc="center right")
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


def allocation_split(
    allocation: AllocationResult, *, lang: str = "zh", ax: Axes | None = None
) -> Figure:
    """The document's split and the recommended one, per year, as stacked bars by fund."""
    lang_ = resolve_lang(lang)
    t = allocation.table
    funds = list(dict.fromkeys(t["fund"]))
    years = list(dict.fromkeys(t["year"]))
    divisor, unit = money_scale(
        t.groupby("year")[["document", "recommended"]].sum(), allocation.unit
    )
    colours: list[Any] = [mpl.colormaps["tab20"](i % 20) for i in range(len(funds))]
    x = np.arange(len(years))
    with chart_style(lang_):
        fig, ax, _ = _axes(ax, (7.5, 4.0))
        for offset, column in ((-0.2, "document"), (0.2, "recommended")):
            bottom = np.zeros(len(years))
            for f, fund in enumerate(funds):
                v = t[t["fund"] == fund].set_index("year").loc[years, column].to_numpy()
                ax.bar(
                    x + offset, v, width=0.38, bottom=bottom, color=colours[f],
                    label=fund if column == "document" else None,
                    hatch="" if column == "document" else "//", edgecolor="white",
                )  # fmt: skip
                bottom += v
            for i, top in enumerate(bottom):
                ax.text(x[i] + offset, top, _t(column, lang_), ha="center", va="bottom", fontsize=7)
        ax.set_xticks(x, [str(y) for y in years])
        money_axis(ax, "y", divisor)
        ax.set_ylabel(f"{_t('amount', lang_)} [{money_unit(unit, lang_)}]")
        ax.set_title(_t("split", lang_))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def exhaustion_month_cdf(
    result: SimulationResult, year: int | None = None, *, lang: str = "zh", ax: Axes | None = None
) -> Figure:
    """For the programmes that can run out in ``year`` (default the first): the probability
    that the money is gone by the end of each month (arrival order)."""
    lang_ = resolve_lang(lang)
    year = result.years[0] if year is None else year
    months = result["exhaustion_month"].sel(year=year)
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (6.5, 3.6))
        drawn = 0
        for programme in _capped(result):
            m = months.sel(programme=programme).values
            if not (m > 0).any():
                continue
            by_month = [float(np.mean((m >= 1) & (m <= k))) for k in range(1, 13)]
            style = "-" if drawn < len(PALETTE) else "--"  # colours repeat after the palette
            ax.step(
                range(1, 13), by_month, where="post", linestyle=style,
                label=_label(result, programme, lang_),
            )  # fmt: skip
            drawn += 1
        ax.set_xticks(range(1, 13))
        ax.set_xlim(0.5, 12.5)
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
        ax.set_xlabel(_t("month", lang_))
        ax.set_ylabel(_t("p_by_month", lang_))
        month = _title("exhaustion_month", lang_)
        ax.set_title(f"{year} — {_t('cumulative', lang_).format(metric=month)}")
        if drawn:
            ax.legend(loc="upper left", fontsize=7)
        else:
            ax.text(0.5, 0.5, _t("none_runs_out", lang_), ha="center", transform=ax.transAxes)
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


def comparison_chart(
    comparison: Comparison,
    metric: str = "p_exhausted",
    *,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Figure:
    """Variant − baseline per programme and year for ``metric`` (``"p_exhausted"`` or
    ``"paid_mean"``), with the 95 % interval of the paired differences; programmes whose
    difference is exactly zero in every year are left out; any metric of
    :data:`budgetsim.comparison.COMPARED` works."""
    lang_ = resolve_lang(lang)
    table = comparison.summary()
    diff = table[f"{metric}_diff"]
    moved = diff.groupby(level="programme").apply(lambda d: bool((d != 0).any()))
    programmes = [p for p in comparison.programmes if moved.get(p, False)]
    base = comparison.base
    years = base.years
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (7.0, 0.5 * max(len(programmes), 1) + 1.6))
        height = 0.8 / len(years)
        for j, year in enumerate(years):
            rows = table.loc[[(p, year) for p in programmes]]
            y = np.arange(len(programmes)) + (j - (len(years) - 1) / 2) * height
            mid = rows[f"{metric}_diff"].to_numpy()
            err = np.vstack(
                [mid - rows[f"{metric}_diff_low"].to_numpy(), rows[f"{metric}_diff_high"] - mid]
            )
            ax.barh(y, mid, height=height * 0.9, xerr=err, label=str(year), capsize=2)
        ax.axvline(0, color="#555555", linewidth=0.8)
        if not programmes:
            ax.text(0.5, 0.5, _t("no_difference", lang_), transform=ax.transAxes, ha="center")
        ax.set_yticks(range(len(programmes)), [_label(base, p, lang_) for p in programmes])
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        if is_share(metric):
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        else:
            divisor, unit = money_scale(mid, base.unit)
            money_axis(ax, "x", divisor)
            ax.set_xlabel(f"[{money_unit(unit, lang_)}]")
        what = _t("difference_in", lang_).format(metric=label(metric, lang_))
        ax.set_title(f"{_t('difference', lang_)}: {what}")
        if programmes:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        if own:
            footer(fig, _stamp(base, lang_))
    return fig


def _paths(ax: Axes, years: list[int], values: Floats, divisor: float, colour: str) -> None:
    """P5–P95 and P25–P75 bands and the median over draws (rows) per year (columns)."""
    q = quantile(values, (0.05, 0.25, 0.5, 0.75, 0.95)) / divisor
    ax.fill_between(years, q[0], q[4], color=colour, alpha=0.15, linewidth=0, label="P5–P95")
    ax.fill_between(years, q[1], q[3], color=colour, alpha=0.3, linewidth=0, label="P25–P75")
    ax.plot(years, q[2], color=colour, marker="o", label="P50")
    ax.set_xticks(years, [str(y) for y in years])


def riskfund_balance(
    result: SimulationResult, fund: str | None = None, *, lang: str = "zh"
) -> Figure:
    """A credit risk reserve fund: balance at each year end (bands over draws) and, below,
    P(depleted by the year end)."""
    lang_ = resolve_lang(lang)
    if not result.riskfunds:
        raise ValueError(f"{result.scenario.id} has no risk reserve fund")
    fund = next(iter(result.riskfunds)) if fund is None else fund
    ds = result.riskfunds[fund]
    spec = result.scenario.riskfunds[fund]
    name = spec.label if lang_ == "zh" else (spec.label_en or fund)
    balance = ds["balance_end"].values
    depleted = result.riskfund_summary().loc[fund]["p_depleted"].to_numpy()
    divisor, unit = money_scale(balance, result.unit)
    years = result.years
    with chart_style(lang_):
        fig = Figure(figsize=(6.5, 5.0), layout="constrained")
        top, bottom = fig.subplots(2, 1, height_ratios=(3, 1.4), sharex=True)
        _paths(top, years, balance, 1.0, PALETTE[0])
        money_axis(top, "y", divisor)
        top.set_ylabel(f"[{money_unit(unit, lang_)}]")
        top.set_title(f"{name} — {label('balance_end', lang_)}")
        top.legend(loc="lower left")
        bottom.bar(years, depleted, color=PALETTE[1], width=0.5)
        for y, p in zip(years, depleted, strict=True):
            bottom.text(y, p, f"{p:.1%}", ha="center", va="bottom", fontsize=7)
        bottom.set_ylim(0, max(0.05, float(depleted.max()) * 1.3))
        bottom.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
        bottom.set_ylabel(label("p_depleted", lang_))
        footer(fig, _stamp(result, lang_))
    return fig


def target_paths(
    result: SimulationResult, target: str | None = None, *, lang: str = "zh", ax: Axes | None = None
) -> Figure:
    """A policy target: the stock per year (bands over draws) against the goal line, with
    P(goal met) in the goal's year."""
    lang_ = resolve_lang(lang)
    if not result.targets:
        raise ValueError(f"{result.scenario.id} has no policy target")
    target = next(iter(result.targets)) if target is None else target
    spec = result.scenario.targets[target]
    name = spec.label if lang_ == "zh" else (spec.label_en or target)
    stock = result.targets[target]["stock"].values.astype(float)
    years = result.years
    met = float(np.mean(stock[:, years.index(spec.goal_year)] >= spec.goal))
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (6.5, 3.6))
        _paths(ax, years, stock, 1.0, PALETTE[2])
        ax.axhline(spec.goal, color=PALETTE[1], linestyle="--", linewidth=1)
        ax.annotate(
            f"{label('goal', lang_)} {spec.goal:,} ({spec.goal_year}) · "
            f"{label('p_at_goal', lang_)} {met:.1%}",
            (0.01, spec.goal), xycoords=("axes fraction", "data"), va="bottom", fontsize=8,
            color=PALETTE[1], bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
        ax.set_title(f"{name} — {label('stock', lang_)}")
        ax.legend(loc="lower right")
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


def fan_chart(
    result: SimulationResult,
    year: int | None = None,
    *,
    programmes: list[str] | None = None,
    lang: str = "zh",
) -> Figure:
    """Cumulative money paid through the months of ``year`` (claims in arrival order) against
    the money available, one panel per capped programme: P5–P95 and P25–P75 bands over
    draws, the median, and the median money available.

    Needs ``simulate(..., monthly=True)`` (the per-month record is off by default).
    """
    lang_ = resolve_lang(lang)
    if "paid_by_month" not in result.dataset:
        raise ValueError("the fan chart needs monthly payments: simulate(..., monthly=True)")
    year = result.years[0] if year is None else year
    chosen = programmes or _capped(result)
    cols = min(3, len(chosen))
    rows = -(-len(chosen) // cols)
    months = np.arange(1, 13)
    fig = Figure(figsize=(3.4 * cols, 2.6 * rows + 0.4), layout="constrained")
    with chart_style(lang_):
        axes = fig.subplots(rows, cols, squeeze=False)
        for k, programme in enumerate(chosen):
            ax = axes.flat[k]
            paid = result.dataset["paid_by_month"].sel(programme=programme, year=year).values
            available = float(np.nanmedian(result["available"].sel(programme=programme, year=year)))
            divisor, unit = money_scale(np.r_[paid.ravel(), available], result.unit)
            q = quantile(paid, (0.05, 0.25, 0.5, 0.75, 0.95))
            ax.fill_between(months, q[0], q[4], color=PALETTE[0], alpha=0.15, linewidth=0)
            ax.fill_between(months, q[1], q[3], color=PALETTE[0], alpha=0.3, linewidth=0)
            ax.plot(months, q[2], color=PALETTE[0])
            if np.isfinite(available):
                ax.axhline(available, color=PALETTE[1], linestyle="--", linewidth=1)
            ax.set_xticks([1, 4, 7, 10, 12])
            money_axis(ax, "y", divisor)
            ax.set_title(_label(result, programme, lang_), fontsize=9)
            ax.set_ylabel(f"[{money_unit(unit, lang_)}]", fontsize=7)
        for extra in axes.flat[len(chosen) :]:
            extra.set_visible(False)
        fig.suptitle(f"{year} — {_t('fan', lang_)}; -- {label('available', lang_)}", fontsize=11)
        footer(fig, _stamp(result, lang_))
    return fig
