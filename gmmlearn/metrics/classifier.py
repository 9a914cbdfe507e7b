"""``tv_classifier``: a lower bound on TV from a classifier (docs/theory.md §5).

Any classifier between P and Q has accuracy at most (1 + TV) / 2 on balanced classes, so
``TV >= 2 acc - 1``. A scikit-learn ``HistGradientBoostingClassifier`` is trained on half of the
learner's samples and as many fresh exact samples, with features (x, log p(x)) -- the target's
log-density makes the Bayes classifier easy to reach -- and scored on the other half. Rows:
``2acc-1`` (point estimate, binomial standard error) and ``clopper_pearson`` (the same at the
one-sided 95% Clopper-Pearson lower bound of the accuracy, clipped at 0: a conservative lower
bound of TV). The floor is the same estimator between two exact samples.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import beta
from sklearn.ensemble import HistGradientBoostingClassifier

from ..core.constraints import Integral, Interval
from .base import METRICS, MetricRow, Sense

#: the fewest learner samples (n_eval) the estimator accepts: 100, half of them tested, so the
#: binomial standard error of 2 acc - 1 stays below 2 sqrt(0.25 / 100) = 0.1 TV
MIN_SAMPLES = 100


def classifier_accuracy(
    target, P: np.ndarray, Q: np.ndarray, rng: np.random.Generator
) -> tuple[int, int]:
    """(correct, tested) of a classifier trained on half of P vs Q and tested on the other half."""
    n = min(P.shape[0], Q.shape[0])
    P, Q = P[rng.permutation(P.shape[0])[:n]], Q[rng.permutation(Q.shape[0])[:n]]
    half = n // 2

    def features(Z):
        logp = target.logpdf(Z)
        return np.column_stack([Z, np.where(np.isfinite(logp), logp, -1e300)])

    X_train = features(np.vstack([P[:half], Q[:half]]))
    y_train = np.r_[np.zeros(half), np.ones(half)]
    X_test = features(np.vstack([P[half:], Q[half:]]))
    y_test = np.r_[np.zeros(n - half), np.ones(n - half)]
    model = HistGradientBoostingClassifier(random_state=int(rng.integers(2**31 - 1)))
    correct = int(np.sum(model.fit(X_train, y_train).predict(X_test) == y_test))
    return correct, y_test.size


def _rows_from_accuracy(correct: int, tested: int, level: float = 0.95):
    acc = correct / tested
    lower = beta.ppf(1 - level, correct, tested - correct + 1) if correct > 0 else 0.0
    return 2 * acc - 1, 2 * np.sqrt(acc * (1 - acc) / tested), max(0.0, 2 * lower - 1)


@METRICS.register(
    "tv_classifier",
    sense=Sense("lower", "TV", abs_tol=0.01, rel_tol=0.05),
    constraints={"n_max": [Interval(Integral, 2, None, closed="left")]},
    min_samples=lambda **_: MIN_SAMPLES,
)
def tv_classifier(target, learner, Y, rng, n_max: int = 20_000) -> list[MetricRow]:
    """TV lower bound 2 acc - 1 of a gradient-boosting classifier, with a Clopper-Pearson bound."""
    Yq = Y[: min(Y.shape[0], int(n_max))]
    value, se, lower = _rows_from_accuracy(
        *classifier_accuracy(target, target.sample(Yq.shape[0], random_state=rng), Yq, rng)
    )
    floor, floor_se, floor_lower = _rows_from_accuracy(
        *classifier_accuracy(
            target,
            target.sample(Yq.shape[0], random_state=rng),
            target.sample(Yq.shape[0], random_state=rng),
            rng,
        )
    )
    nan = float("nan")
    return [
        MetricRow(
            "tv_classifier", "2acc-1", float(value), float(se), float(floor), float(floor_se)
        ),
        MetricRow("tv_classifier", "clopper_pearson", float(lower), nan, float(floor_lower), nan),
    ]
