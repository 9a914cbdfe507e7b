"""Name -> factory registries for target families, learners and metrics.

A new family, learner or metric is one new module plus one ``@REGISTRY.register("name")`` line.
``make`` turns unknown names and unknown parameters into a ``ValueError`` that lists what is
valid; ``describe`` feeds ``gmmlearn list``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    name: str
    factory: Callable[..., Any]
    summary: str
    parameters: dict[str, Any]  # name -> default (inspect.Parameter.empty when required)


class Registry:
    """A small registry of named factories of one kind ("target family", "learner", ...)."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, name: str) -> Callable:
        def decorator(factory):
            if name in self._entries:
                raise RuntimeError(f"{self.kind} {name!r} registered twice")
            doc = inspect.getdoc(factory) or ""
            params = {
                p.name: p.default
                for p in inspect.signature(factory).parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
            }
            self._entries[name] = Entry(name, factory, doc.split("\n", 1)[0], params)
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

    def make(self, name: str, /, **params):
        entry = self.get(name)
        unknown = sorted(set(params) - set(entry.parameters))
        if unknown:
            raise ValueError(
                f"{self.kind} {name!r} got unknown parameter(s) {unknown}; "
                f"valid parameters are: {', '.join(entry.parameters)}"
            )
        return entry.factory(**params)

    def describe(self) -> list[Entry]:
        return [self._entries[name] for name in self.names()]

    def __contains__(self, name) -> bool:
        return name in self._entries
