"""Sampling checks against scipy, seeded, with tolerances from the standard error."""

from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from budgetsim.distributions import ArrivalDist, AttributeDist
from tests.conftest import central_moments, variance_se

N = 200_000
Z = 5.0  # standard errors allowed: a false alarm once in ~3.5 million runs


def sample(spec: dict[str, Any], n: int = N, seed: int = 7) -> tuple[Any, np.ndarray]:
    dist = TypeAdapter(AttributeDist).validate_python({**spec, "assumption": "test"})
    standard = np.empty(n)
    dist.standard(np.random.default_rng(seed), standard)
    return dist, dist.transform(standard)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "lognormal", "median": 130, "sigma": 1.2},
        {"dist": "normal", "mean": 5, "sd": 2},
        {"dist": "uniform", "low": 0.5, "high": 1.5},
        {"dist": "triangular", "low": 0, "mode": 1, "high": 4},
        {"dist": "beta", "alpha": 2, "beta": 5, "low": 10, "high": 20},
        {"dist": "pert", "low": 1, "mode": 2, "high": 6},
    ],
)
def test_continuous_mean_and_ks(spec: dict[str, Any]) -> None:
    dist, values = sample(spec)
    ref = dist.scipy()
    se = ref.std() / np.sqrt(N)
    assert abs(values.mean() - ref.mean()) < Z * se
    assert stats.kstest(values, ref.cdf).pvalue > 1e-6


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "lognormal", "median": 130, "sigma": 1.2, "lower": 50, "upper": 300},
        {"dist": "lognormal", "median": 130, "sigma": 1.2, "upper": 100},
        {"dist": "normal", "mean": 0, "sd": 1, "lower": 1.5},
        {"dist": "pert", "low": 1, "mode": 2, "high": 6, "lower": 3},
        {"dist": "triangular", "low": 0, "mode": 1, "high": 4, "lower": 0.5, "upper": 2},
    ],
)
def test_truncation_is_exact(spec: dict[str, Any]) -> None:
    dist, values = sample(spec)
    ref = dist.scipy()
    lo = spec.get("lower", -np.inf)
    hi = spec.get("upper", np.inf)
    assert values.min() >= lo
    assert values.max() <= hi
    f_lo, f_hi = ref.cdf(lo), ref.cdf(hi)
    assert stats.kstest(values, lambda x: (ref.cdf(x) - f_lo) / (f_hi - f_lo)).pvalue > 1e-6


def test_truncated_lognormal_mean_closed_form() -> None:
    median, sigma, hi = 100.0, 1.0, 250.0
    _, values = sample({"dist": "lognormal", "median": median, "sigma": sigma, "upper": hi})
    mu = np.log(median)
    k = (np.log(hi) - mu) / sigma
    mean = np.exp(mu + sigma**2 / 2) * stats.norm.cdf(k - sigma) / stats.norm.cdf(k)
    assert abs(values.mean() - mean) < Z * values.std() / np.sqrt(N)


def test_bernoulli_and_categorical_frequencies() -> None:
    _, flags = sample({"dist": "bernoulli", "p": 0.3})
    assert flags.dtype == bool
    assert abs(flags.mean() - 0.3) < Z * np.sqrt(0.3 * 0.7 / N)
    dist, codes = sample(
        {"dist": "categorical", "categories": ["a", "b", "c"], "p": [0.2, 0.3, 0.5]}
    )
    assert dist.categories == ("a", "b", "c")
    counts = np.bincount(codes, minlength=3)
    assert stats.chisquare(counts, N * np.array([0.2, 0.3, 0.5])).pvalue > 1e-6


def test_fixed_consumes_no_randomness() -> None:
    dist, values = sample({"dist": "fixed", "value": 3.5}, n=4)
    assert not dist.uses_random
    np.testing.assert_array_equal(values, [3.5] * 4)


def arrivals(spec: dict[str, Any], years: int = 3) -> Any:
    context = {"years": list(range(2021, 2021 + years))}
    return TypeAdapter(ArrivalDist).validate_python({**spec, "assumption": "t"}, context=context)


def test_poisson_and_negative_binomial_moments() -> None:
    rng = np.random.default_rng(3)
    n = 40_000
    pois = np.array(
        [arrivals({"dist": "poisson", "mean": [50, 80, 120]}).sample(rng) for _ in range(n)]
    )
    np.testing.assert_array_less(
        np.abs(pois.mean(0) - [50, 80, 120]), Z * np.sqrt([50, 80, 120]) / np.sqrt(n)
    )
    nb = arrivals({"dist": "negative_binomial", "mean": 900, "dispersion": 0.02})
    draws = np.array([nb.sample(rng) for _ in range(n)])
    var = 900 + 0.02 * 900**2
    assert np.all(np.abs(draws.mean(0) - 900) < Z * np.sqrt(var / n))
    # the SE of a sample variance takes the count's own fourth central moment: a negative
    # binomial (Poisson–gamma with shape 1/dispersion) is skewed, not near-normal
    shape = 1 / 0.02
    nb_var, mu4 = central_moments(stats.nbinom(shape, shape / (shape + 900)))
    assert nb_var == pytest.approx(var)
    assert np.all(np.abs(draws.var(0, ddof=1) - var) < Z * variance_se(mu4, var, n))


def test_base_with_growth_and_fixed_counts() -> None:
    spec = arrivals({"dist": "fixed", "base": 100, "growth": 0.1})
    np.testing.assert_allclose(spec.means, [100, 110, 121])
    np.testing.assert_array_equal(spec.sample(np.random.default_rng(0)), [100, 110, 121])


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"dist": "lognormal", "median": -1, "sigma": 1}, "greater than 0"),
        ({"dist": "uniform", "low": 2, "high": 1}, "low ≤ high"),
        ({"dist": "triangular", "low": 0, "mode": 5, "high": 4}, "low ≤ mode ≤ high"),
        ({"dist": "categorical", "categories": ["a", "b"], "p": [0.5, 0.6]}, "sum to 1"),
        (
            {"dist": "categorical", "categories": ["a", "b"], "p": [1.0]},
            "one probability per category",
        ),
        ({"dist": "bernoulli", "p": 1.5}, "a rate from 0 to 1"),
        ({"dist": "normal", "mean": 0, "sd": 1, "lower": 2, "upper": 1}, "lower < upper"),
        ({"dist": "lognormal", "median": 1, "sigmaa": 1}, "unknown field"),
        ({"dist": "gamma", "shape": 1}, "scale\n  Field required"),
        ({"dist": "gama", "shape": 1}, "does not match any of the expected tags"),
    ],
)
def test_bad_parameters(spec: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        TypeAdapter(AttributeDist).validate_python({**spec, "assumption": "t"})


def test_provenance_is_required() -> None:
    with pytest.raises(ValidationError, match="cite its clause"):
        TypeAdapter(AttributeDist).validate_python({"dist": "fixed", "value": 1})
