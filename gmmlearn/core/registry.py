"""Name -> factory registries (target families, learners, metrics, claims, figures), found by file.

A plug-in is one module in its package's folder that registers itself with a decorator,
``@LEARNERS.register("name")``; the package's ``__init__`` imports every module of its folder
(:func:`import_submodules`, like benchopt finds its solvers), so no list of modules is kept by
hand. ``make`` turns unknown names and unknown parameters into a ``ValueError`` that lists what
is valid; ``validate`` checks parameter values against the declared constraints
(:mod:`gmmlearn.core.constraints`: a class's ``_parameter_constraints`` or
``register(name, constraints=...)``); ``describe`` feeds ``gmmlearn list``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .constraints import describe, validate_params


@dataclass(frozen=True)
class Entry:
    name: str
    factory: Callable[..., Any]
    summary: str
    parameters: dict[str, Any]  # name -> default (inspect.Parameter.empty when required)
    #: parameter -> list of allowed alternatives (declared; {} when the plug-in declares none)
    constraints: dict[str, list] = field(default_factory=dict)
    #: anything else the registration declared (a metric's sense and minimum sample size)
    declared: dict[str, Any] = field(default_factory=dict)

    def allowed(self, parameter: str) -> str:
        """The declared range of a parameter in words ('' when undeclared)."""
        alternatives = self.constraints.get(parameter)
        return describe(alternatives) if alternatives else ""

    def resolved(self, params: dict, injected=()) -> dict:
        """``params`` with every unset parameter that has a default filled in (``injected``
        ones, supplied at run time, left out)."""
        defaults = {
            name: default
            for name, default in self.parameters.items()
            if default is not inspect.Parameter.empty and name not in injected
        }
        return {**defaults, **{k: v for k, v in params.items() if k not in injected}}


def parameters_of(factory) -> dict[str, Any]:
    """A factory's keyword parameters and their defaults (``self`` left out)."""
    return {
        p.name: p.default
        for p in inspect.signature(factory).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
    }


class Registry:
    """A small registry of named factories of one kind ("target family", "learner", ...)."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, /, *, constraints: dict | None = None, **declared) -> Callable:
        def decorator(factory):
            if name in self._entries:
                raise RuntimeError(f"{self.kind} {name!r} registered twice")
            doc = " ".join((inspect.getdoc(factory) or "").split("\n\n", 1)[0].split())
            declared_constraints = (
                constraints
                if constraints is not None
                else dict(getattr(factory, "_parameter_constraints", {}))
            )
            params = parameters_of(factory)
            unknown = sorted(set(declared_constraints) - set(params))
            if unknown:
                raise RuntimeError(
                    f"{self.kind} {name!r} declares constraints for unknown parameter(s) {unknown}"
                )
            self._entries[name] = Entry(name, factory, doc, params, declared_constraints, declared)
            return factory

        return decorator

    def names(self) -> list[str]:
        return sorted(self._entries)

    def get(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"unknown {self.kind} {name!r}; valid names are: {', '.join(self.names())}"
            ) from None

    def check_names(self, name: str, params, injected=()) -> Entry:
        """The entry, after refusing parameters the factory does not take (``injected`` ones are
        supplied at run time and may not be set)."""
        entry = self.get(name)
        unknown = sorted(set(params) - set(entry.parameters) - set(injected))
        if unknown:
            shown = [p for p in entry.parameters if p not in injected]
            raise ValueError(
                f"{self.kind} {name!r} got unknown parameter(s) {unknown}; "
                f"valid parameters are: {', '.join(shown)}"
            )
        return entry

    def validate(self, name: str, params: dict) -> None:
        """Check parameter values against the entry's declared constraints (ParameterError)."""
        validate_params(self.get(name).constraints, params)

    def make(self, name: str, /, **params):
        return self.check_names(name, params).factory(**params)

    def describe(self) -> list[Entry]:
        return [self._entries[name] for name in self.names()]

    def __contains__(self, name) -> bool:
        return name in self._entries


def import_submodules(package: str, path) -> list[str]:
    """Import every module of a package's folder (``__path__``), in name order: plug-ins
    register themselves on import. Modules whose name starts with ``_`` are left out."""
    names = sorted(m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_"))
    for name in names:
        importlib.import_module(f"{package}.{name}")
    return names
