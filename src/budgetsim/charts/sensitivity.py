"""Charts of a sensitivity analysis (placeholder until the charts land)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from budgetsim.metrics import Lang

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from budgetsim.outcomes import Output
    from budgetsim.sensitivity.result import SensitivityResult

__all__ = ["sensitivity_chart"]


def sensitivity_chart(
    result: SensitivityResult, output: Output, lang: Lang = "zh", *, top: int = 15
) -> Figure:
    """The method's chart for one output."""
    raise NotImplementedError
