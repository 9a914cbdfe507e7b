"""``far_groups``: two groups at ``+L e_1`` and ``-L e_1``, a documented negative result for C2.

Each group is a pair of components ``gap * sigma`` apart along ``e_2`` with unequal weights
(``params['atom_groups']`` gives each atom's group). It was meant to force a global polynomial's
degree up with L; it does not: the two groups differ by a shift of the same switch along e_2,
so in L2(p_t) a near-affine switch in x_1 between the groups suffices, and the global fit gets
*easier* as L grows (docs/theory.md §6 gives the measured TVs). The C2 sweep uses
``line_groups`` instead.
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_int, check_length
from .base import FAMILIES
from .location import LocationMixture


@FAMILIES.register("far_groups")
def far_groups(
    L: float = 8.0,
    gap: float = 2.5,
    dim: int = 2,
    sigma: float = 1.0,
    weights=(0.35, 0.15, 0.2, 0.3),
) -> LocationMixture:
    """Pairs of components gap*sigma apart along e2, placed at +-L e1, weights (+L pair, -L
    pair)."""
    L = check_length("L", L, allow_zero=True)
    gap = check_length("gap", gap, allow_zero=True)
    dim = check_int("dim", dim, minimum=2)
    sigma = check_length("sigma", sigma)
    atoms = np.zeros((4, dim))
    atoms[:, 0] = [L, L, -L, -L]
    atoms[:, 1] = 0.5 * gap * sigma * np.array([-1, 1, -1, 1])
    params = dict(
        L=L, gap=gap, dim=dim, sigma=sigma, weights=list(weights), atom_groups=[0, 0, 1, 1]
    )
    return LocationMixture(atoms, weights, sigma, family="far_groups", params=params)
