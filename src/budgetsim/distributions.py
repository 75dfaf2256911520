"""Named distributions for applicant attributes and arrival counts.

Each attribute distribution is a typed, frozen spec (``dist = "lognormal"`` …). Sampling has two
steps so that the engine stays vectorised and reproducible:

1. :meth:`AttributeDist.standard` fills a slice with *standard* variates from one draw's own
   random stream (a uniform, a standard normal, or a beta variate) — cheap per-draw calls;
2. :meth:`AttributeDist.transform` maps a whole chunk of standard variates to values at once.

Truncation bounds (``lower``/``upper``) switch a continuous distribution to inverse-CDF sampling
on uniforms, which is exact for any bounds.

``dist = "empirical"`` resamples a bureau's own records: the spec (:class:`Empirical`) names the
file and column; compiling the scenario reads them into a
:class:`budgetsim.empirical.Resampled`, whose standard variate is a uniform u and whose value is
record ``min(floor(u·n), n−1)`` scaled by ``(1 + growth) ** (year − record year)``. Attributes
of one population that name the same file (and sheet) share their uniforms, so each applicant
takes one whole record.
"""

from __future__ import annotations

import itertools
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from scipy import special

from budgetsim._model import SANE, Growth, PerYearFloat, Provenance, Rate, Year, years_of

__all__ = [
    "ArrivalDist",
    "AttributeDist",
    "Bernoulli",
    "Beta",
    "Categorical",
    "Empirical",
    "Fixed",
    "FixedCount",
    "Gamma",
    "Lognormal",
    "NegativeBinomial",
    "Normal",
    "Pert",
    "Poisson",
    "PopulationAttribute",
    "Triangular",
    "Uniform",
    "Weibull",
]

Floats = NDArray[np.float64]


class _Attribute(Provenance):
    """Common interface of attribute distributions."""

    #: Which standard variate :meth:`standard` produces ("uniform", "normal", "beta", "none").
    _standard: ClassVar[str] = "uniform"
    #: What the attribute is, as a reader calls it (Chinese, and English).
    label: str | None = None
    label_en: str | None = None
    #: The attribute's unit (``"万元"``, ``"%"``, ``"月"`` …), shown with its parameters.
    unit: str | None = Field(default=None, max_length=16)

    def standard(self, rng: np.random.Generator, out: Floats) -> None:
        """Fill ``out`` (one draw's applicants) with standard variates from ``rng``."""
        kind = self._standard
        if kind == "uniform":
            rng.random(out=out)
        elif kind == "normal":
            rng.standard_normal(out=out)
        elif kind == "beta":
            a, b = self._beta_shape()
            out[:] = rng.beta(a, b, size=out.shape[0])

    @property
    def uses_random(self) -> bool:
        """Whether sampling consumes random numbers (False for fixed values)."""
        return self._standard != "none"

    def _beta_shape(self) -> tuple[float, float]:  # pragma: no cover - only beta-like dists
        raise NotImplementedError

    def transform(self, x: Floats) -> NDArray[Any]:
        """Map standard variates from :meth:`standard` to attribute values (vectorised)."""
        raise NotImplementedError  # pragma: no cover

    def transform_year(self, x: Floats, year: int) -> NDArray[Any]:
        """Values of applicants arriving in ``year``: :meth:`transform`, since no named
        distribution depends on the year (records resampled with growth do)."""
        return self.transform(x)

    @property
    def categories(self) -> tuple[str, ...] | None:
        """Category labels for a categorical attribute, otherwise None."""
        return None


class _Continuous(_Attribute):
    """A continuous distribution with optional truncation bounds."""

    lower: float | None = None
    upper: float | None = None

    @model_validator(mode="after")
    def _bounds_ordered(self) -> _Continuous:
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise PydanticCustomError(
                "bounds",
                "expected lower < upper, found lower={lo} and upper={hi}",
                {"lo": self.lower, "hi": self.upper},
            )
        return self

    @property
    def truncated(self) -> bool:
        return self.lower is not None or self.upper is not None

    def scipy(self) -> Any:
        """The untruncated distribution as a frozen :mod:`scipy.stats` object."""
        raise NotImplementedError  # pragma: no cover

    def transform(self, x: Floats) -> Floats:
        """Values from standard variates; truncation is exact and costs only the rare tails.

        A value outside [lower, upper] is replaced by the truncated distribution's quantile at
        its own (uniform, given that it is outside) position within the tail it fell in, so
        the result has exactly the truncated distribution.
        """
        value = self._fast(x)
        if not self.truncated:
            return value
        lo = -np.inf if self.lower is None else self.lower
        hi = np.inf if self.upper is None else self.upper
        outside = (value < lo) | (value > hi)
        if outside.any():
            f_lo, f_hi = self._cdf(lo), self._cdf(hi)
            tail = value[outside]
            f = self._cdf_array(tail)
            with np.errstate(divide="ignore", invalid="ignore"):
                u = np.where(tail < lo, f / f_lo, (f - f_hi) / (1.0 - f_hi))
            value[outside] = self._ppf(f_lo + np.clip(u, 0.0, 1.0) * (f_hi - f_lo))
        return np.clip(value, lo, hi)

    def _fast(self, x: Floats) -> Floats:
        return np.asarray(self._ppf(x), dtype=np.float64)

    def _cdf(self, value: float) -> float:
        return float(self._cdf_array(np.array([value]))[0])

    def _cdf_array(self, values: Floats) -> Floats:
        return np.asarray(self.scipy().cdf(values), dtype=np.float64)

    def _ppf(self, q: Floats) -> Floats:
        return np.asarray(self.scipy().ppf(q), dtype=np.float64)


class Lognormal(_Continuous):
    """Lognormal by its median and the standard deviation ``sigma`` of its logarithm."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=SANE["log_sd"][0], le=SANE["log_sd"][1])
    _standard: ClassVar[str] = "normal"

    def scipy(self) -> Any:
        from scipy import stats

        return stats.lognorm(s=self.sigma, scale=self.median)

    def _fast(self, x: Floats) -> Floats:
        value = np.multiply(x, self.sigma)
        np.exp(value, out=value)
        value *= self.median
        return value

    def _cdf_array(self, values: Floats) -> Floats:
        if self.sigma == 0:
            return (values >= self.median).astype(np.float64)
        with np.errstate(divide="ignore"):
            z = np.log(np.maximum(values, 0.0) / self.median) / self.sigma
        return np.asarray(special.ndtr(z), dtype=np.float64)

    def _ppf(self, q: Floats) -> Floats:
        return np.asarray(self.median * np.exp(self.sigma * special.ndtri(q)), dtype=np.float64)


class _ShapeScale(_Continuous):
    """A family on x ≥ 0 given by its ``shape`` and ``scale``."""

    shape: float = Field(gt=0)
    scale: float = Field(gt=0)


class Gamma(_ShapeScale):
    """Gamma by its ``shape`` (k) and ``scale`` (θ): mean kθ, coefficient of variation 1/√k."""

    dist: Literal["gamma"]

    def scipy(self) -> Any:
        from scipy import stats

        return stats.gamma(self.shape, scale=self.scale)

    def _cdf_array(self, values: Floats) -> Floats:
        x = np.maximum(values, 0.0) / self.scale
        return np.asarray(special.gammainc(self.shape, x), dtype=np.float64)

    def _ppf(self, q: Floats) -> Floats:
        return np.asarray(self.scale * special.gammaincinv(self.shape, q), dtype=np.float64)


class Weibull(_ShapeScale):
    """Weibull by its ``shape`` (k) and ``scale`` (λ): P(X > x) = exp(−(x/λ)^k)."""

    dist: Literal["weibull"]

    def scipy(self) -> Any:
        from scipy import stats

        return stats.weibull_min(self.shape, scale=self.scale)

    def _cdf_array(self, values: Floats) -> Floats:
        x = np.maximum(values, 0.0) / self.scale
        return np.asarray(-np.expm1(-(x**self.shape)), dtype=np.float64)

    def _ppf(self, q: Floats) -> Floats:
        return np.asarray(self.scale * (-np.log1p(-q)) ** (1.0 / self.shape), dtype=np.float64)


class Normal(_Continuous):
    """Normal by ``mean`` and standard deviation ``sd``."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    _standard: ClassVar[str] = "normal"

    def scipy(self) -> Any:
        from scipy import stats

        return stats.norm(self.mean, self.sd)

    def _fast(self, x: Floats) -> Floats:
        return self.mean + self.sd * x

    def _ppf(self, q: Floats) -> Floats:
        return np.asarray(self.mean + self.sd * special.ndtri(q), dtype=np.float64)

    def _cdf_array(self, values: Floats) -> Floats:
        if self.sd == 0:
            return (values >= self.mean).astype(np.float64)
        return np.asarray(special.ndtr((values - self.mean) / self.sd), dtype=np.float64)


class Uniform(_Continuous):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        _check_order(low=self.low, high=self.high)
        return self

    def scipy(self) -> Any:
        from scipy import stats

        return stats.uniform(self.low, self.high - self.low)

    def _fast(self, x: Floats) -> Floats:
        return self.low + (self.high - self.low) * x


class Triangular(_Continuous):
    """Triangular between ``low`` and ``high`` with its peak at ``mode``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        _check_order(low=self.low, mode=self.mode, high=self.high)
        return self

    def scipy(self) -> Any:
        from scipy import stats

        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def _fast(self, x: Floats) -> Floats:
        low, mode, high = self.low, self.mode, self.high
        split = (mode - low) / (high - low)
        left = low + np.sqrt(x * (high - low) * (mode - low))
        right = high - np.sqrt((1 - x) * (high - low) * (high - mode))
        return np.where(x < split, left, right)


class Beta(_Continuous):
    """Beta with shapes ``alpha`` and ``beta``, scaled to [``low``, ``high``] (default [0, 1])."""

    dist: Literal["beta"]
    alpha: float = Field(gt=0)
    beta: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0
    _standard: ClassVar[str] = "beta"

    @model_validator(mode="after")
    def _ordered(self) -> Beta:
        _check_order(low=self.low, high=self.high)
        return self

    def _beta_shape(self) -> tuple[float, float]:
        return self.alpha, self.beta

    def scipy(self) -> Any:
        from scipy import stats

        return stats.beta(self.alpha, self.beta, loc=self.low, scale=self.high - self.low)

    def _fast(self, x: Floats) -> Floats:
        return self.low + (self.high - self.low) * x


class Pert(_Continuous):
    """PERT (a beta shaped by ``low``, ``mode``, ``high`` and ``shape``, default 4)."""

    dist: Literal["pert"]
    low: float
    mode: float
    high: float
    shape: float = Field(default=4.0, gt=0)
    _standard: ClassVar[str] = "beta"

    @model_validator(mode="after")
    def _ordered(self) -> Pert:
        _check_order(low=self.low, mode=self.mode, high=self.high)
        return self

    def _beta_shape(self) -> tuple[float, float]:
        width = self.high - self.low
        return (
            1 + self.shape * (self.mode - self.low) / width,
            1 + self.shape * (self.high - self.mode) / width,
        )

    def scipy(self) -> Any:
        from scipy import stats

        a, b = self._beta_shape()
        return stats.beta(a, b, loc=self.low, scale=self.high - self.low)

    def _fast(self, x: Floats) -> Floats:
        return self.low + (self.high - self.low) * x


class Bernoulli(_Attribute):
    """True with probability ``p``."""

    dist: Literal["bernoulli"]
    p: Rate

    def transform(self, x: Floats) -> NDArray[np.bool_]:
        return x < self.p


class Categorical(_Attribute):
    """One of ``categories`` with probabilities ``p`` (summing to 1); stored as integer codes."""

    dist: Literal["categorical"]
    categories_: tuple[str, ...] = Field(alias="categories", min_length=1)
    p: tuple[float, ...]
    #: What each category is called in tables and charts, by category (Chinese, English).
    category_labels: dict[str, str] = Field(default_factory=dict)
    category_labels_en: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _probabilities(self) -> Categorical:
        if len(self.p) != len(self.categories_):
            raise PydanticCustomError(
                "categorical",
                "expected one probability per category ({n}), found {m}",
                {"n": len(self.categories_), "m": len(self.p)},
            )
        if any(q < 0 for q in self.p) or abs(sum(self.p) - 1) > 1e-9:
            raise PydanticCustomError(
                "categorical",
                "expected probabilities ≥ 0 that sum to 1, found {p} (sum {s})",
                {"p": list(self.p), "s": sum(self.p)},
            )
        if len(set(self.categories_)) != len(self.categories_):
            raise PydanticCustomError("categorical", "category labels must be unique")
        for field in ("category_labels", "category_labels_en"):
            unknown = sorted(set(getattr(self, field)) - set(self.categories_))
            if unknown:
                raise PydanticCustomError(
                    "categorical",
                    "{field} names categories that do not exist: {unknown}; expected some of "
                    "{known}",
                    {"field": field, "unknown": unknown, "known": list(self.categories_)},
                )
        return self

    @property
    def categories(self) -> tuple[str, ...]:
        return self.categories_

    def transform(self, x: Floats) -> NDArray[np.int16]:
        edges = np.cumsum(self.p[:-1])
        return np.searchsorted(edges, x, side="right").astype(np.int16)


class Fixed(_Attribute):
    """The same ``value`` for every applicant."""

    dist: Literal["fixed"]
    value: float
    _standard: ClassVar[str] = "none"

    def transform(self, x: Floats) -> Floats:
        return np.full(x.shape, self.value)


def _check_order(**values: float) -> None:
    names = list(values)
    for a, b in itertools.pairwise(names):
        if values[a] > values[b] or (a == "low" and b == "high" and values[a] == values[b]):
            raise PydanticCustomError(
                "order",
                "expected {order}, found {found}",
                {
                    "order": " ≤ ".join(names),
                    "found": ", ".join(f"{k}={v}" for k, v in values.items()),
                },
            )


#: Any attribute distribution, chosen by its ``dist`` field.
AttributeDist = Annotated[
    Lognormal
    | Gamma
    | Weibull
    | Normal
    | Uniform
    | Triangular
    | Beta
    | Pert
    | Bernoulli
    | Categorical
    | Fixed,
    Field(discriminator="dist"),
]


class Empirical(_Attribute):
    """The bureau's own records, resampled: ``file`` (CSV, Excel or Parquet, relative to the
    scenario's folder) and the header of its ``column``.

    Values are scaled by ``(1 + growth) ** (year − record year)``, the record year being each
    record's ``year_column`` or the ``base_year`` of all of them. The spec is data only; the
    numbers are read when the scenario is compiled (:class:`budgetsim.empirical.Resampled`).
    """

    dist: Literal["empirical"]
    file: str = Field(min_length=1, max_length=1000)
    column: str = Field(min_length=1, max_length=200)
    growth: Growth = 0.0
    year_column: str | None = Field(default=None, min_length=1, max_length=200)
    base_year: Year | None = None
    sheet: str | int | None = None

    @model_validator(mode="after")
    def _years_for_growth(self) -> Empirical:
        if self.year_column is not None and self.base_year is not None:
            raise PydanticCustomError(
                "empirical",
                "give either year_column (each record's year) or base_year (the year of every "
                "record), not both",
            )
        if self.growth != 0 and self.year_column is None and self.base_year is None:
            raise PydanticCustomError(
                "empirical",
                "{problem}: expected {expected}, found {found}",
                {
                    "problem": "growth needs the records' year",
                    "expected": 'year_column = "…" (the column of each record\'s year) or '
                    "base_year = … (the year of every record)",
                    "found": f"growth = {self.growth:g} and neither",
                    "hint": "values are scaled by (1 + growth) ** (year − record year)",
                },
            )
        return self

    @property
    def uses_random(self) -> bool:
        return True

    def transform(self, x: Floats) -> Floats:
        raise TypeError(  # the records are read when the scenario is compiled
            "an empirical attribute is sampled from its records: compile the scenario"
        )


#: What a population's attribute may be: a named distribution or records resampled.
PopulationAttribute = Annotated[
    Lognormal
    | Gamma
    | Weibull
    | Normal
    | Uniform
    | Triangular
    | Beta
    | Pert
    | Bernoulli
    | Categorical
    | Fixed
    | Empirical,
    Field(discriminator="dist"),
]


class _Arrivals(Provenance):
    """Number of applicants per year: per-year ``mean`` or ``base`` with annual ``growth``."""

    mean: PerYearFloat
    base: float | None = Field(default=None, ge=0)
    growth: Growth = 0.0

    @field_validator("mean")
    @classmethod
    def _non_negative(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(v < 0 for v in value):
            raise PydanticCustomError("mean", "expected means ≥ 0, found {v}", {"v": list(value)})
        most = SANE["applicants"][1]
        if any(v > most for v in value):
            raise PydanticCustomError(
                "mean",
                "{problem}: expected {expected}, found {found}",
                {
                    "problem": "out of range",
                    "expected": f"at most {most:,.0f} applicants a year",
                    "found": ", ".join(f"{v:,.0f}" for v in dict.fromkeys(value) if v > most),
                },
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _mean_or_base(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        if ("mean" in data) == ("base" in data):
            raise PydanticCustomError(
                "arrivals", "give either mean (one value or one per year) or base with growth"
            )
        if "base" in data:
            years = years_of(info) or (0,)
            base, growth = data["base"], data.get("growth", 0.0)
            if isinstance(base, int | float) and isinstance(growth, int | float):
                data = {**data, "mean": [base * (1 + growth) ** i for i in range(len(years))]}
        return data

    @cached_property
    def means(self) -> Floats:
        """Expected applicants per year [1/year]."""
        return np.asarray(self.mean, dtype=np.float64)

    def sample(self, rng: np.random.Generator) -> NDArray[np.int64]:
        """Applicant counts for every year of one draw."""
        raise NotImplementedError  # pragma: no cover


class Poisson(_Arrivals):
    """Poisson counts with the per-year mean."""

    dist: Literal["poisson"]

    def sample(self, rng: np.random.Generator) -> NDArray[np.int64]:
        return rng.poisson(self.means)


class NegativeBinomial(_Arrivals):
    """Overdispersed counts: variance = mean + ``dispersion`` × mean² (a gamma-Poisson mix).

    ``sqrt(dispersion)`` is the coefficient of variation of the underlying rate.
    """

    dist: Literal["negative_binomial"]
    dispersion: float = Field(gt=0)

    def sample(self, rng: np.random.Generator) -> NDArray[np.int64]:
        shape = 1.0 / self.dispersion
        return rng.poisson(rng.standard_gamma(shape, len(self.mean)) * self._scale)

    @cached_property
    def _scale(self) -> Floats:
        return self.means * self.dispersion


class FixedCount(_Arrivals):
    """Exactly ``mean`` applicants a year (rounded to whole applicants)."""

    dist: Literal["fixed"]

    def sample(self, rng: np.random.Generator) -> NDArray[np.int64]:
        return np.rint(self.means).astype(np.int64)


#: Any arrival-count distribution, chosen by its ``dist`` field.
ArrivalDist = Annotated[Poisson | NegativeBinomial | FixedCount, Field(discriminator="dist")]
