"""Reference learners that are handed the target (docs/theory.md §4.3).

``oracle``: the reverse samplers driven by the target's exact denoiser: the floor that any
learned score can reach with that sampler, schedule and step count. ``exact``: the target's own
sampler and density: the floor of every metric estimator at a given sample size.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import InstanceOf, Integral, Interval, Options, Real
from ..core.validation import check_float
from ..diffusion import (
    FINALS,
    SAMPLERS,
    SCHEDULES,
    default_horizon,
    reverse_sample,
    scale_score,
    time_grid,
)
from ..targets import Target
from .base import LEARNERS, Learner

#: the target the workflow hands a reference learner (None until it is given)
TARGET = [None, InstanceOf(Target, "a gmmlearn Target (from make_target)")]


def _check_target(target) -> Target:
    if not isinstance(target, Target):
        raise ValueError(
            f"target must be a gmmlearn Target (from make_target), got {type(target).__name__}"
        )
    return target


def _check_target_data(target: Target, X) -> None:
    """The reference learners ignore data, but data of the wrong dimension is still an error."""
    if X is not None:
        target._check(X, "X")


@LEARNERS.register("oracle")
class OracleSampler(Learner):
    """Reverse diffusion sampler with the target's exact score (sampler, schedule, n_steps, T,
    delta).

    ``T=None`` picks ``default_horizon(E||X||^2)`` of the target. The output is a sample of
    p_delta (or its final denoise / rescale), compared by the metrics with P itself, so the
    early-stopping error TV(P, p_delta) -- negligible at the default delta = 1e-3 -- is included.
    ``score_scale != 1`` multiplies the exact score by that factor: the deliberately broken
    sampler of the claims' negative controls (docs/theory.md §6), never a setting to use.
    """

    light = True

    needs_data = False
    _parameter_constraints = {
        "target": TARGET,
        "sampler": [Options(SAMPLERS)],
        "schedule": [Options(SCHEDULES)],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "T": [None, Interval(Real, 0, None, closed="neither")],  # and T > delta (fit)
        "delta": [Interval(Real, 0, None, closed="neither")],
        "final": [Options(FINALS)],
        "score_scale": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        target=None,
        sampler: str = "ddpm",
        schedule: str = "geometric",
        n_steps: int = 200,
        T: float | None = None,
        delta: float = 1e-3,
        final: str = "none",
        score_scale: float = 1.0,
    ):
        self.target = target
        self.sampler = sampler
        self.schedule = schedule
        self.n_steps = n_steps
        self.T = T
        self.delta = delta
        self.final = final
        self.score_scale = score_scale

    def fit(self, X=None, random_state=None) -> OracleSampler:
        target = _check_target(self.target)
        _check_target_data(target, X)
        self.n_steps_ = int(self.n_steps)
        self.delta_ = float(self.delta)
        self.score_scale_ = float(self.score_scale)
        self.T_ = (
            default_horizon(target.second_moment())
            if self.T is None
            else check_float("T", self.T, minimum=self.delta_, strict_min=True)
        )
        self.dim_ = target.dim
        return self

    def sampling_times(self) -> np.ndarray:
        """The sampler's time grid, T down to delta."""
        self._check_fitted()
        return time_grid(self.schedule, self.n_steps_, self.T_, self.delta_)

    def score(self, X, t: float) -> np.ndarray:
        """The score it samples with: the exact score (times ``score_scale``)."""
        self._check_fitted()
        return self.score_scale_ * self.target.score(X, t)

    def _denoise(self, X, t: float) -> np.ndarray:
        return scale_score(self.target.denoise(X, t), X, t, self.score_scale_)

    def sample(self, n: int, random_state=None) -> np.ndarray:
        self._check_fitted()
        return reverse_sample(
            n,
            self.dim_,
            denoiser=self._denoise,
            sampler=self.sampler,
            times=self.sampling_times(),
            final=self.final,
            random_state=random_state,
        )


@LEARNERS.register("exact")
class ExactSampler(Learner):
    """The target itself: exact samples and exact density (the floor of every estimator)."""

    light = True

    has_logpdf = True
    needs_data = False
    _parameter_constraints = {"target": TARGET}

    def __init__(self, target=None):
        self.target = target

    def fit(self, X=None, random_state=None) -> ExactSampler:
        target = _check_target(self.target)
        _check_target_data(target, X)
        self.dim_ = target.dim
        return self

    def sample(self, n: int, random_state=None) -> np.ndarray:
        self._check_fitted()
        return self.target.sample(n, random_state=random_state)

    def logpdf(self, X) -> np.ndarray:
        self._check_fitted()
        return self.target.logpdf(X)
