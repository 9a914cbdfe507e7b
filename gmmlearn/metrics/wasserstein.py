"""Wasserstein distances between learner samples and the target (docs/theory.md §5).

``w2``: ``sqrt(ot.emd2(a, b, ot.dist(X, Y)))`` (exact optimal transport, squared Euclidean cost)
between a subsample of the learner's samples and a fresh exact sample of the same size.
``w2_sliced``: sliced W2 on larger subsamples, over POT's random directions
(``ot.sliced.get_random_projections``); for two equal-size uniform samples the 1-D optimal
coupling matches sorted values, so each slice is ``mean((sort(Xv) - sort(Yv))^2)`` -- the value
of ``ot.sliced_wasserstein_distance`` (checked in the tests) with less work: one sort per
slice. Both are averaged over ``n_repeats`` disjoint subsamples (size ``min(n_subsample, n //
n_repeats)``; standard error = sd / sqrt(repeats), on n_repeats - 1 degrees of freedom); the
floor is the same estimator between two independent exact samples of the same size.
"""

from __future__ import annotations

import numpy as np
import ot

from ..core.constraints import Integral, Interval
from ..core.stats import mean_and_stderr
from ..core.validation import ParameterError
from .base import METRICS, MetricRow, Sense, replicate_split

AT_LEAST_2 = [Interval(Integral, 2, None, closed="left")]


class TransportNotConverged(RuntimeError):
    """POT's network simplex stopped before optimality (numItermax reached)."""


def emd_w2(X: np.ndarray, Y: np.ndarray) -> float:
    """Exact W2 between two equal-size empirical measures; raises if the solver did not converge."""
    n = X.shape[0]
    a = np.full(n, 1.0 / n)
    cost, log = ot.emd2(a, a, ot.dist(X, Y), numItermax=max(1_000_000, 100 * n * n), log=True)
    if log.get("result_code", 1) != 1:
        raise TransportNotConverged(f"ot.emd2 did not converge: {log.get('warning')}")
    return float(np.sqrt(max(cost, 0.0)))


def sliced_w2_equal_size(X: np.ndarray, Y: np.ndarray, directions: np.ndarray) -> float:
    """Sliced W2 between equal-size uniform samples along the columns of ``directions``."""
    if X.shape != Y.shape:
        raise ValueError(f"sliced W2 needs equal-size samples, got {X.shape} and {Y.shape}")
    gap = np.sort(X @ directions, axis=0) - np.sort(Y @ directions, axis=0)
    return float(np.sqrt(np.mean(gap**2)))


def min_samples(n_repeats: int = 3, **_) -> int:
    """The fewest learner samples (n_eval) the estimator accepts: n_repeats disjoint subsamples
    of at least 2 points."""
    return 2 * int(n_repeats)


def _subsample_size(n: int, n_subsample: int, n_repeats: int) -> int:
    """Disjoint subsamples, so that the spread over repeats reflects the sample's variability."""
    needed = min_samples(n_repeats)
    size = min(int(n_subsample), n // int(n_repeats))
    if size < 2:
        raise ParameterError(
            "n_eval",
            f"n_eval must be >= 2 * n_repeats = {needed} (disjoint subsamples "
            f"of >= 2 points), got {n} samples",
        )
    return size


def _repeated(distance, target, Y, rng, size, repeats):
    values, floors = [], []
    for Ysub in replicate_split(Y, size, repeats, rng):
        X1 = target.sample(size, random_state=rng)
        X2 = target.sample(size, random_state=rng)
        values.append(distance(Ysub, X1, rng))
        floors.append(distance(X2, X1, rng))
    return mean_and_stderr(values), mean_and_stderr(floors)


@METRICS.register(
    "w2",
    sense=Sense("lower", "target length", abs_tol=0.01, rel_tol=0.05),
    constraints={"n_subsample": AT_LEAST_2, "n_repeats": AT_LEAST_2},
    min_samples=min_samples,
)
def w2(target, learner, Y, rng, n_subsample: int = 1000, n_repeats: int = 3) -> list[MetricRow]:
    """Exact-OT W2 on subsamples of n_subsample points, averaged over n_repeats, with its floor."""
    size = _subsample_size(Y.shape[0], n_subsample, n_repeats)
    (v, se), (f, fse) = _repeated(
        lambda A, B, _: emd_w2(A, B), target, Y, rng, size, int(n_repeats)
    )
    return [MetricRow("w2", f"emd_n{size}", v, se, f, fse)]


@METRICS.register(
    "w2_sliced",
    sense=Sense("lower", "target length", abs_tol=0.01, rel_tol=0.05),
    constraints={
        "n_projections": [Interval(Integral, 1, None, closed="left")],
        "n_subsample": AT_LEAST_2,
        "n_repeats": AT_LEAST_2,
    },
    min_samples=min_samples,
)
def w2_sliced(
    target, learner, Y, rng, n_projections: int = 200, n_subsample: int = 10_000, n_repeats: int = 3
) -> list[MetricRow]:
    """Sliced W2 (POT, n_projections random directions) on subsamples, with its floor."""
    size = _subsample_size(Y.shape[0], n_subsample, n_repeats)

    def sliced(A, B, gen):
        directions = ot.sliced.get_random_projections(
            A.shape[1], int(n_projections), seed=int(gen.integers(2**31 - 1))
        )
        return sliced_w2_equal_size(A, B, directions)

    (v, se), (f, fse) = _repeated(sliced, target, Y, rng, size, int(n_repeats))
    return [MetricRow("w2_sliced", f"sliced_p{int(n_projections)}_n{size}", v, se, f, fse)]
