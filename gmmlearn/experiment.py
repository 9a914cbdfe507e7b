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
failed row and the others still run. Each replicate runs in a forked process
(:mod:`gmmlearn.forked`): its time limit stops C code too, and its peak memory is its own.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from dataclasses import asdict, dataclass, field

import numpy as np

from .forked import run_forked
from .learners import LEARNERS, make_learner
from .metrics import METRICS, evaluate_one, metric_spec
from .metrics.base import stable_seed
from .targets import Target, make_target
from .validation import ParameterError, check_float, check_int

log = logging.getLogger(__name__)


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
        if not isinstance(self.metrics, list) or not self.metrics:
            raise ParameterError(
                "metrics", f"metrics must be a non-empty list, got {self.metrics!r}"
            )
        for spec in self.metrics:
            name, params = metric_spec(spec)
            needed = getattr(METRICS.get(name).factory, "min_samples", None)
            if needed is not None and self.n_eval < needed(**params):
                raise ParameterError(
                    "n_eval",
                    f"n_eval={self.n_eval} is too small for metric {name!r}: "
                    f"it needs n_eval >= {needed(**params)}",
                )
        LEARNERS.get(self.learner)
        for name, params in (
            ("target_params", self.target_params),
            ("learner_params", self.learner_params),
        ):
            if not isinstance(params, dict):
                raise ParameterError(
                    name, f"{name} must be a mapping of parameter names to values, got {params!r}"
                )

    @classmethod
    def from_dict(cls, data: dict) -> CellSpec:
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
    blocks = [
        target.sample(DATA_BLOCK, random_state=np.random.default_rng([key, b]))
        for b in range(n_blocks)
    ]
    return np.concatenate(blocks)[:n]


def make_cell_target(spec: CellSpec) -> Target:
    return make_target(spec.target, **spec.target_params)


def check_timeout(timeout) -> float | None:
    """A replicate's time limit: None (no limit) or a finite number of seconds > 0."""
    return (
        None if timeout is None else check_float("timeout", timeout, minimum=0.0, strict_min=True)
    )


def _learner_parameter(exc: BaseException, learner: str) -> tuple[str, str] | None:
    """(parameter, message) if ``exc`` is a ParameterError naming a parameter of the learner."""
    if isinstance(exc, ParameterError) and exc.name in LEARNERS.get(learner).parameters:
        return exc.name, str(exc)
    return None


def run_cell(
    spec: CellSpec,
    replicate: int = 0,
    *,
    sweep_seed: int = 0,
    target: Target | None = None,
    timeout: float | None = None,
    strict_parameters: bool = False,
) -> list[dict]:
    """Run one replicate of a cell; return its metric rows.

    The replicate (data, fit, sampling, metrics) runs in a forked process, killed after
    ``timeout`` seconds: its rows then have ``status=timeout`` (the metrics it finished keep
    their values). Failures become ``status=failed`` rows with the message -- except, with
    ``strict_parameters``, an unknown or invalid learner parameter, which raises a ValueError
    naming it (bad input, not a failed cell).
    """
    replicate = check_int("replicate", replicate, minimum=0)
    sweep_seed = check_int("sweep_seed", sweep_seed, minimum=0)
    timeout = check_timeout(timeout)
    target_key = stable_seed(spec.target_id())
    fit_key = stable_seed(spec.target_id(), spec.learner, spec.n_train)

    def stream(*key):
        return np.random.default_rng(np.random.SeedSequence([sweep_seed, *key, replicate]))

    nan_timing = {"fit_seconds": np.nan, "sample_seconds": np.nan, "peak_mb": np.nan}
    try:
        target = make_cell_target(spec) if target is None else target
        params = dict(spec.learner_params)
        if "target" in LEARNERS.get(spec.learner).parameters:
            params["target"] = target
        learner = make_learner(spec.learner, **params)
        if spec.n_train is None and learner.needs_data:
            raise ParameterError(
                "n_train", f"learner {spec.learner!r} needs training data: set n_train >= 1"
            )
    except Exception as exc:  # noqa: BLE001  (a failed cell is recorded, the sweep goes on)
        if strict_parameters:
            raise
        return [_failed_row(m, "failed", exc, nan_timing) for m in spec.metrics]

    where = f"cell {spec.cell_id()} replicate {replicate}"

    def work(send):
        """The replicate, in the child: sends ("fit", timing, error, parameter), then one
        ("metric", index, rows, error) per metric as each finishes."""
        timing = {"fit_seconds": np.nan, "sample_seconds": np.nan}
        try:
            start = time.perf_counter()
            X = None
            if spec.n_train:
                X = nested_sample(
                    target, spec.n_train, stable_seed(sweep_seed, target_key, replicate, "data")
                )
                log.info(
                    "%s: %d training points drawn in %.2f s",
                    where,
                    len(X),
                    time.perf_counter() - start,
                )
            start = time.perf_counter()
            learner.fit(X, random_state=stream(fit_key, 0))
            timing["fit_seconds"] = time.perf_counter() - start
            timing |= effective_columns(learner)
            log.info("%s: %s fitted in %.2f s", where, spec.learner, timing["fit_seconds"])
            start = time.perf_counter()
            Y = learner.sample(spec.n_eval, random_state=stream(target_key, spec.n_eval, 1))
            timing["sample_seconds"] = time.perf_counter() - start
            log.info("%s: %d samples drawn in %.2f s", where, spec.n_eval, timing["sample_seconds"])
        except Exception as exc:  # noqa: BLE001
            send(("fit", timing, _short_error(exc), _learner_parameter(exc, spec.learner)))
            return
        send(("fit", timing, None, None))
        eval_seed = int(stream(target_key, spec.n_eval, 2).integers(2**63 - 1))
        for index, metric in enumerate(spec.metrics):
            start = time.perf_counter()
            try:
                rows, error = evaluate_one(target, learner, Y, metric, eval_seed), None
            except Exception as exc:  # noqa: BLE001
                rows, error = [], _short_error(exc)
            log.info(
                "%s: metric %s %s in %.2f s",
                where,
                metric_spec(metric)[0],
                "failed" if error else "done",
                time.perf_counter() - start,
            )
            send(("metric", index, rows, error))

    result = run_forked(work, timeout)
    return _replicate_rows(spec, result, timeout, strict_parameters)


def _replicate_rows(spec: CellSpec, result, timeout, strict_parameters: bool) -> list[dict]:
    """The rows of a replicate from the messages of its process (see run_cell)."""
    if result.outcome == "timeout":
        status, why = "timeout", f"replicate exceeded its time limit of {timeout:g} s"
    else:
        status, why = "failed", f"replicate process {result.detail}"
    fit = next((m for m in result.messages if m[0] == "fit"), None)
    timing = {"fit_seconds": np.nan, "sample_seconds": np.nan} if fit is None else fit[1]
    timing = {**timing, "peak_mb": result.peak_mb}
    if fit is None or fit[2] is not None:
        if fit is not None and fit[3] is not None and strict_parameters:
            raise ParameterError(fit[3][0], f"learner {spec.learner!r}: {fit[3][1]}")
        message = why if fit is None else fit[2]
        return [
            _failed_row(m, status if fit is None else "failed", message, timing)
            for m in spec.metrics
        ]
    done = {m[1]: m for m in result.messages if m[0] == "metric"}
    rows = []
    for index, metric in enumerate(spec.metrics):
        if index not in done:
            rows.append(
                _failed_row(
                    metric, status, f"{why} (before metric {metric_spec(metric)[0]} finished)", {}
                )
            )
        elif done[index][3] is not None:
            rows.append(_failed_row(metric, "failed", done[index][3], {}))
        else:
            rows.extend({**row, "status": "ok", "error": ""} for row in done[index][2])
    return [{**row, **timing} for row in rows]


def effective_columns(learner) -> dict:
    """``eff_<name>`` columns from a fitted learner's ``effective_params_`` (settings in effect
    where they can differ from the parameters: the degree used, ``pca:r`` or ``none``, ...)."""
    return {
        f"eff_{name}": value for name, value in getattr(learner, "effective_params_", {}).items()
    }


def _failed_row(metric, status, exc, timing) -> dict:
    name, _ = metric_spec(metric)
    message = exc if isinstance(exc, str) else _short_error(exc)
    return {
        "metric": name,
        "estimator": "",
        "value": np.nan,
        "stderr": np.nan,
        "floor": np.nan,
        "floor_stderr": np.nan,
        "status": status,
        "error": message,
        **timing,
    }


def failed_cell_rows(spec: CellSpec, message: str) -> list[dict]:
    """Rows of a cell that could not start (e.g. its target could not be built)."""
    timing = {"fit_seconds": np.nan, "sample_seconds": np.nan, "peak_mb": np.nan}
    return [_failed_row(m, "failed", message, timing) for m in spec.metrics]
