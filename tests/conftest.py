"""Shared helpers: build small scenarios in code for known-answer and property tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest

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
