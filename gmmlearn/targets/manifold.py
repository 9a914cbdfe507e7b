"""``manifold``: Gaussian convolutions of the uniform (surface) measure on a low-dimensional shape.

Atoms are a fine grid on the shape with quadrature weights proportional to the surface element,
embedded in R^dim by a seeded random rotation; the target is that exact location mixture.
Shapes (in their own R^m, before embedding, all of size ``scale``):

* ``circle`` (m=2): radius scale, M equal-angle atoms (trapezoid rule).
* ``sphere`` (m=3): radius scale, Gauss-Legendre in cos(theta) x equal angles in phi.
* ``torus`` (m=3): major radius scale, minor radius scale/3, weights ~ (R + r cos phi).
* ``swiss_roll`` (m=3): (u cos u, h, u sin u), u in [1.5 pi, 4.5 pi], h in [-2.25 pi, 2.25 pi],
  rescaled so max |u| = scale; weights ~ sqrt(1 + u^2).
* ``two_circles`` (m=3): two linked rings of radius scale/2, one in the (x, y) plane around
  (-scale/4, 0, 0), one in the (x, z) plane around (scale/4, 0, 0); each passes through the other's
  disc, half of the atoms on each.
* ``curve`` (m=3): a random smooth closed curve (3 Fourier harmonics, coefficients ~ 1/j^2,
  seeded), rescaled to max radius scale; weights ~ speed (arc length).
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_choice, check_int, check_length
from .base import FAMILIES
from .generators import explicit_or_generated, random_orthonormal
from .location import LocationMixture

SHAPE_DIMS = {"circle": 2, "sphere": 3, "torus": 3, "swiss_roll": 3, "two_circles": 3, "curve": 3}


def _midpoints(n: int, lo: float, hi: float) -> np.ndarray:
    return lo + (hi - lo) * (np.arange(n) + 0.5) / n


def _grid_sizes(n_atoms: int, aspect: float) -> tuple[int, int]:
    """(n1, n2) with n1 / n2 ~ aspect and n1 * n2 ~ n_atoms."""
    n2 = max(2, int(round(np.sqrt(n_atoms / aspect))))
    return max(2, int(round(n_atoms / n2))), n2


def shape_grid(shape: str, n_atoms: int, scale: float, rng: np.random.Generator):
    """Atoms (M, m) and quadrature weights of the uniform surface measure on ``shape``."""
    if shape == "circle":
        a = _midpoints(n_atoms, 0.0, 2 * np.pi)
        return scale * np.column_stack([np.cos(a), np.sin(a)]), np.ones(n_atoms)
    if shape == "sphere":
        n_phi, n_z = _grid_sizes(n_atoms, 2.0)
        z, wz = np.polynomial.legendre.leggauss(n_z)
        phi = _midpoints(n_phi, 0.0, 2 * np.pi)
        r = np.sqrt(1 - z**2)
        pts = np.column_stack(
            [
                np.outer(r, np.cos(phi)).ravel(),
                np.outer(r, np.sin(phi)).ravel(),
                np.repeat(z, n_phi),
            ]
        )
        return scale * pts, np.repeat(wz, n_phi)
    if shape == "torus":
        n_theta, n_phi = _grid_sizes(n_atoms, 3.0)
        theta, phi = np.meshgrid(
            _midpoints(n_theta, 0, 2 * np.pi), _midpoints(n_phi, 0, 2 * np.pi), indexing="ij"
        )
        R, r = scale, scale / 3.0
        ring = R + r * np.cos(phi)
        pts = np.column_stack(
            [
                (ring * np.cos(theta)).ravel(),
                (ring * np.sin(theta)).ravel(),
                (r * np.sin(phi)).ravel(),
            ]
        )
        return pts, ring.ravel()
    if shape == "swiss_roll":
        n_u, n_h = _grid_sizes(n_atoms, 4.0)
        u, h = np.meshgrid(
            _midpoints(n_u, 1.5 * np.pi, 4.5 * np.pi),
            _midpoints(n_h, -2.25 * np.pi, 2.25 * np.pi),
            indexing="ij",
        )
        pts = np.column_stack([(u * np.cos(u)).ravel(), h.ravel(), (u * np.sin(u)).ravel()])
        return pts * (scale / (4.5 * np.pi)), np.sqrt(1 + u**2).ravel()
    if shape == "two_circles":
        half = max(1, n_atoms // 2)
        a = _midpoints(half, 0.0, 2 * np.pi)
        ring = 0.5 * scale * np.column_stack([np.cos(a), np.sin(a), np.zeros(half)])
        first = ring + [-0.25 * scale, 0.0, 0.0]
        second = ring[:, [0, 2, 1]] + [0.25 * scale, 0.0, 0.0]
        return np.vstack([first, second]), np.ones(2 * half)
    if shape == "curve":
        harmonics = np.arange(1, 4)
        coef = rng.standard_normal((2, harmonics.size, 3)) / harmonics[None, :, None] ** 2
        s = _midpoints(n_atoms, 0.0, 2 * np.pi)
        ang = np.outer(s, harmonics)
        pts = np.cos(ang) @ coef[0] + np.sin(ang) @ coef[1]
        vel = (-np.sin(ang) * harmonics) @ coef[0] + (np.cos(ang) * harmonics) @ coef[1]
        pts = pts - pts.mean(axis=0)
        return pts * (scale / np.linalg.norm(pts, axis=1).max()), np.linalg.norm(vel, axis=1)
    raise AssertionError(shape)


@FAMILIES.register("manifold")
def manifold(
    shape: str = "circle",
    dim: int | None = None,
    n_atoms: int = 720,
    scale: float = 4.0,
    sigma: float = 0.5,
    atoms=None,
    weights=None,
    seed: int = 0,
) -> LocationMixture:
    """Gaussian convolution of the uniform measure on a shape (circle, sphere, torus, swiss_roll,
    curve) gridded by n_atoms atoms and embedded in R^dim (default: the shape's own dimension)
    by a seeded random rotation; ``atoms`` / ``weights`` replace the grid."""
    check_choice("shape", shape, SHAPE_DIMS)
    sigma = check_length("sigma", sigma)
    if atoms is not None:
        atoms = explicit_or_generated("atoms", atoms, dim)
        w = np.full(atoms.shape[0], 1.0 / atoms.shape[0]) if weights is None else weights
        return LocationMixture(
            atoms,
            w,
            sigma,
            family="manifold",
            params=dict(shape=shape, dim=atoms.shape[1], sigma=sigma),
        )
    m = SHAPE_DIMS[shape]
    dim = m if dim is None else check_int("dim", dim, minimum=m)
    n_atoms = check_int("n_atoms", n_atoms, minimum=8)
    scale = check_length("scale", scale)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    basis = random_orthonormal(dim, m, rng)
    points, w = shape_grid(shape, n_atoms, scale, rng)
    params = dict(
        shape=shape, dim=dim, n_atoms=points.shape[0], scale=scale, sigma=sigma, seed=seed
    )
    return LocationMixture(points @ basis.T, w / w.sum(), sigma, family="manifold", params=params)
