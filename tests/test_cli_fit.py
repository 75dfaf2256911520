"""``budgetsim fit`` end to end: the tables fit 100 columns, the block it prints is the block
it writes and loads into a scenario, broken records end in one message and exit code 1."""

import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from budgetsim.cli import cli
from budgetsim.words import code_names

HERE = Path(__file__).parent
BAD = HERE / "bad_records"
EXPECT: dict[str, list[str]] = tomllib.loads((BAD / "expect.toml").read_text(encoding="utf-8"))


def invoke(*args: str, columns: int = 100) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["fit", *args], env={"COLUMNS": str(columns)})
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 firms over 2021–23: R&D expense lognormal (median 150, sigma 0.9), first-time
    certification 40 %, three sectors; saved as Excel on Chinese Windows saves CSV (GBK)."""
    rng = np.random.default_rng(15)
    n = 300
    years = rng.choice([2021, 2022, 2023], size=n)
    rd = rng.lognormal(np.log(150), 0.9, n)
    first = rng.choice(["是", "否"], size=n, p=[0.4, 0.6])
    sector = rng.choice(["电子信息", "生物医药", "先进制造"], size=n, p=[0.5, 0.3, 0.2])
    lines = ["年度,企业名称,研发费用（万元）,首次认定,行业"]
    lines += [
        f"{y},企业{i},{v:.2f},{f},{s}"
        for i, (y, v, f, s) in enumerate(zip(years, rd, first, sector, strict=True))
    ]
    path = tmp_path_factory.mktemp("records") / "研发费用.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


FIT = (
    "--population",
    "hte_certified",
    "--attribute",
    "研发费用（万元）=rd_expense",
    "--year-column",
    "年度",
    "--category",
    "首次认定=first_time",
    "--category",
    "行业=sector",
    "--bootstrap",
    "79",
)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fit_prints_tables_that_fit_100_columns_and_writes_the_block(
    records: Path, tmp_path: Path, lang: str
) -> None:
    out, charts = tmp_path / "block.toml", tmp_path / "charts"
    code, text = invoke(
        str(records),
        *FIT,
        "--scenario",
        "jiangmen-2021",
        "--out",
        str(out),
        "--charts",
        str(charts),
        "--lang",
        lang,
    )
    assert code == 0, text
    assert "Traceback" not in text
    assert "…" not in text
    wide = [line for line in text.splitlines() if cell_len(line) > 100]
    assert not wide, wide
    block = tomllib.loads(out.read_text(encoding="utf-8"))
    spec = block["populations"]["hte_certified"]
    assert set(spec) == {"arrivals", "attributes"}
    assert set(spec["attributes"]) == {"rd_expense", "first_time", "sector"}
    assert spec["attributes"]["rd_expense"]["dist"] == "lognormal"
    assert spec["arrivals"]["grade"] == "D"
    # the block printed is the block written
    assert out.read_text(encoding="utf-8") in text
    assert sorted(p.name for p in charts.iterdir()) == [
        "rd_expense-histogram.png",
        "rd_expense-qq.png",
    ]
    flat = " ".join(text.split())  # phrases wrapped at 100 columns read whole
    if lang == "en":
        for phrase in (
            "Choice rule: among the families whose KS and AD p-values are both ≥ 0.025",
            "candidates compared",
            "chosen lognormal",
            "95 % intervals: parametric-bootstrap percentiles, B = 79",
            "applied to scenario jiangmen-2021 and validated",
            "read 研发费用.csv as GB18030 (GBK)",
        ):
            assert phrase in flat, phrase
    else:
        assert "选择规则" in text
        assert "已代入情景 jiangmen-2021 并通过校验" in text
    headers = [line for line in text.splitlines() if "┃" in line]
    assert not any(name in line for line in headers for name in code_names())


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_broken_records_fail_the_cli_in_one_message(name: str) -> None:
    code, text = invoke(
        str(BAD / name), "--population", "p", "--attribute", "研发费用=rd_expense",
        "--year-column", "年度",
    )  # fmt: skip
    assert code == 1, text
    assert "Traceback" not in text
    assert name in text
    for fragment in EXPECT[name]:
        assert fragment in text, text


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--population", "p"), ["nothing to fit"]),
        (("--population", "p", "--attribute", "年度"), ["--attribute 年度", "'年度=rd_expense'"]),
        (("--population", "P-1", "--attribute", "年度=year"), ["--population", "'P-1'"]),
        (
            (
                "--population",
                "p",
                "--attribute",
                "年度=y",
                "--bootstrap",
                "79",
                "--scenario",
                "nope",
            ),
            ["nope"],
        ),
    ],
)
def test_wrong_options_are_one_message(
    records: Path, args: tuple[str, ...], fragments: list[str]
) -> None:
    code, text = invoke(str(records), *args)
    assert code != 0, text
    assert "Traceback" not in text
    for fragment in fragments:
        assert fragment in text, text


def test_a_missing_file_is_one_message(tmp_path: Path) -> None:
    code, text = invoke(str(tmp_path / "none.csv"), "--population", "p", "--attribute", "a=b")
    assert code == 1
    assert "no such file" in text


def test_a_sheet_of_a_workbook_is_read(tmp_path: Path) -> None:
    import openpyxl

    rng = np.random.default_rng(3)
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本工作簿第二张表为申报记录"])
    sheet = book.create_sheet("记录")
    sheet.append(["年度", "研发费用"])
    for year, value in zip(rng.choice([2022, 2023], 80), rng.gamma(3.0, 40.0, 80), strict=True):
        sheet.append([int(year), float(value)])
    book.save(tmp_path / "records.xlsx")
    args = ("--population", "p", "--attribute", "研发费用=rd", "--bootstrap", "79", "--lang", "en")
    for sheet_name in ("记录", "2"):
        code, text = invoke(str(tmp_path / "records.xlsx"), *args, "--sheet", sheet_name)
        assert code == 0, text
        assert "sheet '记录'" in text
    code, text = invoke(str(tmp_path / "records.xlsx"), *args, "--sheet", "记")
    assert code == 1
    assert "did you mean '记录'?" in text


def test_records_of_one_year_say_that_no_trend_can_be_tested(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    path = tmp_path / "one.csv"
    rows = [f"2021,{v:.2f}" for v in rng.lognormal(4, 1, 40)]
    path.write_text("年度,研发费用\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["fit", str(path), "--population", "p", "--attribute", "研发费用=rd",
         "--year-column", "年度", "--bootstrap", "79", "--lang", "en"],
        env={"COLUMNS": "100"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "records of one year (2021) only: neither dispersion nor a trend can be tested" in flat
