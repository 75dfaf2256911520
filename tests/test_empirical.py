"""Records resampled (``dist = "empirical"``): known answers, joint rows, growth, chunking and
workers, relative files, the scenario hash, the parameter table and the command line.

The records are ``tests/records/rd-records.csv``: 60 firms over 2021–2023 with their R&D
expense and revenue (a few cells carry their unit, "29.0万元").
"""

from __future__ import annotations

import itertools
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import budgetsim
from budgetsim._report_appendix import appendix_html, calibration_sections
from budgetsim.cli import cli
from budgetsim.distributions import Empirical
from budgetsim.empirical import Resampled
from budgetsim.errors import ScenarioError
from budgetsim.plausibility import doubts
from budgetsim.population import draw_cohorts
from budgetsim.scenario import compile_scenario, scenario_hash
from budgetsim.scenario.load import validate_data
from tests.test_engine import assert_identical

RECORDS = Path(__file__).parent / "records" / "rd-records.csv"
SRC = Path(budgetsim.__file__).resolve().parents[1]
#: Standard errors a seeded estimate may be from its known answer.
Z = 4.0
YEARS = [2024, 2025, 2026]

SCENARIO = """\
[scenario]
id = "records"
title = "records resampled"
source = "test"
years = [2024, 2025, 2026]

[populations.firms]
label = "firms"
arrivals = {{ dist = "poisson", mean = {mean}, assumption = "test" }}

[populations.firms.attributes.rd_expense]
label = "研发费用"
unit = "万元"
dist = "empirical"
file = "{file}"
column = "研发费用"
growth = {growth}
year_column = "年度"
source = "研发费用加计扣除名单"
plausible.growth = {{ low = 0.0, high = 0.15 }}

[populations.firms.attributes.revenue]
label = "营业收入"
unit = "万元"
dist = "empirical"
file = "{file}"
column = "营业收入"
source = "研发费用加计扣除名单"

[programmes.rd_reward]
label = "R&D reward"
source = "clause 5"
population = "firms"
eligible = "rd_expense > 0"
instrument = {{ kind = "proportional", base = "rd_expense", rate = 0.05, cap = 20, source = "t" }}
rationing = "pro_rata"
envelope = {{ per_year = "200万元", source = "test" }}
"""


def records() -> pd.DataFrame:
    frame = pd.read_csv(RECORDS, dtype=str)
    frame["研发费用"] = frame["研发费用"].str.removesuffix("万元").astype(float)
    frame["营业收入"] = frame["营业收入"].astype(float)
    frame["年度"] = frame["年度"].astype(int)
    return frame


def write(folder: Path, *, mean: float = 50, growth: float = 0.08, file: str = "") -> Path:
    """A scenario file in ``folder`` beside a copy of the records (unless ``file`` is given)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not file:
        shutil.copy(RECORDS, folder / RECORDS.name)
        file = RECORDS.name
    path = folder / "scenario.toml"
    path.write_text(SCENARIO.format(mean=mean, growth=growth, file=file), encoding="utf-8")
    return path


def cohorts(scenario: budgetsim.Scenario, draws: int = 20, seed: int = 5) -> list[Any]:
    plan = compile_scenario(scenario)
    return draw_cohorts(plan.populations[0], seed, range(draws), YEARS)


# -- known answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("growth", [0.0, 0.08])
def test_sampled_values_are_records_times_growth_and_their_mean_is_the_records_mean(
    tmp_path: Path, growth: float
) -> None:
    sc = budgetsim.load_scenario(write(tmp_path, mean=2000, growth=growth))
    rec = records()
    for cohort in cohorts(sc):
        scale = (1 + growth) ** (cohort.year - rec["年度"].to_numpy())
        grown = rec["研发费用"].to_numpy() * scale
        sampled = cohort.attributes["rd_expense"]
        assert sampled.size > 30_000
        assert np.isin(sampled, grown).all()  # exactly one of the records' values, grown
        se = grown.std() / math.sqrt(sampled.size)
        assert abs(sampled.mean() - grown.mean()) < Z * se, cohort.year


def test_growth_scales_by_exactly_one_plus_g_to_the_years_since_the_record(tmp_path: Path) -> None:
    sc = budgetsim.load_scenario(write(tmp_path, growth=0.08))
    [rd] = [d for n, d in compile_scenario(sc).populations[0].attributes if n == "rd_expense"]
    assert isinstance(rd, Resampled)
    u = np.random.default_rng(1).random(5_000)
    pick = rd.index(u)
    for year in YEARS:
        expected = rd.records[pick] * 1.08 ** (year - rd.record_years[pick]).astype(float)
        np.testing.assert_array_equal(rd.transform_year(u, year), expected)
    assert rd.scale(2026)[rd.record_years == 2021] == pytest.approx(1.08**5, rel=1e-15)
    assert (rd.scale(2023)[rd.record_years == 2023] == 1.0).all()


def test_base_year_grows_every_record_alike(tmp_path: Path) -> None:
    path = write(tmp_path)
    text = path.read_text(encoding="utf-8").replace('year_column = "年度"', "base_year = 2023")
    path.write_text(text, encoding="utf-8")
    sc = budgetsim.load_scenario(path)
    rec = records()
    for cohort in cohorts(sc, draws=3):
        grown = rec["研发费用"].to_numpy() * 1.08 ** (cohort.year - 2023)
        assert np.isin(cohort.attributes["rd_expense"], grown).all()


def test_columns_of_one_file_are_resampled_jointly(tmp_path: Path) -> None:
    sc = budgetsim.load_scenario(write(tmp_path, mean=2000, growth=0.0))
    assert compile_scenario(sc).populations[0].joint == {"revenue": "rd_expense"}
    rec = records()
    rows = set(zip(rec["研发费用"], rec["营业收入"], strict=True))
    r_records = float(np.corrcoef(rec["研发费用"], rec["营业收入"])[0, 1])
    for cohort in cohorts(sc):
        rd, revenue = cohort.attributes["rd_expense"], cohort.attributes["revenue"]
        assert set(zip(rd.tolist(), revenue.tolist(), strict=True)) <= rows  # whole rows
        # the pooled correlation against the records', SE from the spread between draws
        offsets = cohort.segments.offsets
        per_draw = [
            np.corrcoef(rd[a:b], revenue[a:b])[0, 1] for a, b in itertools.pairwise(offsets)
        ]
        se = float(np.std(per_draw, ddof=1)) / math.sqrt(len(per_draw))
        r = float(np.corrcoef(rd, revenue)[0, 1])
        assert abs(r - r_records) < Z * se, (cohort.year, r, r_records, se)
    assert r_records > 0.8  # the pairs carry a strong correlation worth keeping


def test_attributes_of_different_files_draw_their_own_uniforms(tmp_path: Path) -> None:
    path = write(tmp_path, mean=500, growth=0.0)
    shutil.copy(RECORDS, tmp_path / "other.csv")
    text = path.read_text(encoding="utf-8")
    head, tail = text.split("[populations.firms.attributes.revenue]")
    path.write_text(
        head
        + "[populations.firms.attributes.revenue]"
        + tail.replace(f'file = "{RECORDS.name}"', 'file = "other.csv"', 1),
        encoding="utf-8",
    )
    sc = budgetsim.load_scenario(path)
    assert compile_scenario(sc).populations[0].joint == {}
    cohort = cohorts(sc, draws=5)[0]
    rows = set(zip(records()["研发费用"], records()["营业收入"], strict=True))
    pairs = zip(cohort.attributes["rd_expense"], cohort.attributes["revenue"], strict=True)
    assert sum(p in rows for p in pairs) < cohort.size / 5  # independent: rows come apart


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50),
    st.lists(st.floats(0, 1, exclude_max=True), min_size=0, max_size=50),
    st.sampled_from([0.0, -0.2, 0.5]),
)
def test_every_uniform_picks_a_record(values: list[float], u: list[float], growth: float) -> None:
    spec = Empirical(
        dist="empirical", file="r.csv", column="x", growth=growth, base_year=2020, source="t"
    )
    records_ = np.array(values)
    r = Resampled(spec, records_, np.full(len(values), 2020), "r.csv", "")
    x = np.array([*u, 0.0, np.nextafter(1.0, 0.0)])
    pick = r.index(x)
    assert ((pick >= 0) & (pick < len(values))).all()
    assert np.isin(r.transform_year(x, 2020), records_).all()  # no growth in the record year
    grown = records_[pick] * (1 + growth) ** 2  # to the last bit or two (numpy's own power)
    np.testing.assert_array_max_ulp(r.transform_year(x, 2022), grown, maxulp=2)


# -- reproducibility --------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [7, 1000])
def test_same_seed_same_results_whatever_the_chunk_size(tmp_path: Path, chunk: int) -> None:
    sc = budgetsim.load_scenario(write(tmp_path))
    one = budgetsim.simulate(sc, draws=60, seed=3, chunk_draws=1)
    other = budgetsim.simulate(sc, draws=60, seed=3, chunk_draws=chunk)
    assert_identical(one.dataset, other.dataset)


def test_workers_give_identical_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = budgetsim.load_scenario(write(tmp_path / "scenario"))
    monkeypatch.chdir(tmp_path)  # workers read nothing relative to where the run started
    one = budgetsim.simulate(sc, draws=200, seed=4, chunk_draws=50)
    two = budgetsim.simulate(sc, draws=200, seed=4, chunk_draws=50, workers=2)
    assert_identical(one.dataset, two.dataset)


# -- files: where they are read from, what they say, the hash ---------------------------------


def test_relative_files_resolve_against_the_scenario_folder_or_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "here")
    monkeypatch.chdir(tmp_path)
    loaded = budgetsim.load_scenario(path)  # beside the scenario file, not in the cwd
    raw = dict(loaded._raw or {})
    with pytest.raises(ScenarioError, match="no such file"):
        validate_data(raw)  # from a dict: relative to the current directory
    monkeypatch.chdir(tmp_path / "here")
    assert scenario_hash(validate_data(raw)) == scenario_hash(loaded)
    absolute = write(tmp_path / "abs", file=str(RECORDS))
    assert budgetsim.load_scenario(absolute).populations["firms"].attributes
    varied = loaded.vary({"populations.firms.attributes.rd_expense.growth": 0.1})
    assert varied.populations["firms"].attributes["rd_expense"].growth == 0.1


def test_the_hash_follows_the_records_content(tmp_path: Path) -> None:
    path = write(tmp_path)
    before = scenario_hash(budgetsim.load_scenario(path))
    assert scenario_hash(budgetsim.load_scenario(path)) == before
    csv = tmp_path / RECORDS.name
    csv.write_text(csv.read_text(encoding="utf-8").replace("123.7", "124.75"), encoding="utf-8")
    assert scenario_hash(budgetsim.load_scenario(path)) != before


def test_a_gbk_records_file_reads_like_the_utf8_one(tmp_path: Path) -> None:
    utf8 = budgetsim.load_scenario(write(tmp_path / "utf8"))
    gbk_folder = tmp_path / "gbk"
    write(gbk_folder)
    csv = gbk_folder / RECORDS.name
    csv.write_bytes(RECORDS.read_text(encoding="utf-8").encode("gbk"))
    gbk = budgetsim.load_scenario(gbk_folder / "scenario.toml")
    for a, b in zip(
        compile_scenario(utf8).populations[0].attributes,
        compile_scenario(gbk).populations[0].attributes,
        strict=True,
    ):
        assert isinstance(a[1], Resampled)
        assert isinstance(b[1], Resampled)
        np.testing.assert_array_equal(a[1].records, b[1].records)


def test_parquet_records_and_a_clear_message_without_pyarrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, file="rd.parquet")
    records().to_parquet(tmp_path / "rd.parquet")
    sc = budgetsim.load_scenario(path)
    rd = compile_scenario(sc).populations[0].attributes[0][1]
    assert isinstance(rd, Resampled)
    assert len(rd.records) == 60

    def missing(*args: Any, **kwargs: Any) -> None:
        raise ImportError("pyarrow")

    monkeypatch.setattr(pd, "read_parquet", missing)
    (tmp_path / "rd.parquet").write_bytes((tmp_path / "rd.parquet").read_bytes() + b"\0")
    with pytest.raises(ScenarioError, match=r"rd\.parquet: reading Parquet files needs pyarrow"):
        budgetsim.load_scenario(path)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (('year_column = "年度"', 'base_year = 2023\nyear_column = "年度"'), "not both"),
        (('year_column = "年度"', ""), "growth needs the records' year"),
        (('column = "研发费用"', 'column = "研发"'), "did you mean '研发费用'?"),
    ],
)
def test_bad_attributes_name_the_field(
    tmp_path: Path, change: tuple[str, str], fragment: str
) -> None:
    path = write(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        budgetsim.load_scenario(path)
    assert "populations.firms.attributes.rd_expense" in str(info.value)
    assert fragment in str(info.value)


def test_an_excel_sheet_is_read_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, file="rd.xlsx")
    with pd.ExcelWriter(tmp_path / "rd.xlsx") as book:
        records().head(5).to_excel(book, sheet_name="2022", index=False)
        records().to_excel(book, sheet_name="2023", index=False)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('file = "rd.xlsx"', 'file = "rd.xlsx"\nsheet = "2023"'), "utf-8")
    sc = budgetsim.load_scenario(path)
    assert compile_scenario(sc).populations[0].joint == {"revenue": "rd_expense"}
    rd = compile_scenario(sc).populations[0].attributes[0][1]
    assert isinstance(rd, Resampled)
    assert len(rd.records) == 60
    path.write_text(path.read_text(encoding="utf-8").replace('"2023"', '"2024"'), "utf-8")
    with pytest.raises(
        ScenarioError, match=r"populations\.firms\.attributes\.rd_expense: rd\.xlsx"
    ):
        budgetsim.load_scenario(path)


def test_the_same_problem_in_many_rows_is_said_once(tmp_path: Path) -> None:
    path = write(tmp_path)
    csv = tmp_path / RECORDS.name
    lines = csv.read_text(encoding="utf-8").splitlines()
    bad = [lines[0]] + [
        ",".join([*line.split(",")[:2], "约五十", line.split(",")[3]]) for line in lines[1:]
    ]
    csv.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        budgetsim.load_scenario(path)
    text = str(info.value)
    assert "rd-records.csv rows 2, 3, 4 … 61 (60 rows), column '研发费用' (C)" in text
    assert "Traceback" not in text


# -- the parameter table, plausibility, sensitivity, the command line -------------------------


def test_params_lists_growth_and_the_records_resampled(tmp_path: Path) -> None:
    path = write(tmp_path)
    table = budgetsim.parameters(budgetsim.load_scenario(path))
    growth = table.loc["populations.firms.attributes.rd_expense.growth"]
    assert (growth["value"], growth["kind"], growth["low"], growth["high"]) == (
        0.08,
        "assumption",
        0.0,
        0.15,
    )
    assert table.loc["populations.firms.attributes.rd_expense.file", "value"] == (
        "rd-records.csv（60 条记录）"
    )
    assert not [p for p in table.index if p.endswith((".column", ".year_column", ".base_year"))]
    for lang, text in (("zh", "条记录）"), ("en", "records)")):  # a narrow column folds it
        result = CliRunner().invoke(
            cli, ["params", str(path), "--lang", lang], env={"COLUMNS": "200"}
        )
        assert result.exit_code == 0, result.output
        assert text in result.output
        assert "rd-records.csv" in result.output
        assert "rd_expense.growth" in result.output


def test_plausibility_and_the_report_appendix_read_an_empirical_attribute(tmp_path: Path) -> None:
    sc = budgetsim.load_scenario(write(tmp_path))
    assert isinstance(doubts(sc), list)
    html, _ = appendix_html(sc, budgetsim.parameters(sc), calibration_sections(), "zh")
    assert "rd-records.csv（60 条记录）" in html


def test_sensitivity_varies_growth_in_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sc = budgetsim.load_scenario(write(tmp_path / "scenario", growth=0.08))
    monkeypatch.chdir(tmp_path)  # the variants are made in the workers, from the same file
    growth = "populations.firms.attributes.rd_expense.growth"
    res = budgetsim.sensitivity.tornado(
        sc, ["demand_mean:rd_reward"], draws=40, seed=2, only=[growth], workers=2, chunk_draws=10
    )
    [row] = res.table.itertuples()
    assert row.at_high > row.at_low  # faster growth, larger R&D expense, more demand
    alone = budgetsim.sensitivity.tornado(
        sc, ["demand_mean:rd_reward"], draws=40, seed=2, only=[growth], chunk_draws=10
    )
    assert alone.table.iloc[0]["swing"] == row.swing


def test_run_from_the_command_line_in_another_folder(tmp_path: Path) -> None:
    path = write(tmp_path / "scenario")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "budgetsim", "run", str(path), "--draws", "500", "--no-progress"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "R&D reward" in done.stdout
    bad = path.read_text(encoding="utf-8").replace("rd-records.csv", "missing.csv")
    path.write_text(bad, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "budgetsim", "validate", str(path)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "populations.firms.attributes.rd_expense: missing.csv: no such file" in (
        done.stdout + done.stderr
    )
    assert "Traceback" not in done.stdout + done.stderr


# -- yes/no and text columns --------------------------------------------------------------------

FIRMS = """\
企业,研发费用,是否制造业,所在区县
a,10,是,蓬江区
b,20,否,新会区
c,30,是,蓬江区
d,40,否,台山市
"""

MIXED = """\
[scenario]
id = "mixed"
title = "records of three kinds"
source = "test"
years = [2024]

[populations.firms]
label = "firms"
arrivals = {{ dist = "poisson", mean = 400, assumption = "test" }}
attributes.rd = {{ dist = "empirical", file = "firms.csv", column = "研发费用", unit = "万元", \
source = "t" }}
attributes.maker = {{ dist = "empirical", file = "firms.csv", column = "是否制造业", source = "t" }}
attributes.district = {{ dist = "empirical", file = "firms.csv", column = "所在区县", \
{extra}source = "t" }}

[programmes.award]
label = "award"
source = "t"
population = "firms"
eligible = "maker and district == '蓬江区'"
instrument = {{ kind = "proportional", base = "rd", rate = 1.0, source = "t" }}
rationing = "pro_rata"
envelope = {{ per_year = "100万元", source = "t" }}
"""


def _mixed(folder: Path, extra: str = "") -> Path:
    (folder / "firms.csv").write_text(FIRMS, encoding="utf-8")
    path = folder / "mixed.toml"
    path.write_text(MIXED.format(extra=extra), encoding="utf-8")
    return path


def test_yes_no_and_text_columns_resample_as_flags_and_categories_with_their_record(
    tmp_path: Path,
) -> None:
    sc = budgetsim.load_scenario(_mixed(tmp_path))
    plan = compile_scenario(sc)
    assert plan.populations[0].categories["district"] == ("台山市", "新会区", "蓬江区")
    [cohort] = draw_cohorts(plan.populations[0], 3, range(30), [2024])
    rd, maker, district = (cohort.attributes[k] for k in ("rd", "maker", "district"))
    assert maker.dtype == np.bool_
    labels = np.array(plan.populations[0].categories["district"])[district]
    rows = {(10.0, True, "蓬江区"), (20.0, False, "新会区"), (30.0, True, "蓬江区"),
            (40.0, False, "台山市")}  # fmt: skip
    assert set(zip(rd.tolist(), maker.tolist(), labels.tolist(), strict=True)) <= rows
    # eligible: records a and c (10 + 30 of 100 per four draws on average) -> demand 100 × 400/4
    res = budgetsim.simulate(sc, draws=400, seed=2)
    demand = res.dataset["demand"].sel(programme="award").to_numpy().ravel()
    n = 400.0
    mean, var = n * (10 + 30) / 4, n * (10**2 + 30**2) / 4  # compound Poisson
    assert abs(demand.mean() - mean) < Z * math.sqrt(var / demand.size)


def test_growth_on_a_text_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"district\.growth: growth scales numbers.*labels"):
        budgetsim.load_scenario(_mixed(tmp_path, "growth = 0.1, base_year = 2023, "))
