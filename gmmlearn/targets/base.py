"""The target interface shared by all instance families (docs/theory.md §1-2).

A target is an exactly known distribution P on R^dim. It samples exactly, evaluates log p, and
for every diffusion time t >= 0 knows the score of p_t and the denoiser E[X_0 | X_t = x]. Three
concrete *shapes* cover every family: :class:`~.location.LocationMixture`,
:class:`~.gaussian.GaussianMixture` and :class:`~.sphere.SphereConvolution`. Families are
factories that build one of these with a seeded generator and record their parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..core.registry import Registry
from ..core.validation import check_samples, check_time
from ..diffusion.ou import alpha, noise_var

#: rows x columns of a pairwise block (points x atoms) computed at once: ~2 MB, cache-friendly.
BLOCK_ELEMENTS = 1 << 18


def row_chunks(n: int, width: int):
    """Slices of ``range(n)`` whose blocks of ``width`` columns hold <= BLOCK_ELEMENTS numbers."""
    step = max(1, BLOCK_ELEMENTS // max(1, width))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


class Target(ABC):
    """An exactly known distribution with scores and denoisers along the OU process."""

    #: name of the shape, used by :func:`target_from_dict`
    shape: str = ""

    def __init__(self, family: str | None = None, params: dict | None = None):
        self.family = family or self.shape
        self.params = dict(params or {})

    # -- interface ---------------------------------------------------------------------------
    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def sample(self, n: int, random_state=None) -> np.ndarray:
        """n exact samples, shape (n, dim)."""

    @abstractmethod
    def logpdf(self, X) -> np.ndarray:
        """log p(x) at t = 0, shape (n,)."""

    @abstractmethod
    def score(self, X, t: float = 0.0) -> np.ndarray:
        """grad log p_t(x), shape (n, dim)."""

    @abstractmethod
    def denoise(self, X, t: float) -> np.ndarray:
        """E[X_0 | X_t = x], shape (n, dim)."""

    @abstractmethod
    def at_time(self, t: float) -> Target:
        """The law p_t of X_t as a target of the same shape."""

    @abstractmethod
    def project(self, basis) -> Target:
        """The law of X @ basis for a (dim, r) matrix with orthonormal columns."""

    @abstractmethod
    def bin_masses(self, edges: list[np.ndarray]) -> np.ndarray:
        """Exact probabilities of the rectangular bins given by per-axis ``edges`` (dim <= 3)."""

    @abstractmethod
    def mean(self) -> np.ndarray: ...

    @abstractmethod
    def covariance(self) -> np.ndarray: ...

    @abstractmethod
    def _arrays(self) -> dict[str, np.ndarray | float]: ...

    # -- shared helpers ----------------------------------------------------------------------
    def principal_axes(self) -> np.ndarray:
        """Eigenvectors of the exact covariance, as columns by decreasing eigenvalue."""
        values, vectors = np.linalg.eigh(self.covariance())
        return vectors[:, np.argsort(values)[::-1]]

    def second_moment(self) -> float:
        """E ||X||^2, exact."""
        m = self.mean()
        return float(np.trace(self.covariance()) + m @ m)

    def _check(self, X, name: str = "X") -> np.ndarray:
        return check_samples(X, name, dim=self.dim)

    def to_dict(self) -> dict:
        """JSON-ready description: shape, family, generator parameters and the exact arrays."""
        arrays = {
            key: (value.tolist() if isinstance(value, np.ndarray) else value)
            for key, value in self._arrays().items()
        }
        return {
            "shape": self.shape,
            "family": self.family,
            "params": _jsonable(self.params),
            "arrays": arrays,
        }

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}" for k, v in self.params.items() if not isinstance(v, (list, np.ndarray))
        )
        return f"<{type(self).__name__} {self.family}({shown}) dim={self.dim}>"


class IsotropicConvolution(Target):
    """``P = law(a) * N(0, sigma^2 I)``: along the OU process everything follows from the atom
    posterior mean ``E[a | X_t = x]`` (docs/theory.md §2), with ``v_t = e^{-2t} sigma^2 + s_t^2``:
    ``score = (e^{-t} E[a|x] - x) / v_t`` and
    ``E[X_0 | X_t = x] = E[a|x] + e^{-t} sigma^2 (x - e^{-t} E[a|x]) / v_t``."""

    sigma: float

    @abstractmethod
    def _atom_posterior_mean(self, X: np.ndarray, t: float) -> np.ndarray:
        """``E[a | X_t = x]`` for validated X and t."""

    def variance_at(self, t: float) -> float:
        """``v_t``: per-coordinate variance of the Gaussian around each scaled atom in p_t."""
        return float(alpha(t) ** 2 * self.sigma**2 + noise_var(t))

    def posterior_mean(self, X, t: float = 0.0) -> np.ndarray:
        """``E[a | X_t = x]``: posterior mean of the atom."""
        return self._atom_posterior_mean(self._check(X), check_time(t))

    def score(self, X, t: float = 0.0) -> np.ndarray:
        X, t = self._check(X), check_time(t)
        return (alpha(t) * self._atom_posterior_mean(X, t) - X) / self.variance_at(t)

    def denoise(self, X, t: float) -> np.ndarray:
        X, t = self._check(X), check_time(t)
        a, v = float(alpha(t)), self.variance_at(t)
        Ea = self._atom_posterior_mean(X, t)
        return Ea + a * self.sigma**2 * (X - a * Ea) / v


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


#: shifted logits below this are raised to it before exp: each row's largest term is e^0 = 1, so
#: this changes a row sum by at most M e^{-60} < 1e-17 (relative) for M < 1e9 terms -- below
#: float64 round-off -- and keeps exp off its slow underflow path (faster on wide rows).
_LOGIT_FLOOR = -60.0


def exp_shifted_(L: np.ndarray) -> np.ndarray:
    """In place: ``L <- exp(L - rowmax(L))`` (with the floor above); returns the row maxima."""
    m = L.max(axis=1, keepdims=True)
    L -= m
    np.maximum(L, _LOGIT_FLOOR, out=L)
    np.exp(L, out=L)
    return m[:, 0]


def logsumexp_rows(L: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp of a 2-D array."""
    L = L.copy()
    m = exp_shifted_(L)
    return m + np.log(L.sum(axis=1))


def softmax_rows(L: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a 2-D array (a new array)."""
    P = L.copy()
    exp_shifted_(P)
    P /= P.sum(axis=1, keepdims=True)
    return P


def check_weights(weights, k: int) -> np.ndarray:
    """Mixture weights: k positive numbers summing to 1 (within 1e-8; renormalised)."""
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != (k,):
        raise ValueError(f"weights must have {k} entries (one per component), got {w.size}")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("weights must be positive and finite")
    if abs(w.sum() - 1.0) > 1e-8:
        raise ValueError(f"weights must sum to 1, got sum {w.sum():.10g}")
    return w  # kept as given (no renormalisation), so a serialised target round-trips exactly


def check_basis(basis, dim: int) -> np.ndarray:
    """A (dim, r) matrix with orthonormal columns, 1 <= r <= dim."""
    B = np.asarray(basis, dtype=np.float64)
    if B.ndim == 1:
        B = B[:, None]
    if B.ndim != 2 or B.shape[0] != dim or not 1 <= B.shape[1] <= dim:
        raise ValueError(f"basis must have shape ({dim}, r) with 1 <= r <= {dim}, got {B.shape}")
    if not np.allclose(B.T @ B, np.eye(B.shape[1]), atol=1e-8):
        raise ValueError("basis must have orthonormal columns")
    return B


def check_edges(edges, dim: int) -> list[np.ndarray]:
    """Per-axis bin edges: one strictly increasing array per coordinate."""
    if len(edges) != dim:
        raise ValueError(f"edges must give one array per coordinate ({dim}), got {len(edges)}")
    out = []
    for axis, e in enumerate(edges):
        e = np.asarray(e, dtype=np.float64)
        if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
            raise ValueError(f"edges[{axis}] must be a strictly increasing array of >= 2 values")
        out.append(e)
    return out


#: registry of instance families: name -> factory returning a Target
FAMILIES = Registry("target family")
