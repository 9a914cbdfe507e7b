"""``moments_dmm``: Wu-Yang's denoised method of moments (Wu & Yang 2020; Doss, Wu, Yang & Zhou
2023; Lindsay 1989; docs/theory.md §4.4).

One dimension, ``X = a + sigma Z`` with a ~ Q, a k-atom mixing distribution:

1. *Denoised moments.* ``gamma_r = mean(sigma^r He_r(X / sigma))`` is unbiased for ``E[a^r]``,
   r <= 2k - 1 (computed on standardised data for conditioning).
2. *Moment space.* If (gamma_1..gamma_{2k-1}) are moments of a distribution on [lo, hi] -- the
   Hankel conditions ``[m_{i+j+1} - lo m_{i+j}] >= 0`` and ``[hi m_{i+j} - m_{i+j+1}] >= 0``
   (i, j < k), with ``[m_{i+j}] > 0`` -- they are used as they are. Otherwise they are projected:
   the k-atom distribution on [lo, hi] whose moments are closest in (scaled) least squares,
   by ``scipy.optimize.least_squares`` from seeded starts (our stated replacement for Wu-Yang's
   small SDP: the projection of a vector onto the moment space is attained by a k-atom law).
3. *Quadrature.* Golub-Welsch on the moments: with ``H = [m_{i+j}] = L L^T`` and
   ``H' = [m_{i+j+1}]``, the nodes are the eigenvalues of the Jacobi matrix ``L^{-1} H' L^{-T}``
   and the weights ``m_0 (first eigenvector components)^2``.

Unknown sigma (Lindsay): ``sigma^2`` is the smallest positive root s^2 of
``det[gamma_{i+j}(s)]_{i,j<=k}``, located on a grid of s^2 in (0, Var X] and refined by Brent.

Dimension n > 1 (Doss-Wu-Yang-Zhou, our recon for k <= 4): centre, project on the top k - 1
principal directions; 1-D DMM along those axes gives candidate atoms (their Cartesian product,
k^(k-1) points); 1-D DMM along the axes and ``n_directions`` seeded random directions gives 1-D
laws. A true atom projects onto an estimated atom in every direction, a spurious grid point does
not: the k candidates with the smallest worst-direction miss are the atoms, and their weights
are non-negative with mass 1 and mean 0 (NNLS). ``projection_w1_`` records the largest W1
distance between the projected estimate and the 1-D laws. sigma (if unknown) is the mean of the
n - k + 1 smallest eigenvalues of the sample covariance.
"""

from __future__ import annotations

from itertools import product
from math import factorial

import numpy as np
from scipy.optimize import brentq, least_squares, nnls
from scipy.stats import wasserstein_distance

from ..core.constraints import Integral, Interval, Real
from ..core.validation import NotApplicable, check_random_state
from ..targets import LocationMixture
from .base import LEARNERS
from .classical import MixtureLearner

#: the high-dimensional version is practical (and implemented) up to this many components
MAX_COMPONENTS_HIGH_DIM = 4


def hermite_moment_matrix(order: int, s2: float) -> np.ndarray:
    """C with ``s^r He_r(x / s) = sum_p C[r, p] x^p``:
    ``C[r, r - 2j] = (-1)^j r! / (j! (r-2j)! 2^j) s^{2j}``."""
    C = np.zeros((order + 1, order + 1))
    for r in range(order + 1):
        for j in range(r // 2 + 1):
            C[r, r - 2 * j] = (
                (-1) ** j * factorial(r) / (factorial(j) * factorial(r - 2 * j) * 2**j) * s2**j
            )
    return C


def raw_moments(x: np.ndarray, order: int) -> np.ndarray:
    """``mean(x^p)`` for p = 0..order."""
    return np.array([np.mean(x**p) for p in range(order + 1)])


def denoised_moments(x: np.ndarray, sigma: float, order: int) -> np.ndarray:
    """``m_r = mean(sigma^r He_r(x / sigma))`` for r = 0..order (m_0 = 1): unbiased for E[a^r]."""
    return hermite_moment_matrix(order, sigma**2) @ raw_moments(x, order)


def in_moment_space(m: np.ndarray, k: int, lo: float, hi: float, tol: float = 1e-10) -> bool:
    """Moments m_0..m_{2k-1} of a law on [lo, hi] (strictly, so the quadrature is defined)."""
    H = np.array([[m[i + j] for j in range(k)] for i in range(k)])
    H1 = np.array([[m[i + j + 1] for j in range(k)] for i in range(k)])
    scale = max(1.0, np.abs(H).max())
    return bool(
        np.linalg.eigvalsh(H)[0] > tol * scale
        and np.linalg.eigvalsh(H1 - lo * H)[0] >= -tol * scale
        and np.linalg.eigvalsh(hi * H - H1)[0] >= -tol * scale
    )


def golub_welsch(m: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """k-node Gauss quadrature (nodes, weights) from moments m_0..m_{2k-1}."""
    H = np.array([[m[i + j] for j in range(k)] for i in range(k)])
    H1 = np.array([[m[i + j + 1] for j in range(k)] for i in range(k)])
    L = np.linalg.cholesky(H)
    Linv = np.linalg.inv(L)
    J = Linv @ H1 @ Linv.T
    nodes, vecs = np.linalg.eigh(0.5 * (J + J.T))
    return nodes, m[0] * vecs[0] ** 2  # the orthonormal basis starts at p_0 = 1 / sqrt(m_0)


def project_to_atoms(
    m: np.ndarray, k: int, lo: float, hi: float, rng: np.random.Generator, n_starts: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """The k-atom law on [lo, hi] whose moments 1..2k-1 are closest to m (scaled least squares)."""
    r = np.arange(1, 2 * k)
    scale = np.maximum(np.abs(m[1:]), 1.0)

    def residual(p):
        atoms, logits = p[:k], p[k:]
        w = np.exp(logits - logits.max())
        w /= w.sum()
        return ((w[None, :] * atoms[None, :] ** r[:, None]).sum(axis=1) - m[1:]) / scale

    best = None
    for _ in range(n_starts):  # seeded restarts of a small non-convex problem
        start = np.concatenate([np.sort(rng.uniform(lo, hi, k)), np.zeros(k)])
        fit = least_squares(
            residual,
            start,
            bounds=(
                np.r_[np.full(k, lo), np.full(k, -30.0)],
                np.r_[np.full(k, hi), np.full(k, 30.0)],
            ),
        )
        if best is None or fit.cost < best.cost:
            best = fit
    w = np.exp(best.x[k:] - best.x[k:].max())
    return best.x[:k], w / w.sum()


def dmm_1d(
    x: np.ndarray, k: int, sigma: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Atoms and weights of the k-atom mixing law of 1-D data with known noise level sigma."""
    centre, scale = float(np.mean(x)), float(max(np.std(x), 1e-12))
    u, s = (x - centre) / scale, sigma / scale
    m = denoised_moments(u, s, 2 * k - 1)
    lo, hi = float(u.min()), float(u.max())
    if in_moment_space(m, k, lo, hi):
        atoms, weights = golub_welsch(m, k)
    else:
        atoms, weights = project_to_atoms(m, k, lo, hi, rng)
    weights = np.maximum(weights, 0.0)
    return centre + scale * atoms, weights / weights.sum()


def lindsay_sigma(x: np.ndarray, k: int, n_grid: int = 400) -> float:
    """Smallest positive root s of det[gamma_{i+j}(s)]_{i,j<=k} (Lindsay 1989)."""
    centre, scale = float(np.mean(x)), float(max(np.std(x), 1e-12))
    raw = raw_moments((x - centre) / scale, 2 * k)

    def det(s2):  # denoised moments at s from the raw moments, computed once
        m = hermite_moment_matrix(2 * k, s2) @ raw
        return np.linalg.det(np.array([[m[i + j] for j in range(k + 1)] for i in range(k + 1)]))

    grid = np.linspace(1e-4, 1.0, n_grid)  # Var(u) = 1 bounds sigma^2 / Var(x)
    values = np.array([det(s2) for s2 in grid])
    crossing = np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))
    if crossing.size == 0:
        raise ValueError(
            "moments_dmm could not estimate sigma: the Hankel determinant has no root "
            "in (0, Var X]; give sigma explicitly"
        )
    i = crossing[0]
    return scale * float(np.sqrt(brentq(det, grid[i], grid[i + 1], xtol=1e-12)))


@LEARNERS.register("moments_dmm")
class MomentsDMM(MixtureLearner):
    """Wu-Yang denoised method of moments: 1-D (known or unknown sigma), and k <= 4 in n-D.

    Outside that precondition (k > 4 in dimension > 1) ``fit`` raises
    :class:`~gmmlearn.core.validation.NotApplicable`: a cell records it as skipped."""

    light = True

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "sigma": [None, Interval(Real, 0, None, closed="neither")],
        "n_directions": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, n_components: int = 3, sigma: float | None = None, n_directions: int = 20):
        self.n_components = n_components
        self.sigma = sigma
        self.n_directions = n_directions

    def fit(self, X, random_state=None) -> MomentsDMM:
        X = self._check_data(X)
        rng = check_random_state(random_state)
        k, n_dir = int(self.n_components), int(self.n_directions)
        N, n = X.shape
        if n == 1:
            sigma = float(self.sigma) if self.sigma is not None else lindsay_sigma(X[:, 0], k)
            atoms, weights = dmm_1d(X[:, 0], k, sigma, rng)
            means = atoms[:, None]
        else:
            if k > MAX_COMPONENTS_HIGH_DIM:
                raise NotApplicable(
                    f"moments_dmm in dimension {n} > 1 supports n_components <= "
                    f"{MAX_COMPONENTS_HIGH_DIM} (the projection search grows like k^(k-1)); got {k}"
                )
            means, weights, sigma = self._fit_high_dim(X, k, n_dir, rng)
        weights = np.maximum(weights, 1e-6)  # a mixture needs positive weights (noise can give 0)
        self.means_, self.weights_, self.sigma_ = means, weights / weights.sum(), float(sigma)
        self.mixture_ = LocationMixture(means, self.weights_, self.sigma_, family="moments_dmm")
        self.dim_ = n
        return self

    def _fit_high_dim(self, X, k, n_dir, rng):
        N, n = X.shape
        centre = X.mean(axis=0)
        vals, vecs = np.linalg.eigh(np.cov(X, rowvar=False))
        sigma = (
            float(self.sigma)
            if self.sigma is not None
            else float(np.sqrt(max(np.mean(vals[: n - k + 1]), 1e-12)))
        )
        if k == 1:
            return centre[None, :], np.ones(1), sigma
        U = vecs[:, ::-1][:, : k - 1]
        Y = (X - centre) @ U
        r = k - 1
        axes = [dmm_1d(Y[:, j], k, sigma, rng)[0] for j in range(r)]
        candidates = np.array(list(product(*axes)))
        directions = np.vstack([np.eye(r), rng.standard_normal((n_dir, r))])
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        laws = [dmm_1d(Y @ u, k, sigma, rng) for u in directions]

        # a true atom projects onto an estimated atom in every direction; a spurious point of
        # the product grid does not: rank candidates by their worst projection miss
        miss = np.max(
            [
                np.min(np.abs((candidates @ u)[:, None] - a[None, :]), axis=1)
                for u, (a, _) in zip(directions, laws)
            ],
            axis=0,
        )
        subset = np.argsort(miss)[:k]
        S = candidates[subset]
        # weights: mass 1 and mean 0 (the projected data are centred), non-negative
        w = nnls(np.vstack([S.T, np.ones(k)]), np.r_[np.zeros(r), 1.0])[0]
        w = w / w.sum() if w.sum() > 0 else np.full(k, 1.0 / k)
        self.projection_w1_ = max(
            wasserstein_distance(S @ u, a, w, b) for u, (a, b) in zip(directions, laws)
        )
        return centre + S @ U.T, w, sigma
