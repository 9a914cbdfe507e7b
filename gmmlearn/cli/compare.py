"""Commands that track results across versions: ``compare`` (two runs, two git refs or two
settings of one run), ``baseline`` (refresh results/baseline) and ``history`` (archive a run,
plot a metric across archived commits)."""

from __future__ import annotations

from pathlib import Path

from .common import OK, WORSE, Command


def add_compare_arguments(p) -> None:
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


def run_compare(args) -> int:
    """Compare, write the outputs into ``--out``, print the counts; 1 if anything got worse or
    now fails, else 0. BASE and NEW are results folders, or git refs whose quick config (or
    ``--configfile``) is run with their own code and archived in ``--history``."""
    from ..compare.pairing import compare_runs, compare_settings
    from ..compare.refs import repo_root, resolve_ref, run_at_ref
    from ..compare.report import console_lines, write_comparison
    from ..results.select import parse_filter

    base, new, alpha = args.base, args.new, args.alpha
    if args.a or args.b:
        if not (args.a and args.b) or new is not None:
            raise ValueError(
                "--a and --b go together and compare two settings of one run: "
                "gmmlearn compare RUN --a KEY=VALUE,... --b KEY=VALUE,..."
            )
        comparison = compare_settings(base, parse_filter(args.a), parse_filter(args.b), alpha=alpha)
    elif new is None:
        raise ValueError(
            "compare needs BASE and NEW (results folders or git refs), or one run with --a and --b"
        )
    elif Path(base).exists() and Path(new).exists():
        comparison = compare_runs(
            base, new, allow_seed_mismatch=args.allow_seed_mismatch, alpha=alpha
        )
    else:
        repo = repo_root()
        for ref in (base, new):
            if not Path(ref).exists() and resolve_ref(ref, repo) is None:
                raise ValueError(f"{ref}: neither a results folder nor a git ref of {repo}")
        runs = [
            run_at_ref(
                ref,
                repo=repo,
                history_dir=args.history,
                configfile=args.configfile,
                cores=args.cores,
            )
            for ref in (base, new)
        ]
        comparison = compare_runs(*runs, allow_seed_mismatch=args.allow_seed_mismatch, alpha=alpha)
        comparison.base, comparison.new = f"{base} ({runs[0]})", f"{new} ({runs[1]})"
    write_comparison(comparison, args.out)
    print("\n".join(console_lines(comparison, args.out)))
    return WORSE if comparison.regressed else OK


def add_baseline_arguments(p) -> None:
    p.add_argument("action", choices=["update"])
    p.add_argument("--results", default="results", help="the run's results folder")
    p.add_argument("--baseline", default="results/baseline")
    p.add_argument("--configfile", default="workflows/config/quick.yaml")


def run_baseline(args) -> int:
    from ..compare.baseline import update_baseline

    sweeps = update_baseline(args.results, args.baseline, args.configfile)
    print(f"baseline {args.baseline} <- {args.results}: {', '.join(sweeps)}")
    return OK


def add_history_arguments(p) -> None:
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


def run_history(args) -> int:
    from ..compare.history import archive, load_history, plot_history
    from ..results.select import parse_filter

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


COMMANDS = [
    Command(
        "compare",
        "paired comparison of two runs, two git refs or two settings; exit 1 if anything got worse",
        add_compare_arguments,
        run_compare,
    ),
    Command(
        "baseline",
        "refresh results/baseline from a run of the quick config",
        add_baseline_arguments,
        run_baseline,
    ),
    Command(
        "history",
        "plot a metric across archived commits, or archive a run",
        add_history_arguments,
        run_history,
    ),
]
