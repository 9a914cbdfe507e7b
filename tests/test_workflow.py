"""The Snakemake workflow: a dry run of the shipped config and one tiny real run."""

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gmmlearn.results.schema import VALUES

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = shutil.which("snakemake")
pytestmark = pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")


def _snakemake(*args, cwd=REPO):
    return subprocess.run(
        [SNAKEMAKE, "-s", str(REPO / "Snakefile"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_dry_run_of_the_quick_config(tmp_path):
    result = _snakemake(
        "-n",
        "--directory",
        str(tmp_path),
        "--configfile",
        str(REPO / "workflows/config/quick.yaml"),
        "--config",
        f"results_dir={tmp_path}/results",
        f"figures_dir={tmp_path}/figs",
    )
    assert result.returncode == 0, result.stderr
    assert "rule batch" in result.stdout and "figure" in result.stdout


def _refused_dry_run(tmp_path, text: str) -> str:
    """Dry-run the workflow on a config with this text; it must fail: its output."""
    path = tmp_path / "config.yaml"
    path.write_text(text)
    result = _snakemake("-n", "--directory", str(tmp_path), "--configfile", str(path))
    assert result.returncode != 0
    return result.stdout + result.stderr


def test_invalid_config_stops_the_dry_run(tmp_path):
    output = _refused_dry_run(
        tmp_path,
        "sweeps: {s: {replicates: 0, grid: [{target: {name: far_groups}, "
        "learner: {name: exact}}]}}",
    )
    assert "replicates" in output


def test_tiny_sweep_runs_to_a_figure_and_survives_a_failing_cell(tmp_path):
    config = {
        "name": "tiny",
        "results_dir": str(tmp_path / "results"),
        "figures_dir": str(tmp_path / "figs"),
        "sweeps": {
            "tiny": {
                "figure": "samplers",
                "seed": 3,
                "replicates": 2,
                "n_eval": 1500,
                "metrics": ["tv_projected", {"name": "w2", "params": {"n_subsample": 200}}],
                "grid": [
                    {
                        "target": {"name": "far_groups", "params": {"L": 3.0}},
                        "learner": {
                            "name": "oracle",
                            "params": {"schedule": ["geometric", "benton"], "n_steps": [5, 40]},
                        },
                    },
                    {
                        "target": {
                            "name": "isotropic_gmm",
                            "params": {"dim": 2, "k": 2, "sigma": -1.0},
                        },
                        "learner": {"name": "exact"},
                    },
                ],
            }
        },
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config))
    result = _snakemake("--cores", "2", "--directory", str(tmp_path), "--configfile", str(path))
    assert result.returncode == 0, result.stderr[-3000:]
    table = pd.read_csv(tmp_path / "results/tiny/results.csv")
    assert len(table) == 4 * 2 * 5 + 2 * 2  # 4 oracle cells x 2 replicates x 5 rows, + failed cell
    failed = table[table["status"] == "failed"]
    assert (
        set(failed["family"]) == {"isotropic_gmm"}
        and failed["error"].str.contains("sigma must be > 0").all()
    )
    summary = pd.read_csv(tmp_path / "results/tiny/summary.csv")
    assert summary["n_ok"].max() == 2
    for ext in ("pdf", "png"):
        assert (tmp_path / f"figs/tiny.{ext}").stat().st_size > 10_000
    again = _snakemake("-n", "--directory", str(tmp_path), "--configfile", str(path))
    assert "Nothing to be done" in again.stdout + again.stderr


def _write_config(tmp_path, sweeps, **top):
    config = {
        "name": "t",
        "results_dir": str(tmp_path / "results"),
        "figures_dir": str(tmp_path / "figs"),
        "sweeps": sweeps,
        **top,
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


ORACLE_CELL = {
    "target": {"name": "far_groups", "params": {"L": 3.0}},
    "learner": {"name": "oracle", "params": {"n_steps": 5}},
}
FAILING_CELL = {
    "target": {"name": "isotropic_gmm", "params": {"dim": 2, "k": 2, "sigma": -1.0}},
    "learner": {"name": "exact"},
}


def test_a_config_without_sweeps_is_refused(tmp_path):
    output = _refused_dry_run(tmp_path, "name: nothing\n")
    assert "'sweeps' is a required property" in output
    assert "rule batch" not in output  # not silently the quick config
    assert "'sweep' was unexpected" in _refused_dry_run(
        tmp_path, "sweep: {s: {grid: []}}\n"
    )  # a typo


def test_the_workflow_reads_configs_as_yaml_1_2(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        f"results_dir: {tmp_path}/results\nsweeps:\n  s:\n    grid:\n"
        "      - target: {name: isotropic_gmm, params: {dim: 2, sigma: 5e-1}}\n"
        "        learner: {name: exact}\n"
    )
    result = _snakemake(
        "-n",
        "-p",
        "--directory",
        str(tmp_path),
        "--configfile",
        str(path),
        "--config",
        "strict=true",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"sigma": 0.5' in result.stdout
    assert "status.txt" in result.stdout  # strict=true from --config is the boolean true


@pytest.mark.parametrize("how", ["config key", "--config"])
def test_a_strict_run_fails_when_a_cell_failed_and_keeps_its_tables(tmp_path, how):
    sweeps = {
        "s": {
            "replicates": 1,
            "n_eval": 300,
            "metrics": ["tv_projected"],
            "grid": [ORACLE_CELL, FAILING_CELL],
        }
    }
    path = _write_config(tmp_path, sweeps, **({"strict": True} if how == "config key" else {}))
    extra = ["--config", "strict=true"] if how == "--config" else []
    result = _snakemake(
        "--cores", "2", "--directory", str(tmp_path), "--configfile", str(path), *extra
    )
    assert result.returncode != 0
    assert "strict: some cells failed" in result.stderr and "sigma must be > 0" in result.stderr
    table = pd.read_csv(tmp_path / "results/s/results.csv")
    assert set(table["status"]) == {"ok", "failed"}
    relaxed = _snakemake(
        "--cores",
        "2",
        "--directory",
        str(tmp_path),
        "--configfile",
        str(path),
        "--config",
        "strict=false",
    )
    assert relaxed.returncode == 0, relaxed.stderr[-2000:]


def test_a_killed_run_resumes_with_the_readme_commands(tmp_path):
    """kill -9 of snakemake and its jobs mid-run; then `snakemake --unlock` and
    `snakemake --cores all --rerun-incomplete` (README, "Workflow") finish it."""
    import os
    import signal
    import time

    grid = [
        {
            "target": {"name": "far_groups", "params": {"L": 3.0}},
            # EM is not a light learner: each cell is a job of its own
            "learner": {"name": "em", "params": {"n_components": [1, 2, 3, 4, 5, 6]}},
            "n_train": 20000,
        }
    ]
    path = _write_config(
        tmp_path,
        {"s": {"replicates": 1, "n_eval": 20000, "metrics": ["tv_projected"], "grid": grid}},
    )
    args = ["--directory", str(tmp_path), "--configfile", str(path)]
    run = subprocess.Popen(
        [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--cores", "1", *args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    cells = tmp_path / "results/s/cells"
    deadline = time.monotonic() + 300
    while not (cells.exists() and any(cells.glob("*/r*.csv"))) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    values = ["cell_id", "replicate", "metric", "estimator", *VALUES]
    done_before = {p.relative_to(cells): pd.read_csv(p)[values] for p in cells.glob("*/r*.csv")}
    assert 1 <= len(done_before) < 6
    assert _snakemake("--cores", "all", *args).returncode != 0  # the stale lock stops a plain rerun
    assert _snakemake("--unlock", *args).returncode == 0
    resumed = _snakemake("--cores", "all", "--rerun-incomplete", *args)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    table = pd.read_csv(tmp_path / "results/s/results.csv")
    assert table["cell_id"].nunique() == 6 and table["status"].eq("ok").all()
    for name, before in done_before.items():  # a cell finished before the kill: same numbers
        pd.testing.assert_frame_equal(pd.read_csv(cells / name)[values], before)


def test_outputs_of_a_run_never_dirty_the_checkout():
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    outputs = [
        "paper_figures/oracle_steps.png",
        "paper_figures/oracle_steps.pdf",
        "paper_figures/index.md",
        "paper_figures/paper/manifolds.png",
        "results/oracle_steps/results.csv",
        ".snakemake/log/x.log",
    ]
    ignored = subprocess.run(
        ["git", "-C", str(REPO), "check-ignore", *outputs], capture_output=True, text=True
    )
    assert sorted(ignored.stdout.split()) == sorted(outputs)
    tracked = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "paper_figures"], capture_output=True, text=True
    )
    assert not [f for f in tracked.stdout.split() if f.endswith((".png", ".pdf"))]


def test_slurm_status_polling_is_checked_before_submitting(monkeypatch):
    """A SLURM run on a cluster without accounting (sacct fails) stops with a message instead of
    waiting forever for jobs whose state it cannot see."""
    from types import SimpleNamespace

    from gmmlearn.bench import slurm

    monkeypatch.setattr(slurm.shutil, "which", lambda name: f"/usr/bin/{name}")
    calls = []

    def fake_run(command):
        calls.append(command[0])
        if command[0] == "sacct":
            return subprocess.CompletedProcess(
                command, 1, "", "Slurm accounting storage is disabled"
            )
        if command[0] == "scontrol":
            return subprocess.CompletedProcess(
                command, 0, "MinJobAge               = 300 sec\n", ""
            )
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(slurm, "_run", fake_run)
    with pytest.raises(
        slurm.StatusPollingError,
        match="accounting storage is disabled.*--slurm-status-command squeue",
    ):
        slurm.check_status_polling(
            SimpleNamespace(status_command="sacct", init_seconds_before_status_checks=40)
        )
    assert (
        slurm.check_status_polling(
            SimpleNamespace(status_command="squeue", init_seconds_before_status_checks=40)
        )
        == "squeue"
    )
    # squeue gives way to (here broken) sacct when finished jobs leave squeue too soon
    monkeypatch.setattr(slurm, "min_job_age", lambda: 60)
    with pytest.raises(slurm.StatusPollingError, match="MinJobAge"):
        slurm.check_status_polling(
            SimpleNamespace(status_command="squeue", init_seconds_before_status_checks=40)
        )
