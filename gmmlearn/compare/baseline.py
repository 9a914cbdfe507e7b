"""The committed baseline (``results/baseline/``): the quick config's results that CI compares a
fresh run against, refreshed by ``gmmlearn baseline update``."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..bench.sweeps import load_config
from ..results.io import copy_sweep, read_sweep

BASELINE = Path("results/baseline")
QUICK_CONFIG = Path("workflows/config/quick.yaml")


def update_baseline(
    results_dir="results", baseline_dir=BASELINE, configfile=QUICK_CONFIG
) -> list[str]:
    """Refresh the baseline from the quick config's sweeps in ``results_dir``: each must exist and
    come from the config as it is now (same config hash); sweeps the config no longer has go.
    Commits may mix, as in the workflow's aggregation (cells pool when their code hash agrees)."""
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
        rows = read_sweep(folder, single_run=False)
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
