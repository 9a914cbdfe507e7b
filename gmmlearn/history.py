"""Runs kept by commit: the history (``results/history/<commit>/``), a metric plotted across it,
and the committed baseline (``results/baseline/``) that CI compares a fresh run against.

Each keeps, per sweep, ``results.csv`` (every replicate) and ``summary.csv``; an archived run also
keeps ``provenance.json`` (commit, machine, Python and library versions, when and from where).
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .atomic import write_text
from .results import aggregate, check_single_run, check_unique_rows, read_results, write_table

HISTORY = Path("results/history")
BASELINE = Path("results/baseline")
QUICK_CONFIG = Path("workflows/config/quick.yaml")
#: most lines one history plot draws; more means the filters are too loose
MAX_SERIES = 10


def sweep_folders(results_dir) -> dict[str, Path]:
    """Sweep name -> folder, for every sub-folder of ``results_dir`` holding a results.csv."""
    results_dir = Path(results_dir)
    folders = {p.parent.name: p.parent for p in sorted(results_dir.glob("*/results.csv"))}
    if not folders:
        raise ValueError(f"{results_dir}: no <sweep>/results.csv in it")
    return folders


def _read_sweep(folder: Path, single_run: bool = True) -> pd.DataFrame:
    rows = read_results(folder, source=True)
    check_unique_rows(rows)
    if single_run:
        check_single_run(rows)
    return rows.drop(columns="source")


def copy_sweep(folder: Path, destination: Path, single_run: bool = True) -> pd.DataFrame:
    """Write a sweep's rows and summary (recomputed when missing) into ``destination``."""
    rows = _read_sweep(folder, single_run)
    summary = folder / "summary.csv"
    write_table(rows, destination / "results.csv")
    write_table(
        pd.read_csv(summary) if summary.exists() else aggregate(rows), destination / "summary.csv"
    )
    return rows


def _machine() -> dict:
    versions = {}
    for package in ("numpy", "scipy", "pandas", "scikit-learn", "POT", "gmmlearn"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "host": platform.node(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "system": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def archive(results_dir, history_dir=HISTORY) -> Path:
    """Copy a run (every sweep of ``results_dir``) to ``history_dir/<commit>/``; the run must come
    from one clean commit (rows of a modified tree cannot be told apart later)."""
    folders = sweep_folders(results_dir)
    commits = set()
    for folder in folders.values():
        commits |= set(_read_sweep(folder)["git_commit"].fillna("").astype(str))
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
        **_machine(),
    }
    write_text(destination / "provenance.json", json.dumps(record, indent=2) + "\n")
    return destination


def update_baseline(
    results_dir="results", baseline_dir=BASELINE, configfile=QUICK_CONFIG
) -> list[str]:
    """Refresh the baseline from the quick config's sweeps in ``results_dir``: each must exist and
    come from the config as it is now (same config hash); sweeps the config no longer has go.
    Commits may mix, as in the workflow's aggregation (cells pool when their code hash agrees)."""
    from .sweeps import load_config

    config = load_config(configfile)
    baseline_dir = Path(baseline_dir)
    checked = {}
    for name, sweep in config.sweeps.items():
        folder = Path(results_dir) / name
        if not (folder / "results.csv").exists():
            raise ValueError(
                f"{folder}/results.csv is missing: run `snakemake --cores all --configfile "
                f"{configfile}` first"
            )
        rows = _read_sweep(folder, single_run=False)
        hashes = set(rows["config_hash"].astype(str))
        if hashes != {sweep.config_hash}:
            raise ValueError(
                f"{folder}/results.csv comes from another version of sweep {name} (config hash "
                f"{sorted(hashes)}, {configfile} has {sweep.config_hash}): rerun the workflow"
            )
        checked[name] = folder
    for name, folder in checked.items():
        copy_sweep(folder, baseline_dir / name, single_run=False)
    for stale in baseline_dir.glob("*/results.csv"):
        if stale.parent.name not in checked:
            shutil.rmtree(stale.parent)
    return sorted(checked)


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
                pd.read_csv(summary).assign(
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
    from .compare import row_keys, select_rows
    from .compare_report import row_labels
    from .figures.common import footnote, save, style

    rows = history[history["metric"] == metric]
    if estimator is not None:
        rows = rows[rows["estimator"] == estimator]
    rows = select_rows(rows, filters or {}, "--where") if len(rows) else rows
    if rows.empty:
        raise ValueError(
            f"no archived summary row has metric={metric!r}, estimator={estimator!r} and {filters}"
        )
    describing = [
        "sweep",
        "family",
        *sorted(c for c in rows if c.startswith("p_target_")),
        "learner",
        *sorted(c for c in rows if c.startswith("p_learner_")),
        "n_train",
        "n_eval",
        "estimator",
    ]
    describing = [c for c in describing if c in rows]
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
