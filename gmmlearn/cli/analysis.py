"""Commands that read results: ``look``, ``figure``, ``claims`` and ``index``."""

from __future__ import annotations

import argparse

from ..core.atomic import STDOUT
from .common import OK, Command, integer, messages


def _claim_sweep(text: str) -> tuple[str, str]:
    """``ID=SWEEP``: a claim pointed at a sweep; the claim must exist."""
    from ..claims import CLAIMS

    claim, sep, sweep = text.partition("=")
    if not sep or not sweep:
        raise argparse.ArgumentTypeError(f"expected ID=SWEEP, got {text!r}")
    try:
        CLAIMS.get(claim)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return claim, sweep


def add_figure_arguments(p) -> None:
    p.add_argument("name")
    p.add_argument("summary", nargs="+", help="summary.csv; several overlay runs of the same sweep")
    p.add_argument("--labels", nargs="+", help="one label per summary (default A, B, ...)")
    p.add_argument("--out", required=True, help="output prefix (writes .pdf and .png)")
    p.add_argument("--title")
    p.add_argument(
        "--claims", help="claims table (gmmlearn claims) whose verdicts go into the title"
    )


def run_figure(args) -> int:
    from ..figures import make_figure
    from ..figures.common import overlay_runs
    from ..results.io import read_summary, read_table

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


def add_claims_arguments(p) -> None:
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


def run_claims(args) -> int:
    """The claims table of a results folder (one row per claim and per control)."""
    from ..claims import evaluate_claims, to_markdown
    from ..core.atomic import write_text
    from ..results.io import write_table

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
    failing = (controls["verdict"] == "fail").sum()
    print(
        f"{len(table) // 2} claims: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + f"; controls failing as they must: {failing} of {len(controls)}"
        + f" -> {', '.join(args.out)}",
        file=messages(*args.out),
    )
    return OK


def add_index_arguments(p) -> None:
    p.add_argument("--config", required=True, help="the workflow config file")
    p.add_argument("--claims", required=True, help="its claims table (gmmlearn claims)")
    p.add_argument(
        "--figures-dir", help="where the run wrote its figures (default: the config's figures_dir)"
    )
    p.add_argument(
        "--results-dir", help="where the run wrote its results (default: the config's results_dir)"
    )
    p.add_argument("--out", required=True)


def run_index(args) -> int:
    """paper_figures/index.md: each figure of a config with its claims' verdicts."""
    from ..core.atomic import write_text
    from ..figures.index import build_index
    from ..results.io import read_table
    from ..workflow import load_workflow_config

    write_text(
        args.out,
        build_index(
            load_workflow_config(args.config),
            args.config,
            read_table(args.claims, ("claim",), "claims table"),
            args.out,
            args.figures_dir,
            args.results_dir,
        ),
    )
    print(f"wrote {args.out}", file=messages(args.out))
    return OK


def _design(text: str):
    from ..core.sequential import Design

    try:
        return Design.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_look_arguments(p) -> None:
    p.add_argument("inputs", nargs="+", help="the sweep's batch tables so far")
    p.add_argument("--sweep", required=True)
    p.add_argument("--look", type=integer("look", 0), required=True, help="0-based look index")
    p.add_argument("--design", type=_design, required=True, help="min,max,batch")
    p.add_argument(
        "--claim", action="append", default=[], help="a claim over the sweep (repeatable)"
    )
    p.add_argument("--out", required=True, help="JSON: the verdicts and the cells that go on")


def run_look(args) -> int:
    """A look of a sequential design (the workflow's checkpoint): the claims over the sweep on
    the replicates so far, and the cells that run the next batch."""
    import json

    from ..claims import CLAIMS, claims_for
    from ..claims.looks import decide
    from ..core.atomic import write_text
    from ..results.io import read_results

    for claim in args.claim:
        CLAIMS.get(claim)
    rows = read_results(*args.inputs)
    rows = rows[rows["sweep"] == args.sweep]
    claims = [c for c in claims_for() if c.id in set(args.claim)]
    for claim in claims:
        claim.sweep = args.sweep
    decision = decide(rows, claims, args.design, args.look)
    write_text(args.out, json.dumps(decision.as_dict(), indent=1, sort_keys=True) + "\n")
    print(
        f"look {args.look + 1} of {args.design.n_looks} ({decision.n} replicates): "
        + ", ".join(f"{c} {v}" for c, v in sorted(decision.claims.items()))
        + f"; {len(decision.active)} cell(s) go on",
        file=messages(args.out),
    )
    return OK


COMMANDS = [
    Command(
        "look",
        "(workflow) the claims over a sweep at one look of its sequential design",
        add_look_arguments,
        run_look,
    ),
    Command("figure", "draw a figure from a summary table", add_figure_arguments, run_figure),
    Command(
        "claims",
        "verdicts of the claims C1-C8 over a results folder",
        add_claims_arguments,
        run_claims,
    ),
    Command(
        "index",
        "(workflow) the figures of a config with their claims, as Markdown",
        add_index_arguments,
        run_index,
    ),
]
