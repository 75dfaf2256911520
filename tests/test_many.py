"""Many variants on one sample: simulate_many equals separate runs bit for bit; executors."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

import budgetsim
from budgetsim import _allocator
from budgetsim.errors import BudgetsimError, SimulationError
from budgetsim.parameters import parameter_list
from budgetsim.scenario import bundled_scenarios, compile_scenario, load_scenario
from budgetsim.stages import ChunkTask, run_chunk

BUNDLED = [s.id for s in bundled_scenarios()]
DRAWS = 24


def assert_same(a: budgetsim.SimulationResult, b: budgetsim.SimulationResult) -> None:
    assert a.scenario_hash == b.scenario_hash
    for name in b.dataset.data_vars:
        np.testing.assert_array_equal(a.dataset[name].values, b.dataset[name].values, name)
    for group in ("riskfunds", "targets"):
        left, right = getattr(a, group), getattr(b, group)
        assert left.keys() == right.keys()
        for key, ds in right.items():
            for name in ds.data_vars:
                np.testing.assert_array_equal(left[key][name].values, ds[name].values, name)


def variants(sc: budgetsim.Scenario) -> list[dict[str, Any]]:
    """A lever change, an assumption change, and both, chosen from the parameter table."""
    rows = parameter_list(sc)
    levers = [r for r in rows if r.kind == "lever" and r.type == "number"]
    money = [r for r in levers if r.unit == sc.unit]
    lever = (money or levers)[0].path
    means = [r.path for r in rows if r.path.endswith("arrivals.mean")]
    out: list[dict[str, Any]] = [{lever: "×0.7"}, {means[0]: "×1.3"}]
    out.append({lever: "×1.2", means[-1]: "×0.8"})
    return out


@pytest.mark.parametrize("scenario_id", BUNDLED)
def test_simulate_many_equals_separate_runs(scenario_id: str) -> None:
    sc = load_scenario(scenario_id)
    changes = variants(sc)
    many = budgetsim.simulate_many(sc, changes, draws=DRAWS, seed=5, include_base=True)
    alone = [budgetsim.simulate(sc, draws=DRAWS, seed=5)]
    alone += [budgetsim.simulate(sc.vary(c), draws=DRAWS, seed=5) for c in changes]
    for got, expected in zip(many, alone, strict=True):
        assert_same(got, expected)


@pytest.mark.parametrize("scenario_id", BUNDLED)
def test_a_chain_of_one_at_a_time_steps_equals_separate_runs(scenario_id: str) -> None:
    """A Morris-like walk: each variant changes one more ranged number than the one before,
    and shares with it (``chain``); every result is the separate run's, bit for bit."""
    sc = load_scenario(scenario_id)
    rows = [r for r in parameter_list(sc) if r.uncertain][:12]
    steps, changes = [], {}
    for i, row in enumerate(rows):
        changes = {**changes, row.path: row.high if i % 2 else row.low}
        steps.append(changes)
    steps.append({})  # back to the base: everything changes at once
    for row in rows[:4]:  # and back and forth: a value returns to one an older step had
        steps += [{row.path: row.high}, {row.path: row.low}, {row.path: row.high}]
    many = budgetsim.simulate_many(sc, steps, draws=DRAWS, seed=9, chain=True, chunk_draws=7)
    for got, change in zip(many, steps, strict=True):
        assert_same(got, budgetsim.simulate(sc.vary(change), draws=DRAWS, seed=9))


@pytest.mark.parametrize(("chunk", "workers"), [(1, 1), (7, 1), (None, 1), (7, 2), (None, 2)])
def test_simulate_many_whatever_the_chunks_and_workers(chunk: int | None, workers: int) -> None:
    sc = load_scenario("jiangmen-2021")
    changes = variants(sc)
    many = budgetsim.simulate_many(
        sc, changes, draws=DRAWS, seed=9, chunk_draws=chunk, workers=workers
    )
    for change, got in zip(changes, many, strict=True):
        assert_same(got, budgetsim.simulate(sc.vary(change), draws=DRAWS, seed=9))


def test_any_executor_gives_the_same_results() -> None:
    sc = load_scenario("jiangmen-2021")
    plan = compile_scenario(sc)
    base = budgetsim.simulate(sc, draws=DRAWS, seed=2)
    with ThreadPoolExecutor(2) as pool:
        assert_same(budgetsim.simulate(plan, DRAWS, 2, chunk_draws=5, executor=pool), base)
    with ProcessPoolExecutor(2) as pool:
        assert_same(budgetsim.simulate(sc, DRAWS, 2, chunk_draws=5, executor=pool), base)


def test_chunk_task_is_public_and_picklable() -> None:
    import pickle

    plan = compile_scenario(load_scenario("guangzhou-2024-mic"))
    task = pickle.loads(pickle.dumps(ChunkTask((plan,), entropy=3, start=2, stop=6)))
    [result] = run_chunk(task)
    alone = budgetsim.simulate(plan, draws=6, seed=None)
    assert result.metrics["paid"].shape == (4, *alone.paid.shape[1:])


def test_the_allocator_setting_is_restored_after_an_error() -> None:
    calls: list[str] = []
    real_tune, real_restore = _allocator.tune_allocator, _allocator.restore_allocator
    try:
        _allocator.tune_allocator = lambda: calls.append("tune") or True  # type: ignore[func-returns-value]
        _allocator.restore_allocator = lambda: calls.append("restore")  # type: ignore[func-returns-value]
        sc = load_scenario(
            "jiangmen-2021", ["populations.tsme_rd.derived.deduction.expr=log(0*rd_expense)"]
        )
        with pytest.raises(SimulationError):
            budgetsim.simulate(sc, draws=4, seed=1)
    finally:
        _allocator.tune_allocator, _allocator.restore_allocator = real_tune, real_restore
    assert calls == ["tune", "restore"]
    assert _allocator._depth == 0


def test_simulate_many_errors_name_the_variant_path() -> None:
    sc = load_scenario("jiangmen-2021")
    with pytest.raises(BudgetsimError, match="did you mean 'rd_reward'"):
        budgetsim.simulate_many(sc, [{"programmes.rd_rewad.instrument.cap": 30}], draws=2)


def test_a_variant_that_changes_a_limit_is_not_copied_from_the_base() -> None:
    # Found by a new user: programmes the base plan's limit changed were copied into a variant
    # whose limit no longer covers them (the cost of dropping 不重复 came out unchanged).
    sc = load_scenario("zhongshan-2024")
    changes = [
        {
            "limits.talent_no_double.programmes": ["returnee_startup", "research_team"],
            "programmes.research_team.population": "talents",
        },
        {"limits.talent_no_double.exclusive": False, "limits.talent_no_double.cap": 100},
    ]
    many = budgetsim.simulate_many(sc, changes, draws=DRAWS, seed=2)
    for change, got in zip(changes, many, strict=True):
        assert_same(got, budgetsim.simulate(sc.vary(change), draws=DRAWS, seed=2))


def test_a_variant_may_record_a_metric_the_base_does_not() -> None:
    raw = load_scenario("guangzhou-2024-mic").model_dump(
        mode="json", by_alias=True, exclude_defaults=True
    )
    with_recovery = [
        p for p, spec in raw["programmes"].items() if spec["instrument"].get("recovery")
    ]
    for p in with_recovery:
        del raw["programmes"][p]["instrument"]["recovery"]
    from budgetsim.scenario.load import validate_data

    base = validate_data(raw, "no-recovery")
    change = {f"programmes.{with_recovery[0]}.instrument.recovery": "recovery"}
    [got] = budgetsim.simulate_many(base, [change], draws=DRAWS, seed=2)
    assert_same(got, budgetsim.simulate(base.vary(change), draws=DRAWS, seed=2))


def test_a_changed_copy_never_runs_the_original_plan() -> None:
    sc = load_scenario("jiangmen-2021")
    programme = sc.programmes["rd_reward"]
    envelope = programme.envelope.model_copy(update={"per_year": (2000.0, 2000.0, 2000.0)})  # type: ignore[union-attr]
    changed = sc.model_copy(
        update={
            "programmes": {
                **sc.programmes,
                "rd_reward": programme.model_copy(update={"envelope": envelope}),
            }
        }
    )
    res = budgetsim.simulate(changed, draws=DRAWS, seed=1)
    assert res.paid.sel(programme="rd_reward").values.max() > 1000.0
    assert budgetsim.parameters(changed).loc["programmes.rd_reward.envelope.per_year", "value"] == (
        2000.0,
        2000.0,
        2000.0,
    )
