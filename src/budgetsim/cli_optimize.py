"""``budgetsim optimize allocate | size | award``: the optimiser's command line.

Parses arguments, calls :mod:`budgetsim.optimize` (the same functions a notebook calls), prints
the answer as tables in the planner's terms and in one language (``--lang zh``, the default, or
``en``), and writes it to a file when asked. Labels come from the registries: metrics from
:mod:`budgetsim.metrics`, programmes and funds by their names in the scenario, every other word
from :mod:`budgetsim.words`. Tables fit the terminal as every command's do
(:func:`budgetsim._layout.show`): numbers are never cut.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd
from rich.console import Console
from rich.text import Text

from budgetsim._cli_common import SEED, check_out_file, fail
from budgetsim._cli_common import console as _console
from budgetsim._cli_common import workers as _workers
from budgetsim._layout import Column, Grid
from budgetsim._model import SANE, RateError, parse_rate
from budgetsim.cli_tables import print_tables
from budgetsim.errors import BudgetsimError
from budgetsim.metrics import Lang, format_value, label, money_unit
from budgetsim.money import UNITS, AmountError, check_unit, parse_amount, parse_range
from budgetsim.optimize import (
    SOLVERS,
    AllocationResult,
    AwardResult,
    AwardRules,
    Estimate,
    Quota,
    SizingResult,
    Status,
    allocate,
    award,
    read_applicants,
    size_budgets,
)
from budgetsim.outputs import atomic
from budgetsim.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from budgetsim.words import word

__all__ = ["optimize"]

F = TypeVar("F", bound=Callable[..., Any])

SOLVER = click.option(
    "--solver",
    type=click.Choice(SOLVERS),
    default="cbc",
    show_default=True,
    help="cbc (bundled), highs (needs highspy) or scipy (SciPy's HiGHS on the arrays).",
)
WORKERS_OPT = click.option(
    "--workers",
    "-j",
    default="auto",
    show_default=True,
    metavar="N|auto",
    help="Worker processes for the simulations; results are identical for any number.",
)


def _draws(default: int, what: str) -> Callable[[F], F]:
    return click.option(
        "--draws",
        "-n",
        default=default,
        show_default=True,
        type=click.IntRange(min=10),
        help=f"In-sample draws the {what} is chosen on.",
    )


def _validation(default: int) -> Callable[[F], F]:
    return click.option(
        "--validation-draws",
        default=default,
        show_default=True,
        type=click.IntRange(min=10),
        help="Fresh draws the answer is judged on (independent of the in-sample ones).",
    )


def _amount(option: str, value: str | None, unit: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_amount(value, unit, numerals=True)
    except AmountError as exc:
        raise BudgetsimError(f"{option}: {exc}") from None


def _unit(value: str) -> str:
    try:
        return check_unit(value)
    except AmountError as exc:
        raise BudgetsimError(f"--unit {value}: {exc}") from None


def _write(frame: pd.DataFrame, out: str) -> str:
    path = Path(out)
    try:
        with atomic(path, "wb") as handle:
            if path.suffix.lower() == ".xlsx":
                frame.to_excel(handle, index=False, engine="openpyxl")
            else:  # with a byte-order mark, so Excel reads the Chinese labels right
                handle.write(frame.to_csv(index=False).encode("utf-8-sig"))
    except OSError as exc:
        raise BudgetsimError(f"--out {out}: cannot write: {exc}") from None
    return str(path)


LANG = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the tables and messages: zh (Chinese) or en (English).",
)


def _estimate(e: Estimate, fmt: str = ",.0f") -> str:
    return f"{e.mean:{fmt}} [{e.low:{fmt}}, {e.high:{fmt}}]"


def _money(
    value: float, lang: Lang = "zh", *, short: str | None = None, signed: bool = False
) -> str:
    """An amount as every table writes money (the registry's format: ``12,346``); short
    (``1.67亿``, ``167m``) when ``short`` gives its unit, for a table too wide with amounts
    whole."""
    return format_value("envelope", value, lang, signed=signed, compact=short)


def _share(value: float) -> str:
    """A fraction as every table writes shares (``45.7%``)."""
    return format_value("coverage_full", value)


def _name(scenario: Scenario, key: str, lang: Lang) -> str:
    """A programme or shared fund as a reader calls it: ``label`` in Chinese, ``label_en`` (or
    ``label`` when the scenario gives none) in English; ``key`` itself when it is neither."""
    spec: Any = scenario.funds.get(key) or scenario.programmes.get(key)
    if spec is None:
        return key
    return str(spec.label if lang == "zh" else (spec.label_en or spec.label))


def _status(status: Status, lang: Lang) -> str:
    return word(f"opt_status_{status.name.lower()}", lang)


def _say(lang: Lang, key: str, **values: Any) -> Text:
    """The phrase ``key`` filled in, as text (never markup: labels and files are the user's)."""
    return Text(word(key, lang).format(**values))


# -- the optimiser's own words, read back in the language of the tables -----------------------
#: Placeholders of the optimiser's phrases that are not one token: how to read them.
_FIELDS = {
    "status": "|".join(re.escape(s.value) for s in Status),
    "why": r".*",
    "group": r".+",
    "amount": r".+",
}


#: A field of a phrase, unless :data:`_FIELDS` says otherwise: one token.
_TOKEN = r"[^\s;:()]+"


@cache
def _pattern(key: str) -> re.Pattern[str]:
    """The English phrase ``key`` as a pattern that reads its fields back (a field is one
    token unless :data:`_FIELDS` says otherwise)."""
    parts = re.split(r"\{(\w+)(?::[^}]*)?\}", word(key, "en"))
    return re.compile(
        "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_FIELDS.get(part, _TOKEN)})"
            for i, part in enumerate(parts)
        )
    )


def _read(text: str, keys: Iterable[str]) -> tuple[str, dict[str, str]] | None:
    """Which of the phrases ``keys`` ``text`` is, and its fields; None for none of them."""
    for key in keys:
        m = _pattern(key).fullmatch(text)
        if m is not None:
            return key, m.groupdict()
    return None


def _fill(key: str, fields: dict[str, str], lang: Lang) -> str:
    """The phrase ``key`` in ``lang`` with the fields read from the optimiser's, a status and
    a money unit written in ``lang`` too."""
    if "status" in fields:
        fields["status"] = _status(Status(fields["status"]), lang)
    if "unit" in fields:
        fields["unit"] = money_unit(fields["unit"], lang)
    return word(key, lang).format(**fields)


def _phrase(text: str, keys: Sequence[str], lang: Lang) -> str:
    """``text``, one of the optimiser's phrases ``keys``, in ``lang`` (as it is when unknown)."""
    found = _read(text, keys)
    return text if found is None else _fill(*found, lang)


#: The binding constraints an award reports (:attr:`AwardResult.binding`).
_BINDING = ("opt_bind_envelope", "opt_bind_left", "opt_bind_min", "opt_bind_max", "opt_bind_cap")
#: Why an applicant was not paid in full (the ``reason`` column), after "part award: ".
_REASONS = (
    "opt_reason_nothing",
    "opt_reason_minimum",
    "opt_reason_quota",
    "opt_reason_money",
    "opt_reason_cutoff",
)
#: Phrases of a solver's note, longest first where one holds another.
_NOTES = (
    "opt_note_time",
    "opt_note_check",
    "opt_note_ended",
    "opt_note_short",
    "opt_note_fractional",
    "opt_note_unproven",
    "opt_note_infeasible",
    "opt_note_relaxation",
    "opt_note_topped",
    "opt_note_best_awards",
    "opt_note_best_split",
    "opt_note_greedy_awards",
    "opt_note_filled",
    "opt_note_cheaper",
    "opt_note_tolerance",
    "opt_note_greedy",
    "opt_note_gap_unknown",
    "opt_note_gap",
)


def _note(text: str, lang: Lang) -> str:
    """A solver's note (why an answer is short of a proven optimum) in ``lang``: phrase by
    phrase, with Chinese punctuation; a phrase not known stays as the optimiser wrote it."""
    if lang == "en":
        return text
    for key in _NOTES:

        def zh(m: re.Match[str], key: str = key) -> str:
            return _fill(key, m.groupdict(), lang)

        text = _pattern(key).sub(zh, text)
    return text.replace(": ", "：").replace("; ", "；").replace(", ", "，")


def _reason(text: str, lang: Lang, *, summary: bool = False) -> str:
    """Why an applicant was not paid in full, in ``lang``; with ``summary`` the words that
    applicants with the same reason share (the envelope's cut-off, not each one's value)."""
    part = word("opt_reason_part", "en")
    head, rest = ("opt_reason_part", text[len(part) :]) if text.startswith(part) else ("", text)
    found = _read(rest, _REASONS)
    if found is None:
        return text
    key, fields = found
    if summary and key == "opt_reason_cutoff":
        key = "opt_reason_below"
    return (word(head, lang) if head else "") + _fill(key, fields, lang)


#: How the clauses bound a fund's total (:attr:`~budgetsim.optimize.FundBounds.why`).
_RULES = (
    "opt_bound_set",
    "opt_bound_free",
    "opt_bound_fixed",
    "opt_bound_range",
    "opt_bound_total",
)


def _bounds_text(why: str, scenario: Scenario, lang: Lang) -> str:
    """A fund's bounds in words, the fund by its name (``关键共性技术攻关和前瞻性基础研究
    （多年总额 5,000，各年度 ±50%）``) where the optimiser writes its id (``key_tech (total
    5,000 over the years, each year ±50%)``); ``why`` as it is when its rule is not known."""
    fund, _, rule = why.partition(" (")
    rule, each_year = rule.removesuffix(")"), ""
    year = _pattern("opt_bound_year").search(rule)
    if year is not None and year.end() == len(rule):
        rule = rule[: year.start()]
        each_year = word("opt_bound_year", lang).format(**year.groupdict())
    found = _read(rule, _RULES)
    if found is None:
        return why
    text = word(found[0], lang).format(**found[1]) + each_year
    return word("opt_bound", lang).format(fund=_name(scenario, fund, lang), rule=text)


def _groups(keys: Sequence[str]) -> list[tuple[str, bool]]:
    """A key column written once per group of rows (blank below its first row), each row with
    whether it ends a group (a rule under it)."""
    return [
        (k if i == 0 or k != keys[i - 1] else "", i + 1 < len(keys) and k != keys[i + 1])
        for i, k in enumerate(keys)
    ]


@click.group(short_help="Choose a plan: split the money, size the budget, award the firms.")
def optimize() -> None:
    """Optimisation models over simulated demand and applicant lists (PuLP/CBC)."""


# -- allocate ---------------------------------------------------------------------------------
def _bounds(values: Sequence[str], unit: str) -> dict[str, tuple[float, float]]:
    out = {}
    for text in values:
        fund, _, rng = text.partition("=")
        try:
            out[fund.strip()] = parse_range(rng, unit)
        except AmountError as exc:
            raise BudgetsimError(
                f"--bound {text}: expected FUND=LOW-HIGH such as coinnovation=800-1500万元 ({exc})"
            ) from None
    return out


def _finite(param: click.Parameter, value: float | None) -> float | None:
    """``value`` unless it is NaN (which passes any range check)."""
    if value is not None and math.isnan(value):
        raise click.BadParameter("expected a number, found nan", param=param)
    return value


def _fraction(option: str, text: str) -> float:
    try:
        return parse_rate(text.strip(), 0.0, 1.0 if option == "--quota" else SANE["number"][1])
    except RateError as exc:
        raise BudgetsimError(f"{option}: {exc}") from None


def _priority(values: Sequence[str]) -> dict[str, float]:
    out = {}
    for text in values:
        name, _, weight = text.partition("=")
        try:
            out[name.strip()] = float(weight)
        except ValueError:
            raise BudgetsimError(
                f"--priority {text}: expected PROGRAMME=WEIGHT such as rd_reward=2"
            ) from None
    return out


def print_allocation(
    res: AllocationResult,
    scenario: Scenario,
    lang: Lang = "zh",
    *,
    console: Console | None = None,
) -> None:
    """Print the recommended split against the document's, and the out-of-sample check.

    Parameters
    ----------
    res
        The answer of :func:`~budgetsim.optimize.allocate`.
    scenario
        The scenario it split (for the names of its funds).
    lang
        ``"zh"`` or ``"en"``.
    console
        Where to print (default: standard output).
    """
    out = console or _console()
    unit = money_unit(res.unit, lang)
    objective = word(f"opt_objective_{res.objective}", lang)
    rows = res.table.to_dict("records")
    title = word("opt_alloc_title", lang).format(
        total=_money(res.total), unit=unit, scenario=scenario.id, objective=objective,
        draws=res.draws,
    )  # fmt: skip

    def build(compact: bool) -> Grid:
        short = res.unit if compact else None
        grid = Grid(
            title,
            [
                Column(word("fund", lang), key=True),
                Column(word("year", lang), key=True),
                Column(word("opt_document", lang)),
                Column(word("opt_recommended", lang)),
                Column(word("opt_change", lang)),
                Column(word("opt_value", lang)),
                Column(label("demand_mean", lang, short=True)),
            ],
        )
        for r, (fund, end) in zip(rows, _groups([str(r["fund"]) for r in rows]), strict=True):
            grid.add(
                _name(scenario, fund, lang) if fund else "",
                str(r["year"]),
                _money(r["document"], lang, short=short),
                _money(r["recommended"], lang, short=short),
                _money(r["recommended"] - r["document"], lang, short=short, signed=True),
                f"{r['marginal_value']:.3g}",
                _money(r["mean_demand"], lang, short=short),
                end=end,
            )
        return grid

    print_tables(out, [build], res.unit, lang)
    fmt = ",.0f" if res.objective == "paid" else ".3f"
    gain = res.coverage_gain
    out.print(
        _say(lang, "opt_alloc_legend", objective=objective, unit=unit,
             value=f"{res.total_marginal_value:.3g}")
    )  # fmt: skip
    out.print(
        _say(
            lang,
            "opt_alloc_check",
            draws=res.validation_draws,
            objective=objective,
            document=_estimate(res.document, fmt),
            recommended=_estimate(res.recommended, fmt),
            gain=_estimate(res.gain, fmt),
            coverage_document=_share(res.coverage_document.mean),
            coverage_recommended=_share(res.coverage_recommended.mean),
            coverage_gain=f"{gain.mean:+.2%} [{gain.low:+.2%}, {gain.high:+.2%}]",
        )
    )
    bounds = dict.fromkeys(_bounds_text(str(b), scenario, lang) for b in res.table["bounds"])
    out.print(
        _say(
            lang,
            "opt_alloc_lp",
            status=_status(res.status, lang),
            solver=res.solver,
            build=res.build_seconds,
            solve=res.solve_seconds,
            bounds=("；" if lang == "zh" else "; ").join(bounds),
        )
    )


@optimize.command(name="allocate", short_help="Split a total across funds and years.")
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@click.option(
    "--total", default=None, help="Money to split, e.g. 6.65亿元 (default: the document's)."
)
@click.option(
    "--objective",
    type=click.Choice(["paid", "fill"]),
    default="paid",
    show_default=True,
    help="paid: expected money reaching eligible applicants; fill: expected fill ratio.",
)
@click.option(
    "--priority", multiple=True, metavar="ID=WEIGHT", help="Weight of a programme or fund."
)
@click.option(
    "--free", multiple=True, metavar="FUND", help="Let a fund's total move in [0, total]."
)
@click.option("--bound", multiple=True, metavar="FUND=LOW-HIGH", help="Bounds of a fund's total.")
@click.option(
    "--year-change",
    default=None,
    metavar="SHARE",
    help="Keep each year within this share of the document's amount, e.g. 50% (±50 %).",
)
@_draws(1_000, "split")
@_validation(4_000)
@SEED
@SOLVER
@WORKERS_OPT
@click.option("--out", "-o", default=None, help="Write the split to a .csv or .xlsx file.")
@LANG
def allocate_cmd(
    scenario: str,
    total: str | None,
    objective: str,
    priority: Sequence[str],
    free: Sequence[str],
    bound: Sequence[str],
    year_change: str | None,
    draws: int,
    validation_draws: int,
    seed: int,
    solver: str,
    workers: str,
    out: str | None,
    lang: Lang,
) -> None:
    """Recommend the envelope of each fund and year of SCENARIO and compare it with the
    document's split on fresh draws. Fixed per-year lines stay fixed; multi-year totals may
    move between years; ranges bound the total."""
    try:
        check_out_file(out, "the table")
        sc = load_scenario(scenario)
        res = allocate(
            sc,
            _amount("--total", total, sc.unit),
            objective=objective,  # type: ignore[arg-type]
            priority=_priority(priority),
            free=free,
            bounds=_bounds(bound, sc.unit),
            year_change=None if year_change is None else _fraction("--year-change", year_change),
            draws=draws,
            validation_draws=validation_draws,
            seed=seed,
            solver=solver,  # type: ignore[arg-type]
            workers=_workers(workers, validation_draws),
        )
        print_allocation(res, sc, lang)
        if out:
            _console().print(Text(word("wrote", lang) + _write(res.table, out)))
    except BudgetsimError as exc:
        fail(exc)


# -- size -------------------------------------------------------------------------------------
def _pool(scenario: Scenario, pool: str, lang: Lang) -> str:
    """A sized pool as a reader calls it: every programme, a fund or programme by its name,
    or the programmes chosen (``a+b``) by theirs."""
    if pool == "all" and pool not in scenario.programmes:
        return word("all_programmes", lang)
    return " + ".join(_name(scenario, key, lang) for key in pool.split("+"))


def print_sizing(
    results: Sequence[SizingResult],
    scenario: Scenario,
    lang: Lang = "zh",
    *,
    uncertain: bool = False,
    console: Console | None = None,
) -> None:
    """Print the budgets per level with their certificates.

    Parameters
    ----------
    results
        The answers of :func:`~budgetsim.optimize.size_budgets`, one per level.
    scenario
        The scenario they size (for the names of its programmes and funds).
    lang
        ``"zh"`` or ``"en"``.
    uncertain
        Whether the assumptions were drawn over their plausible ranges (said in the title).
    console
        Where to print (default: standard output).
    """
    out = console or _console()
    name = scenario.id
    if uncertain:
        name = word("opt_uncertain", lang).format(scenario=name)
    for res in results:
        claims = (
            word("opt_claims_all", lang)
            if res.fill == 1
            else word("opt_claims_part", lang).format(fill=f"{res.fill:.0%}")
        )
        title = word("opt_size_title", lang).format(
            claims=claims, level=f"{res.level:.0%}", scenario=name,
            unit=money_unit(res.unit, lang),
        )  # fmt: skip
        print_tables(out, [_sizing_table(res, scenario, title, lang)], res.unit, lang)
        c = res.certificate
        out.print(
            _say(
                lang,
                "opt_certificate",
                held=c.held,
                draws=c.draws,
                probability=f"{c.probability:.1%}",
                low=f"{c.low:.1%}",
                high=f"{c.high:.1%}",
                verdict=word("opt_certified" if c.passed else "opt_not_certified", lang),
                level=f"{res.level:.0%}",
            )
        )
        if res.tightened:
            steps = ("；" if lang == "zh" else ", ").join(
                word("opt_tightened_step", lang).format(
                    level=r.in_sample_level,
                    draws=r.draws,
                    probability=f"{r.check.probability:.1%}",
                    low=f"{r.check.low:.1%}",
                )
                for r in res.rounds
            )
            out.print(_say(lang, "opt_tightened", steps=steps))
        if not c.passed:
            out.print(_say(lang, "opt_not_certified_note", n=len(res.budgets), draws=res.draws))
        how = res.solve
        line = word("opt_size_how", lang).format(
            method=word(f"opt_method_{how.method}", lang), draws=res.draws
        )
        if how.method == "milp":
            line += word("opt_size_milp", lang).format(
                binaries=how.binaries,
                draws=res.draws,
                status=_status(how.status, lang),
                solver=how.solver,
                build=how.build_seconds,
                solve=how.solve_seconds,
            )
        out.print(Text(line + _carried(res, scenario, lang)))
        if how.note:
            out.print(_say(lang, "opt_solver", note=_note(how.note, lang)))


def _sizing_table(
    res: SizingResult, scenario: Scenario, title: str, lang: Lang
) -> Callable[[bool], Grid]:
    """The budgets of one level, pool by pool and year by year, then their total."""
    rows = res.budgets.to_dict("records")

    def build(compact: bool) -> Grid:
        short = res.unit if compact else None
        grid = Grid(
            title,
            [
                Column(word("opt_pool", lang), key=True),
                Column(word("year", lang), key=True),
                Column(word("opt_budget", lang)),
                Column(word("opt_alone", lang).format(p=f"{res.level * 100:g}")),
                Column(label("demand_mean", lang, short=True)),
            ],
        )
        pools = _groups([str(r["pool"]) for r in rows])
        for i, (r, (pool, end)) in enumerate(zip(rows, pools, strict=True)):
            grid.add(
                _pool(scenario, pool, lang) if pool else "",
                str(r["year"]),
                _money(r["budget"], lang, short=short),
                _money(r["marginal"], lang, short=short),
                _money(r["mean_demand"], lang, short=short),
                end=end or i == len(rows) - 1,
            )
        grid.add(word("opt_total", lang), "", _money(res.total, lang, short=short), "", "")
        return grid

    return build


def _carried(res: SizingResult, scenario: Scenario, lang: Lang) -> str:
    """Which pools' unspent money paid later years, as the end of a sentence."""
    pools = list(dict.fromkeys(res.budgets["pool"]))
    carried = [p for p, c in zip(pools, res.carry_over, strict=True) if c]
    if not carried:
        return word("opt_carry_none", lang)
    if len(carried) == len(pools):
        return word("opt_carry_all", lang)
    names = ("、" if lang == "zh" else ", ").join(_pool(scenario, p, lang) for p in carried)
    return word("opt_carry_some", lang).format(pools=names)


@optimize.command(name="size", short_help="Size budgets that hold in (1 − α) of draws.")
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@click.option(
    "--level",
    "levels",
    multiple=True,
    type=click.FloatRange(0, 1, min_open=True),
    default=(0.8, 0.95),
    show_default=True,
    callback=lambda _ctx, param, values: tuple(_finite(param, v) for v in values),
    help="Probability that every claim is paid (repeatable).",
)
@click.option("--programme", "programmes", multiple=True, help="Programmes to cover (default all).")
@click.option(
    "--pool",
    type=click.Choice(["policy", "programme", "fund"]),
    default="policy",
    show_default=True,
    help="One budget a year for all, one per programme, or one per fund.",
)
@click.option(
    "--carry-over/--no-carry-over",
    default=None,
    help="Whether money unspent in one year pays claims of later years, in every pool. "
    "Default: as the scenario says, pool by pool: a pool carries over when its programmes "
    "draw on one fund with carry_over = true, and not when it spans several funds or holds "
    "an uncapped programme (so --pool policy carries over only when asked).",
)
@click.option(
    "--fill",
    type=click.FloatRange(0, 1, min_open=True),
    default=1.0,
    show_default=True,
    callback=lambda _ctx, param, value: _finite(param, value),
    help="Share of each year's claims to pay.",
)
@_draws(1_000, "budget")
@_validation(10_000)
@SEED
@SOLVER
@WORKERS_OPT
@click.option("--out", "-o", default=None, help="Write the budgets to a .csv or .xlsx file.")
@click.option(
    "--uncertain",
    is_flag=True,
    help="Draw the ranged assumptions over their plausible ranges in every simulation, so "
    "that the budgets also cover the assumptions being wrong.",
)
@LANG
def size_cmd(
    scenario: str,
    levels: Sequence[float],
    programmes: Sequence[str],
    pool: str,
    carry_over: bool | None,
    fill: float,
    draws: int,
    validation_draws: int,
    seed: int,
    solver: str,
    workers: str,
    out: str | None,
    uncertain: bool,
    lang: Lang,
) -> None:
    """Size the budget of SCENARIO per year so that every eligible claim is paid in at least
    LEVEL of cases jointly over the years, and certify it on fresh draws."""
    try:
        check_out_file(out, "the table")
        sc = load_scenario(scenario)
        n = _workers(workers, validation_draws)
        results = size_budgets(
            sc,
            levels,
            programmes=programmes or None,
            pooling=pool,  # type: ignore[arg-type]
            carry_over=carry_over,
            fill=fill,
            draws=draws,
            validation_draws=validation_draws,
            seed=seed,
            solver=solver,  # type: ignore[arg-type]
            workers=n,
            uncertain=uncertain,
        )
        print_sizing(results, sc, lang, uncertain=uncertain)
        if out:
            frame = pd.concat(
                [
                    r.budgets.assign(
                        level=r.level,
                        certified_probability=r.certificate.probability,
                        certificate_low=r.certificate.low,
                        certificate_high=r.certificate.high,
                    )
                    for r in results
                ]
            )
            _console().print(Text(word("wrote", lang) + _write(frame, out)))
    except BudgetsimError as exc:
        fail(exc)


# -- award ------------------------------------------------------------------------------------
_QUOTA = re.compile(r"^(?P<col>[^=]+)=(?P<group>[^:]+):(?P<low>[^-]*)-(?P<high>[^-]*)$")


def _share_value(text: str, default: float) -> float:
    """A share of the money (``30%`` or ``0.3``), or ``default`` when left empty."""
    return _fraction("--quota", text) if text.strip() else default


def _quotas(values: Sequence[str]) -> tuple[Quota, ...]:
    out = []
    for text in values:
        m = _QUOTA.match(text.strip())
        if m is None:
            raise BudgetsimError(
                f"--quota {text}: expected COLUMN=GROUP:MIN-MAX with shares of the money, "
                "e.g. district=蓬江区:10%-30% (either end may be empty)"
            )
        low, high = _share_value(m["low"], 0.0), _share_value(m["high"], 1.0)
        out.append(Quota(m["col"].strip(), m["group"].strip(), low, high))
    return tuple(out)


def print_awards(
    res: AwardResult,
    file: str,
    shown: int,
    lang: Lang = "zh",
    *,
    unit: str = "万元",
    console: Console | None = None,
) -> None:
    """Print who gets what, the binding constraints and why applicants got nothing.

    Parameters
    ----------
    res
        The answer of :func:`~budgetsim.optimize.award`.
    file
        The applicant list it read (named in the title).
    shown
        How many applicants to list (the count of the others is said).
    lang
        ``"zh"`` or ``"en"``.
    unit
        Unit of the amounts.
    console
        Where to print (default: standard output).
    """
    t = res.table
    out = console or _console()
    rows = t.head(shown).to_dict("records")
    title = word("opt_award_title", lang).format(
        file=file, unit=money_unit(unit, lang),
        objective=word(f"opt_objective_{res.rules.objective}", lang),
    )  # fmt: skip
    grid = Grid(
        title,
        [
            Column(word("opt_applicant", lang), key=True),
            *(Column(word(f"opt_{key}", lang)) for key in ("amount", "entitled", "award")),
            Column(word("opt_share", lang)),
            Column(word("opt_reason", lang), text=True),
        ],
    )
    for r in rows:
        grid.add(
            str(r["id"]),
            *(f"{r[key]:,.2f}" for key in ("amount", "entitled", "award")),
            _share(r["share"]),
            _reason(str(r["reason"]), lang),
        )
    if rows:  # --show 0: the summary alone
        # amounts in the applicants' own unit, to the cent: never written short
        print_tables(out, [lambda _compact: grid], unit, lang)
    if len(t) > shown:
        out.print(_say(lang, "opt_more_rows", n=len(t) - shown))
    gap = ""
    if res.bound == res.bound:  # not NaN
        gap = word("opt_gap", lang).format(bound=f"{res.bound:,.6g}", gap=f"{res.gap:.2e}")
    out.print(
        _say(
            lang,
            "opt_award_summary",
            funded=res.funded,
            n=len(t),
            full=int((t["share"] >= 1 - 1e-9).sum()),
            total=f"{res.total:,.2f}",
            envelope=f"{res.rules.envelope:,.2f}",
            objective=f"{res.objective:,.6g}",
            gap=gap,
            status=_status(res.status, lang),
            solver=res.solver,
            method=word(f"opt_method_{res.method}", lang),
            build=res.build_seconds,
            solve=res.solve_seconds,
        )
    )
    if res.note:
        out.print(_say(lang, "opt_solver", note=_note(res.note, lang)))
    binding = [_phrase(b, _BINDING, lang) for b in res.binding]
    items = ("；" if lang == "zh" else "; ").join(binding) or word("opt_none", lang)
    out.print(_say(lang, "opt_binding", items=items))
    why = Counter(_reason(str(r), lang, summary=True) for r in t["reason"] if r)
    if why:
        out.print(_say(lang, "opt_why_not"))
        for text, count in why.most_common():
            out.print(Text(f"  {count:,} × {text}"))


@optimize.command(name="award", short_help="Choose awards from an applicant list.")
@click.argument("applicants", type=click.Path(dir_okay=False))
@click.option("--envelope", required=True, help="Money to award, e.g. 1000万元.")
@click.option("--cap", default=None, help="Most one applicant may receive, e.g. 50万元.")
@click.option("--min-award", default=None, help="Least award given at all.")
@click.option(
    "--all-or-nothing", is_flag=True, help="Each applicant gets its full amount or nothing."
)
@click.option(
    "--quota", multiple=True, metavar="COL=GROUP:MIN-MAX", help="A group's share of the money."
)
@click.option(
    "--objective",
    type=click.Choice(["count", "score", "money_score", "money"]),
    default="count",
    show_default=True,
    help="count: firms funded; score: their scores; money_score: money × score; money: money.",
)
@click.option("--method", type=click.Choice(["exact", "round"]), default="exact", show_default=True)
@click.option("--id-column", default="id", show_default=True)
@click.option("--amount-column", default="amount", show_default=True)
@click.option("--score-column", default="score", show_default=True)
@click.option(
    "--unit",
    default="万元",
    show_default=True,
    help="Unit of plain numbers in the amount column and the options, and of the answer "
    f"({', '.join(UNITS)}); '50万元' or '五十万' are converted.",
)
@SOLVER
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, max=86_400),
    default=None,
    callback=lambda _ctx, param, value: _finite(param, value),
    help="Solver time limit [s], 0 to one day.",
)
@click.option(
    "--show", type=click.IntRange(min=0), default=20, show_default=True, help="Rows to print."
)
@click.option("--out", "-o", default=None, help="Write every award to a .csv or .xlsx file.")
@LANG
def award_cmd(
    applicants: str,
    envelope: str,
    cap: str | None,
    min_award: str | None,
    all_or_nothing: bool,
    quota: Sequence[str],
    objective: str,
    method: str,
    id_column: str,
    amount_column: str,
    score_column: str,
    unit: str,
    solver: str,
    time_limit: float | None,
    show: int,
    out: str | None,
    lang: Lang,
) -> None:
    """Choose who gets what from APPLICANTS (CSV or Excel: id, amount, optional score, and
    group columns) under the envelope, caps, minimum or all-or-nothing awards and quotas."""
    try:
        unit = _unit(unit)
        check_out_file(out, "the table")
        apps = read_applicants(
            applicants,
            id_column=id_column,
            amount_column=amount_column,
            score_column=score_column,
            unit=unit,
        )
        for note in apps.notes:
            _console().print(Text(note, style="dim"))
        rules = AwardRules(
            envelope=_amount("--envelope", envelope, unit) or 0.0,
            cap=_amount("--cap", cap, unit),
            min_award=_amount("--min-award", min_award, unit),
            all_or_nothing=all_or_nothing,
            quotas=_quotas(quota),
            objective=objective,  # type: ignore[arg-type]
        )
        res = award(apps, rules, solver=solver, method=method, time_limit=time_limit)  # type: ignore[arg-type]
        print_awards(res, applicants, show, lang, unit=apps.unit)
        if out:
            _console().print(Text(word("wrote", lang) + _write(res.table, out)))
    except BudgetsimError as exc:
        fail(exc)
