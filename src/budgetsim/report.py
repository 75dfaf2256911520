"""The report a planner hands on: one HTML file, an Excel workbook, the charts and the JSON.

``write_report(result, out)`` writes into folder ``out``:

- ``report.html`` — self-contained (charts embedded as PNG data): the scenario's title and
  source, headline findings written from the numbers, the tables, the charts, with a tornado
  (``sensitivity=``) a sensitivity section, and an appendix with every policy number's
  clause and every assumption's reasoning;
- ``report.xlsx`` — a summary sheet with formatted numbers, one sheet per programme, with a
  tornado its table, the appendix, and the per-draw demand and payments; frozen header rows,
  sized columns;
- ``charts/*.png`` and ``charts/*.svg`` (with a tornado, ``sensitivity_*`` per output);
- ``summary.json``, ``summary.csv`` and the per-draw file, stamped (:func:`write_outputs`).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from budgetsim import __version__, charts
from budgetsim._report_sensitivity import (
    chart_bars,
    chart_name,
    section,
    to_html,
    to_markdown,
)
from budgetsim.charts._style import resolve_lang
from budgetsim.metrics import OVERVIEW, REGISTRY, Lang, as_lang, format_value, label
from budgetsim.outputs import atomic, write_outputs
from budgetsim.plausibility import Doubt, doubts
from budgetsim.results import SimulationResult
from budgetsim.workbook import write_workbook

if TYPE_CHECKING:
    from budgetsim.sensitivity.result import SensitivityResult

__all__ = ["findings", "provenance", "sensitivity_markdown", "write_report"]

#: Uncapped programmes whose demand is charted, largest first.
UNCAPPED_SHOWN = 6


def provenance(result: SimulationResult) -> pd.DataFrame:
    """Every number's clause or assumption: one row per block of the scenario that has one.

    Columns: ``path`` (the field path), ``source`` (the clause) and ``assumption`` (the
    reasoning for a number the document does not give).
    """
    rows: list[dict[str, str]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            source, assumption = node.get("source"), node.get("assumption")
            if source or assumption:
                rows.append({"path": path, "source": source or "", "assumption": assumption or ""})
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list | tuple):
            for i, value in enumerate(node):
                walk(value, f"{path}.{i}")

    walk(result.scenario.model_dump(mode="json"), "")
    return pd.DataFrame(rows, columns=["path", "source", "assumption"])


def _money(value: float, unit: str) -> str:
    if unit == "万元" and abs(value) >= 10_000:
        return f"{value / 10_000:,.2f}亿元"
    return f"{value:,.0f}{unit}"


#: Sentence templates of the findings, by language.
_SENTENCES: dict[str, dict[str, str]] = {
    "over": {
        "en": "{label}{money} is oversubscribed in {p:.0%} of draws; it pays {fill:.0%} of what "
        "eligible applicants are entitled to, and {full:.0%} of claimants are paid in full.",
        "zh": "{label}{money}在{p:.0%}的模拟中申请超额：仅能兑付符合条件申请金额的{fill:.0%}，"
        "{full:.0%}的申请者获得全额资助。",
    },
    "lasts": {
        "en": "{label}{money} lasts in {q:.0%} of draws.",
        "zh": "{label}{money}在{q:.0%}的模拟中资金充足。",
    },
    "short": {
        "en": "{label}{money} runs out in {p:.0%} of draws; to pay every claim in 95 % of cases "
        "it would need {bar}.",
        "zh": "{label}{money}在{p:.0%}的模拟中资金用尽；要在95%的情形下足额兑付，需要{bar}。",
    },
    "money": {"en": " ({amount} in {year})", "zh": "（{year}年预算{amount}）"},
    "policy": {
        "en": "All programmes together in {year}: demand {mean} on average, {p80} at P80.",
        "zh": "{year}年全部项目合计：平均需求{mean}，P80为{p80}。",
    },
    "reserve": {
        "en": "{label} is depleted by the end of {year} in {p:.1%} of draws.",
        "zh": "{label}在{year}年末前耗尽的概率为{p:.1%}。",
    },
    "target": {
        "en": "{label}: the goal of {goal:,} by {year} is met in {p:.1%} of draws.",
        "zh": "{label}：{year}年达到{goal:,}的目标的概率为{p:.1%}。",
    },
}


def findings(result: SimulationResult, lang: str = "zh") -> list[str]:
    """Headline findings in sentences, written from the numbers, in Chinese or English.

    One sentence per capped programme for the first year — oversubscribed (the money runs out
    in at least half of the draws), lasting (in at least 95 %), or in between with the budget
    that would pay every claim in 95 % of cases — then the whole policy per year, the risk
    reserve funds and the targets.
    """
    lang_ = as_lang(lang)

    def say(key: str, **values: Any) -> str:
        return _SENTENCES[key][lang_].format(**values)

    def name(spec: Any) -> str:
        return str(spec.label if lang == "zh" else (spec.label_en or spec.label))

    out = []
    per_year: dict[Hashable, dict[Hashable, Any]] = result.summary().to_dict("index")
    unit = result.unit
    members = {p for fund in result.funds for p in fund.members}
    first = result.years[0]
    for i, programme in enumerate(result.programmes):
        if i not in members:
            continue
        row = per_year[(programme, first)]
        label = name(result.scenario.programmes[programme])
        envelope = row["envelope"]
        money = (
            say("money", amount=_money(envelope, unit), year=first)
            if math.isfinite(envelope)
            else ""
        )
        p = row["p_exhausted"]
        if p >= 0.5:
            out.append(
                say("over", label=label, money=money, p=p, fill=row["fill_ratio"],
                    full=row["coverage_full"])
            )  # fmt: skip
        elif p <= 0.05:
            out.append(say("lasts", label=label, money=money, q=1 - p))
        else:
            bar = _money(row["budget_at_risk_p95"], unit)
            out.append(say("short", label=label, money=money, p=p, bar=bar))
    policy: dict[Hashable, dict[Hashable, Any]] = result.policy_summary().to_dict("index")
    for year in result.years:
        row = policy[str(year)]
        mean, p80 = _money(row["demand_mean"], unit), _money(row["demand_p80"], unit)
        out.append(say("policy", year=year, mean=mean, p80=p80))
    if result.riskfunds:
        reserve: dict[Hashable, dict[Hashable, Any]] = result.riskfund_summary().to_dict("index")
        last_year = result.years[-1]
        for fund in result.riskfunds:
            p = reserve[(fund, last_year)]["p_depleted"]
            out.append(
                say("reserve", label=name(result.scenario.riskfunds[fund]), year=last_year, p=p)
            )
    for target, ds in result.targets.items():
        spec = result.scenario.targets[target]
        stock = ds["stock"].values[:, result.years.index(spec.goal_year)]
        met = float(np.mean(stock >= spec.goal))
        out.append(say("target", label=name(spec), goal=spec.goal, year=spec.goal_year, p=met))
    return out


def _figures(result: SimulationResult, lang: str) -> dict[str, Figure]:
    figures = {}
    if result.funds:  # programmes with an envelope: what can run out
        figures["exhaustion"] = charts.exhaustion_heatmap(result, lang=lang)
        figures["fill_ratio"] = charts.fill_ratio(result, lang=lang)
        figures["exhaustion_month"] = charts.exhaustion_month_cdf(result, lang=lang)
        if "paid_by_month" in result.dataset:  # simulate(..., monthly=True)
            figures["fan"] = charts.fan_chart(result, lang=lang)
    p_first = result["exhausted"].isel(year=0).mean("draw").values
    members = {p for fund in result.funds for p in fund.members}
    for i, programme in enumerate(result.programmes):
        if i not in members:
            continue
        figures[f"demand_{programme}"] = charts.demand_distribution(result, programme, lang=lang)
        p = float(p_first[i])
        if 0.02 < p < 0.98:  # where more money changes the answer
            figures[f"curve_{programme}"] = charts.budget_coverage_curve(
                result, programme, lang=lang
            )
    # uncapped programmes have no envelope to run out of: show the largest demands instead
    uncapped = [i for i in range(len(result.programmes)) if i not in members]
    mean = result.demand.values.mean(axis=(0, 2))
    for i in sorted(uncapped, key=lambda i: -mean[i])[:UNCAPPED_SHOWN]:
        programme = result.programmes[i]
        figures[f"demand_{programme}"] = charts.demand_distribution(result, programme, lang=lang)
    for fund in result.riskfunds:
        figures[f"riskfund_{fund}"] = charts.riskfund_balance(result, fund, lang=lang)
    for target in result.targets:
        figures[f"target_{target}"] = charts.target_paths(result, target, lang=lang)
    return figures


_CSS = """
body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei",
  sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.meta { color: #666; font-size: 0.85em; } li { margin: 0.25em 0; }
table { border-collapse: collapse; font-size: 0.8em; margin: 0.6em 0; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 3px 8px; text-align: right; }
th { background: #f6f6f6; } td:first-child, th:first-child { text-align: left; }
td:first-child { white-space: nowrap; }
img { max-width: 100%; margin: 0.8em 0; border: 1px solid #eee; }
.appendix td { text-align: left; vertical-align: top; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
table.sensitivity td:first-child { white-space: normal; min-width: 16em; text-align: left; }
table.sensitivity td:nth-child(2), table.sensitivity td:last-child { text-align: left; }
code.path { font-size: 0.85em; color: #666; white-space: nowrap; }
"""


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


#: Headers of the report's columns that are not metrics.
_KEYS: dict[str, dict[Lang, str]] = {
    "label": {"zh": "项目", "en": "programme"},
    "year": {"zh": "年度", "en": "year"},
}


def _table_html(frame: pd.DataFrame, lang: Lang) -> str:
    """A table with the metrics' labels as headers and their values formatted as the metric
    says (amounts with thousands separators, shares as %)."""
    shown = frame.copy()
    for column in shown.columns:
        if column in REGISTRY:
            shown[column] = [format_value(column, v, lang) for v in shown[column]]
    shown.columns = [label(c, lang) if c in REGISTRY else _KEYS[c][lang] for c in shown.columns]
    return shown.to_html(escape=True, border=0, index=False)


_HEADINGS: dict[str, dict[str, str]] = {
    "findings": {"zh": "主要发现", "en": "Findings"},
    "table": {"zh": "分项目、分年度", "en": "Per programme and year"},
    "policy": {
        "zh": "全部项目合计（应预留的预算）",
        "en": "All programmes together (the budget to set aside)",
    },
    "charts": {"zh": "图表", "en": "Charts"},
    "doubts": {"zh": "请核对的数字", "en": "Numbers to check"},
    "appendix": {"zh": "附录：每个数字的来源", "en": "Appendix: where every number comes from"},
    "appendix_note": {
        "zh": "政策数字注明所依据的条款（source）；"
        "文件未给出的数字为假设（assumption），并说明理由。",
        "en": "Policy numbers cite their clause (source); numbers the document does not give are "
        "assumptions, with their reasoning.",
    },
}


def _data_uri(png: bytes) -> str:
    return f"data:image/png;base64,{base64.b64encode(png).decode()}"


def _html(
    result: SimulationResult,
    sentences: list[str],
    images: dict[str, bytes],
    appendix: pd.DataFrame,
    lang: Lang,
    sensitivity: str = "",
    doubts: Sequence[Doubt] = (),
) -> str:
    def h(key: str) -> str:
        return _HEADINGS[key][lang]

    sc = result.scenario
    header = sc.scenario
    stamp = result.stamp()
    summary = result.summary().reset_index()
    table = _table_html(summary[["label", "year", *OVERVIEW]], lang)
    policy = _table_html(result.policy_summary().reset_index(), lang)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{html.escape(header.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(header.title)}</h1>",
        f'<p class="meta">{html.escape(header.source)} · {sc.id} · {result.draws:,} draws · seed '
        f"{result.seed} · scenario hash {stamp['scenario_hash']} · budgetsim {__version__} · "
        f"amounts in {html.escape(result.unit)}</p>",
        f"<h2>{h('findings')}</h2><ul>",
        *(f"<li>{html.escape(s)}</li>" for s in sentences),
        "</ul>",
        *(
            [
                f"<h2>{h('doubts')}</h2><ul>",
                *(
                    f"<li><code>{html.escape(d.path)}</code>: {html.escape(d.text(lang))} "
                    f"({html.escape(d.hint(lang))})</li>"
                    for d in doubts
                ),
                "</ul>",
            ]
            if doubts
            else []
        ),
        f"<h2>{h('table')}</h2>",
        table,
        f"<h2>{h('policy')}</h2>",
        policy,
        f"<h2>{h('charts')}</h2>",
        *(
            f'<img alt="{html.escape(name)}" data-chart="{html.escape(name)}" '
            f'src="{_data_uri(png)}">'
            for name, png in images.items()
        ),
        sensitivity,
        f"<h2>{h('appendix')}</h2>",
        f"<p>{h('appendix_note')}</p>",
        appendix.to_html(index=False, escape=True, border=0, classes="appendix"),
        "</body></html>",
    ]
    return "\n".join(parts)


def sensitivity_markdown(
    sensitivity: SensitivityResult, lang: str = "zh", *, charts: str = "charts"
) -> str:
    """The report's sensitivity section as Markdown: what was done, per headline output its
    tornado (linked as ``{charts}/sensitivity_….png``, the files :func:`write_report` writes),
    the numbers that move it most with their swings, the assumption to pin down first and
    what lies within noise, a table of the numbers with some effect, and what to measure first
    across the outputs.

    Parameters
    ----------
    sensitivity
        A tornado (:func:`budgetsim.sensitivity.tornado`).
    lang
        ``"zh"`` or ``"en"``.
    charts
        The folder the chart links point into.
    """
    _check_tornado(sensitivity)
    return to_markdown(section(sensitivity, as_lang(lang)), charts)


def _check_tornado(sensitivity: SensitivityResult, result: SimulationResult | None = None) -> None:
    if sensitivity.method != "tornado":
        raise ValueError(
            f"the report's sensitivity section reads a tornado, found a {sensitivity.method} "
            "analysis"
        )
    if result is not None and sensitivity.scenario.id != result.scenario.id:
        raise ValueError(
            f"the sensitivity analysis is of scenario {sensitivity.scenario.id!r}, the run of "
            f"{result.scenario.id!r}"
        )


def write_report(
    result: SimulationResult,
    out: str | Path,
    *,
    lang: str = "zh",
    svg: bool = True,
    sensitivity: SensitivityResult | None = None,
) -> list[Path]:
    """Write the report, the workbook, the charts and the JSON summary into folder ``out``.

    Parameters
    ----------
    result
        A simulation result.
    out
        Output folder; created if missing.
    lang
        Language of the findings, headings and charts (``"zh"`` or ``"en"``; the charts fall
        back to English without a CJK font, the page's text does not need one).
    svg
        Whether to write each chart as SVG beside the PNG.
    sensitivity
        A tornado of the same scenario (:func:`budgetsim.sensitivity.tornado`): adds the
        sensitivity section to the page (:func:`sensitivity_markdown` gives it as Markdown),
        a tornado chart per output (``charts/sensitivity_*``) and the ``Sensitivity`` sheet
        (:meth:`~budgetsim.sensitivity.SensitivityResult.frame`) to the workbook.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ValueError
        For a sensitivity analysis other than a tornado, or of another scenario.
    """
    if sensitivity is not None:
        _check_tornado(sensitivity, result)
    folder = Path(out)
    chart_dir = folder / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    lang_ = resolve_lang(lang)  # the charts': English without a CJK font
    written = write_outputs(result, folder)
    sentences = findings(result, lang)
    appendix = provenance(result)
    figures = _figures(result, lang_)
    tornadoes = {}
    if sensitivity is not None:
        for output in sensitivity.outputs:
            bars = chart_bars(sensitivity, output)
            tornadoes[chart_name(output)] = sensitivity.plot(output, lang_, top=bars)
    images = {}
    for name, fig in {**figures, **tornadoes}.items():
        png = _png(fig)
        images[name] = png
        (chart_dir / f"{name}.png").write_bytes(png)
        written.append(chart_dir / f"{name}.png")
        if svg:
            fig.savefig(chart_dir / f"{name}.svg", format="svg")
            written.append(chart_dir / f"{name}.svg")
    text_lang = as_lang(lang)
    extra = ""
    if sensitivity is not None:
        uris = {name: _data_uri(images.pop(name)) for name in tornadoes}
        extra = to_html(section(sensitivity, text_lang), uris)
    page = folder / "report.html"
    unusual = doubts(result.scenario, result)
    with atomic(page) as handle:
        handle.write(_html(result, sentences, images, appendix, text_lang, extra, unusual))
    written.append(page)
    book = folder / "report.xlsx"
    write_workbook(result, book, findings=sentences, sensitivity=sensitivity, lang=text_lang)
    written.append(book)
    return written
