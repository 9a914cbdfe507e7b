"""Classical baselines with a density (docs/theory.md §4.4): EM and the Gaussian KDE.

Both hand their fitted law to an exact target shape (``GaussianMixture`` / ``LocationMixture``),
which gives them exact ``logpdf`` and seeded ``sample`` (scikit-learn's own ``sample`` ignores a
per-call random state).
"""

from __future__ import annotations

import numpy as np
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity

from ..core.constraints import Integral, Interval, Options, Real
from ..core.validation import check_random_state
from ..targets import GaussianMixture, LocationMixture
from .base import LEARNERS, Learner

COVARIANCE_TYPES = ("spherical", "diag", "full")
INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")


def full_covariances(model: SklearnGaussianMixture) -> np.ndarray:
    """scikit-learn's covariances of any type as (k, d, d) matrices."""
    k, d = model.means_.shape
    cov = model.covariances_
    if model.covariance_type == "full":
        return cov
    if model.covariance_type == "diag":
        return np.stack([np.diag(c) for c in cov])
    if model.covariance_type == "spherical":
        return cov[:, None, None] * np.eye(d)
    return np.broadcast_to(cov, (k, d, d)).copy()  # tied


class MixtureLearner(Learner):
    """A learner whose fitted law is a Gaussian mixture: sampling and density through it."""

    has_logpdf = True

    def sample(self, n: int, random_state=None) -> np.ndarray:
        self._check_fitted()
        return self.mixture_.sample(n, random_state=random_state)

    def logpdf(self, X) -> np.ndarray:
        self._check_fitted()
        return self.mixture_.logpdf(X)


@LEARNERS.register("em")
class EM(MixtureLearner):
    """EM for a k-component Gaussian mixture: scikit-learn's GaussianMixture (docs/theory.md §4.4
    settings).

    Fitted: ``means_``, ``weights_``, ``covariances_`` (always (k, d, d)), ``converged_``,
    ``n_iter_``, ``model_`` (the scikit-learn estimator).
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [Options(COVARIANCE_TYPES)],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [Options(INIT_PARAMS)],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "reg_covar": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components: int = 3,
        covariance_type: str = "full",
        n_init: int = 5,
        init_params: str = "k-means++",
        tol: float = 1e-6,
        max_iter: int = 1000,
        reg_covar: float = 1e-6,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.init_params = init_params
        self.tol = tol
        self.max_iter = max_iter
        self.reg_covar = reg_covar

    def _model(self, random_state: int, **init) -> SklearnGaussianMixture:
        """scikit-learn's estimator for the (validated) parameters."""
        return SklearnGaussianMixture(
            n_components=int(self.n_components),
            covariance_type=self.covariance_type,
            n_init=int(self.n_init),
            init_params=self.init_params,
            tol=float(self.tol),
            max_iter=int(self.max_iter),
            reg_covar=float(self.reg_covar),
            random_state=random_state,
            **init,
        )

    def fit(self, X, random_state=None) -> EM:
        X = self._check_data(X)
        seed = int(check_random_state(random_state).integers(2**31 - 1))
        model = self._model(seed)
        if X.shape[0] < model.n_components:
            raise ValueError(
                f"n_components={model.n_components} needs at least as many samples, "
                f"got {X.shape[0]}"
            )
        return self._store(model.fit(X), X.shape[1])

    def _store(self, model: SklearnGaussianMixture, dim: int) -> EM:
        self.model_ = model
        self.means_, self.weights_ = model.means_, model.weights_
        self.covariances_ = full_covariances(model)
        self.converged_, self.n_iter_ = bool(model.converged_), int(model.n_iter_)
        self.mixture_ = GaussianMixture(
            self.means_, self.weights_ / self.weights_.sum(), self.covariances_, family="em"
        )
        self.dim_ = dim
        return self


@LEARNERS.register("kde")
class KDE(MixtureLearner):
    """Gaussian kernel density estimate with an isotropic bandwidth (docs/theory.md §4.4).

    ``bandwidth``: ``"cv"`` (default: 5-fold cross-validated log-likelihood over a grid of 0.25
    to 2 times Silverman's h, on at most 5000 points), ``"silverman"`` (``h = s (4 / ((d + 2)
    N))^{1/(d+4)}``, s the mean coordinate standard deviation; it oversmooths multimodal data,
    docs/theory.md §4.4) or a number. The fitted law is the mixture of N(x_i, h^2 I) over the
    training points, so densities and samples are exact.
    """

    _parameter_constraints = {
        "bandwidth": [Options(("silverman", "cv")), Interval(Real, 0, None, closed="neither")],
        "max_points": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, bandwidth="cv", max_points: int = 20_000):
        self.bandwidth = bandwidth
        self.max_points = max_points

    def fit(self, X, random_state=None) -> KDE:
        X = self._check_data(X)
        rng = check_random_state(random_state)
        max_points = int(self.max_points)
        if X.shape[0] > max_points:
            X = X[rng.choice(X.shape[0], size=max_points, replace=False)]
        N, d = X.shape
        spread = float(np.mean(X.std(axis=0))) if N > 1 else 1.0
        silverman = max(spread, 1e-12) * (4.0 / ((d + 2) * N)) ** (1.0 / (d + 4))
        if isinstance(self.bandwidth, str):
            h = (
                silverman
                if self.bandwidth == "silverman"
                else self._cross_validate(X, silverman, rng)
            )
        else:
            h = float(self.bandwidth)
        self.bandwidth_ = float(h)
        self.mixture_ = LocationMixture(X, np.full(N, 1.0 / N), self.bandwidth_, family="kde")
        self.dim_ = d
        return self

    @staticmethod
    def _cross_validate(X: np.ndarray, silverman: float, rng: np.random.Generator) -> float:
        sub = X[rng.choice(X.shape[0], size=min(X.shape[0], 5000), replace=False)]
        grid = {"bandwidth": silverman * np.geomspace(0.25, 2.0, 12)}
        search = GridSearchCV(KernelDensity(kernel="gaussian"), grid, cv=5).fit(sub)
        return float(search.best_params_["bandwidth"])
