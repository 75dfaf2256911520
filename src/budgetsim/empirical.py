"""Records resampled (``dist = "empirical"``): a bureau's own list read once, sampled row by row.

An attribute with ``dist = "empirical"`` (:class:`~budgetsim.distributions.Empirical`) names a
file and a column. Compiling the scenario reads the file with
:func:`budgetsim.records.read_records` and binds each such attribute to its numbers
(:class:`Resampled`, numpy arrays that travel to worker processes with the plan). Attributes of
one population that name the same file (and sheet) are resampled jointly: the first of them
draws one uniform per applicant, the others reuse it, so each applicant takes one whole record
and the correlation between columns is kept.

A column of numbers gives numbers (money in the scenario's unit when the attribute's unit is
money); a column of yes/no words (是/否 …) gives a yes/no attribute; a column of text (districts,
sectors) gives a categorical attribute whose categories are the labels found, in sorted order.

A problem in the file is reported at the attribute that reads it, with the records file's own
row and column: ``populations.firms.attributes.rd_expense: rd.csv row 12, column '研发费用'
(C): not a number``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from budgetsim._sheets import grouped
from budgetsim.distributions import Empirical
from budgetsim.errors import Problem
from budgetsim.money import UNITS
from budgetsim.records import MAX_PROBLEMS, RecordsError, read_records

__all__ = ["Resampled", "resample_records"]

Floats = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Resampled:
    """An empirical attribute bound to its records: what the engine samples.

    Attributes
    ----------
    spec
        The attribute as the scenario states it.
    records
        The records' values [the attribute's unit; money in the scenario's unit], one per
        record, read-only: float64 numbers, booleans (a yes/no column) or int16 codes of
        ``labels`` (a text column).
    record_years
        Each record's year (for growth), or None when values are not scaled.
    path
        The records file as read (absolute).
    sha256
        SHA-256 of the file's bytes (part of the scenario's hash).
    leader
        The attribute of the same file whose uniforms this one reuses (joint resampling),
        or None when it draws its own.
    labels
        The categories of a text column (what its codes stand for), else None.

    Examples
    --------
    >>> spec = Empirical(dist="empirical", file="r.csv", column="x", growth=0.1,
    ...                  base_year=2023, source="test")
    >>> r = Resampled(spec, np.array([10.0, 20.0]), np.array([2023, 2023]), "r.csv", "")
    >>> r.transform_year(np.array([0.0, 0.49, 0.5, 0.999]), 2025).round(6).tolist()
    [12.1, 12.1, 24.2, 24.2]
    """

    spec: Empirical
    records: NDArray[Any]
    record_years: NDArray[np.int64] | None
    path: str
    sha256: str
    leader: str | None = None
    labels: tuple[str, ...] | None = None

    dist: ClassVar[str] = "empirical"

    @property
    def categories(self) -> tuple[str, ...] | None:
        """The labels of a text column (a categorical attribute), else None."""
        return self.labels

    @property
    def numeric(self) -> bool:
        """Whether the records are numbers (not yes/no answers or labels)."""
        return self.records.dtype.kind == "f"

    @property
    def unit(self) -> str | None:
        """The attribute's unit."""
        return self.spec.unit

    @property
    def label(self) -> str | None:
        return self.spec.label

    @property
    def label_en(self) -> str | None:
        return self.spec.label_en

    @property
    def uses_random(self) -> bool:
        """Whether this attribute draws uniforms of its own (a follower reuses its leader's)."""
        return self.leader is None

    def __len__(self) -> int:
        return int(self.records.shape[0])

    def standard(self, rng: np.random.Generator, out: Floats) -> None:
        """Fill ``out`` with uniforms from ``rng``."""
        rng.random(out=out)

    def scale(self, year: int) -> Floats:
        """Each record's growth factor in ``year``: (1 + growth) ** (year − record year)."""
        if self.record_years is None or self.spec.growth == 0:
            return np.ones(len(self))
        return np.asarray(
            (1.0 + self.spec.growth) ** (year - self.record_years).astype(np.float64),
            dtype=np.float64,
        )

    def index(self, x: Floats) -> NDArray[np.intp]:
        """The record each uniform picks: ``min(floor(u·n), n−1)``."""
        n = len(self)
        return np.minimum((x * n).astype(np.intp), n - 1)

    def transform(self, x: Floats) -> NDArray[Any]:
        """The records' values as read (no growth) for uniforms ``x``."""
        return np.asarray(self.records[self.index(x)])

    def transform_year(self, x: Floats, year: int) -> NDArray[Any]:
        """Values of applicants arriving in ``year`` for uniforms ``x``, grown to that year."""
        pick = self.index(x)
        if self.record_years is None or self.spec.growth == 0 or not self.numeric:
            return np.asarray(self.records[pick])
        return np.asarray((self.records * self.scale(year))[pick], dtype=np.float64)


def is_money(unit: str | None) -> bool:
    """Whether an attribute's unit is money (its records are read as amounts)."""
    return unit is not None and unit in UNITS


@dataclass(frozen=True)
class _Read:
    """What one file gave: its digest, record count, columns read, and problems by column."""

    sha256: str
    n: int
    numbers: dict[str, NDArray[Any]] = field(default_factory=dict)
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    years: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    problems: dict[str, tuple[Problem, ...]] = field(default_factory=dict)
    general: tuple[Problem, ...] = ()


@functools.lru_cache(maxsize=64)
def _read(
    path: str,
    stamp: tuple[int, int],
    sheet: str | int,
    numbers: tuple[tuple[str, str | None], ...],
    years: tuple[str, ...],
) -> _Read:
    """Read the columns of one file (cached by path, size and modification time, so that the
    variants of a sensitivity analysis do not read it again)."""
    del stamp  # part of the cache key only
    wanted = list(dict.fromkeys([c for c, _ in numbers] + list(years)))
    try:
        recs = read_records(path, wanted, sheet=sheet)
    except RecordsError as exc:
        return _Read("", 0, general=tuple(exc.problems))
    out = _Read(recs.sha256, len(recs))
    for column, unit in numbers:
        kind = "number" if unit else recs.kind(column)
        if kind == "flag":
            values: NDArray[Any] = recs.flags(column)
        elif kind == "text":
            found_labels = recs.labels(column)
            names, codes = np.unique(found_labels, return_inverse=True)
            values = codes.astype(np.int16)
            out.labels[column] = tuple(str(n) for n in names)
        else:
            values = recs.numbers(column, unit=unit, minimum=0.0 if unit else None)
        values.setflags(write=False)
        out.numbers[column] = values
        out.problems[column] = tuple(recs.problems)
        recs.problems.clear()
    for column in years:
        found = recs.years(column)
        found.setflags(write=False)
        out.years[column] = found
        out.problems[column] = out.problems.get(column, ()) + tuple(recs.problems)
        recs.problems.clear()
    return out


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


def _at(path: str, file: str, problem: Problem) -> Problem:
    """A records file's problem as a problem of the attribute that reads it."""
    where = f"{file}: " if problem.path == "(file)" else f"{file} {problem.path}: "
    return Problem(path, where + problem.problem, problem.expected, problem.found, problem.hint)


def _capped(problems: Sequence[Problem]) -> list[Problem]:
    """The first :data:`~budgetsim.records.MAX_PROBLEMS` of a file's problems, and a count."""
    shown = list(problems[:MAX_PROBLEMS])
    if len(problems) > MAX_PROBLEMS:
        rest = len(problems) - MAX_PROBLEMS
        shown.append(Problem(shown[-1].path, f"and {rest} more (fix these and validate again)"))
    return shown


def resample_records(
    base: str,
    attributes: Mapping[str, Empirical],
    unit: str,
    folder: Path,
) -> tuple[dict[str, Resampled], list[Problem]]:
    """Read the records of a population's empirical attributes and bind each to its numbers.

    Parameters
    ----------
    base
        The population's field path (``populations.firms``), for messages.
    attributes
        The population's empirical attributes by name, in the scenario's order.
    unit
        The scenario's unit: money columns are read in it (cells may say ``"50万元"``).
    folder
        The folder a relative ``file`` is read from (the scenario file's).

    Returns
    -------
    tuple
        The attributes bound to their records (attributes of the same file and sheet after the
        first reuse its uniforms), and every problem found.
    """
    groups: dict[tuple[str, str | int], list[str]] = {}
    for name, spec in attributes.items():
        where = (folder / Path(spec.file).expanduser()).resolve()
        groups.setdefault((str(where), 0 if spec.sheet is None else spec.sheet), []).append(name)
    bound: dict[str, Resampled] = {}
    problems: list[Problem] = []
    for (path, sheet), names in groups.items():
        specs = {name: attributes[name] for name in names}
        money = {name: unit if is_money(s.unit) else None for name, s in specs.items()}
        numbers = tuple(dict.fromkeys((s.column, money[n]) for n, s in specs.items()))
        years = tuple(dict.fromkeys(s.year_column for s in specs.values() if s.year_column))
        read = _read(path, _stamp(Path(path)), sheet, numbers, years)
        found: dict[str, list[Problem]] = {name: [] for name in names}
        for problem in read.general:
            owner = next(  # a missing column is the problem of the attribute that reads it
                (
                    n
                    for n, s in specs.items()
                    if any(f"column {c!r}" in problem.path for c in (s.column, s.year_column) if c)
                ),
                names[0],
            )
            hint = problem.hint
            if problem.problem == "no such file":
                hint = f"looked for {path}; a relative file is read from the scenario's folder"
            found[owner].append(
                _at(
                    f"{base}.attributes.{owner}",
                    specs[owner].file,
                    Problem(problem.path, problem.problem, problem.expected, problem.found, hint),
                )
            )
        for name, spec in specs.items():
            if read.general:
                break
            here = f"{base}.attributes.{name}"
            own = read.problems.get(spec.column, ())
            if spec.year_column:
                own += read.problems.get(spec.year_column, ())
            found[name] += [_at(here, spec.file, p) for p in grouped(own)]
        for name in names:
            problems += _capped(found[name])
        if read.general or any(found.values()):
            continue
        leader = names[0]
        for name, spec in specs.items():
            record_years = None
            if spec.year_column:
                record_years = read.years[spec.year_column]
            elif spec.base_year is not None:
                record_years = np.full(read.n, spec.base_year, dtype=np.int64)
            values = read.numbers[spec.column]
            if spec.growth != 0 and values.dtype.kind != "f":
                problems.append(
                    Problem(
                        f"{base}.attributes.{name}.growth",
                        "growth scales numbers",
                        expected="growth = 0 for a column of yes/no answers or labels",
                        found=f"growth = {spec.growth:g}; column {spec.column!r} holds "
                        + ("labels" if spec.column in read.labels else "yes/no answers"),
                    )
                )
                continue
            bound[name] = Resampled(
                spec,
                values,
                record_years,
                path,
                read.sha256,
                None if name == leader else leader,
                read.labels.get(spec.column),
            )
    return bound, problems
