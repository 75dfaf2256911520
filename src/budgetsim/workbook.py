"""The workbook a planner hands on: every table of a run, labelled, formatted and printable.

:func:`write_workbook` writes one ``.xlsx`` file in one language, with the same sheets for
every scenario:

- 概览 Overview: the scenario's title and document, the run's stamp (draws, seed, scenario
  hash, budgetsim version) and the headline findings, one per row;
- 各项目 Programmes: per programme and year, and over the horizon, what a planner reads
  (budget, demand, payments, the chance the money runs out, who is covered, the budget at
  risk, and cash where a payment schedule spreads payments over years);
- 资金池 Shared funds, 整体预算 Whole policy, 风险准备金 Reserve fund, 目标 Targets: the
  result's other summaries (a scenario without such a block gets a one-row note);
- 假设 Assumptions: every number the run depends on, with its grade, plausible range, clause
  and reasoning (:func:`budgetsim.parameters.parameters`);
- 敏感性 Sensitivity, given a tornado;
- 抽样数据 Draws: per draw, the demand and payments (and the reserve funds' balances and the
  targets' stocks), kept out of the print area.

Every header is a label from the registries with its unit (``需求均值 [万元]``), every number
has a format (amounts ``#,##0``, shares ``0.0%`` …), and every sheet prints on A4 landscape,
one page wide, with its header row repeated on each page.

The file is written with XlsxWriter, row after row, each row to the file as soon as the next
begins (the per-draw sheet of a run of 10,000 draws has a million cells).

Examples
--------
>>> import budgetsim, tempfile, pathlib
>>> res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2015-2017"), draws=20, seed=1)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
>>> write_workbook(res, path, findings=["…"], lang="en")
>>> import openpyxl
>>> openpyxl.load_workbook(path).sheetnames[:3]
['Overview', 'Programmes', 'Shared funds']
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from budgetsim.metrics import REGISTRY, How, Kind, Lang, as_lang, label, unit_label
from budgetsim.outputs import atomic
from budgetsim.parameters import parameters
from budgetsim.results import SimulationResult
from budgetsim.words import word

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

    from budgetsim.sensitivity.result import SensitivityResult

__all__ = ["SHEETS", "number_format", "sheet_name", "write_workbook"]

#: The workbook's sheets in order, by key (their names: :func:`sheet_name`); ``sensitivity``
#: only with a tornado.
SHEETS = (
    "overview",
    "programmes",
    "funds",
    "policy",
    "riskfunds",
    "targets",
    "assumptions",
    "sensitivity",
    "draws",
)

#: The metrics of the programmes' and shared funds' sheets, in order (``cash_mean`` only
#: where a payment schedule spreads payments over years).
PROGRAMME_METRICS = (
    "envelope",
    "available_mean",
    "demand_mean",
    "demand_p50",
    "demand_p95",
    "paid_mean",
    "p_exhausted",
    "p_exhausted_se",
    "exhaustion_month_p50",
    "claimants_mean",
    "coverage_full",
    "coverage_any",
    "fill_ratio",
    "budget_at_risk_p80",
    "budget_at_risk_p95",
)
#: Cash per fiscal year and what is still owed after the horizon (over the horizon only).
CASH_METRICS = ("cash_mean", "payable_after_mean")

#: Widest column [characters], and widest for long text (clauses, reasoning, findings).
_MAX_WIDTH, _TEXT_WIDTH, _FINDING_WIDTH = 28, 44, 110
#: Widest column of names (programmes, funds …) and of field paths [characters]: longer ones
#: wrap, so that a table prints one page wide in a legible size.
_NAME_WIDTH = 26
#: The workbook's font: Arial is on every office machine (LibreOffice: Liberation Sans, of
#: the same widths), Chinese falls back to the system's CJK font.
_FONT, _SIZE = "Arial", 10
#: Height of a line of text [points] in that font, Chinese included.
_LINE = 13.0


def sheet_name(key: str, lang: str = "zh") -> str:
    """The name of sheet ``key`` (one of :data:`SHEETS`) in ``lang``.

    Examples
    --------
    >>> sheet_name("programmes"), sheet_name("draws", "en")
    ('各项目', 'Draws')
    """
    if key not in SHEETS:
        raise KeyError(f"no sheet {key!r}; sheets: {', '.join(SHEETS)}")
    return word(f"wb_sheet_{key}", as_lang(lang))


def number_format(name: str, value: float | None = None) -> str:
    """The Excel number format of metric ``name``: amounts whole with thousands separators
    (``#,##0``; their standard errors ``#,##0.0``), shares ``0.0%`` (standard errors
    ``0.00%``), months and years whole, ratios ``0.0"×"``; counts whole, except an expected
    count below 10 that is not whole, which keeps two significant digits (``0.024``) so that
    rare events do not show as 0, as :func:`budgetsim.metrics.format_value` writes them.

    Examples
    --------
    >>> number_format("demand_mean"), number_format("demand_mean_se"), number_format("leverage")
    ('#,##0', '#,##0.0', '0.0"×"')
    >>> number_format("claimants_mean", 1234.5), number_format("claimants_mean", 0.024)
    ('#,##0', '0.000')
    """
    m = REGISTRY[name]
    se = m.aggregate.how is How.STANDARD_ERROR
    match m.kind:
        case Kind.MONEY:
            return "#,##0.0" if se else "#,##0"
        case Kind.SHARE:
            return "0.00%" if se else "0.0%"
        case Kind.COUNT:
            return _count_format(value)
        case Kind.RATIO:
            return '0.0"×"'
        case _:  # months and years
            return "0"


def _count_format(value: float | None) -> str:
    if value is None or not math.isfinite(value) or value == int(value) or abs(value) >= 10:
        return "#,##0"
    decimals = min(6, max(1, 1 - math.floor(math.log10(abs(value)))))
    return "0." + "0" * decimals


def _header(name: str, unit: str, lang: Lang, *, lines: bool = True) -> str:
    """A metric's header: its label and unit, ``需求均值 [万元]``; a probability's label says
    its unit already (``P(资金用尽)``). With ``lines``, the unit and a bracketed remark start
    lines of their own (``资金用尽月份\\n（中位数）\\n[月]``): a narrow column breaks them
    there, not inside a bracket."""
    m = REGISTRY[name]
    probability = m.aggregate.how is How.PROBABILITY or (
        m.aggregate.how is How.STANDARD_ERROR
        and REGISTRY[str(m.aggregate.of)].aggregate.how is How.PROBABILITY
    )
    text = label(name, lang)
    if lines and "（" in text[1:]:
        text = text[0] + text[1:].replace("（", "\n（", 1)
    if probability:
        return text
    return f"{text}{chr(10) if lines else ' '}[{unit_label(name, unit, lang)}]"


# -- widths and heights -------------------------------------------------------------------------


def _text_width(value: Any) -> int:
    """Characters a cell's text takes, a Chinese character counting two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(value))


def _ink(text: str) -> float:
    """Width of ``text`` in the default font [digit widths, the unit of column widths]: a
    Chinese character 1.9 (an em is 1.8 digits of Arial), a full-width bracket more, a space
    or a narrow letter about half, a capital a little more than one (generous: a line too
    many leaves space, a line too few cuts text)."""
    total = 0.0
    for c in text:
        if c in "（）":  # LibreOffice sets full-width brackets wide
            total += 3.0
        elif unicodedata.east_asian_width(c) in "WF":
            total += 1.9
        elif c.isspace() or c in ".,;:'()[]|!ijlft":
            total += 0.55
        elif c.isupper() or c in "%@mw":
            total += 1.25
        elif c.isdigit():
            total += 1.0
        else:
            total += 0.9
    return total


#: A piece of text that is not broken across lines: a Latin word with the spaces after it, or
#: one wide (CJK) character with them.
_TOKEN = re.compile(r"[\u1100-\u11ff\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                    r"\uff00-\uff60\uffe0-\uffe6]\s*|[^\s\u1100-\u11ff\u2e80-\ua4cf\uac00-\ud7a3"
                    r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+\s*|\s+")  # fmt: skip


def _lines(text: Any, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide (greedy, as a
    spreadsheet wraps: Latin words whole, Chinese characters one by one)."""
    usable = max(1.0, width - 1.0)
    total = 0
    for paragraph in str(text).split("\n"):
        lines, used = 1, 0.0
        for token in _TOKEN.findall(paragraph):
            size = _ink(token.rstrip())
            if used and used + size > usable:
                lines, used = lines + 1, 0.0
            while size > usable:  # a word longer than the column breaks anywhere
                lines, size = lines + 1, size - usable
            used += _ink(token)
        total += lines
    return total


def _shown(value: Any, fmt: str | None) -> str:
    """A value as its number format shows it (to size the column)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if not isinstance(value, int | float | np.number) or isinstance(value, bool):
        return str(value)
    v = float(value)
    if fmt is None or fmt == "General":
        return f"{v:.6g}"
    if fmt.endswith("%"):
        return f"{v:.{fmt.count('0') - 1}%}"
    decimals = len(fmt.split(".")[1].rstrip('"×')) if "." in fmt else 0
    text = f"{v:,.{decimals}f}" if "," in fmt else f"{v:.{decimals}f}"
    return text + ("×" if "×" in fmt else "")


# -- tables -------------------------------------------------------------------------------------


@dataclass
class _Column:
    """One column of a sheet: its header, values and number format (one, or one per row)."""

    header: str
    values: list[Any]
    fmt: str | list[str | None] | None = None
    text: bool = False  #: long text: wrapped in a column at most ``width`` wide
    width: float | None = None  #: the widest a text column grows [characters]
    center: bool = False  #: centred (a year column, where 全期 stands among the years)

    def formats(self) -> list[str | None]:
        if isinstance(self.fmt, list):
            return self.fmt
        return [self.fmt] * len(self.values)


@dataclass
class _Table:
    """A sheet's table: columns, how many of them are keys (frozen), rows shown bold."""

    columns: list[_Column]
    keys: int = 1
    bold: set[int] = field(default_factory=set)  #: 0-based rows


def _metric_column(name: str, values: Sequence[float], unit: str, lang: Lang) -> _Column:
    fmt: str | list[str | None]
    if REGISTRY[name].kind is Kind.COUNT:
        fmt = [_count_format(v) for v in values]
    else:
        fmt = number_format(name)
    return _Column(_header(name, unit, lang), [_cell(v) for v in values], fmt)


def _cell(value: Any) -> Any:
    """A value as a cell takes it: numbers as float or int, NaN as an empty cell."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _Styles:
    """The workbook's cell formats, made once per set of properties: bold, a number format,
    wrapped, and the vertical and horizontal alignment (the font is the workbook's,
    :data:`_FONT`)."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self._made: dict[tuple[Any, ...], Any] = {}

    def __call__(
        self,
        *,
        bold: bool = False,
        num: str | None = None,
        wrap: bool = False,
        valign: str | None = "top",
        align: str | None = None,
    ) -> Any:
        key = (bold, num, wrap, valign, align)
        if key not in self._made:
            properties: dict[str, Any] = {"bold": bold, "text_wrap": wrap}
            if num is not None:
                properties["num_format"] = num
            if valign is not None:
                properties["valign"] = valign
            if align is not None:
                properties["align"] = align
            self._made[key] = self._book.add_format(properties)
        return self._made[key]


#: A column's width unit, the widest digit of the workbook's font (Arial 10) [pixels].
_DIGIT = 7


def _width(ws: Worksheet, first: int, width: float, last: int | None = None) -> None:
    """Make columns ``first`` … ``last`` (0-based) ``width`` characters wide, as the file
    states the width: that of the digits and the cell's margins together (XlsxWriter's
    ``set_column`` would add the margins on top, and round to a whole pixel)."""
    ws.set_column_pixels(first, first if last is None else last, width * _DIGIT)


def _height(ws: Worksheet, row: int, points: float) -> None:
    """Make row ``row`` (0-based) ``points`` high, as stated (XlsxWriter's ``set_row`` would
    round it to a whole pixel, and a page could then break a row earlier or later)."""
    ws.set_row_pixels(row, points * 4 / 3)  # a pixel is 3/4 point


def _put(ws: Worksheet, row: int, col: int, value: Any, style: Any = None) -> None:
    """Write a cell: text as text (never read as a formula or a link), a number as a
    number, nothing for an empty value or text (a cell of empty text would stop the text of
    the cell before it from spilling over)."""
    if value is None or (isinstance(value, str) and not value):
        return
    if isinstance(value, str):
        ws.write_string(row, col, value, style)
    else:
        ws.write_number(row, col, value, style)


def _write_table(ws: Worksheet, table: _Table, styles: _Styles, *, top: int = 0) -> None:
    """Write ``table`` with its header on row ``top`` (0-based): the header bold and wrapped,
    frozen below it and after the key columns, columns sized to their text, numbers
    formatted, long text wrapped in rows tall enough for it, and the header repeated on every
    printed page. The rows are written in order (the workbook keeps one row in memory)."""
    header_lines = 1
    n_rows = max((len(c.values) for c in table.columns), default=0)
    row_lines = [1] * n_rows
    cells: list[list[tuple[int, Any, Any]]] = [[] for _ in range(n_rows)]
    for k, column in enumerate(table.columns):
        formats = column.formats()
        shown = [_shown(v, f) for v, f in zip(column.values, formats, strict=True)]
        data = max((_text_width(t) for t in shown), default=0)
        need = max(data + 2, 7, _header_width(column.header))
        width = min(column.width or _TEXT_WIDTH, need) if column.text else min(_MAX_WIDTH, need)
        _width(ws, k, width)
        header_lines = max(header_lines, _lines(column.header, width - 1.5))  # centred: less room
        for i, (value, fmt, text) in enumerate(zip(column.values, formats, shown, strict=True)):
            number = isinstance(value, int | float) and not isinstance(value, bool)
            wrap = isinstance(value, str) and _ink(text) > width - 1
            if wrap:
                row_lines[i] = max(row_lines[i], _lines(text, width))
            style = styles(
                bold=i in table.bold,
                num=fmt if fmt and number else None,
                wrap=wrap,
                align="center" if column.center and not wrap else None,
            )
            cells[i].append((k, value, style))
    _height(ws, top, _LINE * header_lines + 4)
    head = styles(bold=True, wrap=True, valign="vcenter", align="center")
    for k, column in enumerate(table.columns):
        ws.write_string(top, k, column.header, head)
    for i, row in enumerate(cells):
        if row_lines[i] > 1:
            _height(ws, top + 1 + i, _LINE * row_lines[i] + 2)
        for k, value, style in row:
            _put(ws, top + 1 + i, k, value, style)
    ws.freeze_panes(top + 1, table.keys)
    ws.repeat_rows(top)


def _header_width(header: str) -> float:
    """A column's width for its header: each line of it on one line when short or a bracketed
    remark, else on two or three (a Latin word kept whole)."""
    need = 0.0
    for part in header.split("\n"):
        ink = _ink(part)
        words = [_ink(w) for w in re.split(r"\s+", part) if w.isascii()]
        lines = 1 if ink <= 11 or part.startswith("（") else 2 if ink <= 20 else 3
        slack = 1.5 if lines == 1 else 3.0  # a wrapped line is seldom filled to the end
        need = max(need, math.ceil(ink / lines) + slack, max(words, default=0) + 1.5)
    return need


def _note(ws: Worksheet, text: str) -> None:
    """A sheet of one row: a note that the scenario has no such block."""
    ws.write_string(0, 0, text)
    _width(ws, 0, max(20, _text_width(text) + 2))


def _print_setup(ws: Worksheet, lang: Lang) -> None:
    """A4 landscape, one page wide, modest margins, gridlines, the sheet's name above and the
    page number below."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header("&C&A", {"margin": 0.3})
    ws.set_footer("&C" + word("wb_page", lang), {"margin": 0.3})
    ws.hide_gridlines(0)  # gridlines on screen and on paper


# -- the sheets ---------------------------------------------------------------------------------


def _name(spec: Any, lang: Lang) -> str:
    """A block's label in ``lang`` (the Chinese one when it has no English one)."""
    return str(spec.label if lang == "zh" else (spec.label_en or spec.label))


def _year(value: Any, lang: Lang) -> Any:
    """A year as a cell: the year, or 全期 / whole horizon for ``"total"``."""
    return word("horizon", lang) if str(value) == "total" else int(value)


def _year_column(values: Sequence[Any], lang: Lang) -> _Column:
    return _Column(word("year", lang), [_year(v, lang) for v in values], "0", center=True)


def _overview(
    ws: Worksheet,
    result: SimulationResult,
    sentences: Sequence[str],
    lang: Lang,
    styles: _Styles,
) -> None:
    sc = result.scenario
    stamp = result.stamp()
    changes = "; ".join(f"{k} = {v}" for k, v in stamp["changes"].items())
    drawn = ""
    if result.uncertain is not None:
        drawn = word("wb_drawn_text", lang).format(
            n=len(result.uncertain.factors), block=result.uncertain.block
        )
    rows: list[tuple[str, Any, str | None]] = [
        (word("wb_title", lang), sc.scenario.title if lang == "zh" else
         (sc.scenario.title_en or sc.scenario.title), None),
        (word("wb_source", lang), sc.scenario.source, None),
        (word("wb_scenario", lang), sc.id, None),
        (word("wb_unit", lang), unit_label("envelope", result.unit, lang), None),
        (word("wb_draws", lang), result.draws, "#,##0"),
        (word("wb_seed", lang), str(result.seed), None),
        (word("wb_hash", lang), stamp["scenario_hash"], None),
        (word("wb_version", lang), stamp["budgetsim_version"], None),
        (word("wb_changes", lang), changes or word("none", lang), None),
        (word("wb_drawn", lang), drawn or word("none", lang), None),
    ]  # fmt: skip
    key_style = styles(bold=True)
    _width(ws, 0, max(_ink(key) for key, _, _ in rows) + 3)
    _width(ws, 1, _FINDING_WIDTH)
    for r, (key, value, fmt) in enumerate(rows):
        ws.write_string(r, 0, key, key_style)
        _put(ws, r, 1, value, styles(num=fmt, wrap=True, align="left"))
    first = len(rows) + 1  # after an empty row
    for i, sentence in enumerate(sentences):
        lines = _lines(sentence, _FINDING_WIDTH)
        if lines > 1:
            _height(ws, first + i, _LINE * lines + 2)
        if i == 0:
            ws.write_string(first, 0, word("finding", lang), key_style)
        ws.write_string(first + i, 1, sentence, styles(wrap=True))
    if not sentences:
        ws.write_string(first, 0, word("finding", lang), key_style)


def _has_schedule(result: SimulationResult) -> bool:
    """Whether a payment schedule spreads some programme's payments over years."""
    return any(len(s) != 1 or float(s[0]) != 1.0 for s in result.schedules)


def _programmes(result: SimulationResult, lang: Lang) -> _Table:
    per_year: dict[Hashable, dict[Hashable, Any]] = result.summary().to_dict("index")
    horizon: dict[Hashable, dict[Hashable, Any]] = result.totals().to_dict("index")
    names = list(PROGRAMME_METRICS) + (list(CASH_METRICS) if _has_schedule(result) else [])
    rows: list[dict[Hashable, Any]] = []
    bold = set()
    for programme in result.programmes:
        label_ = _name(result.scenario.programmes[programme], lang)
        for year in result.years:
            rows.append({**per_year[(programme, year)], "label": label_, "year": year})
        bold.add(len(rows))
        rows.append({**horizon[programme], "label": label_, "year": "total"})
    frame = pd.DataFrame(rows)
    columns = [
        _Column(word("programme", lang), frame["label"].tolist(), text=True, width=_NAME_WIDTH),
        _year_column(frame["year"].tolist(), lang),
        *(_metric_column(n, _values(frame, n), result.unit, lang) for n in names),
    ]
    return _Table(columns, keys=2, bold=bold)


def _values(frame: pd.DataFrame, name: str) -> list[float]:
    if name not in frame:
        return [math.nan] * len(frame)
    return [float(v) for v in pd.to_numeric(frame[name], errors="coerce")]


def _funds(result: SimulationResult, lang: Lang) -> _Table | None:
    """The shared funds, a row per metric and a column per year, each after a row naming its
    members."""
    frame = result.fund_summary()
    if frame.empty:
        return None
    programmes = result.scenario.programmes
    glue = "、" if lang == "zh" else "; "
    members = {
        str(fid): f"{word('members', lang)}{'：' if lang == 'zh' else ': '}"
        + glue.join(_name(programmes[p], lang) for p in spec.members)
        for fid, spec in result.scenario.funds.items()
    }
    names = [n for n in PROGRAMME_METRICS if n in frame]
    if _has_schedule(result):
        names += [n for n in CASH_METRICS if n in frame]
    return _by_year(frame, "fund", result.scenario.funds, result, lang, names, members)


def _policy(result: SimulationResult, lang: Lang) -> _Table:
    frame = result.policy_summary().reset_index()
    names = [str(c) for c in frame.columns if c != "year"]
    columns = [
        _year_column(frame["year"].tolist(), lang),
        *(_metric_column(n, _values(frame, n), result.unit, lang) for n in names),
    ]
    return _Table(columns, keys=1, bold={len(frame) - 1})


def _blocks(
    frame: pd.DataFrame, key: str, specs: Any, result: SimulationResult, lang: Lang
) -> _Table | None:
    """A reserve fund's or target's summary per year: its label, the year, every metric."""
    if frame.empty:
        return None
    frame = frame.reset_index()
    names = [str(c) for c in frame.columns if str(c) in REGISTRY]
    columns = [
        _Column(
            word(key, lang),
            [_name(specs[i], lang) for i in frame[key]],
            text=True,
            width=_NAME_WIDTH,
        ),
        _year_column(frame["year"].tolist(), lang),
        *(_metric_column(n, _values(frame, n), result.unit, lang) for n in names),
    ]
    return _Table(columns, keys=2)


def _by_year(
    frame: pd.DataFrame,
    key: str,
    specs: Any,
    result: SimulationResult,
    lang: Lang,
    names: Sequence[str] | None = None,
    lead: dict[str, str] | None = None,
) -> _Table | None:
    """A summary per block and year turned so that the years are the columns: one row per
    block and metric (``names``; every metric of ``frame`` when None), after a row of text
    per block (``lead``, such as a fund's members). A reserve fund has some twenty metrics
    and a few years: as rows they print legibly on one page, as columns they print tiny."""
    if frame.empty:
        return None
    if names is None:
        names = [str(c) for c in frame.columns if str(c) in REGISTRY]
    blocks, measures = [], []
    values: dict[int, list[Any]] = {year: [] for year in result.years}
    formats: dict[int, list[str | None]] = {year: [] for year in result.years}
    for block in dict.fromkeys(frame.index.get_level_values(0)):
        if lead is not None:
            blocks.append(_name(specs[block], lang))
            measures.append(lead[str(block)])
            for year in result.years:
                values[year].append(None)
                formats[year].append(None)
        for name in names:
            blocks.append(_name(specs[block], lang))
            measures.append(_header(name, result.unit, lang, lines=False))
            for year in result.years:
                value = _cell(frame.loc[(block, year), name])
                values[year].append(value)
                formats[year].append(number_format(name, value))
    columns = [
        # a narrow table: room for a block's name on one line
        _Column(word(key, lang), blocks, text=True, width=2 * _NAME_WIDTH),
        _Column(word("measure", lang), measures, text=True, width=_MAX_WIDTH + 8),
        *(_Column(str(year), values[year], formats[year]) for year in result.years),
    ]
    return _Table(columns, keys=2)


def _plain(value: Any, lang: Lang) -> Any:
    """A parameter's value as a cell: a number, the text of a choice, yes / no, or a list as
    ``[a, b, c]``."""
    if isinstance(value, bool):
        return word("yes" if value else "no", lang)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(str(_text_number(v, lang)) for v in value) + "]"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float | np.number):
        number = float(value)
        return int(number) if number == int(number) and abs(number) < 1e15 else number
    return str(value)


def _text_number(value: Any, lang: Lang) -> str:
    plain = _plain(value, lang)
    if isinstance(plain, int):
        return f"{plain:,}"
    if isinstance(plain, float):
        return f"{plain:,.6g}" if abs(plain) >= 1 else f"{plain:.4g}"
    return "" if plain is None else str(plain)


def _value_format(value: Any) -> str | None:
    """A parameter's number format: whole with thousands separators, or with the decimals it
    has (up to six)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return "#,##0" if value == int(value) else "#,##0.0#####"


def _assumptions(result: SimulationResult, lang: Lang) -> _Table:
    table = parameters(result.scenario, lang=lang).reset_index()
    kinds = {"lever": word("wb_lever", lang), "assumption": word("wb_assumed", lang)}

    def text(values: Any) -> list[str]:
        return ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                for v in values]  # fmt: skip

    def ditto(values: list[str]) -> list[str]:
        """A block's clause or reasoning once: 同上 / as above on its next rows (it stands
        beside every number of the block, pages of the same text otherwise)."""
        same = word("wb_ditto", lang)
        return [same if i and v and v == values[i - 1] else v for i, v in enumerate(values)]

    def numbers(name: str) -> _Column:
        values = [_plain(v, lang) for v in table[name]]
        header = {"value": "value", "low": "wb_low", "high": "wb_high"}[name]
        formats = [_value_format(v) for v in values]
        return _Column(word(header, lang), values, formats, text=True, width=16)

    grades = [word(f"grade_{g}", lang) if g in ("S", "D", "E", "P") else "" for g in table["grade"]]
    columns = [
        _Column(word("path", lang), text(table["path"]), text=True, width=24),
        _Column(word("label", lang), text(table["label"]), text=True, width=24),
        numbers("value"),
        _Column(word("unit", lang), text(table["unit"])),
        _Column(word("wb_kind", lang), [kinds.get(str(k), str(k)) for k in table["kind"]]),
        _Column(word("grade", lang), grades),
        numbers("low"),
        numbers("high"),
        _Column(word("source", lang), ditto(text(table["source"])), text=True, width=28),
        _Column(
            word("assumption", lang), ditto(text(table["assumption"])), text=True, width=_TEXT_WIDTH
        ),
    ]
    return _Table(columns, keys=1)


def _sensitivity(sensitivity: SensitivityResult, result: SimulationResult, lang: Lang) -> _Table:
    from budgetsim.sensitivity.names import column_label, effect_label

    frame = sensitivity.frame(lang)
    by_key = {o.key: o.metric for o in sensitivity.outputs}
    metrics = [by_key[str(k)] for k in frame["output"]]
    outputs = [
        str(text) if REGISTRY[m].kind is Kind.SHARE
        else f"{text} [{unit_label(m, result.unit, lang)}]"
        for text, m in zip(frame["output_label"], metrics, strict=True)
    ]  # fmt: skip
    kinds = {"lever": word("wb_lever", lang), "assumption": word("wb_assumed", lang)}

    def numbers(name: str, header: str) -> _Column:
        values = [_cell(float(v)) for v in frame[name]]
        formats: list[str | None] = []
        for m in metrics:
            fmt = number_format(m)
            if name == "swing_se":  # a standard error: one more digit
                fmt = number_format(f"{m}_se") if f"{m}_se" in REGISTRY else _se_format(fmt)
            formats.append(fmt)
        return _Column(header, values, formats)

    columns = [
        _Column(word("wb_output", lang), outputs, text=True, width=24),
        _Column(word("wb_number", lang), frame["parameter_label"].astype(str).tolist(),
                text=True, width=26),
        _Column(word("wb_kind", lang), [kinds.get(str(k), str(k)) for k in frame["kind"]]),
        _Column(word("grade", lang), [word(f"grade_{g}", lang) if g in ("S", "D", "E", "P")
                                      else "" for g in frame["grade"]]),
        _Column(word("unit", lang), frame["unit"].fillna("").astype(str).tolist()),
        _Column(word("wb_low_end", lang), frame["low"].astype(str).tolist(), text=True, width=14),
        _Column(word("wb_high_end", lang), frame["high"].astype(str).tolist(), text=True,
                width=14),
        *(numbers(c, column_label(c, lang)) for c in ("base", "at_low", "at_high", "swing",
                                                      "swing_se")),
        numbers("swing_low", word("wb_swing_low", lang)),
        numbers("swing_high", word("wb_swing_high", lang)),
        _Column(column_label("effect", lang),
                [effect_label(str(e), lang) for e in frame["effect"]]),
        _Column(word("wb_rank", lang), [int(r) for r in frame["rank"]], "0"),
        _Column(word("path", lang), frame["parameter"].astype(str).tolist(), text=True, width=22),
    ]  # fmt: skip
    return _Table(columns, keys=2)


def _se_format(fmt: str) -> str:
    """A standard error's format: one more decimal than its value's."""
    if fmt.endswith("%"):
        return fmt[:-1] + ("0" if "." in fmt else ".0") + "%"
    return fmt + ("0" if "." in fmt else ".0")


def _draws(ws: Worksheet, result: SimulationResult, lang: Lang, styles: _Styles) -> None:
    """Per draw: each programme's demand and payments per year, each reserve fund's year-end
    balance and claims paid, each target's stock; a note above, the print area on the note
    alone (the sheet is for reading back, not for paper)."""
    unit = result.unit
    columns: list[tuple[str, np.ndarray]] = []
    demand, paid = result.demand.values, result.paid.values
    for j, programme in enumerate(result.programmes):
        name = _name(result.scenario.programmes[programme], lang)
        for t, year in enumerate(result.years):
            for variable, values in (("demand", demand), ("paid", paid)):
                header = f"{name} · {year} · {_header(variable, unit, lang)}"
                columns.append((header, values[:, j, t]))
    for rid, ds in result.riskfunds.items():
        name = _name(result.scenario.riskfunds[rid], lang)
        for t, year in enumerate(result.years):
            for variable in ("balance_end", "claims_paid"):
                header = f"{name} · {year} · {_header(variable, unit, lang)}"
                columns.append((header, ds[variable].values[:, t]))
    for tid, ds in result.targets.items():
        name = _name(result.scenario.targets[tid], lang)
        for t, year in enumerate(result.years):
            header = f"{name} · {year} · {_header('stock', unit, lang)}"
            columns.append((header, ds["stock"].values[:, t]))
    bold = styles(bold=True, valign=None)
    note = word("wb_draws_note", lang).format(draws=result.draws)
    ws.write_string(0, 0, note, bold)
    width = 14.0
    _width(ws, 0, 10)
    _width(ws, 1, width, len(columns))
    lines = max((_lines(header, width) for header, _ in columns), default=1)
    _height(ws, 1, _LINE * lines + 4)
    ws.write_string(1, 0, word("draw", lang), bold)
    head = styles(bold=True, wrap=True, valign="vcenter", align="center")
    for k, (header, _) in enumerate(columns, start=1):
        ws.write_string(1, k, header, head)
    matrix = np.column_stack([values.astype(np.float64) for _, values in columns])
    draw, amount = styles(num="0", valign=None), styles(num="#,##0", valign=None)
    write = ws.write_number
    for i, values in enumerate(matrix.tolist()):
        r = 2 + i
        write(r, 0, i, draw)
        for k, value in enumerate(values, start=1):
            if math.isfinite(value):  # NaN: an empty cell
                write(r, k, value, amount)
    ws.freeze_panes(2, 1)
    # the note spills over the empty cells beside it: print as many columns as it takes
    span = 1 + max(0, math.ceil((_ink(note) * 1.1 - 8) / width))  # bold: wider
    ws.print_area(0, 0, 0, min(span, len(columns) + 1) - 1)


def write_workbook(
    result: SimulationResult,
    path: str | Path,
    *,
    findings: list[str],
    sensitivity: SensitivityResult | None = None,
    lang: str = "zh",
) -> None:
    """Write the run's workbook (``.xlsx``) in one language.

    Parameters
    ----------
    result
        A simulation result.
    path
        The file to write (through a temporary file that replaces it when complete).
    findings
        The headline findings, one sentence each (:func:`budgetsim.report.findings`).
    sensitivity
        A tornado of the same scenario: adds the 敏感性 / Sensitivity sheet.
    lang
        ``"zh"`` or ``"en"``: sheet names, headers, labels and notes.

    Raises
    ------
    ValueError
        For a language other than ``"zh"`` or ``"en"``.
    """
    import xlsxwriter  # type: ignore[import-untyped]

    lang_ = as_lang(lang)
    notes = {"funds": "wb_no_funds", "riskfunds": "wb_no_riskfunds", "targets": "wb_no_targets"}
    tables: dict[str, _Table | None] = {
        "programmes": _programmes(result, lang_),
        "funds": _funds(result, lang_),
        "policy": _policy(result, lang_),
        "riskfunds": _by_year(result.riskfund_summary(), "riskfund",
                              result.scenario.riskfunds, result, lang_),
        "targets": _blocks(result.target_summary(), "target", result.scenario.targets,
                           result, lang_),
        "assumptions": _assumptions(result, lang_),
    }  # fmt: skip
    if sensitivity is not None:
        tables["sensitivity"] = _sensitivity(sensitivity, result, lang_)
    options = {
        # each sheet's rows go to the file as they are written, not into memory (the
        # per-draw sheet of 10,000 draws has a million cells)
        "constant_memory": True,
        # the default font (cells without one of their own, and the unit of column widths),
        # for every format: no font scheme, which would let Excel show the theme's Calibri
        "default_format_properties": {
            "font_name": _FONT,
            "font_size": _SIZE,
            "font_scheme": "none",
        },
    }
    with atomic(Path(path), "wb") as handle, xlsxwriter.Workbook(handle, options) as book:
        styles = _Styles(book)
        for key in SHEETS:
            if key not in ("overview", "draws") and key not in tables:
                continue
            ws = book.add_worksheet(sheet_name(key, lang_))
            _print_setup(ws, lang_)
            if key == "overview":
                _overview(ws, result, findings, lang_, styles)
            elif key == "draws":
                _draws(ws, result, lang_, styles)
            elif (table := tables[key]) is None:
                _note(ws, word(notes[key], lang_))
            else:
                _write_table(ws, table, styles)
