"""Names of scenario parameters as a reader says them, in Chinese and English, with units.

One registry, read by the parameter table (:mod:`budgetsim.parameters`), the command line and
the report: a field of a scenario file (``cap``, ``arrivals.mean`` …) is named and measured
here once. Metric names (what a run reports) live in :mod:`budgetsim.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ATTRIBUTE_UNITS_EN", "FIELDS", "ITEMS", "PARTS", "UNITS", "FieldInfo"]


@dataclass(frozen=True)
class FieldInfo:
    """How a field is named and measured. ``unit`` is a key of :data:`UNITS` (``money``: the
    scenario's unit; ``value``: the attribute's own ``unit`` field)."""

    zh: str
    en: str
    unit: str = ""


#: Units other than money, by key: (Chinese, English).
UNITS: dict[str, tuple[str, str]] = {
    "": ("", ""),
    "fraction": ("比例", "fraction"),
    "percent": ("%", "%"),
    "per_year": ("个/年", "per year"),
    "month": ("月", "month"),
    "months": ("个月", "months"),
    "years": ("年", "years"),
    "count": ("个", "count"),
    "times": ("倍", "times"),
    "choice": ("选项", "choice"),
}

#: Every field that holds a parameter, by name: its label and unit. Keyed ``section:field``
#: where a name means something else in one section (``arrivals:mean``).
FIELDS: dict[str, FieldInfo] = {
    # populations
    "arrivals:mean": FieldInfo("年申请数（均值）", "applicants a year (mean)", "per_year"),
    "arrivals:base": FieldInfo("首年申请数（均值）", "applicants in the first year", "per_year"),
    "arrivals:growth": FieldInfo("申请数年增长率", "growth of applicants a year", "fraction"),
    "dispersion": FieldInfo("离散度", "dispersion"),
    "start_month": FieldInfo("申报开始月份", "first month of the window", "month"),
    "end_month": FieldInfo("申报截止月份", "last month of the window", "month"),
    "median": FieldInfo("中位数", "median", "value"),
    "sigma": FieldInfo("对数标准差", "log standard deviation"),
    "mean": FieldInfo("均值", "mean", "value"),
    "sd": FieldInfo("标准差", "standard deviation", "value"),
    "low": FieldInfo("下限", "low", "value"),
    "high": FieldInfo("上限", "high", "value"),
    "mode": FieldInfo("众数", "mode", "value"),
    "lower": FieldInfo("截断下限", "lower bound", "value"),
    "upper": FieldInfo("截断上限", "upper bound", "value"),
    "alpha": FieldInfo("Beta 参数 α", "beta shape α"),
    "beta": FieldInfo("Beta 参数 β", "beta shape β"),
    "shape": FieldInfo("形状参数", "shape"),
    "scale": FieldInfo("尺度参数", "scale", "value"),
    "p": FieldInfo("概率", "probability", "fraction"),
    "value": FieldInfo("取值", "value", "value"),
    # records resampled (dist = "empirical"): the growth of their values, and the file itself
    "growth": FieldInfo("记录值年增长率", "yearly growth of the records' values", "fraction"),
    "file": FieldInfo("重抽样的记录", "records resampled", "records"),
    # envelopes and funds
    "total": FieldInfo("总额", "total", "money"),
    "per_year": FieldInfo("年度额度", "amount a year", "money"),
    "split": FieldInfo("年度分配比例", "split across years", "fraction"),
    "carry_over": FieldInfo("结转", "carry-over", "choice"),
    "allocation": FieldInfo("资金池分配方式", "fund allocation", "choice"),
    # instruments
    "cap": FieldInfo("单户上限", "cap per applicant", "money"),
    "floor": FieldInfo("保底金额", "floor", "money"),
    "min_award": FieldInfo("最低资助额", "minimum award", "money"),
    "amount": FieldInfo("金额", "amount", "money"),
    "amounts": FieldInfo("金额", "amount", "money"),
    "rate": FieldInfo("比例", "rate", "fraction"),
    "ratio": FieldInfo("配套比例", "matching ratio", "fraction"),
    "share": FieldInfo("承担比例", "share", "fraction"),
    "envelope:low": FieldInfo("下限", "low end", "money"),
    "envelope:high": FieldInfo("上限", "high end", "money"),
    "envelope:mode": FieldInfo("最可能值", "most likely", "money"),
    "instrument:low": FieldInfo("资助下限", "lowest award", "money"),
    # a rate multiplies its base expression, whose unit the table cannot know (a share of an
    # amount, or an amount per person)
    "instrument:rate": FieldInfo("比例（乘以基数）", "rate (times the base)"),
    "instrument:high": FieldInfo("资助上限", "highest award", "money"),
    "lpr": FieldInfo("贷款市场报价利率", "loan prime rate", "percent"),
    "threshold": FieldInfo("门槛", "threshold", "fraction"),
    "grant": FieldInfo("资助金额", "grant", "money"),
    "equity_share": FieldInfo("股权比例", "equity share", "fraction"),
    "equity_cap": FieldInfo("股权投资上限", "equity cap", "money"),
    "recovery": FieldInfo("退出回收比例", "recovery at exit", "fraction"),
    "count": FieldInfo("名额", "number of prizes", "count"),
    "up_to": FieldInfo("适用贷款上限", "applies to loans up to", "money"),
    "schedule": FieldInfo("分年支付比例", "payment schedule", "fraction"),
    # rationing
    "rule": FieldInfo("分配规则", "rationing rule", "choice"),
    "boundary": FieldInfo("临界申请处理", "claim at the boundary", "choice"),
    "then": FieldInfo("超额时", "when short", "choice"),
    "deadline_month": FieldInfo("受理截止月份", "deadline month", "month"),
    # risk reserve funds
    "balance": FieldInfo("初始资金", "balance at the start", "money"),
    "replenish": FieldInfo("年度补充", "replenishment a year", "money"),
    "claim_cap": FieldInfo("单笔代偿上限", "cap per claim", "money"),
    "leverage_cap": FieldInfo("放大倍数上限", "leverage cap", "times"),
    "rho": FieldInfo("违约相关系数", "default correlation"),
    "lag_months": FieldInfo("代偿滞后", "claim lag", "months"),
    "banks": FieldInfo("合作银行数", "partner banks", "count"),
    "suspend_above": FieldInfo("暂停阈值（损失率）", "suspension above loss rate", "fraction"),
    # targets
    "start": FieldInfo("起始存量", "stock at the start", "count"),
    "goal": FieldInfo("目标数量", "goal", "count"),
    "goal_year": FieldInfo("目标年份", "goal year", "years"),
    "validity_years": FieldInfo("资格有效期", "validity", "years"),
    "renew": FieldInfo("到期续期比例", "share renewed at expiry", "fraction"),
    "exit_rate": FieldInfo("年退出率", "exit rate a year", "fraction"),
    "exclusive": FieldInfo("只享受最优一项", "most favourable one only", "choice"),
    "uplift": FieldInfo("政策带动增量", "uplift", "fraction"),
}

#: Names of the sub-tables a parameter may sit in, as a reader calls them.
PARTS = {
    "entries": ("新增来源", "entries"),
    "volume": ("年度贷款规模", "loans a year"),
    "loan_size": ("单笔贷款金额", "loan size"),
    "pd": ("违约概率", "default probability"),
    "lgd": ("违约损失率", "loss given default"),
    "tiers": ("分档比例", "tiers"),
    "prizes": ("奖项", "prizes"),
    "brackets": ("分档", "brackets"),
}

#: How one item of a list is named, by the list's field: (Chinese, English), ``{n}`` from 1.
ITEMS = {
    "prizes": ("第{n}档奖项", "prize {n}"),
    "brackets": ("第{n}档", "bracket {n}"),
    "tiers": ("第{n}档", "tier {n}"),
}

#: English for the units attributes state in Chinese (money: :func:`budgetsim.metrics.money_unit`).
ATTRIBUTE_UNITS_EN = {
    "百分点": "pct points",
    "月": "months",
    "年": "years",
    "人": "people",
    "家": "firms",
    "分": "points",
    "比例": "fraction",
}
