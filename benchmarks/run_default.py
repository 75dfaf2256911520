"""Wall time and peak memory of ``budgetsim run`` on the default scenario.

Prints:

- the wall time of ``budgetsim run`` (10,000 draws, default options), median of 5 runs —
  target ≤ 10 s on the 2-core machine; and with ``--workers 1`` for reference;
- the peak resident memory of a single-process run at 10,000 and at 100,000 draws — targets:
  the 100,000-draw peak ≤ 1.5 × the 10,000-draw peak, and < 400 MiB.

Each measurement runs in a fresh process. Usage:
``python benchmarks/run_default.py [--smoke]``. The last line printed is machine-readable.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

RSS_PROBE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def command() -> list[str]:
    exe = shutil.which("budgetsim")
    return [exe] if exe else [sys.executable, "-m", "budgetsim"]


def wall(args: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([*command(), *args], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_rss_mib(draws: int) -> float:
    args = [*command(), "run", "--draws", str(draws), "--workers", "1", "--no-progress"]
    out = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, *args], check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip()) / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, one run (for CI)")
    args = parser.parse_args()
    draws, big, repeats = (500, 5_000, 1) if args.smoke else (10_000, 100_000, 5)

    auto = wall(["run", "--draws", str(draws), "--no-progress"], repeats)
    single = wall(["run", "--draws", str(draws), "--workers", "1", "--no-progress"], repeats)
    print(
        f"budgetsim run, {draws:,} draws: {auto:.2f} s (median of {repeats}, workers auto), "
        f"{single:.2f} s (workers 1); target ≤ 10 s"
    )
    small_rss, big_rss = peak_rss_mib(draws), peak_rss_mib(big)
    print(
        f"peak RSS, one process: {small_rss:.0f} MiB at {draws:,} draws, "
        f"{big_rss:.0f} MiB at {big:,} draws: ratio {big_rss / small_rss:.2f} "
        "(target ≤ 1.5, and < 400 MiB)"
    )
    print(
        f"run_default_s={auto:.2f} run_default_workers1_s={single:.2f} "
        f"rss_small_mib={small_rss:.0f} rss_big_mib={big_rss:.0f} "
        f"rss_ratio={big_rss / small_rss:.2f}"
    )


if __name__ == "__main__":
    main()
