"""Partitions for piecewise regression: Voronoi assignment and the warm-start r-net (THEORY §4.1).

Warm start (recon of GKL's step 2): the centres for a level come from the denoised points of the
previous, noisier level, at a bandwidth h and a cell radius rho tied to the level's noise scale:

1. *clusters*: a greedy r-net of the points at radius h seeds a mean shift (the uncovered point
   with the most neighbours within h/2 becomes a seed and covers everything within h); each seed
   climbs to a mode of the Gaussian kernel density of the points, and seeds whose modes lie
   within h/2 of each other merge. A component of any dimension is one mode, not a net of
   fragments; two components separate once they are more than about ``2 sqrt(s^2 + h^2)``
   apart (s their spread). Modes holding less than ``w_min / 2`` of the points are dropped;
2. *cells*: inside each cluster, a greedy r-net at radius rho (GKL's cover by balls): cells
   smaller than a component let low-degree polynomials follow the score's bends (measured: they
   halve the excess TV on overlapping mixtures), and no cell straddles two clusters. Cells
   lighter than ``w_min / 2`` are dropped; each centre moves to the mean of its cell.

The numbers of clusters and cells are found from the data, never given.
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


def rnet_seeds(points: np.ndarray, radius: float) -> np.ndarray:
    """Indices of a density-ordered greedy r-net of the points (one loop iteration per seed)."""
    D2 = sq_distances(points, points)
    density = (D2 <= (radius / 2) ** 2).sum(axis=1)
    return greedy_net(D2, np.argsort(-density, kind="stable"), radius)


def greedy_net(D2: np.ndarray, order: np.ndarray, radius: float) -> np.ndarray:
    """Indices kept by a greedy pass over ``order``: a point is kept unless it lies within
    ``radius`` of a point kept before it (``D2`` holds the squared pairwise distances)."""
    covered = np.zeros(D2.shape[0], dtype=bool)
    chosen = []
    for i in order:  # vectorised per kept point; skips covered ones
        if not covered[i]:
            chosen.append(int(i))
            covered |= D2[i] <= radius**2
    return np.array(chosen, dtype=np.int64)


def mean_shift(seeds: np.ndarray, points: np.ndarray, bandwidth: float, n_iter: int = 100,
               tol: float = 1e-4) -> np.ndarray:
    """Move every seed to a mode of the Gaussian kernel density of ``points``: the fixed-point
    map, vectorised over the seeds still moving by more than ``tol * bandwidth``."""
    modes = seeds.copy()
    active = np.arange(modes.shape[0])
    for _ in range(n_iter):
        logw = -sq_distances(modes[active], points) / (2 * bandwidth**2)
        w = np.exp(logw - logw.max(axis=1, keepdims=True))
        new = (w @ points) / w.sum(axis=1, keepdims=True)
        moved = np.linalg.norm(new - modes[active], axis=1)
        modes[active] = new
        active = active[moved >= tol * bandwidth]
        if active.size == 0:
            break
    return modes


def warm_start_centers(points: np.ndarray, bandwidth: float, cell_radius: float, w_min: float,
                       rng: np.random.Generator, max_points: int = 1000) -> tuple[np.ndarray, int]:
    """Cell centres and the number of clusters of ``points`` (module docstring), computed on a
    seeded subsample of max_points."""
    if points.shape[0] > max_points:
        points = points[rng.choice(points.shape[0], size=max_points, replace=False)]
    modes = mean_shift(points[rnet_seeds(points, bandwidth)], points, bandwidth)
    densest_first = np.argsort(-_kernel_mass(modes, points, bandwidth), kind="stable")
    modes = modes[greedy_net(sq_distances(modes, modes), densest_first, bandwidth / 2)]
    cluster = voronoi_labels(points, modes)
    mass = np.bincount(cluster, minlength=len(modes)) / points.shape[0]
    keep = mass >= w_min / 2
    keep[np.argmax(mass)] = True
    cluster = voronoi_labels(points, modes[keep])
    centers = []
    for j in range(int(keep.sum())):  # one iteration per cluster
        members = points[cluster == j]
        seeds = members[rnet_seeds(members, cell_radius)]
        labels = voronoi_labels(members, seeds)
        heavy = np.bincount(labels, minlength=len(seeds)) >= max(1, w_min / 2 * points.shape[0])
        if not heavy.any():
            centers.append(members.mean(axis=0))
            continue
        labels = voronoi_labels(members, seeds[heavy])
        centers.extend(members[labels == i].mean(axis=0) for i in range(int(heavy.sum())))
    return np.array(centers), int(keep.sum())


def _kernel_mass(modes: np.ndarray, points: np.ndarray, bandwidth: float) -> np.ndarray:
    return np.exp(-sq_distances(modes, points) / (2 * bandwidth**2)).sum(axis=1)


class VoronoiPartition:
    """Cells are the Voronoi regions of the scaled centres ``scale * c_j`` (GKL)."""

    def __init__(self, centers: np.ndarray, scale: float):
        self.centers = np.atleast_2d(np.asarray(centers, dtype=np.float64))
        self.scale = float(scale)

    @property
    def n_cells(self) -> int:
        return self.centers.shape[0]

    def assign(self, Z: np.ndarray) -> np.ndarray:
        if self.n_cells == 1:
            return np.zeros(Z.shape[0], dtype=np.int64)
        return voronoi_labels(Z, self.scale * self.centers)

    def without(self, j: int) -> "VoronoiPartition":
        """The partition with cell j merged into its neighbours."""
        return VoronoiPartition(np.delete(self.centers, j, axis=0), self.scale)


class GaussianRegions:
    """CKS's likelihood-ratio regions: components ``N(means_i, covs_i)`` are grouped; a point
    goes to the group of its most likely component, ``argmax_i log w_i + log N(x; m_i, S_i)``.
    ``centers`` (one per group, data units) anchor each cell's features at ``scale * c``."""

    def __init__(self, centers, group, means, covs, log_weights, scale: float):
        self.centers = np.atleast_2d(np.asarray(centers, dtype=np.float64))
        self.group = np.asarray(group, dtype=np.int64)
        self.means, self.covs = np.asarray(means), np.asarray(covs)
        self.log_weights = np.asarray(log_weights, dtype=np.float64)
        self.scale = float(scale)
        self._chol = np.linalg.cholesky(self.covs)
        self._logdet = 2 * np.log(np.diagonal(self._chol, axis1=1, axis2=2)).sum(axis=1)

    @property
    def n_cells(self) -> int:
        return self.centers.shape[0]

    def assign(self, Z: np.ndarray) -> np.ndarray:
        scores = np.empty((Z.shape[0], self.means.shape[0]))
        for i in range(self.means.shape[0]):  # loop over components, vectorised over points
            y = np.linalg.solve(self._chol[i], (Z - self.means[i]).T)
            scores[:, i] = self.log_weights[i] - 0.5 * (self._logdet[i] + np.einsum("ij,ij->j", y, y))
        return self.group[np.argmax(scores, axis=1)]

    def without(self, j: int) -> "GaussianRegions":
        """Group j's components join the group with the nearest centre."""
        others = [g for g in range(self.n_cells) if g != j]
        nearest = others[int(np.argmin(np.sum((self.centers[others] - self.centers[j]) ** 2, axis=1)))]
        group = np.where(self.group == j, nearest, self.group)
        group = group - (group > j)
        return GaussianRegions(np.delete(self.centers, j, axis=0), group, self.means, self.covs,
                               self.log_weights, self.scale)
