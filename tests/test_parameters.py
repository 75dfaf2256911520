"""The parameter table: every number of a scenario once, with its kind, grade and range."""

from __future__ import annotations

import tomllib
from typing import Any

import pandas as pd
import pytest

import budgetsim
from budgetsim.errors import ScenarioError
from budgetsim.parameters import parameter_list, unranged
from budgetsim.scenario import bundled_scenarios, load_scenario, scenario_hash

BUNDLED = [s.id for s in bundled_scenarios()]
META = {"source", "assumption", "label", "label_en", "grade", "grades", "plausible"}


def _numbers(node: Any, path: tuple[str, ...]) -> list[str]:
    """Dotted paths of every number in raw TOML data (list elements by index)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in META:
                found += _numbers(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _numbers(value, (*path, str(i)))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        found.append(".".join(path))
    return found


@pytest.mark.parametrize("scenario_id", BUNDLED)
def test_every_number_listed_once(scenario_id: str) -> None:
    path = next(s.path for s in bundled_scenarios() if s.id == scenario_id)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    expected = sorted(
        p
        for section, body in raw.items()
        if section not in ("scenario", "variants")
        for p in _numbers(body, (section,))
    )
    rows = parameter_list(load_scenario(scenario_id))
    paths = [r.path for r in rows]
    assert len(paths) == len(set(paths))
    covered = []
    for r in rows:
        if r.type in ("per_year", "list"):
            covered += [f"{r.path}.{i}" for i in range(len(r.value))]
        elif r.type == "number" and not isinstance(r.value, str):
            covered.append(r.path)
    numeric_in_rows = sorted(p for p in covered if p in set(expected))
    assert numeric_in_rows == expected


@pytest.mark.parametrize("scenario_id", BUNDLED)
def test_every_estimate_has_a_range(scenario_id: str) -> None:
    missing = [r.path for r in unranged(load_scenario(scenario_id), "E")]
    assert missing == []


@pytest.mark.parametrize("scenario_id", BUNDLED)
def test_every_number_is_graded(scenario_id: str) -> None:
    ungraded = [r.path for r in parameter_list(load_scenario(scenario_id)) if r.grade is None]
    assert ungraded == []


def test_table_columns_and_filters() -> None:
    sc = load_scenario("jiangmen-2021")
    table = budgetsim.parameters(sc)
    row = table.loc["programmes.rd_reward.envelope.per_year"]
    assert (row["value"], row["unit"], row["kind"]) == (1000.0, "万元", "lever")
    assert set(budgetsim.parameters(sc, kind="assumption")["kind"]) == {"assumption"}
    assert set(budgetsim.parameters(sc, grade="S")["grade"]) == {"S"}
    only = budgetsim.parameters(sc, programme="rd_reward")
    assert "populations.tsme_rd.arrivals.mean" in only.index
    assert "populations.hte_certified.arrivals.mean" not in only.index
    with pytest.raises(ScenarioError, match="did you mean 'rd_reward'"):
        budgetsim.parameters(sc, programme="rd_rewad")


def test_vary_round_trip_and_scaling() -> None:
    sc = load_scenario("jiangmen-2021")
    same = sc.vary({"programmes.rd_reward.instrument.cap": 20})
    assert scenario_hash(same) == scenario_hash(sc)
    assert same == sc
    more = sc.vary(
        {
            "populations.tsme_rd.arrivals.mean": "×1.2",
            "programmes.hte_cultivation.envelope.total": "*0.5",
            "programmes.tech_introduction.envelope.total": "×2",
        }
    )
    assert more.populations["tsme_rd"].arrivals.mean == pytest.approx((2160, 2520, 2880))
    assert more.programmes["hte_cultivation"].envelope.total == 25000.0  # type: ignore[union-attr]
    total = more.programmes["tech_introduction"].envelope.total  # type: ignore[union-attr]
    assert (total.low, total.high) == (2000.0, 3000.0)  # type: ignore[union-attr]
    again = more.vary({"populations.tsme_rd.arrivals.mean": [1800, 2100, 2400]})
    assert again.populations["tsme_rd"] == sc.populations["tsme_rd"]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"programmes.rd_reward.instrument.capp": 30}, "unknown field"),
        ({"programmes.rd_rewad.instrument.cap": 30}, "did you mean 'rd_reward'"),
        ({"programmes.rd_reward.instrument.cap": "lots"}, "programmes.rd_reward.instrument.cap"),
        ({"programmes.rd_reward.carry_over": "×2"}, "cannot be scaled"),
        ({"programmes.rd_reward.label": "×2"}, "can be scaled"),
    ],
)
def test_vary_errors_are_the_set_errors(changes: dict[str, Any], fragment: str) -> None:
    sc = load_scenario("jiangmen-2021")
    with pytest.raises(ScenarioError, match=fragment):
        sc.vary(changes)


def test_set_scales_too() -> None:
    sc = load_scenario("jiangmen-2021", ["populations.tech_borrowers.arrivals.mean=×1.5"])
    assert sc.populations["tech_borrowers"].arrivals.mean == (120.0, 120.0, 120.0)


def test_cli_params_prints_filters_and_writes(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from budgetsim.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["params", "--programme", "loan_interest", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "populations.tech_borrowers" in result.output
    assert "envelope.total" in result.output
    assert "hte_certified" not in result.output
    out = tmp_path / "params.csv"
    result = runner.invoke(cli, ["params", "--kind", "assumption", "--grade", "E", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, index_col="path")
    assert set(table["kind"]) == {"assumption"}
    assert set(table["grade"]) == {"E"}
    xlsx = tmp_path / "params.xlsx"
    assert runner.invoke(cli, ["params", "guangdong-2022", "-o", str(xlsx)]).exit_code == 0
    assert len(pd.read_excel(xlsx)) == len(budgetsim.parameters(load_scenario("guangdong-2022")))
    bad = runner.invoke(cli, ["params", "--programme", "rd_rewad"])
    assert bad.exit_code == 1
    assert "did you mean 'rd_reward'" in bad.output
    assert "Traceback" not in bad.output


def test_validate_lists_estimates_without_a_range(tmp_path: Any) -> None:
    from pathlib import Path

    from click.testing import CliRunner

    from budgetsim.cli import cli

    base = Path(__file__).parent / "bad_scenarios" / "_base.toml"
    text = base.read_text(encoding="utf-8").replace('assumption = "test"', 'assumption = "E. test"')
    path = tmp_path / "estimates.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "state no plausible range" in result.output
    assert "populations.firms.arrivals.mean" in result.output
    ranged = text.replace(
        "[scenario]\n", "[scenario]\nplausible_default = { E = { factor = [0.5, 1.5] } }\n", 1
    )
    path.write_text(ranged, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert "populations.firms.arrivals.mean" not in result.output
    row = budgetsim.parameters(load_scenario(path)).loc["populations.firms.arrivals.mean"]
    assert (row["low"], row["high"], row["range_from"]) == (25.0, 75.0, "default")


def test_a_variant_may_leave_the_plausible_range() -> None:
    stress = load_scenario("jiangmen-2021@stress")
    row = budgetsim.parameters(stress).loc["riskfunds.credit_reserve.pd.alpha"]
    assert row["value"] > row["high"]
    assert load_scenario("jiangmen-2021").vary({"riskfunds.credit_reserve.pd.alpha": 50})


def test_per_year_lists_vary_together_unless_stated(tmp_path: Any) -> None:
    from pathlib import Path

    base = Path(__file__).parent / "bad_scenarios" / "_base.toml"
    text = base.read_text(encoding="utf-8").replace(
        'arrivals = { dist = "poisson", mean = 50, assumption = "test" }',
        'arrivals = { dist = "poisson", mean = [40, 50, 60], assumption = "E. test", '
        "plausible = { mean = { low = 30, high = 90 } } }",
    )
    path = tmp_path / "together.toml"
    path.write_text(text, encoding="utf-8")
    row = budgetsim.parameters(load_scenario(path)).loc["populations.firms.arrivals.mean"]
    assert row["type"] == "per_year"
    assert (row["low"], row["high"]) == ((30, 30, 30), (90, 90, 90))
    apart = text.replace("high = 90 }", "high = 90, together = false }")
    path.write_text(apart, encoding="utf-8")
    table = budgetsim.parameters(load_scenario(path))
    years = [f"populations.firms.arrivals.mean.{i}" for i in range(3)]
    assert table.loc[years, "value"].tolist() == [40, 50, 60]
    assert table.loc[years[1], "label"].endswith("（2022）")
    varied = load_scenario(path).vary({years[1]: "×2"})
    assert varied.populations["firms"].arrivals.mean == (40.0, 100.0, 60.0)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("scenario_id", BUNDLED)
def test_params_listing_fits_100_columns(scenario_id: str, lang: Any) -> None:
    import io

    from rich.cells import cell_len
    from rich.console import Console

    from budgetsim.cli_params import print_parameters

    buffer = io.StringIO()
    table = budgetsim.parameters(load_scenario(scenario_id), lang=lang)
    print_parameters(table, lang, Console(file=buffer, width=100, highlight=False))
    lines = buffer.getvalue().splitlines()
    assert max(cell_len(line) for line in lines) <= 100
    ranged = table["range_from"].eq("not varied").sum()
    words = "不单独变动" if lang == "zh" else "not varied alone"
    assert sum(words in line for line in lines) == ranged  # never folded


def test_filters_reject_unknown_values_and_scaling_is_clean() -> None:
    sc = load_scenario("zhongshan-2024")
    with pytest.raises(ScenarioError, match="did you mean 'lever'"):
        budgetsim.parameters(sc, kind="levers")
    with pytest.raises(ScenarioError, match="grade"):
        budgetsim.parameters(sc, grade="e")
    more = sc.vary({"targets.hte_3200.goal": "×1.1", "populations.rd_firms.arrivals.mean": "×1.1"})
    assert more.targets["hte_3200"].goal == 3520
    assert more.populations["rd_firms"].arrivals.mean == (3300.0, 3520.0)
    with pytest.raises(ScenarioError, match=r"vary › programmes\.rd_talent_housing\.instrumnt"):
        sc.vary({"programmes.rd_talent_housing.instrumnt.cap": 3})


def test_a_run_records_what_was_changed() -> None:
    sc = load_scenario("jiangmen-2021", ["programmes.rd_reward.instrument.cap=30"])
    more = sc.vary({"populations.tsme_rd.arrivals.mean": "×1.2"})
    assert more.changes == {
        "programmes.rd_reward.instrument.cap": 30,
        "populations.tsme_rd.arrivals.mean": "×1.2",
    }
    assert load_scenario("jiangmen-2021").changes == {}
    res = budgetsim.simulate(more, draws=5, seed=1)
    assert res.stamp()["changes"] == more.changes


def test_vary_never_changes_the_data_it_was_read_from() -> None:
    """vary copies only along the paths it changes; the loaded scenario's data stay as read."""
    import copy

    sc = load_scenario("jiangmen-2021")
    before = copy.deepcopy(sc._raw)
    rows = [r for r in parameter_list(sc) if r.uncertain]
    sc.vary({r.path: r.high for r in rows})
    sc.vary({"programmes.rd_reward.instrument.cap": "×2"})
    load_scenario("jiangmen-2021@stress")
    assert sc._raw == before
