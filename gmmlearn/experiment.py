"""One experiment cell: spec -> target -> data -> fit -> sample -> metrics -> tidy rows.

A cell is (target family + parameters, learner + parameters, n_train, n_eval, metrics); it runs
once per replicate. Random streams are derived from the *content* of the cell, never from its
position in a sweep, so a cell gives the same numbers alone or in any sweep, in any order:

* training data and the evaluation stream (exact floor samples, projection planes) come from
  ``SeedSequence([sweep_seed, hash(target spec), n_train / n_eval, replicate])``: every learner of
  a replicate sees the same data and is scored against the same floor (common random numbers);
* fitting and sampling come from ``SeedSequence([sweep_seed, hash(cell spec), replicate])``.

Failures never escape: a cell whose fit or sampling fails writes one row per requested metric
with ``status=failed`` (or ``timeout``) and the message; a metric that fails writes its own
failed row and the others still run.
"""

from __future__ import annotations

import json
import resource
import signal
import time
import traceback
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np

from .learners import LEARNERS, make_learner
from .metrics import evaluate_one, metric_spec
from .metrics.base import stable_seed
from .targets import Target, make_target
from .validation import check_int


@dataclass
class CellSpec:
    """What a cell computes; its hash is the cell's identity."""

    target: str
    learner: str
    target_params: dict = field(default_factory=dict)
    learner_params: dict = field(default_factory=dict)
    n_train: int | None = None
    n_eval: int = 10_000
    metrics: list = field(default_factory=lambda: ["tv_projected", "w2"])

    def __post_init__(self):
        if self.n_train is not None:
            self.n_train = check_int("n_train", self.n_train, minimum=1)
        self.n_eval = check_int("n_eval", self.n_eval, minimum=2)
        for spec in self.metrics:
            metric_spec(spec)
        LEARNERS.get(self.learner)

    @classmethod
    def from_dict(cls, data: dict) -> "CellSpec":
        return cls(**data)

    def as_dict(self) -> dict:
        return asdict(self)

    def target_id(self) -> str:
        return _digest({"target": self.target, "params": self.target_params})

    def cell_id(self) -> str:
        return _digest(self.as_dict())


def _digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return f"{stable_seed(text):016x}"[:12]


class CellTimeout(Exception):
    """The cell exceeded its time budget."""


@contextmanager
def _time_limit(seconds: float | None):
    if not seconds:
        yield
        return

    def on_alarm(signum, frame):
        raise CellTimeout(f"cell exceeded its time limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _short_error(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" [{where.filename.rsplit('/', 1)[-1]}:{where.lineno}]" if where else ""
    return f"{type(exc).__name__}: {exc}{at}".replace("\n", " ")


def make_cell_target(spec: CellSpec) -> Target:
    return make_target(spec.target, **spec.target_params)


def run_cell(spec: CellSpec, replicate: int = 0, *, sweep_seed: int = 0, target: Target | None = None,
             timeout: float | None = None) -> list[dict]:
    """Run one replicate of a cell; return its metric rows (never raises on learner failures)."""
    replicate = check_int("replicate", replicate, minimum=0)
    cell_seed = stable_seed(spec.cell_id())
    target_seed = stable_seed(spec.target_id())
    data_rng = np.random.default_rng([sweep_seed, target_seed, spec.n_train or 0, replicate, 0])
    eval_seed = int(np.random.default_rng([sweep_seed, target_seed, spec.n_eval, replicate, 1])
                    .integers(2**63 - 1))
    fit_rng, sample_rng = (np.random.default_rng(s) for s in
                           np.random.SeedSequence([sweep_seed, cell_seed, replicate]).spawn(2))

    timing = {"fit_seconds": np.nan, "sample_seconds": np.nan, "peak_mb": np.nan}
    base = {"status": "ok", "error": ""}
    try:
        with _time_limit(timeout):
            target = make_cell_target(spec) if target is None else target
            params = dict(spec.learner_params)
            if "target" in LEARNERS.get(spec.learner).parameters:
                params["target"] = target
            learner = make_learner(spec.learner, **params)
            X = target.sample(spec.n_train, random_state=data_rng) if spec.n_train else None
            if X is None and learner.needs_data:
                raise ValueError(f"learner {spec.learner!r} needs training data: set n_train >= 1")
            start = time.perf_counter()
            learner.fit(X, random_state=fit_rng)
            timing["fit_seconds"] = time.perf_counter() - start
            start = time.perf_counter()
            Y = learner.sample(spec.n_eval, random_state=sample_rng)
            timing["sample_seconds"] = time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001  (a failed cell is recorded, the sweep goes on)
        status = "timeout" if isinstance(exc, CellTimeout) else "failed"
        timing["peak_mb"] = _peak_mb()
        return [_failed_row(m, status, exc, timing) for m in spec.metrics]

    rows = []
    for metric in spec.metrics:
        try:
            with _time_limit(timeout):
                metric_rows = evaluate_one(target, learner, Y, metric, eval_seed)
            rows.extend({**row, **base} for row in metric_rows)
        except Exception as exc:  # noqa: BLE001
            status = "timeout" if isinstance(exc, CellTimeout) else "failed"
            rows.append(_failed_row(metric, status, exc, {}))
    timing["peak_mb"] = _peak_mb()
    return [{**row, **timing} for row in rows]


def _failed_row(metric, status, exc, timing) -> dict:
    name, _ = metric_spec(metric)
    message = exc if isinstance(exc, str) else _short_error(exc)
    return {"metric": name, "estimator": "", "value": np.nan, "stderr": np.nan, "floor": np.nan,
            "floor_stderr": np.nan, "status": status, "error": message, **timing}


def failed_cell_rows(spec: CellSpec, message: str) -> list[dict]:
    """Rows of a cell that could not start (e.g. its target could not be built)."""
    timing = {"fit_seconds": np.nan, "sample_seconds": np.nan, "peak_mb": np.nan}
    return [_failed_row(m, "failed", message, timing) for m in spec.metrics]
