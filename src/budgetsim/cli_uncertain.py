"""What ``budgetsim run --uncertain`` prints beside the run's tables: each headline with the
assumptions fixed and drawn, and how its spread splits between the assumptions and luck."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console

from budgetsim._layout import Column, Grid
from budgetsim.cli_tables import print_tables
from budgetsim.metrics import Lang, format_value
from budgetsim.outputs import atomic, write_csv
from budgetsim.results import SimulationResult
from budgetsim.sensitivity.uncertain import MIN_BLOCKS, variance_split
from budgetsim.words import word

__all__ = ["print_uncertain", "split_or_none", "write_uncertain"]

#: Parts of a split shown per output, beside luck and interactions.
SHOWN = 3


def comparison_table(frame: pd.DataFrame, unc: SimulationResult, lang: Lang = "zh") -> Grid:
    """Each headline with the assumptions at their values and drawn over their ranges."""
    drawn = unc.uncertain
    grid = Grid(
        word("title_uncertain", lang).format(
            n=len(drawn.factors), block=drawn.block, blocks=drawn.blocks
        ),
        [
            Column(word("output", lang), key=True),
            Column(word("fixed", lang)),
            Column(word("drawn_column", lang)),
            Column(word("difference", lang)),
        ],
    )
    for row in frame.to_dict("records"):
        metric = str(row["metric"])
        mid, low, high = (
            format_value(metric, float(row[k]), lang, signed=True, bare=k != "difference")
            for k in ("difference", "difference_low", "difference_high")
        )
        grid.add(
            str(row["label"]),
            format_value(metric, float(row["plain"]), lang),
            format_value(metric, float(row["uncertain"]), lang),
            f"{mid} [{low}, {high}]",
        )
    return grid


def split_table(split: pd.DataFrame, lang: Lang = "zh") -> Grid:
    """Per output: the assumptions with the largest shares of its spread, then luck and the
    interactions."""
    grid = Grid(
        word("title_split", lang),
        [
            Column(word("output", lang), key=True),
            Column(word("comes_from", lang), key=True),
            Column(word("share", lang)),
        ],
    )
    for _, rows in split.groupby("output", sort=False):
        every = rows[~rows["part"].isin(["luck", "interactions"])]
        every = every.sort_values("share", ascending=False)
        ranked, hidden = every.head(SHOWN), every.iloc[SHOWN:]
        rest = rows[rows["part"].isin(["luck", "interactions"])]
        if len(hidden):  # so that what is shown adds up to 100 %
            other = {
                "output_label": "",
                "label": word("other_assumptions", lang).format(n=len(hidden)),
                "share": float(hidden["share"].sum()),
                "low": float("nan"),
                "high": float("nan"),
            }
            ranked = pd.concat([ranked, pd.DataFrame([other])])
        first = True
        for row in pd.concat([ranked, rest]).to_dict("records"):
            grid.add(
                str(row["output_label"]) if first else "",
                str(row["label"]),
                f"{row['share']:.0%}"
                + ("" if pd.isna(row["low"]) else f" [{row['low']:.0%}, {row['high']:.0%}]"),
            )
            first = False
    return grid


def split_or_none(unc: SimulationResult, lang: Lang = "zh") -> pd.DataFrame | None:
    """The variance split of a run, or None (said when printed) with too few blocks."""
    drawn = unc.uncertain
    if unc.draws // drawn.block < MIN_BLOCKS:
        return None
    return variance_split(unc, lang=lang)


def print_uncertain(
    comparison: pd.DataFrame,
    split: pd.DataFrame | None,
    unc: SimulationResult,
    console: Console,
    lang: Lang = "zh",
) -> None:
    """Print the comparison with the plain run and the variance split (or why there is none)."""
    print_tables(console, [lambda _: comparison_table(comparison, unc, lang)], unc.unit, lang)
    if split is None:
        block = unc.uncertain.block
        console.print(
            word("no_split", lang).format(min=MIN_BLOCKS, draws=MIN_BLOCKS * block, block=block),
            style="yellow",
        )
    else:
        print_tables(console, [lambda _: split_table(split, lang)], unc.unit, lang)
    console.print(word("legend_uncertain", lang), style="dim")


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
            write_csv(frame, tmp)
        files.append(path)
    return files
