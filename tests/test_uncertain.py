"""Runs with uncertain assumptions: the blocks are the variants' own draws, the split of the
variance adds up and matches a closed form and a two-level nested simulation."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

import budgetsim
from budgetsim.cli import cli
from budgetsim.errors import BudgetsimError
from budgetsim.optimize import size_budgets
from budgetsim.scenario import Scenario
from budgetsim.sensitivity.design import changes
from budgetsim.sensitivity.uncertain import comparison, simulate_uncertain, variance_split
from tests.conftest import order_statistic_band, toy

Z = 4.0  # standard errors allowed: a false alarm about once in 16,000 runs
LAM_LOW, LAM_HIGH = 20.0, 60.0


def poisson_count() -> Scenario:
    """One year, Poisson arrivals whose mean is uncertain on [20, 60], 1 per applicant,
    uncapped: demand = N, with N | λ ~ Poisson(λ) and λ ~ U(20, 60)."""
    return toy(
        scenario__years=[2021],
        populations__firms__arrivals={
            "dist": "poisson",
            "mean": 40,
            "assumption": "t",
            "plausible": {"mean": {"low": LAM_LOW, "high": LAM_HIGH}},
        },
        programmes__grant__rationing="uncapped",
        programmes__grant__envelope=None,
    )


def test_each_block_is_its_variants_own_draws() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    res = simulate_uncertain(sc, draws=30, seed=3, block=10)
    drawn = res.uncertain
    assert drawn.blocks == 3
    assert all(f.parameter.kind == "assumption" for f in drawn.factors)
    for k in range(drawn.blocks):
        alone = budgetsim.simulate(sc.vary(changes(drawn.factors, drawn.u[k])), draws=30, seed=3)
        got = slice(10 * k, 10 * k + 10)
        for name in ("demand", "paid", "exhaustion_month"):
            np.testing.assert_array_equal(
                res.dataset[name].values[got], alone.dataset[name].values[got]
            )
        for rid, ds in alone.riskfunds.items():
            np.testing.assert_array_equal(
                res.riskfunds[rid]["balance_end"].values[got], ds["balance_end"].values[got]
            )


def test_same_seed_same_run_for_any_workers_or_executor() -> None:
    sc = budgetsim.load_scenario("guangzhou-2024-mic")
    one = simulate_uncertain(sc, draws=120, seed=8, block=20)
    two = simulate_uncertain(sc, draws=120, seed=8, block=20, workers=2)
    with ThreadPoolExecutor(2) as pool:
        three = simulate_uncertain(sc, draws=120, seed=8, block=20, executor=pool)
    for other in (two, three):
        np.testing.assert_array_equal(one.demand.values, other.demand.values)
        np.testing.assert_array_equal(one.uncertain.u, other.uncertain.u)
    assert one.stamp()["uncertain"]["blocks"] == 6


def test_the_split_matches_the_closed_form_of_a_poisson_mixture() -> None:
    # Var(E[N|λ]) = Var(λ) = (60 − 20)² / 12 and E[Var(N|λ)] = E[λ] = 40: the mean's share
    # is 133.3 / 173.3 = 0.769, luck 0.231
    var_mean, luck = (LAM_HIGH - LAM_LOW) ** 2 / 12, (LAM_LOW + LAM_HIGH) / 2
    res = simulate_uncertain(poisson_count(), draws=20_000, seed=5, block=20)
    split = variance_split(res, ["demand_mean"]).set_index("part")
    assert split["share"].sum() == pytest.approx(1.0)
    expected = {
        "populations.firms.arrivals.mean": var_mean / (var_mean + luck),
        "luck": luck / (var_mean + luck),
        "interactions": 0.0,
    }
    for part, share in expected.items():
        row = split.loc[part]
        se = (row["high"] - row["low"]) / (2 * 1.959963984540054)
        assert 0 < se < 0.05, part
        assert abs(row["share"] - share) < Z * se, (part, row["share"], share, se)


def test_the_split_matches_a_two_level_nested_simulation() -> None:
    """The outer level: separate plain runs at λ drawn uniformly; the inner: their draws. The
    share of E[Y|λ] in the variance from the nested runs equals the split's within noise."""
    sc = poisson_count()
    rng = np.random.default_rng(11)
    outer, inner = 60, 200
    means, variances = [], []
    for lam in rng.uniform(LAM_LOW, LAM_HIGH, outer):
        y = budgetsim.simulate(
            sc.vary({"populations.firms.arrivals.mean": float(lam)}), inner, seed=int(lam * 1e6)
        ).demand.values[:, 0, 0]
        means.append(y.mean())
        variances.append(y.var(ddof=1))
    luck = float(np.mean(variances))
    between = float(np.var(means, ddof=1)) - luck / inner
    nested = between / (between + luck)
    # the nested estimate's own noise: a jackknife over the outer runs
    loo = []
    for i in range(outer):
        m, v = np.delete(means, i), np.delete(variances, i)
        b = float(np.var(m, ddof=1)) - float(np.mean(v)) / inner
        loo.append(b / (b + float(np.mean(v))))
    nested_se = math.sqrt((outer - 1) / outer * float(np.sum((np.array(loo) - np.mean(loo)) ** 2)))
    res = simulate_uncertain(sc, draws=12_000, seed=2, block=20)
    row = (
        variance_split(res, ["demand_mean"])
        .set_index("part")
        .loc["populations.firms.arrivals.mean"]
    )
    split_se = (row["high"] - row["low"]) / (2 * 1.959963984540054)
    assert abs(row["share"] - nested) < Z * math.hypot(nested_se, split_se)


def test_a_number_that_moves_nothing_gets_no_share() -> None:
    sc = toy(
        scenario__years=[2021],
        populations__firms__attributes={
            "x": {
                "dist": "lognormal",
                "median": 10,
                "sigma": 0.5,
                "assumption": "t",
                "plausible": {"median": {"low": 5, "high": 20}},
            }
        },
        programmes__grant__rationing="uncapped",
        programmes__grant__envelope=None,
    )
    res = simulate_uncertain(sc, draws=4_000, seed=1)
    split = variance_split(res, ["demand_mean"]).set_index("part")
    # the fixed grant never reads x: its bins hold the same draws' spread as any grouping
    row = split.loc["populations.firms.attributes.x.median"]
    assert row["low"] <= 0 <= row["high"]
    assert split.loc["luck", "share"] > 0.9


def test_the_uncertain_run_widens_the_budget_and_says_so() -> None:
    sc = poisson_count()
    plain = budgetsim.simulate(sc, 4_000, seed=1)
    drawn = simulate_uncertain(sc, 4_000, seed=1)
    table = comparison(plain, drawn, ["budget_at_risk_p95"], lang="en").iloc[0]
    # P95 of Poisson(40) is 51; the sample P95 of 4,000 draws lies between the order
    # statistics of ranks 3,800 and 3,801, each within its exact band; with λ up to 60 the
    # mixture's P95 is near 60
    low, _ = order_statistic_band(stats.poisson(40), 3_800, 4_000, Z)
    _, high = order_statistic_band(stats.poisson(40), 3_801, 4_000, Z)
    assert low <= table["plain"] <= high
    assert table["uncertain"] > table["plain"] + 4
    assert table["difference_low"] > 0
    assert "budget at risk P95" in table["label"]


def test_a_scenario_without_ranged_assumptions_says_so() -> None:
    with pytest.raises(BudgetsimError, match="no number with a plausible range"):
        simulate_uncertain(toy(), draws=10)
    with pytest.raises(BudgetsimError, match="--uncertain"):
        variance_split(budgetsim.simulate(toy(), 10, seed=1))


def test_sizing_with_uncertain_assumptions_needs_more_money() -> None:
    sc = poisson_count()
    plain = size_budgets(sc, (0.9,), draws=800, validation_draws=2_000, seed=1)[0]
    drawn = size_budgets(sc, (0.9,), draws=800, validation_draws=2_000, seed=1, uncertain=True)[0]
    total = lambda r: float(r.budgets["budget"].sum())  # noqa: E731
    assert total(drawn) > total(plain) + 5
    assert drawn.certificate.probability >= 0.85
    # the fresh draws come in 50 blocks of shared assumptions: the certificate's interval is
    # that of fewer effective draws, wider than the plain run's
    width = lambda r: r.certificate.high - r.certificate.low  # noqa: E731
    assert width(drawn) > width(plain)
    with pytest.raises(BudgetsimError, match="at least 16 sets of assumptions"):
        size_budgets(sc, (0.9,), draws=300, validation_draws=2_000, seed=1, uncertain=True)


def test_the_summaries_of_an_uncertain_run_count_blocks_not_draws() -> None:
    """Draws of a block share their assumptions: the standard errors of the tables come from
    the blocks, close to the spread of the estimate over seeds."""
    sc = poisson_count()
    runs = [simulate_uncertain(sc, 2_000, seed=s) for s in range(12)]
    means = [float(r.summary()["demand_mean"].iloc[0]) for r in runs]
    reported = float(np.mean([r.summary()["demand_mean_se"].iloc[0] for r in runs]))
    spread = float(np.std(means, ddof=1))
    # the spread over 12 seeds is itself uncertain by about 1/√(2·11) ≈ 21 %
    assert 0.5 * spread < reported < 2 * spread
    plain = budgetsim.simulate(sc, 2_000, seed=1).summary()["demand_mean_se"].iloc[0]
    assert reported > 3 * plain


def test_run_uncertain_on_the_command_line(tmp_path: pd.DataFrame) -> None:
    out = tmp_path / "unc"
    result = CliRunner().invoke(
        cli,
        ["run", "guangdong-2022", "-n", "1000", "--uncertain", "--out", str(out), "--lang", "en"],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    assert "assumptions fixed" in result.output
    assert "assumptions drawn" in result.output
    assert "luck (which firms apply" in result.output
    assert "budget at risk P80 · whole policy" in result.output
    split = pd.read_csv(out / "uncertain_split.csv")
    assert split.groupby("output")["share"].sum().round(9).eq(1).all()
    assert (out / "uncertain_assumptions.csv").exists()


def test_ranges_that_cross_are_one_message_not_a_traceback() -> None:
    """A uniform whose low and high ranges overlap: some drawn combinations are invalid."""
    sc = budgetsim.load_scenario("guangdong-2022").vary(
        {
            "populations.provincial_centres.attributes.provincial_funding.plausible.high": {
                "low": 900,
                "high": 4500,
            }
        }
    )
    with pytest.raises(BudgetsimError, match="narrow the ranges") as info:
        simulate_uncertain(sc, 2_000, seed=1, workers=2)
    assert "provincial_funding: expected low ≤ high" in str(info.value)
    with pytest.raises(BudgetsimError, match="narrow the ranges"):
        budgetsim.sensitivity(sc, "morris", ["budget_at_risk_p80"], draws=20, seed=1)


def test_the_uncertain_tables_fit_100_columns_without_cutting_a_number() -> None:
    import io

    from rich.cells import cell_len
    from rich.console import Console

    from budgetsim.cli_uncertain import print_uncertain
    from budgetsim.metrics import format_value

    sc = budgetsim.load_scenario("jiangmen-2021")
    plain = budgetsim.simulate(sc, 800, seed=1)
    drawn = simulate_uncertain(sc, 800, seed=1)
    table, split = comparison(plain, drawn, lang="en"), variance_split(drawn, lang="en")
    buffer = io.StringIO()
    print_uncertain(table, split, drawn, Console(file=buffer, width=100, highlight=False))
    text = buffer.getvalue()
    assert max(cell_len(line) for line in text.splitlines()) <= 100
    for row in table.to_dict("records"):
        assert format_value(row["metric"], row["uncertain"], "en") in text
    for row in split.to_dict("records"):
        assert f"[{row['low']:.0%}, {row['high']:.0%}]" in text or row["part"] not in (
            "luck",
            "interactions",
        )
