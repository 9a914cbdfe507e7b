"""Cells rerun only for what computes them: in a copy of this checkout, after a finished run,
an edit to a docstring, a comment and a command-line module leaves every cell job done (a dry
run plans none), while a real edit of a learner's code plans every cell again."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import copy_checkout

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = shutil.which("snakemake")
GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(SNAKEMAKE is None or GIT is None, reason="needs snakemake and git")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))


def test_docstring_comment_and_cli_edits_rerun_no_cell_a_code_edit_does(tmp_path):
    tree = copy_checkout(tmp_path / "tree")
    config = tmp_path / "tiny.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "tiny",
                "results_dir": str(tmp_path / "results"),
                "figures_dir": str(tmp_path / "figures"),
                "sweeps": {
                    "s": {
                        "replicates": 1,
                        "n_eval": 300,
                        "metrics": ["tv_projected"],
                        "grid": [
                            {
                                "target": {"name": "far_groups", "params": {"L": 3.0}},
                                "learner": {"name": "exact"},
                            }
                        ],
                    }
                },
            }
        )
    )
    # the copy's package, not the installed one, for snakemake and for the jobs it starts
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])

    def snakemake(*args):
        result = subprocess.run(
            [SNAKEMAKE, "-s", str(tree / "Snakefile"), "--directory", str(tmp_path)]
            + ["--configfile", str(config), *args],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout + result.stderr

    snakemake("--cores", "1")
    assert (tmp_path / "results/s/results.csv").is_file()
    assert "Nothing to be done" in snakemake("-n")

    package = tree / "gmmlearn"
    # a module docstring and a comment in what computes a cell, a line of the command line
    _edit(package / "learners/classical.py", '"""Classical baselines', '"""Classical (edited) ones')
    _edit(package / "bench/experiment.py", "(a failed cell is recorded", "(edited: a failed cell")
    _edit(
        package / "cli/tables.py",
        'help="failures listed per sweep"',
        'help="failures listed per sweep (edited)"',
    )
    assert "Nothing to be done" in snakemake("-n")

    _edit(
        package / "learners/reference.py",
        "        self.dim_ = target.dim\n        return self\n\n    def sampling_times",
        "        self.dim_ = int(target.dim)\n        return self\n\n    def sampling_times",
    )
    plan = snakemake("-n")
    assert "batch" in plan.split() and "params" in plan.lower()
