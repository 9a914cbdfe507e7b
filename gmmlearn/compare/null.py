"""Synthetic runs under the null -- two runs that differ only in their seed streams -- to measure
the false-positive rate of :func:`~gmmlearn.compare.pairing.compare_tables` (the test suite
bounds it, ``benchmarks/compare_null.py`` measures it at scale).

The values are positive and skewed (lognormal), with noise shared by the rows of a cell and by
the cells of a replicate, as common random numbers give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: the (metric, estimator) rows of every synthetic cell
ROWS = [("tv_projected", "hist1d_mean"), ("tv_projected", "hist2d_mean"), ("w2", "emd_n1000")]


def run_values(n_cells=8, replicates=3, seed=0, means=None) -> np.ndarray:
    """Replicate values (cells, rows, replicates): positive, skewed (lognormal), with noise shared
    by the rows of a cell and by the cells of a replicate, as common random numbers give."""
    rng = np.random.default_rng(seed)
    if means is None:
        means = 0.03 + 0.01 * np.arange(n_cells)[:, None] * np.array([1.0, 1.2, 8.0])
    shared = rng.standard_normal((1, 1, replicates))
    cell = rng.standard_normal((n_cells, 1, replicates))
    own = rng.standard_normal((n_cells, len(ROWS), replicates))
    return means[..., None] * np.exp(0.15 * (0.4 * shared + 0.6 * cell + 0.7 * own))


def null_sides(n_sims: int, n_cells: int, replicates: int, rng: np.random.Generator):
    """Two sides of ``n_sims`` comparisons of ``n_cells`` cells each, independent draws of the
    same values: frames with ``unit`` = ``<simulation>/<cell>``, ready for compare_tables."""
    sides = []
    for _ in range(2):
        values = np.stack(
            [run_values(n_cells, replicates, seed=int(s)) for s in rng.integers(2**31, size=n_sims)]
        )
        sim, cell, row, replicate = np.indices(values.shape).reshape(4, -1)
        sides.append(
            pd.DataFrame(
                {
                    "unit": [f"{s}/{c}" for s, c in zip(sim, cell)],
                    "replicate": replicate,
                    "metric": [ROWS[r][0] for r in row],
                    "estimator": [ROWS[r][1] for r in row],
                    "value": values.ravel(),
                    "status": "ok",
                }
            )
        )
    return sides
