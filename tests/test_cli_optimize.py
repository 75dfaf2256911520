"""End-to-end tests of ``budgetsim optimize``, as a user runs it."""

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from budgetsim.cli import cli

EXAMPLE = str(Path(__file__).parents[1] / "examples" / "applicants-jiangmen-interest.csv")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["optimize", *args])
    return result.exit_code, result.output


def test_award_prints_who_gets_what_and_writes_a_workbook(tmp_path: Path) -> None:
    out = tmp_path / "awards.xlsx"
    code, text = invoke(
        "award", EXAMPLE, "--envelope", "3000万元", "--cap", "50万元", "--objective", "score",
        "--quota", "district=恩平市:5%-", "--quota", "district=蓬江区:-30%", "--out", str(out),
    )  # fmt: skip
    assert code == 0, text
    for fragment in (
        "Funded 230 of 300 applicants",
        "awarded 3,000.00 of 3,000.00",
        "Binding: envelope (3,000 万元, all awarded); quota district=恩平市 at its minimum (5%)",
        "the envelope ran out",
        "optimal, cbc (exact)",
    ):
        assert fragment in text, text
    book = pd.read_excel(out)
    assert len(book) == 300
    assert abs(book["award"].sum() - 3000.0) < 1e-6


def test_award_all_or_nothing_reports_the_envelope_left() -> None:
    code, text = invoke("award", EXAMPLE, "--envelope", "3000", "--cap", "50", "--all-or-nothing")
    assert code == 0, text
    assert "Funded 229 of 300 applicants (229 in full)" in text
    assert "less than any unfunded request" in text


def test_award_stopped_by_its_time_limit_says_what_it_kept() -> None:
    # a time limit of 0 forces the stop: no solver proves an integer optimum in 0 s
    code, text = invoke(
        "award", EXAMPLE, "--envelope", "3000", "--cap", "50", "--all-or-nothing",
        "--time-limit", "0",
    )  # fmt: skip
    assert code == 0, text
    assert "feasible, cbc (exact)" in text
    assert "Solver: stopped by the time limit after " in text
    assert "gap " in text


def test_award_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,amount\na,1\na,-2\n", encoding="utf-8")
    code, text = invoke("award", str(bad), "--envelope", "10")
    assert code == 1
    assert "rows 2, 3, column 'id' (A): duplicate id 'a'" in text
    assert "row 3, column 'amount' (B): negative amount" in text
    assert "Traceback" not in text
    code, text = invoke(
        "award", EXAMPLE, "--envelope", "10", "--quota", "district=恩平市:60%-",
        "--quota", "district=蓬江区:50%-",
    )  # fmt: skip
    assert code == 1
    assert "the minimum shares by district add up to 110% of the money" in text
    code, text = invoke("award", EXAMPLE, "--envelope", "10", "--quota", "district")
    assert code == 1
    assert "expected COLUMN=GROUP:MIN-MAX" in text


def test_size_prints_budgets_with_their_certificate(tmp_path: Path) -> None:
    out = tmp_path / "size.csv"
    code, text = invoke(
        "size", "jiangmen-2015-2017", "--level", "0.8", "--draws", "200",
        "--validation-draws", "400", "--out", str(out),
    )  # fmt: skip
    assert code == 0, text
    assert "Budget that pays every claim in 80% of cases" in text
    assert "Certificate: held in" in text
    assert "of 400 fresh draws" in text
    frame = pd.read_csv(out)
    assert list(frame["year"]) == [2015, 2016, 2017]
    assert (frame["budget"] >= 0).all()


def test_size_takes_each_funds_carry_over_from_the_scenario(tmp_path: Path) -> None:
    out = tmp_path / "size.csv"
    code, text = invoke(
        "size", "jiangmen-2021", "--programme", "key_tech", "--programme", "rd_reward",
        "--pool", "fund", "--level", "0.8", "--draws", "200", "--validation-draws", "400",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, text
    assert "Money carries over between years in key_tech; in the other pools it lapses" in text
    frame = pd.read_csv(out)
    assert frame.groupby("pool")["carry_over"].all().to_dict() == {
        "key_tech": True,
        "rd_reward": False,
    }


def test_allocate_prints_the_split_and_the_out_of_sample_gain(tmp_path: Path) -> None:
    out = tmp_path / "split.csv"
    code, text = invoke(
        "allocate", "--draws", "60", "--validation-draws", "60", "--year-change", "50%",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, text
    for fragment in ("Recommended split of 66,500 万元", "value of +1", "Out of sample", "gain"):
        assert fragment in text, text
    frame = pd.read_csv(out)
    assert abs(frame["recommended"].sum() - 66_500) < 1e-3


def test_allocate_bad_options_name_the_option() -> None:
    code, text = invoke("allocate", "--bound", "coinnovation=lots", "--draws", "10")
    assert code == 1
    assert "--bound coinnovation=lots: expected FUND=LOW-HIGH" in text
    code, text = invoke("allocate", "--free", "nope", "--draws", "10")
    assert code == 1
    assert "unknown fund(s) nope" in text


def test_a_score_objective_needs_a_score_column(tmp_path: Path) -> None:
    listing = tmp_path / "no_score.csv"
    listing.write_text("id,amount\nA,10\nB,20\n", encoding="utf-8")
    code, text = invoke("award", str(listing), "--envelope", "15", "--objective", "score")
    assert code == 1, text
    assert "has no score column" in text
