"""The words of the commands that choose and learn — ``optimize``, ``fit``, ``nowcast`` — and
of records resampled: part of the one registry of words, :mod:`budgetsim.words`, which reads
them from here (declared once; :data:`budgetsim.words.WORDS` holds them all).
"""

from __future__ import annotations

from budgetsim._word import Word

__all__ = ["TOOL_WORDS"]

# fmt: off
TOOL_WORDS = (
    # -- optimize (cli_optimize.py) --
    # An English text equal to the optimiser's own words (bounds, binding constraints, reasons,
    # solver notes) is also the pattern the command line reads them by: keep the two the same.
    Word("opt_objective_paid", "拨付金额", "money paid"),
    Word("opt_objective_fill", "兑付比例之和", "sum of fill ratios"),
    Word("opt_objective_count", "资助企业数", "firms funded"),
    Word("opt_objective_score", "评审得分之和", "sum of scores"),
    Word("opt_objective_money_score", "金额 × 得分", "money × score"),
    Word("opt_objective_money", "资助金额", "money awarded"),
    Word("opt_status_optimal", "最优", "optimal"),
    Word("opt_status_feasible", "可行", "feasible"),
    Word("opt_status_infeasible", "无可行解", "infeasible"),
    Word("opt_status_unbounded", "无界", "unbounded"),
    Word("opt_status_not_solved", "未求解", "not solved"),
    Word("opt_total", "合计", "total"),
    # allocate
    Word("opt_alloc_title", "推荐分配 [{unit}]：总额 {total}（{scenario}，目标：{objective}，"
         "{draws:,} 次模拟）",
         "Recommended split [{unit}] of {total} ({scenario}, objective: {objective}, "
         "{draws:,} draws)"),
    Word("opt_document", "文件安排", "document"),
    Word("opt_recommended", "推荐", "recommended"),
    Word("opt_change", "调整", "change"),
    Word("opt_value", "边际价值", "value of +1"),
    Word("opt_alloc_legend", "边际价值：该资金池该年度每增加 1 {unit}，预期{objective}的增加"
         "（样本内）；总额每增加 1 {unit}：{value}。可结转时，提前投入的资金价值不会更低："
         "--year-change 使各年度接近文件安排。",
         "value of +1: expected {objective} gained per extra {unit} in that fund-year (in "
         "sample); per extra {unit} of the total: {value}. With carry-over, money put in early "
         "is never worth less: --year-change keeps years near the document."),
    Word("opt_alloc_check", "样本外检验（{draws:,} 次全新模拟，按模拟器自身的配给规则）："
         "{objective}按文件分配为 {document}，按推荐分配为 {recommended}；增益 {gain}。"
         "受预算约束项目的申请者中全额获资助的比例：{coverage_document} → "
         "{coverage_recommended}（增益 {coverage_gain}）。",
         "Out of sample ({draws:,} fresh draws, the engine's own rationing): {objective} "
         "{document} with the document's split, {recommended} recommended; gain {gain}. "
         "Claimants of capped programmes paid in full: {coverage_document} → "
         "{coverage_recommended} (gain {coverage_gain})."),
    Word("opt_alloc_lp", "线性规划：{status}，{solver}，建模 {build:.2f} 秒，求解 {solve:.2f} 秒。"
         "约束：{bounds}",
         "LP: {status}, {solver}, build {build:.2f} s, solve {solve:.2f} s. Bounds: {bounds}"),
    Word("opt_bound", "{fund}（{rule}）", "{fund} ({rule})"),
    Word("opt_bound_set", "设定 {low}–{high}", "set: {low}–{high}"),
    Word("opt_bound_free", "不设限", "free"),
    Word("opt_bound_fixed", "各年度固定", "fixed per year"),
    Word("opt_bound_range", "区间 {low}–{high}", "range {low}–{high}"),
    Word("opt_bound_total", "多年总额 {total}", "total {total} over the years"),
    Word("opt_bound_year", "，各年度 ±{share}", ", each year ±{share}"),
    # size
    Word("opt_size_title", "所需预算 [{unit}]：在 {level} 的情形下支付{claims}（{scenario}）",
         "Budget that pays {claims} in {level} of cases ({scenario}, {unit})"),
    Word("opt_claims_all", "全部应付金额", "every claim"),
    Word("opt_claims_part", "应付金额的 {fill}", "every claim at {fill}"),
    Word("opt_uncertain", "{scenario}，假设在其合理区间内抽取",
         "{scenario}, assumptions drawn over their ranges"),
    Word("opt_pool", "预算口径", "pool"),
    Word("opt_budget", "所需预算", "budget"),
    Word("opt_alone", "单独测算 P{p}", "P{p} alone"),
    Word("opt_certificate", "验证：{draws:,} 次全新模拟中有 {held:,} 次足够 = {probability} "
         "[{low}, {high}]（精确 95% 区间）→ {verdict}（{level}）。",
         "Certificate: held in {held:,} of {draws:,} fresh draws = {probability} [{low}, "
         "{high}] (exact 95 %) → {verdict} at {level}."),
    Word("opt_certified", "通过验证", "certified"),
    Word("opt_not_certified", "未通过验证", "NOT certified"),
    Word("opt_tightened", "已收紧：样本内水平与模拟次数 → 调校模拟中足够的比例：{steps}。",
         "Tightened: in-sample level on draws → share of tuning draws held: {steps}."),
    Word("opt_tightened_step", "{level:.3f}（{draws:,} 次）→ {probability}（下限 {low}）",
         "{level:.3f} on {draws:,} → {probability} (low {low})"),
    Word("opt_not_certified_note", "未通过验证：{n} 项要求同时满足所需的样本内模拟多于 {draws:,} "
         "次；请增大 --draws（或减少预算口径）。",
         "Not certified: {n} requirements jointly need more in-sample draws than {draws:,}; "
         "raise --draws (or size fewer pools)."),
    Word("opt_size_how", "{method}，{draws:,} 次样本内模拟",
         "{method} on {draws:,} in-sample draws"),
    Word("opt_size_milp", "，分位数界限后保留 {binaries:,}/{draws:,} 个模拟指示变量，{status}，"
         "{solver}，建模 {build:.2f} 秒，求解 {solve:.2f} 秒",
         ", {binaries:,} of {draws:,} draw indicators left by the quantile bounds, {status}, "
         "{solver}, build {build:.2f} s, solve {solve:.2f} s"),
    Word("opt_method_quantile", "分位数法", "quantile"),
    Word("opt_method_milp", "混合整数规划", "MILP"),
    Word("opt_method_greedy", "贪心法", "greedy"),
    Word("opt_carry_all", "。各年度结余可结转。", ". Money carries over between years."),
    Word("opt_carry_some", "。{pools}的结余可跨年度结转；其他预算口径的结余在年末收回。",
         ". Money carries over between years in {pools}; in the other pools it lapses at the "
         "end of each year."),
    Word("opt_carry_none", "。", "."),
    Word("opt_solver", "求解器：{note}。", "Solver: {note}."),
    # award
    Word("opt_award_title", "{file} 的资助方案 [{unit}]（目标：{objective}）",
         "Awards from {file} [{unit}] (objective: {objective})"),
    Word("opt_applicant", "申请者", "applicant"),
    Word("opt_amount", "申请金额", "amount asked"),
    Word("opt_entitled", "应得金额", "entitled"),
    Word("opt_award", "资助金额", "award"),
    Word("opt_share", "资助比例", "share"),
    Word("opt_reason", "未全额资助的原因", "why not in full"),
    Word("opt_more_rows", "另有 {n:,} 行未显示（用 --out awards.xlsx 写出全部）",
         "{n:,} more rows not shown (write them all with --out awards.xlsx)"),
    Word("opt_award_summary", "资助 {funded:,}/{n:,} 家申请者（全额 {full:,} 家）；"
         "资助总额 {total}，预算 {envelope}。目标值 {objective}{gap}；{status}，{solver}"
         "（{method}），建模 {build:.2f} 秒，求解 {solve:.2f} 秒。",
         "Funded {funded:,} of {n:,} applicants ({full:,} in full); awarded {total} of "
         "{envelope}. Objective {objective}{gap}; {status}, {solver} ({method}), build "
         "{build:.2f} s, solve {solve:.2f} s."),
    Word("opt_gap", "，上界 {bound}（差距 {gap}）", ", bound {bound} (gap {gap})"),
    Word("opt_method_exact", "精确求解", "exact"),
    Word("opt_method_round", "松弛取整", "round"),
    Word("opt_binding", "起约束作用的条件：{items}", "Binding: {items}"),
    Word("opt_why_not", "未全额资助的原因：", "Why not (in full):"),
    Word("opt_none", "无", "none"),
    Word("opt_bind_envelope", "预算（{amount} {unit}）已全部资助",
         "envelope ({amount} {unit}, all awarded)"),
    Word("opt_bind_left", "预算余额 {amount} {unit}，少于任何未获资助的申请",
         "envelope ({amount} {unit} left, less than any unfunded request)"),
    Word("opt_bind_min", "配额 {group} 达到下限（{share}）",
         "quota {group} at its minimum ({share})"),
    Word("opt_bind_max", "配额 {group} 达到上限（{share}）",
         "quota {group} at its maximum ({share})"),
    Word("opt_bind_cap", "单户上限（{amount} {unit}），{n} 家受限",
         "cap per applicant ({amount} {unit}) for {n}"),
    Word("opt_reason_part", "部分资助：", "part award: "),
    Word("opt_reason_nothing", "未申请金额", "nothing requested"),
    Word("opt_reason_minimum", "应得金额低于最低资助额 {amount}",
         "entitlement below the minimum award {amount}"),
    Word("opt_reason_quota", "{group} 已达最高份额", "{group} is at its maximum share"),
    Word("opt_reason_money", "预算已用完（按资助金额计，每{unit}同等）",
         "the envelope ran out (every {unit} counts the same under 'money')"),
    Word("opt_reason_cutoff", "预算已用完：每{unit}收益 {value}，低于门槛 {cutoff}",
         "the envelope ran out: {value} per {unit} against a cut-off of {cutoff}"),
    Word("opt_reason_below", "预算已用完：每{unit}收益低于门槛 {cutoff}",
         "the envelope ran out: value per {unit} below the cut-off of {cutoff}"),
    # solver notes, phrase by phrase
    Word("opt_note_time", "达到时间限制，{seconds} 秒后停止",
         "stopped by the time limit after {seconds} s"),
    Word("opt_note_ended", "{solver} 求解器结束，状态：{status}",
         "the {solver} solver ended {status}"),
    Word("opt_note_short", "{solver} 求解器提前停止", "the {solver} solver stopped short"),
    Word("opt_note_check", "{solver} 的解未通过独立检验（{why}）",
         "the {solver} answer fails the independent check ({why})"),
    Word("opt_note_fractional", "{n} 个整数变量的小数值已取整",
         "{n} fractional integer value(s) rounded"),
    Word("opt_note_unproven", "，判定模型不可行（未经证明：其线性松弛可行）",
         ", calling the model infeasible (unproven: its LP relaxation is not)"),
    Word("opt_note_infeasible", "模型不可行（其线性松弛亦不可行）",
         "the model is infeasible (so is its LP relaxation)"),
    Word("opt_note_relaxation", "采用线性松弛解并取整", "the LP relaxation, rounded"),
    Word("opt_note_topped", "保留找到的最佳资助方案，并按贪心法补足",
         "best awards found, topped up greedily"),
    Word("opt_note_best_awards", "保留找到的最佳资助方案", "best awards found"),
    Word("opt_note_best_split", "保留找到的最佳方案", "best split found"),
    Word("opt_note_greedy_awards", "按单位收益贪心分配（求解器未给出解）",
         "greedy awards by value per unit (no solver answer)"),
    Word("opt_note_filled", "线性松弛解取整后按贪心法补足",
         "the LP relaxation rounded and filled greedily"),
    Word("opt_note_cheaper", "保留贪心方案（比求解器的方案更省）",
         "kept the greedy split (cheaper than the solver's)"),
    Word("opt_note_tolerance", "保留贪心方案（求解器的方案在容差下未通过模拟检验）",
         "kept the greedy split (the solver's split fails the draws at its tolerances)"),
    Word("opt_note_greedy", "保留贪心方案", "kept the greedy split"),
    Word("opt_note_gap_unknown", "差距未知", "gap unknown"),
    Word("opt_note_gap", "差距 {gap} %", "gap {gap} %"),

    # -- budgetsim fit (fitting.py, cli_fit.py, charts/fit.py) --
    Word("fit_family_lognormal", "对数正态分布", "lognormal"),
    Word("fit_family_gamma", "伽马分布", "gamma"),
    Word("fit_family_weibull", "威布尔分布", "Weibull"),
    Word("fit_family_normal", "截断正态分布（下限 0）", "normal truncated at 0"),
    Word("fit_family_empirical", "记录本身（经验分布）", "the records themselves (empirical)"),
    Word("fit_family_poisson", "泊松分布", "Poisson"),
    Word("fit_family_negative_binomial", "负二项分布", "negative binomial"),
    Word("fit_bernoulli", "是/否", "yes/no"),
    Word("fit_candidate", "候选分布", "candidate"),
    Word("fit_parameters", "参数估计", "parameters"),
    Word("fit_loglik", "对数似然", "log-likelihood"),
    Word("fit_aic", "AIC", "AIC"),
    Word("fit_bic", "BIC", "BIC"),
    Word("fit_ks_p", "KS检验p值", "KS p"),
    Word("fit_ad_p", "AD检验p值", "AD p"),
    Word("fit_verdict", "结论", "verdict"),
    Word("fit_passes", "通过", "passes"),
    Word("fit_rejected", "未通过", "rejected"),
    Word("fit_chosen", "选用", "chosen"),
    Word("fit_attribute", "属性", "attribute"),
    Word("fit_records", "记录数", "records"),
    Word("fit_category", "类别", "category"),
    Word("fit_share", "占比", "share"),
    Word("fit_interval", "95%区间", "95 % interval"),
    Word(
        "fit_title_attribute",
        "{column}（n = {n}）：候选分布比较",
        "{column} (n = {n}): candidates compared",
    ),
    Word(
        "fit_rule",
        "选择规则：KS 与 AD 检验 p 值均 ≥ 0.025（两项检验共用 0.05 的检验水准）的分布中"
        "取 AIC 最小者；均未通过则用记录本身（经验分布）。p 值由参数自助法求得"
        "（B = {b}），已计入参数估计的影响。",
        "Choice rule: among the families whose KS and AD p-values are both ≥ 0.025 (the two "
        "tests share a level of 0.05), the lowest AIC; if none passes, the records themselves "
        "(empirical). p-values by parametric bootstrap (B = {b}), which accounts for the "
        "fitted parameters.",
    ),
    Word(
        "fit_chosen_line",
        "{column} 选用：{family}；{params}",
        "{column}: chosen {family}; {params}",
    ),
    Word(
        "fit_interval_note",
        "（95% 区间为参数自助法百分位区间，B = {b}）",
        " (95 % intervals: parametric-bootstrap percentiles, B = {b})",
    ),
    Word(
        "fit_none_passes",
        "警告：{column} 没有候选分布同时通过 KS 与 AD 检验（p ≥ 0.025），改用记录本身（经验分布）重"
        "抽样",
        "warning: no candidate for {column} passes both KS and AD (p ≥ 0.025); the records "
        "themselves (empirical) are resampled",
    ),
    Word("fit_title_arrivals", "年申请数（{column}）", "applicants a year ({column})"),
    Word(
        "fit_arrivals_line",
        "{dist}：{year} 年均值 {base}（95% 区间 {low}–{high}），年增长 {growth}（区间 {glow}–"
        "{ghigh}）{dispersion}",
        "{dist}: mean in {year} {base} (95 % interval {low}–{high}), growth a year {growth} "
        "(interval {glow}–{ghigh}){dispersion}",
    ),
    Word(
        "fit_dispersion_part",
        "，离散度 {a}（区间 {low}–{high}）",
        ", dispersion {a} (interval {low}–{high})",
    ),
    Word(
        "fit_arrivals_tests",
        "离散检验：Pearson χ²/自由度 = {ratio}（p = {dp}）；趋势似然比检验 p = {tp}",
        "dispersion test: Pearson χ²/df = {ratio} (p = {dp}); trend likelihood-ratio p = {tp}",
    ),
    Word("fit_title_category", "{column}：{kind}", "{column}: {kind}"),
    Word(
        "fit_category_note",
        "区间：是/否列为 Wilson 区间，多类列为 Goodman 联合区间",
        "intervals: Wilson for a yes/no column, Goodman's simultaneous intervals for categories",
    ),
    Word(
        "fit_block_title",
        "建议的人群设定（可粘贴到情景文件）",
        "proposed population block (to paste into a scenario file)",
    ),
    Word(
        "fit_applied",
        "已代入情景 {scenario} 并通过校验",
        "applied to scenario {scenario} and validated",
    ),
    Word("fit_wrote", "已写入 {path}", "wrote {path}"),
    Word(
        "fit_source",
        "据 {file} 拟合（n = {n}，SHA-256 {sha}）：{family}，极大似然估计；KS 检验 p = {ks}，AD 检"
        "验 p = {ad}（参数自助法，B = {b}）",
        "fitted from {file} (n = {n}, SHA-256 {sha}): {family} by maximum likelihood; KS p = "
        "{ks}, AD p = {ad} (parametric bootstrap, B = {b})",
    ),
    Word(
        "fit_source_empirical",
        "据 {file} 重抽样（n = {n}，SHA-256 {sha}）：没有候选分布同时通过 KS 与 AD 检验（p ≥ 0.05"
        "）",
        "resampled from {file} (n = {n}, SHA-256 {sha}): no candidate family passed both KS and "
        "AD (p ≥ 0.05)",
    ),
    Word(
        "fit_source_arrivals",
        "据 {file} 拟合（n = {n}，SHA-256 {sha}）：各年记录数 {counts}；{dist}（Pearson 离散检验 "
        "p = {dp}）；趋势似然比检验 p = {tp}；Wald 95% 区间",
        "fitted from {file} (n = {n}, SHA-256 {sha}): records a year {counts}; {dist} (Pearson "
        "dispersion test p = {dp}); trend likelihood-ratio p = {tp}; Wald 95 % intervals",
    ),
    Word(
        "fit_source_category",
        "据 {file} 拟合（n = {n}，SHA-256 {sha}）：各类占比，95% 区间（{method}）",
        "fitted from {file} (n = {n}, SHA-256 {sha}): shares, 95 % intervals ({method})",
    ),
    Word(
        "fit_shares_reason",
        "各类占比之和为 1，区间见 source",
        "shares summing to 1; intervals in the source",
    ),
    Word(
        "fit_chart_qq_title",
        "{column}：{family} 分位数–分位数图",
        "{column}: {family} quantile–quantile plot",
    ),
    Word("fit_chart_theoretical", "拟合分布的分位数", "quantiles of the fitted distribution"),
    Word("fit_chart_observed", "记录的分位数", "quantiles of the records"),
    Word(
        "fit_chart_hist_title",
        "{column}：记录的分布与候选分布的密度",
        "{column}: the records and the candidates' densities",
    ),
    Word("fit_chart_density", "概率密度", "density"),
    Word("fit_chart_equal", "y = x", "y = x"),
    Word("fit_chart_best_rejected", "（AIC 最小，未通过检验）", " (lowest AIC, rejected)"),
    Word(
        "fit_chart_footer",
        "据 {file}（n = {n}，SHA-256 {sha}）· budgetsim {version}",
        "from {file} (n = {n}, SHA-256 {sha}) · budgetsim {version}",
    ),
    Word(
        "fit_correlated",
        "注意：{a} 与 {b} 的秩相关系数为 {rho}；分别拟合后，情景中二者相互独立抽样。"
        "若要保留相关性，请对同一文件的这两列联合重抽样（dist = \"empirical\"）。",
        "note: {a} and {b} have a rank correlation of {rho}; fitted apart, a scenario draws them "
        "independently. To keep it, resample both columns of the file jointly "
        "(dist = \"empirical\").",
    ),
    Word(
        "fit_one_year",
        "只有 {year} 年一年的记录：无法检验离散程度与增长趋势，按泊松分布、零增长处理；"
        "增长率请在情景中另行设定。",
        "records of one year ({year}) only: neither dispersion nor a trend can be tested; "
        "Poisson with no growth (set the growth in the scenario yourself).",
    ),
    # -- end of fit --

    # -- budgetsim nowcast (nowcast.py, cli_nowcast.py, charts/nowcast.py) --
    Word("nowcast_update_title", "{population} · {year} 年申请数：先验、观测与后验（截至 {as_of}）",
         "{population} · applications in {year}: prior, observed, posterior (as of {as_of})"),
    Word("nowcast_stage", "阶段", "stage"),
    Word("nowcast_prior", "先验", "prior"),
    Word("nowcast_observed", "观测", "observed"),
    Word("nowcast_posterior", "后验", "posterior"),
    Word("nowcast_still", "尚待到达", "still to arrive"),
    Word("nowcast_shape", "形状 α", "shape α"),
    Word("nowcast_rate", "速率 β", "rate β"),
    Word("nowcast_mean", "均值", "mean"),
    Word("nowcast_interval", "90% 区间", "90 % interval"),
    Word("nowcast_rate_unit", "年申请率 Λ [家/年]", "yearly rate Λ [applicants/year]"),
    Word("nowcast_count_unit", "申请数 [家]", "applications"),
    Word("nowcast_observed_text",
         "已收到 {k} 家；情景预期 {expected:.1f} 家（λ·f，f = 申请期已过 {f:.1%}）",
         "{k} received; the scenario expected {expected:.1f} (λ·f, f = {f:.1%} of the window "
         "elapsed)"),
    Word("nowcast_from_model",
         "先验即情景自身的伽马混合分布（负二项，离散度 {d:g}：α = 1/d，β = α/λ）",
         "the prior is the scenario's own gamma mixing distribution (negative binomial, "
         "dispersion {d:g}: α = 1/d, β = α/λ)"),
    Word("nowcast_from_rate_cv",
         "泊松申请数：先验为均值 λ、变异系数 {cv:g} 的伽马分布（--rate-cv）",
         "Poisson arrivals: the prior is a gamma with mean λ and coefficient of variation "
         "{cv:g} (--rate-cv)"),
    Word("nowcast_from_range",
         "泊松申请数：先验为均值 λ 的伽马分布，变异系数 {cv:.2f} 由 arrivals.mean 的合理区间 "
         "{low:g}–{high:g} 换算（视为对数尺度上的中心 90% 区间：σ = ln(上限/下限)/3.29，"
         "cv = √(exp σ² − 1)）",
         "Poisson arrivals: the prior is a gamma with mean λ and coefficient of variation "
         "{cv:.2f}, from the plausible range {low:g}–{high:g} of arrivals.mean read as a central "
         "90 % interval on the log scale (σ = ln(high/low)/3.29, cv = √(exp σ² − 1))"),
    Word("nowcast_from_default",
         "假设：泊松申请数的先验取均值 λ、变异系数 {cv:g} 的伽马分布（情景未给出 arrivals.mean "
         "的合理区间；可用 --rate-cv 指定）",
         "assumption: Poisson arrivals get a gamma prior with mean λ and coefficient of "
         "variation {cv:g} (the scenario gives no plausible range of arrivals.mean; set one with "
         "--rate-cv)"),
    Word("nowcast_conjugate",
         "共轭更新：后验 Γ(α + k, β + f)；尚待到达 ~ 负二项(n = α + k, p = (β + f)/(β + 1))",
         "conjugate update: posterior Γ(α + k, β + f); still to arrive ~ negative binomial "
         "(n = α + k, p = (β + f)/(β + 1))"),
    Word("nowcast_fixed", "申请数固定为每年 {n:,.0f} 家，无可更新：尚待到达 {still:,.0f} 家",
         "a fixed count of {n:,.0f} a year: nothing to learn; {still:,.0f} still to arrive"),
    Word("nowcast_over", "注意：已收到 {k} 家，多于情景设定的 {n:,.0f} 家；不再模拟新的申请",
         "warning: {k} received, more than the scenario's {n:,.0f}; no more are simulated"),
    Word("nowcast_no_information", "申请期尚未开始且未收到申请：结果即原预测",
         "the window has not opened and nothing was received: the nowcast is the plain run"),
    Word("nowcast_other_years", "其他年度按原情景模拟（结转除外，结果随本年度变化）",
         "other years run as in the plain scenario (their carry-over follows this year)"),
    Word("nowcast_drawn", "名单未提供的属性按情景分布抽样：{names}",
         "attributes not in the list are drawn from the scenario: {names}"),
    Word("nowcast_outlook_title", "{programme} · {year}：收到申请前后的预测（截至 {as_of}）",
         "{programme} · {year}: the forecast before and after the applications (as of {as_of})"),
    Word("nowcast_measure", "指标", "measure"),
    Word("nowcast_before", "原预测", "before"),
    Word("nowcast_after", "滚动预测", "after"),
    Word("nowcast_before_median", "原预测（中位数）", "plain forecast (median)"),
    Word("nowcast_shortfall", "预期缺口（需求 − 拨付）", "expected shortfall (demand − paid)"),
    Word("nowcast_unpaid_after", "此日后新申请更可能得不到足额拨付",
         "after this date a new application is more likely than not unpaid"),
    Word("nowcast_unpaid_note",
         "累计申请额超过当年可用资金的概率首次超过 50% 的日期（月内线性插值）",
         "the first date at which P(claims so far > money available that year) > 50 % "
         "(claims accumulate linearly within a month)"),
    Word("nowcast_never", "不会（资金足够）", "never (the money lasts)"),
    Word("nowcast_chart_title", "{programme} — {year} 年累计申请额：已收到与预测",
         "{programme} — claims in {year}: received and forecast"),
    Word("nowcast_received_line", "已收到的申请（累计）", "claims received (cumulative)"),
    Word("nowcast_as_of_line", "截至 {as_of}", "as of {as_of}"),
    Word("nowcast_money_band", "可用资金（P5–P95）", "money available (P5–P95)"),
    Word("nowcast_wrote", "已写出：{files}", "wrote: {files}"),

    # -- end of nowcast --

    # -- records resampled (dist = "empirical") --
    Word("records_resampled", "{file}（{n:,} 条记录）", "{file} ({n:,} records)"),

    # -- end of empirical --
)
# fmt: on
