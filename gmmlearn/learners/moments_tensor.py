"""``moments_tensor``: Hsu-Kakade's method of moments with the robust tensor power method
(Hsu & Kakade 2013; Anandkumar et al. 2014; docs/theory.md §4.4).

For ``x = mu_h + sigma z`` with k <= n linearly independent means, on *uncentred* data:
``sigma^2`` = smallest eigenvalue of Cov(x) (mean of the n - k + 1 smallest), v its eigenvector;
``M1 = E[x (v^T (x - E x))^2]``; ``M2 = E[x x^T] - sigma^2 I = sum_i w_i mu_i mu_i^T``;
``M3 = E[x (x) x (x) x] - sum_j (M1 (x) e_j (x) e_j + perms) = sum_i w_i mu_i^{(x)3}``.
With ``W = U Lambda^{-1/2}`` from the top-k eigenpairs of M2 and ``y = W^T x``:
``T = M3(W, W, W) = E[y (x) y (x) y] - (m (x) G (x) + perms)``, ``m = W^T M1``, ``G = W^T W`` --
computed from Y = XW in O(N k^3), never an n^3 tensor. Robust tensor power method: for each of
k components, ``n_restarts`` random starts of ``n_iter`` power iterations ``theta <- T(I, theta,
theta) / ||.||``, keep the start with the largest ``T(theta, theta, theta)``, polish it with
``n_iter`` more iterations, deflate ``T <- T - lambda theta^{(x)3}``. M2 must have k eigenvalues
above its sampling noise ``5 sigma^2 sqrt(n / N)`` (and ``rank_tol`` times the largest). Then
``mu_i = lambda_i U Lambda^{1/2} theta_i`` and ``w_i = lambda_i^{-2}`` (weights are clipped at
1e-6 and renormalised: with sampling noise they need not sum to 1).
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import Integral, Interval, Real
from ..core.validation import NotApplicable, check_random_state
from ..targets import LocationMixture
from .base import LEARNERS
from .classical import MixtureLearner


def whitened_third_moment(Y: np.ndarray, m: np.ndarray, G: np.ndarray) -> np.ndarray:
    """``E[y (x) y (x) y] - (m (x) G + G (x) m + the middle permutation)`` for Y (N, k)."""
    T = np.einsum("ni,nj,nk->ijk", Y, Y, Y) / Y.shape[0]
    T -= np.einsum("i,jk->ijk", m, G) + np.einsum("j,ik->ijk", m, G) + np.einsum("k,ij->ijk", m, G)
    return T


def tensor_power_method(
    T: np.ndarray, k: int, n_restarts: int, n_iter: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Robust tensor power method with deflation: eigenvalues (k,) and eigenvectors (k, k)."""
    T = T.copy()
    lambdas, thetas = np.empty(k), np.empty((k, T.shape[0]))
    for i in range(k):  # one component at a time (deflation is sequential by nature)
        starts = rng.standard_normal((n_restarts, T.shape[0]))
        starts /= np.linalg.norm(starts, axis=1, keepdims=True)
        for _ in range(n_iter):  # all restarts at once
            starts = np.einsum("ijk,rj,rk->ri", T, starts, starts)
            starts /= np.maximum(np.linalg.norm(starts, axis=1, keepdims=True), 1e-300)
        values = np.einsum("ijk,ri,rj,rk->r", T, starts, starts, starts)
        theta = starts[int(np.argmax(values))]
        for _ in range(n_iter):
            theta = np.einsum("ijk,j,k->i", T, theta, theta)
            theta /= max(np.linalg.norm(theta), 1e-300)
        lam = float(np.einsum("ijk,i,j,k->", T, theta, theta, theta))
        lambdas[i], thetas[i] = lam, theta
        T -= lam * np.einsum("i,j,k->ijk", theta, theta, theta)
    return lambdas, thetas


@LEARNERS.register("moments_tensor")
class MomentsTensor(MixtureLearner):
    """Hsu-Kakade tensor method for spherical Gaussian mixtures (k <= dim, independent means).

    Outside its precondition k <= dim ``fit`` raises
    :class:`~gmmlearn.core.validation.NotApplicable` (a cell records it as skipped); means that
    are not independent in the data (M2 of rank < k) are a failure, found only by fitting."""

    light = True

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_restarts": [Interval(Integral, 1, None, closed="left")],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "rank_tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, n_components: int = 3, n_restarts: int = 20, n_iter: int = 50, rank_tol: float = 1e-6
    ):
        self.n_components = n_components
        self.n_restarts = n_restarts
        self.n_iter = n_iter
        self.rank_tol = rank_tol

    def fit(self, X, random_state=None) -> MomentsTensor:
        X = self._check_data(X)
        rng = check_random_state(random_state)
        k, n_restarts, n_iter = int(self.n_components), int(self.n_restarts), int(self.n_iter)
        rank_tol = float(self.rank_tol)
        N, n = X.shape
        if k > n:
            raise NotApplicable(
                f"the tensor method needs k <= dim and linearly independent means; "
                f"got n_components={k} > dim={n}"
            )
        mean = X.mean(axis=0)
        cov_vals, cov_vecs = np.linalg.eigh(np.cov(X, rowvar=False).reshape(n, n))
        sigma2 = float(np.mean(cov_vals[: n - k + 1])) if n > k else float(cov_vals[0])
        v = cov_vecs[:, 0]
        M1 = (X * ((X - mean) @ v)[:, None] ** 2).mean(axis=0)
        M2 = X.T @ X / N - sigma2 * np.eye(n)
        vals, vecs = np.linalg.eigh(M2)
        vals, vecs = vals[::-1][:k], vecs[:, ::-1][:, :k]
        # an eigenvalue is significant above the sampling noise of M2, ~ sigma^2 sqrt(n / N)
        threshold = max(rank_tol * vals[0], 5.0 * sigma2 * np.sqrt(n / N))
        if vals[-1] <= threshold:
            raise ValueError(
                f"the tensor method needs k <= dim and linearly independent means: M2 has "
                f"fewer than k={k} significant eigenvalues ({np.round(vals, 4).tolist()}, "
                f"noise level {threshold:.3g})"
            )
        W = vecs / np.sqrt(vals)
        T = whitened_third_moment(X @ W, W.T @ M1, W.T @ W)
        lambdas, thetas = tensor_power_method(T, k, n_restarts, n_iter, rng)
        B = vecs * np.sqrt(vals)
        self.means_ = (lambdas[:, None] * thetas) @ B.T
        weights = np.maximum(lambdas**-2.0, 1e-6) if np.all(lambdas > 0) else np.full(k, 1.0 / k)
        self.weights_ = weights / weights.sum()
        self.sigma_ = float(np.sqrt(max(sigma2, 1e-12)))
        self.mixture_ = LocationMixture(
            self.means_, self.weights_, self.sigma_, family="moments_tensor"
        )
        self.dim_ = n
        return self
