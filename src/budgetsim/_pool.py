"""budgetsim's own worker processes: a pool that never outlives its run or its parent.

:func:`worker_pool` starts a :class:`~concurrent.futures.ProcessPoolExecutor` whose workers

- ignore SIGINT, so that Ctrl-C (which the terminal sends to every process of the job) is
  handled once, by the parent, and no worker prints a traceback;
- exit when the parent dies, however it dies (``kill -9`` included): on Linux the kernel sends
  them SIGKILL (``prctl(PR_SET_PDEATHSIG)``), and everywhere a watchdog thread in each worker
  exits it within a fraction of a second of its parent process changing.

When the block that uses the pool ends by an error or an interrupt, pending chunks are
cancelled and the workers terminated at once, instead of the pool waiting for every chunk
already queued; :func:`stop_all` does the same for every pool still running (the command line
calls it on Ctrl-C, wherever in the run the interrupt landed).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import InvalidStateError, ProcessPoolExecutor
from typing import Any

__all__ = ["stop_all", "worker_pool"]

#: How often a worker checks that its parent is alive [s].
WATCH_INTERVAL = 0.2
#: How long a terminated worker may take to exit before it is killed [s].
TERMINATE_GRACE = 2.0

_PR_SET_PDEATHSIG = 1

#: Pools started by :func:`worker_pool` and not yet shut down.
_RUNNING: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # signal 0 is Ctrl-C there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    return True


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent exits (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch(parent: int) -> None:
    """Exit this process as soon as its parent is no longer ``parent``."""
    while True:
        time.sleep(WATCH_INTERVAL)
        if os.getppid() != parent:
            os._exit(1)


def _start_worker(
    owner: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]
) -> None:
    """Initialiser of every budgetsim worker: ignore Ctrl-C, die with the parent, then run
    the pool's own initialiser.

    Parameters
    ----------
    owner
        Process id of the process that started the pool.
    initializer, initargs
        The pool's own initialiser and its arguments.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    parent = os.getppid()
    # The parent is the owner (fork, spawn) or a fork server that exits with the owner. If it
    # died before the request above took effect, this worker has been re-parented already.
    if parent != owner and not _alive(owner):
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="budgetsim-watchdog", daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _quiet_cancelled(args: threading.ExceptHookArgs) -> None:
    """The thread hook while pools stop: a pool's own thread that finds a future it was
    about to complete already cancelled (``InvalidStateError``) is part of stopping, not an
    error to print (CPython's executor does not expect futures cancelled under it)."""
    if isinstance(args.exc_value, InvalidStateError) and type(args.thread).__name__.endswith(
        "ExecutorManagerThread"
    ):
        return
    _PREVIOUS_HOOK(args)


_PREVIOUS_HOOK = threading.excepthook


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel a pool's pending work and end its workers now, without waiting for them."""
    threading.excepthook = _quiet_cancelled
    processes = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)
    manager = getattr(pool, "_executor_manager_thread", None)
    _RUNNING.discard(pool)
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    deadline = time.monotonic() + TERMINATE_GRACE
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)
    # A worker ended while sending a result leaves the pool's thread waiting for the rest of
    # the message, and the interpreter waiting for that thread at exit. With the workers gone,
    # closing this process' end of the result pipe ends that wait (end of file).
    with contextlib.suppress(Exception):
        results._writer.close()  # type: ignore[union-attr]
    if manager is not None:
        manager.join(TERMINATE_GRACE)


def stop_all() -> None:
    """Cancel the work of every pool :func:`worker_pool` started and end its workers."""
    for pool in list(_RUNNING):
        _stop(pool)


@contextlib.contextmanager
def worker_pool(
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[ProcessPoolExecutor]:
    """A process pool of budgetsim workers for the length of a ``with`` block.

    Parameters
    ----------
    workers
        Number of worker processes.
    initializer, initargs
        Run in each worker when it starts, after budgetsim's own set-up.

    Yields
    ------
    ProcessPoolExecutor
        The pool. When the block ends normally, it waits for the work submitted; when it ends
        by an exception (``KeyboardInterrupt``, ``GeneratorExit`` included), pending work is
        cancelled and the workers are terminated.
    """
    pool = ProcessPoolExecutor(
        workers, initializer=_start_worker, initargs=(os.getpid(), initializer, initargs)
    )
    _RUNNING.add(pool)
    try:
        yield pool
    except BaseException:
        _stop(pool)
        raise
    _RUNNING.discard(pool)
    pool.shutdown(wait=True)
