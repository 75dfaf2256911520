"""Charts of a fitted attribute: a quantile–quantile plot and a histogram with the candidates'
densities. Each function takes the fit and returns a Figure; words come from
:mod:`budgetsim.words`, Chinese by default (English without a CJK font, with a warning).

Skewed amounts (the largest more than 5 times the median) are drawn on a log scale: the
histogram then shows the density of log10 of the amount, and the candidates' densities are
drawn on the same scale (f(x) · x · ln 10), so bars and curves compare.

Examples
--------
>>> import numpy as np
>>> from scipy import stats
>>> from budgetsim.records import Records
>>> import pandas as pd
>>> x = stats.gamma(2.0, scale=50).rvs(300, random_state=np.random.default_rng(1))
>>> recs = Records(pd.DataFrame({"amount": x}), "r.csv", tuple(range(2, 302)), {}, "0" * 64)
>>> from budgetsim.fitting import fit_population
>>> fit = fit_population(recs, population="p", attributes=["amount"], bootstrap=79)
>>> qq_plot(fit, fit.attributes[0], "en").axes[0].get_xlabel()
'quantiles of the fitted distribution [10k yuan]'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from budgetsim import __version__
from budgetsim._fit_families import FAMILIES
from budgetsim.charts._style import (
    PALETTE,
    chart_style,
    cjk_font,
    footer,
    money_axis,
    resolve_lang,
    unit_label,
    wrap,
)
from budgetsim.metrics import Lang
from budgetsim.words import word

if TYPE_CHECKING:
    from budgetsim.fitting import AttributeFit, PopulationFit

__all__ = ["density_histogram", "qq_plot"]

#: The largest amount over the median beyond which amounts are drawn on a log scale.
SKEWED = 5.0


@contextmanager
def _style(lang: Lang) -> Iterator[None]:
    """The budgetsim look; in English a CJK font, where one is installed, after DejaVu Sans for
    the glyphs it lacks: the records' own column names are often Chinese."""
    with chart_style(lang):
        font = cjk_font()
        if lang == "en" and font is not None:
            with mpl.rc_context({"font.family": ["DejaVu Sans", font]}):
                yield
        else:
            yield


def _skewed(values: np.ndarray) -> bool:
    return bool(values.max() > SKEWED * np.median(values))


def _stamp(fit: PopulationFit, lang: Lang) -> str:
    from pathlib import Path

    return word("fit_chart_footer", lang).format(
        file=Path(fit.file).name, n=f"{fit.n:,}", sha=fit.sha256[:12], version=__version__
    )


def _family(attribute: AttributeFit, key: str, lang: Lang) -> str:
    text = word(f"fit_family_{key}", lang)
    if key == attribute.chosen:
        return f"{text} · {word('fit_chosen', lang)}"
    if attribute.chosen == "empirical" and key == attribute.best.family:
        return text + word("fit_chart_best_rejected", lang)
    return text


def qq_plot(fit: PopulationFit, attribute: AttributeFit, lang: str = "zh") -> Figure:
    """The records' quantiles against the chosen family's (the lowest-AIC family when the
    records themselves are chosen), with the line y = x.

    Parameters
    ----------
    fit
        The population fit (for the file cited in the footer and the unit).
    attribute
        One of ``fit.attributes``.
    lang
        ``"zh"`` or ``"en"``.
    """
    lang_ = resolve_lang(lang)
    best = attribute.best
    family = FAMILIES[best.family]
    shape, _, scale = best.scipy_params
    observed = np.sort(attribute.values)
    n = len(observed)
    theory = family.scipy.ppf((np.arange(1, n + 1) - 0.5) / n, shape, loc=0, scale=scale)
    unit = unit_label(fit.unit, lang_)
    with _style(lang_):
        fig = Figure(figsize=(5.6, 5.0), layout="constrained")
        ax = fig.add_subplot()
        ax.scatter(theory, observed, s=9, color=PALETTE[0], alpha=0.7, linewidths=0)
        ends = [min(theory.min(), observed.min()), max(theory.max(), observed.max())]
        ax.plot(ends, ends, color=PALETTE[1], linewidth=1, label=word("fit_chart_equal", lang_))
        if _skewed(observed):
            ax.set_xscale("log")
            ax.set_yscale("log")
        else:
            money_axis(ax, "x", 1.0)
            money_axis(ax, "y", 1.0)
        ax.grid(True, axis="both")
        name = word(f"fit_family_{best.family}", lang_)
        if attribute.chosen == "empirical":
            name += word("fit_chart_best_rejected", lang_)
        title = word("fit_chart_qq_title", lang_).format(column=attribute.column, family=name)
        ax.set_title(wrap(title, 56))
        ax.set_xlabel(f"{word('fit_chart_theoretical', lang_)} [{unit}]")
        ax.set_ylabel(f"{word('fit_chart_observed', lang_)} [{unit}]")
        ax.legend(loc="upper left")
        footer(fig, _stamp(fit, lang_))
    return fig


def density_histogram(fit: PopulationFit, attribute: AttributeFit, lang: str = "zh") -> Figure:
    """A histogram of the records with every fitted candidate's density (the chosen one
    drawn thicker); a log scale for skewed amounts (see the module's notes)."""
    lang_ = resolve_lang(lang)
    values = attribute.values
    n = len(values)
    log = _skewed(values)
    unit = unit_label(fit.unit, lang_)
    bins = max(10, min(60, int(2 * n ** (1 / 3))))
    with _style(lang_):
        fig = Figure(figsize=(7.0, 4.4), layout="constrained")
        ax = fig.add_subplot()
        if log:
            edges = np.geomspace(values.min(), values.max(), bins + 1)
            step = np.log10(edges[1] / edges[0])
            weights = np.full(n, 1.0 / (n * step))
            ax.hist(
                values, bins=edges.tolist(), weights=weights, color="#cccccc", edgecolor="white"
            )
            ax.set_xscale("log")
            grid = np.geomspace(values.min(), values.max(), 400)
        else:
            ax.hist(values, bins=bins, density=True, color="#cccccc", edgecolor="white")
            grid = np.linspace(0.0, values.max(), 400)
            money_axis(ax, "x", 1.0)
        for colour, c in zip(PALETTE, attribute.candidates, strict=False):
            if c.family == "empirical" or not np.isfinite(c.aic):
                continue
            shape, _, scale = c.scipy_params
            density = FAMILIES[c.family].scipy.pdf(grid, shape, loc=0, scale=scale)
            if log:
                density = density * grid * np.log(10.0)
            chosen = c.family == attribute.chosen
            ax.plot(
                grid,
                density,
                color=colour,
                linewidth=2.2 if chosen else 1.1,
                linestyle="-" if chosen else "--",
                label=_family(attribute, c.family, lang_),
            )
        ax.set_title(wrap(word("fit_chart_hist_title", lang_).format(column=attribute.column), 70))
        ax.set_xlabel(f"{attribute.column} [{unit}]")
        density_label = word("fit_chart_density", lang_)
        ax.set_ylabel(f"{density_label} (log10)" if log else density_label)
        ax.legend(loc="upper right")
        footer(fig, _stamp(fit, lang_))
    return fig
