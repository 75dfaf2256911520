"""Every bundled scenario validates, cites its sources and runs; headline checks per document."""

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import budgetsim
from budgetsim.scenario import bundled_scenarios, load_scenario

IDS = [item.id for item in bundled_scenarios()]
PATHS = {item.id: item.path for item in bundled_scenarios()}
#: Scenarios whose every English ``source`` and ``assumption`` has a Chinese text beside it.
TRANSLATED = [
    "jiangmen-2021",
    "jiangmen-2015-2017",
    "guangzhou-2024-mic",
    "guangdong-2022",
    "zhongshan-2024",
]
_ENGLISH = re.compile(r"[A-Za-z]{3,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SECTION = re.compile(r"§\d+(?:\.\d+)*")
_GRADE = re.compile(r"^\s*([SDE])\s*[.:：]")


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


def _cited_tables(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every table of a raw scenario that says a ``source`` or an ``assumption``."""
    if isinstance(node, dict):
        if "source" in node or "assumption" in node:
            yield path, node
        for key, value in node.items():
            yield from _cited_tables(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _cited_tables(value, f"{path}.{i}")


@pytest.mark.parametrize("scenario_id", IDS)
def test_chinese_reasoning_says_what_the_english_says(scenario_id: str) -> None:
    """A Chinese ``source_zh``/``assumption_zh`` keeps the grade letter, every number and every
    § (calibration note) of the English beside it, so an edit of the English that leaves the
    Chinese behind fails here; a scenario in TRANSLATED gives every English text a Chinese one."""
    raw = tomllib.loads(PATHS[scenario_id].read_text(encoding="utf-8"))
    for path, table in _cited_tables(raw):
        for key in ("source", "assumption"):
            english, chinese = table.get(key), table.get(f"{key}_zh")
            if chinese is None:
                in_english = bool(english and _ENGLISH.search(english))
                assert not (scenario_id in TRANSLATED and in_english), f"{path}.{key}: no {key}_zh"
                continue
            assert english, f"{path}.{key}_zh without {key}"
            grade_en, grade_zh = _GRADE.match(english), _GRADE.match(chinese)
            assert (grade_en and grade_en[1]) == (grade_zh and grade_zh[1]), f"{path}.{key}_zh"
            missing = set(_NUMBER.findall(english)) - set(_NUMBER.findall(chinese))
            assert not missing, f"{path}.{key}_zh lacks the numbers {sorted(missing)}"
            missing = set(_SECTION.findall(english)) - set(_SECTION.findall(chinese))
            assert not missing, f"{path}.{key}_zh lacks {sorted(missing)}"
