"""Partitions for piecewise regression: Voronoi assignment and the warm-start r-net (THEORY §4.1).

Warm start (recon of GKL's step 2): the centres for a level come from the denoised points of the
previous, noisier level. We take a greedy r-net of them -- repeatedly the uncovered point with
the most neighbours within r/2 becomes a centre and covers everything within r -- then drop
centres holding less than ``w_min / 2`` of the mass, and move each centre to the mean of its
Voronoi cell (one Lloyd step). The number of cells is found from the data, never given.
"""

from __future__ import annotations

import numpy as np

from ..targets.base import row_chunks


def sq_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between the rows of X (n, d) and C (m, d)."""
    return np.maximum(
        np.einsum("ij,ij->i", X, X)[:, None] - 2.0 * X @ C.T + np.einsum("ij,ij->i", C, C), 0.0)


def voronoi_labels(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for every row of X (in row blocks)."""
    labels = np.empty(X.shape[0], dtype=np.int64)
    for rows in row_chunks(X.shape[0], centers.shape[0]):
        labels[rows] = np.argmin(sq_distances(X[rows], centers), axis=1)
    return labels


def rnet_centers(points: np.ndarray, radius: float, w_min: float, rng: np.random.Generator,
                 max_points: int = 2000) -> np.ndarray:
    """Centres of a density-ordered r-net of ``points`` (on a seeded subsample of max_points),
    without centres lighter than w_min / 2, each moved to the mean of its Voronoi cell."""
    if points.shape[0] > max_points:
        points = points[rng.choice(points.shape[0], size=max_points, replace=False)]
    D2 = sq_distances(points, points)
    density = (D2 <= (radius / 2) ** 2).sum(axis=1)
    covered = np.zeros(points.shape[0], dtype=bool)
    chosen = []
    while not covered.all():  # one iteration per centre
        i = int(np.argmax(np.where(covered, -1, density)))
        chosen.append(i)
        covered |= D2[i] <= radius**2
    centers = points[chosen]
    labels = np.argmin(D2[:, chosen], axis=1)
    mass = np.bincount(labels, minlength=len(chosen)) / points.shape[0]
    keep = mass >= w_min / 2
    if not keep.any():
        keep[np.argmax(mass)] = True
    centers = centers[keep]
    labels = voronoi_labels(points, centers)
    return np.stack([points[labels == j].mean(axis=0) for j in range(centers.shape[0])])
