"""Commands that compute cells: ``run`` (one ad-hoc cell from flags) and ``cell`` (what the
workflow's rules call: a batch of replicates of a chunk of cells)."""

from __future__ import annotations

import logging

from ..core.atomic import STDOUT
from .common import (
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
    from ..bench.experiment import instance_seed, make_cell_target, run_cell, tidy_rows
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
    # invalid target parameters are a usage error here
    target = make_cell_target(spec, instance_seed(spec, args.seed, args.replicate))
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


def add_cell_arguments(p) -> None:
    p.add_argument(
        "--spec",
        required=True,
        action="append",
        help="a cell as JSON (repeatable: the cells of one job, run one after another)",
    )
    p.add_argument("--sweep", required=True)
    p.add_argument("--sweep-seed", type=integer("sweep_seed", 0), required=True)
    p.add_argument("--config-hash", default="")
    p.add_argument("--first", type=integer("first", 0), required=True, help="first replicate")
    p.add_argument("--last", type=integer("last", 0), required=True, help="last replicate")
    p.add_argument("--timeout", type=seconds, default=None, help="seconds per replicate")
    p.add_argument("--out", required=True)


def run_cell_command(args) -> int:
    """Run replicates first..last of each given cell (the workflow's job: one batch of a chunk of
    cells); the rows of every cell and replicate in one file. A replicate's numbers depend on
    the cell, the sweep seed and the replicate only, never on the batch or the chunk."""
    import pandas as pd

    from ..bench.cell import CellSpec
    from ..bench.experiment import run_cell, tidy_rows
    from ..results.io import write_table

    if args.last < args.first:
        raise ValueError(f"--last ({args.last}) must be >= --first ({args.first})")
    specs = [CellSpec.from_dict(json_argument("--spec", text)) for text in args.spec]
    frames = []
    for spec in specs:
        for replicate in range(args.first, args.last + 1):
            log.info("cell %s: replicate %d", spec.cell_id(), replicate)
            rows = run_cell(spec, replicate, sweep_seed=args.sweep_seed, timeout=args.timeout)
            frames.append(
                tidy_rows(
                    spec,
                    replicate,
                    rows,
                    sweep=args.sweep,
                    config_hash=args.config_hash,
                    sweep_seed=args.sweep_seed,
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    write_table(frame, args.out)
    return exit_code(frame)


COMMANDS = [
    Command("run", "run one experiment cell and write its tidy rows", add_run_arguments, run_run),
    Command(
        "cell",
        "(workflow) run replicates first..last of cells given as JSON",
        add_cell_arguments,
        run_cell_command,
    ),
]
