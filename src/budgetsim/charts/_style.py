"""One restrained look for every chart, Chinese labels when a CJK font is installed.

The style is a context (``with chart_style(lang): …``), never a change to global rcParams.
Chinese text needs a font with CJK glyphs: the first installed of Noto Sans CJK/SC, Source Han
Sans, WenQuanYi, SimHei, Microsoft YaHei or PingFang is used. Without one, charts fall back to
English labels with one :class:`ChartFontWarning` — never boxes for missing glyphs.
"""

from __future__ import annotations

import functools
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from budgetsim.metrics import Lang, as_lang
from budgetsim.metrics import money_unit as unit_label

__all__ = [
    "CJK_FONTS",
    "ChartFontWarning",
    "Lang",
    "chart_style",
    "cjk_font",
    "count_axis",
    "money_axis",
    "money_scale",
    "resolve_lang",
    "text_width",
    "unit_label",
    "wrap",
]

#: Fonts with CJK glyphs, in order of preference.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)

#: Palette: restrained, colour-blind safe (Okabe–Ito), the first for the main series.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")


class ChartFontWarning(UserWarning):
    """No font with Chinese glyphs is installed: charts use English labels."""


#: Parts of font file names that mark CJK fonts, for fonts installed after matplotlib built
#: its font cache (which it does not refresh by itself).
_CJK_FILES = ("wqy", "notosanscjk", "notosanssc", "sourcehansans", "simhei", "msyh", "pingfang")


@functools.cache
def cjk_font() -> str | None:
    """The first installed font of :data:`CJK_FONTS`, or None."""
    manager = font_manager.fontManager
    installed = {f.name for f in manager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(part in path.lower().replace("-", "").replace("_", "") for part in _CJK_FILES):
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file
                    continue
        installed = {f.name for f in manager.ttflist}
        found = next((name for name in CJK_FONTS if name in installed), None)
    return found


def resolve_lang(lang: str) -> Lang:
    """The language charts can be drawn in: ``"zh"`` needs a CJK font, else ``"en"``.

    Raises
    ------
    ValueError
        For a language other than ``"zh"`` or ``"en"``.
    """
    lang_ = as_lang(lang)
    if lang_ == "zh" and cjk_font() is None:
        _warn_once()
        return "en"
    return lang_


@functools.cache
def _warn_once() -> None:
    warnings.warn(
        "no font with Chinese glyphs is installed (looked for "
        + ", ".join(CJK_FONTS[:5])
        + ", …): charts use English labels. Install one, e.g. Debian's fonts-wqy-microhei "
        "or fonts-noto-cjk, for Chinese labels.",
        ChartFontWarning,
        stacklevel=3,
    )


def _rc(lang: Lang) -> dict[str, Any]:
    font = cjk_font() if lang == "zh" else None
    # named families, not the generic "sans-serif": text is measured and drawn after the
    # context has ended (at savefig), when a generic name resolves to the defaults again
    return {
        "font.family": [*([font] if font else []), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
        "axes.edgecolor": "#888888",
        "axes.titlesize": 11.5,
        "axes.titleweight": "normal",  # CJK fonts rarely ship a bold face
        "axes.labelsize": 9,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "axes.prop_cycle": cycler(color=PALETTE),
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
    }


@contextmanager
def chart_style(lang: Lang) -> Iterator[None]:
    """The budgetsim look, for the charts drawn inside the block (rcParams restored after)."""
    params: Any = _rc(lang)
    with mpl.rc_context(params):
        yield


def money_scale(values: Any, unit: str) -> tuple[float, str]:
    """Divisor and unit label that keep amounts readable: 亿元 from 1亿 up when the scenario's
    unit is 万元, else the unit itself.

    Examples
    --------
    >>> money_scale([5_000, 60_000], "万元")
    (10000.0, '亿元')
    >>> money_scale([500, 900], "万元")
    (1.0, '万元')
    """
    peak = float(np.nanmax(np.abs(np.asarray(values, dtype=float)))) if np.size(values) else 0.0
    if unit == "万元" and peak >= 10_000:
        return 10_000.0, "亿元"
    return 1.0, unit


def money_axis(ax: Axes, axis: Literal["x", "y"], divisor: float) -> None:
    """Format an axis of amounts with thousands separators, in units of ``divisor``; ticks
    fall on steps of 1, 2 or 5 (× a power of ten), so one decimal writes every tick exactly
    (no 1.25 shown as "1.2")."""

    def fmt(value: float, _pos: int) -> str:
        v = value / divisor
        return f"{v:,.1f}" if divisor > 1 and abs(v) < 100 else f"{v:,.0f}"

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(steps=[1, 2, 5, 10]))
    target.set_major_formatter(FuncFormatter(fmt))


def count_axis(ax: Axes, axis: Literal["x", "y"]) -> None:
    """An axis of counts (claimants, loans, units): ticks on whole numbers only, written whole
    with thousands separators — never a fraction of a firm."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    target.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))


def footer(fig: Figure, text: str) -> None:
    """The small grey source line under a figure (scenario, draws, seed, version), with room
    kept for it below the axes."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.set(rect=(0, 0.05, 1, 0.95))  # type: ignore[call-arg]
    fig.text(0.01, 0.01, text, fontsize=6.5, color="#777777", ha="left", va="bottom")


def text_width(text: str) -> int:
    """Width of ``text`` in half-width characters (a Chinese character counts 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> tuple[str, str]:
    """The head of ``text`` that fits ``width`` (at a space if there is one), and the rest."""
    used, last_space = 0, -1
    for i, c in enumerate(text):
        used += text_width(c)
        if used > width:
            cut = last_space if last_space > 0 else max(i, 1)
            return text[:cut].rstrip(), text[cut:].lstrip()
        if c == " ":
            last_space = i
    return text, ""


def wrap(text: str, width: int = 44) -> str:
    """``text`` on lines of at most ``width`` half-width characters, broken after a `` · ``
    where it can be, else at a space, else (Chinese) anywhere.

    Examples
    --------
    >>> print(wrap("技术创新中心 · 省级财政支持金额 · low", 20))
    技术创新中心 ·
    省级财政支持金额 ·
    low
    """
    lines: list[str] = []
    line = ""
    for piece in text.split(" · "):
        joined = f"{line} · {piece}" if line else piece
        if text_width(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line + " ·")
        line = piece
        while text_width(line) > width:
            head, line = _cut(line, width)
            lines.append(head)
    lines.append(line)
    return "\n".join(lines)
