"""``gmmlearn list``: the registered families, learners, metrics, figures and claims, with each
parameter's default and declared range."""

from __future__ import annotations

import inspect
import json
import textwrap

from .common import OK, Command

#: factory arguments the workflow supplies, not shown as parameters
INJECTED = ("target", "learner", "Y", "rng", "summary", "out_prefix", "title", "claims")
KINDS = ["families", "learners", "metrics", "figures", "claims"]


def _registries() -> dict:
    from ..claims import CLAIMS
    from ..figures import FIGURES
    from ..learners import LEARNERS
    from ..metrics import METRICS
    from ..targets import FAMILIES

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
        shown = _shown_parameters(entry)
        params = ", ".join(
            name if default is inspect.Parameter.empty else f"{name}={default!r}"
            for name, default in shown.items()
        )
        summary = textwrap.fill(
            entry.summary, width=100, initial_indent="      ", subsequent_indent="      "
        )
        lines.append(f"  {entry.name}({params})\n{summary}")
        ranges = [f"{name}: {entry.allowed(name)}" for name in shown if entry.allowed(name)]
        if ranges:
            lines.append(
                textwrap.fill(
                    "; ".join(ranges),
                    width=100,
                    initial_indent="      allowed: ",
                    subsequent_indent="        ",
                    break_on_hyphens=False,
                )
            )
    return "\n".join(lines)


def _as_json(registry) -> list[dict]:
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
                    "allowed": entry.allowed(name),
                }
                for name, default in _shown_parameters(entry).items()
            ],
        }
        for entry in registry.describe()
    ]


def add_arguments(parser) -> None:
    parser.add_argument("what", nargs="?", choices=KINDS)
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args) -> int:
    registries = _registries()
    chosen = [args.what] if args.what else list(registries)
    if args.json:
        print(json.dumps({w: _as_json(registries[w]) for w in chosen}, indent=1, default=repr))
    else:
        print("\n\n".join(_describe(w, registries[w]) for w in chosen))
    return OK


COMMANDS = [
    Command(
        "list",
        "families, learners, metrics, figures and claims with their parameters",
        add_arguments,
        run,
    )
]
