"""Credit risk reserve fund: 10,000 loans a year, 10,000 draws, three years.

The engine draws, per bank and year, the number of defaults as Binomial(loans, p(Z)) given the
year's systematic factor Z (exact under the one-factor Gaussian model) and sizes only the
defaulted loans. The naive reference simulates every loan: a latent variable
√ρ Z + √(1 − ρ) ε per loan, a default when it falls below Φ⁻¹(PD), a size per loan — the
textbook Monte Carlo, vectorised over loans. Both are run on the same case; the defaults they
produce are compared (same distribution, different random numbers), and their speeds.

Target on the 2-core machine: the full case (10,000 loans a year × 10,000 draws) in ≤ 15 s.

Usage: ``python benchmarks/riskfund.py [--draws N] [--naive-draws M] [--smoke]``. The last line
printed is machine-readable.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import special

from budgetsim.riskfund import RiskFund, RiskFundPlan, simulate_riskfund

YEARS = [2021, 2022, 2023]
LOANS, SIZE, PD, RHO, LGD, SHARE = 10_000, 300.0, 0.02, 0.15, 0.7, 0.35

SPEC = RiskFund.model_validate(
    {
        "label": "benchmark fund",
        "assumption": "benchmark",
        "balance": 200_000,
        "volume": {"dist": "fixed", "value": LOANS * SIZE, "assumption": "benchmark"},
        "loan_size": {"dist": "fixed", "value": SIZE, "assumption": "benchmark"},
        "pd": {"dist": "fixed", "value": PD, "assumption": "benchmark"},
        "rho": RHO,
        "lgd": {"dist": "fixed", "value": LGD, "assumption": "benchmark"},
        "share": SHARE,
        "lag_months": [6, 18],
        "banks": 4,
    },
    context={"years": YEARS, "unit": "万元"},
)


def naive(draws: int, seed: int = 7) -> np.ndarray:
    """Defaults per draw and year, one latent variable per loan (the textbook simulation)."""
    rng = np.random.default_rng(seed)
    threshold = special.ndtri(PD)
    defaults = np.empty((draws, len(YEARS)))
    for d in range(draws):
        for y in range(len(YEARS)):
            z = rng.standard_normal()
            latent = np.sqrt(RHO) * z + np.sqrt(1 - RHO) * rng.standard_normal(LOANS)
            hit = latent < threshold
            sizes = np.full(LOANS, SIZE)  # every loan is sized, defaulted or not
            _claims = sizes[hit] * LGD * SHARE
            defaults[d, y] = hit.sum()
    return defaults


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--naive-draws", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="small sizes (for CI)")
    args = parser.parse_args()
    draws, naive_draws = (200, 50) if args.smoke else (args.draws, args.naive_draws)
    plan = RiskFundPlan.build("bench", SPEC, len(YEARS))

    started = time.perf_counter()
    result = simulate_riskfund(plan, entropy=1, draws=range(draws))
    engine_s = time.perf_counter() - started

    started = time.perf_counter()
    reference = naive(naive_draws)
    naive_s = time.perf_counter() - started

    a, b = result["defaults"].ravel(), reference.ravel()
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    print(f"case: {LOANS:,} loans a year × {len(YEARS)} years, PD {PD:.0%}, ρ {RHO}")
    print(
        f"check: mean defaults a year, engine {a.mean():.1f} vs per-loan reference "
        f"{b.mean():.1f} (difference {abs(a.mean() - b.mean()) / se:.1f} standard errors)"
    )
    per_draw_engine, per_draw_naive = engine_s / draws, naive_s / naive_draws
    print(
        f"engine          : {draws:,} draws in {engine_s:.2f} s "
        f"({per_draw_engine * 1e3:.2f} ms a draw)"
    )
    print(
        f"naive reference : {naive_draws:,} draws in {naive_s:.2f} s "
        f"({per_draw_naive * 1e3:.2f} ms a draw; {per_draw_naive * 10_000:.0f} s for 10,000)"
    )
    print(
        f"engine ÷ naive = {per_draw_naive / per_draw_engine:.1f}× faster; target: "
        f"10,000 draws in ≤ 15 s"
    )
    print(
        f"riskfund_10k_loans_{draws / 1000:g}k_draws_s={engine_s:.2f} "
        f"ratio_vs_naive={per_draw_naive / per_draw_engine:.1f}"
    )


if __name__ == "__main__":
    main()
