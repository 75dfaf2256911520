"""Spreadsheets and CSV files as grids of cells: encodings, sheets, the header row, blank rows.

The low level of :mod:`budgetsim.records`: a file becomes a grid of cell values
(:func:`load_grid`), and the grid a table below its header row (:func:`grid_table`). Files as
Windows makes them are read as they are: UTF-8 with or without a byte-order mark, UTF-16 with a
mark, GB18030/GBK; comma, tab or semicolon; a title row, merged or not, above the header.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from budgetsim.errors import Problem, ScenarioError, ask, did_you_mean

__all__ = [
    "MAX_PROBLEMS",
    "TOTALS",
    "RecordsError",
    "cell_text",
    "file_problem",
    "grid_table",
    "grouped",
    "is_empty",
    "load_grid",
    "missing_causes",
]

#: Problems listed in a message; the rest are counted.
MAX_PROBLEMS = 20
#: How far down a sheet the header row is looked for.
_HEADER_SEARCH = 30
#: Labels of a totals row (compared after removing spaces and colons, case-folded).
TOTALS = frozenset({"合计", "总计", "小计", "共计", "累计", "total", "sum", "subtotal"})


class RecordsError(ScenarioError):
    """A :class:`~budgetsim.errors.ScenarioError` from a list of records: every problem is
    kept in :attr:`problems`; the message lists the first :data:`MAX_PROBLEMS`."""

    def render(self) -> str:
        """The first problems, one per line, with the count of all of them; the same problem
        in many rows of one column is one line (:func:`grouped`)."""
        problems = grouped(self.problems)
        shown = [p.render(self.file) for p in problems[:MAX_PROBLEMS]]
        if len(self.problems) == 1:
            return shown[0]
        where = f" in {self.file}" if self.file else ""
        more = len(problems) - len(shown)
        lines = [f"  - {line}" for line in shown]
        if more:
            lines.append(f"  - and {more} more (fix these and read the list again)")
        return f"{len(self.problems)} problems{where}:\n" + "\n".join(lines)


_ROW = re.compile(r"^row (\d+), (column .+)$")
#: A problem met in this many rows of one column or more is said once, for all of them.
GROUP = 3


def grouped(problems: Sequence[Problem]) -> list[Problem]:
    """The problems with the same problem in many rows of one column (a whole column of text
    where numbers belong, every date after the period) merged into one, which names the first
    rows, the count and the first values found; the others as they are, in their order.

    Examples
    --------
    >>> rows = [Problem(f"row {r}, column 'x' (A)", "not a number", "a number", repr(f"v{r}"))
    ...         for r in range(2, 9)]
    >>> [p.render() for p in grouped(rows)]  # doctest: +NORMALIZE_WHITESPACE
    ["rows 2, 3, 4 … 8 (7 rows), column 'x' (A): not a number; expected a number;
      found 'v2', 'v3', 'v4' …"]
    """
    groups: dict[tuple[str, str, str, str], list[tuple[int, Problem]]] = {}
    order: list[Problem | tuple[str, str, str, str]] = []
    for problem in problems:
        match = _ROW.match(problem.path)
        if not match:
            order.append(problem)
            continue
        key = (match.group(2), problem.problem, problem.expected, problem.hint)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((int(match.group(1)), problem))
    out: list[Problem] = []
    for item in order:
        if isinstance(item, Problem):
            out.append(item)
            continue
        members = groups[item]
        if len(members) < GROUP:
            out += [p for _, p in members]
            continue
        rows = [r for r, _ in members]
        found = [p.found for _, p in members if p.found]
        column, what, expected, hint = item
        out.append(
            Problem(
                f"rows {', '.join(map(str, rows[:3]))} … {rows[-1]} ({len(rows):,} rows), {column}",
                what,
                expected,
                ", ".join(dict.fromkeys(found[:3])) + (" …" if len(found) > 3 else ""),
                hint,
            )
        )
    return out


def cell_text(value: object) -> str:
    """A cell as stripped text ("" when empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def is_empty(value: object) -> bool:
    return cell_text(value) == ""


# -- reading files ----------------------------------------------------------------------------
def file_problem(problem: str, found: str = "", hint: str = "", path: str = "(file)") -> Problem:
    return Problem(path, problem, found=found, hint=hint)


def _decode(data: bytes, file: str) -> tuple[str, str]:
    """The text of a CSV and the name of its encoding: UTF-8 (with or without BOM), UTF-16
    with BOM (Excel's "Unicode text"), else GB18030 (a superset of GBK)."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        kind = ".xlsx" if data.startswith(b"PK") else ".xls"
        raise RecordsError(
            [
                file_problem(
                    f"this is an Excel workbook ({kind}), not a CSV",
                    hint=f"name the file with {kind} at the end",
                )
            ],
            file,
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "UTF-8 with BOM"
        except UnicodeDecodeError as exc:
            raise _not_text(data, exc, file, "the file starts as UTF-8 but is not") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as utf8:
        try:
            return data.decode("gb18030"), "GB18030 (GBK)"
        except UnicodeDecodeError:
            raise _not_text(data, utf8, file, "the file is not UTF-8 or GBK") from None


def _not_text(data: bytes, exc: UnicodeDecodeError, file: str, cause: str) -> RecordsError:
    row = data.count(b"\n", 0, exc.start) + 1
    return RecordsError(
        [
            file_problem(
                cause,
                found=f"bytes {data[exc.start : exc.start + 4].hex(' ')} at byte {exc.start}",
                hint="save it from Excel as 'CSV UTF-8 (comma delimited)'",
                path=f"row {row}",
            )
        ],
        file,
    )


def _read_csv(path: Path, file: str) -> tuple[list[list[object]], str]:
    text, encoding = _decode(path.read_bytes(), file)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ","
    if "," not in first and "\t" in first:
        delimiter = "\t"
    elif "," not in first and ";" in first:
        delimiter = ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        grid: list[list[object]] = [list(row) for row in reader]
    except csv.Error as exc:
        raise RecordsError(
            [file_problem("not a readable CSV", found=str(exc), path=f"row {reader.line_num}")],
            file,
        ) from None
    how = (
        f"as {encoding}"
        + {",": "", "\t": ", tab-separated", ";": ", semicolon-separated"}[delimiter]
    )
    return grid, how


def _read_excel(path: Path, file: str, sheet: str | int) -> tuple[list[list[object]], str]:
    """The cells of a sheet as values (error cells as their text, e.g. ``"#DIV/0!"``) and
    which sheet it was. ``.xlsx``/``.xlsm`` are read with openpyxl, ``.xls`` with pandas."""
    head = path.read_bytes()[:8]
    if path.suffix.lower() != ".xls" and not head.startswith(b"PK\x03\x04"):
        text = not head.startswith(b"\xd0\xcf\x11\xe0") and b"\0" not in head
        raise RecordsError(
            [
                file_problem(
                    "not a readable Excel workbook",
                    hint="it looks like a CSV or text file: name it .csv"
                    if text
                    else "it is damaged, password-protected, or an old .xls named .xlsx",
                )
            ],
            file,
        )
    try:
        if path.suffix.lower() == ".xls":
            with pd.ExcelFile(path) as old:
                names = [str(n) for n in old.sheet_names]
                name = _sheet_name(names, sheet, file)
                frame = pd.read_excel(old, sheet_name=name, header=None, dtype=object)
            rows = [list(row) for row in frame.itertuples(index=False)]
        else:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                names = list(book.sheetnames)
                name = _sheet_name(names, sheet, file)
                rows = [list(row) for row in book[name].iter_rows(values_only=True)]
            finally:
                book.close()
    except ImportError as exc:
        raise RecordsError(
            [
                file_problem(
                    f"reading {path.suffix} workbooks needs a package that is not installed",
                    found=str(exc).splitlines()[0],
                    hint="save it as .xlsx or 'CSV UTF-8', or install xlrd",
                )
            ],
            file,
        ) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError):
        raise RecordsError(
            [
                file_problem(
                    "not a readable Excel workbook",
                    hint="it is damaged, password-protected, or another kind of file named "
                    f"{path.suffix}",
                )
            ],
            file,
        ) from None
    grid = [[None if is_empty(v) else v for v in row] for row in rows]
    return grid, f"sheet {name!r}"


def _sheet_name(names: list[str], sheet: str | int, file: str) -> str:
    """The name of ``sheet`` (a name or a 0-based index) among the workbook's ``names``."""
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise RecordsError(
                [file_problem(f"no sheet number {sheet + 1}", found="sheets " + repr(names))],
                file,
            )
        return names[sheet]
    if sheet not in names:
        hint = did_you_mean(sheet, names)
        raise RecordsError(
            [
                file_problem(
                    f"no sheet {sheet!r}",
                    found="sheets " + ", ".join(map(repr, names)),
                    hint=ask(hint),
                )
            ],
            file,
        )
    return sheet


def _find_header(grid: list[list[object]], wanted: Sequence[str]) -> tuple[int | None, int | None]:
    """Index of the first row with every ``wanted`` column, and of the first non-blank row."""
    first = None
    for r, row in enumerate(grid[: _HEADER_SEARCH + 1]):
        cells = {cell_text(v) for v in row}
        if cells - {""} and first is None:
            first = r
        if all(w in cells for w in wanted):
            return r, first
    return None, first


def grid_table(
    grid: list[list[object]], wanted: Sequence[str], file: str
) -> tuple[pd.DataFrame, list[int], int, str]:
    """The applicants below the header as a frame, with blank rows and columns dropped:
    the frame, the spreadsheet row of each of its rows, the header's row and what is above it.
    """
    header, first = _find_header(grid, wanted)
    if first is None:
        raise RecordsError([file_problem("the file is empty")], file)
    if header is None:  # report the columns of the first row that looks like a header
        header = next(
            (
                r
                for r, row in enumerate(grid[first : first + _HEADER_SEARCH], first)
                if sum(map(bool, map(cell_text, row))) > 1
            ),
            first,
        )
    width = max(len(row) for row in grid)
    grid = [list(row) + [None] * (width - len(row)) for row in grid]
    body = [(r, row) for r, row in enumerate(grid) if r > header and any(map(cell_text, row))]
    keep = [
        j
        for j in range(width)
        if cell_text(grid[header][j]) or any(cell_text(row[j]) for _, row in body)
    ]
    names = [cell_text(grid[header][j]) or f"column {get_column_letter(j + 1)}" for j in keep]
    seen: dict[str, list[str]] = {}
    for j, name in zip(keep, names, strict=True):
        seen.setdefault(name, []).append(get_column_letter(j + 1))
    twice = {n: cols for n, cols in seen.items() if len(cols) > 1}
    if twice:
        raise RecordsError(
            [
                Problem(
                    f"row {header + 1}, columns {' and '.join(cols)}",
                    f"two columns named {name!r}",
                    hint="rename or delete one",
                )
                for name, cols in twice.items()
            ],
            file,
        )
    frame = pd.DataFrame([[row[j] for j in keep] for _, row in body], columns=names, dtype=object)
    # columns keep their sheet letters in messages: name the frame's columns in sheet order
    # and pad the frame so that from_frame's A, B, … match the sheet's
    if keep != list(range(len(keep))):
        frame = _pad(frame, keep)
    above = " / ".join(
        " ".join(cell_text(v) for v in row if cell_text(v))
        for row in grid[:header]
        if any(map(cell_text, row))
    )
    return frame, [r + 1 for r, _ in body], header + 1, above


def _first_row(grid: list[list[object]]) -> int:
    return next(r for r, row in enumerate(grid, 1) if any(map(cell_text, row)))


def _pad(frame: pd.DataFrame, keep: list[int]) -> pd.DataFrame:
    """``frame`` with empty placeholder columns where the sheet has blank columns, so that
    column j of the frame is column j of the sheet (the placeholders are dropped later)."""
    out = pd.DataFrame(index=frame.index)
    for j in range(max(keep) + 1):
        if j in keep:
            name = frame.columns[keep.index(j)]
            out[name] = frame[name]
        else:
            out[f"\0blank {j}"] = None
    return out


def _first_problem_row(grid: list[list[object]]) -> int:
    return next((r for r, row in enumerate(grid, 1) if any(map(cell_text, row))), 1)


def load_grid(path: Path, sheet: str | int = 0) -> tuple[list[list[object]], str]:
    """The cells of a CSV or Excel file as rows of values, and how it was read.

    Raises
    ------
    RecordsError
        When the file is missing, is not a readable CSV or workbook, or names a sheet it
        does not have.
    """
    file = str(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            return _read_excel(path, file, sheet)
        return _read_csv(path, file)
    except FileNotFoundError:
        raise RecordsError([file_problem("no such file")], file) from None
    except RecordsError:
        raise
    except Exception as exc:  # any reader's failure is the file's problem, said in one line
        raise RecordsError(
            [
                file_problem(
                    "cannot read the list",
                    found=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                    hint="expected a CSV or an Excel workbook with a header row",
                )
            ],
            file,
        ) from None


def missing_causes(grid: list[list[object]], how: str, above: str, header: int) -> list[Problem]:
    """What may explain a missing column: a title row taken for the header, a GBK guess."""
    causes = []
    if above:
        causes.append(
            Problem(
                f"row {_first_problem_row(grid)}",
                f"this is a title row ({above[:40]!r}), skipped",
                hint=f"the header was taken to be row {header}",
            )
        )
    if how.startswith("as GB18030"):
        causes.append(
            file_problem(
                "read as GB18030 (GBK) because it is not UTF-8",
                hint="if the column names look garbled, save it as 'CSV UTF-8'",
            )
        )
    return causes
