"""Tables that fit the terminal without cutting a number.

A table is built as data (:class:`Grid`: headers and the cells already written) by a function
that can write its amounts whole or short. :func:`show` prints it so that no cell is ever cut
to ``…``: headers wrap (Chinese between any two characters, English between words), labels
wrap, and a table still too wide is written with short amounts (``1.67亿``), then split into
parts that repeat the key columns (programme, year). Numbers are never wrapped or cut. Room
left over once a table fits goes back to what was wrapped: headers first, then labels.
Every command that prints a table of numbers prints it through :func:`show`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len, chop_cells
from rich.console import Console
from rich.table import Table
from rich.text import Text

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
    part of a split table, may wrap), words that are not a key (``text``: left-aligned, may
    wrap, kept in its place when a table splits, such as why an applicant was not paid) or a
    value (numbers, right-aligned, never wrapped). A header that is a bare quantile (``P95``)
    is joined to the column before it."""

    def __post_init__(self) -> None:
        if re.fullmatch(r"P\d+(\.\d+)?", self.header) and not self.joined:
            object.__setattr__(self, "joined", True)

    header: str
    key: bool = False
    #: Kept in the same part as the column before it when a table splits (a bare ``P95``
    #: after the column that names its variable).
    joined: bool = False
    #: Words rather than numbers, though not a key: wraps as a key does.
    text: bool = False

    @property
    def wraps(self) -> bool:
        """Whether its cells are words that may wrap (a key or a text column)."""
        return self.key or self.text


@dataclass
class Grid:
    """A table as data: a title, columns and rows of written cells (each row with whether it
    ends a section: a rule under it)."""

    title: str
    columns: list[Column]
    rows: list[tuple[list[str], bool]] = field(default_factory=list)

    def add(self, *cells: str, end: bool = False) -> None:
        """Add a row (``end``: a line under it)."""
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(([str(c) for c in cells], end))


#: What a line may break around: a run of ASCII letters, digits and signs (a number, an English
#: word: never broken) or one other character (Chinese breaks between any two), with the
#: opening marks before it and the closing marks after it (never at the start or end of a line).
_ATOM = re.compile(r"[（《「『【“‘]*(?:[!-~]+|[^\s!-~])[，。、；：？！）》」』】”’]*|\s+")


#: Where a run of ASCII may break too: after a hyphen between letters (``Industry-`` /
#: ``university``), never in a number (``-1,667``, ``2021-23``).
_HYPHEN = re.compile(r"(?<=[A-Za-z]-)(?=[A-Za-z])")


def _atoms(text: str) -> list[str]:
    return [piece for atom in _ATOM.findall(text) for piece in _HYPHEN.split(atom)]


def _narrowest(text: str) -> int:
    """The narrowest ``text`` wraps to without breaking a number or an English word."""
    return max((cell_len(a) for a in _atoms(text) if not a.isspace()), default=0)


def _header_min(header: str) -> int:
    """The narrowest a header can wrap to (at least 2: one Chinese character)."""
    return max(2, _narrowest(header))


def _fill(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces and between Chinese
    characters (only a word wider than ``width`` is cut)."""
    lines, line, space, width = [], "", False, max(width, 1)
    for atom in _atoms(text):
        if atom.isspace():
            space = bool(line)
            continue
        joined = line + " " * space + atom
        if cell_len(joined) <= width:
            line = joined
        else:
            if line:
                lines.append(line)
            pieces = [c for c in chop_cells(atom, width) if c] if cell_len(atom) > width else [atom]
            lines.extend(pieces[:-1])
            line = pieces[-1]
        space = False
    return [*lines, line] if line or not lines else lines


def _even(text: str, width: int) -> str:
    """A header wrapped to ``width``: in as few lines as ``width`` allows, broken at spaces
    where it can be, the lines as even as that leaves them (``文件`` over ``安排``, not
    ``文件安`` over ``排``; ``单独测算`` over ``P80``)."""
    if cell_len(text) <= width:
        return text
    gaps = len(re.findall(r"\S\s+(?=\S)", text))
    best: tuple[int, list[str]] = (-1, [])
    for narrow in range(width, min(width, max(1, _narrowest(text))) - 1, -1):
        lines = _fill(text, narrow)
        if best[1] and len(lines) > len(best[1]):
            break
        at_spaces = gaps - sum(line.count(" ") for line in lines)
        if at_spaces >= best[0]:
            best = (at_spaces, lines)
    return "\n".join(best[1])


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
        if column.wraps:
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


def _natural(grid: Grid, k: int) -> int:
    """Width of column ``k`` with its header and every cell on one line."""
    column = grid.columns[k]
    return max([cell_len(column.header), *(cell_len(row[k]) for row, _ in grid.rows), 1])


def _spread(grid: Grid, columns: Sequence[int], widths: Sequence[int], room: int) -> list[int]:
    """``widths`` of ``columns`` with the room the table leaves in ``room`` given back to
    what a layout wrapped: value headers first, left to right, each that then fits on one
    line; then labels, so that no word of theirs is cut, then a cell at a time to the one
    furthest from its width on one line."""
    out = [widths[k] for k in columns]
    natural = [_natural(grid, k) for k in columns]
    labels = [i for i, k in enumerate(columns) if grid.columns[k].wraps]
    words = {i: max((_narrowest(r[columns[i]]) for r, _ in grid.rows), default=0) for i in labels}
    spare = room - width_of(out)
    for i, k in enumerate(columns):
        if not grid.columns[k].wraps and 0 < natural[i] - out[i] <= spare:
            spare -= natural[i] - out[i]
            out[i] = natural[i]
    for i in labels:
        more = max(0, min(spare, words[i] - out[i]))
        out[i] += more
        spare -= more
    while spare > 0 and labels:
        i = max(labels, key=lambda i: natural[i] - out[i])
        if natural[i] <= out[i]:
            break
        out[i] += 1
        spare -= 1
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


def _render(grid: Grid, columns: list[int], widths: Sequence[int], title: str) -> Table:
    """The ``columns`` of ``grid`` as a table, column ``columns[i]`` ``widths[i]`` wide. Text is
    wrapped here (:func:`_fill`, :func:`_even`), not by rich, which would cut a number inside
    Chinese text; every text is taken as it is (never markup: labels and file names are the
    user's)."""
    lines = _fill(title, width_of(widths))
    table = Table(title=Text("\n".join(lines), style="table.title"), title_justify="left")
    for k, width in zip(columns, widths, strict=True):
        column = grid.columns[k]
        table.add_column(
            Text(_even(column.header, width)),
            justify="left" if column.wraps else "right",
            width=width,
            overflow="fold",
        )
    for cells, end in grid.rows:
        texts = (
            "\n".join(_fill(cells[k], width)) if grid.columns[k].wraps else cells[k]
            for k, width in zip(columns, widths, strict=True)
        )
        table.add_row(*map(Text, texts), end_section=end)
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
        Writes the table: ``build(False)`` with whole amounts, ``build(True)`` with short ones
        (a table whose numbers have no short form ignores the flag: it is then split, never
        said to be written short).
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
            every = list(range(len(grid.columns)))
            console.print(_render(grid, every, _spread(grid, every, widths, room), grid.title))
            return compact
    widths = _widths(whole, LAYOUTS[2])
    for i, columns in enumerate(_parts(whole, widths, room)):
        title = whole.title if i == 0 else whole.title + continued
        console.print(_render(whole, columns, _spread(whole, columns, widths, room), title))
    return False
