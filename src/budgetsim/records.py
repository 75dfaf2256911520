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

import datetime as dt
import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from openpyxl.utils import get_column_letter

from budgetsim._sheets import (
    MAX_PROBLEMS,
    TOTALS,
    RecordsError,
    cell_text,
    file_problem,
    grid_table,
    is_empty,
    load_grid,
    missing_causes,
)
from budgetsim.errors import Problem, ask, did_you_mean
from budgetsim.money import AmountError, parse_amount

__all__ = [
    "MAX_PROBLEMS",
    "TOTALS",
    "YES_NO",
    "Records",
    "RecordsError",
    "cell_number",
    "cell_text",
    "grid_table",
    "is_empty",
    "load_grid",
    "missing_causes",
    "read_records",
    "yes_no_pair",
]

Floats = NDArray[np.float64]


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
            number = cell_number(value, unit, where, self.problems, expected=expected)
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
        :data:`YES_NO`), ``"number"`` (most cells read as numbers or amounts such as
        ``"50万元"``; the others are problems when read) or ``"text"`` (labels, such as
        districts).

        Examples
        --------
        >>> frame = pd.DataFrame({"a": ["50万元", "1.2亿", "n/a"], "b": ["是", "否", "是"],
        ...                       "c": ["蓬江区", "新会区", "3"]})
        >>> recs = Records(frame, "x.csv", (2, 3, 4), {}, "")
        >>> recs.kind("a"), recs.kind("b"), recs.kind("c")
        ('number', 'flag', 'text')
        """
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
        try:  # an amount with its unit ("50万元") or in numerals ("五十万") is a number too
            parse_amount(text, "元", numerals=True)
        except AmountError:
            return False
    return True


def cell_number(
    value: object,
    unit: str | None,
    where: str,
    problems: list[Problem],
    *,
    noun: str = "number",
    empty: str = "empty cell",
    expected: str = "a number",
) -> float:
    """One cell as a number, or NaN with its problem appended: an empty cell, a date where a
    number belongs (Excel turned what was typed into one), an Excel error value (``#DIV/0!``),
    text that is not a number, or (with ``unit``) not an amount such as ``"50万元"``, which is
    converted to ``unit``. ``noun`` (``"number"``, ``"amount"``) and ``empty`` word the
    messages; the caller checks the range.
    """
    if is_empty(value):
        problems.append(Problem(where, empty, expected=expected))
        return math.nan
    article = "an" if noun[:1] in "aeiou" else "a"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        problems.append(
            Problem(
                where,
                f"a date, not {article} {noun}",
                found=str(value),
                hint="Excel turned what was typed into a date; format the column as numbers",
            )
        )
        return math.nan
    if isinstance(value, str) and value.strip().startswith("#") and value.strip()[-1:] in "!?A":
        problems.append(
            Problem(
                where,
                f"an Excel error value ({value.strip()!r}), not {article} {noun}",
                hint="fix the formula in the workbook and save again",
            )
        )
        return math.nan
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
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
                file_problem(
                    "reading Parquet files needs pyarrow, which is not installed",
                    hint="pip install 'budgetsim[parquet]', or save the list as CSV",
                )
            ],
            file,
        ) from None
    except Exception as exc:  # any reader's failure is the file's problem, said in one line
        raise RecordsError(
            [file_problem("not a readable Parquet file", found=str(exc).splitlines()[0])], file
        ) from None


def read_records(
    path: str | Path, required: Sequence[str] = (), *, sheet: str | int = 0, empty: bool = False
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
    empty
        Whether a list with a header and no records is read (as no records) rather than
        refused.

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
        raise RecordsError([file_problem("no such file")], file) from None
    except OSError as exc:
        raise RecordsError([file_problem("cannot read the file", found=str(exc))], file) from None
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
    if frame.empty and not empty:
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
