"""Read an applicant list (CSV or Excel) into arrays, with errors that name the row and column.

One row per applicant: an id, the amount requested or entitled, a review score, and any number
of group columns (district, cluster, …). Column names are mapped once, here; the award model
sees only arrays. Amounts may be numbers or amount text in any unit (``"50万元"``, ``"1.2亿"``,
``"1,000"``, ``"五十万"``); they are converted to the unit asked for.

The file is read by :mod:`budgetsim.records` (encodings as Windows writes them, title rows,
blank rows and columns); what was done is said in :attr:`Applicants.notes`.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from openpyxl.utils import get_column_letter

from budgetsim._model import SANE
from budgetsim.errors import BudgetsimError, Problem, did_you_mean
from budgetsim.money import AmountError, check_unit, unit_factor
from budgetsim.records import (
    MAX_PROBLEMS,
    TOTALS,
    RecordsError,
    cell_number,
    cell_text,
    grid_table,
    is_empty,
    load_grid,
    missing_causes,
)

__all__ = [
    "MAX_AMOUNT_YUAN",
    "MAX_PROBLEMS",
    "SCORE_RANGE",
    "ApplicantListError",
    "Applicants",
    "read_applicants",
]

Floats = NDArray[np.float64]

#: Most money one applicant may ask for [元] (:data:`budgetsim._model.SANE`).
MAX_AMOUNT_YUAN = SANE["request_yuan"][1]
#: Review scores outside this range are a wrong column or a typo.
SCORE_RANGE = SANE["score"]
#: Typical request above which a list in 万元 or larger looks like it is in 元 [元].
_LOOKS_LIKE_YUAN = 1e9


class ApplicantListError(RecordsError):
    """A :class:`~budgetsim.records.RecordsError` from an applicant list."""


@dataclass(frozen=True)
class Applicants:
    """An applicant list as arrays.

    Attributes
    ----------
    ids
        Applicant ids, unique.
    amount
        Requested or entitled amount of each applicant [unit].
    score
        Review score (1.0 for everyone when the list has none).
    groups
        Group labels by column name (e.g. ``groups["district"]``).
    unit
        Unit of ``amount``.
    file
        Where the list came from (for messages).
    notes
        How the file was read (encoding, sheet, header row), for the user to check.
    scored
        Whether the list gave the scores (False: every score is 1.0).
    """

    ids: NDArray[np.str_]
    amount: Floats
    score: Floats
    groups: Mapping[str, NDArray[np.str_]]
    unit: str = "万元"
    file: str = ""
    notes: tuple[str, ...] = ()
    scored: bool = True

    def __len__(self) -> int:
        return int(self.amount.size)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        id_column: str = "id",
        amount_column: str = "amount",
        score_column: str | None = "score",
        unit: str = "万元",
        file: str = "",
        rows: Sequence[int] | None = None,
        notes: Sequence[str] = (),
    ) -> Applicants:
        """Validate a table of applicants; every other column becomes a group column.

        Parameters
        ----------
        frame
            One row per applicant, columns named by the header.
        id_column, amount_column, score_column
            See :func:`read_applicants`.
        unit
            Unit the amounts are converted to.
        file
            The file, for messages.
        rows
            The spreadsheet row number of each row of ``frame`` (default: header on row 1,
            applicants from row 2). Columns are lettered A, B, … in the frame's order.
        notes
            How the table was read, kept in :attr:`notes`.

        Raises
        ------
        ApplicantListError
            Naming each bad row and column: missing columns, empty, negative or absurd
            amounts, scores that are not numbers or out of range, duplicate ids, totals rows.

        Examples
        --------
        >>> df = pd.DataFrame({"id": ["a", "b"], "amount": ["50万元", 20], "district": ["x", "y"]})
        >>> apps = Applicants.from_frame(df)
        >>> apps.amount.tolist(), apps.score.tolist(), apps.groups["district"].tolist()
        ([50.0, 20.0], [1.0, 1.0], ['x', 'y'])
        """
        try:
            check_unit(unit)
        except AmountError as exc:
            raise BudgetsimError(f"unit: {exc}") from None
        frame = frame.rename(columns=lambda c: str(c).strip()).reset_index(drop=True)
        columns = list(frame.columns)
        letters = {c: get_column_letter(j + 1) for j, c in enumerate(columns)}
        row_numbers = list(rows) if rows is not None else list(range(2, len(frame) + 2))
        problems: list[Problem] = []
        required = [id_column, amount_column]
        if score_column is not None and score_column in columns:
            required.append(score_column)
        for name in (id_column, amount_column):
            if name not in columns:
                hint = did_you_mean(name, columns)
                problems.append(
                    Problem(
                        f"column {name!r}",
                        "missing column",
                        expected=f"a header row with {', '.join(map(repr, required))}",
                        found="columns " + ", ".join(map(repr, columns)),
                        hint=f"did you mean {hint!r}? (or name the column with --id-column, "
                        "--amount-column)"
                        if hint
                        else "name the columns with --id-column and --amount-column",
                    )
                )
        if problems:
            raise ApplicantListError(problems, file)
        if frame.empty:
            raise ApplicantListError([Problem("rows", "the list has no applicants")], file)

        def where(i: int, name: str) -> str:
            return f"row {row_numbers[i]}, column {name!r} ({letters[name]})"

        texts = frame.astype("string").fillna("").apply(lambda c: c.str.strip())
        ids = texts[id_column]
        header_again = ((ids == id_column) & (texts[amount_column] == amount_column)).to_numpy()
        totals = texts.apply(
            lambda c: c.str.replace(r"[\s:：]", "", regex=True).str.casefold()
        ).isin(TOTALS)
        row_total = totals.any(axis=1).to_numpy()
        for i in map(int, np.flatnonzero(header_again | row_total | (ids == "").to_numpy())):
            if header_again[i]:
                problems.append(
                    Problem(
                        f"row {row_numbers[i]}",
                        "the header row again, not an applicant",
                        hint="delete it, or split the tables into separate files",
                    )
                )
            elif row_total[i]:
                label = texts.iloc[i][totals.iloc[i].to_numpy()].iloc[0]
                problems.append(
                    Problem(
                        f"row {row_numbers[i]}",
                        f"a totals row ({label!r}), not an applicant",
                        hint="delete it: the list must hold one row per applicant",
                    )
                )
            else:
                problems.append(Problem(where(i, id_column), "empty id"))
        named = ids[(ids != "").to_numpy() & ~header_again]
        repeated = named[named.duplicated(keep=False)]
        for value, at in repeated.groupby(repeated, sort=False).groups.items():
            problems.append(
                Problem(
                    f"rows {', '.join(str(row_numbers[i]) for i in at)}, column {id_column!r} "
                    f"({letters[id_column]})",
                    f"duplicate id {value!r}",
                    expected="one row per applicant",
                )
            )
        skip = set(np.flatnonzero(header_again | totals[id_column].to_numpy()).tolist())
        amount = np.full(len(frame), np.nan)
        for i, value in enumerate(frame[amount_column].tolist()):
            if i not in skip:
                amount[i] = _amount(value, unit, where(i, amount_column), problems)
        score = np.ones(len(frame))
        if score_column is not None and score_column in columns:
            for i, value in enumerate(frame[score_column].tolist()):
                if i not in skip:
                    score[i] = _score(value, where(i, score_column), problems)
        if problems:
            raise ApplicantListError(problems, file)
        taken = {id_column, amount_column, score_column}
        groups = {c: frame[c].map(cell_text).to_numpy(dtype=str) for c in columns if c not in taken}
        typical = float(np.median(amount)) * unit_factor(unit)
        if typical > _LOOKS_LIKE_YUAN and unit != "元":
            notes = (
                *notes,
                f"the typical amount is {np.median(amount):,.0f} {unit} = "
                f"{typical / 1e8:,.0f}亿元; if the column is in 元, pass --unit 元",
            )
        scored = score_column is not None and score_column in columns
        ids_ = ids.to_numpy(dtype=str)
        return cls(ids_, amount, score, groups, unit, file, tuple(notes), scored)


def _amount(value: object, unit: str, where: str, problems: list[Problem]) -> float:
    """One amount in ``unit``, or NaN with the problem appended (the cell is read as every
    list's cells are, :func:`budgetsim.records.cell_number`; the range is an applicant's)."""
    amount = cell_number(
        value,
        unit,
        where,
        problems,
        noun="amount",
        empty="empty amount",
        expected="an amount such as 50 or '50万元'",
    )
    if math.isnan(amount):
        return math.nan
    if amount < 0:
        problems.append(Problem(where, "negative amount", expected="≥ 0", found=repr(value)))
        return math.nan
    most = MAX_AMOUNT_YUAN / unit_factor(unit)
    if amount > most:
        hint = "is the column in 元? then pass --unit 元" if unit != "元" else ""
        problems.append(
            Problem(
                where,
                "implausibly large amount for one applicant",
                expected=f"at most {most:,.0f} {unit} (100亿元)",
                found=f"{value!r} = {amount:,.6g} {unit}",
                hint=hint,
            )
        )
        return math.nan
    return amount


def _score(value: object, where: str, problems: list[Problem]) -> float:
    """One review score, or NaN with the problem appended."""
    low, high = SCORE_RANGE
    expected = f"a review score from {low:g} to {high:g}"
    if is_empty(value):
        problems.append(Problem(where, "empty score", expected=expected))
        return math.nan
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().removesuffix("分").strip()
        try:
            number = float(text)
        except ValueError:
            number = math.nan
    if not math.isfinite(number):
        problems.append(Problem(where, "not a number", expected=expected, found=repr(value)))
    elif not low <= number <= high:
        problems.append(Problem(where, "score out of range", expected=expected, found=repr(value)))
    else:
        return number
    return math.nan


def read_applicants(
    path: str | Path,
    *,
    id_column: str = "id",
    amount_column: str = "amount",
    score_column: str | None = "score",
    unit: str = "万元",
    sheet: str | int = 0,
) -> Applicants:
    """Read an applicant list from a CSV or Excel file.

    A CSV may be UTF-8 (with or without BOM), GB18030/GBK or UTF-16, comma-, tab- or
    semicolon-separated. The header is the first row with the id and amount columns, so a
    title row above it (merged across the columns or not) is skipped; blank rows and columns
    are dropped. :attr:`Applicants.notes` says which encoding, sheet and header row were used.

    Parameters
    ----------
    path
        ``.csv``, ``.xlsx`` or ``.xls`` file with a header row.
    id_column, amount_column, score_column
        Names of the id, amount [``unit``] and score columns; the score column is optional
        (everyone scores 1 without it).
    unit
        Unit the amounts are converted to.
    sheet
        Excel sheet name or index.

    Raises
    ------
    ApplicantListError
        When the file cannot be read or a row is bad: every problem, with the row and
        column as the spreadsheet numbers them, what was expected and what was found.
    BudgetsimError
        When ``unit`` is not a known unit.
    """
    try:
        check_unit(unit)
    except AmountError as exc:
        raise BudgetsimError(f"unit: {exc}") from None
    path = Path(path)
    file = str(path)
    try:
        grid, how = load_grid(path, sheet)
    except RecordsError as exc:
        raise ApplicantListError(exc.problems, file) from None
    frame, rows, header, above = grid_table(grid, [id_column, amount_column], file)
    note = f"read {path.name} {how}, header on row {header}"
    if above:
        note += f" (above it: {above[:60]!r})"
    try:
        apps = Applicants.from_frame(
            frame,
            id_column=id_column,
            amount_column=amount_column,
            score_column=score_column,
            unit=unit,
            file=file,
            rows=rows,
        )
    except ApplicantListError as exc:
        if not any(p.problem == "missing column" for p in exc.problems):
            raise
        causes = [*exc.problems, *missing_causes(grid, how, above, header)]
        raise ApplicantListError(causes, file) from None
    blank = sum(1 for r, row in enumerate(grid) if r >= header and not any(map(cell_text, row)))
    skipped = f", {blank} blank row{'s' if blank > 1 else ''} skipped" if blank else ""
    groups = {k: v for k, v in apps.groups.items() if not k.startswith("\0")}
    return Applicants(
        apps.ids,
        apps.amount,
        apps.score,
        groups,
        apps.unit,
        file,
        (f"{note}{skipped}: {len(apps):,} applicants", *apps.notes),
        apps.scored,
    )
