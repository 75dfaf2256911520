"""Read an applicant list (CSV or Excel) into arrays, with errors that name the row and column.

One row per applicant: an id, the amount requested or entitled, a review score, and any number
of group columns (district, cluster, …). Column names are mapped once, here; the award model
sees only arrays. Amounts may be numbers or amount text in any unit (``"50万元"``, ``"1.2亿"``);
they are converted to the unit asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from budgetsim.errors import Problem, ScenarioError, did_you_mean
from budgetsim.money import AmountError, parse_amount

__all__ = ["Applicants", "read_applicants"]

Floats = NDArray[np.float64]

#: Row numbers in messages count the header as row 1, as a spreadsheet shows them.
_FIRST_ROW = 2


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
    """

    ids: NDArray[np.str_]
    amount: Floats
    score: Floats
    groups: Mapping[str, NDArray[np.str_]]
    unit: str = "万元"
    file: str = ""

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
    ) -> Applicants:
        """Validate a table of applicants; every other column becomes a group column.

        Raises
        ------
        ScenarioError
            Naming each bad row and column: missing columns, empty or negative amounts,
            scores that are not numbers, duplicate ids.

        Examples
        --------
        >>> df = pd.DataFrame({"id": ["a", "b"], "amount": ["50万元", 20], "district": ["x", "y"]})
        >>> apps = Applicants.from_frame(df)
        >>> apps.amount.tolist(), apps.score.tolist(), apps.groups["district"].tolist()
        ([50.0, 20.0], [1.0, 1.0], ['x', 'y'])
        """
        frame = frame.rename(columns=lambda c: str(c).strip())
        columns = list(frame.columns)
        problems = []
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
            raise ScenarioError(problems, file)
        if frame.empty:
            raise ScenarioError([Problem("rows", "the list has no applicants")], file)
        ids = frame[id_column].astype("string").str.strip()
        for row in np.flatnonzero(ids.isna().to_numpy() | (ids == "").to_numpy()):
            problems.append(Problem(f"row {row + _FIRST_ROW}, column {id_column!r}", "empty id"))
        dup = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
        for value in dict.fromkeys(ids[dup]):
            rows = np.flatnonzero((ids == value).to_numpy()) + _FIRST_ROW
            problems.append(
                Problem(
                    f"rows {', '.join(map(str, rows))}, column {id_column!r}",
                    f"duplicate id {value!r}",
                    expected="one row per applicant",
                )
            )
        amount = _amounts(frame[amount_column], amount_column, unit, problems)
        score = np.ones(len(frame))
        if score_column is not None and score_column in columns:
            score = _numbers(frame[score_column], score_column, problems)
        if problems:
            raise ScenarioError(problems, file)
        taken = {id_column, amount_column, score_column}
        groups = {
            c: frame[c].astype("string").fillna("").str.strip().to_numpy(dtype=str)
            for c in columns
            if c not in taken
        }
        return cls(ids.to_numpy(dtype=str), amount, score, groups, unit, file)


def _amounts(column: pd.Series, name: str, unit: str, problems: list[Problem]) -> Floats:
    out = np.full(len(column), np.nan)
    for row, value in enumerate(column.tolist()):
        where = f"row {row + _FIRST_ROW}, column {name!r}"
        if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
            problems.append(
                Problem(where, "empty amount", expected="an amount such as 50 or '50万元'")
            )
            continue
        try:
            amount = parse_amount(value, unit)
        except AmountError as exc:
            problems.append(Problem(where, str(exc)))
            continue
        if amount < 0:
            problems.append(Problem(where, "negative amount", expected="≥ 0", found=repr(value)))
            continue
        out[row] = amount
    return out


def _numbers(column: pd.Series, name: str, problems: list[Problem]) -> Floats:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    for row in np.flatnonzero(~np.isfinite(values)):
        problems.append(
            Problem(
                f"row {row + _FIRST_ROW}, column {name!r}",
                "not a number",
                expected="a finite score",
                found=repr(column.iloc[row]),
            )
        )
    return values


def read_applicants(
    path: str | Path,
    *,
    id_column: str = "id",
    amount_column: str = "amount",
    score_column: str | None = "score",
    unit: str = "万元",
    sheet: str | int = 0,
) -> Applicants:
    """Read an applicant list from a CSV (UTF-8, with or without BOM) or Excel file.

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
    ScenarioError
        When the file cannot be read or a row is bad (the message names the row and column).
    """
    path = Path(path)
    file = str(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            frame = pd.read_excel(path, sheet_name=sheet, dtype=object)
        else:
            frame = pd.read_csv(path, dtype=object, encoding="utf-8-sig", skipinitialspace=True)
    except FileNotFoundError:
        raise ScenarioError([Problem("(file)", "no such file")], file) from None
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            [
                Problem(
                    "(file)",
                    "cannot read the applicant list",
                    expected="a CSV (UTF-8) or Excel file with a header row",
                    found=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                )
            ],
            file,
        ) from None
    return Applicants.from_frame(
        frame,
        id_column=id_column,
        amount_column=amount_column,
        score_column=score_column,
        unit=unit,
        file=file,
    )
