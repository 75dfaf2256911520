"""The tables of ``budgetsim run`` and ``budgetsim compare`` as users see them: in one
language, at 80, 100, 120 and 200 terminal columns, never a number cut to ``…``, never a code
name; compare shows base → variant with the difference and counts the rows that do not move."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console

import budgetsim
from budgetsim._layout import Column, Grid, show
from budgetsim.cli import cli
from budgetsim.metrics import label
from budgetsim.words import code_names

WIDTHS = (80, 100, 120, 200)


@pytest.fixture(scope="module")
def outputs() -> dict[tuple[str, str, int], str]:
    """``budgetsim run`` of two scenarios (the widest: zhongshan-2024's 25 programmes, and
    the default with its shared funds and reserve), in both languages, at every width."""
    out = {}
    runner = CliRunner()
    for scenario in ("jiangmen-2021", "zhongshan-2024"):
        for lang in ("zh", "en"):
            for width in WIDTHS:
                result = runner.invoke(
                    cli,
                    ["run", scenario, "-n", "200", "--no-progress", "--lang", lang],
                    env={"COLUMNS": str(width)},
                )
                assert result.exit_code == 0, result.output
                out[scenario, lang, width] = result.stdout
    return out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("scenario", ["jiangmen-2021", "zhongshan-2024"])
def test_no_cell_is_cut_and_no_line_is_wider_than_the_terminal(
    outputs: dict[tuple[str, str, int], str], scenario: str, lang: str, width: int
) -> None:
    text = outputs[scenario, lang, width]
    assert "…" not in text
    for line in text.splitlines():
        assert cell_len(line.rstrip()) <= width, line


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_number_of_the_summary_is_printed_whole_at_200_columns(
    outputs: dict[tuple[str, str, int], str], lang: str
) -> None:
    """The money table at 200 columns holds the whole-horizon demand of every programme, with
    thousands separators, as the summary has it."""
    text = outputs["jiangmen-2021", lang, 200]
    sc = budgetsim.load_scenario("jiangmen-2021")
    totals = budgetsim.simulate(sc, draws=200, seed=1).totals()
    for value in totals["demand_mean"]:
        assert f"{value:,.0f}" in text


def test_narrow_terminals_write_large_amounts_short_and_say_so() -> None:
    """A table too wide for the terminal with whole amounts is written with 亿 (and a note),
    and still no number is cut."""
    console = Console(width=72, file=io.StringIO(), force_terminal=False)

    def build(compact: bool) -> Grid:
        grid = Grid("t", [Column("项目", key=True), *(Column(f"金额{i}") for i in range(6))])
        grid.add("甲", *(("1.67亿" if compact else "16,666,667,000") for _ in range(6)))
        return grid

    assert show(console, build) is True
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "1.67亿" in text
    assert "…" not in text


def test_a_table_too_wide_even_short_is_split_keeping_its_key_columns() -> None:
    console = Console(width=60, file=io.StringIO())

    def build(compact: bool) -> Grid:
        grid = Grid("money", [Column("programme", key=True), *(Column(f"c{i}") for i in range(9))])
        grid.add("alpha", *(f"{i},234,567" for i in range(9)))
        return grid

    assert show(console, build, continued=" (continued)") is False
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "money (continued)" in text
    assert text.count("alpha") >= 2  # the key column repeats in each part
    for i in range(9):
        assert f"{i},234,567" in text  # every number whole, once
    assert "…" not in text


def test_a_bare_quantile_column_stays_with_its_variable_when_split() -> None:
    console = Console(width=50, file=io.StringIO())
    columns = [Column("k", key=True), Column("demand mean"), Column("P50"), Column("P95")]
    columns += [Column("paid mean"), Column("P50"), Column("P95")]

    def build(compact: bool) -> Grid:
        grid = Grid("t", columns)
        grid.add("a", *("12,345,678" for _ in range(6)))
        return grid

    show(console, build)
    parts = console.file.getvalue().split("(continued)")  # type: ignore[attr-defined]
    assert len(parts) >= 2
    assert all("P95" in part and "mean" in part for part in parts)


def test_a_number_inside_chinese_text_is_never_cut_when_it_wraps() -> None:
    """Rich alone folds a run of Chinese and digits anywhere (``收益0.0`` / ``2915``); the
    table breaks between Chinese characters and around numbers instead, at any width."""
    reason = "预算已用完：每万元收益0.02915，低于门槛0.03366（按得分排序）"

    def build(compact: bool) -> Grid:
        columns = [Column("申请者", key=True), Column("资助金额"), Column("原因", text=True)]
        grid = Grid("资助方案", columns)
        grid.add("JM2021003", "34.30", reason)
        return grid

    for width in range(34, 70):
        console = Console(width=width, file=io.StringIO())
        show(console, build)
        text = console.file.getvalue()  # type: ignore[attr-defined]
        lines = text.splitlines()
        assert max(map(cell_len, lines)) <= width
        assert any("0.02915" in line for line in lines), text
        assert any("0.03366" in line for line in lines), text
        assert not any(line.rstrip(" │").endswith("（") for line in lines), text  # none left open
        assert not any(re.search(r"│ [，）]", line) for line in lines), text  # none starts a line


def test_a_chinese_header_wraps_into_even_lines() -> None:
    """A header wider than its numbers is broken into lines of equal length (``文件`` over
    ``安排``, not ``文件安`` over ``排``), and at a space where it has one."""
    console = Console(width=51, file=io.StringIO())

    def build(compact: bool) -> Grid:
        heads = ["单独测算 P80", "文件安排", "金额甲", "金额乙", "金额丙"]
        grid = Grid("t", [Column("年度", key=True), *map(Column, heads)])
        grid.add("2021", "12,345.6", *("1,667" for _ in heads[1:]))
        return grid

    show(console, build)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    heads = [line for line in text.splitlines() if line.startswith("┃")]
    assert len(heads) >= 2, text  # the headers did wrap
    said = [cell.strip() for line in heads for cell in line.strip("┃").split("┃")]
    assert {"文件", "安排", "单独测算", "P80"} <= set(said), said


def test_a_label_breaks_after_a_hyphen_rather_than_split_the_table() -> None:
    """A long hyphenated word breaks after a hyphen, so the table fits in one part; a
    number with a sign or a year range is never broken there."""
    console = Console(width=46, file=io.StringIO())

    def build(compact: bool) -> Grid:
        grid = Grid("t", [Column("fund", key=True), *(Column(f"c{i}") for i in range(3))])
        grid.add("Industry-university-research co-innovation 2021-23", *["-1,667"] * 3)
        return grid

    show(console, build)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    cells = [line.split("│")[1].strip() for line in text.splitlines() if line.startswith("│")]
    assert "(continued)" not in text, text
    assert "Industry-" in cells, text
    assert "2021-23" in text, text
    assert text.count("-1,667") == 3, text


def test_room_left_over_goes_to_the_labels() -> None:
    """A label the layout wrapped gets the room the numbers leave: the table fills the
    terminal and the label takes fewer lines."""
    console = Console(width=100, file=io.StringIO())
    name = " ".join(["programme"] * 6)  # 59 cells: more than the widest a label is drawn

    def build(compact: bool) -> Grid:
        grid = Grid("t", [Column("name", key=True), *(Column(f"c{i}") for i in range(3))])
        grid.add(name, *("123,456,789,012" for _ in range(3)))
        return grid

    show(console, build)
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    rows = [line for line in lines if line.startswith("│")]
    assert max(map(cell_len, lines)) == 100
    assert len(rows) == 2  # the label on two lines, not three


def test_numbers_with_no_short_form_split_the_table_and_are_not_said_short() -> None:
    console = Console(width=50, file=io.StringIO())
    grid = Grid("t", [Column("applicant", key=True), *(Column(f"amount {i}") for i in range(6))])
    grid.add("JM2021000", *("15,234.25" for _ in range(6)))
    assert show(console, lambda _compact: grid) is False
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "(continued)" in text
    assert text.count("15,234.25") == 6


def test_a_text_column_wraps_and_keeps_its_place_when_split() -> None:
    console = Console(width=60, file=io.StringIO())
    why = "the envelope ran out: 0.02915 per 10k yuan against a cut-off of 0.03366"
    columns = [Column("applicant", key=True), *(Column(f"amount {i}") for i in range(4))]

    def build(compact: bool) -> Grid:
        grid = Grid("t", [*columns, Column("why not in full", text=True)])
        grid.add("JM2021003", *("1,234,567.00" for _ in range(4)), why)
        return grid

    show(console, build)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "(continued)" in text
    assert text.count("why not") == 1  # in one part, after the amounts before it
    assert text.index("amount 3") < text.index("why not")
    assert "0.02915" in text
    assert "0.03366" in text
    assert "…" not in text


def test_labels_and_titles_are_never_read_as_markup() -> None:
    console = Console(width=80, file=io.StringIO())

    def build(compact: bool) -> Grid:
        grid = Grid("[i]t[/i]", [Column("[red]id", key=True), Column("n")])
        grid.add("[b]firm[/b]", "1")
        return grid

    show(console, build)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    for written in ("[i]t[/i]", "[red]id", "[b]firm[/b]"):
        assert written in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_header_or_label_is_a_code_name(
    outputs: dict[tuple[str, str, int], str], lang: str
) -> None:
    names = code_names()
    for (_, lang_, _), text in outputs.items():
        if lang_ != lang:
            continue
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
        assert not (words & names), sorted(words & names)


def test_the_language_is_one_throughout(outputs: dict[tuple[str, str, int], str]) -> None:
    zh, en = outputs["jiangmen-2021", "zh", 200], outputs["jiangmen-2021", "en", 200]
    for name in ("demand_mean", "coverage_full", "p_exhausted", "budget_at_risk_p95"):
        assert label(name, "zh", short=True) in zh
        assert label(name, "en", short=True) in en
    assert "High-tech enterprise cultivation" in en
    assert "高新技术企业培育" in zh
    assert "模拟" in zh
    assert "draws" not in zh
    assert "次模拟" not in en
    assert "Money [10k yuan]" in en
    # the legend is in the run's language too
    assert "兑付比例：已付 ÷ 需求" in zh
    assert "fill ratio: paid ÷ demand" in en


def _compare(*args: str, width: int = 200) -> str:
    result = CliRunner().invoke(cli, ["compare", *args], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_compare_prints_base_to_variant_and_counts_the_rows_that_do_not_move(
    tmp_path: Path,
) -> None:
    change = "programmes.loan_interest.envelope.total=4500万元"
    text = _compare("jiangmen-2021", "-n", "300", "--set", change, "--lang", "en")
    assert "→" in text
    assert "Technology-loan interest subsidy" in text
    # programmes the change cannot touch are counted, not printed as +0 [+0, +0]
    assert "+0 [+0, +0]" not in text
    assert re.search(r"\d+ more programmes have exactly the same results", text)
    assert "High-tech enterprise cultivation" not in text.split("exactly the same")[0]
    assert "all programmes" in text  # the whole-policy line
    # the interest subsidy pays more: base → variant rises
    comparison = budgetsim.compare(
        budgetsim.load_scenario("jiangmen-2021"),
        budgetsim.load_scenario("jiangmen-2021", [change]),
        draws=300,
    )
    total = comparison.totals().loc["loan_interest"]
    assert total["paid_mean_variant"] > total["paid_mean_base"]
    base, variant = f"{total['paid_mean_base']:,.0f}", f"{total['paid_mean_variant']:,.0f}"
    assert f"{base} → {variant}" in text


def test_compare_of_a_scenario_with_itself_says_nothing_changed() -> None:
    text = _compare("jiangmen-2021", "jiangmen-2021", "-n", "50", "--lang", "en")
    assert "Every programme (14) has exactly the same results in both" in text
    assert "+0" not in text


def test_compare_says_what_moved_when_only_the_reserve_does(tmp_path: Path) -> None:
    """The stress variant changes the reserve fund alone: the programmes are said to be the
    same, the reserve's change is shown in points and in the files."""
    text = _compare("jiangmen-2021", "jiangmen-2021@stress", "-n", "300", "--out", str(tmp_path))
    assert "两方案下各项目（共 14 个）的结果完全相同" in text
    assert "个百分点" in text  # P(depleted) moves in percentage points
    assert "年末余额均值 [万元]" in text
    assert "jiangmen-2021.stress" in text
    frame = pd.read_csv(tmp_path / "comparison.csv", encoding="utf-8-sig")
    reserve = frame.query("kind == 'riskfund' and metric == 'p_depleted' and year == '2023'")
    assert len(reserve) == 1
    assert float(reserve["diff_low"].iloc[0]) > 0


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_fits_the_terminal(width: int) -> None:
    change = "programmes.rd_reward.envelope.per_year=2000万元"
    text = _compare("jiangmen-2021", "-n", "100", "--set", change, width=width)
    assert "…" not in text
    for line in text.splitlines():
        assert cell_len(line.rstrip()) <= width, line


def test_compare_writes_json_and_csv_like_run(tmp_path: Path) -> None:
    change = "programmes.loan_interest.envelope.total=4500万元"
    _compare("jiangmen-2021", "-n", "200", "--set", change, "--out", str(tmp_path))
    raw = (tmp_path / "comparison.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel on Chinese Windows reads it as UTF-8
    frame = pd.read_csv(tmp_path / "comparison.csv", encoding="utf-8-sig")
    row = frame.query("programme == 'loan_interest' and year == 'total' and metric == 'paid_mean'")
    assert len(row) == 1
    assert float(row["diff"].iloc[0]) == pytest.approx(
        float(row["variant"].iloc[0] - row["base"].iloc[0])
    )
    assert {"policy"} <= set(frame["programme"])
    document = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))
    assert document["stamp"]["variant"]["changes"]
    assert document["programmes"]["loan_interest"]["total"]["paid_mean"]["diff"] > 0
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"comparison.csv", "comparison.json"}
