"""One registry of the words outputs use that are neither metrics nor parameters.

Table keys (programme, year, fund …), table titles, sheet names, report headings and legend
lines are declared here once, in Chinese and English; the command line's tables, the report,
the workbook and the charts read them. Metric labels live in :mod:`budgetsim.metrics`,
parameter names in :mod:`budgetsim.parameter_names`; :func:`code_names` gathers the names a
reader must never see as a header (a test checks every output against it).
The words of ``optimize``, ``fit``, ``nowcast`` and records resampled are declared in
:mod:`budgetsim._words_tools` and joined to the rest here.

Examples
--------
>>> word("programme"), word("programme", "en")
('项目', 'programme')
>>> word("draws_seed", "en").format(draws=10_000, seed=1)
'10,000 draws · seed 1'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from budgetsim._word import Word
from budgetsim._words_tools import TOOL_WORDS
from budgetsim.errors import did_you_mean
from budgetsim.metrics import REGISTRY, Lang

__all__ = [
    "WORDS",
    "Word",
    "choice",
    "code_names",
    "header",
    "horizon",
    "markdown_table",
    "readable",
    "word",
]


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
    Word("fund_or_target", "风险准备金或目标", "reserve fund or target"),
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
    Word("compact_note", "为适应终端宽度，1亿元及以上的金额以“亿”表示（1.67亿 = 16,700万元）。",
         "To fit the terminal, amounts of 100 million yuan and more are written in millions "
         "(m) or billions (bn) of yuan: 167m = 167 million yuan = 16,700 10k yuan."),
    # the command line's compare tables
    Word("compare_header", "方案 − 基准 · {draws:,} 次模拟 · 种子 {seed} · 共同随机数 · 基准 "
         "{base}（{base_hash}），方案 {variant}（{variant_hash}）",
         "variant − base · {draws:,} draws · seed {seed} · common random numbers · base "
         "{base} ({base_hash}), variant {variant} ({variant_hash})"),
    Word("title_compare", "基准 → 方案 [{unit}]，差值及其95%区间",
         "Base → variant [{unit}], the difference and its 95 % interval"),
    Word("title_compare_outcomes", "风险准备金与目标：基准 → 方案，差值及其95%区间",
         "Risk reserve funds and targets: base → variant, difference and 95 % interval"),
    Word("identical", "另有 {n} 个项目在两方案下结果完全相同，未列出：{names}",
         "{n} more programmes have exactly the same results in both, not shown: {names}"),
    Word("identical_outcomes", "风险准备金与目标中，以下 {n} 项在两方案下完全相同：{names}",
         "Of the reserve funds and targets, these {n} are exactly the same in both: {names}"),
    Word("no_change", "两方案下各项目（共 {n} 个）的结果完全相同。",
         "Every programme ({n}) has exactly the same results in both."),
    Word("mean_of", "{label}均值", "mean {label}"),
    Word("only_in", "仅见于{side}（未比较）：{ids}", "only in the {side} (not compared): {ids}"),
    Word("policy_row", "全部项目合计", "all programmes"),
    Word("progress_draws", "正在模拟", "simulating draws"),
    Word("title_list", "随附情景（用 budgetsim run 加情景编号运行）",
         "Bundled scenarios (run one with budgetsim run ID)"),
    Word("scenario_id", "情景编号", "id"),
    Word("scenario_title", "标题", "title"),
    Word("document", "政策文件", "document"),
    Word("years", "年度", "years"),
    Word("programmes_count", "项目数", "programmes"),
    Word("progress_points", "敏感性分析：各点", "sensitivity: points"),
    Word("warning", "提示：", "warning:"),
    Word("wrote_report", "已写入 {n} 个文件到 {out}/：report.html、report.xlsx、"
         "{charts} 个图表文件、{results} 个结果文件（汇总、逐次模拟数据）",
         "wrote {n} files to {out}/: report.html, report.xlsx, {charts} chart files and "
         "{results} of results (summary, per-draw data)"),
    Word("wrote_sensitivity", "；敏感性分析：{outputs} 个结果、{numbers} 个参数，"
         "每点 {draws:,} 次模拟",
         "; sensitivity: outputs {outputs}, numbers varied {numbers}, {draws:,} draws a point"),
    Word("allocation_priority", "（按顺序使用）", " (drawn in order)"),
    Word("allocation_pro_rata", "（超额时按比例分配）", " (shared pro rata when short)"),
    Word("legend_run",
         "预算：当年资金（多年总额按情景拆分；总额为区间时取均值）；"
         "可用资金：预算 + 上年结转（资金池成员：资金池留给它的部分）。\n"
         "P(资金用尽)：有符合条件的申请者未获全额兑付的模拟占比（±：95% 蒙特卡洛区间）；"
         "用尽月份 (P50)：资金用尽的模拟中，申请额超过资金的月份的中位数。\n"
         "全额资助 / 获得资助：获得全部应得金额 / 获得任何资助的申请者占比；"
         "兑付比例：已付 ÷ 需求。\n"
         "所需预算 P80 / P95：在 80% / 95% 的模拟中足以兑付全部需求的预算。\n"
         "多年合计行：各年合计；其中 P(资金用尽) 为至少一年用尽的概率。\n"
         "当年现金支出（如显示）：当年从国库支出的现金均值，含当年及以前年度批准的资助（按项目的"
         "拨付安排）；拨付为批准的金额。\n"
         "全部项目合计：有预算上限的项目和资金池的预算；全部项目（含无上限项目）的需求和拨付；"
         "P50–P95 为各年合计的分位数。\n"
         "风险准备金（如显示）：入池贷款规模与放大倍数（贷款规模 ÷ 年初余额）；年末余额；"
         "P(年末前耗尽)：当年年末前有代偿未能足额支付的概率。",
         "envelope: the year's money (a multi-year total split as the scenario says; the mean "
         "where the total is a range); available: envelope + carry-in (for a member of a shared "
         "fund: what the fund left open to it).\n"
         "P(exhausted): share of draws in which some eligible claimant was not paid in full "
         "(±: 95 % Monte Carlo interval); month (P50): median month in which the claims passed "
         "the money, among draws that ran out.\n"
         "paid in full / paid any: share of claimants paid their whole entitlement / anything; "
         "fill ratio: paid ÷ demand.\n"
         "BaR P80 / P95 (budget at risk): the envelope that would cover demand in 80 % / 95 % of "
         "draws.\n"
         "Multi-year rows: totals over the years; P(exhausted) there is the chance of running "
         "out in at least one year.\n"
         "cash paid (when shown): mean cash leaving the treasury in the fiscal year, from awards "
         "approved then or earlier (the programme's payment schedule); paid is what is "
         "approved.\n"
         "All programmes together: envelopes of the capped programmes and funds; demand and "
         "paid of every programme, uncapped ones included; P50–P95 are quantiles of the yearly "
         "sum.\n"
         "Risk reserve funds (when shown): loan volume enrolled and leverage (volume ÷ balance "
         "at the start of the year); balance at the year end; P(depleted): some claim could not "
         "be paid in full by the end of the year."),
    Word("legend_compare",
         "每格：基准 → 方案，差值 [95% 区间]（同一组随机抽样的配对差值）。完全相同的行不列出。",
         "Each cell: base → variant, then the difference [95 % interval] from the paired draws "
         "(the same random numbers). Rows identical in both are not shown."),
    # kinds of parameters and the choices a scenario makes (the value typed is shown with them)
    Word("kind_lever", "政策杠杆", "lever"),
    Word("kind_assumption", "假设", "assumption"),
    Word("not_varied", "不单独变动", "not varied alone"),
    Word("choice_fcfs", "先到先得", "first come, first served"),
    Word("choice_pro_rata", "按比例", "pro rata"),
    Word("choice_ranked", "按评分排序", "by rank"),
    Word("choice_lottery", "抽签", "lottery"),
    Word("choice_batch", "分批", "in batches"),
    Word("choice_uncapped", "不设总额上限", "uncapped"),
    Word("choice_remainder", "边界者得余额", "the last gets the remainder"),
    Word("choice_nothing", "边界者不予资助", "the last gets nothing"),
    Word("choice_skip", "跳过，续审后者", "skipped, the next considered"),
    Word("choice_priority", "按顺序", "in order"),
    Word("choice_equal", "平均分配", "equal"),
    # the command line's --uncertain tables
    Word("title_uncertain", "假设抽样：{n} 个假设在其合理区间内抽取，每 {block} 次模拟一组（共 "
         "{blocks:,} 组）",
         "With the assumptions drawn — {n} assumptions drawn over their plausible ranges, once "
         "per {block} draws ({blocks:,} sets)"),
    Word("output", "结果", "output"),
    Word("fixed", "假设固定", "assumptions fixed"),
    Word("drawn_column", "假设抽样", "assumptions drawn"),
    Word("title_split", "各结果的波动来自何处：方差份额 [95% 区间]",
         "What the spread of each output comes from — share of its variance [95 % interval]"),
    Word("comes_from", "来源", "comes from"),
    Word("share", "份额", "share"),
    Word("other_assumptions", "其余 {n} 个假设合计（各自单独）",
         "the other {n} assumptions together (each alone)"),
    Word("no_split", "无法拆分波动：至少需要 {min} 组假设（--draws ≥ {draws:,}，"
         "--uncertain-block {block}）。",
         "No split of the spread: it needs at least {min} sets of assumptions (--draws ≥ "
         "{draws:,} with --uncertain-block {block})."),
    Word("legend_uncertain",
         "假设固定：所有假设取其给定值（同一组抽样和种子）。假设抽样：每个有区间的假设在其合理区间内"
         "均匀抽取，每组模拟一次。随机性：一组之内的波动（哪些企业申请、申请多少）。",
         "Assumptions fixed: the run with every assumption at its stated value (same draws and "
         "seed). Drawn: each ranged assumption uniform over its plausible range, per block of "
         "draws. Luck: the spread within a block (which firms apply, and for how much)."),

    # -- the report (report.py) --
    # headings and notes of report.html
    Word("report_meta", "{source} · 情景 {id} · {draws:,} 次模拟 · 种子 {seed} · 情景哈希 {hash} · "
         "budgetsim {version} · 金额单位：{unit}",
         "{source} · scenario {id} · {draws:,} draws · seed {seed} · scenario hash {hash} · "
         "budgetsim {version} · amounts in {unit}"),
    Word("heading_findings", "主要发现", "Findings"),
    Word("heading_doubts", "请核对的数字", "Numbers to check"),
    Word("heading_tables", "测算结果", "Results"),
    Word("heading_per_year", "分项目、分年度", "Per programme and year"),
    Word("note_per_year",
         "预算：当年资金（多年总额按情景的分配拆分；总额为区间时取均值）。需求：符合条件的申请者"
         "应得的金额。P(资金用尽)：有申请者未获全额资助的模拟所占比例。P80 / P95 所需预算：在80% / "
         "95%的模拟中足以覆盖需求的预算。“—”：不适用（不设总额的项目没有用尽问题）。",
         "Envelope: the year's money (a multi-year total split as the scenario says; the mean "
         "where the total is a range). Demand: what eligible claimants are entitled to. "
         "P(exhausted): share of draws in which some claimant was not paid in full. Budget at "
         "risk P80 / P95: the envelope that covers demand in 80 % / 95 % of draws. “—”: does not "
         "apply (an uncapped programme cannot run out)."),
    Word("heading_totals", "分项目全期合计（{span}）",
         "Per programme over the whole horizon ({span})"),
    Word("note_uncapped",
         "需求：符合条件的申请者应得的金额；各项目均不设总额，据实兑付，拨付即需求。P80 / P95 所需"
         "预算：在80% / 95%的模拟中足以覆盖需求的预算。",
         "Demand: what eligible claimants are entitled to; no programme has an envelope, every "
         "claim is paid, so paid equals demand. Budget at risk P80 / P95: the money that covers "
         "demand in 80 % / 95 % of draws."),
    Word("note_totals_uncapped", "各年合计；分位数为全期合计的分位数。",
         "Sums over the years; the quantiles are those of the sum over the horizon."),
    Word("note_totals",
         "各年合计；P(资金用尽)为至少有一年资金用尽的概率，分位数为全期合计的分位数。",
         "Sums over the years; P(exhausted) is the chance of running out in at least one year, "
         "and the quantiles are those of the sum over the horizon."),
    Word("heading_funds", "资金池：成员项目共用一笔预算",
         "Shared funds: members draw on one envelope"),
    Word("heading_riskfunds", "风险准备金：资金用完前按规定代偿",
         "Credit risk reserve funds: claims are paid while the money lasts"),
    Word("note_riskfunds",
         "放大倍数：贷款规模 ÷ 年初余额；P(年末前耗尽)：到年末有代偿未能足额支付的概率。",
         "Leverage: loan volume ÷ balance at the start of the year; P(depleted by year end): the "
         "chance that some claim could not be paid in full by the end of the year."),
    Word("heading_targets", "政策目标：各年末存量",
         "Policy targets: stock at the end of each year"),
    Word("heading_policy", "全部项目合计（应预留的预算）",
         "All programmes together (the budget to set aside)"),
    Word("note_policy",
         "预算为设有总额的项目和资金池的合计；需求和拨付含不设总额的项目；P50–P95为各年合计的分位数。",
         "Envelopes of the capped programmes and funds; demand and paid of every programme, "
         "uncapped ones included; P50–P95 are quantiles of the yearly sum."),
    Word("heading_charts", "图表", "Charts"),
    Word("heading_appendix", "附录：每个数字的来源", "Appendix: where every number comes from"),
    Word("appendix_note",
         "情景中的每个数字一行：政策数字引用所依据的条款原文；文件未给出的数字为假设，并说明理由。",
         "One row per number of the scenario: a policy number quotes the clause it comes from; a "
         "number the document does not give is an assumption, with its reasoning."),
    Word("grade_legend",
         "等级：S 有出处，数字见于所引政策文件或公开来源；D 推算，由有出处的数字计算得出；E 估计，"
         "未找到出处，依据领域知识估计，应向主管部门核实。合理区间：该数字可能的取值范围，供敏感性"
         "分析使用；“—”表示不作变动。§ 编号链接到本页末尾的校准说明。",
         "Grade: S sourced, the number appears in the cited policy or public source; D derived, "
         "computed from sourced numbers; E estimate, not found in any source, an estimate from "
         "domain knowledge to confirm with the bureau. Plausible range: the values the number "
         "may take, used by sensitivity analysis; “—”: not varied. A § number links to the "
         "calibration notes at the end of the page."),
    Word("basis", "依据或假设", "clause or assumption"),
    Word("cites", "依据：", "Clause: "),
    Word("assumes", "假设：", "Assumption: "),
    Word("range_default", "（按等级默认）", " (grade default)"),
    Word("heading_calibration", "校准说明（引用部分）", "Calibration notes cited"),
    Word("calibration_note",
         "以下为附录所引校准说明各节的原文（英文），来自随 budgetsim 发布的 docs/calibration.md。"
         "表中 status 一栏：S 有出处；D 推算；E 估计；P 政策原文。",
         "The sections of the calibration notes that the appendix cites, as written in "
         "docs/calibration.md (shipped with budgetsim). Status column: S sourced; D derived; "
         "E estimate; P from the policy text."),
    # sections of a scenario, as the appendix groups its numbers
    Word("section_programmes", "资助项目", "Programmes"),
    Word("section_funds", "资金池", "Shared funds"),
    Word("section_limits", "限额", "Limits"),
    Word("section_riskfunds", "风险准备金", "Credit risk reserve funds"),
    Word("section_targets", "政策目标", "Policy targets"),
    Word("section_populations", "申请者群体", "Applicant populations"),
    Word("limit_among", "{names}之间不重复享受", "No double award among: {names}"),
    # a yes-or-no choice of a scenario (carry-over …), as the appendix shows it
    Word("yes", "是", "yes"),
    Word("no", "否", "no"),
    # findings (sentences written from the numbers)
    Word("finding_over",
         "{label}{money}在{p:.0%}的模拟中申请超额：仅能兑付符合条件申请金额的{fill:.0%}，"
         "{full:.0%}的申请者获得全额资助。",
         "{label}{money} is oversubscribed in {p:.0%} of draws; it pays {fill:.0%} of what "
         "eligible applicants are entitled to, and {full:.0%} of claimants are paid in full."),
    Word("finding_lasts", "{label}{money}在{q:.0%}的模拟中资金充足。",
         "{label}{money} lasts in {q:.0%} of draws."),
    Word("finding_short",
         "{label}{money}在{p:.0%}的模拟中资金用尽；要在95%的情形下足额兑付，需要{bar}。",
         "{label}{money} runs out in {p:.0%} of draws; to pay every claim in 95 % of cases it "
         "would need {bar}."),
    Word("finding_money", "（{year}年预算{amount}）", " ({amount} in {year})"),
    Word("finding_policy", "{year}年全部项目合计：平均需求{mean}，P80为{p80}。",
         "All programmes together in {year}: demand {mean} on average, {p80} at P80."),
    Word("finding_reserve", "{label}在{year}年末前耗尽的概率为{p:.1%}。",
         "{label} is depleted by the end of {year} in {p:.1%} of draws."),
    Word("finding_target", "{label}：{year}年达到{goal:,}的目标的概率为{p:.1%}。",
         "{label}: the goal of {goal:,} by {year} is met in {p:.1%} of draws."),

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

    # -- the calibration notes in Chinese (_report_appendix.py) --
    Word("calibration_note_translated",
         "以下为附录所引校准说明各节，录自随 budgetsim 发布的 docs/calibration.zh.md"
         "（docs/calibration.md 的中文本，节号相同）。表中“状态”一栏：S 有出处；D 推算；E 估计；"
         "P 政策原文。",
         "The sections of the calibration notes that the appendix cites, as written in "
         "docs/calibration.md (shipped with budgetsim). Status column: S sourced; D derived; "
         "E estimate; P from the policy text."),
    Word("calibration_untranslated", "其中 {numbers} 节尚无中文本，照录英文原文。",
         "{numbers}: not translated."),

    # -- the commands optimize, fit and nowcast, and records resampled (_words_tools.py) --
    *TOOL_WORDS,
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
    name that is an identifier (``demand_mean``; a one-word name such as ``demand`` is also an
    English word), every word's key with an underscore, and the keys of the result tables
    (``programme_id``, ``label_en`` …).

    Examples
    --------
    >>> "coverage_full" in code_names(), "需求均值" in code_names(), "demand" in code_names()
    (True, False, False)
    """
    metrics = {name for name in REGISTRY if "_" in name}
    keys = {k for k in WORDS if "_" in k}
    tables = {"programme_id", "fund_id", "riskfund_id", "target_id", "label_en", "title_en"}
    return frozenset({*metrics, *keys, *tables})


def header(name: str, lang: Lang = "zh", unit: str | None = None) -> str:
    """The header a reader sees for column ``name`` of a result table: a metric's label with
    its unit in brackets (money in ``unit``, when given), a declared word, or ``name`` itself.

    Examples
    --------
    >>> header("demand_mean", "zh", "万元"), header("coverage_full", "en"), header("year")
    ('需求均值 [万元]', 'share of claimants paid in full [%]', '年度')
    """
    from budgetsim.metrics import Kind, metric, unit_label

    if name in REGISTRY:
        m = metric(name)
        if m.kind is Kind.MONEY and unit is None:
            return m.label(lang)
        if m.kind in (Kind.MONTH, Kind.YEAR):
            return m.label(lang)
        return f"{m.label(lang)} [{unit_label(name, unit or '', lang)}]"
    if name in WORDS:
        return word(name, lang)
    return name


def readable(frame: Any, lang: Lang = "zh", unit: str | None = None) -> Any:
    """``frame`` (a result table: :meth:`~budgetsim.results.SimulationResult.summary` …) with
    the headers a reader sees (:func:`header`) for its columns and index levels; the values
    are unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> readable(pd.DataFrame({"p_exhausted": [0.1]}), "en").columns.tolist()
    ['P(exhausted) [%]']
    """
    out = frame.rename(columns=lambda c: header(str(c), lang, unit))
    names = [header(str(n), lang) if n is not None else None for n in out.index.names]
    out.index = out.index.set_names(names)
    return out


def markdown_table() -> str:
    """Every declared word as a Markdown table (key, Chinese, English): the table of
    ``docs/glossary.md`` between its ``words`` markers. ``{name}`` marks a field the output
    fills in.

    Examples
    --------
    >>> markdown_table().splitlines()[2]
    '| `programme` | 项目 | programme |'
    """

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    rows = ["| key | 中文 | English |", "|---|---|---|"]
    rows += [f"| `{w.key}` | {cell(w.zh)} | {cell(w.en)} |" for w in WORDS.values()]
    return "\n".join(rows) + "\n"


def choice(value: str, lang: Lang = "zh") -> str:
    """A choice a scenario makes (a rationing rule, a fund's allocation …) as a reader reads
    it, with the value to type in brackets: ``按比例（pro_rata）``, ``pro rata (pro_rata)``;
    the value itself when it is not a declared choice.

    Examples
    --------
    >>> choice("uncapped"), choice("pro_rata", "en"), choice("other")
    ('不设总额上限（uncapped）', 'pro rata (pro_rata)', 'other')
    """
    known = WORDS.get(f"choice_{value}")
    if known is None:
        return value
    return f"{known.zh}（{value}）" if lang == "zh" else f"{known.en} ({value})"


def horizon(years: Sequence[int], *, short: bool = False) -> str:
    """The years of a scenario as a row label: ``2021–2023``, or ``2021–23`` (``short``, for
    narrow tables).

    Examples
    --------
    >>> horizon([2021, 2022, 2023]), horizon([2021, 2022, 2023], short=True), horizon([2024])
    ('2021–2023', '2021–23', '2024')
    """
    if len(years) < 2:
        return str(years[0])
    last = str(years[-1])[-2:] if short else str(years[-1])
    return f"{years[0]}–{last}"
