"""Learner conventions (scikit-learn style; README "Python API" and "Learners and scikit-learn").

``__init__`` only stores parameters; ``fit(X, random_state=None)`` validates them, learns and
returns self; fitted state ends in ``_``; ``sample(n, random_state=None)`` returns an (n, dim)
array; ``logpdf(X)`` exists only where ``has_logpdf`` is True. ``get_params`` / ``set_params`` /
``repr`` come from scikit-learn's ``BaseEstimator``.

Every learner declares the allowed values of its parameters in ``_parameter_constraints``
(:mod:`gmmlearn.core.constraints`, as scikit-learn's estimators do); the same declaration feeds
``gmmlearn list``, the config check before a sweep runs, and ``fit``: every subclass's ``fit``
checks the parameters against it first (like scikit-learn's ``_fit_context``), then does its own
checks of what relates parameters to each other or to the data.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.base import BaseEstimator

from ..core.constraints import validate_params
from ..core.registry import Registry
from ..core.validation import check_samples

#: registry of learners: name -> estimator class
LEARNERS = Registry("learner")


class NotFittedError(ValueError):
    """A learner was asked to sample or evaluate before ``fit``."""


def _checks_parameters_first(fit):
    @functools.wraps(fit)
    def checked_fit(self, *args, **kwargs):
        validate_params(type(self)._parameter_constraints, self.get_params(deep=False))
        return fit(self, *args, **kwargs)

    checked_fit.checks_parameters = True
    return checked_fit


class Learner(BaseEstimator):
    """Base class of every learner."""

    #: the learner knows its density (so ``tv_exact`` applies)
    has_logpdf: bool = False
    #: the learner needs training data (False for oracle / exact, which are given the target)
    needs_data: bool = True
    #: fitting costs little next to starting a process: the workflow runs the cells of such
    #: learners on one target together in one job (bench.sweeps.Sweep.chunks)
    light: bool = False
    #: parameter -> allowed alternatives (:mod:`gmmlearn.core.constraints`)
    _parameter_constraints: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fit = cls.__dict__.get("fit")
        if fit is not None and not getattr(fit, "checks_parameters", False):
            cls.fit = _checks_parameters_first(fit)

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
