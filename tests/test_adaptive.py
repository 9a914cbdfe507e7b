"""A sequential design through Snakemake (README "Workflow"): the looks run as checkpoints, cells
of undecided claims get the next batch, and a run killed between looks resumes to the same rows
and the same decisions as an uninterrupted one."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gmmlearn.results.schema import ROW_KEY, VALUES

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = shutil.which("snakemake")
pytestmark = pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")


def _config(folder: Path) -> Path:
    """Three light cells, looks after 5 and 10 replicates; C3b pointed at the sweep finds no
    diffusion learner in it, so it stays undecided and every cell runs both looks."""
    config = {
        "name": "adaptive",
        "results_dir": str(folder / "results"),
        "figures_dir": str(folder / "figs"),
        "claims": {"C3b": {"sweep": "a"}},
        "sweeps": {
            "a": {
                "seed": 1,
                "replicates": {"min": 5, "max": 10, "batch": 5},
                "n_eval": 400,
                "metrics": ["tv_projected"],
                "grid": [
                    {
                        "target": {"name": "far_groups", "params": {"L": 3.0}},
                        "learner": [
                            {"name": "oracle", "params": {"n_steps": [5, 20]}},
                            {"name": "exact"},
                        ],
                    }
                ],
            }
        },
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _args(folder: Path) -> list[str]:
    return [
        SNAKEMAKE,
        "-s",
        str(REPO / "Snakefile"),
        "--directory",
        str(folder),
        "--configfile",
        str(_config(folder)),
    ]


def _run(folder: Path, *extra):
    return subprocess.run(
        [*_args(folder), *extra], cwd=REPO, capture_output=True, text=True, timeout=900
    )


def _outputs(folder: Path):
    results = folder / "results"
    rows = pd.read_csv(results / "a/results.csv")
    rows = rows[[*ROW_KEY, *VALUES, "status"]].sort_values(ROW_KEY).reset_index(drop=True)
    looks = {
        p.name: json.loads(p.read_text()) for p in sorted((results / "a/looks").glob("*.json"))
    }
    return rows, looks


def test_a_sequential_sweep_runs_its_looks_and_resumes_after_a_kill(tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    result = _run(clean, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    rows, looks = _outputs(clean)
    assert sorted(looks) == ["0.json", "1.json"]
    assert looks["0.json"]["n"] == 5 and len(looks["0.json"]["active"]) == 3
    assert looks["1.json"]["active"] == []  # the last look
    assert looks["0.json"]["claims"]["C3b"] == "inconclusive"
    assert rows.groupby("cell_id")["replicate"].apply(set).tolist() == [set(range(10))] * 3
    batches = sorted(p.name for p in (clean / "results/a/cells").glob("*/r*.csv"))
    assert batches == ["r0-4.csv", "r5-9.csv"]  # one chunk (light cells of one target), 2 looks
    assert (clean / "results/claims.md").exists()

    killed = tmp_path / "killed"
    killed.mkdir()
    run = subprocess.Popen(
        [*_args(killed), "--cores", "1"],
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    first_look = killed / "results/a/looks/0.json"
    deadline = time.monotonic() + 600
    while not first_look.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert first_look.exists()
    assert _run(killed, "--unlock").returncode == 0
    resumed = _run(killed, "--cores", "2", "--rerun-incomplete")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    again_rows, again_looks = _outputs(killed)
    pd.testing.assert_frame_equal(again_rows, rows)
    assert again_looks == looks
