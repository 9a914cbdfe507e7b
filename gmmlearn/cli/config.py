"""``gmmlearn expand``: validate a workflow config (everything the workflow checks) and list its
cells."""

from __future__ import annotations

import json

from .common import OK, Command


def add_arguments(p) -> None:
    p.add_argument("config")
    p.add_argument("--verbose", action="store_true")


def run(args) -> int:
    from ..workflow import load_workflow_config

    config = load_workflow_config(args.config)
    for sweep in config.sweeps.values():
        print(
            f"{sweep.name}: {len(sweep.cells)} cells x {sweep.replicates} replicates "
            f"(config hash {sweep.config_hash})"
        )
        if args.verbose:
            for cell_id, spec in sweep.cells.items():
                print(f"  {cell_id} {json.dumps(spec.as_dict(), sort_keys=True)}")
    return OK


COMMANDS = [Command("expand", "validate a workflow config and list its cells", add_arguments, run)]
