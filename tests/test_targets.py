"""Policy targets: exact stock paths, the Poisson closed form, expiry and renewal."""

from typing import Any

import numpy as np
import pytest
from scipy import stats

import budgetsim
from tests.conftest import central_moments, toy, variance_se

Z = 5.0


def target(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "label": "stock",
        "source": "t",
        "start": 90,
        "entries": {"populations": "firms"},
        "goal": 120,
        "goal_year": 2023,
    }
    spec.update(changes)
    return spec


def run(draws: int, seed: int, arrivals: dict[str, Any] | None = None, **changes: Any) -> Any:
    extra = {} if arrivals is None else {"populations__firms__arrivals": arrivals}
    sc = toy(targets={"stock": target(**changes)}, **extra)
    return budgetsim.simulate(sc, draws=draws, seed=seed)


FIXED_40 = {"dist": "fixed", "mean": 40, "assumption": "t"}


@pytest.mark.parametrize(
    ("renew", "path"),
    [(0.0, [100, 110, 120]), (1.0, [130, 170, 210])],
)
def test_fixed_entries_and_certain_expiry_give_the_exact_path(renew: float, path: list) -> None:
    # start 90, a third of it expiring each year; 40 entries a year; renew none or all
    res = run(20, 1, FIXED_40, validity_years=3, renew=renew)
    stock = res.targets["stock"]["stock"].values
    assert (stock == np.array(path)).all()


def test_poisson_entries_match_the_closed_form_probability() -> None:
    # no exits: stock(2023) = 175 + Poisson(3 × 25); P(≥ 250) = P(Poisson(75) ≥ 75)
    arrivals = {"dist": "poisson", "mean": 25, "assumption": "t"}
    res = run(8_000, 2, arrivals, start=175, goal=250)
    met = (res.targets["stock"]["stock"].values[:, -1] >= 250).mean()
    p = stats.poisson.sf(74, 75)
    assert abs(met - p) < Z * np.sqrt(p * (1 - p) / 8_000)
    summary = res.target_summary().xs("stock", level="target")
    assert summary.loc[2023, "p_at_goal"] == pytest.approx(met)
    assert summary.loc[2023, "goal"] == 250


def test_expiring_units_renew_binomially() -> None:
    # start 300: 100 expire in the first year, each renewing with probability 0.8
    res = run(6_000, 3, FIXED_40, start=300, validity_years=3, renew=0.8)
    exits = res.targets["stock"]["exits"].values[:, 0]
    assert abs(exits.mean() - 20) < Z * np.sqrt(100 * 0.8 * 0.2 / exits.size)
    var, mu4 = central_moments(stats.binom(100, 0.2))  # 16, and the binomial's own μ4
    assert abs(exits.var(ddof=1) - var) < Z * variance_se(mu4, var, exits.size)


def test_eligible_entries_thin_the_population_and_uplift_raises_them() -> None:
    res = run(
        6_000,
        4,
        {"dist": "poisson", "mean": 50, "assumption": "t"},
        entries={"populations": ["firms"], "eligible": "month <= 6"},
    )
    entries = res.targets["stock"]["entries"].values.ravel()
    assert abs(entries.mean() - 25) < Z * np.sqrt(25 / entries.size)
    raised = run(5, 4, FIXED_40, entries={"populations": "firms", "uplift": 0.1})
    assert (raised.targets["stock"]["entries"].values == 44).all()


def test_exit_rate_removes_a_share_each_year() -> None:
    res = run(4_000, 5, {"dist": "fixed", "mean": 0, "assumption": "t"}, start=1000, exit_rate=0.05)
    exits = res.targets["stock"]["exits"].values[:, 0]
    assert abs(exits.mean() - 50) < Z * np.sqrt(1000 * 0.05 * 0.95 / exits.size)


@pytest.mark.parametrize("chunk", [1, 9])
def test_targets_are_chunk_invariant(chunk: int) -> None:
    sc = toy(targets={"stock": target(validity_years=3, renew=0.7)})
    a = budgetsim.simulate(sc, draws=40, seed=6, chunk_draws=40)
    b = budgetsim.simulate(sc, draws=40, seed=6, chunk_draws=chunk)
    assert a.targets["stock"].equals(b.targets["stock"])
