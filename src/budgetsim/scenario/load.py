"""Read scenario files: TOML → overrides → validated :class:`Scenario` → compiled check.

Every problem (TOML syntax, unknown fields, wrong types, bad amounts, dangling references,
disallowed expressions) comes back as a :class:`~budgetsim.errors.ScenarioError` naming the
file, the field path, what was expected and what was found. Nothing in a file is executed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from budgetsim._model import insane_values
from budgetsim.distributions import Empirical
from budgetsim.empirical import Resampled
from budgetsim.errors import Problem, ScenarioError, ask, did_you_mean
from budgetsim.money import AmountError, parse_amount, parse_range
from budgetsim.parameters import parameter_list
from budgetsim.scenario.compile import compile_scenario
from budgetsim.scenario.model import Header, Scenario

__all__ = [
    "BundledScenario",
    "apply_overrides",
    "bundled_scenarios",
    "load_scenario",
    "parse_override",
    "resolve",
    "scenario_hash",
    "vary",
]

DEFAULT_SCENARIO = "jiangmen-2021"


@dataclass(frozen=True)
class BundledScenario:
    """A scenario shipped with budgetsim."""

    id: str
    title: str
    source: str
    years: tuple[int, ...]
    programmes: int
    path: Path
    title_en: str | None = None


def read_text(path: Path) -> str:
    """A scenario file's text: UTF-8, with or without the byte-order mark Windows editors add,
    or else GB18030 (GBK), the encoding Chinese Windows saves in by default.

    Raises
    ------
    UnicodeDecodeError
        When the file is in neither encoding.
    """
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise exc from None


def _bundled_dir() -> Path:
    return Path(str(resources.files("budgetsim") / "scenarios"))


def bundled_scenarios() -> list[BundledScenario]:
    """The scenarios shipped inside the package, sorted by id."""
    found = []
    for path in sorted(_bundled_dir().glob("*.toml")):
        raw = tomllib.loads(read_text(path))
        header = Header.model_validate(raw["scenario"])
        found.append(
            BundledScenario(
                id=header.id,
                title=header.title,
                source=header.source,
                years=header.years,
                programmes=len(raw.get("programmes", {})),
                path=path,
                title_en=header.title_en,
            )
        )
    return found


def resolve(ref: str | Path) -> Path:
    """The file of a scenario given as a path or as the id of a bundled scenario."""
    path = Path(ref)
    if path.is_file():
        return path
    bundled = {s.path.stem: s.path for s in bundled_scenarios()}
    if str(ref) in bundled:
        return bundled[str(ref)]
    if path.suffix or path.parent != Path("."):
        raise ScenarioError([Problem(str(ref), "no such file")])
    hint = did_you_mean(str(ref), bundled)
    raise ScenarioError(
        [
            Problem(
                "scenario",
                "neither a file nor a bundled scenario",
                expected="a .toml file or one of " + ", ".join(sorted(bundled)),
                found=repr(str(ref)),
                hint=ask(hint),
            )
        ]
    )


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``path=value``; the value is read as TOML, else taken as text.

    Examples
    --------
    >>> parse_override("programmes.rd_reward.instrument.cap=30")
    ('programmes.rd_reward.instrument.cap', 30)
    >>> parse_override("programmes.hte.envelope.total=5亿元")
    ('programmes.hte.envelope.total', '5亿元')
    """
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError(
            [
                Problem(
                    "--set",
                    "expected PATH=VALUE",
                    found=repr(text),
                    hint="e.g. --set programmes.rd_reward.instrument.cap=30",
                )
            ]
        )
    try:
        parsed: Any = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return path.strip(), parsed


_SCALE = re.compile(r"^\s*[×xX*]\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$")


def _as_data(value: Any) -> Any:
    """A value as TOML would give it: tuples as lists, NumPy numbers as Python numbers.

    Values taken from the parameter table (per-year tuples) or computed with NumPy go back
    into a scenario through :func:`vary` unchanged in meaning.

    Examples
    --------
    >>> _as_data((720.0, np.float64(784.5), (1, 2)))
    [720.0, 784.5, [1, 2]]
    """
    if isinstance(value, tuple | list | np.ndarray):
        return [_as_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_data(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _relative(current: Any, value: Any, unit: str) -> Any:
    """``value``, or ``current`` scaled when ``value`` is a factor such as ``"×1.2"``.

    A factor scales a number, each number of a per-year list, an amount (``"5亿元"``, read in
    the scenario's ``unit``) and both ends of a range (``"1000-1500万元"``).

    Examples
    --------
    >>> _relative([900, 980, 1060], "×1.5", "万元")
    [1350, 1470, 1590]
    >>> _relative([3000, 3200], "×1.1", "万元")
    [3300, 3520]
    >>> _relative(0.05, "×1.1", "万元")
    0.055
    >>> _relative("5亿元", "*0.5", "万元")
    25000.0
    >>> _relative("1000-1500万元", "x2", "万元")
    {'low': 2000.0, 'high': 3000.0}
    """
    match = _SCALE.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    factor = float(match.group(1))
    if isinstance(current, bool):
        raise ScenarioError([Problem("--set", "true/false cannot be scaled", found=value)])
    if isinstance(current, int | float):
        return _clean(current, current * factor)
    if isinstance(current, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in current
    ):
        return [_clean(v, v * factor) for v in current]
    if isinstance(current, str):
        try:
            return _clean(1.0, parse_amount(current, unit) * factor)
        except AmountError:
            pass
        try:
            low, high = parse_range(current, unit)
        except AmountError:
            pass
        else:
            return {"low": _clean(1.0, low * factor), "high": _clean(1.0, high * factor)}
    if isinstance(current, dict) and {"low", "high"} <= set(current):  # a ranged total
        return {**current, **{k: _relative(current[k], value, unit) for k in ("low", "high")}}
    raise ScenarioError(
        [
            Problem(
                "--set",
                "only a number, a list of numbers or an amount can be scaled",
                found=f"{_describe(current)} scaled by {value}",
            )
        ]
    )


def _clean(current: float, scaled: float) -> float:
    """A scaled value without the last-digit noise of binary floats (3000 × 1.1 is 3300, not
    3300.0000000000005), and whole where the value it scales was whole and the result is."""
    value = float(f"{scaled:.12g}")
    if isinstance(current, int) and value.is_integer():
        return int(value)
    return value


#: Tables that any block of numbers may have and that ``--set`` may start
#: (``--set populations.firms.arrivals.plausible.mean.high=80``).
_OPTIONAL_TABLES = frozenset({"plausible", "grades", "unusual"})


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``raw`` with each dotted path set to its value.

    Every part of a path but the last must already exist; the last may be new (the model then
    decides whether it is a known field). A value such as ``"×1.2"`` scales what is there
    (see :func:`_relative`).
    """
    data = dict(raw)  # copied along the paths changed only: ``raw`` itself is never changed
    own = {id(data)}

    def child(node: Any, key: Any) -> Any:
        """``node[key]``, copied first unless this call made it."""
        inner = node[key]
        if isinstance(inner, dict | list) and id(inner) not in own:
            inner = node[key] = copy.copy(inner)
            own.add(id(inner))
        return inner

    problems = []
    for dotted, given in overrides.items():
        value = _as_data(given)
        node: Any = data
        keys = dotted.split(".")
        for depth, key in enumerate(keys):
            here = ".".join(keys[:depth]) or "(top level)"
            last = depth == len(keys) - 1
            if isinstance(node, list):
                if not key.isdigit() or int(key) >= len(node):
                    problems.append(
                        Problem(
                            f"--set {dotted}",
                            f"{here} is a list",
                            expected=f"an index 0…{len(node) - 1}",
                            found=repr(key),
                        )
                    )
                    break
                if last:
                    unit = str(data.get("scenario", {}).get("unit"))
                    node[int(key)] = _relative(node[int(key)], value, unit)
                else:
                    node = child(node, int(key))
                continue
            if not isinstance(node, dict):
                problems.append(
                    Problem(
                        f"--set {dotted}",
                        f"{here} is {node!r}, not a table",
                        hint=f"set {here} as a whole, e.g. {here}={{rule = {json.dumps(node)}}}"
                        if isinstance(node, str)
                        else "",
                    )
                )
                break
            if last:
                if key in node:
                    value = _relative(node[key], value, str(data.get("scenario", {}).get("unit")))
                node[key] = value
            elif key in node:
                node = child(node, key)
            elif key in _OPTIONAL_TABLES:  # a block's own plausible, grades or unusual table
                node[key] = {}
                node = child(node, key)
            else:
                hint = did_you_mean(key, [str(k) for k in node])
                problems.append(
                    Problem(
                        f"--set {dotted}",
                        f"{here} has no {key!r}",
                        expected="one of " + ", ".join(map(str, node)) if node else "",
                        hint=ask(hint),
                    )
                )
                break
    if problems:
        raise ScenarioError(problems)
    return data


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "list_type": "a list",
    "tuple_type": "a list",
}


def _path(loc: tuple[Any, ...], raw: Any) -> list[str]:
    """Project a pydantic location onto the file's own keys (dropping union tags)."""
    parts: list[str] = []
    node = raw
    for i, key in enumerate(loc):
        last = i == len(loc) - 1
        in_dict = isinstance(node, dict) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and key < len(node)
        if in_dict or in_list:
            node = node[key]
            parts.append(str(key))
        elif key in UNION_TAGS or (isinstance(node, dict) and key in _tags(node)):
            continue  # the discriminated union's branch, not a key of the file
        elif last and key != "[key]" and not str(key).startswith(("function-", "tagged")):
            parts.append(str(key))
    return parts


#: Branch names of unions chosen by the shape of a value (e.g. an amount or a range).
UNION_TAGS = {"single_amount", "amount_range"}


def _tags(node: dict[str, Any]) -> set[Any]:
    return {node.get("kind"), node.get("dist"), node.get("rule")} - {None}


def _problems(exc: ValidationError, raw: Any) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        kind, ctx = err["type"], err.get("ctx", {}) or {}
        path = ".".join(_path(tuple(err["loc"]), raw)) or "(top level)"
        value = err.get("input")
        found = "" if kind == "missing" or isinstance(value, dict) else _describe(value)
        message = err["msg"].removeprefix("Value error, ")
        if {"expected", "found"} <= set(ctx):  # a check that says what it expected and found
            problem, expected = str(ctx.get("problem", message)), str(ctx["expected"])
            problems.append(
                Problem(path, problem, expected, str(ctx["found"]), ctx.get("hint", ""))
            )
            continue
        if kind == "finite_number":
            problems.append(Problem(path, "not a number", expected="a finite number", found=found))
            continue
        if kind == "unknown_field":
            for key in ctx["unknown"]:
                hint = ctx["suggestions"].get(key)
                problems.append(
                    Problem(
                        f"{path}.{key}" if path != "(top level)" else str(key),
                        "unknown field",
                        expected="one of " + ", ".join(ctx["allowed"]),
                        hint=ask(hint),
                    )
                )
            continue
        if kind == "missing":
            problems.append(Problem(path, "required field is missing"))
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            tags = [t.strip("'\" ") for t in str(ctx.get("expected_tags", "")).split(",")]
            tag = str(ctx.get("tag", ""))
            hint = did_you_mean(tag, tags) if tag else None
            field = ctx.get("discriminator", "kind").strip("'")
            problems.append(
                Problem(
                    path if kind == "union_tag_invalid" else f"{path}.{field}",
                    f"unknown {field}" if tag else f"missing {field}",
                    expected="one of " + ", ".join(tags),
                    found=repr(tag) if tag else "",
                    hint=ask(hint),
                )
            )
        elif kind == "literal_error":
            hint = did_you_mean(str(err.get("input")), str(ctx.get("expected", "")).split("'"))
            problems.append(
                Problem(
                    path,
                    "value not allowed",
                    expected=str(ctx.get("expected", "")),
                    found=found,
                    hint=ask(hint),
                )
            )
        elif kind == "string_pattern_mismatch":
            problems.append(
                Problem(
                    path,
                    "not a valid identifier",
                    expected="lower-case ASCII letters, digits and _ (starting with a letter)",
                    found=found,
                )
            )
        elif kind in _EXPECTED:
            problems.append(Problem(path, "wrong type", expected=_EXPECTED[kind], found=found))
        elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            problems.append(
                Problem(
                    path,
                    "out of range",
                    expected=message.removeprefix("Input should be "),
                    found=found,
                )
            )
        elif kind in ("too_short", "too_long"):
            problems.append(Problem(path, message.removeprefix("Value should have "), found=found))
        elif err["type"] in ("amount", "per_year", "float"):
            problems.append(Problem(path, message))
        else:
            problems.append(Problem(path, message, found="" if "found" in message else found))
    return problems


def _context(raw: Any) -> dict[str, Any]:
    header = raw.get("scenario") if isinstance(raw, dict) else None
    if not isinstance(header, dict):
        return {}
    try:
        valid = Header.model_validate(header)
    except ValidationError:
        return {}
    return {"years": valid.years, "unit": valid.unit}


def validate_data(
    raw: Any,
    file: str | None = None,
    *,
    as_written: bool = True,
    ranges: bool = True,
    folder: str | Path | None = None,
) -> Scenario:
    """Validate raw scenario data (as read from TOML) and check its cross-references.

    ``as_written`` also checks that every stated value lies within its own plausible range;
    values moved by a variant, ``--set`` or :func:`vary` may lie outside it. ``ranges=False``
    skips checking that every plausible range names a number, for data whose ranges and
    structure are those of a scenario already checked (a number changed for another number).
    A relative records file (``dist = "empirical"``) is read from ``folder``: by default the
    folder of ``file`` when it is a file, else the current directory.

    Raises
    ------
    ScenarioError
        With every problem found.
    """
    if folder is None:
        folder = Path(file).parent if file is not None and Path(file).is_file() else Path.cwd()
    where = Path(folder).resolve()
    insane = [Problem(path or "(top level)", *rest) for path, *rest in insane_values(raw)]
    if insane:
        raise ScenarioError(insane, file)
    try:
        scenario = Scenario.model_validate(raw, context=_context(raw))
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, raw), file) from None
    scenario._folder = where
    scenario._plan = compile_scenario(scenario, file)  # checked once, run without recompiling
    scenario._raw, scenario._file = raw, file
    if ranges or as_written:
        parameter_list(scenario, check=as_written)  # ranges name real numbers (and hold them)
    return scenario


def vary(scenario: Scenario, changes: Mapping[str, Any] | Iterable[str]) -> Scenario:
    """A new scenario with values changed by dotted path, validated like a loaded one.

    Parameters
    ----------
    scenario
        A loaded scenario; its file is not read again.
    changes
        ``{path: value}`` as ``--set`` takes them (or ``"path=value"`` strings). A value
        ``"×1.2"`` (or ``"*1.2"``) scales what is there: a number, every year of a per-year
        list, an amount or both ends of a range.

    Returns
    -------
    Scenario
        The varied scenario (its hash equals the original's when nothing changed).

    Raises
    ------
    ScenarioError
        With the ``--set`` messages: unknown paths with "did you mean", invalid values with
        the field path.

    Examples
    --------
    >>> sc = load_scenario("jiangmen-2021")
    >>> more = vary(sc, {"populations.tsme_rd.arrivals.mean": "×1.2"})
    >>> more.populations["tsme_rd"].arrivals.mean
    (2160.0, 2520.0, 2880.0)
    >>> scenario_hash(vary(sc, {"programmes.rd_reward.instrument.cap": 20})) == scenario_hash(sc)
    True
    """
    if not isinstance(changes, Mapping):
        changes = dict(parse_override(text) for text in changes)
    raw = scenario._raw
    if raw is None:
        raw = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    name = scenario._file or scenario.id
    try:
        data = apply_overrides(raw, changes)
        numbers_only = all(_numbers_only(path, value) for path, value in changes.items())
        varied = validate_data(
            data, name, as_written=False, ranges=not numbers_only, folder=scenario._folder
        )
        varied._changes = {**scenario._changes, **changes}
        return varied
    except ScenarioError as exc:
        marked = [
            replace(
                p,
                path=p.path.replace("--set ", "vary › ", 1),
                hint=p.hint or ("set by vary" if p.path in changes else ""),
            )
            for p in exc.problems
        ]
        raise ScenarioError(marked, name) from None


#: Path parts under which a change can alter what the plausible ranges name.
_RANGE_KEYS = frozenset({"plausible", "plausible_default", "grade", "grades"})


def _numbers_only(path: str, value: Any) -> bool:
    """Whether a change puts numbers where numbers were (so ranges still name numbers)."""
    if _RANGE_KEYS.intersection(path.split(".")):
        return False
    value = _as_data(value)
    items = value if isinstance(value, list) else [value]
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in items)


def split_variant(ref: str | Path) -> tuple[str | Path, str | None]:
    """``"jiangmen-2021@stress"`` → (``"jiangmen-2021"``, ``"stress"``); a file that exists is
    taken whole.

    Examples
    --------
    >>> split_variant("jiangmen-2021@stress")
    ('jiangmen-2021', 'stress')
    >>> split_variant("jiangmen-2021")
    ('jiangmen-2021', None)
    """
    if isinstance(ref, Path) or Path(ref).is_file() or "@" not in ref:
        return ref, None
    base, _, variant = ref.rpartition("@")
    return base, variant


def _apply_variant(raw: dict[str, Any], variant: str, name: str) -> dict[str, Any]:
    """The scenario with a documented variant's values set, its id and title marked."""
    variants = raw.get("variants") or {}
    if variant not in variants:
        hint = did_you_mean(variant, variants)
        raise ScenarioError(
            [
                Problem(
                    "variants",
                    f"no variant {variant!r}",
                    expected="one of " + (", ".join(variants) or "(none defined)"),
                    hint=ask(hint),
                )
            ],
            name,
        )
    spec = variants[variant]
    changes = spec.get("set") if isinstance(spec, dict) else None
    if not isinstance(changes, dict):
        raise ScenarioError([Problem(f"variants.{variant}.set", "expected a table")], name)
    try:
        data = apply_overrides(raw, changes)
    except ScenarioError as exc:
        problems = [
            replace(p, path=f"variants.{variant}.set › {p.path.removeprefix('--set ')}")
            for p in exc.problems
        ]
        raise ScenarioError(problems, name) from None
    header = data.get("scenario")
    if isinstance(header, dict):
        data["scenario"] = header = dict(header)  # apply_overrides shares what it did not change
        header["id"] = f"{header.get('id')}.{variant}"
        header["title"] = f"{header.get('title')}（{spec.get('label', variant)}）"
    return data


def _check_variant(raw: dict[str, Any], variant: str, name: str, folder: Path) -> None:
    """Raise, naming the variant, if applying it does not give a valid scenario."""
    try:
        validate_data(_apply_variant(raw, variant, name), name, as_written=False, folder=folder)
    except ScenarioError as exc:
        problems = [
            p
            if p.path.startswith("variants.")
            else replace(p, path=f"variants.{variant} › {p.path}")
            for p in exc.problems
        ]
        raise ScenarioError(problems, name) from None


def load_scenario(
    ref: str | Path = DEFAULT_SCENARIO,
    overrides: Mapping[str, Any] | Iterable[str] = (),
) -> Scenario:
    """Load, override and validate a scenario.

    Parameters
    ----------
    ref
        A path to a TOML file, or the id of a bundled scenario (``budgetsim list``), optionally
        followed by ``@VARIANT`` for one of the file's documented ``[variants]``.
    overrides
        Values to change, by dotted path: a mapping ``{"programmes.rd_reward.instrument.cap":
        30}`` or ``"path=value"`` strings as on the command line.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        When the file is missing, is not valid TOML, or does not describe a valid scenario.

    Examples
    --------
    >>> sc = load_scenario("jiangmen-2021", ["programmes.rd_reward.instrument.cap=30"])
    >>> sc.programmes["rd_reward"].instrument.cap
    30.0
    """
    ref, variant = split_variant(ref)
    path = resolve(ref)
    name = str(ref) if Path(ref).is_file() else f"{path.name} (bundled)"
    try:
        raw = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem("(file)", f"not valid TOML: {exc}")], name) from None
    except OSError as exc:
        raise ScenarioError([Problem("(file)", f"cannot be read: {exc}")], name) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [
                Problem(
                    "(file)",
                    f"cannot be read as text: {exc}",
                    hint="save it as UTF-8 (or GBK) text",
                )
            ],
            name,
        ) from None
    if not isinstance(overrides, Mapping):
        overrides = dict(parse_override(text) for text in overrides)
    if variant is not None:
        raw = _apply_variant(raw, variant, name)
    if overrides:
        try:
            raw = apply_overrides(raw, overrides)
        except ScenarioError as exc:
            raise ScenarioError(exc.problems, name) from None
    try:
        folder = path.resolve().parent  # relative records files are read from here
        scenario = validate_data(
            raw, name, as_written=variant is None and not overrides, folder=folder
        )
        if variant is None and not overrides:
            for other in scenario.variants:  # a documented variant must load too
                _check_variant(raw, other, name, folder)
        scenario._changes = dict(overrides)
        return scenario
    except ScenarioError as exc:
        marked = [
            Problem(
                p.path,
                p.problem,
                p.expected,
                p.found,
                p.hint or ("set by --set" if p.path in overrides else ""),
            )
            for p in exc.problems
        ]
        raise ScenarioError(marked, name) from None


def scenario_hash(scenario: Scenario) -> str:
    """A short, stable fingerprint of a scenario's content (after overrides), and of the
    content of every records file it resamples (their SHA-256)."""
    content: Any = scenario.model_dump(mode="json")
    data = _data_digests(scenario)
    if data:  # a scenario without records files keeps the fingerprint it always had
        content = {"scenario": content, "data": data}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _data_digests(scenario: Scenario) -> list[str]:
    """SHA-256 of each records file the scenario resamples, sorted."""
    if not any(
        isinstance(d, Empirical)
        for p in scenario.populations.values()
        for d in p.attributes.values()
    ):
        return []
    plan = scenario._plan
    if plan is None or plan.scenario is not scenario:
        plan = compile_scenario(scenario, scenario._file)
    return sorted(
        {d.sha256 for p in plan.populations for _, d in p.attributes if isinstance(d, Resampled)}
    )
