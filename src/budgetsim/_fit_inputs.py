"""What `budgetsim fit` checks in its input before fitting: the COLUMN=ATTR options, the
columns being there, of the right kind (amounts, not labels; categories, not amounts), and
enough positive amounts. Every problem is collected and reported together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from budgetsim.errors import Problem, ScenarioError, ask, did_you_mean

if TYPE_CHECKING:
    from budgetsim.records import Records

__all__ = ["IDENT", "MAX_CATEGORIES", "MIN_RECORDS", "amounts", "check_kinds", "pairs", "require"]

Floats = NDArray[np.float64]

#: The fewest records a numeric attribute is fitted to.
MIN_RECORDS = 10
#: What an attribute or population id may be: lowercase ASCII letters, digits and _.
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


def pairs(specs: Sequence[str] | Mapping[str, str], option: str) -> list[tuple[str, str]]:
    """``COLUMN[=ATTR]`` specs as (column, attribute name), names checked."""
    if isinstance(specs, Mapping):
        found = [(str(k), str(v)) for k, v in specs.items()]
    else:
        found = []
        for spec in map(str, specs):
            column, sep, name = spec.rpartition("=")
            found.append((column.strip(), name.strip()) if sep else (spec.strip(), spec.strip()))
    problems = []
    for column, name in found:
        if not IDENT.match(name):
            problems.append(
                Problem(
                    f"{option} {column}" if column == name else f"{option} {column}={name}",
                    "an attribute needs a name of lowercase ASCII letters, digits and _",
                    found=repr(name),
                    hint=f"write {option} '{column}=rd_expense' (any such name)",
                )
            )
    if problems:
        raise ScenarioError(problems)
    return found


def require(records: Records, columns: Sequence[str]) -> None:
    from budgetsim.records import RecordsError

    known = list(records.frame.columns)
    problems = [
        Problem(
            f"column {c!r}",
            "missing column",
            found="columns " + ", ".join(map(repr, known)),
            hint=ask(did_you_mean(c, known)),
        )
        for c in columns
        if c not in known
    ]
    if problems:
        raise RecordsError(problems, records.file)


#: A column of numbers with more distinct values than this is not a set of categories.
MAX_CATEGORIES = 30


def check_kinds(records: Records, numeric: list[str], texts: list[str]) -> None:
    """Refuse, in one message per column, a column of labels fitted as amounts and a column
    of amounts counted as categories (the records' :meth:`~budgetsim.records.Records.kind`)."""
    from budgetsim.records import RecordsError

    problems = []
    for column in numeric:
        kind = records.kind(column)
        if kind != "number":
            what = "yes/no answers" if kind == "flag" else "labels"
            problems.append(
                Problem(
                    f"column {column!r}",
                    f"a column of {what}, not amounts",
                    expected="numbers (amounts) for --attribute",
                    hint=f"count it as shares: --category {column!r}",
                )
            )
    for column in texts:
        distinct = records.frame[column].nunique()
        if records.kind(column) == "number" and distinct > MAX_CATEGORIES:
            problems.append(
                Problem(
                    f"column {column!r}",
                    f"a column of numbers with {distinct:,} different values, not categories",
                    expected=f"at most {MAX_CATEGORIES} categories for --category",
                    hint=f"fit it as amounts: --attribute {column!r}",
                )
            )
    if problems:
        raise RecordsError(problems, records.file)


def amounts(records: Records, column: str, unit: str, zero_ok: bool) -> Floats:
    """The column's amounts; problems (text, negative, zero unless allowed, too few) are
    collected in ``records``."""
    values = records.numbers(column, unit=unit, minimum=0.0)
    if not zero_ok:
        for i in np.flatnonzero(values == 0):
            records.problems.append(
                Problem(
                    records.where(int(i), column),
                    "zero amount",
                    expected="an amount > 0 (the candidate families are for positive amounts)",
                    found="0",
                    hint=f"delete the records without an amount, or allow zeros: "
                    f"--allow-zero {column!r}",
                )
            )
    if len(values) < MIN_RECORDS:
        records.problems.append(
            Problem(
                f"column {column!r}",
                "too few records to fit",
                expected=f"at least {MIN_RECORDS}",
                found=str(len(values)),
            )
        )
    return values
