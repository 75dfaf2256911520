"""The ``budgetsim`` command line: ``run``, ``compare``, ``optimize``, ``params``, ``report``,
``validate``, ``list``.

A thin shell over the public Python API: it parses arguments, calls the same functions a
notebook calls, prints tables and writes files. Every user error is one message and exit
status 1, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from budgetsim import __version__
from budgetsim._cli_common import (
    DRAWS,
    LANG,
    PROGRESS_MIN_DRAWS,
    SEED,
    WORKERS,
    check_out_folder,
    progress_bar,
)
from budgetsim._cli_common import console as _console
from budgetsim._cli_common import fail as _fail
from budgetsim._cli_common import workers as _workers
from budgetsim._pool import stop_all as stop_workers
from budgetsim.cli_fit import fit
from budgetsim.cli_nowcast import nowcast_command
from budgetsim.cli_optimize import optimize
from budgetsim.cli_params import params
from budgetsim.cli_sensitivity import sensitivity
from budgetsim.cli_tables import print_comparison, print_result
from budgetsim.cli_uncertain import print_uncertain, split_or_none, write_uncertain
from budgetsim.comparison import compare as compare_scenarios
from budgetsim.engine import simulate
from budgetsim.errors import BudgetsimError, ScenarioError
from budgetsim.metrics import Lang
from budgetsim.outputs import OUTPUT_NAMES, file_set, write_comparison, write_outputs
from budgetsim.parameters import unranged
from budgetsim.plausibility import doubts
from budgetsim.report import write_report
from budgetsim.results import SimulationResult
from budgetsim.scenario import DEFAULT_SCENARIO, Scenario, bundled_scenarios, load_scenario
from budgetsim.sensitivity.design import range_problems
from budgetsim.sensitivity.methods import tornado
from budgetsim.sensitivity.uncertain import (
    DEFAULT_BLOCK,
    comparison,
    simulate_uncertain,
)
from budgetsim.words import word

__all__ = ["main"]

#: Files of earlier sets that a run's or a report's set replaces, though written before sets
#: had a manifest that lists them.
UNCERTAIN_NAMES = ("uncertain_comparison.csv", "uncertain_split.csv", "uncertain_assumptions.csv")
REPORT_NAMES = ("report.html", "report.xlsx")


def _progress_bar(
    draws: int, show: bool | None, what: str = word("progress_draws")
) -> tuple[Any, Callable[[int, int], None] | None]:
    if show is None:
        show = sys.stderr.isatty() and draws >= PROGRESS_MIN_DRAWS
    if not show:
        return None, None
    return progress_bar(what, draws)


class _Stopped(BaseException):
    """The command stopped early: interrupted (Ctrl-C) or its output closed (a pipe to
    ``head``). Raised past click, which would print "Aborted!" and exit with status 1."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Commands(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Stopped(130) from None
        except BrokenPipeError:
            raise _Stopped(141) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option(
    "--uncertain",
    is_flag=True,
    help="Draw every ranged assumption over its plausible range (once per block of draws), "
    "compare with the assumptions fixed, and split each headline's spread between the "
    "assumptions and luck. Runs the fixed-assumption run too.",
)
@click.option(
    "--uncertain-block",
    type=click.IntRange(min=2),
    default=DEFAULT_BLOCK,
    show_default=True,
    help="Draws that share one set of drawn assumptions.",
)
@LANG
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
    uncertain: bool,
    uncertain_block: int,
    lang: Lang,
) -> None:
    """Simulate SCENARIO (a .toml file or a bundled id; default jiangmen-2021) and print
    per programme and year: money, exhaustion, coverage and budget at risk."""
    try:
        n_workers = _workers(workers, draws)
        check_out_folder(out, "the results")
        sc = load_scenario(scenario, overrides)
        bar, callback = _progress_bar(draws, progress, word("progress_draws", lang))
        with bar if bar is not None else contextlib.nullcontext():
            result = simulate(
                sc,
                draws=draws,
                seed=seed,
                chunk_draws=chunk_draws,
                workers=n_workers,
                progress=callback,
            )
            plain = result
            if uncertain:
                result = simulate_uncertain(
                    sc,
                    draws,
                    seed,
                    block=uncertain_block,
                    workers=n_workers,
                    progress=callback,
                )
        _warn(sc, scenario, plain, lang)
        console = _console()
        print_result(result, console, lang)
        if uncertain:
            table, split = comparison(plain, result, lang=lang), split_or_none(result, lang)
            print_uncertain(table, split, result, console, lang)
        if out is not None:
            try:
                with file_set(out, replaces=OUTPUT_NAMES + UNCERTAIN_NAMES) as staged:
                    files = write_outputs(result, staged.folder, draws_format)  # type: ignore[arg-type]
                    if uncertain:
                        files += write_uncertain(result, table, split, str(staged.folder))
                files = [staged.final(f) for f in files]
            except OSError as exc:
                raise BudgetsimError(f"--out {out}: cannot write the results: {exc}") from None
            console.print(word("wrote", lang) + ", ".join(str(f) for f in files))
    except BudgetsimError as exc:
        _fail(exc)


def _warn(
    sc: Scenario, file: str, result: SimulationResult | None = None, lang: Lang = "en"
) -> None:
    """Print, on standard error, each number that is valid but probably not what was meant
    (:func:`budgetsim.plausibility.doubts`; ``result``'s demand, or a pilot run's), in
    ``lang``."""
    errors = _console(stderr=True)
    for doubt in doubts(sc, result):
        line = Text.assemble((word("warning", lang), "yellow"), f" {doubt.render(file, lang)}")
        errors.print(line, soft_wrap=True)


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
            errors.print(Text.assemble(("✗", "bold red"), f" {exc}"), soft_wrap=True)
            failed = True
            continue
        ends = range_problems(sc)  # every end of every plausible range is a valid value
        if ends:
            errors.print(
                Text.assemble(("✗", "bold red"), f" {ScenarioError(ends, file)}"), soft_wrap=True
            )
            failed = True
            continue
        years = sc.years
        console.print(
            Text.assemble(
                ("✓", "green"),
                f" {file}: scenario {sc.id!r} is valid — {len(sc.populations)} "
                f"populations, {len(sc.programmes)} programmes, years {years[0]}–{years[-1]}",
            )
        )
        _warn(sc, file)  # before the list of unranged estimates, which can be long
        missing = unranged(sc, "E")
        if missing:
            console.print(
                f"  ! {len(missing)} estimate(s) (grade E) state no plausible range; give "
                "plausible.FIELD = {factor = [a, b]} or {low = …, high = …} in its table, "
                '{vary = false, reason = "…"} for one not to vary alone (such as category '
                "shares p), or [scenario] plausible_default = {E = {factor = [a, b]}} for "
                "single numbers:",
                soft_wrap=True,
                markup=False,
            )
            for row in missing:
                console.print(f"    {row.path}", soft_wrap=True, markup=False)
    if failed:
        raise SystemExit(1)


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
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for comparison.json and comparison.csv (base, variant, difference, interval).",
)
@LANG
def compare(
    base: str,
    variant: str | None,
    overrides: Sequence[str],
    draws: int,
    seed: int,
    workers: str,
    out: str | None,
    lang: Lang,
) -> None:
    """Compare VARIANT (or BASE changed by --set) with BASE: base → variant and the
    difference in demand, paid, P(exhausted) and claimants paid in full per programme and
    year and for all programmes together, with 95 % intervals from paired draws. Rows the
    variant leaves exactly as they were are counted, not printed."""
    try:
        if variant is None and not overrides:
            raise BudgetsimError("give a VARIANT scenario or at least one --set PATH=VALUE")
        n_workers = _workers(workers, draws)
        check_out_folder(out, "the comparison")
        base_sc = load_scenario(base)
        variant_sc = load_scenario(variant or base, overrides)
        result = compare_scenarios(base_sc, variant_sc, draws=draws, seed=seed, workers=n_workers)
        console = _console()
        print_comparison(result, console, lang)
        if out is not None:
            try:
                files = write_comparison(result, out)
            except OSError as exc:
                raise BudgetsimError(f"--out {out}: cannot write the comparison: {exc}") from None
            console.print(word("wrote", lang) + ", ".join(str(f) for f in files))
    except BudgetsimError as exc:
        _fail(exc)


@cli.command(short_help="Write the report: HTML, Excel workbook, charts and JSON.")
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@DRAWS
@SEED
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    default="report",
    show_default=True,
    help="Folder for report.html, report.xlsx, charts/ and the JSON summary.",
)
@LANG
@click.option("--svg/--no-svg", default=True, show_default=True, help="Charts as SVG too.")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value (repeatable), as for run.",
)
@WORKERS
@click.option(
    "--sensitivity",
    is_flag=True,
    help="Add a sensitivity section (and a Sensitivity sheet): a tornado of every number with "
    "a plausible range, each at its low and high end, over the headline outputs, on the "
    "run's seed.",
)
@click.option(
    "--sensitivity-draws",
    type=click.IntRange(min=2),
    default=1_000,
    show_default=True,
    help="Draws a point of the tornado (two points per ranged number).",
)
def report(
    scenario: str,
    draws: int,
    seed: int,
    out: str,
    lang: Lang,
    svg: bool,
    overrides: Sequence[str],
    workers: str,
    sensitivity: bool,
    sensitivity_draws: int,
) -> None:
    """Simulate SCENARIO and write a report a planner can hand on: a self-contained HTML page
    (findings, tables, charts, every assumption), an Excel workbook, the charts as PNG/SVG and
    the stamped JSON summary. With --sensitivity, also which assumptions move the headline
    outputs most and which to pin down first."""
    try:
        check_out_folder(out, "the report")
        sc = load_scenario(scenario, overrides)
        n_workers = _workers(workers, draws)
        bar, callback = _progress_bar(draws, None, word("progress_draws", lang))
        with bar if bar is not None else contextlib.nullcontext():
            result = simulate(
                sc,
                draws=draws,
                seed=seed,
                workers=n_workers,
                progress=callback,
                monthly=True,  # for the fan chart
            )
        _warn(sc, scenario, result, lang)
        analysis = None
        if sensitivity:
            what = word("progress_points", lang)
            bar, callback = _progress_bar(1, sys.stderr.isatty(), what)
            with bar if bar is not None else contextlib.nullcontext():
                analysis = tornado(
                    sc, draws=sensitivity_draws, seed=seed, workers=n_workers, progress=callback
                )
        try:
            with file_set(out, replaces=(*OUTPUT_NAMES, *REPORT_NAMES)) as staged:
                files = write_report(
                    result, staged.folder, lang=lang, svg=svg, sensitivity=analysis
                )
            files = [staged.final(f) for f in files]
        except OSError as exc:
            raise BudgetsimError(f"--out {out}: cannot write the report: {exc}") from None
        charts = sum(f.parent.name == "charts" for f in files)
        done = word("wrote_report", lang).format(
            n=len(files), out=out, charts=charts, results=len(files) - charts - 2
        )
        if analysis is not None:
            done += word("wrote_sensitivity", lang).format(
                outputs=len(analysis.outputs),
                numbers=len(analysis.factors),
                draws=analysis.draws,
            )
        _console().print(
            done,
            soft_wrap=True,
        )
    except BudgetsimError as exc:
        _fail(exc)


@cli.command(name="list")
@LANG
def list_(lang: Lang) -> None:
    """Show the scenarios bundled with budgetsim."""
    table = Table(title=word("title_list", lang), title_justify="left")
    for key in ("scenario_id", "scenario_title", "document", "years", "programmes_count"):
        table.add_column(word(key, lang), overflow="fold")
    for item in bundled_scenarios():
        years = f"{item.years[0]}–{item.years[-1]}"
        title = item.title_en if lang == "en" and item.title_en else item.title
        table.add_row(item.id, title, item.source, years, str(item.programmes))
    _console().print(table)


cli.add_command(fit)
cli.add_command(nowcast_command)
cli.add_command(optimize)
cli.add_command(params)
cli.add_command(sensitivity)


def _quiet_stdout() -> None:
    """Point standard output at the null device, so that nothing more (not even the flush at
    exit) fails on a reader that has gone."""
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``budgetsim`` command.

    Ctrl-C stops the run: pending work is cancelled, the worker processes end, and the
    command prints ``interrupted`` and exits with status 130. Output piped to a reader that
    stops early (``budgetsim run | head``) ends the command quietly, with status 141 (as a
    command killed by SIGPIPE).
    """
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="budgetsim")
    except (KeyboardInterrupt, _Stopped) as stop:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        stop_workers()
        status = stop.status if isinstance(stop, _Stopped) else 130
        if status == 141:
            _quiet_stdout()
        else:
            with contextlib.suppress(OSError):
                sys.stderr.write("interrupted\n")
                sys.stderr.flush()
        raise SystemExit(status) from None
    except MemoryError:  # past the estimate of budgetsim.capacity (e.g. another process grew)
        stop_workers()
        sys.stderr.write(
            "error: out of memory; lower --draws or --workers, or close other programs\n"
        )
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
