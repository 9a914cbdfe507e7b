"""Metric registry and the row format every metric returns (docs/theory.md §5).

A metric is a function ``metric(target, learner, Y, rng, **options) -> list[MetricRow]``; each
row names its estimator and carries value, standard error, and the floor (the same estimator on
an exact sample of the same size) with the floor's own standard error. Each metric declares how
two runs of it are compared (:class:`Sense`: direction, unit, practical tolerance) where it is
registered: ``@METRICS.register("name", sense=Sense(...))``.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import numpy as np

from ..registry import Registry

DIRECTIONS = ("lower", "higher", "none")


@dataclass(frozen=True)
class Sense:
    """How ``gmmlearn compare`` reads a metric's values.

    ``direction``: ``lower`` (an error: lower is better), ``higher``, or ``none`` (a property of
    the fit, e.g. a cell count: a change is reported, never judged). ``unit``: what the values
    measure. A difference between two runs is practically relevant only beyond
    ``max(abs_tol, rel_tol * |reference mean|)``; inside it the verdict is ``unchanged`` whatever
    its p-value. ``rows``: prefix of the metric names in its result rows when they are not the
    registered name (``fit_diagnostics`` writes ``diag_<quantity>`` rows).
    """

    direction: str
    unit: str
    abs_tol: float
    rel_tol: float = 0.0
    rows: str | None = None

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if not (self.abs_tol >= 0 and self.rel_tol >= 0):
            raise ValueError(
                f"tolerances must be >= 0, got abs_tol={self.abs_tol}, rel_tol={self.rel_tol}"
            )
        if not self.unit:
            raise ValueError("a metric's unit must be named")

    def tolerance(self, reference: np.ndarray | float) -> np.ndarray:
        """The practical tolerance around a reference mean."""
        return np.maximum(self.abs_tol, self.rel_tol * np.abs(reference))


class MetricRegistry(Registry):
    """The metric registry: every metric is registered together with its :class:`Sense`."""

    def __init__(self):
        super().__init__("metric")
        self.senses: dict[str, Sense] = {}

    def register(self, name: str, *, sense: Sense):
        decorate = super().register(name)

        def decorator(factory):
            self.senses[name] = sense
            return decorate(factory)

        return decorator

    def sense_of_row(self, row_metric: str) -> tuple[str, Sense]:
        """(registered name, sense) of the metric that writes rows named ``row_metric``."""
        if row_metric in self.senses:
            return row_metric, self.senses[row_metric]
        for name, sense in self.senses.items():
            if sense.rows and str(row_metric).startswith(sense.rows):
                return name, sense
        raise ValueError(
            f"no registered metric writes rows named {row_metric!r}; "
            f"known: {', '.join(self.names())}"
        )


#: registry of metrics: name -> function, with each metric's :class:`Sense`
METRICS = MetricRegistry()


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


def replicate_split(
    Y: np.ndarray, size: int, repeats: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """``repeats`` disjoint random subsamples of ``size`` rows (size * repeats <= len(Y))."""
    if size * repeats > Y.shape[0]:
        raise ValueError(
            f"{repeats} disjoint subsamples of {size} need {size * repeats} rows, got {Y.shape[0]}"
        )
    perm = rng.permutation(Y.shape[0])[: size * repeats]
    return [Y[perm[i * size : (i + 1) * size]] for i in range(repeats)]


def mean_and_stderr(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return float(values.mean()), float("nan")
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))
