"""The tables ``budgetsim run`` and ``budgetsim compare`` print: money, cover, shared funds,
equity recovery, risk reserve funds, targets, all programmes together, and paired differences.

Every header, title and legend line is read in the run's language from the registries
(:mod:`budgetsim.metrics`, :mod:`budgetsim.words`), and every table is printed to fit the
terminal without cutting a number (:func:`budgetsim._layout.show`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from rich.console import Console
from rich.text import Text

from budgetsim import __version__
from budgetsim._layout import Column, Grid, show
from budgetsim.comparison import COMPARED, Comparison
from budgetsim.metrics import (
    FUND_TABLE,
    RISKFUND_TABLE,
    TARGET_TABLE,
    How,
    Kind,
    Lang,
    format_value,
    label,
    metric,
    money_unit,
    unit_label,
)
from budgetsim.results import SimulationResult
from budgetsim.stats import interval
from budgetsim.summaries import applies
from budgetsim.words import horizon, word

__all__ = ["name_of", "print_comparison", "print_result"]


def name_of(spec: Any, lang: Lang) -> str:
    """A programme's, fund's or target's name in ``lang`` (``label``, or ``label_en``)."""
    if lang == "en":
        return str(getattr(spec, "label_en", None) or spec.label)
    return str(spec.label)


def _head(name: str, unit: str, lang: Lang) -> str:
    """The short header of metric ``name`` with its unit where it is not money (money is in
    the table's title): ``全额资助 [%]``, ``申请者 [家]``."""
    head = label(name, lang, short=True)
    kind = metric(name).kind
    if kind in (Kind.MONEY, Kind.YEAR, Kind.MONTH):
        return head
    return f"{head} [{unit_label(name, unit, lang)}]"


class _Writer:
    """Writes metric values in one language, whole or short (``compact``)."""

    def __init__(self, unit: str, lang: Lang, compact: bool) -> None:
        self.unit, self.lang, self.compact = unit, lang, compact

    def value(self, name: str, value: float, *, signed: bool = False, bare: bool = False) -> str:
        short = self.unit if self.compact else None
        return format_value(name, value, self.lang, signed=signed, compact=short, bare=bare)

    def cell(self, row: pd.Series | dict[str, Any], name: str) -> str:
        """Metric ``name`` of a summary row (``—`` when the row lacks it); a probability with
        ± the half-width of its 95 % interval (from its standard error)."""
        value = float(row.get(name, math.nan)) if applies(row, name) else math.nan
        shown = self.value(name, value)
        m = metric(name)
        if m.aggregate.how is not How.PROBABILITY or m.se is None:
            return shown
        _, high = interval(value, row[m.se])
        half = float(high) - value
        return shown if math.isnan(half) else f"{shown} ±{self.value(name, half)}"


def _title(key: str, unit: str, lang: Lang) -> str:
    return word(key, lang).format(unit=money_unit(unit, lang))


#: Columns of the run's money table and of its cover table.
MONEY = (
    "envelope",
    "available_mean",
    "demand_mean",
    "demand_p50",
    "demand_p95",
    "paid_mean",
    "paid_p50",
    "paid_p95",
    "budget_at_risk_p80",
    "budget_at_risk_p95",
)
COVER = (
    "p_exhausted",
    "exhaustion_month_p50",
    "claimants_mean",
    "coverage_full",
    "coverage_any",
    "fill_ratio",
)


def _programme_tables(result: SimulationResult, lang: Lang) -> list[Callable[[bool], Grid]]:
    per_year, totals = result.summary(), result.totals()
    span = horizon(result.years, short=True)
    unit = result.unit
    cash = any(p.payment is not None for p in result.scenario.programmes.values())
    money_columns = (*MONEY, *(("cash_mean",) if cash else ()))
    keys = [Column(word("programme", lang), key=True), Column(word("year", lang), key=True)]

    def rows() -> list[tuple[str, str, pd.Series, bool]]:
        out = []
        for pid in result.programmes:
            name = name_of(result.scenario.programmes[pid], lang)
            for i, (year, row) in enumerate(per_year.xs(pid, level="programme").iterrows()):
                out.append((name if i == 0 else "", str(year), row, False))
            total: pd.Series = totals.loc[pid]  # type: ignore[assignment]  # one row
            out.append(("", span, total, True))  # no exhaustion month over the horizon: "—"
        return out

    table_rows = rows()

    def money(compact: bool) -> Grid:
        w = _Writer(unit, lang, compact)
        grid = Grid(
            _title("title_money", unit, lang),
            [*keys, *(Column(_head(c, unit, lang)) for c in money_columns)],
        )
        for name, year, row, end in table_rows:
            grid.add(name, year, *(w.cell(row, c) for c in money_columns), end=end)
        return grid

    def cover(compact: bool) -> Grid:
        w = _Writer(unit, lang, compact)
        grid = Grid(
            word("title_cover", lang), [*keys, *(Column(_head(c, unit, lang)) for c in COVER)]
        )
        for name, year, row, end in table_rows:
            grid.add(name, year, *(w.cell(row, c) for c in COVER), end=end)
        return grid

    return [money, cover]


def _fund_table(result: SimulationResult, lang: Lang) -> Callable[[bool], Grid] | None:
    """Shared funds (资金池): the fund's money against its members' demand together."""
    funds = result.fund_summary()
    shared = [f for f in result.funds if f.shared]
    if funds.empty or not shared:
        return None
    unit = result.unit

    def build(compact: bool) -> Grid:
        w = _Writer(unit, lang, compact)
        grid = Grid(
            _title("title_funds", unit, lang),
            [
                Column(word("fund", lang), key=True),
                Column(word("year", lang), key=True),
                Column(word("members", lang), key=True),
                *(Column(_head(c, unit, lang)) for c in FUND_TABLE),
            ],
        )
        for fund in shared:
            rows = funds.xs(fund.id, level="fund")
            spec = result.scenario.funds.get(fund.id)
            title = name_of(spec, lang) if spec is not None else fund.id
            names = (
                name_of(result.scenario.programmes[result.programmes[p]], lang)
                for p in fund.members
            )
            members = ("、" if lang == "zh" else "; ").join(names)
            members += word("allocation_" + fund.allocation, lang)
            for i, (year, row) in enumerate(rows.iterrows()):
                grid.add(
                    title if i == 0 else "",
                    str(year),
                    members if i == 0 else "",
                    *(w.cell(row, c) for c in FUND_TABLE),
                    end=i == len(rows) - 1,
                )
        return grid

    return build


def _recovery_table(result: SimulationResult, lang: Lang) -> Callable[[bool], Grid] | None:
    """Equity outlays against what is expected back at exit, over the horizon."""
    totals = result.totals()
    if "recovered_mean" not in totals.columns or not (totals["recovered_mean"] > 0).any():
        return None
    unit = result.unit

    def build(compact: bool) -> Grid:
        w = _Writer(unit, lang, compact)
        grid = Grid(
            _title("title_recovery", unit, lang),
            [
                Column(word("programme", lang), key=True),
                Column(_head("paid_mean", unit, lang)),
                Column(_head("recovered_mean", unit, lang)),
                Column(word("net_cost_mean", lang)),
            ],
        )
        for pid, row in totals.iterrows():
            if row["recovered_mean"] > 0:
                net = row["paid_mean"] - row["recovered_mean"]  # money, shown as paid is
                grid.add(
                    name_of(result.scenario.programmes[str(pid)], lang),
                    w.cell(row, "paid_mean"),
                    w.cell(row, "recovered_mean"),
                    w.value("paid_mean", net),
                )
        return grid

    return build


def _riskfund_table(result: SimulationResult, lang: Lang) -> Callable[[bool], Grid] | None:
    """Credit risk reserve funds: will the fund survive?"""
    rows = result.riskfund_summary()
    if rows.empty:
        return None
    unit = result.unit

    def build(compact: bool) -> Grid:
        w = _Writer(unit, lang, compact)
        grid = Grid(
            _title("title_riskfunds", unit, lang),
            [
                Column(word("riskfund", lang), key=True),
                Column(word("year", lang), key=True),
                *(Column(_head(c, unit, lang)) for c in RISKFUND_TABLE),
            ],
        )
        for rid in result.riskfunds:
            fund_rows = rows.xs(rid, level="riskfund")
            name = name_of(result.scenario.riskfunds[rid], lang)
            for i, (year, row) in enumerate(fund_rows.iterrows()):
                grid.add(
                    name if i == 0 else "",
                    str(year),
                    *(w.cell(row, c) for c in RISKFUND_TABLE),
                    end=i == len(fund_rows) - 1,
                )
        return grid

    return build


def _target_table(result: SimulationResult, lang: Lang) -> Callable[[bool], Grid] | None:
    """Policy targets: the stock per year and the chance of reaching the goal."""
    rows = result.target_summary()
    if rows.empty:
        return None
    unit = result.unit

    def build(compact: bool) -> Grid:
        w = _Writer(unit, lang, compact)
        grid = Grid(
            word("title_targets", lang),
            [
                Column(word("target", lang), key=True),
                Column(word("year", lang), key=True),
                *(Column(_head(c, unit, lang)) for c in (*TARGET_TABLE, "goal", "p_at_goal")),
            ],
        )
        for tid, spec in result.scenario.targets.items():
            target_rows = rows.xs(tid, level="target")
            for i, (year, row) in enumerate(target_rows.iterrows()):
                at_goal = int(year) == spec.goal_year
                grid.add(
                    name_of(spec, lang) if i == 0 else "",
                    str(year),
                    *(w.cell(row, c) for c in TARGET_TABLE),
                    f"≥ {spec.goal:,}" if at_goal else "",
                    w.cell(row, "p_at_goal") if at_goal else "",
                    end=i == len(target_rows) - 1,
                )
        return grid

    return build


#: Columns of the table of all programmes together (after the envelopes of the capped ones).
POLICY = (
    "demand_mean",
    "demand_p50",
    "demand_p80",
    "demand_p95",
    "paid_mean",
    "paid_p80",
    "paid_p95",
    "cash_mean",
)


def _policy_table(result: SimulationResult, lang: Lang) -> Callable[[bool], Grid]:
    """All programmes together: the budget to set aside per year (quantiles of the sum)."""
    unit, years = result.unit, result.years
    policy = result.policy_summary()

    def build(compact: bool) -> Grid:
        w = _Writer(unit, lang, compact)
        grid = Grid(
            _title("title_policy", unit, lang),
            [
                Column(word("year", lang), key=True),
                *(Column(_head(c, unit, lang)) for c in ("envelope", *POLICY)),
            ],
        )
        for year, row in policy.iterrows():
            grid.add(
                horizon(years, short=True) if year == "total" else str(year),
                w.cell(row, "envelope") if row["envelope"] > 0 else "—",
                *(w.cell(row, c) for c in POLICY),
                end=year == str(years[-1]),
            )
        return grid

    return build


def print_tables(
    console: Console, builders: Sequence[Callable[[bool], Grid] | None], unit: str, lang: Lang
) -> None:
    """Print each table to fit the console; say once if amounts were written short."""
    short = False
    for build in builders:
        if build is not None:
            short |= show(console, build, continued=word("continued", lang))
    if short:
        console.print(word("compact_note", lang).format(unit=money_unit(unit, lang)), style="dim")


def print_result(result: SimulationResult, console: Console, lang: Lang = "zh") -> None:
    """Print the header, the tables and the legend of a run, in ``lang``."""
    header = result.scenario.scenario
    title = header.title_en if lang == "en" and header.title_en else header.title
    console.print(Text(title, style="bold"))
    console.print(
        " · ".join(
            [
                header.source,
                word("draws_seed", lang).format(draws=result.draws, seed=result.seed),
                word("stamp", lang).format(
                    hash=result.scenario_hash, version=__version__, elapsed=result.elapsed
                ),
            ]
        )
    )
    changes = result.scenario.changes
    if changes:
        console.print(
            word("changed", lang)
            + "; ".join(f"{path} = {value}" for path, value in changes.items())
        )
    drawn = result.uncertain
    if drawn is not None:
        console.print(
            word("drawn", lang).format(
                n=len(drawn.factors), block=drawn.block, blocks=drawn.blocks
            ),
            style="bold",
        )
    builders = [
        *_programme_tables(result, lang),
        _fund_table(result, lang),
        _recovery_table(result, lang),
        _riskfund_table(result, lang),
        _target_table(result, lang),
        _policy_table(result, lang),
    ]
    print_tables(console, builders, result.unit, lang)
    console.print(word("legend_run", lang), style="dim")


# -- compare ------------------------------------------------------------------------------------

#: The measures ``compare`` prints, of the metrics it compares.
COMPARE_SHOWN = ("demand_mean", "paid_mean", "p_exhausted", "paid_full_mean")
if not set(COMPARE_SHOWN) <= set(COMPARED):  # pragma: no cover - fails on import
    raise RuntimeError("compare prints a metric budgetsim.comparison does not compare")


def _change(w: _Writer, name: str, base: float, variant: float, diff: Sequence[float]) -> str:
    """``base → variant`` and the difference with its 95 % interval; ``=`` when the two are
    the same in every draw."""
    mean, low, high = diff
    if mean == 0 and low == 0 and high == 0:
        return f"{w.value(name, base)} ="
    d = w.value(name, mean, signed=True)
    low_, high_ = (w.value(name, v, signed=True, bare=True) for v in (low, high))
    return f"{w.value(name, base)} → {w.value(name, variant)} {d} [{low_}, {high_}]"


def _changes(w: _Writer, row: pd.Series) -> list[str]:
    """The cells of a row of :meth:`Comparison.summary` (or ``totals``, ``policy``): each
    shown metric as base → variant and the difference."""
    return [
        _change(
            w,
            c,
            float(row[f"{c}_base"]),
            float(row[f"{c}_variant"]),
            [float(row[f"{c}_diff{e}"]) for e in ("", "_low", "_high")],
        )
        for c in COMPARE_SHOWN
    ]


def _identical(row: pd.Series | dict[str, Any]) -> bool:
    return all(
        float(row[f"{m}_diff{end}"]) == 0 for m in COMPARE_SHOWN for end in ("", "_low", "_high")
    )


def print_comparison(comparison: Comparison, console: Console, lang: Lang = "zh") -> None:
    """Print base → variant and the difference (variant − base) with its 95 % interval per
    programme and year, the whole policy, and the reserve funds and targets; rows the variant
    leaves exactly as they were are counted, not printed."""
    base, variant = comparison.base, comparison.variant
    unit = base.unit
    console.print(
        word("compare_header", lang).format(
            draws=base.draws,
            seed=base.seed,
            base=base.scenario.id,
            base_hash=base.scenario_hash,
            variant=variant.scenario.id,
            variant_hash=variant.scenario_hash,
        )
    )
    changes = variant.scenario.changes
    if changes:
        console.print(word("changed", lang) + "; ".join(f"{k} = {v}" for k, v in changes.items()))
    per_year, totals, policy = comparison.summary(), comparison.totals(), comparison.policy()
    span = horizon(base.years, short=True)
    rows: list[tuple[str, str, pd.Series, bool]] = []
    same: list[str] = []
    for pid in comparison.programmes:
        name = name_of(base.scenario.programmes[pid], lang)
        programme_rows = [(str(y), r) for y, r in per_year.xs(pid, level="programme").iterrows()]
        total: pd.Series = totals.loc[pid]  # type: ignore[assignment]  # one row
        programme_rows.append((span, total))
        if all(_identical(r) for _, r in programme_rows):
            same.append(name)
            continue
        for i, (year, row) in enumerate(programme_rows):
            if _identical(row) and i < len(programme_rows) - 1:
                continue
            rows.append((name, year, row, i == len(programme_rows) - 1))
    whole = [(word("policy_row", lang), str(y), r) for y, r in policy.iterrows()]

    def build(compact: bool) -> Grid:
        w = _Writer(unit, lang, compact)
        grid = Grid(
            _title("title_compare", unit, lang),
            [
                Column(word("programme", lang), key=True),
                Column(word("year", lang), key=True),
                *(Column(_head(c, unit, lang)) for c in COMPARE_SHOWN),
            ],
        )
        shown = ""
        for name, year, row, end in rows:
            grid.add(name if name != shown else "", year, *_changes(w, row), end=end)
            shown = name
        for i, (name, year, row) in enumerate(whole):
            year_ = span if year == "total" else str(year)
            grid.add(name if i == 0 else "", year_, *_changes(w, row), end=i == len(whole) - 1)
        return grid

    if rows:
        print_tables(console, [build], unit, lang)
    if same and not rows:
        console.print(word("no_change", lang).format(n=len(same)))
    elif same:
        sep = "、" if lang == "zh" else ", "
        console.print(word("identical", lang).format(n=len(same), names=sep.join(same)))
    outcomes = comparison.outcomes()
    if not outcomes.empty:
        moved = ~(
            (outcomes["diff"] == 0) & (outcomes["diff_low"] == 0) & (outcomes["diff_high"] == 0)
        )
        if moved.any():
            table = _outcomes_table(comparison, outcomes[moved], lang)
            print_tables(console, [table], unit, lang)
        if not moved.all():
            still = outcomes[~moved]
            names = [
                f"{_outcome_name(comparison, row, lang)} {_measure(str(row['metric']), lang)}"
                for row in still.drop_duplicates(["name", "metric"]).to_dict("records")
            ]
            sep = "、" if lang == "zh" else ", "
            text = word("identical_outcomes", lang).format(n=len(names), names=sep.join(names))
            console.print(text)
    for side, ids in (("base", comparison.only_in_base), ("variant", comparison.only_in_variant)):
        if ids:
            console.print(
                word("only_in", lang).format(side=word(side, lang), ids=", ".join(ids)), style="dim"
            )
    console.print(word("legend_compare", lang), style="dim")


def _measure(name: str, lang: Lang, unit: str | None = None) -> str:
    """A measure of :meth:`Comparison.outcomes` as a reader reads it: a probability by its
    label, a per-draw variable as its mean (``年末余额均值 [万元]``)."""
    m = metric(name)
    if m.aggregate.how is How.DRAW:
        text = word("mean_of", lang).format(label=m.label(lang))
        return f"{text} [{unit_label(name, unit, lang)}]" if unit is not None else text
    return m.label(lang)


def _outcome_name(comparison: Comparison, row: dict[Any, Any], lang: Lang) -> str:
    """The name of the reserve fund or target of a row of :meth:`Comparison.outcomes`."""
    sc = comparison.base.scenario
    specs: dict[str, Any] = dict(sc.riskfunds if row["kind"] == "riskfund" else sc.targets)
    spec = specs.get(str(row["name"]))
    return name_of(spec, lang) if spec is not None else str(row["name"])


def _outcomes_table(
    comparison: Comparison, outcomes: pd.DataFrame, lang: Lang
) -> Callable[[bool], Grid]:
    def title_of(row: dict[Any, Any]) -> str:
        return _outcome_name(comparison, row, lang)

    records = outcomes.to_dict("records")

    def build(compact: bool) -> Grid:
        w = _Writer(comparison.base.unit, lang, compact)
        grid = Grid(
            word("title_compare_outcomes", lang),
            [
                Column(word("fund_or_target", lang), key=True),
                Column(word("year", lang), key=True),
                Column(word("measure", lang), key=True),
                Column(word("change", lang)),
                Column(word("difference", lang)),
            ],
        )
        shown = ""
        for row in records:
            measure = str(row["metric"])
            name = title_of(row)
            diff = (float(row[k]) for k in ("diff", "diff_low", "diff_high"))
            d = [w.value(measure, v, signed=True, bare=i > 0) for i, v in enumerate(diff)]
            grid.add(
                name if name != shown else "",
                str(row["year"]),
                _measure(measure, lang, comparison.base.unit),
                f"{w.value(measure, row['base'])} → {w.value(measure, row['variant'])}",
                f"{d[0]} [{d[1]}, {d[2]}]",
            )
            shown = name
        return grid

    return build
