"""Orthonormal multivariate Hermite features of total degree <= D (docs/theory.md §4.1 step 4).

Univariate: probabilists' Hermite ``He_n`` normalised by ``sqrt(n!)``, so that
``E[h_m(Z) h_n(Z)] = delta_mn`` for ``Z ~ N(0, 1)``; by the three-term recurrence
``h_{n+1}(z) = (z h_n(z) - sqrt(n) h_{n-1}(z)) / sqrt(n + 1)``.
Multivariate: ``phi_alpha(z) = prod_j h_{alpha_j}(z_j)`` over multi-indices ``|alpha| <= D``;
there are ``C(d + D, D)`` of them, orthonormal under ``N(0, I_d)``.

Evaluation is vectorised over samples and done group by group: every multi-index
``alpha`` (but 0) has a *parent*, ``alpha`` with its last non-zero coordinate j set to 0, so
``phi_alpha = phi_parent * h_{alpha_j}(z_j)``; the multi-indices are ordered so that, grouped by
(j, alpha_j), each group is one gather-multiply over all samples. Cost O(N F) for N samples and F
features, with d * D numpy calls.
"""

from __future__ import annotations

from functools import lru_cache
from math import comb

import numpy as np

from ..validation import check_int


def n_features(dim: int, degree: int) -> int:
    """``C(dim + degree, degree)``: the number of multi-indices of total degree <= degree."""
    return comb(dim + degree, degree)


def hermite_1d(z: np.ndarray, degree: int) -> np.ndarray:
    """``h_0..h_degree`` at every entry of z: array of shape z.shape + (degree + 1,)."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty(z.shape + (degree + 1,))
    out[..., 0] = 1.0
    if degree >= 1:
        out[..., 1] = z
    for n in range(1, degree):
        out[..., n + 1] = (z * out[..., n] - np.sqrt(n) * out[..., n - 1]) / np.sqrt(n + 1)
    return out


@lru_cache(maxsize=64)
def multi_indices(dim: int, degree: int) -> np.ndarray:
    """All multi-indices with |alpha| <= degree, shape (C(dim+degree, degree), dim), sorted by
    total degree (row 0 is the constant): the features of degree <= D' are the first
    C(dim + D', D') rows, so every lower-degree fit is a leading block of the same system."""
    dim = check_int("dim", dim, minimum=1)
    degree = check_int("degree", degree, minimum=0)
    rows = [np.zeros(dim, dtype=np.int64)]
    # by last active coordinate j, then its degree n: parents only use coordinates < j
    prefixes = [np.zeros(dim, dtype=np.int64)]  # multi-indices supported on coordinates < j
    for j in range(dim):
        new = []
        for n in range(1, degree + 1):
            for parent in prefixes:
                if parent.sum() + n <= degree:
                    alpha = parent.copy()
                    alpha[j] = n
                    new.append(alpha)
        rows.extend(new)
        prefixes = prefixes + new
    out = np.array(rows)
    out = out[np.argsort(out.sum(axis=1), kind="stable")]
    out.setflags(write=False)
    return out


@lru_cache(maxsize=64)
def _plan(dim: int, degree: int):
    """Groups (j, n, feature positions, parent positions) for the gather-multiply evaluation."""
    alphas = multi_indices(dim, degree)
    position = {tuple(a): i for i, a in enumerate(alphas)}
    groups: dict[tuple[int, int], tuple[list, list]] = {}
    for i, alpha in enumerate(alphas[1:], start=1):
        j = int(np.flatnonzero(alpha)[-1])
        parent = alpha.copy()
        parent[j] = 0
        targets, parents = groups.setdefault((j, int(alpha[j])), ([], []))
        targets.append(i)
        parents.append(position[tuple(parent)])
    return [(j, n, np.array(t), np.array(p)) for (j, n), (t, p) in sorted(groups.items())]


def hermite_features(Z: np.ndarray, degree: int) -> np.ndarray:
    """Orthonormal Hermite features of the rows of Z (N, d), *feature-major*: shape (F, N) with
    F = C(d + degree, degree). Rows are contiguous, so each group is a row gather (4x faster
    than sample-major); the Gram matrix is ``Phi @ Phi.T``."""
    Z = np.asarray(Z, dtype=np.float64)
    N, d = Z.shape
    H = hermite_1d(Z.T, degree)  # (d, N, degree + 1)
    H = np.ascontiguousarray(np.moveaxis(H, 2, 1))  # (d, degree + 1, N)
    Phi = np.empty((n_features(d, degree), N))
    Phi[0] = 1.0
    for j, n, targets, parents in _plan(d, degree):
        Phi[targets] = Phi[parents] * H[j, n]
    return Phi
