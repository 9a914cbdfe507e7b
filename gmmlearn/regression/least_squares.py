"""Ridge least squares from normal equations accumulated in chunks (docs/theory.md §4.1 step 4).

``G = sum phi phi^T`` (F x F) and ``B = sum phi y^T`` (F x n_out) are summed chunk by chunk, so
memory is O(F^2 + chunk F) whatever the sample size; one solve serves all output coordinates:
``(G / N + ridge I) beta = B / N``. The ridge is relative to N, i.e. on the scale of orthonormal
features. Cholesky solves it; when the factorisation fails or the system is ill-conditioned
(condition estimate > ``MAX_CONDITION``) an SVD-based least-squares solve takes over.

The features are sorted by degree, so a lower-degree fit is a leading block of the system, and
the Cholesky factor of a leading block is the leading block of the full factor: the system is
factored once (per ridge) and every degree's solve reuses it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_solve

#: above this (estimated) condition number the Cholesky solution is not trusted
MAX_CONDITION = 1e12


@dataclass
class Solution:
    coef: np.ndarray  # (F, n_out)
    condition: float  # estimated condition number of G / N + ridge I
    method: (
        str  # "direct" (Cholesky succeeded, well conditioned: solved with its factor) or "lstsq"
    )
    n_samples: int
    train_loss: float  # mean over samples of ||y - coef^T phi||^2


class NormalEquations:
    """Running sums for the least-squares fit of Y (n_out columns) on features Phi (F rows)."""

    def __init__(self, n_features: int, n_outputs: int):
        self.G = np.zeros((n_features, n_features))
        self.B = np.zeros((n_features, n_outputs))
        self.yy = 0.0  # sum of ||y||^2, for the training loss without a second pass
        self.n = 0
        self.gemm_seconds = 0.0  # time in the Gram-matrix GEMM (the fit's arithmetic core)
        self.gemm_flops = 0.0  # its floating-point operations, 2 F^2 m per chunk of m rows
        self._factor = None  # (ridge, Cholesky factor of the full system or None if it failed)

    def add(self, Phi: np.ndarray, Y: np.ndarray) -> None:
        """Add a chunk: feature-major Phi (F, m) and targets Y (m, n_out)."""
        if Phi.shape[1] == 0:
            return
        # plain GEMM: measured faster here than BLAS syrk (half the flops) from scipy's OpenBLAS
        start = time.perf_counter()
        self.G += Phi @ Phi.T
        self.gemm_seconds += time.perf_counter() - start
        self.gemm_flops += 2.0 * Phi.shape[0] ** 2 * Phi.shape[1]
        self.B += Phi @ Y
        self.yy += float(np.einsum("ij,ij->", Y, Y))
        self.n += Phi.shape[1]
        self._factor = None

    def _system(self, ridge: float, F: int) -> np.ndarray:
        A = self.G[:F, :F] / self.n
        A[np.diag_indices_from(A)] += ridge
        return A

    def _leading_factor(self, ridge: float, F: int) -> np.ndarray | None:
        """Cholesky factor of the first F features' system: a block of the full factor (module
        docstring); when the full system is not positive definite, the block's own factor."""
        if self._factor is None or self._factor[0] != ridge:
            try:
                full = np.linalg.cholesky(self._system(ridge, self.G.shape[0]))
            except np.linalg.LinAlgError:
                full = None
            self._factor = (ridge, full)
        if self._factor[1] is not None:
            return self._factor[1][:F, :F]
        try:
            return np.linalg.cholesky(self._system(ridge, F))
        except np.linalg.LinAlgError:
            return None

    def solve(self, ridge: float, n_features: int | None = None) -> Solution:
        """Ridge solution on the first ``n_features`` features (default: all). ``condition`` is
        the cheap Cholesky estimate (max/min squared pivot)."""
        if self.n == 0:
            raise ValueError("no samples to fit")
        F = self.G.shape[0] if n_features is None else n_features
        A = self._system(ridge, F)
        rhs = self.B[:F] / self.n
        coef, method, condition = None, "lstsq", float("inf")
        L = self._leading_factor(ridge, F)
        if L is not None:
            pivots = np.diag(L) ** 2
            condition = float(pivots.max() / pivots.min())
            if condition <= MAX_CONDITION:
                coef, method = cho_solve((L, True), rhs), "direct"
        if coef is None:
            coef = np.linalg.lstsq(A, rhs, rcond=1.0 / MAX_CONDITION)[0]
        G = A - ridge * np.eye(F)
        sse = (
            self.yy
            - 2.0 * self.n * float(np.sum(coef * rhs))
            + self.n * float(np.sum(coef * (G @ coef)))
        )
        return Solution(coef, condition, method, self.n, max(sse, 0.0) / self.n)
