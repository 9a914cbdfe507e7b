"""``fit_diagnostics``: a fitted diffusion learner's per-level diagnostics as result rows.

One row per (quantity, level): metric ``diag_<quantity>`` (t, cells, clusters, dropped_clusters,
merged_cells, min_cell_samples, median_cell_samples, max_degree, features, train_loss,
validation_loss, condition, gemm_seconds, gemm_flops), estimator ``level<i>`` (level 0 is the
noisiest; ``diag_t`` gives its time), plus the maximum over levels (estimator ``max``) and, for
the regression's Gram-matrix GEMM time and flops, their sum over levels (estimator ``sum``: the
cost of the fit's arithmetic core, claim C4a). These are properties of the fit, not estimates
of an error: stderr and floor are NaN.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import Boolean
from .base import METRICS, MetricNotApplicable, MetricRow, Sense

QUANTITIES = (
    "t",
    "cells",
    "clusters",
    "dropped_clusters",
    "merged_cells",
    "min_cell_samples",
    "median_cell_samples",
    "max_degree",
    "features",
    "train_loss",
    "validation_loss",
    "condition",
    "gemm_seconds",
    "gemm_flops",
)
#: quantities whose sum over levels is the fit's total
ADDITIVE = ("gemm_seconds", "gemm_flops")


@METRICS.register(
    "fit_diagnostics",
    sense=Sense("none", "count, loss or condition number", abs_tol=0.0, rows="diag_"),
    constraints={"per_level": [Boolean()]},
)
def fit_diagnostics(target, learner, Y, rng, per_level: bool = True) -> list[MetricRow]:
    """Per-level cells, samples per cell, degrees, features, train/validation loss, condition,
    GEMM time and flops; ``per_level=False`` keeps only the ``max`` and ``sum`` rows (a sweep
    whose tables should stay small: 100 levels make ~1400 rows per replicate)."""
    try:
        levels = learner.diagnostics_
    except AttributeError:
        raise MetricNotApplicable(
            "fit_diagnostics needs a learner with per-level diagnostics_; "
            f"{type(learner).__name__} has none"
        ) from None
    nan = float("nan")
    rows = []
    for name in QUANTITIES:
        values = [float(level.get(name, nan)) for level in levels]
        if per_level:
            rows += [
                MetricRow(f"diag_{name}", f"level{i:03d}", v, nan, nan, nan)
                for i, v in enumerate(values)
            ]
        finite = np.any(np.isfinite(values))
        rows.append(
            MetricRow(
                f"diag_{name}", "max", float(np.nanmax(values)) if finite else nan, nan, nan, nan
            )
        )
        if name in ADDITIVE:
            rows.append(
                MetricRow(
                    f"diag_{name}",
                    "sum",
                    float(np.nansum(values)) if finite else nan,
                    nan,
                    nan,
                    nan,
                )
            )
    return rows
