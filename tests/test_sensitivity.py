"""Sensitivity analysis against known answers: tornado, Morris and Sobol on small scenarios.

Where an output is exact (fixed counts, fixed amounts, nothing drawn at random that the output
reads), the checks are exact up to float rounding. Where it is statistical, the tolerance is
``Z`` standard errors of the estimate (binomial, or the paired standard error the analysis
reports), and the draws are worked out from the standard error so that the check can tell the
right answer from the nearest wrong one. The seeds are fixed, so the tests are deterministic.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import budgetsim
from budgetsim.errors import BudgetsimError
from budgetsim.outcomes import Output, difference_se, estimate, needed, parse_output
from budgetsim.scenario import Scenario
from budgetsim.scenario.load import validate_data
from budgetsim.sensitivity import changes, factors, morris, sensitivity, sobol, tornado
from budgetsim.stats import Z95
from tests.conftest import toy

#: Standard errors allowed for a statistical check (a correct engine fails one about once in
#: 16,000 runs at 4; the seeds are fixed, so it fails never or always).
Z = 4.0
#: Relative tolerance of a check that is exact but for float rounding.
EXACT = 1e-9


# -- scenarios ---------------------------------------------------------------------------------

YEARS = [2021, 2022]
#: Applicants a year of population ``a`` (fixed), and the stated count of population ``c``.
N_A, N_C = 50, 40
#: Stated amount and plausible range of each uncapped fixed-amount programme.
AMOUNT_GA, RANGE_GA = 10.0, (4.0, 16.0)  # on population a
AMOUNT_GB, RANGE_GB = 2.0, (1.0, 3.0)  # on population a
AMOUNT_GC = 5.0  # on population c
#: Range of population c's count: a multiple of 3 wide, so the Morris grid (thirds) is whole.
RANGE_NC = (30, 60)


def _fixed_programme(population: str, amount: float, ranged: tuple[float, float] | None) -> dict:
    instrument: dict[str, Any] = {"kind": "fixed", "amount": amount, "source": "t"}
    if ranged is not None:
        instrument["plausible"] = {"amount": {"low": ranged[0], "high": ranged[1]}}
    return {
        "label": population,
        "source": "t",
        "population": population,
        "instrument": instrument,
        "rationing": "uncapped",
    }


def _fixed_population(count: int, ranged: tuple[int, int] | None) -> dict:
    arrivals: dict[str, Any] = {"dist": "fixed", "mean": count, "assumption": "t"}
    if ranged is not None:
        arrivals["plausible"] = {"mean": {"low": ranged[0], "high": ranged[1]}}
    return {"label": "applicants", "arrivals": arrivals}


def linear_scenario() -> Scenario:
    """Three uncapped programmes paying fixed amounts to fixed numbers of applicants.

    The whole policy's demand over the horizon is
    ``years × (N_A·a_ga + N_A·a_gb + a_gc·n_c)``: additive, and linear in each ranged number
    (the amounts of ga and gb, the count of population c) with nothing drawn at random.
    """
    data = {
        "scenario": {"id": "linear", "title": "linear", "source": "t", "years": YEARS},
        "populations": {"a": _fixed_population(N_A, None), "c": _fixed_population(N_C, RANGE_NC)},
        "programmes": {
            "ga": _fixed_programme("a", AMOUNT_GA, RANGE_GA),
            "gb": _fixed_programme("a", AMOUNT_GB, RANGE_GB),
            "gc": _fixed_programme("c", AMOUNT_GC, None),
        },
    }
    return validate_data(copy.deepcopy(data), "linear.toml")


#: Per ranged number of :func:`linear_scenario`: the coefficient of the policy's demand in it
#: (per unit of the number) and its range.
LINEAR = {
    "programmes.ga.instrument.amount": (len(YEARS) * N_A, RANGE_GA),
    "programmes.gb.instrument.amount": (len(YEARS) * N_A, RANGE_GB),
    "populations.c.arrivals.mean": (len(YEARS) * AMOUNT_GC, RANGE_NC),
}
LINEAR_BASE = len(YEARS) * (N_A * AMOUNT_GA + N_A * AMOUNT_GB + N_C * AMOUNT_GC)


def _swing(path: str) -> float:
    """coefficient × (high − low)."""
    coef, (low, high) = LINEAR[path]
    return coef * (high - low)


def _stated(path: str) -> float:
    return {
        "programmes.ga.instrument.amount": AMOUNT_GA,
        "programmes.gb.instrument.amount": AMOUNT_GB,
        "populations.c.arrivals.mean": N_C,
    }[path]


def _rows(result: budgetsim.sensitivity.SensitivityResult, output: str) -> pd.DataFrame:
    return result.table[result.table["output"] == output].set_index("parameter")


# -- (a) linear known answers ------------------------------------------------------------------


def test_factors_are_the_ranged_numbers_with_their_ends() -> None:
    chosen = factors(linear_scenario())
    by_path = {f.path: f for f in chosen}
    assert set(by_path) == set(LINEAR)
    for path, (_, (low, high)) in LINEAR.items():
        assert by_path[path].ends() == (low, high)
    u = [0.0, 0.5, 1.0]
    assert changes(chosen, u) == {f.path: f.at(x) for f, x in zip(chosen, u, strict=True)}
    assert by_path["programmes.ga.instrument.amount"].at(0.5) == pytest.approx(10.0)


def test_tornado_swing_of_a_linear_output_is_coefficient_times_range() -> None:
    sc = linear_scenario()
    res = tornado(sc, ["demand_mean:policy", "demand_mean:ga"], draws=4, seed=1)
    policy = _rows(res, "demand_mean:policy")
    assert set(policy.index) == set(LINEAR)
    for path, (coef, (low, high)) in LINEAR.items():
        row = policy.loc[path]
        assert row["base"] == pytest.approx(LINEAR_BASE, rel=EXACT)
        assert row["swing"] == pytest.approx(_swing(path), rel=EXACT)
        assert row["at_low"] == pytest.approx(LINEAR_BASE + coef * (low - _stated(path)), rel=EXACT)
        assert row["at_high"] == pytest.approx(
            LINEAR_BASE + coef * (high - _stated(path)), rel=EXACT
        )
        # nothing the output reads is drawn at random: no noise, and the effect is real
        assert row["swing_se"] == 0.0
        assert row["effect"] == "real"
    # ranked by the size of the swing
    order = sorted(LINEAR, key=lambda p: -_swing(p))
    assert list(policy.sort_values("rank").index) == order
    # ga's own demand moves with ga's amount only; the others change nothing it reads
    ga = _rows(res, "demand_mean:ga")
    assert ga.loc["programmes.ga.instrument.amount", "swing"] == pytest.approx(
        _swing("programmes.ga.instrument.amount"), rel=EXACT
    )
    for path in ("programmes.gb.instrument.amount", "populations.c.arrivals.mean"):
        assert ga.loc[path, "swing"] == 0.0
        assert ga.loc[path, "effect"] == "none"


def test_morris_mu_star_of_a_linear_output_is_coefficient_times_range() -> None:
    # Every elementary effect of a linear output is its coefficient × (high − low), whatever
    # the point: μ = μ* = that, σ = 0, and no noise (nothing is drawn at random).
    res = morris(linear_scenario(), ["demand_mean:policy"], draws=2, seed=3, trajectories=6)
    rows = _rows(res, "demand_mean:policy")
    for path in LINEAR:
        row = rows.loc[path]
        assert row["mu_star"] == pytest.approx(_swing(path), rel=EXACT), path
        assert row["mu"] == pytest.approx(_swing(path), rel=EXACT), path
        assert abs(row["sigma"]) <= EXACT * _swing(path), path
        assert row["ee_noise"] == 0.0
        assert row["effect"] == "real"


# -- (b) Sobol known answer --------------------------------------------------------------------


def test_sobol_indices_of_an_additive_output_match_the_variance_shares() -> None:
    # demand = Σ c_i x_i + const with x_i uniform on [low_i, high_i], independent:
    # Var = Σ c_i² r_i² / 12, so S_i = ST_i = c_i² r_i² / Σ_j c_j² r_j² (no interactions).
    sc = linear_scenario()
    res = sobol(sc, ["demand_mean:policy"], draws=2, seed=7, samples=128, only=list(LINEAR))
    rows = _rows(res, "demand_mean:policy")
    weight = {p: _swing(p) ** 2 for p in LINEAR}
    total = sum(weight.values())
    for path in LINEAR:
        share = weight[path] / total
        row = rows.loc[path]
        # SALib's *_conf is a 95 % bootstrap half-width: conf / 1.96 is the standard error
        for col in ("S1", "ST"):
            se = row[f"{col}_conf"] / Z95
            assert abs(row[col] - share) <= Z * se + 1e-9, (path, col, row[col], share, se)
    noise = res.noise.set_index("output").loc["demand_mean:policy"]
    assert noise["noise_sd"] == 0.0


# -- (c) Poisson arrivals, first-come-first-served: P(exhausted) in closed form ---------------

ENVELOPE, GRANT = 80.0, 2.0  # E / g is whole: the boundary case of "more than the money"
LAMBDA, LAMBDA_RANGE = 50, (40, 60)


def poisson_fcfs() -> Scenario:
    return toy(
        scenario__years=[2021],
        populations__firms__arrivals={
            "dist": "poisson",
            "mean": LAMBDA,
            "assumption": "t",
            "plausible": {"mean": {"low": LAMBDA_RANGE[0], "high": LAMBDA_RANGE[1]}},
        },
        programmes__grant__instrument={"kind": "fixed", "amount": GRANT, "source": "t"},
        programmes__grant__rationing={"rule": "fcfs", "boundary": "remainder"},
        programmes__grant__envelope={"per_year": ENVELOPE, "source": "t"},
    )


def test_tornado_p_exhausted_matches_the_poisson_tail_at_each_end() -> None:
    # Exhausted = some claimant not paid in full = the running total of claims passes the
    # money: N·g > E, i.e. N > ⌊E/g⌋ (N = E/g applicants are all paid exactly).
    k = math.floor(ENVELOPE / GRANT)
    lam_low, lam_high = LAMBDA_RANGE
    exact = {lam: float(stats.poisson.sf(k, lam)) for lam in (lam_low, LAMBDA, lam_high)}
    # draws: Z standard errors at the low end within half the gap to the off-by-one answer
    # (N ≥ E/g, i.e. sf(k − 1)), so the check tells the two apart
    p = exact[lam_low]
    gap = float(stats.poisson.pmf(k, lam_low))
    draws = math.ceil((2 * Z * math.sqrt(p * (1 - p)) / gap) ** 2 / 1000) * 1000
    res = tornado(poisson_fcfs(), ["p_exhausted:grant"], draws=draws, seed=17)
    row = res.table.iloc[0]
    assert row["parameter"] == "populations.firms.arrivals.mean"
    for column, lam in (("at_low", lam_low), ("base", LAMBDA), ("at_high", lam_high)):
        q = exact[lam]
        se = math.sqrt(q * (1 - q) / draws)
        assert abs(row[column] - q) < Z * se, (column, row[column], q, se)
    # the swing's paired standard error is honest: the exact swing lies within Z of it
    swing = exact[lam_high] - exact[lam_low]
    assert 0 < row["swing_se"] < 0.05
    assert abs(row["swing"] - swing) < Z * row["swing_se"]
    assert row["swing_low"] == pytest.approx(row["swing"] - Z95 * row["swing_se"])
    assert row["effect"] == "real"


# -- (d) a number that moves nothing --------------------------------------------------------------


def idle_scenario() -> Scenario:
    """Poisson arrivals, a fixed grant, an envelope that never binds (demand ≈ 100 a year,
    the money ≥ 500) and an attribute no programme reads; all three ranged."""
    return toy(
        populations__firms__arrivals={
            "dist": "poisson",
            "mean": 50,
            "assumption": "t",
            "plausible": {"mean": {"low": 40, "high": 60}},
        },
        populations__firms__attributes={
            "x": {
                "dist": "lognormal",
                "median": 10,
                "sigma": 0.5,
                "assumption": "t",
                "plausible": {"median": {"low": 5, "high": 20}},
            }
        },
        programmes__grant__instrument={"kind": "fixed", "amount": 2, "source": "t"},
        programmes__grant__envelope={
            "per_year": 1000,
            "source": "t",
            "plausible": {"per_year": {"low": 500, "high": 2000}},
        },
    )


IDLE = ("populations.firms.attributes.x.median", "programmes.grant.envelope.per_year")
IDLE_OUTPUTS = ["paid_mean:grant", "budget_at_risk_p80", "demand_mean:grant:2022"]


def test_a_number_that_moves_nothing_has_a_swing_of_exactly_zero() -> None:
    res = tornado(idle_scenario(), IDLE_OUTPUTS, draws=500, seed=2)
    for out in res.outputs:
        rows = _rows(res, out.key)
        for path in IDLE:
            row = rows.loc[path]
            assert row["swing"] == 0.0, (out.key, path)
            assert row["swing_se"] == 0.0
            assert row["at_low"] == row["at_high"] == row["base"]
            assert row["effect"] == "none"
        # the arrival mean does move them, beyond noise
        real = rows.loc["populations.firms.arrivals.mean"]
        assert real["swing_se"] > 0
        assert real["effect"] == "real"
        assert res.top(out, 3) == [res.factor("populations.firms.arrivals.mean")]


def test_morris_of_a_number_that_moves_nothing_is_exactly_zero() -> None:
    res = morris(idle_scenario(), IDLE_OUTPUTS, draws=300, seed=2, trajectories=4)
    for out in res.outputs:
        rows = _rows(res, out.key)
        for path in IDLE:
            row = rows.loc[path]
            assert row["mu_star"] == row["sigma"] == row["ee_noise"] == 0.0, (out.key, path)
            assert row["effect"] == "none"
        assert rows.loc["populations.firms.arrivals.mean", "effect"] == "real"


def test_swing_and_mu_star_of_a_noisy_linear_output_lie_within_their_noise() -> None:
    # The money never binds, so mean paid over the 3 years is 3 × grant × λ: linear in the
    # arrival mean, but estimated from Poisson draws. The tornado's swing and each Morris
    # elementary effect are 3 × 2 × (60 − 40) = 120 up to their reported Monte Carlo error.
    sc = idle_scenario()
    exact = 3 * 2 * (60 - 40)
    path = "populations.firms.arrivals.mean"
    row = _rows(tornado(sc, ["paid_mean:grant"], draws=500, seed=6), "paid_mean:grant").loc[path]
    assert 0 < row["swing_se"] < 0.05 * exact
    assert abs(row["swing"] - exact) < Z * row["swing_se"]
    res = morris(sc, ["paid_mean:grant"], draws=500, seed=6, trajectories=4)
    row = _rows(res, "paid_mean:grant").loc[path]
    # μ* averages elementary effects each with standard error ee_noise: its error is at most that
    assert 0 < row["ee_noise"] < 0.05 * exact
    assert abs(row["mu_star"] - exact) < Z * row["ee_noise"]
    assert abs(row["mu"] - exact) < Z * row["ee_noise"]


# -- (e) reproducible -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["tornado", "morris", "sobol"])
def test_same_seed_same_table_whatever_the_workers_and_chunks(method: str) -> None:
    sc = idle_scenario()
    options: dict[str, Any] = {
        "tornado": {},
        "morris": {"trajectories": 4},
        "sobol": {"samples": 8, "trajectories": 3},
    }[method]
    run = {"tornado": tornado, "morris": morris, "sobol": sobol}[method]
    outs = ["paid_mean:grant", "budget_at_risk_p80"]
    one = run(sc, outs, draws=300, seed=11, **options)
    two = run(sc, outs, draws=300, seed=11, workers=2, chunk_draws=64, **options)
    other_chunks = run(sc, outs, draws=300, seed=11, chunk_draws=37, **options)
    assert one.seed == two.seed == other_chunks.seed
    pd.testing.assert_frame_equal(one.table, two.table, check_exact=True)
    pd.testing.assert_frame_equal(one.table, other_chunks.table, check_exact=True)
    if method != "tornado":
        pd.testing.assert_frame_equal(one.noise, two.noise, check_exact=True)
    # and through the front door
    front = sensitivity(sc, method, outs, draws=300, seed=11, **options)
    pd.testing.assert_frame_equal(one.table, front.table, check_exact=True)


def test_a_chain_that_returns_to_an_earlier_value_equals_separate_runs() -> None:
    # The walk Morris and Sobol designs make: a lever goes away from its value and back.
    sc = linear_scenario()
    path = "programmes.ga.instrument.amount"
    steps = [{path: 16.0}, {path: AMOUNT_GA}]
    many = budgetsim.simulate_many(sc, steps, draws=2, seed=1, chain=True)
    for step, got in zip(steps, many, strict=True):
        alone = budgetsim.simulate(sc.vary(step), draws=2, seed=1)
        np.testing.assert_array_equal(got.demand.values, alone.demand.values, str(step))


# -- outcomes ------------------------------------------------------------------------------------


def test_difference_se_is_the_standard_error_of_the_paired_differences() -> None:
    sc = idle_scenario()
    out = parse_output("paid_mean:grant", sc)
    path = "populations.firms.arrivals.mean"
    low, high = budgetsim.simulate_many(sc, [{path: 40}, {path: 60}], draws=400, seed=4)
    a, b = needed(out, low), needed(out, high)
    diff = b["paid"] - a["paid"]
    assert difference_se(out.metric, a, b) == pytest.approx(
        diff.std(ddof=1) / math.sqrt(diff.size), rel=EXACT
    )
    assert estimate(out.metric, b) - estimate(out.metric, a) == pytest.approx(diff.mean())
    assert difference_se(out.metric, a, a) == 0.0


# -- (f) errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "close"),
    [
        ("p_exhausetd:grant", "p_exhausted"),
        ("p_exhausted:grnat", "grant"),
        ("demand_maen", "demand_mean"),
    ],
)
def test_parse_output_names_the_unknown_and_the_closest(text: str, close: str) -> None:
    with pytest.raises(BudgetsimError, match=re.escape(f"did you mean '{close}'")):
        parse_output(text, toy())


def test_parse_output_unknown_year_names_it_and_the_years() -> None:
    with pytest.raises(BudgetsimError, match=r"no year '2031'.*2021, 2022, 2023"):
        parse_output("p_exhausted:grant:2031", toy())


def test_parse_output_reads_place_and_year() -> None:
    sc = toy()
    assert parse_output("p_exhausted:grant:2022", sc) == Output(
        "p_exhausted", "programme", "grant", 2022
    )
    assert parse_output("paid_mean", sc) == Output("paid_mean", "policy", "policy", None)


def test_factors_only_a_path_that_matches_nothing_is_named() -> None:
    sc = linear_scenario()
    with pytest.raises(BudgetsimError, match=r"'nonexistent\.path': no ranged number matches"):
        factors(sc, only=["nonexistent.path"])
    with pytest.raises(
        BudgetsimError, match=re.escape("did you mean 'programmes.ga.instrument.amount'")
    ):
        factors(sc, only=["programmes.ga.instrument.amout"])
    with pytest.raises(BudgetsimError, match="no number with a plausible range"):
        factors(sc, exclude=["programmes", "populations"])
    assert [f.path for f in factors(sc, only=["programmes.*.amount"])] == [
        "programmes.ga.instrument.amount",
        "programmes.gb.instrument.amount",
    ]


def test_bad_method_settings_are_errors() -> None:
    sc = linear_scenario()
    with pytest.raises(BudgetsimError, match="unknown method 'sobel'"):
        sensitivity(sc, "sobel")
    with pytest.raises(BudgetsimError, match="at least 2 trajectories"):
        morris(sc, ["demand_mean"], draws=2, seed=1, trajectories=1)
    with pytest.raises(BudgetsimError, match="power of 2"):
        sobol(sc, ["demand_mean"], draws=2, seed=1, samples=48, only=list(LINEAR))


@pytest.mark.parametrize("ref", ["jiangmen-2021", "zhongshan-2024", "jiangmen-2021@stress"])
def test_whole_numbers_found_at_once_are_those_found_one_by_one(ref: str) -> None:
    from budgetsim.parameters import parameter_list
    from budgetsim.sensitivity.design import _whole

    sc = budgetsim.load_scenario(ref)
    one_by_one = {r.path for r in parameter_list(sc) if r.uncertain and _whole(sc, r)}
    assert {f.path for f in factors(sc) if f.whole} == one_by_one
