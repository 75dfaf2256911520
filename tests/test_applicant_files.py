"""Applicant lists as real users have them: Windows encodings, title rows, amounts as typed.

Broken lists live in ``tests/bad_applicants/`` with the fragments their message must contain
in ``expect.toml``; workbooks are built here with openpyxl (binary files stay out of git).
Lists that Windows and Excel make must load with the right numbers and say how they were read.
"""

import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from budgetsim.cli import cli
from budgetsim.errors import BudgetsimError, ScenarioError
from budgetsim.optimize import read_applicants
from budgetsim.optimize.applicants import ApplicantListError

HERE = Path(__file__).parent
BAD = HERE / "bad_applicants"
WINDOWS = HERE / "windows_applicants"
EXPECT: dict[str, list[str]] = tomllib.loads((BAD / "expect.toml").read_text(encoding="utf-8"))


def award(path: Path | str, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["optimize", "award", str(path), "--envelope", "100万元", *options]
    )
    return result.exit_code, result.output


def test_every_broken_file_has_an_expectation() -> None:
    files = {p.name for p in BAD.iterdir() if p.suffix in (".csv", ".txt")}
    assert files == set(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_broken_lists_are_refused_naming_row_column_and_cause(name: str) -> None:
    with pytest.raises(ScenarioError) as info:
        read_applicants(BAD / name)
    message = str(info.value)
    assert str(BAD / name) in message
    for fragment in EXPECT[name]:
        assert fragment in message, message


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_broken_lists_fail_the_cli_in_one_message(name: str) -> None:
    code, text = award(BAD / name)
    assert code == 1, text
    assert "Traceback" not in text
    assert name in text
    for fragment in EXPECT[name]:
        assert fragment in text, text


def test_every_problem_is_kept_though_the_message_is_capped() -> None:
    with pytest.raises(ApplicantListError) as info:
        read_applicants(BAD / "many_errors.csv")
    assert len(info.value.problems) == 30  # every one kept, the same one in 30 rows said once
    assert str(info.value).count("\n  - ") == 1
    assert str(info.value).startswith("30 problems")


# -- made on Windows ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "amount", "score", "note"),
    [
        ("bom.csv", [1000.0, 50.0, 50.0], [90.0, 80.0, 85.0], "as UTF-8 with BOM, header on row 1"),
        ("gbk.csv", [1200.0, 3.5, 1000.0], [90.0, 80.0, 70.0], "as GB18030 (GBK), header on row 1"),
        ("utf16_tab.txt", [5000.0, 12.0], [90.0, 80.0], "as UTF-16, tab-separated"),
        (
            "title_and_blank_rows.csv",
            [10.0, 20.0],
            [90.0, 80.0],
            "header on row 3 (above it: '2024年江门市贷款贴息申报名单'), 1 blank row skipped",
        ),
    ],
)
def test_windows_files_load_with_the_right_numbers(
    name: str, amount: list[float], score: list[float], note: str
) -> None:
    apps = read_applicants(WINDOWS / name)
    assert apps.amount.dtype == np.float64
    assert apps.amount.tolist() == amount
    assert apps.score.tolist() == score
    assert note in apps.notes[0]
    assert apps.ids.tolist() == [f"JM{i + 1}" for i in range(len(amount))]


def test_gbk_group_labels_are_read_as_chinese() -> None:
    apps = read_applicants(WINDOWS / "gbk.csv")
    assert apps.groups["district"].tolist() == ["蓬江区", "江海区", "恩平市"]


def test_the_cli_says_how_it_read_the_file() -> None:
    code, text = award(WINDOWS / "gbk.csv")
    assert code == 0, text
    assert "read gbk.csv as GB18030 (GBK), header on row 1: 3 applicants" in text


# -- Excel ---------------------------------------------------------------------------------------
Sheet = Callable[[openpyxl.worksheet.worksheet.Worksheet], None]


def workbook(
    tmp_path: Path, rows: list[list[object]], title: str | None = "2024年 申报名单"
) -> Path:
    """A sheet as a clerk makes it: a title merged over the columns B…, a blank row, the
    table from column B (column A blank)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名单"
    start = 1
    if title is not None:
        sheet.cell(1, 2, title)
        sheet.merge_cells(start_row=1, start_column=2, end_row=1, end_column=1 + len(rows[0]))
        start = 3
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.cell(start + r, 2 + c, value)
    path = tmp_path / "list.xlsx"
    book.save(path)
    return path


HEADER: list[object] = ["id", "amount", "score", "district"]


def test_a_merged_title_row_is_skipped_and_said(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [
            HEADER,
            ["JM1", "五十万", 90, "蓬江区"],
            ["JM2", 12.5, 80, "江海区"],
            [1003, "1,000", 70, "x"],
        ],
    )
    apps = read_applicants(path)
    assert apps.amount.tolist() == [50.0, 12.5, 1000.0]
    assert apps.ids.tolist() == ["JM1", "JM2", "1003"]
    assert apps.notes[0] == (
        "read list.xlsx sheet '名单', header on row 3 (above it: '2024年 申报名单'): 3 applicants"
    )


def test_excel_rows_and_columns_are_named_as_excel_shows_them(tmp_path: Path) -> None:
    import datetime as dt

    path = workbook(
        tmp_path,
        [
            HEADER,
            ["JM1", 10, 90, "a"],
            ["JM2", -1, 90, "a"],
            ["JM3", dt.datetime(2024, 1, 5), 90, "a"],
            ["JM4", "#DIV/0!", 90, "a"],
            ["JM5", 10, 1e9, "a"],
        ],
    )
    code, text = award(path)
    assert code == 1
    assert "Traceback" not in text
    for fragment in (
        "list.xlsx",
        "row 5, column 'amount' (C): negative amount",  # title row 1, blank row 2, header row 3
        "row 6, column 'amount' (C): a date, not an amount",
        "row 7, column 'amount' (C): an Excel error value ('#DIV/0!')",
        "row 8, column 'score' (D): score out of range",
    ):
        assert fragment in text, text


def test_a_workbook_named_csv_is_recognised(tmp_path: Path) -> None:
    path = workbook(tmp_path, [HEADER, ["JM1", 10, 90, "a"]])
    renamed = path.rename(tmp_path / "list.csv")
    with pytest.raises(ScenarioError, match=r"this is an Excel workbook \(\.xlsx\), not a CSV"):
        read_applicants(renamed)


def test_a_csv_named_xlsx_is_refused_in_words(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_text("id,amount\na,1\n", encoding="utf-8")
    code, text = award(path)
    assert code == 1
    assert "Traceback" not in text
    assert "not a readable Excel workbook" in text


def test_a_missing_sheet_names_the_sheets(tmp_path: Path) -> None:
    path = workbook(tmp_path, [HEADER, ["JM1", 10, 90, "a"]])
    with pytest.raises(ScenarioError, match="no sheet 'Sheet1'; found sheets '名单'"):
        read_applicants(path, sheet="Sheet1")


# -- units -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("unit", "fragment"),
    [
        ("美元", "convert other currencies first"),
        ("yuan", "did you mean '元'?"),
        ("wan", "expected one of 元, 千元, 万元, 万, 百万元, 百万, 亿元, 亿"),
    ],
)
def test_an_unknown_unit_is_a_clean_error(unit: str, fragment: str) -> None:
    code, text = award(WINDOWS / "bom.csv", "--unit", unit)
    assert code == 1
    assert "Traceback" not in text
    assert f"--unit {unit}: unknown unit {unit!r}" in text
    assert fragment in text
    with pytest.raises(BudgetsimError, match="unknown unit"):
        read_applicants(WINDOWS / "bom.csv", unit=unit)


def test_options_take_amounts_as_typed() -> None:
    code, text = award(WINDOWS / "bom.csv", "--cap", "五十万", "--unit", "元", "--lang", "en")
    assert code == 0, text
    assert "awarded 1,000,000.00 of 1,000,000.00" in text
    code, text = award(WINDOWS / "bom.csv", "--cap", "50美元")
    assert code == 1
    assert "--cap: unknown unit '美元'" in text


def test_amounts_that_look_like_yuan_are_flagged(tmp_path: Path) -> None:
    path = tmp_path / "yuan.csv"
    path.write_text("id,amount\na,500000\nb,300000\n", encoding="utf-8")
    apps = read_applicants(path)
    assert any("if the column is in 元, pass --unit 元" in n for n in apps.notes)
    assert len(read_applicants(path, unit="元").notes) == 1
