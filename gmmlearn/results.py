"""Tidy result tables: schema, atomic writes, loading, and aggregation over seeds.

Long format, one row per (cell, replicate, metric, estimator); columns in :data:`COLUMNS`
order, with ``p_target_*`` / ``p_learner_*`` parameter columns after ``family`` / ``learner``.
Files are written to a temporary file in the same folder and renamed, so a reader never sees a
half-written table and an interrupted run leaves the previous file intact.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .atomic import atomic_path
from .experiment import CellSpec
from .provenance import git_commit, provenance

IDENTITY = ["sweep", "cell_id", "family", "learner", "n_train", "n_eval", "dim", "k", "degree"]
MEASURES = [
    "metric",
    "estimator",
    "value",
    "stderr",
    "floor",
    "floor_stderr",
    "fit_seconds",
    "sample_seconds",
    "peak_mb",
    "status",
    "error",
]
#: where a row was computed (benchopt-style); never part of a cell's identity (cell_id) nor of
#: the key (sweep, cell_id, replicate, metric, estimator) that pairs rows across sweeps.
#: ``sweep_seed`` decides a cell's random streams: two runs of a cell are common-random-number
#: pairs only when their sweep seeds agree
PROVENANCE = [
    "gmmlearn_version",
    "git_commit",
    "config_hash",
    "sweep_seed",
    "python_version",
    "numpy_version",
    "scipy_version",
    "sklearn_version",
    "pot_version",
    "snakemake_version",
    "host",
    "cpu_model",
    "blas_threads",
    "created",
]
COLUMNS = IDENTITY + ["replicate"] + MEASURES + PROVENANCE
STATUSES = ("ok", "failed", "timeout")
#: columns a result table must have to be read back (older tables may lack the provenance)
REQUIRED = [
    "sweep",
    "cell_id",
    "family",
    "learner",
    "replicate",
    "metric",
    "estimator",
    "value",
    "stderr",
    "floor",
    "floor_stderr",
    "status",
]


def _param_value(value):
    """Scalars stay as they are; lists and dicts become canonical JSON text."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True)
    return value


def tidy_rows(
    spec: CellSpec,
    replicate: int,
    rows: list[dict],
    *,
    sweep: str = "adhoc",
    config_hash: str = "",
    dim: int | None = None,
    commit: str | None = None,
    sweep_seed: int | None = None,
) -> pd.DataFrame:
    """Attach the cell's identity and provenance to its metric rows."""
    from . import __version__

    tp, lp = spec.target_params, spec.learner_params
    identity = {
        "sweep": sweep,
        "cell_id": spec.cell_id(),
        "family": spec.target,
        "learner": spec.learner,
        "n_train": spec.n_train,
        "n_eval": spec.n_eval,
        "dim": dim if dim is not None else tp.get("dim"),
        "k": tp.get("k"),
        "degree": lp.get("degree"),
        "replicate": replicate,
    }
    params = {f"p_target_{k}": _param_value(v) for k, v in sorted(tp.items())}
    params |= {f"p_learner_{k}": _param_value(v) for k, v in sorted(lp.items())}
    where = {
        "gmmlearn_version": __version__,
        "git_commit": git_commit() if commit is None else commit,
        "config_hash": config_hash or spec.cell_id(),
        "sweep_seed": sweep_seed,
        **provenance(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    frame = pd.DataFrame([{**identity, **params, **row, **where} for row in rows])
    return order_columns(frame)


def order_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Schema order: identity, target params, learner params, replicate, measures, provenance."""
    for col in COLUMNS:
        if col not in frame:
            frame[col] = np.nan
    tparams = sorted(c for c in frame if c.startswith("p_target_"))
    lparams = sorted(c for c in frame if c.startswith("p_learner_"))
    head = ["sweep", "cell_id", "family"] + tparams + ["learner"] + lparams
    rest = [c for c in COLUMNS if c not in head]
    extra = [c for c in frame if c not in head + rest]
    return frame[head + rest + extra]


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a CSV atomically (see :mod:`gmmlearn.atomic`)."""
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
        frame = pd.read_csv(path, keep_default_na=True, low_memory=False)
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


def read_results(*paths: str | os.PathLike, source: bool = False) -> pd.DataFrame:
    """Load and concatenate result CSVs; a folder means its ``results.csv``. ``source=True`` adds
    a ``source`` column naming each row's file."""
    frames = []
    for p in paths:
        p = Path(p)
        p = p / "results.csv" if p.is_dir() else p
        frame = read_table(p, REQUIRED, "result table")
        bad = ~frame["status"].isin(STATUSES)
        if bad.any():
            raise ValueError(
                f"{p}: row {int(np.argmax(bad.to_numpy())) + 2} has status "
                f"{frame['status'][bad].iloc[0]!r}, not one of {list(STATUSES)} "
                f"(a truncated or edited file?)"
            )
        frames.append(frame.assign(source=str(p)) if source else frame)
    if not frames:
        raise ValueError("read_results needs at least one path")
    return order_columns(pd.concat(frames, ignore_index=True, sort=False))


#: one row per (sweep, cell, replicate, metric, estimator) in a run
ROW_KEY = ["sweep", "cell_id", "replicate", "metric", "estimator"]


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


#: columns every summary table has (figures may need more: their parameters)
SUMMARY_REQUIRED = [
    "sweep",
    "cell_id",
    "family",
    "learner",
    "metric",
    "estimator",
    "n_ok",
    "mean",
    "stderr",
    "ci_low",
    "ci_high",
]


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


def group_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that identify a (cell, metric, estimator) across replicates."""
    params = [c for c in frame if c.startswith(("p_target_", "p_learner_"))]
    return (
        ["sweep", "cell_id", "family", "learner"]
        + params
        + ["n_train", "n_eval", "dim", "k", "degree", "metric", "estimator"]
    )


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """Mean, standard error and Student-t interval of the mean over replicates.

    Why not a percentile bootstrap: with the few seeds a sweep affords (3-10), it is too narrow
    -- with 3 seeds its nominal 95% interval covers the mean about 75% of the time -- while the
    t interval is exact for normal replicate values and close for the averages that metric
    values are.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return (np.nan,) * 4
    mean = float(values.mean())
    if values.size == 1:
        return mean, np.nan, np.nan, np.nan
    se = float(values.std(ddof=1) / np.sqrt(values.size))
    half = float(stats.t.ppf(0.5 + level / 2, values.size - 1)) * se
    return mean, se, mean - half, mean + half


def aggregate(frame: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean over replicates with Student-t intervals, per cell, metric and estimator.

    Columns: n_ok, n_failed, mean, stderr (sd / sqrt(n)), ci_low, ci_high, floor_mean,
    floor_ci_low, floor_ci_high, excess_mean / excess_ci_* (value - floor, paired by replicate),
    fit_seconds, sample_seconds (means), peak_mb (max), error (first message of a failure).
    """
    keys = group_columns(frame)
    # a failed replicate has one row per metric and no estimator: count it against every
    # estimator of that metric, and keep its own row only where no replicate succeeded
    failed = frame[frame["status"] != "ok"]
    n_failed = failed.groupby(["cell_id", "metric"])["replicate"].nunique()
    succeeded = set(
        map(tuple, frame.loc[frame["status"] == "ok", ["cell_id", "metric"]].to_numpy())
    )
    out = []
    for key, group in frame.groupby(keys, dropna=False, sort=True):
        ident = dict(zip(keys, key))
        cell_metric = (ident["cell_id"], ident["metric"])
        if group["status"].ne("ok").all() and cell_metric in succeeded:
            continue
        ok = group[group["status"] == "ok"].sort_values("replicate", kind="stable")
        v, f = ok["value"].to_numpy(float), ok["floor"].to_numpy(float)
        mean, se, lo, hi = mean_interval(v, level)
        fmean, _, flo, fhi = mean_interval(f, level)
        emean, _, elo, ehi = mean_interval(v - f, level)
        out.append(
            ident
            | {
                "n_ok": len(ok),
                "n_failed": int(n_failed.get(cell_metric, 0)),
                "mean": mean,
                "stderr": se,
                "ci_low": lo,
                "ci_high": hi,
                "floor_mean": fmean,
                "floor_ci_low": flo,
                "floor_ci_high": fhi,
                "excess_mean": emean,
                "excess_ci_low": elo,
                "excess_ci_high": ehi,
                "fit_seconds": ok["fit_seconds"].mean(),
                "sample_seconds": ok["sample_seconds"].mean(),
                "peak_mb": group["peak_mb"].max(),
                "error": next(
                    (
                        e
                        for e in failed.loc[
                            (failed["cell_id"] == ident["cell_id"])
                            & (failed["metric"] == ident["metric"]),
                            "error",
                        ].fillna("")
                        if e
                    ),
                    "",
                ),
            }
        )
    return pd.DataFrame(out)
