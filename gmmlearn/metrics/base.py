"""Metric registry and the row format every metric returns (THEORY §5).

A metric is a function ``metric(target, learner, Y, rng, **options) -> list[MetricRow]``; each
row names its estimator and carries value, standard error, and the floor (the same estimator on
an exact sample of the same size) with the floor's own standard error.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import numpy as np

from ..registry import Registry

#: registry of metrics: name -> function
METRICS = Registry("metric")


@dataclass
class MetricRow:
    metric: str
    estimator: str
    value: float
    stderr: float
    floor: float
    floor_stderr: float

    def as_dict(self) -> dict:
        return asdict(self)


class MetricNotApplicable(ValueError):
    """The metric needs something the learner or target does not have (e.g. a density)."""


def stable_seed(*parts) -> int:
    """A 63-bit integer from the text of ``parts``: identical on every machine and run."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def replicate_split(Y: np.ndarray, size: int, repeats: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``repeats`` disjoint random subsamples of ``size`` rows (size * repeats <= len(Y))."""
    if size * repeats > Y.shape[0]:
        raise ValueError(f"{repeats} disjoint subsamples of {size} need {size * repeats} rows, got {Y.shape[0]}")
    perm = rng.permutation(Y.shape[0])[: size * repeats]
    return [Y[perm[i * size:(i + 1) * size]] for i in range(repeats)]


def mean_and_stderr(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return float(values.mean()), float("nan")
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))
