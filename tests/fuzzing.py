"""Fuzzing of everything a user types (issue 13): scenario files and ``--set`` values.

A seeded generator mutates the bundled scenarios and ``tests/bad_scenarios/_base.toml``:
deleted keys, flipped types, non-finite and extreme numbers, malformed units, unicode and
control characters in strings and keys, encodings and line ends, duplicates, broken TOML,
hostile expressions and bad ``--set`` values. Each :class:`Case` is plain data with an id
``base:family:value@path`` that names it reproducibly; the same seed gives the same list.

The oracle (:func:`check`): a case ends either in a clean error (``ScenarioError`` from the
API; exit status 1 from ``budgetsim validate`` naming the file and a field, no traceback) or
in a clean run (the scenario loads, and for a sample of the cases a 20-draw simulation gives
finite numbers, and ``budgetsim run`` exits 0). Anything else is a failure. Cases run in a
forked worker process (:class:`Sandbox`) with a time and a memory limit, so a runaway case
is a failure, not a hung test run.

Run ``python tests/fuzzing.py --count`` (``--slow`` for the long set) for the counts per
outcome and a catalogue of failures, ``python tests/fuzzing.py --case ID`` to reproduce one
case (it writes the mutated file and prints the outcome).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import multiprocessing
import multiprocessing.connection
import random
import re
import resource
import sys
import tempfile
import time
import traceback
import warnings
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "src" / "budgetsim" / "scenarios"
BASE_FILE = ROOT / "tests" / "bad_scenarios" / "_base.toml"

SEED = 13  # the number; change it to explore, keep it fixed in the suite
#: One case in this many is simulated (20 draws), and every changed expression of the smaller
#: scenarios; one in ``CLI_RUN_EVERY`` runs ``budgetsim run``.
SIMULATE_EVERY = 20
CLI_RUN_EVERY = 40
#: Seconds a case may take (validation, CLI, and the sampled simulation) before it fails.
TIME_LIMIT = 20.0
#: Address space of the worker process; a case that needs more fails with MemoryError.
MEMORY_LIMIT = 4 * 2**30
#: Whether a scenario that validates but stops its run with a SimulationError (a clean
#: message naming the field, exit status 1) fails the case; by default it is counted apart.
RUNTIME_ERRORS_FAIL = False
#: Expected applicants a year (all populations together) above which a case is not simulated.
MAX_APPLICANTS = 1e6
#: Summary columns in which NaN means "does not apply" (no envelope, never exhausted, …).
NAN_ALLOWED = frozenset(
    {
        "envelope",
        "available_mean",
        "unspent_mean",
        "lapsed_mean",
        "exhaustion_month_p50",
        "first_exhausted_year_p50",
        "coverage_full",
        "coverage_any",
        "fill_ratio",
        "goal",
        "depletion_month_p50",
    }
)

Key = str | int
Path_ = tuple[Key, ...]


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Case:
    """One mutated input.

    ``family`` is the kind of mutation; ``op`` how it is applied: ``delete``, ``set`` (the
    value at ``path``), ``append`` (text added to the string at ``path``), ``rename`` (the key
    at ``path`` becomes ``value``), ``text`` (a change to the file's bytes: ``value`` names
    it), ``override`` (``value`` is a list of ``--set`` strings for the unchanged file).
    """

    id: str
    base: str
    family: str
    op: str
    path: Path_
    value: Any
    simulate: bool = False
    cli_run: bool = False


def dotted(path: Path_) -> str:
    return ".".join(str(k) for k in path) or "(top level)"


@cache
def bases() -> dict[str, Path]:
    found = {p.stem: p for p in sorted(SCENARIOS.glob("*.toml"))}
    found["_base"] = BASE_FILE
    return found


@cache
def base_text(base: str) -> str:
    return bases()[base].read_text(encoding="utf-8")


@cache
def _parsed(base: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(base_text(base))


def base_data(base: str) -> dict[str, Any]:
    """The base file's data (a copy to change freely)."""
    return copy.deepcopy(_parsed(base))


def walk(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every (path, value) below ``node``, tables and lists included, in file order."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key), value
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*path, i), value
            yield from walk(value, (*path, i))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


AMOUNT = re.compile(r"^[0-9.,\-\s]+[万亿千百]?元?$")
EXPRESSION_KEYS = frozenset({"eligible", "expr", "score", "base", "when", "of", "position"})


def attribute_for(data: dict[str, Any], path: Path_) -> str:
    """A numeric attribute an expression at ``path`` may read (else ``year``)."""
    population = None
    if path[:1] == ("populations",) and len(path) > 1:
        population = path[1]
    elif path[:1] == ("programmes",) and len(path) > 1:
        population = data["programmes"][path[1]].get("population")
    attributes = data.get("populations", {}).get(population, {}).get("attributes", {})
    for name, spec in attributes.items():
        if isinstance(spec, dict) and spec.get("dist") not in ("categorical", "bernoulli"):
            return str(name)
    return "year"


# The bad values, each with a short ASCII label for the case id.

FLIPS: list[tuple[str, Any]] = [
    ("int0", 0),
    ("float", 3.5),
    ("text", "text"),
    ("numtext", "12"),
    ("list0", []),
    ("list", [1, 2]),
    ("listtext", ["a"]),
    ("table0", {}),
    ("table", {"x": 1}),
    ("true", True),
    ("false", False),
]

NUMBERS: list[tuple[str, Any]] = [
    ("nan", float("nan")),
    ("inf", float("inf")),
    ("-inf", float("-inf")),
    ("1e12", 1e12),
    ("1e308", 1e308),
    ("-1", -1),
    ("0", 0),
    ("-0.0", -0.0),
    ("0.5", 0.5),
    ("1e-320", 1e-320),
    ("10**400", 10**400),
    ("-10**400", -(10**400)),
    ("2**63", 2**63),
    ("1e9", 10**9),
    ("str1e400wan", "1e400万元"),
    ("str1e400", "1e400"),
    ("strnan", "nan"),
    ("strinf", "inf万元"),
]

YEARS: list[tuple[str, Any]] = [
    ("huge", [10**9, 10**9 + 1, 10**9 + 2]),
    ("y10000", [9999, 10000, 10001]),
    ("negative", [-1, 0, 1]),
    ("i64", [2**63 - 1, 2**63, 2**63 + 1]),
    ("big", [10**400, 10**400 + 1]),
    ("51", list(range(2021, 2072))),
    ("50", list(range(2021, 2071))),
    ("one", [2021]),
    ("same", [2021, 2021, 2021]),
    ("reversed", [2023, 2022, 2021]),
    ("empty", []),
    ("floats", [2021.0, 2022.0, 2023.0]),
    ("nan", [float("nan")]),
    ("text", ["2021", "2022", "2023"]),
]

UNITS: list[tuple[str, Any]] = [
    ("usd", "3000美元"),
    ("wanyuanyuan", "50万元元"),
    ("chinese-numeral", "五十万"),
    ("comma", "1,000"),
    ("space", "1 000万元"),
    ("fullwidth", "１０００万元"),
    ("1e400", "1e400万元"),
    ("negative", "-3000万元"),
    ("bare", "3000"),
    ("wan", "3000万"),
    ("yuan", "3000元"),
    ("spaced", "3000 万元"),
    ("unit-only", "万元"),
    ("empty", ""),
    ("yi", "0.5亿元"),
    ("open-range", "1000-万元"),
    ("range", "1000-1500万元"),
    ("reversed-range", "1500-1000万元"),
    ("nan", "nan万元"),
    ("inf", "inf万元"),
    ("nul", "3000万元\x00"),
    ("tiny", "1e-400万元"),
    ("hex", "0x10万元"),
    ("underscore", "1_000万元"),
    ("plus", "+3000万元"),
    ("400-digits", "1" + "0" * 399 + "万元"),
]

UNICODE: list[tuple[str, str]] = [
    ("nul", "\x00"),
    ("rlo", "\u202e"),
    ("emoji", "🚀"),
    ("fullwidth", "ｆｉｒｍｓ"),
    ("bom", "\ufeff"),
    ("zwsp", "\u200b"),
    ("crlf", "\r\n"),
    ("esc", "\x1b[31m"),
    ("markup", "[bold red]x[/]"),
    ("close-markup", "[/]"),
    ("del", "\x7f"),
    ("long", "长" * 5000),
    ("dotted", "a.b"),
    ("empty", ""),
]


def expressions(x: str) -> list[tuple[str, str]]:
    """Hostile expressions over the numeric attribute ``x``."""
    return [
        ("chain600", " + ".join([x] * 601)),
        ("chain600-tight", "+".join(["1"] * 601)),
        ("chain300", "+".join([x] * 301)),
        ("pow-tower", "9**9**9"),
        ("pow-big", "10**100000"),
        ("pow-400", "10 ** 400"),
        ("pow-int", "2 ** 10000"),
        ("pow-x", f"{x} ** 1000"),
        ("pow-year", "year ** year ** year"),
        ("digits400", "1" + "0" * 399),
        ("digits400-cmp", f"{x} > 1{'0' * 399}"),
        ("1e400", "1e400"),
        ("1e400-cmp", f"{x} < 1e400"),
        ("-1e400", f"{x} * -1e400"),
        ("overflow", f"{x} * 1e308 * 1e308"),
        ("div0", f"{x} / 0"),
        ("zero-div-zero", "0 / 0"),
        ("floordiv0", f"{x} // 0"),
        ("mod0", f"{x} % 0"),
        ("log0", "log(0)"),
        ("log-neg", f"log(-1 - {x})"),
        ("exp-big", "exp(1000)"),
        ("clip-inf", f"clip({x}, 1e400, -1e400)"),
        ("parens100", "(" * 100 + x + ")" * 100),
        ("parens1000", "(" * 1000 + x + ")" * 1000),
        ("unary1000", "-" * 1000 + x),
        ("not500", "not " * 500 + x),
        ("unknown", "foo > 1"),
        ("case", f"{x.upper()} > 1"),
        ("fullwidth-name", "ｘ > 1"),
        ("dunder-attr", f"{x}.__class__"),
        ("dunder-chain", "().__class__.__bases__[0].__subclasses__()"),
        ("import", "__import__('os').system('true')"),
        ("builtins", "__builtins__"),
        ("getattr", f"getattr({x}, '__class__')"),
        ("lambda", "lambda: 1"),
        ("walrus", "(y := 1)"),
        ("comprehension", "[c for c in (1, 2)]"),
        ("subscript", f"{x}[0]"),
        ("text-repeat", "'a' * 10**9"),
        ("list-repeat", "[1] * 10**9"),
        ("fstring", f"f'{{{x}}}'"),
        ("statement", "import os"),
        ("two-statements", f"{x}; {x}"),
        ("empty", ""),
        ("blank", "   "),
        ("nul", "\x00"),
        ("newline", f"{x}\n+ 1"),
        ("comment", f"{x} # comment"),
        ("min-one", f"min({x})"),
        ("max100", "max(" + ", ".join([x] * 100) + ")"),
        ("call-unknown", f"sqrt({x})"),
        ("where-one", f"where({x})"),
        ("text-compare", f"{x} > 'a'"),
        ("bool-arith", "True + True"),
        ("month-div0", "month / 0"),
        ("long-name", "a" * 3000),
    ]


SET_VALUES: list[tuple[str, str]] = [
    ("nan", "nan"),
    ("inf", "inf"),
    ("-inf", "-inf"),
    ("1e400", "1e400"),
    ("digits400", "1" + "0" * 399),
    ("1e400wan", "1e400万元"),
    ("1e12", "1e12"),
    ("-1", "-1"),
    ("0", "0"),
    ("usd", "3000美元"),
    ("wanyuanyuan", "50万元元"),
    ("chinese-numeral", "五十万"),
    ("comma", "1,000"),
    ("scale-huge", "×1e308"),
    ("scale-1e400", "×1e400"),
    ("scale-zero", "*0"),
    ("scale-x", "x2"),
    ("broken-list", "[1,"),
    ("broken-table", "{"),
    ("table", "{x = 1}"),
    ("list", "[1, 2]"),
    ("bool", "true"),
    ("text", '"text"'),
    ("empty", ""),
    ("nul", "a\x00b"),
    ("rlo", "\u202e1"),
    ("emoji", "🚀"),
    ("markup", "[bold]x[/]"),
    ("dunder", "__import__('os')"),
    ("pow-tower", '"9**9**9"'),
    ("chain600", '"' + "+".join(["1"] * 601) + '"'),
]

#: ``--set`` strings whose path is broken (applied to any base).
SET_PATHS: list[tuple[str, str]] = [
    ("no-equals", "programmes"),
    ("empty-path", "=1"),
    ("only-equals", "="),
    ("double-dot", "scenario..id=1"),
    ("unknown", "nosuch.field=1"),
    ("index-big", "scenario.years.99=2021"),
    ("index-negative", "scenario.years.-1=2021"),
    ("index-huge", "scenario.years." + "9" * 400 + "=2021"),
    ("through-scalar", "scenario.id.x=1"),
    ("unicode-path", "scenario.\u202eid=1"),
    ("nul-path", "scenario.i\x00d=1"),
    ("dunder-path", "__class__.__init__=1"),
    ("top-level", "scenario=1"),
    ("new-top", "extra=1"),
]

#: Whole-file changes: (label, function of the file's text returning its bytes).
ENCODINGS: list[tuple[str, str]] = [
    ("bom", "utf-8-sig"),
    ("gbk", "gbk"),
    ("gb18030", "gb18030"),
    ("utf16", "utf-16"),
    ("latin1", "latin-1"),
]


def text_bytes(text: str, op: str, at: int) -> bytes:
    """The file's bytes after the text mutation ``op`` at position ``at`` (0 ≤ at < 1e6)."""
    lines = text.splitlines(keepends=True)
    if op in ("bom", "gbk", "gb18030", "utf16", "latin1"):
        codec = dict(ENCODINGS)[op]
        return text.encode(codec, errors="replace")
    if op == "crlf":
        return text.replace("\n", "\r\n").encode()
    if op == "bom-crlf":
        return text.replace("\n", "\r\n").encode("utf-8-sig")
    if op == "gbk-crlf":
        return text.replace("\n", "\r\n").encode("gbk", errors="replace")
    if op == "bom-gbk":
        return b"\xef\xbb\xbf" + text.encode("gbk", errors="replace")
    if op == "cr":
        return text.replace("\n", "\r").encode()
    if op == "empty":
        return b""
    if op == "only-bom":
        return b"\xef\xbb\xbf"
    data = text.encode()
    if op == "truncate":
        return data[: at % len(data)]
    if op == "nul":
        i = at % len(data)
        return data[:i] + b"\x00" + data[i:]
    if op == "bad-byte":
        i = at % len(data)
        return data[:i] + b"\xff" + data[i:]
    if op == "unquote":
        quotes = [m.start() for m in re.finditer('"', text)]
        i = quotes[at % len(quotes)]
        return (text[:i] + text[i + 1 :]).encode()
    assignments = [i for i, line in enumerate(lines) if re.match(r"^\s*[\w.\"-]+\s*=", line)]
    headers = [i for i, line in enumerate(lines) if line.startswith("[")]
    if op == "dup-key":
        i = assignments[at % len(assignments)]
        return "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]).encode()
    if op == "dup-table":
        i = headers[at % len(headers)]
        return "".join([*lines, "\n", lines[i]]).encode()
    numbers = [m for m in re.finditer(r"(?<=[=,\[] )-?[0-9][0-9_.eE+-]*(?=[,\]\s])", text)]
    if op.startswith("literal:"):
        m = numbers[at % len(numbers)]
        literal = {"1e400": "1e400", "digits400": "1" + "0" * 399, "nan": "nan", "-inf": "-inf"}
        return (text[: m.start()] + literal[op.split(":", 1)[1]] + text[m.end() :]).encode()
    raise ValueError(op)  # pragma: no cover


TEXT_OPS_ONCE = [
    "bom",
    "gbk",
    "gb18030",
    "utf16",
    "latin1",
    "crlf",
    "bom-crlf",
    "gbk-crlf",
    "bom-gbk",
    "cr",
    "empty",
    "only-bom",
]
TEXT_OPS_AT = [
    "truncate",
    "nul",
    "bad-byte",
    "unquote",
    "dup-key",
    "dup-table",
    "literal:1e400",
    "literal:digits400",
    "literal:nan",
    "literal:-inf",
]


def _sample(rng: random.Random, items: Sequence[Any], k: int | None) -> list[Any]:
    return list(items) if k is None or k >= len(items) else rng.sample(list(items), k)


#: The slow set samples this many times the paths of the CI set, with every value.
SLOW_FACTOR = 4


def generate(size: str = "ci", seed: int = SEED) -> list[Case]:
    """The cases of one size, ``"ci"`` (a few thousand) or ``"slow"`` (every path, every
    value); the same ``seed`` gives the same list, in the same order."""
    full = size == "slow"
    cases: list[Case] = []
    seen: Counter[str] = Counter()

    def add(base: str, family: str, label: str, op: str, path: Path_, value: Any) -> None:
        where = "--set" if op == "override" else dotted(path) if op != "text" else "(file)"
        name = f"{base}:{family}:{label}@{where}"
        seen[name] += 1
        if seen[name] > 1:
            name += f"#{seen[name]}"
        crc = zlib.crc32(name.encode())
        small = base not in ("jiangmen-2021", "zhongshan-2024")
        cases.append(
            Case(
                name,
                base,
                family,
                op,
                path,
                value,
                # expressions are evaluated only in a run: simulate all of them (small bases)
                simulate=crc % SIMULATE_EVERY == 0 or (family == "expression" and small),
                cli_run=crc % CLI_RUN_EVERY == 1,
            )
        )

    for base in bases():
        rng = random.Random(f"{seed}:{size}:{base}")
        data = base_data(base)
        # the two large scenarios are slower to validate: fewer cases each in CI
        scale = 1.0 if full or base not in ("jiangmen-2021", "zhongshan-2024") else 0.25

        def k(n: int, scale: float = scale) -> int:
            return max(1, round(n * scale * (SLOW_FACTOR if full else 1)))

        nodes = list(walk(data))
        leaves = [(p, v) for p, v in nodes if not isinstance(v, dict | list)]
        keyed = [(p, v) for p, v in nodes if isinstance(p[-1], str)]
        numbers = [(p, v) for p, v in leaves if is_number(v)]
        amounts = [(p, v) for p, v in leaves if isinstance(v, str) and AMOUNT.match(v)]
        strings = [(p, v) for p, v in leaves if isinstance(v, str)]
        lists = [(p, v) for p, v in nodes if isinstance(v, list) and v]
        exprs = [
            (p, v)
            for p, v in leaves
            if isinstance(v, str) and p[-1] in EXPRESSION_KEYS and p[0] != "variants"
        ]
        # programmes without an eligibility condition get one
        exprs += [
            (("programmes", str(name), "eligible"), "")
            for name, spec in data.get("programmes", {}).items()
            if "eligible" not in spec
        ]

        for path, _ in _sample(rng, keyed, k(60)):
            add(base, "delete", "key", "delete", path, None)
        for path, _ in _sample(rng, nodes, k(40)):
            for label, value in _sample(rng, FLIPS, None if full else 3):
                add(base, "flip", label, "set", path, value)
        for path, _ in _sample(rng, numbers, k(8)):
            for label, value in NUMBERS:
                add(base, "number", label, "set", path, value)
        for label, value in YEARS:
            add(base, "years", label, "set", ("scenario", "years"), value)
        for path, _ in _sample(rng, amounts + numbers, k(6)):
            for label, value in _sample(rng, UNITS, None if full else 10):
                add(base, "unit", label, "set", path, value)
        for path, _ in _sample(rng, strings, k(10)):
            for label, value in _sample(rng, UNICODE, None if full else 4):
                add(base, "unicode", label, "append", path, value)
        for path, _ in _sample(rng, keyed, k(10)):
            for label, value in _sample(rng, UNICODE, None if full else 3):
                add(base, "unicode-key", label, "rename", path, f"{path[-1]}{value}")
        for path, _ in _sample(rng, [(p, v) for p, v in nodes if len(p) == 2], k(4)):
            for label, name in [("upper", str(path[-1]).upper()), ("fullwidth", "ｆｉｒｍｓ")]:
                add(base, "unicode-key", label, "rename", path, name)
        for path, _ in _sample(rng, exprs, k(3)):
            x = attribute_for(data, path)
            for label, text in expressions(x):
                add(base, "expression", label, "set", path, text)
        for path, value in _sample(rng, lists, k(6)):
            add(base, "duplicate", "first", "set", path, [*value, copy.deepcopy(value[0])])
        for name, spec in data.get("targets", {}).items():
            pops = spec.get("entries", {}).get("populations")
            first = pops if isinstance(pops, str) else pops[0]
            path = ("targets", name, "entries", "populations")
            add(base, "duplicate", "population", "set", path, [first, first])
        for op in TEXT_OPS_ONCE:
            add(base, "text", op, "text", (), (op, 0))
        for op in TEXT_OPS_AT:
            for at in [rng.randrange(1_000_000) for _ in range(1 if not full else 12)]:
                add(base, "text", f"{op}:{at}", "text", (), (op, at))
        for path, _ in _sample(rng, leaves, k(6)):
            for label, value in _sample(rng, SET_VALUES, None if full else 6):
                add(base, "set", label, "override", path, [f"{dotted(path)}={value}"])
        for label, text in _sample(rng, SET_PATHS, None if full else 3):
            add(base, "set-path", label, "override", (), [text])
    return cases


# ---------------------------------------------------------------------------------------------
# Building a case's file
# ---------------------------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: Key) -> str:
    key = str(key)
    return key if _BARE.match(key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(type(value))  # pragma: no cover


def dumps(data: dict[str, Any]) -> str:
    """TOML text for ``data``: top-level tables as ``[headers]``, everything in them as dotted
    keys, tables in lists inline. Writes what tomllib reads back (nan, inf, huge integers)."""

    def flat(node: dict[str, Any], prefix: str) -> Iterator[str]:
        for key, value in node.items():
            name = f"{prefix}{toml_key(key)}"
            if isinstance(value, dict) and value:
                yield from flat(value, f"{name}.")
            else:
                yield f"{name} = {toml_value(value)}"

    lines = [f"{toml_key(k)} = {toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{toml_key(key)}]", *flat(value, "")]
    return "\n".join(lines) + "\n"


def mutate(data: dict[str, Any], case: Case) -> dict[str, Any]:
    """``data`` with the case's change; only the tables and lists on its path are copied."""
    data = copy.copy(data)
    *parents, last = case.path
    node: Any = data
    for key in parents:
        node[key] = copy.copy(node[key])
        node = node[key]
    if case.op == "delete":
        del node[last]
    elif case.op == "set":
        node[last] = copy.deepcopy(case.value)
    elif case.op == "append":
        node[last] = node[last] + case.value
    elif case.op == "rename":  # keep the key's place in the table
        items = list(node.items())
        node.clear()
        node.update((case.value if k == last else k, v) for k, v in items)
    else:  # pragma: no cover
        raise ValueError(case.op)
    return data


def build(case: Case) -> tuple[bytes, list[str]]:
    """The file's bytes and the ``--set`` strings of a case."""
    if case.op == "text":
        op, at = case.value
        return text_bytes(base_text(case.base), op, at), []
    if case.op == "override":
        return base_text(case.base).encode(), list(case.value)
    return dumps(mutate(_parsed(case.base), case)).encode(), []


# ---------------------------------------------------------------------------------------------
# The oracle
# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """``kind``: ``error`` (a clean error), ``runtime`` (loads, and the run stops with a
    clean SimulationError naming the field), ``run`` (loaded and simulated, finite),
    ``accepted`` (loaded, not simulated: not sampled or too large) or ``failure``; a failure
    has a ``key`` (its class: stage, exception type, where) and ``detail``."""

    kind: str
    key: str = ""
    detail: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class Failure(Exception):
    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(key)
        self.key, self.detail = key, detail


def _frames(exc: BaseException, n: int = 4) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "budgetsim" in f.filename] or frames
    return " ← ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(ours[-n:]))


def _where(exc: BaseException) -> str:
    """The innermost budgetsim function of a traceback (generator expressions skipped)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "budgetsim" in f.filename]
    named = [f for f in frames if not f.name.startswith("<")] or frames
    return f"{Path(named[-1].filename).name}:{named[-1].name}" if named else "?"


def _unexpected(stage: str, exc: BaseException) -> Failure:
    message = str(exc)
    message = message if len(message) < 300 else message[:297] + "…"
    return Failure(
        f"{stage}: {type(exc).__name__} at {_where(exc)}",
        f"{type(exc).__name__}: {message}\n    frames: {_frames(exc)}",
    )


def expected_applicants(sc: Any) -> float:
    total = 0.0
    for pop in sc.populations.values():
        means = [float(m) for m in pop.arrivals.means]
        total += max(means, default=0.0)
    return total


def _check_finite(res: Any) -> None:
    import numpy as np

    for name in res.dataset.data_vars:
        values = np.asarray(res.dataset[name].values)
        if values.dtype.kind != "f":
            continue
        bad = np.isinf(values).any() or (name != "envelope" and np.isnan(values).any())
        if bad:
            raise Failure(f"simulate: non-finite per-draw {name}", f"{name}: {values.ravel()[:6]}")
    for table in ("summary", "totals", "policy_summary", "fund_summary", "target_summary"):
        frame = getattr(res, table)()
        for column in frame.select_dtypes("number").columns:
            values = frame[column].to_numpy(dtype=float)
            nan_ok = column in NAN_ALLOWED
            if np.isinf(values).any() or (not nan_ok and np.isnan(values).any()):
                raise Failure(
                    f"simulate: non-finite {table}.{column}", f"{column}: {values[:6].tolist()}"
                )


def _cli(args: list[str], stage: str, name: str, overrides: Sequence[str]) -> tuple[int, str]:
    """Exit status and output of a command; a traceback or a message without file › field
    is a failure."""
    from click.testing import CliRunner

    from budgetsim.cli import cli

    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise _unexpected(stage, result.exception)
    output = result.output
    if "Traceback" in output:
        raise Failure(f"{stage}: traceback in the output", output[-600:])
    if result.exit_code not in (0, 1):
        raise Failure(f"{stage}: exit status {result.exit_code}", output[-600:])
    if result.exit_code == 1 and not (overrides and "--set" in output):  # --set is named so
        if not FIELD.search(output):
            raise Failure(f"{stage}: the message names no field", output[-600:])
        if name not in output and "error:" not in output:
            raise Failure(f"{stage}: the message names no file", output[-600:])
    return result.exit_code, output


#: A field path in a message (``file › programmes.x.y`` or a run-time error's own path).
FIELD = re.compile(r"› \S|\b(scenario|populations|programmes|funds|limits|riskfunds|targets)\.\w")


def check(case: Case, folder: Path) -> Outcome:
    """Run one case through the API and the command line; raise nothing."""
    start = time.perf_counter()
    notes: list[str] = []
    try:
        kind = _check(case, folder, notes)
        return Outcome(kind, seconds=time.perf_counter() - start, notes=notes)
    except Failure as failure:
        return Outcome("failure", failure.key, failure.detail, time.perf_counter() - start)
    except BaseException as exc:  # the harness itself, or an error escaping a stage
        broken = _unexpected("harness", exc)
        return Outcome("failure", broken.key, broken.detail, time.perf_counter() - start)


def _check(case: Case, folder: Path, notes: list[str]) -> str:
    import budgetsim
    from budgetsim.errors import ScenarioError, SimulationError
    from budgetsim.sensitivity.design import range_problems

    try:
        content, overrides = build(case)
    except (UnicodeEncodeError, ValueError) as exc:  # pragma: no cover - the harness
        raise Failure("harness: cannot build", repr(exc)) from None
    path = folder / f"{case.base.strip('_') or 'base'}.toml"
    path.write_bytes(content)
    name = str(path)
    try:
        sc = budgetsim.load_scenario(path, overrides)
        ok = True
    except ScenarioError as exc:
        ok = False
        if not exc.problems:
            raise Failure("api: ScenarioError without problems", str(exc)) from None
    except Exception as exc:
        raise _unexpected("api load_scenario", exc) from None
    ranges_only = False  # refused only for a plausible range, which a plain run does not use
    if ok:  # `budgetsim validate` also checks both ends of every plausible range
        try:
            ranges_only = bool(range_problems(sc))
            ok = not ranges_only
        except Exception as exc:
            raise _unexpected("api range_problems", exc) from None
    sets = [a for o in overrides for a in ("--set", o)]
    status, output = _cli(["validate", name, *sets], "cli validate", name, overrides)
    if status != (0 if ok else 1):
        raise Failure(
            f"cli validate: exit status {status}, the API {'accepts' if ok else 'refuses'}"
        )
    if not ok and name not in output and not overrides:
        raise Failure("cli validate: the message names no file", output[-600:])
    big = (ok or ranges_only) and not expected_applicants(sc) <= MAX_APPLICANTS
    if big:
        notes.append("not simulated: too many applicants")
    kind = "accepted" if ok else "error"
    if ok and case.simulate and not big:
        try:
            res = budgetsim.simulate(sc, draws=20, seed=1)
        except SimulationError as exc:
            if RUNTIME_ERRORS_FAIL or not FIELD.search(str(exc)):
                raise _unexpected("simulate", exc) from None
            notes.append(str(exc)[:300])
            kind = "runtime"
        except Exception as exc:
            raise _unexpected("simulate", exc) from None
        else:
            _check_finite(res)
            kind = "run"
    if case.cli_run and not big:
        args = ["run", name, "--draws", "20", "--no-progress", *sets]
        status, output = _cli(args, "cli run", name, overrides)
        if ok and status == 1 and kind != "runtime":
            if RUNTIME_ERRORS_FAIL or kind == "run" or "error:" not in output:
                raise Failure("cli run: a scenario that validates fails (exit 1)", output[-600:])
            kind = "runtime"
        elif status != (0 if kind in ("run", "accepted") or ranges_only else 1):
            raise Failure(f"cli run: exit status {status} after {DESCRIBE[kind]}", output[-600:])
    return kind


# ---------------------------------------------------------------------------------------------
# The worker process
# ---------------------------------------------------------------------------------------------


def _serve(conn: multiprocessing.connection.Connection, memory: int) -> None:
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    warnings.filterwarnings("error", category=RuntimeWarning, module="budgetsim")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        folder = Path(tmp)
        while True:
            try:
                case = conn.recv()
            except EOFError:
                return
            conn.send(check(case, folder))


class Sandbox:
    """A forked worker that checks cases one at a time, killed and replaced when a case
    takes longer than ``timeout`` seconds or kills it."""

    def __init__(self, timeout: float = TIME_LIMIT, memory: int = MEMORY_LIMIT) -> None:
        self.timeout, self.memory = timeout, memory
        self._proc: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        import budgetsim.cli  # noqa: F401 - imported once, before forking

        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self.memory), daemon=True)
        self._proc.start()
        child.close()

    def _stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join()
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        self._stop()

    def run(self, case: Case) -> Outcome:
        if self._proc is None or not self._proc.is_alive():
            self._stop()
            self._start()
        start = time.perf_counter()
        self._conn.send(case)
        try:
            if self._conn.poll(self.timeout):
                outcome: Outcome = self._conn.recv()
                return outcome
        except EOFError:
            self._proc.join()
            code = self._proc.exitcode
            self._stop()
            return Outcome(
                "failure", f"worker died (exit {code})", seconds=time.perf_counter() - start
            )
        self._stop()
        return Outcome("failure", f"timeout: more than {self.timeout:.0f} s", seconds=self.timeout)


# ---------------------------------------------------------------------------------------------
# Counting and the catalogue
# ---------------------------------------------------------------------------------------------

OUTCOMES = ("error", "runtime", "run", "accepted", "failure")
#: Every (case, outcome) checked in this process, for the counts (see tests/test_fuzz.py).
RESULTS: dict[str, list[tuple[Case, Outcome]]] = {}
DESCRIBE = {
    "error": "clean error",
    "runtime": "clean error at run time",
    "run": "clean run (simulated, finite)",
    "accepted": "clean load (not simulated)",
    "failure": "failure",
}


def tally_lines(results: Sequence[tuple[Case, Outcome]], title: str) -> list[str]:
    counts = Counter(o.kind for _, o in results)
    lines = [f"{title}: {len(results)} cases"]
    lines += [f"  {DESCRIBE[k]:<32} {counts.get(k, 0):>6}" for k in OUTCOMES]
    return lines


def catalogue(results: Sequence[tuple[Case, Outcome]]) -> list[str]:
    """Failures by class: the count and the shortest case of each."""
    classes: dict[str, list[tuple[Case, Outcome]]] = {}
    for case, outcome in results:
        if outcome.kind == "failure":
            classes.setdefault(outcome.key, []).append((case, outcome))
    lines = []
    for key, members in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        case, outcome = min(members, key=lambda m: (len(repr(m[0].value)), m[0].id))
        families = Counter(c.family for c, _ in members)
        lines += [
            f"- {key}  ×{len(members)}  ({', '.join(f'{f} {n}' for f, n in families.items())})",
            f"    case: {case.id}",
            f"    value: {_short(case.value)}",
            f"    {outcome.detail.strip()}".replace("\n", "\n    "),
        ]
    return lines


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "…"


def run_all(cases: Sequence[Case], progress: bool = False) -> list[tuple[Case, Outcome]]:
    box = Sandbox()
    results = []
    try:
        for i, case in enumerate(cases):
            results.append((case, box.run(case)))
            if progress and i % 200 == 0:
                print(f"  {i}/{len(cases)}", file=sys.stderr, flush=True)
    finally:
        box.close()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", action="store_true", help="run the cases, print the counts")
    parser.add_argument("--slow", action="store_true", help="the long set (not only CI's)")
    parser.add_argument("--list", action="store_true", help="print the case ids")
    parser.add_argument("--case", help="run one case by id; its file is kept in --keep")
    parser.add_argument("--keep", default=".", help="folder for the file of --case")
    args = parser.parse_args(argv)
    cases = generate("slow" if args.slow else "ci")
    if args.list:
        print("\n".join(c.id for c in cases))
        return 0
    if args.case:
        matches = [c for c in generate("ci") + generate("slow") if c.id == args.case]
        if not matches:
            print(f"no case {args.case!r}", file=sys.stderr)
            return 2
        case = matches[0]
        content, overrides = build(case)
        path = Path(args.keep) / f"{case.base.strip('_') or 'base'}.toml"
        path.write_bytes(content)
        sets = " ".join(f"--set {o!r}" for o in overrides)
        print(f"wrote {path} {sets}")
        outcome = Sandbox().run(case)
        print(f"{DESCRIBE[outcome.kind]} in {outcome.seconds:.2f} s: {outcome.key}")
        print(outcome.detail)
        return 0 if outcome.kind != "failure" else 1
    start = time.perf_counter()
    results = run_all(cases, progress=True)
    print("\n".join(tally_lines(results, "slow" if args.slow else "ci")))
    print(f"  in {time.perf_counter() - start:.0f} s")
    slowest = sorted(results, key=lambda r: -r[1].seconds)[:5]
    print("slowest: " + ", ".join(f"{c.id} {o.seconds:.2f}s" for c, o in slowest))
    print("\n".join(catalogue(results)))
    runtime = [(c, o) for c, o in results if o.kind == "runtime"]
    if runtime:
        print(f"clean errors at run time (not failures): {len(runtime)}, e.g.")
        for case, outcome in runtime[:5]:
            print(f"  {case.id}: {' '.join(outcome.notes)[:200]}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
