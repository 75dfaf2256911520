"""Arrivals per year and category shares fitted from records (statsmodels).

Arrivals: the records are counted per calendar year (a year with none inside the span counts 0)
and fitted by a Poisson GLM with a log link on the year. The **dispersion test** is Pearson's:
χ² = Σ (count − fitted)² / fitted on the residual degrees of freedom (with a trend: years − 2),
overdispersed when ``P(χ²_df ≥ χ²) < 0.05``; overdispersed counts are fitted by statsmodels'
``NegativeBinomial`` (NB2: variance = mean + α mean², the scenario's ``dispersion``). The
**trend** is kept when the likelihood-ratio test of the year's coefficient (same family) gives
p < 0.05; otherwise the counts are a constant mean (growth 0). Intervals are Wald intervals:
the first scenario year's mean from the linear predictor (exp(x'β ± 1.96 se)), growth from the
trend model's year coefficient (exp(β₁ ± 1.96 se) − 1; stated even when the trend is not kept,
so that the sensitivity analysis varies it), α on the log scale.

Categories: a column whose values are all yes/no words (是/否, 1/0, true/false, Y/N, yes/no,
有/无) is ``bernoulli`` with a Wilson interval of its share; any other text column is
``categorical``, with simultaneous Goodman intervals of the shares
(``statsmodels.stats.proportion.multinomial_proportions_confint``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from budgetsim.records import yes_no_pair

__all__ = ["GROWTH", "ArrivalFit", "CategoryFit", "fit_arrivals", "fit_category"]

#: Level of the dispersion and trend tests.
LEVEL = 0.05
#: The growth a year a scenario takes (a fitted growth beyond is refused by the caller).
GROWTH = (-0.99, 1.0)
_Z = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class ArrivalFit:
    """Applicants per year fitted from the records' years.

    Attributes
    ----------
    years, counts
        The calendar years of the records' span and the records in each [1/year].
    dist
        ``"poisson"`` or ``"negative_binomial"``.
    first_year
        The first scenario year, where ``base`` is the expected count.
    base, base_interval
        Expected applicants in ``first_year`` and its 95 % Wald interval [1/year].
    growth, growth_interval
        Growth a year kept (0 without a trend) and the trend model's 95 % interval [fraction].
    dispersion, dispersion_interval
        NB2 α and its interval (None for Poisson).
    pearson_ratio, dispersion_p
        Pearson χ² / df of the Poisson fit and the test's p-value (NaN when untestable: fewer
        than three years with a trend, two without).
    trend_p
        Likelihood-ratio p-value of the year's coefficient (NaN for one year).
    """

    years: tuple[int, ...]
    counts: tuple[int, ...]
    dist: str
    first_year: int
    base: float
    base_interval: tuple[float, float]
    growth: float
    growth_interval: tuple[float, float] | None
    dispersion: float | None
    dispersion_interval: tuple[float, float] | None
    pearson_ratio: float
    dispersion_p: float
    trend_p: float

    @property
    def trend(self) -> bool:
        """Whether a growth trend is kept."""
        return self.growth != 0.0


def _fit(model: object) -> object:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return model.fit(disp=0, maxiter=200)  # type: ignore[attr-defined]


def _mean_interval(result: object, x: NDArray[np.float64], k: int) -> tuple[float, float, float]:
    """The mean at covariates ``x`` and its Wald interval from the first ``k`` coefficients."""
    params = np.asarray(result.params)[:k]  # type: ignore[attr-defined]
    cov = np.asarray(result.cov_params())[:k, :k]  # type: ignore[attr-defined]
    eta = float(x @ params)
    se = math.sqrt(max(float(x @ cov @ x), 0.0))
    return math.exp(eta), math.exp(eta - _Z * se), math.exp(eta + _Z * se)


def fit_arrivals(years: NDArray[np.int64], first_year: int) -> ArrivalFit:
    """Fit the records' count per year (see the module's notes for the tests and intervals).

    Parameters
    ----------
    years
        The calendar year of each record.
    first_year
        The first scenario year, where ``base`` is stated.

    Examples
    --------
    >>> years = np.repeat([2021, 2022, 2023], [100, 100, 100])
    >>> fit = fit_arrivals(years, 2024)
    >>> fit.dist, round(fit.base, 6), fit.growth
    ('poisson', 100.0, 0.0)
    """
    import statsmodels.api as sm  # here, not at import: `import budgetsim` stays quick

    span = np.arange(int(years.min()), int(years.max()) + 1)
    counts = np.bincount(years - span[0], minlength=len(span)).astype(np.float64)
    t = (span - span[0]).astype(np.float64)
    ahead = float(first_year - span[0])
    ones = np.ones_like(t)
    flat_x, trend_x = ones[:, None], np.column_stack([ones, t])
    poisson = sm.families.Poisson()
    flat = _fit(sm.GLM(counts, flat_x, family=poisson))
    pearson_ratio = dispersion_p = trend_p = math.nan
    dist, alpha, alpha_interval = "poisson", None, None
    if len(span) == 1:
        chosen, k, x = flat, 1, np.array([1.0])
        growth_interval = None
    else:
        trend = _fit(sm.GLM(counts, trend_x, family=poisson))
        if len(span) >= 3:
            df = float(trend.df_resid)  # type: ignore[attr-defined]
            chi2 = float(trend.pearson_chi2)  # type: ignore[attr-defined]
            pearson_ratio, dispersion_p = chi2 / df, float(stats.chi2.sf(chi2, df))
        models = (flat, trend)
        if dispersion_p < LEVEL:
            dist = "negative_binomial"
            models = (
                _fit(sm.NegativeBinomial(counts, flat_x, loglike_method="nb2")),
                _fit(sm.NegativeBinomial(counts, trend_x, loglike_method="nb2")),
            )
        ratio = 2.0 * (float(models[1].llf) - float(models[0].llf))  # type: ignore[attr-defined]
        trend_p = float(stats.chi2.sf(max(ratio, 0.0), 1))
        slope = float(np.asarray(models[1].params)[1])  # type: ignore[attr-defined]
        slope_se = float(np.asarray(models[1].bse)[1])  # type: ignore[attr-defined]
        growth_interval = (
            math.expm1(slope - _Z * slope_se),
            math.expm1(slope + _Z * slope_se),
        )
        kept = trend_p < LEVEL
        chosen = models[1] if kept else models[0]
        k, x = (2, np.array([1.0, ahead])) if kept else (1, np.array([1.0]))
        if dist == "negative_binomial":
            a = float(np.asarray(chosen.params)[-1])  # type: ignore[attr-defined]
            a_se = float(np.asarray(chosen.bse)[-1])  # type: ignore[attr-defined]
            alpha = a
            spread = _Z * a_se / a if a > 0 and math.isfinite(a_se) else 1.0
            alpha_interval = (a * math.exp(-spread), a * math.exp(spread))
    base, low, high = _mean_interval(chosen, x, k)
    growth = 0.0
    if k == 2:
        growth = math.expm1(float(np.asarray(chosen.params)[1]))  # type: ignore[attr-defined]
    if growth_interval is not None:  # within what a scenario's growth may be, holding growth
        lo, hi = (float(np.clip(v, *GROWTH)) for v in growth_interval)
        growth_interval = (min(lo, growth), max(hi, growth))
    return ArrivalFit(
        years=tuple(int(y) for y in span),
        counts=tuple(int(c) for c in counts),
        dist=dist,
        first_year=first_year,
        base=base,
        base_interval=(min(low, base), max(high, base)),
        growth=growth,
        growth_interval=growth_interval,
        dispersion=alpha,
        dispersion_interval=alpha_interval,
        pearson_ratio=pearson_ratio,
        dispersion_p=dispersion_p,
        trend_p=trend_p,
    )


@dataclass(frozen=True)
class CategoryFit:
    """Shares of a text column.

    Attributes
    ----------
    kind
        ``"bernoulli"`` (a yes/no column: ``p`` is the share of yes) or ``"categorical"``.
    categories
        The categories, most frequent first (for bernoulli: the yes and no words found).
    counts
        Records in each category.
    p, low, high
        The shares and their 95 % intervals [fraction] (bernoulli: one each, Wilson;
        categorical: one per category, Goodman's simultaneous intervals).
    """

    kind: str
    categories: tuple[str, ...]
    counts: tuple[int, ...]
    p: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]


def fit_category(labels: NDArray[np.str_]) -> CategoryFit:
    """Shares of the labels, with 95 % intervals (see the module's notes).

    Examples
    --------
    >>> fit = fit_category(np.array(["是"] * 30 + ["否"] * 70))
    >>> fit.kind, fit.p, [round(v, 3) for v in fit.low + fit.high]
    ('bernoulli', (0.3,), [0.219, 0.396])
    >>> fit_category(np.array(["a", "b", "b", "c"])).categories
    ('b', 'a', 'c')
    """
    from statsmodels.stats.proportion import multinomial_proportions_confint, proportion_confint

    values = [str(v) for v in labels]
    n = len(values)
    pair = yes_no_pair(values)
    if pair is not None:
        yes = sum(v.casefold() == pair[0] for v in values)
        low, high = proportion_confint(yes, n, alpha=LEVEL, method="wilson")
        return CategoryFit(
            "bernoulli", pair, (yes, n - yes), (yes / n,), (float(low),), (float(high),)
        )
    names, counts = np.unique(np.asarray(values), return_counts=True)
    order = sorted(range(len(names)), key=lambda i: (-int(counts[i]), str(names[i])))
    cats = tuple(str(names[i]) for i in order)
    tally = np.array([int(counts[i]) for i in order])
    if len(cats) == 1:
        bounds = np.array([[1.0, 1.0]])
    else:
        bounds = multinomial_proportions_confint(tally, alpha=LEVEL, method="goodman")
    return CategoryFit(
        "categorical",
        cats,
        tuple(int(c) for c in tally),
        tuple(float(c) / n for c in tally),
        tuple(float(b) for b in bounds[:, 0]),
        tuple(float(b) for b in bounds[:, 1]),
    )
