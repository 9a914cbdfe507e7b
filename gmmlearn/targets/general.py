"""``general_gmm``: k Gaussians with arbitrary covariances of bounded condition number (CKS)."""

from __future__ import annotations

import numpy as np

from ..core.validation import check_float, check_int, check_length
from .base import FAMILIES
from .gaussian import GaussianMixture
from .generators import (
    check_w_min,
    mixture_weights,
    random_orthonormal,
    resolve_means,
    separated_points,
)


def random_covariance(
    dim: int, condition_number: float, min_eigenvalue: float, rank: int, rng: np.random.Generator
) -> np.ndarray:
    """Q diag(lambda) Q^T with Haar Q and log-uniform eigenvalues in [l, kappa l], both ends
    attained (so the condition number is exactly kappa); the dim - rank smallest set to 0."""
    if dim == 1:
        eig = np.array([min_eigenvalue])
    else:
        inner = rng.uniform(0.0, 1.0, size=dim - 2)
        eig = min_eigenvalue * condition_number ** np.concatenate([[0.0, 1.0], inner])
    eig = np.sort(eig)[::-1]
    eig[rank:] = 0.0
    Q = random_orthonormal(dim, dim, rng)
    return (Q * eig) @ Q.T


@FAMILIES.register("general_gmm")
def general_gmm(
    dim: int | None = None,
    k: int | None = None,
    condition_number: float = 4.0,
    radius: float = 5.0,
    separation: float = 0.0,
    min_eigenvalue: float = 1.0,
    rank: int | None = None,
    weights=None,
    w_min: float | None = None,
    means=None,
    covariances=None,
    seed: int = 0,
) -> GaussianMixture:
    """Mixture of k Gaussians with random covariances of condition number ``condition_number``.

    Means are uniform in the ball of ``radius`` (pairwise distance >= ``separation``, default
    none). Eigenvalues lie in [min_eigenvalue, condition_number * min_eigenvalue]. ``rank`` < dim
    makes every covariance rank-deficient: sampling and scores at t > 0 still work, logpdf
    raises. ``means`` / ``covariances`` / ``weights`` may be given explicitly instead.
    """
    means, dim, k = resolve_means(means, dim, k)
    condition_number = check_float("condition_number", condition_number, minimum=1.0)
    min_eigenvalue = check_length("min_eigenvalue", min_eigenvalue)
    rank = dim if rank is None else check_int("rank", rank, minimum=1, maximum=dim)
    check_w_min(w_min, k)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    if means is None:
        radius = check_length("radius", radius)
        means = separated_points(
            k, dim, radius, check_length("separation", separation, allow_zero=True), rng
        )
    if covariances is None:
        covariances = np.stack(
            [random_covariance(dim, condition_number, min_eigenvalue, rank, rng) for _ in range(k)]
        )
    w = mixture_weights(k, weights, w_min, rng)
    params = dict(
        dim=dim,
        k=k,
        condition_number=condition_number,
        radius=radius,
        separation=separation,
        min_eigenvalue=min_eigenvalue,
        rank=rank,
        weights=weights,
        w_min=w_min,
        seed=seed,
    )
    return GaussianMixture(means, w, covariances, family="general_gmm", params=params)
