"""End-to-end tests of the command line, as a user runs it."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import budgetsim
from budgetsim.cli import cli

GOOD = Path(__file__).parent / "bad_scenarios" / "_base.toml"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_run_default_scenario_prints_the_tables() -> None:
    code, out = invoke("run", "--draws", "300", "--seed", "2", "--lang", "en")
    assert code == 0, out
    for text in (
        "Technology-loan interest subsidy",
        "P(exhausted)",
        "month (P50)",
        "paid in full",
        "fill ratio",
        "BaR P95",
        "2021–23",
        "300 draws",
        "seed 2",
    ):
        assert text in out, text


def test_run_writes_stamped_outputs(tmp_path: Path) -> None:
    code, out = invoke("run", "jiangmen-2021", "-n", "200", "-s", "7", "--out", str(tmp_path))
    assert code == 0, out
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    stamp = summary["stamp"]
    assert stamp["seed"] == 7
    assert stamp["draws"] == 200
    assert stamp["budgetsim_version"] == budgetsim.__version__
    assert len(stamp["scenario_hash"]) == 16
    year = summary["programmes"]["rd_reward"]["years"]["2021"]
    assert year["p_exhausted"] == 1.0
    assert 0 < year["fill_ratio"] < 0.2
    tidy = pd.read_csv(tmp_path / "summary.csv")
    assert {"programme", "year", "metric", "value", "scenario_hash", "seed", "draws"} <= set(tidy)
    assert (tidy["scenario_hash"] == stamp["scenario_hash"]).all()
    draws = pd.read_parquet(tmp_path / "draws.parquet")
    assert len(draws) == 200 * len(summary["programmes"]) * 3
    import pyarrow.parquet as pq

    meta = pq.read_schema(tmp_path / "draws.parquet").metadata[b"budgetsim"]
    assert json.loads(meta)["scenario_hash"] == stamp["scenario_hash"]
    assert not list(tmp_path.glob(".*.tmp"))  # no half-written files left behind


def test_unwritable_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, out = invoke("run", "-n", "10", "--out", str(blocker / "results"))
    assert code == 1
    assert "cannot write the results" in out
    assert "Traceback" not in out


def test_run_csv_draws(tmp_path: Path) -> None:
    code, _ = invoke("run", "-n", "50", "--out", str(tmp_path), "--draws-format", "csv")
    assert code == 0
    with gzip.open(tmp_path / "draws.csv.gz", "rt", encoding="utf-8") as handle:
        assert json.loads(handle.readline().removeprefix("# "))["draws"] == 50
    frame = pd.read_csv(tmp_path / "draws.csv.gz", comment="#")
    programmes = len(budgetsim.load_scenario("jiangmen-2021").programmes)
    assert len(frame) == 50 * programmes * 3
    assert {"draw", "programme", "year", "paid"} <= set(frame)


def test_set_overrides_change_the_result(tmp_path: Path) -> None:
    base, over = tmp_path / "base", tmp_path / "over"
    invoke("run", "-n", "200", "--out", str(base))
    code, out = invoke(
        "run",
        "-n",
        "200",
        "--out",
        str(over),
        "--set",
        "programmes.rd_reward.envelope.per_year=5000万元",
        "--set",
        "programmes.loan_interest.instrument.cap=30",
    )
    assert code == 0, out
    a = json.loads((base / "summary.json").read_text())
    b = json.loads((over / "summary.json").read_text())
    assert a["stamp"]["scenario_hash"] != b["stamp"]["scenario_hash"]
    assert b["programmes"]["rd_reward"]["years"]["2021"]["envelope"] == 5000
    assert b["programmes"]["rd_reward"]["years"]["2021"]["paid_mean"] > 4000


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("programmes.rd_rewrd.instrument.cap=30", "did you mean 'rd_reward'?"),
        ("programmes.rd_reward.instrument.capp=30", "did you mean 'cap'?"),
        ("programmes.rd_reward.instrument.cap=-3", "≥ 0"),
        ("programmes.rd_reward.instrument.rate=abc", "expected a rate such as 0.05"),
        ("programmes.rd_reward.rationing.boundary=nothing", "unknown field"),
        ("no_equals_sign", "expected PATH=VALUE"),
    ],
)
def test_bad_overrides_are_clear_errors(override: str, fragment: str) -> None:
    code, out = invoke("run", "-n", "10", "--set", override)
    assert code == 1
    assert fragment in out
    assert "Traceback" not in out


def test_override_inside_a_shorthand_value() -> None:
    code, out = invoke("validate", str(GOOD), "--set", "programmes.award.rationing.boundary=x")
    assert code == 1
    assert "is 'fcfs', not a table" in out
    assert 'rule = "fcfs"' in out
    code, out = invoke(
        "validate",
        str(GOOD),
        "--set",
        'programmes.award.rationing={rule = "fcfs", boundary = "nothing"}',
    )
    assert code == 0, out


def test_validate_good_and_bad() -> None:
    code, out = invoke("validate", str(GOOD), "jiangmen-2021")
    assert code == 0
    assert out.count("✓") == 2
    code, out = invoke("validate", str(GOOD), "tests/bad_scenarios/unknown_field.toml")
    assert code == 1
    assert "✓" in out
    assert "✗" in out


def test_unknown_scenario_id() -> None:
    code, out = invoke("run", "jiangmen-2012")
    assert code == 1
    assert "did you mean 'jiangmen-2021'?" in out
    code, out = invoke("run", "missing.toml")
    assert code == 1
    assert "no such file" in out


def test_list_shows_bundled_scenarios() -> None:
    code, out = invoke("list")
    assert code == 0
    assert "jiangmen-2021" in out
    assert "江科〔2021〕63号" in out
    assert "政策文件" in out  # in the language of the output (zh by default)
    code, out = invoke("list", "--lang", "en")
    assert "document" in out
    assert "Jiangmen 2021 measures" in out


def test_version() -> None:
    code, out = invoke("--version")
    assert code == 0
    assert budgetsim.__version__ in out


def test_workers_option() -> None:
    code, out = invoke("run", "-n", "100", "--workers", "2")
    assert code == 0, out
    code, out = invoke("run", "-n", "10", "--workers", "zero")
    assert code == 1
    assert "--workers" in out


def test_installed_command_runs_from_any_directory(tmp_path: Path) -> None:
    """The bundled scenario ships inside the package: no repository checkout needed."""
    exe = Path(sys.executable).with_name("budgetsim")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "budgetsim"]
    result = subprocess.run(
        [*command, "run", "-n", "50", "--no-progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "研发费用加计扣除奖补" in result.stdout


def test_run_prints_the_shared_funds_table_and_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["run", "--draws", "200", "--no-progress", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "资金池 [万元]" in result.output
    assert "产业集群优胜企业和创新" in result.output  # the fund, its name wrapped
    document = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    fund = document["funds"]["cluster_awards"]
    assert fund["members"] == ["competition_prizes", "team_projects"]
    assert fund["years"]["2021"]["envelope"] == 1000.0


def test_written_files_are_readable_by_others(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        code, out = invoke("run", "-n", "50", "-s", "1", "--out", str(tmp_path))
    finally:
        os.umask(old)
    assert code == 0, out
    for name in ("summary.json", "summary.csv"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644
