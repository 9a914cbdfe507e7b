"""Seeded building blocks shared by the instance families."""

from __future__ import annotations

import numpy as np

from ..core.validation import check_float, check_int

#: placement attempts before a separated layout is declared infeasible
_MAX_PLACEMENT_ROUNDS = 50


def random_orthonormal(dim: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """A (dim, m) matrix with orthonormal columns, Haar-distributed (QR with sign fix)."""
    if m > dim:
        raise ValueError(f"dim must be >= {m} to embed a {m}-dimensional shape, got dim={dim}")
    Q, R = np.linalg.qr(rng.standard_normal((dim, m)))
    return Q * np.sign(np.diag(R))


def uniform_in_ball(n: int, dim: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    """n points uniform in the centred ball of the given radius."""
    u = rng.standard_normal((n, dim))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return radius * rng.random(n)[:, None] ** (1.0 / dim) * u


def separated_points(
    k: int,
    dim: int,
    radius: float,
    separation: float,
    rng: np.random.Generator,
    radius_name: str = "radius",
) -> np.ndarray:
    """k points uniform in a ball of ``radius`` with all pairwise distances >= ``separation``.

    Sequential rejection sampling, restarted when a point cannot be placed; raises a clear
    error when the layout looks infeasible.
    """
    for _ in range(_MAX_PLACEMENT_ROUNDS):
        points = np.empty((0, dim))
        for candidate in uniform_in_ball(200 * k, dim, radius, rng):
            if (
                points.shape[0] == 0
                or np.min(np.linalg.norm(points - candidate, axis=1)) >= separation
            ):
                points = np.vstack([points, candidate])
                if points.shape[0] == k:
                    return points
    raise ValueError(
        f"could not place k={k} points with separation={separation:g} "
        f"inside {radius_name}={radius:g} "
        f"in dim={dim}; increase {radius_name} or decrease separation"
    )


def default_radius(k: int, dim: int, separation: float) -> float:
    """A ball radius where k points at the given separation fit easily: ``separation k^{1/dim}``."""
    return max(separation, separation * k ** (1.0 / dim))


def mixture_weights(k: int, weights, w_min, rng: np.random.Generator) -> np.ndarray:
    """Explicit weights, or random weights >= w_min (``w_min + (1 - k w_min) Dirichlet(1)``),
    or equal weights when both are None."""
    if weights is not None:
        return np.asarray(weights, dtype=np.float64)
    if w_min is None:
        return np.full(k, 1.0 / k)
    w_min = check_float("w_min", w_min, minimum=0.0, maximum=1.0 / k)
    return w_min + (1.0 - k * w_min) * rng.dirichlet(np.ones(k))


def explicit_or_generated(name: str, array, expected_cols: int | None, ndim: int = 2):
    """Validate a user-given array (``means``, ``atoms``...) or return None to generate one."""
    if array is None:
        return None
    arr = np.asarray(array, dtype=np.float64)
    if arr.ndim == 1 and ndim == 2:
        arr = arr[:, None]
    if arr.ndim != ndim or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a finite array with {ndim} axes, got shape {arr.shape}")
    if expected_cols is not None and arr.shape[-1] != expected_cols:
        raise ValueError(f"{name} has dimension {arr.shape[-1]}, but dim={expected_cols} was given")
    return arr


def check_dim_k(dim, k, default_dim: int = 2, default_k: int = 3) -> tuple[int, int]:
    dim = check_int("dim", default_dim if dim is None else dim, minimum=1)
    k = check_int("k", default_k if k is None else k, minimum=1)
    return dim, k


def resolve_means(means, dim, k):
    """(means or None, dim, k): given means fix dim and k (which must agree if also given);
    otherwise dim and k take their defaults (2 and 3)."""
    means = explicit_or_generated(
        "means", means, None if dim is None else check_int("dim", dim, minimum=1)
    )
    if means is None:
        return (None, *check_dim_k(dim, k))
    dim, k = check_dim_k(means.shape[1], means.shape[0] if k is None else k)
    if means.shape[0] != k:
        raise ValueError(f"means has {means.shape[0]} rows, but k={k} was given")
    return means, dim, k


def check_w_min(w_min, k: int) -> None:
    if w_min is not None and k * float(w_min) > 1.0:
        raise ValueError(f"w_min * k must be <= 1, got w_min={w_min} with k={k}")
