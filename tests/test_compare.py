"""Comparing a variant against a baseline on common random numbers."""

import numpy as np
import pytest
from click.testing import CliRunner

import budgetsim
from budgetsim.cli import cli
from tests.conftest import toy


def test_a_variant_that_changes_nothing_differs_by_exactly_zero() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    same = budgetsim.compare(sc, budgetsim.load_scenario("jiangmen-2021"), draws=100, seed=3)
    table = same.summary()
    diffs = table[[c for c in table if c.endswith(("_diff", "_diff_low", "_diff_high"))]]
    assert (diffs.to_numpy() == 0).all()
    assert (same.totals().filter(like="_diff").to_numpy() == 0).all()


def test_more_money_pays_more_and_runs_out_less() -> None:
    base = toy(programmes__grant__rationing="pro_rata")
    richer = toy(
        programmes__grant__rationing="pro_rata",
        programmes__grant__envelope={"per_year": 55, "source": "t"},
    )
    result = budgetsim.compare(base, richer, draws=2_000, seed=4)
    row = result.summary().loc[("grant", 2022)]
    assert row["paid_mean_diff_low"] > 0
    assert row["p_exhausted_diff_high"] < 0
    assert row["demand_mean_diff"] == 0  # the same applicants in both runs
    # the interval is the paired one: the variant's mean minus the base's lies inside it
    diff = row["paid_mean_variant"] - row["paid_mean_base"]
    assert row["paid_mean_diff_low"] <= diff <= row["paid_mean_diff_high"]
    assert np.isclose(diff, row["paid_mean_diff"])


def test_programmes_in_one_scenario_only_are_listed() -> None:
    extra = toy(programmes__other={**toy().model_dump()["programmes"]["grant"]})
    result = budgetsim.compare(toy(), extra, draws=20)
    assert result.programmes == ("grant",)
    assert result.only_in_variant == ("other",)


def test_different_years_are_refused() -> None:
    shorter = toy(
        scenario={"id": "t", "title": "t", "source": "t", "years": [2021, 2022]},
        populations__firms__arrivals={"dist": "poisson", "mean": 5, "assumption": "t"},
    )
    with pytest.raises(budgetsim.BudgetsimError, match="different years"):
        budgetsim.compare(toy(), shorter, draws=5)


def test_cli_compare() -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "compare",
            "jiangmen-2021",
            "-n",
            "300",
            "--set",
            "programmes.loan_interest.envelope.total=4500万元",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "variant − base" in result.output
    assert "Technology-loan interest subsidy" in result.output
    assert "mean paid in full [firms]" in result.output
    result = runner.invoke(cli, ["compare", "jiangmen-2021", "-n", "10"])
    assert result.exit_code == 1
    assert "give a VARIANT" in result.output


def test_compare_reports_risk_funds_and_targets_paired() -> None:
    base = budgetsim.load_scenario("jiangmen-2021")
    same = budgetsim.compare(base, base, draws=200)
    outcomes = same.outcomes()
    assert set(outcomes["metric"]) == {"p_depleted", "balance_end"}
    assert (outcomes["diff"] == 0).all()
    stress = budgetsim.compare(base, budgetsim.load_scenario("jiangmen-2021@stress"), draws=400)
    last = stress.outcomes().query("metric == 'p_depleted'").iloc[-1]
    assert last["diff_low"] > 0
