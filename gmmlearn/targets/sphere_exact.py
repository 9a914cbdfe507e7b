"""``circle_exact`` and ``sphere_exact``: the closed-form (von Mises-Fisher) circle and sphere.

Same embedding as ``manifold(shape=circle|sphere, seed=...)`` so that the gridded versions can be
checked against them.
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_int, check_length
from .base import FAMILIES
from .generators import random_orthonormal
from .sphere import SphereConvolution


def _sphere(family: str, m: int, dim, scale, sigma, center, basis, seed) -> SphereConvolution:
    dim = m if dim is None else check_int("dim", dim, minimum=m)
    scale = check_length("scale", scale)
    sigma = check_length("sigma", sigma)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    basis = random_orthonormal(dim, m, rng) if basis is None else basis
    params = dict(dim=dim, scale=scale, sigma=sigma, seed=seed)
    return SphereConvolution(basis, scale, sigma, center, family=family, params=params)


@FAMILIES.register("circle_exact")
def circle_exact(
    dim: int | None = None,
    scale: float = 4.0,
    sigma: float = 0.5,
    center=None,
    basis=None,
    seed: int = 0,
) -> SphereConvolution:
    """Uniform circle of radius scale * N(0, sigma^2 I), closed form; embedded like
    manifold(circle)."""
    return _sphere("circle_exact", 2, dim, scale, sigma, center, basis, seed)


@FAMILIES.register("sphere_exact")
def sphere_exact(
    dim: int | None = None,
    scale: float = 4.0,
    sigma: float = 0.5,
    center=None,
    basis=None,
    seed: int = 0,
) -> SphereConvolution:
    """Uniform 2-sphere of radius scale * N(0, sigma^2 I), closed form; embedded like
    manifold(sphere)."""
    return _sphere("sphere_exact", 3, dim, scale, sigma, center, basis, seed)
