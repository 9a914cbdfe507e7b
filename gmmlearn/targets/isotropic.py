"""``isotropic_gmm``: k spherical Gaussians N(mu_j, sigma^2 I) with separated means (GKL's
setting)."""

from __future__ import annotations

import numpy as np

from ..core.validation import check_int, check_length
from .base import FAMILIES
from .generators import (
    check_w_min,
    default_radius,
    mixture_weights,
    resolve_means,
    separated_points,
)
from .location import LocationMixture


@FAMILIES.register("isotropic_gmm")
def isotropic_gmm(
    dim: int | None = None,
    k: int | None = None,
    separation: float = 4.0,
    radius: float | None = None,
    weights=None,
    w_min: float | None = None,
    sigma: float = 1.0,
    means=None,
    seed: int = 0,
) -> LocationMixture:
    """Mixture of k spherical Gaussians with pairwise mean distance >= separation.

    dim (default 2) and k (default 3) are read off ``means`` when it is given. Means are uniform
    in the ball of ``radius`` (default ``separation * k^{1/dim}``) subject to the separation;
    weights are equal, or random with every weight >= ``w_min``, or given explicitly.
    """
    means, dim, k = resolve_means(means, dim, k)
    check_length("sigma", sigma)
    check_w_min(w_min, k)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    if means is None:
        separation = check_length("separation", separation, allow_zero=True)
        radius = (
            default_radius(k, dim, separation) if radius is None else check_length("radius", radius)
        )
        means = separated_points(k, dim, radius, separation, rng)
    w = mixture_weights(k, weights, w_min, rng)
    params = dict(
        dim=dim,
        k=k,
        separation=separation,
        radius=radius,
        weights=weights,
        w_min=w_min,
        sigma=sigma,
        seed=seed,
    )
    return LocationMixture(means, w, sigma, family="isotropic_gmm", params=params)
