"""Write a run's results to files, atomically, each stamped for reproducibility.

``summary.json``
    Scenario, stamp, and per programme × year (and horizon) summary statistics.
``summary.csv``
    The same numbers in tidy form: one row per programme × year × metric, with the stamp in
    columns so that every row is self-describing.
``draws.parquet`` or ``draws.csv.gz``
    Per-draw results, one row per draw × programme × year. Parquet carries the stamp in its
    file metadata; the CSV starts with one ``#`` comment line holding it (read it back with
    ``pandas.read_csv(path, comment="#")``).

Each file is written to a temporary name in the output folder and renamed into place, so a
reader never sees a half-written file.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib.util
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from budgetsim.results import SimulationResult

__all__ = ["DrawsFormat", "atomic", "write_outputs"]

DrawsFormat = Literal["auto", "parquet", "csv"]


def _mode(path: Path) -> int:
    """The permissions a new file gets (0666 less the umask), or those of the file replaced."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open ``path`` for writing through a temporary file that replaces it only when the
    block ends without error (and is removed if it does not)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
        os.chmod(tmp, _mode(path))  # mkstemp makes 0600: give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def summary_document(result: SimulationResult) -> dict[str, Any]:
    """The content of ``summary.json``."""
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
        "stamp": result.stamp(),
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
    """Write ``summary.json``, ``summary.csv`` and the per-draw file into folder ``out``.

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
        The files written.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = result.stamp()
    written = []

    path = folder / "summary.json"
    with atomic(path) as handle:
        json.dump(summary_document(result), handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    written.append(path)

    tidy = result.tidy()
    for key in ("scenario_id", "scenario_hash", "seed", "draws", "budgetsim_version"):
        tidy[key] = stamp[key]
    path = folder / "summary.csv"
    with atomic(path) as handle:
        tidy.to_csv(handle, index=False)
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
