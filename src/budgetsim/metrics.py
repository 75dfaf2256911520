"""One registry of the result metrics: name, kind, labels, how each aggregates over draws.

Every column of a result's summaries (:meth:`~budgetsim.results.SimulationResult.summary`,
``totals``, ``fund_summary``, ``policy_summary``, ``riskfund_summary``, ``target_summary``)
and every per-draw variable is declared here once, as a :class:`Metric`. Tables, the report,
the charts and the command line read their labels, units and number formats from here, so a
metric is named the same way everywhere and adding one touches one place.

Labels come in Chinese (``"zh"``, the default) and English (``"en"``); every function that
writes a label or a value takes ``lang``.

Examples
--------
>>> metric("p_exhausted").se
'p_exhausted_se'
>>> label("demand_mean"), label("demand_mean", "en")
('需求均值', 'mean demand')
>>> unit_label("paid_mean", "万元", "en"), unit_label("coverage_full", "万元", "zh")
('10k yuan', '%')
>>> format_value("paid_mean", 12345.6), format_value("fill_ratio", 0.4567)
('12,346', '45.7%')
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Literal

from budgetsim.errors import did_you_mean
from budgetsim.money import compact_amount

__all__ = [
    "FUND_TABLE",
    "HEADLINE",
    "OVERVIEW",
    "REGISTRY",
    "RISKFUND_TABLE",
    "TARGET_TABLE",
    "Aggregate",
    "How",
    "Kind",
    "Lang",
    "Metric",
    "as_lang",
    "format_value",
    "is_money",
    "is_share",
    "label",
    "markdown_table",
    "metric",
    "money_unit",
    "unit_label",
]

#: A language of labels: Chinese or English.
Lang = Literal["zh", "en"]


class Kind(Enum):
    """What a metric's number is, which decides its unit and how it is shown."""

    MONEY = "money"  #: an amount in the scenario's unit (万元 …), float64
    SHARE = "share"  #: a fraction in [0, 1], shown as %
    COUNT = "count"  #: a number of applicants (家), loans or units
    MONTH = "month"  #: a month 1–12 (0 or NaN: none)
    YEAR = "year"  #: a calendar year
    RATIO = "ratio"  #: a multiple (×), such as leverage


class How(Enum):
    """How a metric is computed over the draws."""

    DRAW = "per draw"  #: a per-draw variable, not aggregated
    VALUE = "value"  #: a scenario value, the same in every draw (envelope, goal)
    MEAN = "mean"
    QUANTILE = "quantile"  #: a draw value (``inverted_cdf``)
    PROBABILITY = "probability"  #: share of draws in which ``where`` holds
    RATIO = "ratio of totals"  #: Σ ``of`` ÷ Σ ``over``, both summed over draws
    MEDIAN_AMONG = "median among"  #: median of ``of`` among the draws where ``where`` holds
    STANDARD_ERROR = "standard error"  #: Monte Carlo standard error of the metric ``of``


@dataclass(frozen=True)
class Aggregate:
    """How a metric is computed over draws, as data.

    Attributes
    ----------
    how
        The kind of aggregate.
    of
        The per-draw variable it aggregates (for ``STANDARD_ERROR``: the metric whose error
        it is); None for ``VALUE`` and ``DRAW``.
    q
        The quantile, for ``QUANTILE`` [fraction].
    over
        The denominator, for ``RATIO``.
    where
        The condition on a draw, for ``PROBABILITY`` and ``MEDIAN_AMONG`` (words, not code).
    """

    how: How
    of: str | None = None
    q: float | None = None
    over: str | None = None
    where: str | None = None

    def describe(self) -> str:
        """The aggregate in words (English), for the glossary.

        Examples
        --------
        >>> Aggregate(How.QUANTILE, "demand", q=0.8).describe()
        'P80 of `demand`'
        """
        text = _DESCRIPTIONS[self.how]
        return text.format(of=self.of, q=_percent(self.q), over=self.over, where=self.where)


#: :meth:`Aggregate.describe`'s words for each kind of aggregate.
_DESCRIPTIONS = {
    How.DRAW: "per draw",
    How.VALUE: "scenario value",
    How.MEAN: "mean of `{of}`",
    How.QUANTILE: "P{q} of `{of}`",
    How.PROBABILITY: "share of draws: {where}",
    How.RATIO: "Σ `{of}` ÷ Σ `{over}`",
    How.MEDIAN_AMONG: "median of `{of}` among draws: {where}",
    How.STANDARD_ERROR: "standard error of `{of}`",
}


_DEFAULT_UNITS: dict[Kind, tuple[str, str]] = {
    Kind.SHARE: ("%", "%"),
    Kind.COUNT: ("家", "firms"),
    Kind.MONTH: ("月", "month"),
    Kind.YEAR: ("年", "year"),
    Kind.RATIO: ("×", "×"),
}

#: A difference of shares: percentage points.
_POINTS = {"zh": "个百分点", "en": " pp"}

#: Months in English tables (not the locale's: output does not depend on the machine).
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Money units as written in English labels.
UNITS_EN = {"万元": "10k yuan", "亿元": "100m yuan", "元": "yuan"}


@dataclass(frozen=True)
class Metric:
    """One result metric or per-draw variable.

    Attributes
    ----------
    name
        The column or variable name, as in the result's tables (``demand_mean``).
    kind
        What the number is (:class:`Kind`): money, share, count, month, year or ratio.
    zh, en
        Full labels in Chinese and English.
    aggregate
        How it is computed over draws (:class:`Aggregate`).
    se
        The name of the column holding its Monte Carlo standard error, if any.
    short_zh, short_en
        Short labels for narrow tables (the full label when None). A quantile's short label
        may be just ``P50``: narrow tables put it after its variable's named column.
    unit
        What a count counts, (zh, en), when not applicants (``("笔", "loans")``); the kind's
        unit when None.
    """

    name: str
    kind: Kind
    zh: str
    en: str
    aggregate: Aggregate
    se: str | None = None
    short_zh: str | None = None
    short_en: str | None = None
    unit: tuple[str, str] | None = None

    def label(self, lang: Lang = "zh", *, short: bool = False) -> str:
        """The label in ``lang``; the short one (or the full one if none) with ``short``."""
        if short:
            text = self.short_zh if lang == "zh" else self.short_en
            if text is not None:
                return text
        return self.zh if lang == "zh" else self.en


# -- declarations -------------------------------------------------------------------------------

_MONEY, _SHARE, _COUNT = Kind.MONEY, Kind.SHARE, Kind.COUNT
_LOANS = ("笔", "loans")
_UNITS = ("家", "units")


def _percent(q: float | None) -> str:
    return f"{100 * (q or 0):g}"


def _draw(name: str, kind: Kind, zh: str, en: str, unit: tuple[str, str] | None = None) -> Metric:
    return Metric(name, kind, zh, en, Aggregate(How.DRAW), unit=unit)


def _mean(
    of: str,
    zh: str,
    en: str,
    short: tuple[str, str] | None = None,
    *,
    se: bool = False,
) -> list[Metric]:
    """The mean of ``of`` (named ``of_mean``), with its standard error column when ``se``."""
    base = _VARIABLES[of]
    name = f"{of}_mean"
    mean = Metric(
        name,
        base.kind,
        zh,
        en,
        Aggregate(How.MEAN, of),
        se=f"{name}_se" if se else None,
        short_zh=short[0] if short else None,
        short_en=short[1] if short else None,
        unit=base.unit,
    )
    return [mean, *([_standard_error(mean)] if se else [])]


def _standard_error(of: Metric) -> Metric:
    return Metric(
        f"{of.name}_se",
        of.kind,
        f"{of.zh}的标准误",
        f"standard error of {of.en}",
        Aggregate(How.STANDARD_ERROR, of.name),
        unit=of.unit,
    )


def _quantiles(
    of: str,
    qs: tuple[float, ...],
    zh: str,
    en: str,
    *,
    lead: tuple[str, str] | None = None,
) -> list[Metric]:
    """``of_p5`` …: quantiles over draws, labelled ``P5 需求`` / ``P5 demand``; the short label is
    ``P5`` (``lead`` for the first, when a narrow table starts a group with it)."""
    base = _VARIABLES[of]
    out = []
    for i, q in enumerate(qs):
        p = _percent(q)
        short = lead if lead and i == 0 else (f"P{p}", f"P{p}")
        out.append(
            Metric(
                f"{of}_p{p}",
                base.kind,
                f"P{p} {zh}",
                f"P{p} {en}",
                Aggregate(How.QUANTILE, of, q=q),
                short_zh=short[0],
                short_en=short[1],
                unit=base.unit,
            )
        )
    return out


def _probability(name: str, of: str, where: str, zh: str, en: str) -> list[Metric]:
    """A share of draws with its standard error column ``name_se``."""
    p = Metric(name, _SHARE, zh, en, Aggregate(How.PROBABILITY, of, where=where), se=f"{name}_se")
    return [p, _standard_error(p)]


_PER_DRAW = [
    # programmes: (draw, programme, year)
    Metric("envelope", _MONEY, "预算", "envelope", Aggregate(How.VALUE)),
    _draw("envelope_total", _MONEY, "多年预算总额", "multi-year envelope"),
    _draw("demand", _MONEY, "需求", "demand"),
    _draw("paid", _MONEY, "拨付", "paid"),
    _draw("available", _MONEY, "可用资金", "money available"),
    _draw("unspent", _MONEY, "结余", "unspent"),
    _draw("lapsed", _MONEY, "收回结余", "lapsed"),
    _draw("carry_in", _MONEY, "上年结转", "carried in"),
    _draw("cash", _MONEY, "当年现金支出", "cash paid"),
    _draw("payable_after", _MONEY, "期后应付", "payable after the horizon"),
    _draw("recovered", _MONEY, "预期股权回收", "equity expected back"),
    _draw("paid_by_month", _MONEY, "截至各月末的拨付", "paid by the end of each month"),
    _draw("demand_by_month", _MONEY, "截至各月末的申请额", "claims by the end of each month"),
    _draw("exhausted", _SHARE, "资金用尽", "exhausted"),
    _draw("exhaustion_month", Kind.MONTH, "资金用尽月份", "month the money ran out"),
    _draw("first_exhausted_year", Kind.YEAR, "首次用尽年度", "first year the money ran out"),
    _draw("claimants", _COUNT, "申请者", "claimants"),
    _draw("paid_full", _COUNT, "全额资助的申请者", "claimants paid in full"),
    _draw("paid_any", _COUNT, "获得资助的申请者", "claimants paid anything"),
    # credit risk reserve funds: (draw, year), or (draw,)
    _draw("volume", _MONEY, "贷款规模", "loan volume"),
    _draw("loans", _COUNT, "贷款笔数", "loans", _LOANS),
    _draw("defaults", _COUNT, "违约笔数", "defaults", _LOANS),
    _draw("principal_loss", _MONEY, "本金损失", "principal lost"),
    _draw("claims_due", _MONEY, "应付代偿", "claims due"),
    _draw("claims_paid", _MONEY, "已付代偿", "claims paid"),
    _draw("unpaid", _MONEY, "未付代偿", "claims unpaid"),
    Metric("replenished", _MONEY, "补充资金", "replenishment", Aggregate(How.VALUE)),
    _draw("balance_start", _MONEY, "年初余额", "balance at the start of the year"),
    _draw("balance_end", _MONEY, "年末余额", "year-end balance"),
    _draw("depletion_month", Kind.MONTH, "耗尽月份", "month of depletion"),
    _draw("due_after", _MONEY, "期后到期代偿", "claims due after the horizon"),
    # policy targets: (draw, year)
    _draw("stock", _COUNT, "年末存量", "stock at year end", _UNITS),
    _draw("entries", _COUNT, "新增", "entries", _UNITS),
    _draw("exits", _COUNT, "退出", "exits", _UNITS),
]
#: The per-draw variables by name, which the summaries below aggregate.
_VARIABLES = {m.name: m for m in _PER_DRAW}

# fmt: off
_SUMMARIES = [
    # programmes and shared funds, per year (``totals``: over the horizon)
    *_mean("available", "可用资金均值", "mean money available", ("可用资金", "available")),
    *_mean("demand", "需求均值", "mean demand", ("需求均值", "demand mean"), se=True),
    *_quantiles("demand", (0.05, 0.5, 0.8, 0.95), "需求", "demand"),
    *_mean("paid", "拨付均值", "mean paid", ("拨付均值", "paid mean"), se=True),
    *_quantiles("paid", (0.05, 0.5, 0.8, 0.95), "拨付", "paid"),
    *_mean("cash", "现金支出均值", "mean cash paid", ("现金支出", "cash paid")),
    *_quantiles("cash", (0.95,), "现金支出", "cash paid"),
    *_mean("unspent", "结余均值", "mean unspent", ("结余均值", "unspent mean")),
    *_mean("lapsed", "收回结余均值", "mean lapsed", ("收回均值", "lapsed mean")),
    *_mean("payable_after", "期后应付均值", "mean payable after the horizon",
           ("期后应付", "payable after")),
    *_mean("recovered", "预期股权回收均值", "mean equity expected back",
           ("回收均值", "recovered mean")),
    *_probability("p_exhausted", "exhausted", "some claimant was not paid in full",
                  "P(资金用尽)", "P(exhausted)"),
    Metric(
        "exhaustion_month_p50", Kind.MONTH, "资金用尽月份（中位数）",
        "month the money ran out (median)",
        Aggregate(How.MEDIAN_AMONG, "exhaustion_month", where="the money ran out"),
        short_zh="用尽月份 (P50)", short_en="month (P50)",
    ),
    Metric(
        "first_exhausted_year_p50", Kind.YEAR, "首次用尽年度（中位数）",
        "first year the money ran out (median)",
        Aggregate(How.MEDIAN_AMONG, "first_exhausted_year", where="the money ran out"),
        short_zh="首次用尽年 (P50)", short_en="year ran out (P50)",
    ),
    *_mean("claimants", "申请者数均值", "mean claimants", ("申请者均值", "mean claimants")),
    *_mean("paid_full", "全额资助申请者数均值", "mean claimants paid in full",
           ("全额资助数均值", "mean paid in full")),
    Metric(
        "coverage_full", _SHARE, "全额资助比例", "share of claimants paid in full",
        Aggregate(How.RATIO, "paid_full", over="claimants"),
        short_zh="全额资助", short_en="paid in full",
    ),
    Metric(
        "coverage_any", _SHARE, "获得资助比例", "share of claimants paid anything",
        Aggregate(How.RATIO, "paid_any", over="claimants"),
        short_zh="获得资助", short_en="paid any",
    ),
    Metric(
        "fill_ratio", _SHARE, "兑付比例（已付 ÷ 需求）", "fill ratio (paid ÷ demand)",
        Aggregate(How.RATIO, "paid", over="demand"), short_zh="兑付比例", short_en="fill ratio",
    ),
    *(
        Metric(
            f"budget_at_risk_p{p}", _MONEY, f"P{p} 所需预算", f"budget at risk P{p}",
            Aggregate(How.QUANTILE, "demand", q=p / 100),
            short_zh=f"所需预算 P{p}", short_en=f"BaR P{p}",
        )
        for p in (80, 95)
    ),
    # credit risk reserve funds, per year
    *_mean("balance_start", "年初余额均值", "mean balance at the start of the year"),
    *_quantiles("balance_end", (0.05, 0.5, 0.95), "年末余额", "year-end balance",
                lead=("余额 P5", "balance P5")),
    *_mean("volume", "贷款规模均值", "mean loan volume", ("贷款规模", "loan volume")),
    *_mean("loans", "贷款笔数均值", "mean loans", ("贷款笔数", "loans")),
    *_mean("defaults", "违约笔数均值", "mean defaults", ("违约笔数", "defaults")),
    *_mean("principal_loss", "本金损失均值", "mean principal lost", ("本金损失", "principal lost")),
    *_mean("claims_due", "应付代偿均值", "mean claims due", ("应付代偿", "claims due")),
    *_mean("claims_paid", "已付代偿均值", "mean claims paid", ("已付代偿", "claims paid")),
    *_quantiles("claims_paid", (0.95,), "已付代偿", "claims paid"),
    *_mean("unpaid", "未付代偿均值", "mean claims unpaid", ("未付代偿", "unpaid")),
    Metric(
        "leverage", Kind.RATIO, "放大倍数（贷款规模 ÷ 年初余额）",
        "leverage (loan volume ÷ balance at the start of the year)",
        Aggregate(How.RATIO, "volume", over="balance_start"),
        short_zh="放大倍数", short_en="leverage",
    ),
    *_probability("p_depleted", "depletion_month",
                  "some claim went unpaid in full by the end of the year",
                  "P(年末前耗尽)", "P(depleted by year end)"),
    Metric(
        "depletion_month_p50", Kind.MONTH, "耗尽月份（中位数）", "month of depletion (median)",
        Aggregate(How.MEDIAN_AMONG, "depletion_month", where="first depleted in the year"),
        short_zh="耗尽月份 (P50)", short_en="month (P50)",
    ),
    Metric("initial_balance", _MONEY, "初始资金", "initial balance", Aggregate(How.VALUE)),
    *_mean("due_after", "期后到期代偿均值", "mean claims due after the horizon",
           ("期后到期代偿", "due after")),
    # policy targets, per year
    *_mean("stock", "年末存量均值", "mean stock at year end", ("存量均值", "stock mean")),
    *_quantiles("stock", (0.05, 0.5, 0.95), "年末存量", "stock at year end",
                lead=("存量 P5", "stock P5")),
    *_mean("entries", "新增均值", "mean entries", ("新增", "entries")),
    *_mean("exits", "退出均值", "mean exits", ("退出", "exits")),
    Metric("goal", _COUNT, "目标", "goal", Aggregate(How.VALUE), unit=_UNITS),
    *_probability("p_at_goal", "stock", "stock ≥ goal", "P(存量 ≥ 目标)", "P(stock ≥ goal)"),
]
# fmt: on

_ALL = [*_PER_DRAW, *_SUMMARIES]
#: Every declared metric by name, per-draw variables first.
REGISTRY: Mapping[str, Metric] = MappingProxyType({m.name: m for m in _ALL})
if len(REGISTRY) != len(_ALL):  # pragma: no cover - fails on import, before any test
    _twice = sorted({m.name for m in _ALL if [n.name for n in _ALL].count(m.name) > 1})
    raise RuntimeError(f"metrics declared twice in budgetsim.metrics: {_twice}")

#: The first columns a planner reads of a run, per programme and year (text views).
HEADLINE = ("envelope", "demand_mean", "paid_mean", "p_exhausted", "coverage_full", "fill_ratio")

#: The per-programme table of the notebook view and the report.
OVERVIEW = (
    "envelope",
    "demand_mean",
    "demand_p95",
    "paid_mean",
    "p_exhausted",
    "exhaustion_month_p50",
    "coverage_full",
    "coverage_any",
    "fill_ratio",
    "budget_at_risk_p80",
    "budget_at_risk_p95",
)


#: The shared funds' table (the terminal's and the report's).
FUND_TABLE = (
    "envelope",
    "available_mean",
    "demand_mean",
    "demand_p95",
    "paid_mean",
    "lapsed_mean",
    "p_exhausted",
    "budget_at_risk_p95",
)
#: The risk reserve funds' table.
RISKFUND_TABLE = (
    "volume_mean",
    "leverage",
    "claims_due_mean",
    "claims_paid_mean",
    "unpaid_mean",
    "balance_end_p5",
    "balance_end_p50",
    "balance_end_p95",
    "p_depleted",
    "depletion_month_p50",
)
#: The targets' table (then the goal and the chance of meeting it, in the goal's year).
TARGET_TABLE = ("entries_mean", "exits_mean", "stock_p5", "stock_p50", "stock_p95")


def as_lang(lang: str) -> Lang:
    """``lang`` checked as a language of labels.

    Raises
    ------
    ValueError
        For a language other than ``"zh"`` or ``"en"``.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', found {lang!r}")
    return "zh" if lang == "zh" else "en"


# -- look-ups -----------------------------------------------------------------------------------


def metric(name: str) -> Metric:
    """The declared metric ``name``.

    Raises
    ------
    KeyError
        For a name that is not declared, with the closest declared name.

    Examples
    --------
    >>> metric("fill_ratio").kind
    <Kind.SHARE: 'share'>
    >>> metric("fil_ratio")
    Traceback (most recent call last):
    ...
    KeyError: "no metric 'fil_ratio' in budgetsim.metrics; did you mean 'fill_ratio'?"
    """
    try:
        return REGISTRY[name]
    except KeyError:
        close = did_you_mean(name, REGISTRY)
        hint = f"; did you mean {close!r}?" if close else " (see docs/glossary.md)"
        raise KeyError(f"no metric {name!r} in budgetsim.metrics{hint}") from None


def label(name: str, lang: Lang = "zh", *, short: bool = False) -> str:
    """The label of metric ``name`` in ``lang`` (``short`` for narrow tables).

    Examples
    --------
    >>> label("p_exhausted"), label("budget_at_risk_p95", "en", short=True)
    ('P(资金用尽)', 'BaR P95')
    """
    return metric(name).label(lang, short=short)


def money_unit(unit: str, lang: Lang = "zh") -> str:
    """A money unit as written in labels of ``lang`` (万元 → ``10k yuan`` in English).

    Examples
    --------
    >>> money_unit("亿元", "en")
    '100m yuan'
    """
    return unit if lang == "zh" else UNITS_EN.get(unit, unit)


def unit_label(name: str, unit: str, lang: Lang = "zh") -> str:
    """The unit of metric ``name`` as written in labels: money in the scenario's ``unit``
    (万元, ``10k yuan``), shares ``%``, counts 家 / ``firms`` (or what they count), months
    月 / ``month``, years 年 / ``year``, ratios ``×``.

    Parameters
    ----------
    name
        A declared metric.
    unit
        The scenario's money unit (``result.unit``), used for money metrics.
    lang
        ``"zh"`` or ``"en"``.

    Examples
    --------
    >>> unit_label("claimants_mean", "万元", "en"), unit_label("loans_mean", "万元", "zh")
    ('firms', '笔')
    """
    m = metric(name)
    if m.kind is Kind.MONEY:
        return money_unit(unit, lang)
    zh, en = m.unit or _DEFAULT_UNITS[m.kind]
    return zh if lang == "zh" else en


def is_money(name: str) -> bool:
    """Whether metric ``name`` is an amount in the scenario's unit."""
    return metric(name).kind is Kind.MONEY


def is_share(name: str) -> bool:
    """Whether metric ``name`` is a fraction (shown as %)."""
    return metric(name).kind is Kind.SHARE


def format_value(
    name: str,
    value: float | None,
    lang: Lang = "zh",
    *,
    signed: bool = False,
    compact: str | None = None,
    bare: bool = False,
) -> str:
    """A value of metric ``name`` as shown in tables: money with thousands separators
    (``12,346``), shares as % (``45.7%``), counts whole (small expected counts keep two
    significant digits, so rare events stay visible), months ``3月`` / ``Mar``, ratios
    ``2.5×``; ``—`` for a missing value.

    Parameters
    ----------
    name
        A declared metric; its :class:`Kind` decides the format.
    value
        The value [as the metric: money in the scenario's unit, shares as fractions].
    lang
        ``"zh"`` or ``"en"`` (months are written ``3月`` or ``Mar``).
    signed
        Write a sign, for differences.
    compact
        The money unit of ``value``, to write large amounts short (``1.67亿``, ``167m``;
        :func:`budgetsim.money.compact_amount`) where a table is too narrow for them whole.
    bare
        With ``signed``, a difference of shares without its unit (the ends of an interval
        written after the difference that carries it).

    A difference of shares (``signed``) is in percentage points: ``+20.5个百分点``,
    ``+20.5 pp``.

    Examples
    --------
    >>> format_value("claimants_mean", 1234.4), format_value("claimants_mean", 0.0123)
    ('1,234', '0.012')
    >>> format_value("exhaustion_month_p50", 3.0, "en"), format_value("leverage", float("nan"))
    ('Mar', '—')
    >>> format_value("p_exhausted", -0.05, signed=True)
    '-5.0个百分点'
    >>> format_value("p_exhausted", 0.2, "en", signed=True)
    '+20.0 pp'
    >>> format_value("paid_mean", 16_666.7, compact="万元")
    '1.67亿'
    """
    if value is None or math.isnan(value):
        return "—"
    sign = "+" if signed else ""
    match metric(name).kind:
        case Kind.MONEY:
            if compact is not None:
                return compact_amount(value, compact, lang, signed=signed)
            return f"{value:{sign},.0f}"
        case Kind.SHARE if signed:
            return f"{100 * value:+.1f}" + ("" if bare else _POINTS[lang])
        case Kind.SHARE:
            return f"{value:.1%}"
        case Kind.COUNT:
            whole = abs(value) >= 10 or value == 0
            return f"{value:{sign},.0f}" if whole else f"{value:{sign}.2g}"
        case Kind.MONTH:
            month = int(value)
            if signed or not 1 <= month <= 12:
                return f"{value:{sign}.0f}"
            return f"{month}月" if lang == "zh" else _MONTHS_EN[month - 1]
        case Kind.YEAR:
            return f"{value:{sign}.0f}"
        case Kind.RATIO:
            return f"{value:{sign}.1f}×"


# -- documentation ------------------------------------------------------------------------------


def _rows() -> Iterator[str]:
    yield "| name | 中文 | English | kind | over draws | standard error |"
    yield "|---|---|---|---|---|---|"
    for m in REGISTRY.values():
        unit = "[unit]" if m.kind is Kind.MONEY else (m.unit or _DEFAULT_UNITS[m.kind])[1]
        kind = f"{m.kind.value} ({unit})"
        se = f"`{m.se}`" if m.se else ""
        yield f"| `{m.name}` | {m.zh} | {m.en} | {kind} | {m.aggregate.describe()} | {se} |"


def markdown_table() -> str:
    """Every declared metric as a Markdown table (name, labels, kind, aggregate, standard
    error): the table of ``docs/glossary.md`` between its ``metrics`` markers."""
    return "\n".join(_rows()) + "\n"
