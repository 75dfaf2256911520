"""Instruments: hand-computed cases from the policy documents, bounds and broken inputs."""

from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

import budgetsim
from budgetsim.expressions import compile_expression
from budgetsim.instruments import Inputs, Instrument, entitlement
from budgetsim.segments import Segments
from tests.conftest import toy

YEARS = {"years": [2021, 2022, 2023]}


def award(spec: dict[str, Any], year: int = 2021, **attributes: list[float]) -> np.ndarray:
    inst = TypeAdapter(Instrument).validate_python({**spec, "source": "t"}, context=YEARS)
    arrays = {k: np.asarray(v, dtype=float) for k, v in attributes.items()}
    size = len(next(iter(arrays.values())))
    exprs = {
        k: compile_expression(t, set(arrays) | {"year"}) for k, t in inst.expressions().items()
    }
    return entitlement(inst, Inputs({**arrays, "year": float(year)}, exprs, size, {}))


ZHONGSHAN_RD = {
    "kind": "tiered",
    "base": "deduction",
    "brackets": [
        {"when": "rd_expense > 300", "rate": 0.03, "cap": 300},
        {"when": "rd_expense > 1000 and growth > 0.15", "rate": 0.03, "cap": 500},
    ],
}


def test_zhongshan_rd_post_subsidy_takes_the_best_bracket() -> None:
    # 中山十五条（一）: R&D 500万 with a 100 % deduction → 3 % = 15万; R&D 1200万 growing 20 %
    # → min(3 % × 1200万, 500万) = 36万; 1.5亿 growing 20 % → 450万 (second bracket, 从优);
    # 1.5亿 growing 10 % → the first bracket's 300万 cap; R&D 200万 → nothing.
    rd = [500, 1200, 15000, 15000, 200]
    got = award(ZHONGSHAN_RD, rd_expense=rd, deduction=rd, growth=[0, 0.2, 0.2, 0.1, 0.5])
    np.testing.assert_allclose(got, [15, 36, 450, 300, 0])


def test_tiered_with_fixed_amounts_and_bracket_bases() -> None:
    spec = {
        "kind": "tiered",
        "brackets": [
            {"when": "first", "amount": 10},
            {"when": "first and rd > 1000", "amount": 15},  # 中山（二）: +5万 → best is 15
            {"when": "rd > 5000", "rate": 0.001, "base": "rd"},
        ],
    }
    got = award(spec, first=[1, 1, 0, 0], rd=[100, 2000, 100, 20000])
    np.testing.assert_allclose(got, [10, 15, 0, 20])


def test_jiangmen_tic_matching() -> None:
    # 江科〔2021〕63号（一）: national 100 % of central funding ≤ 3000万; provincial 50 % ≤ 1000万
    national = {"kind": "matching", "of": "central", "ratio": 1.0, "cap": "3000万元"}
    np.testing.assert_allclose(award(national, central=[5000, 1200]), [3000, 1200])
    provincial = {"kind": "matching", "of": "provincial", "ratio": 0.5, "cap": 1000}
    np.testing.assert_allclose(award(provincial, provincial=[1500, 2600]), [750, 1000])


def test_range_award_follows_its_position() -> None:
    spec = {"kind": "range", "low": "50万元", "high": "100万元", "position": "merit"}
    np.testing.assert_allclose(award(spec, merit=[0, 0.3, 1, 1.7, -1]), [50, 65, 100, 100, 50])


def test_jiangmen_interest_subsidy() -> None:
    # 江科〔2021〕63号（五）: 50 % of interest paid, ≤ 50万 a firm. 1000万 at LPR 3.85 % + 1 pp
    # for 12 months → 48.5万 interest → 24.25万; 5000万 → 121.25万 → capped at 50万; 6 months
    # in 2022 (LPR 3.68 %) on 400万 with a 0.5 pp spread → 400 × 4.18 % / 2 / 2 = 4.18万.
    spec = {
        "kind": "interest_subsidy",
        "principal": "principal",
        "spread": "spread",
        "months": "months",
        "share": 0.5,
        "cap": "50万元",
        "lpr": {2021: 3.85, 2022: 3.68, 2023: 3.56},
    }
    got = award(spec, principal=[1000, 5000], spread=[1, 1], months=[12, 12])
    np.testing.assert_allclose(got, [24.25, 50.0])
    got = award(spec, year=2022, principal=[400], spread=[0.5], months=[6])
    np.testing.assert_allclose(got, [4.18])


def test_zhongshan_income_tax_refund() -> None:
    # 中山十五条（十五）: income tax paid above 15 % of taxable income is refunded.
    spec = {"kind": "tax_refund", "tax_paid": "tax", "taxable_income": "income", "threshold": 0.15}
    np.testing.assert_allclose(award(spec, tax=[40, 20, 0], income=[200, 200, 0]), [10, 0, 0])


PRIZES = {
    "kind": "prize",
    "score": "merit",
    "prizes": [{"count": 1, "amount": "100万元"}, {"count": 2, "amount": 50}],
}


def prizes(merit: list[float], counts: list[int], eligible: list[bool] | None = None) -> np.ndarray:
    inst = TypeAdapter(Instrument).validate_python({**PRIZES, "source": "t"}, context=YEARS)
    values = np.asarray(merit, dtype=float)
    inputs = Inputs(
        {"merit": values, "year": 2021.0},
        {"score": compile_expression("merit", {"merit"})},
        values.size,
        {},
        Segments(np.asarray(counts)),
        None if eligible is None else np.asarray(eligible),
    )
    return entitlement(inst, inputs)


def test_prizes_by_rank_within_each_draw() -> None:
    # one first prize of 100万 and two of 50万: ties keep arrival order
    np.testing.assert_array_equal(prizes([3, 9, 1, 9, 5], [5]), [0, 100, 0, 50, 50])
    # fewer entrants than prizes: the lower prizes are not awarded
    np.testing.assert_array_equal(prizes([1, 2], [2]), [50, 100])
    # draws rank separately
    np.testing.assert_array_equal(prizes([1, 2, 7, 8], [2, 2]), [50, 100, 50, 100])
    # ineligible entrants take no rank
    np.testing.assert_array_equal(prizes([9, 5, 4], [3], [False, True, True]), [0, 100, 50])
    assert prizes([], [0, 0]).shape == (0,)


def test_prizes_pay_the_whole_purse_when_entrants_suffice() -> None:
    sc = toy(
        populations__firms__arrivals={"dist": "fixed", "mean": 20, "assumption": "t"},
        populations__firms__attributes={
            "merit": {"dist": "uniform", "low": 0, "high": 1, "assumption": "t"}
        },
        programmes__grant__instrument={**PRIZES, "source": "t"},
        programmes__grant__rationing="uncapped",
        programmes__grant__envelope=None,
    )
    res = budgetsim.simulate(sc, draws=50, seed=3)
    np.testing.assert_array_equal(res.demand.values, 200.0)
    np.testing.assert_array_equal(res.dataset["claimants"].values, 3)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"kind": "tiered", "brackets": []}, "at least 1 item"),
        ({"kind": "tiered", "brackets": [{"when": "x > 1"}]}, "either rate"),
        ({"kind": "tiered", "brackets": [{"when": "x > 1", "rate": 0.1}]}, "no base"),
        ({"kind": "range", "low": 100, "high": 50, "position": "x"}, "low ≤ high"),
        (
            {"kind": "interest_subsidy", "principal": "p", "share": 0.5, "lpr": {2021: 3.85}},
            "missing [2022, 2023]",
        ),
        ({"kind": "matching", "of": "x", "ratio": -1}, "greater than or equal to 0"),
        (
            {"kind": "tax_refund", "tax_paid": "t", "taxable_income": "i", "threshold": 2},
            "a rate from 0 to 1",
        ),
        ({"kind": "prize", "score": "m", "prizes": []}, "at least 1 item"),
        ({"kind": "prize", "score": "m", "prizes": [{"count": 0, "amount": 5}]}, "greater than"),
    ],
)
def test_bad_instruments(spec: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=None) as info:
        TypeAdapter(Instrument).validate_python({**spec, "source": "t"}, context=YEARS)
    assert fragment in str(info.value)


def test_bracket_expressions_are_checked_against_the_population() -> None:
    spec = {**ZHONGSHAN_RD, "source": "t"}
    spec["brackets"] = [{"when": "rd_expence > 300", "rate": 0.03, "cap": 300}]
    spec["base"] = "x"
    with pytest.raises(budgetsim.ScenarioError, match=r"instrument\.brackets\.0\.when"):
        toy(programmes__grant__instrument=spec)


def test_new_instruments_run_end_to_end() -> None:
    sc = toy(
        populations__firms__attributes={
            "x": {"dist": "lognormal", "median": 1000, "sigma": 1, "assumption": "t"},
            "merit": {"dist": "uniform", "low": 0, "high": 1, "assumption": "t"},
        },
        programmes__grant__instrument={
            "kind": "range",
            "low": 20,
            "high": 50,
            "position": "merit",
            "source": "t",
        },
        programmes__tiers={
            "label": "tiers",
            "source": "t",
            "population": "firms",
            "rationing": "uncapped",
            "instrument": {
                **ZHONGSHAN_RD,
                "base": "x",
                "source": "t",
                "brackets": [{"when": "x > 300", "rate": 0.03, "cap": 300}],
            },
        },
    )
    res = budgetsim.simulate(sc, draws=200, seed=1)
    demand = res.demand.sel(programme="grant").values
    claimants = res.dataset["claimants"].sel(programme="grant").values
    per_firm = demand.sum() / claimants.sum()
    sd = 30 / np.sqrt(12)  # a uniform position over a 30万 range
    assert abs(per_firm - 35) < 5 * sd / np.sqrt(claimants.sum())
    assert (res.paid.sel(programme="tiers").values > 0).all()


GUANGZHOU_NATIONAL = {
    "kind": "grant_or_equity",
    "grant": "3000万元",
    "equity_share": 0.3,
    "capital": "capital",
    "equity_cap": "1亿元",
    "form": "takes_equity",
}


def test_guangzhou_grant_or_equity_known_answers() -> None:
    # 穗工信: upgraded to national level → 3000万 one-off, or 30 % of project capital ≤ 1亿.
    # Capital 2亿 with equity → 6000万; 5亿 with equity → capped at 1亿; grant → 3000万.
    capital = [20000, 50000, 20000]
    form = [1, 1, 0]
    got = award(GUANGZHOU_NATIONAL, capital=capital, takes_equity=form)
    np.testing.assert_allclose(got, [6000, 10000, 3000])
    grant_only = award({**GUANGZHOU_NATIONAL, "part": "grant"}, capital=capital, takes_equity=form)
    equity_only = award(
        {**GUANGZHOU_NATIONAL, "part": "equity"}, capital=capital, takes_equity=form
    )
    np.testing.assert_allclose(grant_only, [0, 0, 3000])
    np.testing.assert_allclose(equity_only, [6000, 10000, 0])
    np.testing.assert_allclose(grant_only + equity_only, got)


def test_equity_recovery_is_reported_per_draw() -> None:
    population = {
        "label": "centres",
        "arrivals": {"dist": "poisson", "mean": 3, "assumption": "t"},
        "attributes": {
            "capital": {"dist": "uniform", "low": 10000, "high": 50000, "assumption": "t"},
            "takes_equity": {"dist": "bernoulli", "p": 0.5, "assumption": "t"},
        },
    }
    programme = {
        "label": "upgrade",
        "source": "t",
        "population": "centres",
        "instrument": {**GUANGZHOU_NATIONAL, "recovery": "0.6", "source": "t"},
        "rationing": "uncapped",
    }
    sc = toy(populations__centres=population, programmes__upgrade=programme)
    res = budgetsim.simulate(sc, draws=500, seed=3)
    recovered = res["recovered"].sel(programme="upgrade").values
    assert recovered.sum() > 0
    # 60 % of the equity outlays: equity outlays are the payments above the 3000万 grants
    paid = res.paid.sel(programme="upgrade").values
    assert (recovered <= 0.6 * paid + 1e-9).all()
    assert (res.summary().loc["grant", "recovered_mean"] == 0).all()
    # an equity-only programme recovers exactly 60 % of what it pays
    equity = {**programme, "instrument": {**programme["instrument"], "part": "equity"}}
    res = budgetsim.simulate(
        toy(populations__centres=population, programmes__upgrade=equity), draws=500, seed=3
    )
    np.testing.assert_allclose(
        res["recovered"].sel(programme="upgrade").values,
        0.6 * res.paid.sel(programme="upgrade").values,
        rtol=1e-12,
    )
