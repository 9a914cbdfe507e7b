"""Learner conventions (scikit-learn style; README "Python API" and "Learners and scikit-learn").

``__init__`` only stores parameters; ``fit(X, random_state=None)`` validates them, learns and
returns self; fitted state ends in ``_``; ``sample(n, random_state=None)`` returns an (n, dim)
array; ``logpdf(X)`` exists only where ``has_logpdf`` is True. ``get_params`` / ``set_params`` /
``repr`` come from scikit-learn's ``BaseEstimator``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from ..registry import Registry
from ..validation import check_samples

#: registry of learners: name -> estimator class
LEARNERS = Registry("learner")


class NotFittedError(ValueError):
    """A learner was asked to sample or evaluate before ``fit``."""


class Learner(BaseEstimator):
    """Base class of every learner."""

    #: the learner knows its density (so ``tv_exact`` applies)
    has_logpdf: bool = False
    #: the learner needs training data (False for oracle / exact, which are given the target)
    needs_data: bool = True

    def fit(self, X, random_state=None) -> Learner:
        raise NotImplementedError

    def sample(self, n: int, random_state=None) -> np.ndarray:
        raise NotImplementedError

    def logpdf(self, X) -> np.ndarray:
        raise ValueError(f"learner {type(self).__name__} has no density (no logpdf)")

    def _check_fitted(self) -> None:
        if not hasattr(self, "dim_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(X) first")

    def _check_data(self, X) -> np.ndarray:
        return check_samples(X, "X")
