"""What every command shares: exit codes, argument types that name what they expect, where
messages go, and the :class:`Command` record each command module lists."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

from ..core import yaml12
from ..core.atomic import STDOUT
from ..core.validation import check_int

#: exit codes (README "Exit codes")
OK, WORSE, BAD_INPUT, CELL_FAILED = 0, 1, 2, 3


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one-line help, its arguments and what it runs (-> exit code).
    ``run`` raises ValueError (or OSError) for bad input: ``main`` turns it into exit 2."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# -- argument types: each raises ArgumentTypeError naming what it expects (argparse exits 2) ---
def key_value(text: str) -> tuple[str, object]:
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


def metric(text: str):
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


def integer(name: str, minimum: int):
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


def seconds(text: str) -> float:
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
def messages(*outs):
    """Where human-readable messages go: stderr when a table is written to standard output."""
    return sys.stderr if STDOUT in map(str, outs) else sys.stdout


def json_argument(flag: str, text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{flag} must be JSON: {exc}") from None


def exit_code(frame) -> int:
    """3 when a row failed or timed out (skipped rows are not failures), else 0."""
    return CELL_FAILED if frame["status"].isin(("failed", "timeout")).any() else OK
