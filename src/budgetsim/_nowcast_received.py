"""The applications received so far, read for a nowcast: dates and attributes of each applicant.

Columns are matched to the population's attributes by id, by Chinese label, by English label,
or as ``columns`` says (``{header: attribute}``); a categorical attribute is read by its
category ids or labels, a yes/no attribute as 是/否, yes/no, true/false or 1/0. Every problem of
the list is collected and reported together (:class:`budgetsim.records.RecordsError`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from openpyxl.utils import get_column_letter

from budgetsim.distributions import Bernoulli, Categorical, Fixed
from budgetsim.errors import Problem, ask, did_you_mean
from budgetsim.money import UNITS
from budgetsim.records import Records, RecordsError, cell_text, read_records
from budgetsim.scenario.compile import PopulationPlan, ProgrammePlan

__all__ = ["DATE_COLUMN", "Received", "needed_attributes", "read_received"]

#: The date column looked for when none is named.
DATE_COLUMN = "申请日期"

_YES = {"是", "有", "yes", "y", "true", "1", "1.0", "√"}
_NO = {"否", "无", "no", "n", "false", "0", "0.0", "×"}


@dataclass(frozen=True)
class Received:
    """The applications received, in arrival order.

    Attributes
    ----------
    dates
        Arrival date of each applicant, ascending.
    attributes
        Attribute values read from the list, by attribute id (in the attribute's coding).
    columns
        The header each attribute was read from, by attribute id.
    drawn
        Attributes the list does not give, drawn from their distributions.
    file, sha256, note
        Where the list came from and how it was read.
    """

    dates: NDArray[np.datetime64]
    attributes: dict[str, NDArray[Any]]
    columns: dict[str, str]
    drawn: tuple[str, ...]
    file: str
    sha256: str
    note: str

    @property
    def months(self) -> NDArray[np.int64]:
        """Arrival month (1–12) of each applicant."""
        months = self.dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        return np.asarray(months, dtype=np.int64)


def needed_attributes(programme: ProgrammePlan, population: PopulationPlan) -> list[str]:
    """The drawn attributes a programme's rules read, directly or through derived attributes.

    A received applicant must come with these (nothing else about it is drawn that would
    change what it is owed).
    """
    names: set[str] = set()
    exprs = [programme.eligible, *programme.expressions.values(), *programme.rationing.values()]
    for expr in exprs:
        if expr is not None:
            names |= expr.names
    derived = dict(population.derived)
    todo = [n for n in names if n in derived]
    while todo:
        for name in derived[todo.pop()].names:
            if name not in names:
                names.add(name)
                if name in derived:
                    todo.append(name)
    return [n for n, d in population.attributes if n in names and not isinstance(d, Fixed)]


def _as_records(received: Any, date_column: str) -> Records:
    if received is None:  # nothing received yet
        received = pd.DataFrame(columns=[date_column])
    if isinstance(received, Records):
        return received
    if isinstance(received, pd.DataFrame):
        frame = received.astype(object).reset_index(drop=True)
        frame.columns = [str(c).strip() for c in frame.columns]
        hashed = pd.util.hash_pandas_object(frame.astype(str)).to_numpy()
        digest = hashlib.sha256(hashed.tobytes()).hexdigest()
        letters = {c: get_column_letter(j + 1) for j, c in enumerate(frame.columns)}
        rows = tuple(range(2, len(frame) + 2))
        note = f"{len(frame):,} records from a DataFrame"
        return Records(frame, "(DataFrame)", rows, letters, digest, note)
    return read_records(Path(received), [date_column], empty=True)


def _header_for(
    name: str,
    population: PopulationPlan,
    columns: list[str],
    mapped: Mapping[str, str],
) -> str | None:
    dist = dict(population.attributes)[name]
    for header, attribute in mapped.items():
        if attribute == name:
            return header
    for candidate in (name, dist.label, dist.label_en):
        if candidate and candidate in columns:
            return candidate
    return None


def _flags(recs: Records, header: str) -> NDArray[np.bool_]:
    out = np.zeros(len(recs), dtype=bool)
    for i, value in enumerate(recs.frame[header].tolist()):
        text = cell_text(value).casefold()
        if text in _YES:
            out[i] = True
        elif text not in _NO:
            recs.problems.append(
                Problem(
                    recs.where(i, header),
                    "not yes or no",
                    expected="是/否, yes/no or 1/0",
                    found=repr(cell_text(value)),
                )
            )
    return out


def _codes(recs: Records, header: str, dist: Categorical) -> NDArray[np.int16]:
    names: dict[str, int] = {}
    for code, category in enumerate(dist.categories):
        for label in (
            category,
            dist.category_labels.get(category),
            dist.category_labels_en.get(category),
        ):
            if label:
                names[label] = code
    out = np.zeros(len(recs), dtype=np.int16)
    for i, value in enumerate(recs.frame[header].tolist()):
        text = cell_text(value)
        if text in names:
            out[i] = names[text]
        else:
            recs.problems.append(
                Problem(
                    recs.where(i, header),
                    "unknown category",
                    expected="one of " + ", ".join(dist.categories),
                    found=repr(text),
                    hint=ask(did_you_mean(text, names)),
                )
            )
    return out


def _values(recs: Records, header: str, dist: Any) -> NDArray[Any]:
    if isinstance(dist, Bernoulli):
        return _flags(recs, header)
    if isinstance(dist, Categorical):
        return _codes(recs, header, dist)
    unit = dist.unit if dist.unit in UNITS else None
    low = float(dist.scipy().support()[0])
    if getattr(dist, "lower", None) is not None:
        low = max(low, float(dist.lower))
    return recs.numbers(header, unit=unit, minimum=low if math.isfinite(low) else None)


def read_received(
    received: Any,
    programme: ProgrammePlan,
    population: PopulationPlan,
    as_of: dt.date,
    *,
    columns: Mapping[str, str] | None = None,
    date_column: str | None = None,
) -> Received:
    """Read the applications received by ``as_of`` for one programme.

    Parameters
    ----------
    received
        A CSV/Excel/Parquet file, a :class:`~budgetsim.records.Records` or a DataFrame; a
        list with no records, or None, means nothing has been received yet.
    programme, population
        The compiled programme and its population.
    as_of
        The nowcast's date: every application is dated in its year, no later than it.
    columns
        ``{header: attribute}`` for columns whose header is neither the attribute's id nor
        its label.
    date_column
        The header of the arrival dates (default :data:`DATE_COLUMN`).

    Raises
    ------
    RecordsError
        Naming every missing column, unreadable cell or date out of place.
    """
    dates_in = date_column or DATE_COLUMN
    recs = _as_records(received, dates_in)
    if recs.frame.empty:  # nothing received: no column is needed
        recs = _as_records(
            pd.DataFrame(columns=[dates_in, *needed_attributes(programme, population)]), dates_in
        )
    found = list(recs.frame.columns)
    attrs = dict(population.attributes)
    mapped = dict(columns or {})
    problems: list[Problem] = []
    known = ", ".join(map(repr, found))
    if dates_in not in found:
        problems.append(
            Problem(
                f"column {dates_in!r}",
                "missing column",
                expected="a column of arrival dates (--date-column names another)",
                found="columns " + known,
                hint=ask(did_you_mean(dates_in, found)),
            )
        )
    for header, attribute in mapped.items():
        if attribute not in attrs:
            problems.append(
                Problem(
                    f"--column {header}={attribute}",
                    f"no such attribute of population {population.id!r}",
                    expected="one of " + ", ".join(attrs),
                    found=repr(attribute),
                    hint=ask(did_you_mean(attribute, attrs)),
                )
            )
        elif header not in found:
            problems.append(
                Problem(
                    f"--column {header}={attribute}",
                    "no such column",
                    expected="a header of the list",
                    found="columns " + known,
                    hint=ask(did_you_mean(header, found)),
                )
            )
    headers: dict[str, str] = {}
    for name in needed_attributes(programme, population):
        wanted = _header_for(name, population, found, mapped)
        if wanted is None:
            dist = attrs[name]
            names = [n for n in (name, dist.label, dist.label_en) if n]
            close = next((c for n in names if (c := did_you_mean(n, found))), None)
            problems.append(
                Problem(
                    f"column for attribute {name!r}",
                    f"missing column: programme {programme.id!r} reads {name!r}",
                    expected="a column named "
                    + " or ".join(map(repr, names))
                    + f" (or --column HEADER={name})",
                    found="columns " + known,
                    hint=ask(close),
                )
            )
        elif wanted in found:
            headers[name] = wanted
    for name, dist in population.attributes:  # attributes not needed, given all the same
        if name not in headers and not isinstance(dist, Fixed):
            given = _header_for(name, population, found, mapped)
            if given is not None and given in found:
                headers[name] = given
    if problems:
        raise RecordsError(problems, recs.file)
    dates = recs.dates(dates_in, first=dt.date(as_of.year, 1, 1), last=as_of)
    values = {name: _values(recs, header, attrs[name]) for name, header in headers.items()}
    timing = population.spec.timing
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    outside = np.flatnonzero(
        ~np.isnat(dates) & ((months < timing.start_month) | (months > timing.end_month))
    )
    if outside.size:  # one problem for them all: a window set wrong, not a list typed wrong
        shown = ", ".join(f"row {recs.rows[i]} ({dates[i]})" for i in outside[:3])
        more = f" and {outside.size - 3} more" if outside.size > 3 else ""
        earliest = int(months[outside].min())
        recs.problems.append(
            Problem(
                f"column {dates_in!r}",
                f"{outside.size} application(s) dated outside the application window",
                expected=f"dates in months {timing.start_month}–{timing.end_month} "
                f"(populations.{population.id}.timing)",
                found=shown + more,
                hint="if applications open earlier, say so: --set "
                f"populations.{population.id}.timing.start_month={earliest}",
            )
        )
    recs.check()
    order = np.argsort(dates, kind="stable")
    drawn = tuple(
        n for n, d in population.attributes if n not in headers and not isinstance(d, Fixed)
    )
    return Received(
        dates=dates[order],
        attributes={name: v[order] for name, v in values.items()},
        columns=headers,
        drawn=drawn,
        file=recs.file,
        sha256=recs.sha256,
        note=recs.note,
    )
