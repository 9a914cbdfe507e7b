"""Instance families with exact samples, densities, scores and denoisers (docs/theory.md §1-2).

``make_target(name, **params)`` builds one; ``FAMILIES.describe()`` lists them with their
parameters. A new family is one module of this folder that decorates its factory with
``@FAMILIES.register("name")``: every module here is imported (README, "How to add").
"""

from __future__ import annotations

from ..core.registry import import_submodules
from .base import FAMILIES, Target
from .gaussian import GaussianMixture
from .location import LocationMixture
from .sphere import SphereConvolution

import_submodules(__name__, __path__)  # the families register themselves

_SHAPES = {cls.shape: cls for cls in (LocationMixture, GaussianMixture, SphereConvolution)}


def make_target(name: str, /, **params) -> Target:
    """Build a target of the named family, e.g. ``make_target("isotropic_gmm", dim=10, k=4)``."""
    return FAMILIES.make(name, **params)


def target_from_dict(data: dict) -> Target:
    """Rebuild a target from :meth:`Target.to_dict` output (exact arrays, no regeneration)."""
    try:
        cls = _SHAPES[data["shape"]]
    except KeyError:
        raise ValueError(
            f"unknown target shape {data.get('shape')!r}; valid: {sorted(_SHAPES)}"
        ) from None
    return cls(**data["arrays"], family=data.get("family"), params=data.get("params"))


__all__ = [
    "FAMILIES",
    "GaussianMixture",
    "LocationMixture",
    "SphereConvolution",
    "Target",
    "make_target",
    "target_from_dict",
]
