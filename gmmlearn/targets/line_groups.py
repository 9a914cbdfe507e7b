"""``line_groups``: the C2 instance (docs/theory.md §6, claim C2).

``m`` groups on a line along ``e_1``, ``spacing * sigma`` apart and centred at 0; each group is a
pair of unit-variance (``sigma``) components ``gap * sigma`` apart. The groups differ in their
weight split -- group j puts ``p_j`` of its mass on its first component, ``p_j`` evenly spaced in
[0.2, 0.8] -- and, with ``orientation='varied'``, in the direction of their pair (angle
``j pi / m`` from ``e_2`` in the (e_1, e_2) plane). Every group has mass 1/m.
``params['atom_groups']`` gives each atom's group (for a per-group oracle partition).

Why this instance: near group j the denoiser is a local function (a tanh switch across the
pair, shifted by ``log(p_j / (1 - p_j))``). A global polynomial ``sum_{k <= K} z_1^k q_k(z_2)``
restricted to the m lines ``z_1 = c_j`` spans only K + 1 functions of z_2, so it needs
``K >= m - 1`` to represent m different local denoisers: its error grows with m (and with the
half-length ``L = (m - 1) spacing / 2``), a piecewise fit's does not. (``far_groups``, two groups
at +-L, does not show this: there a near-affine switch in z_1 suffices and the global fit gets
*easier* as L grows.)
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_choice, check_int, check_length
from .base import FAMILIES
from .location import LocationMixture

ORIENTATIONS = ("parallel", "varied")


def group_splits(m: int) -> np.ndarray:
    """Weight split p_j of each group: evenly spaced in [0.2, 0.8] (0.3 for a single group)."""
    return np.array([0.3]) if m == 1 else np.linspace(0.2, 0.8, m)


@FAMILIES.register("line_groups")
def line_groups(
    m: int = 4,
    spacing: float = 11.0,
    gap: float = 2.5,
    dim: int = 2,
    sigma: float = 1.0,
    orientation: str = "parallel",
) -> LocationMixture:
    """m pairs of components on a line along e1, spacing*sigma apart, each pair gap*sigma apart
    with its own weight split (and, if 'varied', its own orientation)."""
    m = check_int("m", m, minimum=1)
    spacing = check_length("spacing", spacing)
    gap = check_length("gap", gap, allow_zero=True)
    dim = check_int("dim", dim, minimum=2)
    sigma = check_length("sigma", sigma)
    check_choice("orientation", orientation, ORIENTATIONS)
    centers = (np.arange(m) - 0.5 * (m - 1)) * spacing * sigma
    angles = np.pi * np.arange(m) / m if orientation == "varied" else np.zeros(m)
    half = 0.5 * gap * sigma * np.column_stack([-np.sin(angles), np.cos(angles)])  # (m, 2)
    atoms = np.zeros((2 * m, dim))
    atoms[0::2, 0], atoms[1::2, 0] = centers - half[:, 0], centers + half[:, 0]
    atoms[0::2, 1], atoms[1::2, 1] = -half[:, 1], half[:, 1]
    p = group_splits(m)
    weights = np.column_stack([p, 1.0 - p]).ravel() / m
    params = dict(
        m=m,
        spacing=spacing,
        gap=gap,
        dim=dim,
        sigma=sigma,
        orientation=orientation,
        L=0.5 * (m - 1) * spacing * sigma,
        atom_groups=np.repeat(np.arange(m), 2).tolist(),
    )
    return LocationMixture(atoms, weights, sigma, family="line_groups", params=params)
