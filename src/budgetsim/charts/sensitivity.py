"""Charts of a sensitivity analysis: a tornado, Morris μ*–σ or Sobol indices for one output.

Every chart names the output and the numbers as a reader does (the metric registry and the
parameter table, never code names), greys what lies within Monte Carlo noise and marks the
numbers that change nothing at all. Chinese needs a CJK font, as for every chart
(:func:`budgetsim.charts.resolve_lang`); long labels are wrapped and the figure grows with
the number of bars.

Examples
--------
>>> import budgetsim
>>> from budgetsim.sensitivity import tornado
>>> sc = budgetsim.load_scenario("jiangmen-2021")
>>> res = tornado(sc, ["p_exhausted:loan_interest"], draws=50, seed=1,
...               only=["populations.tech_borrowers.arrivals"])
>>> fig = res.plot("p_exhausted:loan_interest", "en")
>>> fig.axes[0].get_title()
'P(exhausted) · Technology-loan interest subsidy · 2021–2023'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import ScaledTranslation

from budgetsim import __version__
from budgetsim.charts._style import PALETTE, chart_style, footer, resolve_lang, wrap
from budgetsim.metrics import Lang, format_value, label, unit_label
from budgetsim.parameters import parameter_list
from budgetsim.sensitivity.names import EFFECTS, METHODS, column_label, effect_label, method_label
from budgetsim.words import word

if TYPE_CHECKING:
    from budgetsim.outcomes import Output
    from budgetsim.sensitivity.design import Factor
    from budgetsim.sensitivity.result import SensitivityResult

__all__ = ["sensitivity_chart", "wrap"]

#: Colours: the low end, the high end (tornado); S1 and ST (Sobol); greys for what is noise.
LOW, HIGH = PALETTE[0], PALETTE[1]
GREY, LIGHT_GREY = "#888888", "#bbbbbb"
#: Width of a wrapped label, in half-width characters (a Chinese character counts 2).
LABEL_WIDTH = 44

#: The words of :mod:`budgetsim.words` each chart key stands for.
_WORDS = {
    "low_end": "chart_low_end",
    "high_end": "chart_high_end",
    "base": "base",
    "swing_ci": "chart_swing_ci",
    "loose": "chart_loose",
    "none_note": "chart_no_effect_note",
    "mu_star": "chart_mu_star",
    "sigma": "chart_sigma",
    "mu_star_ci": "chart_mu_star_ci",
    "noise_level": "chart_noise_level",
    "diagonal": "chart_diagonal",
    "key": "chart_key",
    "index_ci": "chart_index_ci",
    "index": "chart_index",
    "noise_share": "chart_noise_share",
    "constant": "chart_constant",
    "empty": "chart_empty",
}


def _t(key: str, lang: Lang) -> str:
    """A chart word: a method, an effect or an index column from
    :mod:`budgetsim.sensitivity.names`, every other from :mod:`budgetsim.words`."""
    if key in METHODS:
        return method_label(key, lang)
    if key in EFFECTS:
        return effect_label(key, lang)
    if key == "none_short":
        return effect_label("none", lang)
    if key in ("s1", "st"):
        return column_label(key.upper(), lang)
    return word(_WORDS[key], lang)


def sensitivity_chart(
    result: SensitivityResult, output: Output, lang: Lang = "zh", *, top: int = 15
) -> Figure:
    """The method's chart for one output: a tornado, Morris μ*–σ or Sobol indices.

    Parameters
    ----------
    result
        A sensitivity analysis (:func:`budgetsim.sensitivity.sensitivity`).
    output
        One of ``result.outputs``.
    lang
        ``"zh"`` or ``"en"``; Chinese falls back to English without a CJK font.
    top
        How many numbers to show (tornado, Sobol) or label (Morris), largest first.
    """
    lang_ = resolve_lang(lang)
    draw = {"tornado": _tornado, "morris": _morris, "sobol": _sobol}.get(result.method)
    if draw is None:
        raise ValueError(f"no chart for a {result.method!r} analysis")
    rows = result.table[result.table["output"] == output.key].sort_values("rank")
    with chart_style(lang_):
        fig = draw(result, output, rows, lang_, max(int(top), 1))
        footer(fig, _stamp(result, lang_))
    return fig


# -- text ----------------------------------------------------------------------------------------


def _number(value: Any) -> str:
    v = float(value)
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def _ends(factor: Factor, unit: str) -> str:
    """``low – high unit`` of a number (per-year values joined by ``/``)."""

    def one(value: Any) -> str:
        if isinstance(value, list | tuple):
            joined = "/".join(_number(v) for v in value)
            return f"[{joined}]" if factor.parameter.type == "range" else joined
        return _number(value)

    low, high = factor.ends()
    return f"{one(low)} – {one(high)}" + (f" {unit}" if unit else "")


def _units(result: SensitivityResult, lang: Lang) -> dict[str, str]:
    """Each varied number's unit in ``lang`` (the factors carry the Chinese one)."""
    if lang == "zh":
        return {f.path: f.parameter.unit for f in result.factors}
    rows = {r.path: r.unit for r in parameter_list(result.scenario, lang)}
    return {f.path: rows.get(f.path, f.parameter.unit) for f in result.factors}


def _tick_labels(result: SensitivityResult, paths: Sequence[str], lang: Lang) -> list[str]:
    """The number's label and its range, wrapped."""
    units = _units(result, lang)
    out = []
    for path in paths:
        f = result.factor(path)
        out.append(f"{wrap(f.label(lang))}\n{wrap(f'({_ends(f, units[path])})', LABEL_WIDTH + 8)}")
    return out


def _title(result: SensitivityResult, output: Output, lang: Lang) -> str:
    text = output.label(result.scenario, lang)
    return wrap(text[:1].upper() + text[1:], 90)


def _stamp(result: SensitivityResult, lang: Lang) -> str:
    parts = [result.scenario.id, _t(result.method, lang)]
    if result.method == "morris" and "trajectories" in result.extra:
        parts.append(word("chart_trajectories", lang).format(n=result.extra["trajectories"]))
    if result.method == "sobol" and "samples" in result.extra:
        parts.append(word("chart_samples", lang).format(n=result.extra["samples"]))
    parts += [
        word("chart_sensitivity_footer", lang).format(draws=result.draws),
        word("chart_seed", lang).format(seed=result.seed),
        f"budgetsim {__version__}",
    ]
    return " · ".join(parts)


def _value_axis(ax: Axes, axis: str, metric: str, lang: Lang) -> None:
    def fmt(value: float, _pos: int) -> str:
        return format_value(metric, value, lang)

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(FuncFormatter(fmt))


def _axis_label(text: str, result: SensitivityResult, metric: str, lang: Lang) -> str:
    unit = unit_label(metric, result.scenario.unit, lang)
    return f"{text} [{unit}]" if unit else text


def _bar_figure(labels: Sequence[str], width: float, per_line: float = 0.15) -> Figure:
    """A figure tall enough for one row per label (the tallest label sets the row height)."""
    lines = max((lab.count("\n") + 1 for lab in labels), default=1)
    row = max(0.42, per_line * lines + 0.12)
    return Figure(figsize=(width, 2.1 + row * max(len(labels), 1)), layout="constrained")


def _legend_below(ax: Axes, handles: Sequence[Any], ncols: int) -> None:
    """A legend under the axis label (kept clear of the footer by the layout)."""
    fig = ax.get_figure()
    assert fig is not None
    below = ScaledTranslation(0, -38 / 72, fig.dpi_scale_trans)
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
        bbox_transform=ax.transAxes + below, ncols=min(len(handles), ncols),
    )  # fmt: skip


def _records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _grey_ticks(ax: Axes, effects: Sequence[str]) -> None:
    for tick, effect in zip(ax.get_yticklabels(), effects, strict=True):
        if effect != "real":
            tick.set_color(GREY)


# -- tornado -------------------------------------------------------------------------------------


def _tornado(
    result: SensitivityResult, output: Output, rows: pd.DataFrame, lang: Lang, top: int
) -> Figure:
    shown = rows.head(top)
    n = len(shown)
    labels = _tick_labels(result, list(shown["parameter"]), lang)
    fig = _bar_figure(labels, 8.5)
    ax = fig.add_subplot()
    metric = output.metric
    base = float(rows["base"].iloc[0]) if len(rows) else float("nan")
    y = np.arange(n)[::-1]  # the largest swing at the top
    span: list[float] = [base] if _finite(base) else []
    effects = list(shown["effect"])
    for yi, r in zip(y, _records(shown), strict=True):
        at_low, at_high = float(r["at_low"]), float(r["at_high"])
        if r["effect"] == "none" or not (_finite(at_low) and _finite(at_high)):
            ax.plot([base], [yi], marker="x", color=GREY, linestyle="none", gid="no-effect")
            ax.annotate(
                f"  {_t('none_short', lang)}", (base, yi), va="center", ha="left",
                fontsize=7, color=GREY,
            )  # fmt: skip
            continue
        noise = r["effect"] == "noise"
        # the longer part first, so that both show when the two ends lie on one side
        parts = [(at_low, LOW, "low"), (at_high, HIGH, "high")]
        for end, colour, gid in sorted(parts, key=lambda p: -abs(p[0] - base)):
            ax.barh(
                yi, end - base, left=base, height=0.62, color=colour,
                alpha=0.35 if noise else 0.9, hatch="////" if noise else None,
                edgecolor=colour if noise else "none", linewidth=0.6, gid=gid,
            )  # fmt: skip
        # the 95 % interval of the swing, around the high end (the low end held)
        minus = float(r["swing"]) - float(r["swing_low"])
        plus = float(r["swing_high"]) - float(r["swing"])
        whisker = (at_high, at_high)
        if _finite(minus) and _finite(plus) and minus + plus > 0:
            ax.errorbar(
                at_high, yi, xerr=[[minus], [plus]], fmt="none", ecolor="#222222",
                elinewidth=0.8, capsize=2.5, gid="swing-interval",
            )  # fmt: skip
            whisker = (at_high - minus, at_high + plus)
        span += [at_low, *whisker]
        # each end's value beyond the bar (and the whisker), unless the other part hides it
        for end, other, reach in ((at_low, at_high, (at_low, at_low)), (at_high, at_low, whisker)):
            hidden = (end - base) * (other - base) > 0 and abs(other - base) > abs(end - base)
            if end == base or hidden:
                continue
            right = end > base
            ax.annotate(
                format_value(metric, end, lang), (max(reach) if right else min(reach), yi),
                xytext=(3 if right else -3, 0), textcoords="offset points",
                ha="left" if right else "right", va="center", fontsize=6.5, color="#444444",
            )  # fmt: skip
    if _finite(base):
        ax.axvline(base, color="#333333", linewidth=0.9, zorder=3)
        ax.annotate(
            f"{_t('base', lang)} {format_value(metric, base, lang)}", (base, 1.0),
            xycoords=("data", "axes fraction"), xytext=(0, 3), textcoords="offset points",
            ha="center", va="bottom", fontsize=7.5, color="#333333",
        )  # fmt: skip
    if span:
        lo, hi = min(span), max(span)
        pad = (hi - lo) * 0.18 or max(abs(base) * 0.1, 1e-3)
        ax.set_xlim(lo - pad, hi + pad)
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.6, n - 0.4)
    _grey_ticks(ax, effects)
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    _value_axis(ax, "x", metric, lang)
    ax.set_xlabel(_axis_label(label(metric, lang), result, metric, lang))
    ax.set_title(_title(result, output, lang), pad=14)
    if n == 0:
        ax.text(0.5, 0.5, _t("empty", lang), transform=ax.transAxes, ha="center")
    handles: list[Any] = [
        Patch(color=LOW, label=_t("low_end", lang)),
        Patch(color=HIGH, label=_t("high_end", lang)),
        Line2D([], [], color="#222222", linewidth=0.8, marker="|", label=_t("swing_ci", lang)),
    ]
    if "noise" in effects:
        handles.append(
            Patch(facecolor="white", edgecolor=GREY, hatch="////", label=_t("noise", lang))
        )
    if "none" in effects:
        handles.append(
            Line2D([], [], color=GREY, marker="x", linestyle="none", label=_t("none", lang))
        )
    _legend_below(ax, handles, 4 if len(handles) == 4 else 3)
    return fig


# -- Morris --------------------------------------------------------------------------------------


def _morris(
    result: SensitivityResult, output: Output, rows: pd.DataFrame, lang: Lang, top: int
) -> Figure:
    metric = output.metric
    named = rows.head(top)
    key_labels = [
        wrap(
            result.factor(p).label(lang) + (_t("none_note", lang) if e == "none" else ""),
            42,
        )
        for p, e in zip(named["parameter"], named["effect"], strict=True)
    ]
    lines = sum(k.count("\n") + 1 for k in key_labels)
    fig = Figure(figsize=(10.5, max(4.8, 1.9 + 0.155 * lines + 0.06 * len(key_labels))),
                 layout="constrained")  # fmt: skip
    ax = fig.add_subplot()
    mu, sigma = rows["mu_star"].to_numpy(float), rows["sigma"].to_numpy(float)
    conf = np.nan_to_num(rows["mu_star_conf"].to_numpy(float))
    effects = rows["effect"].to_numpy(str)
    positive = rows["ee_noise"][rows["ee_noise"] > 0]
    level = 1.96 * float(positive.median()) if len(positive) else float("nan")
    style = {
        "real": {"color": PALETTE[0], "marker": "o"},
        "noise": {"color": GREY, "marker": "o"},
        "none": {"color": GREY, "marker": "x"},
    }
    for effect, spec in style.items():
        sel = effects == effect
        if not sel.any():
            continue
        if effect != "none":
            ax.errorbar(
                mu[sel], sigma[sel], xerr=conf[sel], fmt="none", ecolor=spec["color"],
                elinewidth=0.7, capsize=2, alpha=0.7, gid=f"mu-star-interval-{effect}",
            )  # fmt: skip
        ax.scatter(
            mu[sel], sigma[sel], s=26, zorder=3, gid=effect, color=spec["color"],
            marker=spec["marker"], facecolors="none" if effect == "noise" else None,
        )  # fmt: skip
    finite = np.isfinite(mu) & np.isfinite(sigma)
    xmax = float(np.max(mu[finite] + conf[finite], initial=0.0))
    xmax = max(xmax, level if _finite(level) else 0.0)
    ymax = float(np.max(sigma[finite], initial=0.0))
    xmax, ymax = xmax * 1.1 or 1.0, ymax * 1.12 or xmax * 1.1 or 1.0
    reach = max(xmax, ymax)
    ax.plot([0, reach], [0, reach], linestyle="--", color="#666666", linewidth=0.8,
            gid="diagonal")  # fmt: skip
    if _finite(level) and level > 0:
        ax.axvspan(0, level, color="#999999", alpha=0.15, linewidth=0, gid="noise-level")
    ax.set_xlim(-0.03 * xmax, xmax)
    ax.set_ylim(-0.03 * ymax, ymax)
    ax.grid(True, axis="both")
    _value_axis(ax, "x", metric, lang)
    _value_axis(ax, "y", metric, lang)
    ax.set_xlabel(_axis_label(_t("mu_star", lang), result, metric, lang))
    ax.set_ylabel(_axis_label(_t("sigma", lang), result, metric, lang))
    ax.set_title(_title(result, output, lang))
    # the key: a number at each of the largest points, its label on the right
    key = []
    for k, (effect, text) in enumerate(zip(named["effect"], key_labels, strict=True), 1):
        colour = style[effect]["color"]
        marker = f"${k}$"
        key.append(
            Line2D([], [], linestyle="none", marker=marker, markersize=5 + 3 * len(str(k)),
                   color=colour, label=text)
        )  # fmt: skip
    fig.legend(
        handles=key, loc="outside right upper", title=_t("key", lang), fontsize=7,
        title_fontsize=7.5, labelspacing=0.45, handletextpad=0.4,
    )  # fmt: skip
    handles: list[Any] = [
        Line2D([], [], color=GREY, marker="|", linewidth=0.7, label=_t("mu_star_ci", lang)),
        Line2D([], [], color="#666666", linestyle="--", linewidth=0.8, label=_t("diagonal", lang)),
    ]
    if _finite(level) and level > 0:
        handles.append(Patch(color="#999999", alpha=0.3, label=_t("noise_level", lang)))
    if (effects == "noise").any():
        handles.append(
            Line2D([], [], color=GREY, marker="o", markerfacecolor="none", linestyle="none",
                   label=_t("noise", lang))
        )  # fmt: skip
    if (effects == "none").any():
        handles.append(
            Line2D([], [], color=GREY, marker="x", linestyle="none", label=_t("none", lang))
        )
    _legend_below(ax, handles, 3)
    numbered = [
        (k, float(r["mu_star"]), float(r["sigma"]))
        for k, r in enumerate(_records(named), 1)
        if r["effect"] != "none" and _finite(float(r["mu_star"])) and _finite(float(r["sigma"]))
    ]
    _place_numbers(
        fig, ax, numbered, list(zip(mu[finite], sigma[finite], conf[finite], strict=True))
    )
    return fig


#: Where a point's number may go: centre offsets [points], nearest first.
_OFFSETS = [
    (r * math.cos(a), r * math.sin(a))
    for r in (7.0, 12.0, 18.0, 26.0)
    for a in np.deg2rad([45, -45, 135, -135, 0, 180, 90, -90])
]


def _place_numbers(
    fig: Figure,
    ax: Axes,
    numbered: Sequence[tuple[int, float, float]],
    points: Sequence[tuple[float, float, float]],
) -> None:
    """Write each number beside its point where it overlaps no other number, point or
    whisker (the free place nearest the point, else the least crowded)."""
    if not numbered:
        return
    fig.draw_without_rendering()  # lay the figure out, so that data → pixels is final
    scale = fig.dpi / 72.0
    to_px = ax.transData.transform
    taken: list[tuple[float, float, float, float]] = []
    for x, y, half in points:
        (x0, my), (x1, _) = to_px((x - half, y)), to_px((x + half, y))
        mx = (x0 + x1) / 2
        taken.append((mx - 3 * scale, my - 3 * scale, mx + 3 * scale, my + 3 * scale))
        if x1 - x0 > 6 * scale:  # the whisker
            taken.append((x0, my - 1.5 * scale, x1, my + 1.5 * scale))
    frame = ax.bbox
    for k, x, y in numbered:
        px, py = to_px((x, y))
        w, h = (4.4 * len(str(k)) + 2) * scale, 8 * scale
        best, best_cost = _OFFSETS[0], math.inf
        for dx, dy in _OFFSETS:
            cx, cy = px + dx * scale, py + dy * scale
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            cost = sum(_overlap(box, other) for other in taken)
            inside = frame.x0 <= box[0] and box[2] <= frame.x1
            inside &= frame.y0 <= box[1] and box[3] <= frame.y1
            cost += 0.0 if inside else 1e6
            if cost < best_cost - 1e-9:
                best, best_cost = (dx, dy), cost
            if cost == 0:
                break
        dx, dy = best
        cx, cy = px + dx * scale, py + dy * scale
        taken.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        far = math.hypot(dx, dy) > 10
        ax.annotate(
            str(k), (x, y), xytext=(dx, dy), textcoords="offset points", ha="center",
            va="center", fontsize=7, color="#222222",
            arrowprops={"arrowstyle": "-", "color": LIGHT_GREY, "linewidth": 0.5,
                        "shrinkA": 0, "shrinkB": 2} if far else None,
        )  # fmt: skip


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


# -- Sobol ---------------------------------------------------------------------------------------


def _sobol(
    result: SensitivityResult, output: Output, rows: pd.DataFrame, lang: Lang, top: int
) -> Figure:
    shown = rows.head(top)
    n = len(shown)
    labels = _tick_labels(result, list(shown["parameter"]), lang)
    fig = _bar_figure(labels, 8.5)
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    effects = []
    constant = n > 0 and not np.isfinite(shown["ST"].to_numpy(float)).any()
    for yi, r in zip(y, _records(shown), strict=True):
        values = [float(r[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")]
        zero = all(v == 0 for v in values)
        effect = "none" if zero or r["effect"] == "none" else str(r["effect"])
        effects.append(effect)
        if effect == "none":
            ax.plot([0], [yi], marker="x", color=GREY, linestyle="none", gid="no-effect")
            ax.annotate(f"  {_t('none_short', lang)}", (0, yi), va="center", ha="left",
                        fontsize=7, color=GREY)  # fmt: skip
            continue
        if not all(_finite(v) for v in values):
            continue
        noise = effect == "noise"
        for offset, value, conf, colour, gid in (
            (0.2, values[2], values[3], PALETTE[0], "ST"),
            (-0.2, values[0], values[1], PALETTE[5], "S1"),
        ):
            ax.barh(
                yi + offset, value, height=0.38, color=colour, alpha=0.35 if noise else 0.9,
                hatch="////" if noise else None, edgecolor=colour if noise else "none",
                linewidth=0.6, gid=gid,
            )  # fmt: skip
            ax.errorbar(
                value, yi + offset, xerr=conf, fmt="none", ecolor="#222222", elinewidth=0.7,
                capsize=2, gid=f"{gid}-interval",
            )  # fmt: skip
    ax.axvline(0, color="#555555", linewidth=0.8)
    share = float("nan")
    if result.noise is not None:
        match = result.noise[result.noise["output"] == output.key]["noise_share"]
        share = float(match.iloc[0]) if len(match) else share
    handles: list[Any] = [
        Patch(color=PALETTE[0], label=_t("st", lang)),
        Patch(color=PALETTE[5], label=_t("s1", lang)),
        Line2D([], [], color="#222222", linewidth=0.7, marker="|", label=_t("index_ci", lang)),
    ]
    if _finite(share):
        ax.axvline(share, color=PALETTE[1], linestyle="--", linewidth=1.0, gid="noise-share")
        text = _t("noise_share", lang).format(share=f"{share:.1%}")
        handles.append(Line2D([], [], color=PALETTE[1], linestyle="--", label=text))
    if "noise" in effects:
        handles.append(
            Patch(facecolor="white", edgecolor=GREY, hatch="////", label=_t("loose", lang))
        )
    if "none" in effects:
        handles.append(
            Line2D([], [], color=GREY, marker="x", linestyle="none", label=_t("none", lang))
        )
    if constant:
        ax.text(0.5, 0.5, _t("constant", lang), transform=ax.transAxes, ha="center")
    elif n == 0:
        ax.text(0.5, 0.5, _t("empty", lang), transform=ax.transAxes, ha="center")
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.6, n - 0.4)
    # indices lie in [0, 1]; a whisker far beyond says only that the estimate is loose
    left, right = ax.get_xlim()
    ax.set_xlim(max(min(left, -0.02), -0.25), min(max(right, 1.0 if constant else right), 1.25))
    _grey_ticks(ax, effects)
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    ax.set_xlabel(_t("index", lang))
    ax.set_title(_title(result, output, lang))
    _legend_below(ax, handles, 3)
    return fig
