"""Regression machinery of the diffusion learners: Hermite features, chunked least squares,
partitions (THEORY §4.1)."""

from .hermite import hermite_1d, hermite_features, multi_indices, n_features
from .least_squares import NormalEquations, Solution
from .partition import (
    GaussianRegions, VoronoiPartition, mean_shift, rnet_seeds, voronoi_labels, warm_start_centers,
)

__all__ = ["GaussianRegions", "NormalEquations", "VoronoiPartition", "Solution", "hermite_1d", "hermite_features", "multi_indices",
           "mean_shift", "n_features", "rnet_seeds", "voronoi_labels", "warm_start_centers"]
