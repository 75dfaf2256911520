"""The words of a sensitivity analysis, in Chinese and English, declared once.

The command line, the charts, the report and the findings read the names of the methods, of
the effects (beyond noise, within noise, none) and of the table's columns from here, so that
each is said the same way everywhere. Metric and parameter labels live in
:mod:`budgetsim.metrics` and :mod:`budgetsim.parameter_names`.

Examples
--------
>>> effect_label("noise", "en"), method_label("morris", "zh"), column_label("swing", "en")
('within noise', 'Morris 筛选', 'swing')
"""

from __future__ import annotations

from budgetsim.metrics import Lang

__all__ = ["COLUMNS", "EFFECTS", "METHODS", "column_label", "effect_label", "method_label"]

#: The methods: (Chinese, English).
METHODS: dict[str, tuple[str, str]] = {
    "tornado": ("龙卷风图", "tornado"),
    "morris": ("Morris 筛选", "Morris screening"),
    "sobol": ("Sobol 指数", "Sobol indices"),
}

#: What ``effect`` says of a number: beyond Monte Carlo noise, within it, or none at all
#: (exactly the same output on the same draws).
EFFECTS: dict[str, tuple[str, str]] = {
    "real": ("超出噪声", "beyond noise"),
    "noise": ("噪声以内", "within noise"),
    "none": ("无影响", "no effect"),
}

#: The columns of :attr:`SensitivityResult.table` as a reader calls them.
COLUMNS: dict[str, tuple[str, str]] = {
    "base": ("基准值", "base value"),
    "at_low": ("取低端时", "at low end"),
    "at_high": ("取高端时", "at high end"),
    "swing": ("摆幅", "swing"),
    "swing_se": ("摆幅的标准误", "standard error of the swing"),
    "mu": ("μ", "μ"),
    "mu_star": ("μ*", "μ*"),
    "mu_star_conf": ("μ* 的 95% 区间半宽", "μ* 95% half-width"),
    "sigma": ("σ", "σ"),
    "ee_noise": ("单个效应的噪声标准误", "noise SE of one effect"),
    "S1": ("一阶指数 S1", "first-order S1"),
    "ST": ("总效应指数 ST", "total ST"),
    "noise_share": ("蒙特卡洛噪声占比", "Monte Carlo noise share"),
    "effect": ("影响", "effect"),
}


def _pick(table: dict[str, tuple[str, str]], name: str, lang: Lang) -> str:
    zh, en = table[name]
    return zh if lang == "zh" else en


def method_label(method: str, lang: Lang = "zh") -> str:
    """A method as a reader calls it."""
    return _pick(METHODS, method, lang)


def effect_label(effect: str, lang: Lang = "zh") -> str:
    """``real`` / ``noise`` / ``none`` as a reader says it."""
    return _pick(EFFECTS, effect, lang)


def column_label(name: str, lang: Lang = "zh") -> str:
    """A column of the analysis' table as a reader calls it."""
    return _pick(COLUMNS, name, lang)
