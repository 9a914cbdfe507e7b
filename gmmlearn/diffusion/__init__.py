"""Diffusion core: OU forward process, time grids and reverse samplers (docs/theory.md §2-3)."""

from .ou import (
    alpha,
    default_horizon,
    denoiser_from_score,
    forward,
    noise_var,
    scale_score,
    score_from_denoiser,
    transition,
)
from .samplers import FINALS, SAMPLERS, reverse_sample
from .schedules import SCHEDULES, time_grid

__all__ = [
    "FINALS",
    "SAMPLERS",
    "SCHEDULES",
    "alpha",
    "default_horizon",
    "denoiser_from_score",
    "forward",
    "noise_var",
    "reverse_sample",
    "scale_score",
    "score_from_denoiser",
    "time_grid",
    "transition",
]
