"""Regression machinery of the diffusion learners: Hermite features, chunked least squares,
partitions (THEORY §4.1)."""

from .hermite import hermite_1d, hermite_features, multi_indices, n_features
from .least_squares import NormalEquations, Solution
from .partition import rnet_centers, voronoi_labels

__all__ = ["NormalEquations", "Solution", "hermite_1d", "hermite_features", "multi_indices",
           "n_features", "rnet_centers", "voronoi_labels"]
