"""The tables ``budgetsim run`` and ``budgetsim compare`` print: money, cover, shared funds,
equity recovery, risk reserve funds, targets, all programmes together, and paired differences.
"""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.table import Table

from budgetsim import __version__
from budgetsim._cli_common import money as _money
from budgetsim._cli_common import share as _share
from budgetsim.comparison import Comparison
from budgetsim.results import SimulationResult

__all__ = ["print_comparison", "print_result"]


def _count(value: float) -> str:
    """Expected numbers of applicants: whole numbers, but keep rare events visible."""
    return f"{value:,.0f}" if value >= 10 or value == 0 else f"{value:.2g}"


def _month(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{int(value)}月"


def _tables(result: SimulationResult) -> tuple[Table, Table]:
    per_year, totals = result.summary(), result.totals()
    years = result.years
    span = f"{years[0]}–{str(years[-1])[-2:]}" if len(years) > 1 else str(years[0])
    unit = result.unit
    money = Table(
        title=f"Money [{unit}] — demand is what eligible claimants are entitled to",
        title_justify="left",
        show_lines=False,
    )
    cover = Table(title="Will it last, and who is covered?", title_justify="left")
    cash = any(p.payment is not None for p in result.scenario.programmes.values())
    for table in (money, cover):
        table.add_column("programme", no_wrap=True)
        table.add_column("year", no_wrap=True)
    for name in (
        "envelope",
        "available",
        "demand mean",
        "P50",
        "P95",
        "paid mean",
        "P50",
        "P95",
        "BaR P80",
        "BaR P95",
        *(("cash paid",) if cash else ()),
    ):
        money.add_column(name, justify="right", no_wrap=True)
    for name in (
        "P(exhausted)",
        "month (P50)",
        "claimants",
        "paid in full",
        "paid any",
        "fill ratio",
    ):
        cover.add_column(name, justify="right", no_wrap=True)

    def add(label: str, year: str, row: pd.Series, month: str, end: bool) -> None:
        money.add_row(
            label,
            year,
            _money(row["envelope"]),
            _money(row["available_mean"]),
            _money(row["demand_mean"]),
            _money(row["demand_p50"]),
            _money(row["demand_p95"]),
            _money(row["paid_mean"]),
            _money(row["paid_p50"]),
            _money(row["paid_p95"]),
            _money(row["budget_at_risk_p80"]),
            _money(row["budget_at_risk_p95"]),
            *((_money(row["cash_mean"]),) if cash else ()),
            end_section=end,
        )
        p_exh = row["p_exhausted"]
        se = row["p_exhausted_se"]
        cover.add_row(
            label,
            year,
            "—" if math.isnan(row["available_mean"]) else f"{p_exh:.1%} ±{1.96 * se:.1%}",
            month,
            _count(row["claimants_mean"]),
            _share(row["coverage_full"]),
            _share(row["coverage_any"]),
            _share(row["fill_ratio"]),
            end_section=end,
        )

    for pid in result.programmes:
        rows = per_year.xs(pid, level="programme")
        for i, (year, row) in enumerate(rows.iterrows()):
            label = str(row["label"]) if i == 0 else ""
            add(label, str(year), row, _month(row["exhaustion_month_p50"]), False)
        total: pd.Series = totals.loc[pid]  # type: ignore[assignment]  # one row
        add("", span, total, "—", True)
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


def _fund_table(result: SimulationResult) -> Table | None:
    """Shared funds (资金池): the fund's money against its members' demand together."""
    funds = result.fund_summary()
    if funds.empty:
        return None
    table = Table(
        title=f"Shared funds [{result.unit}] — members draw on one envelope", title_justify="left"
    )
    for name in (
        "fund",
        "year",
        "members",
        "envelope",
        "available",
        "demand mean",
        "P95",
        "paid mean",
        "lapsed mean",
        "P(exhausted)",
        "BaR P95",
    ):
        table.add_column(
            name,
            justify="left" if name in ("fund", "year", "members") else "right",
            no_wrap=name != "members",
        )
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
                _money(row["envelope"]),
                _money(row["available_mean"]),
                _money(row["demand_mean"]),
                _money(row["demand_p95"]),
                _money(row["paid_mean"]),
                _money(row["lapsed_mean"]),
                f"{row['p_exhausted']:.1%} ±{1.96 * row['p_exhausted_se']:.1%}",
                _money(row["budget_at_risk_p95"]),
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
    for name in ("programme", "paid mean", "recovered mean", "net cost mean"):
        table.add_column(name, justify="left" if name == "programme" else "right", no_wrap=True)
    for _, row in totals.iterrows():
        if row["recovered_mean"] > 0:
            table.add_row(
                str(row["label"]),
                _money(row["paid_mean"]),
                _money(row["recovered_mean"]),
                _money(row["paid_mean"] - row["recovered_mean"]),
            )
    return table


def _riskfund_table(result: SimulationResult) -> Table | None:
    """Credit risk reserve funds: will the fund survive?"""
    rows = result.riskfund_summary()
    if rows.empty:
        return None
    table = Table(
        title=f"Credit risk reserve funds [{result.unit}] — claims are paid while money lasts",
        title_justify="left",
    )
    for name in (
        "fund",
        "year",
        "loan volume",
        "leverage",
        "claims due",
        "claims paid",
        "unpaid",
        "balance P5",
        "P50",
        "P95",
        "P(depleted by year end)",
        "month (P50)",
    ):
        table.add_column(
            name, justify="left" if name in ("fund", "year") else "right", no_wrap=True
        )
    for rid in result.riskfunds:
        fund_rows = rows.xs(rid, level="riskfund")
        for i, (year, row) in enumerate(fund_rows.iterrows()):
            table.add_row(
                str(row["label"]) if i == 0 else "",
                str(year),
                _money(row["volume_mean"]),
                f"{row['leverage']:.1f}×",
                _money(row["claims_due_mean"]),
                _money(row["claims_paid_mean"]),
                _money(row["unpaid_mean"]),
                _money(row["balance_end_p5"]),
                _money(row["balance_end_p50"]),
                _money(row["balance_end_p95"]),
                f"{row['p_depleted']:.1%} ±{1.96 * row['p_depleted_se']:.1%}",
                _month(row["depletion_month_p50"]),
                end_section=i == len(fund_rows) - 1,
            )
    return table


def _target_table(result: SimulationResult) -> Table | None:
    """Policy targets: the stock per year and the chance of reaching the goal."""
    rows = result.target_summary()
    if rows.empty:
        return None
    table = Table(title="Policy targets — stock at the end of each year", title_justify="left")
    for name in (
        "target",
        "year",
        "entries",
        "exits",
        "stock P5",
        "P50",
        "P95",
        "goal",
        "P(stock ≥ goal)",
    ):
        table.add_column(
            name, justify="left" if name in ("target", "year") else "right", no_wrap=True
        )
    for tid, spec in result.scenario.targets.items():
        target_rows = rows.xs(tid, level="target")
        for i, (year, row) in enumerate(target_rows.iterrows()):
            at_goal = int(year) == spec.goal_year
            table.add_row(
                str(row["label"]) if i == 0 else "",
                str(year),
                _count(row["entries_mean"]),
                _count(row["exits_mean"]),
                f"{row['stock_p5']:,.0f}",
                f"{row['stock_p50']:,.0f}",
                f"{row['stock_p95']:,.0f}",
                f"≥ {spec.goal:,}" if at_goal else "",
                f"{row['p_at_goal']:.1%} ±{1.96 * row['p_at_goal_se']:.1%}" if at_goal else "",
                end_section=i == len(target_rows) - 1,
            )
    return table


def _policy_table(result: SimulationResult) -> Table:
    """All programmes together: the budget to set aside per year (quantiles of the sum)."""
    table = Table(
        title=f"All programmes together [{result.unit}] — quantiles of the yearly sum",
        title_justify="left",
    )
    for name in (
        "year",
        "envelopes",
        "demand mean",
        "P50",
        "P80",
        "P95",
        "paid mean",
        "P80",
        "P95",
        "cash paid",
    ):
        table.add_column(name, justify="left" if name == "year" else "right", no_wrap=True)
    years = result.years
    span = f"{years[0]}–{str(years[-1])[-2:]}" if len(years) > 1 else str(years[0])
    for year, row in result.policy_summary().iterrows():
        table.add_row(
            span if year == "total" else str(year),
            _money(row["envelope"]) if row["envelope"] > 0 else "—",
            *(
                _money(row[c])
                for c in (
                    "demand_mean",
                    "demand_p50",
                    "demand_p80",
                    "demand_p95",
                    "paid_mean",
                    "paid_p80",
                    "paid_p95",
                    "cash_mean",
                )
            ),
            end_section=year == str(years[-1]),
        )
    return table


def print_result(result: SimulationResult, console: Console) -> None:
    """Print the header, the two summary tables and the legend of a run."""
    header = result.scenario.scenario
    console.print(f"[bold]{header.title}[/]")
    console.print(
        f"{header.source} · {result.draws:,} draws · seed {result.seed} · "
        f"scenario hash {result.scenario_hash} · budgetsim {__version__} · "
        f"{result.elapsed:.1f} s"
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


def _diff(row: pd.Series, label: str, percent: bool = False) -> str:
    mean, low, high = (float(row[f"{label}_diff{end}"]) for end in ("", "_low", "_high"))
    if percent:
        return f"{mean:+.1%} [{low:+.1%}, {high:+.1%}]"
    return f"{mean:+,.0f} [{low:+,.0f}, {high:+,.0f}]"


def print_comparison(comparison: Comparison, console: Console) -> None:
    """Print the differences (variant − base) per programme and year, with 95 % intervals."""
    base, variant = comparison.base, comparison.variant
    console.print(
        f"[bold]variant − base[/] · {base.draws:,} draws · seed {base.seed} · "
        f"common random numbers · base {base.scenario_hash}, "
        f"variant {variant.scenario_hash}"
    )
    table = Table(title=f"Differences [{base.unit}], mean and 95 % interval", title_justify="left")
    for name in ("programme", "year", "demand", "paid", "P(exhausted)", "paid in full (firms)"):
        table.add_column(
            name, justify="left" if name in ("programme", "year") else "right", no_wrap=True
        )
    per_year, totals = comparison.summary(), comparison.totals()
    years = base.years
    for pid in comparison.programmes:
        label = str(base.dataset["label"].sel(programme=pid).values)
        rows = [(str(y), row) for y, row in per_year.xs(pid, level="programme").iterrows()]
        total: pd.Series = totals.loc[pid]  # type: ignore[assignment]  # one row
        rows.append((f"{years[0]}–{str(years[-1])[-2:]}", total))
        for i, (year, row) in enumerate(rows):
            table.add_row(
                label if i == 0 else "",
                year,
                _diff(row, "demand_mean"),
                _diff(row, "paid_mean"),
                _diff(row, "p_exhausted", percent=True),
                _diff(row, "paid_full_mean"),
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
            share = row["metric"].startswith("p_")
            show = _share if share else _money
            low, high = row["diff_low"], row["diff_high"]
            interval = (
                f"{row['diff']:+.1%} [{low:+.1%}, {high:+.1%}]"
                if share
                else f"{row['diff']:+,.0f} [{low:+,.0f}, {high:+,.0f}]"
            )
            extra.add_row(
                str(row["name"]),
                str(row["year"]),
                str(row["metric"]),
                show(row["base"]),
                show(row["variant"]),
                interval,
            )
        console.print(extra)
    for name, ids in (("base", comparison.only_in_base), ("variant", comparison.only_in_variant)):
        if ids:
            console.print(f"only in the {name} (not compared): {', '.join(ids)}", style="dim")
