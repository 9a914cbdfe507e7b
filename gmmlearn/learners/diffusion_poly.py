"""``diffusion_poly``: GKL's piecewise-polynomial diffusion learner (docs/theory.md §4.1;
Gatmiry-Kelner-Lee, arXiv 2404.18869).

GKL's setting: a mixture of Gaussians with *known* identity covariance (``sigma``), or a
Gaussian convolution of a measure on a union of k balls. Their algorithm, as we read it (the
paper's full algorithm box was not available to us; each step says whether it is GKL's or ours):

1. *Subspace* (ours, a variant). GKL regress in R^n with n^{polylog} features. ``subspace =
   none`` does that. ``pca:r`` regresses only in the top-r principal subspace U of the centred
   data; for a location mixture whose atoms lie in U the discarded part is exactly N(0, sigma^2 I),
   denoised in closed form (``e^{-t} s2 / (e^{-2t} s2 + s_t^2) y``, s2 the mean discarded
   eigenvalue). ``auto`` (the default) keeps the eigenvalues above the Marchenko-Pastur edge of
   the noise ``sigma^2 (1 + sqrt(n/N))^2`` plus ``0.1 sigma^2`` (:func:`choose_rank`; with
   ``sigma=None``, twice the edge of the median eigenvalue) and falls back to ``none`` when that
   keeps nothing, or all but one direction, or dim <= 3. A run that used a subspace says so:
   ``effective_params_['subspace']`` is ``pca:r`` (the experiment writes it to every row).
2. *Noise levels* (GKL). Scores are learned on a decreasing grid of noise levels, each from
   fresh noise ``X_t = e^{-t} X_0 + s_t Z``; the DSM target is replaced by X_0 (regressing the
   denoiser with linear features in the span gives the same fitted score, with less variance).
   ``noise_draws`` (ours; default 2) noisy copies of every training point per level: the
   regression's noise ``X_0 - E[X_0 | X_t]`` is mostly the fresh Z, independent across copies,
   so the score's estimation variance (which grows like 1/t) falls. Measured on
   isotropic_gmm(3, 5, separation 3), n_train 2e4 (the panel's iso3): excess 2-D TV 0.0085 (1
   draw), 0.0067 (2), 0.0065 (4) -- 2 keeps most of the gain at half the cost of 4.
3. *Warm start* (GKL's idea, our clustering). The centres at level t come from the previous,
   noisier level: its model denoises (a subsample of) its own points, which are grouped into
   clusters by mode seeking at bandwidth ``link_scale * s_t`` with ``s_t = sqrt(sigma^2 +
   e^{2t} - 1)`` the level's noise scale in data units; clusters lighter than ``w_min / 2`` are
   dropped (:func:`~gmmlearn.regression.warm_start_partition`). The top level has one cell.
   ``cells = cluster`` (GKL): one cell per cluster, the union of the Voronoi regions of an
   r-net of the cluster's points. ``cells = rnet`` (default, a variant): each cluster tiled by
   an r-net of radius ``(sqrt(r) + 1/2) s_t``. The default is chosen by the benchmark panel
   (excess 2-D TV at n_train 2e4, degree <= 6, other settings default): iso3 0.0065 (rnet) vs
   0.015 (cluster), far_groups 0.0090 vs 0.026 (``panel.py --decompose``), line_groups(4)
   0.0095 vs 0.026 -- cluster wins only in 1-D (iso1 0.0056 vs 0.0099). Why: one polynomial
   of degree <= 6 per cluster (a pair of components at small t) keeps a smooth approximation
   bias, which shows in the samples even where its L2 score error is *lower* than the r-net's
   (far_groups: step-weighted score error 0.0065 vs 0.0083); an r-net trades it for
   cell-to-cell variance that averages out. With ``degree_selection = fixed`` and degree 10,
   one cell per cluster does reach 0.0071 on far_groups, but costs 2x the sampling time and
   loses on iso3 (0.011 at degree 8).
   Ablations: ``partition = oracle`` (the target's atoms or means as centres: one cell per
   component), ``oracle_groups`` (one cell per *group* of components: the target's declared
   ``atom_groups`` -- the pairs of ``line_groups`` and ``far_groups`` -- or else the connected
   components of the atoms at distance <= ``ORACLE_GROUP_LINK * sigma``; a group's region is the
   union of its atoms' Voronoi regions), ``global`` (one cell at every level).
4. *Regression* (GKL, with CKS's whitening). In each cell (the cell's anchor ``c_j`` scaled by
   ``e^{-t}``) least squares of X_0 on orthonormal Hermite features of ``W (x - e^{-t} c_j)``,
   total degree <= ``degree``, W whitening the cell's points (for a tight cluster this is GKL's
   ``1 / sqrt(v_t)``). A cell gets the largest degree it can afford (``min_samples_per_feature``
   points per feature); cells that cannot afford degree 1 are merged into their neighbours (a
   diagnostic counts them); ``effective_params_['degree_max']`` records the degree used.
   ``degree_selection = validation`` (ours; default) picks each cell's degree on a held-out
   split, at most two above the previous level's; ``fixed`` uses the affordable maximum (the
   setting of the degree sweep, C1). Beyond its training box a cell continues affinely
   (``outside``, :mod:`gmmlearn.regression.cell`; ours).
5. *Clip* the denoiser to the ball holding the training data (E[X_0 | x] lies in its hull).
6. *Sampling* (GKL use a standard discretisation): the exponential integrator through the fitted
   levels, then ``tail_steps`` steps to ``delta``, every step cut into ``substeps`` (default 2)
   sub-steps that use the nearest level (ours). With the *exact* score on iso3 the
   discretisation alone leaves 0.0030 excess TV at 1 sub-step and 0.0006 at 2; through 100
   fitted levels the interpolated exact denoiser at 200 steps is as good as the exact one
   (0.0017 vs 0.0016), while 50 fitted levels with 4 sub-steps lose with the learned score
   (0.0073 vs 0.0065: fewer independent level fits). Heun's probability-flow ODE reaches the
   exact-sample floor in 50-100 steps with the exact score (DDPM needs 400+), but with the
   learned score the stochastic samplers are far more forgiving -- 0.014 (exponential, 100
   levels) vs 0.034 (Heun, 100 levels).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

from ..core.constraints import Interval, Options, Real
from ..core.validation import check_choice, check_float
from ..diffusion import alpha
from ..regression import VoronoiPartition, warm_start_partition
from ..regression.partition import sq_distances
from ..targets import Target
from .base import LEARNERS
from .diffusion_engine import ENGINE_CONSTRAINTS, WARM_START_POINTS, DiffusionLearner

PARTITIONS = ("warm_start", "oracle", "oracle_groups", "global")
CELLS = ("cluster", "rnet")
#: subspace=auto keeps a direction whose means' variance exceeds this fraction of sigma^2
RANK_MARGIN = 0.1
#: partition='oracle_groups': atoms closer than this many sigma belong to the same group
ORACLE_GROUP_LINK = 5.0


def choose_rank(eigvals: np.ndarray, n_samples: int, sigma2: float | None = None) -> int | None:
    """The ``auto`` rule of step 1: the number of eigenvalues that stand out, or None.

    Noise eigenvalues of the sample covariance reach ``sigma2 (1 + sqrt(n/N))^2`` (the
    Marchenko-Pastur edge). With the components' variance known, a direction is kept when the
    means' variance along it exceeds ``RANK_MARGIN * sigma2`` above that edge; a discarded
    direction's mixture is then replaced by a Gaussian of the same variance, an error of the
    order of the squared variance ratio. With ``sigma2`` unknown, the median eigenvalue stands in
    for it and the margin is a factor 2 (safe only when most directions are noise)."""
    dim = eigvals.size
    if dim <= 3:
        return None
    spread = (1 + np.sqrt(dim / n_samples)) ** 2
    if sigma2 is None:
        r = int(np.sum(eigvals > 2 * np.median(eigvals) * spread))
    else:
        r = int(np.sum(eigvals > sigma2 * (spread + RANK_MARGIN)))
    return r if 1 <= r <= dim - 2 else None


def oracle_points(
    target, dim: int, name: str = "partition"
) -> tuple[np.ndarray, np.ndarray, float]:
    """(points, weights, scale) of a target's components: atoms (scale sigma) or means (scale
    the largest covariance standard deviation)."""
    if not isinstance(target, Target):
        raise ValueError(
            f"{name}='oracle' or 'oracle_groups' needs the target (its atoms or means are the centres)"
        )
    points = getattr(target, "atoms", None)
    if points is not None:
        scale = float(target.sigma)
    else:
        points = getattr(target, "means", None)
        if points is None:
            raise ValueError(
                f"{name}='oracle' needs a target with atoms or means, got {target.family}"
            )
        scale = float(np.sqrt(max(np.linalg.eigvalsh(S)[-1] for S in target.covariances)))
    if points.shape[1] != dim:
        raise ValueError(f"{name}='oracle': target dim {points.shape[1]} != data dim {dim}")
    return np.asarray(points, dtype=np.float64), np.asarray(target.weights, dtype=np.float64), scale


def oracle_groups(
    target, points: np.ndarray, weights: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """One anchor per group of components (its weighted mean) and the group of every point: the
    target's declared ``params['atom_groups']`` (``line_groups``, ``far_groups``), otherwise
    single linkage of the points at ``ORACLE_GROUP_LINK * scale``."""
    declared = target.params.get("atom_groups")
    if declared is not None:
        group = np.unique(np.asarray(declared), return_inverse=True)[1]
    else:
        links = sq_distances(points, points) <= (ORACLE_GROUP_LINK * scale) ** 2
        group = connected_components(links, directed=False)[1]
    anchors = np.stack(
        [
            np.average(points[group == g], axis=0, weights=weights[group == g])
            for g in range(int(group.max()) + 1)
        ]
    )
    return anchors, group


@LEARNERS.register("diffusion_poly")
class DiffusionPoly(DiffusionLearner):
    """GKL piecewise-polynomial score learner: Hermite regression of the denoiser per Voronoi cell.

    ``sigma`` is the components' standard deviation, known in GKL's setting (identity covariance:
    the default sigma = 1; pass the data's sigma for other scales -- in a sweep ``"@target.sigma"``
    when the target sets ``sigma`` explicitly). ``None`` estimates it from the covariance
    spectrum: exactly (mean of the discarded eigenvalues) when a principal subspace is used,
    otherwise as the smallest eigenvalue -- an upper bound when the atoms span every direction
    (k > dim), which makes the warm start merge clusters: on isotropic_gmm(dim 2, k 4, separation
    6) it estimates 4.6 instead of 1 and the 2-D projected TV is 0.10 instead of 0.02 (why the
    default is not ``None``). ``target`` is used only by the oracle partitions and by
    ``regression_target='exact'``; the learner otherwise sees only the data. Steps and their
    fidelity to GKL: the module docstring.
    """

    _parameter_constraints = {
        **ENGINE_CONSTRAINTS,
        "partition": [Options(PARTITIONS)],
        "cells": [Options(CELLS)],
        "sigma": [None, Interval(Real, 0, None, closed="neither")],
        "link_scale": [Interval(Real, 0, None, closed="neither")],
        "w_min": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        degree: int = 6,
        n_levels: int = 100,
        schedule: str = "geometric",
        T: float | None = None,
        t_min: float = 0.02,
        tail_steps: int = 10,
        delta: float = 1e-3,
        noise_draws: int = 2,
        partition: str = "warm_start",
        cells: str = "rnet",
        subspace: str = "auto",
        ridge: float = 1e-6,
        sigma: float | None = 1.0,
        link_scale: float = 1.0,
        w_min: float = 0.02,
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
        self.partition = partition
        self.cells = cells
        self.sigma = sigma
        self.link_scale = link_scale
        self.w_min = w_min

    def _validate_own(self, dim: int) -> None:
        check_choice("partition", self.partition, PARTITIONS)
        check_choice("cells", self.cells, CELLS)
        if self.sigma is not None:
            check_float("sigma", self.sigma, minimum=0.0, strict_min=True)
        check_float("link_scale", self.link_scale, minimum=0.0, strict_min=True)
        check_float("w_min", self.w_min, minimum=0.0, maximum=1.0)
        if self.partition.startswith("oracle"):
            oracle_points(self.target, dim)

    def _auto_rank(self, eigvals: np.ndarray, n_samples: int) -> int | None:
        return choose_rank(
            eigvals, n_samples, None if self.sigma is None else float(self.sigma) ** 2
        )

    def _discarded_variances(self, eigvals: np.ndarray) -> np.ndarray:
        """Isotropic: every discarded direction of a location mixture has variance sigma^2 (plus
        what little of the means' spread it carries); the mean of the eigenvalues estimates it."""
        return np.full(eigvals.size, float(eigvals.mean()))

    def _prepare(self, Z0: np.ndarray, eigvals: np.ndarray, rng: np.random.Generator) -> None:
        """sigma in effect, and the oracle centres when asked for."""
        if self.sigma is not None:
            self.sigma_ = float(self.sigma)
        else:
            self.sigma_ = float(
                np.sqrt(max(self.perp_vars_[0] if self.rank_ < self.dim_ else eigvals[-1], 1e-12))
            )
        self._oracle = None
        if self.partition.startswith("oracle"):
            points, weights, scale = oracle_points(self.target, self.dim_)
            points = (points - self.mean_) @ self.basis_
            if self.partition == "oracle_groups":
                anchors, group = oracle_groups(self.target, points, weights, scale)
                self._oracle = (anchors, points, group)
            else:
                self._oracle = (points, None, None)

    def _level_partition(self, t: float, previous, rng: np.random.Generator):
        """(partition, clusters, dropped clusters) for level t: step 3 of the module docstring."""
        a = float(alpha(t))
        if self._oracle is not None:
            anchors, sites, group = self._oracle
            return VoronoiPartition(anchors, a, sites, group), len(anchors), 0
        if self.partition == "global" or previous is None:
            return VoronoiPartition(np.zeros((1, self.rank_)), a), 1, 0
        level_prev, X_prev = previous
        subset = rng.choice(
            X_prev.shape[0], size=min(X_prev.shape[0], WARM_START_POINTS), replace=False
        )
        denoised = self._level_denoise(level_prev, X_prev[subset])
        scale = np.sqrt(self.sigma_**2 + np.expm1(2 * t))  # level noise in data units
        radius = (np.sqrt(self.rank_) + 0.5) * scale if self.cells == "rnet" else None
        return warm_start_partition(
            denoised,
            self.link_scale * scale,
            self.w_min,
            a,
            rng,
            cell_radius=radius,
            max_points=WARM_START_POINTS,
        )

    def _partition_label(self) -> str:
        return f"warm_start:{self.cells}" if self.partition == "warm_start" else self.partition
