"""Commands on result tables: ``aggregate`` (cells -> results.csv and summary.csv) and ``status``
(ok / failed / timeout / skipped counts and the failures)."""

from __future__ import annotations

import sys

from ..core.atomic import STDOUT
from .common import CELL_FAILED, OK, Command, integer, messages

#: statuses in the order status counts them
COUNTED = ("ok", "failed", "timeout", "skipped")


def add_aggregate_arguments(p) -> None:
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument(
        "--allow-mixed",
        action="store_true",
        help="pool rows of several commits or config hashes (never duplicate rows)",
    )


def run_aggregate(args) -> int:
    from ..results.aggregate import aggregate
    from ..results.io import check_single_run, check_unique_rows, read_results, write_table

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
        f"{len(frame)} rows ({failed} not ok) -> {args.out}; "
        f"{len(summary)} groups -> {args.summary}",
        file=messages(args.out, args.summary),
    )
    return OK


def add_status_arguments(p) -> None:
    p.add_argument("inputs", nargs="+", help="result tables (or their folders)")
    p.add_argument("--strict", action="store_true", help="exit 3 when any row failed or timed out")
    p.add_argument("--out", help="also write the report here (with --strict: only when all is ok)")
    p.add_argument(
        "--max-errors", type=integer("max_errors", 0), default=20, help="failures listed per sweep"
    )


def run_status(args) -> int:
    """Counts of ok / failed / timeout / skipped rows per sweep, the failed cells with their
    errors and the skipped ones with their reasons. Skipped rows are not failures."""
    from ..core.atomic import write_text
    from ..results.io import read_results
    from ..results.schema import FAILURES

    frame = read_results(*args.inputs)
    lines = []
    for sweep, rows in frame.groupby("sweep", sort=True):
        counts = rows["status"].value_counts()
        cells = rows.groupby("cell_id")["status"].agg(lambda s: s.isin(FAILURES).any())
        lines.append(
            f"{sweep}: {rows['cell_id'].nunique()} cells, {len(rows)} rows: "
            + ", ".join(f"{counts.get(s, 0)} {s}" for s in COUNTED)
            + f"; {int(cells.sum())} cell(s) with a failure"
        )
        bad = rows[rows["status"] != "ok"].drop_duplicates(["cell_id", "replicate", "error"])
        bad = bad.sort_values("status", key=lambda s: s.eq("skipped"), kind="stable")
        for _, r in bad.head(args.max_errors).iterrows():
            lines.append(
                f"  {r['status']}: cell {r['cell_id']} ({r['family']} / {r['learner']}) "
                f"replicate {r['replicate']}, {r['metric']}: {r['error']}"
            )
        if len(bad) > args.max_errors:
            lines.append(f"  ... and {len(bad) - args.max_errors} more")
    report = "\n".join(lines) + "\n"
    failing = bool(frame["status"].isin(FAILURES).any())
    if args.out and not (args.strict and failing):
        write_text(args.out, report)
    stream = sys.stderr if args.strict and failing else messages(args.out or "")
    print(report, end="", file=stream)
    if args.strict and failing:
        print("strict: some cells failed or timed out (see above)", file=sys.stderr)
        return CELL_FAILED
    return OK


COMMANDS = [
    Command(
        "aggregate",
        "concatenate cell tables and summarise over seeds",
        add_aggregate_arguments,
        run_aggregate,
    ),
    Command(
        "status",
        "count ok / failed / timeout / skipped rows and list the failures",
        add_status_arguments,
        run_status,
    ),
]
