"""The continuous families a numeric attribute is fitted to, and how each fit is judged.

Each family is a :mod:`scipy.stats` distribution with its location fixed at 0 (amounts are
positive), fitted by maximum likelihood (``dist.fit(values, floc=0)``), and written in a
scenario as :mod:`budgetsim.distributions` writes it:

=============  ===============================  =========================================
family         scipy.stats                      scenario
=============  ===============================  =========================================
lognormal      ``lognorm(s, scale)``            ``median = scale, sigma = s``
gamma          ``gamma(a, scale)``              ``shape = a, scale``
weibull        ``weibull_min(c, scale)``        ``shape = c, scale``
normal         normal truncated below at 0      ``mean, sd, lower = 0``
=============  ===============================  =========================================

Goodness of fit is :func:`scipy.stats.goodness_of_fit` (Kolmogorov–Smirnov and
Anderson–Darling), whose p-values account for the fitted parameters by a parametric bootstrap:
each of ``B`` samples drawn from the fitted distribution is fitted again and its statistic
computed, so the null distribution includes the fit's own adaptation to the data. Intervals of
the chosen family's parameters are percentile intervals of the same kind of parametric
bootstrap (``B`` refits of samples drawn from the fitted distribution).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

from budgetsim.streams import stream, stream_key

__all__ = [
    "ALPHA",
    "FAMILIES",
    "NORMAL_ABOVE_ZERO",
    "Candidate",
    "Family",
    "choose",
    "empirical_candidate",
    "fit_candidate",
    "intervals",
]

Floats = NDArray[np.float64]

#: A correct family is rejected in at most this share of samples: each of its two tests (KS and
#: AD) rejects at half of it (Bonferroni), so a family passes when both p-values are ≥ 0.025.
ALPHA = 0.05
#: The level of each of the two tests.
PER_TEST = ALPHA / 2
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class _NormalAboveZero(stats.rv_continuous):  # type: ignore[misc]
    """A normal distribution truncated below at 0, with shape ``m`` = mean ÷ sd of the
    untruncated normal and ``scale`` = its sd (loc fixed at 0): the scenario's
    ``dist = "normal", mean = m × scale, sd = scale, lower = 0`` (:data:`scipy.stats.truncnorm`
    with a = −m, loc = m; written here in logs, which is exact in both tails and fast enough to
    refit hundreds of times)."""

    def _argcheck(self, m: Any) -> Any:
        return np.isfinite(m)

    # P(X > x) = Φ(m − x) / Φ(m) for x ≥ 0, in logs (log_ndtr) so that every tail is exact
    def _logsf(self, x: Any, m: Any) -> Any:
        return special.log_ndtr(m - x) - special.log_ndtr(m)

    def _sf(self, x: Any, m: Any) -> Any:
        return np.exp(self._logsf(x, m))

    def _cdf(self, x: Any, m: Any) -> Any:
        return -np.expm1(self._logsf(x, m))

    def _logcdf(self, x: Any, m: Any) -> Any:
        return np.log(-np.expm1(self._logsf(x, m)))

    def _logpdf(self, x: Any, m: Any) -> Any:
        return -0.5 * (x - m) ** 2 - _LOG_SQRT_2PI - special.log_ndtr(m)

    def _pdf(self, x: Any, m: Any) -> Any:
        return np.exp(self._logpdf(x, m))

    def _ppf(self, q: Any, m: Any) -> Any:
        return m - special.ndtri_exp(np.log1p(-q) + special.log_ndtr(m))

    def _isf(self, q: Any, m: Any) -> Any:
        return m - special.ndtri_exp(np.log(q) + special.log_ndtr(m))

    def _rvs(self, m: Any, size: Any = None, random_state: Any = None) -> Any:
        return self._ppf(random_state.uniform(size=size), m)

    def _fitstart(self, data: Any, args: Any = None) -> tuple[float, float, float]:
        sd = float(np.std(data)) or 1.0
        return float(np.mean(data)) / sd, 0.0, sd

    def fit(self, data: Any, *args: Any, **kwds: Any) -> Any:
        """Maximum likelihood as scipy's, with ``m`` kept within [:data:`M_RANGE`]: skewed
        amounts drive the estimate towards an exponential tail (m → −∞, scale → ∞), where the
        unbounded search would wander for minutes; there the family is rejected anyway."""
        kwds.setdefault("optimizer", _bounded)
        return super().fit(data, *args, **kwds)


#: Bounds of the truncated normal's ``m`` = mean ÷ sd while fitting: below −4 less than
#: 1 / 30,000 of the normal lies above 0 (an exponential tail, better said by another family).
M_RANGE = (-4.0, 1e3)


def _bounded(func: Any, x0: Any, args: Any = (), disp: Any = 0) -> Any:
    """The optimizer of :meth:`_NormalAboveZero.fit`: Nelder–Mead within :data:`M_RANGE`
    (``x0`` is ``(m, scale)`` with loc fixed, or ``(m, loc, scale)``)."""
    from scipy import optimize

    x0 = np.asarray(x0, dtype=float)
    bounds = [M_RANGE] + [(None, None)] * (len(x0) - 2) + [(0.0, None)]
    x0[0] = np.clip(x0[0], *M_RANGE)
    found = optimize.minimize(func, x0, args=args, method="Nelder-Mead", bounds=bounds)
    return found.x


#: The normal truncated below at 0, as a :mod:`scipy.stats` family (shape ``m``, ``scale``).
NORMAL_ABOVE_ZERO = _NormalAboveZero(a=0.0, name="normal_above_zero", shapes="m")


@dataclass(frozen=True)
class Family:
    """A candidate family: its scipy distribution and how its fitted parameters are written
    in a scenario.

    Attributes
    ----------
    key
        The scenario's ``dist`` name.
    scipy
        The (unfrozen) :mod:`scipy.stats` distribution, with one shape and loc fixed at 0.
    names
        The scenario's parameter names.
    convert
        Scipy's fitted ``(shape, loc, scale)`` (arrays) → the scenario's parameters.
    extra
        Fixed fields of the scenario's spec (the normal's ``lower = 0``).
    """

    key: str
    scipy: Any
    names: tuple[str, ...]
    convert: Callable[[Floats, Floats], dict[str, Floats]]
    extra: dict[str, float] = field(default_factory=dict)


#: The candidate families, in the order tables list them.
FAMILIES: dict[str, Family] = {
    f.key: f
    for f in (
        Family(
            "lognormal", stats.lognorm, ("median", "sigma"), lambda s, k: {"median": k, "sigma": s}
        ),
        Family("gamma", stats.gamma, ("shape", "scale"), lambda a, k: {"shape": a, "scale": k}),
        Family(
            "weibull", stats.weibull_min, ("shape", "scale"), lambda c, k: {"shape": c, "scale": k}
        ),
        Family(
            "normal",
            NORMAL_ABOVE_ZERO,
            ("mean", "sd"),
            lambda m, k: {"mean": m * k, "sd": k},
            {"lower": 0.0},
        ),
    )
}


@dataclass(frozen=True)
class Candidate:
    """One candidate's fit: its parameters (as the scenario writes them), likelihood and tests.

    Attributes
    ----------
    family
        ``"lognormal"``, ``"gamma"``, ``"weibull"``, ``"normal"`` or ``"empirical"``.
    params
        The maximum-likelihood parameters [the attribute's unit, or unitless for shapes].
    scipy_params
        The same as scipy's ``(shape, loc, scale)`` (empty for the records themselves).
    loglik, aic, bic
        Log-likelihood at the estimate, and ``2k − 2 ln L``, ``k ln n − 2 ln L`` (k = 2).
    ks_p, ad_p
        Kolmogorov–Smirnov and Anderson–Darling p-values by parametric bootstrap (NaN for the
        records themselves, or a family that could not be fitted).
    """

    family: str
    params: dict[str, float]
    scipy_params: tuple[float, ...]
    loglik: float
    aic: float
    bic: float
    ks_p: float
    ad_p: float

    @property
    def passes(self) -> bool:
        """Whether both p-values are at least :data:`PER_TEST` (0.025)."""
        return self.ks_p >= PER_TEST and self.ad_p >= PER_TEST


def fit_candidate(
    values: Floats, family: Family, *, bootstrap: int, seed: int, name: str
) -> Candidate:
    """Fit ``family`` to ``values`` by maximum likelihood and test the fit.

    Parameters
    ----------
    values
        The amounts (all > 0) [the attribute's unit].
    family
        One of :data:`FAMILIES`.
    bootstrap
        Parametric-bootstrap samples ``B`` of each goodness-of-fit test.
    seed
        Seed of the tests' random streams (one stream per attribute, family and statistic).
    name
        The attribute's name (keys its random streams, so that order does not matter).

    Returns
    -------
    Candidate
        A family that cannot be fitted has ``loglik`` NaN and infinite AIC/BIC.

    Examples
    --------
    >>> from scipy import stats
    >>> x = stats.lognorm(s=0.5, scale=100).rvs(300, random_state=1)
    >>> c = fit_candidate(x, FAMILIES["lognormal"], bootstrap=49, seed=0, name="x")
    >>> round(c.params["median"]), round(c.params["sigma"], 2), c.passes
    (104, 0.47, True)
    """
    n = len(values)
    dist = family.scipy
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            shape, loc, scale = (float(v) for v in dist.fit(values, floc=0))
            loglik = float(np.sum(dist.logpdf(values, shape, loc=0, scale=scale)))
        except (ValueError, RuntimeError, stats.FitError):
            loglik = math.nan
        if not math.isfinite(loglik):
            return Candidate(family.key, {}, (), math.nan, math.inf, math.inf, math.nan, math.nan)
        p = {}
        for statistic in ("ks", "ad"):
            rng = stream(seed, stream_key(name), stream_key(f"{family.key}:{statistic}"))
            try:
                result = stats.goodness_of_fit(
                    dist,
                    values,
                    known_params={"loc": 0.0},
                    guessed_params={"scale": scale},
                    statistic=statistic,
                    n_mc_samples=bootstrap,
                    rng=rng,
                )
                p[statistic] = float(result.pvalue)
            except (ValueError, RuntimeError, stats.FitError):
                p[statistic] = math.nan
    params = {k: float(v) for k, v in family.convert(np.array(shape), np.array(scale)).items()}
    return Candidate(
        family.key,
        params,
        (shape, loc, scale),
        loglik,
        4.0 - 2.0 * loglik,
        2.0 * math.log(n) - 2.0 * loglik,
        p["ks"],
        p["ad"],
    )


def empirical_candidate() -> Candidate:
    """The records themselves: no parameters, no likelihood, no test."""
    return Candidate("empirical", {}, (), math.nan, math.nan, math.nan, math.nan, math.nan)


def choose(candidates: list[Candidate]) -> str:
    """The choice rule: among the families whose KS and AD p-values are both at least
    :data:`PER_TEST` (0.025: the 0.05 of :data:`ALPHA` shared by the two tests), the one with
    the lowest AIC; if none passes, the records themselves (``"empirical"``).

    Examples
    --------
    >>> a = Candidate("gamma", {}, (), -10.0, 24.0, 25.0, 0.3, 0.2)
    >>> b = Candidate("weibull", {}, (), -9.0, 22.0, 23.0, 0.01, 0.2)
    >>> choose([a, b]), choose([b])
    ('gamma', 'empirical')
    """
    passing = [c for c in candidates if c.family != "empirical" and c.passes]
    if not passing:
        return "empirical"
    return min(passing, key=lambda c: c.aic).family


def intervals(
    values: Floats, candidate: Candidate, *, bootstrap: int, seed: int, name: str
) -> dict[str, tuple[float, float]]:
    """95 % intervals of a fitted family's parameters: percentiles (2.5 %, 97.5 %) of the
    estimates refitted to ``bootstrap`` samples drawn from the fitted distribution (a
    parametric bootstrap). Each interval is widened, where it must be, to hold the estimate
    itself, so that the stated value always lies within its plausible range.

    Parameters
    ----------
    values
        The amounts fitted [the attribute's unit].
    candidate
        The chosen fit (not the records themselves).
    bootstrap
        Samples drawn and refitted.
    seed, name
        Seed and attribute name of the random stream.

    Returns
    -------
    dict
        ``{parameter: (low, high)}`` in the scenario's names [the parameter's unit].
    """
    family = FAMILIES[candidate.family]
    shape, _, scale = candidate.scipy_params
    rng = stream(seed, stream_key(name), stream_key(f"{family.key}:intervals"))
    samples = family.scipy.rvs(
        shape, loc=0.0, scale=scale, size=(bootstrap, len(values)), random_state=rng
    )
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        fits = np.apply_along_axis(
            lambda row: family.scipy.fit(row, shape, floc=0, scale=scale), 1, samples
        )
    converted = family.convert(fits[:, 0], fits[:, 2])
    out = {}
    for key, draws in converted.items():
        low, high = np.nanpercentile(draws, [2.5, 97.5])
        value = candidate.params[key]
        out[key] = (min(float(low), value), max(float(high), value))
    return out
