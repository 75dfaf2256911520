"""Named distributions for applicant attributes and arrival counts.

Each attribute distribution is a typed, frozen spec (``dist = "lognormal"`` …). Sampling has two
steps so that the engine stays vectorised and reproducible:

1. :meth:`AttributeDist.standard` fills a slice with *standard* variates from one draw's own
   random stream (a uniform, a standard normal, or a beta variate) — cheap per-draw calls;
2. :meth:`AttributeDist.transform` maps a whole chunk of standard variates to values at once.

Truncation bounds (``lower``/``upper``) switch a continuous distribution to inverse-CDF sampling
on uniforms, which is exact for any bounds.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from scipy import special, stats

from budgetsim._model import PerYearFloat, Provenance, years_of

__all__ = [
    "ArrivalDist",
    "AttributeDist",
    "Bernoulli",
    "Beta",
    "Categorical",
    "Fixed",
    "FixedCount",
    "Lognormal",
    "NegativeBinomial",
    "Normal",
    "Pert",
    "Poisson",
    "Triangular",
    "Uniform",
]

Floats = NDArray[np.float64]


class _Attribute(Provenance):
    """Common interface of attribute distributions."""

    #: Which standard variate :meth:`standard` produces ("uniform", "normal", "beta", "none").
    _standard: ClassVar[str] = "uniform"

    def standard(self, rng: np.random.Generator, out: Floats) -> None:
        """Fill ``out`` (one draw's applicants) with standard variates from ``rng``."""
        kind = self._kind()
        if kind == "uniform":
            rng.random(out=out)
        elif kind == "normal":
            rng.standard_normal(out=out)
        elif kind == "beta":
            a, b = self._beta_shape()
            out[:] = rng.beta(a, b, size=out.shape[0])

    def _kind(self) -> str:
        return self._standard

    def _beta_shape(self) -> tuple[float, float]:  # pragma: no cover - only beta-like dists
        raise NotImplementedError

    def transform(self, x: Floats) -> NDArray[Any]:
        """Map standard variates from :meth:`standard` to attribute values (vectorised)."""
        raise NotImplementedError  # pragma: no cover

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
                "bounds", "expected lower < upper, found lower={lo} and upper={hi}",
                {"lo": self.lower, "hi": self.upper},
            )
        return self

    @property
    def truncated(self) -> bool:
        return self.lower is not None or self.upper is not None

    def scipy(self) -> Any:
        """The untruncated distribution as a frozen :mod:`scipy.stats` object."""
        raise NotImplementedError  # pragma: no cover

    def _kind(self) -> str:
        return "uniform" if self.truncated else self._standard

    def transform(self, x: Floats) -> Floats:
        if not self.truncated:
            return self._fast(x)
        lo = -np.inf if self.lower is None else self.lower
        hi = np.inf if self.upper is None else self.upper
        f_lo, f_hi = self._cdf(lo), self._cdf(hi)
        if not f_hi > f_lo:
            raise PydanticCustomError("bounds", "the bounds leave no probability mass")
        return np.clip(self._ppf(f_lo + x * (f_hi - f_lo)), lo, hi)

    def _fast(self, x: Floats) -> Floats:
        return np.asarray(self._ppf(x), dtype=np.float64)

    def _cdf(self, value: float) -> float:
        return float(self.scipy().cdf(value))

    def _ppf(self, q: Floats) -> Floats:
        return np.asarray(self.scipy().ppf(q), dtype=np.float64)


class Lognormal(_Continuous):
    """Lognormal by its median and the standard deviation ``sigma`` of its logarithm."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)
    _standard: ClassVar[str] = "normal"

    def scipy(self) -> Any:
        return stats.lognorm(s=self.sigma, scale=self.median)

    def _fast(self, x: Floats) -> Floats:
        return self.median * np.exp(self.sigma * x)

    def _cdf(self, value: float) -> float:
        if value <= 0:
            return 0.0
        if math.isinf(value) or self.sigma == 0:
            return 1.0 if value >= self.median else 0.0
        return float(special.ndtr(math.log(value / self.median) / self.sigma))

    def _ppf(self, q: Floats) -> Floats:
        return self.median * np.exp(self.sigma * special.ndtri(q))


class Normal(_Continuous):
    """Normal by ``mean`` and standard deviation ``sd``."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    _standard: ClassVar[str] = "normal"

    def scipy(self) -> Any:
        return stats.norm(self.mean, self.sd)

    def _fast(self, x: Floats) -> Floats:
        return self.mean + self.sd * x

    def _ppf(self, q: Floats) -> Floats:
        return self.mean + self.sd * special.ndtri(q)


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
        a, b = self._beta_shape()
        return stats.beta(a, b, loc=self.low, scale=self.high - self.low)

    def _fast(self, x: Floats) -> Floats:
        return self.low + (self.high - self.low) * x


class Bernoulli(_Attribute):
    """True with probability ``p``."""

    dist: Literal["bernoulli"]
    p: float = Field(ge=0, le=1)

    def transform(self, x: Floats) -> NDArray[np.bool_]:
        return x < self.p


class Categorical(_Attribute):
    """One of ``categories`` with probabilities ``p`` (summing to 1); stored as integer codes."""

    dist: Literal["categorical"]
    categories_: tuple[str, ...] = Field(alias="categories", min_length=1)
    p: tuple[float, ...]

    @model_validator(mode="after")
    def _probabilities(self) -> Categorical:
        if len(self.p) != len(self.categories_):
            raise PydanticCustomError(
                "categorical", "expected one probability per category ({n}), found {m}",
                {"n": len(self.categories_), "m": len(self.p)},
            )
        if any(q < 0 for q in self.p) or abs(sum(self.p) - 1) > 1e-9:
            raise PydanticCustomError(
                "categorical", "expected probabilities ≥ 0 that sum to 1, found {p} (sum {s})",
                {"p": list(self.p), "s": sum(self.p)},
            )
        if len(set(self.categories_)) != len(self.categories_):
            raise PydanticCustomError("categorical", "category labels must be unique")
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
    for a, b in zip(names, names[1:], strict=False):
        if values[a] > values[b] or (a == "low" and b == "high" and values[a] == values[b]):
            raise PydanticCustomError(
                "order", "expected {order}, found {found}",
                {"order": " ≤ ".join(names), "found": ", ".join(f"{k}={v}" for k, v in values.items())},
            )


#: Any attribute distribution, chosen by its ``dist`` field.
AttributeDist = Annotated[
    Lognormal | Normal | Uniform | Triangular | Beta | Pert | Bernoulli | Categorical | Fixed,
    Field(discriminator="dist"),
]


class _Arrivals(Provenance):
    """Number of applicants per year: per-year ``mean`` or ``base`` with annual ``growth``."""

    mean: PerYearFloat
    base: float | None = Field(default=None, ge=0)
    growth: float = 0.0

    @field_validator("mean")
    @classmethod
    def _non_negative(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(v < 0 for v in value):
            raise PydanticCustomError("mean", "expected means ≥ 0, found {v}", {"v": list(value)})
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

    @property
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
        return rng.poisson(rng.gamma(shape, self.means / shape))


class FixedCount(_Arrivals):
    """Exactly ``mean`` applicants a year (rounded to whole applicants)."""

    dist: Literal["fixed"]

    def sample(self, rng: np.random.Generator) -> NDArray[np.int64]:
        return np.rint(self.means).astype(np.int64)


#: Any arrival-count distribution, chosen by its ``dist`` field.
ArrivalDist = Annotated[Poisson | NegativeBinomial | FixedCount, Field(discriminator="dist")]
