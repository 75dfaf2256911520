"""``budgetsim fit``: a population block proposed from a bureau's records.

The command parses its options, calls :func:`budgetsim.fitting.fit_population` (what a notebook
calls) and prints, per numeric attribute, the candidates compared, the chosen one with its
intervals, the arrivals and categories, then the TOML block; ``--out`` writes the block,
``--charts`` the QQ plots and histograms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import click
from rich.console import Console
from rich.text import Text

from budgetsim._cli_common import LANG, check_out_file, check_out_folder
from budgetsim._cli_common import console as _console
from budgetsim._cli_common import fail as _fail
from budgetsim._layout import Column, Grid, show
from budgetsim.errors import BudgetsimError
from budgetsim.fitting import (
    AttributeFit,
    PopulationFit,
    Shares,
    fit_population,
    p_text,
    param_name,
)
from budgetsim.metrics import Lang
from budgetsim.outputs import atomic
from budgetsim.words import word

__all__ = ["fit", "print_fit"]


def _number(value: float) -> str:
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"


def candidates_table(fit: PopulationFit, attribute: AttributeFit, lang: Lang) -> Grid:
    """The candidates of one attribute × AIC, BIC, KS and AD p-values and the verdict."""
    frame = fit.table(lang).loc[attribute.column]
    grid = Grid(
        word("fit_title_attribute", lang).format(column=attribute.column, n=f"{fit.n:,}"),
        [
            Column(word("fit_candidate", lang), key=True),
            Column(word("fit_parameters", lang), text=True),
            Column(word("fit_aic", lang)),
            Column(word("fit_bic", lang)),
            Column(word("fit_ks_p", lang)),
            Column(word("fit_ad_p", lang)),
            Column(word("fit_verdict", lang), text=True),
        ],
    )
    for name, row in frame.iterrows():
        grid.add(
            str(name),
            str(row[word("fit_parameters", lang)]),
            _number(float(row[word("fit_aic", lang)])),
            _number(float(row[word("fit_bic", lang)])),
            p_text(float(row[word("fit_ks_p", lang)]), fit.bootstrap),
            p_text(float(row[word("fit_ad_p", lang)]), fit.bootstrap),
            str(row[word("fit_verdict", lang)]),
        )
    return grid


def _chosen_line(fit: PopulationFit, attribute: AttributeFit, lang: Lang) -> str:
    family = word(f"fit_family_{attribute.chosen}", lang)
    if attribute.chosen == "empirical":
        return word("fit_none_passes", lang).format(column=attribute.column)
    params = "; ".join(
        f"{param_name(k, lang)} = {attribute.candidate.params[k]:,.4g} [{lo:,.4g}, {hi:,.4g}]"
        for k, (lo, hi) in attribute.intervals.items()
    )
    line = word("fit_chosen_line", lang).format(
        column=attribute.column, family=family, params=params
    )
    return line + word("fit_interval_note", lang).format(b=fit.bootstrap)


def arrivals_table(fit: PopulationFit, lang: Lang) -> Grid:
    """Records per year."""
    a = fit.arrivals
    assert a is not None
    assert fit.year_column is not None
    grid = Grid(
        word("fit_title_arrivals", lang).format(column=fit.year_column),
        [Column(word("year", lang), key=True), Column(word("fit_records", lang))],
    )
    for year, count in zip(a.years, a.counts, strict=True):
        grid.add(str(year), f"{count:,}")
    return grid


def _arrivals_lines(fit: PopulationFit, lang: Lang) -> list[str]:
    a = fit.arrivals
    assert a is not None
    glow, ghigh = a.growth_interval or (math.nan, math.nan)
    dispersion = ""
    if a.dispersion is not None and a.dispersion_interval is not None:
        dispersion = word("fit_dispersion_part", lang).format(
            a=f"{a.dispersion:.3g}",
            low=f"{a.dispersion_interval[0]:.3g}",
            high=f"{a.dispersion_interval[1]:.3g}",
        )
    return [
        word("fit_arrivals_line", lang).format(
            dist=word(f"fit_family_{a.dist}", lang),
            year=a.first_year,
            base=f"{a.base:,.1f}",
            low=f"{a.base_interval[0]:,.1f}",
            high=f"{a.base_interval[1]:,.1f}",
            growth=f"{a.growth:+.1%}",
            glow="—" if math.isnan(glow) else f"{glow:+.1%}",
            ghigh="—" if math.isnan(ghigh) else f"{ghigh:+.1%}",
            dispersion=dispersion,
        ),
        word("fit_arrivals_tests", lang).format(
            ratio=_number(a.pearson_ratio), dp=p_text(a.dispersion_p), tp=p_text(a.trend_p)
        )
        if len(a.years) > 1
        else word("fit_one_year", lang).format(year=a.years[0]),
    ]


def shares_table(shares: Shares, lang: Lang) -> Grid:
    """The categories of a text column with their shares and intervals."""
    fit = shares.fit
    kind = word("fit_bernoulli" if fit.kind == "bernoulli" else "fit_category", lang)
    grid = Grid(
        word("fit_title_category", lang).format(column=shares.column, kind=kind),
        [
            Column(word("fit_category", lang), key=True),
            Column(word("fit_records", lang)),
            Column(word("fit_share", lang)),
            Column(word("fit_interval", lang)),
        ],
    )
    if fit.kind == "bernoulli":
        rows = [(fit.categories[0], fit.counts[0], fit.p[0], fit.low[0], fit.high[0])]
        rows.append(
            (fit.categories[1], fit.counts[1], 1 - fit.p[0], 1 - fit.high[0], 1 - fit.low[0])
        )
    else:
        rows = list(zip(fit.categories, fit.counts, fit.p, fit.low, fit.high, strict=True))
    for name, count, p, low, high in rows:
        grid.add(name, f"{count:,}", f"{p:.1%}", f"{low:.1%} – {high:.1%}")
    return grid


def print_fit(fit: PopulationFit, lang: Lang, console: Console, toml: str) -> None:
    """Print the fit: how the records were read, the choice rule, each attribute's
    candidates and choice, the arrivals, the categories, then the block."""
    console.print(fit.note)
    if fit.attributes:
        console.print(word("fit_rule", lang).format(b=fit.bootstrap))
    for attribute in fit.attributes:
        console.print()
        show(console, lambda _short, a=attribute: candidates_table(fit, a, lang))  # type: ignore[misc]
        style = "bold yellow" if attribute.chosen == "empirical" else "bold"
        console.print(Text(_chosen_line(fit, attribute, lang), style=style))
    for a, b, rho in fit.correlated():
        console.print()
        console.print(Text(word("fit_correlated", lang).format(a=a, b=b, rho=f"{rho:.2f}")))
    if fit.arrivals is not None:
        console.print()
        show(console, lambda _short: arrivals_table(fit, lang))
        for line in _arrivals_lines(fit, lang):
            console.print(line)
    for shares in fit.categories:
        console.print()
        show(console, lambda _short, s=shares: shares_table(s, lang))  # type: ignore[misc]
    if fit.categories:
        console.print(word("fit_category_note", lang))
    console.print()
    console.print(Text(word("fit_block_title", lang), style="bold"))
    console.print(toml, soft_wrap=True, end="")


@click.command(short_help="Propose a population block fitted to a bureau's records.")
@click.argument("records", type=click.Path(dir_okay=False, path_type=Path), metavar="RECORDS")
@click.option("--population", required=True, metavar="ID", help="The scenario's population id.")
@click.option(
    "--attribute",
    "attributes",
    multiple=True,
    metavar="COLUMN[=ATTR]",
    help="A numeric column to fit, and the attribute's name (repeatable).",
)
@click.option(
    "--year-column",
    default=None,
    metavar="COLUMN",
    help="The column of each record's year: fits the applicants a year.",
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    metavar="COLUMN[=ATTR]",
    help="A text column: shares of its categories (yes/no columns: a probability).",
)
@click.option(
    "--allow-zero",
    multiple=True,
    metavar="COLUMN",
    help="A numeric column whose zeros are amounts (only the truncated normal then fits).",
)
@click.option(
    "--unit",
    default=None,
    help="Unit of the amounts (default: the scenario's, else 万元); cells may carry one.",
)
@click.option(
    "--first-year",
    type=int,
    default=None,
    help="The first scenario year, where the arrivals' base is stated (default: the "
    "scenario's first year, else the last record year + 1).",
)
@click.option(
    "--scenario",
    default=None,
    metavar="SCENARIO",
    help="Check the block by putting it into this scenario (and take its first year and unit).",
)
@click.option("--sheet", default=None, help="The Excel sheet to read (name or number from 1).")
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the block to this TOML file.",
)
@click.option(
    "--charts",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write a QQ plot and a histogram (PNG) per numeric attribute into this folder.",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed.")
@click.option(
    "--bootstrap",
    default=199,
    show_default=True,
    type=click.IntRange(min=39),
    help="Parametric-bootstrap samples of each test and interval.",
)
@LANG
def fit(
    records: Path,
    population: str,
    attributes: Sequence[str],
    year_column: str | None,
    categories: Sequence[str],
    allow_zero: Sequence[str],
    unit: str | None,
    first_year: int | None,
    scenario: str | None,
    sheet: str | None,
    out: Path | None,
    charts: Path | None,
    seed: int,
    bootstrap: int,
    lang: Literal["zh", "en"],
) -> None:
    """Fit a population to RECORDS (CSV, Excel or Parquet; one row per applicant) and print
    the block to paste into a scenario file.

    Each numeric attribute is fitted to lognormal, gamma, Weibull and normal (truncated at 0)
    by maximum likelihood and compared with the records themselves: among the families whose
    KS and AD p-values (parametric bootstrap) are both ≥ 0.025, the lowest AIC is chosen; if none
    passes, the records themselves are resampled.
    """
    try:
        if not (attributes or categories or year_column):
            raise BudgetsimError(
                "nothing to fit: give --attribute COLUMN, --category COLUMN or --year-column"
            )
        check_out_file(out, "the block")
        check_out_folder(charts, "the charts", "--charts")
        sc = None
        if scenario is not None:
            from budgetsim.scenario import load_scenario

            sc = load_scenario(scenario)
        source: Path | object = records
        if sheet is not None:
            from budgetsim.records import read_records

            columns = [a.rpartition("=")[0] or a for a in (*attributes, *categories)]
            where = int(sheet) - 1 if sheet.isdigit() else sheet
            source = read_records(
                records, columns + ([year_column] if year_column else []), sheet=where
            )
        fitted = fit_population(
            source,  # type: ignore[arg-type]
            population=population,
            attributes=list(attributes),
            year_column=year_column,
            categories=list(categories),
            unit=unit or (sc.scenario.unit if sc is not None else "万元"),
            first_year=first_year if first_year is not None else (sc.years[0] if sc else None),
            seed=seed,
            bootstrap=bootstrap,
            allow_zero=list(allow_zero),
        )
        folder = out.parent if out is not None else None
        if folder is None and scenario is not None and Path(scenario).is_file():
            folder = Path(scenario).parent
        toml = fitted.toml(folder)
        console = _console()
        print_fit(fitted, lang, console, toml)
        if sc is not None:
            fitted.apply(sc)
            console.print(word("fit_applied", lang).format(scenario=scenario))
        if out is not None:
            with atomic(out) as handle:
                handle.write(toml)
            console.print(word("fit_wrote", lang).format(path=out))
        if charts is not None:
            for path in fitted.charts(charts, lang):
                console.print(word("fit_wrote", lang).format(path=path))
    except BudgetsimError as exc:
        _fail(exc)
