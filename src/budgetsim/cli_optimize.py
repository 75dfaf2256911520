"""``budgetsim optimize allocate | size | award``: the optimiser's command line.

Parses arguments, calls :mod:`budgetsim.optimize` (the same functions a notebook calls), prints
the answer as tables in the planner's terms and writes it to a file when asked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd
from rich.table import Table
from rich.text import Text

from budgetsim._cli_common import SEED, check_out_file, console, fail, money, share
from budgetsim._cli_common import workers as _workers
from budgetsim._model import SANE, RateError, parse_rate
from budgetsim.errors import BudgetsimError
from budgetsim.money import UNITS, AmountError, check_unit, parse_amount, parse_range
from budgetsim.optimize import (
    SOLVERS,
    AllocationResult,
    AwardResult,
    AwardRules,
    Estimate,
    Quota,
    SizingResult,
    allocate,
    award,
    read_applicants,
    size_budgets,
)
from budgetsim.outputs import atomic
from budgetsim.scenario import DEFAULT_SCENARIO, load_scenario

__all__ = ["optimize"]

F = TypeVar("F", bound=Callable[..., Any])

SOLVER = click.option(
    "--solver",
    type=click.Choice(SOLVERS),
    default="cbc",
    show_default=True,
    help="cbc (bundled), highs (needs highspy) or scipy (SciPy's HiGHS on the arrays).",
)
WORKERS_OPT = click.option(
    "--workers",
    "-j",
    default="auto",
    show_default=True,
    metavar="N|auto",
    help="Worker processes for the simulations; results are identical for any number.",
)


def _draws(default: int, what: str) -> Callable[[F], F]:
    return click.option(
        "--draws",
        "-n",
        default=default,
        show_default=True,
        type=click.IntRange(min=10),
        help=f"In-sample draws the {what} is chosen on.",
    )


def _validation(default: int) -> Callable[[F], F]:
    return click.option(
        "--validation-draws",
        default=default,
        show_default=True,
        type=click.IntRange(min=10),
        help="Fresh draws the answer is judged on (independent of the in-sample ones).",
    )


def _amount(option: str, value: str | None, unit: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_amount(value, unit, numerals=True)
    except AmountError as exc:
        raise BudgetsimError(f"{option}: {exc}") from None


def _unit(value: str) -> str:
    try:
        return check_unit(value)
    except AmountError as exc:
        raise BudgetsimError(f"--unit {value}: {exc}") from None


def _write(frame: pd.DataFrame, out: str) -> str:
    path = Path(out)
    try:
        with atomic(path, "wb") as handle:
            if path.suffix.lower() == ".xlsx":
                frame.to_excel(handle, index=False, engine="openpyxl")
            else:  # with a byte-order mark, so Excel reads the Chinese labels right
                handle.write(frame.to_csv(index=False).encode("utf-8-sig"))
    except OSError as exc:
        raise BudgetsimError(f"--out {out}: cannot write: {exc}") from None
    return str(path)


def _estimate(e: Estimate, fmt: str = ",.0f") -> str:
    return f"{e.mean:{fmt}} [{e.low:{fmt}}, {e.high:{fmt}}]"


@click.group(short_help="Choose a plan: split the money, size the budget, award the firms.")
def optimize() -> None:
    """Optimisation models over simulated demand and applicant lists (PuLP/CBC)."""


# -- allocate ---------------------------------------------------------------------------------
def _bounds(values: Sequence[str], unit: str) -> dict[str, tuple[float, float]]:
    out = {}
    for text in values:
        fund, _, rng = text.partition("=")
        try:
            out[fund.strip()] = parse_range(rng, unit)
        except AmountError as exc:
            raise BudgetsimError(
                f"--bound {text}: expected FUND=LOW-HIGH such as coinnovation=800-1500万元 ({exc})"
            ) from None
    return out


def _finite(param: click.Parameter, value: float | None) -> float | None:
    """``value`` unless it is NaN (which passes any range check)."""
    if value is not None and math.isnan(value):
        raise click.BadParameter("expected a number, found nan", param=param)
    return value


def _fraction(option: str, text: str) -> float:
    try:
        return parse_rate(text.strip(), 0.0, 1.0 if option == "--quota" else SANE["number"][1])
    except RateError as exc:
        raise BudgetsimError(f"{option}: {exc}") from None


def _priority(values: Sequence[str]) -> dict[str, float]:
    out = {}
    for text in values:
        name, _, weight = text.partition("=")
        try:
            out[name.strip()] = float(weight)
        except ValueError:
            raise BudgetsimError(
                f"--priority {text}: expected PROGRAMME=WEIGHT such as rd_reward=2"
            ) from None
    return out


def print_allocation(res: AllocationResult, scenario_id: str) -> None:
    """Print the recommended split against the document's, and the out-of-sample check."""
    unit = res.unit
    table = Table(
        title=f"Recommended split of {res.total:,.0f} {unit} ({scenario_id}, objective "
        f"{res.objective!r}, {res.draws:,} draws)",
        title_justify="left",
    )
    for name in ("fund", "year", "document", "recommended", "change", "value of +1", "demand"):
        table.add_column(name, justify="left" if name in ("fund", "year") else "right")
    for row in res.table.to_dict("records"):
        table.add_row(
            str(row["fund"]),
            str(row["year"]),
            money(row["document"]),
            money(row["recommended"]),
            f"{row['recommended'] - row['document']:+,.0f}",
            f"{row['marginal_value']:.3g}",
            money(row["mean_demand"]),
        )
    out = console()
    out.print(table)
    what = "money paid" if res.objective == "paid" else "sum of fill ratios"
    fmt = ",.0f" if res.objective == "paid" else ".3f"
    out.print(
        f"value of +1: expected {what} gained per extra {unit} in that fund-year (in sample); "
        f"per extra {unit} of the total: {res.total_marginal_value:.3g}. With carry-over, "
        "money put in early is never worth less: --year-change keeps years near the document.",
        soft_wrap=True,
    )
    out.print(
        f"Out of sample ({res.validation_draws:,} fresh draws, the engine's own rationing): "
        f"{what} {_estimate(res.document, fmt)} with the document's split, "
        f"{_estimate(res.recommended, fmt)} recommended; gain {_estimate(res.gain, fmt)}. "
        f"Claimants of capped programmes paid in full: {share(res.coverage_document.mean)} → "
        f"{share(res.coverage_recommended.mean)} (gain {res.coverage_gain.mean:+.2%} "
        f"[{res.coverage_gain.low:+.2%}, {res.coverage_gain.high:+.2%}]).",
        soft_wrap=True,
    )
    out.print(
        f"LP: {res.status.value}, {res.solver}, build {res.build_seconds:.2f} s, solve "
        f"{res.solve_seconds:.2f} s. Bounds: " + "; ".join(dict.fromkeys(res.table["bounds"])),
        soft_wrap=True,
    )


@optimize.command(name="allocate", short_help="Split a total across funds and years.")
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@click.option(
    "--total", default=None, help="Money to split, e.g. 6.65亿元 (default: the document's)."
)
@click.option(
    "--objective",
    type=click.Choice(["paid", "fill"]),
    default="paid",
    show_default=True,
    help="paid: expected money reaching eligible applicants; fill: expected fill ratio.",
)
@click.option(
    "--priority", multiple=True, metavar="ID=WEIGHT", help="Weight of a programme or fund."
)
@click.option(
    "--free", multiple=True, metavar="FUND", help="Let a fund's total move in [0, total]."
)
@click.option("--bound", multiple=True, metavar="FUND=LOW-HIGH", help="Bounds of a fund's total.")
@click.option(
    "--year-change",
    default=None,
    metavar="SHARE",
    help="Keep each year within this share of the document's amount, e.g. 50% (±50 %).",
)
@_draws(1_000, "split")
@_validation(4_000)
@SEED
@SOLVER
@WORKERS_OPT
@click.option("--out", "-o", default=None, help="Write the split to a .csv or .xlsx file.")
def allocate_cmd(
    scenario: str,
    total: str | None,
    objective: str,
    priority: Sequence[str],
    free: Sequence[str],
    bound: Sequence[str],
    year_change: str | None,
    draws: int,
    validation_draws: int,
    seed: int,
    solver: str,
    workers: str,
    out: str | None,
) -> None:
    """Recommend the envelope of each fund and year of SCENARIO and compare it with the
    document's split on fresh draws. Fixed per-year lines stay fixed; multi-year totals may
    move between years; ranges bound the total."""
    try:
        check_out_file(out, "the table")
        sc = load_scenario(scenario)
        res = allocate(
            sc,
            _amount("--total", total, sc.unit),
            objective=objective,  # type: ignore[arg-type]
            priority=_priority(priority),
            free=free,
            bounds=_bounds(bound, sc.unit),
            year_change=None if year_change is None else _fraction("--year-change", year_change),
            draws=draws,
            validation_draws=validation_draws,
            seed=seed,
            solver=solver,  # type: ignore[arg-type]
            workers=_workers(workers, validation_draws),
        )
        print_allocation(res, sc.id)
        if out:
            console().print("wrote " + _write(res.table, out))
    except BudgetsimError as exc:
        fail(exc)


# -- size -------------------------------------------------------------------------------------
def print_sizing(results: Sequence[SizingResult], scenario_id: str) -> None:
    """Print the budgets per level with their certificates."""
    out = console()
    for res in results:
        unit = res.unit
        table = Table(
            title=f"Budget that pays every claim{'' if res.fill == 1 else f' at {res.fill:.0%}'} "
            f"in {res.level:.0%} of cases ({scenario_id}, {unit})",
            title_justify="left",
        )
        for name in ("pool", "year", "budget", f"P{res.level * 100:g} alone", "mean demand"):
            table.add_column(name, justify="left" if name in ("pool", "year") else "right")
        for row in res.budgets.to_dict("records"):
            table.add_row(
                str(row["pool"]),
                str(row["year"]),
                money(row["budget"]),
                money(row["marginal"]),
                money(row["mean_demand"]),
            )
        table.add_row("total", "", money(res.total), "", "")
        out.print(table)
        c = res.certificate
        verdict = "certified" if c.passed else "NOT certified"
        out.print(
            f"Certificate: held in {c.held:,} of {c.draws:,} fresh draws = {c.probability:.1%} "
            f"[{c.low:.1%}, {c.high:.1%}] (exact 95 %) → {verdict} at {res.level:.0%}.",
            soft_wrap=True,
        )
        if res.tightened:
            steps = ", ".join(
                f"{r.in_sample_level:.3f} on {r.draws:,} → {r.check.probability:.1%} "
                f"(low {r.check.low:.1%})"
                for r in res.rounds
            )
            out.print(
                f"Tightened: in-sample level on draws → share of tuning draws held: {steps}.",
                soft_wrap=True,
            )
        if not c.passed:
            out.print(
                f"[bold]Not certified:[/] {len(res.budgets)} requirements jointly need more "
                f"in-sample draws than {res.draws:,}; raise --draws (or size fewer pools).",
                soft_wrap=True,
                markup=True,  # numbers only
            )
        how = res.solve
        out.print(
            f"{how.method} on {res.draws:,} in-sample draws"
            + (
                f", {how.binaries:,} of {res.draws:,} draw indicators left by the quantile "
                f"bounds, {how.status.value}, {how.solver}, build {how.build_seconds:.2f} s, "
                f"solve {how.solve_seconds:.2f} s"
                if how.method == "milp"
                else ""
            )
            + _carried(res),
            soft_wrap=True,
        )
        if how.note:
            out.print(Text.assemble(("Solver:", "bold"), f" {how.note}."), soft_wrap=True)


def _carried(res: SizingResult) -> str:
    """Which pools' unspent money paid later years, as the end of a sentence."""
    pools = list(dict.fromkeys(res.budgets["pool"]))
    carried = [p for p, c in zip(pools, res.carry_over, strict=True) if c]
    if not carried:
        return "."
    if len(carried) == len(pools):
        return ". Money carries over between years."
    return (
        f". Money carries over between years in {', '.join(carried)}; "
        "in the other pools it lapses at the end of each year."
    )


@optimize.command(name="size", short_help="Size budgets that hold in (1 − α) of draws.")
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@click.option(
    "--level",
    "levels",
    multiple=True,
    type=click.FloatRange(0, 1, min_open=True),
    default=(0.8, 0.95),
    show_default=True,
    callback=lambda _ctx, param, values: tuple(_finite(param, v) for v in values),
    help="Probability that every claim is paid (repeatable).",
)
@click.option("--programme", "programmes", multiple=True, help="Programmes to cover (default all).")
@click.option(
    "--pool",
    type=click.Choice(["policy", "programme", "fund"]),
    default="policy",
    show_default=True,
    help="One budget a year for all, one per programme, or one per fund.",
)
@click.option(
    "--carry-over/--no-carry-over",
    default=None,
    help="Whether money unspent in one year pays claims of later years, in every pool. "
    "Default: as the scenario says, pool by pool: a pool carries over when its programmes "
    "draw on one fund with carry_over = true, and not when it spans several funds or holds "
    "an uncapped programme (so --pool policy carries over only when asked).",
)
@click.option(
    "--fill",
    type=click.FloatRange(0, 1, min_open=True),
    default=1.0,
    show_default=True,
    callback=lambda _ctx, param, value: _finite(param, value),
    help="Share of each year's claims to pay.",
)
@_draws(1_000, "budget")
@_validation(10_000)
@SEED
@SOLVER
@WORKERS_OPT
@click.option("--out", "-o", default=None, help="Write the budgets to a .csv or .xlsx file.")
@click.option(
    "--uncertain",
    is_flag=True,
    help="Draw the ranged assumptions over their plausible ranges in every simulation, so "
    "that the budgets also cover the assumptions being wrong.",
)
def size_cmd(
    scenario: str,
    levels: Sequence[float],
    programmes: Sequence[str],
    pool: str,
    carry_over: bool | None,
    fill: float,
    draws: int,
    validation_draws: int,
    seed: int,
    solver: str,
    workers: str,
    out: str | None,
    uncertain: bool,
) -> None:
    """Size the budget of SCENARIO per year so that every eligible claim is paid in at least
    LEVEL of cases jointly over the years, and certify it on fresh draws."""
    try:
        check_out_file(out, "the table")
        sc = load_scenario(scenario)
        n = _workers(workers, validation_draws)
        results = size_budgets(
            sc,
            levels,
            programmes=programmes or None,
            pooling=pool,  # type: ignore[arg-type]
            carry_over=carry_over,
            fill=fill,
            draws=draws,
            validation_draws=validation_draws,
            seed=seed,
            solver=solver,  # type: ignore[arg-type]
            workers=n,
            uncertain=uncertain,
        )
        print_sizing(
            results, sc.id + (" (assumptions drawn over their ranges)" if uncertain else "")
        )
        if out:
            frame = pd.concat(
                [
                    r.budgets.assign(
                        level=r.level,
                        certified_probability=r.certificate.probability,
                        certificate_low=r.certificate.low,
                        certificate_high=r.certificate.high,
                    )
                    for r in results
                ]
            )
            console().print("wrote " + _write(frame, out))
    except BudgetsimError as exc:
        fail(exc)


# -- award ------------------------------------------------------------------------------------
_QUOTA = re.compile(r"^(?P<col>[^=]+)=(?P<group>[^:]+):(?P<low>[^-]*)-(?P<high>[^-]*)$")


def _share_value(text: str, default: float) -> float:
    """A share of the money (``30%`` or ``0.3``), or ``default`` when left empty."""
    return _fraction("--quota", text) if text.strip() else default


def _quotas(values: Sequence[str]) -> tuple[Quota, ...]:
    out = []
    for text in values:
        m = _QUOTA.match(text.strip())
        if m is None:
            raise BudgetsimError(
                f"--quota {text}: expected COLUMN=GROUP:MIN-MAX with shares of the money, "
                "e.g. district=蓬江区:10%-30% (either end may be empty)"
            )
        low, high = _share_value(m["low"], 0.0), _share_value(m["high"], 1.0)
        out.append(Quota(m["col"].strip(), m["group"].strip(), low, high))
    return tuple(out)


def print_awards(res: AwardResult, file: str, shown: int) -> None:
    """Print who gets what, the binding constraints and why applicants got nothing."""
    t = res.table
    unit = res.rules.objective
    out = console()
    table = Table(
        title=f"Awards from {file} (objective {unit!r})",
        title_justify="left",
    )
    for name in ("id", "amount", "entitled", "award", "share", "reason"):
        table.add_column(name, justify="left" if name in ("id", "reason") else "right")
    for row in t.head(shown).to_dict("records"):
        table.add_row(
            str(row["id"]),
            f"{row['amount']:,.2f}",
            f"{row['entitled']:,.2f}",
            f"{row['award']:,.2f}",
            share(row["share"]),
            str(row["reason"]),
        )
    out.print(table)
    if len(t) > shown:
        out.print(f"… {len(t) - shown:,} more rows (write them all with --out awards.xlsx)")
    full = int((t["share"] >= 1 - 1e-9).sum())
    gap = "" if res.bound != res.bound else f", bound {res.bound:,.6g} (gap {res.gap:.2e})"
    out.print(
        f"Funded {res.funded:,} of {len(t):,} applicants ({full:,} in full); awarded "
        f"{res.total:,.2f} of {res.rules.envelope:,.2f}. Objective {res.objective:,.6g}{gap}; "
        f"{res.status.value}, {res.solver} ({res.method}), build {res.build_seconds:.2f} s, "
        f"solve {res.solve_seconds:.2f} s.",
        soft_wrap=True,
    )
    if res.note:
        out.print(Text.assemble(("Solver:", "bold"), f" {res.note}."), soft_wrap=True)
    out.print("Binding: " + ("; ".join(res.binding) or "none"), soft_wrap=True)
    reasons = t.loc[t["reason"] != "", "reason"].str.replace(r"[\d.,]+(e-?\d+)?", "…", regex=True)
    if not reasons.empty:
        out.print("Why not (in full):", soft_wrap=True)
        for why, count in reasons.value_counts().items():
            out.print(f"  {count:,} × {why}", soft_wrap=True)


@optimize.command(name="award", short_help="Choose awards from an applicant list.")
@click.argument("applicants", type=click.Path(dir_okay=False))
@click.option("--envelope", required=True, help="Money to award, e.g. 1000万元.")
@click.option("--cap", default=None, help="Most one applicant may receive, e.g. 50万元.")
@click.option("--min-award", default=None, help="Least award given at all.")
@click.option(
    "--all-or-nothing", is_flag=True, help="Each applicant gets its full amount or nothing."
)
@click.option(
    "--quota", multiple=True, metavar="COL=GROUP:MIN-MAX", help="A group's share of the money."
)
@click.option(
    "--objective",
    type=click.Choice(["count", "score", "money_score", "money"]),
    default="count",
    show_default=True,
    help="count: firms funded; score: their scores; money_score: money × score; money: money.",
)
@click.option("--method", type=click.Choice(["exact", "round"]), default="exact", show_default=True)
@click.option("--id-column", default="id", show_default=True)
@click.option("--amount-column", default="amount", show_default=True)
@click.option("--score-column", default="score", show_default=True)
@click.option(
    "--unit",
    default="万元",
    show_default=True,
    help="Unit of plain numbers in the amount column and the options, and of the answer "
    f"({', '.join(UNITS)}); '50万元' or '五十万' are converted.",
)
@SOLVER
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, max=86_400),
    default=None,
    callback=lambda _ctx, param, value: _finite(param, value),
    help="Solver time limit [s], 0 to one day.",
)
@click.option(
    "--show", type=click.IntRange(min=0), default=20, show_default=True, help="Rows to print."
)
@click.option("--out", "-o", default=None, help="Write every award to a .csv or .xlsx file.")
def award_cmd(
    applicants: str,
    envelope: str,
    cap: str | None,
    min_award: str | None,
    all_or_nothing: bool,
    quota: Sequence[str],
    objective: str,
    method: str,
    id_column: str,
    amount_column: str,
    score_column: str,
    unit: str,
    solver: str,
    time_limit: float | None,
    show: int,
    out: str | None,
) -> None:
    """Choose who gets what from APPLICANTS (CSV or Excel: id, amount, optional score, and
    group columns) under the envelope, caps, minimum or all-or-nothing awards and quotas."""
    try:
        unit = _unit(unit)
        check_out_file(out, "the table")
        apps = read_applicants(
            applicants,
            id_column=id_column,
            amount_column=amount_column,
            score_column=score_column,
            unit=unit,
        )
        for note in apps.notes:
            console().print(note, style="dim", soft_wrap=True, markup=False, highlight=False)
        rules = AwardRules(
            envelope=_amount("--envelope", envelope, unit) or 0.0,
            cap=_amount("--cap", cap, unit),
            min_award=_amount("--min-award", min_award, unit),
            all_or_nothing=all_or_nothing,
            quotas=_quotas(quota),
            objective=objective,  # type: ignore[arg-type]
        )
        res = award(apps, rules, solver=solver, method=method, time_limit=time_limit)  # type: ignore[arg-type]
        print_awards(res, applicants, show)
        if out:
            console().print("wrote " + _write(res.table, out))
    except BudgetsimError as exc:
        fail(exc)
