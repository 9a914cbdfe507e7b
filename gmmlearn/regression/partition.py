"""Partitions for piecewise regression (docs/theory.md §4.1-4.2) and GKL's warm start.

A :class:`Partition` is the declared interface every partition implements: ``centers`` (one
anchor per cell, data units; a cell's features are centred at ``scale * c``), ``n_cells``,
``assign(Z)`` (the cell of every row) and ``without(j)`` (cell j merged into its neighbours).
Two implementations: :class:`VoronoiPartition` (GKL: nearest scaled centre) and
:class:`GaussianRegions` (CKS: the group of the most likely crude component).

Warm start (our reading of GKL's step 2; the paper gives no algorithm box we could consult):
the centres for a level come from the denoised points of the previous, noisier level, at a
bandwidth h and (for ``rnet`` cells) a cell radius rho tied to the level's noise scale:

1. *clusters*: a greedy r-net of the points at radius h seeds a mean shift (the uncovered point
   with the most neighbours within h/2 becomes a seed and covers everything within h); each seed
   climbs to a mode of the Gaussian kernel density of the points, and seeds whose modes lie
   within h/2 of each other merge. A component of any dimension is one mode, not a net of
   fragments; two components separate once they are more than about ``2 sqrt(s^2 + h^2)``
   apart (s their spread). Modes holding less than ``w_min / 2`` of the points are dropped
   (their points join the nearest kept mode);
2. *cells*: ``cluster`` -- GKL: one Voronoi cell per cluster, centred at the cluster's mean;
   ``rnet`` -- a variant: inside each cluster a greedy r-net at radius rho (a cover by balls),
   cells lighter than ``w_min / 2`` dropped, each centre moved to the mean of its cell, so that
   no cell straddles two clusters and low degrees can follow the score's bends inside one.

The numbers of clusters and cells are found from the data, never given.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..targets.base import row_chunks

#: warm-start mode seeking: a mode is converged when it moves less than MODE_TOL bandwidths, and
#: seeds closer than MODE_MERGE bandwidths climb together (modes merge at half a bandwidth anyway)
MODE_TOL = 1e-3
MODE_MERGE = 0.1


def sq_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between the rows of X (n, d) and C (m, d)."""
    return np.maximum(
        np.einsum("ij,ij->i", X, X)[:, None] - 2.0 * X @ C.T + np.einsum("ij,ij->i", C, C), 0.0
    )


def voronoi_labels(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for every row of X (in row blocks). ``||x||^2`` is the same
    for every centre, so the argmin is taken over ``||c||^2 - 2 x.c`` alone."""
    labels = np.empty(X.shape[0], dtype=np.int64)
    cc = np.einsum("ij,ij->i", centers, centers)
    for rows in row_chunks(X.shape[0], centers.shape[0]):
        scores = X[rows] @ (-2.0 * centers.T)
        scores += cc
        labels[rows] = np.argmin(scores, axis=1)
    return labels


def cell_slices(labels: np.ndarray, n_cells: int) -> tuple[np.ndarray, list[slice]]:
    """(order, slices): ``order`` sorts the rows by cell, stably (a cell's rows keep their
    order), and ``slices[j]`` are cell j's positions in it -- one gather for all cells instead of
    one boolean scan per cell."""
    order = np.argsort(labels, kind="stable")
    ends = np.cumsum(np.bincount(labels, minlength=n_cells))
    return order, [slice(int(e - c), int(e)) for e, c in zip(ends, np.diff(ends, prepend=0))]


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


def mean_shift(
    seeds: np.ndarray,
    points: np.ndarray,
    bandwidth: float,
    n_iter: int = 100,
    tol: float = 1e-4,
    merge: float | None = None,
) -> np.ndarray:
    """Move every seed to a mode of the Gaussian kernel density of ``points``: the fixed-point
    map, vectorised over the seeds still moving by more than ``tol * bandwidth``. With
    ``merge``, a seed that comes within ``merge * bandwidth`` of another one is dropped (both
    climb the same hill from there): the modes are returned without duplicates, at a cost that
    falls with the number of distinct modes instead of the number of seeds."""
    modes = seeds.copy()
    active = np.arange(modes.shape[0])
    alive = np.ones(modes.shape[0], dtype=bool)
    for _ in range(n_iter):
        logw = -sq_distances(modes[active], points) / (2 * bandwidth**2)
        w = np.exp(logw - logw.max(axis=1, keepdims=True))
        new = (w @ points) / w.sum(axis=1, keepdims=True)
        moved = np.linalg.norm(new - modes[active], axis=1)
        modes[active] = new
        active = active[moved >= tol * bandwidth]
        if merge is not None and active.size:
            live = np.flatnonzero(alive)
            near = sq_distances(modes[active], modes[live]) <= (merge * bandwidth) ** 2
            # drop a moving seed that is near a live seed of smaller index (kept ones stay)
            dup = np.any(near & (live[None, :] < active[:, None]), axis=1)
            alive[active[dup]] = False
            active = active[~dup]
        if active.size == 0:
            break
    return modes[alive]


def warm_start_partition(
    points: np.ndarray,
    bandwidth: float,
    w_min: float,
    scale: float,
    rng: np.random.Generator,
    cell_radius: float | None = None,
    max_points: int = 1000,
) -> tuple[VoronoiPartition, int, int]:
    """The warm-start partition of ``points`` (module docstring), its number of clusters and
    the number of modes dropped as lighter than ``w_min / 2``, computed on a seeded subsample
    of max_points. Without ``cell_radius`` (``cluster`` cells)
    a cell is a whole cluster: its region is the union of the Voronoi regions of an r-net of
    the cluster's points at radius ``bandwidth`` (so it follows the cluster's shape, not the
    bisectors of the cluster means) and its features are centred at the cluster's mean. With
    ``cell_radius`` (``rnet`` cells) each cluster is tiled by an r-net of that radius."""
    if points.shape[0] > max_points:
        points = points[rng.choice(points.shape[0], size=max_points, replace=False)]
    modes = mean_shift(
        points[rnet_seeds(points, bandwidth)], points, bandwidth, tol=MODE_TOL, merge=MODE_MERGE
    )
    densest_first = np.argsort(-_kernel_mass(modes, points, bandwidth), kind="stable")
    modes = modes[greedy_net(sq_distances(modes, modes), densest_first, bandwidth / 2)]
    cluster = voronoi_labels(points, modes)
    mass = np.bincount(cluster, minlength=len(modes)) / points.shape[0]
    keep = mass >= w_min / 2
    keep[np.argmax(mass)] = True
    cluster = voronoi_labels(points, modes[keep])
    n_clusters, dropped = int(keep.sum()), int((~keep).sum())
    members = [points[cluster == j] for j in range(n_clusters)]
    if cell_radius is None:
        anchors = np.stack([m.mean(axis=0) for m in members])
        if n_clusters == 1:
            return VoronoiPartition(anchors, scale), 1, dropped
        sites = [m[rnet_seeds(m, bandwidth)] for m in members]
        group = np.repeat(np.arange(n_clusters), [len(s) for s in sites])
        return (
            VoronoiPartition(anchors, scale, sites=np.concatenate(sites), group=group),
            n_clusters,
            dropped,
        )
    centers = []
    for cluster_points in members:  # one iteration per cluster
        seeds = cluster_points[rnet_seeds(cluster_points, cell_radius)]
        labels = voronoi_labels(cluster_points, seeds)
        heavy = np.bincount(labels, minlength=len(seeds)) >= max(1, w_min / 2 * points.shape[0])
        if not heavy.any():
            centers.append(cluster_points.mean(axis=0))
            continue
        labels = voronoi_labels(cluster_points, seeds[heavy])
        centers.extend(cluster_points[labels == i].mean(axis=0) for i in range(int(heavy.sum())))
    return VoronoiPartition(np.array(centers), scale), n_clusters, dropped


def _kernel_mass(modes: np.ndarray, points: np.ndarray, bandwidth: float) -> np.ndarray:
    return np.exp(-sq_distances(modes, points) / (2 * bandwidth**2)).sum(axis=1)


class Partition(ABC):
    """The interface of a partition (module docstring)."""

    centers: np.ndarray  # (n_cells, r) anchors in data units
    scale: float  # e^{-t}: a cell's features are centred at scale * centers[j]

    @property
    def n_cells(self) -> int:
        return self.centers.shape[0]

    @abstractmethod
    def assign(self, Z: np.ndarray) -> np.ndarray:
        """Cell index (0 .. n_cells - 1) of every row of Z."""

    @abstractmethod
    def without(self, j: int) -> Partition:
        """The partition with cell j merged into its neighbours."""


class VoronoiPartition(Partition):
    """GKL's cells: nearest scaled site ``scale * s_i``. By default the sites are the cell
    anchors (plain Voronoi cells); with ``sites`` and ``group`` (the cell of each site) a cell
    is the union of its sites' Voronoi regions."""

    def __init__(
        self,
        centers: np.ndarray,
        scale: float,
        sites: np.ndarray | None = None,
        group: np.ndarray | None = None,
    ):
        self.centers = np.atleast_2d(np.asarray(centers, dtype=np.float64))
        self.scale = float(scale)
        self.sites = (
            self.centers if sites is None else np.atleast_2d(np.asarray(sites, dtype=np.float64))
        )
        self.group = np.arange(self.n_cells) if group is None else np.asarray(group, dtype=np.int64)

    def assign(self, Z: np.ndarray) -> np.ndarray:
        if self.n_cells == 1:
            return np.zeros(Z.shape[0], dtype=np.int64)
        return self.group[voronoi_labels(Z, self.scale * self.sites)]

    def without(self, j: int) -> VoronoiPartition:
        keep = self.group != j
        group = self.group[keep]
        return VoronoiPartition(
            np.delete(self.centers, j, axis=0), self.scale, self.sites[keep], group - (group > j)
        )


class GaussianRegions(Partition):
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

    def assign(self, Z: np.ndarray) -> np.ndarray:
        scores = np.empty((Z.shape[0], self.means.shape[0]))
        for i in range(self.means.shape[0]):  # loop over components, vectorised over points
            y = np.linalg.solve(self._chol[i], (Z - self.means[i]).T)
            scores[:, i] = self.log_weights[i] - 0.5 * (
                self._logdet[i] + np.einsum("ij,ij->j", y, y)
            )
        return self.group[np.argmax(scores, axis=1)]

    def without(self, j: int) -> GaussianRegions:
        """Group j's components join the group with the nearest centre."""
        others = [g for g in range(self.n_cells) if g != j]
        nearest = others[
            int(np.argmin(np.sum((self.centers[others] - self.centers[j]) ** 2, axis=1)))
        ]
        group = np.where(self.group == j, nearest, self.group)
        group = group - (group > j)
        return GaussianRegions(
            np.delete(self.centers, j, axis=0),
            group,
            self.means,
            self.covs,
            self.log_weights,
            self.scale,
        )


class TiledPartition(Partition):
    """The regions of a base partition, each cut into the Voronoi cells of its own sites: a point
    goes to the nearest scaled site of its region (or of any region, once its own has none)."""

    def __init__(self, base: Partition, sites: np.ndarray, region: np.ndarray, scale: float):
        self.base = base
        self.centers = np.atleast_2d(np.asarray(sites, dtype=np.float64))
        self.region = np.asarray(region, dtype=np.int64)
        self.scale = float(scale)

    def assign(self, Z: np.ndarray) -> np.ndarray:
        own = self.base.assign(Z)
        has_sites = np.isin(own, self.region)
        labels = np.empty(Z.shape[0], dtype=np.int64)
        for rows in row_chunks(Z.shape[0], self.n_cells):
            D2 = sq_distances(Z[rows], self.scale * self.centers)
            D2[(self.region[None, :] != own[rows, None]) & has_sites[rows, None]] = np.inf
            labels[rows] = np.argmin(D2, axis=1)
        return labels

    def without(self, j: int) -> TiledPartition:
        return TiledPartition(
            self.base, np.delete(self.centers, j, axis=0), np.delete(self.region, j), self.scale
        )
