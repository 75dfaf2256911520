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

    # -- the charts (charts/) --
    Word("chart_footer", "{scenario} · {draws:,} 次模拟 · 随机种子 {seed} · budgetsim {version}",
         "{scenario} · {draws:,} draws · seed {seed} · budgetsim {version}"),
    Word("chart_amount", "金额 [{unit}]", "amount [{unit}]"),
    Word("chart_band_90", "P5–P95（90% 的模拟落在其中）", "P5–P95 (90 % of draws)"),
    Word("chart_band_50", "P25–P75（50% 的模拟落在其中）", "P25–P75 (50 % of draws)"),
    Word("chart_median", "中位数", "median"),
    # fill ratio
    Word("chart_fill", "{metric}：各次模拟", "{metric} over the draws"),
    Word("chart_fill_box", "箱体 P25–P75，须 P5–P95，竖线为中位数",
         "box P25–P75, whiskers P5–P95, bar at the median"),
    Word("chart_fill_short", "资金不足的一次模拟（兑付比例 < 100%）",
         "a draw short of money (fill < 100 %)"),
    Word("chart_p_short", "P(兑付 < 100%)", "P(fill < 100 %)"),
    Word("chart_paid_nothing", "未获任何资助\n的申请者（全期）",
         "claimants paid\nnothing (horizon)"),
    # demand
    Word("chart_demand", "{programme} — 各年需求分布", "{programme} — demand over draws, by year"),
    Word("chart_demand_bars", "需求 > 0 的模拟：宽度 ∝ 模拟占比",
         "draws with demand > 0: width ∝ share of draws"),
    Word("chart_demand_all", "各次模拟的需求：宽度 ∝ 模拟占比",
         "demand of the draws: width ∝ share of draws"),
    Word("chart_zero_share", "需求为 0：{share}", "no demand: {share}"),
    # budget–coverage curve
    Word("chart_curve", "{programme} {year} — 预算与覆盖",
         "{programme} {year} — budget and coverage"),
    # allocation split
    Word("chart_split", "预算分配：文件 vs 优化建议", "Split: the document vs recommended"),
    Word("chart_document", "文件", "document"),
    Word("chart_recommended", "建议", "recommended"),
    # month of exhaustion
    Word("chart_month", "月份", "month"),
    Word("chart_p_by_month", "截至该月用尽的概率", "P(run out by the month)"),
    Word("chart_month_cdf", "{year} — 资金在哪个月用尽（累计概率）",
         "{year} — the month the money runs out (cumulative)"),
    Word("chart_none_runs_out", "本年度没有项目用尽资金", "no programme runs out this year"),
    # comparison
    Word("chart_difference", "方案 − 基准：{metric}之差", "Variant − base: difference in {metric}"),
    Word("chart_no_difference", "各项目均无差异", "no programme differs"),
    # fan chart
    Word("chart_fan", "{year} — 年内累计拨付（按申请到达顺序）",
         "{year} — paid through the year (claims in arrival order)"),
    Word("chart_money_own", "可用资金（中位数）", "money available (median)"),
    Word("chart_money_fund", "所属资金池的可用资金（中位数）",
         "money available in its shared fund (median)"),
    Word("chart_fund_paid", "资金池全部成员合计拨付（中位数）",
         "paid by all members of the fund (median)"),
    Word("chart_shared_with", "共用资金池：{fund}", "shared fund: {fund}"),
    # reserve funds and targets
    Word("chart_goal", "目标 {goal} {unit}（{year}年）· {p_label} {p}",
         "goal {goal} {unit} ({year}) · {p_label} {p}"),
    # sensitivity
    Word("chart_low_end", "取值范围低端", "low end"),
    Word("chart_high_end", "取值范围高端", "high end"),
    Word("chart_swing_ci", "摆幅的 95% 区间", "95% interval of the swing"),
    Word("chart_loose", "与零无法区分", "not distinguishable from zero"),
    Word("chart_no_effect_note", "（无影响）", " (no effect)"),
    Word("chart_sensitivity_footer", "{draws:,} 次模拟/点", "{draws:,} draws a point"),
    Word("chart_seed", "随机种子 {seed}", "seed {seed}"),
    Word("chart_trajectories", "{n} 条轨迹", "{n} trajectories"),
    Word("chart_samples", "{n} 个基样本", "{n} base samples"),
    Word("chart_mu_star", "μ*（效应绝对值的均值）", "μ* (mean absolute effect)"),
    Word("chart_sigma", "σ（效应的标准差）", "σ (spread of the effects)"),
    Word("chart_mu_star_ci", "μ* 的 95% 区间", "95% interval of μ*"),
    Word("chart_noise_level", "噪声水平（1.96 × 单个效应噪声的中位数）",
         "noise level (1.96 × median noise of one effect)"),
    Word("chart_diagonal", "σ = μ*（高于此线：非线性或交互作用）", "σ = μ* (above: nonlinear)"),
    Word("chart_key", "编号", "No."),
    Word("chart_index_ci", "指数的 95% 区间", "95% interval of the index"),
    Word("chart_index", "Sobol 指数（占输出方差的比例）", "Sobol index (share of the variance)"),
    Word("chart_noise_share", "蒙特卡洛噪声占比 {share}", "Monte Carlo noise share {share}"),
    Word("chart_constant", "此输出在设计上没有变化，指数无定义",
         "the output does not change over the design: no indices"),
    Word("chart_empty", "没有可显示的假设", "no number to show"),

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
