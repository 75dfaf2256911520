"""Budget planning charts: each a function, a result in, a matplotlib Figure out.

Functions that draw one panel take ``ax=`` to draw into an existing Axes (and return its
Figure). Every title, axis label, legend entry and footer is in one language, Chinese by
default (``lang="zh"``) or English (``lang="en"``), read from the registries: metric labels
and units from :mod:`budgetsim.metrics`, every other word from :mod:`budgetsim.words`.
Without an installed CJK font, Chinese falls back to English with one
:class:`ChartFontWarning`. Amounts are shown in 万元 or, from 1亿 up, 亿元, with thousands
separators; counts (claimants, loans, units) on whole-number ticks; a small footer names the
scenario, draws, seed and budgetsim version.

The charts show draws as they are: the fill ratio draws every draw that fell short of money
(no outlier is hidden), demand is drawn as a histogram of the draws (bars at the values
themselves when there are few), never a smoothed density that puts mass where no draw lies.

Examples
--------
>>> import budgetsim
>>> from budgetsim import charts
>>> res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=50, seed=1)
>>> fig = charts.exhaustion_heatmap(res, lang="en")
>>> fig.savefig("exhaustion.png")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpecBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import ScaledTranslation, blended_transform_factory
from numpy.typing import NDArray

from budgetsim import __version__
from budgetsim.charts._style import (
    PALETTE,
    ChartFontWarning,
    Lang,
    chart_style,
    cjk_font,
    count_axis,
    footer,
    money_axis,
    money_scale,
    resolve_lang,
    wrap,
)
from budgetsim.comparison import Comparison
from budgetsim.metrics import Kind, format_value, is_share, label, money_unit, unit_label
from budgetsim.metrics import metric as metric_spec
from budgetsim.optimize.allocation import AllocationResult
from budgetsim.results import SimulationResult
from budgetsim.scenario import Scenario
from budgetsim.stats import quantile
from budgetsim.words import word

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

#: At most this many distinct non-zero demands are drawn as bars at the values themselves
#: (with their shares written when there are at most :data:`WRITTEN_VALUES`); more, as a
#: histogram of :data:`BINS` bins between the smallest and the largest draw.
DISTINCT_VALUES = 80
WRITTEN_VALUES = 8
BINS = 30
#: Height of the row under a chart that holds its legend, relative to the chart's (the legend
#: hangs below it and the layout makes room).
LEGEND_ROW = 0.001
#: Width of a chart's title, in half-width characters (a Chinese one counts 2).
TITLE_WIDTH = 64
#: Width of a fan chart panel's title, in half-width characters (a Chinese one counts 2).
PANEL_WIDTH = 50


# -- words ---------------------------------------------------------------------------------------


def _w(key: str, lang: Lang, **fields: Any) -> str:
    """The word ``key`` of :mod:`budgetsim.words` in ``lang``, its fields filled."""
    text = word(key, lang)
    return text.format(**fields) if fields else text


def _title(name: str, lang: Lang) -> str:
    """The label of metric ``name`` as a title: an English one starts with a capital."""
    text = label(name, lang)
    return text[:1].upper() + text[1:]


def _name(spec: Any, ident: str, lang: Lang) -> str:
    """A programme, fund, reserve fund or target as a reader calls it: its English label in
    English, else its Chinese one (when a CJK font can draw it), else its id."""
    if lang == "en" and getattr(spec, "label_en", None):
        return str(spec.label_en)
    if lang == "zh" or cjk_font() is not None:
        return str(spec.label)
    return ident


def _label(result: SimulationResult, programme: str, lang: Lang) -> str:
    return _name(result.scenario.programmes[programme], programme, lang)


def _fund_label(result: SimulationResult, f: int, lang: Lang) -> str:
    fund = result.funds[f]
    spec = result.scenario.funds.get(fund.id) if fund.shared else None
    if spec is None:  # a programme's own envelope
        return _label(result, fund.id, lang)
    return _name(spec, fund.id, lang)


def _stamp(result: SimulationResult, lang: Lang) -> str:
    seed = result.seed if result.seed is not None else result.entropy
    return _w(
        "chart_footer", lang, scenario=result.scenario.id, draws=result.draws, seed=seed,
        version=__version__,
    )  # fmt: skip


def _share(value: float, lang: Lang) -> str:
    """A share as the registry writes shares (``23.5%``); a share too small to show as one
    is ``<0.1%``, never ``0.0%`` (which says: never).

    Examples
    --------
    >>> _share(0.2354, "zh"), _share(0.0001, "zh"), _share(0.0, "zh")
    ('23.5%', '<0.1%', '0.0%')
    """
    if 0 < value < 0.0005:
        return "<" + format_value("p_exhausted", 0.001, lang)
    return format_value("p_exhausted", value, lang)


# -- layout --------------------------------------------------------------------------------------


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes, bool]:
    """The Axes to draw into: ``ax``, or a new figure's (with a row below for its legend)."""
    if ax is not None:
        return ax.get_figure(), ax, False  # type: ignore[return-value]
    # a Figure of its own, not pyplot's: no global state, nothing to close, any backend
    fig = Figure(figsize=size, layout="constrained")
    grid = fig.add_gridspec(2, 1, height_ratios=(1, LEGEND_ROW))
    return fig, fig.add_subplot(grid[0]), True


def _legend_row(fig: Figure, grid: GridSpecBase, handles: Sequence[Artist], ncols: int) -> None:
    """The legend in the last row of ``grid``: under the axes and their labels, above the
    footer, never over the data (the layout makes room for it)."""
    row = fig.add_subplot(grid[-1, :])
    row.axis("off")
    row.legend(handles=list(handles), loc="upper center", bbox_to_anchor=(0.5, 1.0), ncols=ncols)


def _legend(fig: Figure, ax: Axes, own: bool, handles: Sequence[Artist], ncols: int) -> None:
    """The legend under the axes in a figure of the chart's own; in the axes' best corner
    when drawing into a given Axes."""
    grid = ax.get_subplotspec().get_gridspec() if own else None  # type: ignore[union-attr]
    if grid is not None:
        _legend_row(fig, grid, handles, ncols)
    else:
        ax.legend(handles=list(handles), loc="best", fontsize=7)


def _bands(colour: str, lang: Lang, marker: str = "") -> list[Artist]:
    """Legend entries of the bands :func:`_paths` and the fan chart draw."""
    return [
        Patch(color=colour, alpha=0.15, linewidth=0, label=_w("chart_band_90", lang)),
        Patch(color=colour, alpha=0.35, linewidth=0, label=_w("chart_band_50", lang)),
        Line2D([], [], color=colour, marker=marker, label=_w("chart_median", lang)),
    ]


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


# -- programmes ----------------------------------------------------------------------------------


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
        fig, ax, own = _axes(ax, (7.0, 0.45 * len(programmes) + 1.5))
        ax.imshow(values, cmap="Reds", vmin=0, vmax=1, aspect="auto")
        ax.grid(False)
        ax.set_xticks(range(len(result.years)), [str(y) for y in result.years])
        ax.set_yticks(range(len(programmes)), [_label(result, p, lang_) for p in programmes])
        for (i, j), v in np.ndenumerate(values):
            ax.text(
                j, i, _share(v, lang_), ha="center", va="center", fontsize=8,
                color="white" if v > 0.6 else "#222222",
            )  # fmt: skip
        ax.set_title(_title("p_exhausted", lang_))
        ax.set_xlabel(word("year", lang_))
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


def _demand_shapes(demand: Floats) -> tuple[Floats, Floats, bool]:
    """Where the non-zero draws of each year lie and what share of the draws lies there.

    Parameters
    ----------
    demand
        Per draw and year [unit].

    Returns
    -------
    positions
        The distinct non-zero values (bars at values) or the bins' edges (a histogram) [unit].
    shares
        Share of the draws at each value or in each bin, per year: (years, values or bins).
    at_values
        Whether ``positions`` are values (few distinct ones) rather than edges.

    Examples
    --------
    >>> pos, shares, at_values = _demand_shapes(np.array([[0.0], [500.0], [500.0], [1000.0]]))
    >>> pos.tolist(), shares.tolist(), at_values
    ([500.0, 1000.0], [[0.5, 0.25]], True)
    """
    draws = demand.shape[0]
    nonzero = demand[demand != 0]
    values = np.unique(nonzero)
    if values.size <= DISTINCT_VALUES:
        shares = np.array(
            [[np.count_nonzero(column == v) / draws for v in values] for column in demand.T]
        ).reshape(demand.shape[1], values.size)
        return values, shares, True
    edges = np.linspace(float(values[0]), float(values[-1]), BINS + 1)
    shares = np.array([np.histogram(c[c != 0], edges)[0] / draws for c in demand.T])
    return edges, shares, False


def demand_distribution(
    result: SimulationResult, programme: str, *, lang: str = "zh", ax: Axes | None = None
) -> Figure:
    """Demand per year of one programme over the draws, against its envelope, P80/P95 marked.

    Each year's draws are drawn as they lie: a histogram of the non-zero draws (from the
    smallest to the largest draw, no mass where none lies) or, when there are at most
    :data:`DISTINCT_VALUES` distinct amounts (a few awards of fixed size), a bar at each
    amount; widths are proportional to the share of draws, on one scale for all years. The
    share of draws with no demand at all is written under each year.
    """
    lang_ = resolve_lang(lang)
    demand = result.demand.sel(programme=programme).values  # (draw, year)
    envelope = result.dataset["envelope"].sel(programme=programme).values
    divisor, unit = money_scale(np.r_[demand.ravel(), np.nan_to_num(envelope)], result.unit)
    positions, shares, at_values = _demand_shapes(demand)
    scale = 0.8 / float(shares.max()) if shares.size and shares.max() > 0 else 0.0
    zero = (demand == 0).mean(axis=0)
    x = np.arange(len(result.years))
    colour = PALETTE[5]
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (7.0, 4.2))
        top = max(float(demand.max()), float(np.nanmax(envelope, initial=0.0)), 1e-9)
        for t in range(len(x)):
            widths = shares[t] * scale
            if at_values:
                # bars as thick as a tenth of the gap between neighbouring values allows
                gap = float(np.diff(positions).min()) if positions.size > 1 else top
                thick = float(np.clip(gap / top * 200 * 0.6, 1.0, 6.0))
                ax.hlines(
                    positions, x[t] - widths / 2, x[t] + widths / 2, color=colour,
                    linewidth=thick, gid="demand-values",
                )  # fmt: skip
                if positions.size <= WRITTEN_VALUES:
                    for v, w, s in zip(positions, widths, shares[t], strict=True):
                        if s == 0:  # a value of another year
                            continue
                        ax.text(
                            x[t] + w / 2 + 0.03, v, _share(s, lang_), va="center",
                            fontsize=6.5, color="#444444",
                        )  # fmt: skip
            else:
                ax.barh(
                    positions[:-1], widths, height=np.diff(positions), left=x[t] - widths / 2,
                    align="edge", color=colour, linewidth=0, gid="demand-bins",
                )  # fmt: skip
        # P95 wider than P80, so that both show where they are equal (both 0 for a rare award)
        for name, q, marker_colour, size in (
            ("demand_p95", 0.95, PALETTE[1], 650),
            ("demand_p80", 0.8, PALETTE[4], 300),
        ):
            ax.scatter(
                x, quantile(demand, q), marker="_", s=size, linewidths=2.2, color=marker_colour,
                zorder=3, gid=name,
            )  # fmt: skip
        if np.isfinite(envelope).any():
            ax.scatter(x, envelope, marker="D", s=30, color=PALETTE[0], zorder=4)
        ticks = [
            f"{y}\n{_w('chart_zero_share', lang_, share=_share(z, lang_))}" if z > 0 else str(y)
            for y, z in zip(result.years, zero, strict=True)
        ]
        ax.set_xticks(x, ticks)
        ax.set_xlim(-0.6, len(x) - 0.4)
        low = float(demand.min())
        if top - low < 0.1 * top:  # (nearly) the same in every draw: ±10 % around it
            centre = (top + low) / 2
            ax.set_ylim(centre - 0.1 * top, centre + 0.1 * top)
        elif low > 0.25 * top:  # far from 0: the draws' own range, not a baseline at 0
            ax.set_ylim(low - 0.05 * (top - low), top + 0.04 * (top - low))
        else:
            ax.set_ylim(min(low, 0.0) - 0.03 * top, top * 1.04)
        ax.grid(False, axis="x")
        money_axis(ax, "y", divisor)
        ax.set_ylabel(_w("chart_amount", lang_, unit=money_unit(unit, lang_)))
        title = _w("chart_demand", lang_, programme=_label(result, programme, lang_))
        ax.set_title(wrap(title, TITLE_WIDTH))
        bars: Artist = (
            Line2D([], [], color=colour, linewidth=4)
            if at_values
            else Patch(color=colour, linewidth=0)
        )
        bars.set_label(_w("chart_demand_bars" if zero.any() else "chart_demand_all", lang_))
        handles = [
            bars,
            Line2D([], [], color=PALETTE[4], linewidth=2, label=label("demand_p80", lang_)),
            Line2D([], [], color=PALETTE[1], linewidth=2, label=label("demand_p95", lang_)),
        ]
        if np.isfinite(envelope).any():
            handles.append(
                Line2D([], [], color=PALETTE[0], marker="D", markersize=5, linestyle="none",
                       label=label("envelope", lang_))
            )  # fmt: skip
        _legend(fig, ax, own, handles, ncols=len(handles))
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


def fill_ratio(result: SimulationResult, *, lang: str = "zh", ax: Axes | None = None) -> Figure:
    """Fill ratio (paid ÷ demand) per capped programme and year over the draws.

    Every draw in which the money ran short (fill below 100 %) is a dot, so that a programme
    short in a quarter of the draws shows its shortfalls, not a box at 100 %; over them, a box
    from P25 to P75 with whiskers from P5 to P95 and the median. Beside each year, the share
    of draws short of money (P(exhausted), the engine's own record: some claimant was not paid
    in full); beside each programme, the share of its claimants paid nothing over the horizon.
    Draws without demand have nothing to fill and are left out of the boxes.
    """
    lang_ = resolve_lang(lang)
    programmes = _capped(result)
    years = result.years
    ds = result.dataset.sel(programme=programmes)
    paid, demand = ds["paid"].values, ds["demand"].values
    short = result["exhausted"].sel(programme=programmes).values.astype(bool)
    # a draw the engine paid in full fills 100 %, whatever the rounding of paid ÷ demand
    ratio = np.where(short, np.divide(paid, demand, out=np.ones(paid.shape), where=demand > 0), 1)
    p_short = short.mean(axis=0)  # (programme, year)
    claimants = ds["claimants"].values.astype(float).sum(axis=(0, 2))
    nothing = 1 - ds["paid_any"].values.astype(float).sum(axis=(0, 2)) / np.maximum(claimants, 1)
    n, step = len(programmes), 0.8 / len(years)
    rng = np.random.default_rng(0)  # the jitter only: the chart is the same at every call
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (8.5, 0.62 * n + 2.2))
        for t, year in enumerate(years):
            colour = PALETTE[t % len(PALETTE)]
            y = np.arange(n) + (t - (len(years) - 1) / 2) * step
            stats = []
            for i, programme in enumerate(programmes):
                r = ratio[demand[:, i, t] > 0, i, t]
                q = quantile(r, (0.05, 0.25, 0.5, 0.75, 0.95)) if r.size else np.ones(5)
                stats.append({"whislo": q[0], "q1": q[1], "med": q[2], "q3": q[3], "whishi": q[4]})
                dots = ratio[short[:, i, t], i, t]
                if dots.size:
                    alpha = float(np.clip(6 / np.sqrt(dots.size), 0.05, 0.6))
                    ax.scatter(
                        dots, y[i] + rng.uniform(-0.38, 0.38, dots.size) * step, s=3,
                        color=colour, alpha=alpha, linewidths=0, rasterized=True,
                        gid=f"short:{programme}:{year}", zorder=1,
                    )  # fmt: skip
            ax.bxp(
                stats, positions=y, orientation="horizontal", widths=step * 0.7,
                showfliers=False, patch_artist=True, manage_ticks=False,
                boxprops={"facecolor": "none", "edgecolor": colour, "linewidth": 1.3},
                whiskerprops={"color": colour, "linewidth": 1.1}, capprops={"color": colour},
                medianprops={"color": "#222222", "linewidth": 1.4}, zorder=2,
            )  # fmt: skip
        ax.set_yticks(range(n), [_label(result, p, lang_) for p in programmes])
        ax.set_ylim(n - 0.5, -0.5)  # the first programme at the top, as in the heatmap
        ax.set_xlim(-0.02, 1.02)
        ax.set_xticks(np.linspace(0, 1, 6))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        ax.set_xlabel(label("fill_ratio", lang_))

        # a table on the right: P(short) per year, the share paid nothing per programme, at
        # fixed distances from the axes (in inches) so that the layout can make room for it
        def column(inches: float) -> Any:
            at = ScaledTranslation(inches, 0, fig.dpi_scale_trans)
            return blended_transform_factory(ax.transAxes, ax.transData) + at

        short_at, nothing_at = column(0.55), column(1.45)
        head: dict[str, Any] = {"fontsize": 7.5, "va": "bottom", "ha": "center", "color": "#444"}
        ax.text(1.0, -0.5, _w("chart_p_short", lang_), transform=short_at, **head)
        ax.text(1.0, -0.5, _w("chart_paid_nothing", lang_), transform=nothing_at, **head)
        for i in range(n):
            for t in range(len(years)):
                at = i + (t - (len(years) - 1) / 2) * step
                ax.text(
                    1.0, at, f"{years[t]}  {_share(p_short[i, t], lang_)}", transform=short_at,
                    va="center", ha="center", fontsize=7, gid=f"p-short:{programmes[i]}",
                    color=PALETTE[t % len(PALETTE)] if p_short[i, t] > 0 else "#999999",
                )  # fmt: skip
            ax.text(
                1.0, i, _share(nothing[i], lang_), transform=nothing_at,
                va="center", ha="center", fontsize=7.5, gid=f"paid-nothing:{programmes[i]}",
            )  # fmt: skip
        ax.set_title(_w("chart_fill", lang_, metric=_title("fill_ratio", lang_)), pad=26)
        # the years' colours are keyed by the coloured years of the table on the right
        keys: list[Artist] = [
            Patch(facecolor="none", edgecolor="#555555", label=_w("chart_fill_box", lang_)),
            Line2D([], [], marker="o", markersize=3, linestyle="none", color="#555555",
                   label=_w("chart_fill_short", lang_)),
        ]  # fmt: skip
        _legend(fig, ax, own, keys, ncols=2)
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
        fig, ax, own = _axes(ax, (7.0, 3.8))
        ax.plot(grid, fill, color=PALETTE[0], label=label("fill_ratio", lang_, short=True))
        ax.plot(grid, short, color=PALETTE[1], linestyle="--", label=label("p_exhausted", lang_))
        if np.isfinite(envelope):
            ax.axvline(envelope, color="#555555", linewidth=0.8)
            ax.annotate(  # above the plot, where no curve runs
                f"{label('envelope', lang_)} {format_value('envelope', envelope, lang_)}",
                (envelope, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 2),
                textcoords="offset points", fontsize=7, ha="center", va="bottom",
            )  # fmt: skip
        money_axis(ax, "x", divisor)
        ax.set_xlabel(f"{label('envelope', lang_)} [{money_unit(unit, lang_)}]")
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        title = _w("chart_curve", lang_, programme=_label(result, programme, lang_), year=year)
        ax.set_title(wrap(title, TITLE_WIDTH), pad=14)
        ax.legend(loc="center right")
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


def allocation_split(
    allocation: AllocationResult,
    *,
    lang: str = "zh",
    ax: Axes | None = None,
    scenario: Scenario | None = None,
) -> Figure:
    """The document's split and the recommended one, per year, as stacked bars by fund.

    Funds are named by their labels when ``scenario`` (the one allocated) is given, else by
    their ids.
    """
    lang_ = resolve_lang(lang)
    t = allocation.table
    funds = list(dict.fromkeys(t["fund"]))
    years = list(dict.fromkeys(t["year"]))

    def fund_name(fid: str) -> str:
        if scenario is None:
            return fid
        spec = scenario.funds.get(fid) or scenario.programmes.get(fid)
        return fid if spec is None else _name(spec, fid, lang_)

    divisor, unit = money_scale(
        t.groupby("year")[["document", "recommended"]].sum(), allocation.unit
    )
    colours: list[Any] = [mpl.colormaps["tab20"](i % 20) for i in range(len(funds))]
    x = np.arange(len(years))
    with chart_style(lang_):
        fig, ax, _ = _axes(ax, (8.5, 4.2))
        for offset, column in ((-0.2, "document"), (0.2, "recommended")):
            bottom = np.zeros(len(years))
            for f, fund in enumerate(funds):
                v = t[t["fund"] == fund].set_index("year").loc[years, column].to_numpy()
                ax.bar(
                    x + offset, v, width=0.38, bottom=bottom, color=colours[f],
                    label=fund_name(fund) if column == "document" else None,
                    hatch="" if column == "document" else "//", edgecolor="white",
                )  # fmt: skip
                bottom += v
            for i, top in enumerate(bottom):
                ax.text(
                    x[i] + offset, top, _w(f"chart_{column}", lang_), ha="center",
                    va="bottom", fontsize=7,
                )  # fmt: skip
        ax.set_xticks(x, [str(y) for y in years])
        money_axis(ax, "y", divisor)
        ax.set_ylabel(_w("chart_amount", lang_, unit=money_unit(unit, lang_)))
        ax.set_title(_w("chart_split", lang_))
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
        fig, ax, own = _axes(ax, (8.5, 3.8))
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
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(_w("chart_month", lang_))
        ax.set_ylabel(_w("chart_p_by_month", lang_))
        ax.set_title(_w("chart_month_cdf", lang_, year=year))
        if drawn:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
        else:
            ax.text(0.5, 0.5, _w("chart_none_runs_out", lang_), ha="center",
                    transform=ax.transAxes)  # fmt: skip
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
        fig, ax, own = _axes(ax, (7.5, 0.5 * max(len(programmes), 1) + 1.8))
        height = 0.8 / len(years)
        mid = np.zeros(0)
        for j, year in enumerate(years):
            rows = table.loc[[(p, year) for p in programmes]]
            y = np.arange(len(programmes)) + (j - (len(years) - 1) / 2) * height
            mid = rows[f"{metric}_diff"].to_numpy()
            err = np.vstack(
                [
                    mid - rows[f"{metric}_diff_low"].to_numpy(),
                    rows[f"{metric}_diff_high"] - mid,
                ]
            )
            ax.barh(y, mid, height=height * 0.9, xerr=err, label=str(year), capsize=2)
        ax.axvline(0, color="#555555", linewidth=0.8)
        if not programmes:
            ax.text(0.5, 0.5, _w("chart_no_difference", lang_), transform=ax.transAxes,
                    ha="center")  # fmt: skip
        ax.set_yticks(range(len(programmes)), [_label(base, p, lang_) for p in programmes])
        if programmes:
            ax.set_ylim(len(programmes) - 0.5, -0.5)
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        kind = metric_spec(metric).kind
        if is_share(metric):
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        elif kind is Kind.MONEY:
            divisor, unit = money_scale(table[f"{metric}_diff"], base.unit)
            money_axis(ax, "x", divisor)
            ax.set_xlabel(f"[{money_unit(unit, lang_)}]")
        else:  # a difference of mean counts may be a fraction: it is labelled as a mean
            ax.set_xlabel(f"[{unit_label(metric, base.unit, lang_)}]")
        ax.set_title(_w("chart_difference", lang_, metric=label(metric, lang_)))
        if programmes:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        if own:
            footer(fig, _stamp(base, lang_))
    return fig


# -- paths over the years: reserve funds, targets ------------------------------------------------


def _paths(ax: Axes, years: list[int], values: Floats, colour: str) -> None:
    """P5–P95 and P25–P75 bands and the median over draws (rows) per year (columns)."""
    q = quantile(values, (0.05, 0.25, 0.5, 0.75, 0.95))
    ax.fill_between(years, q[0], q[4], color=colour, alpha=0.15, linewidth=0)
    ax.fill_between(years, q[1], q[3], color=colour, alpha=0.35, linewidth=0)
    ax.plot(years, q[2], color=colour, marker="o")
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
    name = _name(result.scenario.riskfunds[fund], fund, lang_)
    balance = ds["balance_end"].values
    depleted = result.riskfund_summary().loc[fund]["p_depleted"].to_numpy()
    divisor, unit = money_scale(balance, result.unit)
    years = result.years
    with chart_style(lang_):
        fig = Figure(figsize=(7.0, 5.4), layout="constrained")
        grid = fig.add_gridspec(3, 1, height_ratios=(3, 1.4, LEGEND_ROW))
        top = fig.add_subplot(grid[0])
        bottom = fig.add_subplot(grid[1], sharex=top)
        top.tick_params(labelbottom=False)
        _paths(top, years, balance, PALETTE[0])
        money_axis(top, "y", divisor)
        top.set_ylabel(f"{label('balance_end', lang_)} [{money_unit(unit, lang_)}]")
        top.set_title(wrap(f"{name} — {label('balance_end', lang_)}", TITLE_WIDTH))
        bottom.bar(years, depleted, color=PALETTE[1], width=0.5)
        for y, p in zip(years, depleted, strict=True):
            bottom.text(y, p, _share(p, lang_), ha="center", va="bottom", fontsize=7)
        bottom.set_ylim(0, max(0.05, float(depleted.max()) * 1.3))
        bottom.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        bottom.set_ylabel(label("p_depleted", lang_))
        bottom.grid(False, axis="x")
        _legend_row(fig, grid, _bands(PALETTE[0], lang_, "o"), ncols=3)
        footer(fig, _stamp(result, lang_))
    return fig


def target_paths(
    result: SimulationResult, target: str | None = None, *, lang: str = "zh", ax: Axes | None = None
) -> Figure:
    """A policy target: the stock per year (bands over draws, whole units) against the goal
    line, with P(goal met) in the goal's year."""
    lang_ = resolve_lang(lang)
    if not result.targets:
        raise ValueError(f"{result.scenario.id} has no policy target")
    target = next(iter(result.targets)) if target is None else target
    spec = result.scenario.targets[target]
    name = _name(spec, target, lang_)
    stock = result.targets[target]["stock"].values.astype(float)
    years = result.years
    met = float(np.mean(stock[:, years.index(spec.goal_year)] >= spec.goal))
    units = unit_label("stock", result.unit, lang_)
    with chart_style(lang_):
        fig, ax, own = _axes(ax, (7.0, 4.2))
        _paths(ax, years, stock, PALETTE[2])
        ax.axhline(spec.goal, color=PALETTE[1], linestyle="--", linewidth=1)
        count_axis(ax, "y")
        ax.set_ylabel(f"{label('stock', lang_)} [{units}]")
        ax.set_title(wrap(f"{name} — {label('stock', lang_)}", TITLE_WIDTH))
        goal = _w(
            "chart_goal", lang_, goal=format_value("goal", spec.goal, lang_), unit=units,
            year=spec.goal_year, p_label=label("p_at_goal", lang_),
            p=format_value("p_at_goal", met, lang_),
        )  # fmt: skip
        handles = [
            *_bands(PALETTE[2], lang_, "o"),
            Line2D([], [], color=PALETTE[1], linestyle="--", linewidth=1, label=goal),
        ]
        _legend(fig, ax, own, handles, ncols=2)
        if own:
            footer(fig, _stamp(result, lang_))
    return fig


# -- months of a year ----------------------------------------------------------------------------


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

    A member of a shared fund has no envelope of its own: its panel draws the fund's money
    (labelled as the fund's) and what all the fund's members paid together (median), against
    which the member's own payments are read.

    Needs ``simulate(..., monthly=True)`` (the per-month record is off by default).
    """
    lang_ = resolve_lang(lang)
    if "paid_by_month" not in result.dataset:
        raise ValueError("the fan chart needs monthly payments: simulate(..., monthly=True)")
    year = result.years[0] if year is None else year
    t = result.years.index(year)
    chosen = programmes or _capped(result)
    cols = min(3, len(chosen))
    rows = -(-len(chosen) // cols)
    months = np.arange(1, 13)
    by_month = result.dataset["paid_by_month"].sel(year=year)  # (draw, programme, month)
    money = result.ledger.available[:, :, t]  # (draw, fund)
    index = {p: i for i, p in enumerate(result.programmes)}
    fig = Figure(figsize=(3.6 * cols, 2.7 * rows + 1.2), layout="constrained")
    shared_seen = False
    with chart_style(lang_):
        grid = fig.add_gridspec(rows + 1, cols, height_ratios=(*[1] * rows, LEGEND_ROW))
        axes = np.array([[fig.add_subplot(grid[r, c]) for c in range(cols)] for r in range(rows)])
        for k, programme in enumerate(chosen):
            ax = axes.flat[k]
            paid = by_month.sel(programme=programme).values
            f = result.fund_of.get(index[programme])
            shared = f is not None and result.funds[f].shared
            available = float(quantile(money[:, f], 0.5)) if f is not None else float("nan")
            together = None
            if shared and f is not None:
                members = [result.programmes[m] for m in result.funds[f].members]
                together = quantile(by_month.sel(programme=members).values.sum(axis=1), 0.5)
            divisor, unit = money_scale(np.r_[paid.ravel(), available], result.unit)
            q = quantile(paid, (0.05, 0.25, 0.5, 0.75, 0.95))
            ax.fill_between(months, q[0], q[4], color=PALETTE[0], alpha=0.15, linewidth=0)
            ax.fill_between(months, q[1], q[3], color=PALETTE[0], alpha=0.35, linewidth=0)
            ax.plot(months, q[2], color=PALETTE[0], gid="median")
            if together is not None:
                ax.plot(months, together, color="#555555", linestyle=":", linewidth=1.2,
                        gid="fund-paid")  # fmt: skip
            if np.isfinite(available):
                ax.axhline(
                    available, color=PALETTE[3] if shared else PALETTE[1], linestyle="--",
                    linewidth=1.1, gid="fund-money" if shared else "money",
                )  # fmt: skip
            ax.set_xticks([1, 3, 6, 9, 12])
            ax.set_xlim(0.7, 12.3)
            money_axis(ax, "y", divisor)
            ax.set_ylim(bottom=0)
            title = wrap(_label(result, programme, lang_), PANEL_WIDTH)
            if shared and f is not None:
                shared_seen = True
                fund = _w("chart_shared_with", lang_, fund=_fund_label(result, f, lang_))
                title = f"{title}\n{wrap(fund, PANEL_WIDTH)}"
            ax.set_title(title, fontsize=8.5)
            ax.set_ylabel(f"[{money_unit(unit, lang_)}]", fontsize=7)
            if k >= len(chosen) - cols:  # the bottom panel of its column
                ax.set_xlabel(_w("chart_month", lang_), fontsize=7.5)
        for extra in axes.flat[len(chosen) :]:
            extra.set_visible(False)
        fig.suptitle(_w("chart_fan", lang_, year=year), fontsize=11)
        handles = [
            *_bands(PALETTE[0], lang_),
            Line2D([], [], color=PALETTE[1], linestyle="--", label=_w("chart_money_own", lang_)),
        ]
        if shared_seen:
            handles += [
                Line2D([], [], color=PALETTE[3], linestyle="--",
                       label=_w("chart_money_fund", lang_)),
                Line2D([], [], color="#555555", linestyle=":",
                       label=_w("chart_fund_paid", lang_)),
            ]  # fmt: skip
        _legend_row(fig, grid, handles, ncols=3 if cols == 3 else 2)
        footer(fig, _stamp(result, lang_))
    return fig
