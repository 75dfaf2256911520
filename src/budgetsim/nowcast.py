"""The forecast re-made as applications arrive: a run conditioned on the claims received so far.

A nowcast of a programme at a date (``as_of``) keeps the applications received so far as they
are (their attributes, their arrival dates, first in arrival order) and simulates the rest of
that year: the number still to arrive comes from the arrival count updated by what was
received against what the scenario expected by that date, by a conjugate gamma–Poisson update:

- the yearly rate Λ has a gamma distribution Γ(α, β) (shape α, rate β, mean α/β): for
  ``negative_binomial`` arrivals (mean λ, dispersion d) it is the model's own mixing
  distribution, α = 1/d, β = α/λ; for ``poisson`` arrivals, whose rate the scenario takes as
  known, it is a prior with mean λ and a coefficient of variation from ``rate_cv``, or else
  from the plausible range of the population's ``arrivals.mean`` read as a central 90 %
  interval on the log scale (σ = ln(high/low)/(2 × 1.645), cv = √(exp σ² − 1)), or else
  :data:`DEFAULT_RATE_CV` (an assumption, said in the output);
- the applications by the date are Poisson(Λ·f), f the share of the application window
  elapsed when the as-of day begins (the as-of month counted by its elapsed days); having
  received k, the rate is Γ(α + k, β + f);
- still to arrive: Poisson(Λ·(1 − f)) with Λ from that posterior, a negative binomial with
  n = α + k and p = (β + f)/(β + 1), placed in the months left of the window;
- ``fixed`` counts: nothing to learn, max(N − k, 0) still to arrive.

The other years of the scenario run as in the plain run. A nowcast with no information (the
window not yet open, nothing received) is the plain run itself, bit for bit.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import math
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from budgetsim._conditioned import Condition
from budgetsim._nowcast_received import Received, read_received
from budgetsim.distributions import NegativeBinomial
from budgetsim.engine import _plan, simulate
from budgetsim.errors import BudgetsimError, Problem, ScenarioError, ask, did_you_mean
from budgetsim.parameters import parameter_list
from budgetsim.population import _month_shares
from budgetsim.results import MONTHLY_DEMAND, SimulationResult
from budgetsim.scenario import Plan, Scenario
from budgetsim.scenario.compile import PopulationPlan
from budgetsim.stages import entitle, sample
from budgetsim.stats import median_month, proportion_se

__all__ = ["DEFAULT_RATE_CV", "Belief", "Nowcast", "Outlook", "Update", "nowcast"]

Floats = NDArray[np.float64]

#: Coefficient of variation of a Poisson population's rate when nothing else gives one.
DEFAULT_RATE_CV = 0.3
#: z of a central 90 % interval.
_Z90 = float(sps.norm.ppf(0.95))


@dataclass(frozen=True)
class Belief:
    """A gamma distribution of the yearly arrival rate Λ [applicants/year].

    Examples
    --------
    >>> b = Belief(shape=4.0, rate=0.05)
    >>> b.mean, round(b.cv, 2)
    (80.0, 0.5)
    """

    shape: float
    rate: float

    @property
    def mean(self) -> float:
        """Mean rate [1/year]."""
        return self.shape / self.rate

    @property
    def cv(self) -> float:
        """Coefficient of variation [fraction]."""
        return 1.0 / math.sqrt(self.shape)

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """Central interval of the rate [1/year]."""
        tail = (1.0 - level) / 2
        low, high = sps.gamma.ppf([tail, 1 - tail], self.shape, scale=1 / self.rate)
        return float(low), float(high)


@dataclass(frozen=True)
class Update:
    """What the received applications taught about the year's arrivals.

    Attributes
    ----------
    arrivals
        The population's count distribution: ``poisson``, ``negative_binomial`` or ``fixed``.
    year
        The year nowcast.
    as_of
        The date of the nowcast.
    elapsed
        Share of the application window elapsed by ``as_of`` [fraction].
    received
        Applications received by ``as_of`` [applicants].
    expected
        Applications the scenario expected by ``as_of``, λ·f [applicants].
    prior, posterior
        The rate before and after (None for fixed counts).
    still
        The count still to arrive: n and p of a negative binomial, or the fixed count (p = 1).
    prior_from
        Where the prior's spread came from: ``"model"`` (the negative binomial's own),
        ``"rate_cv"``, ``"plausible range"``, ``"default"`` (:data:`DEFAULT_RATE_CV`, an
        assumption) or ``""`` (fixed counts).
    scheduled
        The scenario's count of the year (fixed counts) or its mean [applicants].
    """

    arrivals: Literal["poisson", "negative_binomial", "fixed"]
    year: int
    as_of: dt.date
    elapsed: float
    received: int
    expected: float
    prior: Belief | None
    posterior: Belief | None
    still: tuple[float, float]
    prior_from: str
    scheduled: float

    @property
    def still_mean(self) -> float:
        """Expected applications still to arrive [applicants]."""
        n, p = self.still
        return n if self.posterior is None else float(sps.nbinom.mean(n, p))

    def still_interval(self, level: float = 0.9) -> tuple[float, float]:
        """Central interval of the applications still to arrive [applicants]."""
        n, p = self.still
        if self.posterior is None:
            return n, n
        tail = (1.0 - level) / 2
        low, high = sps.nbinom.ppf([tail, 1 - tail], n, p)
        return float(low), float(high)

    @property
    def over(self) -> bool:
        """Fixed counts: more applications received than the scenario's count."""
        return self.arrivals == "fixed" and self.received > self.scheduled


@dataclass(frozen=True)
class Outlook:
    """One programme-year's outlook: the plain run's or the nowcast's.

    Attributes
    ----------
    p_exhausted, p_exhausted_se
        Probability that the money runs out, and its standard error [fraction].
    exhaustion_month
        Median month it runs out, among draws where it does (NaN if never) [1–12].
    shortfall
        Expected demand − paid [unit].
    unpaid_after
        The first date at which the claims so far exceed the money available in more than
        half the draws (claims accumulate linearly within a month); None if never.
    available
        Median money available that year [unit].
    """

    p_exhausted: float
    p_exhausted_se: float
    exhaustion_month: float
    shortfall: float
    unpaid_after: dt.date | None
    available: float


@dataclass(frozen=True)
class Nowcast:
    """A nowcast: the update, the plain run and the run conditioned on what was received.

    Attributes
    ----------
    programme
        The programme's id.
    update
        Prior, observed and posterior (:class:`Update`).
    before, after
        The plain run and the nowcast, on the same seed (``simulate(..., monthly=True)``).
    received
        The applications received (:class:`~budgetsim._nowcast_received.Received`).
    observed
        The received applicants' claims [unit], in arrival order.
    """

    programme: str
    update: Update
    before: SimulationResult
    after: SimulationResult
    received: Received
    observed: Floats

    @property
    def year(self) -> int:
        """The year nowcast."""
        return self.update.year

    def outlook(self, which: Literal["before", "after"]) -> Outlook:
        """The programme-year's outlook in the plain run or in the nowcast."""
        return outlook(self.before if which == "before" else self.after, self.programme, self.year)

    def table(self) -> pd.DataFrame:
        """Before and after, one row per measure (columns ``measure``, ``before``,
        ``after``); dates as ISO text."""
        rows = []
        outs = [self.outlook("before"), self.outlook("after")]
        for name in ("p_exhausted", "p_exhausted_se", "exhaustion_month", "shortfall",
                     "unpaid_after", "available"):  # fmt: skip
            values = [getattr(o, name) for o in outs]
            values = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
            rows.append({"measure": name, "before": values[0], "after": values[1]})
        return pd.DataFrame(rows)


# -- the update -------------------------------------------------------------------------------


def window_elapsed(population: PopulationPlan, as_of: dt.date) -> tuple[float, Floats]:
    """Share of the application window elapsed when the day ``as_of`` begins [fraction], and
    the share of what is still to arrive in each month (12 values; all zero when it has
    closed). The as-of day itself is not yet elapsed (applications dated on it count as
    received), so a nowcast on 1 January knows nothing yet.

    Examples
    --------
    >>> import budgetsim
    >>> from budgetsim.scenario import compile_scenario
    >>> sc = budgetsim.load_scenario("jiangmen-2021")
    >>> pops = {p.id: p for p in compile_scenario(sc).populations}
    >>> f, rest = window_elapsed(pops["tech_borrowers"], dt.date(2021, 9, 15))  # Sep–Oct
    >>> round(f, 3), rest.round(3)[8:10].tolist()
    (0.233, [0.348, 0.652])
    """
    shares = _month_shares(population)
    gone = np.zeros(12)
    gone[: as_of.month - 1] = 1.0
    gone[as_of.month - 1] = (as_of.day - 1) / calendar.monthrange(as_of.year, as_of.month)[1]
    elapsed = float(np.dot(shares, gone))
    rest = shares * (1.0 - gone)
    total = rest.sum()
    return min(elapsed, 1.0), (rest / total if total > 1e-12 else np.zeros(12))


def _rate_cv(
    scenario: Scenario, population: str, y: int, mean: float, rate_cv: float | None
) -> tuple[float, str]:
    if rate_cv is not None:
        if not 0 < rate_cv < 10:
            raise BudgetsimError(
                f"--rate-cv: expected a number above 0 (e.g. 0.3), found {rate_cv}"
            )
        return rate_cv, "rate_cv"
    path = f"populations.{population}.arrivals.mean"
    for par in parameter_list(scenario):
        if par.path == path and par.low is not None:
            low, high = par.low, par.high
            if isinstance(low, tuple):
                low, high = low[y], high[y]
            if low > 0 and high > low:
                sigma = math.log(high / low) / (2 * _Z90)
                return math.sqrt(math.expm1(sigma**2)), "plausible range"
            if high > low:
                return (high - low) / (2 * _Z90 * mean), "plausible range"
    return DEFAULT_RATE_CV, "default"


def arrival_update(
    scenario: Scenario,
    population: PopulationPlan,
    as_of: dt.date,
    received: int,
    rate_cv: float | None = None,
) -> Update:
    """The conjugate update of the year's arrivals by what was received (see the module).

    Examples
    --------
    >>> import budgetsim
    >>> from budgetsim.scenario import compile_scenario
    >>> sc = budgetsim.load_scenario("jiangmen-2021")
    >>> pop = compile_scenario(sc).populations[0]
    >>> u = arrival_update(sc, pop, dt.date(2021, 6, 30), received=400)
    >>> u.arrivals, u.prior is not None, u.posterior.shape - u.prior.shape
    ('negative_binomial', True, 400.0)
    """
    arrivals = population.spec.arrivals
    y = scenario.years.index(as_of.year)
    mean = float(arrivals.means[y])
    f, _ = window_elapsed(population, as_of)
    kind = arrivals.dist
    if kind == "fixed":
        n = float(max(round(mean) - received, 0)) if f < 1 else 0.0
        return Update(kind, as_of.year, as_of, f, received, mean * f, None, None, (n, 1.0), "",
                      float(round(mean)))  # fmt: skip
    if mean <= 0:
        raise BudgetsimError(
            f"populations.{population.id}.arrivals.mean: the nowcast needs a mean above 0 in "
            f"{as_of.year}, found {mean:g}"
        )
    if isinstance(arrivals, NegativeBinomial):
        shape, source = 1.0 / arrivals.dispersion, "model"
    else:
        cv, source = _rate_cv(scenario, population.id, y, mean, rate_cv)
        shape = 1.0 / cv**2
    prior = Belief(shape, shape / mean)
    post = Belief(prior.shape + received, prior.rate + f)
    still = (post.shape, post.rate / (post.rate + (1.0 - f)))
    return Update(kind, as_of.year, as_of, f, received, mean * f, prior, post, still, source, mean)


def _condition(update: Update, received: Received, y: int, shares: Floats) -> Condition:
    n, p = update.still
    kind: Literal["negative_binomial", "fixed"] = (
        "fixed" if update.posterior is None else "negative_binomial"
    )
    months = received.months
    key = repr(
        (
            "nowcast",
            y,
            months.tolist(),
            {k: v.tolist() for k, v in received.attributes.items()},
            kind,
            n,
            p,
            shares.tolist(),
        )
    )
    return Condition(y, months, dict(received.attributes), kind, n, p, shares, key)


# -- the runs ---------------------------------------------------------------------------------


def _programme_index(plan: Plan, programme: str) -> int:
    ids = [p.id for p in plan.programmes]
    if programme not in ids:
        raise ScenarioError(
            [
                Problem(
                    "--programme",
                    "no such programme",
                    expected="one of " + ", ".join(ids),
                    found=repr(programme),
                    hint=ask(did_you_mean(programme, ids)),
                )
            ],
            None,
        )
    return ids.index(programme)


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BudgetsimError(
            f"--as-of: expected a date such as 2022-06-30, found {value!r}"
        ) from None


def nowcast(
    scenario: Scenario,
    programme: str,
    received: Any,
    as_of: dt.date | str,
    *,
    draws: int = 10_000,
    seed: int | None = None,
    rate_cv: float | None = None,
    columns: Mapping[str, str] | None = None,
    date_column: str | None = None,
    chunk_draws: int | None = None,
    workers: int = 1,
) -> Nowcast:
    """Re-make a programme's forecast of the as-of year given the applications received.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`budgetsim.load_scenario`).
    programme
        The programme's id.
    received
        The applications received so far: a CSV/Excel/Parquet file, a
        :class:`~budgetsim.records.Records` or a DataFrame, one row per applicant of the
        programme's population with its arrival date and attributes.
    as_of
        The date up to which applications are counted (a date or ``"2022-06-30"``).
    draws, seed, chunk_draws, workers
        As for :func:`budgetsim.simulate`; the plain run and the nowcast use the same seed
        (None: fresh entropy, shared by both).
    rate_cv
        Coefficient of variation of the prior on a Poisson population's rate [fraction].
    columns
        ``{header: attribute}`` for columns not named by an attribute's id or label.
    date_column
        The header of the arrival dates (default ``申请日期``).

    Returns
    -------
    Nowcast
        The update (prior, observed, posterior), the plain run and the nowcast.

    Examples
    --------
    >>> import budgetsim, pandas as pd
    >>> sc = budgetsim.load_scenario("jiangmen-2021").vary(
    ...     {"populations.tech_borrowers.timing.start_month": 1})
    >>> got = pd.DataFrame({"申请日期": ["2021-02-03", "2021-05-20"], "principal": [300, 800],
    ...                     "spread": [1.0, 0.8], "months": [12, 12]})
    >>> nc = budgetsim.nowcast(sc, "loan_interest", got, "2021-06-30", draws=200, seed=1)
    >>> nc.update.received, nc.update.posterior.shape - nc.update.prior.shape
    (2, 2.0)
    """
    as_of = _as_date(as_of)
    plan = _plan(scenario)
    p = _programme_index(plan, programme)
    prog = plan.programmes[p]
    if as_of.year not in plan.years:
        raise BudgetsimError(
            f"--as-of: {as_of} is not in a year of the scenario ({', '.join(map(str, plan.years))})"
        )
    y = plan.years.index(as_of.year)
    pops = {pop.id: pop for pop in plan.populations}
    pop = pops[prog.population]
    got = read_received(received, prog, pop, as_of, columns=columns, date_column=date_column)
    k = int(got.dates.size)
    update = arrival_update(plan.scenario, pop, as_of, k, rate_cv)
    entropy = int(np.random.SeedSequence(seed).entropy)  # type: ignore[arg-type]
    seed_ = seed if seed is not None else entropy
    run = dict(draws=draws, seed=seed_, chunk_draws=chunk_draws, workers=workers, monthly=True)
    before = simulate(plan, **run)  # type: ignore[arg-type]
    if update.elapsed == 0 and k == 0:  # nothing learnt: the plain run, bit for bit
        return Nowcast(programme, update, before, before, got, np.zeros(0))
    _, shares = window_elapsed(pop, as_of)
    cond = _condition(update, got, y, shares)
    conditioned = dataclasses.replace(
        plan,
        populations=tuple(
            dataclasses.replace(q, condition=cond) if q.id == pop.id else q
            for q in plan.populations
        ),
    )
    after = simulate(conditioned, **run)  # type: ignore[arg-type]
    one = sample(conditioned, entropy, range(1))  # the received claims: the same in every draw
    observed = entitle(conditioned, one, y).pairs[p][0][:k].copy()
    return Nowcast(programme, update, before, after, got, observed)


# -- what a run says of a programme-year ------------------------------------------------------


def claims_over_money(
    claims: Floats, available: Floats, year: int
) -> tuple[NDArray[np.datetime64], Floats]:
    """Share of draws whose claims so far exceed the money available, day by day.

    ``claims`` (draws, 12) are the claims arrived by each month's end [unit], accumulating
    linearly within a month; ``available`` (draws,) the money of the year [unit].

    Examples
    --------
    >>> claims = np.array([[0.0] * 5 + [100.0] * 7])
    >>> days, share = claims_over_money(claims, np.array([50.0]), 2022)
    >>> str(days[share > 0.5][0])
    '2022-06-16'
    """
    days = np.arange(f"{year}-01-01", f"{year + 1}-01-01", dtype="datetime64[D]")
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    start = days.astype("datetime64[M]").astype("datetime64[D]")
    length = ((start.astype("datetime64[M]") + 1).astype("datetime64[D]") - start).astype(float)
    u = ((days - start).astype(float) + 1.0) / length  # share of the month gone by the day's end
    ends = np.concatenate([np.zeros((claims.shape[0], 1)), claims], axis=1)
    low, high = ends[:, month], ends[:, month + 1]
    so_far = low + u[None, :] * (high - low)
    over = so_far > available[:, None]
    return days, over.mean(axis=0)


def outlook(res: SimulationResult, programme: str, year: int) -> Outlook:
    """A programme-year's chance of running out, when, the shortfall, and the date after
    which a new application is more likely than not to go unpaid."""
    p, y = res.programmes.index(programme), res.years.index(year)
    months = res.dataset["exhaustion_month"].values[:, p, y]
    demand = res.dataset["demand"].values[:, p, y]
    paid = res.dataset["paid"].values[:, p, y]
    available = res["available"].values[:, p, y]
    prob = float((months > 0).mean())
    unpaid = None
    if MONTHLY_DEMAND in res.dataset and np.isfinite(available).all():
        claims = res.dataset[MONTHLY_DEMAND].values[:, p, y, :]
        days, share = claims_over_money(claims, available, year)
        hit = np.flatnonzero(share > 0.5)
        unpaid = days[hit[0]].astype(dt.date) if hit.size else None
    return Outlook(
        p_exhausted=prob,
        p_exhausted_se=float(proportion_se(prob, res.draws)),
        exhaustion_month=float(median_month(months[:, None])[0]),
        shortfall=float(np.mean(demand - paid)),
        unpaid_after=unpaid,
        available=float(np.median(available)),
    )


class _CallableModule(types.ModuleType):
    """The module is also the function: ``budgetsim.nowcast(sc, …)`` calls :func:`nowcast`
    even where an import made ``budgetsim.nowcast`` the module."""

    def __call__(self, *args: Any, **kwargs: Any) -> Nowcast:
        return nowcast(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
