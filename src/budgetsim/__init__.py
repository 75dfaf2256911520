"""budgetsim: plan multi-year subsidy budgets with Monte Carlo simulation.

Three lines from a scenario to a table::

    import budgetsim
    sc = budgetsim.load_scenario("jiangmen-2021")
    res = budgetsim.simulate(sc, draws=10_000, seed=1)
    res.summary()
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("budgetsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

from budgetsim import sensitivity  # the package, callable as the function
from budgetsim.comparison import Comparison, compare
from budgetsim.engine import simulate, simulate_many
from budgetsim.errors import BudgetsimError, ScenarioError, SimulationError
from budgetsim.fitting import PopulationFit, fit_population
from budgetsim.nowcast import Nowcast, nowcast
from budgetsim.parameters import parameters
from budgetsim.results import SimulationResult
from budgetsim.scenario import Scenario, bundled_scenarios, load_scenario, vary
from budgetsim.sensitivity import SensitivityResult

__all__ = [
    "BudgetsimError",
    "Comparison",
    "Nowcast",
    "PopulationFit",
    "Scenario",
    "ScenarioError",
    "SensitivityResult",
    "SimulationError",
    "SimulationResult",
    "__version__",
    "bundled_scenarios",
    "compare",
    "fit_population",
    "load_scenario",
    "nowcast",
    "parameters",
    "sensitivity",
    "simulate",
    "simulate_many",
    "vary",
]
