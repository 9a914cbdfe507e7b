"""No config value reaches a shell as code (issue 17, item 3): results_dir, figures_dir and the
config file's path with spaces, ``;``, ``$()``, backticks and ``||`` run as plain paths, in the
dry run's printed commands (``snakemake -n -p``) and in a real tiny run."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = shutil.which("snakemake")
pytestmark = pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")

#: each would create a file named PWNED-<n> if a shell ran it as code
HOSTILE = "a b; touch PWNED-1; $(touch PWNED-2) `touch PWNED-3` || touch PWNED-4 && x"


def _tiny_config(folder: Path) -> Path:
    config_dir = folder / f"configs {HOSTILE}"
    config_dir.mkdir()
    config = {
        "name": "hostile",
        "results_dir": f"res {HOSTILE}",
        "figures_dir": f"figs {HOSTILE}",
        "sweeps": {
            "tiny": {
                "seed": 3,
                "replicates": 2,
                "n_eval": 300,
                "metrics": ["tv_projected"],
                "figure": "samplers",
                "grid": [
                    {
                        "target": {"name": "far_groups", "params": {"L": 3.0}},
                        "learner": {"name": "oracle", "params": {"n_steps": [5, 10]}},
                    }
                ],
            }
        },
    }
    path = config_dir / f"config {HOSTILE}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _snakemake(folder: Path, config: Path, *extra):
    return subprocess.run(
        [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(folder)]
        + ["--configfile", str(config), *extra],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _pwned(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.rglob("PWNED-*"))


def test_hostile_paths_never_execute_in_the_dry_run_or_a_real_run(tmp_path):
    config = _tiny_config(tmp_path)

    dry = _snakemake(tmp_path, config, "-n", "-p", "--cores", "1")
    assert dry.returncode == 0, dry.stderr[-3000:]
    printed = dry.stdout + dry.stderr  # Snakemake's versions print commands to either
    assert "gmmlearn -v cell" in printed and "gmmlearn index" in printed
    # every hostile path is printed inside single quotes
    assert f"'res {HOSTILE}/claims.csv'" in printed
    assert f"'figs {HOSTILE}/index.md'" in printed
    assert f"config {HOSTILE}.yaml'" in printed
    assert _pwned(tmp_path, REPO) == []

    run = _snakemake(tmp_path, config, "--cores", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    assert _pwned(tmp_path, REPO) == []
    results = tmp_path / f"res {HOSTILE}"
    figures = tmp_path / f"figs {HOSTILE}"
    assert (results / "tiny" / "results.csv").exists()
    assert (results / "claims.md").exists()
    assert (figures / "tiny.png").exists() and (figures / "index.md").exists()
