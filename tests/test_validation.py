"""Broken scenario files: each must be rejected with its field path and a clear message.

Every file in ``tests/bad_scenarios/`` starts with ``# expect: <field path> :: <fragment>``.
"""

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetsim.cli import cli
from budgetsim.errors import ScenarioError
from budgetsim.scenario import load_scenario

BAD = sorted(
    p
    for p in (Path(__file__).parent / "bad_scenarios").glob("*.toml")
    if not p.name.startswith("_")
)


def expectation(path: Path) -> tuple[str, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    field, fragment = first.removeprefix("# expect: ").split(" :: ")
    return field, fragment


def test_the_base_of_the_broken_files_is_valid() -> None:
    load_scenario(Path(__file__).parent / "bad_scenarios" / "_base.toml")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_validate_names_the_field(path: Path) -> None:
    field, fragment = expectation(path)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert path.name in result.output
    assert f"{field}" in result.output
    assert fragment in result.output


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_api_raises_scenario_error(path: Path) -> None:
    with pytest.raises(ScenarioError):
        load_scenario(path)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "bad_scenarios" / "_base.toml").read_text(encoding="utf-8")
    text = text.replace("cap = 20", "capp = 20").replace('rationing = "fcfs"', 'rationing = "fifo"')
    bad = tmp_path / "two.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert len(info.value.problems) == 2
    assert "2 problems in " in str(info.value)


@pytest.mark.parametrize(
    ("encoding", "newline"), [("utf-8-sig", "\r\n"), ("utf-8-sig", "\n"), ("gbk", "\r\n")]
)
def test_windows_made_files_load(tmp_path: Path, encoding: str, newline: str) -> None:
    """Files saved by Windows editors: a byte-order mark, CRLF line ends, GBK (中文 labels)."""
    text = (Path(__file__).parent / "bad_scenarios" / "_base.toml").read_text(encoding="utf-8")
    text = text.replace('label = "firms"', 'label = "申请企业"')
    path = tmp_path / "windows.toml"
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    sc = load_scenario(path)
    assert sc.populations["firms"].label == "申请企业"
    result = CliRunner().invoke(cli, ["params", str(path)])
    assert result.exit_code == 0, result.output


def test_unreadable_bytes_get_one_message(tmp_path: Path) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00\x81\x00")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "binary.toml" in result.output


@pytest.mark.parametrize(
    ("unit", "base", "ok"),
    [
        ("人", "x", True),  # 3.6万元 a person
        ("人", "min(x, 20)", True),
        ("人", "x * 1", True),
        (None, "x", False),  # no unit: taken as money, a rate is a fraction
        ("万元", "x", False),
        ("元/人", "x", False),
        ("%", "x", False),
        ("人", "x + year", False),  # year is not counted in people
    ],
)
def test_a_rate_above_1_needs_a_counted_base(unit: str | None, base: str, ok: bool) -> None:
    from budgetsim.scenario.load import validate_data
    from tests.conftest import BASE

    data = copy.deepcopy(BASE)
    attribute = data["populations"]["firms"]["attributes"]["x"]
    if unit is not None:
        attribute["unit"] = unit
    data["programmes"]["grant"]["instrument"] = {
        "kind": "proportional",
        "base": base,
        "rate": 3.6,
        "source": "t",
    }
    if ok:
        validate_data(data)
    else:
        with pytest.raises(ScenarioError, match=r"did you mean 0\.036"):
            validate_data(data)


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("riskfunds.credit_reserve.plausible.rho.high=5", "did you mean 0.05 (5 %)?"),
        ("populations.tech_borrowers.arrivals.plausible.mean.high=1e12", "at most 10,000,000"),
        ("riskfunds.credit_reserve.plausible.rho.low=0.9", "low end above the high end"),
    ],
)
def test_validate_checks_each_end_of_each_plausible_range(override: str, fragment: str) -> None:
    result = CliRunner().invoke(cli, ["validate", "jiangmen-2021", "--set", override])
    assert result.exit_code == 1, result.output
    assert "(plausible range)" in result.output
    assert fragment in result.output
    assert "✓" not in result.output
