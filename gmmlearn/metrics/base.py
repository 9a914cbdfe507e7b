"""Metric registry and the row format every metric returns (docs/theory.md §5).

A metric is a function ``metric(target, learner, Y, rng, **options) -> list[MetricRow]``; each
row names its estimator and carries value, standard error, and the floor (the same estimator on
an exact sample of the same size) with the floor's own standard error. Each metric declares how
two runs of it are compared (:class:`Sense`: direction, unit, practical tolerance), the allowed
values of its options and, where it has one, the fewest learner samples it accepts, all where
it is registered: ``@METRICS.register("name", sense=Sense(...), constraints={...},
min_samples=...)``. A metric that does not apply to a learner raises
:class:`MetricNotApplicable` naming what is missing (the cell records ``status=skipped``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from ..core.registry import Entry, Registry
from ..core.validation import NotApplicable

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


#: parameters of every metric function that the caller supplies (not options)
INJECTED = ("target", "learner", "Y", "rng")


class MetricRegistry(Registry):
    """The metric registry: every metric is registered together with its :class:`Sense`, the
    constraints of its options and, optionally, ``min_samples(**options)``: the fewest learner
    samples (n_eval) it accepts."""

    def __init__(self):
        super().__init__("metric")
        self.senses: dict[str, Sense] = {}

    def register(
        self,
        name: str,
        *,
        sense: Sense,
        constraints: dict | None = None,
        min_samples: Callable[..., int] | None = None,
    ):
        decorate = super().register(
            name, constraints=dict(constraints or {}), min_samples=min_samples
        )

        def decorator(factory):
            self.senses[name] = sense
            return decorate(factory)

        return decorator

    def options(self, name: str) -> list[str]:
        """The metric's own options (its parameters less the injected ones)."""
        return [p for p in self.get(name).parameters if p not in INJECTED]

    def check_options(self, name: str, params: dict) -> Entry:
        """The entry, after refusing unknown options and values outside the declared ranges."""
        entry = self.check_names(name, params, injected=INJECTED)
        self.validate(name, params)
        return entry

    def min_samples(self, name: str, params: dict) -> int | None:
        """The fewest learner samples the metric accepts with these options (None: any)."""
        needed = self.get(name).declared.get("min_samples")
        return None if needed is None else int(needed(**params))

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


class MetricNotApplicable(NotApplicable):
    """The metric needs something the learner or target does not have (e.g. a density)."""


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
