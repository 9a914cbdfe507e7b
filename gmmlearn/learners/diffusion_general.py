"""``diffusion_general``: CKS's learner for general Gaussian mixtures (docs/theory.md §4.2;
Chen-Kontonis-Shah, arXiv 2404.18893).

CKS's setting: k Gaussians with arbitrary covariances of bounded condition number, no separation.
Their score estimator, as we read it (the paper's algorithm boxes were not available to us; each
step says whether it is CKS's or ours). The levels, the per-cell regression, degree selection
and the samplers are the engine's (:mod:`gmmlearn.learners.diffusion_engine`), shared with
``diffusion_poly``; only the partition differs:

1. *Crude estimates*, once (CKS: PCA-based crude estimation and clustering; accuracy
   1/poly(k) suffices). ``crude = pca`` (default): project the centred data on its top
   ``min(dim, k)`` principal directions, cluster the projections with k-means (k-means++,
   ``n_init`` 5), take each cluster's weight, mean and covariance (in the regression
   coordinates), then polish them with at most 100 EM steps started there -- our reading: the
   clustering is CKS's PCA step; the polish only moves the estimates to the nearby likelihood
   optimum, which the later steps need no better than 1/poly(k). Clusters lighter than
   ``w_min / 2`` are dropped (their points join the nearest kept cluster). ``crude = em`` (a
   variant, the previous default): scikit-learn's EM from k-means++ in the full coordinates.
   ``n_components=None`` chooses k by the BIC of the crude mixture, 1 to ``max_components``,
   on a subsample of ``CRUDE_POINTS``. The regression coordinates are the data's (``subspace =
   none``, CKS regress in R^d) or a principal subspace (``pca:r``, ours).
2. *Grouping* at each level t (CKS). The components at time t are ``N(e^{-t} mu_i, S_i)`` with
   ``S_i = e^{-2t} Sigma_i + s_t^2 I``; their normalised distance is
   ``d_ij = ||S^{-1/2}(m_i - m_j)|| + max(||S_i^{-1/2} S_j S_i^{-1/2} - I||_F, (i <-> j))``
   (S the average of S_i, S_j). ``grouping = gap`` (default, CKS): the thresholds
   ``Delta_j = delta_in * delta_ratio^j`` form a ladder; the first rung with no single-linkage
   merge height in ``(Delta_j, delta_ratio * Delta_j]`` is used -- groups are the connected
   components at ``Delta_in = Delta_j``, and every pair of groups is more than ``Delta_out =
   delta_ratio * Delta_in`` apart. There are k - 1 merge heights and k disjoint intervals, so a
   gap exists by the pigeonhole principle and the search halts within k rungs (the rung used at
   each level is in ``group_thresholds_``). ``grouping = fixed`` (a variant, the previous
   default): single linkage at ``delta_out``. As t grows everything merges into one group.
3. *Regions* (CKS): a point belongs to the group of its most likely crude component,
   ``argmax_i log w_i + log N(x; e^{-t} mu_i, S_i)``
   (:class:`~gmmlearn.regression.GaussianRegions`). ``cells = region`` (CKS): one polynomial
   per group region, features whitened by the region's points. ``cells = rnet`` (default, a
   variant): each region cut into the Voronoi cells of an r-net of points drawn from the crude
   mixture (radius ``(sqrt(r) + 1/2)`` times the region's component scale at level t, as
   ``diffusion_poly``'s r-net; :class:`~gmmlearn.regression.TiledPartition`). Measured on the
   panel's general_gmm(dim 3, k 3, condition number 10), n_train 2e4, excess 2-D TV:
   region cells 0.0199 (crude pca without the polish) / 0.0154 (crude em) / 0.0446 (grouping
   fixed: one region), r-net cells 0.0076 (pca without polish), 0.0044 (em), 0.0038 (pca with
   the polish, the default); ``diffusion_poly`` 0.0074; EM with the correct k 0.0002.
4. *Discarded directions* (with ``subspace = pca:r``, ours). The discarded principal directions
   are modelled as independent Gaussians, each with its own variance (its eigenvalue): PCA
   coordinates are uncorrelated with the kept ones, and for general covariances the discarded
   variances differ, so the isotropic ``N(0, s^2 I)`` of ``diffusion_poly`` would be wrong. The
   model is exact when the discarded part is Gaussian and independent of the kept one; otherwise
   the run is an approximation and is labelled ``pca:r`` in its result rows.
5. *Halting* (CKS) for degenerate covariances: with ``halting_time = t0`` the levels stop at t0,
   the sampler stops there and returns ``e^{t0} Y``, whose W2 distance to P is at most
   ``sqrt((e^{2 t0} - 1) n)`` (docs/theory.md §3); use W2 metrics then.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

from ..core.constraints import Integral, Interval, Options, Real
from ..core.validation import check_choice, check_float, check_int
from ..diffusion import alpha, noise_var
from ..regression import GaussianRegions, TiledPartition, rnet_seeds, voronoi_labels
from .base import LEARNERS
from .diffusion_engine import ENGINE_CONSTRAINTS, DiffusionLearner
from .diffusion_poly import choose_rank

CRUDE = ("pca", "em")
GROUPINGS = ("gap", "fixed")
CELLS = ("region", "rnet")
#: points of the crude mixture whose r-net tiles the regions (cells='rnet')
SITE_POINTS = 1000
#: points used for the crude estimates (and for choosing k by BIC)
CRUDE_POINTS = 5_000
#: covariance regularisation of the crude estimates, relative to the data's mean variance
CRUDE_REG = 1e-6
#: EM steps that polish the PCA clustering's estimates (crude = pca)
CRUDE_EM_STEPS = 100


def _inverse_sqrt(S: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh(S)
    return (vecs / np.sqrt(vals)) @ vecs.T


def component_distances(means: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """CKS's normalised distance between components (step 2), a symmetric (k, k) matrix."""
    k = means.shape[0]
    roots = np.stack([_inverse_sqrt(S) for S in covs])
    eye = np.eye(means.shape[1])
    d = np.zeros((k, k))
    for i in range(k):  # k is the number of components: small
        for j in range(i + 1, k):
            gap = _inverse_sqrt(0.5 * (covs[i] + covs[j])) @ (means[i] - means[j])
            shape = max(
                np.linalg.norm(roots[i] @ covs[j] @ roots[i] - eye),
                np.linalg.norm(roots[j] @ covs[i] @ roots[j] - eye),
            )
            d[i, j] = d[j, i] = np.linalg.norm(gap) + shape
    return d


def gap_grouping(distances: np.ndarray, delta_in: float, ratio: float) -> tuple[np.ndarray, float]:
    """Groups (one label per component) and the Delta_in used, by the gap rule of step 2."""
    k = distances.shape[0]
    if k == 1:
        return np.zeros(1, dtype=np.int64), float(delta_in)
    heights = linkage(squareform(distances, checks=False), method="single")[:, 2]
    threshold = float(delta_in)
    for _ in range(k):  # pigeonhole: k - 1 heights cannot fill k disjoint intervals
        if not np.any((heights > threshold) & (heights <= ratio * threshold)):
            break
        threshold *= ratio
    return connected_components(distances <= threshold, directed=False)[1], threshold


def pca_crude(Z: np.ndarray, k: int, w_min: float, seed: int):
    """Step 1, ``crude = pca``: (weights, means, covariances). k-means on the projections to the
    top min(dim, k) principal directions clusters the points (clusters lighter than w_min / 2
    join the nearest kept one); each cluster's weight, mean and covariance start EM steps on
    the points, which only move the estimates to a nearby likelihood optimum."""
    Zc = Z - Z.mean(axis=0)
    r = min(Z.shape[1], k)
    vecs = np.linalg.eigh(np.cov(Zc, rowvar=False).reshape(Z.shape[1], Z.shape[1]))[1][:, ::-1][
        :, :r
    ]
    P = Zc @ vecs
    km = KMeans(n_clusters=k, n_init=5, random_state=seed).fit(P)
    labels, centers = km.labels_, km.cluster_centers_
    mass = np.bincount(labels, minlength=k) / Z.shape[0]
    keep = mass >= w_min / 2
    keep[np.argmax(mass)] = True
    if not keep.all():
        labels = voronoi_labels(P, centers[keep])
    weights, means, covs = _moments(Z, labels, int(keep.sum()))
    em = GaussianMixture(
        len(weights),
        covariance_type="full",
        weights_init=weights,
        means_init=means,
        precisions_init=np.linalg.inv(covs),
        max_iter=CRUDE_EM_STEPS,
        tol=1e-4,
        random_state=seed,
    ).fit(Z)
    return em.weights_, em.means_, em.covariances_


def _moments(Z: np.ndarray, labels: np.ndarray, k: int):
    reg = CRUDE_REG * float(np.mean(np.var(Z, axis=0))) + 1e-300
    weights = np.bincount(labels, minlength=k) / Z.shape[0]
    means = np.stack([Z[labels == j].mean(axis=0) for j in range(k)])
    covs = np.stack(
        [
            np.atleast_2d(np.cov(Z[labels == j], rowvar=False))
            if np.sum(labels == j) > 1
            else np.zeros((Z.shape[1], Z.shape[1]))
            for j in range(k)
        ]
    )
    return weights, means, covs + reg * np.eye(Z.shape[1])


def mixture_bic(Z: np.ndarray, weights, means, covs) -> float:
    """BIC of a full-covariance Gaussian mixture on Z (for choosing k from crude estimates)."""
    k, d = means.shape
    logp = np.empty((Z.shape[0], k))
    for i in range(k):
        L = np.linalg.cholesky(covs[i])
        y = np.linalg.solve(L, (Z - means[i]).T)
        logp[:, i] = (
            np.log(weights[i])
            - 0.5 * np.einsum("ij,ij->j", y, y)
            - np.log(np.diag(L)).sum()
            - 0.5 * d * np.log(2 * np.pi)
        )
    m = logp.max(axis=1, keepdims=True)
    loglik = float(np.sum(m[:, 0] + np.log(np.exp(logp - m).sum(axis=1))))
    n_params = (k - 1) + k * d + k * d * (d + 1) / 2
    return -2.0 * loglik + n_params * np.log(Z.shape[0])


@LEARNERS.register("diffusion_general")
class DiffusionGeneral(DiffusionLearner):
    """CKS piecewise-polynomial score learner for general covariances: PCA crude estimates,
    components grouped at a gap in their distances, likelihood regions cut by an r-net, halting
    (module docstring: each step against the paper). ``target`` is used only by
    ``regression_target='exact'``."""

    _parameter_constraints = {
        **ENGINE_CONSTRAINTS,
        "n_components": [None, Interval(Integral, 1, None, closed="left")],
        "max_components": [Interval(Integral, 1, None, closed="left")],
        "crude": [Options(CRUDE)],
        "grouping": [Options(GROUPINGS)],
        "delta_in": [Interval(Real, 0, None, closed="neither")],
        "delta_ratio": [Interval(Real, 1, None, closed="neither")],
        "delta_out": [Interval(Real, 0, None, closed="left")],
        "cells": [Options(CELLS)],
        "w_min": [Interval(Real, 0, 1, closed="both")],
        "halting_time": [None, Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        n_components: int | None = None,
        max_components: int = 8,
        crude: str = "pca",
        grouping: str = "gap",
        delta_in: float = 1.0,
        delta_ratio: float = 3.0,
        delta_out: float = 4.0,
        cells: str = "rnet",
        w_min: float = 0.02,
        halting_time: float | None = None,
        degree: int = 6,
        n_levels: int = 100,
        schedule: str = "geometric",
        T: float | None = None,
        t_min: float = 0.02,
        tail_steps: int = 10,
        delta: float = 1e-3,
        noise_draws: int = 2,
        subspace: str = "none",
        ridge: float = 1e-6,
        min_samples_per_feature: float = 4.0,
        degree_selection: str = "validation",
        validation_fraction: float = 0.1,
        outside: str = "affine",
        clip: bool = True,
        sampler: str = "exponential",
        substeps: int = 2,
        sampling_steps: int | None = None,
        final: str = "none",
        score_scale: float = 1.0,
        regression_target: str = "data",
        target=None,
    ):
        self._set_engine_params(locals())
        self.n_components = n_components
        self.max_components = max_components
        self.crude = crude
        self.grouping = grouping
        self.delta_in = delta_in
        self.delta_ratio = delta_ratio
        self.delta_out = delta_out
        self.cells = cells
        self.w_min = w_min
        self.halting_time = halting_time

    def _validate_own(self, dim: int) -> None:
        if self.n_components is not None:
            check_int("n_components", self.n_components, minimum=1)
        check_int("max_components", self.max_components, minimum=1)
        check_choice("crude", self.crude, CRUDE)
        check_choice("grouping", self.grouping, GROUPINGS)
        check_float("delta_in", self.delta_in, minimum=0.0, strict_min=True)
        check_float("delta_ratio", self.delta_ratio, minimum=1.0, strict_min=True)
        check_float("delta_out", self.delta_out, minimum=0.0)
        check_choice("cells", self.cells, CELLS)
        check_float("w_min", self.w_min, minimum=0.0, maximum=1.0)
        if self.halting_time is not None:
            check_float("halting_time", self.halting_time, minimum=0.0, strict_min=True)

    def _halting_time(self) -> float | None:
        return None if self.halting_time is None else float(self.halting_time)

    def _auto_rank(self, eigvals: np.ndarray, n_samples: int) -> int | None:
        return choose_rank(eigvals, n_samples, None)

    def _discarded_variances(self, eigvals: np.ndarray) -> np.ndarray:
        """Step 4: one variance per discarded principal direction (its eigenvalue)."""
        return eigvals.copy()

    def _prepare(self, Z0: np.ndarray, eigvals: np.ndarray, rng: np.random.Generator) -> None:
        """Step 1: crude estimates (k by BIC when not given)."""
        sub = Z0[rng.choice(Z0.shape[0], size=min(Z0.shape[0], CRUDE_POINTS), replace=False)]
        seed = int(rng.integers(2**31 - 1))
        ks = [self.n_components] if self.n_components else range(1, int(self.max_components) + 1)
        ks = [k for k in ks if k <= sub.shape[0] // 2] or [1]
        fits = {}
        for k in ks:
            if self.crude == "pca":
                fits[k] = pca_crude(sub, k, float(self.w_min), seed)
            else:
                em = GaussianMixture(k, covariance_type="full", n_init=2, random_state=seed).fit(
                    sub
                )
                fits[k] = (em.weights_, em.means_, em.covariances_)
        k = ks[0] if len(ks) == 1 else min(ks, key=lambda c: mixture_bic(sub, *fits[c]))
        self.crude_weights_, self.crude_means_, self.crude_covariances_ = fits[k]
        self.crude_dropped_ = k - self.crude_weights_.size  # clusters lighter than w_min / 2
        self.group_thresholds_ = []

    def _level_partition(self, t: float, previous, rng: np.random.Generator):
        """Steps 2-3 at level t: group the crude components, regions by likelihood."""
        a = float(alpha(t))
        covs = a * a * self.crude_covariances_ + noise_var(t) * np.eye(self.rank_)
        means = a * self.crude_means_
        distances = component_distances(means, covs)
        if self.grouping == "gap":
            group, threshold = gap_grouping(
                distances, float(self.delta_in), float(self.delta_ratio)
            )
        else:
            threshold = float(self.delta_out)
            group = connected_components(distances <= threshold, directed=False)[1]
        self.group_thresholds_.append(threshold)
        n_groups = int(group.max()) + 1
        w = self.crude_weights_
        centers = np.stack(
            [
                np.average(self.crude_means_[group == g], axis=0, weights=w[group == g])
                for g in range(n_groups)
            ]
        )
        regions = GaussianRegions(centers, group, means, covs, np.log(w), a)
        if self.cells == "region":
            return regions, n_groups, 0
        return self._tiled(regions, covs, group, a, rng), n_groups, 0

    def _tiled(
        self,
        regions: GaussianRegions,
        covs: np.ndarray,
        group: np.ndarray,
        a: float,
        rng: np.random.Generator,
    ) -> TiledPartition:
        """``cells = rnet``: each region cut by an r-net of points drawn from the crude mixture,
        at radius ``(sqrt(r) + 1/2)`` times the region's component scale at level t (in data
        units), like ``diffusion_poly``'s r-net cells; cells lighter than w_min / 2 dropped."""
        w = self.crude_weights_
        which = rng.choice(w.size, size=SITE_POINTS, p=w / w.sum())
        roots = np.linalg.cholesky(self.crude_covariances_)
        points = self.crude_means_[which] + np.einsum(
            "nij,nj->ni", roots[which], rng.standard_normal((SITE_POINTS, self.rank_))
        )
        region = regions.assign(a * points)
        spread = (
            np.sqrt(np.trace(covs, axis1=1, axis2=2) / self.rank_) / a
        )  # per component, data units
        sites, site_region = [], []
        for g in np.unique(region):
            members = points[region == g]
            radius = (np.sqrt(self.rank_) + 0.5) * float(
                np.average(spread[group == g], weights=w[group == g])
            )
            seeds = members[rnet_seeds(members, radius)]
            labels = voronoi_labels(members, seeds)
            counts = np.bincount(labels, minlength=len(seeds))
            heavy = counts >= max(1, self.w_min / 2 * SITE_POINTS)
            heavy[np.argmax(counts)] = True
            labels = voronoi_labels(members, seeds[heavy])
            sites += [members[labels == i].mean(axis=0) for i in range(int(heavy.sum()))]
            site_region += [g] * int(heavy.sum())
        return TiledPartition(regions, np.array(sites), np.array(site_region), a)

    def _partition_label(self) -> str:
        return f"regions:{self.crude}:{self.grouping}:{self.cells}"
