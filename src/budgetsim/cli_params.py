"""``budgetsim params``: the table of a scenario's levers and assumptions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import click
import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from budgetsim._cli_common import check_out_file
from budgetsim._cli_common import console as _console
from budgetsim._cli_common import fail as _fail
from budgetsim.errors import BudgetsimError
from budgetsim.metrics import Lang
from budgetsim.outputs import atomic
from budgetsim.parameters import parameters
from budgetsim.scenario import DEFAULT_SCENARIO, load_scenario
from budgetsim.words import choice, word

__all__ = ["params", "print_parameters"]

#: Column headers and the count line, by language (kinds from :mod:`budgetsim.words`).
_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "field": "参数",
        "label": "名称",
        "value": "取值",
        "unit": "单位",
        "kind": "类型",
        "grade": "等级",
        "range": "合理区间",
        "count": "{n} 个参数：政策杠杆 {levers} 个，假设 {assumptions} 个；有合理区间 {ranged} 个",
    },
    "en": {
        "field": "parameter",
        "label": "name",
        "value": "value",
        "unit": "unit",
        "kind": "kind",
        "grade": "grade",
        "range": "plausible range",
        "count": (
            "{n} parameters: {levers} levers, {assumptions} assumptions; {ranged} with a range"
        ),
    },
}
for _lang in ("zh", "en"):  # kinds of numbers: one registry
    _WORDS[_lang].update(
        {
            "lever": word("kind_lever", _lang),
            "assumption": word("kind_assumption", _lang),
            "not varied": word("not_varied", _lang),
        }
    )


def _number(value: Any) -> str:
    if isinstance(value, bool | str):
        return str(value).lower() if isinstance(value, bool) else value
    if isinstance(value, tuple):
        return "[" + ", ".join(_number(v) for v in value) + "]"
    if _missing(value):
        return ""
    number = float(value)
    if number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:,.6g}" if abs(number) >= 1 else f"{number:.4g}"


def _name(label: str) -> str:
    """A number's name without its block's (the block heads its rows): ``年申请数（均值）``."""
    return label.split(" · ", 1)[-1] if " · " in label else label


def _value(value: Any, lang: Lang) -> str:
    """A value as read: a choice in words with the value to type, yes or no, a number."""
    if isinstance(value, bool):
        return word("yes" if value else "no", lang)
    if isinstance(value, str):
        return choice(value, lang)
    return _number(value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _range(row: pd.Series, words: dict[str, str]) -> str:
    if row["range_from"] == "not varied":
        return words["not varied"]
    if _missing(row["low"]):
        return ""
    factor = row["factor"]
    if isinstance(factor, tuple):
        text = f"×{factor[0]:g} – ×{factor[1]:g}"
    else:
        text = f"{_number(row['low'])} – {_number(row['high'])}"
    return text + (" *" if row["range_from"] == "default" else "")


def _export(table: pd.DataFrame, out: Path) -> None:
    flat = table.copy()
    for column in ("value", "low", "high"):
        flat[column] = [_number(v) if isinstance(v, tuple) else v for v in flat[column]]
    if out.suffix.lower() in (".xlsx", ".xlsm"):
        with atomic(out, "wb") as handle:
            flat.to_excel(handle, sheet_name="parameters")
    elif out.suffix.lower() == ".csv":
        with atomic(out, "w") as handle:
            flat.to_csv(handle)
    else:
        raise BudgetsimError(f"--out {out}: expected a .csv or .xlsx file")


@click.command(short_help="List the levers and assumptions of a scenario, with ranges.")
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@click.option(
    "--grade",
    "grades",
    multiple=True,
    type=click.Choice(["S", "D", "E"]),
    help="Only numbers of this grade (repeatable): S sourced, D derived, E estimate.",
)
@click.option(
    "--kind",
    type=click.Choice(["lever", "assumption"]),
    default=None,
    help="Only policy levers (what the bureau decides) or assumptions (what the world does).",
)
@click.option(
    "--programme",
    "programmes",
    multiple=True,
    metavar="ID",
    help="Only the numbers that can move this programme's results (repeatable).",
)
@click.option("--uncertain", is_flag=True, help="Only the numbers with a plausible range.")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="List the scenario with these values changed.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the whole table (with provenance) to a .csv or .xlsx file.",
)
def params(
    scenario: str,
    grades: Sequence[str],
    kind: str | None,
    programmes: Sequence[str],
    uncertain: bool,
    overrides: Sequence[str],
    lang: Literal["zh", "en"],
    out: Path | None,
) -> None:
    """Every number a run of SCENARIO depends on: its path (as --set takes it), value, unit,
    whether it is a policy lever or an assumption, its grade and its plausible range.

    A range marked * comes from the scenario's default rule for its grade.
    """
    try:
        if out is not None and out.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
            raise BudgetsimError(f"--out {out}: expected a .csv or .xlsx file")
        check_out_file(out, "the table")
        sc = load_scenario(scenario, overrides)
        table = parameters(
            sc,
            lang=lang,
            grade=list(grades) or None,
            kind=kind,
            programme=list(programmes) or None,
            uncertain=True if uncertain else None,
        )
        print_parameters(table, lang)
        if out is not None:
            _export(table, out)
            _console().print(f"wrote {out}")
    except BudgetsimError as exc:
        _fail(exc)


def _field(path: str) -> str:
    """A parameter's path within its block (``attributes.`` is understood)."""
    return path.split(".", 2)[2].removeprefix("attributes.")


def print_parameters(
    table: pd.DataFrame, lang: Literal["zh", "en"], console: Console | None = None
) -> None:
    """Print a parameter table: one heading per block, then its numbers, in columns of the same
    width for every block so that the listing reads as one table at the terminal's width."""
    words = _WORDS[lang]
    console = console or _console()
    rows = [
        (
            _field(str(path)),
            _name(str(row["label"])),
            _value(row["value"], lang),
            str(row["unit"]),
            words[str(row["kind"])],
            "—" if _missing(row["grade"]) else str(row["grade"]),
            _range(row, words),
        )
        for path, row in table.iterrows()
    ]
    keys = ("field", "label", "value", "unit", "kind", "grade", "range")
    widths = [  # terminal cells, not characters: a Chinese character takes two
        max([cell_len(r[i]) for r in rows] + [cell_len(words[key])]) + (2 if i == 0 else 0)
        for i, key in enumerate(keys)
    ]
    widths[1], widths[2] = min(widths[1], 24), min(widths[2], 24)
    # what is left for the range after the other columns and the padding between columns
    # (two cells); long values fold first, then long paths, then names, so the range keeps
    # 16 cells
    last = len(keys) - 1
    spare = console.width - sum(widths[:last]) - 2 * last - 16
    for i, least in ((2, 12), (0, 24), (1, 10)):
        if spare < 0:
            cut = min(-spare, widths[i] - least)
            widths[i] -= max(cut, 0)
            spare += max(cut, 0)

    def grid(header: bool) -> Table:
        out = Table(box=None, pad_edge=False, show_edge=False, show_header=header)
        out.header_style = "bold"
        for i, key in enumerate(keys):
            out.add_column(
                words[key],
                justify="right" if i == 2 else "left",
                width=widths[i] if i < last else None,
                min_width=None if i < last else 16,
                overflow="fold",
            )
        return out

    console.print(grid(header=True))
    block, current = None, grid(header=False)
    for (path, row), cells in zip(table.iterrows(), rows, strict=True):
        head = ".".join(str(path).split(".")[:2])
        if head != block:
            if block is not None:
                console.print(current)
            block, current = head, grid(header=False)
            label = str(row["label"]).split(" · ")[0]
            console.print(Text(f"{head}  {label}", style="bold"), soft_wrap=False)
        current.add_row("  " + cells[0], *cells[1:])
    if block is not None:
        console.print(current)
    console.print(
        words["count"].format(
            n=len(table),
            levers=int((table["kind"] == "lever").sum()),
            assumptions=int((table["kind"] == "assumption").sum()),
            ranged=int(sum(not _missing(v) for v in table["low"])),
        )
    )
