"""``budgetsim nowcast``: the forecast of a programme's year re-made from the applications
received so far (:func:`budgetsim.nowcast`), printed as the update of the arrival count and a
before/after table, and written (``--out``) as a chart and a CSV."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path

import click
import pandas as pd
from rich.console import Console

from budgetsim import __version__
from budgetsim._cli_common import DRAWS, LANG, SEED, check_out_folder
from budgetsim._cli_common import console as _console
from budgetsim._cli_common import fail as _fail
from budgetsim._layout import Column, Grid, show
from budgetsim.errors import BudgetsimError
from budgetsim.metrics import Lang, format_value, label, money_unit
from budgetsim.nowcast import Belief, Nowcast, Outlook, Update, nowcast
from budgetsim.outputs import atomic, file_set, write_csv
from budgetsim.parameters import parameter_list
from budgetsim.scenario import load_scenario
from budgetsim.words import word

__all__ = ["nowcast_command", "nowcast_frame", "print_nowcast", "write_nowcast"]

#: Files a nowcast writes into ``--out``.
NOWCAST_NAMES = ("nowcast.csv", "nowcast.png")


def _num(value: float, digits: int = 1) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:,.{digits}f}"


def _span(low: float, high: float, digits: int = 1) -> str:
    return f"{_num(low, digits)}–{_num(high, digits)}"


def _source(nc: Nowcast, lang: Lang) -> str:
    """Where the prior came from, in words (the assumption named as one)."""
    u = nc.update
    spec = nc.after.scenario.populations[_population(nc)].arrivals
    if u.prior is None:
        still = u.still[0]
        return word("nowcast_fixed", lang).format(n=u.scheduled, still=still)
    if u.prior_from == "model":
        return word("nowcast_from_model", lang).format(d=getattr(spec, "dispersion", 0.0))
    if u.prior_from == "rate_cv":
        return word("nowcast_from_rate_cv", lang).format(cv=u.prior.cv)
    if u.prior_from == "plausible range":
        path = f"populations.{_population(nc)}.arrivals.mean"
        par = next(p for p in parameter_list(nc.after.scenario) if p.path == path)
        y = nc.after.years.index(u.year)
        low, high = par.low, par.high
        if isinstance(low, tuple):
            low, high = low[y], high[y]
        return word("nowcast_from_range", lang).format(cv=u.prior.cv, low=low, high=high)
    return word("nowcast_from_default", lang).format(cv=u.prior.cv)


def _population(nc: Nowcast) -> str:
    return nc.after.scenario.programmes[nc.programme].population


def update_grid(nc: Nowcast, lang: Lang = "zh") -> Grid:
    """The update of the year's arrivals: prior, observed, posterior, still to arrive."""
    u: Update = nc.update
    pop = nc.after.scenario.populations[_population(nc)]
    name = (pop.label_en or _population(nc)) if lang == "en" else pop.label
    grid = Grid(
        word("nowcast_update_title", lang).format(
            population=name, year=u.year, as_of=u.as_of.isoformat()
        ),
        [
            Column(word("nowcast_stage", lang), key=True),
            Column(word("nowcast_shape", lang)),
            Column(word("nowcast_rate", lang)),
            Column(word("nowcast_mean", lang)),
            Column(word("nowcast_interval", lang)),
        ],
    )

    def belief_row(key: str, belief: Belief | None) -> None:
        if belief is not None:
            grid.add(
                f"{word(key, lang)} · {word('nowcast_rate_unit', lang)}",
                _num(belief.shape, 2),
                _num(belief.rate, 4),
                _num(belief.mean),
                _span(*belief.interval()),
            )

    belief_row("nowcast_prior", u.prior)
    grid.add(
        f"{word('nowcast_observed', lang)} · {word('nowcast_count_unit', lang)}",
        "",
        "",
        f"{u.received:,} / {_num(u.expected)}",
        "",
    )
    belief_row("nowcast_posterior", u.posterior)
    grid.add(
        f"{word('nowcast_still', lang)} · {word('nowcast_count_unit', lang)}",
        "",
        "",
        _num(u.still_mean),
        _span(*u.still_interval(), digits=0),
        end=True,
    )
    return grid


def _value(name: str, value: object, unit: str, lang: Lang) -> str:
    if name == "unpaid_after":
        return value.isoformat() if isinstance(value, dt.date) else word("nowcast_never", lang)
    if name == "shortfall":
        return format_value("demand_mean", float(value), lang)  # type: ignore[arg-type]
    metric = {"p_exhausted": "p_exhausted", "exhaustion_month": "exhaustion_month_p50"}
    return format_value(metric.get(name, "available_mean"), float(value), lang)  # type: ignore[arg-type]


def _measure(name: str, unit: str, lang: Lang) -> str:
    if name == "shortfall":
        return f"{word('nowcast_shortfall', lang)} [{unit}]"
    if name == "unpaid_after":
        return word("nowcast_unpaid_after", lang)
    if name == "p_exhausted":
        return label("p_exhausted", lang)
    if name == "exhaustion_month":
        return label("exhaustion_month_p50", lang)
    return f"{word('chart_money_own', lang)} [{unit}]"


MEASURES = ("p_exhausted", "exhaustion_month", "shortfall", "unpaid_after", "available")


def outlook_grid(nc: Nowcast, lang: Lang = "zh") -> Grid:
    """The programme-year before (the plain run) and after (the nowcast)."""
    res = nc.after
    spec = res.scenario.programmes[nc.programme]
    name = (spec.label_en or nc.programme) if lang == "en" else spec.label
    grid = Grid(
        word("nowcast_outlook_title", lang).format(
            programme=name, year=nc.year, as_of=nc.update.as_of.isoformat()
        ),
        [
            Column(word("nowcast_measure", lang), key=True),
            Column(word("nowcast_before", lang)),
            Column(word("nowcast_after", lang)),
        ],
    )
    outs: list[Outlook] = [nc.outlook("before"), nc.outlook("after")]
    for name_ in MEASURES:
        cells = [_value(name_, getattr(o, name_), res.unit, lang) for o in outs]
        if name_ == "p_exhausted":
            cells = [
                f"{c} (± {format_value('p_exhausted', o.p_exhausted_se, lang)})"
                for c, o in zip(cells, outs, strict=True)
            ]
        grid.add(
            _measure(name_, money_unit(res.unit, lang), lang), *cells, end=name_ == MEASURES[-1]
        )
    return grid


def notes(nc: Nowcast, lang: Lang = "zh") -> list[str]:
    """What the reader must know: the prior's source, the update rule, drawn attributes."""
    u = nc.update
    lines = [
        word("nowcast_observed_text", lang).format(k=u.received, expected=u.expected, f=u.elapsed),
        _source(nc, lang),
    ]
    if u.posterior is not None:
        lines.append(word("nowcast_conjugate", lang))
    if u.over:
        lines.append(word("nowcast_over", lang).format(k=u.received, n=u.scheduled))
    if nc.after is nc.before:
        lines.append(word("nowcast_no_information", lang))
    if nc.received.drawn:
        lines.append(word("nowcast_drawn", lang).format(names=", ".join(nc.received.drawn)))
    lines.append(
        f"{word('nowcast_unpaid_after', lang)}：{word('nowcast_unpaid_note', lang)}"
        if lang == "zh"
        else f"{word('nowcast_unpaid_after', lang)}: {word('nowcast_unpaid_note', lang)}"
    )
    lines.append(word("nowcast_other_years", lang))
    return lines


def print_nowcast(nc: Nowcast, console: Console, lang: Lang = "zh") -> None:
    """Print the update, the before/after table and the notes."""
    show(console, lambda short: update_grid(nc, lang))
    for line in notes(nc, lang):
        console.print(f"· {line}", soft_wrap=False)
    console.print()
    show(console, lambda short: outlook_grid(nc, lang))


def nowcast_frame(nc: Nowcast) -> pd.DataFrame:
    """The update and the before/after figures as one long table (codes, not words)."""
    u = nc.update
    rows: list[dict[str, object]] = []
    for stage, belief in (("prior", u.prior), ("posterior", u.posterior)):
        if belief is not None:
            low, high = belief.interval()
            for what, value in (("shape", belief.shape), ("rate", belief.rate),
                                ("mean", belief.mean), ("p5", low), ("p95", high)):  # fmt: skip
                rows.append({"section": stage, "measure": what, "before": None, "after": value})
    rows += [
        {"section": "observed", "measure": "received", "before": None, "after": u.received},
        {"section": "observed", "measure": "expected", "before": None, "after": u.expected},
        {"section": "observed", "measure": "elapsed", "before": None, "after": u.elapsed},
        {"section": "still", "measure": "mean", "before": None, "after": u.still_mean},
    ]
    table = nc.table()
    for row in table.to_dict("records"):
        rows.append({"section": "outlook", **{str(k): v for k, v in row.items()}})
    frame = pd.DataFrame(rows)
    stamp = nc.after.stamp()
    return frame.assign(
        programme=nc.programme,
        year=nc.year,
        as_of=u.as_of.isoformat(),
        prior_from=u.prior_from,
        received_sha256=nc.received.sha256,
        scenario_hash=stamp["scenario_hash"],
        seed=stamp["seed"],
        draws=stamp["draws"],
        budgetsim_version=__version__,
    )


def write_nowcast(nc: Nowcast, out: str, lang: Lang = "zh") -> list[Path]:
    """Write ``nowcast.csv`` and ``nowcast.png`` into folder ``out`` as one set."""
    from budgetsim.charts.nowcast import nowcast_chart

    with file_set(out, replaces=NOWCAST_NAMES) as files:
        frame = nowcast_frame(nc).assign(run_id=files.run_id)
        csv_path = files.folder / "nowcast.csv"
        with atomic(csv_path) as handle:
            write_csv(frame, handle)
        png_path = files.folder / "nowcast.png"
        fig = nowcast_chart(nc, lang)
        with atomic(png_path, "wb") as handle:
            fig.savefig(handle, format="png")
    return [files.final(p) for p in (csv_path, png_path)]


def _columns(pairs: Sequence[str]) -> dict[str, str]:
    mapped = {}
    for pair in pairs:
        header, sep, attribute = pair.partition("=")
        if not sep or not header.strip() or not attribute.strip():
            raise BudgetsimError(
                f"--column: expected HEADER=ATTRIBUTE such as 贷款本金=principal, found {pair!r}"
            )
        mapped[header.strip()] = attribute.strip()
    return mapped


@click.command("nowcast", short_help="Re-make a year's forecast from the applications received.")
@click.argument("scenario")
@click.option("--programme", "-p", required=True, help="The programme's id.")
@click.option(
    "--received",
    "-r",
    default=None,
    type=click.Path(dir_okay=False),
    help="The applications received so far (CSV, Excel or Parquet): one row per applicant, "
    "with its date and attributes. Without it, nothing has been received yet.",
)
@click.option("--as-of", "as_of", required=True, help="The date counted up to, e.g. 2022-06-30.")
@click.option(
    "--date-column", default=None, help="Header of the arrival dates [default: 申请日期]."
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="HEADER=ATTRIBUTE",
    help="Read a column as an attribute, when its header is neither the attribute's id nor its "
    "label (repeatable).",
)
@click.option(
    "--rate-cv",
    type=float,
    default=None,
    help="Coefficient of variation of the prior on a Poisson population's yearly rate "
    "[default: from the plausible range of arrivals.mean, else 0.3].",
)
@DRAWS
@SEED
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value (repeatable).",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for nowcast.png and nowcast.csv.",
)
@LANG
def nowcast_command(
    scenario: str,
    programme: str,
    received: str | None,
    as_of: str,
    date_column: str | None,
    columns: Sequence[str],
    rate_cv: float | None,
    draws: int,
    seed: int,
    overrides: Sequence[str],
    out: str | None,
    lang: Lang,
) -> None:
    """Re-make the forecast of PROGRAMME's year from the applications received by AS_OF: the
    received claims fixed, the rest of the year simulated with the arrival rate updated."""
    try:
        check_out_folder(out, "the nowcast")
        sc = load_scenario(scenario, overrides)
        nc = nowcast(
            sc,
            programme,
            received,
            as_of,
            draws=draws,
            seed=seed,
            rate_cv=rate_cv,
            columns=_columns(columns),
            date_column=date_column,
        )
        console = _console()
        print_nowcast(nc, console, lang)
        if out is not None:
            try:
                files = write_nowcast(nc, out, lang)
            except OSError as exc:
                raise BudgetsimError(f"--out {out}: cannot write the nowcast: {exc}") from None
            console.print(word("nowcast_wrote", lang).format(files=", ".join(map(str, files))))
    except BudgetsimError as exc:
        _fail(exc)
