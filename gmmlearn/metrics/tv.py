"""Total-variation estimators (docs/theory.md §5).

* ``tv_exact``: both densities known. With x drawn from (p+q)/2 -- half exact target samples,
  half the learner's samples Y -- ``TV = E |p - q| / (p + q) = E |tanh((log p - log q) / 2)|``.
  Each term lies in [0, 1], so the standard error is at most 1 / (2 sqrt(M)). The estimator is
  unbiased, so its floor (q = p) is exactly 0.
* ``tv_projected``: project onto r-dimensional subspaces (the target's principal r-plane, then
  seeded random r-planes), histogram the projected samples and compare with the *exact* bin
  masses of the projected target. TV of the binned laws is a lower bound of the full TV (data
  processing); the histogram's sampling noise biases it upward, which the floor -- the same
  estimator on an exact sample of the same size, same planes and bins -- measures.
  Bin rule: per axis ``clip(ceil(2 n^{1/(r+2)}), 8, 128)`` equal bins on the box
  ``mean +- 4 sd`` of the projected target, plus one cell for everything outside the box.
  Standard errors: Poisson bootstrap of the samples (shared across planes), *given* the planes;
  the planes are redrawn for every replicate, so the spread over replicates (what the summaries
  use) is the larger, unconditional one.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import Integral, Interval, ListOf
from ..targets.generators import random_orthonormal
from .base import METRICS, MetricNotApplicable, MetricRow, Sense

POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]


def _log_ratio_term(log_p: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        diff = log_p - log_q
    diff = np.where(np.isnan(diff), 0.0, diff)  # both -inf: the point has no mass under either
    return np.abs(np.tanh(0.5 * diff))


@METRICS.register(
    "tv_exact",
    sense=Sense("lower", "TV", abs_tol=0.005, rel_tol=0.05),
    constraints={"n_max": POSITIVE_INT},
)
def tv_exact(target, learner, Y, rng, n_max: int = 100_000) -> list[MetricRow]:
    """Monte Carlo TV between the target and a learner with a density (proposal (p+q)/2)."""
    if not getattr(learner, "has_logpdf", False):
        raise MetricNotApplicable(
            f"tv_exact needs a learner with logpdf; {type(learner).__name__} has no density"
        )
    Yq = Y[: min(Y.shape[0], int(n_max))]
    Xp = target.sample(Yq.shape[0], random_state=rng)
    fp = _log_ratio_term(target.logpdf(Xp), learner.logpdf(Xp))
    fq = _log_ratio_term(target.logpdf(Yq), learner.logpdf(Yq))
    value = 0.5 * (fp.mean() + fq.mean())
    stderr = 0.5 * np.sqrt(fp.var(ddof=1) / fp.size + fq.var(ddof=1) / fq.size)
    return [MetricRow("tv_exact", "mc_mixture_proposal", float(value), float(stderr), 0.0, 0.0)]


def default_bins(n: int, r: int) -> int:
    """Bins per axis for an r-dimensional histogram of n points (see module docstring)."""
    return int(np.clip(np.ceil(2.0 * n ** (1.0 / (r + 2))), 8, 128))


class _ProjectedHistogram:
    """One r-plane: bin index of every point and the exact masses of the projected target."""

    def __init__(self, target, basis: np.ndarray, bins: int):
        projected = target.project(basis)
        centre, sd = projected.mean(), np.sqrt(np.diag(projected.covariance()))
        self.basis = basis
        self.edges = [np.linspace(c - 4 * s, c + 4 * s, bins + 1) for c, s in zip(centre, sd)]
        masses = projected.bin_masses(self.edges).ravel()
        self.masses = np.append(masses, max(0.0, 1.0 - masses.sum()))  # last cell: outside

    def cells(self, X: np.ndarray) -> np.ndarray:
        Z = X @ self.basis
        idx = np.zeros(Z.shape[0], dtype=np.int64)
        inside = np.ones(Z.shape[0], dtype=bool)
        for axis, e in enumerate(self.edges):
            j = np.searchsorted(e, Z[:, axis], side="right") - 1
            inside &= (j >= 0) & (j < e.size - 1)
            idx = idx * (e.size - 1) + np.clip(j, 0, e.size - 2)
        return np.where(inside, idx, self.masses.size - 1)

    def tv(self, cells: np.ndarray, weights: np.ndarray | None = None) -> float:
        counts = np.bincount(cells, weights=weights, minlength=self.masses.size)
        return 0.5 * float(np.abs(counts / counts.sum() - self.masses).sum())


def _planes(target, r: int, n_random: int, rng) -> list[np.ndarray]:
    planes = [target.principal_axes()[:, :r]]
    planes += [random_orthonormal(target.dim, r, rng) for _ in range(n_random)]
    return planes


def _projected_tvs(hists, X, n_boot, rng):
    """TV per plane on X, and bootstrap replicates (n_boot, planes) with Poisson weights."""
    cells = [h.cells(X) for h in hists]
    point = np.array([h.tv(c) for h, c in zip(hists, cells)])
    boot = np.empty((n_boot, len(hists)))
    for b in range(n_boot):  # loop over bootstrap replicates; each is vectorised over samples
        w = rng.poisson(1.0, size=X.shape[0]).astype(np.float64)
        boot[b] = [h.tv(c, w) for h, c in zip(hists, cells)]
    return point, boot


@METRICS.register(
    "tv_projected",
    sense=Sense("lower", "TV", abs_tol=0.005, rel_tol=0.05),
    constraints={
        "dims": [ListOf(Interval(Integral, 1, 3, closed="both"))],
        "n_random": [Interval(Integral, 0, None, closed="left")],
        "bins": [None, POSITIVE_INT[0]],
        "n_boot": [Interval(Integral, 2, None, closed="left")],
    },
)
def tv_projected(
    target,
    learner,
    Y,
    rng,
    dims=(1, 2),
    n_random: int = 2,
    bins: int | None = None,
    n_boot: int = 100,
) -> list[MetricRow]:
    """Histogram TV on r-dim projections (principal plane + n_random random planes) against the
    exact projected target; rows for the mean and the max over planes, for each r in dims."""
    rows = []
    exact = target.sample(Y.shape[0], random_state=rng)
    for r in dims:
        r = int(r)
        if r > target.dim:
            continue
        n_bins = default_bins(Y.shape[0], r) if bins is None else int(bins)
        hists = [_ProjectedHistogram(target, B, n_bins) for B in _planes(target, r, n_random, rng)]
        value, boot = _projected_tvs(hists, Y, n_boot, rng)
        floor, floor_boot = _projected_tvs(hists, exact, n_boot, rng)
        for name, reduce in (("mean", np.mean), ("max", np.max)):
            rows.append(
                MetricRow(
                    "tv_projected",
                    f"hist{r}d_{name}",
                    float(reduce(value)),
                    float(np.std(reduce(boot, axis=1), ddof=1)),
                    float(reduce(floor)),
                    float(np.std(reduce(floor_boot, axis=1), ddof=1)),
                )
            )
    if not rows:
        raise MetricNotApplicable(
            f"tv_projected: no projection dimension in {list(dims)} fits dim={target.dim}"
        )
    return rows
