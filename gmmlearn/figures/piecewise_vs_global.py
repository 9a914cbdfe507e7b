"""Figure ``piecewise_vs_global`` (claim C2): projected TV per partition versus the number of
groups on a line (line_groups) and versus the distance of two groups (far_groups, the negative
result)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..claims.c2_piecewise import TV2
from .common import (
    FIGURES,
    claims_banner,
    color_map,
    draw_controls,
    figure_claims,
    finish,
    floor_line,
    is_control,
    lines_by,
    param_column,
    positive_log_ylim,
    style,
)

NAME = "piecewise_vs_global"


def _tv(summary, family, control=False):
    """The diffusion learner's 2-D TV rows on a family: its claims' controls, or the rest."""
    sel = summary[
        (summary["metric"] == TV2[0])
        & (summary["estimator"] == TV2[1])
        & (summary["family"] == family)
        & (summary["learner"] == "diffusion_poly")
    ]
    sel = sel[is_control(sel, figure_claims(NAME)) == control]
    return sel.assign(partition=param_column(sel, "partition"))


@FIGURES.register(NAME)
def piecewise_vs_global(summary, out_prefix, title: str = "", claims=None):
    """C2: 2-D projected TV per partition vs m (line_groups) and vs L (far_groups)."""
    panels = [
        (
            "line_groups",
            "p_target_m",
            "groups on a line m (11 sigma apart)",
            "line_groups: m groups",
        ),
        (
            "far_groups",
            "p_target_L",
            "group distance L (units of sigma)",
            "far_groups (negative result)",
        ),
    ]
    panels = [p for p in panels if not _tv(summary, p[0]).empty]
    with style():
        colors = color_map(
            _tv(summary, panels[0][0])["partition"].tolist()
            + _tv(summary, panels[-1][0])["partition"].tolist()
        )
        fig, axes = plt.subplots(
            1, len(panels), figsize=(3.8 * len(panels), 3.1), layout="constrained", squeeze=False
        )
        for ax, (family, x, xlabel, panel_title) in zip(axes[0], panels):
            tv = _tv(summary, family)
            lines_by(ax, tv, x, "partition", colors=colors)
            control = _tv(summary, family, control=True)
            draw_controls(ax, control, x, figure_claims(NAME))
            floor_line(ax, pd.concat([tv, control]), x)
            ax.set(xlabel=xlabel, ylabel="2-D projected TV (mean of planes)", title=panel_title)
            positive_log_ylim(ax, pd.concat([tv, control]))
            ax.legend(fontsize=7, title="partition")
        heading = "C2: piecewise vs global polynomial regression"
        return finish(fig, summary, title or claims_banner(claims, NAME, heading), out_prefix)
