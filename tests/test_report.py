"""``budgetsim report``: the HTML in a real headless browser, the workbook read back, the
charts and the JSON on disk, findings written from the numbers."""

import json
import os
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import budgetsim
from budgetsim.cli import cli
from budgetsim.report import findings, provenance, write_report

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


def test_workbook_reads_back_with_formats_and_frozen_headers(report: Path) -> None:
    book = openpyxl.load_workbook(report / "report.xlsx")
    assert book.sheetnames[:2] == ["Summary", "Findings"]
    assert {"rd_reward", "Assumptions", "Draws"} <= set(book.sheetnames)
    summary = book["Summary"]
    assert summary.freeze_panes == "B2"
    header = [c.value for c in summary[1]]
    money, share = header.index("paid_mean") + 1, header.index("p_exhausted") + 1
    assert summary.cell(2, money).number_format == "#,##0"
    assert summary.cell(2, share).number_format == "0.0%"
    draws = book["Draws"]
    assert draws.max_row == 301  # a header and one row per draw
    assumptions = [c.value for c in book["Assumptions"][1]]
    assert assumptions == ["path", "source", "assumption"]


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


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("BUDGETSIM_REQUIRE_BROWSER"),
    reason="no chromium and chromedriver (Debian: chromium chromium-driver)",
)
def test_the_html_opens_in_a_real_browser_with_every_chart(report: Path) -> None:
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
        assert driver.title.startswith("江门市科技创新")
        headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
        assert headings[0] == "主要发现"
        images = driver.find_elements(By.CSS_SELECTOR, "img[data-chart]")
        charts = len(list((report / "charts").glob("*.png")))
        assert len(images) == charts
        for image in images:
            loaded = driver.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth > 0", image
            )
            assert loaded, image.get_attribute("data-chart")
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
        driver.save_screenshot(str(report / "screenshot.png"))
    finally:
        driver.quit()


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
