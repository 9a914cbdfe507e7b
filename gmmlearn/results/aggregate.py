"""The summary of a result table over replicates: per cell, metric and estimator, the mean with
its Student-t interval (:func:`gmmlearn.core.stats.mean_interval`), the floor's, and the excess
value - floor paired by replicate."""

from __future__ import annotations

import pandas as pd

from ..core.stats import LEVEL, mean_interval
from .schema import FAILURES, describing_columns


def group_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that identify a (cell, metric, estimator) across replicates."""
    return [
        *describing_columns(frame, sizes=False),
        *[c for c in ("n_train", "n_eval", "dim", "k", "degree") if c in frame],
        "metric",
        "estimator",
    ]


def _first_message(rows: pd.DataFrame) -> str:
    return next((e for e in rows["error"].fillna("") if e), "")


def aggregate(frame: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Mean over replicates with Student-t intervals, per cell, metric and estimator.

    Columns: n_ok, n_failed (failed or timed out), n_skipped (outside the method's
    precondition), mean, stderr (sd / sqrt(n)), ci_low, ci_high, floor_mean, floor_ci_low,
    floor_ci_high, excess_mean / excess_ci_* (value - floor, paired by replicate), fit_seconds,
    sample_seconds, cpu_seconds (means), peak_mb (max), error (first message of a failure, else
    of a skip).
    """
    keys = group_columns(frame)
    # a failed replicate has one row per metric and no estimator: count it against every
    # estimator of that metric, and keep its own row only where no replicate succeeded
    not_ok = frame[frame["status"] != "ok"]
    by_cell_metric = not_ok.groupby(["cell_id", "metric"])
    failures = not_ok[not_ok["status"].isin(FAILURES)]
    n_failed = failures.groupby(["cell_id", "metric"])["replicate"].nunique()
    skips = not_ok[not_ok["status"] == "skipped"]
    n_skipped = skips.groupby(["cell_id", "metric"])["replicate"].nunique()
    messages = {
        key: _first_message(pd.concat([rows[rows["status"] != "skipped"], rows]))
        for key, rows in by_cell_metric
    }
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
                "n_skipped": int(n_skipped.get(cell_metric, 0)),
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
                "cpu_seconds": ok["cpu_seconds"].mean() if "cpu_seconds" in ok else float("nan"),
                "error": messages.get(cell_metric, ""),
            }
        )
    return pd.DataFrame(out)
