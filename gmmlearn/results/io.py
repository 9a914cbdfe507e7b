"""The one reader and the one writer of result and summary tables.

:func:`write_table` writes a CSV atomically (:mod:`gmmlearn.core.atomic`: a reader never sees a
half-written table, an interrupted run leaves the previous file). :func:`read_table` reads any
table gmmlearn wrote, or raises a ValueError saying what is wrong with it: missing, not a file,
unreadable, truncated (every table ends with a line break), lacking columns. On top of it,
:func:`read_results` checks result tables row by row (a status outside the schema, an identity
cell missing, a value that is not a number: an edited or truncated file), :func:`read_summary`
checks summaries, and :func:`load_run` reads a run (a results folder, a sweep folder or a file)
for comparisons. Identity columns are always read as text (:data:`~.schema.TEXT_COLUMNS`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.atomic import atomic_path
from .aggregate import aggregate
from .schema import (
    REQUIRED,
    ROW_KEY,
    STATUSES,
    SUMMARY_REQUIRED,
    TEXT_COLUMNS,
    order_columns,
)


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a CSV atomically (see :mod:`gmmlearn.core.atomic`)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as handle:
            frame.to_csv(handle, index=False)
    return Path(path)


def read_table(path: str | os.PathLike, required=(), kind: str = "table") -> pd.DataFrame:
    """Read a CSV written by gmmlearn, or raise a ValueError saying what is wrong with it."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no {kind} at {path}")
    if not path.is_file():
        raise ValueError(f"{path} is not a file (expected a {kind} CSV)")
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - 1))
            last = handle.read(1)
        header = pd.read_csv(path, nrows=0).columns
        text = {c: str for c in TEXT_COLUMNS if c in header}
        frame = pd.read_csv(path, keep_default_na=True, low_memory=False, dtype=text)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(
            f"{path} is not a readable {kind} CSV: {str(exc).splitlines()[0]}"
        ) from None
    missing = [c for c in required if c not in frame]
    if missing:
        raise ValueError(f"{path} is not a {kind}: it lacks the column(s) {missing}")
    if last != b"\n":  # every table gmmlearn writes ends with a newline
        raise ValueError(f"{path} is truncated (its last line is incomplete)")
    return frame


def _check_rows(frame: pd.DataFrame, path: Path) -> None:
    """Refuse a result table with a row that cannot be one gmmlearn wrote."""
    if frame.empty:
        raise ValueError(f"{path} is a result table with a header but no rows")
    broken = frame[["sweep", "cell_id", "replicate", "metric"]].isna().any(axis=1)
    broken |= pd.to_numeric(frame["value"], errors="coerce").isna() & frame["value"].notna()
    if broken.any():
        line = int(np.flatnonzero(broken.to_numpy())[0]) + 2
        raise ValueError(f"{path}: line {line} is incomplete or malformed (a truncated file?)")
    bad = ~frame["status"].isin(STATUSES)
    if bad.any():
        raise ValueError(
            f"{path}: line {int(np.argmax(bad.to_numpy())) + 2} has status "
            f"{frame['status'][bad].iloc[0]!r}, not one of {list(STATUSES)} "
            f"(a truncated or edited file?)"
        )


def read_results(*paths: str | os.PathLike, source: bool = False) -> pd.DataFrame:
    """Load and concatenate result CSVs; a folder means its ``results.csv``. ``source=True`` adds
    a ``source`` column naming each row's file."""
    frames = []
    for p in paths:
        p = Path(p)
        p = p / "results.csv" if p.is_dir() else p
        frame = read_table(p, REQUIRED, "result table")
        _check_rows(frame, p)
        frames.append(frame.assign(source=str(p)) if source else frame)
    if not frames:
        raise ValueError("read_results needs at least one path")
    return order_columns(pd.concat(frames, ignore_index=True, sort=False))


def sweep_folders(results_dir) -> dict[str, Path]:
    """Sweep name -> folder, for every sub-folder of ``results_dir`` holding a results.csv."""
    results_dir = Path(results_dir)
    folders = {p.parent.name: p.parent for p in sorted(results_dir.glob("*/results.csv"))}
    if not folders:
        raise ValueError(f"{results_dir}: no <sweep>/results.csv in it")
    return folders


def load_run(path) -> pd.DataFrame:
    """Rows of a run -- a results folder (one sub-folder per sweep), a sweep folder, or a CSV
    file -- ready to pair: ``estimator`` '' where a failed row has none, ``value`` float,
    ``replicate`` int, ``source`` the file. Two rows with one key are refused."""
    path = Path(path)
    if path.is_file():
        files = [path]
    elif (path / "results.csv").is_file():
        files = [path / "results.csv"]
    elif path.is_dir():
        files = sorted(path.glob("*/results.csv"))
        if not files:
            raise ValueError(f"{path}: no results.csv in it or in its sub-folders (one per sweep)")
    else:
        raise ValueError(f"{path}: no such file or folder")
    frame = read_results(*files, source=True)
    check_unique_rows(frame)
    return frame.assign(
        estimator=frame["estimator"].fillna(""),
        value=frame["value"].astype(float),
        replicate=frame["replicate"].astype(int),
    )


def read_summary(path: str | os.PathLike) -> pd.DataFrame:
    """Load a summary table (from :func:`aggregate`), or raise a ValueError saying what it is."""
    frame = read_table(path, (), "summary table")
    if "mean" not in frame and {"value", "replicate"} <= set(frame):
        raise ValueError(
            f"{path} is a result table (one row per replicate), not a summary: "
            f"make one with gmmlearn aggregate ... --summary summary.csv"
        )
    missing = [c for c in SUMMARY_REQUIRED if c not in frame]
    if missing:
        raise ValueError(f"{path} is not a summary table: it lacks the column(s) {missing}")
    return frame


def _files(sources: pd.Series, shown: int = 3) -> str:
    names = sorted(set(sources.astype(str)))
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{len(names)} file(s): {', '.join(names[:shown])}{more}"


def check_unique_rows(frame: pd.DataFrame) -> None:
    """Refuse two rows for one (sweep, cell, replicate, metric, estimator): a cell counted twice."""
    key = frame[ROW_KEY].assign(estimator=frame["estimator"].fillna(""))
    duplicated = key.duplicated(keep=False)
    if duplicated.any():
        where = f" in {_files(frame.loc[duplicated, 'source'])}" if "source" in frame else ""
        example = {
            k: v.item() if hasattr(v, "item") else v for k, v in key[duplicated].iloc[0].items()
        }
        raise ValueError(
            f"{int(duplicated.sum())} rows repeat a (sweep, cell_id, replicate, metric, "
            f"estimator) of another row{where}, e.g. {example}: the same cell twice (two "
            "runs pooled?)"
        )


def check_single_run(frame: pd.DataFrame) -> None:
    """Refuse rows of several commits, or of several config hashes within a sweep. (A cell run on
    its own by ``gmmlearn run`` has its cell id as config hash: such cells pool.)"""

    def refuse(what: str, column: pd.Series, rows: pd.DataFrame):
        values = column.fillna("(unrecorded)").astype(str)
        listed = "; ".join(
            f"{value} ({_files(rows.loc[values == value, 'source'])})"
            if "source" in rows
            else value
            for value in sorted(set(values))
        )
        raise ValueError(
            f"the inputs mix {what}: {listed}. Aggregate one run at a time (or pass "
            "--allow-mixed to pool them anyway)"
        )

    if frame["git_commit"].fillna("").nunique() > 1:
        refuse("commits", frame["git_commit"], frame)
    swept = frame[frame["config_hash"].astype(str) != frame["cell_id"].astype(str)]
    for sweep, rows in swept.groupby("sweep"):
        if rows["config_hash"].fillna("").nunique() > 1:
            refuse(f"config hashes in sweep {sweep}", rows["config_hash"], rows)


def read_sweep(folder, single_run: bool = True) -> pd.DataFrame:
    """The rows of one sweep's ``results.csv``: no duplicate rows, and (``single_run``) of one
    commit and config hash."""
    rows = read_results(folder, source=True)
    check_unique_rows(rows)
    if single_run:
        check_single_run(rows)
    return rows.drop(columns="source")


def copy_sweep(folder, destination, single_run: bool = True) -> pd.DataFrame:
    """Write a sweep's rows and summary (recomputed when missing) into ``destination``."""
    folder, destination = Path(folder), Path(destination)
    rows = read_sweep(folder, single_run)
    summary = folder / "summary.csv"
    write_table(rows, destination / "results.csv")
    write_table(
        read_summary(summary) if summary.exists() else aggregate(rows), destination / "summary.csv"
    )
    return rows
