"""The ``budgetsim`` command line: ``run``, ``compare``, ``optimize``, ``validate``, ``list``.

A thin shell over the public Python API: it parses arguments, calls the same functions a
notebook calls, prints tables and writes files. Every user error is one message and exit
status 1, never a traceback.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from budgetsim import __version__
from budgetsim._cli_common import DRAWS, PROGRESS_MIN_DRAWS, SEED, WORKERS
from budgetsim._cli_common import console as _console
from budgetsim._cli_common import fail as _fail
from budgetsim._cli_common import money as _money
from budgetsim._cli_common import share as _share
from budgetsim._cli_common import workers as _workers
from budgetsim.cli_optimize import optimize
from budgetsim.comparison import Comparison
from budgetsim.comparison import compare as compare_scenarios
from budgetsim.engine import simulate
from budgetsim.errors import BudgetsimError
from budgetsim.outputs import write_outputs
from budgetsim.results import SimulationResult
from budgetsim.scenario import DEFAULT_SCENARIO, bundled_scenarios, load_scenario

__all__ = ["main"]


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


def _progress_bar(draws: int, show: bool | None) -> tuple[Any, Callable[[int, int], None] | None]:
    if show is None:
        show = sys.stderr.isatty() and draws >= PROGRESS_MIN_DRAWS
    if not show:
        return None, None
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=_console(stderr=True),
        transient=True,
    )
    task = bar.add_task("simulating draws", total=draws)
    return bar, lambda done, total: bar.update(task, completed=done)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budgetsim")
def cli() -> None:
    """Plan multi-year subsidy budgets: Monte Carlo simulation of applicant populations."""


@cli.command(short_help="Simulate a scenario and print the budget tables.")
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@DRAWS
@SEED
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for summary.json, summary.csv and the per-draw file.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value, e.g. programmes.rd_reward.instrument.cap=30 (repeatable).",
)
@WORKERS
@click.option(
    "--chunk-draws",
    type=click.IntRange(min=1),
    default=None,
    help="Draws processed together (memory bound); automatic by default.",
)
@click.option(
    "--draws-format",
    type=click.Choice(["auto", "parquet", "csv"]),
    default="auto",
    show_default=True,
    help="Per-draw file format (auto: parquet if pyarrow is installed).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: on a terminal, for long runs).",
)
def run(
    scenario: str,
    draws: int,
    seed: int,
    out: str | None,
    overrides: Sequence[str],
    workers: str,
    chunk_draws: int | None,
    draws_format: str,
    progress: bool | None,
) -> None:
    """Simulate SCENARIO (a .toml file or a bundled id; default jiangmen-2021) and print
    per programme and year: money, exhaustion, coverage and budget at risk."""
    try:
        n_workers = _workers(workers, draws)
        sc = load_scenario(scenario, overrides)
        bar, callback = _progress_bar(draws, progress)
        with bar if bar is not None else contextlib.nullcontext():
            result = simulate(
                sc,
                draws=draws,
                seed=seed,
                chunk_draws=chunk_draws,
                workers=n_workers,
                progress=callback,
            )
        console = _console()
        print_result(result, console)
        if out is not None:
            try:
                files = write_outputs(result, out, draws_format)  # type: ignore[arg-type]
            except OSError as exc:
                raise BudgetsimError(f"--out {out}: cannot write the results: {exc}") from None
            console.print("wrote " + ", ".join(str(f) for f in files))
    except BudgetsimError as exc:
        _fail(exc)


@cli.command(short_help="Check scenario files and report every problem.")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Check the scenario with these overrides applied.",
)
def validate(files: Sequence[str], overrides: Sequence[str]) -> None:
    """Check scenario FILES and report every problem (exit status 1 if any)."""
    console, errors = _console(), _console(stderr=True)
    failed = False
    for file in files:
        try:
            sc = load_scenario(file, overrides)
        except BudgetsimError as exc:
            errors.print(f"[bold red]✗[/] {exc}", soft_wrap=True)
            failed = True
            continue
        years = sc.years
        console.print(
            f"[green]✓[/] {file}: scenario {sc.id!r} is valid — {len(sc.populations)} "
            f"populations, {len(sc.programmes)} programmes, years {years[0]}–{years[-1]}"
        )
    if failed:
        raise SystemExit(1)


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


@cli.command(short_help="Compare a variant with a baseline on common random numbers.")
@click.argument("base")
@click.argument("variant", required=False)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change the variant (VARIANT, or BASE when no VARIANT is given).",
)
@DRAWS
@SEED
@WORKERS
def compare(
    base: str, variant: str | None, overrides: Sequence[str], draws: int, seed: int, workers: str
) -> None:
    """Compare VARIANT (or BASE changed by --set) with BASE: the difference in demand, paid,
    P(exhausted) and claimants paid in full per programme and year, with 95 % intervals from
    paired draws. A variant that changes nothing shows exactly zero."""
    try:
        if variant is None and not overrides:
            raise BudgetsimError("give a VARIANT scenario or at least one --set PATH=VALUE")
        n_workers = _workers(workers, draws)
        base_sc = load_scenario(base)
        variant_sc = load_scenario(variant or base, overrides)
        result = compare_scenarios(base_sc, variant_sc, draws=draws, seed=seed, workers=n_workers)
        print_comparison(result, _console())
    except BudgetsimError as exc:
        _fail(exc)


@cli.command(name="list")
def list_() -> None:
    """Show the scenarios bundled with budgetsim."""
    table = Table(
        title="Bundled scenarios (use the id with `budgetsim run ID`)", title_justify="left"
    )
    for name in ("id", "title", "source", "years", "programmes"):
        table.add_column(name, overflow="fold")
    for item in bundled_scenarios():
        years = f"{item.years[0]}–{item.years[-1]}"
        table.add_row(item.id, item.title, item.source, years, str(item.programmes))
    _console().print(table)


cli.add_command(optimize)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``budgetsim`` command."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="budgetsim")
    except KeyboardInterrupt:
        _console(stderr=True).print("interrupted")
        raise SystemExit(130) from None


if __name__ == "__main__":  # pragma: no cover
    main()
