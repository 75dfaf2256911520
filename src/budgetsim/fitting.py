"""Populations fitted from a bureau's own records: ``budgetsim fit`` and :func:`fit_population`.

A list of records (one row per applicant of past years) becomes a proposed population block
for a scenario file:

- each **numeric attribute** is fitted by maximum likelihood to four families with location 0
  (lognormal, gamma, Weibull, normal truncated below at 0) and compared with the records
  themselves, by AIC, BIC and Kolmogorov–Smirnov and Anderson–Darling tests whose p-values
  account for the fitted parameters (parametric bootstrap, :func:`scipy.stats.goodness_of_fit`).
  **Choice rule**: among the families whose KS and AD p-values are both ≥ 0.025 (the two tests
  share a level of 0.05, so a correct family is rejected in at most 5 % of samples), the lowest
  AIC; if none passes, the records themselves (``dist = "empirical"``), with a warning. The
  chosen family's parameters get 95 % parametric-bootstrap percentile intervals
  (:mod:`budgetsim._fit_families`);
- **arrivals per year** (with a year column): Poisson or negative binomial by Pearson's
  dispersion test, with a growth trend when a likelihood-ratio test finds one
  (:mod:`budgetsim._fit_counts`);
- **categories**: shares with 95 % intervals (Wilson for yes/no columns, Goodman for text).

Every number carries ``source`` (file, n, SHA-256 of the file), grade D and a plausible range
from its interval, so that ``budgetsim params`` and the sensitivity analysis read it as they
read any other.

Examples
--------
>>> import pathlib, tempfile
>>> import numpy as np
>>> from scipy import stats
>>> x = stats.lognorm(s=0.8, scale=120).rvs(400, random_state=np.random.default_rng(3))
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "r.csv").write_text(
...     "研发费用\\n" + "\\n".join(f"{v:.2f}" for v in x), encoding="utf-8")
>>> fit = fit_population(folder / "r.csv", population="hightech",
...                      attributes=["研发费用=rd_expense"], bootstrap=79)
>>> spec = fit.block()["attributes"]["rd_expense"]
>>> spec["dist"], spec["grade"], sorted(spec["plausible"])
('lognormal', 'D', ['median', 'sigma'])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from budgetsim._fit_counts import GROWTH, ArrivalFit, CategoryFit, fit_arrivals, fit_category
from budgetsim._fit_families import (
    FAMILIES,
    Candidate,
    choose,
    empirical_candidate,
    fit_candidate,
    intervals,
)
from budgetsim._fit_inputs import IDENT, amounts, check_kinds, pairs, require
from budgetsim._fit_toml import tables
from budgetsim.errors import BudgetsimError, Problem, ScenarioError, did_you_mean
from budgetsim.metrics import Lang
from budgetsim.words import word

if TYPE_CHECKING:
    from budgetsim.records import Records
    from budgetsim.scenario import Scenario

__all__ = [
    "AttributeFit",
    "PopulationFit",
    "Shares",
    "fit_population",
    "p_text",
    "param_name",
]

Floats = NDArray[np.float64]

#: A rank correlation between two fitted columns at least this large is worth a warning.
CORRELATED = 0.3
#: The fewest bootstrap samples: a p-value is at least 1 / (B + 1), so below 79 no family
#: could ever be rejected at 0.025.
MIN_BOOTSTRAP = 79


@dataclass(frozen=True)
class AttributeFit:
    """A numeric attribute's candidates and the one chosen.

    Attributes
    ----------
    column, name
        The records' column and the scenario's attribute name.
    values
        The amounts fitted [``unit``].
    candidates
        The four families and the records themselves, in :data:`FAMILIES` order.
    chosen
        The family chosen (``"empirical"`` when none passes).
    intervals
        95 % intervals of the chosen family's parameters (empty for the records themselves).
    """

    column: str
    name: str
    values: Floats = field(repr=False)
    candidates: tuple[Candidate, ...]
    chosen: str
    intervals: dict[str, tuple[float, float]]

    @property
    def candidate(self) -> Candidate:
        """The chosen candidate."""
        return next(c for c in self.candidates if c.family == self.chosen)

    @property
    def best(self) -> Candidate:
        """The chosen family, or (records themselves chosen) the lowest-AIC family."""
        fitted = [c for c in self.candidates if math.isfinite(c.aic)]
        if self.chosen != "empirical" or not fitted:
            return self.candidate
        return min(fitted, key=lambda c: c.aic)


@dataclass(frozen=True)
class Shares:
    """A text column fitted as category shares (:class:`~budgetsim._fit_counts.CategoryFit`)."""

    column: str
    name: str
    fit: CategoryFit


def _r(value: float) -> float:
    """A fitted number to 6 significant digits (rounding is monotone: ranges still hold it)."""
    return float(f"{value:.6g}")


def p_text(value: float, bootstrap: int | None = None) -> str:
    """A p-value as outputs write it: ``0.054``, ``< 0.001``, ``—`` when there is none; with
    the ``bootstrap`` size B, the smallest p-value a bootstrap can give, 1 / (B + 1), is
    written as a bound (``≤ 0.005``): the statistic was beyond every bootstrap sample's.

    Examples
    --------
    >>> p_text(0.0537), p_text(1e-9), p_text(float("nan")), p_text(0.005, 199)
    ('0.054', '< 0.001', '—', '≤ 0.005')
    """
    if math.isnan(value):
        return "—"
    if bootstrap is not None and value <= 1.0 / (bootstrap + 1) * (1 + 1e-9):
        return f"≤ {1.0 / (bootstrap + 1):.3g}"
    return "< 0.001" if value < 0.0005 else f"{value:.3f}"


@dataclass(frozen=True)
class PopulationFit:
    """A population fitted from records; :meth:`block` is what a scenario file takes.

    Attributes
    ----------
    population
        The scenario's population id.
    file, sha256, n, note
        The records' file, its SHA-256, how many records and how it was read.
    unit
        Unit of the amounts (the scenario's, default 万元).
    seed, bootstrap
        Seed and parametric-bootstrap samples ``B`` of the tests and intervals.
    attributes, arrivals, categories
        The fits.
    year_column
        The records' year column, if arrivals were fitted.
    """

    population: str
    file: str
    sha256: str
    n: int
    unit: str
    seed: int
    bootstrap: int
    attributes: tuple[AttributeFit, ...]
    arrivals: ArrivalFit | None
    categories: tuple[Shares, ...]
    year_column: str | None
    note: str = ""
    #: Spearman's rank correlation of each pair of numeric columns: (column, column, ρ).
    correlations: tuple[tuple[str, str, float], ...] = ()

    def correlated(self, least: float = CORRELATED) -> list[tuple[str, str, float]]:
        """The pairs of numeric columns whose rank correlation is at least ``least`` in size:
        fitted apart, a scenario draws them independently (the records, resampled jointly,
        keep it)."""
        return [(a, b, rho) for a, b, rho in self.correlations if abs(rho) >= least]

    # -- the block -------------------------------------------------------------------------
    def _cite(self) -> dict[str, str]:
        return {"file": Path(self.file).name, "n": f"{self.n:,}", "sha": self.sha256[:12]}

    def _attribute(self, fit: AttributeFit, relative_to: Path | None) -> dict[str, Any]:
        cite = self._cite()
        if fit.chosen == "empirical":
            path = Path(self.file)
            if relative_to is not None:
                try:
                    path = path.resolve().relative_to(relative_to.resolve())
                except ValueError:
                    path = path.resolve()
            spec: dict[str, Any] = {
                "dist": "empirical",
                "file": path.as_posix(),
                "column": fit.column,
                "growth": 0.0,
            }
            if self.year_column is not None and self.arrivals is not None:
                spec["year_column"] = self.year_column
                spec["base_year"] = self.arrivals.years[-1]
            texts = {la: word("fit_source_empirical", la).format(**cite) for la in ("en", "zh")}
            spec |= {"label": fit.column, "unit": self.unit}
            return spec | {"source": texts["en"], "source_zh": texts["zh"], "grade": "D"}
        chosen = fit.candidate
        family = FAMILIES[fit.chosen]
        spec = {"dist": family.key, **{k: _r(v) for k, v in chosen.params.items()}}
        spec |= family.extra
        texts = {
            la: word("fit_source", la).format(
                family=word(f"fit_family_{family.key}", la),
                ks=p_text(chosen.ks_p, self.bootstrap),
                ad=p_text(chosen.ad_p, self.bootstrap),
                b=self.bootstrap,
                **cite,
            )
            for la in ("en", "zh")
        }
        spec |= {"label": fit.column, "unit": self.unit}
        spec |= {"source": texts["en"], "source_zh": texts["zh"], "grade": "D"}
        spec["plausible"] = {
            k: {"low": _r(lo), "high": _r(hi)} for k, (lo, hi) in fit.intervals.items()
        }
        return spec

    def _arrivals(self) -> dict[str, Any]:
        a = self.arrivals
        assert a is not None
        cite = self._cite()
        counts = ", ".join(f"{y}: {c}" for y, c in zip(a.years, a.counts, strict=True))
        texts = {
            la: word("fit_source_arrivals", la).format(
                counts=counts,
                dist=word(f"fit_family_{a.dist}", la),
                dp=p_text(a.dispersion_p),
                tp=p_text(a.trend_p),
                **cite,
            )
            for la in ("en", "zh")
        }
        spec: dict[str, Any] = {"dist": a.dist, "base": _r(a.base), "growth": _r(a.growth)}
        plausible = {"base": {"low": _r(a.base_interval[0]), "high": _r(a.base_interval[1])}}
        if a.growth_interval is not None:
            low, high = a.growth_interval
            plausible["growth"] = {"low": _r(low), "high": _r(high)}
        if a.dispersion is not None and a.dispersion_interval is not None:
            spec["dispersion"] = _r(a.dispersion)
            low, high = a.dispersion_interval
            plausible["dispersion"] = {"low": _r(low), "high": _r(high)}
        spec |= {"source": texts["en"], "source_zh": texts["zh"], "grade": "D"}
        return spec | {"plausible": plausible}

    def _shares(self, shares: Shares) -> dict[str, Any]:
        fit, cite = shares.fit, self._cite()
        if fit.kind == "bernoulli":
            method = {
                "en": f"Wilson; p = share of {fit.categories[0]!r}",
                "zh": f"Wilson 区间；p 为“{fit.categories[0]}”的占比",
            }
        else:
            ranges = ", ".join(
                f"{c} {lo:.3f}–{hi:.3f}"
                for c, lo, hi in zip(fit.categories, fit.low, fit.high, strict=True)
            )
            method = {"en": f"Goodman, simultaneous: {ranges}", "zh": f"Goodman 联合区间：{ranges}"}
        texts = {
            la: word("fit_source_category", la).format(method=method[la], **cite)
            for la in ("en", "zh")
        }
        spec: dict[str, Any] = {"dist": fit.kind}
        if fit.kind == "bernoulli":
            spec["p"] = _r(fit.p[0])
            plausible: dict[str, Any] = {"low": _r(fit.low[0]), "high": _r(fit.high[0])}
        else:
            rounded = [round(p, 6) for p in fit.p]
            top = int(np.argmax(rounded))
            rounded[top] = round(1.0 - (sum(rounded) - rounded[top]), 12)  # shares sum to 1
            spec |= {"categories": list(fit.categories), "p": rounded}
            plausible = {"vary": False, "reason": word("fit_shares_reason", "en")}
        spec |= {"label": shares.column}
        spec |= {"source": texts["en"], "source_zh": texts["zh"], "grade": "D"}
        return spec | {"plausible": {"p": plausible}}

    def block(self, relative_to: str | Path | None = None) -> dict[str, Any]:
        """The population block as a scenario file takes it (``arrivals`` with a year column,
        and ``attributes``).

        Parameters
        ----------
        relative_to
            The scenario file's folder: an ``empirical`` attribute's ``file`` is written
            relative to it (else as the records' path was given).
        """
        folder = Path(relative_to) if relative_to is not None else None
        out: dict[str, Any] = {}
        if self.arrivals is not None:
            out["arrivals"] = self._arrivals()
        attributes = {a.name: self._attribute(a, folder) for a in self.attributes}
        attributes |= {c.name: self._shares(c) for c in self.categories}
        out["attributes"] = attributes
        return out

    def toml(self, relative_to: str | Path | None = None) -> str:
        """The block as TOML tables (``[populations.ID.arrivals]``, one per attribute), each
        ``plausible`` entry on one line and long texts folded as the bundled scenarios write
        them (:func:`budgetsim._fit_toml.tables`)."""
        block = self.block(relative_to)
        prefix = f"populations.{self.population}"
        named = [(f"{prefix}.arrivals", block["arrivals"])] if "arrivals" in block else []
        named += [(f"{prefix}.attributes.{k}", v) for k, v in block["attributes"].items()]
        return tables(named)

    def apply(self, scenario: Scenario) -> Scenario:
        """``scenario`` with this population's arrivals and attributes replaced by the fitted
        ones (a population it does not have is added), validated like a loaded scenario
        (:func:`budgetsim.scenario.load.vary`)."""
        from budgetsim.scenario.load import vary

        file = getattr(scenario, "_file", None)
        block = self.block(Path(file).parent if file else None)
        prefix = f"populations.{self.population}"
        if self.population in scenario.populations:
            changes = {f"{prefix}.attributes.{k}": v for k, v in block["attributes"].items()}
            if "arrivals" in block:
                changes[f"{prefix}.arrivals"] = block["arrivals"]
        else:
            if "arrivals" not in block:  # a new population needs its count a year
                known = list(scenario.populations)
                hint = did_you_mean(self.population, known)
                raise BudgetsimError(
                    f"--population: {scenario.scenario.id} has no population "
                    f"{self.population!r}"
                    + (f" (did you mean {hint!r}?)" if hint else "")
                    + f"; its populations: {', '.join(known)}. A new population also needs "
                    "its applicants a year: give --year-column"
                )
            changes = {prefix: {"label": self.population, **block}}
        return vary(scenario, changes)

    # -- tables and charts ---------------------------------------------------------------
    def table(self, lang: Lang = "zh") -> pd.DataFrame:
        """Every numeric attribute's candidates × criteria, with readable headers: the
        parameters, log-likelihood, AIC, BIC (to one decimal), KS and AD p-values and the
        verdict."""
        rows = []
        for fit in self.attributes:
            for c in fit.candidates:
                if c.family == "empirical":
                    verdict = word("fit_chosen", lang) if fit.chosen == "empirical" else ""
                elif c.family == fit.chosen:
                    verdict = word("fit_chosen", lang)
                else:
                    verdict = word("fit_passes" if c.passes else "fit_rejected", lang)
                rows.append(
                    {
                        word("fit_attribute", lang): fit.column,
                        word("fit_candidate", lang): word(f"fit_family_{c.family}", lang),
                        word("fit_parameters", lang): _params_text(c.params, lang),
                        word("fit_loglik", lang): round(c.loglik, 1),
                        word("fit_aic", lang): round(c.aic, 1),
                        word("fit_bic", lang): round(c.bic, 1),
                        word("fit_ks_p", lang): c.ks_p,
                        word("fit_ad_p", lang): c.ad_p,
                        word("fit_verdict", lang): verdict,
                    }
                )
        keys = [word("fit_attribute", lang), word("fit_candidate", lang)]
        return pd.DataFrame(rows).set_index(keys)

    def charts(self, folder: str | Path, lang: Lang = "zh") -> list[Path]:
        """Write a QQ plot and a histogram with the candidates' densities per numeric
        attribute (``NAME-qq.png``, ``NAME-histogram.png``) into ``folder``."""
        from budgetsim.charts.fit import density_histogram, qq_plot
        from budgetsim.outputs import atomic

        written = []
        for fit in self.attributes:
            for suffix, draw in (("qq", qq_plot), ("histogram", density_histogram)):
                fig = draw(self, fit, lang)
                path = Path(folder) / f"{fit.name}-{suffix}.png"
                with atomic(path, "wb") as handle:
                    fig.savefig(handle, format="png")
                written.append(path)
        return written


def param_name(key: str, lang: Lang) -> str:
    """A distribution parameter as a reader calls it (``中位数``, ``median``), from the one
    registry of field names (:data:`budgetsim.parameter_names.FIELDS`)."""
    from budgetsim.parameter_names import FIELDS

    info = FIELDS.get(key)
    if info is None:
        return key
    return info.zh if lang == "zh" else info.en


def _params_text(params: Mapping[str, float], lang: Lang) -> str:
    return ", ".join(f"{param_name(k, lang)} = {v:,.4g}" for k, v in params.items())


# -- fitting ---------------------------------------------------------------------------------
def _fit_attribute(
    values: Floats, column: str, name: str, seed: int, bootstrap: int
) -> AttributeFit:
    zeros = bool((values == 0).any())
    families = [FAMILIES["normal"]] if zeros else list(FAMILIES.values())
    candidates = [
        fit_candidate(values, f, bootstrap=bootstrap, seed=seed, name=name) for f in families
    ]
    candidates.append(empirical_candidate())
    chosen = choose(candidates)
    ranges: dict[str, tuple[float, float]] = {}
    if chosen != "empirical":
        winner = next(c for c in candidates if c.family == chosen)
        ranges = intervals(values, winner, bootstrap=bootstrap, seed=seed, name=name)
    return AttributeFit(column, name, values, tuple(candidates), chosen, ranges)


def fit_population(
    records: str | Path | Records,
    *,
    population: str,
    attributes: Sequence[str] | Mapping[str, str],
    year_column: str | None = None,
    categories: Sequence[str] | Mapping[str, str] = (),
    unit: str = "万元",
    first_year: int | None = None,
    seed: int = 0,
    bootstrap: int = 199,
    allow_zero: Sequence[str] = (),
) -> PopulationFit:
    """Fit a population block to a list of records (see the module's notes for the families,
    tests, choice rule and intervals).

    Parameters
    ----------
    records
        A CSV, Excel or Parquet file (read by :func:`budgetsim.records.read_records`), or the
        records already read.
    population
        The scenario's population id (lowercase ASCII).
    attributes
        Numeric columns, as ``"COLUMN"`` or ``"COLUMN=ATTR"`` (or ``{column: attr}``);
        amounts must be > 0 [``unit``].
    year_column
        Column of the records' calendar year: arrivals per year are fitted from it.
    categories
        Text columns (``"COLUMN[=ATTR]"``): yes/no columns become ``bernoulli``, others
        ``categorical``.
    unit
        Unit of the amounts: cells may carry a unit (``"50万元"``); bare numbers are in it.
    first_year
        The first scenario year, where the arrivals' ``base`` is stated (default: the last
        record year + 1).
    seed
        Seed of the parametric bootstraps.
    bootstrap
        Bootstrap samples ``B`` of each test and interval.
    allow_zero
        Numeric columns whose zeros are amounts (only the truncated normal can then be
        fitted, beside the records themselves).

    Raises
    ------
    RecordsError
        A missing column ("did you mean"), text in a number, a negative or zero amount (each
        problem with its row and column), a file that cannot be read.
    ScenarioError
        An attribute without a valid name.
    """
    if bootstrap < MIN_BOOTSTRAP:
        raise ScenarioError(
            [
                Problem(
                    "--bootstrap",
                    "too few bootstrap samples to reject a family at p < 0.025",
                    expected=f"at least {MIN_BOOTSTRAP} (a p-value is at least 1 / (B + 1))",
                    found=str(bootstrap),
                )
            ]
        )
    if not IDENT.match(population):
        raise ScenarioError(
            [
                Problem(
                    "--population",
                    "a population id is lowercase ASCII letters, digits and _",
                    found=repr(population),
                )
            ]
        )
    numeric = pairs(attributes, "--attribute")
    texts = pairs(categories, "--category")
    names = [n for _, n in numeric + texts]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScenarioError(
            [
                Problem(
                    "--attribute",
                    "two columns given the same attribute name",
                    found=", ".join(twice),
                )
            ]
        )
    columns = [c for c, _ in numeric + texts] + ([year_column] if year_column else [])
    # the readers (openpyxl) load here, not at `import budgetsim`
    from budgetsim.records import Records, RecordsError, read_records

    if not isinstance(records, Records):
        records = read_records(records, columns)
    else:
        require(records, columns)
    check_kinds(records, [c for c, _ in numeric], [c for c, _ in texts])
    values_of = [amounts(records, c, unit, c in allow_zero) for c, _ in numeric]
    years = records.years(year_column) if year_column else None
    labels = [records.labels(c) for c, _ in texts]
    records.check()  # every problem of every column, before anything is fitted
    fits = [
        _fit_attribute(values, c, n, seed, bootstrap)
        for (c, n), values in zip(numeric, values_of, strict=True)
    ]
    arrivals = None
    if years is not None:
        start = first_year if first_year is not None else int(years.max()) + 1
        arrivals = fit_arrivals(years, start)
        if not GROWTH[0] <= arrivals.growth <= GROWTH[1]:
            raise RecordsError(
                [
                    Problem(
                        f"column {year_column!r}",
                        "the records a year grow faster than a scenario's growth can say",
                        expected="a growth between −99 % and +100 % a year",
                        found=f"{arrivals.growth:+.0%} a year (records a year: "
                        + ", ".join(
                            f"{y}: {c}"
                            for y, c in zip(arrivals.years, arrivals.counts, strict=True)
                        )
                        + ")",
                        hint="fit the years that are alike, or write the arrivals' mean by hand",
                    )
                ],
                records.file,
            )
    shares = tuple(
        Shares(c, n, fit_category(lab)) for (c, n), lab in zip(texts, labels, strict=True)
    )
    correlations = tuple(
        (numeric[i][0], numeric[j][0], float(stats.spearmanr(values_of[i], values_of[j])[0]))
        for i in range(len(numeric))
        for j in range(i + 1, len(numeric))
    )
    return PopulationFit(
        population=population,
        file=records.file,
        sha256=records.sha256,
        n=len(records),
        unit=unit,
        seed=seed,
        bootstrap=bootstrap,
        attributes=tuple(fits),
        arrivals=arrivals,
        categories=shares,
        year_column=year_column,
        note=records.note,
        correlations=correlations,
    )
