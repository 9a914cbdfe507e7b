"""The statistics gmmlearn reports with: the one mean interval, the one paired test, the one
multiple-testing correction (Benjamini-Hochberg) and Holm's, for comparison.

* :func:`mean_and_stderr` -- mean and standard error ``sd / sqrt(n)`` (sd with ddof = 1);
* :func:`t_interval` -- the Student-t interval ``mean +- t_{(1 + level) / 2, n - 1} se``, on arrays;
* :func:`mean_interval` -- both for one set of replicate values (summaries, claims);
* :func:`paired_t` -- the two-sided paired t test of mean differences and the same interval
  (``gmmlearn compare``);
* :func:`benjamini_hochberg` / :func:`holm` -- adjusted p-values of a family of tests.

Why a t interval and not a percentile bootstrap: with the few replicates a sweep affords (2-10)
the bootstrap interval is too narrow -- with 3 replicates its nominal 95% interval covers the
mean about 75% of the time -- while the t interval is exact for normal replicate values and
close for the averages that metric values are (docs/theory.md §5, §7).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

#: the level of every interval gmmlearn reports
LEVEL = 0.95


def mean_and_stderr(values) -> tuple[float, float]:
    """Mean and standard error of the mean (NaN standard error below 2 values)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return float(values.mean()), float("nan")
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def t_interval(mean, se, n, level: float = LEVEL):
    """``(low, high)`` of the Student-t interval ``mean +- t_{(1 + level) / 2, n - 1} se``;
    arrays broadcast, and n < 2 is read as 1 degree of freedom (callers mask those)."""
    mean, se = np.asarray(mean, dtype=np.float64), np.asarray(se, dtype=np.float64)
    df = np.maximum(np.asarray(n, dtype=np.float64) - 1, 1)
    half = stats.t.ppf(0.5 + level / 2, df) * se
    return mean - half, mean + half


def mean_interval(values, level: float = LEVEL) -> tuple[float, float, float, float]:
    """Mean, standard error and Student-t interval of the mean of replicate values."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return (np.nan,) * 4
    mean, se = mean_and_stderr(values)
    if values.size == 1:
        return mean, np.nan, np.nan, np.nan
    low, high = t_interval(mean, se, values.size, level)
    return mean, se, float(low), float(high)


def paired_t(mean, sd, n, level: float = LEVEL):
    """Two-sided paired t test of mean differences (``sd`` with ddof = 1, n pairs >= 2): the
    p-values and the Student-t interval. A zero sd gives p = 1 for a zero mean and p = 0
    otherwise (the limit)."""
    mean, sd, n = (np.asarray(v, dtype=np.float64) for v in (mean, sd, n))
    df = np.maximum(n - 1, 1)
    se = sd / np.sqrt(np.maximum(n, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, np.abs(mean) / se, np.where(mean == 0, 0.0, np.inf))
    p = 2 * stats.t.sf(t, df)
    low, high = t_interval(mean, se, n, level)
    return p, low, high


def benjamini_hochberg(p) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) of the finite entries of ``p``: with
    ``p_(1) <= ... <= p_(M)``, ``q_(i) = min_{j >= i} M p_(j) / j``; NaN stays NaN."""
    p = np.asarray(p, dtype=np.float64)
    q = np.full_like(p, np.nan)
    tested = np.isfinite(p)
    if tested.any():
        q[tested] = stats.false_discovery_control(p[tested], method="bh")
    return q


def holm(p) -> np.ndarray:
    """Holm's step-down adjusted p-values of the finite entries of ``p``: with
    ``p_(1) <= ... <= p_(M)``, ``max_{j <= i} min(1, (M - j + 1) p_(j))``; NaN stays NaN."""
    p = np.asarray(p, dtype=np.float64)
    out = np.full_like(p, np.nan)
    tested = np.flatnonzero(np.isfinite(p))
    if tested.size:
        order = tested[np.argsort(p[tested], kind="stable")]
        m = order.size
        adjusted = np.minimum(1.0, (m - np.arange(m)) * p[order])
        out[order] = np.maximum.accumulate(adjusted)
    return out
