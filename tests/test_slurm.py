"""The SLURM path end to end (marker `slurm`, not in the default run: pytest -m slurm).

Starts the single-node Slurm of ``shared/tools/local-slurm`` (needs root), runs the quick config
through ``workflows/profiles/slurm`` as the README says, runs it again locally, and checks that
the value columns are identical (same code, same machine, one BLAS thread: bit for bit).
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from gmmlearn.results import schema
from gmmlearn.results.schema import ROW_KEY

REPO = Path(__file__).resolve().parents[1]
LOCAL_SLURM = Path(os.environ.get("GMMLEARN_LOCAL_SLURM", REPO.parent / "shared/tools/local-slurm"))
#: what must agree between the SLURM run and the local one: every row's key, values and status
VALUES = [*ROW_KEY, *schema.VALUES, "status", "error"]

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(not LOCAL_SLURM.exists(), reason=f"no {LOCAL_SLURM}"),
    pytest.mark.skipif(os.geteuid() != 0, reason="local-slurm needs root"),
]


def _run(args, cwd, timeout=3600):
    start = time.monotonic()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return result, time.monotonic() - start


#: rows whose value is a measured time (the regression's GEMM seconds), not a computed number
TIMINGS = ["diag_gemm_seconds"]


def _values(folder: Path) -> pd.DataFrame:
    frames = [pd.read_csv(p) for p in sorted(folder.glob("results/*/results.csv"))]
    table = pd.concat(frames)
    table = table[~table["metric"].isin(TIMINGS)]
    return table[VALUES].sort_values(VALUES[:5]).reset_index(drop=True)


def test_quick_config_through_the_slurm_profile_equals_a_local_run(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm")
    snakemake = shutil.which("snakemake")
    was_up = (
        subprocess.run(["sinfo", "-h"], capture_output=True).returncode == 0
        if shutil.which("sinfo")
        else False
    )
    started = subprocess.run(
        [str(LOCAL_SLURM), "start"], capture_output=True, text=True, timeout=900
    )
    assert started.returncode == 0, started.stderr
    try:
        common = [
            "-s",
            str(REPO / "Snakefile"),
            "--configfile",
            str(REPO / "workflows/config/quick.yaml"),
        ]
        (tmp_path / "slurm").mkdir()
        cluster, cluster_seconds = _run(
            [snakemake, *common, "--workflow-profile", str(REPO / "workflows/profiles/slurm")],
            tmp_path / "slurm",
        )
        assert cluster.returncode == 0, cluster.stderr[-4000:]
        (tmp_path / "local").mkdir()
        local, local_seconds = _run([snakemake, *common, "--cores", "2"], tmp_path / "local")
        assert local.returncode == 0, local.stderr[-4000:]
    finally:
        if not was_up:
            subprocess.run([str(LOCAL_SLURM), "stop"], capture_output=True, timeout=120)
    on_cluster, here = _values(tmp_path / "slurm"), _values(tmp_path / "local")
    # the quick config has cells skipped by design (moment methods outside their preconditions):
    # their rows must be skipped identically on both sides, and most rows are ok
    assert len(here) > 0 and here["status"].eq("ok").mean() > 0.8
    pd.testing.assert_frame_equal(on_cluster, here)
    cells = here["cell_id"].nunique()
    print(
        f"\nquick config, {cells} cells: SLURM {cluster_seconds:.0f} s, "
        f"local (2 cores) {local_seconds:.0f} s; scheduler overhead per cell (2 CPUs) "
        f"{(cluster_seconds - local_seconds) * 2 / cells:.1f} s; "
        f"value columns identical ({len(here)} rows)"
    )
