"""Read lists of records (CSV, Excel or Parquet) as bureaus keep them, with errors that name the
row and column.

Applicant lists (:mod:`budgetsim.optimize.applicants`), records to fit populations to
(:mod:`budgetsim.fitting`), files resampled by ``dist = "empirical"`` and the applications received
so far (:mod:`budgetsim.nowcast`) are all read here, one way.

Files as Windows makes them are read as they are: a CSV in UTF-8 with or without a byte-order
mark, in UTF-16 with a mark, or in GB18030/GBK (what Excel on Chinese Windows saves as "CSV");
comma-, tab- or semicolon-separated; a sheet with a title row, merged or not, above the header
(the header is the first row with the columns asked for); blank rows and columns anywhere.
Every row and column in a message is numbered as the spreadsheet shows it (row 1 is the first
line of the file; column A the first column).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from numpy.typing import NDArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from budgetsim.errors import Problem, ScenarioError, ask, did_you_mean
from budgetsim.money import AmountError, parse_amount

__all__ = [
    "MAX_PROBLEMS",
    "TOTALS",
    "YES_NO",
    "Records",
    "RecordsError",
    "cell_text",
    "grid_table",
    "is_empty",
    "load_grid",
    "missing_causes",
    "read_records",
    "yes_no_pair",
]

Floats = NDArray[np.float64]

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
        """The first problems, one per line, with the count of all of them."""
        shown = [p.render(self.file) for p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) == 1:
            return shown[0]
        where = f" in {self.file}" if self.file else ""
        more = len(self.problems) - len(shown)
        lines = [f"  - {line}" for line in shown]
        if more:
            lines.append(f"  - and {more} more (fix these and read the list again)")
        return f"{len(self.problems)} problems{where}:\n" + "\n".join(lines)


def cell_text(value: object) -> str:
    """A cell as stripped text ("" when empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def is_empty(value: object) -> bool:
    return cell_text(value) == ""


# -- reading files ----------------------------------------------------------------------------
def _file_problem(problem: str, found: str = "", hint: str = "", path: str = "(file)") -> Problem:
    return Problem(path, problem, found=found, hint=hint)


def _decode(data: bytes, file: str) -> tuple[str, str]:
    """The text of a CSV and the name of its encoding: UTF-8 (with or without BOM), UTF-16
    with BOM (Excel's "Unicode text"), else GB18030 (a superset of GBK)."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        kind = ".xlsx" if data.startswith(b"PK") else ".xls"
        raise RecordsError(
            [
                _file_problem(
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
            _file_problem(
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
            [_file_problem("not a readable CSV", found=str(exc), path=f"row {reader.line_num}")],
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
                _file_problem(
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
                _file_problem(
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
                _file_problem(
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
                [_file_problem(f"no sheet number {sheet + 1}", found="sheets " + repr(names))],
                file,
            )
        return names[sheet]
    if sheet not in names:
        hint = did_you_mean(sheet, names)
        raise RecordsError(
            [
                _file_problem(
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
        raise RecordsError([_file_problem("the file is empty")], file)
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
        raise RecordsError([_file_problem("no such file")], file) from None
    except RecordsError:
        raise
    except Exception as exc:  # any reader's failure is the file's problem, said in one line
        raise RecordsError(
            [
                _file_problem(
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
            _file_problem(
                "read as GB18030 (GBK) because it is not UTF-8",
                hint="if the column names look garbled, save it as 'CSV UTF-8'",
            )
        )
    return causes


@dataclass(frozen=True)
class Records:
    """A list of records as read: one row per record, columns named by the header.

    Attributes
    ----------
    frame
        The cells as read (objects: numbers, text, dates), one row per record.
    file
        Where the list came from (for messages and ``source``).
    rows
        The spreadsheet row number of each record.
    letters
        The spreadsheet column letter of each column.
    sha256
        SHA-256 of the file's bytes, to cite what a fit was made from.
    note
        How the file was read (encoding, sheet, header row, records).
    """

    frame: pd.DataFrame
    file: str
    rows: tuple[int, ...]
    letters: dict[str, str]
    sha256: str
    note: str = ""
    problems: list[Problem] = field(default_factory=list, compare=False)

    def __len__(self) -> int:
        return len(self.frame)

    def where(self, i: int, column: str) -> str:
        """Row ``i``'s cell in ``column`` as a spreadsheet names it."""
        letter = self.letters.get(column)
        return f"row {self.rows[i]}, column {column!r}" + (f" ({letter})" if letter else "")

    def check(self) -> None:
        """Raise the problems found so far (by the column readers), if any."""
        if self.problems:
            problems = list(self.problems)
            self.problems.clear()
            raise RecordsError(problems, self.file)

    def numbers(
        self,
        column: str,
        *,
        unit: str | None = None,
        minimum: float | None = 0.0,
    ) -> Floats:
        """A column of numbers; problems (empty, text, below ``minimum``) are collected.

        Parameters
        ----------
        column
            The column's header.
        unit
            Money in this unit: cells may carry a unit (``"50万元"``), and bare numbers are read
            in ``unit``. None: plain numbers (thousands separators and full-width digits are
            accepted; units are not).
        minimum
            The least value allowed (None: any).
        """
        out = np.full(len(self.frame), np.nan)
        expected = f"an amount in {unit} such as 50 or '50万元'" if unit else "a number"
        for i, value in enumerate(self.frame[column].tolist()):
            where = self.where(i, column)
            number = _number(value, unit, where, expected, self.problems)
            if math.isnan(number):
                continue
            if minimum is not None and number < minimum:
                negative = "negative amount" if unit else "negative value"
                problem = negative if minimum == 0 else "too small"
                self.problems.append(
                    Problem(where, problem, expected=f"≥ {minimum:g}", found=repr(value))
                )
                continue
            out[i] = number
        return out

    def dates(
        self, column: str, *, first: dt.date | None = None, last: dt.date | None = None
    ) -> NDArray[np.datetime64]:
        """A column of dates (Excel dates, ``2022-03-15``, ``2022/3/15``, ``2022年3月15日``),
        each between ``first`` and ``last`` when given; problems are collected."""
        out = np.full(len(self.frame), np.datetime64("NaT"), dtype="datetime64[D]")
        span = f" from {first} to {last}" if first and last else ""
        for i, value in enumerate(self.frame[column].tolist()):
            where = self.where(i, column)
            day = _date(value)
            if day is None:
                self.problems.append(
                    Problem(
                        where,
                        "empty date" if is_empty(value) else "not a date",
                        expected=f"a date such as 2022-03-15{span}",
                        found="" if is_empty(value) else repr(cell_text(value)),
                    )
                )
            elif (first and day < first) or (last and day > last):
                self.problems.append(
                    Problem(
                        where,
                        "date outside the period",
                        expected=f"a date{span}",
                        found=str(day),
                    )
                )
            else:
                out[i] = np.datetime64(day, "D")
        return out

    def years(self, column: str) -> NDArray[np.int64]:
        """A column of calendar years (``2022``, ``2022年``, or a date); problems collected."""
        out = np.zeros(len(self.frame), dtype=np.int64)
        for i, value in enumerate(self.frame[column].tolist()):
            year = _year(value)
            if year is None:
                self.problems.append(
                    Problem(
                        self.where(i, column),
                        "not a year",
                        expected="a year such as 2022",
                        found=repr(cell_text(value)),
                    )
                )
            else:
                out[i] = year
        return out

    def labels(self, column: str) -> NDArray[np.str_]:
        """A column as text labels (empty cells are a problem)."""
        texts = [cell_text(v) for v in self.frame[column].tolist()]
        for i, text in enumerate(texts):
            if not text:
                self.problems.append(Problem(self.where(i, column), "empty cell"))
        return np.asarray(texts, dtype=str)

    def kind(self, column: str) -> str:
        """What a column holds: ``"flag"`` (every cell a yes/no word of one pair in
        :data:`YES_NO`), ``"number"`` (most cells read as numbers; the others are problems when
        read) or ``"text"`` (labels, such as districts)."""
        texts = [cell_text(v) for v in self.frame[column].tolist()]
        filled = [t for t in texts if t]
        if filled and yes_no_pair(filled) is not None:
            return "flag"
        numeric = sum(1 for v in self.frame[column].tolist() if _is_number(v))
        return "number" if numeric * 2 > len(filled) else "text"

    def flags(self, column: str) -> NDArray[np.bool_]:
        """A yes/no column (是/否, 1/0, true/false, Y/N, yes/no, 有/无) as booleans; a cell
        of another pair, or empty, is a problem."""
        texts = [
            unicodedata.normalize("NFKC", cell_text(v)).casefold()
            for v in self.frame[column].tolist()
        ]
        pair = yes_no_pair([t for t in texts if t]) or YES_NO[0]
        out = np.zeros(len(texts), dtype=bool)
        for i, text in enumerate(texts):
            if text not in pair:
                self.problems.append(
                    Problem(
                        self.where(i, column),
                        "empty cell" if not text else "not a yes/no answer",
                        expected=f"{pair[0]} or {pair[1]}",
                        found=repr(text) if text else "",
                    )
                )
            out[i] = text == pair[0]
        return out


#: Pairs of words a yes/no column is written with (compared case-folded), yes first.
YES_NO: tuple[tuple[str, str], ...] = (
    ("是", "否"),
    ("1", "0"),
    ("true", "false"),
    ("y", "n"),
    ("yes", "no"),
    ("有", "无"),
)


def yes_no_pair(texts: Sequence[str]) -> tuple[str, str] | None:
    """The pair of :data:`YES_NO` that every one of ``texts`` belongs to (case-folded), if
    any.

    Examples
    --------
    >>> yes_no_pair(["是", "否", "是"]), yes_no_pair(["Y", "n"]), yes_no_pair(["a", "b"])
    (('是', '否'), ('y', 'n'), None)
    """
    seen = {unicodedata.normalize("NFKC", t).strip().casefold() for t in texts}
    for pair in YES_NO:
        if seen and seen <= set(pair):
            return pair
    return None


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return math.isfinite(float(value))
    text = unicodedata.normalize("NFKC", cell_text(value)).replace(",", "").replace(" ", "")
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(
    value: object, unit: str | None, where: str, expected: str, problems: list[Problem]
) -> float:
    if is_empty(value):
        problems.append(Problem(where, "empty cell", expected=expected))
        return math.nan
    if isinstance(value, dt.datetime | dt.date | dt.time):
        problems.append(
            Problem(
                where,
                "a date, not a number",
                found=str(value),
                hint="Excel turned what was typed into a date; format the column as numbers",
            )
        )
        return math.nan
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif unit is not None:
        try:
            number = parse_amount(value, unit, numerals=True)
        except AmountError as exc:
            problems.append(Problem(where, str(exc)))  # says what an amount looks like
            return math.nan
    else:
        text = unicodedata.normalize("NFKC", cell_text(value)).replace(",", "").replace(" ", "")
        try:
            number = float(text)
        except ValueError:
            problems.append(Problem(where, "not a number", expected=expected, found=repr(value)))
            return math.nan
    if not math.isfinite(number):
        problems.append(Problem(where, "not a finite number", expected=expected, found=repr(value)))
        return math.nan
    if unit is not None and isinstance(value, int | float):
        number = float(number)
    return number


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_YEAR = re.compile(r"^(\d{4})\s*(?:年|\.0)?$")


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    match = _DATE.match(unicodedata.normalize("NFKC", cell_text(value)))
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def _year(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        year = int(value)
    else:
        day = _date(value)
        if day is not None:
            return day.year
        match = _YEAR.match(unicodedata.normalize("NFKC", cell_text(value)))
        if not match:
            return None
        year = int(match.group(1))
    return year if 1900 <= year <= 2200 else None


def _parquet(path: Path, file: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise RecordsError(
            [
                _file_problem(
                    "reading Parquet files needs pyarrow, which is not installed",
                    hint="pip install 'budgetsim[parquet]', or save the list as CSV",
                )
            ],
            file,
        ) from None
    except Exception as exc:  # any reader's failure is the file's problem, said in one line
        raise RecordsError(
            [_file_problem("not a readable Parquet file", found=str(exc).splitlines()[0])], file
        ) from None


def read_records(
    path: str | Path, required: Sequence[str] = (), *, sheet: str | int = 0
) -> Records:
    """Read a list of records from a CSV, Excel or Parquet file.

    Parameters
    ----------
    path
        ``.csv`` (or ``.txt``), ``.xlsx``, ``.xls`` or ``.parquet`` file with a header row.
    required
        Columns the list must have; the header is the first row holding all of them.
    sheet
        Excel sheet name or 0-based index.

    Raises
    ------
    RecordsError
        When the file cannot be read, a required column is missing ("did you mean"), or the
        list is empty.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "r.csv").write_text("企业,研发费用\\na,120\\nb,95.5\\n", encoding="utf-8")
    >>> recs = read_records(folder / "r.csv", ["研发费用"])
    >>> recs.numbers("研发费用").tolist(), recs.note
    ([120.0, 95.5], 'read r.csv as UTF-8, header on row 1: 2 records')
    """
    path = Path(path)
    file = str(path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise RecordsError([_file_problem("no such file")], file) from None
    except OSError as exc:
        raise RecordsError([_file_problem("cannot read the file", found=str(exc))], file) from None
    if path.suffix.lower() == ".parquet":
        frame = _parquet(path, file)
        frame.columns = [str(c).strip() for c in frame.columns]
        letters = {c: get_column_letter(j + 1) for j, c in enumerate(frame.columns)}
        rows = tuple(range(2, len(frame) + 2))
        how, causes = "as Parquet", []
    else:
        grid, how = load_grid(path, sheet)
        frame, row_list, header, above = grid_table(grid, list(required), file)
        letters = {
            c: get_column_letter(j + 1) for j, c in enumerate(frame.columns) if "\0" not in c
        }
        frame = frame[[c for c in frame.columns if "\0" not in c]]
        rows = tuple(row_list)
        how = f"{how}, header on row {header}"
        causes = missing_causes(grid, how, above, header)
    columns = list(frame.columns)
    problems = []
    for name in required:
        if name not in columns:
            hint = did_you_mean(name, columns)
            problems.append(
                Problem(
                    f"column {name!r}",
                    "missing column",
                    expected="a header row with " + ", ".join(map(repr, required)),
                    found="columns " + ", ".join(map(repr, columns)),
                    hint=ask(hint),
                )
            )
    if problems:
        raise RecordsError(problems + causes, file)
    if frame.empty:
        raise RecordsError([Problem("rows", "the list has no records")], file)
    frame = frame.reset_index(drop=True)
    texts = frame.astype("string").fillna("")
    folded = texts.apply(lambda c: c.str.replace(r"[\s:：]", "", regex=True).str.casefold())
    for i in map(int, np.flatnonzero(folded.isin(TOTALS).any(axis=1).to_numpy())):
        problems.append(
            Problem(
                f"row {rows[i]}",
                "a totals row, not a record",
                hint="delete it: the list must hold one row per record",
            )
        )
    header_again = (texts == pd.Series(columns, index=columns)).sum(axis=1) >= max(2, len(required))
    for i in map(int, np.flatnonzero(header_again.to_numpy())):
        problems.append(
            Problem(
                f"row {rows[i]}",
                "the header row again, not a record",
                hint="delete it, or split the tables into separate files",
            )
        )
    if problems:
        raise RecordsError(problems, file)
    plural = "" if len(frame) == 1 else "s"
    note = f"read {path.name} {how}: {len(frame):,} record{plural}"
    return Records(frame, file, rows, letters, digest, note)
