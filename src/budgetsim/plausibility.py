"""Doubts: numbers that are valid but probably not what was meant.

An envelope typed in 元 where 万元 was meant (``30000000`` is 3000亿元) or a text amount in
the wrong unit (``"3000元"`` for a year's envelope) passes validation and quietly turns every
answer into "never runs out" or "always runs out". These checks compare each amount with
what it pays for and warn (never fail) when it is orders of magnitude away:

- an envelope against its programmes' expected demand (from the run, or a small pilot run);
- one applicant's amount (a cap, a fixed award, a prize) against a whole year's envelope.

A warning names the field; a number that is right although unusual is marked so in its block
with the reason (``unusual = { total = "the province's whole budget" }``), which silences
that field's warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from budgetsim.errors import BudgetsimError
from budgetsim.money import UNITS, format_amount

if TYPE_CHECKING:
    from budgetsim.results import SimulationResult
    from budgetsim.scenario import Scenario

__all__ = ["ORDERS", "PILOT_DRAWS", "Doubt", "doubts"]

#: How far (a factor, either way) an envelope may be from its expected demand before it is
#: doubted. The bundled scenarios' envelopes lie within 0.07–1.6 of their demand.
ORDERS = 100.0
#: Draws of the pilot run that estimates demand when no run is given.
PILOT_DRAWS = 20


#: What each kind of doubt says, in each language; ``{amount}``, ``{other}`` and ``{times}``
#: are filled from the doubt's figures.
_SAYS: dict[str, dict[str, str]] = {
    "envelope_vs_demand": {
        "zh": "资金安排（各年合计{amount}）是预计需求（{other}）的{times}",
        "en": "the envelope ({amount} over the years) is {times} the expected demand ({other})",
    },
    "envelope_zero": {
        "zh": "资金安排为0，而预计需求为{other}：所有申请都得不到支付",
        "en": "the envelope is 0 while the expected demand is {other}: no claim is paid",
    },
    "award_vs_envelope": {
        "zh": "单个申请者的金额（{amount}）超过一整年的资金安排（{other}）",
        "en": "one applicant's amount ({amount}) is more than a whole year's envelope ({other})",
    },
    "did_you_mean": {"zh": "是否应为{suggestion}？", "en": "did you mean {suggestion}?"},
    "bare_number": {
        "zh": "不带单位的数字按{unit}读取",
        "en": "a number without a unit is read in {unit}",
    },
    "written_unit": {
        "zh": "“{written}”的单位是{written_unit}",
        "en": "{written!r} is in {written_unit}",
    },
    "check_unit": {"zh": "请核对单位：", "en": "check its unit:"},
    "or_demand": {
        "zh": "或者需求估计过大：请核对申请者数量和金额",
        "en": "or the demand is too large: check the applicant counts and amounts",
    },
    "silence": {
        "zh": '如确无误，请在该表中注明：unusual = {{ {field} = "理由" }}',
        "en": 'if it is right, say so in its table: unusual = {{ {field} = "why" }}',
    },
}


@dataclass(frozen=True)
class Doubt:
    """A number that is valid but probably not what was meant.

    Attributes
    ----------
    path
        The field path of the number.
    kind
        What is unusual about it: ``"envelope_vs_demand"``, ``"envelope_zero"`` or
        ``"award_vs_envelope"``.
    amount, other
        The number and what it is compared with [unit].
    unit
        The scenario's unit.
    suggestion
        The amount it would be in the unit that was probably meant, when one fits [unit].
    written
        The number as the file wrote it (``"3000元"`` or ``30000000``).
    """

    path: str
    kind: str
    amount: float
    other: float
    unit: str
    suggestion: float | None = None
    written: Any = None

    @property
    def field(self) -> str:
        """The field of its block that ``unusual`` names to silence it."""
        keys = self.path.split(".")
        for table in ("amounts", "prizes"):
            if table in keys:
                return table
        return keys[-1]

    def text(self, lang: str = "en") -> str:
        """What is unusual, with the figures, in ``lang`` (``"zh"`` or ``"en"``)."""
        ratio = self.amount / self.other if self.amount and self.other else 1.0
        times = (
            (f"{ratio:,.0f}倍" if lang == "zh" else f"{ratio:,.0f}×")
            if ratio >= 1
            else (f"{1 / ratio:,.0f}分之一" if lang == "zh" else f"1/{1 / ratio:,.0f} of")
        )
        return _SAYS[self.kind][lang].format(
            amount=_money(self.amount, self.unit), other=_money(self.other, self.unit), times=times
        )

    def hint(self, lang: str = "en") -> str:
        """What may have gone wrong, and how to say that nothing has."""
        if self.kind == "envelope_zero":
            return _SAYS["silence"][lang].format(field=self.field)
        unit = _written_unit(self.written) if isinstance(self.written, str) else ""
        why = (
            _SAYS["written_unit"][lang].format(written=self.written, written_unit=unit)
            if unit
            else _SAYS["bare_number"][lang].format(unit=self.unit)
        )
        cause = (
            _SAYS["did_you_mean"][lang].format(suggestion=_money(self.suggestion, self.unit))
            if self.suggestion is not None
            else _SAYS["check_unit"][lang]
        )
        sep = "；" if lang == "zh" else "; "
        if self.kind == "envelope_vs_demand" and self.amount < self.other:
            why += sep + _SAYS["or_demand"][lang]
        return f"{cause} {why}{sep}{_SAYS['silence'][lang].format(field=self.field)}"

    def render(self, file: str | None = None, lang: str = "en") -> str:
        """One line, prefixed with the file when known."""
        where = f"{file} › {self.path}" if file else self.path
        return f"{where}: {self.text(lang)} ({self.hint(lang)})"


def doubts(scenario: Scenario, result: SimulationResult | None = None) -> list[Doubt]:
    """Every doubt about ``scenario``'s amounts, less those marked ``unusual``.

    Parameters
    ----------
    scenario
        A validated scenario.
    result
        A run of it, whose demand the envelopes are compared with; None runs a pilot of
        :data:`PILOT_DRAWS` draws.

    Returns
    -------
    list of Doubt
        In the order of the scenario's funds.
    """
    from budgetsim.engine import _plan, simulate

    plan = _plan(scenario)
    if result is None and plan.funds:
        try:
            result = simulate(plan, draws=PILOT_DRAWS, seed=0)
        except BudgetsimError:  # a run that cannot fit is said when it is run
            result = None
    demand = None if result is None else np.asarray(result.dataset["demand"].values).mean(axis=0)
    found = [] if demand is None else list(_demand_doubts(scenario, plan, demand))
    found += _award_doubts(scenario, plan)
    return [d for d in found if not _silenced(scenario, d.path)]


def _envelope_path(scenario: Scenario, fund: Any) -> str:
    """The field path of a fund's envelope amount (``…envelope.total`` or ``per_year``)."""
    block = f"funds.{fund.id}" if fund.shared else f"programmes.{fund.id}"
    owner: Any = scenario.funds[fund.id] if fund.shared else scenario.programmes[fund.id]
    envelope = owner.envelope
    field = "per_year" if envelope is not None and envelope.per_year is not None else "total"
    return f"{block}.envelope.{field}"


def _suggestion(ratio: float, amount: float) -> float | None:
    """The amount had it been written in the unit that makes it ``ratio`` times too large (or
    small), when a pair of units at least 1000 apart (元 and 万元, 万元 and 亿元 …) explains it.

    Examples
    --------
    >>> _suggestion(9_000, 30_000_000)
    3000.0
    >>> _suggestion(1 / 7_000, 0.3)
    3000.0
    >>> _suggestion(37, 5000) is None
    True
    """
    sizes = sorted(set(UNITS.values()))
    for slip in sorted({a / b for a in sizes for b in sizes if max(a / b, b / a) >= 1000}):
        if 1 / 3 <= ratio / slip <= 3:
            return float(f"{amount / slip:.12g}")
    return None


def _written_unit(text: str) -> str:
    """The unit at the end of an amount text, or ''."""
    return next((u for u in sorted(UNITS, key=len, reverse=True) if text.strip().endswith(u)), "")


def _money(value: float, unit: str) -> str:
    """An amount with the digits that show it (0.30万元, 2,100万元)."""
    return format_amount(value, unit, 0 if value >= 100 else 2)


def _demand_doubts(scenario: Scenario, plan: Any, demand: Any) -> Iterator[Doubt]:
    for fund in plan.funds:
        need = demand[list(fund.members)].sum(axis=0)
        money, wanted = float(np.sum(fund.amounts)), float(np.sum(need))
        path = _envelope_path(scenario, fund)
        if wanted <= 0:
            continue  # nothing to compare with: a programme nobody claims is not a unit slip
        if money <= 0:
            written = _written(scenario, path)
            yield Doubt(path, "envelope_zero", money, wanted, scenario.unit, None, written)
            continue
        if 1 / ORDERS <= money / wanted <= ORDERS:
            continue
        suggestion = _suggestion(money / wanted, money)
        written = _written(scenario, path)
        yield Doubt(path, "envelope_vs_demand", money, wanted, scenario.unit, suggestion, written)


def _award_doubts(scenario: Scenario, plan: Any) -> Iterator[Doubt]:
    for fund in plan.funds:
        least = float(np.min(fund.amounts))
        for index in fund.members:
            prog = plan.programmes[index]
            for field, amount in _per_applicant(prog.spec.instrument).items():
                if least > 0 and amount > least:
                    path = f"programmes.{prog.id}.instrument.{field}"
                    written = _written(scenario, path)  # "more than" suggests no amount
                    yield Doubt(
                        path, "award_vs_envelope", amount, least, scenario.unit, None, written
                    )


def _written(scenario: Scenario, path: str) -> Any:
    """The value at ``path`` as the file wrote it (``"3000元"``), when known."""
    node: Any = scenario._raw
    for key in path.split("."):
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _per_applicant(instrument: Any) -> dict[str, float]:
    """The instrument's amounts per applicant, by field path."""
    found: dict[str, float] = {}
    for field in ("cap", "amount", "grant"):
        value = getattr(instrument, field, None)
        if isinstance(value, float):
            found[field] = value
    for key, value in (getattr(instrument, "amounts", None) or {}).items():
        found[f"amounts.{key}"] = value
    for i, prize in enumerate(getattr(instrument, "prizes", None) or ()):
        found[f"prizes.{i}.amount"] = prize.amount
    return found


def _silenced(scenario: Scenario, path: str) -> bool:
    """Whether the innermost block on ``path`` that can say so marks the field it holds on
    the path ``unusual`` (``instrument.unusual = { amounts = "…" }`` for ``amounts.first``)."""
    node: Any = scenario
    marked: tuple[Any, str] | None = None
    for key in path.split("."):
        if hasattr(node, "unusual"):
            marked = (node, key)
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, tuple) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            node = getattr(node, key, None)
        if node is None:
            break
    return marked is not None and marked[1] in (marked[0].unusual or {})
