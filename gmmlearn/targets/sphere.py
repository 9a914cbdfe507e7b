"""The uniform law on a sphere convolved with a Gaussian, in closed form (docs/theory.md §2).

Atoms ``a = c + rho U u`` with u uniform on the unit sphere of R^m and U (dim, m) orthonormal;
``P = law(a) * N(0, sigma^2 I)``. With ``y = U^T (x - e^{-t} c)`` the atom posterior is von
Mises-Fisher with ``kappa = e^{-t} rho ||y|| / v_t``: ``E[a | x] = c + rho A_m(kappa) U y / ||y||``,
``A_m = I_{m/2} / I_{m/2-1}`` (``scipy.special.ive``), and
``log p(x) = log N(x; c, sigma^2 I) - rho^2 / (2 sigma^2) + log E_u exp(kappa <u, e>)`` with
``E_u exp(kappa <u, e>) = Gamma(m/2) (kappa/2)^{1-m/2} I_{m/2-1}(kappa)``. m = 2 is the circle,
m = 3 the sphere S^2. Used to check the gridded ``manifold`` targets.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, ive

from ..core.validation import check_int, check_length, check_random_state, check_time
from ..diffusion.ou import alpha
from .base import IsotropicConvolution, check_basis
from .location import LocationMixture

#: below this kappa the Bessel expressions are replaced by their Taylor expansions
_SMALL_KAPPA = 1e-6
#: above this kappa, scipy's ive (NaN beyond ~1e9) is replaced by its asymptotic expansion
#: ive(nu, x) = (2 pi x)^{-1/2} sum_j (-1)^j a_j(nu) / x^j: with the terms j <= 3 kept, the
#: relative error is below a_4(nu) / x^4 < 1e-22 for nu <= 1.5 and x >= 1e5
_LARGE_KAPPA = 1e5


def _log_ive(nu: float, x: np.ndarray) -> np.ndarray:
    """``log ive(nu, x) = log I_nu(x) - x`` for x > 0, finite for every finite x."""
    x = np.asarray(x, dtype=np.float64)
    large = x > _LARGE_KAPPA
    safe = np.where(large, 1.0, x)
    out = np.log(ive(nu, safe))
    if np.any(large):
        xl = x[large]
        mu, term, series = 4.0 * nu * nu, np.ones_like(xl), np.ones_like(xl)
        for j in range(1, 4):
            term = -term * (mu - (2 * j - 1) ** 2) / (j * 8.0 * xl)
            series = series + term
        out[large] = -0.5 * np.log(2 * np.pi * xl) + np.log(series)
    return out


def log_vmf_mean_exp_minus_kappa(kappa, m: int) -> np.ndarray:
    """``log E_u exp(kappa <u, e>) - kappa`` for u uniform on S^{m-1}: the vMF log-normaliser
    ratio without its exponential growth (so that log densities do not cancel large terms)."""
    kappa = np.asarray(kappa, dtype=np.float64)
    nu = 0.5 * m - 1.0
    safe = np.maximum(kappa, _SMALL_KAPPA)
    exact = gammaln(0.5 * m) - nu * np.log(0.5 * safe) + _log_ive(nu, safe)
    return np.where(kappa < _SMALL_KAPPA, kappa**2 / (2.0 * m) - kappa, exact)


def log_vmf_mean_exp(kappa, m: int) -> np.ndarray:
    """``log E_u exp(kappa <u, e>)`` for u uniform on S^{m-1} (the vMF log-normaliser ratio)."""
    return log_vmf_mean_exp_minus_kappa(kappa, m) + np.asarray(kappa, dtype=np.float64)


def bessel_ratio_over_kappa(kappa, m: int) -> np.ndarray:
    """``A_m(kappa) / kappa`` with ``A_m = I_{m/2} / I_{m/2-1}``; tends to 1/m as kappa -> 0."""
    kappa = np.asarray(kappa, dtype=np.float64)
    safe = np.maximum(kappa, _SMALL_KAPPA)
    exact = np.exp(_log_ive(0.5 * m, safe) - _log_ive(0.5 * m - 1.0, safe)) / safe
    return np.where(kappa < _SMALL_KAPPA, 1.0 / m, exact)


class SphereConvolution(IsotropicConvolution):
    """Uniform law on the sphere of radius ``radius`` in span(basis), around ``center``,
    * N(0, sigma^2 I)."""

    shape = "sphere_convolution"

    def __init__(self, basis, radius: float, sigma: float, center=None, family=None, params=None):
        super().__init__(family, params)
        B = np.asarray(basis, dtype=np.float64)
        self.basis = check_basis(B, B.shape[0] if B.ndim == 2 else 1)
        if self.basis.shape[1] < 2:
            raise ValueError("basis must span at least 2 dimensions (m >= 2) for a sphere")
        self.radius = check_length("radius", radius)
        self.sigma = check_length("sigma", sigma)
        c = np.zeros(self.dim) if center is None else np.asarray(center, dtype=np.float64).ravel()
        if c.shape != (self.dim,) or not np.all(np.isfinite(c)):
            raise ValueError(f"center must be a finite vector of length {self.dim}")
        self.center = c

    @property
    def dim(self) -> int:
        return self.basis.shape[0]

    @property
    def sphere_dim(self) -> int:
        """m: the dimension of the subspace holding the sphere (S^{m-1})."""
        return self.basis.shape[1]

    def sample(self, n: int, random_state=None) -> np.ndarray:
        n = check_int("n", n, minimum=1)
        rng = check_random_state(random_state)
        u = rng.standard_normal((n, self.sphere_dim))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        return (
            self.center
            + self.radius * u @ self.basis.T
            + self.sigma * rng.standard_normal((n, self.dim))
        )

    def logpdf(self, X) -> np.ndarray:
        # ||x||^2 + rho^2 = ||x_perp||^2 + (||y|| - rho)^2 + 2 rho ||y||, and 2 rho ||y|| / (2 s2)
        # is kappa: written so, no two large terms cancel when rho ||y|| / sigma^2 is large
        X = self._check(X) - self.center
        s2, m = self.sigma**2, self.sphere_dim
        Y = X @ self.basis
        norm_y = np.linalg.norm(Y, axis=1)
        perp = X - Y @ self.basis.T
        gap = np.einsum("ij,ij->i", perp, perp) + (norm_y - self.radius) ** 2
        return (
            -0.5 * self.dim * np.log(2 * np.pi * s2)
            - gap / (2 * s2)
            + log_vmf_mean_exp_minus_kappa(self.radius * norm_y / s2, m)
        )

    def _atom_posterior_mean(self, X: np.ndarray, t: float) -> np.ndarray:
        """The von Mises-Fisher posterior mean of the atom."""
        a, v = float(alpha(t)), self.variance_at(t)
        y = (X - a * self.center) @ self.basis
        kappa = a * self.radius * np.linalg.norm(y, axis=1) / v
        coef = self.radius * bessel_ratio_over_kappa(kappa, self.sphere_dim) * a * self.radius / v
        return self.center + (coef[:, None] * y) @ self.basis.T

    def at_time(self, t: float) -> SphereConvolution:
        t = check_time(t)
        a = float(alpha(t))
        return SphereConvolution(
            self.basis,
            a * self.radius,
            np.sqrt(self.variance_at(t)),
            a * self.center,
            family=self.family,
            params={**self.params, "t": t},
        )

    def as_location_mixture(self) -> LocationMixture:
        """A quadrature of the sphere by atoms, with node counts growing with radius / sigma.

        The circle uses the trapezoid rule on max(4096, 12 rho/sigma) angles (error ~
        exp(-M^2 sigma^2 / (2 rho^2)): ~1e-13 or less everywhere). S^2 uses Gauss-Legendre nodes in
        cos(theta) x twice as many equal angles in phi, max(96, 6 rho/sigma) x max(192, 12
        rho/sigma): log-density error <= 1e-12 for rho/sigma from 8 to 40 (docs/theory.md §1).
        """
        m = self.sphere_dim
        ratio = self.radius / self.sigma
        if m == 2:
            n = int(max(4096, np.ceil(12 * ratio)))
            angles = 2 * np.pi * (np.arange(n) + 0.5) / n
            unit = np.column_stack([np.cos(angles), np.sin(angles)])
            weights = np.full(n, 1 / n)
        elif m == 3:
            n_z = int(max(96, np.ceil(6 * ratio)))
            n_phi = 2 * n_z
            z, wz = np.polynomial.legendre.leggauss(n_z)
            phi = 2 * np.pi * (np.arange(n_phi) + 0.5) / n_phi
            r = np.sqrt(1 - z**2)
            unit = np.column_stack(
                [
                    np.outer(r, np.cos(phi)).ravel(),
                    np.outer(r, np.sin(phi)).ravel(),
                    np.repeat(z, n_phi),
                ]
            )
            weights = np.repeat(wz / 2, n_phi) / n_phi
        else:
            raise ValueError(f"a quadrature of the sphere is implemented for m = 2, 3, got m={m}")
        atoms = self.center + self.radius * unit @ self.basis.T
        return LocationMixture(atoms, weights, self.sigma, family=self.family, params=self.params)

    def project(self, basis) -> LocationMixture:
        """The projection of a sphere is no longer a sphere: project its exact quadrature."""
        return self.as_location_mixture().project(basis)

    def bin_masses(self, edges) -> np.ndarray:
        return self.as_location_mixture().bin_masses(edges)

    def mean(self) -> np.ndarray:
        return self.center.copy()

    def covariance(self) -> np.ndarray:
        return (
            self.radius**2 / self.sphere_dim
        ) * self.basis @ self.basis.T + self.sigma**2 * np.eye(self.dim)

    def _arrays(self):
        return {
            "basis": self.basis,
            "radius": self.radius,
            "sigma": self.sigma,
            "center": self.center,
        }
