"""The package's layers and the one-way rule between them, read from the source (every import
statement, at module level or inside a function), plus the promise that the storage and
analysis layers load without the learner stack.

Layers, bottom to top (README "Layout"): each module may import only modules of its own layer
or of layers below it, and no two modules may import each other, directly or through others.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gmmlearn"

#: bottom to top; a layer is a list of packages (or modules) of gmmlearn
LAYERS = [
    ("core", ["core"]),
    ("results", ["results"]),
    ("model: diffusion", ["diffusion"]),
    ("model: targets", ["targets"]),
    ("model: regression", ["regression"]),
    ("model: learners", ["learners"]),
    ("model: metrics", ["metrics"]),
    ("bench", ["bench"]),
    ("claims", ["claims"]),
    ("figures", ["figures"]),
    ("compare", ["compare"]),
    ("app", ["cli", "workflow", "__init__"]),
]


def module_name(path: Path) -> str:
    parts = ["gmmlearn", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file()


def is_module(name: str) -> bool:
    return is_package(name) or (PACKAGE.parent / (name.replace(".", "/") + ".py")).is_file()


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The gmmlearn modules a module imports (``from X import y`` counts as X.y when y is a
    module, else as X), anywhere in its source."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "gmmlearn"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "gmmlearn":
                continue
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if is_module(sub) else module)
    return {m for m in found if m in MODULES and m != name}


def layer_of(name: str) -> int:
    rest = name.removeprefix("gmmlearn").removeprefix(".") or "__init__"
    for index, (_, members) in enumerate(LAYERS):
        if any(rest == m or rest.startswith(m + ".") for m in members):
            return index
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS (and README 'Layout')")


GRAPH = {name: imports_of(name) for name in MODULES}


def test_every_module_belongs_to_a_layer():
    for name in MODULES:
        layer_of(name)


def test_no_module_imports_a_higher_layer():
    back_edges = sorted(
        f"{name} ({LAYERS[layer_of(name)][0]}) imports {other} ({LAYERS[layer_of(other)][0]})"
        for name, others in GRAPH.items()
        for other in others
        if layer_of(other) > layer_of(name)
    )
    assert not back_edges, "\n".join(back_edges)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_modules():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    """The check can fail: a -> b -> c -> a is reported, a -> b alone is not."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_imports_inside_functions_are_only_the_command_lines():
    """The commands import what they run when they run (``gmmlearn list`` stays fast); nothing
    else defers an import into a function, where it would hide a dependency."""
    deferred = []
    for name, path in MODULES.items():
        if name.startswith("gmmlearn.cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                deferred += [
                    f"{name}.{node.name}"
                    for sub in ast.walk(node)
                    if isinstance(sub, (ast.Import, ast.ImportFrom))
                ]
    assert deferred == []


@pytest.mark.parametrize("module", ["gmmlearn.results", "gmmlearn.claims", "gmmlearn"])
def test_storage_and_claims_load_without_the_learner_stack(module):
    heavy = ["sklearn", "ot", "matplotlib", "gmmlearn.learners", "gmmlearn.bench"]
    code = f"import sys, {module}; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


@pytest.mark.parametrize("module", ["gmmlearn.figures", "gmmlearn.compare.history"])
def test_figures_and_history_load_without_the_learners(module):
    """They draw tables: matplotlib, not the learners, scikit-learn or POT."""
    heavy = ["sklearn", "ot", "gmmlearn.learners", "gmmlearn.metrics"]
    code = f"import sys, {module}; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
