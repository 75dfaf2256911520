"""What ``budgetsim run --uncertain`` prints beside the run's tables: each headline with the
assumptions fixed and drawn, and how its spread splits between the assumptions and luck."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from budgetsim.cli_tables import LANG
from budgetsim.metrics import format_value
from budgetsim.outputs import atomic
from budgetsim.results import SimulationResult
from budgetsim.sensitivity.uncertain import MIN_BLOCKS, variance_split

__all__ = ["print_uncertain", "split_or_none", "write_uncertain"]

#: Parts of a split shown per output, beside luck and interactions.
SHOWN = 3


def _interval(metric: str, mid: float, low: float, high: float) -> str:
    values = (format_value(metric, v, LANG, signed=True) for v in (mid, low, high))
    mid_, low_, high_ = values
    return f"{mid_} [{low_}, {high_}]"


def comparison_table(frame: pd.DataFrame, unc: SimulationResult) -> Table:
    """Each headline with the assumptions at their values and drawn over their ranges."""
    drawn = unc.uncertain
    table = Table(
        title=(
            f"With the assumptions drawn — {len(drawn.factors)} assumptions drawn over their "
            f"plausible ranges, once per {drawn.block} draws ({drawn.blocks:,} sets)"
        ),
        title_justify="left",
    )
    table.add_column("output")
    table.add_column("assumptions fixed", justify="right", no_wrap=True)
    table.add_column("assumptions drawn", justify="right", no_wrap=True)
    table.add_column("difference [95 % interval]", justify="right", no_wrap=True)
    for row in frame.to_dict("records"):
        metric = str(row["metric"])
        table.add_row(
            str(row["label"]),
            format_value(metric, float(row["plain"]), LANG),
            format_value(metric, float(row["uncertain"]), LANG),
            _interval(
                metric,
                float(row["difference"]),
                float(row["difference_low"]),
                float(row["difference_high"]),
            ),
        )
    return table


def split_table(split: pd.DataFrame) -> Table:
    """Per output: the assumptions with the largest shares of its spread, then luck and the
    interactions."""
    table = Table(
        title="What the spread of each output comes from — share of its variance [95 % interval]",
        title_justify="left",
    )
    table.add_column("output")
    table.add_column("comes from")
    table.add_column("share", justify="right", no_wrap=True)
    for _, rows in split.groupby("output", sort=False):
        every = rows[~rows["part"].isin(["luck", "interactions"])]
        every = every.sort_values("share", ascending=False)
        ranked, hidden = every.head(SHOWN), every.iloc[SHOWN:]
        rest = rows[rows["part"].isin(["luck", "interactions"])]
        if len(hidden):  # so that what is shown adds up to 100 %
            other = {
                "output_label": "",
                "label": f"the other {len(hidden)} assumptions together (each alone)",
                "share": float(hidden["share"].sum()),
                "low": float("nan"),
                "high": float("nan"),
            }
            ranked = pd.concat([ranked, pd.DataFrame([other])])
        first = True
        for row in pd.concat([ranked, rest]).to_dict("records"):
            table.add_row(
                str(row["output_label"]) if first else "",
                str(row["label"]),
                f"{row['share']:.0%}"
                + ("" if pd.isna(row["low"]) else f" [{row['low']:.0%}, {row['high']:.0%}]"),
            )
            first = False
    return table


def split_or_none(unc: SimulationResult) -> pd.DataFrame | None:
    """The variance split of a run, or None (said when printed) with too few blocks."""
    drawn = unc.uncertain
    if unc.draws // drawn.block < MIN_BLOCKS:
        return None
    return variance_split(unc, lang=LANG)


def print_uncertain(
    comparison: pd.DataFrame,
    split: pd.DataFrame | None,
    unc: SimulationResult,
    console: Console,
) -> None:
    """Print the comparison with the plain run and the variance split (or why there is none)."""
    console.print(comparison_table(comparison, unc))
    if split is None:
        console.print(
            f"No split of the spread: it needs at least {MIN_BLOCKS} sets of assumptions "
            f"(--draws ≥ {MIN_BLOCKS * unc.uncertain.block:,} with --uncertain-block "
            f"{unc.uncertain.block}).",
            style="yellow",
        )
    else:
        console.print(split_table(split))
    console.print(
        "Assumptions fixed: the run with every assumption at its stated value (same draws and "
        "seed). Drawn: each ranged assumption uniform over its plausible range, per block of "
        "draws. Luck: the spread within a block (which firms apply, and for how much).",
        style="dim",
    )


def write_uncertain(
    unc: SimulationResult, comparison: pd.DataFrame, split: pd.DataFrame | None, out: str
) -> list[Path]:
    """Write ``uncertain_comparison.csv``, ``uncertain_split.csv`` and
    ``uncertain_assumptions.csv`` (the assumptions of each block) into folder ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "uncertain_comparison.csv": comparison,
        "uncertain_split.csv": split,
        "uncertain_assumptions.csv": unc.uncertain.values().reset_index(),
    }
    frames = {name: frame for name, frame in frames.items() if frame is not None}
    files = []
    for name, frame in frames.items():
        path = folder / name
        with atomic(path) as tmp:
            frame.to_csv(tmp, index=False)
        files.append(path)
    return files
