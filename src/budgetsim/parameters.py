"""The parameter table: every number a run depends on, with its kind, grade and plausible range.

A scenario's numbers are of two kinds. **Levers** are what the bureau decides: envelopes, caps,
rates, thresholds, rationing choices. **Assumptions** are what the world does: how many firms
apply, how large they are, how often loans default. Each number cites its clause (``source``)
or states its assumption, carries a grade (S = sourced, D = derived, E = estimate) and, where
it is uncertain, a plausible range. :func:`parameters` reads them all into one table, built
from the scenario itself (nothing is kept beside it); sensitivity analysis, sweeps and the
report read this one table.

Where the numbers of a block say more than the block's own ``grade``:

- ``grades = { total = "S" }`` grades one field of the block;
- ``plausible.mean = { factor = [0.8, 1.2] }`` or ``plausible.p = { low = 0.3, high = 0.5 }``
  states a range; ``[scenario] plausible_default = { E = { factor = [0.5, 1.5] } }`` gives
  one to every number of a grade that states none of its own.

A grade not stated as a field is read, as a fallback, from a leading ``S.``/``D.``/``E.`` of
the assumption text, and a number that only cites a clause is graded S.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from budgetsim._model import Plausible
from budgetsim.errors import Problem, ScenarioError, ask, did_you_mean
from budgetsim.metrics import money_unit
from budgetsim.money import AmountError, parse_amount, parse_range
from budgetsim.parameter_names import ATTRIBUTE_UNITS_EN, FIELDS, ITEMS, PARTS, UNITS, FieldInfo
from budgetsim.words import word

__all__ = [
    "Parameter",
    "parameter_list",
    "parameters",
    "unranged",
]

Kind = Literal["lever", "assumption"]
Lang = Literal["zh", "en"]

#: Top-level sections whose numbers are not parameters of a run.
_SKIP_SECTIONS = {"scenario", "variants"}
#: Keys that hold text, provenance or structure, never a number of the model.
_META = {
    "grade",
    "grades",
    "plausible",
    "source",
    "assumption",
    "assumption_zh",
    "source_zh",
    "label",
    "label_en",
}
#: Text fields that are choices the bureau makes (a lever), listed with the numbers.
_CHOICES = {"rule", "boundary", "then", "allocation"}
#: Numbers a factor cannot scale (months, shares that add up to 1, list positions, counts of
#: partner banks …): a default range never applies to them.
_NO_DEFAULT = {
    "p",
    "start_month",
    "end_month",
    "deadline_month",
    "lag_months",
    "schedule",
    "split",
    "goal_year",
    "banks",
    "count",
    "validity_years",
}


#: Fields of an attribute that resamples records (``dist = "empirical"``) that say where the
#: records are, never a number of the model; the file is listed once, as text.
_RECORDS_KEYS = {"file", "column", "year_column", "base_year", "sheet", "unit"}

#: Blocks whose numbers are levers in sections that are otherwise assumptions, and the reverse.
_RISKFUND_LEVERS = {"balance", "replenish", "share", "tiers", "claim_cap", "leverage_cap"}
_RISKFUND_LEVERS |= {"suspend_above"}
_TARGET_LEVERS = {"goal", "goal_year"}
_RISKFUND_MONEY_DISTS = {"volume", "loan_size"}


@dataclass(frozen=True)
class Parameter:
    """One number (or per-year list, or choice) of a scenario.

    Attributes
    ----------
    path
        Dotted path as ``--set`` and :func:`budgetsim.vary` take it.
    value
        The stated value in ``unit``: a number, a tuple (one per year, or a vector such as
        category shares), a ``(low, high)`` range, or the text of a choice.
    kind
        ``"lever"`` (the bureau decides) or ``"assumption"`` (the world decides).
    grade
        ``"S"``, ``"D"``, ``"E"`` or None when nothing says.
    low, high
        The plausible range (same shape as ``value``), or None when the number is not varied.
    range_from
        ``"stated"`` (the block's ``plausible``), ``"default"`` (the scenario's
        ``plausible_default``), ``"not varied"`` (``vary = false``) or ``""``.
    affects
        Ids of the programmes whose results the number can move.
    """

    path: str
    section: str
    block: str
    field: str
    value: Any
    unit: str
    kind: Kind
    type: Literal["number", "per_year", "list", "range", "choice"]
    grade: str | None
    source: str | None
    assumption: str | None
    #: The source and the assumption's reasoning in Chinese, where the scenario gives them.
    source_zh: str | None
    assumption_zh: str | None
    low: Any
    high: Any
    range_from: str
    #: The ``[a, b]`` multiples a stated or default range was given as, if it was.
    factor: tuple[float, float] | None
    reason: str | None
    affects: tuple[str, ...]
    label_zh: str
    label_en: str

    @property
    def uncertain(self) -> bool:
        """Whether the number has a plausible range to vary over."""
        return self.low is not None


# -- walking the scenario's data --------------------------------------------------------------


def _raw(scenario: Any) -> dict[str, Any]:
    raw = getattr(scenario, "_raw", None)
    if raw is None:
        raw = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return dict(raw)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _amount(text: str, unit: str) -> float | tuple[float, float] | None:
    """A text amount in ``unit`` (a number, or a range as (low, high)); None if not money."""
    try:
        return parse_amount(text, unit)
    except AmountError:
        pass
    try:
        return parse_range(text, unit)
    except AmountError:
        return None


def _leaves(node: Any, path: tuple[str, ...], unit: str) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every parameter leaf below ``node``: numbers, numeric lists, amounts, choices."""
    if isinstance(node, dict):
        records = node.get("dist") == "empirical"
        for key, value in node.items():
            if key in _META or (records and key in _RECORDS_KEYS):
                if records and key == "file":
                    yield (*path, "file"), value
                continue
            here = (*path, str(key))
            if isinstance(value, bool) or (isinstance(value, str) and key in _CHOICES):
                yield here, value
            elif isinstance(value, str):
                if _amount(value, unit) is not None:
                    yield here, value
            elif _number(value) or (
                isinstance(value, list) and value and all(_number(v) for v in value)
            ):
                yield here, value
            elif isinstance(value, list | dict):
                yield from _leaves(value, here, unit)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, dict | list):
                yield from _leaves(value, (*path, str(i)), unit)


def _ancestors(raw: dict[str, Any], path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    """The tables above a leaf, nearest first, with their paths."""
    chain = []
    node: Any = raw
    for depth, key in enumerate(path[:-1]):
        node = node[int(key)] if isinstance(node, list) else node[key]
        chain.append((path[: depth + 1], node))
    return chain[::-1]


_GRADE_TEXT = re.compile(r"^\s*([SDE])\s*[.:：,，)]")


def _grade_of_text(text: str | None) -> str | None:
    match = _GRADE_TEXT.match(text or "")
    return match.group(1) if match else None


def _provenance(
    chain: list[tuple[tuple[str, ...], Any]], path: tuple[str, ...]
) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """(source, assumption, grade, source in Chinese, assumption in Chinese) of a leaf from
    the nearest tables that say them."""
    source = assumption = grade = source_zh = assumption_zh = None
    for at, table in chain:
        if not isinstance(table, dict):
            continue
        rel = ".".join(path[len(at) :])
        grades = table.get("grades")
        if grade is None and isinstance(grades, dict) and rel in grades:
            grade = str(grades[rel])
        if grade is None and isinstance(table.get("grade"), str):
            grade = table["grade"]
        if source is None and assumption is None and ("source" in table or "assumption" in table):
            source, assumption = table.get("source"), table.get("assumption")
            source_zh, assumption_zh = table.get("source_zh"), table.get("assumption_zh")
            if grade is None:
                grade = _grade_of_text(assumption) or (None if assumption else "S")
    return source, assumption, grade, source_zh, assumption_zh


def _stated_range(
    chain: list[tuple[tuple[str, ...], Any]], path: tuple[str, ...], context: dict[str, Any]
) -> tuple[Plausible, str] | None:
    """The ``plausible`` entry that names a leaf (relative to its table), with its path."""
    for at, table in chain:
        if not isinstance(table, dict) or not isinstance(table.get("plausible"), dict):
            continue
        rel = ".".join(path[len(at) :])
        if rel in table["plausible"]:
            where = ".".join((*at, "plausible", rel))
            return Plausible.model_validate(table["plausible"][rel], context=context), where
    return None


def _kind(path: tuple[str, ...]) -> Kind:
    section = path[0]
    if section == "populations":
        return "assumption"
    if section == "programmes":
        return "assumption" if "lpr" in path else "lever"
    if section == "riskfunds":
        return "lever" if path[2] in _RISKFUND_LEVERS else "assumption"
    if section == "targets":
        return "lever" if path[2] in _TARGET_LEVERS else "assumption"
    return "lever"  # funds, limits


def _field_info(path: tuple[str, ...]) -> FieldInfo:
    names = [p for p in path if not p.isdigit()]
    field = names[-1]
    if len(names) >= 2 and names[-2] in ("amounts", "lpr"):  # keyed by category or year
        field = names[-2]
    for scope in ("arrivals", "instrument", "envelope"):
        if scope in path and f"{scope}:{field}" in FIELDS:
            return FIELDS[f"{scope}:{field}"]
    return FIELDS.get(field, FieldInfo(field, field.replace("_", " ")))


def _unit(info: FieldInfo, path: tuple[str, ...], raw: dict[str, Any], lang: Lang) -> str:
    unit = str(raw.get("scenario", {}).get("unit", "万元"))
    key = info.unit
    if key == "value":  # an attribute's own unit, if it states one
        if path[0] == "riskfunds" and path[2] in _RISKFUND_MONEY_DISTS:
            return money_unit(unit, lang)
        table: Any = raw
        for part in path[:-1]:
            table = table[int(part)] if isinstance(table, list) else table[part]
        stated = str(table.get("unit", "")) if isinstance(table, dict) else ""
        return stated if lang == "zh" else ATTRIBUTE_UNITS_EN.get(stated, money_unit(stated, lang))
    if key == "money":
        return money_unit(unit, lang)
    zh, en = UNITS.get(key, ("", ""))
    return zh if lang == "zh" else en


def _value(leaf: Any, info: FieldInfo, unit: str) -> tuple[Any, str]:
    """The leaf as a number (or tuple) in the scenario's unit, and its type."""
    if isinstance(leaf, bool | str) and (isinstance(leaf, bool) or info.unit == "choice"):
        return leaf, "choice"
    if isinstance(leaf, str):
        amount = _amount(leaf, unit)
        return amount, "range" if isinstance(amount, tuple) else "number"
    if isinstance(leaf, list):
        return tuple(leaf), "list"
    return leaf, "number"


def _affects(raw: dict[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    programmes = raw.get("programmes", {})
    section, block = path[0], path[1] if len(path) > 1 else ""
    if section == "programmes":
        return (block,)
    if section == "populations":
        return tuple(p for p, spec in programmes.items() if spec.get("population") == block)
    if section == "funds":
        return tuple(raw["funds"][block].get("members", ()))
    if section == "limits":
        return tuple(raw["limits"][block].get("programmes", ()))
    return ()


_PER_YEAR_FIELDS = {"mean", "per_year", "replenish", "split"}


def parameter_list(scenario: Any, lang: Lang = "zh", *, check: bool = False) -> list[Parameter]:
    """Every parameter of a scenario, in file order (see :func:`parameters`).

    Parameters
    ----------
    scenario
        A loaded scenario.
    lang
        Language of the labels and units.
    check
        Also require every stated value to lie within its plausible range: true for a file
        as written, false once a variant, ``--set`` or :func:`budgetsim.vary` has moved a
        value (a stress case may lie outside the plausible range on purpose).

    Raises
    ------
    ScenarioError
        When a ``plausible`` entry names no number of its block, or (with ``check``) a stated
        value lies outside its own plausible range.
    """
    raw = _raw(scenario)
    header = raw.get("scenario", {})
    unit = str(header.get("unit", "万元"))
    years = tuple(header.get("years", ()))
    context = {"unit": unit, "years": years}
    defaults = {
        grade: Plausible.model_validate(rule, context=context)
        for grade, rule in (header.get("plausible_default") or {}).items()
    }
    rows: list[Parameter] = []
    problems: list[Problem] = []
    named: set[str] = set()
    for section, body in raw.items():
        if section in _SKIP_SECTIONS:
            continue
        for path, leaf in _leaves(body, (section,), unit):
            chain = _ancestors(raw, path)
            info = _field_info(path)
            value, kind_of_value = _value(leaf, info, unit)
            if info.unit == "records":  # the records an attribute resamples, said in words
                value, kind_of_value = _records(scenario, path, leaf, lang), "choice"
            if kind_of_value == "list" and path[-1] in _PER_YEAR_FIELDS:
                kind_of_value = "per_year" if len(value) == len(years) else "list"
            source, assumption, grade, source_zh, assumption_zh = _provenance(chain, path)
            low = high = None
            range_from, reason, factor = "", None, None
            stated = _stated_range(chain, path, context)
            if stated is not None:
                rule, where = stated
                named.add(where)
                range_from = "stated" if rule.vary else "not varied"
                factor = rule.factor
                reason = rule.reason
                if rule.vary:
                    low, high = rule.ends(value)
                    shape = _check_shape(where, value, low, high)  # whatever set the value
                    problems += shape
                    if check and not shape:
                        problems += _check_range(where, value, low, high)
            elif (
                grade in defaults
                and kind_of_value in ("number", "per_year")
                and path[-1] not in _NO_DEFAULT
                and not path[-1].isdigit()
            ):
                low, high = defaults[grade].ends(value)
                range_from, factor = "default", defaults[grade].factor
            if isinstance(value, tuple) and low is not None and not isinstance(low, tuple):
                low, high = (low,) * len(value), (high,) * len(value)  # one range, every year
            pieces = [(path, value, low, high, kind_of_value, "")]
            if stated is not None and not stated[0].together and kind_of_value == "per_year":
                pieces = [  # each year varies on its own: one parameter a year
                    (
                        (*path, str(i)),
                        value[i],
                        None if low is None else low[i],
                        None if high is None else high[i],
                        "number",
                        str(year),
                    )
                    for i, year in enumerate(years)
                ]
            for where_, value_, low_, high_, type_, year in pieces:
                labels = {la: _label(raw, path, info, la) for la in ("zh", "en")}
                if year:
                    labels = {
                        la: f"{text}（{year}）" if la == "zh" else f"{text} ({year})"
                        for la, text in labels.items()
                    }
                rows.append(
                    Parameter(
                        path=".".join(where_),
                        section=section,
                        block=path[1] if len(path) > 1 else "",
                        field=path[-1],
                        value=value_,
                        unit=_unit(info, path, raw, lang),
                        kind=_kind(path),
                        type=type_,  # type: ignore[arg-type]
                        grade=grade,
                        source=source,
                        assumption=assumption,
                        source_zh=source_zh,
                        assumption_zh=assumption_zh,
                        low=low_,
                        high=high_,
                        range_from=range_from,
                        factor=factor,
                        reason=reason,
                        affects=_affects(raw, path),
                        label_zh=labels["zh"],
                        label_en=labels["en"],
                    )
                )
    problems += _unused_ranges(raw, named, {r.path for r in rows})
    if problems:
        raise ScenarioError(problems, getattr(scenario, "_file", None))
    return rows


def _records(scenario: Any, path: tuple[str, ...], file: str, lang: Lang) -> str:
    """``rd.csv（312 条记录）``: the file an attribute resamples and its records."""
    plan = getattr(scenario, "_plan", None)
    for population in getattr(plan, "populations", ()):
        if population.id == path[1]:
            for name, dist in population.attributes:
                if name == path[3] and dist.dist == "empirical" and hasattr(dist, "records"):
                    return word("records_resampled", lang).format(file=file, n=len(dist.records))
    return file


def _check_shape(where: str, value: Any, low: Any, high: Any) -> list[Problem]:
    """A problem when the ends of a range are not one number each, or one per value."""
    values = value if isinstance(value, tuple) else (value,)
    lows = low if isinstance(low, tuple) else (low,) * len(values)
    highs = high if isinstance(high, tuple) else (high,) * len(values)
    if len(lows) != len(values) or len(highs) != len(values):
        return [
            Problem(
                where,
                "the range does not match the value's shape",
                expected=f"one low and one high, or {len(values)} of each",
                found=f"low={low!r}, high={high!r}",
            )
        ]
    return []


def _check_range(where: str, value: Any, low: Any, high: Any) -> list[Problem]:
    values = value if isinstance(value, tuple) else (value,)
    lows = low if isinstance(low, tuple) else (low,) * len(values)
    highs = high if isinstance(high, tuple) else (high,) * len(values)
    for v, lo, hi in zip(values, lows, highs, strict=True):
        if not (math.isfinite(lo) and math.isfinite(hi)) or not lo <= v <= hi:
            return [
                Problem(
                    where,
                    "the stated value lies outside its plausible range",
                    expected="low ≤ value ≤ high",
                    found=f"value {value!r}, range {low!r} – {high!r}",
                )
            ]
    return []


def _unused_ranges(raw: dict[str, Any], named: set[str], paths: set[str]) -> list[Problem]:
    """A problem for each ``plausible`` entry that names no number of its table."""
    problems = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            plausible = node.get("plausible")
            if isinstance(plausible, dict):
                for rel in plausible:
                    where = ".".join((*path, "plausible", str(rel)))
                    if where not in named:
                        here = ".".join(path) + "."
                        known = [p.removeprefix(here) for p in paths if p.startswith(here)]
                        hint = did_you_mean(str(rel), known)
                        problems.append(
                            Problem(
                                where,
                                "names no number of this table",
                                expected="one of " + ", ".join(sorted(known)) if known else "",
                                hint=ask(hint),
                            )
                        )
            for key, value in node.items():
                if key not in ("plausible", "grades"):
                    walk(value, (*path, str(key)))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*path, str(i)))

    for section, body in raw.items():
        if section not in _SKIP_SECTIONS:
            walk(body, (section,))
    return problems


def _category_label(raw: dict[str, Any], path: tuple[str, ...], lang: Lang) -> str:
    """The label of the category an ``amounts.CATEGORY`` of a programme's instrument pays for:
    the population attribute's ``category_labels`` (``_en``), or the category as written."""
    category = path[-1]
    try:
        programme = raw["programmes"][path[1]]
        attribute = raw["populations"][programme["population"]]["attributes"][
            programme["instrument"]["by"]
        ]
        labels = attribute.get("category_labels_en" if lang == "en" else "category_labels", {})
    except (KeyError, TypeError):
        return category
    return str(labels.get(category, category))


def _label(raw: dict[str, Any], path: tuple[str, ...], info: FieldInfo, lang: Lang) -> str:
    """``block label · field label`` in the language asked for."""
    table = raw.get(path[0], {}).get(path[1], {}) if len(path) > 1 else {}
    block = ""
    if isinstance(table, dict):
        block = str(table.get("label_en") or path[1]) if lang == "en" else table.get("label", "")
    field = info.zh if lang == "zh" else info.en
    where = ""
    if len(path) > 3 and path[2] == "attributes" and isinstance(table, dict):
        attribute = table.get("attributes", {}).get(path[3], {})
        named = attribute.get("label_en" if lang == "en" else "label")
        where = str(named or attribute.get("label") or path[3])
    elif len(path) > 3 and path[2] in PARTS:
        where = PARTS[path[2]][0 if lang == "zh" else 1]
    # an item of a list (a prize, a bracket, a tier) is named by its place in the list
    for part, index in itertools.pairwise(path[2:-1]):
        if part in ITEMS and index.isdigit():
            item = ITEMS[part][0 if lang == "zh" else 1].format(n=int(index) + 1)
            where = (
                item
                if where == PARTS.get(part, ("", ""))[0 if lang == "zh" else 1]
                else (f"{where} · {item}" if where else item)
            )
    if path[-1].isdigit() or (len(path) >= 2 and path[-2] in ("amounts", "lpr")):
        key = _category_label(raw, path, lang) if path[-2] == "amounts" else path[-1]
        field = f"{field}（{key}）" if lang == "zh" else f"{field} ({key})"
    parts = [p for p in (block, where, field) if p]
    return " · ".join(parts)


def parameters(
    scenario: Any,
    *,
    lang: Lang = "zh",
    grade: Sequence[str] | str | None = None,
    kind: str | None = None,
    programme: Sequence[str] | str | None = None,
    uncertain: bool | None = None,
) -> pd.DataFrame:
    """Every number a run of ``scenario`` depends on, as a table.

    Parameters
    ----------
    scenario
        A loaded scenario (:func:`budgetsim.load_scenario`).
    lang
        Language of the ``label`` and ``unit`` columns: ``"zh"`` or ``"en"``.
    grade
        Keep only these grades (``"E"``, or ``["D", "E"]``).
    kind
        Keep only ``"lever"`` or ``"assumption"``.
    programme
        Keep only the numbers that can move these programmes' results (their own blocks,
        their populations, the shared funds and limits they belong to).
    uncertain
        True: only the numbers with a plausible range; False: only those without.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``path`` (as ``--set`` takes it): ``label``, ``value`` [unit] (per-year
        lists as tuples), ``unit``, ``kind``, ``type``, ``grade``, ``low``, ``high``,
        ``range_from``, ``factor`` (the multiples a range was stated as), ``source``,
        ``assumption``, ``affects``.

    Examples
    --------
    >>> import budgetsim
    >>> table = budgetsim.parameters(budgetsim.load_scenario("jiangmen-2021"))
    >>> table.loc["programmes.rd_reward.envelope.per_year", ["value", "unit", "kind"]].tolist()
    [1000.0, '万元', 'lever']
    """
    rows = parameter_list(scenario, lang)
    if isinstance(grade, str):
        grade = [grade]
    _check_choice("grade", grade or [], ("S", "D", "E"))
    _check_choice("kind", [kind] if kind is not None else [], ("lever", "assumption"))
    if isinstance(programme, str):
        programme = [programme]
    if programme is not None:
        known = [str(p) for p in scenario.programmes]
        for name in programme:
            if name not in known:
                hint = did_you_mean(name, known)
                raise ScenarioError(
                    [
                        Problem(
                            "programme",
                            "no such programme",
                            expected="one of " + ", ".join(known),
                            found=repr(name),
                            hint=ask(hint),
                        )
                    ]
                )
    keep = [
        r
        for r in rows
        if (grade is None or r.grade in grade)
        and (kind is None or r.kind == kind)
        and (programme is None or set(r.affects) & set(programme))
        and (uncertain is None or r.uncertain == uncertain)
    ]
    frame = pd.DataFrame(
        {
            "label": [r.label_zh if lang == "zh" else r.label_en for r in keep],
            "value": [r.value for r in keep],
            "unit": [r.unit for r in keep],
            "kind": [r.kind for r in keep],
            "type": [r.type for r in keep],
            "grade": [r.grade for r in keep],
            "low": [r.low for r in keep],
            "high": [r.high for r in keep],
            "range_from": [r.range_from for r in keep],
            "factor": [r.factor for r in keep],
            "source": [(r.source_zh or r.source) if lang == "zh" else r.source for r in keep],
            "assumption": [
                (r.assumption_zh or r.assumption) if lang == "zh" else r.assumption for r in keep
            ],
            "affects": [", ".join(r.affects) for r in keep],
        },
        index=pd.Index([r.path for r in keep], name="path"),
    )
    return frame


def _check_choice(name: str, given: Sequence[str], allowed: Sequence[str]) -> None:
    for value in given:
        if value not in allowed:
            hint = did_you_mean(str(value), allowed)
            raise ScenarioError(
                [
                    Problem(
                        name,
                        "value not allowed",
                        expected="one of " + ", ".join(allowed),
                        found=repr(value),
                        hint=ask(hint),
                    )
                ]
            )


def unranged(scenario: Any, grade: str = "E") -> list[Parameter]:
    """Numbers of ``grade`` with no plausible range (and not marked ``vary = false``)."""
    return [
        r
        for r in parameter_list(scenario)
        if r.grade == grade
        and r.low is None
        and r.range_from != "not varied"
        and r.type != "choice"
    ]
