"""Issue 16 corrections to jiangmen-2015-2017, guangzhou-2024-mic and guangdong-2022: each
test quotes the clause it checks and asserts the scenario now encodes it."""

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

import budgetsim
from budgetsim.expressions import compile_expression
from budgetsim.instruments import Inputs, entitlement

SCENARIOS = Path(budgetsim.__file__).parent / "scenarios"
POLICIES = Path(__file__).parents[1] / "docs" / "policies.md"
IDS = ["jiangmen-2015-2017", "guangzhou-2024-mic", "guangdong-2022"]


def award(spec: Any, year: int, **attributes: list[float]) -> np.ndarray:
    """Entitlement under a scenario's instrument for a few hand-made applicants [万元]."""
    arrays = {k: np.asarray(v, dtype=float) for k, v in attributes.items()}
    size = len(next(iter(arrays.values())))
    names = set(arrays) | {"year"}
    exprs = {k: compile_expression(t, names) for k, t in spec.expressions().items()}
    return entitlement(spec, Inputs({**arrays, "year": float(year)}, exprs, size, {}))


# -- jiangmen-2015-2017 ------------------------------------------------------------------------

#: Instruments the plan introduces (rules still to be written in December 2015), and those it
#: continues (an existing 试行办法; 继续开展).
INTRODUCED = [
    "rd_institution_post_subsidy",  # 一（二）修订完善……管理办法，采取财政后补助
    "innovation_voucher",  # 一（三）开展科技创新券后补助工作
    "new_rd_institution_funding",  # 三（一）制定关于支持江门市新型研发机构发展试行办法
    "tech_transaction_subsidy",  # 四（一）制定关于发展技术交易促进科技成果转化补助试行办法
]
CONTINUED = ["incubator_post_subsidy", "loan_interest"]


def test_jiangmen_2015_plan_of_december_pays_new_instruments_from_2016() -> None:
    # 江门市科学技术局 2015年12月7日印发: the instruments it introduces pay nothing in 2015; the
    # incubator post-subsidy (贯彻落实 an existing 试行办法) and the loan interest (继续开展) do.
    sc = budgetsim.load_scenario("jiangmen-2015-2017")
    assert "2015年12月7日" in sc.scenario.source
    res = budgetsim.simulate(sc, draws=200, seed=1)
    paid = res.paid
    for pid in INTRODUCED:
        assert sc.programmes[pid].eligible == "year >= 2016"
        assert float(paid.sel(programme=pid, year=2015).max()) == 0.0, pid
        assert float(paid.sel(programme=pid, year=2016).mean()) > 0.0, pid
    for pid in CONTINUED:
        assert float(paid.sel(programme=pid, year=2015).mean()) > 0.0, pid


def test_jiangmen_2015_benchmark_rate_is_the_2015_day_weighted_average() -> None:
    # PBoC 1-year benchmark lending rate, five cuts in 2015: 5.60 → 5.35 (1 March), 5.10
    # (11 May), 4.85 (28 June), 4.60 (26 August), 4.35 (24 October); 4.35 through 2016–2017.
    path = [
        (date(2015, 1, 1), 5.60),
        (date(2015, 3, 1), 5.35),
        (date(2015, 5, 11), 5.10),
        (date(2015, 6, 28), 4.85),
        (date(2015, 8, 26), 4.60),
        (date(2015, 10, 24), 4.35),
    ]
    ends = [d for d, _ in path[1:]] + [date(2016, 1, 1)]
    days = np.array([(end - start).days for (start, _), end in zip(path, ends, strict=True)])
    average = float(np.dot(days, [r for _, r in path]) / days.sum())
    assert average == pytest.approx(4.966, abs=5e-4)
    lpr = budgetsim.load_scenario("jiangmen-2015-2017").programmes["loan_interest"].instrument.lpr
    assert lpr == {2015: round(average, 2), 2016: 4.35, 2017: 4.35}


def test_jiangmen_2015_interest_is_priced_as_benchmark_times_one_plus_markup() -> None:
    # Pre-2019 convention: loan rate = benchmark × (1 + markup). One firm, 400万 for a year,
    # markup 20 %, half the interest subsidised: 0.5 × 400 × 4.97 % × 1.2 = 11.928万 in 2015
    # and 0.5 × 400 × 4.35 % × 1.2 = 10.44万 in 2016.
    spec = budgetsim.load_scenario("jiangmen-2015-2017").programmes["loan_interest"].instrument
    for year, benchmark in [(2015, 4.97), (2016, 4.35), (2017, 4.35)]:
        got = award(spec, year, principal=[400.0], markup=[0.2])
        np.testing.assert_allclose(got, [0.5 * 400 * benchmark * 1.2 / 100], rtol=1e-12)
        assert spec.lpr[year] == benchmark


# -- guangzhou-2024-mic ------------------------------------------------------------------------


def test_guangzhou_equity_cap_exempts_projects_the_rules_require_matching() -> None:
    # 五（二）：或按项目总股本的30%给予直接股权投资支持，最高不超过1亿元
    # （国家和省规定须配套的项目除外）.
    # A national upgrade with 5亿 of capital taking equity: 1亿 (capped), or 1.5亿 when the
    # national or provincial rules require the city to match it.
    sc = budgetsim.load_scenario("guangzhou-2024-mic")
    capped = sc.programmes["national_equity"]
    matched = sc.programmes["national_equity_matched"]
    assert capped.instrument.equity_cap == 10000.0
    assert matched.instrument.equity_cap is None
    assert capped.eligible is not None
    assert "not matching_required" in capped.eligible
    assert matched.eligible is not None
    assert re.search(r"(?<!not )matching_required", matched.eligible)
    one = {
        "capital_national": [50000.0, 20000.0],
        "takes_equity": [1.0, 1.0],
        "recovery": [0.7, 0.7],
    }
    np.testing.assert_allclose(award(capped.instrument, 2026, **one), [10000, 6000])
    np.testing.assert_allclose(award(matched.instrument, 2026, **one), [15000, 6000])


def test_guangzhou_upgrades_come_from_the_municipal_stock() -> None:
    # 二：支持不少于2家市级制造业创新中心升级为省级以上: an upgrade is a municipal centre's.
    sc = budgetsim.load_scenario("guangzhou-2024-mic")
    assert set(sc.populations) == {"municipal_centres"}
    assert {p.population for p in sc.programmes.values()} == {"municipal_centres"}
    assert sc.targets["upgraded_2"].entries.populations == ("municipal_centres",)
    res = budgetsim.simulate(sc, draws=400, seed=4)
    municipal = res.targets["municipal_20"]["stock"].values
    upgraded = res.targets["upgraded_2"]["stock"].values
    assert (upgraded <= municipal).all()
    assert upgraded[:, -1].mean() > 0
    claimants = res.dataset["claimants"]
    awarded = claimants.sum("programme")
    # every upgrade gets the grant or the equity, so the programmes' claimants are the upgrades
    np.testing.assert_array_equal(
        awarded.values, res.targets["upgraded_2"]["entries"].values.astype(float)
    )


def test_guangzhou_upgrade_falls_within_the_plan_counting_from_listing() -> None:
    # 二：到2027年底: a centre listed in December 2027 cannot upgrade by then; one listed in
    # January 2025 with an upgrade 2.5 years later can (national if to_national).
    spec = budgetsim.load_scenario("guangzhou-2024-mic").populations["municipal_centres"]
    expr = spec.derived["level_reached"].expr
    attrs = {
        "upgrades": np.array([1.0, 1.0, 1.0, 0.0]),
        "years_to_upgrade": np.array([2.5, 0.5, 2.5, 0.5]),
        "to_national": np.array([0.0, 0.0, 1.0, 0.0]),
        "year": np.array([2025.0, 2027.0, 2025.0, 2025.0]),
        "month": np.array([1.0, 12.0, 1.0, 1.0]),
    }
    level = compile_expression(expr, set(attrs)).evaluate(attrs, 4)
    np.testing.assert_array_equal(level, [1, 0, 2, 0])


def test_guangzhou_municipal_rate_is_stated_as_break_even() -> None:
    # The pace is derived from the goal (≥ 20 by end-2027), so P(goal) ≈ 50 % by construction;
    # the file says so (grade D, "break-even") rather than presenting it as a forecast.
    sc = budgetsim.load_scenario("guangzhou-2024-mic")
    arrivals = sc.populations["municipal_centres"].arrivals
    assert arrivals.assumption is not None
    assert arrivals.assumption.startswith("D.")
    assert "break-even" in arrivals.assumption
    (mean,) = set(arrivals.mean)
    closed = float(stats.poisson.sf(19, 3 * mean))
    assert 0.45 < closed < 0.55
    n = 4000
    res = budgetsim.simulate(sc, draws=n, seed=6)
    met = float((res.targets["municipal_20"]["stock"].values[:, -1] >= 20).mean())
    assert met == pytest.approx(closed, abs=4 * np.sqrt(closed * (1 - closed) / n))


# -- guangdong-2022 and all three --------------------------------------------------------------


def _uses(raw: dict[str, Any]) -> str:
    """Every expression and `by` field of a scenario's programmes, derived attributes and
    targets, joined: where a drawn attribute can be used."""
    found: list[str] = []
    for prog in raw["programmes"].values():
        found.append(prog.get("eligible", ""))
        found.extend(
            v for k, v in prog["instrument"].items() if isinstance(v, str) and "source" not in k
        )
        found.extend(prog["instrument"].get("by", []))
    for pop in raw["populations"].values():
        found.extend(d["expr"] for d in pop.get("derived", {}).values())
    for target in raw.get("targets", {}).values():
        found.append(target["entries"].get("eligible", ""))
    return " ".join(found)


@pytest.mark.parametrize("scenario_id", IDS)
def test_every_drawn_attribute_is_used(scenario_id: str) -> None:
    # guangdong-2022 drew the cluster (and kind) of each centre and used it for nothing.
    raw = tomllib.loads((SCENARIOS / f"{scenario_id}.toml").read_text(encoding="utf-8"))
    uses = _uses(raw)
    for pid, pop in raw["populations"].items():
        for name in list(pop.get("attributes", {})) + list(pop.get("derived", {})):
            assert re.search(rf"\b{name}\b", uses), f"{pid}.{name} is drawn and used by nothing"


def test_guangdong_withdraws_the_cluster_view_and_says_why() -> None:
    # 粤科函高字〔2022〕895号 7：20个产业集群实现省级技术创新中心、制造业创新中心全覆盖 — not a
    # stock, and no per-cluster coverage in 2022 is published: listed as not modelled.
    sc = budgetsim.load_scenario("guangdong-2022")
    assert "cluster" not in sc.populations["provincial_centres"].attributes
    header = (SCENARIOS / "guangdong-2022.toml").read_text(encoding="utf-8").split("[scenario]")[0]
    assert "does not model coverage by cluster" in header
    section = POLICIES.read_text(encoding="utf-8").split("粤科函高字〔2022〕895号 —")[1]
    row = next(line for line in section.splitlines() if "every one of the 20 clusters" in line)
    assert "| no |" in row
    assert "not a stock" in row


def test_policies_md_lists_every_target_and_programme_of_the_three() -> None:
    text = POLICIES.read_text(encoding="utf-8")
    for scenario_id in IDS:
        sc = budgetsim.load_scenario(scenario_id)
        for pid in list(sc.programmes) + list(sc.targets):
            assert f".{pid}`" in text, f"{scenario_id}: {pid} is not in docs/policies.md"
    # the Jiangmen 2015 plan's other targets, each with a reason
    jiangmen = text.split("## 江门2015-2017方案")[1].split("\n## ")[0]
    for promise in [
        "32 %",
        "120 provincial-or-higher",
        "10 new-type",
        "7 municipal incubators",
        "+300 %",
    ]:
        row = next(line for line in jiangmen.splitlines() if promise in line)
        assert row.rstrip("| ").split("|")[-1].strip(), promise
    # every "not modelled" row gives its reason in the last column
    for line in text.splitlines():
        if line.startswith("|") and ("| not modelled |" in line or "| no |" in line):
            assert line.rstrip().rstrip("|").split("|")[-1].strip(), line
