"""The result of a sensitivity analysis: tidy tables, the numbers to pin down first, charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from budgetsim.metrics import Kind, Lang, as_lang, format_value, is_money, metric, money_unit
from budgetsim.outcomes import Output
from budgetsim.sensitivity.design import Factor

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from budgetsim.scenario import Scenario

__all__ = ["SensitivityResult"]

#: The column a method ranks its numbers by.
RANK_BY = {"tornado": "swing", "morris": "mu_star", "sobol": "ST"}


@dataclass
class SensitivityResult:
    """What :func:`budgetsim.sensitivity` found.

    Attributes
    ----------
    method
        ``"tornado"``, ``"morris"`` or ``"sobol"``.
    scenario
        The scenario analysed.
    outputs
        The outputs measured (:class:`~budgetsim.outcomes.Output`).
    factors
        The numbers varied (:class:`~budgetsim.sensitivity.design.Factor`).
    table
        One row per output and number, ranked within each output (``rank`` 1 first). Tornado:
        ``base``, ``at_low``, ``at_high``, ``swing`` (high − low), ``swing_se`` and its 95 %
        interval ``swing_low``/``swing_high``. Morris: ``mu``, ``mu_star``, ``mu_star_conf``,
        ``sigma``, ``ee_noise`` (standard error of one elementary effect). Sobol: ``S1``,
        ``ST`` and their ``_conf`` half-widths. ``effect``: ``"real"``, ``"noise"`` (within
        Monte Carlo noise) or ``"none"`` (exactly no change on the same draws). Values are in
        the output's unit (money in the scenario's unit, shares as fractions).
    draws, seed
        Draws per point and the seed every point shared.
    elapsed
        Wall time [s].
    noise
        Morris and Sobol: per output, the spread over the design (``spread_sd``), the Monte
        Carlo standard error of one point (``noise_sd``) and ``noise_share`` = noise² ÷ spread².
    extra
        Method settings (trajectories, samples, the Morris screening before Sobol).
    """

    method: str
    scenario: Scenario
    outputs: list[Output]
    factors: list[Factor]
    table: pd.DataFrame
    draws: int
    seed: int
    elapsed: float
    noise: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # -- reading ---------------------------------------------------------------------------

    def output(self, key: str | Output) -> Output:
        """An output of the analysis by its key (``"p_exhausted:loan_interest"``)."""
        from budgetsim.errors import BudgetsimError
        from budgetsim.outcomes import parse_output

        text = key.key if isinstance(key, Output) else key
        known = ", ".join(o.key for o in self.outputs)
        try:
            wanted = key if isinstance(key, Output) else parse_output(text, self.scenario)
        except BudgetsimError as exc:
            raise KeyError(f"{exc}; this analysis has {known}") from None
        for out in self.outputs:
            if out == wanted:
                return out
        raise KeyError(f"no output {text!r} in this analysis; it has {known}")

    def factor(self, path: str) -> Factor:
        """A varied number by path."""
        for f in self.factors:
            if f.path == path:
                return f
        raise KeyError(f"no number {path!r} was varied")

    def top(self, output: str | Output, n: int = 3, *, real: bool = True) -> list[Factor]:
        """The ``n`` numbers that move ``output`` most, largest first (with ``real``: only
        effects beyond Monte Carlo noise)."""
        key = self.output(output).key
        rows = self.table[self.table["output"] == key].sort_values("rank")
        if real:
            rows = rows[rows["effect"] == "real"]
        return [self.factor(p) for p in rows["parameter"].head(n)]

    def kept(self, keep: int = 8) -> list[Factor]:
        """The numbers with a real effect on some output, at most ``keep``, by their largest
        effect relative to the largest on the same output (for a Sobol analysis after Morris
        screening)."""
        column = RANK_BY[self.method]
        t = self.table.assign(size=self.table[column].abs())
        biggest = t.groupby("output")["size"].transform("max").replace(0, np.nan)
        t = t.assign(relative=t["size"] / biggest)
        real = t[t["effect"] == "real"]
        order = real.groupby("parameter")["relative"].max().sort_values(ascending=False)
        paths = list(order.index[:keep])
        if not paths:  # nothing beyond noise: keep the largest, so the indices say so
            paths = list(t.groupby("parameter")["relative"].max().sort_values().index[-keep:])
        return [f for f in self.factors if f.path in paths]

    def frame(self, lang: str = "zh") -> pd.DataFrame:
        """``table`` with what a reader needs beside it: the output's and the number's labels,
        the number's unit, kind, grade and its low and high ends."""
        from budgetsim.parameters import parameter_list

        lang_ = as_lang(lang)
        labels = {o.key: o.label(self.scenario, lang_) for o in self.outputs}
        by_path = {f.path: f for f in self.factors}
        units = {r.path: r.unit for r in parameter_list(self.scenario, lang_) if r.path in by_path}
        t = self.table.copy()
        t.insert(1, "output_label", t["output"].map(labels))
        t.insert(3, "parameter_label", [by_path[p].label(lang_) for p in t["parameter"]])
        t.insert(4, "kind", [by_path[p].parameter.kind for p in t["parameter"]])
        t.insert(5, "grade", [by_path[p].parameter.grade for p in t["parameter"]])
        t.insert(6, "unit", [units.get(p, by_path[p].parameter.unit) for p in t["parameter"]])
        t.insert(7, "low", [_text(by_path[p].ends()[0]) for p in t["parameter"]])
        t.insert(8, "high", [_text(by_path[p].ends()[1]) for p in t["parameter"]])
        return t

    def findings(self, lang: str = "zh", n: int = 3) -> list[str]:
        """One sentence per output: the numbers that move it most, with their effect, and
        what to pin down first."""
        lang_ = as_lang(lang)
        column = RANK_BY[self.method]
        lines = []
        for out in self.outputs:
            rows = self.table[self.table["output"] == out.key].sort_values("rank")
            real = rows[rows["effect"] == "real"].head(n)
            name = out.label(self.scenario, lang_)
            if real.empty:
                lines.append(self._nothing(name, rows, lang_))
                continue
            lever = "政策杠杆，" if lang_ == "zh" else "a lever, "
            left, right = ("（", "）") if lang_ == "zh" else (" (", ")")
            parts = [
                f"{self.factor(str(r.parameter)).label(lang_)}{left}"
                f"{lever if self.factor(str(r.parameter)).parameter.kind == 'lever' else ''}"
                f"{self._size(out, column, r, lang_)}{right}"
                for r in real.itertuples()
            ]
            head = (
                f"{name}：影响最大的是{'；'.join(parts)}。"
                if lang_ == "zh"
                else f"{name}: moved most by {'; '.join(parts)}."
            )
            first = self.first_to_measure(out)
            if first is not None:
                head += (
                    f"应首先核实的假设：{first.label(lang_)}。"
                    if lang_ == "zh"
                    else f" The assumption to pin down first: {first.label(lang_)}."
                )
            lines.append(head)
        return lines

    def _nothing(self, name: str, rows: pd.DataFrame, lang: Lang) -> str:
        """The sentence for an output that no number clearly moves."""
        base = float(rows["base"].iloc[0]) if len(rows) else float("nan")
        pinned = metric(self.output(str(rows["output"].iloc[0])).metric).kind is Kind.SHARE
        if (rows["effect"] == "none").all() and pinned and base in (0.0, 1.0):
            value = format_value("p_exhausted", base, lang)
            return (
                f"{name}：在每个点、每次模拟中都是 {value}，在这些范围内没有任何参数能改变它"
                "（其背后的需求仍可能随参数变化）。"
                if lang == "zh"
                else f"{name}: {value} in every draw at every point; no number within its range "
                "changes that (the demand behind it may still move)."
            )
        if (rows["effect"] == "none").all():
            return (
                f"{name}：所变动的参数都完全不影响它（相同抽样下结果完全相同）。"
                if lang == "zh"
                else f"{name}: no number changes it at all (the same draws give the same result)."
            )
        if self.method == "sobol":
            return (
                f"{name}：没有一个指数明显高于其置信区间和蒙特卡洛噪声。"
                if lang == "zh"
                else f"{name}: no index stands clear of its interval and of the Monte Carlo noise."
            )
        return (
            f"{name}：没有一个参数的影响超出蒙特卡洛噪声。"
            if lang == "zh"
            else f"{name}: no number moves it beyond Monte Carlo noise."
        )

    def first_to_measure(self, output: str | Output) -> Factor | None:
        """The assumption (not a lever: the bureau decides those) that moves ``output`` most
        beyond noise, or None."""
        key = self.output(output).key
        rows = self.table[(self.table["output"] == key) & (self.table["effect"] == "real")]
        for path in rows.sort_values("rank")["parameter"]:
            if self.factor(path).parameter.kind == "assumption":
                return self.factor(path)
        return None

    def _size(self, out: Output, column: str, row: Any, lang: Lang) -> str:
        value = float(getattr(row, column))
        if self.method == "sobol":
            return f"ST {value:.2f}"
        text = format_value(out.metric, value, lang, signed=self.method == "tornado")
        if is_money(out.metric):
            text += " " + money_unit(self.scenario.unit, lang)
        return (
            ("摆幅 " if lang == "zh" else "swing ") + text
            if self.method == "tornado"
            else (f"μ* {text}")
        )

    # -- showing ---------------------------------------------------------------------------

    def plot(
        self, output: str | Output | None = None, lang: str = "zh", *, top: int = 15
    ) -> Figure:
        """The method's chart for one output (the first when None): a tornado, Morris μ*–σ or
        Sobol indices, labelled in ``lang``."""
        from budgetsim.charts.sensitivity import sensitivity_chart

        out = self.output(output) if output is not None else self.outputs[0]
        return sensitivity_chart(self, out, as_lang(lang), top=top)

    def __repr__(self) -> str:
        return (
            f"<SensitivityResult {self.method} of {self.scenario.id}: "
            f"{len(self.outputs)} outputs × {len(self.factors)} numbers, "
            f"{self.draws:,} draws a point, {self.elapsed:.1f} s>"
        )

    def _repr_html_(self) -> str:
        table = self.frame("zh").head(30).to_html()
        return "<p>" + "<br>".join(self.findings("zh")) + "</p>" + table


def _text(value: Any) -> str:
    """A number as a table shows it: thousands separators, no float noise."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if float(value).is_integer():
        return f"{value:,.0f}"
    sign = "-" if value < 0 else ""
    text = np.format_float_positional(abs(value), precision=6, fractional=False, trim="-")
    whole, _, frac = text.partition(".")
    return sign + f"{int(whole):,}" + (f".{frac}" if frac else "")
