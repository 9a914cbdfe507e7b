"""One function per paper figure, registered by name; each reads a summary table only.

A new figure is one module decorated with ``@FIGURES.register("name")`` plus one import below.
"""

from . import learner_sweeps, oracle_steps  # noqa: F401  (registers)
from .common import FIGURES


def make_figure(name: str, summary, out_prefix, title: str = ""):
    """Draw the named figure from an aggregated table; return the written paths."""
    return FIGURES.get(name).factory(summary, out_prefix, title=title)


__all__ = ["FIGURES", "make_figure"]
