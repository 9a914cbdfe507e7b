"""C2 (GKL, and CKS's Figure 1 argument): piecewise beats global polynomial regression, and the
advantage grows with the number of distant groups.

Sweep ``piecewise_vs_global``: ``line_groups`` (m weight-split pairs on a line, m in {2, 3, 4, 6};
half-length L = (m - 1) spacing / 2) and ``far_groups`` (two groups at +-L), each fitted by
``diffusion_poly`` with the warm-start partition, the oracle partitions and one global cell.
2-D projected TV (mean over planes); learners share data and evaluation streams, so differences
are paired by replicate (docs/theory.md §6):

* C2a: TV(warm start) - TV(global) on line_groups at the largest m. Expected <= 0 (the interval
  entirely below 0). Control: the warm-start learner with its score scaled by 0.5.
* C2b: the slope in L of TV(global) - TV(warm start) on line_groups. Expected >= 0 (the gap
  grows with the line's length). Control: the same slope on far_groups, where two groups only
  need a near-affine switch between them and the global fit gets easier with L (the documented
  negative result of ``far_groups``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import CLAIMS, Arm, Claim, MissingData, Region, ok_rows, paired, slopes, table

TV2 = ("tv_projected", "hist2d_mean")
WARM = Arm("diffusion_poly", {"partition": "warm_start", "score_scale": 1.0}, family="line_groups")


def tv(rows, arm, x: str):
    return table(with_half_length(ok_rows(rows, arm, *TV2)), x)


def with_half_length(rows):
    """Rows with ``L``: far_groups' own L, or line_groups' (m - 1) spacing / 2 (in sigma units),
    from the rows' resolved target parameters."""

    def column(name):
        return rows[name].astype(float) if name in rows else pd.Series(np.nan, index=rows.index)

    line = 0.5 * (column("p_target_m") - 1) * column("p_target_spacing")
    return rows.assign(L=np.where(rows["family"] == "line_groups", line, column("p_target_L")))


@CLAIMS.register
class PiecewiseBeatsGlobal(Claim):
    id = "C2a"
    statement = "piecewise polynomial regression beats a global polynomial on m distant groups"
    sweep = "piecewise_vs_global"
    figure = "piecewise_vs_global"
    quantity = "paired TV(warm start) - TV(global), 2-D projected TV, line_groups at the largest m"
    kind = "paired_difference"
    expected = Region(high=0.0)
    subject = WARM
    control = WARM.but(score_scale=0.5)
    control_note = "a score scaled by 0.5 is worse than any global fit"

    def per_replicate(self, rows, arm):
        mine = tv(rows, arm, "p_target_m")
        m = mine.columns.max()
        glob = tv(rows, arm.but(partition="global", score_scale=1.0), "p_target_m")
        if m not in glob:
            raise MissingData(f"no global fit at m = {m}")
        return paired(mine[m], glob[m])


@CLAIMS.register
class GapGrowsWithLength(Claim):
    id = "C2b"
    statement = "the global polynomial's disadvantage grows with the number of groups on a line"
    sweep = "piecewise_vs_global"
    figure = "piecewise_vs_global"
    quantity = "slope in L (sigma units) of paired TV(global) - TV(warm start), 2-D projected TV"
    kind = "trend"
    expected = Region(low=0.0)
    subject = WARM
    control = Arm(
        "diffusion_poly", {"partition": "warm_start", "score_scale": 1.0}, family="far_groups"
    )
    control_note = (
        "two groups at +-L need only a near-affine switch: the global fit gets easier with L"
    )

    def per_replicate(self, rows, arm):
        mine = tv(rows, arm, "L")
        glob = tv(rows, arm.but(partition="global", score_scale=1.0), "L")
        common = mine.columns.intersection(glob.columns)
        gap = glob[common].sub(mine[common]).dropna()
        return slopes(gap, log_x=False, log_y=False)
