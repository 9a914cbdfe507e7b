"""Metrics with uncertainty and floors (docs/theory.md §5), selectable by name.

``evaluate(target, learner, Y, metrics=[...])`` returns tidy rows (dicts with metric,
estimator, value, stderr, floor, floor_stderr). A metric spec is a name or
``{"name": ..., "params": {...}}``. Each metric draws from its own stream, seeded from
``random_state`` and the metric's name, so adding or reordering metrics leaves the others'
numbers unchanged. A new metric is one module of this folder registering its function with
``@METRICS.register(...)``: every module here is imported (README, "How to add").
"""

from __future__ import annotations

import numpy as np

from ..core.registry import import_submodules
from ..core.seeds import stable_seed
from ..core.validation import check_random_state, check_samples
from .base import METRICS, MetricNotApplicable, MetricRow, Sense

import_submodules(__name__, __path__)  # the metrics register themselves


def metric_spec(spec) -> tuple[str, dict]:
    """Normalise a metric spec (name or {"name", "params"}) to (name, params)."""
    if isinstance(spec, str):
        name, params = spec, {}
    elif isinstance(spec, dict) and "name" in spec and isinstance(spec.get("params") or {}, dict):
        name, params = spec["name"], dict(spec.get("params") or {})
    else:
        raise ValueError(f"a metric must be a name or {{name: ..., params: {{...}}}}, got {spec!r}")
    METRICS.get(name)  # clear error for unknown names
    return name, params


def evaluate_one(target, learner, Y, spec, base_seed: int) -> list[dict]:
    """Rows of one metric spec, drawn from the stream (base_seed, metric name)."""
    name, params = metric_spec(spec)
    entry = METRICS.check_options(name, params)
    rng = np.random.default_rng(np.random.SeedSequence([base_seed, stable_seed(name)]))
    return [row.as_dict() for row in entry.factory(target, learner, Y, rng, **params)]


def evaluate(target, learner, Y, metrics=("tv_projected", "w2"), random_state=None) -> list[dict]:
    """Evaluate learner samples Y against the target with each metric; return tidy rows."""
    Y = check_samples(Y, "Y", dim=target.dim)
    base_seed = int(check_random_state(random_state).integers(2**63 - 1))
    rows = []
    for spec in metrics:
        rows.extend(evaluate_one(target, learner, Y, spec, base_seed))
    return rows


__all__ = [
    "METRICS",
    "MetricNotApplicable",
    "MetricRow",
    "Sense",
    "evaluate",
    "evaluate_one",
    "metric_spec",
]
