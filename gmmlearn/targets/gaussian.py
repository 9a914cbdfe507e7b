"""General Gaussian mixtures ``P = sum_i w_i N(mu_i, Sigma_i)`` (CKS; THEORY §1-2).

Along the OU process ``p_t = sum_i w_i N(e^{-t} mu_i, S_i)``, ``S_i = e^{-2t} Sigma_i + s_t^2 I``;
``score = -sum_i pi_i(x) S_i^{-1} (x - e^{-t} mu_i)`` with pi the component posterior, and
``E[X_0 | X_t = x] = sum_i pi_i(x) (mu_i + e^{-t} Sigma_i S_i^{-1} (x - e^{-t} mu_i))``.
Rank-deficient ``Sigma_i`` are allowed: sampling and everything at t > 0 stays exact, while
``logpdf`` and the score at t = 0 raise a clear error (use W2 there, as CKS's halting does).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, solve_triangular
from scipy.special import ndtr

from ..diffusion.ou import alpha, noise_var
from ..validation import check_int, check_random_state, check_time
from .base import (
    Target, check_basis, check_edges, check_weights, logsumexp_rows, row_chunks, softmax_rows,
)

#: Gauss-Legendre nodes per bin for the 2-D bin masses (integrand is smooth on a bin)
_GL_NODES = 16
#: relative eigenvalue below which a covariance counts as singular
_RANK_TOL = 1e-12


class GaussianMixture(Target):
    """``sum_i w_i N(mu_i, Sigma_i)``; means (k, dim), covariances (k, dim, dim)."""

    shape = "gaussian_mixture"

    def __init__(self, means, weights, covariances, family: str | None = None, params=None):
        super().__init__(family, params)
        means = np.asarray(means, dtype=np.float64)
        if means.ndim == 1:
            means = means[:, None]
        if means.ndim != 2 or not np.all(np.isfinite(means)):
            raise ValueError(f"means must be a finite array of shape (k, dim), got {means.shape}")
        k, d = means.shape
        covs = np.asarray(covariances, dtype=np.float64)
        if covs.shape != (k, d, d) or not np.all(np.isfinite(covs)):
            raise ValueError(f"covariances must have shape ({k}, {d}, {d}), got {covs.shape}")
        if not np.allclose(covs, np.swapaxes(covs, 1, 2), atol=1e-10):
            raise ValueError("covariances must be symmetric")
        eigvals, eigvecs = np.linalg.eigh(covs)
        scale = np.maximum(eigvals.max(axis=1, keepdims=True), 1e-300)
        if np.any(eigvals < -1e-10 * scale):
            raise ValueError("covariances must be positive semi-definite")
        eigvals = np.maximum(eigvals, 0.0)
        self.means, self.covariances = means, 0.5 * (covs + np.swapaxes(covs, 1, 2))
        self.weights = check_weights(weights, k)
        self.ranks = (eigvals > _RANK_TOL * scale).sum(axis=1)
        self._sqrt_covs = eigvecs * np.sqrt(eigvals)[:, None, :]  # Sigma = R R^T
        self._log_w = np.log(self.weights)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    @property
    def n_components(self) -> int:
        return self.means.shape[0]

    @property
    def degenerate(self) -> bool:
        return bool(np.any(self.ranks < self.dim))

    def sample(self, n: int, random_state=None) -> np.ndarray:
        n = check_int("n", n, minimum=1)
        rng = check_random_state(random_state)
        idx = rng.choice(self.n_components, size=n, p=self.weights)
        Z = rng.standard_normal((n, self.dim))
        return self.means[idx] + np.einsum("nij,nj->ni", self._sqrt_covs[idx], Z)

    # -- time-t Gaussians -------------------------------------------------------------------------
    def _time_covs(self, t: float) -> np.ndarray:
        return alpha(t) ** 2 * self.covariances + noise_var(t) * np.eye(self.dim)

    def _cholesky(self, S: np.ndarray, t: float) -> np.ndarray:
        try:
            return np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            raise ValueError(
                f"the mixture has rank-deficient covariances (ranks {self.ranks.tolist()} in "
                f"dim {self.dim}): its density and score are undefined at t={t:g}; use t > 0 "
                "or a sample-based metric such as w2"
            ) from None

    def _posterior(self, X, t, L):
        """Component logits (n, k) and ``S_i^{-1}(x - e^{-t} mu_i)`` (k, n, dim) for one block."""
        a = float(alpha(t))
        logits = np.empty((X.shape[0], self.n_components))
        solved = np.empty((self.n_components,) + X.shape)
        for i in range(self.n_components):  # loop over components, vectorised over samples
            r = X - a * self.means[i]
            y = solve_triangular(L[i], r.T, lower=True)
            logdet = 2.0 * np.log(np.diag(L[i])).sum()
            logits[:, i] = self._log_w[i] - 0.5 * (logdet + np.einsum("ij,ij->j", y, y))
            solved[i] = cho_solve((L[i], True), r.T).T
        return logits, solved

    def _blockwise(self, X, t, reduce, out_shape):
        """Apply ``reduce(logits, solved, X_block)`` over row blocks of bounded memory."""
        L = self._cholesky(self._time_covs(t), t)
        out = np.empty(out_shape)
        for rows in row_chunks(X.shape[0], self.n_components * (self.dim + 1)):
            logits, solved = self._posterior(X[rows], t, L)
            out[rows] = reduce(logits, solved)
        return out

    def logpdf(self, X) -> np.ndarray:
        X = self._check(X)
        lse = self._blockwise(X, 0.0, lambda logits, _: logsumexp_rows(logits), X.shape[0])
        return lse - 0.5 * self.dim * np.log(2.0 * np.pi)

    def score(self, X, t: float = 0.0) -> np.ndarray:
        X = self._check(X)
        t = check_time(t)
        return self._blockwise(
            X, t, lambda logits, solved: -np.einsum("ni,ind->nd", softmax_rows(logits), solved),
            X.shape)

    def denoise(self, X, t: float) -> np.ndarray:
        X = self._check(X)
        t = check_time(t)
        a = float(alpha(t))

        def reduce(logits, solved):
            cond = self.means[:, None, :] + a * np.einsum("ide,ine->ind", self.covariances, solved)
            return np.einsum("ni,ind->nd", softmax_rows(logits), cond)

        return self._blockwise(X, t, reduce, X.shape)

    def at_time(self, t: float) -> "GaussianMixture":
        t = check_time(t)
        return GaussianMixture(alpha(t) * self.means, self.weights, self._time_covs(t),
                               family=self.family, params={**self.params, "t": t})

    # -- projections and exact bin masses ---------------------------------------------------------
    def project(self, basis) -> "GaussianMixture":
        B = check_basis(basis, self.dim)
        covs = np.einsum("di,kde,ej->kij", B, self.covariances, B)
        return GaussianMixture(self.means @ B, self.weights, covs, family=self.family,
                               params={**self.params, "projected_to": B.shape[1]})

    def bin_masses(self, edges) -> np.ndarray:
        """Exact in 1-D (normal CDF); in 2-D the x-integral of the conditional CDF of y by
        16-point Gauss-Legendre per bin (error far below Monte Carlo noise for bins narrower
        than a few standard deviations). 3-D is not implemented for general covariances."""
        edges = check_edges(edges, self.dim)
        if self.dim == 1:
            sd = np.sqrt(np.maximum(self.covariances[:, 0, 0], 1e-300))[:, None]
            return self.weights @ np.diff(ndtr((edges[0][None, :] - self.means) / sd), axis=1)
        if self.dim != 2:
            raise ValueError(
                f"bin_masses for general covariances supports dim 1 or 2, got dim={self.dim}")
        ex, ey = edges
        nodes, gl_w = np.polynomial.legendre.leggauss(_GL_NODES)
        half = 0.5 * np.diff(ex)
        xs = (0.5 * (ex[1:] + ex[:-1]))[:, None] + half[:, None] * nodes  # (bins_x, nodes)
        out = np.zeros((ex.size - 1, ey.size - 1))
        for w, m, C in zip(self.weights, self.means, self.covariances):
            sx = np.sqrt(max(C[0, 0], 1e-300))
            slope = C[0, 1] / sx**2
            sy = np.sqrt(max(C[1, 1] - slope * C[0, 1], 1e-24))
            dens_x = np.exp(-0.5 * ((xs - m[0]) / sx) ** 2) / (sx * np.sqrt(2 * np.pi))
            cond_mean = m[1] + slope * (xs - m[0])
            cdf_y = ndtr((ey[None, None, :] - cond_mean[..., None]) / sy)  # (bx, nodes, ey)
            inner = np.diff(cdf_y, axis=2)
            out += w * np.einsum("an,n,anb->ab", dens_x * half[:, None], gl_w, inner)
        return out

    # -- moments and serialisation --------------------------------------------------------------
    def mean(self) -> np.ndarray:
        return self.weights @ self.means

    def covariance(self) -> np.ndarray:
        centred = self.means - self.mean()
        between = (centred * self.weights[:, None]).T @ centred
        return between + np.einsum("k,kij->ij", self.weights, self.covariances)

    def _arrays(self):
        return {"means": self.means, "weights": self.weights, "covariances": self.covariances}
