"""Runs kept by commit: archive, history plot, baseline update, and `gmmlearn compare REF1 REF2`
running a tiny config at two commits of a temporary git repository."""

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import copy_checkout
from test_compare import run_table

from gmmlearn.bench.sweeps import load_config
from gmmlearn.cli import main
from gmmlearn.compare.history import archive, load_history
from gmmlearn.compare.null import run_values
from gmmlearn.results import write_table

REPO = Path(__file__).resolve().parents[1]


def _run_folder(root: Path, commit: str, scale: float = 1.0, config_hash: str = "h1") -> Path:
    frame = run_table(run_values() * scale, commit=commit, config_hash=config_hash)
    write_table(frame, root / "s/results.csv")
    return root


def test_archive_keeps_a_clean_commit_with_its_machine_and_refuses_dirty_runs(tmp_path):
    folder = archive(_run_folder(tmp_path / "run", "a" * 40), tmp_path / "history")
    assert folder == tmp_path / "history" / ("a" * 40)
    assert {p.name for p in (folder / "s").iterdir()} == {"results.csv", "summary.csv"}
    provenance = json.loads((folder / "provenance.json").read_text())
    assert provenance["commit"] == "a" * 40 and provenance["host"]
    assert provenance["numpy_version"] and provenance["gmmlearn_version"]  # the rows' record
    with pytest.raises(ValueError, match="only the run of one clean commit"):
        archive(_run_folder(tmp_path / "dirty", "b" * 40 + "-dirty"), tmp_path / "history")


def test_history_plots_a_metric_across_commits_in_commit_order(tmp_path, capsys):
    history = tmp_path / "history"
    for i, commit in enumerate(("c" * 40, "d" * 40, "e" * 40)):
        archive(_run_folder(tmp_path / f"run{i}", commit, scale=1 + i), history)
    frame = load_history(history, repo=tmp_path)  # unknown commits: in archiving order
    assert list(frame.drop_duplicates("commit").sort_values("order")["commit"].str[0]) == [
        "c",
        "d",
        "e",
    ]
    out = tmp_path / "tv"
    assert (
        main(
            [
                "history",
                "tv_projected",
                "--estimator",
                "hist1d_mean",
                "--where",
                "learner=em,n_steps=20",
                "--history",
                str(history),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (tmp_path / "tv.png").stat().st_size > 10_000
    assert main(["history", "tv_projected", "--history", str(history), "--out", str(out)]) == 2
    assert "cells match (at most 10 lines)" in capsys.readouterr().err


def test_baseline_update_takes_the_quick_config_sweeps_of_the_current_config(tmp_path, capsys):
    config = {
        "sweeps": {
            "s": {
                "seed": 7,
                "replicates": 3,
                "grid": [
                    {
                        "target": {"name": "isotropic_gmm", "params": {"dim": 2, "k": 3}},
                        "learner": {"name": "exact"},
                    }
                ],
            }
        }
    }
    path = tmp_path / "quick.yaml"
    path.write_text(yaml.safe_dump(config))
    current = load_config(path).sweeps["s"].config_hash
    stale = tmp_path / "baseline/gone"
    stale.mkdir(parents=True)
    (stale / "results.csv").write_text("x\n")
    args = [
        "baseline",
        "update",
        "--results",
        str(tmp_path / "results"),
        "--baseline",
        str(tmp_path / "baseline"),
        "--configfile",
        str(path),
    ]
    _run_folder(tmp_path / "results", "f" * 40, config_hash="old")
    assert main(args) == 2
    assert (
        f"comes from another version of sweep s (config hash ['old'], {path} has {current})"
        in capsys.readouterr().err
    )
    _run_folder(tmp_path / "results", "f" * 40, config_hash=current)
    assert main(args) == 0
    assert pd.read_csv(tmp_path / "baseline/s/results.csv").equals(
        pd.read_csv(tmp_path / "results/s/results.csv")
    )
    assert (tmp_path / "baseline/s/summary.csv").exists() and not stale.exists()


GIT = shutil.which("git")


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_compare_two_git_refs_runs_each_with_its_own_code(tmp_path, monkeypatch, capsys):
    """Two commits of a copy of this repository; the second breaks the oracle's score (x 0.8):
    each ref runs a tiny config with its own code, and the comparison flags the oracle only."""
    repo = copy_checkout(tmp_path / "repo")

    def git(*args):
        subprocess.run(
            [GIT, "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    reference = repo / "gmmlearn/learners/reference.py"
    code = reference.read_text()
    broken = "scale_score(self.target.denoise(X, t), X, t, 0.8 * self.score_scale_)"
    reference.write_text(
        code.replace("scale_score(self.target.denoise(X, t), X, t, self.score_scale_)", broken)
    )
    assert broken in reference.read_text()
    git("commit", "-qam", "break the oracle")
    config = tmp_path / "tiny.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "tiny",
                "sweeps": {
                    "tiny": {
                        "seed": 3,
                        "replicates": 3,
                        "n_eval": 4000,  # with 2, the t test's 1 degree of freedom misses this
                        "metrics": [{"name": "tv_projected", "params": {"dims": [1]}}],
                        "grid": [
                            {
                                "target": {
                                    "name": "isotropic_gmm",
                                    # one pinned instance (the comparison's power
                                    # was calibrated on it; unpinned, each replicate
                                    # draws its own)
                                    "params": {"dim": 2, "k": 3, "separation": 8.0, "seed": 0},
                                },
                                "learner": [
                                    {"name": "oracle", "params": {"n_steps": 50}},
                                    {"name": "exact"},
                                ],
                            }
                        ],
                    }
                },
            }
        )
    )
    monkeypatch.chdir(repo)
    code = main(
        [
            "compare",
            "HEAD~1",
            "HEAD",
            "--configfile",
            str(config),
            "--cores",
            "2",
            "--out",
            str(tmp_path / "out"),
            "--history",
            str(tmp_path / "history"),
        ]
    )
    assert code == 1, capsys.readouterr()
    table = pd.read_csv(tmp_path / "out/compare.csv")
    assert set(table.loc[table["verdict"] == "worse", "learner"]) == {"oracle"}
    assert set(table.loc[table["learner"] == "exact", "verdict"]) == {"unchanged"}
    heads = subprocess.run(
        [GIT, "rev-list", "-2", "HEAD"], cwd=repo, capture_output=True, text=True
    ).stdout.split()
    for sha in heads:  # each run archived under its commit, with rows that say so
        assert set(pd.read_csv(tmp_path / "history" / sha / "tiny/results.csv")["git_commit"]) == {
            sha
        }
    assert (
        subprocess.run(
            [GIT, "worktree", "list"], cwd=repo, capture_output=True, text=True
        ).stdout.count("\n")
        == 1
    )
