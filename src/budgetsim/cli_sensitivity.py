"""``budgetsim sensitivity``: which assumptions move a scenario's outputs, and how much.

A thin shell over :func:`budgetsim.sensitivity.sensitivity`: it loads the scenario as every
command does, runs the tornado, Morris or Sobol analysis, prints the numbers that matter most
for each output (labels from the registries, values in each metric's format), and writes the
whole table and the charts when asked.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

import click
import matplotlib.pyplot as plt
import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from budgetsim._cli_common import (
    SEED,
    WORKERS,
    check_out_file,
    check_out_folder,
    progress_bar,
)
from budgetsim._cli_common import console as _console
from budgetsim._cli_common import fail as _fail
from budgetsim._cli_common import workers as _workers
from budgetsim.cli_params import _number
from budgetsim.errors import BudgetsimError
from budgetsim.metrics import Kind, Lang, format_value, label, metric, unit_label
from budgetsim.outcomes import Output, parse_output
from budgetsim.outputs import atomic
from budgetsim.parameters import Parameter, parameter_list
from budgetsim.scenario import DEFAULT_SCENARIO, load_scenario
from budgetsim.sensitivity import METHODS, SensitivityResult, morris, sobol, tornado
from budgetsim.sensitivity import sensitivity as analyse
from budgetsim.sensitivity.names import EFFECTS, effect_label, method_label

__all__ = ["print_sensitivity", "sensitivity"]


def _default(function: Callable[..., Any], name: str) -> Any:
    """A keyword's default in the analysis functions (one source for the help and the run)."""
    return inspect.signature(function).parameters[name].default


#: Draws a point when --draws is not given: each method's own default.
DEFAULT_DRAWS: dict[str, int] = {
    "tornado": _default(tornado, "draws"),
    "morris": _default(morris, "draws"),
    "sobol": _default(sobol, "draws"),
}
TRAJECTORIES: int = _default(morris, "trajectories")
SAMPLES: int = _default(sobol, "samples")
KEEP: int = _default(sobol, "keep")
#: The methods each method-specific option applies to.
_APPLIES = {
    "--trajectories": ("morris", "sobol"),
    "--samples": ("sobol",),
    "--keep": ("sobol",),
}

#: Every word the command prints, by language (metric and number labels come from their
#: registries: :mod:`budgetsim.metrics` and the parameter table).
_WORDS: dict[Lang, dict[str, str]] = {
    "zh": {
        "draws": "每点 {n:,} 次模拟",
        "seed": "种子 {seed}",
        "varied": "变动 {n} 个参数",
        "screened": "变动 {n} 个参数（经 Morris 筛选，共 {of} 个）",
        "trajectories": "{n} 条轨迹",
        "samples": "{n} 个基样本",
        "elapsed": "用时 {s:.1f} 秒",
        "changed": "已修改：",
        "base": "基准值：{value}",
        "rank": "#",
        "number": "参数",
        "range": "合理区间",
        "at_low": "取低端",
        "at_high": "取高端",
        "swing": "摆幅 ±95%",
        "effect": "效应",
        "mu_star": "μ*",
        "mu_star_conf": "±95%",
        "sigma": "σ",
        "ee_noise": "噪声标准误",
        "S1": "S1 ±95%",
        "ST": "ST ±95%",
        "all_none": "所变动的 {n} 个参数均不影响该结果：各点的模拟结果完全相同。",
        "more": "……另有 {n} 个参数；--top {all} 或 --out 文件可查看全部",
        "noise_share": "蒙特卡洛噪声可解释设计内变动的 {share}",
        "more_draws": "；可增加 --draws",
        "progress": "模拟各点",
        "wrote": "已写入 ",
        "legend_tornado": (
            "摆幅：参数取高端与取低端时的结果之差（同一组随机抽样）；±：配对抽样的 95% 区间。"
            "噪声以内：区间包含 0；无影响：结果完全相同。"
        ),
        "legend_morris": (
            "μ*：参数在其合理区间内变动时结果的平均绝对变化（按整个区间计）；σ：其离散程度"
            "（交互或非线性）；噪声标准误：单个基本效应的蒙特卡洛标准误；超出噪声：μ* 大于 1.96 倍"
            "噪声标准误。±95%：对轨迹的自助法区间（反映所抽轨迹的多少，而非蒙特卡洛噪声）。"
        ),
        "legend_sobol": (
            "S1：该参数单独解释的结果方差份额；ST：含交互作用的总份额；±：自助法 95% 区间。"
        ),
    },
    "en": {
        "draws": "{n:,} draws a point",
        "seed": "seed {seed}",
        "varied": "{n} number{s} varied",
        "screened": "{n} number{s} varied (kept by Morris screening of {of})",
        "trajectories": "{n} trajectories",
        "samples": "{n} base samples",
        "elapsed": "{s:.1f} s",
        "changed": "changed: ",
        "base": "base value: {value}",
        "rank": "#",
        "number": "number",
        "range": "plausible range",
        "at_low": "at low end",
        "at_high": "at high end",
        "swing": "swing ±95%",
        "effect": "effect",
        "mu_star": "μ*",
        "mu_star_conf": "±95%",
        "sigma": "σ",
        "ee_noise": "noise SE",
        "S1": "S1 ±95%",
        "ST": "ST ±95%",
        "all_none": "None of the numbers varied ({n}) changes it: every point gave exactly the "
        "same result.",
        "more": "… {n} more number{s}: --top {all} or --out FILE shows them all",
        "noise_share": "Monte Carlo noise explains {share} of the spread over the design",
        "more_draws": "; more --draws would sharpen the indices",
        "progress": "simulating points",
        "wrote": "wrote ",
        "legend_tornado": (
            "swing: the output at the number's high end less at its low end, on the same draws; "
            "±: its 95 % interval from the paired draws. within noise: the interval holds 0; "
            "no effect: exactly the same draws."
        ),
        "legend_morris": (
            "μ*: the mean absolute change of the output as the number moves over its plausible "
            "range (per whole range); σ: how much that change varies (interactions, curvature); "
            "noise SE: the Monte Carlo standard error of one elementary effect; beyond noise: μ* "
            "above 1.96 noise SE. ±95%: SALib's bootstrap over the trajectories (how much μ* "
            "depends on the few trajectories drawn, not Monte Carlo noise)."
        ),
        "legend_sobol": (
            "S1: the share of the output's variance the number explains alone; ST: with its "
            "interactions; ±: 95 % bootstrap interval."
        ),
    },
}
for _lang in ("zh", "en"):  # the methods' and effects' names: one registry
    _WORDS[_lang].update({m: method_label(m, _lang) for m in METHODS})
    _WORDS[_lang].update({e: effect_label(e, _lang) for e in EFFECTS})

#: Columns each method shows after rank, number and range.
_COLUMNS = {
    "tornado": ("at_low", "at_high", "swing", "effect"),
    "morris": ("mu_star", "mu_star_conf", "sigma", "ee_noise", "effect"),
    "sobol": ("S1", "ST", "effect"),
}
#: Terminal cells the numbers' labels keep before the ranges fold.
LABEL_WIDTH = 32
#: A noise share above this gets the advice to raise --draws.
NOISY = 0.25


# -- the command --------------------------------------------------------------------------------


@click.command(
    short_help="Which assumptions move the results: tornado, Morris or Sobol.",
)
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="tornado",
    show_default=True,
    help="tornado: each number at its two ends; morris: elementary effects over the plausible "
    "box; sobol: variance shares (after a Morris screening unless --only is given).",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="OUTPUT",
    help="An output METRIC[:WHERE[:YEAR]], e.g. p_exhausted:loan_interest, budget_at_risk_p80, "
    "p_depleted:credit_reserve:2023 (repeatable; default: the scenario's headline outputs).",
)
@click.option(
    "--only",
    multiple=True,
    metavar="PATTERN",
    help="Vary only these numbers: a path, a prefix (populations.tech_borrowers) or a pattern "
    "(*.arrivals.mean) as `budgetsim params` lists them (repeatable).",
)
@click.option(
    "--exclude", multiple=True, metavar="PATTERN", help="Leave these numbers out (repeatable)."
)
@click.option(
    "--kind",
    type=click.Choice(["assumption", "lever"]),
    default=None,
    help="Vary only assumptions (what the world does) or levers (what the bureau decides).",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value before the analysis (repeatable), as for run.",
)
@click.option(
    "--draws",
    "-n",
    type=click.IntRange(min=10),
    default=None,
    help="Monte Carlo draws of each point (at least 10); default: tornado "
    f"{DEFAULT_DRAWS['tornado']:,}, morris {DEFAULT_DRAWS['morris']:,}, "
    f"sobol {DEFAULT_DRAWS['sobol']:,}.",
)
@SEED
@WORKERS
@click.option(
    "--trajectories",
    type=click.IntRange(min=2),
    default=None,
    help=f"Morris trajectories (also of sobol's screening) [default: {TRAJECTORIES}].",
)
@click.option(
    "--samples",
    type=click.IntRange(min=2),
    default=None,
    help=f"Sobol base samples, a power of 2 [default: {SAMPLES}].",
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    help=f"Sobol: at most this many numbers kept by the Morris screening [default: {KEEP}].",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Numbers shown per output.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the whole table to a .csv or .xlsx file (Excel: one sheet per output).",
)
@click.option(
    "--chart",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FILE|DIR",
    help="Draw each output's chart as PNG: FILE.png (FILE-OUTPUT.png for several outputs) or "
    "into the folder DIR.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: on a terminal).",
)
def sensitivity(
    scenario: str,
    method: str,
    metrics: Sequence[str],
    only: Sequence[str],
    exclude: Sequence[str],
    kind: str | None,
    overrides: Sequence[str],
    draws: int | None,
    seed: int,
    workers: str,
    trajectories: int | None,
    samples: int | None,
    keep: int | None,
    lang: Literal["zh", "en"],
    top: int,
    out: Path | None,
    chart: Path | None,
    progress: bool | None,
) -> None:
    """Which numbers of SCENARIO move its outputs, and how much: each ranged number (see
    `budgetsim params --uncertain`) is varied over its plausible range, every point on the
    same draws, and the numbers are ranked per output with their Monte Carlo noise.

    Prints, per output, the numbers that move it most and what to pin down first; --out writes
    every number, --chart the charts.
    """
    try:
        _check_files(out, chart)
        options: dict[str, Any] = {"only": list(only), "exclude": list(exclude), "kind": kind}
        for name, value, key in (
            ("--trajectories", trajectories, "trajectories"),
            ("--samples", samples, "samples"),
            ("--keep", keep, "keep"),
        ):
            if value is None:
                continue
            if method not in _APPLIES[name]:
                methods = " or ".join(f"--method {m}" for m in _APPLIES[name])
                raise BudgetsimError(f"{name} applies to {methods} only")
            options[key] = value
        if method == "sobol" and only and (keep is not None or trajectories is not None):
            raise BudgetsimError(
                "--keep and --trajectories set sobol's Morris screening, which runs only "
                "without --only (with --only, every number chosen is kept)"
            )
        if samples is not None and samples & (samples - 1):
            raise BudgetsimError(
                f"--samples: expected a power of 2 (32, 64, 128 …), found {samples}"
            )
        n_draws = draws if draws is not None else DEFAULT_DRAWS[method]
        options["workers"] = _workers(workers, n_draws)
        sc = load_scenario(scenario, overrides)
        outputs = [parse_output(text, sc) for text in metrics] or None
        bar, callback = _progress_bar(lang, progress)
        with bar if bar is not None else contextlib.nullcontext():
            result = analyse(sc, method, outputs, n_draws, seed, progress=callback, **options)
        console = _console()
        print_sensitivity(result, lang, top=top, console=console)
        wrote = _WORDS[lang]["wrote"]
        if out is not None:
            console.print(wrote + str(write_table(result, out, lang)), markup=False)
        if chart is not None:
            files = write_charts(result, chart, lang)
            console.print(wrote + ", ".join(str(p) for p in files), markup=False)
    except BudgetsimError as exc:
        _fail(exc)


def _check_files(out: Path | None, chart: Path | None) -> None:
    """Reject a file name the command cannot write before the analysis runs."""
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise BudgetsimError(f"--out {out}: expected a .csv or .xlsx file")
    if chart is not None and chart.suffix.lower() not in ("", ".png") and not chart.is_dir():
        raise BudgetsimError(f"--chart {chart}: expected a .png file or a folder")
    check_out_file(out, "the table")
    if chart is not None and chart.suffix.lower() == ".png" and not chart.is_dir():
        check_out_file(chart, "the chart", "--chart")
    else:
        check_out_folder(chart, "the charts", "--chart")


def _progress_bar(
    lang: Lang, show: bool | None
) -> tuple[Progress | None, Callable[[int, int], None] | None]:
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        return None, None
    return progress_bar(_WORDS[lang]["progress"])


# -- the terminal -------------------------------------------------------------------------------


def print_sensitivity(
    result: SensitivityResult, lang: Lang = "zh", *, top: int = 5, console: Console | None = None
) -> None:
    """Print an analysis: the header, then per output its label, base value, the ``top``
    numbers that move it most with the method's columns, the findings sentence and (Morris,
    Sobol) the share of the spread that Monte Carlo noise explains; a legend at the end.

    Columns are sized in terminal cells so that the numbers are never cut: the labels of the
    numbers fold first.
    """
    console = console or _console()
    words = _WORDS[lang]
    sc = result.scenario
    header = sc.scenario
    title = (header.title_en or header.title) if lang == "en" else header.title
    console.print(Text(title, style="bold"))
    parts = [sc.id, words[result.method], words["draws"].format(n=result.draws)]
    if result.method == "morris":
        parts.append(words["trajectories"].format(n=result.extra.get("trajectories")))
    if result.method == "sobol":
        parts.append(words["samples"].format(n=result.extra.get("samples")))
    parts.append(words["seed"].format(seed=result.seed))
    screening, n = result.extra.get("screening"), len(result.factors)
    if isinstance(screening, SensitivityResult):
        parts.append(words["screened"].format(n=n, s=_s(n), of=len(screening.factors)))
    else:
        parts.append(words["varied"].format(n=n, s=_s(n)))
    parts.append(words["elapsed"].format(s=result.elapsed))
    for line in _joined(parts, console.width):
        console.print(line, markup=False, soft_wrap=True)
    if sc.changes:
        console.print(
            words["changed"] + "; ".join(f"{p} = {v}" for p, v in sc.changes.items()),
            markup=False,
        )
    units = {p.path: p.unit for p in parameter_list(sc, lang)}
    findings = result.findings(lang)
    noise = (
        dict(zip(result.noise["output"], result.noise["noise_share"], strict=True))
        if result.noise is not None
        else {}
    )
    for out, finding in zip(result.outputs, findings, strict=True):
        rows = result.table[result.table["output"] == out.key].sort_values("rank")
        console.print()
        console.print(Text(out.label(sc, lang), style="bold"))
        base = float(rows["base"].iloc[0]) if len(rows) else math.nan
        console.print(
            words["base"].format(value=_with_unit(out, base, header.unit, lang)), markup=False
        )
        if len(rows) and (rows["effect"] == "none").all():
            console.print(words["all_none"].format(n=len(rows)), markup=False)
        else:
            console.print(_table(result, out, rows.head(top), units, lang, console.width))
        if len(rows) > top and not (rows["effect"] == "none").all():
            console.print(
                words["more"].format(n=len(rows) - top, s=_s(len(rows) - top), all=len(rows)),
                markup=False,
                style="dim",
            )
        console.print(finding, markup=False)
        if out.key in noise:
            share = float(noise[out.key])
            text = words["noise_share"].format(share=_percent(share))
            if share > NOISY:
                text += words["more_draws"]
            console.print(text + ("。" if lang == "zh" else "."), markup=False)
    console.print()
    console.print(words[f"legend_{result.method}"], markup=False, style="dim")


def _s(n: int) -> str:
    """The English plural ending for ``n`` things (Chinese has none)."""
    return "" if n == 1 else "s"


def _joined(parts: Sequence[str], width: int, separator: str = " · ") -> list[str]:
    """``parts`` joined by ``separator`` in lines of at most ``width`` cells, broken only
    between parts (so ``4.5 s`` or ``500 draws a point`` never splits)."""
    lines = [parts[0]] if parts else []
    for part in parts[1:]:
        if cell_len(lines[-1] + separator + part) <= width:
            lines[-1] += separator + part
        else:
            lines[-1] += separator.rstrip()
            lines.append(part)
    return lines


def _percent(share: float) -> str:
    return "—" if math.isnan(share) else f"{share:.1%}"


def _with_unit(out: Output, value: float, unit: str, lang: Lang) -> str:
    """A value of an output with its unit where the number does not say it (money in the
    scenario's ``unit``, counts)."""
    text = format_value(out.metric, value, lang)
    if metric(out.metric).kind in (Kind.MONEY, Kind.COUNT) and text != "—":
        return f"{text} {unit_label(out.metric, unit, lang)}"
    return text


def _range(parameter: Parameter, unit: str) -> tuple[str, str]:
    """A number's plausible range as ``low – high`` and its unit (per-year lists that differ
    by year, stated as multiples: ``×0.8 – ×1.2`` and no unit)."""
    low, high = parameter.low, parameter.high
    if isinstance(low, tuple):
        if len(set(low)) == 1 and len(set(high)) == 1:
            low, high = low[0], high[0]
        elif parameter.factor is not None:
            return f"×{parameter.factor[0]:g} – ×{parameter.factor[1]:g}", ""
    return f"{_number(low)} – {_number(high)}", unit


def _cells(result: SensitivityResult, out: Output, row: pd.Series, lang: Lang) -> list[str]:
    """The method's columns of one row, formatted in the output's metric."""
    name = out.metric
    words = _WORDS[lang]
    effect = words.get(str(row["effect"]), str(row["effect"]))
    if result.method == "tornado":
        swing = float(row["swing"])
        half = float(row["swing_high"]) - swing
        shown = format_value(name, swing, lang, signed=True)
        if not math.isnan(half):
            shown += " ±" + format_value(name, half, lang)
        return [
            format_value(name, float(row["at_low"]), lang),
            format_value(name, float(row["at_high"]), lang),
            shown,
            effect,
        ]
    if result.method == "morris":
        return [
            format_value(name, float(row["mu_star"]), lang),
            "±" + format_value(name, float(row["mu_star_conf"]), lang),
            format_value(name, float(row["sigma"]), lang),
            format_value(name, float(row["ee_noise"]), lang),
            effect,
        ]
    return [_index(row["S1"], row["S1_conf"]), _index(row["ST"], row["ST_conf"]), effect]


def _index(value: Any, conf: Any) -> str:
    value, conf = float(value), float(conf)
    if math.isnan(value):
        return "—"
    return f"{value:.2f}" if math.isnan(conf) else f"{value:.2f} ±{conf:.2f}"


def _table(
    result: SensitivityResult,
    out: Output,
    rows: pd.DataFrame,
    units: dict[str, str],
    lang: Lang,
    width: int,
) -> Table:
    """The top numbers of one output, fitted to ``width`` terminal cells: the numbers' labels
    take what the other columns leave (folding onto more lines); when that is less than
    :data:`LABEL_WIDTH`, each range puts its unit on a line below its numbers. The numbers
    never fold."""
    words = _WORDS[lang]
    keys = ("rank", "number", "range", *_COLUMNS[result.method])
    body, ranges = [], []
    for _, series in rows.iterrows():
        factor = result.factor(str(series["parameter"]))
        span, unit = _range(factor.parameter, units.get(factor.path, factor.parameter.unit))
        ranges.append((span, unit))
        body.append(
            [
                str(int(series["rank"])),
                factor.label(lang),
                f"{span} {unit}" if unit else span,
                *_cells(result, out, series, lang),
            ]
        )
    widths = [
        max([cell_len(words[k])] + [cell_len(r[i]) for r in body]) for i, k in enumerate(keys)
    ]
    # what the label and the range share: the width less the other columns and the gaps
    # between columns (two cells each)
    shared = width - (sum(widths) - widths[1] - widths[2]) - 2 * (len(keys) - 1)
    range_width = widths[2]
    if shared - range_width < min(widths[1], LABEL_WIDTH):
        for cells, (span, unit) in zip(body, ranges, strict=True):
            cells[2] = f"{span}\n{unit}" if unit else span
        least = max(
            [cell_len(w) for w in words["range"].split(" ")]
            + [cell_len(part) for pair in ranges for part in pair]
        )
        heading = min(cell_len(words["range"]), shared - min(widths[1], LABEL_WIDTH))
        range_width = max(least, heading)
    label_width = max(min(widths[1], shared - range_width), 8)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for i, key in enumerate(keys):
        if key == "number":
            table.add_column(words[key], width=label_width, overflow="fold")
        elif key == "range":
            table.add_column(words[key], width=range_width, overflow="fold")
        else:
            table.add_column(
                words[key],
                justify="left" if key == "effect" else "right",
                no_wrap=True,
                min_width=widths[i],
            )
    for cells in body:
        table.add_row(*cells)
    return table


# -- files ----------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    """An output key as part of a file name: ``p_exhausted:loan_interest:2023`` →
    ``p_exhausted-loan_interest-2023``."""
    return re.sub(r"[^A-Za-z0-9_.]+", "-", text).strip("-") or "output"


def _sheet(key: str, taken: set[str]) -> str:
    """An Excel sheet name for an output (31 characters, none of ``:\\/?*[]``), unique."""
    name = re.sub(r"[:\\/?*\[\]]+", " ", key)[:31].strip() or "output"
    candidate, i = name, 2
    while candidate.lower() in taken:
        suffix = f" {i}"
        candidate, i = name[: 31 - len(suffix)] + suffix, i + 1
    taken.add(candidate.lower())
    return candidate


def write_table(result: SensitivityResult, out: Path, lang: Lang) -> Path:
    """Write ``result.frame(lang)``: a CSV (with a byte-order mark, so Excel reads the Chinese
    labels right) or a workbook with one sheet per output, the noise table (Morris, Sobol)
    and the findings."""
    frame = result.frame(lang)
    sheets = {"noise": ("噪声", "noise"), "findings": ("结论", "findings")}
    word = {k: v[0] if lang == "zh" else v[1] for k, v in sheets.items()}
    try:
        if out.suffix.lower() == ".xlsx":
            with (
                atomic(out, "wb") as handle,
                pd.ExcelWriter(cast(BinaryIO, handle), engine="openpyxl") as book,
            ):
                taken: set[str] = set()
                for output in result.outputs:
                    part = frame[frame["output"] == output.key]
                    name = f"{label(output.metric, lang, short=True)} "
                    name += output.place(result.scenario, lang)
                    if output.year is not None:
                        name += f" {output.year}"
                    part.to_excel(book, sheet_name=_sheet(name, taken), index=False)
                if result.noise is not None:
                    result.noise.to_excel(
                        book, sheet_name=_sheet(word["noise"], taken), index=False
                    )
                findings = pd.DataFrame(
                    {
                        "output": [o.key for o in result.outputs],
                        "finding": result.findings(lang),
                    }
                )
                findings.to_excel(book, sheet_name=_sheet(word["findings"], taken), index=False)
        else:
            with atomic(out, "wb") as handle:
                handle.write(frame.to_csv(index=False).encode("utf-8-sig"))
    except OSError as exc:
        raise BudgetsimError(f"--out {out}: cannot write: {exc}") from None
    return out


def chart_paths(result: SensitivityResult, chart: Path) -> list[tuple[Output, Path]]:
    """Where each output's chart goes: ``chart`` itself for one output to a .png file,
    ``STEM-OUTPUT.png`` beside it for several, ``DIR/METHOD-OUTPUT.png`` in a folder."""
    if chart.suffix.lower() == ".png" and not chart.is_dir():
        if len(result.outputs) == 1:
            return [(result.outputs[0], chart)]
        return [(o, chart.with_name(f"{chart.stem}-{_slug(o.key)}.png")) for o in result.outputs]
    return [(o, chart / f"{result.method}-{_slug(o.key)}.png") for o in result.outputs]


def write_charts(result: SensitivityResult, chart: Path, lang: Lang) -> list[Path]:
    """Draw ``result.plot(output, lang)`` for each output as PNG (:func:`chart_paths`)."""
    paths = chart_paths(result, chart)
    written = []
    try:
        for output, path in paths:
            fig = result.plot(output, lang)
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic(path, "wb") as handle:
                fig.savefig(handle, format="png")
            plt.close(fig)
            written.append(path)
    except OSError as exc:
        raise BudgetsimError(f"--chart {chart}: cannot write: {exc}") from None
    return written
