"""Shared helpers: build small scenarios in code for known-answer and property tests."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from scipy import stats

from budgetsim.scenario import Scenario
from budgetsim.scenario.load import validate_data

BASE: dict[str, Any] = {
    "scenario": {"id": "toy", "title": "toy", "source": "test", "years": [2021, 2022, 2023]},
    "populations": {
        "firms": {
            "label": "firms",
            "arrivals": {"dist": "poisson", "mean": 50, "assumption": "test"},
            "attributes": {
                "x": {"dist": "lognormal", "median": 10, "sigma": 0.5, "assumption": "test"}
            },
        }
    },
    "programmes": {
        "grant": {
            "label": "grant",
            "source": "test",
            "population": "firms",
            "instrument": {"kind": "fixed", "amount": 1, "source": "test"},
            "rationing": "fcfs",
            "envelope": {"per_year": 40, "source": "test"},
        }
    },
}


def toy(**changes: Any) -> Scenario:
    """A validated toy scenario; keyword paths like ``programmes__grant__rationing`` override."""
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = data
        keys = dotted.split("__")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return validate_data(data, "toy.toml")


@pytest.fixture
def make_toy() -> Any:
    return toy


def variance_se(mu4: float, var: float, n: int) -> float:
    """Standard error of the sample variance (``ddof=1``) of ``n`` independent draws.

    Exact for any distribution with fourth central moment ``mu4`` and variance ``var``:
    ``Var(s²) = (μ4 − σ⁴ (n − 3)/(n − 1)) / n``; the normal-theory ``2σ⁴/(n − 1)`` is the
    special case ``μ4 = 3σ⁴`` and understates it for a heavy-tailed (skewed) count.
    """
    return math.sqrt((mu4 - var**2 * (n - 3) / (n - 1)) / n)


def central_moments(dist: Any) -> tuple[float, float]:
    """Variance and fourth central moment of a frozen scipy distribution."""
    var, kurt = (float(v) for v in dist.stats(moments="vk"))
    return var, (kurt + 3.0) * var**2


def binomial_band(p: float, n: int, z: float) -> tuple[float, float]:
    """Shares between which the share of ``n`` independent events of probability ``p``
    falls with the two-sided probability of ``±z`` normal standard errors, from the exact
    binomial distribution of the count (right near 0 or 1, where ``±z·√(p(1 − p)/n)`` is not).
    """
    tail = float(stats.norm.sf(z))
    return float(stats.binom.ppf(tail, n, p)) / n, float(stats.binom.isf(tail, n, p)) / n


def order_statistic_band(dist: Any, rank: int, n: int, z: float) -> tuple[float, float]:
    """Values between which the ``rank``-th smallest of ``n`` draws of ``dist`` falls with the
    two-sided probability of ``±z`` normal standard errors: ``F(X₍ᵣ₎)`` is the ``r``-th order
    statistic of uniforms, Beta(r, n − r + 1), and ``X₍ᵣ₎ = F⁻¹`` of it (discrete too)."""
    tail = float(stats.norm.sf(z))
    u = stats.beta(rank, n - rank + 1)
    return float(dist.ppf(u.ppf(tail))), float(dist.ppf(u.isf(tail)))
