"""The tables ``budgetsim run`` and ``budgetsim compare`` print: money, cover, shared funds,
equity recovery, risk reserve funds, targets, all programmes together, and paired differences.
"""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from budgetsim import __version__
from budgetsim.comparison import Comparison
from budgetsim.metrics import How, Kind, Lang, format_value, label, metric, unit_label
from budgetsim.results import SimulationResult
from budgetsim.stats import interval

__all__ = ["print_comparison", "print_result"]

#: Language of the metric headers and values (labels and formats come from
#: :mod:`budgetsim.metrics`); the titles and the legend are English.
LANG: Lang = "en"


def _head(name: str, unit: str | None = None) -> str:
    """The short header of metric ``name``; in a table titled with its money ``unit``, a
    count says what it counts."""
    head = label(name, LANG, short=True)
    if unit is None or metric(name).kind is not Kind.COUNT:
        return head
    return f"{head} ({unit_label(name, unit, LANG)})"


def _show(row: pd.Series, name: str) -> str:
    """Metric ``name`` of a summary row as the tables show it (``—`` when the row lacks it);
    a probability with ± the half-width of its 95 % interval (from its standard error)."""
    value = float(row.get(name, math.nan))
    shown = format_value(name, value, LANG)
    m = metric(name)
    if m.aggregate.how is not How.PROBABILITY or m.se is None:
        return shown
    _, high = interval(value, row[m.se])
    half = float(high) - value
    return shown if math.isnan(half) else f"{shown} ±{format_value(name, half, LANG)}"


def _span(years: list[int]) -> str:
    """The horizon as a row label: ``2021–23``."""
    return f"{years[0]}–{str(years[-1])[-2:]}" if len(years) > 1 else str(years[0])


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


def _tables(result: SimulationResult) -> tuple[Table, Table]:
    per_year, totals = result.summary(), result.totals()
    span = _span(result.years)
    unit = result.unit
    money = Table(
        title=f"Money [{unit}] — demand is what eligible claimants are entitled to",
        title_justify="left",
        show_lines=False,
    )
    cover = Table(title="Will it last, and who is covered?", title_justify="left")
    cash = any(p.payment is not None for p in result.scenario.programmes.values())
    money_columns = (*MONEY, *(("cash_mean",) if cash else ()))
    for table, names in ((money, money_columns), (cover, COVER)):
        table.add_column("programme", no_wrap=True)
        table.add_column("year", no_wrap=True)
        for name in names:
            table.add_column(_head(name), justify="right", no_wrap=True)

    def add(programme: str, year: str, row: pd.Series, end: bool) -> None:
        money.add_row(programme, year, *(_show(row, c) for c in money_columns), end_section=end)
        capped = not math.isnan(row["available_mean"])
        cover.add_row(
            programme,
            year,
            _show(row, "p_exhausted") if capped else "—",
            *(_show(row, c) for c in COVER[1:]),
            end_section=end,
        )

    for pid in result.programmes:
        rows = per_year.xs(pid, level="programme")
        for i, (year, row) in enumerate(rows.iterrows()):
            add(str(row["label"]) if i == 0 else "", str(year), row, False)
        total: pd.Series = totals.loc[pid]  # type: ignore[assignment]  # one row
        add("", span, total, True)  # no exhaustion month over the horizon: "—"
    return money, cover


LEGEND = "\n".join(
    [
        "envelope: the year's money (a multi-year total split as the scenario says; the mean "
        "where the total is a range); available: envelope + carry-in (for a member of a shared "
        "fund: what the fund left open to it).",
        "P(exhausted): share of draws in which some eligible claimant was not paid in full "
        "(±: 95 % Monte Carlo interval);",
        "month (P50): median month in which the claims passed the money, among draws that ran out.",
        "paid in full / paid any: share of claimants paid their whole entitlement / anything; "
        "fill ratio: paid ÷ demand.",
        "BaR P80 / P95 (budget at risk): the envelope that would cover demand in 80 % / 95 % of "
        "draws.",
        "Multi-year rows: totals over the years; P(exhausted) there is the chance of running out "
        "in at least one year.",
        "cash paid (when shown): mean cash leaving the treasury in the fiscal year, from awards "
        "approved then or earlier (the programme's payment schedule); paid is what is approved.",
        "All programmes together: envelopes of the capped programmes and funds; demand and paid "
        "of every programme, uncapped ones included; P50–P95 are quantiles of the yearly sum.",
        "Risk reserve funds (when shown): loan volume enrolled and leverage (volume ÷ balance at "
        "the start of the year); balance at the year end; P(depleted): some claim could not be "
        "paid in full by the end of the year.",
    ]
)


#: Columns of the shared funds' table.
FUND = (
    "envelope",
    "available_mean",
    "demand_mean",
    "demand_p95",
    "paid_mean",
    "lapsed_mean",
    "p_exhausted",
    "budget_at_risk_p95",
)


def _fund_table(result: SimulationResult) -> Table | None:
    """Shared funds (资金池): the fund's money against its members' demand together."""
    funds = result.fund_summary()
    if funds.empty:
        return None
    table = Table(
        title=f"Shared funds [{result.unit}] — members draw on one envelope", title_justify="left"
    )
    for name in ("fund", "year", "members"):
        table.add_column(name, no_wrap=name != "members")
    for name in FUND:
        table.add_column(_head(name), justify="right", no_wrap=True)
    for fund in result.funds:
        if not fund.shared:
            continue
        rows = funds.xs(fund.id, level="fund")
        members = ", ".join(result.programmes[p] for p in fund.members)
        for i, (year, row) in enumerate(rows.iterrows()):
            table.add_row(
                str(row["label"]) if i == 0 else "",
                str(year),
                f"{members} ({fund.allocation})" if i == 0 else "",
                *(_show(row, c) for c in FUND),
                end_section=i == len(rows) - 1,
            )
    return table


def _recovery_table(result: SimulationResult) -> Table | None:
    """Equity outlays against what is expected back at exit, over the horizon."""
    totals = result.totals()
    if "recovered_mean" not in totals.columns:
        return None
    table = Table(
        title=f"Equity outlays and expected recovery [{result.unit}], whole horizon",
        title_justify="left",
    )
    table.add_column("programme", no_wrap=True)
    for name in (_head("paid_mean"), _head("recovered_mean"), "net cost mean"):
        table.add_column(name, justify="right", no_wrap=True)
    for _, row in totals.iterrows():
        if row["recovered_mean"] > 0:
            net = row["paid_mean"] - row["recovered_mean"]  # money, shown as paid is
            table.add_row(
                str(row["label"]),
                _show(row, "paid_mean"),
                _show(row, "recovered_mean"),
                format_value("paid_mean", net, LANG),
            )
    return table


#: Columns of the risk reserve funds' table.
RISKFUND = (
    "volume_mean",
    "leverage",
    "claims_due_mean",
    "claims_paid_mean",
    "unpaid_mean",
    "balance_end_p5",
    "balance_end_p50",
    "balance_end_p95",
    "p_depleted",
    "depletion_month_p50",
)


def _riskfund_table(result: SimulationResult) -> Table | None:
    """Credit risk reserve funds: will the fund survive?"""
    rows = result.riskfund_summary()
    if rows.empty:
        return None
    table = Table(
        title=f"Credit risk reserve funds [{result.unit}] — claims are paid while money lasts",
        title_justify="left",
    )
    for name in ("fund", "year"):
        table.add_column(name, no_wrap=True)
    for name in RISKFUND:
        table.add_column(_head(name), justify="right", no_wrap=True)
    for rid in result.riskfunds:
        fund_rows = rows.xs(rid, level="riskfund")
        for i, (year, row) in enumerate(fund_rows.iterrows()):
            table.add_row(
                str(row["label"]) if i == 0 else "",
                str(year),
                *(_show(row, c) for c in RISKFUND),
                end_section=i == len(fund_rows) - 1,
            )
    return table


#: Columns of the targets' table (then the goal and the chance of meeting it, in its year).
TARGET = ("entries_mean", "exits_mean", "stock_p5", "stock_p50", "stock_p95")


def _target_table(result: SimulationResult) -> Table | None:
    """Policy targets: the stock per year and the chance of reaching the goal."""
    rows = result.target_summary()
    if rows.empty:
        return None
    table = Table(title="Policy targets — stock at the end of each year", title_justify="left")
    for name in ("target", "year"):
        table.add_column(name, no_wrap=True)
    for name in (*TARGET, "goal", "p_at_goal"):
        table.add_column(_head(name), justify="right", no_wrap=True)
    for tid, spec in result.scenario.targets.items():
        target_rows = rows.xs(tid, level="target")
        for i, (year, row) in enumerate(target_rows.iterrows()):
            at_goal = int(year) == spec.goal_year
            table.add_row(
                str(row["label"]) if i == 0 else "",
                str(year),
                *(_show(row, c) for c in TARGET),
                f"≥ {spec.goal:,}" if at_goal else "",
                _show(row, "p_at_goal") if at_goal else "",
                end_section=i == len(target_rows) - 1,
            )
    return table


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


def _policy_table(result: SimulationResult) -> Table:
    """All programmes together: the budget to set aside per year (quantiles of the sum)."""
    table = Table(
        title=f"All programmes together [{result.unit}] — quantiles of the yearly sum",
        title_justify="left",
    )
    table.add_column("year", no_wrap=True)
    for name in ("envelope", *POLICY):
        table.add_column(_head(name), justify="right", no_wrap=True)
    years = result.years
    for year, row in result.policy_summary().iterrows():
        table.add_row(
            _span(years) if year == "total" else str(year),
            _show(row, "envelope") if row["envelope"] > 0 else "—",
            *(_show(row, c) for c in POLICY),
            end_section=year == str(years[-1]),
        )
    return table


def print_result(result: SimulationResult, console: Console) -> None:
    """Print the header, the two summary tables and the legend of a run."""
    header = result.scenario.scenario
    console.print(Text(header.title, style="bold"))
    console.print(
        f"{header.source} · {result.draws:,} draws · seed {result.seed} · "
        f"scenario hash {result.scenario_hash} · budgetsim {__version__} · "
        f"{result.elapsed:.1f} s"
    )
    changes = result.scenario.changes
    if changes:
        console.print(
            "changed: " + "; ".join(f"{path} = {value}" for path, value in changes.items()),
            markup=False,
        )
    drawn = result.uncertain
    if drawn is not None:
        console.print(
            f"assumptions drawn: {len(drawn.factors)} ranged assumptions drawn over their "
            f"plausible ranges, once per {drawn.block} draws ({drawn.blocks:,} sets); every table "
            "below allows for them, and its ± counts the sets, not the draws",
            style="bold",
        )
    money, cover = _tables(result)
    console.print(money)
    console.print(cover)
    funds = _fund_table(result)
    if funds is not None:
        console.print(funds)
    for extra in (_recovery_table(result), _riskfund_table(result), _target_table(result)):
        if extra is not None:
            console.print(extra)
    console.print(_policy_table(result))
    console.print(LEGEND, style="dim")


def _difference(name: str, mean: float, low: float, high: float) -> str:
    """A difference of metric ``name`` with its 95 % interval: ``+12 [+3, +21]``."""
    mean_, low_, high_ = (format_value(name, v, LANG, signed=True) for v in (mean, low, high))
    return f"{mean_} [{low_}, {high_}]"


def _diff(row: pd.Series, name: str) -> str:
    return _difference(name, *(float(row[f"{name}_diff{end}"]) for end in ("", "_low", "_high")))


#: The differences ``compare`` prints, of the metrics it compares.
COMPARE_SHOWN = ("demand_mean", "paid_mean", "p_exhausted", "paid_full_mean")


def print_comparison(comparison: Comparison, console: Console) -> None:
    """Print the differences (variant − base) per programme and year, with 95 % intervals."""
    base, variant = comparison.base, comparison.variant
    console.print(
        f"[bold]variant − base[/] · {base.draws:,} draws · seed {base.seed} · "
        f"common random numbers · base {base.scenario_hash}, "
        f"variant {variant.scenario_hash}",
        markup=True,  # numbers and hashes only
    )
    table = Table(title=f"Differences [{base.unit}], mean and 95 % interval", title_justify="left")
    for name in ("programme", "year"):
        table.add_column(name, no_wrap=True)
    for name in COMPARE_SHOWN:
        table.add_column(_head(name, base.unit), justify="right", no_wrap=True)
    per_year, totals = comparison.summary(), comparison.totals()
    years = base.years
    for pid in comparison.programmes:
        name = str(base.dataset["label"].sel(programme=pid).values)
        rows = [(str(y), row) for y, row in per_year.xs(pid, level="programme").iterrows()]
        total: pd.Series = totals.loc[pid]  # type: ignore[assignment]  # one row
        rows.append((_span(years), total))
        for i, (year, row) in enumerate(rows):
            table.add_row(
                name if i == 0 else "",
                year,
                *(_diff(row, c) for c in COMPARE_SHOWN),
                end_section=i == len(rows) - 1,
            )
    console.print(table)
    outcomes = comparison.outcomes()
    if not outcomes.empty:
        extra = Table(
            title="Risk reserve funds and targets: base → variant, difference and 95 % interval",
            title_justify="left",
        )
        for name in ("fund or target", "year", "measure", "base", "variant", "difference"):
            extra.add_column(
                name,
                justify="right" if name in ("base", "variant", "difference") else "left",
                no_wrap=True,
            )
        for _, row in outcomes.iterrows():
            measure = str(row["metric"])
            extra.add_row(
                str(row["name"]),
                str(row["year"]),
                label(measure, LANG),
                format_value(measure, row["base"], LANG),
                format_value(measure, row["variant"], LANG),
                _difference(measure, row["diff"], row["diff_low"], row["diff_high"]),
            )
        console.print(extra)
    for name, ids in (("base", comparison.only_in_base), ("variant", comparison.only_in_variant)):
        if ids:
            console.print(f"only in the {name} (not compared): {', '.join(ids)}", style="dim")
