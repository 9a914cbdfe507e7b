"""The ``gmmlearn`` command: list, run, instance, cell, aggregate, status, figure, claims, index,
compare, baseline, history, expand.

``run`` is one ad-hoc cell from flags; ``instance`` / ``cell`` / ``aggregate`` / ``status`` /
``figure`` / ``claims`` / ``index`` are what the Snakemake rules call; ``compare`` / ``baseline`` /
``history`` track results across versions; ``expand`` prints a config's cells.

Exit codes: 0 ok; 1 ``compare`` found something worse or now failing; 2 bad input (a message
names the parameter and its allowed range: unknown or invalid parameters, unreadable or wrong
files); 3 a cell failed or timed out (its rows are written with ``status=failed``/``timeout``;
``skipped`` rows, outside a method's precondition, are not failures). A traceback is a bug.

Each command group is a module of this package listing its :class:`~.common.Command`\\ s, each
with its own arguments and its ``run``; a command imports what it needs when it runs, so that
``gmmlearn list`` does not load the learners' dependencies to print its help.
"""

from __future__ import annotations

import argparse
import logging
import sys

from ..bench.provenance import gmmlearn_version
from . import analysis, cells, compare, config, registries, tables
from .common import BAD_INPUT

#: the command modules, in the order ``gmmlearn --help`` lists their commands
GROUPS = (registries, cells, tables, analysis, compare, config)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gmmlearn", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"gmmlearn {gmmlearn_version()}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log each stage of a cell (data, fit, sample, metrics) with timings",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        for command in group.COMMANDS:
            p = sub.add_parser(command.name, help=command.help)
            command.add_arguments(p)
            p.set_defaults(func=command.run)
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
