"""Write the example records of ``examples/``: synthetic lists with stated true parameters.

Two files, as a bureau's export would have them (Chinese headers; UTF-8 with a byte-order mark
and CRLF line ends, as Excel's "CSV UTF-8" saves; amounts as plain numbers with 2 decimals):

``rd-records.csv`` — the R&D super-deduction list of Jiangmen's technology-based SMEs claiming
the reward (scenario ``jiangmen-2021``, population ``tsme_rd``), 2021–2023, one row per firm
and year. Columns ``年度, 企业编号, 企业名称, 所在区县, 是否制造业, 研发费用（万元）,
营业收入（万元）``. True law (:data:`TRUE` ``.rd``):

- firms a year: Poisson with mean 300 × 1.08^(year − 2021) (300, 324, 349.92);
- 研发费用 [万元]: lognormal, median 95, σ 0.9 (log-mean ln 95 ≈ 4.554), iid, the same law
  every year, so that a fit pooled over the three years is exact;
- 营业收入 [万元] = 研发费用 ÷ intensity, intensity lognormal with median 0.04 and σ 0.5,
  independent of 研发费用: the logs are jointly normal, log 营业收入 has sd √(0.9² + 0.5²) ≈
  1.030, and the correlation of the logs is 0.9 ÷ 1.030 ≈ 0.874. About 2 % of rows have
  revenue above 2亿 (20,000万), which a real TSME list would not hold; truncating them would
  bend the law of 研发费用, so they are kept;
- 是否制造业: 是 with probability 0.72;
- 所在区县: categorical over Jiangmen's seven county-level units with the shares of
  :data:`COUNTY_SHARES` (made up for the example; no split is published);
- every row is a different firm (企业编号 JMRD2021-0001 …, 企业名称 江门示例科技有限公司0001 …):
  a real list has the same firms year after year, with R&D that persists; the example leaves
  that out so that the rows are independent.

``interest-applications-2022H1.csv`` — the applications received by 2022-06-30 for the
loan-interest subsidy (programme ``loan_interest``, population ``tech_borrowers``), as under a
year-round window (variant ``jiangmen-2021@year_round_interest``). Columns ``申请日期, 企业名称,
贷款本金, 利率加点, 计息月数``. True law (:data:`TRUE` ``.interest``):

- arrivals: a Poisson process at 110 a year, uniform over the year (the scenario assumes a mean
  of 80): on 1 January – 30 June (181 days of 365) the count is Poisson with mean
  110 × 181 ÷ 365 ≈ 54.55; each date is uniform over those days; rows in date order;
- 贷款本金 [万元]: lognormal, median 400, σ 0.8, truncated above at 3,000;
- 利率加点 [百分点 over the 1-year LPR]: uniform 0.5–1.5, written with 2 decimals;
- 计息月数 [月]: uniform 6–12 rounded to whole months (6 and 12 with probability 1/12, 7–11
  with 1/6 each; mean 9).

Randomness: one ``numpy.random.SeedSequence(SEED)``, one child stream per file, so each file
repeats on its own; :data:`SEED` says how it was chosen. ``--check`` regenerates both in memory
and exits 1, naming the file, when a committed file differs (a numpy or scipy release that
changes its samplers would do that).

Usage: ``python examples/make_records.py [--check] [--out FOLDER]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import stats

#: The first seed from 1 on whose two files lie within 1.5 standard errors of every true value
#: that tests/test_examples.py checks (each year's count, the log-mean, log-sd and log
#: correlation of 研发费用 and 营业收入, the share of 是, the count of applications), with a
#: chi-square p > 0.1 for the county shares: a typical sample, so the example shows what a fit
#: does, not a stroke of luck either way (the date of 江科〔2021〕63号, 20210517, put 2021's
#: count 2.4 standard errors low).
SEED = 6
HERE = Path(__file__).resolve().parent

#: Share of the listed TSMEs by county-level unit [fraction] (made up; sums to 1).
COUNTY_SHARES: dict[str, float] = {
    "蓬江区": 0.30,
    "江海区": 0.20,
    "新会区": 0.18,
    "鹤山市": 0.10,
    "开平市": 0.09,
    "台山市": 0.08,
    "恩平市": 0.05,
}


@dataclass(frozen=True)
class RdLaw:
    """The true law of ``rd-records.csv``."""

    years: tuple[int, ...] = (2021, 2022, 2023)
    count_base: float = 300.0  # mean firms in the first year
    count_growth: float = 0.08  # [1/year], compound
    rd_median: float = 95.0  # [万元]
    rd_sigma: float = 0.9  # sd of log 研发费用
    intensity_median: float = 0.04  # 研发费用 ÷ 营业收入 [fraction]
    intensity_sigma: float = 0.5  # sd of log intensity
    p_manufacturing: float = 0.72  # [fraction]
    county_shares: dict[str, float] = field(default_factory=lambda: dict(COUNTY_SHARES))

    def count_mean(self, year: int) -> float:
        """Mean number of rows of ``year``."""
        return self.count_base * (1 + self.count_growth) ** (year - self.years[0])

    @property
    def rd_log_mean(self) -> float:
        """Mean of log 研发费用."""
        return math.log(self.rd_median)

    @property
    def revenue_log_sd(self) -> float:
        """Sd of log 营业收入."""
        return math.hypot(self.rd_sigma, self.intensity_sigma)

    @property
    def log_correlation(self) -> float:
        """Correlation of log 研发费用 and log 营业收入 (≈ 0.874)."""
        return self.rd_sigma / self.revenue_log_sd


@dataclass(frozen=True)
class InterestLaw:
    """The true law of ``interest-applications-2022H1.csv``."""

    first_day: dt.date = dt.date(2022, 1, 1)
    last_day: dt.date = dt.date(2022, 6, 30)
    rate: float = 110.0  # arrivals [1/year], uniform over the year
    principal_median: float = 400.0  # [万元]
    principal_sigma: float = 0.8
    principal_upper: float = 3000.0  # [万元]
    spread_low: float = 0.5  # [百分点]
    spread_high: float = 1.5
    months_low: float = 6.0  # [月], before rounding
    months_high: float = 12.0

    @property
    def days(self) -> int:
        """Days from the first to the last day, both included."""
        return (self.last_day - self.first_day).days + 1

    @property
    def count_mean(self) -> float:
        """Mean number of applications in the period (≈ 54.55)."""
        year = self.first_day.year
        return self.rate * self.days / (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days


@dataclass(frozen=True)
class Truth:
    """The true parameters of both example files."""

    rd: RdLaw = field(default_factory=RdLaw)
    interest: InterestLaw = field(default_factory=InterestLaw)


#: The laws the example files are drawn from (tests compare the files against these).
TRUE = Truth()
RD_FILE = "rd-records.csv"
INTEREST_FILE = "interest-applications-2022H1.csv"
RD_COLUMNS = (
    "年度",
    "企业编号",
    "企业名称",
    "所在区县",
    "是否制造业",
    "研发费用（万元）",
    "营业收入（万元）",
)
INTEREST_COLUMNS = ("申请日期", "企业名称", "贷款本金", "利率加点", "计息月数")


def _streams() -> dict[str, np.random.Generator]:
    """One generator per file, from one seed."""
    rd, interest = np.random.SeedSequence(SEED).spawn(2)
    return {RD_FILE: np.random.default_rng(rd), INTEREST_FILE: np.random.default_rng(interest)}


def _csv(header: tuple[str, ...], columns: list[NDArray[np.str_] | list[str]]) -> bytes:
    """A table as Excel's "CSV UTF-8" writes it: a byte-order mark, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue().encode("utf-8-sig")


def _money(values: NDArray[np.float64]) -> list[str]:
    return [f"{v:.2f}" for v in values]


def rd_records(law: RdLaw, rng: np.random.Generator) -> bytes:
    """The R&D super-deduction list, 2021–2023 (see the module docstring)."""
    means = np.array([law.count_mean(y) for y in law.years])
    counts = rng.poisson(means)
    n = int(counts.sum())
    year = np.repeat(np.array(law.years), counts)
    serial = np.arange(1, n + 1)
    within = serial - np.repeat(np.cumsum(counts) - counts, counts)  # 1… within each year
    rd = rng.lognormal(law.rd_log_mean, law.rd_sigma, n)
    intensity = rng.lognormal(math.log(law.intensity_median), law.intensity_sigma, n)
    manufacturing = rng.random(n) < law.p_manufacturing
    names = list(law.county_shares)
    county = rng.choice(len(names), size=n, p=np.array(list(law.county_shares.values())))
    return _csv(
        RD_COLUMNS,
        [
            [str(y) for y in year],
            [f"JMRD{y}-{i:04d}" for y, i in zip(year, within, strict=True)],
            [f"江门示例科技有限公司{s:04d}" for s in serial],
            [names[c] for c in county],
            ["是" if m else "否" for m in manufacturing],
            _money(rd),
            _money(rd / intensity),
        ],
    )


def interest_applications(law: InterestLaw, rng: np.random.Generator) -> bytes:
    """The loan-interest subsidy applications received by the last day (see the docstring)."""
    n = int(rng.poisson(law.count_mean))
    day = np.sort(rng.integers(0, law.days, n))
    # lognormal truncated above: the inverse normal CDF below the bound's quantile
    top = stats.norm.cdf(math.log(law.principal_upper / law.principal_median) / law.principal_sigma)
    z = stats.norm.ppf(rng.uniform(0.0, top, n))
    principal = law.principal_median * np.exp(law.principal_sigma * z)
    spread = rng.uniform(law.spread_low, law.spread_high, n)
    months = np.rint(rng.uniform(law.months_low, law.months_high, n)).astype(int)
    return _csv(
        INTEREST_COLUMNS,
        [
            [(law.first_day + dt.timedelta(days=int(d))).isoformat() for d in day],
            [f"江门示例创新科技有限公司{i:03d}" for i in range(1, n + 1)],
            _money(principal),
            _money(spread),
            [str(m) for m in months],
        ],
    )


def generate(truth: Truth = TRUE) -> dict[str, bytes]:
    """Both files' bytes by file name, drawn from ``truth`` with :data:`SEED`."""
    rng = _streams()
    return {
        RD_FILE: rd_records(truth.rd, rng[RD_FILE]),
        INTEREST_FILE: interest_applications(truth.interest, rng[INTEREST_FILE]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed file differs")
    parser.add_argument("--out", type=Path, default=HERE, help="folder (default: examples/)")
    args = parser.parse_args(argv)
    files = generate()
    if args.check:
        stale = [n for n, data in files.items() if not _same(args.out / n, data)]
        for name in stale:
            print(f"{args.out / name}: differs from what make_records.py draws; run it again")
        if not stale:
            print(f"{len(files)} files as drawn: " + ", ".join(files))
        return 1 if stale else 0
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        rows = data.count(b"\r\n") - 1
        print(f"{args.out / name}: {rows} rows, {len(data):,} bytes")
    return 0


def _same(path: Path, data: bytes) -> bool:
    return path.is_file() and path.read_bytes() == data


if __name__ == "__main__":
    sys.exit(main())
