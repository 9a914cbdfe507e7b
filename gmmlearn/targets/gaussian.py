"""General Gaussian mixtures ``P = sum_i w_i N(mu_i, Sigma_i)`` (CKS; docs/theory.md §1-2).

Along the OU process ``p_t = sum_i w_i N(e^{-t} mu_i, S_i)``, ``S_i = e^{-2t} Sigma_i + s_t^2 I``;
``score = -sum_i pi_i(x) S_i^{-1} (x - e^{-t} mu_i)`` with pi the component posterior, and
``E[X_0 | X_t = x] = sum_i pi_i(x) (mu_i + e^{-t} Sigma_i S_i^{-1} (x - e^{-t} mu_i))``.
Rank-deficient ``Sigma_i`` are allowed: sampling and everything at t > 0 stays exact, while
``logpdf`` and the score at t = 0 raise a clear error (use W2 there, as CKS's halting does).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, solve_triangular
from scipy.special import ndtr, owens_t

from ..core.validation import check_int, check_random_state, check_time
from ..diffusion.ou import alpha, noise_var
from .base import (
    Target,
    check_basis,
    check_edges,
    check_weights,
    logsumexp_rows,
    row_chunks,
    softmax_rows,
)

#: below this standard deviation (relative to the bin range) an axis counts as degenerate
_DEGENERATE_SD = 1e-12
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
        # Factor the matrix that is stored (symmetrised; symmetrising it again is exact), so a
        # target rebuilt from to_dict() gets the same factor bit for bit. Eigenvalues below the
        # rank tolerance are zeroed, not just the negative ones: a null-space eigenvalue comes
        # out as +-1e-16 depending on the LAPACK build, and its square root (1e-8) would make
        # samples differ between machines.
        covs = 0.5 * (covs + np.swapaxes(covs, 1, 2))
        eigvals, eigvecs = np.linalg.eigh(covs)
        scale = np.maximum(eigvals.max(axis=1, keepdims=True), 1e-300)
        if np.any(eigvals < -1e-10 * scale):
            raise ValueError("covariances must be positive semi-definite")
        nonzero = eigvals > _RANK_TOL * scale
        eigvals = np.where(nonzero, eigvals, 0.0)
        self.means, self.covariances = means, covs
        self.weights = check_weights(weights, k)
        self.ranks = nonzero.sum(axis=1)
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
            X,
            t,
            lambda logits, solved: -np.einsum("ni,ind->nd", softmax_rows(logits), solved),
            X.shape,
        )

    def denoise(self, X, t: float) -> np.ndarray:
        X = self._check(X)
        t = check_time(t)
        a = float(alpha(t))

        def reduce(logits, solved):
            cond = self.means[:, None, :] + a * np.einsum("ide,ine->ind", self.covariances, solved)
            return np.einsum("ni,ind->nd", softmax_rows(logits), cond)

        return self._blockwise(X, t, reduce, X.shape)

    def at_time(self, t: float) -> GaussianMixture:
        t = check_time(t)
        return GaussianMixture(
            alpha(t) * self.means,
            self.weights,
            self._time_covs(t),
            family=self.family,
            params={**self.params, "t": t},
        )

    # -- projections and exact bin masses ---------------------------------------------------------
    def project(self, basis) -> GaussianMixture:
        B = check_basis(basis, self.dim)
        covs = np.einsum("di,kde,ej->kij", B, self.covariances, B)
        return GaussianMixture(
            self.means @ B,
            self.weights,
            covs,
            family=self.family,
            params={**self.params, "projected_to": B.shape[1]},
        )

    def bin_masses(self, edges) -> np.ndarray:
        """Bin probabilities: normal CDF differences in 1-D; in 2-D, inclusion-exclusion of the
        bivariate normal CDF (Owen's T), with the degenerate cases (zero variance, |rho| = 1)
        done on the line or the point they live on; in 3-D, Gauss-Legendre in x of the exact 2-D
        rectangle masses of (y, z) given x (see :func:`_box_masses`)."""
        edges = check_edges(edges, self.dim)
        if self.dim == 1:
            return self.weights @ np.stack(
                [
                    _interval_masses(edges[0], m[0], np.sqrt(C[0, 0]))
                    for m, C in zip(self.means, self.covariances)
                ]
            )
        if self.dim > 3:
            raise ValueError(f"bin_masses needs dim <= 3 (project first), got dim={self.dim}")
        masses = _rectangle_masses if self.dim == 2 else _box_masses
        return sum(
            w * masses(*edges, m, C) for w, m, C in zip(self.weights, self.means, self.covariances)
        )

    # -- moments and serialisation --------------------------------------------------------------
    def mean(self) -> np.ndarray:
        return self.weights @ self.means

    def covariance(self) -> np.ndarray:
        centred = self.means - self.mean()
        between = (centred * self.weights[:, None]).T @ centred
        return between + np.einsum("k,kij->ij", self.weights, self.covariances)

    def _arrays(self):
        return {"means": self.means, "weights": self.weights, "covariances": self.covariances}


def _interval_masses(edges: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """P(X in [e_i, e_{i+1}]) for X ~ N(mean, sd^2); sd = 0 is a point mass."""
    if sd <= _DEGENERATE_SD * (edges[-1] - edges[0]):
        cdf = (edges >= mean).astype(np.float64)
    else:
        cdf = ndtr((edges - mean) / sd)
    return np.diff(cdf)


def bivariate_normal_cdf(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """P(U <= h, V <= k) for standard normals with correlation |rho| < 1 (Owen 1956):
    ``Phi(h)/2 + Phi(k)/2 - T(h, a_h) - T(k, a_k) - beta``, T Owen's T function."""
    h, k = np.broadcast_arrays(np.asarray(h, dtype=np.float64), np.asarray(k, dtype=np.float64))
    c = np.sqrt(1.0 - rho * rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        a_h = (k - rho * h) / (h * c)
        a_k = (h - rho * k) / (k * c)
    beta = np.where((h * k > 0) | ((h * k == 0) & (h + k >= 0)), 0.0, 0.5)
    value = (
        0.5 * (ndtr(h) + ndtr(k))
        - owens_t(h, np.nan_to_num(a_h))
        - owens_t(k, np.nan_to_num(a_k))
        - beta
    )
    both_zero = (h == 0) & (k == 0)
    return np.where(both_zero, 0.25 + np.arcsin(rho) / (2 * np.pi), value)


def _rectangle_masses(
    ex: np.ndarray, ey: np.ndarray, mean: np.ndarray, C: np.ndarray
) -> np.ndarray:
    """P(X in [ex_i, ex_{i+1}] x [ey_j, ey_{j+1}]) for X ~ N(mean, C) in 2-D.

    ``mean`` may carry leading batch axes (..., 2) for a common C: the result is (..., bx, by)."""
    mean = np.asarray(mean, dtype=np.float64)
    if mean.ndim > 1:
        return np.stack([_rectangle_masses(ex, ey, m, C) for m in mean.reshape(-1, 2)]).reshape(
            mean.shape[:-1] + (ex.size - 1, ey.size - 1)
        )
    sx, sy = np.sqrt(max(C[0, 0], 0.0)), np.sqrt(max(C[1, 1], 0.0))
    degenerate_x = sx <= _DEGENERATE_SD * (ex[-1] - ex[0])
    degenerate_y = sy <= _DEGENERATE_SD * (ey[-1] - ey[0])
    if degenerate_x or degenerate_y:  # independent coordinates, one of them a point mass
        return np.outer(_interval_masses(ex, mean[0], sx), _interval_masses(ey, mean[1], sy))
    rho = float(np.clip(C[0, 1] / (sx * sy), -1.0, 1.0))
    h, k = (ex - mean[0]) / sx, (ey - mean[1]) / sy
    if abs(rho) > 1 - 1e-12:  # the mass lives on the line v = rho u
        lo = np.maximum(h[:-1, None], (k[:-1] if rho > 0 else -k[1:])[None, :])
        hi = np.minimum(h[1:, None], (k[1:] if rho > 0 else -k[:-1])[None, :])
        return np.maximum(ndtr(hi) - ndtr(lo), 0.0) * (hi > lo)
    cdf = bivariate_normal_cdf(h[:, None], k[None, :], rho)
    return np.maximum(np.diff(np.diff(cdf, axis=0), axis=1), 0.0)


#: Gauss-Legendre nodes per piece of an x-bin in the 3-D box masses
_BOX_NODES = 8
#: at most this many pieces per x-bin
_BOX_MAX_PIECES = 64


def _box_masses(ex, ey, ez, mean, C) -> np.ndarray:
    """P(X in box_ijl) for X ~ N(mean, C) in 3-D: integrate over x the exact rectangle masses of
    (y, z) given x. Each x-bin is split into pieces no wider than half the x-distance over which
    the conditional mean of (y, z) moves by one conditional standard deviation (and than half
    the x standard deviation), with Gauss-Legendre nodes in each piece."""
    sx = np.sqrt(max(C[0, 0], 0.0))
    if sx <= _DEGENERATE_SD * (ex[-1] - ex[0]):  # x is a point mass
        return np.einsum(
            "a,bc->abc",
            _interval_masses(ex, mean[0], sx),
            _rectangle_masses(ey, ez, mean[1:], C[1:, 1:]),
        )
    slope = C[1:, 0] / C[0, 0]
    S = C[1:, 1:] - np.outer(C[1:, 0], C[0, 1:]) / C[0, 0]
    cond_sd = np.sqrt(np.maximum(np.diag(S), 0.0))
    moves = np.abs(slope) / np.maximum(cond_sd, 1e-300)
    scale = min(sx, 1.0 / moves.max()) if moves.max() > 0 else sx
    pieces = np.clip(np.ceil(np.diff(ex) / (0.5 * scale)), 1, _BOX_MAX_PIECES).astype(int)
    nodes, weights = np.polynomial.legendre.leggauss(_BOX_NODES)
    out = np.empty((ex.size - 1, ey.size - 1, ez.size - 1))
    for i, (lo, hi, n) in enumerate(zip(ex[:-1], ex[1:], pieces)):  # loop over x-bins
        cuts = np.linspace(lo, hi, n + 1)
        half = 0.5 * np.diff(cuts)[:, None]
        xs = (0.5 * (cuts[1:] + cuts[:-1]))[:, None] + half * nodes  # (pieces, nodes)
        w = (
            (half * weights).ravel()
            * np.exp(-0.5 * ((xs.ravel() - mean[0]) / sx) ** 2)
            / (sx * np.sqrt(2 * np.pi))
        )
        cond_mean = mean[1:] + np.outer(xs.ravel() - mean[0], slope)
        out[i] = np.einsum("q,qbc->bc", w, _rectangle_masses(ey, ez, cond_mean, S))
    return out
