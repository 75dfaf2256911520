"""``budgetsim report``: the HTML in a real headless browser, the workbook read back, the
charts and the JSON on disk, findings written from the numbers."""

import html
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

import budgetsim
from budgetsim.cli import cli
from budgetsim.report import findings, provenance, sensitivity_markdown, write_report
from budgetsim.sensitivity import SensitivityResult, tornado

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    code = CliRunner().invoke(cli, ["report", "--draws", "300", "--out", str(out), "--no-svg"])
    assert code.exit_code == 0, code.output
    return out


def test_report_writes_every_file(report: Path) -> None:
    for name in ("report.html", "report.xlsx", "summary.json", "summary.csv"):
        assert (report / name).stat().st_size > 1_000, name
    charts = sorted((report / "charts").glob("*.png"))
    assert any(c.name == "exhaustion.png" for c in charts)
    assert any(c.name == "riskfund_credit_reserve.png" for c in charts)
    stamp = json.loads((report / "summary.json").read_text(encoding="utf-8"))["stamp"]
    assert stamp["draws"] == 300


def test_the_report_writes_the_workbook_in_its_language(report: Path) -> None:
    # the sheets themselves: tests/test_workbook.py
    book = openpyxl.load_workbook(report / "report.xlsx")
    assert book.sheetnames[:2] == ["概览", "各项目"]
    assert {"假设", "抽样数据"} <= set(book.sheetnames)
    programmes = book["各项目"]
    assert programmes.freeze_panes == "C2"
    header = [c.value for c in programmes[1]]
    money, share = header.index("拨付均值\n[万元]") + 1, header.index("P(资金用尽)") + 1
    assert programmes.cell(2, money).number_format == "#,##0"
    assert programmes.cell(2, share).number_format == "0.0%"
    assert book["抽样数据"].max_row == 302  # a note, a header and one row per draw


def test_findings_and_appendix_come_from_the_numbers() -> None:
    res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=300, seed=1)
    p = float(res.exhausted.sel(programme="rd_reward", year=2021).mean())
    fill = float(res.summary().loc[("rd_reward", 2021), "fill_ratio"])
    zh = next(s for s in findings(res) if s.startswith("研发费用加计扣除奖补"))
    assert zh.startswith(f"研发费用加计扣除奖补（2021年预算1,000万元）在{p:.0%}的模拟中申请超额")
    assert f"仅能兑付符合条件申请金额的{fill:.0%}" in zh
    en = findings(res, "en")
    label = res.scenario.programmes["rd_reward"].label_en
    rd = next(s for s in en if s.startswith(label))
    assert f"oversubscribed in {p:.0%} of draws" in rd
    appendix = provenance(res)
    assert (appendix["path"] == "programmes.rd_reward").any()
    assert appendix["source"].str.contains("江科〔2021〕63号").any()
    assert (appendix["assumption"] != "").sum() > 20


BROWSER = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("BUDGETSIM_REQUIRE_BROWSER"),
    reason="no chromium and chromedriver (Debian: chromium chromium-driver)",
)


def browse(report: Path) -> dict[str, Any]:
    """Open ``report.html`` in headless chromium: its title, ``h2`` and ``h3`` headings, the
    charts that did not load and the console's errors; a screenshot beside it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or "chromium"
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tempfile.mkdtemp()}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER or "chromedriver"), options=options)
    try:
        driver.get((report / "report.html").as_uri())
        images = driver.find_elements(By.CSS_SELECTOR, "img[data-chart]")
        seen = {
            "title": driver.title,
            "h2": [h.text for h in driver.find_elements(By.TAG_NAME, "h2")],
            "h3": [h.text for h in driver.find_elements(By.TAG_NAME, "h3")],
            "charts": [i.get_attribute("data-chart") for i in images],
            "broken": [
                i.get_attribute("data-chart")
                for i in images
                if not driver.execute_script(
                    "return arguments[0].complete && arguments[0].naturalWidth > 0", i
                )
            ],
            "severe": [e for e in driver.get_log("browser") if e["level"] == "SEVERE"],
        }
        driver.save_screenshot(str(report / "screenshot.png"))
        return seen
    finally:
        driver.quit()


@BROWSER
def test_the_html_opens_in_a_real_browser_with_every_chart(report: Path) -> None:
    seen = browse(report)
    assert seen["title"].startswith("江门市科技创新")
    assert seen["h2"][0] == "主要发现"
    assert len(seen["charts"]) == len(list((report / "charts").glob("*.png")))
    assert seen["broken"] == []
    assert seen["severe"] == []


def test_report_falls_back_to_english_charts_without_cjk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from budgetsim.charts import _style

    monkeypatch.setattr(_style, "cjk_font", lambda: None)
    _style._warn_once.cache_clear()
    res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2015-2017"), draws=50, seed=1)
    with pytest.warns(budgetsim.charts.ChartFontWarning):
        files = write_report(res, tmp_path, svg=False)
    assert (tmp_path / "report.html") in files
    _style._warn_once.cache_clear()


# -- the sensitivity section -------------------------------------------------------------------

#: A dotted path or output key, as code writes them (``populations.x.arrivals.mean``).
CODE_NAME = re.compile(r"[A-Za-z_]\w*\.\w+\.[\w.]+|\b[a-z]+_[a-z_0-9]+:[a-z_0-9]+")


def _prose(text: str) -> str:
    """The section's text without its code (paths in tables) and tags."""
    text = re.sub(r"<code[^>]*>.*?</code>|`[^`]*`", " ", text, flags=re.S)
    text = re.sub(r"\]\(charts/[^)]*\)", "]", text)  # Markdown image links
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _assert_labels_only(prose: str, sens: SensitivityResult) -> None:
    for f in sens.factors:
        assert f.path not in prose
    for o in sens.outputs:
        assert o.key not in prose
    assert CODE_NAME.findall(prose) == []


def _section(page: str) -> str:
    start = page.index('<section id="sensitivity">')
    return page[start : page.index("</section>", start)]


@pytest.fixture(scope="module")
def guangdong(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SensitivityResult]:
    """guangdong-2022's report in Chinese with a tornado of every ranged number."""
    sc = budgetsim.load_scenario("guangdong-2022")
    res = budgetsim.simulate(sc, draws=200, seed=1, monthly=True)
    sens = tornado(sc, draws=200, seed=1)
    out = tmp_path_factory.mktemp("report-sensitivity")
    write_report(res, out, svg=False, sensitivity=sens)
    return out, sens


@pytest.fixture(scope="module")
def levers() -> SensitivityResult:
    """jiangmen-2021: levers and assumptions, one output a lever tops, one nothing moves."""
    sc = budgetsim.load_scenario("jiangmen-2021")
    only = [
        "programmes.hte_cultivation.instrument.amounts",
        "populations.hte_certified.arrivals",
        "populations.tsme_rd.attributes.rd_expense.median",
        "programmes.rd_reward.instrument.rate",
    ]
    outputs = ["p_exhausted:hte_cultivation", "budget_at_risk_p80", "p_exhausted:rd_reward"]
    return tornado(sc, outputs, draws=200, seed=1, only=only)


def test_the_report_has_a_sensitivity_section_with_its_charts_and_findings(
    guangdong: tuple[Path, SensitivityResult],
) -> None:
    out, sens = guangdong
    page = (out / "report.html").read_text(encoding="utf-8")
    section = _section(page)
    assert "<h2>敏感性分析</h2>" in section
    # before the appendix, after the charts
    assert page.index("<h2>图表</h2>") < page.index(section) < page.index("<h2>附录")
    (output,) = sens.outputs
    assert f"<h3>{html.escape(output.label(sens.scenario, 'zh'))}</h3>" in section
    name = "sensitivity_budget_at_risk_p80_policy"
    assert (out / "charts" / f"{name}.png").stat().st_size > 10_000
    assert f'data-chart="{name}" src="data:image/png;base64,' in section
    for words in (f"每个点模拟{sens.draws:,}次", "成对差值的95%区间", "相同的随机数"):
        assert words in section
    first = sens.first_to_measure(output)
    assert first is not None
    prose = _prose(section)
    assert f"应首先核实的假设：{first.label('zh')}。" in prose
    for f in sens.top(output, 3):
        assert f.label("zh") in prose
    assert "应首先核实什么" in prose
    _assert_labels_only(prose, sens)
    # the paths stand in the table, as code
    assert f'<code class="path">{first.path}</code>' in section


def test_the_workbook_has_a_sensitivity_sheet_formatted_like_the_others(
    guangdong: tuple[Path, SensitivityResult],
) -> None:
    out, sens = guangdong
    book = openpyxl.load_workbook(out / "report.xlsx")
    assert "敏感性" in book.sheetnames
    sheet = book["敏感性"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["结果指标", "数字"]
    assert {"基准值", "取低端时", "取高端时", "摆幅", "影响", "字段路径"} <= set(header)
    assert sheet.freeze_panes == "C2"
    assert sheet.max_row == len(sens.table) + 1
    column = header.index("数字") + 1
    labels = [sheet.cell(r, column).value for r in range(2, sheet.max_row + 1)]
    assert labels == [sens.factor(p).label("zh") for p in sens.table["parameter"]]
    for column in ("基准值", "取低端时", "取高端时", "摆幅"):
        assert sheet.cell(2, header.index(column) + 1).number_format == "#,##0"  # money
    width = sheet.column_dimensions["B"].width  # the number's label: Chinese counts double
    assert (width or 0) > 20


def test_the_section_says_when_a_lever_tops_and_what_is_within_noise(
    levers: SensitivityResult,
) -> None:
    sens = levers
    for lang in ("en", "zh"):
        text = sensitivity_markdown(sens, lang)
        prose = _prose(text)
        _assert_labels_only(prose, sens)
        assert text.startswith("## " + ("Sensitivity analysis" if lang == "en" else "敏感性分析"))
        for out in sens.outputs:
            assert f"(charts/sensitivity_{out.key.replace(':', '_')}.png)" in text
        lever_tops = [
            o for o in sens.outputs if (t := sens.top(o, 1)) and t[0].parameter.kind == "lever"
        ]
        said = prose.count(
            "The largest swing is a lever's" if lang == "en" else "排在首位的是政策杠杆"
        )
        assert said == len(lever_tops) > 0
        for out in sens.outputs:
            first = sens.first_to_measure(out)
            if first is not None:
                sentence = (
                    f"The assumption to pin down first: {first.label('en')}."
                    if lang == "en"
                    else f"应首先核实的假设：{first.label('zh')}。"
                )
                assert sentence in prose
        noise = sens.table[sens.table["effect"] == "noise"]
        for path in noise["parameter"]:
            assert sens.factor(path).label(lang) in prose
    from budgetsim._report_sensitivity import CHART_NONE, chart_bars

    for out in sens.outputs:  # the tornado shows what has an effect
        some = int((sens.table[sens.table["output"] == out.key]["effect"] != "none").sum())
        assert chart_bars(sens, out) == (some or CHART_NONE)
    en = sensitivity_markdown(sens, "en")
    assert "No number moves it beyond Monte Carlo noise." in en  # rd_reward: always exhausted
    assert "Every number leaves it exactly unchanged on the same draws." in en
    assert "(a lever, swing +" in en
    assert " percentage points)" in en  # a share's swing
    assert "亿元)" in en  # a budget's swing, as the findings write money
    assert "Nothing to pin down first for: P(exhausted) · R&D super-deduction reward" in en
    assert "Each headline result has an assumption of its own to pin down first:" in en


def test_write_report_takes_only_a_tornado_of_its_own_scenario(
    guangdong: tuple[Path, SensitivityResult], tmp_path: Path
) -> None:
    _, sens = guangdong
    other = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2015-2017"), draws=20, seed=1)
    with pytest.raises(ValueError, match="of scenario 'guangdong-2022'"):
        write_report(other, tmp_path, svg=False, sensitivity=sens)
    morris = SensitivityResult("morris", sens.scenario, sens.outputs, sens.factors, sens.table,
                               sens.draws, sens.seed, 0.0)  # fmt: skip
    with pytest.raises(ValueError, match="reads a tornado"):
        sensitivity_markdown(morris)


@pytest.fixture(scope="module")
def sensitivity_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("cli-sensitivity")
    args = ["report", "guangdong-2022", "--draws", "200", "--sensitivity"]
    args += ["--sensitivity-draws", "200", "--lang", "en", "--no-svg", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_cli_report_sensitivity_writes_the_section_and_the_sheet(
    sensitivity_report: tuple[Path, str],
) -> None:
    out, printed = sensitivity_report
    assert "sensitivity of 1 output to 3 numbers at 200 draws a point" in printed
    page = (out / "report.html").read_text(encoding="utf-8")
    section = _section(page)
    assert "<h2>Sensitivity analysis</h2>" in section
    assert "with 200 draws a point on common random numbers" in section
    assert "seed 1)" in section  # the run's seed
    assert "The assumption to pin down first:" in section
    assert "Sensitivity" in openpyxl.load_workbook(out / "report.xlsx").sheetnames
    stamp = json.loads((out / "summary.json").read_text(encoding="utf-8"))["stamp"]
    assert stamp["draws"] == 200  # the report's run keeps its own draws


def test_cli_report_without_sensitivity_has_no_section(report: Path) -> None:
    page = (report / "report.html").read_text(encoding="utf-8")
    assert 'id="sensitivity"' not in page
    assert "敏感性" not in openpyxl.load_workbook(report / "report.xlsx").sheetnames
    assert not list((report / "charts").glob("sensitivity_*"))


@BROWSER
def test_the_sensitivity_section_renders_in_a_real_browser(
    sensitivity_report: tuple[Path, str],
) -> None:
    out, _ = sensitivity_report
    seen = browse(out)
    assert "Sensitivity analysis" in seen["h2"]
    assert seen["h2"].index("Sensitivity analysis") < len(seen["h2"]) - 1  # appendix last
    assert seen["h3"][0].startswith("Budget at risk P80")
    assert seen["h3"][-1] == "What to measure first"
    assert "sensitivity_budget_at_risk_p80_policy" in seen["charts"]
    assert seen["broken"] == []
    assert seen["severe"] == []


def test_the_report_lists_doubted_numbers_once_in_its_language(tmp_path: Path) -> None:
    base = Path(__file__).parent / "bad_scenarios" / "_base.toml"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            str(base),
            "--set",
            "programmes.award.envelope.total=30000000",
            "--draws",
            "200",
            "--out",
            str(tmp_path),
            "--no-svg",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("warning:") == 1
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("请核对的数字") == 1
    assert page.count("programmes.award.envelope.total</code>") == 1
    assert "是否应为3,000万元" in page


def test_a_report_without_doubts_has_no_such_section(report: Path) -> None:
    assert "请核对的数字" not in (report / "report.html").read_text(encoding="utf-8")
