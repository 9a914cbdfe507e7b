"""Learners (docs/theory.md §4): ``make_learner(name, **params)``. A new learner is one module of
this folder whose class is decorated with ``@LEARNERS.register("name")`` and declares its
``_parameter_constraints``: every module here is imported (README, "How to add")."""

from __future__ import annotations

from ..core.registry import import_submodules
from .base import LEARNERS, Learner, NotFittedError

import_submodules(__name__, __path__)  # the learners register themselves


def make_learner(name: str, /, **params) -> Learner:
    """Build an unfitted learner, e.g. ``make_learner("oracle", target=t, n_steps=400)``."""
    return LEARNERS.make(name, **params)


__all__ = ["LEARNERS", "Learner", "NotFittedError", "make_learner"]
