"""Sensitivity charts: a tornado, Morris μ*–σ and Sobol indices, each in Chinese and English,
with the bars or points it should have, registry labels only, and a number that changes
nothing drawn as such."""

import os
import re
import warnings
from pathlib import Path

import matplotlib as mpl
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

import budgetsim
from budgetsim import charts
from budgetsim.charts import _style
from budgetsim.charts._style import text_width
from budgetsim.charts.sensitivity import sensitivity_chart, wrap
from budgetsim.sensitivity import SensitivityResult, morris, sobol, tornado
from budgetsim.sensitivity.names import effect_label

mpl.use("Agg")

OUTPUT = "p_exhausted:loan_interest"
#: Two numbers that move the loan subsidy, and one that cannot (another programme's cap).
ONLY = ["populations.tech_borrowers.arrivals", "programmes.rd_reward.instrument.cap"]
IDLE = "programmes.rd_reward.instrument.cap"
MOVING = 2

needs_cjk = pytest.mark.skipif(
    charts.cjk_font() is None and not os.environ.get("BUDGETSIM_REQUIRE_CJK"),
    reason="no CJK font installed (Debian: fonts-wqy-microhei)",
)


@pytest.fixture(scope="module")
def results() -> dict[str, SensitivityResult]:
    sc = budgetsim.load_scenario("jiangmen-2021")
    outputs = [OUTPUT, "budget_at_risk_p80"]
    return {
        "tornado": tornado(sc, outputs, draws=60, seed=1, only=ONLY),
        "morris": morris(sc, outputs, draws=40, seed=1, trajectories=2, only=ONLY),
        "sobol": sobol(sc, outputs, draws=40, seed=1, samples=4, only=ONLY),
    }


def _render(fig: Figure, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing")
        fig.savefig(path)
    assert path.stat().st_size > 10_000


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _gid(fig: Figure, *gids: str) -> list[object]:
    return [a for a in fig.axes[0].get_children() if a.get_gid() in gids]


@needs_cjk
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("method", ["tornado", "morris", "sobol"])
def test_each_chart_renders_with_its_bars_or_points_and_registry_labels(
    results: dict[str, SensitivityResult], tmp_path: Path, method: str, lang: str
) -> None:
    res = results[method]
    out = res.output(OUTPUT)
    fig = res.plot(OUTPUT, lang)
    assert isinstance(fig, Figure)
    _render(fig, tmp_path / f"{method}_{lang}.png")
    ax = fig.axes[0]
    title = out.label(res.scenario, lang)
    assert _flat(ax.get_title()).lower() == _flat(title).lower()  # an English title: capital
    n = len(res.factors)
    if method == "morris":
        points = sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() in (
            "real", "noise", "none"))  # fmt: skip
        assert points == n
        shown = [t.get_text() for t in fig.legends[0].get_texts()]  # the numbered key
    else:
        bars = _gid(fig, "low", "high") if method == "tornado" else _gid(fig, "S1", "ST")
        assert len(bars) == 2 * MOVING  # two parts a number that moves the output
        shown = [t.get_text() for t in ax.get_yticklabels()]
    assert len(shown) == n
    ranked = res.table[res.table["output"] == out.key].sort_values("rank")["parameter"]
    for text, path in zip(shown, ranked, strict=True):
        assert _flat(text).startswith(_flat(res.factor(path).label(lang)))
    # names as a reader says them: no metric, place or dotted path from the code
    code = {out.metric, out.id, *(f.path for f in res.factors)}
    for text in _texts(fig):
        assert not any(name in text for name in code), text
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_]+\.", text), text
        if lang == "en":
            assert not re.search(r"[\u4e00-\u9fff]", text), text


@needs_cjk
@pytest.mark.parametrize("method", ["tornado", "morris", "sobol"])
def test_a_number_that_changes_nothing_is_drawn_as_no_effect(
    results: dict[str, SensitivityResult], method: str
) -> None:
    res = results[method]
    row = res.table[(res.table["output"] == OUTPUT) & (res.table["parameter"] == IDLE)].iloc[0]
    if method != "sobol":
        assert row["effect"] == "none"
    fig = res.plot(OUTPUT, "zh")
    ax = fig.axes[0]
    if method == "morris":
        idle = [c for c in ax.collections if c.get_gid() == "none"]
        assert len(idle) == 1
        assert [tuple(p) for p in idle[0].get_offsets()] == [(0.0, 0.0)]
        assert any(t.endswith("（无影响）") for t in _texts(fig))
        return
    marks = _gid(fig, "no-effect")
    assert len(marks) == 1
    mark = marks[0]
    assert isinstance(mark, Line2D)
    y = mark.get_ydata()[0]  # type: ignore[index]
    ticks = ax.get_yticks()
    labels = ax.get_yticklabels()
    idle_label = next(lab for t, lab in zip(ticks, labels, strict=True) if t == y)
    assert _flat(idle_label.get_text()).startswith(_flat(res.factor(IDLE).label("zh")))
    assert idle_label.get_color() == "#888888"  # greyed
    # beside the mark, and in the legend (the registry's word)
    assert sum(t.strip() == effect_label("none", "zh") for t in _texts(fig)) >= 2


def test_top_limits_the_bars_and_the_figure_grows_with_them(
    results: dict[str, SensitivityResult],
) -> None:
    res = results["tornado"]
    one, three = res.plot(OUTPUT, "en", top=1), res.plot(OUTPUT, "en", top=3)
    assert len(one.axes[0].get_yticks()) == 1
    assert len(three.axes[0].get_yticks()) == 3
    assert three.get_figheight() > one.get_figheight()
    # a money output: its unit on the axis, values with thousands separators
    money = res.plot("budget_at_risk_p80:policy", "en")
    assert money.axes[0].get_xlabel().endswith("[10k yuan]")
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", t) for t in _texts(money))


def test_sobol_marks_the_noise_share(results: dict[str, SensitivityResult]) -> None:
    res = results["sobol"]
    fig = sensitivity_chart(res, res.output(OUTPUT), "en")
    assert len(_gid(fig, "noise-share")) == 1
    assert any(t.startswith("Monte Carlo noise share") for t in _texts(fig))


def test_morris_marks_the_noise_level_and_the_diagonal(
    results: dict[str, SensitivityResult],
) -> None:
    fig = results["morris"].plot(OUTPUT, "en")
    assert len(_gid(fig, "diagonal")) == 1
    assert len(_gid(fig, "noise-level")) == 1
    key = [t.get_text() for t in fig.legends[0].get_texts()]
    assert key[-1].endswith("(no effect)")


def test_without_a_cjk_font_the_charts_fall_back_to_english(
    results: dict[str, SensitivityResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_style, "cjk_font", lambda: None)
    _style._warn_once.cache_clear()
    before = dict(mpl.rcParams)
    with pytest.warns(charts.ChartFontWarning, match="English labels"):
        fig = results["tornado"].plot(OUTPUT, "zh")
    assert fig.axes[0].get_title().startswith("P(exhausted) · Technology-loan interest subsidy")
    assert dict(mpl.rcParams) == before
    _style._warn_once.cache_clear()


def test_long_labels_wrap_within_the_width() -> None:
    text = "享受研发费用税前加计扣除的科技型中小企业 · 研发费用 · 对数标准差"
    lines = wrap(text, 30).split("\n")
    assert len(lines) > 1
    assert all(text_width(line) <= 30 for line in lines)
    assert "".join(lines).replace("·", " · ").split() == text.replace("·", " · ").split()
    assert wrap("Technology firms with a qualifying technology loan", 20) == (
        "Technology firms\nwith a qualifying\ntechnology loan"
    )
