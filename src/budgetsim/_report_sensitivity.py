"""The report's sensitivity section: a tornado of the headline outputs, in words and charts.

The section is built once as a list of blocks (headings, paragraphs, charts, lists, tables)
and written as HTML for ``report.html`` or as Markdown
(:func:`budgetsim.report.sensitivity_markdown`).
Its prose names numbers and outputs by their labels only; the dotted paths stand in the
tables' last column, in monospace, as ``--set`` takes them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from budgetsim.metrics import Kind, Lang, format_value, metric, unit_label
from budgetsim.money import money_words
from budgetsim.sensitivity.names import column_label, effect_label

if TYPE_CHECKING:
    from budgetsim.outcomes import Output
    from budgetsim.sensitivity.design import Factor
    from budgetsim.sensitivity.result import SensitivityResult

#: Numbers listed in the prose as the ones that move an output most.
TOP = 3
#: Numbers within noise named in the prose (the rest counted).
NOISE_NAMED = 6
#: Rows of an output's table (numbers with some effect, largest first).
TABLE_ROWS = 10
#: Bars of an output's tornado: the numbers with some effect, at most this many.
CHART_BARS = 15
#: Bars of a tornado when no number has any effect (each marked so).
CHART_NONE = 5

_TEXT: dict[str, dict[Lang, str]] = {
    "heading": {"zh": "敏感性分析", "en": "Sensitivity analysis"},
    "intro": {
        "zh": "哪些数字会改变主要结果、改变多少：将{n}个有合理取值范围的数字（{composition}）"
        "逐一取其范围的低端和高端，其他数字保持原值；每个点模拟{draws:,}次，"
        "各点使用相同的随机数（各点的申请者相同，随机种子{seed}），因此摆幅（取高端时的结果减去"
        "取低端时的结果）是该数字本身的影响，而非抽样的偶然。区间为成对差值的95%区间，区间包含零"
        "的数字在蒙特卡洛噪声以内。政策杠杆（金额、比例、上限等）由主管部门决定；假设可以通过调查"
        "核实，应首先核实对结果影响最大的假设。",
        "en": "Which numbers move the headline results, and by how much: {each} with a "
        "plausible range ({composition}) was set to the low and then to the high end of its "
        "range, every other number at its value, with {draws:,} "
        "draws a point on common random numbers (the same applicants at every point, seed "
        "{seed}), so that a swing (the result at the high end less the result at the low end) "
        "is the number's own effect, not the luck of the draws. Intervals are paired 95 % "
        "intervals of the swing; a number whose interval holds zero is within Monte Carlo "
        "noise. Levers (amounts, rates, caps) are the bureau's own decisions; assumptions can "
        "be measured, and the ones to pin down first are those that move the results most.",
    },
    "moved": {"zh": "影响最大的是：", "en": "Moved most by "},
    "moved_sep": {"zh": "；", "en": "; "},
    "moved_end": {"zh": "。", "en": "."},
    "swing": {"zh": "（摆幅{swing}）", "en": " (swing {swing})"},
    "lever_swing": {"zh": "（政策杠杆，摆幅{swing}）", "en": " (a lever, swing {swing})"},
    "lever_tops": {
        "zh": "排在首位的是政策杠杆，由主管部门决定，不需核实。",
        "en": "The largest swing is a lever's: the bureau's own decision, nothing to measure.",
    },
    "first": {
        "zh": "应首先核实的假设：{label}。",
        "en": "The assumption to pin down first: {label}.",
    },
    "levers_only": {
        "zh": "没有一个假设的影响超出蒙特卡洛噪声，此项没有需要优先核实的假设。",
        "en": "No assumption moves it beyond Monte Carlo noise: nothing to pin down for it.",
    },
    "nothing": {
        "zh": "没有一个数字的影响超出蒙特卡洛噪声。",
        "en": "No number moves it beyond Monte Carlo noise.",
    },
    "noise": {"zh": "在蒙特卡洛噪声以内：{labels}。", "en": "Within Monte Carlo noise: {labels}."},
    "noise_more": {"zh": "，以及另外{k}个", "en": " and {k} more"},
    "none_some": {
        "zh": "另有{k}个数字在相同的抽样上完全不改变它。",
        "en": "{k} other numbers leave it exactly unchanged on the same draws.",
    },
    "none_one": {
        "zh": "另有1个数字在相同的抽样上完全不改变它。",
        "en": "1 other number leaves it exactly unchanged on the same draws.",
    },
    "none_all": {
        "zh": "所有数字在相同的抽样上都完全不改变它。",
        "en": "Every number leaves it exactly unchanged on the same draws.",
    },
    "summary": {"zh": "应首先核实什么", "en": "What to measure first"},
    "summary_intro": {
        "zh": "应首先核实的假设，及以其为首要假设的主要结果（涉及结果最多的在前）：",
        "en": "The assumptions to pin down first, each with the headline results it comes first "
        "for (those first for the most results at the top):",
    },
    "summary_own": {
        "zh": "每项主要结果应首先核实的假设各不相同：",
        "en": "Each headline result has an assumption of its own to pin down first:",
    },
    "summary_one": {
        "zh": "只有一项主要结果，应首先核实的假设是",
        "en": "With one headline result, the assumption to pin down first is ",
    },
    "summary_item": {"zh": "：{outputs}", "en": ": {outputs}"},
    "summary_count": {"zh": "（{n}项结果中的{k}项）", "en": " ({k} of {n} results)"},
    "summary_none": {
        "zh": "以下结果没有需要优先核实的假设：{outputs}。",
        "en": "Nothing to pin down first for: {outputs}.",
    },
    "summary_empty": {
        "zh": "没有一个假设对任何主要结果的影响超出蒙特卡洛噪声（每个点{draws:,}次模拟）。",
        "en": "No assumption moves any headline result beyond Monte Carlo noise at {draws:,} "
        "draws a point.",
    },
    "points": {"zh": "个百分点", "en": " percentage points"},
    "to": {"zh": " 至 ", "en": " to "},
    "assumption": {"zh": "假设", "en": "assumption"},
    "lever": {"zh": "政策杠杆", "en": "lever"},
}

#: Headers of an output's table.
#: The section's table header: the analysis' own columns named by the registry.
_COLUMNS: dict[Lang, list[str]] = {
    lang: [
        *(("数字", "类型", "取值范围") if lang == "zh" else ("number", "kind", "range")),
        *(column_label(c, lang) for c in ("at_low", "at_high", "swing")),
        "摆幅的95%区间" if lang == "zh" else "95 % interval of the swing",
        column_label("effect", lang),
        "路径" if lang == "zh" else "path",
    ]
    for lang in ("zh", "en")
}


def _t(key: str, lang: Lang, **values: Any) -> str:
    return _TEXT[key][lang].format(**values)


# -- blocks --------------------------------------------------------------------------------------

#: Inline text: pieces of (text, bold).
Inline = list[tuple[str, bool]]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    #: The column shown as code (the paths).
    code: int


@dataclass
class Block:
    """One block of the section: ``h2``/``h3`` (text), ``p`` (inline), ``ul`` (items),
    ``img`` (chart name, alt text) or ``table``."""

    kind: str
    content: Any


def chart_bars(result: SensitivityResult, output: Output) -> int:
    """How many numbers an output's tornado shows: those with some effect (within noise or
    beyond), at most :data:`CHART_BARS`; a few, each marked 'no effect', when none has any."""
    rows = _rows(result, output)
    some = int((rows["effect"] != "none").sum())
    return min(some, CHART_BARS) if some else CHART_NONE


def chart_name(output: Output) -> str:
    """The file name (without suffix) of an output's tornado under ``charts/``."""
    return "sensitivity_" + re.sub(r"[^A-Za-z0-9_.-]+", "_", output.key).strip("_")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _said(name: str, value: float, unit: str, lang: Lang, *, signed: bool = False) -> str:
    """A value of metric ``name`` as the prose says it: money with its unit (亿元 when large),
    a change of a share in percentage points, anything else as the tables show it with its
    unit."""
    kind = metric(name).kind
    sign = "+" if signed and value > 0 else ""
    if kind is Kind.MONEY:
        return sign + money_words(value, unit, lang)
    if kind is Kind.SHARE and signed:
        return f"{100 * value:+.1f}{_t('points', lang)}"
    text = format_value(name, value, lang, signed=signed)
    if kind is Kind.SHARE:
        return text
    shown = unit_label(name, unit, lang)
    return f"{text} {shown}" if shown else text


def _records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]


def _rows(result: SensitivityResult, output: Output) -> pd.DataFrame:
    table = result.table
    return table[table["output"] == output.key].sort_values("rank")


def _named(labels: Sequence[str], shown: int, lang: Lang) -> str:
    text = ("；" if lang == "zh" else "; ").join(labels[:shown])
    if len(labels) > shown:
        text += _t("noise_more", lang, k=len(labels) - shown)
    return text


def _words(result: SensitivityResult, output: Output, lang: Lang) -> Inline:
    """The paragraph under an output's chart: what moves it most (with the swings), whether
    a lever tops the list, the assumption to pin down first, what is within noise."""
    rows = _rows(result, output)
    unit = result.scenario.unit
    real = rows[rows["effect"] == "real"]
    out: Inline = []
    if real.empty:
        out.append((_t("nothing", lang), False))
    else:
        out.append((_t("moved", lang), False))
        for i, r in enumerate(_records(real.head(TOP))):
            factor = result.factor(str(r["parameter"]))
            swing = _said(output.metric, float(r["swing"]), unit, lang, signed=True)
            tag = "lever_swing" if factor.parameter.kind == "lever" else "swing"
            if i:
                out.append((_t("moved_sep", lang), False))
            out += [(factor.label(lang), True), (_t(tag, lang, swing=swing), False)]
        out.append((_t("moved_end", lang), False))
        if result.factor(str(real["parameter"].iloc[0])).parameter.kind == "lever":
            out.append((("" if lang == "zh" else " ") + _t("lever_tops", lang), False))
        first = result.first_to_measure(output)
        space = "" if lang == "zh" else " "
        if first is not None:
            out.append((space, False))
            out.append((_t("first", lang, label=first.label(lang)), True))
        else:
            out.append((space + _t("levers_only", lang), False))
    noise = [result.factor(str(p)).label(lang) for p in rows[rows["effect"] == "noise"].parameter]
    if noise:
        text = _t("noise", lang, labels=_named(noise, NOISE_NAMED, lang))
        out.append((("" if lang == "zh" else " ") + text, False))
    n_none = int((rows["effect"] == "none").sum())
    if n_none:
        key = "none_all" if n_none == len(rows) else "none_one" if n_none == 1 else "none_some"
        out.append((("" if lang == "zh" else " ") + _t(key, lang, k=n_none), False))
    return out


def _table(result: SensitivityResult, output: Output, frame: pd.DataFrame, lang: Lang) -> Table:
    """The numbers with some effect on ``output``, largest first: label, kind, range, the
    output at each end, the swing, its interval, whether it is beyond noise, and the path."""
    rows = frame[(frame["output"] == output.key) & (frame["effect"] != "none")]
    rows = rows.sort_values("rank").head(TABLE_ROWS)
    name = output.metric

    def value(v: float, signed: bool = False) -> str:
        return format_value(name, float(v), lang, signed=signed)

    body = []
    for r in _records(rows):
        unit = f" {r['unit']}" if r["unit"] else ""
        interval = value(r["swing_low"], True) + _t("to", lang) + value(r["swing_high"], True)
        body.append(
            [
                str(r["parameter_label"]),
                _t(str(r["kind"]), lang),
                f"{r['low']} – {r['high']}{unit}",
                value(r["at_low"]),
                value(r["at_high"]),
                value(r["swing"], True),
                interval,
                effect_label(str(r["effect"]), lang),
                str(r["parameter"]),
            ]
        )
    return Table(_COLUMNS[lang], body, code=8)


def _first_by_output(result: SensitivityResult) -> dict[str, tuple[Factor | None, Output]]:
    return {o.key: (result.first_to_measure(o), o) for o in result.outputs}


def _summary(result: SensitivityResult, lang: Lang) -> list[Block]:
    """What to measure first across outputs: each assumption that comes first for some
    output, those first for the most outputs at the top, and the outputs with none."""
    sc = result.scenario
    firsts = _first_by_output(result)
    tops: dict[str, list[Output]] = {}
    for factor, out in firsts.values():
        if factor is not None:
            tops.setdefault(factor.path, []).append(out)
    blocks = [Block("h3", _t("summary", lang))]
    if not tops:
        blocks.append(Block("p", [(_t("summary_empty", lang, draws=result.draws), False)]))
        return blocks
    if len(result.outputs) == 1:
        (path,) = tops
        label = result.factor(path).label(lang)
        end = "。" if lang == "zh" else "."
        blocks.append(Block("p", [(_t("summary_one", lang), False), (label, True), (end, False)]))
        return blocks
    shared = any(len(outs) > 1 for outs in tops.values())
    intro = "summary_own" if len(tops) > 1 and not shared else "summary_intro"
    blocks.append(Block("p", [(_t(intro, lang), False)]))
    order = sorted(tops, key=lambda p: -len(tops[p]))  # stable: ties in output order
    n = len(result.outputs)
    items: list[Inline] = []
    sep = "；" if lang == "zh" else "; "
    for path in order:
        outs = tops[path]
        text = _t("summary_item", lang, outputs=sep.join(o.label(sc, lang) for o in outs))
        if len(outs) > 1:
            text += _t("summary_count", lang, k=len(outs), n=n)
        items.append([(result.factor(path).label(lang), True), (text, False)])
    blocks.append(Block("ul", items))
    without = [out.label(sc, lang) for factor, out in firsts.values() if factor is None]
    if without:
        blocks.append(Block("p", [(_t("summary_none", lang, outputs=sep.join(without)), False)]))
    return blocks


def _composition(assumptions: int, levers: int, lang: Lang) -> str:
    """``3 assumptions, 1 lever`` / ``3个假设、1个政策杠杆``, leaving out a kind with none."""
    parts = []
    for k, (zh, en) in ((assumptions, ("假设", "assumption")), (levers, ("政策杠杆", "lever"))):
        if k:
            parts.append(f"{k}个{zh}" if lang == "zh" else f"{k} {en}{'s' if k > 1 else ''}")
    return ("、" if lang == "zh" else ", ").join(parts)


def section(result: SensitivityResult, lang: Lang) -> list[Block]:
    """The section's blocks: heading, what was done, per output its chart, words and table,
    and what to measure first."""
    kinds = [f.parameter.kind for f in result.factors]
    n = len(kinds)
    intro = _t(
        "intro",
        lang,
        n=n,
        each=f"each of the {n} numbers" if n > 1 else "the one number",
        composition=_composition(kinds.count("assumption"), kinds.count("lever"), lang),
        draws=result.draws,
        seed=result.seed,
    )
    blocks = [Block("h2", _t("heading", lang)), Block("p", [(intro, False)])]
    frame = result.frame(lang)
    for out in result.outputs:
        title = _capital(out.label(result.scenario, lang))
        blocks += [
            Block("h3", title),
            Block("img", (chart_name(out), title)),
            Block("p", _words(result, out, lang)),
        ]
        table = _table(result, out, frame, lang)
        if table.rows:
            blocks.append(Block("table", table))
    return blocks + _summary(result, lang)


# -- HTML ----------------------------------------------------------------------------------------


def _inline_html(pieces: Inline) -> str:
    return "".join(
        f"<strong>{html.escape(text)}</strong>" if bold else html.escape(text)
        for text, bold in pieces
    )


def _breakable(path: str) -> str:
    """A dotted path escaped, with a line-break opportunity after each dot (narrow pages)."""
    return html.escape(path).replace(".", ".<wbr>")


def to_html(blocks: Sequence[Block], images: dict[str, str]) -> str:
    """The blocks as HTML; ``images`` maps a chart's name to its ``src`` (a data URI)."""
    parts = ['<section id="sensitivity">']
    for b in blocks:
        if b.kind in ("h2", "h3"):
            parts.append(f"<{b.kind}>{html.escape(b.content)}</{b.kind}>")
        elif b.kind == "p":
            parts.append(f"<p>{_inline_html(b.content)}</p>")
        elif b.kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in b.content))
            parts.append("</ul>")
        elif b.kind == "img":
            name, alt = b.content
            if name in images:
                parts.append(
                    f'<img alt="{html.escape(alt)}" data-chart="{html.escape(name)}" '
                    f'src="{images[name]}">'
                )
        elif b.kind == "table":
            t: Table = b.content
            head = "".join(f"<th>{html.escape(h)}</th>" for h in t.header)
            body = "".join(
                "<tr>"
                + "".join(
                    f'<td><code class="path">{_breakable(c)}</code></td>'
                    if j == t.code
                    else f"<td>{html.escape(c)}</td>"
                    for j, c in enumerate(row)
                )
                + "</tr>"
                for row in t.rows
            )
            parts.append(
                f'<table class="sensitivity"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>"
            )
    parts.append("</section>")
    return "\n".join(parts)


# -- Markdown ------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _inline_md(pieces: Inline) -> str:
    out = []
    for text, bold in pieces:
        if bold:
            core = text.strip()
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
            out.append(f"{lead}**{_md(core)}**{trail}")
        else:
            out.append(_md(text))
    return "".join(out)


def to_markdown(blocks: Sequence[Block], charts: str = "charts") -> str:
    """The blocks as Markdown; charts are linked as ``{charts}/{name}.png``."""
    parts = []
    for b in blocks:
        if b.kind == "h2":
            parts.append(f"## {_md(b.content)}")
        elif b.kind == "h3":
            parts.append(f"### {_md(b.content)}")
        elif b.kind == "p":
            parts.append(_inline_md(b.content))
        elif b.kind == "ul":
            parts.append("\n".join(f"- {_inline_md(i)}" for i in b.content))
        elif b.kind == "img":
            name, alt = b.content
            parts.append(f"![{_md(alt)}]({charts}/{name}.png)")
        elif b.kind == "table":
            t: Table = b.content
            lines = [
                "| " + " | ".join(_md(h) for h in t.header) + " |",
                "|" + "|".join("---" for _ in t.header) + "|",
            ]
            for row in t.rows:
                cells = [f"`{c}`" if j == t.code else _md(c) for j, c in enumerate(row)]
                lines.append("| " + " | ".join(cells) + " |")
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
