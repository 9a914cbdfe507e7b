"""One experiment cell: spec -> target -> data -> fit -> sample -> metrics -> tidy rows.

A cell is (target family + parameters, learner + parameters, n_train, n_eval, metrics); it runs
once per replicate. Random streams are derived from the *content* of the cell, never from its
position in a sweep, so a cell gives the same numbers alone or in any sweep, in any order. They
are keyed on as little as possible, so that cells differing in one setting share the rest of
their randomness (common random numbers, which sharpen every paired comparison):

* training data: ``(sweep_seed, target, replicate)``, drawn in blocks of ``DATA_BLOCK`` points with
  one stream per block, so the data of a smaller n_train is a prefix of a larger one (nested);
* fitting: ``(sweep_seed, target, learner name, n_train, replicate)``: shared across learner
  parameters (all degrees of a degree sweep see the same noise);
* sampling: ``(sweep_seed, target, n_eval, replicate)``: shared by every learner (same initial
  noise for every step count of a sampler sweep);
* evaluation (floor samples, projection planes): ``(sweep_seed, target, n_eval, replicate)`` in a
  separate stream, and one sub-stream per metric name inside :func:`~gmmlearn.metrics.evaluate`.

Failures never escape: a cell whose fit or sampling fails writes one row per requested metric
with ``status=failed`` (or ``timeout``) and the message; a metric that fails writes its own
failed row and the others still run.
"""

from __future__ import annotations

import json
import signal
import time
import traceback
import tracemalloc
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


@contextmanager
def _traced_peak(timing: dict):
    """Peak of memory allocated through Python and numpy (tracemalloc) inside the block, in MB:
    the learner's own footprint, not the process's (imports, earlier replicates, metrics)."""
    tracemalloc.start()
    try:
        yield
    finally:
        timing["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()


def _short_error(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" [{where.filename.rsplit('/', 1)[-1]}:{where.lineno}]" if where else ""
    return f"{type(exc).__name__}: {exc}{at}".replace("\n", " ")


#: points per independently seeded block of training data (see nested_sample)
DATA_BLOCK = 1024


def nested_sample(target: Target, n: int, key: int) -> np.ndarray:
    """The first n points of a seeded stream of exact samples: block b (DATA_BLOCK points) is
    drawn from its own SeedSequence([key, b]), so smaller samples are prefixes of larger ones."""
    n_blocks = -(-n // DATA_BLOCK)
    blocks = [target.sample(DATA_BLOCK, random_state=np.random.default_rng([key, b]))
              for b in range(n_blocks)]
    return np.concatenate(blocks)[:n]


def make_cell_target(spec: CellSpec) -> Target:
    return make_target(spec.target, **spec.target_params)


def run_cell(spec: CellSpec, replicate: int = 0, *, sweep_seed: int = 0, target: Target | None = None,
             timeout: float | None = None) -> list[dict]:
    """Run one replicate of a cell; return its metric rows (never raises on learner failures)."""
    replicate = check_int("replicate", replicate, minimum=0)
    target_key = stable_seed(spec.target_id())
    fit_key = stable_seed(spec.target_id(), spec.learner, spec.n_train)

    def stream(*key):
        return np.random.default_rng(np.random.SeedSequence([sweep_seed, *key, replicate]))

    fit_rng = stream(fit_key, 0)
    sample_rng = stream(target_key, spec.n_eval, 1)
    eval_seed = int(stream(target_key, spec.n_eval, 2).integers(2**63 - 1))
    data_key = stable_seed(sweep_seed, target_key, replicate, "data")

    timing = {"fit_seconds": np.nan, "sample_seconds": np.nan, "peak_mb": np.nan}
    base = {"status": "ok", "error": ""}
    try:
        with _time_limit(timeout):
            target = make_cell_target(spec) if target is None else target
            params = dict(spec.learner_params)
            if "target" in LEARNERS.get(spec.learner).parameters:
                params["target"] = target
            learner = make_learner(spec.learner, **params)
            X = nested_sample(target, spec.n_train, data_key) if spec.n_train else None
            if X is None and learner.needs_data:
                raise ValueError(f"learner {spec.learner!r} needs training data: set n_train >= 1")
            with _traced_peak(timing):
                start = time.perf_counter()
                learner.fit(X, random_state=fit_rng)
                timing["fit_seconds"] = time.perf_counter() - start
                timing |= effective_columns(learner)
                start = time.perf_counter()
                Y = learner.sample(spec.n_eval, random_state=sample_rng)
                timing["sample_seconds"] = time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001  (a failed cell is recorded, the sweep goes on)
        status = "timeout" if isinstance(exc, CellTimeout) else "failed"
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
    return [{**row, **timing} for row in rows]


def effective_columns(learner) -> dict:
    """``eff_<name>`` columns from a fitted learner's ``effective_params_`` (settings in effect
    where they can differ from the parameters: the degree used, ``pca:r`` or ``none``, ...)."""
    return {f"eff_{name}": value for name, value in getattr(learner, "effective_params_", {}).items()}


def _failed_row(metric, status, exc, timing) -> dict:
    name, _ = metric_spec(metric)
    message = exc if isinstance(exc, str) else _short_error(exc)
    return {"metric": name, "estimator": "", "value": np.nan, "stderr": np.nan, "floor": np.nan,
            "floor_stderr": np.nan, "status": status, "error": message, **timing}


def failed_cell_rows(spec: CellSpec, message: str) -> list[dict]:
    """Rows of a cell that could not start (e.g. its target could not be built)."""
    timing = {"fit_seconds": np.nan, "sample_seconds": np.nan, "peak_mb": np.nan}
    return [_failed_row(m, "failed", message, timing) for m in spec.metrics]
