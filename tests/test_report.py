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
from budgetsim.report import (
    PRINT_WIDTH_MM,
    findings,
    provenance,
    sensitivity_markdown,
    write_report,
)
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
    assert rd.startswith(f"{label} (10 million yuan in 2021) is oversubscribed in {p:.0%} of draws")
    assert not any(re.search(r"[\u4e00-\u9fff]", s) for s in en)  # no Chinese in English
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
    assert page.index('<h2 class="major">图表</h2>') < page.index(section)
    assert page.index(section) < page.index('<h2 class="major" id="appendix">附录')
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
    assert f'<code class="path">{first.path.replace(".", ".<wbr>")}</code>' in section


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
    # the number's label: Chinese counts double (a file may state the width of several
    # columns at once, B among them)
    width = next(d.width for d in sheet.column_dimensions.values() if d.min <= 2 <= d.max)
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
    assert "million yuan)" in en  # a budget's swing, as the findings write money
    assert "亿元）" in sensitivity_markdown(sens, "zh")
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
    assert "sensitivity: outputs 1, numbers varied 3, 200 draws a point" in printed
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
    first = next(i for i, h in enumerate(seen["h3"]) if h.startswith("Budget at risk P80"))
    assert seen["h3"].index("What to measure first") > first
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
    assert result.output.count("提示：") == 1
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("请核对的数字") == 1
    assert page.count("programmes.award.envelope.total</code>") == 1
    assert "是否应为3,000万元" in page


def test_a_report_without_doubts_has_no_such_section(report: Path) -> None:
    assert "请核对的数字" not in (report / "report.html").read_text(encoding="utf-8")


# -- one language, every table, an appendix a reader can follow, files that open anywhere ------

#: The reports the layout tests read: the default scenario with its reserve fund and shared
#: funds, and zhongshan-2024 with 25 programmes (the widest tables), each in both languages.
PAGES = [("jiangmen-2021", "zh"), ("jiangmen-2021", "en"), ("zhongshan-2024", "zh")]
PAGES += [("zhongshan-2024", "en")]
SCENARIOS = ["jiangmen-2021", "zhongshan-2024", "guangzhou-2024-mic", "jiangmen-2015-2017"]
SCENARIOS += ["guangdong-2022"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    out = {}
    for scenario, lang in PAGES:
        res = budgetsim.simulate(budgetsim.load_scenario(scenario), draws=200, seed=1)
        folder = tmp_path_factory.mktemp(f"{scenario}-{lang}")
        write_report(res, folder, lang=lang, svg=False)
        out[(scenario, lang)] = folder
    return out


def _page(pages: dict[tuple[str, str], Path], scenario: str, lang: str) -> str:
    return (pages[(scenario, lang)] / "report.html").read_text(encoding="utf-8")


def _headers(page: str) -> list[str]:
    """The text of every header cell of the page's own tables (not the calibration notes')."""
    own = page.split('<section id="calibration"')[0]
    cells = re.findall(r"<th[^>]*>(.*?)</th>", own, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


@pytest.mark.parametrize(("scenario", "lang"), PAGES)
def test_the_page_speaks_one_language_with_labels_from_the_registries(
    pages: dict[tuple[str, str], Path], scenario: str, lang: str
) -> None:
    from budgetsim.metrics import label, money_unit
    from budgetsim.words import code_names, word

    page = _page(pages, scenario, lang)
    sc = budgetsim.load_scenario(scenario)
    headers = _headers(page)
    assert headers
    names = code_names()
    assert [h for h in headers if h in names or re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", h)] == []
    if lang == "zh":  # every header says something in Chinese (P80, [%] alone would not)
        assert [h for h in headers if not CJK.search(h)] == []
        title = sc.scenario.title
    else:  # amounts may keep their Chinese notation (≥ 5000万)
        assert [h for h in headers if CJK.search(re.sub(r"\d[\d.,]*[万亿]元?", "", h))] == []
        title = sc.scenario.title_en
    assert f"<h1>{html.escape(title)}</h1>" in page
    unit = money_unit(sc.scenario.unit, lang)
    assert f'{label("demand_mean", lang)} <span class="unit">[{unit}]</span>' in page
    assert f'{html.escape(label("paid_mean", lang))} <span class="unit">[{unit}]</span>' in page
    meta = re.search(r'<p class="meta">(.*?)</p>', page)
    assert meta is not None
    assert ("次模拟" in meta.group(1)) == (lang == "zh")
    assert ("draws" in meta.group(1)) == (lang == "en")
    for key in ("heading_findings", "heading_per_year", "heading_policy", "heading_appendix"):
        assert html.escape(word(key, lang)) in page
    totals = word("heading_totals", lang).format(
        span=f"{sc.scenario.years[0]}–{sc.scenario.years[-1]}"
    )
    assert f"<h3>{html.escape(totals)}</h3>" in page
    for programme in sc.programmes.values():  # each programme by its label in the language
        name = programme.label if lang == "zh" else programme.label_en
        assert (
            f'<td class="key" rowspan="{len(sc.scenario.years)}">{html.escape(name)}</td>' in page
        )


def test_the_page_has_every_table_of_the_run(pages: dict[tuple[str, str], Path]) -> None:
    from budgetsim.words import word

    res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=200, seed=1)
    for lang in ("zh", "en"):
        page = _page(pages, "jiangmen-2021", lang)
        for key in ("heading_funds", "heading_riskfunds"):
            assert f"<h3>{html.escape(word(key, lang))}</h3>" in page
        assert html.escape(word("heading_targets", lang)) not in page  # no target
        reserve = res.scenario.riskfunds["credit_reserve"]
        assert html.escape(reserve.label if lang == "zh" else reserve.label_en) in page
        for fund in res.funds:
            if fund.shared:
                spec = res.scenario.funds[fund.id]
                assert html.escape(spec.label if lang == "zh" else spec.label_en) in page
    # the numbers are the run's: the reserve fund's P5 balance at the end of the last year
    p5 = res.riskfund_summary().loc[("credit_reserve", 2023), "balance_end_p5"]
    assert f"<td>{p5:,.0f}</td>" in _page(pages, "jiangmen-2021", "zh")
    zs = _page(pages, "zhongshan-2024", "zh")
    assert f"<h3>{word('heading_targets')}</h3>" in zs
    assert "P(资金用尽)" not in zs.split('id="appendix"')[0]  # nothing is capped: nothing runs out


@pytest.mark.parametrize(("scenario", "lang"), PAGES)
def test_the_appendix_has_a_row_per_number_with_grade_range_and_basis(
    pages: dict[tuple[str, str], Path], scenario: str, lang: str
) -> None:
    from budgetsim.words import word

    page = _page(pages, scenario, lang)
    appendix = page[page.index('id="appendix"') : page.index('<section id="calibration"')]
    table = budgetsim.parameters(budgetsim.load_scenario(scenario), lang=lang)
    names = re.findall(r'<td class="name">(.*?)</td>', appendix)
    assert len(names) == len(table)
    assert html.escape(word("grade_legend", lang)) in appendix
    grades = re.findall(r'<td class="grade">(.*?)</td>', appendix)
    assert set(grades) <= {"S", "D", "E", "—"}
    assert {"S", "E"} <= set(grades)
    clauses = re.findall(r'<blockquote class="clause">(.*?)</blockquote>', appendix, flags=re.S)
    assert clauses
    assert all(c.startswith(f'<span class="tag">{word("cites", lang)}') for c in clauses)
    sources = {html.escape(s) for s in table["source"].dropna()}
    assert any(s.split("§")[0] in c for s in sources for c in clauses)
    assert '<p class="assumption">' in appendix
    rows = re.findall(r'<tr><td class="name">(.*?)</tr>', appendix)
    ranges = [re.findall(r"<td[^>]*>(.*?)</td>", row)[3] for row in rows]
    assert sum(r != "—" for r in ranges) == int(table["low"].notna().sum())
    for label in table["label"]:  # no number is named by its path
        assert "." not in label.split(" · ")[-1] or CJK.search(label)
    assert not re.search(r"<td[^>]*>(populations|programmes|funds)\.", appendix)


def test_a_clause_is_quoted_and_an_assumption_reasoned_in_the_report_language(
    pages: dict[tuple[str, str], Path],
) -> None:
    page = _page(pages, "jiangmen-2021", "zh")
    assert (
        '<blockquote class="clause"><span class="tag">依据：</span>江科〔2021〕63号 五：“' in page
    )
    en = _page(pages, "jiangmen-2021", "en").split('<section id="calibration"')[0]
    assert '<p class="assumption"><span class="tag">Assumption: </span>' in en
    assert "<td>E</td>" not in en
    assert '<td class="grade">E</td>' in en


def test_every_calibration_citation_of_the_bundled_scenarios_exists() -> None:
    from budgetsim._report_appendix import appendix_texts, calibration_sections, citations

    sections = calibration_sections()
    assert {"1", "3.1", "10"} <= set(sections)
    cited: dict[str, set[str]] = {}
    for scenario in SCENARIOS:
        sc = budgetsim.load_scenario(scenario)
        for lang in ("zh", "en"):
            for text in appendix_texts(budgetsim.parameters(sc, lang=lang)):
                for number in citations(text):
                    cited.setdefault(number, set()).add(f"{scenario} ({lang}): {text[:60]}")
    assert len(cited) > 10
    missing = {n: sorted(where) for n, where in cited.items() if n not in sections}
    assert missing == {}


def test_the_report_links_each_citation_to_its_section_at_the_end(
    pages: dict[tuple[str, str], Path],
) -> None:
    from budgetsim._report_appendix import calibration_sections

    sections = calibration_sections()
    for lang, heading, title in (
        ("zh", "校准说明（引用部分）", "10. 江门2021年情景的默认分布建议"),
        ("en", "Calibration notes cited", "10. Proposed default distributions"),
    ):
        page = _page(pages, "jiangmen-2021", lang)
        start = page.index('<section id="calibration"')
        notes, body = page[start:], page[:start]
        assert f'<h2 class="major">{heading}</h2>' in notes
        links = set(re.findall(r'<a class="cite" href="#(calibration-[\d-]+)">§', body))
        assert {"calibration-10", "calibration-3-1"} <= links
        ids = set(re.findall(r'id="(calibration-[\d-]+)"', notes))
        assert links <= ids
        # what is cited is reproduced, with its tables and its public sources as links
        assert f'<h3 id="calibration-10">{title}' in notes
        assert "<table>" in notes
        assert (
            '<a href="http://www.jiangmen.gov.cn/bmpd/jmskxjsj/zwdt/gzdt/content/post_3321444.html">'
            in notes
        )
        # what is not cited is not
        cited_top = {link.split("-")[1] for link in links}
        for number in sections:
            if "." not in number and number not in cited_top:
                assert f'id="calibration-{number}"' not in notes
        assert 'id="calibration-11"' not in notes  # gaps: not cited by jiangmen-2021


def test_the_calibration_notes_ship_with_the_package(tmp_path: Path) -> None:
    """The wheel maps docs/calibration.md to budgetsim/docs/calibration.md (pyproject), and the
    loader finds the notes there in an installed package without the repository beside it."""
    import subprocess
    import sys
    import tomllib

    from budgetsim._report_appendix import calibration_text

    root = Path(__file__).parents[1]
    notes = (root / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert calibration_text() == notes  # from a source tree
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert mapping == {
        "docs/calibration.md": "budgetsim/docs/calibration.md",
        "docs/calibration.zh.md": "budgetsim/docs/calibration.zh.md",
    }
    assert any(d.startswith("markdown-it-py") for d in pyproject["project"]["dependencies"])
    # the installed layout, as the wheel has it, and nothing else
    site = tmp_path / "site"
    shutil.copytree(Path(budgetsim.__file__).parent, site / "budgetsim",
                    ignore=shutil.ignore_patterns("__pycache__", "docs"))  # fmt: skip
    (site / "budgetsim" / "docs").mkdir()
    shutil.copy(root / "docs" / "calibration.md", site / "budgetsim" / "docs" / "calibration.md")
    code = "from budgetsim._report_appendix import calibration_text as t; print(len(t()))"
    env = {**os.environ, "PYTHONPATH": str(site)}
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           cwd=tmp_path, check=True)  # fmt: skip
    assert int(shown.stdout) == len(notes)
    (site / "budgetsim" / "docs" / "calibration.md").unlink()  # a broken install says so
    broken = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, cwd=tmp_path)  # fmt: skip
    assert broken.returncode != 0
    assert "reinstall budgetsim" in broken.stderr


def test_the_chinese_calibration_notes_ship_and_are_found_like_the_english(tmp_path: Path) -> None:
    """The loader finds docs/calibration.zh.md in a source tree and, in the installed layout,
    as budgetsim/docs/calibration.zh.md (the wheel's mapping, checked above)."""
    import subprocess
    import sys

    from budgetsim._report_appendix import calibration_text

    root = Path(__file__).parents[1]
    zh = (root / "docs" / "calibration.zh.md").read_text(encoding="utf-8")
    assert calibration_text("zh") == zh
    assert calibration_text("zh") != calibration_text("en")
    site = tmp_path / "site"
    shutil.copytree(Path(budgetsim.__file__).parent, site / "budgetsim",
                    ignore=shutil.ignore_patterns("__pycache__", "docs"))  # fmt: skip
    (site / "budgetsim" / "docs").mkdir()
    for name in ("calibration.md", "calibration.zh.md"):
        shutil.copy(root / "docs" / name, site / "budgetsim" / "docs" / name)
    code = "from budgetsim._report_appendix import calibration_text as t; print(len(t('zh')))"
    env = {**os.environ, "PYTHONPATH": str(site)}
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           cwd=tmp_path, check=True)  # fmt: skip
    assert int(shown.stdout) == len(zh)
    (site / "budgetsim" / "docs" / "calibration.zh.md").unlink()
    broken = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, cwd=tmp_path)  # fmt: skip
    assert broken.returncode != 0
    assert "calibration.zh.md" in broken.stderr


#: A web address in the notes, as a reader's Markdown viewer and the report's links end it (at a
#: space, ``|`` or ``)``): one glued to Chinese text would swallow it and not match the English.
_NOTE_URL = re.compile(r"https?://[^\s|)]+")
#: English ways of writing a number that a Chinese row writes otherwise: quarters (Q3, Q1-22),
#: ranks (#1, 5th), billions (88 bn = 880亿), clause marks of laws (§4 = 第4条 is kept as 4).
_ENGLISH_ONLY_NUMBER = re.compile(r"\bQ\d(?:-\d\d)?\b|#\d+|\b\d+(?:st|nd|rd|th)\b|\b\d+ bn\b")
_NOTE_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


def _numbers(row: str) -> list[str]:
    text = _ENGLISH_ONLY_NUMBER.sub(" ", _NOTE_URL.sub(" ", row))
    return [n.replace(",", "") for n in _NOTE_NUMBER.findall(text)]


def test_the_chinese_calibration_notes_keep_every_section_table_number_and_source() -> None:
    from budgetsim._report_appendix import calibration_sections, calibration_text

    en = calibration_sections(calibration_text("en"), "en")
    zh = calibration_sections(calibration_text("zh"), "zh")
    assert list(zh) == list(en)  # the same numbers, in the same order
    assert len(en) == 21
    for number, section in en.items():
        translated = zh[number].markdown
        assert zh[number].title != section.title, number  # translated, not copied
        assert set(_NOTE_URL.findall(section.markdown)) <= set(_NOTE_URL.findall(translated))
        rows, zh_rows = _rows(section.markdown), _rows(translated)
        assert len(zh_rows) == len(rows), number
        for row, zh_row in zip(rows, zh_rows, strict=True):
            assert zh_row.count("|") == row.count("|"), (number, zh_row)
            status = row.rstrip(" |").rsplit("|", 1)[-1].strip()
            if re.fullmatch(r"[SDEP](?:/[SDEP])*", status):  # the status letters, as they are
                assert zh_row.rstrip(" |").rsplit("|", 1)[-1].strip() == status, zh_row
            shown = set(_numbers(zh_row))
            missing = [n for n in _numbers(row) if n not in shown]
            assert missing == [], (number, row[:60])
    # the Chinese source titles, as they are
    for title in ("中山年鉴2024", "江科〔2021〕63号", "穗金管规字〔2025〕1号", "南方日报"):
        assert title in calibration_text("zh")


#: Four English words in a row: a sentence left untranslated.
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,;:]+[A-Za-z][A-Za-z'’-]*){3,}")


def _english_runs(fragment: str) -> list[str]:
    """Runs of four or more English words in an HTML fragment's text, leaving out links (their
    text is the web address), code and web addresses."""
    text = re.sub(r"<a [^>]*>.*?</a>|<code>.*?</code>", " ", fragment, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return _ENGLISH_RUN.findall(_NOTE_URL.sub(" ", text))


def test_the_calibration_check_for_english_finds_an_untranslated_sentence() -> None:
    assert _english_runs("<p>每年 the money goes back 到市财政</p>") == ["the money goes back"]
    assert _english_runs('<p>见 <a href="https://a.b/c">https://a.b/c/d-e-f</a>，`x`</p>') == []
    mixed = "<p>China Matters / PRNewswire；<code>first time per year</code></p>"
    assert _english_runs(mixed) == []


def test_a_chinese_report_reproduces_the_chinese_calibration_notes(
    pages: dict[tuple[str, str], Path],
) -> None:
    from budgetsim._report_appendix import calibration_html, calibration_sections

    page = _page(pages, "jiangmen-2021", "zh")
    notes = page[page.index('<section id="calibration"') :]
    assert "原文（英文）" not in notes
    assert "英文原文" not in notes
    assert "docs/calibration.zh.md" in notes
    assert '<h4 id="calibration-3-1">3.1 数量</h4>' in notes
    assert _english_runs(notes) == []
    # every section of the notes, not only those jiangmen-2021 cites
    every = calibration_html(calibration_sections(), calibration_sections(), "zh")
    assert every.count("<h3 ") == 11
    assert _english_runs(every) == []
    english = calibration_html(calibration_sections(), calibration_sections(), "en")
    assert len(_english_runs(english)) > 100  # the check reads English where there is some


def test_a_calibration_section_the_chinese_notes_lack_is_reproduced_in_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from budgetsim import _report_appendix as appendix

    shipped = appendix.calibration_text
    without_11 = shipped("zh").split("## 11.")[0]

    def text(lang: str = "en") -> str:
        return without_11 if lang == "zh" else shipped(lang)  # type: ignore[arg-type]

    monkeypatch.setattr(appendix, "calibration_text", text)
    sections = appendix.calibration_sections(lang="zh")
    assert sections["11"].lang == "en"
    assert sections["10"].lang == "zh"
    assert sections["11"] == appendix.calibration_sections()["11"]
    shown = appendix.calibration_html(["10", "11"], appendix.calibration_sections(), "zh")
    assert "江门2021年情景的默认分布建议" in shown
    assert "11. Gaps and what to verify with a bureau" in shown
    assert "其中 §11 节尚无中文本，照录英文原文。" in shown
    # notes given as text are reproduced as given
    given = appendix.calibration_sections("## 10. Own\n\nText.")
    assert "Own" in appendix.calibration_html(["10"], given, "zh")


def test_the_calibration_notes_speak_of_this_project_and_keep_their_sources() -> None:
    root = Path(__file__).parents[1]
    notes = (root / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert "shared/" not in notes
    assert "the repo file" not in notes
    assert "docs/policies.md" in notes
    urls = set(re.findall(r"https?://[^\s|)]+", notes))
    assert len(urls) >= 90  # every public source the notes name


def test_summary_csv_opens_in_excel_on_chinese_windows(report: Path) -> None:
    import pandas as pd

    raw = (report / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    tidy = pd.read_csv(report / "summary.csv")
    assert tidy.columns[0] == "programme"  # pandas skips the mark
    assert (tidy["unit"] == "万元").any()


# -- in a real browser: on a screen 1280 px wide and printed on A4 -----------------------------

#: The width a printed page's content has [CSS px at 96 dpi].
PRINT_PX = round(PRINT_WIDTH_MM / 25.4 * 96)


def _layout(driver: Any, page: Path, width: int, media: str) -> dict[str, Any]:
    """Load ``page`` at ``width`` CSS px with ``media`` emulated: the tables wider than their
    container or the page, the images that did not load, the header cells' text."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.get(page.as_uri())
    return driver.execute_script(  # type: ignore[no-any-return]
        """
        const tables = [...document.querySelectorAll('table')];
        return {
          wide: tables.filter(t => t.scrollWidth > t.parentElement.clientWidth + 1
                                   || t.getBoundingClientRect().right > innerWidth + 1)
                      .map(t => [t.className, t.scrollWidth, t.parentElement.clientWidth]),
          page: document.documentElement.scrollWidth,
          tables: tables.length,
          images: [...document.images].length,
          broken: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))
                      .map(i => i.dataset.chart),
          headers: [...document.querySelectorAll('th')]
                      .filter(h => !h.closest('#calibration')).map(h => h.innerText.trim()),
        };"""
    )


@BROWSER
def test_tables_fit_the_screen_and_an_a4_page_in_a_real_browser(
    pages: dict[tuple[str, str], Path],
) -> None:
    import base64

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from budgetsim.words import code_names

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or "chromium"
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tempfile.mkdtemp()}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER or "chromedriver"), options=options)
    names = code_names()
    try:
        for (scenario, lang), folder in pages.items():
            page = folder / "report.html"
            for width, media in ((1280, "screen"), (PRINT_PX, "print")):
                seen = _layout(driver, page, width, media)
                where = f"{scenario} {lang} {media} {width}px"
                assert seen["tables"] > 5, where
                assert seen["wide"] == [], where
                assert seen["page"] <= width, where
                assert seen["images"] > 0, where
                assert seen["broken"] == [], where
                assert [h for h in seen["headers"] if h in names] == [], where
                if media == "print":
                    driver.save_screenshot(str(folder / f"print-{width}.png"))
            pdf = driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})
            assert base64.b64decode(pdf["data"]).startswith(b"%PDF"), scenario
    finally:
        driver.quit()
