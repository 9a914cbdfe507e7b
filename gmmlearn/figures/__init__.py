"""One function per claim figure, registered by name; each reads a summary table (and the claims
table, for its title) only -- it never fits anything.

A new figure is one module decorated with ``@FIGURES.register("name")`` plus one import below.
"""

import inspect

import pandas as pd

from . import (  # noqa: F401  (registers)
    approximation,
    dimension,
    general_covariances,
    manifolds,
    moments_vs_diffusion,
    piecewise_vs_global,
    samplers,
    samples,
)
from .common import FIGURES


def with_parameter_defaults(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with every scalar parameter a cell left unset filled in with its declared
    default (``p_learner_schedule`` is ``geometric`` for an oracle cell that did not set it),
    so that a figure draws a sweep whose config never varied, hence never recorded, a parameter."""
    from ..learners import LEARNERS
    from ..targets import FAMILIES

    summary = summary.copy()
    for column, prefix, registry in (
        ("learner", "p_learner_", LEARNERS),
        ("family", "p_target_", FAMILIES),
    ):
        for name in summary[column].dropna().unique():
            if name not in registry:
                continue
            rows = summary[column] == name
            for param, default in registry.get(name).parameters.items():
                if default is inspect.Parameter.empty or not isinstance(default, (str, int, float)):
                    continue
                col = prefix + param
                if col not in summary:
                    summary[col] = pd.Series(
                        [pd.NA] * len(summary), index=summary.index, dtype=object
                    )
                summary.loc[rows & summary[col].isna(), col] = default
    return summary.infer_objects()


def make_figure(name: str, summary, out_prefix, title: str = "", claims=None):
    """Draw the named figure from an aggregated table; ``claims`` (the claims table) puts each
    claim's verdict and interval in the title. Returns the written paths."""
    entry = FIGURES.get(name)
    summary = with_parameter_defaults(summary)
    try:
        return entry.factory(summary, out_prefix, title=title, claims=claims)
    except KeyError as exc:
        column = exc.args[0] if exc.args else None
        if isinstance(column, str) and column not in summary:
            raise ValueError(
                f"figure {name!r} needs the column {column!r}, which the summary lacks"
            ) from None
        raise


__all__ = ["FIGURES", "make_figure", "with_parameter_defaults"]
