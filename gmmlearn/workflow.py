"""What the Snakefile needs from gmmlearn: the config, checked in full, and the code hashes.

:func:`workflow_config` reads the ``--configfile`` files and ``--config`` values as YAML 1.2,
validates and expands them (:mod:`gmmlearn.bench.sweeps`), then checks what needs the layers
above the bench: every claim a config points at a sweep exists, every sweep's figure is
registered.

:func:`code_hash` digests the code a rule runs, so that a change reruns what it affects and
nothing else: the cells' hash (:data:`CELL_CODE`) covers only what computes a cell -- core,
results, the model, the bench -- and each module's syntax tree with its docstrings removed
(comments are not in the tree, nor are line numbers), so an edit to a docstring, a comment, the
command line, the claims, compare or the figures reruns no cell.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from .bench.sweeps import WorkflowConfig, load_config, merged_config
from .claims import CLAIMS, claims_for
from .core.validation import ConfigError
from .figures import FIGURES

#: the packages whose code computes a cell (rules instance, fit_and_evaluate, aggregate)
CELL_CODE = (
    "core",
    "results",
    "diffusion",
    "targets",
    "regression",
    "learners",
    "metrics",
    "bench",
)
#: the claims table (rule claims)
CLAIM_CODE = ("claims",)
#: the figures and their index (rules figure, index): a figure reads its claims' arms
FIGURE_CODE = ("claims", "figures")
#: files other than Python that a rule reads (the figures' style)
DATA_SUFFIXES = (".mplstyle", ".yaml")

PACKAGE = Path(__file__).resolve().parent


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return tree


def code_text(path: Path) -> bytes:
    """What of a file the code hash sees: a module's syntax tree without docstrings, comments
    or positions; another file's bytes."""
    if path.suffix != ".py":
        return path.read_bytes()
    tree = _without_docstrings(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return ast.dump(tree, include_attributes=False).encode()


def code_hash(parts, root: Path = PACKAGE) -> str:
    """16 hex digits over the code of the package's sub-folders (or modules) ``parts``."""
    digest = hashlib.sha256()
    for part in parts:
        base = root / part
        files = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in files:
            if (
                path.is_file()
                and (path.suffix == ".py" or path.suffix in DATA_SUFFIXES)
                and "__pycache__" not in path.parts
            ):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(code_text(path))
    return digest.hexdigest()[:16]


def claims_of(config: WorkflowConfig, sweep: str) -> list[str]:
    """The ids of the claims that read a sweep of the config (its own claims, and those the
    config points at it)."""
    return [claim.id for claim in claims_for([sweep], config.claim_sweeps)]


def check_config(config: WorkflowConfig) -> WorkflowConfig:
    """Refuse a claim override of an unknown claim, a figure no module registers, and a
    sequential design on a sweep that no claim reads (nothing would decide when to stop)."""
    for claim in config.claim_sweeps:
        try:
            CLAIMS.get(claim)
        except ValueError as exc:
            raise ConfigError(f"claims.{claim}: {exc}") from None
    for name, sweep in config.sweeps.items():
        if sweep.sequential and not claims_of(config, name):
            raise ConfigError(
                f"sweeps.{name}.replicates: a sequential design {{min, max, batch}} stops when "
                f"the claims over the sweep are decided, but no claim reads sweep {name!r}: give "
                "it a number of replicates"
            )
    for name, sweep in config.sweeps.items():
        if sweep.figure is not None and sweep.figure not in FIGURES:
            raise ConfigError(
                f"sweeps.{name}.figure: unknown figure {sweep.figure!r}; valid: "
                f"{', '.join(FIGURES.names())} (or leave it out for no figure)"
            )
    return config


def load_workflow_config(config, base=None) -> WorkflowConfig:
    """A config (dict or YAML path) validated and expanded, claims and figures checked."""
    return check_config(load_config(config, base))


def workflow_config(config_files, overrides: dict) -> WorkflowConfig:
    """The Snakefile's config: the files merged in order, then the --config values (all YAML
    1.2), validated and expanded; includes are read relative to the last file."""
    merged = merged_config(config_files, overrides)
    return load_workflow_config(merged, base=Path(config_files[-1]).parent)
