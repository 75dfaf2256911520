"""The proposed population block as TOML text: tables as the bundled scenarios write them.

Each block (arrivals, an attribute) is a table; each ``plausible`` entry is one line
(``plausible.median = { low = …, high = … }``); a text that would make a line wider than
:data:`TOML_WIDTH` cells is a multi-line string folded with a backslash at each line end
(TOML joins the lines and drops the breaks), so the block prints whole on a terminal of 100
columns and reads back as the same data (``tomllib``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import tomli_w
from rich.cells import cell_len

__all__ = ["TOML_WIDTH", "tables", "wrap_toml"]

#: The widest a line of the block is (cells; a Chinese character is 2).
TOML_WIDTH = 96


def tables(named: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """TOML tables ``[NAME]`` with their keys, folded to :data:`TOML_WIDTH`.

    Examples
    --------
    >>> print(tables([("populations.p.arrivals", {"dist": "poisson", "base": 12.5,
    ...                 "plausible": {"base": {"low": 10.0, "high": 15.0}}})]), end="")
    [populations.p.arrivals]
    dist = "poisson"
    base = 12.5
    plausible.base = { low = 10.0, high = 15.0 }
    """
    parts = []
    for head, spec in named:
        lines = [f"[{head}]"]
        for key, value in spec.items():
            if key == "plausible":
                lines += [f"plausible.{k} = {_inline(v)}" for k, v in value.items()]
            else:
                lines.append(f"{key} = {_inline(value)}")
        parts.append("\n".join(lines))
    return wrap_toml("\n\n".join(parts) + "\n")


def _inline(value: Any) -> str:
    """A value as TOML writes it on one line."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).strip().removeprefix("v = ")


#: What a folded line may break after: a run of printable ASCII (a word, a number, an escape)
#: with its blank, or any other single character (Chinese breaks between any two).
_TOKEN = re.compile(r"[!-~]+ ?|[^ !-~] ?| ")


def _wrapped(key: str, body: str) -> list[str]:
    """``key`` = a string (``body``: its content as a TOML basic string writes it, escapes
    included) as a multi-line string on lines of at most :data:`TOML_WIDTH` cells, each but
    the last ending in a backslash (TOML joins them, dropping the break and the blanks that
    start the next line, so no line starts with a blank). Escapes are never split: a run of
    ASCII without blanks is never broken."""
    lines, line = [], f'{key} = """'
    for token in _TOKEN.findall(body):
        if cell_len(line + token) + 1 > TOML_WIDTH and line.strip() and not token.isspace():
            lines.append(line + "\\")
            line = ""
        line += token
    lines.append(line + '"""')
    return lines


def wrap_toml(text: str) -> str:
    """A block's TOML with every ``key = "…"`` line wider than :data:`TOML_WIDTH` written as
    a multi-line string (``\\`` at each line end), as the bundled scenarios write long texts.

    Examples
    --------
    >>> import tomllib
    >>> line = 'source = "' + "fitted from a file " * 8 + '"'
    >>> out = wrap_toml(line)
    >>> max(map(len, out.splitlines())) <= TOML_WIDTH, tomllib.loads(out) == tomllib.loads(line)
    (True, True)
    """
    out = []
    for line in text.rstrip("\n").split("\n"):  # not splitlines: records' text may hold U+0085
        match = re.fullmatch(r'([A-Za-z_][\w.]*) = ("(?:[^"\\]|\\.)*")', line)
        if match is None or cell_len(line) <= TOML_WIDTH:
            out.append(line)
            continue
        out += _wrapped(match.group(1), match.group(2)[1:-1])
    return "\n".join(out) + "\n"
