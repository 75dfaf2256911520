"""``budgetsim nowcast`` end to end: tables that fit, files written, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

import budgetsim
from budgetsim.charts.nowcast import nowcast_chart
from budgetsim.cli import cli

YEAR_ROUND = "populations.tech_borrowers.timing.start_month=1"


def _received(tmp_path: Path, n: int = 40, *, name: str = "收到.csv") -> Path:
    rng = np.random.default_rng(7)
    days = np.sort(rng.integers(0, 180, n)).astype("timedelta64[D]")
    frame = pd.DataFrame(
        {
            "企业名称": [f"企业{i}" for i in range(n)],
            "申请日期": (np.datetime64("2021-01-01") + days).astype(str),
            "贷款本金": rng.lognormal(np.log(400), 0.8, n).round(0),
            "spread": rng.uniform(0.5, 1.5, n).round(2),
            "months": 12,
        }
    )
    path = tmp_path / name
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "100"})
    return result.exit_code, result.output


def test_nowcast_end_to_end_fits_100_columns_and_writes_its_files(tmp_path: Path) -> None:
    received = _received(tmp_path)
    out = tmp_path / "out"
    code, text = _invoke(
        "nowcast", "jiangmen-2021", "--programme", "loan_interest", "--received",
        str(received), "--as-of", "2021-06-30", "--set", YEAR_ROUND, "--draws", "400",
        "--seed", "3", "--out", str(out),
    )  # fmt: skip
    assert code == 0, text
    assert max(map(cell_len, text.splitlines())) <= 100, text
    assert "…" not in text
    for fragment in ("先验", "后验", "尚待到达", "原预测", "滚动预测", "P(资金用尽)", "40 / "):
        assert fragment in text, fragment
    frame = pd.read_csv(out / "nowcast.csv", encoding="utf-8-sig")
    assert {"scenario_hash", "seed", "draws", "received_sha256", "run_id"} <= set(frame.columns)
    received_row = frame[(frame.section == "observed") & (frame.measure == "received")]
    assert received_row["after"].item() == 40
    assert (out / "nowcast.png").stat().st_size > 10_000


def test_nowcast_in_english_names_the_prior_and_the_update(tmp_path: Path) -> None:
    code, text = _invoke(
        "nowcast", "jiangmen-2021", "-p", "loan_interest", "-r", str(_received(tmp_path)),
        "--as-of", "2021-06-30", "--set", YEAR_ROUND, "-n", "200", "--lang", "en",
        "--column", "贷款本金=principal",
    )  # fmt: skip
    assert code == 0, text
    for fragment in ("prior", "posterior", "negative binomial", "dispersion 0.2", "before"):
        assert fragment in text, fragment


def test_unknown_programme_exits_1_with_did_you_mean(tmp_path: Path) -> None:
    code, text = _invoke(
        "nowcast", "jiangmen-2021", "-p", "loan_intrest", "-r", str(_received(tmp_path)),
        "--as-of", "2021-06-30",
    )  # fmt: skip
    assert code == 1
    assert "did you mean 'loan_interest'?" in text
    assert "Traceback" not in text


def test_dates_outside_the_window_say_how_to_open_it(tmp_path: Path) -> None:
    code, text = _invoke(
        "nowcast", "jiangmen-2021", "-p", "loan_interest", "-r", str(_received(tmp_path)),
        "--as-of", "2021-06-30",
    )  # fmt: skip
    assert code == 1
    assert "40 application(s) dated outside the application window" in text
    assert "--set populations.tech_borrowers.timing.start_month=1" in text


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--column", "本金=principal"), "no such column"),
        (("--column", "贷款本金=princpal"), "did you mean 'principal'?"),
        (("--column", "贷款本金"), "expected HEADER=ATTRIBUTE"),
        (("--date-column", "日期"), "did you mean '申请日期'?"),
        (("--as-of", "2021-13-01"), "expected a date such as 2022-06-30"),
    ],
)
def test_bad_options_exit_1_naming_the_problem(
    tmp_path: Path, args: tuple[str, ...], fragment: str
) -> None:
    base = ["nowcast", "jiangmen-2021", "-p", "loan_interest", "-r", str(_received(tmp_path)),
            "--set", YEAR_ROUND, "-n", "20"]  # fmt: skip
    if "--as-of" not in args:
        base += ["--as-of", "2021-06-30"]
    code, text = _invoke(*base, *args)
    assert code == 1, text
    assert fragment in text, text
    assert "Traceback" not in text


def test_missing_attribute_column_names_it(tmp_path: Path) -> None:
    path = _received(tmp_path)
    frame = pd.read_csv(path, encoding="utf-8-sig").drop(columns=["spread"])
    frame.to_csv(path, index=False)
    code, text = _invoke(
        "nowcast", "jiangmen-2021", "-p", "loan_interest", "-r", str(path),
        "--as-of", "2021-06-30", "--set", YEAR_ROUND,
    )  # fmt: skip
    assert code == 1
    assert "missing column: programme 'loan_interest' reads 'spread'" in text


def test_chart_marks_the_received_claims_the_fan_the_money_and_the_date(tmp_path: Path) -> None:
    sc = budgetsim.load_scenario("jiangmen-2021", [YEAR_ROUND])
    nc = budgetsim.nowcast(sc, "loan_interest", _received(tmp_path), "2021-06-30", draws=200,
                           seed=1)  # fmt: skip
    fig = nowcast_chart(nc)
    ax = fig.axes[0]
    gids = {line.get_gid() for line in ax.get_lines()}
    assert {"median", "before", "received", "money", "as-of"} <= gids
    assert "已收到与预测" in ax.get_title()
    received = next(line for line in ax.get_lines() if line.get_gid() == "received")
    assert received.get_ydata()[-1] == pytest.approx(nc.observed.sum())
