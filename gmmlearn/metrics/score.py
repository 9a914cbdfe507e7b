"""Score error of a diffusion learner against the target's exact score (THEORY §5).

At each time t of a grid, on fresh points
``X_t ~ p_t`` (exact X_0, OU noise): relative error ``E||s_hat - s||^2 / E||s||^2``. The standard
error is the delta method for a ratio of means. The exact score gives exactly 0, the floor. One
row per time (estimator ``t=<time>``) and their mean (estimator ``mean``). The default grid is
fixed (``n_times`` geometric times from ``t_max`` to ``t_min``), so rows pair across replicates
and learners; ``times="levels"`` uses the learner's own fitted levels instead.
"""

from __future__ import annotations

import numpy as np

from ..diffusion import forward, time_grid
from .base import METRICS, MetricNotApplicable, MetricRow, Sense


def ratio_and_stderr(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
    """``mean(num) / mean(den)`` and its delta-method standard error."""
    r = num.mean() / den.mean()
    resid = (num - r * den) / den.mean()
    return float(r), float(resid.std(ddof=1) / np.sqrt(num.size))


@METRICS.register("score_error",
                  sense=Sense("lower", "relative L2 error", abs_tol=0.005, rel_tol=0.05))
def score_error(target, learner, Y, rng, n_points: int = 20_000, n_times: int = 12,
                t_max: float = 5.0, t_min: float = 0.02, times: str = "grid") -> list[MetricRow]:
    """Relative L2 error of the learned score per noise level and averaged over levels."""
    if not callable(getattr(learner, "score", None)):
        raise MetricNotApplicable(f"score_error needs a learner with a score; {type(learner).__name__} has none")
    if times == "levels":
        if getattr(learner, "times_", None) is None:
            raise MetricNotApplicable("score_error(times='levels') needs a learner with fitted levels")
        times = learner.times_
    elif times == "grid":
        times = time_grid("geometric", int(n_times) - 1, float(t_max), float(t_min))
    else:
        raise ValueError(f"score_error times must be 'grid' or 'levels', got {times!r}")
    rows, values, ses = [], [], []
    for t in np.asarray(times, dtype=np.float64):
        Xt = forward(target.sample(int(n_points), random_state=rng), t, random_state=rng)
        exact = target.score(Xt, t)
        err = np.sum((learner.score(Xt, t) - exact) ** 2, axis=1)
        value, se = ratio_and_stderr(err, np.sum(exact**2, axis=1))
        rows.append(MetricRow("score_error", f"t={t:.4g}", value, se, 0.0, 0.0))
        values.append(value)
        ses.append(se)
    mean_se = float(np.sqrt(np.sum(np.square(ses)))) / len(ses)
    rows.append(MetricRow("score_error", "mean", float(np.mean(values)), mean_se, 0.0, 0.0))
    return rows
