"""Keep glibc from returning and re-faulting the engine's working memory on every chunk.

The engine allocates the same few megabytes of temporaries for every chunk of draws. With
glibc's default thresholds, large blocks are mapped and unmapped each time, and every page is
faulted in again: measured on the engine benchmark, 654,000 minor page faults and 1.7 s of
system time, half of the run. Raising the mmap and trim thresholds while the engine runs keeps
that memory in the heap for reuse and roughly doubles throughput.

The setting is scoped: :func:`tuned_allocator` raises the thresholds on entry and, when the
outermost scope ends (normally or by an error), puts glibc's defaults back and hands the freed
working memory to the system (``malloc_trim``), so what follows (summaries, tables) maps and
frees its large temporaries instead of stacking them on a heap that never shrinks. Worker
processes that budgetsim starts set it once, in their initialiser (:func:`tune_worker`), and
keep it until they exit; a chunk run on another executor's worker scopes it to the chunk.

The setting is process-wide while in force (it also applies to other threads of the process)
and only made on Linux with glibc. Restoring puts back glibc's starting values; glibc's dynamic
raising of the mmap threshold, which any ``mallopt`` call switches off, stays off. Set the
environment variable ``BUDGETSIM_NO_MALLOPT=1`` to leave the allocator alone.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["restore_allocator", "tune_allocator", "tune_worker", "tuned_allocator"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 * 2**20
TRIM_THRESHOLD = 256 * 2**20
#: glibc's defaults (M_MMAP_THRESHOLD 128 KiB, M_TRIM_THRESHOLD 128 KiB).
DEFAULT_MMAP_THRESHOLD = 128 * 2**10
DEFAULT_TRIM_THRESHOLD = 128 * 2**10
_libc: Any = None
_found: bool | None = None
#: Open :func:`tuned_allocator` scopes in this process (a worker's initialiser holds one).
_depth = 0
_lock = threading.Lock()


def _glibc() -> Any:
    """glibc, or None when it is not there or the user opted out."""
    global _libc, _found
    if _found is None:
        _found = False
        if sys.platform == "linux" and not os.environ.get("BUDGETSIM_NO_MALLOPT"):
            try:
                _libc = ctypes.CDLL("libc.so.6")
                _libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
                _libc.malloc_trim.argtypes = [ctypes.c_size_t]
                _found = True
            except (OSError, AttributeError):  # not glibc (e.g. musl)
                _libc = None
    return _libc


def tune_allocator() -> bool:
    """Raise glibc's mmap/trim thresholds for a run; True if the setting was made."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


def restore_allocator() -> None:
    """Put glibc's default thresholds back and return freed heap memory, after a run."""
    libc = _glibc()
    if libc is None:
        return
    libc.mallopt(_M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD)
    libc.mallopt(_M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
    libc.malloc_trim(0)


@contextmanager
def tuned_allocator() -> Iterator[None]:
    """Raise the thresholds for the duration of a ``with`` block; nested blocks share one
    setting, and the outermost restores glibc's defaults however it ends.

    Examples
    --------
    >>> with tuned_allocator():
    ...     pass
    >>> _depth
    0
    """
    global _depth
    with _lock:
        if _depth == 0:
            tune_allocator()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                restore_allocator()


def tune_worker() -> None:
    """Initialiser of budgetsim's worker processes: tuned for the life of the process."""
    global _depth
    with _lock:
        if _depth == 0:
            tune_allocator()
        _depth += 1
