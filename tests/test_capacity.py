"""A run that cannot fit in memory or in a day is refused before anything is sampled."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import budgetsim
from budgetsim.capacity import CAPACITY, WorkTooLarge, check, estimate
from budgetsim.cli import cli

from .conftest import toy

GIB = 2.0**30


def test_a_run_that_fits_passes() -> None:
    check(estimate(1e3, 10_000, 400, 2, 30), memory=8 * GIB)


def test_per_draw_outcomes_beyond_memory_suggest_the_draws_that_fit() -> None:
    work = estimate(1e3, 10_000_000, 400, 1, 300)  # 24 GB of outcomes
    with pytest.raises(WorkTooLarge, match=r"at most about [\d,]+ draws fit \(--draws \d+\)"):
        check(work, memory=8 * GIB)
    fits = int((0.8 * 8 * GIB - work.chunk_bytes) / (8 * 300))
    check(estimate(1e3, fits, 400, 1, 300), memory=8 * GIB)  # the suggestion fits


def test_one_draw_beyond_memory_names_the_applicant_counts() -> None:
    with pytest.raises(WorkTooLarge, match=r"one draw alone .*arrivals\.mean"):
        check(estimate(1e9, 10, 1, 1, 30), memory=8 * GIB, where=["firms: 1,000,000,000"])


def test_a_run_longer_than_a_day_is_refused_with_the_draws_that_fit() -> None:
    per_draw = 1e6
    draws = int(2 * CAPACITY["longest_seconds"] * CAPACITY["applicants_per_second"] / per_draw)
    with pytest.raises(WorkTooLarge, match="cannot fit in a day"):
        check(estimate(per_draw, draws, 1, 1, 30), memory=1e15)


def test_the_engine_refuses_before_sampling() -> None:
    sc = toy(populations__firms__arrivals__mean=9_000_000)
    with pytest.raises(WorkTooLarge, match=r"firms: 27,000,000"):
        budgetsim.simulate(sc, draws=100_000, seed=1)


def test_the_command_line_says_it_in_one_line(tmp_path: pytest.TempPathFactory) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "jiangmen-2021",
            "--set",
            "populations.tsme_rd.arrivals.mean=9000000",
            "--draws",
            "100000",
            "--no-progress",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "cannot fit" in result.output
