"""Write a run's results to files, as one set, atomically, each stamped for reproducibility.

``summary.json``
    Scenario, stamp, and per programme × year (and horizon) summary statistics.
``summary.csv``
    The same numbers in tidy form: one row per programme × year × metric, with the stamp in
    columns so that every row is self-describing. UTF-8 with a byte-order mark, so that Excel
    on a Chinese Windows reads the labels right (``pandas.read_csv`` skips the mark).
``draws.parquet`` or ``draws.csv.gz``
    Per-draw results, one row per draw × programme × year. Parquet carries the stamp in its
    file metadata; the CSV starts with one ``#`` comment line holding it (read it back with
    ``pandas.read_csv(path, comment="#")``).
``manifest.json``
    The set: its run id (also in every file's stamp) and each file's size and SHA-256.

The files of one output folder are one set (:func:`file_set`): they are written into a staging
folder inside it, ``.budgetsim-tmp-<pid>-<run id>``, and moved into place only when all are
written, the manifest last. A run killed while writing leaves the previous set as it was; one
killed while moving its files in leaves part of one set or the other without a manifest, never
files of two runs side by side, and the next run into the folder finishes the move. What a
killed run left behind (staging folders, temporary files of processes that no longer run) is
removed by the next run into the folder. Files get the permissions the umask gives (0644 under
022), as files that a shell redirect creates.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib.util
import json
import math
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from budgetsim import __version__
from budgetsim.results import SimulationResult

try:  # a lock on the output folder serialises two runs moving their sets into it
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "MANIFEST",
    "OUTPUT_NAMES",
    "DrawsFormat",
    "FileSet",
    "atomic",
    "check_writable",
    "clean_leftovers",
    "file_set",
    "write_outputs",
]

DrawsFormat = Literal["auto", "parquet", "csv"]

#: The file that lists a set's files and names its run.
MANIFEST = "manifest.json"
#: The files :func:`write_outputs` writes (one of the per-draw files).
OUTPUT_NAMES = ("summary.json", "summary.csv", "draws.parquet", "draws.csv.gz")

_STAGE = re.compile(r"\.budgetsim-tmp-(?P<pid>\d+)-(?P<run>[0-9A-Za-z-]+)")
_TEMP = re.compile(r"\..+\.budgetsim-(?P<pid>\d+)-[^.]+\.tmp")
_PROBE = re.compile(r"\.budgetsim-probe-(?P<pid>\d+)-.+")
_COMMIT = ".commit.json"


def _umask() -> int:
    """The process' umask, read without changing it where the system says it."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _dead(pid: int) -> bool:
    """Whether no process ``pid`` runs (on this machine; never said on Windows, where signal
    0 is Ctrl-C)."""
    if pid == os.getpid() or sys.platform == "win32":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # someone else's process (PermissionError), or no such call
        return False
    return False


@contextlib.contextmanager
def atomic(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open ``path`` for writing through a temporary file that replaces it only when the
    block ends without error (and is removed if it does not).

    The folder is created if missing; the file gets the permissions of the umask (0666 less
    the umask, as ``open`` gives a new file). The temporary file, ``.NAME.budgetsim-PID-….tmp``
    beside it, names the process writing it, so that one left by a killed process is removed
    the next time ``path`` is written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead(path.parent, f".{path.name}.budgetsim-")
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.budgetsim-{os.getpid()}-", suffix=".tmp"
    )
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _remove_dead(folder: Path, prefix: str = ".") -> list[Path]:
    """Remove the temporary files and probes of dead processes in ``folder`` whose names
    start with ``prefix``."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not entry.name.startswith(prefix):
                continue
            match = _TEMP.fullmatch(entry.name) or _PROBE.fullmatch(entry.name)
            if match and _dead(int(match["pid"])) and not entry.is_dir(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def check_writable(folder: str | Path) -> None:
    """Raise :class:`OSError` unless files can be written into ``folder`` (which is created
    if missing, with its parents): a file where a folder should be, a read-only folder or
    file system, a missing folder under a read-only one.

    Nothing is created: the check writes and removes one hidden file in the deepest folder
    of ``folder`` that exists.

    Parameters
    ----------
    folder
        The folder to write into.
    """
    target = Path(folder)
    existing = target
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(f"{existing} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=f".budgetsim-probe-{os.getpid()}-")
    except OSError as exc:
        raise OSError(f"cannot create files in {existing} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)


@dataclass(frozen=True)
class FileSet:
    """A set of output files being written: write them under ``folder``; they appear in
    ``target`` together when the :func:`file_set` block ends."""

    folder: Path
    target: Path
    run_id: str

    def final(self, path: Path) -> Path:
        """Where ``path``, written under :attr:`folder`, is once the set is in place."""
        return self.target / Path(path).relative_to(self.folder)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (the lock ends with the process that holds it)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _files(folder: Path) -> list[str]:
    """The files under ``folder``, as sorted relative POSIX paths (no manifest or marker)."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name not in (MANIFEST, _COMMIT)
    )


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _listed(folder: Path) -> set[str]:
    """The files the manifest in ``folder`` lists (none without a readable manifest)."""
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {str(name) for name in document["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _inside(folder: Path, name: str) -> Path | None:
    """``folder / name`` if that stays inside ``folder`` (a manifest is data, not trusted)."""
    path = folder / name
    if ".." in Path(name).parts or Path(name).is_absolute():
        return None
    return path


def _move_in(stage: Path, target: Path) -> None:
    """Move the set staged in ``stage`` into ``target`` (under the folder's lock), by the
    plan in the stage's commit marker; safe to repeat after an interruption."""
    plan = json.loads((stage / _COMMIT).read_text(encoding="utf-8"))
    new = [str(n) for n in plan["files"]]
    with contextlib.suppress(FileNotFoundError):
        os.unlink(target / MANIFEST)
    # First the old set goes, then the new one comes: in between, the folder holds part of
    # one set, never files of two.
    gone = [str(n) for n in plan["remove"]] + [n for n in new if (stage / n).exists()]
    for name in gone:
        path = _inside(target, name)
        if path is not None:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                os.unlink(path)
    for name in new:
        source = stage / name
        if source.exists():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target / name)
    if (stage / MANIFEST).exists():
        os.replace(stage / MANIFEST, target / MANIFEST)
    for name in plan["remove"]:  # folders the old set alone used
        path = _inside(target, str(name))
        while path is not None and path.parent != target:
            path = path.parent
            with contextlib.suppress(OSError):
                path.rmdir()
    shutil.rmtree(stage, ignore_errors=True)


def clean_leftovers(folder: str | Path) -> list[Path]:
    """Tidy what killed runs left in output folder ``folder``.

    A staging folder of a process that no longer runs is removed, or, if that run had begun
    to move its set in, the move is finished; temporary files and probes of such processes
    are removed. Call with the folder's lock held (:func:`file_set` does).

    Returns
    -------
    list of Path
        What was removed or finished.
    """
    folder = Path(folder)
    done = _remove_dead(folder)
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _STAGE.fullmatch(entry.name)
            if not (match and entry.is_dir(follow_symlinks=False) and _dead(int(match["pid"]))):
                continue
            stage = Path(entry.path)
            if (stage / _COMMIT).exists():
                _move_in(stage, folder)
            else:
                shutil.rmtree(stage, ignore_errors=True)
            done.append(stage)
    return done


def _run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


@contextlib.contextmanager
def file_set(out: str | Path, replaces: Iterable[str] = ()) -> Iterator[FileSet]:
    """Write a set of files into folder ``out`` so that they appear together, or not at all.

    The block writes its files under ``FileSet.folder``, a staging folder inside ``out``.
    When it ends without error, ``manifest.json`` (the run id, and each file's size and
    SHA-256) is added and the set replaces the folder's previous one: the files the previous
    manifest lists, and those of ``replaces``, go (other files in the folder stay). When it
    ends by an error or an interrupt, the staging folder is removed and the folder is as it
    was. Leftovers of killed runs are tidied first (:func:`clean_leftovers`).

    Parameters
    ----------
    out
        The output folder; created if missing. If it is itself a staging folder (a writer
        called by another that writes a set), the files are written there, to go with the
        caller's set.
    replaces
        Names (relative paths) of files of an earlier set that this set replaces, though no
        manifest lists them (files written before manifests were).

    Yields
    ------
    FileSet
        Where to write, and the run id to stamp the files with.
    """
    target = Path(out)
    nested = _STAGE.fullmatch(target.name)
    if nested is not None:
        yield FileSet(target, target, nested["run"])
        return
    target.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        clean_leftovers(target)
    run_id = _run_id()
    stage = target / f".budgetsim-tmp-{os.getpid()}-{run_id}"
    stage.mkdir()
    try:
        yield FileSet(stage, target, run_id)
        names = _files(stage)
        manifest = {
            "run_id": run_id,
            "written_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "budgetsim_version": __version__,
            "files": {
                name: {"bytes": (stage / name).stat().st_size, "sha256": _digest(stage / name)}
                for name in names
            },
        }
        with atomic(stage / MANIFEST) as handle:
            json.dump(manifest, handle, indent=2)
            handle.write("\n")
        with _locked(target):
            old = (_listed(target) | set(replaces)) - set(names) - {MANIFEST}
            with atomic(stage / _COMMIT) as handle:
                json.dump({"files": names, "remove": sorted(old)}, handle)
            _move_in(stage, target)
    except BaseException:
        if not (stage / _COMMIT).exists():  # else the next run finishes the move
            shutil.rmtree(stage, ignore_errors=True)
        raise


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def summary_document(
    result: SimulationResult, stamp: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The content of ``summary.json``, with ``stamp`` (default: the result's) as its stamp."""
    header = result.scenario.scenario
    per_year = result.summary().drop(columns="label")
    totals = result.totals().drop(columns="label")
    programmes: dict[str, Any] = {}
    for pid, spec in result.scenario.programmes.items():
        years = {
            str(year): {str(k): _clean(v) for k, v in per_year.xs((pid, year)).items()}
            for year in result.years
        }
        programmes[pid] = {
            "label": spec.label,
            "label_en": spec.label_en,
            "source": spec.source,
            "rationing": spec.rationing.rule,
            "carry_over": spec.carry_over,
            "years": years,
            "total": {str(k): _clean(v) for k, v in totals.xs(pid).items()},
        }
    funds: dict[str, Any] = {}
    fund_rows = result.fund_summary()
    for fid, fund in result.scenario.funds.items():
        funds[fid] = {
            "label": fund.label,
            "source": fund.source,
            "members": list(fund.members),
            "allocation": fund.allocation,
            "carry_over": fund.carry_over,
            "years": {
                str(year): {
                    str(k): _clean(v) for k, v in fund_rows.xs((fid, year)).drop("label").items()
                }
                for year in result.years
            },
        }
    return {
        "stamp": stamp if stamp is not None else result.stamp(),
        "scenario": {
            "id": header.id,
            "title": header.title,
            "source": header.source,
            "unit": header.unit,
            "years": list(header.years),
        },
        "programmes": programmes,
        "funds": funds,
        "riskfunds": {
            rid: {
                str(year): {str(k): _clean(v) for k, v in row.drop("label").items()}
                for year, row in result.riskfund_summary().xs(rid, level="riskfund").iterrows()
            }
            for rid in result.riskfunds
        },
        "targets": {
            tid: {
                str(year): {str(k): _clean(v) for k, v in row.drop("label").items()}
                for year, row in result.target_summary().xs(tid, level="target").iterrows()
            }
            for tid in result.targets
        },
        "policy": {
            str(year): {str(k): _clean(v) for k, v in row.items()}
            for year, row in result.policy_summary().iterrows()
        },
    }


def write_outputs(
    result: SimulationResult, out: str | Path, draws_format: DrawsFormat = "auto"
) -> list[Path]:
    """Write ``summary.json``, ``summary.csv``, the per-draw file and ``manifest.json`` into
    folder ``out``, as one set (:func:`file_set`).

    Parameters
    ----------
    result
        A simulation result.
    out
        Output folder; created if missing.
    draws_format
        ``parquet`` (needs pyarrow), ``csv`` (gzip-compressed), or ``auto``: parquet when
        pyarrow is installed, else csv.

    Returns
    -------
    list of Path
        The files written (not the manifest).
    """
    with file_set(out, replaces=OUTPUT_NAMES) as files:
        written = _write(result, files, draws_format)
    return [files.final(path) for path in written]


def _write(result: SimulationResult, files: FileSet, draws_format: DrawsFormat) -> list[Path]:
    folder = files.folder
    stamp = {**result.stamp(), "run_id": files.run_id}
    written = []

    path = folder / "summary.json"
    with atomic(path) as handle:
        json.dump(summary_document(result, stamp), handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    written.append(path)

    tidy = result.tidy()
    for key in ("scenario_id", "scenario_hash", "seed", "draws", "budgetsim_version", "run_id"):
        tidy[key] = stamp[key]
    path = folder / "summary.csv"
    with atomic(path) as handle:
        write_csv(tidy, handle)  # with a BOM: Excel on a Chinese Windows
    written.append(path)

    if draws_format == "auto":
        draws_format = "parquet" if importlib.util.find_spec("pyarrow") else "csv"
    frame = result.draws_frame()
    if draws_format == "parquet":
        path = folder / "draws.parquet"
        with atomic(path, "wb") as handle:
            _write_parquet(frame, handle, stamp)
    else:
        path = folder / "draws.csv.gz"
        with atomic(path, "wb") as handle, gzip.GzipFile(fileobj=handle, mode="wb", mtime=0) as gz:
            gz.write(("# " + json.dumps(stamp, ensure_ascii=False) + "\n").encode("utf-8"))
            gz.write(frame.to_csv(index=False).encode("utf-8"))
    written.append(path)
    return written


def _write_parquet(frame: Any, handle: IO[bytes], stamp: dict[str, Any]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[b"budgetsim"] = json.dumps(stamp, ensure_ascii=False).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(metadata), handle)


#: The files :func:`write_comparison` writes.
COMPARISON_NAMES = ("comparison.json", "comparison.csv")


def write_comparison(comparison: Any, out: str | Path) -> list[Path]:
    """Write a comparison of two runs (:func:`budgetsim.compare`) into folder ``out`` as one
    set: ``comparison.csv`` (tidy: one row per programme × year × metric with base, variant,
    the difference and its 95 % interval; ``programme = "policy"`` for all together) and
    ``comparison.json`` (the same per programme, with both runs' stamps and the run id).

    Parameters
    ----------
    comparison
        A :class:`budgetsim.comparison.Comparison`.
    out
        Output folder; created if missing.

    Returns
    -------
    list of Path
        The files written (not the manifest).
    """
    base, variant = comparison.base, comparison.variant
    with file_set(out) as files:
        stamp = {"base": base.stamp(), "variant": variant.stamp(), "run_id": files.run_id}
        tidy = comparison.tidy()
        csv_path = files.folder / "comparison.csv"
        frame = tidy.assign(
            base_scenario_hash=base.scenario_hash,
            variant_scenario_hash=variant.scenario_hash,
            seed=base.seed,
            draws=base.draws,
            budgetsim_version=__version__,
            run_id=files.run_id,
        )
        with atomic(csv_path) as handle:
            write_csv(frame, handle)
        document: dict[str, Any] = {"stamp": stamp, "programmes": {}}
        for row in tidy.to_dict("records"):
            if row["kind"] not in ("programme", "policy"):
                continue  # reserve funds and targets: under "outcomes"
            entry = document["programmes"].setdefault(str(row["programme"]), {})
            keys = ("base", "variant", "diff", "diff_low", "diff_high")
            values = {k: _clean(row[k]) for k in keys}
            entry.setdefault(str(row["year"]), {})[str(row["metric"])] = values
        outcomes = comparison.outcomes()
        document["outcomes"] = [
            {str(k): _clean(v) for k, v in row.items()} for row in outcomes.to_dict("records")
        ]
        json_path = files.folder / "comparison.json"
        with atomic(json_path) as handle:
            json.dump(document, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
    return [files.final(p) for p in (json_path, csv_path)]


#: Text encoding of the CSV files budgetsim writes: UTF-8 with a byte-order mark, which Excel
#: on Chinese Windows needs to read UTF-8 (without it, it reads GBK and shows mojibake);
#: pandas, R and Python's csv module read it as plain UTF-8 (``encoding="utf-8-sig"``).
CSV_BOM = "\ufeff"


def write_csv(frame: Any, handle: IO[str]) -> None:
    """Write ``frame`` (a DataFrame, without its index) as CSV to text ``handle``, starting
    with the byte-order mark of :data:`CSV_BOM`."""
    handle.write(CSV_BOM)
    frame.to_csv(handle, index=False)
