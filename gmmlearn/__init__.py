"""gmmlearn: a reproducible benchmark of learning Gaussian mixtures with diffusion models.

Quick tour (see README.md)::

    import gmmlearn as gl
    target = gl.make_target("isotropic_gmm", dim=2, k=3, separation=8.0, seed=0)
    learner = gl.make_learner("oracle", target=target, n_steps=400).fit()
    Y = learner.sample(20_000, random_state=3)
    rows = gl.evaluate(target, learner, Y, metrics=["tv_projected", "w2"], random_state=4)

The names below are loaded on first use (PEP 562): ``import gmmlearn.results`` or
``import gmmlearn.claims`` loads neither the learners nor scikit-learn, POT or matplotlib.
"""

from __future__ import annotations

import importlib

#: public name -> the module that defines it
_PUBLIC = {
    "ConfigError": "gmmlearn.core.validation",
    "FAMILIES": "gmmlearn.targets",
    "LEARNERS": "gmmlearn.learners",
    "METRICS": "gmmlearn.metrics",
    "evaluate": "gmmlearn.metrics",
    "make_learner": "gmmlearn.learners",
    "make_target": "gmmlearn.targets",
    "target_from_dict": "gmmlearn.targets",
}


def __getattr__(name: str):
    if name == "__version__":
        return importlib.import_module("gmmlearn.bench.provenance").gmmlearn_version()
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value  # later lookups do not come here again
        return value
    raise AttributeError(f"module 'gmmlearn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "__version__", *_PUBLIC])


__all__ = ["__version__", *sorted(_PUBLIC)]
