"""Choose a plan: split the money, size the budget, award the firms.

The simulation says what happens under a plan; these models say which plan to choose. Each is
built as arrays, solved through PuLP (CBC by default, HiGHS when ``highspy`` is installed) or
SciPy's HiGHS, and re-checked in numpy before it is returned.

- :func:`allocate` — envelopes per fund and year from a total (sample-average LP, duals,
  out-of-sample comparison with the document's split);
- :func:`size_budget` — the smallest budgets that hold in (1 − α) of draws (chance
  constraint), with a binomial certificate on fresh draws;
- :func:`award` — who gets what from an applicant list (:func:`read_applicants`) under caps,
  minimum or all-or-nothing awards, group quotas and the envelope.

Examples
--------
>>> import budgetsim
>>> from budgetsim import optimize
>>> sc = budgetsim.load_scenario("jiangmen-2015-2017")
>>> res = optimize.size_budget(sc, 0.8, draws=200, validation_draws=400, seed=1)
>>> res.certificate.draws, res.solve.method
(400, 'milp')
"""

from budgetsim.optimize._lp import (
    SOLVERS,
    LinearProgram,
    OptimizationError,
    Solution,
    Status,
    solve,
)
from budgetsim.optimize.allocation import AllocationResult, Estimate, FundBounds, allocate
from budgetsim.optimize.applicants import Applicants, read_applicants
from budgetsim.optimize.awards import AwardResult, AwardRules, Quota, award
from budgetsim.optimize.sizing import Certificate, SizingResult, size_budget, size_budgets

__all__ = [
    "SOLVERS",
    "AllocationResult",
    "Applicants",
    "AwardResult",
    "AwardRules",
    "Certificate",
    "Estimate",
    "FundBounds",
    "LinearProgram",
    "OptimizationError",
    "Quota",
    "SizingResult",
    "Solution",
    "Status",
    "allocate",
    "award",
    "read_applicants",
    "size_budget",
    "size_budgets",
    "solve",
]
