"""Credit risk reserve funds (科技信贷风险准备金 / 风险补偿资金池): will the fund survive?

Banks lend to eligible firms; when a loan defaults, the fund pays a share of the loss after the
bank's recovery attempts, some months later, and only while it has money ("subject to the
balance"). Each draw of a fund, year by year:

- **enrolment**: the year's loan volume (capped at ``leverage_cap`` × the balance at the start of
  the year) is shared equally among ``banks``; a bank whose loss rate passed ``suspend_above``
  in a year enrols nothing the next year (暂停/暂缓). Loans a bank = volume ÷ mean loan size.
- **defaults** follow the one-factor Gaussian (Vasicek) model: with the year's systematic factor
  ``Z``, each loan defaults independently with ``p(Z) = Φ((Φ⁻¹(PD) − √ρ Z) / √(1 − ρ))``, so a
  bank's number of defaults is exactly ``Binomial(loans, p(Z))`` and only the defaulted loans'
  sizes are drawn. PD and LGD are uncertain: one value per draw.
- **claims**: loss = size × LGD; the fund's share of it (one share, or tiered by loan size), at
  most ``claim_cap``; due ``lag_months`` after a default at a uniform time in the year.
- **payment**: claims are paid in time order from the balance (initial money plus yearly
  replenishment at the start of each year); a claim the balance cannot cover is paid what is
  left and the rest goes unpaid. With cumulative claims ``C`` and money ``M`` at each claim,
  the unpaid total is ``max(0, max_{j ≤ k} (C_j − M_j))``, so the balance never goes negative.

Randomness comes from one stream per draw and fund, so results do not depend on chunking.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError
from scipy import special

from budgetsim._model import SANE, Amount, PerYearAmount, Provenance, Rate, Spec
from budgetsim.distributions import AttributeDist
from budgetsim.stats import clustered_se, proportion_se, quantile
from budgetsim.streams import stream, stream_key

__all__ = [
    "PER_DRAW",
    "PER_YEAR",
    "LossTier",
    "RiskFund",
    "RiskFundPlan",
    "conditional_pd",
    "simulate_riskfund",
    "vasicek_quantile",
]

Floats = NDArray[np.float64]
MONTHS = 12

#: Per draw and year outputs of a fund [unit, except counts and rates].
PER_YEAR = (
    "volume",
    "loans",
    "defaults",
    "principal_loss",
    "claims_due",
    "claims_paid",
    "unpaid",
    "replenished",
    "balance_start",
    "balance_end",
)
#: Per draw outputs: month of depletion (1 = January of the first year; 0: never) and the
#: claims that fall due after the horizon [unit].
PER_DRAW = ("depletion_month", "due_after")


#: Months from a default to its claim.
LagMonths = Annotated[int, Field(ge=SANE["lag_months"][0], le=SANE["lag_months"][1])]


class LossTier(Spec):
    """The fund's share of the loss on loans up to ``up_to`` (None: any larger loan)."""

    up_to: Amount | None = None
    share: Rate = Field(gt=0)


class RiskFund(Provenance):
    """A credit risk reserve fund (``[riskfunds.…]``); see the module description."""

    label: str
    label_en: str | None = None
    balance: Amount
    replenish: PerYearAmount | None = None
    volume: AttributeDist
    leverage_cap: float | None = Field(default=None, gt=0)
    loan_size: AttributeDist
    pd: AttributeDist
    rho: Rate = Field(lt=1)
    lgd: AttributeDist
    share: Rate | None = Field(default=None, gt=0)
    tiers: tuple[LossTier, ...] | None = None
    claim_cap: Amount | None = None
    lag_months: tuple[LagMonths, LagMonths] = (0, 0)
    banks: int = Field(default=1, ge=1, le=100)
    suspend_above: Rate | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _consistent(self) -> RiskFund:
        if (self.share is None) == (self.tiers is None):
            raise PydanticCustomError(
                "riskfund", "give the fund's share of the loss: share, or tiers by loan size"
            )
        low, high = self.lag_months
        if not 0 <= low <= high:
            raise PydanticCustomError(
                "riskfund",
                "expected lag_months = [low, high] with 0 ≤ low ≤ high, found {v}",
                {"v": list(self.lag_months)},
            )
        if self.tiers is not None and self.tiers[-1].up_to is not None:
            raise PydanticCustomError(
                "riskfund", "the last tier must cover every larger loan (leave up_to out)"
            )
        return self


def conditional_pd(pd: float, rho: float, z: Floats) -> Floats:
    """Default probability given the systematic factor ``z`` (one-factor Gaussian model).

    Examples
    --------
    >>> round(float(conditional_pd(0.02, 0.0, np.array([1.5]))[0]), 12)
    0.02
    """
    if pd <= 0.0:
        return np.zeros_like(z)
    if pd >= 1.0:
        return np.ones_like(z)
    return np.asarray(
        special.ndtr((special.ndtri(pd) - np.sqrt(rho) * z) / np.sqrt(1.0 - rho)),
        dtype=np.float64,
    )


def vasicek_quantile(pd: float, rho: float, q: Floats) -> Floats:
    """The ``q`` quantile of the default rate of a large portfolio (Vasicek's closed form).

    Examples
    --------
    >>> round(float(vasicek_quantile(0.02, 0.15, np.array([0.99]))[0]), 4)
    0.1056
    """
    return np.asarray(
        special.ndtr((special.ndtri(pd) + np.sqrt(rho) * special.ndtri(q)) / np.sqrt(1.0 - rho)),
        dtype=np.float64,
    )


@dataclass(frozen=True)
class RiskFundPlan:
    """A fund ready to simulate: its spec, id, and what is derived once from the spec (so
    that worker processes, which receive the plan with every chunk, do not recompute it).

    Attributes
    ----------
    mean_loan_size
        Expected loan size [unit], for the number of loans a volume buys.
    mean_volume
        Expected yearly loan volume [unit] (before the leverage cap).
    replenish
        Money added at the start of each year [unit].
    """

    id: str
    spec: RiskFund
    n_years: int
    mean_loan_size: float
    replenish: Floats
    mean_volume: float = float("nan")

    @classmethod
    def build(cls, fid: str, spec: RiskFund, n_years: int) -> RiskFundPlan:
        """Derive the plan of a fund from its spec."""
        r = spec.replenish
        replenish = np.zeros(n_years) if r is None else np.asarray(r, dtype=np.float64)
        return cls(fid, spec, n_years, _mean(spec.loan_size), replenish, _mean(spec.volume))

    @property
    def stream_key(self) -> int:
        """Key of the fund's random stream."""
        return stream_key(f"riskfund:{self.id}")

    def share(self, size: Floats) -> Floats:
        """The fund's share of the loss on loans of ``size`` [fraction]."""
        spec = self.spec
        if spec.tiers is None:
            assert spec.share is not None
            return np.full(size.shape, spec.share)
        edges = np.array([t.up_to if t.up_to is not None else np.inf for t in spec.tiers])
        shares = np.array([t.share for t in spec.tiers])
        return np.asarray(shares[np.searchsorted(edges, size, side="left")], dtype=np.float64)


def _mean(dist: Any) -> float:
    """Mean of an attribute distribution, truncation included.

    The numerical integral takes tens of milliseconds; it is worked out once per
    distribution, so the many variants of a sensitivity analysis do not repeat it.
    """
    kind: Any = type(dist)
    return _mean_of(kind, dist.model_dump_json())


#: Gauss–Legendre nodes and weights on [0, 1], for means over a range of probabilities.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(256)
_NODES, _WEIGHTS = (_NODES + 1) / 2, _WEIGHTS / 2


@functools.lru_cache(maxsize=512)
def _mean_of(kind: Any, spec: str) -> float:
    """The mean of a truncated distribution as ∫ quantile(p) dp over the probabilities its
    bounds keep (one vectorised quantile call; the untruncated tail from the exact mean)."""
    dist = kind.model_validate_json(spec)
    if not (hasattr(dist, "scipy") and dist.uses_random):
        return float(np.asarray(dist.transform(np.zeros(1)), dtype=np.float64)[0])
    frozen = dist.scipy()
    if not dist.truncated:
        return float(frozen.mean())
    a = 0.0 if dist.lower is None else float(frozen.cdf(dist.lower))
    b = 1.0 if dist.upper is None else float(frozen.cdf(dist.upper))
    if b <= a:  # all the mass outside: the nearer bound
        return float(dist.lower if dist.lower is not None else dist.upper)

    def integral(lo: float, hi: float) -> float:
        p = lo + (hi - lo) * _NODES
        return float((hi - lo) * np.dot(_WEIGHTS, frozen.ppf(p)))

    if dist.upper is None:  # an unbounded upper tail: the whole mean less the part below a
        return (float(frozen.mean()) - integral(0.0, a)) / (b - a)
    return integral(a, b) / (b - a)


def _draw(dist: Any, rng: np.random.Generator, n: int) -> Floats:
    """``n`` values of an attribute distribution from ``rng``."""
    x = np.empty(n)
    if dist.uses_random:
        dist.standard(rng, x)
    return np.asarray(dist.transform(x), dtype=np.float64)


def _unpaid(claims: Floats, money: Floats) -> Floats:
    """Cumulative unpaid claims after each claim, in time order, when each claim is paid what
    the balance allows (``money``: cumulative money available at each claim)."""
    if claims.size == 0:
        return claims
    return np.maximum(np.maximum.accumulate(np.cumsum(claims) - money), 0.0)


def _one_draw(plan: RiskFundPlan, rng: np.random.Generator) -> dict[str, Any]:
    """Simulate one draw of a fund over the years."""
    spec, n_year = plan.spec, plan.n_years
    pd = float(np.clip(_draw(spec.pd, rng, 1)[0], 0.0, 1.0))
    lgd = float(np.clip(_draw(spec.lgd, rng, 1)[0], 0.0, 1.0))
    z = rng.standard_normal(n_year)
    volumes = np.maximum(_draw(spec.volume, rng, n_year), 0.0)
    money = spec.balance + np.cumsum(plan.replenish)  # by the start of each year, cumulative
    out = {name: np.zeros(n_year) for name in PER_YEAR}
    times: list[Floats] = []
    amounts: list[Floats] = []
    active = np.ones(spec.banks, dtype=bool)
    incurred = 0.0  # every claim so far, paid or not, whenever due
    for y in range(n_year):
        volume = volumes[y]
        incurred += float(amounts[-1].sum()) if amounts else 0.0
        # the cap binds only if the volume passes it on the lowest possible balance (every
        # claim so far paid); only then is the exact balance, from settling the claims, needed
        if spec.leverage_cap is not None and volume > spec.leverage_cap * (money[y] - incurred):
            start = money[y] - _paid_until(times, amounts, money, MONTHS * y)
            volume = min(volume, spec.leverage_cap * start)
        per_bank = np.where(active, volume / spec.banks, 0.0)
        loans = np.rint(per_bank / plan.mean_loan_size).astype(np.int64)
        k = rng.binomial(loans, conditional_pd(pd, spec.rho, z[y : y + 1])[0])
        size = _draw(spec.loan_size, rng, int(k.sum()))
        loss = size * lgd
        claim = loss * plan.share(size)
        if spec.claim_cap is not None:
            np.minimum(claim, spec.claim_cap, out=claim)
        lag = rng.integers(spec.lag_months[0], spec.lag_months[1] + 1, size.size)
        times.append(MONTHS * y + MONTHS * rng.random(size.size) + lag)
        amounts.append(claim)
        if spec.suspend_above is not None:
            bank_loss = np.bincount(np.repeat(np.arange(spec.banks), k), loss, spec.banks)
            rate = np.divide(bank_loss, per_bank, out=np.zeros(spec.banks), where=per_bank > 0)
            active = rate <= spec.suspend_above
        out["volume"][y] = float(per_bank.sum())
        out["loans"][y] = float(loans.sum())
        out["defaults"][y] = float(k.sum())
        out["principal_loss"][y] = float(loss.sum())
        out["replenished"][y] = plan.replenish[y]
    return _settle(plan, out, np.concatenate(times), np.concatenate(amounts), money)


def _paid_until(times: list[Floats], amounts: list[Floats], money: Floats, until: float) -> float:
    """Claims paid before month ``until`` [unit]: later claims never change earlier payments."""
    if not times:
        return 0.0
    t, c = np.concatenate(times), np.concatenate(amounts)
    before = t < until
    order = np.argsort(t[before], kind="stable")
    c = c[before][order]
    if c.size == 0:
        return 0.0
    return float(c.sum() - _unpaid(c, _money_at(t[before][order], money))[-1])


def _money_at(times: Floats, money: Floats) -> Floats:
    """Cumulative money available at each time [unit] (replenished at the start of a year)."""
    year = np.minimum((times // MONTHS).astype(np.int64), money.size - 1)
    return money[year]


def _settle(
    plan: RiskFundPlan, out: dict[str, Any], times: Floats, claims: Floats, money: Floats
) -> dict[str, Any]:
    """Pay every claim due within the horizon in time order, subject to the balance."""
    n_year = plan.n_years
    horizon = times < MONTHS * n_year
    out["due_after"] = float(claims[~horizon].sum())
    order = np.argsort(times[horizon], kind="stable")
    t, c = times[horizon][order], claims[horizon][order]
    unpaid = _unpaid(c, _money_at(t, money))
    paid = c - np.diff(unpaid, prepend=0.0)
    year = (t // MONTHS).astype(np.int64)
    out["claims_due"] = np.bincount(year, c, n_year)
    out["claims_paid"] = np.bincount(year, paid, n_year)
    out["unpaid"] = out["claims_due"] - out["claims_paid"]
    out["balance_end"] = np.maximum(money - np.cumsum(out["claims_paid"]), 0.0)  # ≥ 0 exactly
    out["balance_start"] = np.concatenate(
        [[money[0]], out["balance_end"][:-1] + plan.replenish[1:]]
    )
    short = np.flatnonzero(paid < c)
    out["depletion_month"] = int(np.floor(t[short[0]])) + 1 if short.size else 0
    return out


def simulate_riskfund(plan: RiskFundPlan, entropy: int, draws: Sequence[int]) -> dict[str, Any]:
    """Simulate a fund for ``draws`` (global draw indices), each from its own stream.

    Returns
    -------
    dict
        :data:`PER_YEAR` arrays shaped (draws, years) and :data:`PER_DRAW` arrays (draws,).
    """
    n, n_year = len(draws), plan.n_years
    result: dict[str, Any] = {name: np.empty((n, n_year)) for name in PER_YEAR}
    result["depletion_month"] = np.zeros(n, dtype=np.int16)
    result["due_after"] = np.zeros(n)
    for i, draw in enumerate(draws):
        one = _one_draw(plan, stream(entropy, draw, plan.stream_key))
        for name in PER_YEAR:
            result[name][i] = one[name]
        for name in PER_DRAW:
            result[name][i] = one[name]
    return result


def _ratio_of_means(num: Floats, den: Floats) -> Floats:
    mean = np.asarray(den.mean(axis=0), dtype=np.float64)
    out = np.full(mean.shape, np.nan)
    np.divide(num.mean(axis=0), mean, out=out, where=mean > 0)
    return out


def summarise(
    arrays: dict[str, Any], years: Sequence[int], initial: float, cluster: int | None = None
) -> dict[str, Floats]:
    """Summary per year of one fund's per-draw outcomes.

    ``p_depleted`` is the chance that some claim went unpaid in full by the end of the year;
    ``depletion_month_p50`` the median month (1–12 of that year) among draws first depleted in
    it; ``leverage`` the mean loan volume ÷ the mean balance at the start of the year.
    """
    n_year = len(years)
    month = arrays["depletion_month"].astype(np.int64)
    first_year = np.where(month > 0, (month - 1) // MONTHS, n_year)
    balance = arrays["balance_end"]
    q = quantile(balance, (0.05, 0.5, 0.95))
    start = arrays["balance_start"]
    median_month = []
    for y in range(n_year):
        hit = month[first_year == y]
        median_month.append(float(quantile((hit - 1) % MONTHS + 1, 0.5)) if hit.size else np.nan)
    depleted = np.array([(first_year <= y).mean() for y in range(n_year)])
    n = month.size
    return {
        "balance_start_mean": start.mean(axis=0),
        "balance_end_p5": q[0],
        "balance_end_p50": q[1],
        "balance_end_p95": q[2],
        "volume_mean": arrays["volume"].mean(axis=0),
        "loans_mean": arrays["loans"].mean(axis=0),
        "defaults_mean": arrays["defaults"].mean(axis=0),
        "principal_loss_mean": arrays["principal_loss"].mean(axis=0),
        "claims_due_mean": arrays["claims_due"].mean(axis=0),
        "claims_paid_mean": arrays["claims_paid"].mean(axis=0),
        "claims_paid_p95": quantile(arrays["claims_paid"], 0.95),
        "unpaid_mean": arrays["unpaid"].mean(axis=0),
        "replenished": arrays["replenished"].mean(axis=0),
        "leverage": _ratio_of_means(arrays["volume"], start),
        "p_depleted": depleted,
        "p_depleted_se": proportion_se(depleted, n)
        if cluster is None
        else clustered_se((first_year[:, None] <= np.arange(n_year)).astype(float), cluster),
        "depletion_month_p50": np.array(median_month),
        "initial_balance": np.full(n_year, initial),
    }
