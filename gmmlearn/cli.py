"""The ``gmmlearn`` command: list, run, instance, cell, aggregate, status, figure, claims, index,
compare, baseline, history, expand.

``run`` is one ad-hoc cell from flags; ``instance`` / ``cell`` / ``aggregate`` / ``status`` /
``figure`` / ``claims`` / ``index`` are what the Snakemake rules call; ``compare`` / ``baseline`` /
``history`` track results across versions; ``expand`` prints a config's cells.

Exit codes: 0 ok; 1 ``compare`` found something worse or now failing; 2 bad input (a message
names the parameter and its allowed range: unknown or invalid parameters, unreadable or wrong
files); 3 a cell failed or timed out (its rows are written with ``status=failed``/``timeout``).
A traceback is a bug.

A new subcommand is a ``cmd_<name>(args) -> exit code`` function plus its parser entry in
:func:`build_parser`; raise ValueError (or OSError) for bad input.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import math
import sys
from pathlib import Path

from . import yaml12
from .validation import check_int

log = logging.getLogger("gmmlearn")

#: exit codes (README "Exit codes")
OK, BAD_INPUT, CELL_FAILED = 0, 2, 3

#: the value of --out that means standard output
STDOUT = "-"

#: factory arguments the workflow supplies, not shown as parameters
INJECTED = ("target", "learner", "Y", "rng", "summary", "out_prefix", "title", "claims")


# -- argument types: each raises ArgumentTypeError naming what it expects (argparse exits 2) ---
def _key_value(text: str) -> tuple[str, object]:
    """KEY=VALUE with VALUE read as YAML 1.2 (``k=3`` int, ``sigma=5e-1`` float, ``x=yes`` text)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip(), yaml12.load(raw)
    except yaml12.YAMLError as exc:
        raise argparse.ArgumentTypeError(
            f"{key.strip()}: cannot read {raw!r} as a YAML value: {str(exc).splitlines()[0]}"
        ) from None


def _claim_sweep(text: str) -> tuple[str, str]:
    """``ID=SWEEP``: a claim pointed at a sweep; the claim must exist."""
    from .claims import CLAIMS

    claim, sep, sweep = text.partition("=")
    if not sep or not sweep:
        raise argparse.ArgumentTypeError(f"expected ID=SWEEP, got {text!r}")
    try:
        CLAIMS.get(claim)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return claim, sweep


def _metric(text: str):
    """A metric name, or ``name:{key: value, ...}`` (a YAML mapping of its parameters)."""
    name, sep, raw = text.partition(":")
    if not name.strip():
        raise argparse.ArgumentTypeError(f"expected a metric name or name:{{params}}, got {text!r}")
    if not sep:
        return name.strip()
    try:
        params = yaml12.load(raw)
    except yaml12.YAMLError as exc:
        raise argparse.ArgumentTypeError(
            f"metric {name.strip()!r}: cannot read its parameters {raw!r} "
            f"as YAML: {str(exc).splitlines()[0]}"
        ) from None
    if not isinstance(params, dict):
        raise argparse.ArgumentTypeError(
            f"metric {name.strip()!r}: parameters must be a mapping like "
            f"{{n_subsample: 500}}, got {raw!r}"
        )
    return {"name": name.strip(), "params": params}


def _integer(name: str, minimum: int):
    """An integer >= minimum (YAML 1.2 text: ``1e3`` is 1000; ``true`` and ``1.5`` are errors)."""

    def parse(text: str) -> int:
        try:
            return check_int(name, yaml12.resolve(text), minimum=minimum)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be an integer >= {minimum}, got {text!r}"
            ) from None

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"timeout must be a finite number of seconds > 0, got {text!r}"
        )
    return value


# -- helpers -------------------------------------------------------------------------------
def _messages(*outs) -> object:
    """Where human-readable messages go: stderr when a table is written to standard output."""
    return sys.stderr if STDOUT in map(str, outs) else sys.stdout


def _registries() -> dict:
    from . import FAMILIES, LEARNERS, METRICS
    from .claims import CLAIMS
    from .figures import FIGURES

    return {
        "families": FAMILIES,
        "learners": LEARNERS,
        "metrics": METRICS,
        "figures": FIGURES,
        "claims": CLAIMS,
    }


def _shown_parameters(entry) -> dict:
    return {name: default for name, default in entry.parameters.items() if name not in INJECTED}


def _describe(title: str, registry) -> str:
    lines = [f"{title}:"]
    for entry in registry.describe():
        params = ", ".join(
            name if default is inspect.Parameter.empty else f"{name}={default!r}"
            for name, default in _shown_parameters(entry).items()
        )
        lines.append(f"  {entry.name}({params})\n      {entry.summary}")
    return "\n".join(lines)


def _as_json(title: str, registry) -> list[dict]:
    def plain(value):
        return list(value) if isinstance(value, tuple) else value

    return [
        {
            "name": entry.name,
            "summary": entry.summary,
            "parameters": [
                {
                    "name": name,
                    "required": default is inspect.Parameter.empty,
                    "default": None if default is inspect.Parameter.empty else plain(default),
                }
                for name, default in _shown_parameters(entry).items()
            ],
        }
        for entry in registry.describe()
    ]


# -- commands ------------------------------------------------------------------------------
def cmd_list(args) -> int:
    registries = _registries()
    chosen = [args.what] if args.what else list(registries)
    if args.json:
        print(json.dumps({w: _as_json(w, registries[w]) for w in chosen}, indent=1, default=repr))
    else:
        print("\n\n".join(_describe(w, registries[w]) for w in chosen))
    return OK


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


def _exit_code(frame) -> int:
    return OK if (frame["status"] == "ok").all() else CELL_FAILED


def cmd_run(args) -> int:
    from .atomic import writable_destination
    from .experiment import CellSpec, make_cell_target, run_cell
    from .results import tidy_rows, write_table

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
    stream = _messages(args.out)
    _print_rows(frame, stream)
    print(f"wrote {len(frame)} rows to {args.out}", file=stream)
    return _exit_code(frame)


def cmd_instance(args) -> int:
    """Materialise a target as JSON; a bad target records its error instead of failing."""
    from .atomic import write_text
    from .targets import make_target

    spec = _json_argument("--spec", args.spec)
    try:
        record = make_target(spec["name"], **spec.get("params", {})).to_dict()
    except Exception as exc:  # noqa: BLE001  (the cells of this target will record the failure)
        record = {"error": f"{type(exc).__name__}: {exc}", "spec": spec}
    write_text(args.out, json.dumps(record))
    return OK


def _json_argument(flag: str, text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{flag} must be JSON: {exc}") from None


def cmd_cell(args) -> int:
    """Run replicates 0..R-1 of a cell (the workflow's job); rows of all replicates in one file."""
    import pandas as pd

    from .experiment import CellSpec, failed_cell_rows, run_cell
    from .results import tidy_rows, write_table
    from .targets import target_from_dict

    spec = CellSpec.from_dict(_json_argument("--spec", args.spec))
    target, dim, target_error = None, None, None
    if args.target_file:
        record = _json_argument("--target-file", Path(args.target_file).read_text())
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
    return _exit_code(frame)


def cmd_aggregate(args) -> int:
    from .results import aggregate, check_single_run, check_unique_rows, read_results, write_table

    if str(args.out) == STDOUT and str(args.summary) == STDOUT:
        raise ValueError("--out and --summary cannot both be '-' (standard output)")
    frame = read_results(*args.inputs, source=True)
    check_unique_rows(frame)
    if not args.allow_mixed:
        check_single_run(frame)
    frame = frame.drop(columns="source")
    write_table(frame, args.out)
    summary = aggregate(frame)
    write_table(summary, args.summary)
    failed = int((frame["status"] != "ok").sum())
    print(
        f"{len(frame)} rows ({failed} not ok) -> {args.out}; {len(summary)} groups -> {args.summary}",
        file=_messages(args.out, args.summary),
    )
    return OK


def cmd_status(args) -> int:
    """Counts of ok / failed / timeout rows per sweep and the failed cells with their errors."""
    from .atomic import write_text
    from .results import read_results

    frame = read_results(*args.inputs)
    lines = []
    for sweep, rows in frame.groupby("sweep", sort=True):
        counts = rows["status"].value_counts()
        cells = rows.groupby("cell_id")["status"].agg(lambda s: (s != "ok").any())
        lines.append(
            f"{sweep}: {rows['cell_id'].nunique()} cells, {len(rows)} rows: "
            + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("ok", "failed", "timeout"))
            + f"; {int(cells.sum())} cell(s) with a failure"
        )
        bad = rows[rows["status"] != "ok"].drop_duplicates(["cell_id", "replicate", "error"])
        for _, r in bad.head(args.max_errors).iterrows():
            lines.append(
                f"  {r['status']}: cell {r['cell_id']} ({r['family']} / {r['learner']}) "
                f"replicate {r['replicate']}, {r['metric']}: {r['error']}"
            )
        if len(bad) > args.max_errors:
            lines.append(f"  ... and {len(bad) - args.max_errors} more")
    report = "\n".join(lines) + "\n"
    failing = bool((frame["status"] != "ok").any())
    if args.out and not (args.strict and failing):
        write_text(args.out, report)
    stream = sys.stderr if args.strict and failing else _messages(args.out or "")
    print(report, end="", file=stream)
    if args.strict and failing:
        print("strict: some cells failed or timed out (see above)", file=sys.stderr)
        return CELL_FAILED
    return OK


def cmd_figure(args) -> int:
    from .figures import make_figure
    from .figures.common import overlay_runs
    from .results import read_summary, read_table

    if str(args.out) == STDOUT:
        raise ValueError(
            "figure --out is a file prefix (it writes <prefix>.pdf and <prefix>.png), not '-'"
        )
    summaries = [read_summary(path) for path in args.summary]
    labels = args.labels or [chr(ord("A") + i) for i in range(len(summaries))]
    summary = (
        summaries[0] if len(summaries) == 1 and not args.labels else overlay_runs(summaries, labels)
    )
    claims = read_table(args.claims, ("claim",), "claims table") if args.claims else None
    for path in make_figure(args.name, summary, args.out, title=args.title or "", claims=claims):
        print(f"wrote {path}")
    return OK


def cmd_claims(args) -> int:
    """The claims table of a results folder (one row per claim and per control)."""
    from .atomic import write_text
    from .claims import evaluate_claims, to_markdown
    from .results import write_table

    table = evaluate_claims(
        args.results_dir, sweeps=args.sweep or None, sweep_of=dict(args.claim or [])
    )
    for out in args.out:
        if str(out).endswith(".md"):
            write_text(out, to_markdown(table))
        else:
            write_table(table, out)
    counts = table[table["role"] == "claim"]["verdict"].value_counts().to_dict()
    controls = table[table["role"] == "control"]
    print(
        f"{len(table) // 2} claims: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + f"; controls failing as they must: {(controls['verdict'] == 'fail').sum()} of {len(controls)}"
        + f" -> {', '.join(args.out)}",
        file=_messages(*args.out),
    )
    return OK


def cmd_index(args) -> int:
    """paper_figures/index.md: each figure of a config with its claims' verdicts."""
    from .atomic import write_text
    from .index import build_index
    from .results import read_table

    write_text(
        args.out,
        build_index(
            args.config,
            read_table(args.claims, ("claim",), "claims table"),
            args.out,
            args.figures_dir,
            args.results_dir,
        ),
    )
    print(f"wrote {args.out}", file=_messages(args.out))
    return OK


def cmd_compare(args) -> int:
    from .compare_report import compare_command

    return compare_command(
        args.base,
        args.new,
        out=args.out,
        a=args.a,
        b=args.b,
        configfile=args.configfile,
        cores=args.cores,
        allow_seed_mismatch=args.allow_seed_mismatch,
        alpha=args.alpha,
        history_dir=args.history,
    )


def cmd_baseline(args) -> int:
    from .history import update_baseline

    sweeps = update_baseline(args.results, args.baseline, args.configfile)
    print(f"baseline {args.baseline} <- {args.results}: {', '.join(sweeps)}")
    return OK


def cmd_history(args) -> int:
    from .compare import parse_filter
    from .history import archive, load_history, plot_history

    if args.archive:
        print(f"archived {args.archive} -> {archive(args.archive, args.history)}")
        return OK
    if not args.metric:
        raise ValueError("history needs a METRIC to plot (or --archive RESULTS)")
    history = load_history(args.history)
    filters = parse_filter(",".join(args.where or []))
    for path in plot_history(
        history, args.metric, args.out, estimator=args.estimator, filters=filters
    ):
        print(f"wrote {path}")
    return OK


def cmd_expand(args) -> int:
    from .sweeps import load_config

    config = load_config(args.config)
    for sweep in config.sweeps.values():
        print(
            f"{sweep.name}: {len(sweep.cells)} cells x {sweep.replicates} replicates "
            f"(config hash {sweep.config_hash})"
        )
        if args.verbose:
            for cell_id, spec in sweep.cells.items():
                print(f"  {cell_id} {json.dumps(spec.as_dict(), sort_keys=True)}")
    return OK


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="gmmlearn", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"gmmlearn {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log each stage of a cell (data, fit, sample, metrics) with timings",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="families, learners, metrics and figures with their parameters")
    p.add_argument(
        "what", nargs="?", choices=["families", "learners", "metrics", "figures", "claims"]
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="run one experiment cell and write its tidy rows")
    p.add_argument("--target", required=True, help="target family (gmmlearn list families)")
    p.add_argument(
        "--target-param",
        type=_key_value,
        action="append",
        metavar="KEY=VALUE",
        help="repeatable; VALUE is YAML 1.2 (3, 5e-1, [0.3, 0.7], text)",
    )
    p.add_argument("--learner", required=True, help="learner (gmmlearn list learners)")
    p.add_argument("--learner-param", type=_key_value, action="append", metavar="KEY=VALUE")
    p.add_argument(
        "--n-train",
        type=_integer("n_train", 1),
        default=None,
        help="training sample size (omit for oracle/exact)",
    )
    p.add_argument(
        "--n-eval",
        type=_integer("n_eval", 2),
        default=10_000,
        help="learner samples drawn for the metrics",
    )
    p.add_argument(
        "--metric",
        type=_metric,
        action="append",
        metavar="NAME[:{PARAMS}]",
        help="metric, repeatable (default tv_projected, w2), e.g. 'w2:{n_subsample: 500}'",
    )
    p.add_argument("--seed", type=_integer("seed", 0), default=0, help="sweep seed (>= 0)")
    p.add_argument("--replicate", type=_integer("replicate", 0), default=0)
    p.add_argument("--sweep", default="adhoc")
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        help="seconds before the replicate is stopped and marked timeout",
    )
    p.add_argument("--out", required=True, help="CSV file for the rows ('-': standard output)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("instance", help="(workflow) write a target as JSON")
    p.add_argument("--spec", required=True, help='JSON {"name": ..., "params": {...}}')
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_instance)

    p = sub.add_parser("cell", help="(workflow) run the replicates of a cell given as JSON")
    p.add_argument("--spec", required=True)
    p.add_argument("--target-file")
    p.add_argument("--sweep", required=True)
    p.add_argument("--sweep-seed", type=_integer("sweep_seed", 0), required=True)
    p.add_argument("--config-hash", default="")
    p.add_argument(
        "--replicates", type=_integer("replicates", 1), required=True, help="runs replicates 0..R-1"
    )
    p.add_argument("--timeout", type=_seconds, default=None, help="seconds per replicate")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_cell)

    p = sub.add_parser("aggregate", help="concatenate cell tables and summarise over seeds")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument(
        "--allow-mixed",
        action="store_true",
        help="pool rows of several commits or config hashes (never duplicate rows)",
    )
    p.set_defaults(func=cmd_aggregate)

    p = sub.add_parser("status", help="count ok / failed / timeout rows and list the failures")
    p.add_argument("inputs", nargs="+", help="result tables (or their folders)")
    p.add_argument("--strict", action="store_true", help="exit 3 when any row is not ok")
    p.add_argument("--out", help="also write the report here (with --strict: only when all is ok)")
    p.add_argument(
        "--max-errors", type=_integer("max_errors", 0), default=20, help="failures listed per sweep"
    )
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("figure", help="draw a figure from a summary table")
    p.add_argument("name")
    p.add_argument("summary", nargs="+", help="summary.csv; several overlay runs of the same sweep")
    p.add_argument("--labels", nargs="+", help="one label per summary (default A, B, ...)")
    p.add_argument("--out", required=True, help="output prefix (writes .pdf and .png)")
    p.add_argument("--title")
    p.add_argument(
        "--claims", help="claims table (gmmlearn claims) whose verdicts go into the title"
    )
    p.set_defaults(func=cmd_figure)

    p = sub.add_parser("claims", help="verdicts of the claims C1-C8 over a results folder")
    p.add_argument(
        "results_dir", help="folder with one subfolder per sweep holding its results.csv"
    )
    p.add_argument(
        "--out",
        required=True,
        action="append",
        help="CSV file, or Markdown when it ends in .md (repeatable)",
    )
    p.add_argument("--sweep", action="append", help="only the claims of this sweep (repeatable)")
    p.add_argument(
        "--claim",
        type=_claim_sweep,
        action="append",
        metavar="ID=SWEEP",
        help="evaluate claim ID on another sweep (repeatable)",
    )
    p.set_defaults(func=cmd_claims)

    p = sub.add_parser(
        "index", help="(workflow) the figures of a config with their claims, as Markdown"
    )
    p.add_argument("--config", required=True, help="the workflow config file")
    p.add_argument("--claims", required=True, help="its claims table (gmmlearn claims)")
    p.add_argument(
        "--figures-dir", help="where the run wrote its figures (default: the config's figures_dir)"
    )
    p.add_argument(
        "--results-dir", help="where the run wrote its results (default: the config's results_dir)"
    )
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser(
        "compare",
        help="paired comparison of two runs, two git refs or two settings; exit 1 "
        "if anything got worse",
    )
    p.add_argument("base", help="BASE: a results folder, a sweep folder, or a git ref")
    p.add_argument("new", nargs="?", help="NEW: the same kinds (omit with --a/--b)")
    p.add_argument(
        "--a", help="BASE setting inside one run, e.g. learner=diffusion_poly,partition=warm_start"
    )
    p.add_argument(
        "--b", help="NEW setting inside the same run, e.g. learner=diffusion_poly,partition=global"
    )
    p.add_argument(
        "--out", default="results/compare", help="folder for compare.csv, report.md, compare.png"
    )
    p.add_argument(
        "--configfile", help="config run at each git ref (default: that ref's quick config)"
    )
    p.add_argument("--cores", default="all", help="cores for the workflow at each git ref")
    p.add_argument(
        "--history", default="results/history", help="where runs at git refs are archived"
    )
    p.add_argument(
        "--allow-seed-mismatch",
        action="store_true",
        help="compare sweeps run with different seeds (as independent runs)",
    )
    p.add_argument(
        "--alpha", type=float, default=0.05, help="level of the Benjamini-Hochberg correction"
    )
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("baseline", help="refresh results/baseline from a run of the quick config")
    p.add_argument("action", choices=["update"])
    p.add_argument("--results", default="results", help="the run's results folder")
    p.add_argument("--baseline", default="results/baseline")
    p.add_argument("--configfile", default="workflows/config/quick.yaml")
    p.set_defaults(func=cmd_baseline)

    p = sub.add_parser("history", help="plot a metric across archived commits, or archive a run")
    p.add_argument("metric", nargs="?", help="metric to plot (gmmlearn list metrics)")
    p.add_argument("--estimator")
    p.add_argument(
        "--where", action="append", metavar="KEY=VALUE[,...]", help="column or parameter filter"
    )
    p.add_argument(
        "--archive", metavar="RESULTS", help="archive this results folder under its commit"
    )
    p.add_argument("--history", default="results/history")
    p.add_argument("--out", default="history", help="output prefix (writes .pdf and .png)")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("expand", help="validate a workflow config and list its cells")
    p.add_argument("config")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_expand)
    return parser


def _configure_logging(verbose: bool) -> None:
    """gmmlearn's messages on stderr, stage by stage with -v (warnings only otherwise)."""
    logger = logging.getLogger("gmmlearn")
    for handler in [h for h in logger.handlers if getattr(h, "gmmlearn_cli", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.gmmlearn_cli = True
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
    )
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help / --version 0
        return exc.code if isinstance(exc.code, int) else BAD_INPUT
    _configure_logging(args.verbose)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:
        print(f"gmmlearn {args.command}: error: {exc}", file=sys.stderr)
        return BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
