"""Summaries of a simulation result: the tables a planner reads, as functions of the result.

Each function reads a :class:`~budgetsim.results.SimulationResult` (its per-draw Dataset, its
funds' ledger and its scenario) and returns a table; the result's methods of the same names
call them. Statistics over draws come from :mod:`budgetsim.stats`, the funds' money from the
result's ledger (:func:`budgetsim.funds.ledger`, worked out once).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from budgetsim.metrics import is_money
from budgetsim.results import DERIVED, METRICS, OPTIONAL_METRICS
from budgetsim.riskfund import summarise
from budgetsim.stats import cash as _cash
from budgetsim.stats import median as _median
from budgetsim.stats import median_month as _median_month
from budgetsim.stats import quantile as _quantile
from budgetsim.stats import stats as _stats
from budgetsim.stats import stats_by_year as _stats_by_year
from budgetsim.targets import summarise_target

if TYPE_CHECKING:
    from budgetsim.results import SimulationResult

__all__ = [
    "applies",
    "arrays",
    "draws_frame",
    "fund_summary",
    "policy_summary",
    "riskfund_summary",
    "summary",
    "target_summary",
    "tidy",
    "totals",
]


def _cluster(res: SimulationResult) -> int | None:
    """Draws per block of shared assumptions of a run with uncertain assumptions (their
    standard errors come from the blocks), or None for independent draws."""
    drawn = res.uncertain
    return None if drawn is None else int(drawn.block)


def arrays(res: SimulationResult, p: int) -> dict[str, NDArray[Any]]:
    """Per-draw arrays (draw × year) of programme ``p``, stored and derived.

    Summaries work one programme at a time, so their temporaries stay a fraction of the
    stored results however many programmes a scenario has.
    """
    ds = res.dataset
    d = {name: ds[name].values[:, p, :] for name in (*METRICS, *OPTIONAL_METRICS) if name in ds}
    d["available"] = res.ledger.open_to[:, p, :]
    d["cash"] = _cash(d["paid"], res.schedules[p])
    d["exhausted"] = d["exhaustion_month"] > 0
    f = res.fund_of.get(p)
    nan = d["available"] if f is None else np.full(d["paid"].shape, np.nan)
    if f is None or res.funds[f].shared:  # uncapped, or a share of a fund's money
        d["unspent"] = d["lapsed"] = d["carry_in"] = nan
        return d
    book = res.ledger
    d["unspent"], d["lapsed"] = book.unspent[:, f, :], book.lapsed[:, f, :]
    d["carry_in"] = book.carry_in[:, f, :]
    return d


def summary(res: SimulationResult) -> pd.DataFrame:
    """Summary statistics per programme and year.

    Returns
    -------
    pandas.DataFrame
        Indexed by (programme, year); money columns in the scenario's unit, shares as
        fractions. ``*_se`` columns are Monte Carlo standard errors. Quantiles (``_p80``
        …) are draw values; ``budget_at_risk_p95`` is the envelope that covers demand in
        95 % of draws. ``coverage_*`` and ``fill_ratio`` are ratios of totals over draws.
    """
    envelope = res.dataset["envelope"].values
    rows = []
    for p in range(len(res.programmes)):
        d = arrays(res, p)
        d["month"] = _median_month(d["exhaustion_month"])
        stats = _stats_by_year(d, envelope[p], _cluster(res))
        for name in OPTIONAL_METRICS:
            if name in d:
                stats[f"{name}_mean"] = d[name].mean(axis=0)
        rows.append(stats)
    index = pd.MultiIndex.from_product([res.programmes, res.years], names=["programme", "year"])
    columns = {k: np.concatenate([np.asarray(r[k]) for r in rows]) for k in rows[0]}
    frame = pd.DataFrame(columns, index=index)
    frame.insert(0, "label", np.repeat(res.dataset["label"].values, len(res.years)))
    return frame


def fund_summary(res: SimulationResult) -> pd.DataFrame:
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
    for f, fund in enumerate(res.funds):
        if not fund.shared:
            continue
        years = []
        for y in range(len(res.years)):  # one year at a time: temporaries stay small
            years.append(_fund_year_stats(res, f, y))
        rows.append({k: np.array([s[k] for s in years], dtype=np.float64) for k in years[0]})
        ids.append(fund.id)
    if not rows:
        return pd.DataFrame()
    index = pd.MultiIndex.from_product([ids, res.years], names=["fund", "year"])
    columns = {k: np.concatenate([np.asarray(r[k]) for r in rows]) for k in rows[0]}
    frame = pd.DataFrame(columns, index=index)
    labels = {fund.id: fund.label for fund in res.funds}
    frame.insert(0, "label", [labels[i] for i, _ in frame.index])
    return frame


def policy_summary(res: SimulationResult) -> pd.DataFrame:
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
    ds = res.dataset
    n_year = len(res.years)
    demand = np.zeros((res.draws, n_year))
    paid = np.zeros((res.draws, n_year))
    cash = np.zeros((res.draws, n_year))
    for p in range(len(res.programmes)):
        demand += ds["demand"].values[:, p, :]
        paid += ds["paid"].values[:, p, :]
        cash += _cash(ds["paid"].values[:, p, :], res.schedules[p])
    envelope = np.zeros(n_year)
    for fund in res.funds:
        envelope += fund.amounts
    rows = {}
    for label, d, c, e in [
        *[(str(y), demand[:, i], paid[:, i], envelope[i]) for i, y in enumerate(res.years)],
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


def _fund_year_stats(res: SimulationResult, f: int, y: int) -> dict[str, NDArray[np.float64]]:
    """Statistics of one shared fund in year ``y``: its members' demand and payments
    together against the fund's money."""
    ds, fund = res.dataset, res.funds[f]
    d: dict[str, Any] = {name: np.zeros(res.draws) for name in ("demand", "paid", "cash")}
    for name in ("claimants", "paid_full", "paid_any"):
        d[name] = np.zeros(res.draws, dtype=np.int64)
    first = np.zeros(res.draws, dtype=np.int8)  # earliest member exhaustion month, 0: none
    for p in fund.members:
        d["demand"] += ds["demand"].values[:, p, y]
        d["paid"] += ds["paid"].values[:, p, y]
        d["cash"] += _cash(ds["paid"].values[:, p, :], res.schedules[p])[:, y]
        for name in ("claimants", "paid_full", "paid_any"):
            d[name] += ds[name].values[:, p, y]
        month = ds["exhaustion_month"].values[:, p, y]
        first = np.where((month > 0) & ((first == 0) | (month < first)), month, first)
    book = res.ledger
    d["available"] = book.available[:, f, y]
    d["unspent"], d["lapsed"] = book.unspent[:, f, y], book.lapsed[:, f, y]
    d["exhausted"] = d["demand"] > d["available"]
    d["month"] = _median_month(first[:, None])[0]
    return _stats(d, fund.amounts[y], _cluster(res))


def target_summary(res: SimulationResult) -> pd.DataFrame:
    """Policy targets per year: the stock (mean, P5/P50/P95), entries and exits, and the
    chance that the stock is at or above the goal (``p_at_goal``; the goal's own year is
    the one that answers "will we hit the target?"). Empty without targets."""
    frames = []
    for tid, ds in res.targets.items():
        spec = res.scenario.targets[tid]
        arrays = {str(k): ds[k].values for k in ds.data_vars}
        frame = pd.DataFrame(
            summarise_target(arrays, spec, res.years, _cluster(res)),
            index=pd.MultiIndex.from_product([[tid], res.years], names=["target", "year"]),
        )
        frame.insert(0, "label", spec.label)
        frames.append(frame)
    return pd.concat(frames) if frames else pd.DataFrame()


def riskfund_summary(res: SimulationResult) -> pd.DataFrame:
    """Credit risk reserve funds per year: balance (P5/P50/P95), claims due and paid,
    unpaid claims, P(depleted by the end of the year) and the month, loan volume and
    leverage. Empty when the scenario has no risk fund (see
    :func:`budgetsim.riskfund.summarise`).
    """
    frames = []
    for rid, ds in res.riskfunds.items():
        spec = res.scenario.riskfunds[rid]
        arrays = {str(name): ds[name].values for name in ds.data_vars}
        stats = summarise(arrays, res.years, spec.balance, _cluster(res))
        frame = pd.DataFrame(
            stats,
            index=pd.MultiIndex.from_product([[rid], res.years], names=["riskfund", "year"]),
        )
        frame.insert(0, "label", spec.label)
        frame["due_after_mean"] = float(ds["due_after"].values.mean())
        frames.append(frame)
    return pd.concat(frames) if frames else pd.DataFrame()


def totals(res: SimulationResult) -> pd.DataFrame:
    """Summary statistics per programme over all years together.

    ``envelope`` is the horizon's total; ``p_exhausted`` the chance of running out in at
    least one year; ``first_exhausted_year_p50`` the median first year of running out,
    among draws that ran out; ``budget_at_risk_*`` the horizon total that covers the
    horizon's demand (with full carry-over) in 80 % / 95 % of draws.
    """
    envelopes = res.dataset["envelope"].values.sum(axis=1)
    fund_totals = res.dataset["envelope_total"].values
    years = np.asarray(res.years, dtype=np.float64)
    rows = []
    for p in range(len(res.programmes)):
        d = arrays(res, p)
        horizon = {
            k: d[k].sum(axis=1)
            for k in ("demand", "paid", "cash", "lapsed", "claimants", "paid_full", "paid_any")
        }
        f = res.fund_of.get(p)
        own = f is not None and not res.funds[f].shared
        horizon["available"] = fund_totals[:, f] if own else np.full(res.draws, np.nan)
        horizon["unspent"] = d["unspent"][:, -1]
        horizon["exhausted"] = d["exhausted"].any(axis=1)
        horizon["month"] = np.asarray(np.nan)
        stats = _stats(horizon, envelopes[p], _cluster(res))
        del stats["exhaustion_month_p50"]
        stats["payable_after_mean"] = np.asarray((horizon["paid"] - horizon["cash"]).mean())
        for name in OPTIONAL_METRICS:
            if name in d:
                stats[f"{name}_mean"] = np.asarray(d[name].sum(axis=1).mean())
        first = np.argmax(d["exhausted"], axis=1)[horizon["exhausted"]]
        stats["first_exhausted_year_p50"] = np.asarray(_median(years[first]))
        rows.append({k: float(v) for k, v in stats.items()})
    frame = pd.DataFrame(rows, index=pd.Index(res.programmes, name="programme"))
    frame.insert(0, "label", res.dataset["label"].values)
    return frame


def tidy(res: SimulationResult) -> pd.DataFrame:
    """Summary in long form: one row per programme × year × metric (year ``total`` too)."""
    per_year = res.summary().drop(columns="label")
    per_year.index = pd.MultiIndex.from_tuples(
        [(p, str(y)) for p, y in per_year.index], names=["programme", "year"]
    )
    total = res.totals().drop(columns="label")
    total.index = pd.MultiIndex.from_product([total.index, ["total"]], names=["programme", "year"])
    wide = pd.concat([per_year, total])
    long = wide.reset_index().melt(id_vars=["programme", "year"], var_name="metric")
    long["unit"] = [res.unit if is_money(m) else "" for m in long["metric"]]
    return long.dropna(subset=["value"]).reset_index(drop=True)


def draws_frame(res: SimulationResult) -> pd.DataFrame:
    """Per-draw results as a long table: one row per draw × programme × year."""
    stored = [n for n in (*METRICS, *OPTIONAL_METRICS) if n in res.dataset]
    frame = res.dataset[stored].to_dataframe().reset_index().drop(columns="label")
    for name in DERIVED:
        frame[name] = res[name].values.reshape(-1)
    return frame


#: Metrics that mean something only for money with a limit (an envelope or a fund's share).
CAPPED_ONLY = frozenset({"p_exhausted", "p_exhausted_se", "exhaustion_month_p50"})


def applies(row: Any, name: str) -> bool:
    """Whether metric ``name`` means something for a summary row: the chance the money runs
    out, and when, only where there is money to run out (``available_mean`` is not NaN); an
    uncapped programme shows ``—`` there, not ``0.0%``.

    Examples
    --------
    >>> applies({"available_mean": float("nan")}, "p_exhausted"), applies({}, "demand_mean")
    (False, True)
    """
    if name not in CAPPED_ONLY:
        return True
    available = row.get("available_mean", 0.0)
    return not (isinstance(available, float) and math.isnan(available))
