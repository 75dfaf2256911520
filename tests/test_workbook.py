"""The workbook (``budgetsim.workbook``): sheets named in the language, headers from the
registries, a number format on every number, page setup, and the pages LibreOffice prints."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest

import budgetsim
from budgetsim.metrics import REGISTRY, Kind
from budgetsim.report import findings
from budgetsim.sensitivity import SensitivityResult, tornado
from budgetsim.words import code_names, word
from budgetsim.workbook import SHEETS, number_format, sheet_name, write_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFINFO, PDFTOTEXT = shutil.which("pdfinfo"), shutil.which("pdftotext")
LIBREOFFICE = pytest.mark.skipif(
    not (SOFFICE and PDFINFO and PDFTOTEXT) and not os.environ.get("BUDGETSIM_REQUIRE_LIBREOFFICE"),
    reason="no LibreOffice, pdfinfo and pdftotext (Debian: libreoffice-calc-nogui poppler-utils)",
)

DRAWS = 200
#: A code name as a header would show it: ``demand_mean``, ``p_exhausted:rd_reward``, a path.
CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b[a-z_]+\.[a-z_]+\.[a-z_.]+\b")


def _build(scenario: str, folder: Path, lang: str, sens: SensitivityResult | None = None) -> Path:
    res = budgetsim.simulate(budgetsim.load_scenario(scenario), draws=DRAWS, seed=1, monthly=True)
    path = folder / f"{scenario}-{lang}.xlsx"
    write_workbook(res, path, findings=findings(res, lang), sensitivity=sens, lang=lang)
    return path


@pytest.fixture(scope="module")
def sens() -> SensitivityResult:
    """A small tornado of jiangmen-2021: a share and a money output."""
    sc = budgetsim.load_scenario("jiangmen-2021")
    return tornado(
        sc, ["p_exhausted:loan_interest", "budget_at_risk_p80"], draws=50, seed=1,
        only=["populations.tech_borrowers.arrivals.mean"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, sens: SensitivityResult) -> dict[str, Path]:
    """jiangmen-2021 (shared funds, a reserve fund, no target) in both languages with a
    tornado, and guangzhou-2024-mic (targets, no fund, no reserve) in Chinese."""
    folder = tmp_path_factory.mktemp("workbook")
    return {
        "zh": _build("jiangmen-2021", folder, "zh", sens),
        "en": _build("jiangmen-2021", folder, "en", sens),
        "targets": _build("guangzhou-2024-mic", folder, "zh"),
    }


def _headers(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[str]:
    row = 2 if ws.title in ("抽样数据", "Draws") else 1  # the per-draw sheet: a note above
    return [str(c.value) for c in ws[row] if c.value is not None]


def test_sheets_are_named_in_the_language(books: dict[str, Path]) -> None:
    zh = openpyxl.load_workbook(books["zh"]).sheetnames
    assert zh == [
        "概览",
        "各项目",
        "资金池",
        "整体预算",
        "风险准备金",
        "目标",
        "假设",
        "敏感性",
        "抽样数据",
    ]
    en = openpyxl.load_workbook(books["en"]).sheetnames
    assert en == [
        "Overview", "Programmes", "Shared funds", "Whole policy", "Reserve fund", "Targets",
        "Assumptions", "Sensitivity", "Draws",
    ]  # fmt: skip
    assert en == [sheet_name(key, "en") for key in SHEETS]
    # without a tornado: no sensitivity sheet, every other sheet still there
    assert openpyxl.load_workbook(books["targets"]).sheetnames == [
        sheet_name(key) for key in SHEETS if key != "sensitivity"
    ]


def test_a_block_the_scenario_lacks_keeps_its_sheet_with_a_note(books: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(books["targets"])
    for key, note in (("funds", "wb_no_funds"), ("riskfunds", "wb_no_riskfunds")):
        ws = book[sheet_name(key)]
        assert [[c.value for c in row] for row in ws.iter_rows()] == [[word(note)]]
    assert openpyxl.load_workbook(books["en"])["Targets"]["A1"].value == word("wb_no_targets", "en")
    targets = book["目标"]
    assert _headers(targets)[:2] == ["目标", "年度"]
    assert "P(存量 ≥ 目标)" in _headers(targets)


def test_no_header_is_a_code_name(books: dict[str, Path]) -> None:
    names = code_names()
    for path in books.values():
        for ws in openpyxl.load_workbook(path).worksheets:
            for header in _headers(ws):
                assert header not in names, (ws.title, header)
                assert not CODE.search(header), (ws.title, header)
    en = openpyxl.load_workbook(books["en"])
    headers = _headers(en["Programmes"])
    assert headers[:3] == ["programme", "year", "envelope\n[10k yuan]"]
    assert "P(exhausted)" in headers
    assert "share of claimants paid in full\n[%]" in headers
    zh = openpyxl.load_workbook(books["zh"])
    assert "需求均值\n[万元]" in _headers(zh["各项目"])
    assert "全额资助比例\n[%]" in _headers(zh["各项目"])
    assert _headers(zh["假设"]) == [
        "字段路径", "名称", "取值", "单位", "类型", "等级", "合理区间下限", "合理区间上限",
        "依据条款", "假设及理由",
    ]  # fmt: skip


def test_every_number_has_a_format(books: dict[str, Path]) -> None:
    for path in books.values():
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            top = 2 if ws.title in ("抽样数据", "Draws") else 1
            for row in ws.iter_rows(min_row=top + 1, max_row=min(ws.max_row, 400)):
                for cell in row:
                    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                        assert cell.number_format != "General", (ws.title, cell.coordinate)


def _column(ws: openpyxl.worksheet.worksheet.Worksheet, header: str) -> list[openpyxl.cell.Cell]:
    k = _headers(ws).index(header) + 1
    return [ws.cell(r, k) for r in range(2, ws.max_row + 1)]


def test_the_programmes_sheet_has_the_numbers_and_their_formats(books: dict[str, Path]) -> None:
    res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=DRAWS, seed=1)
    ws = openpyxl.load_workbook(books["zh"])["各项目"]
    n_years = len(res.years)
    assert ws.max_row == 1 + len(res.programmes) * (n_years + 1)  # years and the horizon
    years = [c.value for c in _column(ws, "年度")]
    assert years[: n_years + 1] == [*res.years, "全期"]
    assert ws.cell(2 + n_years, 1).font.b  # the horizon row stands out
    formats = {
        "需求均值\n[万元]": "#,##0",
        "P(资金用尽)": "0.0%",
        "P(资金用尽)的标准误": "0.00%",
        "资金用尽月份\n（中位数）\n[月]": "0",
        "年度": "0",
        "兑付比例\n（已付 ÷ 需求）\n[%]": "0.0%",
        "P95 所需预算\n[万元]": "#,##0",
        "现金支出均值\n[万元]": "#,##0",  # jiangmen pays some grants over two years
    }
    for header, fmt in formats.items():
        cells = [c for c in _column(ws, header) if isinstance(c.value, int | float)]
        assert cells, header
        assert {c.number_format for c in cells} == {fmt}, header
    claimants = _column(ws, "申请者数均值\n[家]")
    for cell in claimants:  # an expected count below 10 keeps two significant digits
        value = float(cell.value)
        assert cell.number_format == number_format("claimants_mean", value)
    assert any(c.number_format != "#,##0" for c in claimants)
    row = res.summary().loc[("rd_reward", res.years[0])]
    label = res.scenario.programmes["rd_reward"].label
    r = next(c.row for c in _column(ws, "项目") if c.value == label)
    assert _column(ws, "需求均值\n[万元]")[r - 2].value == pytest.approx(row["demand_mean"])
    assert _column(ws, "P(资金用尽)")[r - 2].value == pytest.approx(row["p_exhausted"])


def test_number_formats_by_kind() -> None:
    assert number_format("paid_mean") == "#,##0"
    assert number_format("paid_mean_se") == "#,##0.0"
    assert number_format("coverage_full") == "0.0%"
    assert number_format("p_depleted_se") == "0.00%"
    assert number_format("leverage") == '0.0"×"'
    assert number_format("depletion_month_p50") == "0"
    assert number_format("first_exhausted_year_p50") == "0"
    assert number_format("stock_p5", 2.0) == "#,##0"  # a whole count
    assert number_format("defaults_mean", 3.3) == "0.0"
    assert number_format("claimants_mean", 0.0123) == "0.000"  # 0.012
    for name, m in REGISTRY.items():
        fmt = number_format(name, 0.5)
        assert fmt.endswith("%") == (m.kind is Kind.SHARE), name


def test_the_reserve_fund_and_shared_funds_read_by_year(books: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(books["zh"])
    reserve = book["风险准备金"]
    assert _headers(reserve) == ["风险准备金", "指标", "2021", "2022", "2023"]
    rows = {r[1].value: r for r in reserve.iter_rows(min_row=2)}
    assert rows["放大倍数（贷款规模 ÷ 年初余额） [×]"][2].number_format == '0.0"×"'
    assert rows["P(年末前耗尽)的标准误"][2].number_format == "0.00%"
    assert rows["初始资金 [万元]"][2].value == pytest.approx(2610.0)
    funds = book["资金池"]
    measures = [r[1].value for r in funds.iter_rows(min_row=2)]
    assert measures[0].startswith("成员项目：")
    assert "P(资金用尽)" in measures


def test_the_sensitivity_sheet_is_labelled_and_formats_each_row_as_its_output(
    books: dict[str, Path], sens: SensitivityResult
) -> None:
    ws = openpyxl.load_workbook(books["zh"])["敏感性"]
    headers = _headers(ws)
    assert headers[:2] == ["结果指标", "数字"]
    assert {"基准值", "摆幅", "摆幅的标准误", "影响", "字段路径"} <= set(headers)
    assert ws.max_row == len(sens.table) + 1
    outputs = [c.value for c in _column(ws, "结果指标")]
    assert outputs[0].startswith("P(资金用尽)")
    assert outputs[1].endswith("[万元]")  # a money output says its unit
    for header, share, money in (("摆幅", "0.0%", "#,##0"), ("摆幅的标准误", "0.00%", "#,##0.0")):
        assert [c.number_format for c in _column(ws, header)] == [share, money]
    assert {c.value for c in _column(ws, "影响")} <= {"超出噪声", "噪声以内", "无影响"}


def test_overview_stamps_the_run_and_lists_the_findings(books: dict[str, Path]) -> None:
    res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=DRAWS, seed=1)
    ws = openpyxl.load_workbook(books["zh"])["概览"]
    pairs = {r[0].value: r[1].value for r in ws.iter_rows() if r[0].value}
    assert pairs["标题"] == res.scenario.scenario.title
    assert pairs["模拟次数"] == DRAWS
    assert pairs["随机种子"] == "1"
    assert pairs["情景哈希"] == res.stamp()["scenario_hash"]
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "主要发现")
    shown = [ws.cell(r, 2).value for r in range(start, ws.max_row + 1)]
    assert shown == findings(res)


def test_every_sheet_prints_a4_landscape_one_page_wide(books: dict[str, Path]) -> None:
    for path in books.values():
        for ws in openpyxl.load_workbook(path).worksheets:
            setup = ws.page_setup
            assert setup.orientation == "landscape", ws.title
            assert str(setup.paperSize) == str(ws.PAPERSIZE_A4), ws.title
            # one page wide: a file may leave out fitToWidth="1", the format's default (as
            # Excel and XlsxWriter do), but not fitToHeight="0", as many pages long as it takes
            fit = (int(setup.fitToWidth or 1), int(setup.fitToHeight))
            assert fit == (1, 0), ws.title
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert ws.oddHeader.center.text == "&A"
            assert "&P" in ws.oddFooter.center.text
            if ws.max_row > 1 and ws.title not in ("概览", "Overview", "抽样数据", "Draws"):
                assert ws.print_title_rows == "$1:$1", ws.title
                assert ws.freeze_panes in ("B2", "C2"), ws.title
                assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
    draws = openpyxl.load_workbook(books["zh"])["抽样数据"]
    assert draws.max_row == DRAWS + 2  # a note, the header, a row per draw
    assert re.fullmatch(r"'?抽样数据'?!\$A\$1:\$[A-Z]+\$1", draws.print_area)
    assert draws.freeze_panes == "B3"


# -- the pages LibreOffice prints --------------------------------------------------------------


def _pages(book: Path, out: Path) -> dict[str, int]:
    """Pages each sheet of ``book`` prints, as LibreOffice (with a profile of its own) converts
    the workbook as written to PDF: each page counts for the sheet its header names (every
    page's header is its sheet's name)."""
    names = openpyxl.load_workbook(book, read_only=True).sheetnames
    profile = Path(tempfile.mkdtemp(prefix="budgetsim-lo-"))
    try:
        done = subprocess.run(
            [SOFFICE or "soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(out), str(book)],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = out / f"{book.stem}.pdf"
    assert pdf.exists(), f"LibreOffice did not convert {book.name}: {done.stdout}{done.stderr}"
    info = subprocess.run([PDFINFO or "pdfinfo", str(pdf)], capture_output=True, text=True)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    assert match, info.stderr
    text = subprocess.run(
        [PDFTOTEXT or "pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    pages = dict.fromkeys(names, 0)
    heads = [next((line.strip() for line in page.splitlines() if line.strip()), "")
             for page in text.split("\f")[: int(match.group(1))]]  # fmt: skip
    for head in heads:
        assert head in pages, (book.name, head, heads)
        pages[head] += 1
    assert sum(pages.values()) == int(match.group(1)), (book.name, heads)
    return pages


@LIBREOFFICE
def test_each_sheet_prints_on_a_few_pages(
    books: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Measured with LibreOffice 7.4 (Debian 12; Arial printed as Liberation Sans, Chinese in
    WenQuanYi): jiangmen-2021 prints one page a sheet but 各项目 2, 资金池 2 and 假设 9 (its
    159 numbers, each with its clause and reasoning); zhongshan-2024 (30 programmes) 各项目 3
    and 假设 10. The bounds leave a page or two for another version's fonts, far below the
    2,163 pages of the workbook before; the per-draw sheet prints its note alone."""
    folder = tmp_path_factory.mktemp("pages")
    zhongshan = _build("zhongshan-2024", folder, "zh")
    bounds = {
        books["zh"]: {"假设": 12, "各项目": 3, "资金池": 3},
        zhongshan: {"假设": 13, "各项目": 5},
    }
    for book, limits in bounds.items():
        pages = _pages(book, folder)
        for name, n in pages.items():
            assert n >= 1, name
            assert n <= limits.get(name, 2), (book.name, name, pages)
        assert pages["抽样数据"] == 1


def test_overview_says_which_assumptions_a_run_drew(tmp_path: Path) -> None:
    from budgetsim.sensitivity.uncertain import simulate_uncertain

    res = simulate_uncertain(budgetsim.load_scenario("jiangmen-2015-2017"), draws=80, seed=1)
    write_workbook(res, tmp_path / "book.xlsx", findings=[], lang="en")
    ws = openpyxl.load_workbook(tmp_path / "book.xlsx")["Overview"]
    pairs = {r[0].value: r[1].value for r in ws.iter_rows() if r[0].value}
    n = len(res.uncertain.factors)
    assert pairs["assumptions drawn"] == f"{n} ranged assumptions, drawn once per 40 draws"
    assert pairs["values changed"] == "—"


def test_the_draws_sheet_holds_every_draw_as_the_result_has_it(books: dict[str, Path]) -> None:
    res = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=DRAWS, seed=1)
    ws = openpyxl.load_workbook(books["en"])["Draws"]
    headers = _headers(ws)
    label = res.scenario.programmes[res.programmes[0]].label_en
    assert headers[:3] == [
        "draw", f"{label} · 2021 · demand\n[10k yuan]", f"{label} · 2021 · paid\n[10k yuan]"
    ]  # fmt: skip
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == list(range(DRAWS))
    demand, paid = res.demand.values, res.paid.values
    n_years = len(res.years)
    for j in (0, len(res.programmes) - 1):
        for t in range(n_years):
            k = 1 + 2 * (j * n_years + t)
            assert [r[k] for r in rows] == pytest.approx(demand[:, j, t].tolist())
            assert [r[k + 1] for r in rows] == pytest.approx(paid[:, j, t].tolist())
    balance = res.riskfunds["credit_reserve"]["balance_end"].values[:, 0]
    k = headers.index("Technology-credit risk reserve fund · 2021 · year-end balance\n[10k yuan]")
    assert [r[k] for r in rows] == pytest.approx(balance.tolist())
    for cell in ws["B"][2:]:
        assert cell.number_format == "#,##0"
