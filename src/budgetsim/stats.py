"""Statistics over Monte Carlo draws: quantiles, standard errors, intervals, ratios, cash timing.

Pure functions over per-draw arrays (the draw is axis 0), used by
:class:`budgetsim.results.SimulationResult` for its programme and fund summaries, by
:mod:`budgetsim.comparison` for paired differences and by the tables and charts. Every
standard error and interval of budgetsim is computed here, with one rule: fewer than two draws
say nothing about the spread, so their standard error is NaN (never 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

__all__ = [
    "QUANTILES",
    "QUANTILE_METHOD",
    "Z95",
    "cash",
    "clustered_se",
    "interval",
    "mean_se",
    "median",
    "median_month",
    "proportion_se",
    "quantile",
    "standard_error",
    "stats",
    "stats_by_year",
]

#: Quantiles are actual draw values (``inverted_cdf``): a budget at risk of P95 covers demand in
#: at least 95 % of the simulated draws.
QUANTILE_METHOD = "inverted_cdf"

QUANTILES = (0.05, 0.50, 0.80, 0.95)

#: The standard normal quantile of a two-sided 95 % interval, Φ⁻¹(0.975).
Z95 = float(special.ndtri(0.975))


def quantile(values: NDArray[Any], q: float | tuple[float, ...]) -> NDArray[np.float64]:
    """Quantiles over draws (axis 0) as draw values (:data:`QUANTILE_METHOD`).

    Parameters
    ----------
    values
        Per-draw values, the draw on axis 0 [as the metric].
    q
        One quantile or several, in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``values.shape[1:]`` for one ``q``; a leading axis of ``len(q)`` for several.

    Examples
    --------
    >>> quantile(np.array([1.0, 2.0, 3.0, 4.0]), (0.5, 0.8)).tolist()
    [2.0, 4.0]
    """
    result = np.quantile(values, q, axis=0, method=QUANTILE_METHOD)  # type: ignore[call-overload]
    return np.asarray(result, dtype=np.float64)


def standard_error(values: NDArray[Any], axis: int = 0) -> NDArray[np.float64]:
    """Monte Carlo standard error of the mean along ``axis``: s / √n with s the sample
    standard deviation (``ddof=1``).

    Parameters
    ----------
    values
        Per-draw values [as the metric], draws along ``axis``.
    axis
        The axis of the draws.

    Returns
    -------
    numpy.ndarray
        The shape of ``values`` without ``axis`` [as the metric]. NaN everywhere when there are
        fewer than 2 values: one draw says nothing about the spread, and 0 would claim certainty.

    Examples
    --------
    >>> standard_error(np.array([1.0, 3.0])).item()
    1.0
    >>> standard_error(np.array([[5.0, 7.0]])).tolist()
    [nan, nan]
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[axis]
    if n < 2:
        return np.full(np.delete(values.shape, axis), np.nan)
    return np.asarray(values.std(axis=axis, ddof=1) / np.sqrt(n), dtype=np.float64)


def clustered_se(values: NDArray[Any], cluster: int) -> NDArray[np.float64]:
    """Standard error of the mean over draws (axis 0) that come in blocks of ``cluster``
    consecutive draws sharing something (the drawn assumptions of a run with uncertain
    assumptions): from the spread of the blocks' sums, so that draws that move together are
    not counted as independent (the last block may be shorter).

    Examples
    --------
    >>> x = np.repeat([0.0, 1.0, 0.0, 1.0], 5)  # four blocks of five equal draws
    >>> round(float(clustered_se(x, 5)), 4), round(float(standard_error(x)), 4)
    (0.2887, 0.1147)
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    block = np.arange(n) // cluster
    k = int(block[-1]) + 1 if n else 0
    if k < 2:
        return np.full(values.shape[1:], np.nan)
    flat = values.reshape(n, -1)
    sums = np.zeros((k, flat.shape[1]))
    np.add.at(sums, block, flat)
    sizes = np.bincount(block, minlength=k)[:, None]
    centred = sums - sizes * flat.mean(axis=0)
    se = np.sqrt(k / (k - 1) * (centred**2).sum(axis=0)) / n
    return np.asarray(se.reshape(values.shape[1:]), dtype=np.float64)


def mean_se(values: NDArray[Any], cluster: int | None = None) -> NDArray[np.float64]:
    """:func:`standard_error` of the mean over draws, or :func:`clustered_se` for draws in
    blocks of ``cluster``."""
    if cluster is not None and cluster > 1:
        return clustered_se(values, cluster)
    return standard_error(values)


def proportion_se(p: NDArray[Any] | float, n: int) -> NDArray[np.float64]:
    """Standard error of a share of ``n`` draws, √(p (1 − p) / n) (for P(exhausted) and the
    like).

    Parameters
    ----------
    p
        The share of draws in which the event happened [fraction].
    n
        The number of draws.

    Returns
    -------
    numpy.ndarray
        The shape of ``p`` [fraction]; NaN when ``n < 2``, as :func:`standard_error`.

    Examples
    --------
    >>> proportion_se(0.5, 100).item()
    0.05
    >>> proportion_se(1.0, 1).item()
    nan
    """
    p = np.asarray(p, dtype=np.float64)
    if n < 2:
        return np.full(p.shape, np.nan)
    return np.asarray(np.sqrt(p * (1 - p) / n), dtype=np.float64)


def interval(
    mean: NDArray[Any] | float, se: NDArray[Any] | float, level: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Two-sided normal confidence interval ``mean ± z · se`` at ``level``.

    Parameters
    ----------
    mean
        Estimates [as the metric].
    se
        Their standard errors (:func:`standard_error`, :func:`proportion_se`) [as the metric].
    level
        Confidence level in (0, 1); 0.95 uses :data:`Z95`.

    Returns
    -------
    (low, high)
        Arrays of the broadcast shape [as the metric]; NaN where ``se`` is NaN.

    Examples
    --------
    >>> low, high = interval(10.0, 1.0)
    >>> round(float(low), 2), round(float(high), 2)
    (8.04, 11.96)
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), found {level!r}")
    z = Z95 if level == 0.95 else float(special.ndtri(0.5 + level / 2))
    mean, half = np.asarray(mean, dtype=np.float64), z * np.asarray(se, dtype=np.float64)
    return mean - half, mean + half


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
    d: dict[str, NDArray[Any]], envelope: NDArray[np.float64], cluster: int | None = None
) -> dict[str, NDArray[np.float64]]:
    """:func:`stats` of (draws, years) arrays, one year column at a time, so that the
    temporaries of sorting and spreads are one year's draws, not the whole table."""
    years = [
        stats({k: v[:, y] if np.ndim(v) == 2 else v[y] for k, v in d.items()}, envelope[y], cluster)
        for y in range(d["demand"].shape[1])
    ]
    return {k: np.array([s[k] for s in years], dtype=np.float64) for k in years[0]}


def stats(
    d: dict[str, NDArray[Any]], envelope: NDArray[np.float64], cluster: int | None = None
) -> dict[str, NDArray[np.float64]]:
    """Summary statistics over the draw axis (axis 0) of per-draw arrays; ``cluster``: the
    draws come in blocks of that many that share their assumptions (standard errors from the
    blocks)."""
    n = d["demand"].shape[0]
    p_exh = np.asarray(d["exhausted"].mean(axis=0), dtype=np.float64)
    p_exh_se = proportion_se(p_exh, n) if cluster is None else clustered_se(d["exhausted"], cluster)
    demand_q = quantile(d["demand"], QUANTILES)  # one sort per metric: memory stays low
    paid_q = quantile(d["paid"], QUANTILES)
    return {
        "envelope": envelope,
        "available_mean": d["available"].mean(axis=0),
        "demand_mean": d["demand"].mean(axis=0),
        "demand_mean_se": mean_se(d["demand"], cluster),
        "demand_p5": demand_q[0],
        "demand_p50": demand_q[1],
        "demand_p80": demand_q[2],
        "demand_p95": demand_q[3],
        "paid_mean": d["paid"].mean(axis=0),
        "paid_mean_se": mean_se(d["paid"], cluster),
        "paid_p5": paid_q[0],
        "paid_p50": paid_q[1],
        "paid_p95": paid_q[3],
        "cash_mean": d["cash"].mean(axis=0),
        "cash_p95": quantile(d["cash"], 0.95),
        "unspent_mean": d["unspent"].mean(axis=0),
        "lapsed_mean": d["lapsed"].mean(axis=0),
        "p_exhausted": p_exh,
        "p_exhausted_se": p_exh_se,
        "exhaustion_month_p50": d["month"],
        "claimants_mean": d["claimants"].mean(axis=0),
        "coverage_full": _ratio(d["paid_full"].sum(axis=0), d["claimants"].sum(axis=0)),
        "coverage_any": _ratio(d["paid_any"].sum(axis=0), d["claimants"].sum(axis=0)),
        "fill_ratio": _ratio(d["paid"].sum(axis=0), d["demand"].sum(axis=0)),
        "budget_at_risk_p80": demand_q[2],
        "budget_at_risk_p95": demand_q[3],
    }
