"""Figure ``samplers`` (claim C7): the exact-score sampler's 1-D projected TV versus the step count,
one row per target, one column per sampler, one line per schedule; the exact-sample floor and
the broken-score control."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..claims.c7_samplers import TV1
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
    log_axis,
    param_column,
    positive_log_ylim,
    style,
    target_label,
)

NAME = "samplers"


@FIGURES.register(NAME)
def samplers(summary, out_prefix, title: str = "", claims=None):
    """C7: exact-score sampler TV vs steps, per target (rows), sampler (columns) and schedule
    (lines)."""
    oracle = summary[
        (summary["learner"] == "oracle")
        & (summary["metric"] == TV1[0])
        & (summary["estimator"] == TV1[1])
    ]
    if oracle.empty:
        raise ValueError("the samplers figure needs rows of learner 'oracle' in the summary")
    oracle = oracle.assign(
        sampler=param_column(oracle, "sampler"), schedule=param_column(oracle, "schedule")
    )
    drawn = figure_claims(NAME)
    key = ["family", "p_target_shape"] if "p_target_shape" in oracle else ["family"]
    targets = list(oracle.groupby(key, sort=True, dropna=False))
    names = sorted(oracle["sampler"].unique())
    with style():
        colors = color_map(oracle["schedule"])
        fig, axes = plt.subplots(
            len(targets),
            len(names),
            figsize=(3.2 * len(names), 2.7 * len(targets)),
            layout="constrained",
            squeeze=False,
            sharex=True,
        )
        for r, (row, (_, group)) in enumerate(zip(axes, targets)):
            for ax, sampler in zip(row, names):
                sel = group[group["sampler"] == sampler]
                control = is_control(sel, drawn)
                main = sel[~control]
                lines_by(ax, main, "p_learner_n_steps", "schedule", colors=colors)
                draw_controls(ax, sel[control], "p_learner_n_steps", drawn, errorbars=False)
                floor_line(ax, main)
                log_axis(ax, "x")
                positive_log_ylim(ax, sel)
                ax.set(
                    title=f"{sampler} sampler" if r == 0 else "",
                    xlabel="reverse steps" if r == len(targets) - 1 else "",
                )
            row[0].set_ylabel(
                f"{target_label(group, keys=('shape', 'k', 'separation', 'sigma'))}\n"
                "1-D projected TV (mean of planes)",
                fontsize=7.5,
            )
        axes[0][0].legend(fontsize=7, title="schedule")
        heading = "C7: exact-score samplers vs step count"
        return finish(fig, summary, title or claims_banner(claims, NAME, heading), out_prefix)
