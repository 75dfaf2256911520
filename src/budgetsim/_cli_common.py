"""Pieces every ``budgetsim`` command shares: consoles, errors, number formats, options."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from budgetsim.errors import BudgetsimError
from budgetsim.outputs import check_writable

#: Runs with at least this many draws show a progress bar on a terminal.
PROGRESS_MIN_DRAWS = 2_000


class _Console(Console):
    """A rich console whose reader going away (``budgetsim run | head``) is a
    :class:`BrokenPipeError` the command line handles (quietly, status 141), not rich's own
    exit with status 1."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


#: Width of output written to a file or a pipe when ``COLUMNS`` does not say one.
FILE_WIDTH = 180


def console(stderr: bool = False) -> Console:
    """A console on standard output (or error) as wide as the terminal, or as ``COLUMNS``
    says, or :data:`FILE_WIDTH` for a file or pipe."""
    stream = sys.stderr if stderr else sys.stdout
    columns = os.environ.get("COLUMNS", "")
    width = None if stream.isatty() else int(columns) if columns.isdigit() else FILE_WIDTH
    # markup off: labels, values and messages are the user's text ("[/]" in a label is text)
    return _Console(file=stream, width=width, highlight=False, markup=False)


def progress_bar(
    what: str, total: int | None = None
) -> tuple[Progress, Callable[[int, int], None]]:
    """A transient progress bar on standard error, and the callback that moves it (done,
    total): what every command shows while it simulates."""
    bar = Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
    )
    task = bar.add_task(what, total=total)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def fail(exc: BudgetsimError) -> None:
    console(stderr=True).print(Text.assemble(("error:", "bold red"), f" {exc}"), soft_wrap=True)
    raise SystemExit(1)


def check_out_folder(out: str | Path | None, what: str, option: str = "--out") -> None:
    """Refuse, before anything runs, an output folder that cannot be written: a file where a
    folder should be, a read-only folder, a missing folder under a read-only one."""
    if out is not None:
        _check(out, Path(out), what, option)


def check_out_file(out: str | Path | None, what: str, option: str = "--out") -> None:
    """Refuse, before anything runs, an output file that cannot be written: a folder of that
    name, or a folder to hold it that cannot be written (see :func:`check_out_folder`)."""
    if out is None:
        return
    if Path(out).is_dir():
        raise BudgetsimError(f"{option} {out}: cannot write {what}: {out} is a folder")
    _check(out, Path(out).parent, what, option)


def _check(out: str | Path, folder: Path, what: str, option: str) -> None:
    try:
        check_writable(folder)
    except OSError as exc:
        raise BudgetsimError(f"{option} {out}: cannot write {what}: {exc}") from None


def money(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:,.0f}"


def share(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1%}"


def workers(value: str, draws: int) -> int:
    if value == "auto":
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return max(1, cores or 1) if draws >= PROGRESS_MIN_DRAWS else 1
    if not value.isdigit() or int(value) < 1:
        raise BudgetsimError(f"--workers: expected a whole number ≥ 1 or 'auto', found {value!r}")
    return int(value)


#: The language of every table, title and message of a command's output.
LANG = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the output: zh (Chinese) or en (English). Charts in Chinese need a CJK "
    "font; without one they are drawn in English, with a warning.",
)

#: Options shared by the commands that simulate.
DRAWS = click.option(
    "--draws",
    "-n",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Monte Carlo draws (of each run).",
)
SEED = click.option(
    "--seed",
    "-s",
    default=1,
    show_default=True,
    type=click.IntRange(min=0),
    help="Random seed; the same seed gives the same numbers (and the same applicants).",
)
WORKERS = click.option(
    "--workers",
    "-j",
    default="auto",
    show_default=True,
    metavar="N|auto",
    help="Worker processes; auto uses every available core for runs of "
    f"{PROGRESS_MIN_DRAWS:,}+ draws. Results are identical for any number.",
)
