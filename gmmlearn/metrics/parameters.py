"""Parameter errors of learners that estimate a mixture's atoms/means (docs/theory.md §5).

* ``w1_mixing``: W1 between the mixing distributions ``sum_i w_hat_i delta_{mu_hat_i}`` and the
  target's ``sum_j w_j delta_{a_j}`` (exact OT with Euclidean cost, POT). For a gridded manifold
  or a union of balls the target's mixing law is its atom grid.
* ``param_error``: Hungarian-matched errors when the number of components matches -- largest
  mean error (Euclidean), largest weight error, largest covariance error (Frobenius; for
  location-mixture targets the covariance is sigma^2 I).

Both are deterministic functions of the fit: stderr is NaN, the spread over replicates is what
the summaries report; the floor (the exact learner) is 0.
"""

from __future__ import annotations

import numpy as np
import ot
from scipy.optimize import linear_sum_assignment

from .base import METRICS, MetricNotApplicable, MetricRow, Sense


def _learner_mixture(learner):
    means, weights = getattr(learner, "means_", None), getattr(learner, "weights_", None)
    if means is None or weights is None:
        raise MetricNotApplicable(
            f"needs a learner with fitted means_ and weights_; {type(learner).__name__} has none"
        )
    return np.atleast_2d(means), np.asarray(weights, dtype=np.float64)


def _target_mixture(target):
    means = getattr(target, "atoms", getattr(target, "means", None))
    if means is None:
        raise MetricNotApplicable(f"needs a target with atoms or means; {target.family} has none")
    return means, target.weights


def _learner_covariances(learner, k: int, dim: int) -> np.ndarray:
    if getattr(learner, "covariances_", None) is not None:
        return np.asarray(learner.covariances_)
    return np.broadcast_to(learner.sigma_**2 * np.eye(dim), (k, dim, dim))


def _target_covariances(target) -> np.ndarray:
    if getattr(target, "covariances", None) is not None:
        return target.covariances
    return np.broadcast_to(
        target.sigma**2 * np.eye(target.dim), (target.atoms.shape[0], target.dim, target.dim)
    )


@METRICS.register("w1_mixing", sense=Sense("lower", "target length", abs_tol=0.01, rel_tol=0.05))
def w1_mixing(target, learner, Y, rng) -> list[MetricRow]:
    """W1 between the learned and the true mixing distributions (exact OT)."""
    mu, w = _learner_mixture(learner)
    a, v = _target_mixture(target)
    value = float(ot.emd2(w / w.sum(), v / v.sum(), ot.dist(mu, a, metric="euclidean")))
    return [MetricRow("w1_mixing", "emd", value, float("nan"), 0.0, 0.0)]


@METRICS.register(
    "param_error",
    sense=Sense("lower", "target length (weights: probability)", abs_tol=0.01, rel_tol=0.05),
)
def param_error(target, learner, Y, rng) -> list[MetricRow]:
    """Hungarian-matched mean, weight and covariance errors (same number of components)."""
    mu, w = _learner_mixture(learner)
    a, v = _target_mixture(target)
    if mu.shape[0] != a.shape[0]:
        raise MetricNotApplicable(
            f"param_error needs as many components as the target ({a.shape[0]}), "
            f"the learner has {mu.shape[0]}"
        )
    cost = np.linalg.norm(mu[:, None] - a[None], axis=-1)
    rows, cols = linear_sum_assignment(cost)
    cov_hat = _learner_covariances(learner, mu.shape[0], mu.shape[1])[rows]
    cov = _target_covariances(target)[cols]
    nan = float("nan")
    return [
        MetricRow("param_error", "means_max", float(cost[rows, cols].max()), nan, 0.0, 0.0),
        MetricRow(
            "param_error",
            "weights_max",
            float(np.abs(w[rows] / w.sum() - v[cols]).max()),
            nan,
            0.0,
            0.0,
        ),
        MetricRow(
            "param_error",
            "covariances_max",
            float(np.linalg.norm(cov_hat - cov, axis=(1, 2)).max()),
            nan,
            0.0,
            0.0,
        ),
    ]
