"""Score error of a diffusion learner against the target's exact score (docs/theory.md §5).

At each time t_k of a grid, on fresh points ``X_t ~ p_t`` (exact X_0, OU noise), the squared
error ``e_k = E||s_hat - s||^2`` and the relative error ``e_k / E||s||^2`` (delta-method standard
error for the ratio). Rows:

* ``t=<time>``: the relative error at each time (the exact score gives exactly 0, the floor);
* ``mean``: their plain mean -- dominated by the smallest times, where ``E||s||^2 ~ n / t``
  makes a small absolute error large and a large one small: read it with the next two;
* ``worst``: the largest relative error over the grid (standard error of that time's estimate);
* ``girsanov``: ``sum_k h_k e_k`` with ``h_k = t_k - t_{k+1}`` the steps of the grid (score frozen
  at t_k over the step down to t_{k+1}, as the exponential integrator does): the learned-score
  term of the sampling error bound of docs/theory.md §3 (the bound on KL(p_delta || p_hat) holds
  it once, twice after the split into score and discretisation terms). Absolute, not relative.

Grids: ``grid`` (default) is fixed (``n_times`` geometric times from ``t_max`` to ``t_min``), so
rows pair across replicates and learners; ``levels`` is the learner's fitted levels; ``sampling``
is the learner's own sampling grid, for which ``girsanov`` is exactly the sum of the bound.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import Integral, Interval, Options, Real
from ..diffusion import forward, time_grid
from ..results.schema import level_estimator
from .base import METRICS, MetricNotApplicable, MetricRow, Sense

TIMES = ("grid", "levels", "sampling")


def ratio_and_stderr(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
    """``mean(num) / mean(den)`` and its delta-method standard error."""
    r = num.mean() / den.mean()
    resid = (num - r * den) / den.mean()
    return float(r), float(resid.std(ddof=1) / np.sqrt(num.size))


def _times(learner, times: str, n_times: int, t_max: float, t_min: float) -> np.ndarray:
    if times == "grid":
        return time_grid("geometric", int(n_times) - 1, float(t_max), float(t_min))
    if times == "levels" and getattr(learner, "times_", None) is None:
        raise MetricNotApplicable("score_error(times='levels') needs a learner with fitted levels")
    if times == "sampling" and not callable(getattr(learner, "sampling_times", None)):
        raise MetricNotApplicable(
            "score_error(times='sampling') needs a learner with sampling_times()"
        )
    return np.asarray(
        learner.times_ if times == "levels" else learner.sampling_times(), dtype=np.float64
    )


@METRICS.register(
    "score_error",
    sense=Sense("lower", "relative L2 error", abs_tol=0.005, rel_tol=0.05),
    constraints={
        "n_points": [Interval(Integral, 2, None, closed="left")],
        "n_times": [Interval(Integral, 2, None, closed="left")],
        "t_max": [Interval(Real, 0, None, closed="neither")],
        "t_min": [Interval(Real, 0, None, closed="neither")],
        "times": [Options(TIMES)],
    },
)
def score_error(
    target,
    learner,
    Y,
    rng,
    n_points: int = 20_000,
    n_times: int = 12,
    t_max: float = 5.0,
    t_min: float = 0.02,
    times: str = "grid",
) -> list[MetricRow]:
    """Relative L2 error of the learned score per noise level, their mean and worst, and the
    step-weighted absolute error of the sampling bound."""
    if not callable(getattr(learner, "score", None)):
        raise MetricNotApplicable(
            f"score_error needs a learner with a score; {type(learner).__name__} has none"
        )
    grid = _times(learner, times, n_times, t_max, t_min)
    rows, values, ses, abs_means, abs_vars = [], [], [], [], []
    for t in grid:
        Xt = forward(target.sample(int(n_points), random_state=rng), t, random_state=rng)
        exact = target.score(Xt, t)
        err = np.sum((learner.score(Xt, t) - exact) ** 2, axis=1)
        value, se = ratio_and_stderr(err, np.sum(exact**2, axis=1))
        rows.append(MetricRow("score_error", level_estimator(t), value, se, 0.0, 0.0))
        values.append(value)
        ses.append(se)
        abs_means.append(err.mean())
        abs_vars.append(err.var(ddof=1) / err.size)
    mean_se = float(np.sqrt(np.sum(np.square(ses)))) / len(ses)
    worst = int(np.argmax(values))
    steps = -np.diff(grid)  # h_k for t_k, k < last; the last time starts no step
    weighted = float(np.dot(steps, abs_means[:-1]))
    weighted_se = float(np.sqrt(np.dot(steps**2, abs_vars[:-1])))
    rows += [
        MetricRow("score_error", "mean", float(np.mean(values)), mean_se, 0.0, 0.0),
        MetricRow("score_error", "worst", float(values[worst]), float(ses[worst]), 0.0, 0.0),
        MetricRow("score_error", "girsanov", weighted, weighted_se, 0.0, 0.0),
    ]
    return rows
