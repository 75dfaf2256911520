"""Keep glibc from returning and re-faulting the engine's working memory on every chunk.

The engine allocates the same few megabytes of temporaries for every chunk of draws. With
glibc's default thresholds, large blocks are mapped and unmapped each time, and every page is
faulted in again: measured on the engine benchmark, 654,000 minor page faults and 1.7 s of
system time, half of the run. Raising the mmap and trim thresholds while the engine runs keeps
that memory in the heap for reuse and roughly doubles throughput.

When a run ends, :func:`restore_allocator` puts glibc's default thresholds back and hands the
freed working memory to the system (``malloc_trim``): what follows (summaries, tables) then
maps and frees its large temporaries instead of stacking them on a heap that never shrinks.

The setting is process-wide and only made on Linux with glibc. Set the environment variable
``BUDGETSIM_NO_MALLOPT=1`` to leave the allocator alone.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

__all__ = ["restore_allocator", "tune_allocator"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 * 2**20
TRIM_THRESHOLD = 256 * 2**20
#: glibc's defaults (M_MMAP_THRESHOLD 128 KiB, M_TRIM_THRESHOLD 128 KiB).
DEFAULT_MMAP_THRESHOLD = 128 * 2**10
DEFAULT_TRIM_THRESHOLD = 128 * 2**10
_libc: Any = None
_found: bool | None = None


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
