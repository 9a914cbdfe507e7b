"""Shared fixtures: one small instance of every family, helpers for statistical checks, and a
copy of the checkout for tests that edit code or commit."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import gmmlearn as gl

REPO = Path(__file__).resolve().parents[1]

# (family, params) small enough for exact checks in milliseconds
FAMILY_CASES = {
    "isotropic_gmm": dict(dim=3, k=4, separation=3.0, w_min=0.1, seed=1),
    "general_gmm": dict(dim=3, k=3, condition_number=5.0, radius=3.0, seed=2),
    "general_gmm_degenerate": dict(dim=3, k=2, rank=2, radius=3.0, seed=3),
    "union_of_balls": dict(dim=2, k=2, ball_radius=1.0, n_atoms=60, sigma=0.5, seed=4),
    "manifold_circle": dict(shape="circle", dim=3, n_atoms=90, scale=3.0, sigma=0.5, seed=5),
    "manifold_sphere": dict(shape="sphere", dim=4, n_atoms=200, scale=3.0, sigma=0.7, seed=6),
    "manifold_torus": dict(shape="torus", dim=3, n_atoms=150, scale=3.0, sigma=0.6, seed=7),
    "manifold_swiss_roll": dict(
        shape="swiss_roll", dim=3, n_atoms=150, scale=3.0, sigma=0.6, seed=8
    ),
    "manifold_two_circles": dict(
        shape="two_circles", dim=4, n_atoms=120, scale=4.0, sigma=0.5, seed=12
    ),
    "manifold_curve": dict(shape="curve", dim=4, n_atoms=100, scale=3.0, sigma=0.5, seed=9),
    "circle_exact": dict(dim=3, scale=3.0, sigma=0.5, seed=10),
    "sphere_exact": dict(dim=4, scale=3.0, sigma=0.7, seed=11),
    "far_groups": dict(L=4.0, gap=2.5, dim=3),
    "line_groups": dict(m=3, spacing=10.0, gap=2.5, dim=3, orientation="varied"),
}


def build(case: str):
    family = case.split("_degenerate")[0]
    family = "manifold" if family.startswith("manifold_") else family
    return gl.make_target(family, **FAMILY_CASES[case])


@pytest.fixture(params=sorted(FAMILY_CASES))
def any_target(request):
    return build(request.param)


def zscore(estimate, truth, stderr):
    return np.abs(np.asarray(estimate) - np.asarray(truth)) / np.asarray(stderr)


def copy_checkout(destination: Path) -> Path:
    """The files git tracks (and the untracked ones it does not ignore) of this checkout, copied
    into ``destination``; run outputs (results/, paper_figures/) left out."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if (REPO / name).is_file() and not name.startswith(("paper_figures/", "results/")):
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    return destination
