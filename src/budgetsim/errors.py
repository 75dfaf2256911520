"""Errors that a user sees: what went wrong, where, what was expected, what was found.

Every user-facing failure of budgetsim is a :class:`BudgetsimError`; the command line prints
its message and exits with status 1 instead of showing a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "BudgetsimError",
    "ExpressionError",
    "Problem",
    "ScenarioError",
    "SimulationError",
    "ask",
    "did_you_mean",
]


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return the closest of ``choices`` to ``word``, or None when nothing is close.

    Examples
    --------
    >>> did_you_mean("proportinal", ["fixed", "proportional"])
    'proportional'
    >>> did_you_mean("zzz", ["fixed"]) is None
    True
    """
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def ask(name: str | None) -> str:
    """The "did you mean" of a message, for the closest name found (or nothing).

    Examples
    --------
    >>> ask(did_you_mean("proportinal", ["fixed", "proportional"]))
    "did you mean 'proportional'?"
    >>> ask(None)
    ''
    """
    return f"did you mean {name!r}?" if name else ""


class BudgetsimError(Exception):
    """Base class of every error budgetsim reports to a user."""


class SimulationError(BudgetsimError):
    """A scenario that validated but produced an impossible value while running."""


class ExpressionError(BudgetsimError):
    """An expression that is not allowed or cannot be evaluated.

    Parameters
    ----------
    message
        What is wrong, in the user's terms.
    expression
        The expression text.
    """

    def __init__(self, message: str, expression: str = "") -> None:
        self.message = message
        self.expression = expression
        super().__init__(f"{message} in expression {expression!r}" if expression else message)


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    path
        Dotted field path inside the file, e.g. ``programmes.rd_reward.instrument.cap``.
    problem
        What is wrong.
    expected
        What is allowed there (may be empty).
    found
        What the file has there (may be empty).
    hint
        A suggestion such as "did you mean 'cap'?" (may be empty).
    """

    path: str
    problem: str
    expected: str = ""
    found: str = ""
    hint: str = ""

    def render(self, file: str | None = None) -> str:
        """Format the problem as one line, prefixed with the file when known."""
        where = f"{file} › {self.path}" if file else self.path
        parts = [f"{where}: {self.problem}"]
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.found:
            parts.append(f"found {self.found}")
        line = "; ".join(parts)
        if self.hint:
            line += f" ({self.hint})"
        return line


class ScenarioError(BudgetsimError):
    """A scenario (or data) file with one or more problems.

    Parameters
    ----------
    problems
        Every problem found, so that a user can fix them all in one pass.
    file
        The file the problems are in, as the user named it.
    """

    def __init__(self, problems: Sequence[Problem], file: str | None = None) -> None:
        self.problems = list(problems)
        self.file = file
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line, with a count heading when there are several."""
        lines = [p.render(self.file) for p in self.problems]
        if len(lines) == 1:
            return lines[0]
        where = f" in {self.file}" if self.file else ""
        return f"{len(lines)} problems{where}:\n" + "\n".join(f"  - {line}" for line in lines)
