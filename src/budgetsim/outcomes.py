"""Headline outputs of a run as per-draw values: one statistic at one place and year.

An :class:`Output` names a metric of :mod:`budgetsim.metrics` (P(exhausted), a budget at
risk, mean paid, the fill ratio …) for one programme, shared fund, the whole policy, a credit
risk reserve fund or a policy target, in one year or over the horizon. :func:`per_draw` gives
the per-draw values the metric aggregates; :func:`estimate` aggregates them as the summaries
do; :func:`contributions` gives each draw's share of the estimate (so that the spread of an
output can be split between assumptions and luck); :func:`difference_se` is the Monte Carlo
standard error of the difference of an output between two runs on common random numbers.

This is what sensitivity analysis, ``run --uncertain`` and the report read; the summaries
of :mod:`budgetsim.summaries` remain the tables of a single run.

Examples
--------
>>> import budgetsim
>>> sc = budgetsim.load_scenario("jiangmen-2021")
>>> out = parse_output("p_exhausted:loan_interest", sc)
>>> out.key, out.label(sc, "en")
('p_exhausted:loan_interest', 'P(exhausted) · Technology-loan interest subsidy · 2021–2023')
>>> res = budgetsim.simulate(sc, draws=200, seed=1)
>>> 0 <= estimate(out.metric, per_draw(res, out)) <= 1
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from budgetsim.errors import BudgetsimError, did_you_mean
from budgetsim.metrics import How, Lang, metric
from budgetsim.stats import quantile, standard_error

if TYPE_CHECKING:
    from budgetsim.results import SimulationResult
    from budgetsim.scenario import Scenario

__all__ = [
    "METRICS_BY_SCOPE",
    "Output",
    "Scope",
    "contributions",
    "default_outputs",
    "difference_se",
    "estimate",
    "estimate_se",
    "needed",
    "parse_output",
    "per_draw",
]

Floats = NDArray[np.float64]
#: Where an output is measured.
Scope = Literal["programme", "fund", "policy", "riskfund", "target"]

#: The metrics an output may be, by scope: those whose per-draw variables exist there.
METRICS_BY_SCOPE: dict[str, tuple[str, ...]] = {
    "programme": (
        "p_exhausted",
        "budget_at_risk_p80",
        "budget_at_risk_p95",
        "demand_mean",
        "demand_p50",
        "paid_mean",
        "paid_p50",
        "fill_ratio",
        "coverage_full",
        "coverage_any",
        "claimants_mean",
        "cash_mean",
        "lapsed_mean",
    ),
    "riskfund": (
        "p_depleted",
        "claims_paid_mean",
        "claims_paid_p95",
        "unpaid_mean",
        "principal_loss_mean",
        "defaults_mean",
        "balance_end_p5",
        "balance_end_p50",
        "leverage",
    ),
    "target": ("p_at_goal", "stock_mean", "stock_p5", "stock_p50", "entries_mean"),
}
METRICS_BY_SCOPE["fund"] = METRICS_BY_SCOPE["programme"]
METRICS_BY_SCOPE["policy"] = METRICS_BY_SCOPE["programme"]

#: The per-draw event each probability metric counts.
_EVENTS = {"p_exhausted": "exhausted", "p_depleted": "depleted", "p_at_goal": "at_goal"}
#: Flows summed over the years of the horizon (the others: as in the last year, or any year).
_FLOWS = (
    "demand",
    "paid",
    "claimants",
    "paid_full",
    "paid_any",
    "cash",
    "lapsed",
    "claims_paid",
    "unpaid",
    "principal_loss",
    "defaults",
    "entries",
    "volume",
    "balance_start",
)
_SCOPE_WORDS = {
    "policy": ("全部项目", "whole policy"),
}
_POLICY = "policy"


@dataclass(frozen=True)
class Output:
    """One headline statistic of a run.

    Attributes
    ----------
    metric
        A metric of :mod:`budgetsim.metrics` allowed at the scope (:data:`METRICS_BY_SCOPE`).
    scope
        ``"programme"``, ``"fund"`` (a shared fund), ``"policy"`` (every programme together),
        ``"riskfund"`` or ``"target"``.
    id
        The programme, fund, reserve fund or target id; ``"policy"`` for the whole policy.
    year
        A scenario year, or None for the horizon: every year together for programmes, funds
        and the policy (P(exhausted) in some year; money summed over the years), by the end of
        the last year for reserve funds, the goal's year for a target.
    """

    metric: str
    scope: Scope
    id: str
    year: int | None = None

    @property
    def key(self) -> str:
        """The output as the command line writes it: ``metric:id[:year]``."""
        year = "" if self.year is None else f":{self.year}"
        return f"{self.metric}:{self.id}{year}"

    def label(self, scenario: Scenario, lang: Lang = "zh") -> str:
        """The output as a reader calls it: metric · place · year(s)."""
        return f"{metric(self.metric).label(lang)} · {self.place(scenario, lang)} · " + (
            self.years(scenario)
        )

    def place(self, scenario: Scenario, lang: Lang = "zh") -> str:
        """The programme, fund, reserve fund or target as a reader calls it."""
        if self.scope == "policy":
            return _SCOPE_WORDS["policy"][0 if lang == "zh" else 1]
        blocks: dict[str, Any] = {
            "programme": scenario.programmes,
            "fund": scenario.funds,
            "riskfund": scenario.riskfunds,
            "target": scenario.targets,
        }
        block = blocks[self.scope][self.id]
        text = getattr(block, "label_en", None) if lang == "en" else None
        return str(text or getattr(block, "label", None) or self.id)

    def years(self, scenario: Scenario) -> str:
        """The year, or the years of the horizon (``2021–2023``)."""
        if self.year is not None:
            return str(self.year)
        if self.scope == "target":
            return str(scenario.targets[self.id].goal_year)
        if self.scope == "riskfund":
            return f"{scenario.years[0]}–{scenario.years[-1]}"
        years = scenario.years
        return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


# -- naming outputs ------------------------------------------------------------------------------


def _places(scenario: Scenario) -> dict[str, Scope]:
    places: dict[str, Scope] = {_POLICY: "policy"}
    places.update({pid: "programme" for pid in scenario.programmes})
    places.update({fid: "fund" for fid in scenario.funds})
    places.update({rid: "riskfund" for rid in scenario.riskfunds})
    places.update({tid: "target" for tid in scenario.targets})
    return places


def parse_output(text: str, scenario: Scenario) -> Output:
    """An output from its text, ``METRIC[:WHERE[:YEAR]]``.

    ``WHERE`` is a programme, shared fund, reserve fund or target id, or ``policy`` (the
    default for programme metrics; a reserve fund's or target's metric defaults to the
    scenario's only one). ``YEAR`` is a scenario year; without it the horizon.

    Raises
    ------
    BudgetsimError
        Naming what is unknown, what is allowed, and the closest name.

    Examples
    --------
    >>> import budgetsim
    >>> sc = budgetsim.load_scenario("jiangmen-2021")
    >>> parse_output("budget_at_risk_p80", sc)
    Output(metric='budget_at_risk_p80', scope='policy', id='policy', year=None)
    >>> parse_output("p_exhausted:rd_rewad", sc)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    budgetsim.errors.BudgetsimError: output 'p_exhausted:rd_rewad': no ... did you mean 'rd_reward'?
    """
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or not parts[0]:
        raise BudgetsimError(
            f"output {text!r}: expected METRIC[:WHERE[:YEAR]], e.g. p_exhausted:loan_interest:2022"
        )
    name = parts[0]
    allowed = sorted({m for ms in METRICS_BY_SCOPE.values() for m in ms})
    if name not in allowed:
        raise BudgetsimError(_unknown(text, "metric", name, allowed, "(see `budgetsim glossary`)"))
    places = _places(scenario)
    where = parts[1] if len(parts) >= 2 and parts[1] else _default_place(name, scenario, text)
    if where not in places:
        raise BudgetsimError(
            _unknown(
                text,
                f"programme, fund, reserve fund or target {where!r} in {scenario.id}",
                where,
                places,
                "",
                plain=True,
            )
        )
    scope = places[where]
    if name not in METRICS_BY_SCOPE[scope]:
        raise BudgetsimError(
            f"output {text!r}: {name} is not measured for a {scope}; expected one of "
            + ", ".join(METRICS_BY_SCOPE[scope])
        )
    year = None
    if len(parts) == 3 and parts[2] not in ("", "total"):
        try:
            year = int(parts[2])
        except ValueError:
            year = -1
        if year not in scenario.years:
            raise BudgetsimError(
                f"output {text!r}: no year {parts[2]!r} in {scenario.id}; expected one of "
                + ", ".join(map(str, scenario.years))
                + " or none (the horizon)"
            )
    return Output(name, scope, where, year)


def _default_place(name: str, scenario: Scenario, text: str) -> str:
    for scope, ids in (("riskfund", scenario.riskfunds), ("target", scenario.targets)):
        if name in METRICS_BY_SCOPE[scope] and name not in METRICS_BY_SCOPE["programme"]:
            if len(ids) != 1:
                raise BudgetsimError(
                    f"output {text!r}: name the {scope} ({', '.join(ids) or 'none here'})"
                )
            return next(iter(ids))
    return _POLICY


def _unknown(
    text: str, what: str, word: str, choices: Any, extra: str, *, plain: bool = False
) -> str:
    close = did_you_mean(word, list(choices))
    hint = f"; did you mean {close!r}?" if close else (f" {extra}" if extra else "")
    head = f"no {what}" if plain else f"unknown {what} {word!r}"
    return f"output {text!r}: {head}{hint}"


def default_outputs(scenario: Scenario) -> list[Output]:
    """The headline outputs of a scenario: P(exhausted) of each capped programme and shared
    fund, the whole policy's P80 budget, P(depleted) of each reserve fund and P(the target is
    met) in its goal year."""
    out: list[Output] = []
    for pid, prog in scenario.programmes.items():
        if prog.envelope is not None:
            out.append(Output("p_exhausted", "programme", pid))
    out += [Output("p_exhausted", "fund", str(fid)) for fid in scenario.funds]
    out.append(Output("budget_at_risk_p80", "policy", _POLICY))
    out += [Output("p_depleted", "riskfund", rid) for rid in scenario.riskfunds]
    out += [Output("p_at_goal", "target", tid) for tid in scenario.targets]
    return out


# -- per-draw values --------------------------------------------------------------------------


def per_draw(res: SimulationResult, output: Output) -> dict[str, Floats]:
    """The per-draw values (one number a draw) that ``output``'s metric aggregates, by
    variable name (``demand``, ``paid``, ``exhausted`` …)."""
    table = _table(res, output)
    n_year = len(res.years)
    if output.scope == "target":
        spec = res.scenario.targets[output.id]
        y = res.years.index(output.year if output.year is not None else spec.goal_year)
        return {k: np.asarray(v[:, y], dtype=np.float64) for k, v in table.items()}
    if output.year is not None:
        y = res.years.index(output.year)
        return {k: np.asarray(v[:, y], dtype=np.float64) for k, v in table.items()}
    out = {}
    for k, v in table.items():
        if k in _FLOWS:
            out[k] = v.sum(axis=1)
        elif k in ("exhausted",):
            out[k] = v.any(axis=1)
        else:  # a state: as at the end of the horizon (balances, depleted by then)
            out[k] = v[:, n_year - 1]
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def _table(res: SimulationResult, output: Output) -> dict[str, NDArray[Any]]:
    """(draw, year) arrays of the variables at the output's place."""
    from budgetsim.summaries import arrays

    names = ("demand", "paid", "claimants", "paid_full", "paid_any", "cash", "lapsed")
    if output.scope == "programme":
        p = res.programmes.index(output.id)
        d = arrays(res, p)
        return {**{k: d[k] for k in names}, "exhausted": d["exhausted"]}
    if output.scope in ("fund", "policy"):
        if output.scope == "fund":
            f = [fund.id for fund in res.funds].index(output.id)
            members = list(res.funds[f].members)
        else:
            members = list(range(len(res.programmes)))
        out: dict[str, Any] = {}
        exhausted = np.zeros((res.draws, len(res.years)), dtype=bool)
        for p in members:
            d = arrays(res, p)
            for k in names:
                v = np.nan_to_num(d[k]) if k == "lapsed" else d[k]
                out[k] = v if k not in out else out[k] + v
            exhausted |= d["exhausted"]
        if output.scope == "fund":
            exhausted = out["demand"] > res.ledger.available[:, f, :]
        out["exhausted"] = exhausted
        return out
    if output.scope == "riskfund":
        rds = res.riskfunds[output.id]
        arr = {str(k): rds[k].values for k in rds.data_vars if rds[k].ndim == 2}
        # the month of first depletion counts months from the start of the horizon (0: never)
        month = rds["depletion_month"].values.astype(np.int64)
        n_year = len(res.years)
        first = np.where(month > 0, (month - 1) // 12, n_year)
        arr["depleted"] = first[:, None] <= np.arange(n_year)[None, :]
        return arr
    tds = res.targets[output.id]
    arr = {str(k): tds[k].values for k in tds.data_vars}
    arr["at_goal"] = arr["stock"] >= res.scenario.targets[output.id].goal
    return arr


# -- statistics --------------------------------------------------------------------------------


def _variables(name: str) -> tuple[str, str | None]:
    agg = metric(name).aggregate
    if agg.how is How.PROBABILITY:
        return _EVENTS[name], None
    assert agg.of is not None
    return agg.of, agg.over


def needed(output: Output, res: SimulationResult) -> dict[str, Floats]:
    """Only the per-draw values ``output``'s metric reads (what an analysis keeps per point)."""
    values = per_draw(res, output)
    return {k: values[k] for k in _variables(output.metric) if k is not None}


def estimate(name: str, values: dict[str, Floats]) -> float:
    """Metric ``name`` of per-draw ``values`` (:func:`per_draw`), as the summaries compute
    it: a mean, a share of draws, a draw value (quantile) or a ratio of totals."""
    agg = metric(name).aggregate
    of, over = _variables(name)
    x = values[of]
    if agg.how is How.QUANTILE:
        assert agg.q is not None
        return float(quantile(x, agg.q))
    if agg.how is How.RATIO:
        assert over is not None
        den = float(values[over].sum())
        return float(x.sum() / den) if den > 0 else float("nan")
    return float(x.mean())


def contributions(name: str, values: dict[str, Floats]) -> Floats:
    """Each draw's contribution to metric ``name``, whose spread is the output's spread.

    For a mean or a share of draws, the draw's value (or event); for a ratio of totals its
    linearisation ``(x − R·y) / ȳ`` (whose mean is 0 and whose spread is the ratio's); for a
    quantile (a budget at risk), the variable whose quantile it is.
    """
    agg = metric(name).aggregate
    of, over = _variables(name)
    x = values[of]
    if agg.how is How.RATIO:
        assert over is not None
        y = values[over]
        mean_y = float(y.mean())
        if mean_y <= 0:
            return np.zeros_like(x)
        return np.asarray((x - estimate(name, values) * y) / mean_y, dtype=np.float64)
    return np.asarray(x, dtype=np.float64)


#: Bootstrap resamples for the standard error of a quantile.
BOOTSTRAP = 200


def _bootstrap_index(n: int) -> NDArray[np.intp]:
    """Resampled draw indices (fixed seed: a standard error is the same on every call)."""
    rng = np.random.default_rng(20_261_202 + n)
    return rng.integers(0, n, size=(BOOTSTRAP, n))


def difference_se(name: str, a: dict[str, Floats], b: dict[str, Floats]) -> float:
    """Monte Carlo standard error of ``estimate(b) − estimate(a)`` when both come from the
    same draws (common random numbers): from the per-draw differences of the contributions,
    or, for a quantile, from resampling the draws in pairs. 0 when the draws are identical.
    """
    agg = metric(name).aggregate
    if agg.how is not How.QUANTILE:
        diff = contributions(name, b) - contributions(name, a)
        if not diff.any():
            return 0.0
        return float(standard_error(diff))
    of, _ = _variables(name)
    xa, xb = a[of], b[of]
    if np.array_equal(xa, xb):
        return 0.0
    assert agg.q is not None
    idx = _bootstrap_index(xa.size)
    qa = quantile(xa[idx].T, agg.q)
    qb = quantile(xb[idx].T, agg.q)
    return float(np.std(qb - qa, ddof=1))


def estimate_se(name: str, values: dict[str, Floats], cluster: int | None = None) -> float:
    """Monte Carlo standard error of ``estimate(name, values)``.

    ``cluster``: the draws come in blocks of this many that share something (the drawn
    assumptions of a run with uncertain assumptions), so they are not independent; the error
    is then worked out from the blocks (their sums, or, for a quantile, resampling whole
    blocks), which can be several times the error the draws alone would suggest.
    """
    agg = metric(name).aggregate
    of, _ = _variables(name)
    n = values[of].size
    if cluster is not None and cluster > 1 and n > cluster:
        return _clustered_se(name, values, cluster)
    if agg.how is not How.QUANTILE:
        return float(standard_error(contributions(name, values)))
    x = values[of]
    assert agg.q is not None
    idx = _bootstrap_index(x.size)
    return float(np.std(quantile(x[idx].T, agg.q), ddof=1))


def _clustered_se(name: str, values: dict[str, Floats], cluster: int) -> float:
    """The standard error from blocks of ``cluster`` consecutive draws (the last may be
    shorter): the spread of the blocks' sums of contributions, or, for a quantile, of the
    quantile over resampled blocks."""
    agg = metric(name).aggregate
    of, _ = _variables(name)
    n = values[of].size
    block = np.arange(n) // cluster
    k = int(block[-1]) + 1
    if agg.how is not How.QUANTILE:
        c = contributions(name, values)
        sums = np.bincount(block, c, minlength=k)
        sizes = np.bincount(block, minlength=k)
        centred = sums - sizes * c.mean()
        return float(np.sqrt(k / (k - 1) * (centred**2).sum()) / n)
    x = values[of]
    assert agg.q is not None
    rng = np.random.default_rng(20_261_202 + n)
    picks = rng.integers(0, k, size=(BOOTSTRAP, k))
    starts = np.arange(k) * cluster
    stops = np.minimum(starts + cluster, n)
    estimates = [
        float(quantile(np.concatenate([x[starts[j] : stops[j]] for j in row]), agg.q))
        for row in picks
    ]
    return float(np.std(estimates, ddof=1))
