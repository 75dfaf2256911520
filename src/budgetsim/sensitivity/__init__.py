"""Sensitivity analysis: which assumptions move a scenario's outputs, and how much.

- :func:`tornado`: each ranged number at its two ends, on common random numbers, with the
  paired interval of each swing;
- :func:`morris`: elementary effects over the plausible box (SALib), with their noise;
- :func:`sobol`: first-order and total indices (SALib) on the numbers Morris keeps;
- :func:`simulate_uncertain`: a run in which the assumptions themselves are drawn;
  :func:`variance_split`, the split of each output's spread between them and luck;
  :func:`comparison`, the headlines with the assumptions fixed and drawn.
"""

import sys
import types
from typing import Any

from budgetsim.sensitivity.design import Factor, changes, factors
from budgetsim.sensitivity.methods import METHODS, morris, sensitivity, sobol, tornado
from budgetsim.sensitivity.result import SensitivityResult
from budgetsim.sensitivity.uncertain import (
    UncertainDraws,
    comparison,
    simulate_uncertain,
    variance_split,
)

__all__ = [
    "METHODS",
    "Factor",
    "SensitivityResult",
    "UncertainDraws",
    "changes",
    "comparison",
    "factors",
    "morris",
    "sensitivity",
    "simulate_uncertain",
    "sobol",
    "tornado",
    "variance_split",
]


class _CallableModule(types.ModuleType):
    """The package is also the function: ``budgetsim.sensitivity(sc, …)`` calls
    :func:`sensitivity` even where an import made ``budgetsim.sensitivity`` the package."""

    def __call__(self, *args: Any, **kwargs: Any) -> SensitivityResult:
        return sensitivity(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
