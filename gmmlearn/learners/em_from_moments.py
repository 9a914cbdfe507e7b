"""``em_from_moments``: EM started from a method-of-moments estimate (docs/theory.md §4.4).

The moment estimate (``init = tensor`` or ``dmm``) gives the initial means and weights and the
spherical initial covariances ``sigma_hat^2 I``; scikit-learn's GaussianMixture then runs EM from
there (n_init = 1). ``init_means_`` keeps the moment estimate for comparison.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import Options
from ..core.validation import check_random_state
from .base import LEARNERS
from .classical import EM
from .moments_dmm import MomentsDMM
from .moments_tensor import MomentsTensor

INITS = {"tensor": MomentsTensor, "dmm": MomentsDMM}


@LEARNERS.register("em_from_moments")
class EMFromMoments(EM):
    """EM initialised from the tensor method or the denoised method of moments."""

    _parameter_constraints = {
        **{
            name: EM._parameter_constraints[name]
            for name in ("n_components", "covariance_type", "tol", "max_iter", "reg_covar")
        },
        "init": [Options(("tensor", "dmm"))],
    }

    def __init__(
        self,
        n_components: int = 3,
        init: str = "tensor",
        covariance_type: str = "full",
        tol: float = 1e-6,
        max_iter: int = 1000,
        reg_covar: float = 1e-6,
    ):
        self.n_components = n_components
        self.init = init
        self.covariance_type = covariance_type
        self.tol = tol
        self.max_iter = max_iter
        self.reg_covar = reg_covar

    # EM's other settings, fixed here: one run from the moment estimate
    n_init = 1
    init_params = "k-means++"

    def fit(self, X, random_state=None) -> EMFromMoments:
        X = self._check_data(X)
        rng = check_random_state(random_state)
        start = INITS[self.init](n_components=self.n_components).fit(X, random_state=rng)
        k, d = start.means_.shape
        precision = 1.0 / start.sigma_**2
        precisions = {
            "full": np.broadcast_to(precision * np.eye(d), (k, d, d)).copy(),
            "diag": np.full((k, d), precision),
            "spherical": np.full(k, precision),
        }
        model = self._model(
            int(rng.integers(2**31 - 1)),
            means_init=start.means_,
            weights_init=start.weights_,
            precisions_init=precisions[self.covariance_type],
        )
        self.init_means_, self.init_weights_ = start.means_, start.weights_
        return self._store(model.fit(X), d)
