"""Runs kept by commit (``results/history/<commit>/``, like asv's results) and a metric plotted
across them.

Each archived run keeps, per sweep, ``results.csv`` (every replicate) and ``summary.csv``, and
``provenance.json``: the commit, when and from where, and the provenance record of the process
that archived it (:func:`gmmlearn.bench.provenance.provenance`, the one rows carry too).
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..bench.provenance import gmmlearn_version, provenance
from ..core.atomic import write_text
from ..figures.common import footnote, save, style
from ..results.io import copy_sweep, read_summary, read_sweep, sweep_folders
from ..results.schema import describing_columns, row_labels
from ..results.select import row_keys, select_rows

HISTORY = Path("results/history")
#: most lines one history plot draws; more means the filters are too loose
MAX_SERIES = 10


def archive(results_dir, history_dir=HISTORY) -> Path:
    """Copy a run (every sweep of ``results_dir``) to ``history_dir/<commit>/``; the run must come
    from one clean commit (rows of a modified tree cannot be told apart later)."""
    folders = sweep_folders(results_dir)
    commits = set()
    for folder in folders.values():
        commits |= set(read_sweep(folder)["git_commit"].fillna("").astype(str))
    commit = commits.pop()
    if commits or not commit or commit.endswith("-dirty"):
        raise ValueError(
            f"{results_dir}: only the run of one clean commit can be archived; its rows "
            f"come from {sorted(commits | {commit})} ('-dirty': uncommitted changes)"
        )
    destination = Path(history_dir) / commit
    for sweep, folder in folders.items():
        copy_sweep(folder, destination / sweep)
    record = {
        "commit": commit,
        "archived": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(Path(results_dir).resolve()),
        "sweeps": sorted(folders),
        "gmmlearn_version": gmmlearn_version(),
        **provenance(),
    }
    write_text(destination / "provenance.json", json.dumps(record, indent=2) + "\n")
    return destination


# -- the history of a metric ----------------------------------------------------------------------


def _commit_positions(repo=".") -> dict[str, int]:
    try:
        result = subprocess.run(
            ["git", "rev-list", "--topo-order", "--reverse", "--all"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    return {sha: i for i, sha in enumerate(result.stdout.split())} if result.returncode == 0 else {}


def load_history(history_dir=HISTORY, repo=".") -> pd.DataFrame:
    """Summary rows of every archived commit, with ``commit`` and ``order`` (commit order in the
    repository's history; commits it does not know follow, by archiving time)."""
    frames = []
    for record in sorted(Path(history_dir).glob("*/provenance.json")):
        provenance = json.loads(record.read_text())
        for summary in sorted(record.parent.glob("*/summary.csv")):
            frames.append(
                read_summary(summary).assign(
                    commit=record.parent.name,
                    archived=provenance["archived"],
                    host=provenance.get("host", ""),
                )
            )
    if not frames:
        raise ValueError(
            f"{history_dir}: no archived run (archive one with `gmmlearn history --archive "
            "results`)"
        )
    history = pd.concat(frames, ignore_index=True, sort=False)
    positions = _commit_positions(repo)
    commits = history.drop_duplicates("commit")[["commit", "archived"]]
    commits = commits.assign(known=commits["commit"].map(positions))
    commits = commits.sort_values(["known", "archived"], na_position="last", kind="stable")
    order = {c: i for i, c in enumerate(commits["commit"])}
    return history.assign(order=history["commit"].map(order))


def plot_history(
    history: pd.DataFrame,
    metric: str,
    out_prefix,
    *,
    estimator: str | None = None,
    filters: dict | None = None,
) -> list[Path]:
    """The metric's mean with its 95% interval across the archived commits, one line per cell."""
    rows = history[history["metric"] == metric]
    if estimator is not None:
        rows = rows[rows["estimator"] == estimator]
    rows = select_rows(rows, filters or {}, "--where") if len(rows) else rows
    if rows.empty:
        raise ValueError(
            f"no archived summary row has metric={metric!r}, estimator={estimator!r} and {filters}"
        )
    describing = [*describing_columns(rows, cell_id=False), "estimator"]
    keys = row_keys(rows, describing)
    if keys.nunique() > MAX_SERIES:
        varying = {
            c: sorted(rows[c].dropna().astype(str).unique())[:6]
            for c in describing
            if rows[c].nunique(dropna=False) > 1
        }
        raise ValueError(
            f"{keys.nunique()} cells match (at most {MAX_SERIES} lines): narrow them with "
            f"--estimator or --where key=value; they differ in {varying}"
        )
    commits = rows.drop_duplicates("commit").sort_values("order")["commit"].tolist()
    x_of = {c: i for i, c in enumerate(commits)}
    first = rows.groupby(keys, sort=True).head(1)
    labels = dict(zip(keys[first.index], row_labels(first)))
    with style():
        fig, ax = plt.subplots(
            figsize=(max(4.5, 0.5 * len(commits) + 2.5), 3.2), layout="constrained"
        )
        for _, series in rows.groupby(describing, sort=True, dropna=False):  # numeric order
            key = keys[series.index[0]]
            series = series.sort_values("order")
            x = series["commit"].map(x_of).to_numpy()
            mean = series["mean"].to_numpy(float)
            err = [
                np.nan_to_num(mean - series["ci_low"].to_numpy(float)),
                np.nan_to_num(series["ci_high"].to_numpy(float) - mean),
            ]
            ax.errorbar(x, mean, yerr=err, marker="o", capsize=3, label=labels[key] or metric)
        ax.set_xticks(
            range(len(commits)), [c[:8] for c in commits], rotation=45, ha="right", fontsize=7
        )
        ax.set(xlabel="commit (oldest first)", ylabel=f"{metric} {estimator or ''}".strip())
        ax.legend(fontsize=7)
        shown = ", ".join(f"{k}={v}" for k, v in (filters or {}).items())
        footnote(fig, f"mean over seeds and 95% t interval per archived commit; {shown}")
        return save(fig, out_prefix)
