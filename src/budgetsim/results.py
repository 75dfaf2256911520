"""Simulation results: per-draw arrays with named dimensions, and their summaries.

A :class:`SimulationResult` holds, for every draw, programme and year, the money available,
the demand, what was paid, what was left, whether and when the envelope ran out, and how many
claimants were paid in full or at all (see ``docs/glossary.md``). :meth:`SimulationResult.summary`
turns them into the table a planner reads.
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
from budgetsim.metrics import HEADLINE, OVERVIEW, format_value, is_money
from budgetsim.riskfund import PER_DRAW, summarise
from budgetsim.scenario import Scenario
from budgetsim.stats import cash as _cash
from budgetsim.stats import median as _median
from budgetsim.stats import median_month as _median_month
from budgetsim.stats import quantile as _quantile
from budgetsim.stats import stats as _stats
from budgetsim.stats import stats_by_year as _stats_by_year
from budgetsim.targets import summarise_target

__all__ = ["DERIVED", "METRICS", "OPTIONAL_METRICS", "SimulationResult"]

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
        progs = scenario.programmes
        #: Share of a year's awards paid 0, 1, … years later, per programme.
        self._schedules = [
            np.asarray(p.payment.schedule if p.payment else (1.0,)) for p in progs.values()
        ]
        years = list(scenario.years)
        #: Index of the fund each capped programme draws on (its own envelope or a shared fund).
        self._fund_of: dict[int, int] = {p: f for f, fund in enumerate(funds) for p in fund.members}
        draws = data["demand"].shape[0]
        variables: dict[str, Any] = {
            name: ((*DIMS, "month") if name == MONTHLY else DIMS, values)
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
        values = np.stack([self._arrays(p)[name] for p in range(len(self.programmes))], axis=1)
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

    def _available(self, p: int) -> NDArray[np.float64]:
        """Money open to programme ``p`` per draw and year [unit]; NaN when uncapped."""
        return self.ledger.open_to[:, p, :]

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

    # -- summaries -------------------------------------------------------------------------
    def _arrays(self, p: int) -> dict[str, NDArray[Any]]:
        """Per-draw arrays (draw × year) of programme ``p``, stored and derived.

        Summaries work one programme at a time, so their temporaries stay a fraction of the
        stored results however many programmes a scenario has.
        """
        ds = self.dataset
        d = {name: ds[name].values[:, p, :] for name in (*METRICS, *OPTIONAL_METRICS) if name in ds}
        d["available"] = self._available(p)
        d["cash"] = _cash(d["paid"], self._schedules[p])
        d["exhausted"] = d["exhaustion_month"] > 0
        f = self._fund_of.get(p)
        nan = d["available"] if f is None else np.full(d["paid"].shape, np.nan)
        if f is None or self.funds[f].shared:  # uncapped, or a share of a fund's money
            d["unspent"] = d["lapsed"] = d["carry_in"] = nan
            return d
        book = self.ledger
        d["unspent"], d["lapsed"] = book.unspent[:, f, :], book.lapsed[:, f, :]
        d["carry_in"] = book.carry_in[:, f, :]
        return d

    def summary(self) -> pd.DataFrame:
        """Summary statistics per programme and year.

        Returns
        -------
        pandas.DataFrame
            Indexed by (programme, year); money columns in the scenario's unit, shares as
            fractions. ``*_se`` columns are Monte Carlo standard errors. Quantiles (``_p80``
            …) are draw values; ``budget_at_risk_p95`` is the envelope that covers demand in
            95 % of draws. ``coverage_*`` and ``fill_ratio`` are ratios of totals over draws.
        """
        envelope = self.dataset["envelope"].values
        rows = []
        for p in range(len(self.programmes)):
            d = self._arrays(p)
            d["month"] = _median_month(d["exhaustion_month"])
            stats = _stats_by_year(d, envelope[p])
            for name in OPTIONAL_METRICS:
                if name in d:
                    stats[f"{name}_mean"] = d[name].mean(axis=0)
            rows.append(stats)
        index = pd.MultiIndex.from_product(
            [self.programmes, self.years], names=["programme", "year"]
        )
        columns = {k: np.concatenate([np.asarray(r[k]) for r in rows]) for k in rows[0]}
        frame = pd.DataFrame(columns, index=index)
        frame.insert(0, "label", np.repeat(self.dataset["label"].values, len(self.years)))
        return frame

    def fund_summary(self) -> pd.DataFrame:
        """Summary statistics per shared fund (资金池) and year.

        Returns
        -------
        pandas.DataFrame
            Indexed by (fund, year): the fund's envelope (expected value for a ranged total),
            money available, its members' demand and payments together, what is left and lapses,
            P(exhausted) (the members' demand passed the money) and the budget at risk of the
            members' demand. Empty when the scenario has no shared fund.
        """
        rows, ids = [], []
        for f, fund in enumerate(self.funds):
            if not fund.shared:
                continue
            years = []
            for y in range(len(self.years)):  # one year at a time: temporaries stay small
                years.append(self._fund_year_stats(f, y))
            rows.append({k: np.array([s[k] for s in years], dtype=np.float64) for k in years[0]})
            ids.append(fund.id)
        if not rows:
            return pd.DataFrame()
        index = pd.MultiIndex.from_product([ids, self.years], names=["fund", "year"])
        columns = {k: np.concatenate([np.asarray(r[k]) for r in rows]) for k in rows[0]}
        frame = pd.DataFrame(columns, index=index)
        labels = {fund.id: fund.label for fund in self.funds}
        frame.insert(0, "label", [labels[i] for i, _ in frame.index])
        return frame

    def policy_summary(self) -> pd.DataFrame:
        """Every programme together, per year and over the horizon: the budget to set aside.

        Quantiles are of the per-draw sum over programmes, so they account for programmes
        that run high or low together (a sum of per-programme quantiles would overstate them).

        Returns
        -------
        pandas.DataFrame
            Indexed by year (and ``"total"`` for the horizon): ``envelope`` (the envelopes of
            capped programmes and funds, expected values for ranges), ``demand_*`` and
            ``paid_*`` (mean, P50, P80, P95) [unit] and ``cash_mean`` (cash in the fiscal year
            under the payment schedules) [unit].
        """
        ds = self.dataset
        n_year = len(self.years)
        demand = np.zeros((self.draws, n_year))
        paid = np.zeros((self.draws, n_year))
        cash = np.zeros((self.draws, n_year))
        for p in range(len(self.programmes)):
            demand += ds["demand"].values[:, p, :]
            paid += ds["paid"].values[:, p, :]
            cash += _cash(ds["paid"].values[:, p, :], self._schedules[p])
        envelope = np.zeros(n_year)
        for fund in self.funds:
            envelope += fund.amounts
        rows = {}
        for label, d, c, e in [
            *[(str(y), demand[:, i], paid[:, i], envelope[i]) for i, y in enumerate(self.years)],
            ("total", demand.sum(axis=1), paid.sum(axis=1), envelope.sum()),
        ]:
            dq, pq = _quantile(d, (0.5, 0.8, 0.95)), _quantile(c, (0.5, 0.8, 0.95))
            rows[label] = {
                "envelope": e,
                "demand_mean": d.mean(),
                "demand_p50": dq[0],
                "demand_p80": dq[1],
                "demand_p95": dq[2],
                "paid_mean": c.mean(),
                "paid_p50": pq[0],
                "paid_p80": pq[1],
                "paid_p95": pq[2],
            }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "year"
        frame["cash_mean"] = [*cash.mean(axis=0), cash.sum(axis=1).mean()]
        return frame

    def _fund_year_stats(self, f: int, y: int) -> dict[str, NDArray[np.float64]]:
        """Statistics of one shared fund in year ``y``: its members' demand and payments
        together against the fund's money."""
        ds, fund = self.dataset, self.funds[f]
        d: dict[str, Any] = {name: np.zeros(self.draws) for name in ("demand", "paid", "cash")}
        for name in ("claimants", "paid_full", "paid_any"):
            d[name] = np.zeros(self.draws, dtype=np.int64)
        first = np.zeros(self.draws, dtype=np.int8)  # earliest member exhaustion month, 0: none
        for p in fund.members:
            d["demand"] += ds["demand"].values[:, p, y]
            d["paid"] += ds["paid"].values[:, p, y]
            d["cash"] += _cash(ds["paid"].values[:, p, :], self._schedules[p])[:, y]
            for name in ("claimants", "paid_full", "paid_any"):
                d[name] += ds[name].values[:, p, y]
            month = ds["exhaustion_month"].values[:, p, y]
            first = np.where((month > 0) & ((first == 0) | (month < first)), month, first)
        book = self.ledger
        d["available"] = book.available[:, f, y]
        d["unspent"], d["lapsed"] = book.unspent[:, f, y], book.lapsed[:, f, y]
        d["exhausted"] = d["demand"] > d["available"]
        d["month"] = _median_month(first[:, None])[0]
        return _stats(d, fund.amounts[y])

    def target_summary(self) -> pd.DataFrame:
        """Policy targets per year: the stock (mean, P5/P50/P95), entries and exits, and the
        chance that the stock is at or above the goal (``p_at_goal``; the goal's own year is
        the one that answers "will we hit the target?"). Empty without targets."""
        frames = []
        for tid, ds in self.targets.items():
            spec = self.scenario.targets[tid]
            arrays = {str(k): ds[k].values for k in ds.data_vars}
            frame = pd.DataFrame(
                summarise_target(arrays, spec, self.years),
                index=pd.MultiIndex.from_product([[tid], self.years], names=["target", "year"]),
            )
            frame.insert(0, "label", spec.label)
            frames.append(frame)
        return pd.concat(frames) if frames else pd.DataFrame()

    def riskfund_summary(self) -> pd.DataFrame:
        """Credit risk reserve funds per year: balance (P5/P50/P95), claims due and paid,
        unpaid claims, P(depleted by the end of the year) and the month, loan volume and
        leverage. Empty when the scenario has no risk fund (see
        :func:`budgetsim.riskfund.summarise`).
        """
        frames = []
        for rid, ds in self.riskfunds.items():
            spec = self.scenario.riskfunds[rid]
            arrays = {str(name): ds[name].values for name in ds.data_vars}
            stats = summarise(arrays, self.years, spec.balance)
            frame = pd.DataFrame(
                stats,
                index=pd.MultiIndex.from_product([[rid], self.years], names=["riskfund", "year"]),
            )
            frame.insert(0, "label", spec.label)
            frame["due_after_mean"] = float(ds["due_after"].values.mean())
            frames.append(frame)
        return pd.concat(frames) if frames else pd.DataFrame()

    def totals(self) -> pd.DataFrame:
        """Summary statistics per programme over all years together.

        ``envelope`` is the horizon's total; ``p_exhausted`` the chance of running out in at
        least one year; ``first_exhausted_year_p50`` the median first year of running out,
        among draws that ran out; ``budget_at_risk_*`` the horizon total that covers the
        horizon's demand (with full carry-over) in 80 % / 95 % of draws.
        """
        envelopes = self.dataset["envelope"].values.sum(axis=1)
        fund_totals = self.dataset["envelope_total"].values
        years = np.asarray(self.years, dtype=np.float64)
        rows = []
        for p in range(len(self.programmes)):
            d = self._arrays(p)
            horizon = {
                k: d[k].sum(axis=1)
                for k in ("demand", "paid", "cash", "lapsed", "claimants", "paid_full", "paid_any")
            }
            f = self._fund_of.get(p)
            own = f is not None and not self.funds[f].shared
            horizon["available"] = fund_totals[:, f] if own else np.full(self.draws, np.nan)
            horizon["unspent"] = d["unspent"][:, -1]
            horizon["exhausted"] = d["exhausted"].any(axis=1)
            horizon["month"] = np.asarray(np.nan)
            stats = _stats(horizon, envelopes[p])
            del stats["exhaustion_month_p50"]
            stats["payable_after_mean"] = np.asarray((horizon["paid"] - horizon["cash"]).mean())
            for name in OPTIONAL_METRICS:
                if name in d:
                    stats[f"{name}_mean"] = np.asarray(d[name].sum(axis=1).mean())
            first = np.argmax(d["exhausted"], axis=1)[horizon["exhausted"]]
            stats["first_exhausted_year_p50"] = np.asarray(_median(years[first]))
            rows.append({k: float(v) for k, v in stats.items()})
        frame = pd.DataFrame(rows, index=pd.Index(self.programmes, name="programme"))
        frame.insert(0, "label", self.dataset["label"].values)
        return frame

    def tidy(self) -> pd.DataFrame:
        """Summary in long form: one row per programme × year × metric (year ``total`` too)."""
        per_year = self.summary().drop(columns="label")
        per_year.index = pd.MultiIndex.from_tuples(
            [(p, str(y)) for p, y in per_year.index], names=["programme", "year"]
        )
        total = self.totals().drop(columns="label")
        total.index = pd.MultiIndex.from_product(
            [total.index, ["total"]], names=["programme", "year"]
        )
        wide = pd.concat([per_year, total])
        long = wide.reset_index().melt(id_vars=["programme", "year"], var_name="metric")
        long["unit"] = [self.unit if is_money(m) else "" for m in long["metric"]]
        return long.dropna(subset=["value"]).reset_index(drop=True)

    def draws_frame(self) -> pd.DataFrame:
        """Per-draw results as a long table: one row per draw × programme × year."""
        stored = [n for n in (*METRICS, *OPTIONAL_METRICS) if n in self.dataset]
        frame = self.dataset[stored].to_dataframe().reset_index().drop(columns="label")
        for name in DERIVED:
            frame[name] = self[name].values.reshape(-1)
        return frame

    def stamp(self) -> dict[str, Any]:
        """What identifies this run: scenario, its hash, seed, draws and package version."""
        return {
            "budgetsim_version": __version__,
            "scenario_id": self.scenario.id,
            "scenario_hash": self.scenario_hash,
            "seed": self.seed,
            "entropy": str(self.entropy),
            "draws": self.draws,
            "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    # -- display ---------------------------------------------------------------------------
    def _headline(self) -> str:
        years = self.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        return (
            f"{self.scenario.id}: {self.draws:,} draws, seed {self.seed}, "
            f"{len(self.programmes)} programmes × {len(years)} years ({span}), unit {self.unit}"
        )

    def __repr__(self) -> str:
        table = self.summary()[list(HEADLINE)].to_string(float_format=lambda x: f"{x:,.2f}")
        return f"<SimulationResult {self._headline()}>\n{table}"

    def _repr_html_(self) -> str:
        frame = self.summary()[["label", *OVERVIEW]]
        formatters: dict[str, Any] = {c: _formatter(c) for c in OVERVIEW}
        body = frame.to_html(formatters=formatters, na_rep="—")
        title = html.escape(self.scenario.scenario.title)
        return (
            f"<div><strong>SimulationResult</strong> — {title}<br>"
            f"<small>{html.escape(self._headline())}</small>{body}</div>"
        )


def _formatter(name: str) -> Any:
    """How the notebook view shows metric ``name`` (see :func:`budgetsim.metrics.format_value`)."""
    return lambda x: format_value(name, x)
