"""Every bundled scenario validates, cites its sources and runs; headline checks per document."""

from pathlib import Path

import numpy as np
import pytest

import budgetsim
from budgetsim.scenario import bundled_scenarios, load_scenario

IDS = [item.id for item in bundled_scenarios()]


def test_every_policy_document_has_a_scenario() -> None:
    documents = {item.source_file for item in (load_scenario(i).scenario for i in IDS)}
    policies = Path(__file__).resolve().parents[2] / "shared" / "policies"
    expected = {p.name for p in policies.glob("*.txt")} if policies.is_dir() else set()
    assert expected <= documents
    assert len(IDS) >= 5


@pytest.mark.parametrize("scenario_id", IDS)
def test_bundled_scenario_runs_at_1000_draws(scenario_id: str) -> None:
    sc = load_scenario(scenario_id)
    res = budgetsim.simulate(sc, draws=1_000, seed=1)
    summary = res.summary()
    assert np.isfinite(summary["demand_mean"]).all()
    assert (res.paid.values <= res.demand.values + 1e-9).all()
    capped = ~np.isnan(res["available"].values)
    assert (res.paid.values[capped] <= res["available"].values[capped] + 1e-9).all()
    policy = res.policy_summary()
    assert policy.loc["total", "paid_mean"] == pytest.approx(
        res.paid.values.sum(axis=(1, 2)).mean(), rel=1e-12
    )


@pytest.mark.parametrize("scenario_id", IDS)
def test_every_number_cites_a_clause_or_states_an_assumption(scenario_id: str) -> None:
    sc = load_scenario(scenario_id)
    assert sc.scenario.source_file
    for pid, prog in sc.programmes.items():
        assert prog.source, pid
        inst = prog.instrument
        assert inst.source or inst.assumption or prog.assumption, pid
        rule = prog.rationing
        assert rule.rule == "uncapped" or rule.source or rule.assumption, pid


def test_zhongshan_rd_post_subsidy_dominates_and_needs_a_budget() -> None:
    res = budgetsim.simulate(load_scenario("zhongshan-2024"), draws=1_000, seed=2)
    per_year = res.summary().xs(2024, level="year")
    assert per_year["demand_mean"].idxmax() == "rd_post_subsidy"
    policy = res.policy_summary()
    assert policy.loc["2024", "demand_p50"] < policy.loc["2024", "demand_p80"]
    assert policy.loc["2024", "demand_p80"] < policy.loc["2024", "demand_p95"]
    # a sum of per-programme P95s overstates the joint P95
    assert policy.loc["2024", "demand_p95"] < per_year["budget_at_risk_p95"].sum()
