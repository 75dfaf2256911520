"""One registry of the words outputs use that are neither metrics nor parameters.

Table keys (programme, year, fund …), table titles, sheet names, report headings and legend
lines are declared here once, in Chinese and English; the command line's tables, the report,
the workbook and the charts read them. Metric labels live in :mod:`budgetsim.metrics`,
parameter names in :mod:`budgetsim.parameter_names`; :func:`code_names` gathers the names a
reader must never see as a header (a test checks every output against it).

Examples
--------
>>> word("programme"), word("programme", "en")
('项目', 'programme')
>>> word("draws_seed", "en").format(draws=10_000, seed=1)
'10,000 draws · seed 1'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from budgetsim.errors import did_you_mean
from budgetsim.metrics import REGISTRY, Lang

__all__ = ["WORDS", "Word", "code_names", "word"]


@dataclass(frozen=True)
class Word:
    """A word or phrase of the outputs in Chinese and English (``{name}`` fields are filled
    by the caller with :meth:`str.format`)."""

    key: str
    zh: str
    en: str

    def text(self, lang: Lang = "zh") -> str:
        """The phrase in ``lang``."""
        return self.zh if lang == "zh" else self.en


# fmt: off
_DECLARED = [
    # keys of rows in tables
    Word("programme", "项目", "programme"),
    Word("year", "年度", "year"),
    Word("fund", "资金池", "fund"),
    Word("members", "成员项目", "members"),
    Word("riskfund", "风险准备金", "reserve fund"),
    Word("target", "目标", "target"),
    Word("measure", "指标", "measure"),
    Word("base", "基准", "base"),
    Word("variant", "方案", "variant"),
    Word("difference", "差值 [95%区间]", "difference [95% interval]"),
    Word("change", "基准 → 方案", "base → variant"),
    Word("fund_or_target", "资金池或目标", "fund or target"),
    Word("net_cost_mean", "净成本均值", "net cost mean"),
    Word("all_programmes", "全部项目合计", "all programmes"),
    Word("horizon", "全期", "whole horizon"),
    Word("path", "字段路径", "field path"),
    Word("source", "依据条款", "clause"),
    Word("assumption", "假设及理由", "assumption and reasoning"),
    Word("grade", "等级", "grade"),
    Word("range", "合理区间", "plausible range"),
    Word("value", "取值", "value"),
    Word("unit", "单位", "unit"),
    Word("label", "名称", "name"),
    Word("finding", "主要发现", "finding"),
    Word("draw", "模拟序号", "draw"),
    Word("none", "—", "—"),
    # grades of numbers
    Word("grade_S", "S 有出处", "S sourced"),
    Word("grade_D", "D 推算", "D derived"),
    Word("grade_E", "E 估计", "E estimate"),
    Word("grade_P", "P 政策原文", "P policy text"),
    # the command line's run tables
    Word("title_money", "资金 [{unit}]：需求为符合条件申请者应得的金额",
         "Money [{unit}] — demand is what eligible claimants are entitled to"),
    Word("title_cover", "资金是否够用，覆盖多少申请者？", "Will it last, and who is covered?"),
    Word("title_funds", "资金池 [{unit}]：成员项目共用一笔预算",
         "Shared funds [{unit}] — members draw on one envelope"),
    Word("title_recovery", "股权投入与预期回收 [{unit}]，全期",
         "Equity outlays and expected recovery [{unit}], whole horizon"),
    Word("title_riskfunds", "风险准备金 [{unit}]：资金用完前按规定代偿",
         "Credit risk reserve funds [{unit}] — claims are paid while money lasts"),
    Word("title_targets", "政策目标：各年末存量", "Policy targets — stock at the end of each year"),
    Word("title_policy", "全部项目合计 [{unit}]：各年合计的分位数",
         "All programmes together [{unit}] — quantiles of the yearly sum"),
    Word("draws_seed", "{draws:,} 次模拟 · 种子 {seed}", "{draws:,} draws · seed {seed}"),
    Word("stamp", "情景哈希 {hash} · budgetsim {version} · 用时 {elapsed:.1f} 秒",
         "scenario hash {hash} · budgetsim {version} · {elapsed:.1f} s"),
    Word("changed", "已修改：", "changed: "),
    Word("drawn", "已抽取假设：{n} 个有合理区间的假设在其区间内抽取，每 {block} 次模拟一组（共 "
         "{blocks:,} 组）；下列各表均已计入，± 按组数计算，而非模拟次数",
         "assumptions drawn: {n} ranged assumptions drawn over their plausible ranges, once "
         "per {block} draws ({blocks:,} sets); every table below allows for them, and its ± "
         "counts the sets, not the draws"),
    Word("wrote", "已写入 ", "wrote "),
    Word("continued", "（续）", " (continued)"),
    Word("compact_note", "表中金额以 亿 / 万 简写（1.67亿 = 16,700 {unit}），以适应终端宽度。",
         "Amounts are abbreviated (1.67亿 = 16,700 {unit}) to fit the terminal."),
    # the command line's compare tables
    Word("compare_header", "方案 − 基准 · {draws:,} 次模拟 · 种子 {seed} · 共同随机数 · 基准 "
         "{base}，方案 {variant}",
         "variant − base · {draws:,} draws · seed {seed} · common random numbers · base "
         "{base}, variant {variant}"),
    Word("title_compare", "基准 → 方案 [{unit}]，差值及其95%区间",
         "Base → variant [{unit}], the difference and its 95 % interval"),
    Word("title_compare_outcomes", "风险准备金与目标：基准 → 方案，差值及其95%区间",
         "Risk reserve funds and targets: base → variant, difference and 95 % interval"),
    Word("identical", "另有 {n} 行在两方案下完全相同，未列出：{names}",
         "{n} more rows are identical in both and not shown: {names}"),
    Word("no_change", "方案与基准的所有结果完全相同（共 {n} 行）。",
         "The variant gives exactly the base's results ({n} rows)."),
    Word("only_in", "仅见于{side}（未比较）：{ids}", "only in the {side} (not compared): {ids}"),

    # -- the report (report.py) --

    # -- the workbook (workbook.py) --
    Word("wb_sheet_overview", "概览", "Overview"),
    Word("wb_sheet_programmes", "各项目", "Programmes"),
    Word("wb_sheet_funds", "资金池", "Shared funds"),
    Word("wb_sheet_policy", "整体预算", "Whole policy"),
    Word("wb_sheet_riskfunds", "风险准备金", "Reserve fund"),
    Word("wb_sheet_targets", "目标", "Targets"),
    Word("wb_sheet_assumptions", "假设", "Assumptions"),
    Word("wb_sheet_sensitivity", "敏感性", "Sensitivity"),
    Word("wb_sheet_draws", "抽样数据", "Draws"),
    Word("wb_no_funds", "本情景没有多个项目共用的资金池。",
         "This scenario has no fund shared by several programmes."),
    Word("wb_no_riskfunds", "本情景没有风险准备金。", "This scenario has no risk reserve fund."),
    Word("wb_no_targets", "本情景没有政策目标。", "This scenario has no policy target."),
    Word("wb_draws_note", "逐次模拟结果（{draws:,} 次模拟），供复核与再分析；本表不打印。",
         "Results of every draw ({draws:,} draws), for checking and further analysis; this "
         "sheet is not printed."),
    Word("wb_title", "标题", "title"),
    Word("wb_source", "政策文件", "policy document"),
    Word("wb_scenario", "情景", "scenario"),
    Word("wb_unit", "金额单位", "unit of amounts"),
    Word("wb_draws", "模拟次数", "draws"),
    Word("wb_seed", "随机种子", "seed"),
    Word("wb_hash", "情景哈希", "scenario hash"),
    Word("wb_version", "budgetsim 版本", "budgetsim version"),
    Word("wb_changes", "已修改的取值", "values changed"),
    Word("wb_drawn", "抽取的假设", "assumptions drawn"),
    Word("wb_drawn_text", "{n} 个有合理区间的假设，每 {block} 次模拟抽取一组",
         "{n} ranged assumptions, drawn once per {block} draws"),
    Word("wb_kind", "类型", "kind"),
    Word("wb_lever", "政策杠杆", "lever"),
    Word("wb_assumed", "假设", "assumption"),
    Word("wb_low", "合理区间下限", "plausible low"),
    Word("wb_high", "合理区间上限", "plausible high"),
    Word("wb_yes", "是", "yes"),
    Word("wb_no", "否", "no"),
    Word("wb_output", "结果指标", "result"),
    Word("wb_number", "数字", "number"),
    Word("wb_low_end", "低端取值", "low end"),
    Word("wb_high_end", "高端取值", "high end"),
    Word("wb_swing_low", "摆幅95%区间下限", "swing, 95 % interval low"),
    Word("wb_swing_high", "摆幅95%区间上限", "swing, 95 % interval high"),
    Word("wb_rank", "排序", "rank"),
    Word("wb_ditto", "同上", "as above"),
    Word("wb_page", "第 &P 页，共 &N 页", "page &P of &N"),

    # -- the charts (charts/) --

    # -- optimize (cli_optimize.py) --

]
# fmt: on

#: Every declared word by key.
WORDS: Mapping[str, Word] = MappingProxyType({w.key: w for w in _DECLARED})
if len(WORDS) != len(_DECLARED):  # pragma: no cover - fails on import, before any test
    raise RuntimeError("a word is declared twice in budgetsim.words")


def word(key: str, lang: Lang = "zh") -> str:
    """The phrase ``key`` in ``lang``.

    Raises
    ------
    KeyError
        For a key that is not declared, with the closest declared key.
    """
    try:
        return WORDS[key].text(lang)
    except KeyError:
        close = did_you_mean(key, WORDS)
        hint = f"; did you mean {close!r}?" if close else ""
        raise KeyError(f"no word {key!r} in budgetsim.words{hint}") from None


def code_names() -> frozenset[str]:
    """Names of the code that a reader must never see as a header or label: every metric's
    name (``demand_mean``), every word's key that is an identifier with an underscore, and the
    keys of the result tables (``label``, ``programme_id`` …).

    Examples
    --------
    >>> "coverage_full" in code_names(), "需求均值" in code_names()
    (True, False)
    """
    keys = {k for k in WORDS if "_" in k}
    tables = {"programme_id", "fund_id", "riskfund_id", "target_id", "label_en", "metric"}
    return frozenset({*REGISTRY, *keys, *tables})
