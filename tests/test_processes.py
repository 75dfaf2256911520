"""Interrupted and concurrent runs, as processes: Ctrl-C, a killed parent, a closed pipe, an
output folder that cannot be written, a run killed while writing its files, permissions.

The process tests start ``python -m budgetsim`` from the source tree under test and poll with
generous timeouts, so that they hold on a loaded machine.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import pytest
from click.testing import CliRunner

import budgetsim
from budgetsim import cli as cli_module
from budgetsim import cli_optimize, cli_params, cli_sensitivity
from budgetsim.cli import cli
from budgetsim.outputs import MANIFEST, atomic, clean_leftovers, write_outputs

SRC = Path(budgetsim.__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONUNBUFFERED": "1"}
#: A run far longer than any test waits for it.
LONG_RUN = ["run", "--draws", "1000000", "--workers", "2", "--no-progress"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and processes")


def _budgetsim(*args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "budgetsim", *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a job in a terminal
        **kwargs,
    )


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``condition`` until it holds; the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.02)
    return time.monotonic() - started


def _running(process: psutil.Process) -> bool:
    """Whether a process still runs (an exited one waiting to be reaped does not)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _workers_of(parent: subprocess.Popen[bytes], count: int) -> list[psutil.Process]:
    """The parent's worker processes, once ``count`` of them run."""
    me = psutil.Process(parent.pid)
    _wait_for(
        lambda: len(me.children()) >= count or parent.poll() is not None, 120, "workers start"
    )
    assert parent.poll() is None, parent.communicate()
    return me.children()


@pytest.fixture
def stop_all() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts, killed with their workers however the test ends."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        try:
            tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
        except psutil.NoSuchProcess:
            tree = []
        for p in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        process.communicate()


# -- Ctrl-C and a killed parent -----------------------------------------------------------


@pytest.mark.parametrize("to", ["group", "parent"])
def test_ctrl_c_ends_the_run_and_its_workers(
    to: str, tmp_path: Path, stop_all: list[subprocess.Popen[bytes]]
) -> None:
    """Ctrl-C in a terminal signals the whole job (group); ``kill -INT`` the parent only."""
    run = _budgetsim(*LONG_RUN, "--out", str(tmp_path / "out"))
    stop_all.append(run)
    workers = _workers_of(run, 2)
    time.sleep(1.0)  # the workers are computing chunks
    if to == "group":
        os.killpg(run.pid, signal.SIGINT)
    else:
        run.send_signal(signal.SIGINT)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 130
    assert stderr.decode().splitlines() == ["interrupted"]
    assert b"Traceback" not in stdout + stderr
    _wait_for(lambda: not any(map(_running, workers)), 30, "workers exit")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_killed_parent_takes_its_workers_along(stop_all: list[subprocess.Popen[bytes]]) -> None:
    run = _budgetsim(*LONG_RUN)
    stop_all.append(run)
    workers = _workers_of(run, 2)
    time.sleep(1.0)
    run.kill()
    run.wait()
    took = _wait_for(lambda: not any(map(_running, workers)), 30, "workers exit")
    # Measured well under 1 s (the kernel's parent-death signal); a loaded machine may be
    # slow to schedule the exits, so the bound is loose.
    assert took < 5, took


WATCHDOG_ONLY = textwrap.dedent(
    """
    import os, sys, time
    import budgetsim._pool as pool
    pool._die_with_parent = lambda: None  # as where the kernel cannot be asked to
    with pool.worker_pool(1) as workers:
        print(workers.submit(os.getpid).result(), flush=True)
        time.sleep(600)
    """
)


def test_workers_watch_their_parent_where_the_kernel_does_not(
    stop_all: list[subprocess.Popen[bytes]],
) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", WATCHDOG_ONLY],
        env=ENV,
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    stop_all.append(parent)
    assert parent.stdout is not None
    worker = psutil.Process(int(parent.stdout.readline()))
    parent.kill()
    parent.wait()
    took = _wait_for(lambda: not _running(worker), 30, "worker exits")
    assert took < 5, took


def test_a_closed_pipe_ends_quietly() -> None:
    """``budgetsim run | head -3``."""
    run = subprocess.Popen(
        [sys.executable, "-m", "budgetsim", "run", "-n", "300", "--workers", "1"],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert run.stdout is not None
    assert run.stderr is not None
    for _ in range(3):
        run.stdout.readline()
    run.stdout.close()
    stderr = run.stderr.read()
    run.wait(timeout=120)
    assert run.returncode in (0, 141), stderr
    assert stderr == b""


# -- an output that cannot be written is refused before the run -----------------------------


def _unwritable(base: Path) -> Path:
    """An existing folder in which this process cannot create files."""
    if os.geteuid() != 0:
        folder = base / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    for folder in (Path("/sys"), Path("/proc")):  # root writes anywhere else
        try:
            fd, name = tempfile.mkstemp(dir=folder)
        except OSError:
            return folder
        os.close(fd)
        os.unlink(name)
    pytest.skip("no folder this (root) process cannot write into")


@pytest.fixture
def places(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Output folders that cannot be written, by why."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    read_only = _unwritable(tmp_path)
    yield {
        "a file": blocker,
        "under a file": blocker / "out",
        "read-only": read_only,
        "under read-only, missing": read_only / "missing" / "deeper",
    }
    if read_only.is_relative_to(tmp_path):
        read_only.chmod(0o755)


#: Every command that takes --out (or --chart), and how it is given: a folder or a file.
COMMANDS = {
    "run": (["run", "--draws", "100000000"], "--out", ""),
    "report": (["report", "--draws", "100000000"], "--out", ""),
    "params": (["params"], "--out", "table.csv"),
    "sensitivity": (["sensitivity"], "--out", "table.csv"),
    "sensitivity --chart": (["sensitivity"], "--chart", "chart.png"),
    "sensitivity --chart DIR": (["sensitivity"], "--chart", "charts"),
    "optimize allocate": (["optimize", "allocate"], "--out", "split.csv"),
    "optimize size": (["optimize", "size"], "--out", "budgets.xlsx"),
    "optimize award": (["optimize", "award", "x.csv", "--envelope", "1"], "--out", "a.csv"),
}


@pytest.mark.parametrize("why", ["a file", "under a file", "read-only", "under read-only, missing"])
@pytest.mark.parametrize("command", COMMANDS)
def test_an_unwritable_out_is_refused_before_the_work(
    command: str, why: str, places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_work(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the command started its work")

    for module in (cli_module, cli_params, cli_sensitivity, cli_optimize):
        monkeypatch.setattr(module, "load_scenario", no_work)
    monkeypatch.setattr(cli_optimize, "read_applicants", no_work)
    args, option, name = COMMANDS[command]
    out = places[why] / name if name else places[why]
    result = CliRunner().invoke(cli, [*args, option, str(out)])
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code == 2:  # click's own check of an option that must be a folder
        assert f"Directory '{out}' is a file" in result.output, result.output
    else:
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"error: {option} {out}: cannot write"), result.output


# -- a set of files, whole or not at all -----------------------------------------------------


def _check_set(folder: Path) -> str:
    """Check that ``folder`` holds one whole set; its run id."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    run_id = manifest["run_id"]
    listed = set(manifest["files"])
    for name, facts in manifest["files"].items():
        data = (folder / name).read_bytes()
        assert len(data) == facts["bytes"]
        assert hashlib.sha256(data).hexdigest() == facts["sha256"]
    if "summary.json" in listed:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert summary["stamp"]["run_id"] == run_id
        assert set(pd.read_csv(folder / "summary.csv")["run_id"]) == {run_id}
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no leftovers
    others = {p.name for p in folder.iterdir() if p.is_file()} - listed - {MANIFEST}
    assert not others & {"summary.json", "summary.csv", "draws.parquet", "draws.csv.gz"}
    return str(run_id)


def test_run_out_is_one_set_that_replaces_the_last(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    runner = CliRunner()
    first = runner.invoke(cli, ["run", "-n", "50", "--uncertain", "--out", str(tmp_path)])
    assert first.exit_code == 0, first.output
    one = _check_set(tmp_path)
    assert (tmp_path / "uncertain_comparison.csv").exists()
    second = runner.invoke(
        cli, ["run", "-n", "60", "--draws-format", "csv", "--out", str(tmp_path)]
    )
    assert second.exit_code == 0, second.output
    two = _check_set(tmp_path)
    assert one != two
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"summary.json", "summary.csv", "draws.csv.gz", MANIFEST, "notes.txt"}
    with gzip.open(tmp_path / "draws.csv.gz", "rt", encoding="utf-8") as handle:
        assert json.loads(handle.readline().removeprefix("# "))["run_id"] == two


def test_concurrent_runs_into_one_folder_leave_one_set(tmp_path: Path) -> None:
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "budgetsim",
                "run",
                "-n",
                str(n),
                "-s",
                str(n),
                "--workers",
                "1",
                "--out",
                str(tmp_path),
            ],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in (400, 401, 402)
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr
    _check_set(tmp_path)
    draws = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["stamp"]["draws"]
    assert draws in (400, 401, 402)


#: Write a set with os.replace killing the process at its Nth call: in the middle of writing
#: (the files are renamed into the staging folder), or of moving the set in.
KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    import budgetsim
    from budgetsim.outputs import write_outputs

    kill_at, out = int(sys.argv[1]), sys.argv[2]
    result = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=30, seed=2)
    calls = 0
    replace = os.replace

    def dying_replace(a, b):
        global calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        replace(a, b)

    os.replace = dying_replace
    write_outputs(result, out)
    print(calls)
    """
)


def _killed_writer(kill_at: int, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(kill_at), str(out)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_killed_run_never_leaves_a_mixture(tmp_path: Path) -> None:
    old = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=20, seed=1)
    whole = _killed_writer(0, tmp_path / "count")
    assert whole.returncode == 0, whole.stderr
    calls = int(whole.stdout)  # 3 files and the manifest written, the plan, 4 moved in
    assert calls == 9
    for kill_at in (2, 5, 6, 7, 9):
        out = tmp_path / f"killed-{kill_at}"
        write_outputs(old, out)
        before = _check_set(out)
        killed = _killed_writer(kill_at, out)
        assert killed.returncode == -signal.SIGKILL
        # Right after the kill: the old set whole, or part of one set without a manifest.
        visible = {p.name for p in out.iterdir() if not p.name.startswith(".")}
        if (out / MANIFEST).exists():
            assert _check_set_ignoring_leftovers(out) == before
        else:
            stamps = (
                {json.loads((out / "summary.json").read_text(encoding="utf-8"))["stamp"]["run_id"]}
                if "summary.json" in visible
                else set()
            )
            if "summary.csv" in visible:
                stamps |= set(pd.read_csv(out / "summary.csv")["run_id"])
            assert len(stamps) <= 1
        # The next run into the folder tidies up: the killed run's set if it had begun to
        # move in, else the old one, whole.
        clean_leftovers(out)
        after = _check_set(out)
        assert (after == before) == (kill_at <= 5), kill_at


def _check_set_ignoring_leftovers(folder: Path) -> str:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for name, facts in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == facts["sha256"]
    return str(manifest["run_id"])


def test_leftovers_of_dead_runs_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = os.getpid()
    stage = tmp_path / f".budgetsim-tmp-{dead.pid}-20250101T000000Z-abcd"
    stage.mkdir()
    (stage / "summary.json").write_text("{}")
    temp = tmp_path / f".summary.json.budgetsim-{dead.pid}-x1y2.tmp"
    probe = tmp_path / f".budgetsim-probe-{dead.pid}-x1y2"
    busy = tmp_path / f".summary.csv.budgetsim-{alive}-x1y2.tmp"
    for path in (temp, probe, busy):
        path.write_text("half")
    removed = clean_leftovers(tmp_path)
    assert set(removed) == {stage, temp, probe}
    assert busy.exists()  # a live process' file stays
    with atomic(tmp_path / "table.csv") as handle:  # one file, not a set: the same tidying
        handle.write("x\n")
    old_temp = tmp_path / f".table.csv.budgetsim-{dead.pid}-zz.tmp"
    old_temp.write_text("half")
    with atomic(tmp_path / "table.csv") as handle:
        handle.write("y\n")
    assert not old_temp.exists()


# -- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_files_get_the_permissions_of_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    result = budgetsim.simulate(budgetsim.load_scenario("jiangmen-2021"), draws=20, seed=1)
    (tmp_path / "summary.json").write_text("{}")
    (tmp_path / "summary.json").chmod(0o600)  # a file from before is replaced, mode and all
    old = os.umask(umask)
    try:
        files = write_outputs(result, tmp_path)
        with atomic(tmp_path / "one.csv") as handle:
            handle.write("x\n")
    finally:
        os.umask(old)
    for path in [*files, tmp_path / MANIFEST, tmp_path / "one.csv"]:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
