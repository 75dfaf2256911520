"""Whether a run fits: the memory and time it needs, estimated before anything is sampled.

A run keeps every draw's outcomes (draws × programmes × years × metrics) and works on one
chunk of draws at a time in each worker, holding every applicant of the chunk. Both are known
before sampling from the scenario's expected applicant counts, so a run that cannot fit is
refused at once with what it needs, what there is and what would fit, rather than failing
deep inside numpy after minutes of work.

The figures per applicant and per second are measured (``benchmarks/engine.py``): a chunk
takes 39–75 bytes per applicant-year of the bundled scenarios at its peak, and one worker
samples and pays 0.06–0.6 million applicant-years a second on the 2-core reference machine.
The estimate takes the high end of memory and the fast end of speed, so that it refuses only
what surely cannot fit.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from budgetsim.errors import BudgetsimError

__all__ = ["CAPACITY", "Work", "WorkTooLarge", "available_memory", "check", "estimate"]

#: The constants of the estimate, measured on the bundled scenarios (see the module notes).
CAPACITY: dict[str, float] = {
    # peak working memory of a chunk, per applicant-year in it [bytes]
    "bytes_per_applicant": 100.0,
    # applicant-years one worker samples and pays in a second (the fast end)
    "applicants_per_second": 1e6,
    # share of the available memory a run may plan to use
    "memory_share": 0.8,
    # the longest run started without being asked to [seconds]: a day
    "longest_seconds": 86_400.0,
}


class WorkTooLarge(BudgetsimError):
    """A run that cannot fit in the memory or the time available."""


@dataclass(frozen=True)
class Work:
    """What a run needs, estimated before it starts.

    Attributes
    ----------
    draws
        Monte Carlo draws.
    applicants_per_draw
        Expected applicant-years of one draw (every sampled population, every year).
    chunk_draws
        Draws a worker holds at once.
    workers
        Chunks held at once (worker processes, or 1 in this process).
    result_bytes
        The per-draw outcomes kept for the whole run [bytes].
    """

    draws: int
    applicants_per_draw: float
    chunk_draws: int
    workers: int
    result_bytes: float

    @property
    def chunk_bytes(self) -> float:
        """Peak working memory of one chunk [bytes]."""
        return CAPACITY["bytes_per_applicant"] * self.applicants_per_draw * self.chunk_draws

    @property
    def memory(self) -> float:
        """Peak memory of the run: the kept outcomes and one chunk in each worker [bytes]."""
        return self.result_bytes + self.workers * self.chunk_bytes

    @property
    def seconds(self) -> float:
        """A short estimate of the time the run takes [s]."""
        rate = CAPACITY["applicants_per_second"] * self.workers
        return self.draws * self.applicants_per_draw / rate


def estimate(
    applicants_per_draw: float,
    draws: int,
    chunk_draws: int,
    workers: int,
    cells_per_draw: int,
) -> Work:
    """The work of a run.

    Parameters
    ----------
    applicants_per_draw
        Expected applicant-years of one draw.
    draws, chunk_draws, workers
        As the engine runs them.
    cells_per_draw
        Numbers kept per draw (programmes × years × metrics, and the like), 8 bytes each.
    """
    return Work(draws, applicants_per_draw, chunk_draws, workers, 8.0 * cells_per_draw * draws)


def available_memory() -> float | None:
    """Memory available to a new run [bytes], or None when the system does not say."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _size(n: float) -> str:
    """Bytes as a reader says them.

    Examples
    --------
    >>> _size(3.2 * 2**30), _size(5e12)
    ('3.2 GiB', '4.5 TiB')
    """
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 2**10:.0f} KiB"


def _duration(seconds: float) -> str:
    """Seconds as a reader says them.

    Examples
    --------
    >>> _duration(3 * 86400), _duration(7200), _duration(90)
    ('3.0 days', '2.0 hours', '2 minutes')
    """
    if seconds >= 86_400:
        return f"{seconds / 86_400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{math.ceil(seconds / 60)} minutes"


def check(work: Work, memory: float | None = None, *, where: Sequence[str] = ()) -> None:
    """Refuse a run that cannot fit in ``memory`` (the available memory by default) or a day.

    Parameters
    ----------
    work
        The run's estimate (:func:`estimate`).
    memory
        Bytes the run may use; None reads what the system has available.
    where
        What makes the applicants many (e.g. the largest populations), named in the message.

    Raises
    ------
    WorkTooLarge
        With what the run needs, what there is, and what would fit.

    Examples
    --------
    >>> check(estimate(1e3, 10_000, 400, 1, 30), memory=8 * 2**30)
    >>> check(estimate(3e12, 10, 1, 1, 30), memory=8 * 2**30)
    Traceback (most recent call last):
    ...
    budgetsim.capacity.WorkTooLarge: the run cannot fit: ...
    """
    memory = available_memory() if memory is None else memory
    because = f" ({'; '.join(where)})" if where else ""
    if memory is not None:
        usable = CAPACITY["memory_share"] * memory
        if work.chunk_bytes / work.chunk_draws > usable:
            raise WorkTooLarge(
                f"the run cannot fit: one draw alone has {work.applicants_per_draw:,.0f} "
                f"expected applicant-years{because} and needs "
                f"{_size(work.chunk_bytes / work.chunk_draws)}, but "
                f"{_size(memory)} is available; check the applicant counts (arrivals.mean) "
                "and their unit"
            )
        if work.memory > usable:
            per_draw = work.result_bytes / work.draws
            fits = int((usable - work.workers * work.chunk_bytes) / per_draw) if per_draw else 0
            raise WorkTooLarge(
                f"the run cannot fit: {work.draws:,} draws need {_size(work.memory)} "
                f"({_size(work.result_bytes)} of per-draw outcomes), but {_size(memory)} is "
                "available; "
                + (
                    f"at most about {fits:,} draws fit (--draws {fits})"
                    if fits >= 1
                    else "use fewer workers (--workers 1)"
                )
            )
    if work.seconds > CAPACITY["longest_seconds"]:
        rate = work.applicants_per_draw / (CAPACITY["applicants_per_second"] * work.workers)
        fits = int(CAPACITY["longest_seconds"] / rate)
        raise WorkTooLarge(
            f"the run cannot fit in a day: {work.draws:,} draws of "
            f"{work.applicants_per_draw:,.0f} expected applicant-years{because} take at least "
            f"{_duration(work.seconds)} on {work.workers} worker(s); use at most about "
            f"{fits:,} draws (--draws {fits}), more workers, or check the applicant counts"
        )
