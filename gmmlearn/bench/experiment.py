"""One experiment cell: spec -> target -> data -> fit -> sample -> metrics -> tidy rows.

A cell (:class:`~gmmlearn.bench.cell.CellSpec`) runs once per replicate. Random streams are
derived from the *content* of the cell, never from its position in a sweep, so a cell gives the
same numbers alone or in any sweep, in any order. They are keyed on as little as possible, so
that cells differing in one setting share the rest of their randomness (common random numbers,
which sharpen every paired comparison):

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
failed row and the others still run. A learner or metric outside its precondition
(:class:`~gmmlearn.core.validation.NotApplicable`) writes ``status=skipped`` rows with the
reason instead. Each replicate runs in a forked process (:mod:`gmmlearn.bench.forked`): its time
limit stops C code too, and its peak memory is its own. :func:`tidy_rows` attaches the cell's
identity, its resolved parameters and the provenance to the rows.
"""

from __future__ import annotations

import logging
import time
import traceback
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from ..core.seeds import stable_seed
from ..core.validation import NotApplicable, ParameterError, check_float, check_int
from ..learners import LEARNERS, make_learner
from ..metrics import evaluate_one, metric_spec
from ..results.schema import order_columns, param_value
from ..targets import FAMILIES, Target, make_target
from .cell import CellSpec, resolved_params
from .forked import FitReport, ForkedResult, MetricReport, run_forked
from .provenance import git_commit, gmmlearn_version, provenance

log = logging.getLogger(__name__)

#: points per independently seeded block of training data (see nested_sample)
DATA_BLOCK = 1024


def _short_error(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" [{where.filename.rsplit('/', 1)[-1]}:{where.lineno}]" if where else ""
    return f"{type(exc).__name__}: {exc}{at}".replace("\n", " ")


def _outcome(exc: BaseException) -> tuple[str, str]:
    """(status, message) of a stage that raised: ``skipped`` with the reason for a method
    outside its precondition, else ``failed`` with the error and where it was raised."""
    if isinstance(exc, NotApplicable):
        return "skipped", str(exc).replace("\n", " ")
    return "failed", _short_error(exc)


def nested_sample(target: Target, n: int, key: int) -> np.ndarray:
    """The first n points of a seeded stream of exact samples: block b (DATA_BLOCK points) is
    drawn from its own SeedSequence([key, b]), so smaller samples are prefixes of larger ones."""
    n_blocks = -(-n // DATA_BLOCK)
    blocks = [
        target.sample(DATA_BLOCK, random_state=np.random.default_rng([key, b]))
        for b in range(n_blocks)
    ]
    return np.concatenate(blocks)[:n]


def instance_seed(spec: CellSpec, sweep_seed: int, replicate: int) -> int | None:
    """The seed of a replicate's instance: drawn from (sweep seed, replicate) when the family
    takes a ``seed`` and the spec leaves it unset -- a new instance per replicate, the same for
    every cell of that replicate (common random numbers) -- else None (pinned, or no seed)."""
    if "seed" in spec.target_params or "seed" not in FAMILIES.get(spec.target).parameters:
        return None
    return stable_seed(sweep_seed, replicate, "instance") % 2**31


def make_cell_target(spec: CellSpec, seed: int | None = None) -> Target:
    """The cell's target; ``seed`` (an instance seed) joins the spec's parameters."""
    params = spec.target_params if seed is None else {**spec.target_params, "seed": seed}
    return make_target(spec.target, **params)


def check_timeout(timeout) -> float | None:
    """A replicate's time limit: None (no limit) or a finite number of seconds > 0."""
    return (
        None if timeout is None else check_float("timeout", timeout, minimum=0.0, strict_min=True)
    )


def _learner_parameter(exc: BaseException, learner: str) -> str | None:
    """The parameter ``exc`` names, if it is a ParameterError about a parameter of the learner."""
    if isinstance(exc, ParameterError) and exc.name in LEARNERS.get(learner).parameters:
        return exc.name
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
    their values). Failures become ``status=failed`` rows with the message, a method outside
    its precondition ``status=skipped`` rows with the reason -- except, with
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

    nan_timing = {
        "fit_seconds": np.nan,
        "sample_seconds": np.nan,
        "peak_mb": np.nan,
        "cpu_seconds": np.nan,
    }
    try:
        if target is None:
            target = make_cell_target(spec, instance_seed(spec, sweep_seed, replicate))
        params = dict(spec.learner_params)
        if "target" in LEARNERS.get(spec.learner).parameters:
            params["target"] = target
        learner = make_learner(spec.learner, **params)
        if strict_parameters:
            try:
                LEARNERS.validate(spec.learner, spec.learner_params)
            except ParameterError as exc:
                raise ParameterError(exc.name, f"learner {spec.learner!r}: {exc}") from None
        if spec.n_train is None and learner.needs_data:
            raise ParameterError(
                "n_train", f"learner {spec.learner!r} needs training data: set n_train >= 1"
            )
    except Exception as exc:  # noqa: BLE001  (a failed cell is recorded, the sweep goes on)
        if strict_parameters:
            raise
        return [_stopped_row(m, *_outcome(exc), nan_timing) for m in spec.metrics]

    where = f"cell {spec.cell_id()} replicate {replicate}"

    def work(send):
        """The replicate, in the child: sends a FitReport, then one MetricReport per metric as
        each finishes."""
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
            status, message = _outcome(exc)
            send(FitReport(timing, status, message, _learner_parameter(exc, spec.learner)))
            return
        send(FitReport(timing))
        eval_seed = int(stream(target_key, spec.n_eval, 2).integers(2**63 - 1))
        for index, metric in enumerate(spec.metrics):
            start = time.perf_counter()
            try:
                report = MetricReport(index, evaluate_one(target, learner, Y, metric, eval_seed))
            except Exception as exc:  # noqa: BLE001
                report = MetricReport(index, [], *_outcome(exc))
            log.info(
                "%s: metric %s %s in %.2f s",
                where,
                metric_spec(metric)[0],
                "done" if report.status == "ok" else report.status,
                time.perf_counter() - start,
            )
            send(report)

    result = run_forked(work, timeout)
    return [
        {**row, "dim": target.dim}
        for row in _replicate_rows(spec, result, timeout, strict_parameters)
    ]


def _replicate_rows(
    spec: CellSpec, result: ForkedResult, timeout, strict_parameters: bool
) -> list[dict]:
    """The rows of a replicate from the reports of its process (see run_cell)."""
    if result.outcome == "timeout":
        status, why = "timeout", f"replicate exceeded its time limit of {timeout:g} s"
    else:
        status, why = "failed", f"replicate process {result.detail}"
    fit = next((m for m in result.messages if isinstance(m, FitReport)), None)
    timing = {"fit_seconds": np.nan, "sample_seconds": np.nan} if fit is None else fit.timing
    timing = {**timing, "peak_mb": result.peak_mb, "cpu_seconds": result.cpu_seconds}
    if fit is None:
        return [_stopped_row(m, status, why, timing) for m in spec.metrics]
    if fit.status != "ok":
        if fit.parameter is not None and strict_parameters:
            raise ParameterError(fit.parameter, f"learner {spec.learner!r}: {fit.message}")
        return [_stopped_row(m, fit.status, fit.message, timing) for m in spec.metrics]
    done = {m.index: m for m in result.messages if isinstance(m, MetricReport)}
    rows = []
    for index, metric in enumerate(spec.metrics):
        report = done.get(index)
        if report is None:
            message = f"{why} (before metric {metric_spec(metric)[0]} finished)"
            rows.append(_stopped_row(metric, status, message, {}))
        elif report.status != "ok":
            rows.append(_stopped_row(metric, report.status, report.message, {}))
        else:
            rows.extend({**row, "status": "ok", "error": ""} for row in report.rows)
    return [{**row, **timing} for row in rows]


def effective_columns(learner) -> dict:
    """``eff_<name>`` columns from a fitted learner's ``effective_params_`` (settings in effect
    where they can differ from the parameters: the degree used, ``pca:r`` or ``none``, ...)."""
    return {
        f"eff_{name}": value for name, value in getattr(learner, "effective_params_", {}).items()
    }


def _stopped_row(metric, status: str, message: str, timing: dict) -> dict:
    """The one row of a metric that did not run (``failed``, ``timeout`` or ``skipped``)."""
    name, _ = metric_spec(metric)
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
    return [_stopped_row(m, "failed", message, timing) for m in spec.metrics]


def tidy_rows(
    spec: CellSpec,
    replicate: int,
    rows: list[dict],
    *,
    sweep: str = "adhoc",
    config_hash: str = "",
    dim: int | None = None,
    commit: str | None = None,
    sweep_seed: int | None = None,
) -> pd.DataFrame:
    """The rows of a replicate with the cell's identity, its resolved target and learner
    parameters (``p_target_*`` / ``p_learner_*``: the values given, and the declared default of
    every other parameter; a seed drawn per replicate goes to ``instance_seed``, its
    ``p_target_seed`` stays empty so that the replicates of a cell group together) and the
    provenance, in schema order."""
    tp, lp = spec.target_params, spec.learner_params
    identity = {
        "sweep": sweep,
        "cell_id": spec.cell_id(),
        "family": spec.target,
        "learner": spec.learner,
        "n_train": spec.n_train,
        "n_eval": spec.n_eval,
        "dim": dim if dim is not None else tp.get("dim"),
        "k": tp.get("k"),
        "degree": lp.get("degree"),
        "replicate": replicate,
    }
    target_params, learner_params = resolved_params(spec)
    seed = None if sweep_seed is None else instance_seed(spec, sweep_seed, replicate)
    if seed is not None:  # drawn per replicate: the seed is in instance_seed, not a parameter
        target_params["seed"] = None
        identity["instance_seed"] = seed
    params = {f"p_target_{k}": param_value(v) for k, v in sorted(target_params.items())}
    params |= {f"p_learner_{k}": param_value(v) for k, v in sorted(learner_params.items())}
    where = {
        "gmmlearn_version": gmmlearn_version(),
        "git_commit": git_commit() if commit is None else commit,
        "config_hash": config_hash or spec.cell_id(),
        "sweep_seed": sweep_seed,
        **provenance(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    frame = pd.DataFrame([{**identity, **params, **row, **where} for row in rows])
    return order_columns(frame)
