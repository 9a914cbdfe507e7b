"""One cell's polynomial denoiser: whitened Hermite least squares with degree selection, kept
inside the region it was fitted on (docs/theory.md §4.1 step 4).

In a cell with anchor ``a c`` the inputs are ``z = W (x - a c)``, W the inverse square root of
the second-moment matrix of the cell's ``x - a c`` (CKS's per-group whitening; GKL's
``1 / sqrt(v_t)`` for a tight cluster). Least squares of X_0 on the orthonormal Hermite features
of z of total degree <= D, from chunked normal equations (one solve serves every output and every
lower degree: features are sorted by degree).

*Outside the training box.* A least-squares polynomial is only determined where it saw data; in
a boundary cell a degree-6 fit evaluated a little beyond its sample's range grows like ``z^6``
(measured: 5 fresh points carried 47 % of one run's mean score error). So every cell stores the
box ``[low, high]`` of its training ``z`` (per whitened coordinate) and evaluates
``p(clip(z)) + (z - clip(z)) S``: the polynomial at the nearest point of the box plus, with
``outside = 'affine'``, the slope S of the cell's own degree-1 least-squares fit along the
excess -- continuous at the box, and affine beyond it like a mixture's denoiser in its Gaussian
tails (``'clamp'``: S = 0, constant beyond the box; ``'polynomial'``: no box, the plain
extrapolation, kept as the ablation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .hermite import hermite_features, n_features
from .least_squares import NormalEquations

#: rows of a block of features built at once (memory O(F * CHUNK)). Measured on 2 cores
#: (OpenBLAS, L3 32 MB) with 210 features: the Gram GEMM reaches ~100 GFLOP/s on blocks of
#: 2048-4096 rows and ~70 on 8192-65536 (the block no longer stays in cache between the feature
#: pass and the GEMM); benchmarks/panel.py --speed: fit 29.8 s at 8192, 20.0 s at 4096.
CHUNK = 4096
OUTSIDE = ("affine", "clamp", "polynomial")


def whitening(D: np.ndarray) -> np.ndarray:
    """Inverse square root of the second-moment matrix of the rows of D (regularised)."""
    S = D.T @ D / max(1, D.shape[0])
    S += 1e-10 * (np.trace(S) / S.shape[0] + 1e-300) * np.eye(S.shape[0])
    vals, vecs = np.linalg.eigh(S)
    return (vecs / np.sqrt(vals)) @ vecs.T


@dataclass
class CellModel:
    """A fitted cell: ``predict(x - a c)`` is its denoiser in the cell's coordinates."""

    center: np.ndarray  # (r,) anchor in data units (scaled by e^{-t} at evaluation)
    whitening: np.ndarray  # (r, r)
    degree: int
    coef: np.ndarray  # (F, n_out)
    low: np.ndarray | None  # (r,) box of the training z; None: no box ('polynomial')
    high: np.ndarray | None
    slope: np.ndarray | None  # (r, n_out) affine continuation beyond the box; None: constant

    def predict(self, D: np.ndarray) -> np.ndarray:
        """Denoiser values at local coordinates ``D = x - a c`` (rows), in chunks."""
        out = np.empty((D.shape[0], self.coef.shape[1]))
        for start in range(0, D.shape[0], CHUNK):
            block = slice(start, start + CHUNK)
            Z = D[block] @ self.whitening.T
            inside = Z if self.low is None else np.clip(Z, self.low, self.high)
            out[block] = hermite_features(inside, self.degree).T @ self.coef
            if self.slope is not None:
                out[block] += (Z - inside) @ self.slope
        return out


@dataclass
class CellFit:
    """A fitted cell with what the level's diagnostics need."""

    model: CellModel
    validation_loss: float  # sum over the cell's validation points
    train_loss: float  # sum over the cell's training points
    condition: float  # Cholesky estimate (max / min squared pivot) of the solved system
    gemm_seconds: float
    gemm_flops: float


def fit_cell(
    D: np.ndarray,
    Y: np.ndarray,
    center: np.ndarray,
    max_degree: int,
    ridge: float,
    D_val: np.ndarray | None = None,
    Y_val: np.ndarray | None = None,
    outside: str = "affine",
) -> CellFit:
    """Fit one cell on local coordinates ``D = x - a c`` and targets Y (X_0).

    With validation data, every degree 1..max_degree is solved from the same normal equations
    and the one with the smallest validation loss (of the prediction actually used, box
    included) is kept; without it, max_degree is used."""
    r = D.shape[1]
    W = whitening(D)
    Z = D @ W.T
    low, high = (Z.min(axis=0), Z.max(axis=0)) if outside != "polynomial" else (None, None)
    system = NormalEquations(n_features(r, max_degree), Y.shape[1])
    for start in range(0, D.shape[0], CHUNK):
        block = slice(start, start + CHUNK)
        system.add(hermite_features(Z[block], max_degree), Y[block])
    slope = None
    if outside == "affine":
        slope = system.solve(ridge, n_features(r, 1)).coef[1 : r + 1]
    select = D_val is not None and D_val.shape[0] > 0
    if select:
        Zv = D_val @ W.T
        inside = Zv if low is None else np.clip(Zv, low, high)
        Phi_v = hermite_features(inside, max_degree)
        beyond = 0.0 if slope is None else (Zv - inside) @ slope
    best = None
    for degree in range(1, max_degree + 1) if select else [max_degree]:
        F = n_features(r, degree)
        solution = system.solve(ridge, F)
        loss = float(np.sum((Phi_v[:F].T @ solution.coef + beyond - Y_val) ** 2)) if select else 0.0
        if best is None or loss < best[0]:
            best = (loss, degree, solution)
    loss, degree, solution = best
    model = CellModel(
        np.asarray(center, dtype=np.float64), W, degree, solution.coef, low, high, slope
    )
    # the Cholesky pivot ratio of the solve (a cheap estimate; an exact eigenvalue ratio per cell
    # cost ~10 % of a degree-6 fit in 4 dimensions)
    return CellFit(
        model,
        loss,
        solution.train_loss * D.shape[0],
        solution.condition,
        system.gemm_seconds,
        system.gemm_flops,
    )
