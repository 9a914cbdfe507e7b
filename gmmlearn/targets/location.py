"""Location mixtures ``P = Q * N(0, sigma^2 I)`` with ``Q = sum_j w_j delta_{a_j}``
(docs/theory.md §1-2).

Discrete k-GMMs, unions of balls, gridded manifolds and the far-groups instance are all of this
shape. Along the OU process ``p_t = sum_j w_j N(e^{-t} a_j, v_t I)``,
``v_t = e^{-2t} sigma^2 + s_t^2``;
the atom posterior is the softmax of ``log w_j + (e^{-t}<a_j, x> - e^{-2t}||a_j||^2 / 2) / v_t``,
``score = (e^{-t} E[a|x] - x) / v_t`` and
``E[X_0 | X_t = x] = E[a|x] + e^{-t} sigma^2 (x - e^{-t} E[a|x]) / v_t``.
All point x atom work is done in row blocks of bounded size.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..core.validation import check_int, check_length, check_random_state, check_time
from ..diffusion.ou import alpha
from .base import (
    IsotropicConvolution,
    check_basis,
    check_edges,
    check_weights,
    exp_shifted_,
    logsumexp_rows,
    row_chunks,
)


class LocationMixture(IsotropicConvolution):
    """``sum_j w_j N(a_j, sigma^2 I)`` with atoms ``a`` of shape (M, dim)."""

    shape = "location_mixture"

    def __init__(self, atoms, weights, sigma: float, family: str | None = None, params=None):
        super().__init__(family, params)
        atoms = np.asarray(atoms, dtype=np.float64)
        if atoms.ndim == 1:
            atoms = atoms[:, None]
        if atoms.ndim != 2 or atoms.shape[0] < 1 or not np.all(np.isfinite(atoms)):
            raise ValueError(f"atoms must be a finite array of shape (M, dim), got {atoms.shape}")
        self.atoms = atoms
        self.weights = check_weights(weights, atoms.shape[0])
        self.sigma = check_length("sigma", sigma)
        self._log_w = np.log(self.weights)
        self._sq_norms = np.einsum("ij,ij->i", atoms, atoms)

    @property
    def dim(self) -> int:
        return self.atoms.shape[1]

    @property
    def n_atoms(self) -> int:
        return self.atoms.shape[0]

    # -- exact sampling and density ------------------------------------------------------------
    def sample(self, n: int, random_state=None) -> np.ndarray:
        n = check_int("n", n, minimum=1)
        rng = check_random_state(random_state)
        idx = rng.choice(self.n_atoms, size=n, p=self.weights)
        return self.atoms[idx] + self.sigma * rng.standard_normal((n, self.dim))

    def logpdf(self, X) -> np.ndarray:
        X = self._check(X)
        out = np.empty(X.shape[0])
        s2 = self.sigma**2
        for rows in row_chunks(X.shape[0], self.n_atoms):
            Xc = X[rows]
            sq = np.maximum(
                np.einsum("ij,ij->i", Xc, Xc)[:, None] - 2.0 * Xc @ self.atoms.T + self._sq_norms,
                0.0,
            )
            out[rows] = logsumexp_rows(self._log_w - sq / (2.0 * s2))
        return out - 0.5 * self.dim * np.log(2.0 * np.pi * s2)

    # -- along the OU process -------------------------------------------------------------------
    def _atom_posterior_mean(self, X: np.ndarray, t: float) -> np.ndarray:
        """Softmax over atoms of the logits above, in row blocks."""
        a, v = float(alpha(t)), self.variance_at(t)
        W = (a / v) * self.atoms.T
        bias = self._log_w - (0.5 * a * a / v) * self._sq_norms
        out = np.empty_like(X)
        for rows in row_chunks(X.shape[0], self.n_atoms):
            logits = X[rows] @ W
            logits += bias
            exp_shifted_(logits)
            out[rows] = (logits @ self.atoms) / logits.sum(axis=1, keepdims=True)
        return out

    def at_time(self, t: float) -> LocationMixture:
        t = check_time(t)
        return LocationMixture(
            alpha(t) * self.atoms,
            self.weights,
            np.sqrt(self.variance_at(t)),
            family=self.family,
            params={**self.params, "t": t},
        )

    # -- projections and exact bin masses ---------------------------------------------------------
    def project(self, basis) -> LocationMixture:
        B = check_basis(basis, self.dim)
        return LocationMixture(
            self.atoms @ B,
            self.weights,
            self.sigma,
            family=self.family,
            params={**self.params, "projected_to": B.shape[1]},
        )

    def bin_masses(self, edges) -> np.ndarray:
        """Products of normal CDF differences, summed over atoms (exact)."""
        edges = check_edges(edges, self.dim)
        if self.dim > 3:
            raise ValueError(f"bin_masses needs dim <= 3 (project first), got dim={self.dim}")
        per_axis = [
            np.diff(ndtr((e[None, :] - self.atoms[:, [i]]) / self.sigma), axis=1)
            for i, e in enumerate(edges)
        ]
        subscripts = ["ja", "ja,jb", "ja,jb,jc"][self.dim - 1]
        out = subscripts.replace("j", "").replace(",", "")
        return np.einsum(f"j,{subscripts}->{out}", self.weights, *per_axis)

    # -- moments and serialisation --------------------------------------------------------------
    def mean(self) -> np.ndarray:
        return self.weights @ self.atoms

    def covariance(self) -> np.ndarray:
        centred = self.atoms - self.mean()
        return (centred * self.weights[:, None]).T @ centred + self.sigma**2 * np.eye(self.dim)

    def _arrays(self):
        return {"atoms": self.atoms, "weights": self.weights, "sigma": self.sigma}
