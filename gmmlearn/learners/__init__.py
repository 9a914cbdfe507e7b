"""Learners (docs/theory.md §4): ``make_learner(name, **params)``; a new learner is one module whose
class is decorated with ``@LEARNERS.register("name")`` plus one import line below."""

from __future__ import annotations

from . import (  # noqa: F401  (registers)
    classical,
    diffusion_general,
    diffusion_poly,
    em_from_moments,
    moments_dmm,
    moments_tensor,
    reference,
)
from .base import LEARNERS, Learner, NotFittedError


def make_learner(name: str, /, **params) -> Learner:
    """Build an unfitted learner, e.g. ``make_learner("oracle", target=t, n_steps=400)``."""
    return LEARNERS.make(name, **params)


__all__ = ["LEARNERS", "Learner", "NotFittedError", "make_learner"]
