"""zhongshan-2024 encodes the clauses of 中山市科技创新强市十五条 as written (issue 16).

Each test quotes the clause it checks and asserts the value, the rule or a known answer of a
small seeded run; Monte Carlo tolerances are a few standard errors of the run.
"""

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import budgetsim
from budgetsim import load_scenario

SCENARIO = "zhongshan-2024"
TOML = Path(budgetsim.__file__).parent / "scenarios" / f"{SCENARIO}.toml"
DRAWS = 2_000

#: 中山年鉴2024 (calibration §4.1): the 2023 S&T special fund and its named lines [万元].
FUND_2023 = 22_600.0
ENTERPRISE_2023 = 18_900.0
KEY_PROJECTS_2023 = 1_736.5

#: Programmes not funded by the science bureau: (十) equity funds (国资委, 金融局), (十二) talents
#: (组织部, 人社局), the listing rewards (金融局) and the overseas-talent tax subsidy (财政, 税务).
NOT_SCIENCE = [
    "equity_fund_subsidy",
    "returnee_startup",
    "distinguished_talent",
    "research_team",
    "postdoc",
    "overseas_tax_refund",
    "listing_reward",
    "listing_local_investment",
]


def _run(
    changes: list[str] | None = None, variant: str = "", draws: int = DRAWS
) -> budgetsim.SimulationResult:
    scenario = load_scenario(SCENARIO + (f"@{variant}" if variant else ""), changes or [])
    return budgetsim.simulate(scenario, draws=draws, seed=3)


def _year(result: budgetsim.SimulationResult, programme: str, year: int = 2024) -> pd.Series:
    return result.summary().loc[(programme, year)]


def test_every_hte_applicant_is_paid_the_certification_ceiling() -> None:
    # （二）“对在我市申报高新技术企业的企业给予最高10万元认定补助”: every applicant,
    # renewals included; the base pays ceilings.
    inst = load_scenario(SCENARIO).programmes["hte_certification"].instrument
    assert inst.amounts == {"first": 10.0, "renewal": 10.0, "relocated": 10.0}
    row = _year(
        _run(["populations.hte_certified.attributes.cert_type.p=[0,1,0]"], draws=50),
        "hte_certification",
    )
    assert row["claimants_mean"] > 1000
    assert row["demand_mean"] == pytest.approx(10.0 * row["claimants_mean"], rel=1e-12)


def test_relocated_htes_get_the_first_time_bonus() -> None:
    # （二）“首次认定高新技术企业且年度研发投入1000万元以上的企业，另给予最高5万元补助……对迁入我市的
    # 高新技术企业复审通过，按首次认定高新技术企业标准予以扶持”.
    big = "populations.hte_certified.attributes.rd_expense.lower=1000"
    relocated = _year(
        _run(["populations.hte_certified.attributes.cert_type.p=[0,0,1]", big], draws=50),
        "hte_first_rd_bonus",
    )
    assert relocated["claimants_mean"] > 1000  # every one of them, R&D ≥ 1000万
    assert relocated["demand_mean"] == pytest.approx(5.0 * relocated["claimants_mean"])
    renewal = _year(
        _run(["populations.hte_certified.attributes.cert_type.p=[0,1,0]", big], draws=50),
        "hte_first_rd_bonus",
    )
    assert renewal["demand_mean"] == 0.0


def test_platform_matching_is_split_by_tier() -> None:
    # （三）“择优推荐申报国家和省级工程技术研究中心、重点实验室、粤港澳联合实验室、制造业创新中心等
    # 研发机构，给予最高1000万元配套补助”: two tiers, one ceiling.
    sc = load_scenario(SCENARIO)
    national, provincial = (
        sc.programmes[p] for p in ("senior_platform_match", "provincial_platform_match")
    )
    assert (national.instrument.low, national.instrument.high) == (500.0, 1000.0)
    assert (provincial.instrument.low, provincial.instrument.high) == (100.0, 500.0)
    assert national.eligible == 'tier == "national"'
    assert provincial.eligible == 'tier == "provincial"'
    assert sc.populations["senior_platforms"].attributes["tier"].p == (0.2, 0.8)
    # known answer: Poisson(4) approvals a year, 20 % national paid U(500, 1000), 80 %
    # provincial paid U(100, 500) → 4 × (0.2 × 750 + 0.8 × 300) = 1,560万 a year.
    res = _run()
    got = sum(
        _year(res, p)["demand_mean"] for p in ("senior_platform_match", "provincial_platform_match")
    )
    se = np.hypot(
        *(
            _year(res, p)["demand_mean_se"]
            for p in ("senior_platform_match", "provincial_platform_match")
        )
    )
    assert abs(got - 1560.0) < 4 * se


def test_listing_reward_is_paid_by_board() -> None:
    # （十一）“支持本市科技企业在多层次资本市场上市挂牌，最高给予600万元奖励”: the ceiling bounds
    # every board and is paid on the Shanghai and Shenzhen exchanges only.
    sc = load_scenario(SCENARIO)
    inst = sc.programmes["listing_reward"].instrument
    board = sc.populations["listings"].attributes["board"]
    assert inst.by == "board"
    assert inst.amounts["a_share"] == 600.0
    assert max(inst.amounts.values()) == 600.0
    assert set(inst.amounts) == set(board.categories)
    assert sum(board.p) == pytest.approx(1.0)
    # known answer: Poisson(3) listings × Σ share × amount = 3 × 332.5 = 997.5万 a year.
    expected = 3 * sum(p * inst.amounts[c] for c, p in zip(board.categories, board.p, strict=True))
    assert expected == pytest.approx(997.5)
    row = _year(_run(), "listing_reward")
    assert abs(row["demand_mean"] - expected) < 4 * row["demand_mean_se"]


def test_key_projects_cost_about_the_2023_major_projects_line() -> None:
    # （八）“单个项目最高资助1000万元”; the 2023 重大科技专项 line was 1736.5万 (calibration §4.1).
    sc = load_scenario(SCENARIO)
    assert sc.populations["key_projects"].arrivals.mean == (5.0, 5.0)
    res = _run()
    for year in (2024, 2025):
        row = _year(res, "key_technology", year)
        assert 0.85 < row["demand_mean"] / KEY_PROJECTS_2023 < 1.15
        assert row["demand_mean_se"] < 0.03 * KEY_PROJECTS_2023


def test_within_policy_overlaps_are_documented_and_bounded() -> None:
    # 附则“按照‘从新、从优、不重复’的原则执行”: the talent overlap of （十二） is a limit;
    # the pairs (三)/(十五), (八)/(十五), (一)/(九) are separate populations (a limit acts
    # within one), and the header bounds what a limit could save: the HK/Macau matching,
    # ≈ 520万 a year.
    sc = load_scenario(SCENARIO)
    talent = sc.limits["talent_no_double"]
    assert talent.exclusive
    assert set(talent.programmes) == {
        "returnee_startup",
        "distinguished_talent",
    }
    pops = {p: sc.programmes[p].population for p in sc.programmes}
    for a, b in [
        ("senior_platform_match", "hkm_match"),
        ("state_task_match", "hkm_match"),
        ("rd_post_subsidy", "transfer_rd"),
    ]:
        assert pops[a] != pops[b]
    header = TOML.read_text(encoding="utf-8").split("[scenario]")[0]
    for pair in ("(三)/(十五)", "(八)/(十五)", "(一)/(九)", "≈ 520万", "15万 a project"):
        assert pair in header
    res = _run()
    for year in (2024, 2025):
        assert _year(res, "hkm_match", year)["demand_mean"] < 600.0
    # (一)/(九): 3 % of the 500万 ceiling of (九) is the most one project's R&D is paid twice
    assert 0.03 * sc.programmes["transfer_rd"].instrument.high == pytest.approx(15.0)


def test_typical_variant_is_reconciled_with_the_2023_fund() -> None:
    # The variant's stated reconciliation (calibration §4.1: 2.26亿, of which 1.89亿 enterprise
    # innovation): the enterprise lines ≈ 19,800万, the science bureau's ≈ 31,700万,
    # ≈ 1.4 × the fund.
    raw = tomllib.loads(TOML.read_text(encoding="utf-8"))
    text = raw["variants"]["typical"]["assumption"]
    for stated in ("19,800万", "31,700万", "1.4 ×", "2.26亿", "1.89亿"):
        assert stated in text
    typical, base = _run(variant="typical"), _run()
    demand = typical.summary()["demand_mean"].xs(2024, level="year")
    enterprise = demand[
        ["rd_post_subsidy", "hte_certification", "hte_first_rd_bonus", "rd_talent_housing"]
    ].sum()
    assert enterprise == pytest.approx(19_800, rel=0.02)
    assert 0.95 < enterprise / ENTERPRISE_2023 < 1.1
    science = demand.drop(NOT_SCIENCE).sum()
    assert science == pytest.approx(31_700, rel=0.02)
    assert science / FUND_2023 == pytest.approx(1.4, abs=0.05)
    # typical awards never exceed the ceilings the base pays, programme by programme
    base_demand = base.summary()["demand_mean"]
    assert (typical.summary()["demand_mean"] <= base_demand + 1e-9).all()
    assert (
        typical.policy_summary().loc["total", "demand_p80"]
        < base.policy_summary().loc["total", "demand_p80"]
    )
