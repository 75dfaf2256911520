"""End-to-end tests of ``budgetsim sensitivity``, as a user runs it (few draws, few numbers)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure
from rich.cells import cell_len
from rich.console import Console

import budgetsim.cli_sensitivity as cli_sensitivity
from budgetsim.cli import cli
from budgetsim.metrics import format_value
from budgetsim.sensitivity import SensitivityResult

#: The two ranged numbers of the technology borrowers' arrivals (mean, dispersion): fast.
ARRIVALS = ("--only", "populations.tech_borrowers.arrivals")
LOAN = ("--metric", "p_exhausted:loan_interest")
FAST = ("-n", "200", "--workers", "1")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sensitivity", *args])
    return result.exit_code, result.output


@pytest.fixture
def columns_100(monkeypatch: pytest.MonkeyPatch) -> None:
    """Print as on a terminal of COLUMNS=100 (off a terminal the consoles are 180 wide)."""
    monkeypatch.setenv("COLUMNS", "100")

    def console(stderr: bool = False) -> Console:
        stream = sys.stderr if stderr else sys.stdout
        return Console(file=stream, width=100, highlight=False)

    monkeypatch.setattr(cli_sensitivity, "_console", console)


def test_tornado_in_english_prints_labels_not_code_names() -> None:
    code, out = invoke(*ARRIVALS, *LOAN, *FAST, "--seed", "3", "--lang", "en")
    assert code == 0, out
    for text in (
        "jiangmen-2021 · tornado · 200 draws a point · seed 3 · 2 numbers varied",
        "P(exhausted) · Technology-loan interest subsidy · 2021–2023",
        "base value: ",
        "Technology firms with a qualifying technology loan · applicants a year (mean)",
        "40 – 150 per year",
        "at low end",
        "swing ±95%",
        "beyond noise",
        "moved most by",
        "The assumption to pin down first",
    ):
        assert text in out, text
    for code_name in ("populations.", "p_exhausted", "loan_interest", "arrivals.mean", "mu_star"):
        assert code_name not in out, code_name


def test_tornado_in_chinese_by_default() -> None:
    code, out = invoke(*ARRIVALS, *LOAN, *FAST)
    assert code == 0, out
    for text in (
        "龙卷风图",
        "每点 200 次模拟",
        "变动 2 个参数",
        "P(资金用尽) · 科技信贷贷款贴息 · 2021–2023",
        "基准值：",
        "获得科技贷款的科技型企业 · 年申请数（均值）",
        "个/年",
        "摆幅 ±95%",
        "超出噪声",
        "应首先核实的假设",
    ):
        assert text in out, text
    assert "populations." not in out
    assert "real" not in out


def test_an_output_nothing_moves_says_so_in_words() -> None:
    code, out = invoke(*ARRIVALS, "--metric", "p_exhausted:rd_reward", *FAST, "--lang", "en")
    assert code == 0, out
    assert "None of the numbers varied (2) changes it" in out
    code, out = invoke(*ARRIVALS, "--metric", "p_exhausted:rd_reward", "-n", "50")
    assert "所变动的 2 个参数均不影响该结果" in out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tables_fit_100_columns_and_never_cut_a_number(
    lang: str, columns_100: None, tmp_path: Path
) -> None:
    table = tmp_path / "t.csv"
    code, out = invoke(
        "--only", "populations.tech_borrowers", "--top", "8", "-n", "100", "--workers", "1",
        *LOAN, "--metric", "budget_at_risk_p80", "--lang", lang, "--out", str(table),
    )  # fmt: skip
    assert code == 0, out
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 100, out
    frame = pd.read_csv(table)
    assert len(frame) == 16
    for row in frame.itertuples():
        metric = str(row.output).split(":")[0]
        for value in (row.at_low, row.at_high):
            assert f" {format_value(metric, value, lang)} " in out, (value, out)  # type: ignore[arg-type]
        swing = format_value(metric, row.swing, lang, signed=True)  # type: ignore[arg-type]
        assert f"{swing} ±" in out, (swing, out)
    # every range keeps its numbers on one line
    assert "1,000 – 5,000" in out
    assert "40 – 150" in out


def test_morris_at_100_columns(columns_100: None) -> None:
    code, out = invoke(
        "--method", "morris", "--trajectories", "2", *ARRIVALS, *LOAN, "-n", "100", "--lang", "en"
    )
    assert code == 0, out
    assert max(cell_len(line) for line in out.splitlines()) <= 100, out
    for text in ("Morris screening", "2 trajectories", "μ*", "σ", "noise SE", "Monte Carlo noise"):
        assert text in out, text
    code, out = invoke("--method", "morris", "--trajectories", "2", *ARRIVALS, *LOAN, "-n", "100")
    assert code == 0, out
    for text in ("Morris 筛选", "噪声标准误", "蒙特卡洛噪声可解释"):
        assert text in out, text


def test_sobol_on_chosen_numbers() -> None:
    code, out = invoke("--method", "sobol", "--samples", "4", *ARRIVALS, *LOAN, "-n", "100")
    assert code == 0, out
    for text in ("Sobol 指数", "4 个基样本", "S1 ±95%", "ST ±95%", "蒙特卡洛噪声可解释"):
        assert text in out, text


def test_out_writes_the_whole_table_as_csv_and_excel(tmp_path: Path) -> None:
    csv = tmp_path / "tornado.csv"
    code, out = invoke(*ARRIVALS, *LOAN, "--metric", "budget_at_risk_p80", *FAST, "-o", str(csv))
    assert code == 0, out
    assert f"已写入 {csv}" in out
    frame = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(frame.columns[:9]) == [
        "output", "output_label", "parameter", "parameter_label", "kind", "grade", "unit",
        "low", "high",
    ]  # fmt: skip
    assert {
        "base",
        "at_low",
        "at_high",
        "swing",
        "swing_low",
        "swing_high",
        "effect",
        "rank",
    } <= set(frame.columns)
    assert len(frame) == 4
    assert set(frame["output"]) == {"p_exhausted:loan_interest", "budget_at_risk_p80:policy"}
    assert "年申请数（均值）" in frame["parameter_label"].iloc[0]

    xlsx = tmp_path / "morris.xlsx"
    code, out = invoke(
        "--method", "morris", "--trajectories", "2", *ARRIVALS, *LOAN,
        "--metric", "p_depleted:credit_reserve:2023", "-n", "100", "--lang", "en", "-o", str(xlsx),
    )  # fmt: skip
    assert code == 0, out
    book = pd.read_excel(xlsx, sheet_name=None)
    assert list(book) == [
        "P(exhausted) Technology-loan in",
        "P(depleted by year end) Technol",
        "noise",
        "findings",
    ]
    assert not any("_" in name for name in book)  # labels, not code names
    sheet = book["P(exhausted) Technology-loan in"]
    assert {"parameter_label", "mu_star", "mu_star_conf", "sigma", "ee_noise", "effect"} <= set(
        sheet.columns
    )
    assert sheet["unit"].tolist()[0] == "per year"  # the units in --lang too
    assert sheet["parameter_label"].str.contains("applicants a year").any()
    assert set(book["noise"]["output"]) == {
        "p_exhausted:loan_interest",
        "p_depleted:credit_reserve:2023",
    }


def test_chart_writes_one_png_per_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the charts go (the drawing itself is stubbed: see the next test)."""
    drawn: list[tuple[str, str]] = []

    def plot(self: Any, output: Any = None, lang: str = "zh", *, top: int = 15) -> Figure:
        drawn.append((self.output(output).key, lang))
        fig = Figure(figsize=(2, 1))
        fig.add_subplot().plot([0, 1])
        return fig

    monkeypatch.setattr(SensitivityResult, "plot", plot)
    one = tmp_path / "one.png"
    code, out = invoke(*ARRIVALS, *LOAN, *FAST, "--chart", str(one), "--lang", "en")
    assert code == 0, out
    assert one.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn == [("p_exhausted:loan_interest", "en")]

    two = tmp_path / "two.png"
    code, out = invoke(*ARRIVALS, *LOAN, "--metric", "p_depleted:credit_reserve:2023", *FAST,
                       "--chart", str(two))  # fmt: skip
    assert code == 0, out
    assert sorted(p.name for p in tmp_path.glob("two-*.png")) == [
        "two-p_depleted-credit_reserve-2023.png",
        "two-p_exhausted-loan_interest.png",
    ]
    folder = tmp_path / "charts"
    code, out = invoke("--method", "morris", "--trajectories", "2", *ARRIVALS, *LOAN, *FAST,
                       "--chart", str(folder))  # fmt: skip
    assert code == 0, out
    assert [p.name for p in folder.iterdir()] == ["morris-p_exhausted-loan_interest.png"]
    assert not list(tmp_path.rglob(".*.tmp"))


def test_chart_draws_the_sensitivity_chart(tmp_path: Path) -> None:
    out = tmp_path / "tornado.png"
    code, text = invoke(*ARRIVALS, *LOAN, *FAST, "--chart", str(out), "--lang", "en")
    assert code == 0, text
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ("--metric", "p_exhaustd:loan_interest"),
            ("unknown metric 'p_exhaustd'", "did you mean 'p_exhausted'?"),
        ),
        (
            ("--metric", "p_exhausted:loan_intrest"),
            ("'loan_intrest'", "did you mean 'loan_interest'?"),
        ),
        (
            ("--only", "populations.tech_borrowers.arrivals.mena"),
            ("--only", "did you mean 'populations.tech_borrowers.arrivals.mean'?"),
        ),
        (
            ("--exclude", "populations.tech_borower"),
            ("--exclude", "did you mean 'populations.tech_borrowers.arrivals.mean'?"),
        ),
        (("--samples", "16"), ("--samples applies to --method sobol only",)),
        (("--method", "sobol", "--samples", "48"), ("power of 2", "found 48")),
        (("--out", "table.txt"), ("--out table.txt: expected a .csv or .xlsx file",)),
        (("--chart", "chart.jpg"), ("expected a .png file or a folder",)),
        (("--workers", "zero"), ("--workers",)),
    ],
)
def test_errors_are_one_message_without_traceback(
    args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    code, out = invoke(*args, "-n", "50")
    assert code == 1, out
    assert out.startswith("error: ")
    assert len(out.strip().splitlines()) == 1, out
    for fragment in fragments:
        assert fragment in out, out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--method", "sobl"), "'sobl' is not one of 'tornado', 'morris', 'sobol'"),
        (("--draws", "0"), "0 is not in the range x>=10"),
        (("--kind", "levers"), "'levers' is not one of"),
    ],
)
def test_bad_choices_are_usage_errors(args: tuple[str, ...], fragment: str) -> None:
    code, out = invoke(*args)
    assert code == 2, out
    assert fragment in out
    assert "Traceback" not in out
