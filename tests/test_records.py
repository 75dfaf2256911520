"""The one reader of record lists: cells as a bureau's spreadsheet holds them, errors by row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from budgetsim.records import RecordsError, read_records


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_numbers_dates_years_and_labels_as_typed_in_chinese_offices(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "r.csv",
        "年度,申请日期,研发费用,区县\n"
        '2022年,2022年3月5日,"1,200.5",蓬江区\n'
        "2023,2023/11/30,８０,新会区\n",
        "utf-8-sig",
    )
    recs = read_records(path, ["研发费用"])
    assert recs.numbers("研发费用").tolist() == [1200.5, 80.0]
    assert recs.years("年度").tolist() == [2022, 2023]
    assert recs.dates("申请日期").astype(str).tolist() == ["2022-03-05", "2023-11-30"]
    assert recs.labels("区县").tolist() == ["蓬江区", "新会区"]
    recs.check()
    assert "UTF-8 with BOM" in recs.note
    assert len(recs.sha256) == 64


def test_money_columns_take_units_and_convert(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "金额\n50万元\n1.2亿\n300000元\n")
    recs = read_records(path, ["金额"])
    np.testing.assert_allclose(recs.numbers("金额", unit="万元"), [50, 12000, 30])


def test_gbk_file_with_a_title_row_reads(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "r.csv", "江门市2022年研发费用名单,,\n企业,研发费用,年度\n甲,10,2022\n", "gbk"
    )
    recs = read_records(path, ["研发费用"])
    assert recs.numbers("研发费用").tolist() == [10.0]
    assert "GB18030" in recs.note
    assert "header on row 2" in recs.note


def test_every_bad_cell_is_named_by_row_and_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "r.csv",
        "企业,研发费用,申请日期\n甲,abc,2022-01-05\n乙,-3,2021-12-31\n丙,,2022-02-30\n",
    )
    recs = read_records(path, ["研发费用"])
    recs.numbers("研发费用", unit="万元")
    recs.dates("申请日期", first=dt.date(2022, 1, 1), last=dt.date(2022, 6, 30))
    with pytest.raises(RecordsError) as caught:
        recs.check()
    text = caught.value.render()
    assert "r.csv" in text
    assert "row 3, column '研发费用' (B): negative amount" in text
    assert "row 4, column '研发费用' (B): empty cell" in text
    assert "row 2, column '研发费用' (B)" in text
    assert "row 3, column '申请日期' (C): date outside the period" in text
    assert "row 4, column '申请日期' (C): not a date" in text
    recs.check()  # the problems were raised once and cleared


def test_text_in_a_plain_number_column_is_not_a_number(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "企业,研发费用\n甲,n/a\n")
    recs = read_records(path, ["研发费用"])
    recs.numbers("研发费用")
    with pytest.raises(RecordsError, match=r"row 2, column '研发费用' \(B\): not a number"):
        recs.check()


def test_missing_column_suggests_the_nearest_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "企业,研发费用（万元）\n甲,1\n")
    with pytest.raises(RecordsError, match=r"missing column.*did you mean '研发费用（万元）'"):
        read_records(path, ["研发费用(万元)"])


def test_totals_row_and_repeated_header_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "企业,研发费用,年度\n甲,1,2022\n企业,研发费用,年度\n合计,1,\n")
    with pytest.raises(RecordsError) as caught:
        read_records(path, ["研发费用"])
    text = caught.value.render()
    assert "row 3: the header row again" in text
    assert "row 4: a totals row" in text


def test_missing_file_and_empty_list(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="no such file"):
        read_records(tmp_path / "none.csv")
    with pytest.raises(RecordsError, match="no records"):
        read_records(_write(tmp_path, "e.csv", "企业,研发费用\n"), ["研发费用"])


def test_excel_dates_and_parquet(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"申请日期": [dt.datetime(2022, 4, 1)], "本金": [400.0]})
    frame.to_excel(tmp_path / "r.xlsx", index=False)
    recs = read_records(tmp_path / "r.xlsx", ["本金"])
    assert recs.dates("申请日期").astype(str).tolist() == ["2022-04-01"]
    pytest.importorskip("pyarrow")
    frame.to_parquet(tmp_path / "r.parquet")
    recs = read_records(tmp_path / "r.parquet", ["本金"])
    assert recs.numbers("本金").tolist() == [400.0]
    assert recs.note.endswith("1 record")
