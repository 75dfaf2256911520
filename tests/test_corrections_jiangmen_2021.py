"""Corrections of jiangmen-2021 against 江科〔2021〕63号 and the rules it rests on (issue 16).

Each test quotes the clause it checks and asserts that the scenario encodes it: the value, the
rule, or a known answer on a tiny case.
"""

import tomllib
from pathlib import Path

import numpy as np
import pytest

import budgetsim
from budgetsim.parameters import parameter_list
from budgetsim.scenario import bundled_scenarios

SCENARIO = "jiangmen-2021"
PATH = {item.id: item.path for item in bundled_scenarios()}[SCENARIO]
POLICY = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "policies"
    / "jiangmen-2021-cluster-innovation-measures.txt"
)
#: Reward rate of rd_reward [fraction] and the R&D expense of the one-firm case [万元]:
#: 5 % of 100 × the deduction rate stays far below the 20万 cap and the 1000万 a year.
RATE, RD = 0.05, 100.0
SUSPEND = "riskfunds.credit_reserve.suspend_above"


def _one_firm(manufacturing: bool) -> dict[str, object]:
    """One TSME a year claiming the reward on 100万 of R&D, a manufacturer or not."""
    return {
        "populations.tsme_rd.arrivals": {"dist": "fixed", "mean": 1, "assumption": "E. test"},
        "populations.tsme_rd.attributes.rd_expense": {
            "dist": "fixed",
            "value": RD,
            "assumption": "E. test",
        },
        "populations.tsme_rd.attributes.is_manufacturing": {
            "dist": "bernoulli",
            "p": 1.0 if manufacturing else 0.0,
            "assumption": "E. test",
        },
    }


@pytest.mark.parametrize(
    ("manufacturing", "rates"),
    [(True, [0.75, 1.0, 1.0]), (False, [0.75, 0.75, 1.0])],
    ids=["manufacturer", "non-manufacturer"],
)
def test_reward_claimed_in_year_y_rests_on_the_deduction_rate_of_tax_year_y_minus_1(
    manufacturing: bool, rates: list[float]
) -> None:
    # "对企业在研发费用税前加计扣除的基础上，每年安排1000万元给予奖补" (63号 五): the reward follows
    # the deduction settled in May of the claim year, i.e. of the tax year before. Tax year
    # 2020: 75 % for all (财税〔2018〕99号); 2021: manufacturing 100 %, others 75 % (2021 No.13);
    # 2022: TSMEs 100 % (2022 No.16).
    sc = budgetsim.load_scenario(SCENARIO, _one_firm(manufacturing))
    res = budgetsim.simulate(sc, draws=4, seed=1)
    demand = res.demand.sel(programme="rd_reward").values
    expected = RATE * RD * np.array(rates)
    np.testing.assert_allclose(demand, np.broadcast_to(expected, demand.shape))
    np.testing.assert_allclose(res.paid.sel(programme="rd_reward").values, demand)


def test_reserve_balance_is_the_sum_of_the_clause_and_no_suspension_rule_is_added() -> None:
    # "设立2610万元的风险准备金为科技型企业增信融资" (63号 五): the sum and the purpose, no rule
    # that stops a bank's lending.
    if POLICY.is_file():
        text = POLICY.read_text(encoding="utf-8")
        assert "设立2610万元的风险准备金为科技型企业增信融资" in text
        assert "暂缓" not in text
        assert "暂停" not in text
    fund = budgetsim.load_scenario(SCENARIO).riskfunds["credit_reserve"]
    assert fund.balance == 2610
    assert fund.suspend_above is None
    assert fund.replenish is None


def test_bank_suspension_variant_is_the_stronger_reading_at_the_3_percent_threshold() -> None:
    # Guangzhou's 暂缓补偿 "when a bank's annual NPL loss > 3 % of its enrolled principal"
    # (calibration §5.1) read as the bank enrolling nothing the next year.
    base = budgetsim.load_scenario(SCENARIO)
    variant = budgetsim.load_scenario(f"{SCENARIO}@bank_suspension")
    fund = variant.riskfunds["credit_reserve"]
    assert fund.suspend_above == pytest.approx(0.03)
    same = base.riskfunds["credit_reserve"].model_dump(exclude={"suspend_above", "plausible"})
    assert fund.model_dump(exclude={"suspend_above", "plausible"}) == same
    stress = budgetsim.load_scenario(f"{SCENARIO}@stress").riskfunds["credit_reserve"]
    assert stress.suspend_above is None


def test_enrolment_stop_is_the_stronger_reading_it_depletes_the_stressed_fund_less() -> None:
    # Under the stress case the fund runs dry by 2023 in about a third of the draws when every
    # bank keeps lending (the base reading), in about a fifth when a bank past 3 % stops
    # (bank_suspension); 2000 draws, so the gap is about ten standard errors.
    p = {}
    for name, sets in (("base", {}), ("suspended", {SUSPEND: 0.03})):
        sc = budgetsim.load_scenario(f"{SCENARIO}@stress", sets)
        summary = budgetsim.simulate(sc, draws=2_000, seed=1).riskfund_summary()
        p[name] = summary.loc[("credit_reserve", 2023), ["p_depleted", "p_depleted_se"]]
    gap = p["base"]["p_depleted"] - p["suspended"]["p_depleted"]
    se = float(np.hypot(p["base"]["p_depleted_se"], p["suspended"]["p_depleted_se"]))
    assert gap > 5 * se


@pytest.mark.parametrize("field", ["share", "rho", "lag_months", "banks", "leverage_cap"])
def test_reserve_parameters_are_graded_assumptions_with_ranges(field: str) -> None:
    # The reserve's numbers beyond the 2610万 are not in 63号: each is an E assumption that the
    # block's assumption explains by name, with a plausible range.
    rows = {p.path: p for p in parameter_list(budgetsim.load_scenario(SCENARIO), "en")}
    row = rows[f"riskfunds.credit_reserve.{field}"]
    assert row.grade == "E"
    assert row.low is not None
    assert row.high is not None
    assert row.assumption is not None
    assert f"{field} " in row.assumption
    assert row.assumption_zh is not None
    assert f"{field} " in row.assumption_zh
    assert rows["riskfunds.credit_reserve.balance"].grade == "S"


def test_reserve_block_keeps_no_reasoning_in_comments() -> None:
    lines = PATH.read_text(encoding="utf-8").splitlines()
    start = lines.index("[riskfunds.credit_reserve]")
    end = next(i for i, line in enumerate(lines) if line.startswith("[variants."))
    assert not [line for line in lines[start:end] if line.startswith("# The fund's share")]


@pytest.mark.parametrize(
    ("programme", "chance"),
    [("tic_provincial_match", 0.5), ("tic_national_match", 0.875)],
)
def test_technology_centre_cap_binds_as_often_as_the_text_says(
    programme: str, chance: float
) -> None:
    # "按省财政补助额度50%给予配套，最高资助1000万元" and "按中央财政补助额度100%给予配套资助，
    # 最高资助3000万元" (63号 一): the cap binds when the funding passes cap ÷ ratio.
    sc = budgetsim.load_scenario(SCENARIO)
    prog = sc.programmes[programme]
    instrument = prog.instrument
    population = sc.populations[prog.population]
    funding = population.attributes[instrument.of]
    binds = float(funding.scipy().sf(instrument.cap / instrument.ratio))
    assert binds == pytest.approx(chance)
    text = funding.assumption
    assert text is not None
    assert f"= {chance}" in text


def test_header_names_the_reserve_and_every_variant() -> None:
    text = PATH.read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines()[:30] if line.startswith("#"))
    assert "not modelled" not in header
    assert "2610万元 risk reserve fund" in header
    for name in tomllib.loads(text)["variants"]:
        assert f"`{name}`" in header


def test_year_round_interest_variant_stays_valid() -> None:
    sc = budgetsim.load_scenario(f"{SCENARIO}@year_round_interest")
    timing = sc.populations["tech_borrowers"].timing
    assert (timing.start_month, timing.end_month) == (1, 12)
    assert sc.programmes["loan_interest"].rationing.rule == "fcfs"
    res = budgetsim.simulate(sc, draws=50, seed=1)
    paid = res.paid.sel(programme="loan_interest").values
    assert np.isfinite(paid).all()
    assert (paid <= res.demand.sel(programme="loan_interest").values + 1e-9).all()
