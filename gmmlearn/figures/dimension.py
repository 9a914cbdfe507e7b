"""Figure ``dimension`` (claim C4): regression GEMM time and whole fit time against the nominal
feature count C(n + D, D),
excess projected TV and features per cell against the ambient dimension, subspace none vs pca."""

from __future__ import annotations

from math import comb

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

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
    positive_log_ylim,
    select,
    style,
)

NAME = "dimension"


def _arm(summary):
    learner = summary[summary["learner"] == "diffusion_poly"]
    control = is_control(learner, figure_claims(NAME))
    return learner[~control], learner[control]


@FIGURES.register(NAME)
def dimension(summary, out_prefix, title: str = "", claims=None):
    """C4: fit time vs C(n + D, D), 2-D projected TV and features per cell vs n, subspace none
    vs pca:r."""
    learner, control = _arm(summary)
    tv = select(learner, "tv_projected", "hist2d_mean")
    tv = tv.assign(
        features=[comb(int(n) + int(d), int(d)) for n, d in zip(tv["dim"], tv["degree"])]
    )
    with style():
        colors = color_map(tv["p_learner_subspace"])
        fig, axes = plt.subplots(1, 3, figsize=(10.2, 3.1), layout="constrained")
        gemm = learner[(learner["metric"] == "diag_gemm_seconds") & (learner["estimator"] == "sum")]
        gemm = gemm.assign(
            features=[comb(int(n) + int(d), int(d)) for n, d in zip(gemm["dim"], gemm["degree"])]
        )
        for subspace, lines in tv.groupby("p_learner_subspace", sort=True):
            lines = lines.sort_values("features")
            axes[0].plot(
                lines["features"],
                lines["fit_seconds"],
                marker="o",
                linestyle="--",
                color=colors[subspace],
                label=f"{subspace}: whole fit",
            )
            for _, row in lines.iterrows():
                axes[0].annotate(
                    f"n={int(row['dim'])}",
                    (row["features"], row["fit_seconds"]),
                    fontsize=6,
                    xytext=(2, 2),
                    textcoords="offset points",
                )
            core = gemm[gemm["p_learner_subspace"] == subspace].sort_values("features")
            if not core.empty:
                axes[0].plot(
                    core["features"],
                    core["mean"],
                    marker="s",
                    color=colors[subspace],
                    label=f"{subspace}: Gram GEMMs (C4a)",
                )
        axes[0].set(
            xlabel="nominal features C(n + D, D)", ylabel="seconds (mean over seeds)", title="cost"
        )
        log_axis(axes[0], "x")
        log_axis(axes[0], "y")
        axes[0].legend(fontsize=6)
        lines_by(axes[1], tv, "dim", "p_learner_subspace", colors=colors)
        shown = tv
        if not control.empty:
            ctl = select(control, "tv_projected", "hist2d_mean")
            draw_controls(axes[1], ctl, "dim", figure_claims(NAME))
            shown = pd.concat([tv, ctl])
        floor_line(axes[1], tv, "dim")
        axes[1].set(
            xlabel="dimension n", ylabel="2-D projected TV (mean of planes)", title="accuracy"
        )
        log_axis(axes[1], "x")
        positive_log_ylim(axes[1], shown)
        axes[1].legend(fontsize=7)
        feats = learner[(learner["metric"] == "diag_features") & (learner["estimator"] == "max")]
        if not feats.empty:
            lines_by(axes[2], feats, "dim", "p_learner_subspace", colors=colors)
            dims = np.array(sorted(feats["dim"].unique()))
            degree = int(feats["degree"].max())
            axes[2].plot(
                dims,
                [comb(int(d) + degree, degree) for d in dims],
                color="0.4",
                linestyle="--",
                linewidth=1,
                label=f"C(n + {degree}, {degree})",
            )
            axes[2].set(
                xlabel="dimension n", ylabel="features per cell (max over levels)", title="features"
            )
            log_axis(axes[2], "x")
            log_axis(axes[2], "y")
            axes[2].legend(fontsize=7)
        heading = "C4: cost and error vs dimension, isotropic_gmm(k=4)"
        return finish(fig, summary, title or claims_banner(claims, NAME, heading), out_prefix)
