"""The engine both diffusion learners share (docs/theory.md §4.1-4.2): per noise level, a
partition of space and a polynomial denoiser per cell; sampling by a reverse diffusion through
the fitted levels.

:class:`DiffusionLearner` owns everything but the partition: the principal subspace and the
closed-form model of the discarded directions, the noise levels and their fresh noise, the
regression in each cell (:func:`~gmmlearn.regression.cell.fit_cell`: whitened Hermite least
squares, degree selection, box), merging of cells that cannot afford degree 1, interpolation
between levels, the denoiser, the score and the sampler. A learner declares itself through
these hooks:

* ``_validate_own(dim)`` -- its own parameters;
* ``_auto_rank(eigvals, n)`` -- the rank ``subspace='auto'`` keeps (None: no subspace);
* ``_discarded_variances(eigvals)`` -- variances of the Gaussian model of the discarded
  principal directions (one per direction);
* ``_prepare(Z0, eigvals, rng)`` -- once, before the levels (crude estimates, oracle centres);
* ``_level_partition(t, previous, rng)`` -- the :class:`~gmmlearn.regression.Partition` of a
  level, its number of clusters and the number of clusters dropped as too light;
* ``_halting_time()`` -- a halting time t0 (CKS) or None;
* ``_partition_label()`` -- how the partition was made, for ``effective_params_``.

Engine parameters (every subclass takes them, see :data:`ENGINE_PARAMS`): ``degree`` (the
largest total degree), ``n_levels`` fitted noise levels on the ``schedule`` grid from ``T``
(default: the horizon of the data's second moment) down to ``t_min``, then ``tail_steps``
sampler steps down to ``delta``; ``subspace`` (``none``, ``pca:r``, ``auto``); ``ridge``;
``min_samples_per_feature``; ``degree_selection`` (``validation`` on a held-out
``validation_fraction``, or ``fixed``); ``outside`` (``affine``, ``clamp``, ``polynomial``:
beyond a cell's training box, see :mod:`gmmlearn.regression.cell`); ``clip`` (to the ball of
the training data); ``sampler``, ``sampling_steps``, ``final``; ``score_scale`` (1 except in the
claims' negative controls); ``regression_target = 'exact'`` (needs ``target``, no principal
subspace) regresses the target's exact denoiser ``E[X_0 | X_t]`` instead of X_0 on the same
features and cells: without label noise the score error is the *approximation* error of the
piecewise polynomials (claim C1, docs/theory.md §6) -- a reference, not a learner.

Levels are fitted from T down to ``t_min``, not to the early-stopping time: below ``t_min`` the
score barely changes (p_t -> P) while the regression's noise, divided by ``s_t^2 ~ 2t``, grows
like 1/t. Off the fitted grid:

* t < t_min uses the last level's *score* in variance-exploding coordinates,
  ``s(x, t) ~= e^{t - t_min} s_last(e^{t - t_min} x)``, exact when ``P * N(0, sigma^2)`` does not
  change between the two (small) noise levels; the denoiser follows by Tweedie at t;
* t in the fitted range uses the nearest level in log t through its *denoiser* at the
  rescaled point, ``D(x, t) ~= D_i(e^{t - t_i} x)`` (same signal position ``e^t x`` in the
  variance-exploding picture).

Departures from scikit-learn's conventions, on purpose: ``fit(X, random_state)`` and
``sample(n, random_state)`` take the random state per call (common random numbers across
learners and replicates, docs/theory.md §5), and ``score(X, t)`` is the learned score function
at diffusion time t, not a goodness-of-fit number.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from ..core.constraints import Boolean, InstanceOf, Integral, Interval, Options, Pattern, Real
from ..core.progress import progress
from ..core.validation import check_choice, check_float, check_int, check_random_state, check_time
from ..diffusion import (
    FINALS,
    SAMPLERS,
    SCHEDULES,
    alpha,
    default_horizon,
    noise_var,
    reverse_sample,
    scale_score,
    score_from_denoiser,
    time_grid,
)
from ..regression import Partition, n_features
from ..regression.cell import OUTSIDE, CellModel, fit_cell
from ..regression.partition import cell_slices
from ..targets import Target
from .base import Learner

DEGREE_SELECTIONS = ("validation", "fixed")
#: what the levels regress: X_0 (the learner) or the target's exact denoiser (approximation only)
REGRESSION_TARGETS = ("data", "exact")

#: the engine's parameters (each subclass's ``__init__`` lists them explicitly, with its own
#: defaults, as scikit-learn's get_params requires)
ENGINE_PARAMS = (
    "degree",
    "n_levels",
    "schedule",
    "T",
    "t_min",
    "tail_steps",
    "delta",
    "noise_draws",
    "subspace",
    "ridge",
    "min_samples_per_feature",
    "degree_selection",
    "validation_fraction",
    "outside",
    "clip",
    "sampler",
    "substeps",
    "sampling_steps",
    "final",
    "score_scale",
    "regression_target",
    "target",
)
#: declared ranges of the engine's parameters (checks relating parameters stay in _validate)
ENGINE_CONSTRAINTS = {
    "degree": [Interval(Integral, 1, None, closed="left")],
    "n_levels": [Interval(Integral, 2, None, closed="left")],
    "schedule": [Options(SCHEDULES)],
    "T": [None, Interval(Real, 0, None, closed="neither")],
    "t_min": [Interval(Real, 0, None, closed="neither")],
    "tail_steps": [Interval(Integral, 0, None, closed="left")],
    "delta": [Interval(Real, 0, None, closed="neither")],
    "noise_draws": [Interval(Integral, 1, None, closed="left")],
    "subspace": [Pattern(r"auto|none|pca:\d+", "'auto', 'none' or 'pca:r' with 1 <= r <= dim")],
    "ridge": [Interval(Real, 0, None, closed="left")],
    "min_samples_per_feature": [Interval(Real, 1, None, closed="left")],
    "degree_selection": [Options(DEGREE_SELECTIONS)],
    "validation_fraction": [Interval(Real, 0, 0.5, closed="both")],
    "outside": [Options(OUTSIDE)],
    "clip": [Boolean()],
    "sampler": [Options(SAMPLERS)],
    "substeps": [Interval(Integral, 1, None, closed="left")],
    "sampling_steps": [None, Interval(Integral, 1, None, closed="left")],
    "final": [Options(FINALS)],
    "score_scale": [Interval(Real, 0, None, closed="neither")],
    "regression_target": [Options(REGRESSION_TARGETS)],
    "target": [None, InstanceOf(Target, "a gmmlearn Target (from make_target)")],
}
#: denoised points of the previous level that a warm start may use
WARM_START_POINTS = 1000


def parse_subspace(subspace, dim: int):
    """'auto' | 'none' | 'pca:r' -> ('auto' | 'none' | r)."""
    if subspace in ("auto", "none"):
        return subspace
    match = re.fullmatch(r"pca:(\d+)", str(subspace))
    if not match:
        raise ValueError(
            f"subspace must be 'auto', 'none' or 'pca:r' with 1 <= r <= dim, got {subspace!r}"
        )
    r = int(match.group(1))
    if not 1 <= r <= dim:
        raise ValueError(f"subspace pca:r needs 1 <= r <= dim={dim}, got r={r}")
    return r


@dataclass
class Level:
    t: float
    partition: Partition
    cells: list[CellModel]
    diagnostics: dict = field(default_factory=dict)


class DiffusionLearner(Learner, ABC):
    """Abstract engine of the piecewise-polynomial diffusion learners (module docstring)."""

    def _set_engine_params(self, arguments: dict) -> None:
        """Store the engine's parameters from a subclass ``__init__``'s ``locals()`` (every
        subclass lists them in its signature, as scikit-learn's get_params requires)."""
        for name in ENGINE_PARAMS:
            setattr(self, name, arguments[name])

    # -- hooks --------------------------------------------------------------------------------------
    @abstractmethod
    def _validate_own(self, dim: int) -> None: ...

    @abstractmethod
    def _auto_rank(self, eigvals: np.ndarray, n_samples: int) -> int | None: ...

    @abstractmethod
    def _discarded_variances(self, eigvals: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _prepare(self, Z0: np.ndarray, eigvals: np.ndarray, rng: np.random.Generator) -> None: ...

    @abstractmethod
    def _level_partition(
        self, t: float, previous, rng: np.random.Generator
    ) -> tuple[Partition, int, int]: ...

    @abstractmethod
    def _partition_label(self) -> str: ...

    def _halting_time(self) -> float | None:
        return None

    # -- parameters ---------------------------------------------------------------------------------
    def _validate(self, dim: int) -> None:
        check_int("degree", self.degree, minimum=1)
        check_int("n_levels", self.n_levels, minimum=2)
        check_int("noise_draws", self.noise_draws, minimum=1)
        check_int("substeps", self.substeps, minimum=1)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_float("delta", self.delta, minimum=0.0, strict_min=True)
        check_float("t_min", self.t_min, minimum=0.0, strict_min=True)
        if self.T is not None:
            check_float("T", self.T, minimum=max(self.delta, self.t_min), strict_min=True)
        parse_subspace(self.subspace, dim)
        check_float("ridge", self.ridge, minimum=0.0)
        check_float("min_samples_per_feature", self.min_samples_per_feature, minimum=1.0)
        check_choice("degree_selection", self.degree_selection, DEGREE_SELECTIONS)
        check_float("validation_fraction", self.validation_fraction, minimum=0.0, maximum=0.5)
        if self.degree_selection == "validation" and not self.validation_fraction:
            raise ValueError("degree_selection='validation' needs validation_fraction > 0")
        check_choice("outside", self.outside, OUTSIDE)
        if not isinstance(self.clip, (bool, np.bool_)):
            raise ValueError(f"clip must be True or False, got {self.clip!r}")
        check_choice("sampler", self.sampler, SAMPLERS)
        if self.sampling_steps is not None:
            check_int("sampling_steps", self.sampling_steps, minimum=1)
        check_choice("final", self.final, FINALS)
        check_float("score_scale", self.score_scale, minimum=0.0, strict_min=True)
        check_choice("regression_target", self.regression_target, REGRESSION_TARGETS)
        if self.regression_target == "exact" and not isinstance(self.target, Target):
            raise ValueError(
                "regression_target='exact' needs the target (its exact denoiser is regressed)"
            )
        check_int("tail_steps", self.tail_steps, minimum=0)
        if self.tail_steps and self.delta >= self.t_min:
            raise ValueError(
                f"delta must be < t_min={self.t_min} when tail_steps > 0, got {self.delta}"
            )
        self._validate_own(dim)

    def _schedule(self) -> tuple[float, int, float, str]:
        """(t_min, tail_steps, delta, final) in effect: the parameters, or the halting schedule
        (levels down to t0, no tail, output ``e^{t0} Y``)."""
        t0 = self._halting_time()
        if t0 is None:
            return self.t_min, self.tail_steps, self.delta, self.final
        return float(t0), 0, float(t0), "rescale"

    # -- fit ----------------------------------------------------------------------------------------
    def fit(self, X, random_state=None) -> DiffusionLearner:
        X = self._check_data(X)
        N, dim = X.shape
        self._validate(dim)
        rng = check_random_state(random_state)
        self.dim_ = dim
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_
        eigvals, eigvecs = (
            np.linalg.eigh(np.cov(Xc, rowvar=False).reshape(dim, dim))
            if N > 1
            else (np.zeros(dim), np.eye(dim))
        )
        eigvals, eigvecs = np.maximum(eigvals[::-1], 0.0), eigvecs[:, ::-1]
        rank = parse_subspace(self.subspace, dim)
        rank = self._auto_rank(eigvals, N) if rank == "auto" else (None if rank == "none" else rank)
        rank = dim if rank is None else rank
        if rank == dim:  # no subspace: the data's own coordinates
            eigvecs = np.eye(dim)
        self.basis_, self.perp_basis_ = eigvecs[:, :rank], eigvecs[:, rank:]
        self.perp_vars_ = self._discarded_variances(eigvals[rank:]) if rank < dim else np.zeros(0)
        self.rank_ = rank
        self.T_ = self.T if self.T is not None else default_horizon(float(np.sum(eigvals)))
        t_min, self.tail_steps_, self.delta_, self.final_ = self._schedule()
        self.times_ = time_grid(self.schedule, self.n_levels - 1, self.T_, t_min)

        Z0 = Xc @ self.basis_
        self.radius_ = (
            float(np.sqrt(np.max(np.einsum("ij,ij->i", Z0, Z0)))) if self.clip else np.inf
        )
        n_val = int(round(self.validation_fraction * N))
        least = self.min_samples_per_feature * (self.rank_ + 1)
        if N - n_val < least:
            raise ValueError(
                f"{type(self).__name__} needs at least {int(np.ceil(least))} training points "
                f"(after the validation split) for degree 1 in {self.rank_} dimensions "
                f"(min_samples_per_feature * (r + 1)); got {N - n_val} of n_train={N}"
            )
        perm = rng.permutation(N)
        Z0_val, Z0_fit = Z0[perm[:n_val]], Z0[perm[n_val:]]
        if self.regression_target == "exact" and self.rank_ < dim:
            raise ValueError(
                "regression_target='exact' needs subspace='none' (or a subspace that "
                f"keeps all {dim} directions), got rank {self.rank_}"
            )

        self._prepare(Z0_fit, eigvals, rng)
        Z0_fit = np.tile(Z0_fit, (int(self.noise_draws), 1))  # the same X_0 under several noises
        self.levels_ = []
        previous = None
        for t in progress(self.times_, desc=f"{type(self).__name__} fit"):
            Xt = alpha(t) * Z0_fit + np.sqrt(noise_var(t)) * rng.standard_normal(Z0_fit.shape)
            partition, n_clusters, dropped = self._level_partition(t, previous, rng)
            Xv = alpha(t) * Z0_val + np.sqrt(noise_var(t)) * rng.standard_normal(Z0_val.shape)
            cap = (
                None
                if previous is None or self.degree_selection == "fixed"
                else previous[0].diagnostics["max_degree"] + 2
            )
            level = self._fit_level(
                t,
                Xt,
                self._regression_labels(Z0_fit, Xt, t),
                partition,
                n_clusters,
                Xv,
                self._regression_labels(Z0_val, Xv, t),
                cap,
            )
            level.diagnostics["dropped_clusters"] = dropped
            self.levels_.append(level)
            previous = (level, Xt)
        return self

    def _regression_labels(self, Z0: np.ndarray, Zt: np.ndarray, t: float) -> np.ndarray:
        """What level t regresses on: X_0 itself, or the exact E[X_0 | X_t] (centred coordinates)."""
        if self.regression_target == "data" or Zt.shape[0] == 0:
            return Z0
        X = Zt @ self.basis_.T + alpha(t) * self.mean_
        return (self.target.denoise(X, t) - self.mean_) @ self.basis_

    def _fit_level(
        self,
        t: float,
        Xt: np.ndarray,
        Z0: np.ndarray,
        partition: Partition,
        n_clusters: int,
        Xv: np.ndarray,
        Z0v: np.ndarray,
        cap: int | None,
    ) -> Level:
        a = float(alpha(t))
        n_given = partition.n_cells
        partition, labels, counts = self._affordable_partition(partition, Xt, n_clusters)
        select = self.degree_selection == "validation" and Xv.shape[0] > 0
        order, rows = cell_slices(labels, partition.n_cells)
        Xt, Z0 = Xt[order], Z0[order]
        if select:
            order, val_rows = cell_slices(partition.assign(Xv), partition.n_cells)
            Xv, Z0v = Xv[order], Z0v[order]
        cells, train_sq, val_sq, conditions, gemm_s, gemm_f = [], 0.0, 0.0, [], 0.0, 0.0
        for j, c in enumerate(partition.centers):
            cell, val = rows[j], (val_rows[j] if select else None)
            degree = self._affordable_degree((cell.stop - cell.start) // int(self.noise_draws), cap)
            fit = fit_cell(
                Xt[cell] - a * c,
                Z0[cell],
                c,
                degree,
                self.ridge,
                Xv[val] - a * c if select else None,
                Z0v[val] if select else None,
                outside=self.outside,
            )
            cells.append(fit.model)
            val_sq += fit.validation_loss
            train_sq += fit.train_loss
            conditions.append(fit.condition)
            gemm_s += fit.gemm_seconds
            gemm_f += fit.gemm_flops
        degrees = [cell.degree for cell in cells]
        draws = int(self.noise_draws)
        diagnostics = {
            "t": float(t),
            "cells": len(cells),
            "clusters": int(n_clusters),
            "merged_cells": int(n_given - len(cells)),
            "min_cell_samples": int(counts.min()) // draws,
            "median_cell_samples": float(np.median(counts)) / draws,
            "max_cell_samples": int(counts.max()) // draws,
            "min_degree": int(min(degrees)),
            "max_degree": int(max(degrees)),
            "features": int(n_features(self.rank_, max(degrees))),
            "train_loss": train_sq / Xt.shape[0],
            # the loss degrees were selected on (without the clip): optimistic by the selection
            "validation_loss": val_sq / Xv.shape[0] if select else float("nan"),
            "condition": float(max(conditions)),
            "gemm_seconds": gemm_s,
            "gemm_flops": gemm_f,
        }
        return Level(float(t), partition, cells, diagnostics)

    def _affordable_partition(self, partition: Partition, Xt: np.ndarray, n_clusters: int = 1):
        """Merge the lightest cell into its neighbours, one at a time, until every cell can afford
        degree 1 and there are at most ``max(n_clusters, N / (min_samples_per_feature *
        C(r + 2, 2)))`` cells (each could afford degree 2; binds only in high dimension, where an
        r-net of a cluster has many small cells; never merges below the number of clusters).
        Only the merged cell's points are reassigned: the others keep their nearest cell. The
        number merged is the level's ``merged_cells`` diagnostic. Counts are of distinct X_0
        (``noise_draws`` noisy copies of a point are one point)."""
        draws = int(self.noise_draws)
        most = max(
            int(n_clusters),
            int(Xt.shape[0] // draws // (self.min_samples_per_feature * n_features(self.rank_, 2))),
        )
        least = draws * self.min_samples_per_feature * (self.rank_ + 1)
        labels = partition.assign(Xt)
        counts = np.bincount(labels, minlength=partition.n_cells)
        while partition.n_cells > 1 and (partition.n_cells > most or counts.min() < least):
            j = int(np.argmin(counts))
            partition = partition.without(j)
            moved = labels == j
            labels[labels > j] -= 1
            labels[moved] = partition.assign(Xt[moved])
            counts = np.delete(counts, j) + np.bincount(labels[moved], minlength=partition.n_cells)
        return partition, labels, counts

    def _affordable_degree(self, n_cell: int, cap: int | None = None) -> int:
        """The largest degree <= ``degree`` (and <= cap) with ``min_samples_per_feature``
        points per feature, at least 1. ``effective_params_`` records what was used."""
        degree = int(self.degree) if cap is None else min(int(self.degree), cap)
        while degree > 1 and self.min_samples_per_feature * n_features(self.rank_, degree) > n_cell:
            degree -= 1
        return degree

    @property
    def effective_params_(self) -> dict:
        """Settings in effect after fit, where they can differ from the parameters: the largest
        degree used in any cell at any level, the subspace (``pca:r`` or ``none``, also when
        ``auto`` chose it), how the partition was made and the largest number of cells."""
        self._check_fitted()
        return {
            "degree_max": max(level.diagnostics["max_degree"] for level in self.levels_),
            "subspace": "none" if self.rank_ == self.dim_ else f"pca:{self.rank_}",
            "partition": self._partition_label(),
            "cells": max(level.diagnostics["cells"] for level in self.levels_),
        }

    # -- evaluation ---------------------------------------------------------------------------------
    def _level_denoise(self, level: Level, Zt: np.ndarray) -> np.ndarray:
        """The level's denoiser in centred subspace coordinates (clipped to the data's ball)."""
        a = float(alpha(level.t))
        if len(level.cells) == 1:
            out = level.cells[0].predict(Zt - a * level.cells[0].center)
        else:
            order, rows = cell_slices(level.partition.assign(Zt), len(level.cells))
            Zs, out = Zt[order], np.empty_like(Zt)
            for cell, part in zip(level.cells, rows):
                if part.stop > part.start:
                    out[order[part]] = cell.predict(Zs[part] - a * cell.center)
        if np.isfinite(self.radius_):
            norms = np.sqrt(np.einsum("ij,ij->i", out, out))
            out *= np.minimum(1.0, self.radius_ / np.maximum(norms, 1e-300))[:, None]
        return out

    def _centred_denoise(self, Z: np.ndarray, t: float) -> np.ndarray:
        """Denoiser of the centred subspace coordinates ``U^T (x - e^{-t} mean)`` at any t > 0
        (module docstring), its score times ``score_scale``."""
        return scale_score(self._interpolated_denoise(Z, t), Z, t, float(self.score_scale))

    def _interpolated_denoise(self, Z: np.ndarray, t: float) -> np.ndarray:
        level = self.levels_[int(np.argmin(np.abs(np.log(self.times_) - np.log(t))))]
        if np.isclose(t, level.t, rtol=1e-12, atol=0.0):
            return self._level_denoise(level, Z)
        scale = np.exp(t - level.t)
        if t >= self.times_[-1]:
            return self._level_denoise(level, scale * Z)
        Y = scale * Z
        score = scale * score_from_denoiser(self._level_denoise(level, Y), Y, level.t)
        return (Z + noise_var(t) * score) / alpha(t)

    def _perp_shrink(self, t: float) -> np.ndarray:
        """Closed-form denoiser of the Gaussian model of the discarded directions, per direction:
        ``E[y_0 | y_t] = shrink * y_t`` with ``shrink = e^{-t} l / (e^{-2t} l + s_t^2)``."""
        a = float(alpha(t))
        return a * self.perp_vars_ / (a * a * self.perp_vars_ + noise_var(t))

    def denoise(self, X, t: float) -> np.ndarray:
        """Learned ``E[X_0 | X_t = x]``: the subspace part from the levels, the rest in closed form."""
        self._check_fitted()
        X = self._check_data(X)
        if X.shape[1] != self.dim_:
            raise ValueError(f"X has dimension {X.shape[1]}, expected dim={self.dim_}")
        t = check_time(t, allow_zero=False)
        x = X - alpha(t) * self.mean_
        out = self.mean_ + self._centred_denoise(x @ self.basis_, t) @ self.basis_.T
        if self.rank_ < self.dim_:
            out += ((x @ self.perp_basis_) * self._perp_shrink(t)) @ self.perp_basis_.T
        return out

    def score(self, X, t: float) -> np.ndarray:
        """Learned score at diffusion time t, by Tweedie from the learned denoiser."""
        X = self._check_data(X)
        return score_from_denoiser(self.denoise(X, t), X, check_time(t, allow_zero=False))

    def sample(self, n: int, random_state=None) -> np.ndarray:
        """Reverse diffusion in the r-dim subspace only; the discarded directions are drawn
        exactly from their Gaussian model's law at ``delta`` (then given the same final step)."""
        self._check_fitted()
        n = check_int("n", n, minimum=1)
        rng = check_random_state(random_state)
        times = self.sampling_times()
        Z = reverse_sample(
            n,
            self.rank_,
            denoiser=self._centred_denoise,
            sampler=self.sampler,
            times=times,
            final=self.final_,
            random_state=rng,
        )
        delta = float(times[-1])
        offset = {"none": float(alpha(delta)), "denoise": 1.0, "rescale": 1.0}[self.final_]
        out = offset * self.mean_ + Z @ self.basis_.T
        if self.rank_ < self.dim_:
            a = float(alpha(delta))
            W = np.sqrt(a * a * self.perp_vars_ + noise_var(delta)) * rng.standard_normal(
                (n, self.perp_vars_.size)
            )
            factor = {"none": 1.0, "denoise": self._perp_shrink(delta), "rescale": np.exp(delta)}[
                self.final_
            ]
            out += (factor * W) @ self.perp_basis_.T
        return out

    def sampling_times(self) -> np.ndarray:
        """The fitted levels, then ``tail_steps`` geometric steps from t_min down to delta, each
        step cut into ``substeps`` geometric sub-steps (or the ``sampling_steps`` grid)."""
        self._check_fitted()
        if self.sampling_steps is not None:
            return time_grid(self.schedule, self.sampling_steps, self.T_, self.delta_)
        times = self.times_
        if self.tail_steps_:
            times = np.concatenate(
                [times, np.geomspace(times[-1], self.delta_, self.tail_steps_ + 1)[1:]]
            )
        k = int(self.substeps)
        if k == 1:
            return times
        fractions = np.arange(k) / k  # geometric sub-steps: uniform in log t
        fine = np.exp(np.log(times[:-1, None]) + fractions * np.diff(np.log(times))[:, None])
        fine[:, 0] = times[:-1]  # the levels themselves, exactly
        return np.append(fine.ravel(), times[-1])

    @property
    def diagnostics_(self) -> list[dict]:
        """Per level: t, cells, clusters, dropped clusters, merged cells, samples per cell, degrees, features,
        train / held-out loss, condition (largest Cholesky estimate over the cells), GEMM
        seconds and flops."""
        self._check_fitted()
        return [level.diagnostics for level in self.levels_]
