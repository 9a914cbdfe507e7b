"""Figure ``manifolds`` (claim C5): projected TV versus n_train on each manifold convolution, the
diffusion learner against EM (k 8, 32) and the KDE, with the oracle score and the exact floor."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..claims.c5_manifolds import TV2
from .common import (
    FIGURES,
    claims_banner,
    color_map,
    draw_controls,
    figure_claims,
    finish,
    floor_line,
    is_control,
    learner_labels,
    lines_by,
    log_axis,
    param_column,
    positive_log_ylim,
    style,
)

NAME = "manifolds"


def _components(frame):
    k = param_column(frame, "n_components")
    return k.map(lambda v: f" (k = {int(float(v))})" if v == v else "")


@FIGURES.register(NAME)
def manifolds(summary, out_prefix, title: str = "", claims=None):
    """C5: 2-D projected TV vs n_train per manifold instance, diffusion vs EM and KDE."""
    drawn = figure_claims(NAME)
    tv = summary[
        (summary["metric"] == TV2[0]) & (summary["estimator"] == TV2[1]) & (summary["n_ok"] > 0)
    ]
    tv = tv.assign(label=learner_labels(tv, drawn, _components), control=is_control(tv, drawn))
    instances = list(tv.groupby(["p_target_shape", "dim"], sort=True))
    cols = min(3, len(instances))
    rows = int(np.ceil(len(instances) / cols))
    with style():
        colors = color_map(tv.loc[tv["n_train"].notna() & ~tv["control"], "label"])
        fig, axes = plt.subplots(
            rows, cols, figsize=(3.4 * cols, 2.9 * rows), layout="constrained", squeeze=False
        )
        for ax, ((shape, dim), frame) in zip(axes.ravel(), instances):
            fitted = frame[frame["n_train"].notna()]
            lines_by(ax, fitted[~fitted["control"]], "n_train", "label", colors=colors)
            draw_controls(ax, fitted[fitted["control"]], "n_train", drawn, errorbars=False)
            oracle = frame[frame["learner"] == "oracle"]
            if not oracle.empty:
                ax.axhline(
                    oracle["mean"].iloc[0], color="0.45", linestyle=":", label="oracle score"
                )
            floor_line(ax, fitted)
            log_axis(ax, "x")
            ax.set(
                xlabel="training samples n_train",
                ylabel="2-D projected TV (mean of planes)",
                title=f"{shape} in R^{int(dim)}",
            )
            positive_log_ylim(ax, frame)
        for ax in axes.ravel()[len(instances) :]:
            ax.set_visible(False)
        axes[0][0].legend(fontsize=6.5)
        heading = "C5: Gaussian convolutions of manifolds (sigma = 0.5, radius 4)"
        return finish(fig, summary, title or claims_banner(claims, NAME, heading), out_prefix)
