"""The schema of result tables: columns, the columns that describe a cell, labels, statuses, key.

Long format, one row per (cell, replicate, metric, estimator); columns in :data:`COLUMNS` order,
with the ``p_target_*`` / ``p_learner_*`` parameter columns after ``family`` / ``learner``. Every
row records the target's and the learner's *resolved* parameters -- the values given, and the
declared default of every other parameter -- so that a row says everything its cell ran with
(lists and dicts as canonical JSON text, :func:`param_value`); the cell's identity (``cell_id``)
stays the digest of the spec as given.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

#: parameter columns: ``p_target_<name>`` and ``p_learner_<name>``
TARGET_PREFIX, LEARNER_PREFIX = "p_target_", "p_learner_"

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
    "cpu_seconds",
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
    "pandas_version",
    "sklearn_version",
    "pot_version",
    "snakemake_version",
    "host",
    "platform",
    "cpu_model",
    "blas_threads",
    "created",
]
#: ``instance_seed``: the seed the replicate's target was drawn with, when the config leaves a
#: seeded family's ``seed`` unset (a new instance per replicate, the same for every cell of the
#: replicate); empty when the config pins the seed or the family takes none
COLUMNS = IDENTITY + ["replicate", "instance_seed"] + MEASURES + PROVENANCE
#: ``ok``; ``failed`` (an error) or ``timeout``; ``skipped``: the method does not apply (outside
#: its precondition: a metric needing a density the learner lacks, a moment method beyond its k),
#: with the reason in ``error``
STATUSES = ("ok", "failed", "timeout", "skipped")
#: statuses that are failures (``skipped`` is not one)
FAILURES = ("failed", "timeout")
#: the computed values of a row: bit-identical between two runs of the same code and seeds
#: (timings and provenance are not)
VALUES = ["value", "stderr", "floor", "floor_stderr"]
#: columns a result table must have to be read back (older tables may lack the provenance)
REQUIRED = [*IDENTITY[:4], "replicate", "metric", "estimator", *VALUES, "status"]
#: columns read as text whatever they look like (a cell id such as ``123e45678901`` is no number)
TEXT_COLUMNS = [
    "sweep",
    "cell_id",
    "family",
    "learner",
    "metric",
    "estimator",
    "status",
    "error",
    "git_commit",
    "config_hash",
]
#: one row per (sweep, cell, replicate, metric, estimator) in a run
ROW_KEY = ["sweep", "cell_id", "replicate", "metric", "estimator"]
#: columns every summary table has (figures may need more: their parameters)
SUMMARY_REQUIRED = [
    *IDENTITY[:4],
    *["metric", "estimator", "n_ok", "mean", "stderr", "ci_low", "ci_high"],
]


def param_value(value):
    """A parameter as a table stores it: scalars as they are, lists and dicts as canonical JSON."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True)
    return value


def target_params(frame) -> list[str]:
    return sorted(c for c in frame if c.startswith(TARGET_PREFIX))


def learner_params(frame) -> list[str]:
    return sorted(c for c in frame if c.startswith(LEARNER_PREFIX))


def param_name(column: str) -> str:
    """``p_learner_n_steps`` -> ``n_steps``."""
    return column.removeprefix(TARGET_PREFIX).removeprefix(LEARNER_PREFIX)


def describing_columns(frame, *, cell_id: bool = True, sizes: bool = True) -> list[str]:
    """The columns that describe a cell, in schema order: sweep, cell_id, family, target
    parameters, learner, learner parameters, n_train, n_eval (those ``frame`` has)."""
    columns = [
        "sweep",
        *(["cell_id"] if cell_id else []),
        "family",
        *target_params(frame),
        "learner",
        *learner_params(frame),
        *(["n_train", "n_eval"] if sizes else []),
    ]
    return [c for c in columns if c in frame]


def order_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Schema order: identity, target params, learner params, replicate, measures, provenance."""
    for col in COLUMNS:
        if col not in frame:
            frame[col] = np.nan
    head = ["sweep", "cell_id", "family", *target_params(frame), "learner", *learner_params(frame)]
    rest = [c for c in COLUMNS if c not in head]
    extra = [c for c in frame if c not in head + rest]
    return frame[head + rest + extra]


def _short(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def row_labels(table: pd.DataFrame) -> pd.Series:
    """Short labels of the rows: within each sweep, the describing columns that vary among its
    rows -- a learner's parameter only where it varies among that learner's rows, a target's
    among that family's (rows record every resolved parameter) -- then the estimator; prefixed
    by the sweep when the rows come from several."""
    if not len(table):
        return pd.Series(dtype=str)
    sweeps = table["sweep"] if "sweep" in table else pd.Series("", index=table.index)
    several = sweeps.nunique() > 1
    labels = pd.Series("", index=table.index, dtype=object)

    def varies(rows, column) -> bool:
        owner = (
            "learner"
            if column.startswith(LEARNER_PREFIX)
            else "family"
            if column.startswith(TARGET_PREFIX)
            else None
        )
        if owner is not None and owner in rows:
            return bool(rows.groupby(owner, dropna=False)[column].nunique(dropna=False).max() > 1)
        return rows[column].nunique(dropna=False) > 1

    for sweep, rows in table.groupby(sweeps, sort=False):
        candidates = describing_columns(rows, cell_id=False)
        candidates = [c for c in candidates if c not in ("sweep", "n_eval")]
        shown = [c for c in candidates if varies(rows, c)]
        for index, row in rows.iterrows():
            parts = [f"{param_name(c)}={_short(row[c])}" for c in shown if pd.notna(row[c])]
            estimator = row.get("estimator")
            parts += [str(estimator)] if isinstance(estimator, str) and estimator else []
            labels[index] = (f"{sweep}: " if several else "") + ", ".join(parts)
    return labels


#: the estimator name of a per-level row of ``score_error``: ``t=<time>``
LEVEL_PREFIX = "t="


def level_estimator(t: float) -> str:
    """The estimator name of score_error's row at time t."""
    return f"{LEVEL_PREFIX}{t:.4g}"


def level_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """score_error's per-level rows of a result frame (its other estimators dropped), with their
    time in a column ``t``."""
    rows = rows[rows["estimator"].fillna("").str.startswith(LEVEL_PREFIX)]
    return rows.assign(t=rows["estimator"].str[len(LEVEL_PREFIX) :].astype(float))
