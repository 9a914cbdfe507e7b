"""Commands that compute cells: ``run`` (one ad-hoc cell from flags), ``instance`` and ``cell``
(what the workflow's rules call)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..core.atomic import STDOUT
from .common import (
    OK,
    Command,
    exit_code,
    integer,
    json_argument,
    key_value,
    messages,
    metric,
    seconds,
)

log = logging.getLogger("gmmlearn")


def _print_rows(frame, stream) -> None:
    for _, r in frame.iterrows():
        if r["status"] == "ok":
            print(
                f"{r['metric']:>14} {r['estimator']:<22} {r['value']:.5g} ± {r['stderr']:.2g}"
                f"   floor {r['floor']:.5g} ± {r['floor_stderr']:.2g}",
                file=stream,
            )
        else:
            print(f"{r['metric']:>14} {r['status']}: {r['error']}", file=stream)


def add_run_arguments(p) -> None:
    p.add_argument("--target", required=True, help="target family (gmmlearn list families)")
    p.add_argument(
        "--target-param",
        type=key_value,
        action="append",
        metavar="KEY=VALUE",
        help="repeatable; VALUE is YAML 1.2 (3, 5e-1, [0.3, 0.7], text)",
    )
    p.add_argument("--learner", required=True, help="learner (gmmlearn list learners)")
    p.add_argument("--learner-param", type=key_value, action="append", metavar="KEY=VALUE")
    p.add_argument(
        "--n-train",
        type=integer("n_train", 1),
        default=None,
        help="training sample size (omit for oracle/exact)",
    )
    p.add_argument(
        "--n-eval",
        type=integer("n_eval", 2),
        default=10_000,
        help="learner samples drawn for the metrics",
    )
    p.add_argument(
        "--metric",
        type=metric,
        action="append",
        metavar="NAME[:{PARAMS}]",
        help="metric, repeatable (default tv_projected, w2), e.g. 'w2:{n_subsample: 500}'",
    )
    p.add_argument("--seed", type=integer("seed", 0), default=0, help="sweep seed (>= 0)")
    p.add_argument("--replicate", type=integer("replicate", 0), default=0)
    p.add_argument("--sweep", default="adhoc")
    p.add_argument(
        "--timeout",
        type=seconds,
        default=None,
        help="seconds before the replicate is stopped and marked timeout",
    )
    p.add_argument("--out", required=True, help="CSV file for the rows ('-': standard output)")


def run_run(args) -> int:
    from ..bench.cell import CellSpec
    from ..bench.experiment import make_cell_target, run_cell, tidy_rows
    from ..core.atomic import writable_destination
    from ..results.io import write_table

    if str(args.out) != STDOUT:
        writable_destination(args.out)  # refuse a bad destination before computing anything
    spec = CellSpec(
        target=args.target,
        target_params=dict(args.target_param or []),
        learner=args.learner,
        learner_params=dict(args.learner_param or []),
        n_train=args.n_train,
        n_eval=args.n_eval,
        metrics=args.metric or ["tv_projected", "w2"],
    )
    target = make_cell_target(spec)  # invalid target parameters are a usage error here
    rows = run_cell(
        spec,
        args.replicate,
        sweep_seed=args.seed,
        target=target,
        timeout=args.timeout,
        strict_parameters=True,
    )
    frame = tidy_rows(
        spec, args.replicate, rows, sweep=args.sweep, dim=target.dim, sweep_seed=args.seed
    )
    write_table(frame, args.out)
    stream = messages(args.out)
    _print_rows(frame, stream)
    print(f"wrote {len(frame)} rows to {args.out}", file=stream)
    return exit_code(frame)


def add_instance_arguments(p) -> None:
    p.add_argument("--spec", required=True, help='JSON {"name": ..., "params": {...}}')
    p.add_argument("--out", required=True)


def run_instance(args) -> int:
    """Materialise a target as JSON; a bad target records its error instead of failing."""
    from ..core.atomic import write_text
    from ..targets import make_target

    spec = json_argument("--spec", args.spec)
    try:
        record = make_target(spec["name"], **spec.get("params", {})).to_dict()
    except Exception as exc:  # noqa: BLE001  (the cells of this target will record the failure)
        record = {"error": f"{type(exc).__name__}: {exc}", "spec": spec}
    write_text(args.out, json.dumps(record))
    return OK


def add_cell_arguments(p) -> None:
    p.add_argument("--spec", required=True)
    p.add_argument("--target-file")
    p.add_argument("--sweep", required=True)
    p.add_argument("--sweep-seed", type=integer("sweep_seed", 0), required=True)
    p.add_argument("--config-hash", default="")
    p.add_argument(
        "--replicates", type=integer("replicates", 1), required=True, help="runs replicates 0..R-1"
    )
    p.add_argument("--timeout", type=seconds, default=None, help="seconds per replicate")
    p.add_argument("--out", required=True)


def run_cell_command(args) -> int:
    """Run replicates 0..R-1 of a cell (the workflow's job); rows of all replicates in one file."""
    import pandas as pd

    from ..bench.cell import CellSpec
    from ..bench.experiment import failed_cell_rows, run_cell, tidy_rows
    from ..results.io import write_table
    from ..targets import target_from_dict

    spec = CellSpec.from_dict(json_argument("--spec", args.spec))
    target, dim, target_error = None, None, None
    if args.target_file:
        record = json_argument("--target-file", Path(args.target_file).read_text())
        if "error" in record:
            target_error = f"target could not be built: {record['error']}"
        else:
            target = target_from_dict(record)
            dim = target.dim

    def rows(replicate):
        if target_error:
            return failed_cell_rows(spec, target_error)
        log.info("cell %s: replicate %d of %d", spec.cell_id(), replicate + 1, args.replicates)
        return run_cell(
            spec, replicate, sweep_seed=args.sweep_seed, target=target, timeout=args.timeout
        )

    frames = [
        tidy_rows(
            spec,
            r,
            rows(r),
            sweep=args.sweep,
            config_hash=args.config_hash,
            dim=dim,
            sweep_seed=args.sweep_seed,
        )
        for r in range(args.replicates)
    ]
    frame = pd.concat(frames, ignore_index=True)
    write_table(frame, args.out)
    return exit_code(frame)


COMMANDS = [
    Command("run", "run one experiment cell and write its tidy rows", add_run_arguments, run_run),
    Command("instance", "(workflow) write a target as JSON", add_instance_arguments, run_instance),
    Command(
        "cell",
        "(workflow) run the replicates of a cell given as JSON",
        add_cell_arguments,
        run_cell_command,
    ),
]
