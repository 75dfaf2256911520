"""Simulation results: per-draw arrays with named dimensions, and their summaries.

A :class:`SimulationResult` holds, for every draw, programme and year, the money available,
the demand, what was paid, what was left, whether and when the envelope ran out, and how many
claimants were paid in full or at all (see ``docs/glossary.md``). It keeps the data and the
funds' ledger; its summaries (:meth:`SimulationResult.summary` and the others) are functions of
the result in :mod:`budgetsim.summaries`.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from budgetsim import __version__
from budgetsim.funds import FundPlan, Ledger, ledger
from budgetsim.metrics import HEADLINE, OVERVIEW, format_value
from budgetsim.riskfund import PER_DRAW
from budgetsim.scenario import Scenario

__all__ = [
    "BY_MONTH",
    "DERIVED",
    "METRICS",
    "MONTHLY_DEMAND",
    "OPTIONAL_METRICS",
    "SimulationResult",
]

#: Per-draw metrics the engine records, with their dtypes (money is always float64). Only what
#: cannot be derived is stored; ``available`` (by the funds' arithmetic), ``unspent``,
#: ``exhausted``, ``lapsed``, ``carry_in`` and ``cash`` are derived on access (:data:`DERIVED`),
#: which keeps 100,000 draws of a large scenario in memory.
METRICS: dict[str, type[np.generic]] = {
    "demand": np.float64,
    "paid": np.float64,
    "exhaustion_month": np.int8,
    "claimants": np.uint16,  # widened to int32 by the engine if a draw-year has > 65,535
    "paid_full": np.uint16,
    "paid_any": np.uint16,
}
#: Per-draw metrics recorded only for scenarios that need them: ``recovered``, the equity
#: expected back at exit from payments of grant-or-equity programmes with a ``recovery``.
OPTIONAL_METRICS: dict[str, type[np.generic]] = {"recovered": np.float64}

#: Per-draw variables computed from the stored ones when asked for.
DERIVED = ("available", "unspent", "exhausted", "lapsed", "carry_in", "cash")

DIMS = ("draw", "programme", "year")

#: Optional per-draw record of payments by arrival month (``simulate(..., monthly=True)``).
MONTHLY = "paid_by_month"
#: Recorded with it: the claims (entitlements) of the applicants arrived by each month's end.
MONTHLY_DEMAND = "demand_by_month"
#: Per-draw records with a month dimension.
BY_MONTH = (MONTHLY, MONTHLY_DEMAND)


class SimulationResult:
    """The outcome of :func:`budgetsim.simulate`.

    Attributes
    ----------
    scenario
        The scenario that was run.
    dataset
        Per-draw results as an :class:`xarray.Dataset` with dimensions (draw, programme, year):
        ``available``, ``demand``, ``paid`` [unit]; ``exhaustion_month`` [1–12; 0 when the
        money lasted]; ``claimants``, ``paid_full``, ``paid_any`` [applicants]; and
        ``envelope`` (programme, year) [unit]. ``unspent``, ``exhausted``, ``lapsed`` and
        ``carry_in`` are derived on access: ``res["unspent"]``.
    seed, entropy
        The seed as given and the entropy it expanded to; ``simulate(..., seed=entropy)``
        repeats the run exactly.
    scenario_hash
        Fingerprint of the scenario's content, overrides included.
    elapsed
        Wall time of the run [s].
    """

    def __init__(
        self,
        scenario: Scenario,
        data: dict[str, NDArray[Any]],
        *,
        funds: tuple[FundPlan, ...],
        fund_totals: NDArray[np.float64],
        envelope: NDArray[np.float64],
        riskfunds: dict[str, dict[str, NDArray[Any]]] | None = None,
        targets: dict[str, dict[str, NDArray[Any]]] | None = None,
        seed: int | None,
        entropy: int,
        scenario_hash: str,
        elapsed: float,
        chunk_draws: int,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.entropy = entropy
        self.scenario_hash = scenario_hash
        self.elapsed = elapsed
        self.chunk_draws = chunk_draws
        self.funds = funds
        #: The assumptions a run with uncertain assumptions drew
        #: (:class:`budgetsim.sensitivity.uncertain.UncertainDraws`); None for a plain run.
        self.uncertain: Any = None
        progs = scenario.programmes
        #: Share of a year's awards paid 0, 1, … years later, per programme.
        self.schedules = [
            np.asarray(p.payment.schedule if p.payment else (1.0,)) for p in progs.values()
        ]
        years = list(scenario.years)
        #: Index of the fund each capped programme draws on (its own envelope or a shared fund).
        self.fund_of: dict[int, int] = {p: f for f, fund in enumerate(funds) for p in fund.members}
        draws = data["demand"].shape[0]
        variables: dict[str, Any] = {
            name: ((*DIMS, "month") if name in BY_MONTH else DIMS, values)
            for name, values in data.items()
        }
        variables["envelope"] = (("programme", "year"), envelope)
        variables["envelope_total"] = (("draw", "fund"), fund_totals)
        self.dataset = xr.Dataset(
            variables,
            coords={
                "draw": np.arange(draws),
                "programme": list(progs),
                "year": years,
                "fund": [fund.id for fund in funds],
                **({"month": np.arange(1, 13)} if MONTHLY in data else {}),
                "label": ("programme", [p.label for p in progs.values()]),
            },
            attrs={"unit": scenario.unit, "scenario": scenario.id},
        )
        #: Per-draw outcomes of each credit risk reserve fund, dims (draw, year) or (draw,).
        self.riskfunds: dict[str, xr.Dataset] = {
            rid: xr.Dataset(
                {k: (("draw",) if k in PER_DRAW else ("draw", "year"), v) for k, v in a.items()},
                coords={"draw": np.arange(draws), "year": years},
            )
            for rid, a in (riskfunds or {}).items()
        }
        #: Per-draw stock, entries and exits of each policy target, dims (draw, year).
        self.targets: dict[str, xr.Dataset] = {
            tid: xr.Dataset(
                {k: (("draw", "year"), v) for k, v in a.items()},
                coords={"draw": np.arange(draws), "year": years},
            )
            for tid, a in (targets or {}).items()
        }

    # -- named arrays ---------------------------------------------------------------------
    def __getitem__(self, name: str) -> xr.DataArray:
        """A per-draw variable by name, e.g. ``res["paid"]`` or the derived ``res["unspent"]``.

        Derived variables: ``available`` = what the programme's fund left open to it;
        ``unspent`` = available − paid; ``exhausted`` = exhaustion_month > 0; ``lapsed`` =
        unspent that is not carried to the next year; ``carry_in`` = available − envelope;
        ``cash`` = payments in the fiscal year under the payment schedule. ``unspent``,
        ``lapsed`` and ``carry_in`` are NaN for members of a shared fund (see
        :meth:`fund_summary`) and for uncapped programmes.
        """
        ds = self.dataset
        if name in ds:
            return ds[name]
        if name not in DERIVED:
            known = ", ".join([*map(str, ds.data_vars), *DERIVED])
            raise KeyError(f"no variable {name!r}; variables: {known}")
        from budgetsim.summaries import arrays

        values = np.stack([arrays(self, p)[name] for p in range(len(self.programmes))], axis=1)
        return xr.DataArray(values, coords=ds["paid"].coords, dims=DIMS, name=name)

    @property
    def paid(self) -> xr.DataArray:
        """Money paid per draw, programme and year [unit]."""
        return self.dataset["paid"]

    @property
    def demand(self) -> xr.DataArray:
        """Total entitlement of eligible claimants per draw, programme and year [unit]."""
        return self.dataset["demand"]

    @property
    def available(self) -> xr.DataArray:
        """Envelope plus carry-in per draw, programme and year [unit]; NaN when uncapped."""
        return self["available"]

    @cached_property
    def ledger(self) -> Ledger:
        """Every fund's money per draw and year: available, carried in, unspent, lapsed, and
        what was open to each programme (:func:`budgetsim.funds.ledger`, derived once)."""
        ds = self.dataset
        return ledger(
            self.funds, ds["envelope_total"].values, ds["demand"].values, ds["paid"].values
        )

    @property
    def exhausted(self) -> xr.DataArray:
        """Whether the money ran out before every claimant was paid in full."""
        return self["exhausted"]

    @property
    def unspent(self) -> xr.DataArray:
        """Money available but not paid [unit]; NaN when uncapped."""
        return self["unspent"]

    @property
    def draws(self) -> int:
        """Number of draws."""
        return int(self.dataset.sizes["draw"])

    @property
    def programmes(self) -> list[str]:
        """Programme ids, in scenario order."""
        return [str(p) for p in self.dataset["programme"].values]

    @property
    def years(self) -> list[int]:
        """Scenario years."""
        return [int(y) for y in self.dataset["year"].values]

    @property
    def unit(self) -> str:
        """Unit of every amount."""
        return self.scenario.unit

    # -- summaries (budgetsim.summaries) ---------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Summary statistics per programme and year.

        See :func:`budgetsim.summaries.summary`.
        """
        from budgetsim import summaries

        return summaries.summary(self)

    def fund_summary(self) -> pd.DataFrame:
        """Summary statistics per shared fund (资金池) and year.

        See :func:`budgetsim.summaries.fund_summary`.
        """
        from budgetsim import summaries

        return summaries.fund_summary(self)

    def policy_summary(self) -> pd.DataFrame:
        """Every programme together, per year and over the horizon: the budget to set aside.

        See :func:`budgetsim.summaries.policy_summary`.
        """
        from budgetsim import summaries

        return summaries.policy_summary(self)

    def target_summary(self) -> pd.DataFrame:
        """Policy targets per year: the stock (mean, P5/P50/P95), entries and exits, and the

        See :func:`budgetsim.summaries.target_summary`.
        """
        from budgetsim import summaries

        return summaries.target_summary(self)

    def riskfund_summary(self) -> pd.DataFrame:
        """Credit risk reserve funds per year: balance (P5/P50/P95), claims due and paid,

        See :func:`budgetsim.summaries.riskfund_summary`.
        """
        from budgetsim import summaries

        return summaries.riskfund_summary(self)

    def totals(self) -> pd.DataFrame:
        """Summary statistics per programme over all years together.

        See :func:`budgetsim.summaries.totals`.
        """
        from budgetsim import summaries

        return summaries.totals(self)

    def tidy(self) -> pd.DataFrame:
        """Summary in long form: one row per programme × year × metric (year ``total`` too).

        See :func:`budgetsim.summaries.tidy`.
        """
        from budgetsim import summaries

        return summaries.tidy(self)

    def draws_frame(self) -> pd.DataFrame:
        """Per-draw results as a long table: one row per draw × programme × year.

        See :func:`budgetsim.summaries.draws_frame`.
        """
        from budgetsim import summaries

        return summaries.draws_frame(self)

    def stamp(self) -> dict[str, Any]:
        """What identifies this run: scenario, its hash, the values changed from its file
        (``--set``, :meth:`Scenario.vary`), seed, draws and package version."""
        return {
            "budgetsim_version": __version__,
            "scenario_id": self.scenario.id,
            "scenario_hash": self.scenario_hash,
            "seed": self.seed,
            "entropy": str(self.entropy),
            "draws": self.draws,
            "changes": self.scenario.changes,
            **({"uncertain": self.uncertain.stamp()} if self.uncertain is not None else {}),
            "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    # -- display ---------------------------------------------------------------------------
    def _headline(self) -> str:
        years = self.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        drawn = (
            f", {len(self.uncertain.factors)} assumptions drawn per {self.uncertain.block} draws"
            if self.uncertain is not None
            else ""
        )
        return (
            f"{self.scenario.id}: {self.draws:,} draws, seed {self.seed}, "
            f"{len(self.programmes)} programmes × {len(years)} years ({span}), unit {self.unit}"
            f"{drawn}"
        )

    def __repr__(self) -> str:
        table = self.summary()[list(HEADLINE)].to_string(float_format=lambda x: f"{x:,.2f}")
        return f"<SimulationResult {self._headline()}>\n{table}"

    def _repr_html_(self) -> str:
        from budgetsim.words import header, word

        frame = self.summary()[["label", *OVERVIEW]].droplevel("programme")
        frame = frame.set_index("label", append=True).swaplevel()
        frame.index.names = [word("programme"), word("year")]
        formatters: dict[str, Any] = {header(c, unit=self.unit): _formatter(c) for c in OVERVIEW}
        frame.columns = [header(c, unit=self.unit) for c in OVERVIEW]
        body = frame.to_html(formatters=formatters, na_rep="—")
        title = html.escape(self.scenario.scenario.title)
        return (
            f"<div><strong>SimulationResult</strong> — {title}<br>"
            f"<small>{html.escape(self._headline())}</small>{body}</div>"
        )


def _formatter(name: str) -> Any:
    """How the notebook view shows metric ``name`` (see :func:`budgetsim.metrics.format_value`)."""
    return lambda x: format_value(name, x)
