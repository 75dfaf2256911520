"""The report a planner hands on: one HTML file, an Excel workbook, the charts and the JSON.

``write_report(result, out)`` writes into folder ``out``:

- ``report.html`` — self-contained (charts embedded as PNG data), in one language (``lang``):
  the scenario's title and source, headline findings written from the numbers, the tables
  (per programme and year, per programme over the horizon, shared funds, risk reserve funds,
  targets, all programmes together), the charts, with a tornado (``sensitivity=``) a
  sensitivity section, an appendix with every number's value, grade, plausible range and
  clause or assumption, and the sections of the calibration notes the appendix cites. It
  prints on A4 without cutting a column;
- ``report.xlsx`` — the workbook (:func:`budgetsim.workbook.write_workbook`): overview,
  programmes, shared funds, whole policy, reserve fund, targets, assumptions, with a tornado
  a sensitivity sheet, and the per-draw data (not printed); it prints on A4, one page wide;
- ``charts/*.png`` and ``charts/*.svg`` (with a tornado, ``sensitivity_*`` per output);
- ``summary.json``, ``summary.csv`` and the per-draw file, stamped (:func:`write_outputs`).

Every heading, header and sentence of the page comes from a registry: metrics' labels and
units from :mod:`budgetsim.metrics`, numbers' names from the parameter table
(:func:`budgetsim.parameters.parameters`), other words from :mod:`budgetsim.words`.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from budgetsim import __version__, charts
from budgetsim._report_appendix import appendix_html, calibration_html, calibration_sections
from budgetsim._report_sensitivity import (
    chart_bars,
    chart_name,
    section,
    to_html,
    to_markdown,
)
from budgetsim.charts._style import resolve_lang
from budgetsim.metrics import (
    FUND_TABLE,
    OVERVIEW,
    RISKFUND_TABLE,
    TARGET_TABLE,
    Lang,
    as_lang,
    format_value,
    money_unit,
)
from budgetsim.money import money_words
from budgetsim.outputs import atomic, write_outputs
from budgetsim.parameters import parameters
from budgetsim.plausibility import Doubt, doubts
from budgetsim.results import SimulationResult
from budgetsim.summaries import applies
from budgetsim.words import header, horizon, word
from budgetsim.workbook import write_workbook

if TYPE_CHECKING:
    from budgetsim.sensitivity.result import SensitivityResult

__all__ = ["findings", "provenance", "sensitivity_markdown", "write_report"]

#: Uncapped programmes whose demand is charted, largest first.
UNCAPPED_SHOWN = 6


def provenance(result: SimulationResult) -> pd.DataFrame:
    """Every number's clause or assumption: one row per block of the scenario that has one.

    Columns: ``path`` (the field path), ``source`` (the clause) and ``assumption`` (the
    reasoning for a number the document does not give). The report's appendix reads the
    parameter table instead (one row per number, in the report's language).
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


def _name(spec: Any, lang: Lang) -> str:
    """A programme's, fund's or target's label in ``lang`` (English: ``label_en`` if given)."""
    return str(spec.label if lang == "zh" else (getattr(spec, "label_en", None) or spec.label))


def findings(result: SimulationResult, lang: str = "zh") -> list[str]:
    """Headline findings in sentences, written from the numbers, in Chinese or English.

    One sentence per capped programme for the first year — oversubscribed (the money runs out
    in at least half of the draws), lasting (in at least 95 %), or in between with the budget
    that would pay every claim in 95 % of cases — then the whole policy per year, the risk
    reserve funds and the targets.
    """
    lang_ = as_lang(lang)

    def say(key: str, **values: Any) -> str:
        return word(f"finding_{key}", lang_).format(**values)

    def money(value: float) -> str:
        return money_words(value, unit, lang_)

    out = []
    per_year: dict[Hashable, dict[Hashable, Any]] = result.summary().to_dict("index")
    unit = result.unit
    members = {p for fund in result.funds for p in fund.members}
    first = result.years[0]
    for i, programme in enumerate(result.programmes):
        if i not in members:
            continue
        row = per_year[(programme, first)]
        label = _name(result.scenario.programmes[programme], lang_)
        envelope = row["envelope"]
        budget = say("money", amount=money(envelope), year=first) if math.isfinite(envelope) else ""
        p = row["p_exhausted"]
        if p >= 0.5:
            out.append(
                say("over", label=label, money=budget, p=p, fill=row["fill_ratio"],
                    full=row["coverage_full"])
            )  # fmt: skip
        elif p <= 0.05:
            out.append(say("lasts", label=label, money=budget, q=1 - p))
        else:
            bar = money(row["budget_at_risk_p95"])
            out.append(say("short", label=label, money=budget, p=p, bar=bar))
    policy: dict[Hashable, dict[Hashable, Any]] = result.policy_summary().to_dict("index")
    for year in result.years:
        row = policy[str(year)]
        mean, p80 = money(row["demand_mean"]), money(row["demand_p80"])
        out.append(say("policy", year=year, mean=mean, p80=p80))
    if result.riskfunds:
        reserve: dict[Hashable, dict[Hashable, Any]] = result.riskfund_summary().to_dict("index")
        last_year = result.years[-1]
        for fund in result.riskfunds:
            p = reserve[(fund, last_year)]["p_depleted"]
            label = _name(result.scenario.riskfunds[fund], lang_)
            out.append(say("reserve", label=label, year=last_year, p=p))
    for target, ds in result.targets.items():
        spec = result.scenario.targets[target]
        stock = ds["stock"].values[:, result.years.index(spec.goal_year)]
        met = float(np.mean(stock >= spec.goal))
        label = _name(spec, lang_)
        out.append(say("target", label=label, goal=spec.goal, year=spec.goal_year, p=met))
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
    shared = {p for fund in result.funds if fund.shared for p in fund.members}
    for i, programme in enumerate(result.programmes):
        if i not in members:
            continue
        figures[f"demand_{programme}"] = charts.demand_distribution(result, programme, lang=lang)
        p = float(p_first[i])
        # where more money changes the answer; not for a member of a shared fund, which has
        # no envelope of its own to vary (the fan chart draws it against the fund's money)
        if 0.02 < p < 0.98 and i not in shared:
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


def _title(fig: Figure, default: str) -> str:
    """A chart's title (its figure's, or its first axes'), for the image's ``alt`` text."""
    title = fig.get_suptitle() or next((ax.get_title() for ax in fig.axes if ax.get_title()), "")
    return title or default


#: A4 less the page margins [mm]: the width a printed table has.
PRINT_WIDTH_MM = 210 - 2 * 10

_CSS = """
body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei",
  sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222;
  line-height: 1.45; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
.meta { color: #666; font-size: 0.85em; } li { margin: 0.25em 0; }
p.note, p.legend { color: #555; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.8em; margin: 0.6em 0; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 3px 6px; text-align: right;
  vertical-align: top; }
thead th { background: #f6f6f6; vertical-align: bottom; font-weight: 600; }
th .unit { white-space: nowrap; }
td.key, th.key { text-align: left; }
table.results td { white-space: nowrap; }
table.results td.key { white-space: normal; min-width: 8em; }
table.results tbody + tbody { border-top: 1px solid #bbb; }
td.key .members { color: #666; font-size: 0.9em; }
img { max-width: 100%; height: auto; margin: 0.8em 0; border: 1px solid #eee;
  box-sizing: border-box; }
code.path { font-size: 0.85em; color: #666; }
table.sensitivity td:first-child { min-width: 14em; text-align: left; }
table.sensitivity td:nth-child(2), table.sensitivity td:last-child { text-align: left; }
table.appendix { table-layout: fixed; width: 100%; }
table.appendix col.name { width: 21%; } table.appendix col.value { width: 10%; }
table.appendix col.unit { width: 6%; } table.appendix col.grade { width: 5%; }
table.appendix col.range { width: 13%; } table.appendix col.basis { width: 45%; }
table.appendix th, table.appendix td { text-align: left; overflow-wrap: anywhere; }
table.appendix td.value { text-align: right; } table.appendix td.grade { text-align: center; }
table.appendix td.choice { text-align: left; }
table.appendix thead th:nth-child(2), table.appendix thead th:nth-child(5) {
  text-align: right; }
table.appendix thead th:nth-child(4) { text-align: center; }
table.appendix tr.block th { background: #eef3f8; padding-top: 5px; }
blockquote.clause { margin: 0 0 0.3em; padding: 0.1em 0.6em; border-left: 3px solid #8aa6c1;
  background: #f6f8fb; }
p.assumption { margin: 0 0 0.3em; }
.tag { font-weight: 600; color: #555; }
a.cite { white-space: nowrap; }
section.calibration table { font-size: 0.72em; width: 100%; }
section.calibration th, section.calibration td { text-align: left; }
section.calibration td a { word-break: break-all; }
section.calibration h3 { border-top: 1px solid #ddd; padding-top: 0.6em; }
@page { size: A4; margin: 12mm 10mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
  table { font-size: 7pt; }
  th, td { padding: 2px 3px; }
  thead { display: table-header-group; }
  tr, img, blockquote { break-inside: avoid; }
  h2, h3, p.note { break-after: avoid; }
  h2.major { break-before: page; }
  img { max-height: 230mm; object-fit: contain; }
  table.results td.key { min-width: 0; }
  table.sensitivity td:first-child { min-width: 0; }
  section.calibration table { font-size: 6.5pt; }
  a { color: inherit; }
}
"""


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


class _Html(str):
    """A cell's text that is HTML already (not escaped again)."""


def _cell(text: str) -> str:
    return text if isinstance(text, _Html) else html.escape(text)


def _header(name: str, unit: str, lang: Lang) -> str:
    """A metric's column header with its unit (:func:`budgetsim.words.header`: ``需求均值
    [万元]``, ``P(资金用尽) [%]``), the unit kept on one line."""
    text = header(name, lang, unit)
    label_, bracket, shown = text.rpartition(" [")
    if not bracket:
        return _Html(html.escape(text))
    return _Html(f'{html.escape(label_)} <span class="unit">[{html.escape(shown)}</span>')


def _html_table(header: Sequence[str], groups: Sequence[Sequence[Sequence[str]]], keys: int) -> str:
    """A results table: one ``tbody`` per group of rows, whose first cell (a programme, a fund
    …) spans the group; the first ``keys`` columns are keys (left-aligned)."""
    key = ' class="key"'
    head = "".join(f"<th{key if j < keys else ''}>{_cell(h)}</th>" for j, h in enumerate(header))
    body = []
    for rows in groups:
        lines = []
        for i, row in enumerate(rows):
            cells = []
            for j, value in enumerate(row):
                if j == 0 and i > 0 and len(rows) > 1:
                    continue  # spanned by the group's first cell
                span = f' rowspan="{len(rows)}"' if j == 0 and len(rows) > 1 else ""
                cells.append(f"<td{key if j < keys else ''}{span}>{_cell(value)}</td>")
            lines.append("<tr>" + "".join(cells) + "</tr>")
        body.append("<tbody>" + "".join(lines) + "</tbody>")
    return f'<table class="results"><thead><tr>{head}</tr></thead>{"".join(body)}</table>'


def _values(row: pd.Series, names: Sequence[str], lang: Lang) -> list[str]:
    """A summary row's metrics ``names`` as the tables show them (``—`` where it lacks one,
    or where the metric does not apply: the chance an uncapped programme runs out)."""
    return [
        format_value(n, float(row.get(n, math.nan)) if applies(row, n) else math.nan, lang)
        for n in names
    ]


#: Columns of the table per programme over the horizon (then expected equity recovery, if any).
TOTALS = (
    "envelope",
    "demand_mean",
    "demand_p95",
    "paid_mean",
    "p_exhausted",
    "first_exhausted_year_p50",
    "coverage_full",
    "fill_ratio",
    "budget_at_risk_p80",
    "budget_at_risk_p95",
)
#: Columns of the table of all programmes together.
POLICY = (
    "envelope",
    "demand_mean",
    "demand_p50",
    "demand_p80",
    "demand_p95",
    "paid_mean",
    "paid_p80",
    "paid_p95",
    "cash_mean",
)


#: Columns that say whether capped money lasts: left out when no programme is capped.
CAPPED_ONLY = frozenset(
    {
        "envelope",
        "p_exhausted",
        "exhaustion_month_p50",
        "first_exhausted_year_p50",
        "coverage_full",
        "coverage_any",
        "fill_ratio",
    }
)


def _tables(result: SimulationResult, lang: Lang) -> list[str]:
    """The result tables, each under its heading: per programme and year, per programme over
    the horizon, shared funds, risk reserve funds, targets, all programmes together. Without
    a capped programme the per-programme tables leave out what only capped money has (its
    envelope, the chance it runs out, who is paid in full)."""
    sc, unit = result.scenario, result.unit
    capped = bool(result.funds)
    overview = [n for n in OVERVIEW if capped or n not in CAPPED_ONLY]

    def heads(keys: Sequence[str], names: Sequence[str]) -> list[str]:
        return [word(k, lang) for k in keys] + [_header(n, unit, lang) for n in names]

    def titled(key: str, table: str, note: str | None = None, **fields: Any) -> str:
        text = f"<h3>{html.escape(word(key, lang).format(**fields))}</h3>"
        if note:
            text += f'<p class="note">{html.escape(word(note, lang))}</p>'
        return text + table

    def programme(pid: Hashable) -> str:
        return _name(sc.programmes[str(pid)], lang)

    per_year = result.summary()
    groups: list[list[list[str]]] = []
    for pid in result.programmes:
        rows = per_year.xs(pid, level="programme")
        groups.append(
            [
                [programme(pid), str(year), *_values(r, overview, lang)]
                for year, r in rows.iterrows()
            ]
        )
    out = [
        titled(
            "heading_per_year",
            _html_table(heads(("programme", "year"), overview), groups, 2),
            "note_per_year" if capped else "note_uncapped",
        )
    ]
    totals = result.totals()
    names = [n for n in TOTALS if capped or n not in CAPPED_ONLY]
    if "recovered_mean" in totals.columns and (totals["recovered_mean"] > 0).any():
        names.append("recovered_mean")
    groups = [[[programme(pid), *_values(row, names, lang)]] for pid, row in totals.iterrows()]
    out.append(
        titled(
            "heading_totals",
            _html_table(heads(("programme",), names), groups, 1),
            "note_totals" if capped else "note_totals_uncapped",
            span=horizon(result.years),
        )
    )
    shared = [fund for fund in result.funds if fund.shared]
    if shared:
        funds = result.fund_summary()
        groups = []
        for fund in shared:
            members = "、" if lang == "zh" else ", "
            members = members.join(programme(result.programmes[p]) for p in fund.members)
            key = _Html(
                f"{html.escape(_name(sc.funds[fund.id], lang))}"
                f'<div class="members">{html.escape(word("members", lang))}: '
                f"{html.escape(members)}</div>"
            )
            rows = funds.xs(fund.id, level="fund")
            groups.append(
                [[key, str(year), *_values(r, FUND_TABLE, lang)] for year, r in rows.iterrows()]
            )
        out.append(
            titled("heading_funds", _html_table(heads(("fund", "year"), FUND_TABLE), groups, 2))
        )
    if result.riskfunds:
        reserve = result.riskfund_summary()
        groups = [
            [
                [_name(sc.riskfunds[rid], lang), str(year), *_values(r, RISKFUND_TABLE, lang)]
                for year, r in reserve.xs(rid, level="riskfund").iterrows()
            ]
            for rid in result.riskfunds
        ]
        out.append(
            titled(
                "heading_riskfunds",
                _html_table(heads(("riskfund", "year"), RISKFUND_TABLE), groups, 2),
                "note_riskfunds",
            )
        )
    if result.targets:
        summary = result.target_summary()
        groups = []
        for tid, spec in sc.targets.items():
            cells: list[list[str]] = []
            for year, r in summary.xs(tid, level="target").iterrows():
                at_goal = int(str(year)) == spec.goal_year
                goal = f"≥ {format_value('goal', spec.goal, lang)}" if at_goal else ""
                chance = format_value("p_at_goal", float(r["p_at_goal"]), lang) if at_goal else ""
                values = _values(r, TARGET_TABLE, lang)
                cells.append([_name(spec, lang), str(year), *values, goal, chance])
            groups.append(cells)
        names = [*TARGET_TABLE, "goal", "p_at_goal"]
        out.append(
            titled("heading_targets", _html_table(heads(("target", "year"), names), groups, 2))
        )
    policy = result.policy_summary()
    names = [n for n in POLICY if capped or n not in CAPPED_ONLY]  # no envelope to add up
    groups = []
    for year, row in policy.iterrows():
        shown = f"{word('horizon', lang)} {horizon(result.years)}" if year == "total" else str(year)
        groups.append([[shown, *_values(row, names, lang)]])
    out.append(
        titled("heading_policy", _html_table(heads(("year",), names), groups, 1), "note_policy")
    )
    return out


def _data_uri(png: bytes) -> str:
    return f"data:image/png;base64,{base64.b64encode(png).decode()}"


def _doubts_html(result: SimulationResult, found: Sequence[Doubt], lang: Lang) -> list[str]:
    """The numbers to check: each named by its label, what is unusual and what it may have
    meant, with its path (as ``--set`` takes it) to find it in the file."""
    if not found:
        return []
    names = parameters(result.scenario, lang=lang)["label"]
    items = []
    for d in found:
        name = str(names.get(d.path, d.path))
        items.append(
            f"<li><strong>{html.escape(name)}</strong>: {html.escape(d.text(lang))} "
            f'({html.escape(d.hint(lang))}) <code class="path">{html.escape(d.path)}</code></li>'
        )
    return [f"<h2>{html.escape(word('heading_doubts', lang))}</h2><ul>", *items, "</ul>"]


def _html(
    result: SimulationResult,
    sentences: list[str],
    images: dict[str, bytes],
    titles: Mapping[str, str],
    lang: Lang,
    sensitivity: str = "",
    doubts: Sequence[Doubt] = (),
) -> str:
    def h(key: str, major: bool = False) -> str:
        tag = '<h2 class="major">' if major else "<h2>"
        return f"{tag}{html.escape(word(key, lang))}</h2>"

    sc = result.scenario
    header = sc.scenario
    title = header.title if lang == "zh" else (header.title_en or header.title)
    stamp = result.stamp()
    meta = word("report_meta", lang).format(
        source=header.source,
        id=sc.id,
        draws=result.draws,
        seed=result.seed,
        hash=stamp["scenario_hash"],
        version=__version__,
        unit=money_unit(result.unit, lang),
    )
    notes = calibration_sections(lang=lang)
    appendix, cited = appendix_html(sc, parameters(sc, lang=lang), notes, lang)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(meta)}</p>',
        h("heading_findings"),
        "<ul>",
        *(f"<li>{html.escape(s)}</li>" for s in sentences),
        "</ul>",
        *_doubts_html(result, doubts, lang),
        h("heading_tables", major=True),
        *_tables(result, lang),
        h("heading_charts", major=True),
        *(
            f'<img alt="{html.escape(titles.get(name, name))}" data-chart="{html.escape(name)}" '
            f'src="{_data_uri(png)}">'
            for name, png in images.items()
        ),
        sensitivity,
        appendix,
        calibration_html(cited, notes, lang),
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
        a tornado chart per output (``charts/sensitivity_*``) and the 敏感性 (Sensitivity) sheet
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

    figures = _figures(result, lang_)
    tornadoes = {}
    if sensitivity is not None:
        for output in sensitivity.outputs:
            bars = chart_bars(sensitivity, output)
            tornadoes[chart_name(output)] = sensitivity.plot(output, lang_, top=bars)
    images, titles = {}, {}
    for name, fig in {**figures, **tornadoes}.items():
        png = _png(fig)
        images[name] = png
        titles[name] = _title(fig, name)
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
        handle.write(_html(result, sentences, images, titles, text_lang, extra, unusual))
    written.append(page)
    book = folder / "report.xlsx"
    write_workbook(result, book, findings=sentences, sensitivity=sensitivity, lang=text_lang)
    written.append(book)
    return written
