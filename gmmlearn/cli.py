"""The ``gmmlearn`` command: list, run, instance, cell, aggregate, figure, claims, compare,
baseline, history, expand.

``run`` is one ad-hoc cell from flags; ``instance`` / ``cell`` / ``aggregate`` / ``figure`` are
what the Snakemake rules call; ``compare`` / ``baseline`` / ``history`` track results across
versions; ``expand`` prints a config's cells.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import sys
from pathlib import Path

import yaml

log = logging.getLogger("gmmlearn")


def _key_value(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


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
    """A metric name, or name:{json params}."""
    if ":" in text:
        name, params = text.split(":", 1)
        return {"name": name, "params": yaml.safe_load(params)}
    return text


def _describe(title: str, registry) -> str:
    lines = [f"{title}:"]
    for entry in registry.describe():
        params = ", ".join(
            name if default is inspect.Parameter.empty else f"{name}={default!r}"
            for name, default in entry.parameters.items()
            if name not in ("target", "learner", "Y", "rng", "summary", "out_prefix", "title")
        )
        lines.append(f"  {entry.name}({params})\n      {entry.summary}")
    return "\n".join(lines)


def cmd_list(args) -> int:
    from . import FAMILIES, LEARNERS, METRICS
    from .claims import CLAIMS
    from .figures import FIGURES

    registries = {"families": FAMILIES, "learners": LEARNERS, "metrics": METRICS, "figures": FIGURES,
                  "claims": CLAIMS}
    chosen = [args.what] if args.what else list(registries)
    print("\n\n".join(_describe(w, registries[w]) for w in chosen))
    return 0


def _write_cell(spec, replicate, rows, out, *, sweep, sweep_seed, config_hash, dim) -> None:
    from .results import tidy_rows, write_table

    frame = tidy_rows(spec, replicate, rows, sweep=sweep, sweep_seed=sweep_seed, config_hash=config_hash,
                      dim=dim)
    write_table(frame, out)
    return frame


def _print_rows(frame) -> None:
    for _, r in frame.iterrows():
        if r["status"] == "ok":
            print(f"{r['metric']:>14} {r['estimator']:<22} {r['value']:.5g} ± {r['stderr']:.2g}"
                  f"   floor {r['floor']:.5g} ± {r['floor_stderr']:.2g}")
        else:
            print(f"{r['metric']:>14} {r['status']}: {r['error']}")


def cmd_run(args) -> int:
    from .experiment import CellSpec, make_cell_target, run_cell

    spec = CellSpec(target=args.target, target_params=dict(args.target_param or []),
                    learner=args.learner, learner_params=dict(args.learner_param or []),
                    n_train=args.n_train, n_eval=args.n_eval,
                    metrics=args.metric or ["tv_projected", "w2"])
    target = make_cell_target(spec)  # invalid target parameters are a usage error here
    rows = run_cell(spec, args.replicate, sweep_seed=args.seed, target=target, timeout=args.timeout)
    frame = _write_cell(spec, args.replicate, rows, args.out, sweep=args.sweep, sweep_seed=args.seed,
                        config_hash="", dim=target.dim)
    _print_rows(frame)
    print(f"wrote {len(frame)} rows to {args.out}")
    return 0 if (frame["status"] == "ok").all() else 3


def cmd_instance(args) -> int:
    """Materialise a target as JSON; a bad target records its error instead of failing."""
    from .atomic import write_text
    from .targets import make_target

    spec = json.loads(args.spec)
    try:
        record = make_target(spec["name"], **spec.get("params", {})).to_dict()
    except Exception as exc:  # noqa: BLE001  (the cells of this target will record the failure)
        record = {"error": f"{type(exc).__name__}: {exc}", "spec": spec}
    write_text(args.out, json.dumps(record))
    return 0


def cmd_cell(args) -> int:
    """Run replicates 0..R-1 of a cell (the workflow's job); rows of all replicates in one file."""
    import pandas as pd

    from .experiment import CellSpec, failed_cell_rows, run_cell
    from .results import tidy_rows, write_table
    from .targets import target_from_dict

    spec = CellSpec.from_dict(json.loads(args.spec))
    target, dim, target_error = None, None, None
    if args.target_file:
        record = json.loads(Path(args.target_file).read_text())
        if "error" in record:
            target_error = f"target could not be built: {record['error']}"
        else:
            target = target_from_dict(record)
            dim = target.dim

    def rows(replicate):
        if target_error:
            return failed_cell_rows(spec, target_error)
        return run_cell(spec, replicate, sweep_seed=args.sweep_seed, target=target, timeout=args.timeout)

    frames = [tidy_rows(spec, r, rows(r), sweep=args.sweep, sweep_seed=args.sweep_seed,
                        config_hash=args.config_hash, dim=dim)
              for r in range(args.replicates)]
    write_table(pd.concat(frames, ignore_index=True), args.out)
    return 0


def cmd_aggregate(args) -> int:
    from .results import aggregate, check_single_run, check_unique_rows, read_results, write_table

    frame = read_results(*args.inputs, source=True)
    check_unique_rows(frame)
    if not args.allow_mixed:
        check_single_run(frame)
    frame = frame.drop(columns="source")
    write_table(frame, args.out)
    summary = aggregate(frame)
    write_table(summary, args.summary)
    failed = int((frame["status"] != "ok").sum())
    print(f"{len(frame)} rows ({failed} not ok) -> {args.out}; {len(summary)} groups -> {args.summary}")
    return 0


def cmd_figure(args) -> int:
    import pandas as pd

    from .figures import make_figure
    from .figures.common import overlay_runs

    summaries = [pd.read_csv(path) for path in args.summary]
    labels = args.labels or [chr(ord("A") + i) for i in range(len(summaries))]
    summary = summaries[0] if len(summaries) == 1 and not args.labels else overlay_runs(summaries, labels)
    claims = pd.read_csv(args.claims) if args.claims else None
    for path in make_figure(args.name, summary, args.out, title=args.title or "", claims=claims):
        print(f"wrote {path}")
    return 0


def cmd_claims(args) -> int:
    """The claims table of a results folder (one row per claim and per control)."""
    from .atomic import write_text
    from .claims import evaluate_claims, to_markdown
    from .results import write_table

    table = evaluate_claims(args.results_dir, sweeps=args.sweep or None, sweep_of=dict(args.claim or []))
    for out in args.out:
        if str(out).endswith(".md"):
            write_text(out, to_markdown(table))
        else:
            write_table(table, out)
    counts = table[table["role"] == "claim"]["verdict"].value_counts().to_dict()
    controls = table[table["role"] == "control"]
    print(f"{len(table) // 2} claims: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
          + f"; controls failing as they must: {(controls['verdict'] == 'fail').sum()} of {len(controls)}"
          + f" -> {', '.join(args.out)}")
    return 0


def cmd_index(args) -> int:
    """paper_figures/index.md: each figure of a config with its claims' verdicts."""
    import pandas as pd

    from .atomic import write_text
    from .index import build_index

    write_text(args.out, build_index(args.config, pd.read_csv(args.claims), args.out))
    print(f"wrote {args.out}")
    return 0


def cmd_compare(args) -> int:
    from .compare_report import compare_command

    return compare_command(args.base, args.new, out=args.out, a=args.a, b=args.b, configfile=args.configfile,
                           cores=args.cores, allow_seed_mismatch=args.allow_seed_mismatch, alpha=args.alpha,
                           history_dir=args.history)


def cmd_baseline(args) -> int:
    from .history import update_baseline

    sweeps = update_baseline(args.results, args.baseline, args.configfile)
    print(f"baseline {args.baseline} <- {args.results}: {', '.join(sweeps)}")
    return 0


def cmd_history(args) -> int:
    from .compare import parse_filter
    from .history import archive, load_history, plot_history

    if args.archive:
        print(f"archived {args.archive} -> {archive(args.archive, args.history)}")
        return 0
    if not args.metric:
        raise ValueError("history needs a METRIC to plot (or --archive RESULTS)")
    history = load_history(args.history)
    filters = parse_filter(",".join(args.where or []))
    for path in plot_history(history, args.metric, args.out, estimator=args.estimator, filters=filters):
        print(f"wrote {path}")
    return 0


def cmd_expand(args) -> int:
    from .sweeps import load_config

    config = load_config(args.config)
    for sweep in config.sweeps.values():
        print(f"{sweep.name}: {len(sweep.cells)} cells x {sweep.replicates} replicates "
              f"(config hash {sweep.config_hash})")
        if args.verbose:
            for cell_id, spec in sweep.cells.items():
                print(f"  {cell_id} {json.dumps(spec.as_dict(), sort_keys=True)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="gmmlearn", description=__doc__)
    parser.add_argument("--version", action="version", version=f"gmmlearn {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="families, learners, metrics and figures with their parameters")
    p.add_argument("what", nargs="?", choices=["families", "learners", "metrics", "figures", "claims"])
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="run one experiment cell and write its tidy rows")
    p.add_argument("--target", required=True, help="target family (gmmlearn list families)")
    p.add_argument("--target-param", type=_key_value, action="append", metavar="KEY=VALUE")
    p.add_argument("--learner", required=True, help="learner (gmmlearn list learners)")
    p.add_argument("--learner-param", type=_key_value, action="append", metavar="KEY=VALUE")
    p.add_argument("--n-train", type=int, default=None, help="training sample size (omit for oracle/exact)")
    p.add_argument("--n-eval", type=int, default=10_000, help="learner samples drawn for the metrics")
    p.add_argument("--metric", type=_metric, action="append", help="metric name, repeatable (default tv_projected, w2)")
    p.add_argument("--seed", type=int, default=0, help="sweep seed")
    p.add_argument("--replicate", type=int, default=0)
    p.add_argument("--sweep", default="adhoc")
    p.add_argument("--timeout", type=float, default=None, help="seconds before the cell is marked timeout")
    p.add_argument("--out", required=True, type=Path, help="CSV file for the rows")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("instance", help="(workflow) write a target as JSON")
    p.add_argument("--spec", required=True, help='JSON {"name": ..., "params": {...}}')
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_instance)

    p = sub.add_parser("cell", help="(workflow) run the replicates of a cell given as JSON")
    p.add_argument("--spec", required=True)
    p.add_argument("--target-file")
    p.add_argument("--sweep", required=True)
    p.add_argument("--sweep-seed", type=int, required=True)
    p.add_argument("--config-hash", default="")
    p.add_argument("--replicates", type=int, required=True, help="runs replicates 0..R-1")
    p.add_argument("--timeout", type=float, default=None, help="seconds per replicate")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_cell)

    p = sub.add_parser("aggregate", help="concatenate cell tables and summarise over seeds")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("--allow-mixed", action="store_true",
                   help="pool rows of several commits or config hashes (never duplicate rows)")
    p.set_defaults(func=cmd_aggregate)

    p = sub.add_parser("figure", help="draw a figure from a summary table")
    p.add_argument("name")
    p.add_argument("summary", nargs="+", help="summary.csv; several overlay runs of the same sweep")
    p.add_argument("--labels", nargs="+", help="one label per summary (default A, B, ...)")
    p.add_argument("--out", required=True, help="output prefix (writes .pdf and .png)")
    p.add_argument("--title")
    p.add_argument("--claims", help="claims table (gmmlearn claims) whose verdicts go into the title")
    p.set_defaults(func=cmd_figure)

    p = sub.add_parser("claims", help="verdicts of the claims C1-C8 over a results folder")
    p.add_argument("results_dir", help="folder with one subfolder per sweep holding its results.csv")
    p.add_argument("--out", required=True, action="append",
                   help="CSV file, or Markdown when it ends in .md (repeatable)")
    p.add_argument("--sweep", action="append", help="only the claims of this sweep (repeatable)")
    p.add_argument("--claim", type=_claim_sweep, action="append", metavar="ID=SWEEP",
                   help="evaluate claim ID on another sweep (repeatable)")
    p.set_defaults(func=cmd_claims)

    p = sub.add_parser("index", help="(workflow) the figures of a config with their claims, as Markdown")
    p.add_argument("--config", required=True, help="the workflow config file")
    p.add_argument("--claims", required=True, help="its claims table (gmmlearn claims)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("compare", help="paired comparison of two runs, two git refs or two settings; exit 1 "
                                       "if anything got worse")
    p.add_argument("base", help="BASE: a results folder, a sweep folder, or a git ref")
    p.add_argument("new", nargs="?", help="NEW: the same kinds (omit with --a/--b)")
    p.add_argument("--a", help="BASE setting inside one run, e.g. learner=diffusion_poly,partition=warm_start")
    p.add_argument("--b", help="NEW setting inside the same run, e.g. learner=diffusion_poly,partition=global")
    p.add_argument("--out", default="results/compare", help="folder for compare.csv, report.md, compare.png")
    p.add_argument("--configfile", help="config run at each git ref (default: that ref's quick config)")
    p.add_argument("--cores", default="all", help="cores for the workflow at each git ref")
    p.add_argument("--history", default="results/history", help="where runs at git refs are archived")
    p.add_argument("--allow-seed-mismatch", action="store_true",
                   help="compare sweeps run with different seeds (as independent runs)")
    p.add_argument("--alpha", type=float, default=0.05, help="level of the Benjamini-Hochberg correction")
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
    p.add_argument("--where", action="append", metavar="KEY=VALUE[,...]", help="column or parameter filter")
    p.add_argument("--archive", metavar="RESULTS", help="archive this results folder under its commit")
    p.add_argument("--history", default="results/history")
    p.add_argument("--out", default="history", help="output prefix (writes .pdf and .png)")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("expand", help="validate a workflow config and list its cells")
    p.add_argument("config")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_expand)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"gmmlearn {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
