"""``union_of_balls``: GKL's continuous case, a Gaussian convolution of a law on k balls.

M atoms are drawn once, quasi-randomly (scrambled Halton, seeded) and uniformly inside k balls of
radius ``ball_radius``; the target *is* that M-atom location mixture, so sampling, density, score
and denoiser stay exact.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm, qmc

from ..core.validation import check_int, check_length
from .base import FAMILIES
from .generators import (
    check_w_min,
    default_radius,
    explicit_or_generated,
    mixture_weights,
    separated_points,
)
from .location import LocationMixture


def quasi_uniform_in_ball(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """n low-discrepancy points in the unit ball: Halton in [0,1]^{dim+1}, Gaussian-normalised
    direction from the first dim coordinates, radius ``u^{1/dim}`` from the last."""
    u = qmc.Halton(d=dim + 1, scramble=True, seed=rng).random(n)
    direction = norm.ppf(np.clip(u[:, :dim], 1e-12, 1 - 1e-12))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    return u[:, dim:] ** (1.0 / dim) * direction


@FAMILIES.register("union_of_balls")
def union_of_balls(
    dim: int = 2,
    k: int = 3,
    ball_radius: float = 1.0,
    centers_radius: float | None = None,
    separation: float | None = None,
    n_atoms: int = 600,
    sigma: float = 0.5,
    weights=None,
    w_min: float | None = None,
    atoms=None,
    seed: int = 0,
) -> LocationMixture:
    """Gaussian convolution of a quasi-uniform law on k balls, as an exact n_atoms-atom mixture.

    Ball centres are separated by ``separation`` (default ``2 ball_radius + 4 sigma``) inside a
    ball of ``centers_radius`` (default from the separation); ball weights are equal, random
    >= w_min, or given; ``atoms`` (with optional per-atom ``weights``) replaces the generator.
    """
    sigma = check_length("sigma", sigma)
    if atoms is not None:
        atoms = explicit_or_generated("atoms", atoms, None)
        w = np.full(atoms.shape[0], 1.0 / atoms.shape[0]) if weights is None else weights
        return LocationMixture(
            atoms,
            w,
            sigma,
            family="union_of_balls",
            params=dict(dim=atoms.shape[1], n_atoms=atoms.shape[0], sigma=sigma),
        )
    dim = check_int("dim", dim, minimum=1)
    k = check_int("k", k, minimum=1)
    n_atoms = check_int("n_atoms", n_atoms, minimum=k)
    ball_radius = check_length("ball_radius", ball_radius, allow_zero=True)
    check_w_min(w_min, k)
    separation = (
        2 * ball_radius + 4 * sigma
        if separation is None
        else check_length("separation", separation, allow_zero=True)
    )
    centers_radius = (
        default_radius(k, dim, separation)
        if centers_radius is None
        else check_length("centers_radius", centers_radius)
    )
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    centers = separated_points(
        k, dim, centers_radius, separation, rng, radius_name="centers_radius"
    )
    ball_w = np.asarray(mixture_weights(k, weights, w_min, rng), dtype=np.float64)
    if ball_w.shape != (k,):
        raise ValueError(f"weights must give one weight per ball (k={k}), got {ball_w.size}")
    counts = np.full(k, n_atoms // k)
    counts[: n_atoms % k] += 1
    points = quasi_uniform_in_ball(n_atoms, dim, rng) * ball_radius
    atoms = points + np.repeat(centers, counts, axis=0)
    atom_w = np.repeat(ball_w / counts, counts)
    params = dict(
        dim=dim,
        k=k,
        ball_radius=ball_radius,
        centers_radius=centers_radius,
        separation=separation,
        n_atoms=n_atoms,
        sigma=sigma,
        weights=weights,
        w_min=w_min,
        seed=seed,
        centers=centers.tolist(),
    )
    return LocationMixture(atoms, atom_w, sigma, family="union_of_balls", params=params)
