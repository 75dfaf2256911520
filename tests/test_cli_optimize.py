"""End-to-end tests of ``budgetsim optimize``, as a user runs it, in both languages and at the
widths of real terminals."""

from __future__ import annotations

import io
import os
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console

import budgetsim
import budgetsim.cli_optimize as cli_optimize
from budgetsim.cli import cli
from budgetsim.optimize import (
    AllocationResult,
    Applicants,
    AwardResult,
    AwardRules,
    Quota,
    SizingResult,
    Solution,
    Status,
    allocate,
    award,
    read_applicants,
    size_budgets,
)
from budgetsim.optimize._lp import shortfall
from budgetsim.optimize.allocation import default_bounds
from budgetsim.words import code_names

EXAMPLE = str(Path(__file__).parents[1] / "examples" / "applicants-jiangmen-interest.csv")
WIDTHS = [80, 100, 120, 200]
#: A character of Chinese text.
HAN = re.compile(r"[\u4e00-\u9fff]")
#: An English word of three letters or more (in Chinese output only names the user gave).
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["optimize", *args])
    return result.exit_code, result.output


def headers(text: str) -> list[str]:
    """The column headers of every table printed (each on one line: a wide console)."""
    return [
        cell.strip()
        for line in text.splitlines()
        if line.startswith("┃")
        for cell in line.strip("┃").split("┃")
    ]


def squeezed(text: str) -> str:
    """``text`` without white space: a phrase the console wrapped (at a space, or inside a
    run of Chinese) reads as one."""
    return re.sub(r"\s", "", text)


def says(text: str, *fragments: str) -> None:
    """Assert that ``text`` says every fragment, however the console wrapped it."""
    for fragment in fragments:
        assert squeezed(fragment) in squeezed(text), (fragment, text)


def english(text: str, *names: str) -> list[str]:
    """English words in ``text`` other than ``names`` (the user's own, a solver's), options
    (``--draws``) and files (``awards.xlsx``)."""
    for name in names:
        text = text.replace(name, "")
    return ENGLISH.findall(re.sub(r"--[\w-]+|\S+\.(?:xlsx|csv)", "", text))


def whole(number: str, text: str) -> bool:
    """Whether ``number`` (``1,667``) is printed whole: no digit or separator glued to it."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d.,]*\d)", text) is not None


@pytest.fixture
def columns_100(monkeypatch: pytest.MonkeyPatch) -> None:
    """Print as on a terminal of COLUMNS=100 (until the shared console honours COLUMNS, the
    command's console is one of that width)."""
    monkeypatch.setenv("COLUMNS", "100")

    def console(stderr: bool = False) -> Console:
        stream = sys.stderr if stderr else sys.stdout
        return Console(file=stream, width=int(os.environ["COLUMNS"]), highlight=False)

    monkeypatch.setattr(cli_optimize, "_console", console)


# -- award ------------------------------------------------------------------------------------


def test_award_prints_who_gets_what_and_writes_a_workbook(tmp_path: Path) -> None:
    out = tmp_path / "awards.xlsx"
    code, text = invoke(
        "award", EXAMPLE, "--envelope", "3000万元", "--cap", "50万元", "--objective", "score",
        "--quota", "district=恩平市:5%-", "--quota", "district=蓬江区:-30%", "--out", str(out),
        "--lang", "en",
    )  # fmt: skip
    assert code == 0, text
    says(
        text,
        "Awards from ",
        "(objective: sum of scores)",
        "Funded 230 of 300 applicants",
        "awarded 3,000.00 of 3,000.00",
        "Binding: envelope (3,000 10k yuan, all awarded); quota district=恩平市 at its minimum "
        "(5%)",
        "the envelope ran out",
        "optimal, cbc (exact)",
        "wrote ",
    )
    assert not HAN.search(text.replace("恩平市", "")), text  # Chinese only in the user's groups
    book = pd.read_excel(out)
    assert len(book) == 300
    assert abs(book["award"].sum() - 3000.0) < 1e-6


def test_award_in_chinese_by_default() -> None:
    code, text = invoke(
        "award", EXAMPLE, "--envelope", "3000万元", "--cap", "50万元", "--objective", "score",
        "--quota", "district=恩平市:5%-", "--show", "5",
    )  # fmt: skip
    assert code == 0, text
    says(
        text,
        "的资助方案 [万元]（目标：评审得分之和）",
        "申请者",
        "申请金额",
        "资助金额",
        "未全额资助的原因",
        "另有 295 行未显示",
        "资助 230/300 家申请者",
        "资助总额 3,000.00，预算 3,000.00",
        "最优，cbc（精确求解）",
        "起约束作用的条件：预算（3,000 万元）已全部资助；配额 district=恩平市 达到下限（5%）",
        "未全额资助的原因：",
        "× 预算已用完：每万元收益低于门槛 ",
    )
    table = text[text.index("的资助方案") :]  # below the note on how the file was read
    assert english(table, "district", "cbc") == [], table


def test_award_all_or_nothing_reports_the_envelope_left() -> None:
    code, text = invoke(
        "award", EXAMPLE, "--envelope", "3000", "--cap", "50", "--all-or-nothing", "--lang", "en"
    )
    assert code == 0, text
    says(text, "Funded 229 of 300 applicants (229 in full)", "less than any unfunded request")


@pytest.fixture(scope="module")
def awards() -> AwardResult:
    apps = read_applicants(EXAMPLE)
    rules = AwardRules(
        envelope=3000, cap=50, objective="score", quotas=(Quota("district", "恩平市", 0.05),)
    )
    return award(apps, rules)


def test_a_solver_note_is_said_in_the_language(awards: AwardResult) -> None:
    # the note of an answer stopped at a time limit, made as the optimiser makes it (no test
    # waits for a solver's time limit)
    sol = Solution(
        Status.FEASIBLE, np.zeros(1), 98.0, None, None, "cbc", 0.0, 2.0, bound=100.0,
        reason="stopped by the time limit after 2 s; 3 fractional integer value(s) rounded",
    )  # fmt: skip
    stopped = replace(awards, status=Status.FEASIBLE, note=shortfall(sol, "awards"))
    texts = {}
    for lang in ("zh", "en"):
        out = Console(width=120, file=io.StringIO())
        cli_optimize.print_awards(stopped, "list.csv", 3, lang, console=out)  # type: ignore[arg-type]
        texts[lang] = out.file.getvalue()  # type: ignore[attr-defined]
    assert "feasible, cbc (exact)" in texts["en"]
    assert (
        "Solver: stopped by the time limit after 2 s; 3 fractional integer value(s) rounded: "
        "best awards found, gap 2 %." in texts["en"]
    )
    assert "可行，cbc（精确求解）" in texts["zh"]
    assert (
        "求解器：达到时间限制，2 秒后停止；3 个整数变量的小数值已取整：保留找到的最佳资助方案，"
        "差距 2 %。" in texts["zh"]
    )


@pytest.mark.parametrize(
    ("note", "zh"),
    [
        ("the cbc solver ended not solved: kept the greedy split, gap unknown",
         "cbc 求解器结束，状态：未求解：保留贪心方案，差距未知"),
        ("the scipy solver stopped short; 2 fractional integer value(s) rounded; the LP "
         "relaxation, rounded: the LP relaxation rounded and filled greedily, gap 0.5 %",
         "scipy 求解器提前停止；2 个整数变量的小数值已取整；采用线性松弛解并取整："
         "线性松弛解取整后按贪心法补足，差距 0.5 %"),
        ("stopped by the time limit after 30 s: kept the greedy split (cheaper than the "
         "solver's), gap 1 %",
         "达到时间限制，30 秒后停止：保留贪心方案（比求解器的方案更省），差距 1 %"),
        ("the model is infeasible (so is its LP relaxation): greedy awards by value per unit (no "
         "solver answer), gap unknown",
         "模型不可行（其线性松弛亦不可行）：按单位收益贪心分配（求解器未给出解），差距未知"),
        ("something new", "something new"),  # a phrase not known is left as it is
    ],
)  # fmt: skip
def test_solver_notes_read_in_chinese(note: str, zh: str) -> None:
    assert cli_optimize._note(note, "zh") == zh
    assert cli_optimize._note(note, "en") == note


def test_every_reason_and_binding_constraint_reads_in_chinese() -> None:
    apps = Applicants(
        np.array(["a", "b", "c", "d", "e", "f"]),
        np.array([60.0, 50.0, 40.0, 3.0, 0.0, 30.0]),
        np.array([3.0, 2.0, 2.5, 9.0, 1.0, 1.0]),
        {"district": np.array(["A", "A", "B", "B", "B", "A"])},
    )
    cases = [
        AwardRules(100, cap=45, min_award=5, quotas=(Quota("district", "A", 0.0, 0.3),),
                   objective="score"),
        AwardRules(100, objective="money"),
        AwardRules(70, all_or_nothing=True),
        AwardRules(100, cap=20, quotas=(Quota("district", "B", 0.5),), objective="count"),
    ]  # fmt: skip
    reasons, binding = set(), set()
    for rules in cases:
        res = award(apps, rules)
        reasons |= set(res.table["reason"]) - {""}
        binding |= set(res.binding)
    assert len(reasons) >= 6, reasons  # every kind: requested nothing, minimum, quota, …
    assert len(binding) >= 4, binding  # the envelope spent or left, a quota, the cap
    for text in reasons:
        zh = cli_optimize._reason(text, "zh")
        assert HAN.search(zh), text
        assert english(zh, "district") == [], zh
        assert cli_optimize._reason(text, "en") == text.replace("万元", "10k yuan")
    for text in binding:
        zh = cli_optimize._phrase(text, cli_optimize._BINDING, "zh")
        assert english(zh, "district") == [], zh


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


def test_a_score_objective_needs_a_score_column(tmp_path: Path) -> None:
    listing = tmp_path / "no_score.csv"
    listing.write_text("id,amount\nA,10\nB,20\n", encoding="utf-8")
    code, text = invoke("award", str(listing), "--envelope", "15", "--objective", "score")
    assert code == 1, text
    assert "has no score column" in text


@pytest.mark.usefixtures("columns_100")
def test_award_at_100_columns_cuts_nothing() -> None:
    for lang in ("zh", "en"):
        code, text = invoke("award", EXAMPLE, "--envelope", "3000", "--cap", "50", "--lang", lang)
        assert code == 0, text
        assert "…" not in text, text
        assert max(map(cell_len, text.splitlines())) <= 100, text


# -- size -------------------------------------------------------------------------------------


def test_size_prints_budgets_with_their_certificate(tmp_path: Path) -> None:
    out = tmp_path / "size.csv"
    code, text = invoke(
        "size", "jiangmen-2015-2017", "--level", "0.8", "--draws", "200",
        "--validation-draws", "400", "--out", str(out), "--lang", "en",
    )  # fmt: skip
    assert code == 0, text
    says(
        text,
        "Budget that pays every claim in 80% of cases (jiangmen-2015-2017, 10k yuan)",
        "Certificate: held in",
        "of 400 fresh draws",
        "all programmes",
    )
    frame = pd.read_csv(out)
    assert list(frame["year"]) == [2015, 2016, 2017]
    assert (frame["budget"] >= 0).all()


def test_size_in_chinese_by_default() -> None:
    code, text = invoke(
        "size", "jiangmen-2015-2017", "--level", "0.8", "--draws", "200",
        "--validation-draws", "400",
    )  # fmt: skip
    assert code == 0, text
    says(
        text,
        "所需预算 [万元]：在 80% 的情形下支付全部应付金额（jiangmen-2015-2017）",
        "全部项目合计",
        "预算口径",
        "单独测算 P80",
        "需求均值",
        "合计",
        "验证：400 次全新模拟中有 ",
        "次样本内模拟",
    )
    assert all(HAN.search(h) for h in headers(text)), headers(text)
    assert english(text, "jiangmen-2015-2017", "cbc") == [], text


@pytest.fixture(scope="module")
def sizing() -> list[SizingResult]:
    sc = budgetsim.load_scenario("jiangmen-2021")
    return size_budgets(
        sc, (0.8,), programmes=["key_tech", "rd_reward"], pooling="fund", draws=200,
        validation_draws=400,
    )  # fmt: skip


def test_size_takes_each_funds_carry_over_from_the_scenario(
    tmp_path: Path, sizing: list[SizingResult]
) -> None:
    out = tmp_path / "size.csv"
    code, text = invoke(
        "size", "jiangmen-2021", "--programme", "key_tech", "--programme", "rd_reward",
        "--pool", "fund", "--level", "0.8", "--draws", "200", "--validation-draws", "400",
        "--out", str(out), "--lang", "en",
    )  # fmt: skip
    assert code == 0, text
    says(
        text,
        "Money carries over between years in Key common technologies and basic research; in "
        "the other pools it lapses",
    )
    frame = pd.read_csv(out)
    assert frame.groupby("pool")["carry_over"].all().to_dict() == {
        "key_tech": True,
        "rd_reward": False,
    }
    sc = budgetsim.load_scenario("jiangmen-2021")
    zh = Console(width=200, file=io.StringIO())
    cli_optimize.print_sizing(sizing, sc, console=zh, uncertain=True)
    said = zh.file.getvalue()  # type: ignore[attr-defined]
    says(
        said,
        "关键共性技术攻关和前瞻性基础研究的结余可跨年度结转；其他预算口径的结余在年末收回",
        "（jiangmen-2021，假设在其合理区间内抽取）",
    )


# -- allocate ---------------------------------------------------------------------------------


def test_allocate_prints_the_split_and_the_out_of_sample_gain(tmp_path: Path) -> None:
    out = tmp_path / "split.csv"
    code, text = invoke(
        "allocate", "--draws", "60", "--validation-draws", "60", "--year-change", "50%",
        "--out", str(out), "--lang", "en",
    )  # fmt: skip
    assert code == 0, text
    says(
        text,
        "Recommended split [10k yuan] of 66,500 (jiangmen-2021, objective: money paid, 60 draws)",
        "value of +1",
        "High-tech enterprise cultivation",
        "Out of sample",
        "gain",
        "Bounds: Key common technologies and basic research (total 5,000 over the years, each "
        "year ±50%); ",
        "R&D super-deduction reward (fixed per year)",
        "(range 1,000–1,500, each year ±50%)",
    )
    for key in ("hte_cultivation", "key_tech", "coinnovation"):
        assert key not in text
    frame = pd.read_csv(out)
    assert abs(frame["recommended"].sum() - 66_500) < 1e-3


def test_allocate_in_chinese_by_default() -> None:
    code, text = invoke(
        "allocate", "--draws", "30", "--validation-draws", "30", "--free", "coinnovation"
    )
    assert code == 0, text
    says(
        text,
        "推荐分配 [万元]：总额 66,500（jiangmen-2021，目标：拨付金额，30 次模拟）",
        "资金池",
        "文件安排",
        "推荐",
        "边际价值",
        "高新技术企业培育",
        "样本外检验（30 次全新模拟",
        "受预算约束项目的申请者中全额获资助的比例",
        "线性规划：最优，cbc",
        "产学研协同创新共同体（四）（不设限）",
        "研发费用加计扣除奖补（各年度固定）",
        "高新技术企业培育（多年总额 50,000）",
    )
    assert all(HAN.search(h) for h in headers(text)), headers(text)
    assert english(text, "jiangmen-2021", "cbc") == [], text


def test_allocate_bad_options_name_the_option() -> None:
    code, text = invoke("allocate", "--bound", "coinnovation=lots", "--draws", "10")
    assert code == 1
    assert "--bound coinnovation=lots: expected FUND=LOW-HIGH" in text
    code, text = invoke("allocate", "--free", "nope", "--draws", "10")
    assert code == 1
    assert "unknown fund(s) nope" in text


def test_every_kind_of_bound_is_said_with_the_funds_name() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    kinds = {}
    for options in (
        {"free": ["key_tech"], "bounds": {"coinnovation": (800.0, 1500.0)}},
        {"year_change": 0.25},
    ):
        ids, bounds = default_bounds(sc, 66_500, **options)  # type: ignore[arg-type]
        for fid, b in zip(ids, bounds, strict=True):
            kinds[b.why.partition(" (")[2].split()[0].rstrip(":),")] = (fid, b.why)
    assert set(kinds) == {"free", "set", "fixed", "range", "total"}, kinds
    for fid, why in kinds.values():
        zh = cli_optimize._bounds_text(why, sc, "zh")
        en = cli_optimize._bounds_text(why, sc, "en")
        assert zh.startswith(sc.funds.get(fid, sc.programmes.get(fid)).label), zh  # type: ignore[union-attr]
        assert english(zh) == [], zh
        assert fid not in en, en
        assert en.endswith(why[why.index(" (") :]), (why, en)
    assert cli_optimize._bounds_text("a rule not known", sc, "zh") == "a rule not known"


# -- every table at the widths of real terminals -------------------------------------------------


@pytest.fixture(scope="module")
def allocation() -> AllocationResult:
    return allocate(budgetsim.load_scenario("jiangmen-2021"), draws=40, validation_draws=40)


def printed(what: str, lang: str, width: int, results: dict[str, object]) -> str:
    sc = budgetsim.load_scenario("jiangmen-2021")
    out = Console(width=width, file=io.StringIO())
    if what == "allocate":
        cli_optimize.print_allocation(results[what], sc, lang, console=out)  # type: ignore[arg-type]
    elif what == "size":
        cli_optimize.print_sizing(results[what], sc, lang, console=out)  # type: ignore[arg-type]
    else:
        cli_optimize.print_awards(results[what], EXAMPLE, 12, lang, console=out)  # type: ignore[arg-type]
    return out.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def numbers(what: str, results: dict[str, object]) -> list[str]:
    """Numbers the table of ``what`` must show whole."""
    if what == "allocate":
        table = results[what].table  # type: ignore[attr-defined]
        return [f"{v:,.0f}" for v in [*table["recommended"], *table["mean_demand"]]]
    if what == "size":
        return [f"{v:,.0f}" for r in results[what] for v in r.budgets["budget"]]  # type: ignore[attr-defined]
    return [f"{v:,.2f}" for v in results[what].table["amount"].head(12)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("what", ["allocate", "size", "award"])
def test_tables_are_never_cut(
    what: str,
    lang: str,
    allocation: AllocationResult,
    sizing: list[SizingResult],
    awards: AwardResult,
) -> None:
    results = {"allocate": allocation, "size": sizing, "award": awards}
    for width in WIDTHS:
        text = printed(what, lang, width, results)
        assert max(map(cell_len, text.splitlines())) <= width, (width, text)
        assert not re.search(r"\d…|…\d", text), (width, text)  # no number cut, at any width
        if width >= 100:
            assert "…" not in text, (width, text)
        for number in numbers(what, results):
            assert whole(number, text), (width, number, text)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("what", ["allocate", "size", "award"])
def test_headers_are_words_not_code_names(
    what: str,
    lang: str,
    allocation: AllocationResult,
    sizing: list[SizingResult],
    awards: AwardResult,
) -> None:
    results = {"allocate": allocation, "size": sizing, "award": awards}
    text = printed(what, lang, 200, results)
    found = headers(text)
    assert len(found) >= 5, text
    assert not set(found) & code_names(), found
    if lang == "zh":
        assert all(HAN.search(h) for h in found), found
    else:
        assert not any(HAN.search(h) for h in found), found
    sc = budgetsim.load_scenario("jiangmen-2021")
    for pid in sc.programmes:  # programmes and funds by their names, never their ids
        assert not re.search(rf"\b{pid}\b", text), (pid, text)


def test_a_table_too_wide_for_the_terminal_is_split_not_cut(allocation: AllocationResult) -> None:
    text = printed("allocate", "en", 50, {"allocate": allocation})
    assert "…" not in text
    assert max(map(cell_len, text.splitlines())) <= 50
    assert "(continued)" in text
    for name in ("document", "recommended", "change", "demand"):
        assert name in text
    parts = text.count("(continued)") + 1
    assert parts >= 2
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert sum("High-tech" in row for row in rows) == parts  # each part names the rows
    for number in numbers("allocate", {"allocate": allocation}):
        assert whole(number, text), (number, text)
