"""Statistics over Monte Carlo draws: quantiles, standard errors, ratios, cash timing.

Pure functions over per-draw arrays (the draw is axis 0), used by
:class:`budgetsim.results.SimulationResult` for its programme and fund summaries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "QUANTILES",
    "QUANTILE_METHOD",
    "cash",
    "median",
    "median_month",
    "quantile",
    "stats",
    "stats_by_year",
]

#: Quantiles are actual draw values (``inverted_cdf``): a budget at risk of P95 covers demand in
#: at least 95 % of the simulated draws.
QUANTILE_METHOD = "inverted_cdf"

QUANTILES = (0.05, 0.50, 0.80, 0.95)


def quantile(values: NDArray[Any], q: float | tuple[float, ...]) -> NDArray[np.float64]:
    result = np.quantile(values, q, axis=0, method=QUANTILE_METHOD)  # type: ignore[call-overload]
    return np.asarray(result, dtype=np.float64)


def _standard_error(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Monte Carlo standard error of the mean over draws (NaN with a single draw)."""
    n = values.shape[0]
    if n < 2:
        return np.full(values.shape[1:], np.nan)
    return np.asarray(values.std(axis=0, ddof=1) / np.sqrt(n), dtype=np.float64)


def median(values: NDArray[np.float64]) -> float:
    """Median as a draw value (NaN for no values)."""
    return float(quantile(values, 0.5)) if values.size else float("nan")


def _ratio(num: NDArray[Any], den: NDArray[Any]) -> NDArray[np.float64]:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def median_month(months: NDArray[np.int8]) -> NDArray[np.float64]:
    """Median over draws of the exhaustion month, among draws that ran out (NaN if none)."""
    flat = months.reshape(months.shape[0], -1)
    result = np.array([median(col[col > 0].astype(np.float64)) for col in flat.T])
    return result.reshape(months.shape[1:])


def cash(paid: NDArray[np.float64], schedule: NDArray[np.float64]) -> NDArray[np.float64]:
    """Cash paid in each year [unit] from awards approved (``paid``) per draw and year.

    Examples
    --------
    >>> cash(np.array([[10.0, 20.0, 30.0]]), np.array([0.25, 0.75]))
    array([[ 2.5, 12.5, 22.5]])
    """
    if schedule.size == 1:
        return paid
    cash = np.zeros_like(paid)
    n_year = paid.shape[-1]
    for k, share in enumerate(schedule[:n_year]):
        cash[..., k:] += share * paid[..., : n_year - k]
    return cash


def stats_by_year(
    d: dict[str, NDArray[Any]], envelope: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """:func:`stats` of (draws, years) arrays, one year column at a time, so that the
    temporaries of sorting and spreads are one year's draws, not the whole table."""
    years = [
        stats({k: v[:, y] if np.ndim(v) == 2 else v[y] for k, v in d.items()}, envelope[y])
        for y in range(d["demand"].shape[1])
    ]
    return {k: np.array([s[k] for s in years], dtype=np.float64) for k in years[0]}


def stats(
    d: dict[str, NDArray[Any]], envelope: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """Summary statistics over the draw axis (axis 0) of per-draw arrays."""
    n = d["demand"].shape[0]
    p_exh = d["exhausted"].mean(axis=0)
    demand_q = quantile(d["demand"], QUANTILES)  # one sort per metric: memory stays low
    paid_q = quantile(d["paid"], QUANTILES)
    return {
        "envelope": envelope,
        "available_mean": d["available"].mean(axis=0),
        "demand_mean": d["demand"].mean(axis=0),
        "demand_mean_se": _standard_error(d["demand"]),
        "demand_p5": demand_q[0],
        "demand_p50": demand_q[1],
        "demand_p80": demand_q[2],
        "demand_p95": demand_q[3],
        "paid_mean": d["paid"].mean(axis=0),
        "paid_mean_se": _standard_error(d["paid"]),
        "paid_p5": paid_q[0],
        "paid_p50": paid_q[1],
        "paid_p95": paid_q[3],
        "cash_mean": d["cash"].mean(axis=0),
        "cash_p95": quantile(d["cash"], 0.95),
        "unspent_mean": d["unspent"].mean(axis=0),
        "lapsed_mean": d["lapsed"].mean(axis=0),
        "p_exhausted": p_exh,
        "p_exhausted_se": np.sqrt(p_exh * (1 - p_exh) / n),
        "exhaustion_month_p50": d["month"],
        "claimants_mean": d["claimants"].mean(axis=0),
        "coverage_full": _ratio(d["paid_full"].sum(axis=0), d["claimants"].sum(axis=0)),
        "coverage_any": _ratio(d["paid_any"].sum(axis=0), d["claimants"].sum(axis=0)),
        "fill_ratio": _ratio(d["paid"].sum(axis=0), d["demand"].sum(axis=0)),
        "budget_at_risk_p80": demand_q[2],
        "budget_at_risk_p95": demand_q[3],
    }
