"""Policy targets (目标): will the stock the policy promises be reached by its year?

A target is a stock that moves year by year::

    stock(t) = stock(t − 1) + entries(t) − exits(t)

**Entries** are counted from populations of the scenario (e.g. first-time high-tech
certifications), optionally only those meeting an ``eligible`` expression, and raised by a
stated ``uplift`` (the extra entries a programme's incentive is assumed to bring). They are the
same simulated applicants the programmes see, so a variant that changes a population changes
its programmes and its targets together.

**Exits**: with ``validity_years`` (a high-tech certificate lasts three years), every unit
expires that many years after it entered or last renewed; a share ``renew`` renews, the rest
leave (binomially). The starting stock's expiries are spread evenly over the first
``validity_years`` years. An ``exit_rate`` removes a share of the stock each year as well
(closures, relocations).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BeforeValidator, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from budgetsim._model import SANE, Cited, Provenance, Rate, Unique, Year, years_of
from budgetsim.stats import clustered_se, proportion_se, quantile
from budgetsim.streams import stream, stream_key

__all__ = ["Target", "TargetEntries", "TargetPlan", "simulate_target", "summarise_target"]

Ints = NDArray[np.int64]


def _names(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


class TargetEntries(Cited):
    """Where a target's entries come from: the applicants of ``populations`` each year."""

    populations: Annotated[tuple[str, ...], BeforeValidator(_names), Unique] = Field(min_length=1)
    eligible: str | None = None
    #: Extra entries the incentive brings, as a share of the entries (0.2: 20 % more); at
    #: most SANE["uplift"] (ten times as many).
    uplift: float = Field(default=0.0, ge=SANE["uplift"][0], le=SANE["uplift"][1])


class Target(Provenance):
    """A count the policy promises by ``goal_year`` (``[targets.…]``): at least ``goal``."""

    label: str
    label_en: str | None = None
    start: int = Field(ge=0, description="the stock at the start of the first scenario year")
    entries: TargetEntries
    validity_years: int | None = Field(default=None, ge=1, le=20)
    renew: Rate = 1.0
    exit_rate: Rate = Field(default=0.0, lt=1)
    goal: int = Field(ge=0)
    goal_year: Year

    @model_validator(mode="after")
    def _goal_in_years(self, info: ValidationInfo) -> Target:
        years = years_of(info)
        if years is not None and self.goal_year not in years:
            raise PydanticCustomError(
                "target",
                "expected goal_year to be a scenario year ({years}), found {y}",
                {"years": list(years), "y": self.goal_year},
            )
        if self.validity_years is None and self.renew != 1.0:
            raise PydanticCustomError("target", "renew goes with validity_years")
        return self


@dataclass(frozen=True)
class TargetPlan:
    """A target ready to simulate: its spec, the year index of its goal, and its stream."""

    id: str
    spec: Target
    goal_index: int
    eligible: Any = None  # the compiled eligibility expression, or None

    @property
    def stream_key(self) -> int:
        """Key of the target's random stream (the exits)."""
        return stream_key(f"target:{self.id}")


def _initial_expiries(start: int, validity: int, horizon: int) -> Ints:
    """The starting stock's expiries, spread evenly over the first ``validity`` years.

    Examples
    --------
    >>> _initial_expiries(175, 3, 5).tolist()
    [59, 58, 58, 0, 0]
    """
    queue = np.zeros(horizon, dtype=np.int64)
    share, extra = divmod(start, validity)
    for k in range(min(validity, horizon)):
        queue[k] = share + (1 if k < extra else 0)
    return queue


def simulate_target(
    plan: TargetPlan, entries: Ints, entropy: int, draws: Sequence[int]
) -> dict[str, Ints]:
    """Stock, entries and exits per draw and year.

    Parameters
    ----------
    plan
        The target.
    entries
        Entries per draw and year before the uplift, shape (draws, years).
    entropy, draws
        The run's seed entropy and the global draw indices (one exit stream per draw).
    """
    spec = plan.spec
    n, n_year = entries.shape
    entries = np.rint(entries * (1.0 + spec.entries.uplift)).astype(np.int64)
    validity = spec.validity_years
    horizon = n_year + (validity or 0)
    queue = np.zeros((n, horizon), dtype=np.int64)
    if validity is not None:
        queue[:] = _initial_expiries(spec.start, validity, horizon)
    stock = np.empty((n, n_year), dtype=np.int64)
    exits = np.zeros((n, n_year), dtype=np.int64)
    level = np.full(n, spec.start, dtype=np.int64)
    rngs = [stream(entropy, d, plan.stream_key) for d in draws]
    for y in range(n_year):
        for i, rng in enumerate(rngs):  # a few binomials per draw and year
            leaving = 0
            if validity is not None:
                due = int(queue[i, y])
                lapse = int(rng.binomial(due, 1.0 - spec.renew)) if due else 0
                queue[i, y + validity] += due - lapse
                leaving += lapse
            if spec.exit_rate > 0:
                leaving += int(rng.binomial(max(int(level[i]) - leaving, 0), spec.exit_rate))
            exits[i, y] = leaving
        if validity is not None:
            queue[:, y + validity] += entries[:, y]
        level = level + entries[:, y] - exits[:, y]
        stock[:, y] = level
    return {"stock": stock, "entries": entries, "exits": exits}


def summarise_target(
    arrays: dict[str, Ints], spec: Target, years: Sequence[int], cluster: int | None = None
) -> dict[str, Any]:
    """Per year: stock P5/P50/P95 and mean, mean entries and exits, and P(stock ≥ goal)."""
    stock = arrays["stock"]
    q = quantile(stock, (0.05, 0.5, 0.95))
    met = (stock >= spec.goal).mean(axis=0)
    n = stock.shape[0]
    return {
        "stock_mean": stock.mean(axis=0),
        "stock_p5": q[0],
        "stock_p50": q[1],
        "stock_p95": q[2],
        "entries_mean": arrays["entries"].mean(axis=0),
        "exits_mean": arrays["exits"].mean(axis=0),
        "goal": np.where(np.asarray(years) == spec.goal_year, spec.goal, np.nan),
        "p_at_goal": met,
        "p_at_goal_se": proportion_se(met, n)
        if cluster is None
        else clustered_se((stock >= spec.goal).astype(float), cluster),
    }
