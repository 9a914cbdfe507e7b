"""Regression machinery of the diffusion learners: Hermite features, chunked least squares,
one cell's polynomial denoiser, partitions (docs/theory.md §4.1-4.2)."""

from .cell import CellFit, CellModel, fit_cell, whitening
from .hermite import hermite_1d, hermite_features, multi_indices, n_features
from .least_squares import NormalEquations, Solution
from .partition import (
    GaussianRegions,
    Partition,
    TiledPartition,
    VoronoiPartition,
    mean_shift,
    rnet_seeds,
    voronoi_labels,
    warm_start_partition,
)

__all__ = [
    "CellFit",
    "CellModel",
    "GaussianRegions",
    "NormalEquations",
    "Partition",
    "Solution",
    "TiledPartition",
    "VoronoiPartition",
    "fit_cell",
    "hermite_1d",
    "hermite_features",
    "multi_indices",
    "mean_shift",
    "n_features",
    "rnet_seeds",
    "voronoi_labels",
    "warm_start_partition",
    "whitening",
]
