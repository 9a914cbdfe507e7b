"""Orthonormal multivariate Hermite features of total degree <= D (docs/theory.md §4.1 step 4).

Univariate: probabilists' Hermite ``He_n`` normalised by ``sqrt(n!)``, so that
``E[h_m(Z) h_n(Z)] = delta_mn`` for ``Z ~ N(0, 1)``; by the three-term recurrence
``h_{n+1}(z) = (z h_n(z) - sqrt(n) h_{n-1}(z)) / sqrt(n + 1)``.
Multivariate: ``phi_alpha(z) = prod_j h_{alpha_j}(z_j)`` over multi-indices ``|alpha| <= D``;
there are ``C(d + D, D)`` of them, orthonormal under ``N(0, I_d)``.

Evaluation is vectorised over samples, one numpy call per *contiguous* block: every
multi-index ``alpha`` (but 0) has a *parent*, ``alpha`` with its last non-zero coordinate j set to
0, so ``phi_alpha = phi_parent * h_{alpha_j}(z_j)``. The multi-indices are sorted by total degree
k and, inside a degree, by (j, alpha_j, the parent's position): then the features of degree k
with last coordinate j and ``alpha_j = n`` are one contiguous block whose parents -- degree
k - n, supported on the coordinates before j -- are a contiguous leading part of the degree
k - n block. Each block is a single ``np.multiply(parents, h_n(z_j), out=block)``: no gather,
no scatter (3.1x faster than a gather-multiply-scatter per (j, n), measured at 4 dimensions,
degree 6: 6.2 -> 2.0 ms per 8192 rows). Cost O(N F), with about d D^2 / 2 numpy calls.
"""

from __future__ import annotations

from functools import lru_cache
from math import comb

import numpy as np

from ..core.validation import check_int


def n_features(dim: int, degree: int) -> int:
    """``C(dim + degree, degree)``: the number of multi-indices of total degree <= degree."""
    return comb(dim + degree, degree)


def _hermite_stack(z: np.ndarray, degree: int) -> np.ndarray:
    """``h_0..h_degree`` at every entry of z, stacked first: shape (degree + 1,) + z.shape."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty((degree + 1,) + z.shape)
    out[0] = 1.0
    if degree >= 1:
        out[1] = z
    for n in range(1, degree):
        out[n + 1] = (z * out[n] - np.sqrt(n) * out[n - 1]) / np.sqrt(n + 1)
    return out


def hermite_1d(z: np.ndarray, degree: int) -> np.ndarray:
    """``h_0..h_degree`` at every entry of z: array of shape z.shape + (degree + 1,)."""
    return np.moveaxis(_hermite_stack(z, degree), 0, -1)


@lru_cache(maxsize=64)
def _blocks(dim: int, degree: int) -> tuple[np.ndarray, list]:
    """The sorted multi-indices (module docstring) and the evaluation plan: one
    ``(j, n, target rows, parent rows)`` per contiguous block, as slices."""
    dim = check_int("dim", dim, minimum=1)
    degree = check_int("degree", degree, minimum=0)
    by_degree = [np.zeros((1, dim), dtype=np.int64)]
    starts = [0]  # first row of each degree's block
    # per degree: the end of the rows whose last non-zero coordinate is < j, for j = 0..dim
    prefix_ends = [np.ones(dim + 1, dtype=np.int64)]  # the constant is supported on no coordinate
    plan = []
    for k in range(1, degree + 1):
        start = starts[-1] + by_degree[-1].shape[0]
        rows, ends, row = [], np.zeros(dim + 1, dtype=np.int64), start
        ends[0] = start
        for j in range(dim):
            for n in range(1, k + 1):
                parents = by_degree[k - n][: prefix_ends[k - n][j] - starts[k - n]]
                if parents.shape[0] == 0:
                    continue
                block = parents.copy()
                block[:, j] = n
                rows.append(block)
                first_parent = starts[k - n]
                plan.append(
                    (
                        j,
                        n,
                        slice(row, row + block.shape[0]),
                        slice(first_parent, first_parent + parents.shape[0]),
                    )
                )
                row += block.shape[0]
            ends[j + 1] = row
        by_degree.append(np.concatenate(rows))
        starts.append(start)
        prefix_ends.append(ends)
    alphas = np.concatenate(by_degree)
    alphas.setflags(write=False)
    return alphas, plan


def multi_indices(dim: int, degree: int) -> np.ndarray:
    """All multi-indices with |alpha| <= degree, shape (C(dim+degree, degree), dim), sorted by
    total degree (row 0 is the constant; inside a degree, the module docstring's order): the
    features of degree <= D' are the first C(dim + D', D') rows, in the same order for every
    D >= D', so every lower-degree fit is a leading block of the same system."""
    return _blocks(dim, degree)[0]


def hermite_features(Z: np.ndarray, degree: int) -> np.ndarray:
    """Orthonormal Hermite features of the rows of Z (N, d), *feature-major*: shape (F, N) with
    F = C(d + degree, degree), rows in :func:`multi_indices` order. Rows are contiguous, so each
    block of features is one in-place multiply; the Gram matrix is ``Phi @ Phi.T``."""
    Z = np.asarray(Z, dtype=np.float64)
    N, d = Z.shape
    H = _hermite_stack(np.ascontiguousarray(Z.T), degree)  # (degree + 1, d, N)
    Phi = np.empty((n_features(d, degree), N))
    Phi[0] = 1.0
    for j, n, targets, parents in _blocks(d, degree)[1]:
        np.multiply(Phi[parents], H[n, j], out=Phi[targets])
    return Phi
