"""One function per claim figure, registered by name; each reads a summary table (and the claims
table, for its title) only -- it never fits anything. A figure finds its claims in the claims
registry (each claim declares its ``figure``) and draws their control arms apart.

A new figure is one module of this folder decorated with ``@FIGURES.register("name")``: every
module here is imported (README, "How to add").
"""

from __future__ import annotations

from ..core.registry import import_submodules
from .common import FIGURES

import_submodules(__name__, __path__)  # the figures register themselves


def make_figure(name: str, summary, out_prefix, title: str = "", claims=None):
    """Draw the named figure from an aggregated table; ``claims`` (the claims table) puts each
    claim's verdict and interval in the title. Returns the written paths."""
    entry = FIGURES.get(name)
    try:
        return entry.factory(summary, out_prefix, title=title, claims=claims)
    except KeyError as exc:
        column = exc.args[0] if exc.args else None
        if isinstance(column, str) and column not in summary:
            raise ValueError(
                f"figure {name!r} needs the column {column!r}, which the summary lacks"
            ) from None
        raise


__all__ = ["FIGURES", "make_figure"]
