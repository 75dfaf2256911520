"""Simulation results: per-draw arrays with named dimensions, and their summaries.

A :class:`SimulationResult` holds, for every draw, programme and year, the money available,
the demand, what was paid, what was left, whether and when the envelope ran out, and how many
claimants were paid in full or at all (see ``docs/glossary.md``). :meth:`SimulationResult.summary`
turns them into the table a planner reads.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from budgetsim import __version__
from budgetsim.scenario import Scenario

__all__ = ["METRICS", "SimulationResult"]

#: Per-draw metrics the engine records, with their dtypes (money is always float64).
METRICS: dict[str, type[np.generic]] = {
    "available": np.float64,
    "demand": np.float64,
    "paid": np.float64,
    "unspent": np.float64,
    "exhausted": np.bool_,
    "exhaustion_month": np.float64,
    "claimants": np.int32,
    "paid_full": np.int32,
    "paid_any": np.int32,
}

#: Quantiles are actual draw values (``inverted_cdf``): a budget at risk of P95 covers demand in
#: at least 95 % of the simulated draws.
QUANTILE_METHOD = "inverted_cdf"

DIMS = ("draw", "programme", "year")


def _quantile(values: NDArray[Any], q: float) -> NDArray[np.float64]:
    result = np.quantile(values, q, axis=0, method=QUANTILE_METHOD)  # type: ignore[call-overload]
    return np.asarray(result, dtype=np.float64)


def _standard_error(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Monte Carlo standard error of the mean over draws (NaN with a single draw)."""
    n = values.shape[0]
    if n < 2:
        return np.full(values.shape[1:], np.nan)
    return np.asarray(values.std(axis=0, ddof=1) / np.sqrt(n), dtype=np.float64)


def _median(values: NDArray[np.float64]) -> float:
    """Median as a draw value (NaN for no values)."""
    return float(_quantile(values, 0.5)) if values.size else np.nan


def _ratio(num: NDArray[Any], den: NDArray[Any]) -> NDArray[np.float64]:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _median_month(months: NDArray[np.float64]) -> NDArray[np.float64]:
    """Median over draws of the exhaustion month, among draws that ran out (NaN if none)."""
    flat = months.reshape(months.shape[0], -1)
    result = np.array([_median(col[~np.isnan(col)]) for col in flat.T])
    return result.reshape(months.shape[1:])


def _stats(
    d: dict[str, NDArray[Any]], envelope: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """Summary statistics over the draw axis (axis 0) of per-draw arrays."""
    n = d["demand"].shape[0]
    p_exh = d["exhausted"].mean(axis=0)
    return {
        "envelope": envelope,
        "available_mean": d["available"].mean(axis=0),
        "demand_mean": d["demand"].mean(axis=0),
        "demand_mean_se": _standard_error(d["demand"]),
        "demand_p5": _quantile(d["demand"], 0.05),
        "demand_p50": _quantile(d["demand"], 0.50),
        "demand_p80": _quantile(d["demand"], 0.80),
        "demand_p95": _quantile(d["demand"], 0.95),
        "paid_mean": d["paid"].mean(axis=0),
        "paid_mean_se": _standard_error(d["paid"]),
        "paid_p5": _quantile(d["paid"], 0.05),
        "paid_p50": _quantile(d["paid"], 0.50),
        "paid_p95": _quantile(d["paid"], 0.95),
        "unspent_mean": d["unspent"].mean(axis=0),
        "lapsed_mean": d["lapsed"].mean(axis=0),
        "p_exhausted": p_exh,
        "p_exhausted_se": np.sqrt(p_exh * (1 - p_exh) / n),
        "exhaustion_month_p50": d["month"],
        "claimants_mean": d["claimants"].mean(axis=0),
        "coverage_full": _ratio(d["paid_full"].sum(axis=0), d["claimants"].sum(axis=0)),
        "coverage_any": _ratio(d["paid_any"].sum(axis=0), d["claimants"].sum(axis=0)),
        "fill_ratio": _ratio(d["paid"].sum(axis=0), d["demand"].sum(axis=0)),
        "budget_at_risk_p80": _quantile(d["demand"], 0.80),
        "budget_at_risk_p95": _quantile(d["demand"], 0.95),
    }


class SimulationResult:
    """The outcome of :func:`budgetsim.simulate`.

    Attributes
    ----------
    scenario
        The scenario that was run.
    dataset
        Per-draw results as an :class:`xarray.Dataset` with dimensions (draw, programme, year):
        ``available``, ``demand``, ``paid``, ``unspent``, ``lapsed``, ``carry_in`` [unit];
        ``exhausted`` [bool]; ``exhaustion_month`` [1–12, NaN when the money lasted];
        ``claimants``, ``paid_full``, ``paid_any`` [applicants]; and ``envelope`` (programme,
        year) [unit].
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
        envelope: NDArray[np.float64],
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
        progs = scenario.programmes
        years = list(scenario.years)
        carry = np.array([p.carry_over for p in progs.values()])
        last = np.arange(len(years)) == len(years) - 1
        keeps = carry[:, None] & ~last[None, :]
        draws = data["demand"].shape[0]
        variables: dict[str, Any] = {name: (DIMS, values) for name, values in data.items()}
        variables["lapsed"] = (DIMS, np.where(keeps[None], 0.0, data["unspent"]))
        variables["carry_in"] = (DIMS, data["available"] - envelope[None])
        variables["envelope"] = (("programme", "year"), envelope)
        self.dataset = xr.Dataset(
            variables,
            coords={
                "draw": np.arange(draws),
                "programme": list(progs),
                "year": years,
                "label": ("programme", [p.label for p in progs.values()]),
            },
            attrs={"unit": scenario.unit, "scenario": scenario.id},
        )

    # -- named arrays ---------------------------------------------------------------------
    def __getitem__(self, name: str) -> xr.DataArray:
        """A per-draw variable by name, e.g. ``res["paid"]``."""
        return self.dataset[name]

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
        return self.dataset["available"]

    @property
    def exhausted(self) -> xr.DataArray:
        """Whether the money ran out before every claimant was paid in full."""
        return self.dataset["exhausted"]

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
    def _arrays(self) -> dict[str, NDArray[Any]]:
        ds = self.dataset
        d = {name: ds[name].values for name in (*METRICS, "lapsed")}
        d["month"] = _median_month(d["exhaustion_month"])
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
        stats = _stats(self._arrays(), self.dataset["envelope"].values)
        index = pd.MultiIndex.from_product(
            [self.programmes, self.years], names=["programme", "year"]
        )
        frame = pd.DataFrame({k: np.asarray(v).ravel() for k, v in stats.items()}, index=index)
        frame.insert(0, "label", np.repeat(self.dataset["label"].values, len(self.years)))
        return frame

    def totals(self) -> pd.DataFrame:
        """Summary statistics per programme over all years together.

        ``envelope`` is the horizon's total; ``p_exhausted`` the chance of running out in at
        least one year; ``first_exhausted_year_p50`` the median first year of running out,
        among draws that ran out; ``budget_at_risk_*`` the horizon total that covers the
        horizon's demand (with full carry-over) in 80 % / 95 % of draws.
        """
        d = self._arrays()
        envelope = self.dataset["envelope"].values.sum(axis=1)
        horizon = {
            k: d[k].sum(axis=2)
            for k in ("demand", "paid", "lapsed", "claimants", "paid_full", "paid_any")
        }
        horizon["available"] = np.broadcast_to(envelope, horizon["demand"].shape)
        horizon["unspent"] = d["unspent"][:, :, -1]
        horizon["exhausted"] = d["exhausted"].any(axis=2)
        horizon["month"] = np.full(envelope.shape, np.nan)
        stats = _stats(horizon, envelope)
        del stats["exhaustion_month_p50"]
        first = np.where(horizon["exhausted"], np.argmax(d["exhausted"], axis=2), -1)
        years = np.asarray(self.years, dtype=np.float64)
        stats["first_exhausted_year_p50"] = np.array(
            [_median(years[column[column >= 0]]) for column in first.T]
        )
        frame = pd.DataFrame(stats, index=pd.Index(self.programmes, name="programme"))
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
        long["unit"] = np.where(_is_money(long["metric"]), self.unit, "")
        return long.dropna(subset=["value"]).reset_index(drop=True)

    def draws_frame(self) -> pd.DataFrame:
        """Per-draw results as a long table: one row per draw × programme × year."""
        names = [*METRICS, "lapsed", "carry_in"]
        return self.dataset[names].to_dataframe().reset_index().drop(columns="label")

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
        cols = [
            "envelope",
            "demand_mean",
            "paid_mean",
            "p_exhausted",
            "coverage_full",
            "fill_ratio",
        ]
        table = self.summary()[cols].to_string(float_format=lambda x: f"{x:,.2f}")
        return f"<SimulationResult {self._headline()}>\n{table}"

    def _repr_html_(self) -> str:
        cols = [
            "label",
            "envelope",
            "demand_mean",
            "demand_p95",
            "paid_mean",
            "p_exhausted",
            "exhaustion_month_p50",
            "coverage_full",
            "coverage_any",
            "fill_ratio",
            "budget_at_risk_p80",
            "budget_at_risk_p95",
        ]
        percent = {"p_exhausted", "coverage_full", "coverage_any", "fill_ratio"}
        frame = self.summary()[cols]
        formatters: dict[str, Any] = {
            c: _percent if c in percent else _amount for c in cols if c != "label"
        }
        body = frame.to_html(formatters=formatters, na_rep="—")
        title = html.escape(self.scenario.scenario.title)
        return (
            f"<div><strong>SimulationResult</strong> — {title}<br>"
            f"<small>{html.escape(self._headline())}</small>{body}</div>"
        )


def _percent(x: float) -> str:
    return "—" if pd.isna(x) else f"{x:.1%}"


def _amount(x: float) -> str:
    return "—" if pd.isna(x) else f"{x:,.0f}"


def _is_money(metric: pd.Series) -> NDArray[np.bool_]:
    prefixes = ("envelope", "available", "demand", "paid_", "unspent", "lapsed", "budget_at_risk")
    return np.asarray(metric.str.startswith(prefixes) & ~metric.str.startswith("paid_full"))
