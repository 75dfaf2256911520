"""Scenario files: the declarative model, loading and validation."""

from budgetsim.scenario.compile import Plan, compile_scenario
from budgetsim.scenario.load import (
    DEFAULT_SCENARIO,
    BundledScenario,
    bundled_scenarios,
    load_scenario,
    resolve,
    scenario_hash,
    vary,
)
from budgetsim.scenario.model import Envelope, Population, Programme, Scenario

__all__ = [
    "DEFAULT_SCENARIO",
    "BundledScenario",
    "Envelope",
    "Plan",
    "Population",
    "Programme",
    "Scenario",
    "bundled_scenarios",
    "compile_scenario",
    "load_scenario",
    "resolve",
    "scenario_hash",
    "vary",
]
