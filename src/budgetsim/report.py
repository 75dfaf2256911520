"""The report a planner hands on: one HTML file, an Excel workbook, the charts and the JSON.

``write_report(result, out)`` writes into folder ``out``:

- ``report.html`` — self-contained (charts embedded as PNG data): the scenario's title and
  source, headline findings written from the numbers, the tables, the charts, and an appendix
  with every policy number's clause and every assumption's reasoning;
- ``report.xlsx`` — a summary sheet with formatted numbers, one sheet per programme, the
  appendix, and the per-draw demand and payments; frozen header rows, sized columns;
- ``charts/*.png`` and ``charts/*.svg``;
- ``summary.json``, ``summary.csv`` and the per-draw file, stamped (:func:`write_outputs`).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from budgetsim import __version__, charts
from budgetsim.charts._style import resolve_lang
from budgetsim.outputs import write_outputs
from budgetsim.results import SimulationResult

__all__ = ["findings", "provenance", "write_report"]

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


def findings(result: SimulationResult) -> list[str]:
    """Headline findings in sentences, written from the numbers (Chinese labels, English text).

    One sentence per capped programme and year where the money runs out in at least half of
    the draws or lasts in at least 95 %, then the whole policy's P80, the risk reserve funds
    and the targets.
    """
    out = []
    per_year: dict[Hashable, dict[Hashable, Any]] = result.summary().to_dict("index")
    unit = result.unit
    members = {p for fund in result.funds for p in fund.members}
    first = result.years[0]
    for i, programme in enumerate(result.programmes):
        if i not in members:
            continue
        row = per_year[(programme, first)]
        label = result.scenario.programmes[programme].label
        envelope = row["envelope"]
        money = f" ({_money(envelope, unit)} in {first})" if math.isfinite(envelope) else ""
        p = row["p_exhausted"]
        if p >= 0.5:
            out.append(
                f"{label}{money} is oversubscribed in {p:.0%} of draws; it pays "
                f"{row['fill_ratio']:.0%} of what eligible applicants are entitled to, and "
                f"{row['coverage_full']:.0%} of claimants are paid in full."
            )
        elif p <= 0.05:
            out.append(f"{label}{money} lasts in {1 - p:.0%} of draws.")
        else:
            out.append(
                f"{label}{money} runs out in {p:.0%} of draws; to pay every claim in 95 % of "
                f"cases it would need {_money(row['budget_at_risk_p95'], unit)}."
            )
    policy: dict[Hashable, dict[Hashable, Any]] = result.policy_summary().to_dict("index")
    for year in result.years:
        row = policy[str(year)]
        out.append(
            f"All programmes together in {year}: demand {_money(row['demand_mean'], unit)} on "
            f"average, {_money(row['demand_p80'], unit)} at P80."
        )
    if result.riskfunds:
        reserve: dict[Hashable, dict[Hashable, Any]] = result.riskfund_summary().to_dict("index")
        for fund in result.riskfunds:
            last = reserve[(fund, result.years[-1])]
            out.append(
                f"{result.scenario.riskfunds[fund].label} is depleted by the end of "
                f"{result.years[-1]} in {last['p_depleted']:.1%} of draws."
            )
    for target, ds in result.targets.items():
        spec = result.scenario.targets[target]
        stock = ds["stock"].values[:, result.years.index(spec.goal_year)]
        out.append(
            f"{spec.label}: the goal of {spec.goal:,} by {spec.goal_year} is met in "
            f"{float(np.mean(stock >= spec.goal)):.1%} of draws."
        )
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
"""


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _table_html(frame: pd.DataFrame, money: list[str], share: list[str]) -> str:
    shown = frame.copy()
    for column in money:
        shown[column] = shown[column].map(lambda v: "—" if pd.isna(v) else f"{v:,.0f}")
    for column in share:
        shown[column] = shown[column].map(lambda v: "—" if pd.isna(v) else f"{v:.1%}")
    return shown.to_html(escape=True, border=0, index=False)


def _html(
    result: SimulationResult,
    sentences: list[str],
    images: dict[str, bytes],
    appendix: pd.DataFrame,
) -> str:
    sc = result.scenario
    header = sc.scenario
    stamp = result.stamp()
    summary = result.summary().reset_index()
    columns = [
        "label", "year", "envelope", "demand_mean", "demand_p95", "paid_mean",
        "p_exhausted", "fill_ratio", "coverage_full", "budget_at_risk_p80", "budget_at_risk_p95",
    ]  # fmt: skip
    table = _table_html(
        summary[columns],
        ["envelope", "demand_mean", "demand_p95", "paid_mean", "budget_at_risk_p80",
         "budget_at_risk_p95"],
        ["p_exhausted", "fill_ratio", "coverage_full"],
    )  # fmt: skip
    policy = _table_html(
        result.policy_summary().reset_index(),
        [c for c in result.policy_summary().columns if c != "label"],
        [],
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{html.escape(header.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(header.title)}</h1>",
        f'<p class="meta">{html.escape(header.source)} · {sc.id} · {result.draws:,} draws · seed '
        f"{result.seed} · scenario hash {stamp['scenario_hash']} · budgetsim {__version__} · "
        f"amounts in {html.escape(result.unit)}</p>",
        "<h2>Findings</h2><ul>",
        *(f"<li>{html.escape(s)}</li>" for s in sentences),
        "</ul>",
        "<h2>Per programme and year</h2>",
        table,
        "<h2>All programmes together (the budget to set aside)</h2>",
        policy,
        "<h2>Charts</h2>",
        *(
            f'<img alt="{html.escape(name)}" data-chart="{html.escape(name)}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
            for name, png in images.items()
        ),
        "<h2>Appendix: where every number comes from</h2>",
        "<p>Policy numbers cite their clause (source); numbers the document does not give are "
        "assumptions, with their reasoning.</p>",
        appendix.to_html(index=False, escape=True, border=0, classes="appendix"),
        "</body></html>",
    ]
    return "\n".join(parts)


def _workbook(
    result: SimulationResult, path: Path, sentences: list[str], appendix: pd.DataFrame
) -> None:
    from openpyxl.utils import get_column_letter

    summary = result.summary().reset_index()
    money_cols = {c for c in summary.columns if c.split("_")[0] in ("envelope", "available",
                  "demand", "paid", "cash", "unspent", "lapsed", "budget")} - {
        "demand_mean_se", "paid_mean_se"}  # fmt: skip
    share_cols = {"p_exhausted", "p_exhausted_se", "coverage_full", "coverage_any", "fill_ratio"}
    paid = result.paid.values
    demand = result.demand.values
    wide = {"draw": np.arange(result.draws)}
    for j, programme in enumerate(result.programmes):
        for t, year in enumerate(result.years):
            wide[f"{programme} {year} demand"] = demand[:, j, t]
            wide[f"{programme} {year} paid"] = paid[:, j, t]
    sheets: dict[str, pd.DataFrame] = {
        "Summary": summary,
        "Findings": pd.DataFrame({"finding": sentences}),
        **{
            programme[:31]: summary[summary["programme"] == programme].drop(columns="programme")
            for programme in result.programmes
        },
        "Assumptions": appendix,
        "Draws": pd.DataFrame(wide),
    }
    tmp = path.with_name(f".{path.name}.tmp")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "B2" if name != "Assumptions" else "A2"
            for k, column in enumerate(frame.columns, start=1):
                letter = get_column_letter(k)
                width = max(len(str(v)) for v in [column, *frame[column].head(200).tolist()])
                sheet.column_dimensions[letter].width = min(60, max(8, width + 2))
                fmt = (
                    "#,##0" if column in money_cols or column.endswith(("demand", "paid"))
                    else "0.0%" if column in share_cols else None
                )  # fmt: skip
                if fmt and name != "Draws":  # raw per-draw data stays unformatted (fast)
                    for cell in sheet[letter][1:]:
                        cell.number_format = fmt
    tmp.replace(path)


def write_report(
    result: SimulationResult, out: str | Path, *, lang: str = "zh", svg: bool = True
) -> list[Path]:
    """Write the report, the workbook, the charts and the JSON summary into folder ``out``.

    Parameters
    ----------
    result
        A simulation result.
    out
        Output folder; created if missing.
    lang
        Language of the charts (``"zh"``, falling back to ``"en"`` without a CJK font).
    svg
        Whether to write each chart as SVG beside the PNG.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(out)
    chart_dir = folder / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    lang_ = resolve_lang(lang)
    written = write_outputs(result, folder)
    sentences = findings(result)
    appendix = provenance(result)
    images = {}
    for name, fig in _figures(result, lang_).items():
        png = _png(fig)
        images[name] = png
        (chart_dir / f"{name}.png").write_bytes(png)
        written.append(chart_dir / f"{name}.png")
        if svg:
            fig.savefig(chart_dir / f"{name}.svg", format="svg")
            written.append(chart_dir / f"{name}.svg")
    page = folder / "report.html"
    tmp = page.with_name(f".{page.name}.tmp")
    tmp.write_text(_html(result, sentences, images, appendix), encoding="utf-8")
    tmp.replace(page)
    written.append(page)
    book = folder / "report.xlsx"
    _workbook(result, book, sentences, appendix)
    written.append(book)
    return written
