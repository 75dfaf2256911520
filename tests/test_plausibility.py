"""Honest mistakes that validate: amounts in the wrong unit are doubted (warned, not failed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetsim.cli import cli
from budgetsim.plausibility import doubts
from budgetsim.scenario import bundled_scenarios, load_scenario

BASE = str(Path(__file__).parent / "bad_scenarios" / "_base.toml")


@pytest.mark.parametrize("ref", [s.id for s in bundled_scenarios()])
def test_the_bundled_scenarios_raise_no_doubt(ref: str) -> None:
    assert doubts(load_scenario(ref)) == []


def test_an_envelope_typed_in_yuan_is_doubted_with_the_amount_meant() -> None:
    sc = load_scenario(BASE, {"programmes.award.envelope.total": 30_000_000})
    [doubt] = doubts(sc)
    assert doubt.path == "programmes.award.envelope.total"
    assert doubt.suggestion == 3000
    assert "did you mean 3,000万元?" in doubt.hint("en")
    assert "是否应为3,000万元" in doubt.hint("zh")


def test_an_amount_text_in_yuan_is_doubted_naming_its_unit() -> None:
    sc = load_scenario(BASE, {"programmes.award.envelope.total": "3000元"})
    found = {d.path: d for d in doubts(sc)}
    envelope = found["programmes.award.envelope.total"]
    assert "'3000元' is in 元" in envelope.hint("en")
    assert envelope.suggestion == 3000
    # and one firm's award is more than a year's envelope (0.1万元)
    assert "programmes.award.instrument.amounts.first" in found


def test_unusual_silences_the_field_it_names_only() -> None:
    sc = load_scenario(
        BASE,
        {
            "programmes.award.envelope.total": "3000元",
            "programmes.award.envelope.unusual": {"total": "a pilot with almost no money"},
        },
    )
    paths = [d.path for d in doubts(sc)]
    assert "programmes.award.envelope.total" not in paths
    assert "programmes.award.instrument.amounts.first" in paths


def test_a_rate_may_be_written_in_percent_as_text() -> None:
    sc = load_scenario(BASE, {"programmes.rd_reward.instrument.rate": "5%"})
    assert sc.programmes["rd_reward"].instrument.rate == 0.05  # type: ignore[union-attr]


def test_validate_warns_once_and_passes() -> None:
    result = CliRunner().invoke(
        cli, ["validate", BASE, "--set", "programmes.award.envelope.total=30000000"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("warning:") == 1
    assert "did you mean 3,000万元?" in result.output


def test_run_warns_once(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "run",
            BASE,
            "--set",
            "programmes.award.envelope.total=30000000",
            "-n",
            "200",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("提示：") == 1  # in the run's language (zh by default)


def test_an_envelope_of_zero_against_a_demand_is_doubted() -> None:
    sc = load_scenario(BASE, {"programmes.award.envelope.total": 0})
    [doubt] = doubts(sc)
    assert doubt.kind == "envelope_zero"
    assert "no claim is paid" in doubt.text("en")
