"""Tables that fit the terminal without cutting a number.

A table is built as data (:class:`Grid`: headers and the cells already written) by a function
that can write its amounts whole or short. :func:`show` prints it so that no cell is ever cut
to ``…``: headers wrap (Chinese between any two characters, English between words), labels
wrap, and a table still too wide is written with short amounts (``1.67亿``), then split into
parts that repeat the key columns (programme, year). Numbers are never wrapped or cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

__all__ = ["Column", "Grid", "show", "width_of"]

#: The widest a key column (a programme's name) is drawn before it wraps: where the table
#: fits with names whole up to the first width, else the second.
KEY_WIDE = 44
KEY_WIDTH = 22
#: The narrowest a wrapping key column is drawn.
KEY_MIN = 8
#: A header wider than its numbers wraps to about this width (or the numbers').
HEADER_WIDTH = 12


@dataclass(frozen=True)
class Column:
    """A column: its header, and whether it is a key (text, left-aligned, repeated in each
    part of a split table, may wrap) or a value (numbers, right-aligned, never wrapped).
    A header that is a bare quantile (``P95``) is joined to the column before it."""

    def __post_init__(self) -> None:
        if re.fullmatch(r"P\d+(\.\d+)?", self.header) and not self.joined:
            object.__setattr__(self, "joined", True)

    header: str
    key: bool = False
    #: Kept in the same part as the column before it when a table splits (a bare ``P95``
    #: after the column that names its variable).
    joined: bool = False


@dataclass
class Grid:
    """A table as data: a title, columns, rows of written cells (each row with whether it
    ends a section) and lines printed under it."""

    title: str
    columns: list[Column]
    rows: list[tuple[list[str], bool]] = field(default_factory=list)

    def add(self, *cells: str, end: bool = False) -> None:
        """Add a row (``end``: a line under it)."""
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(([str(c) for c in cells], end))


_ASCII_RUN = re.compile(r"[\x00-\x7f]+")


def _header_min(header: str) -> int:
    """The narrowest a header can wrap to: its longest word, where Chinese text breaks
    between any two characters (rich wraps it so)."""
    widest = 2
    for word in header.split():
        runs = _ASCII_RUN.findall(word)
        ascii_only = len("".join(runs)) == len(word)
        widest = max(widest, cell_len(word) if ascii_only else max(map(cell_len, runs), default=2))
    return widest


#: Ways to draw a table, most readable first: (widest key column, how headers wrap — 0: on
#: one line, 1: around their numbers, about :data:`HEADER_WIDTH` wide, 2: at every word).
LAYOUTS = ((KEY_WIDE, 0), (KEY_WIDTH, 0), (KEY_WIDTH, 1), (KEY_WIDTH, 2), (KEY_MIN, 2))


def _widths(grid: Grid, layout: tuple[int, int]) -> list[int]:
    """Each column's width in a ``layout`` of :data:`LAYOUTS`: a value column as wide as its
    widest number and its header as the layout wraps it; a key column as wide as its longest
    text up to the layout's cap, never narrower than its longest unbreakable word."""
    cap, headers = layout
    out = []
    for k, column in enumerate(grid.columns):
        texts = [row[k] for row, _ in grid.rows]
        widest = max(map(cell_len, texts), default=0)
        if column.key:
            word = max((_header_min(t) for t in texts if t), default=0)
            natural = max(widest, _header_min(column.header))
            out.append(max(min(natural, cap), min(word, KEY_WIDTH)))
        else:
            head = _header_min(column.header)
            if headers == 0:
                head = cell_len(column.header)
            elif headers == 1:
                head = max(head, min(cell_len(column.header), max(widest, HEADER_WIDTH)))
            out.append(max(widest, head, 1))
    return out


def width_of(widths: Sequence[int]) -> int:
    """Cells a table of columns ``widths`` takes: a space each side of each column and a
    line between columns and at both edges."""
    return sum(widths) + 3 * len(widths) + 1


def _parts(grid: Grid, widths: list[int], room: int) -> list[list[int]]:
    """Column indexes of each part of a table split to fit ``room``: the key columns in each,
    the value columns in order, as many as fit (a joined column stays with the one before)."""
    keys = [k for k, c in enumerate(grid.columns) if c.key]
    units: list[list[int]] = []
    for k, column in enumerate(grid.columns):
        if column.key:
            continue
        if column.joined and units:
            units[-1].append(k)
        else:
            units.append([k])
    parts: list[list[int]] = []
    current: list[int] = []
    for unit in units:
        if current and width_of([widths[i] for i in (*keys, *current, *unit)]) > room:
            parts.append(current)
            current = []
        current.extend(unit)
    if current or not parts:
        parts.append(current)
    return [[*keys, *part] for part in parts]


def _render(grid: Grid, columns: list[int], widths: list[int], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for k in columns:
        column = grid.columns[k]
        table.add_column(
            column.header,
            justify="left" if column.key else "right",
            width=widths[k],
            overflow="fold",
        )
    for cells, end in grid.rows:
        table.add_row(*(cells[k] for k in columns), end_section=end)
    return table


def show(
    console: Console,
    build: Callable[[bool], Grid],
    *,
    continued: str = " (continued)",
) -> bool:
    """Print the table ``build`` writes so that it fits ``console``'s width, and return
    whether it had to write amounts short.

    Parameters
    ----------
    console
        Where to print; its width is the room.
    build
        Writes the table: ``build(False)`` with whole amounts, ``build(True)`` with short ones.
    continued
        Added to the title of each part after the first of a split table.
    """
    room = console.width
    whole, short = build(False), build(True)
    tries = [(whole, layout, False) for layout in LAYOUTS]
    tries += [(short, layout, True) for layout in LAYOUTS[2:]]
    for grid, layout, compact in tries:
        widths = _widths(grid, layout)
        if width_of(widths) <= room:
            console.print(_render(grid, list(range(len(grid.columns))), widths, grid.title))
            return compact
    widths = _widths(whole, LAYOUTS[2])
    for i, columns in enumerate(_parts(whole, widths, room)):
        title = whole.title if i == 0 else whole.title + continued
        console.print(_render(whole, columns, widths, title))
    return False
