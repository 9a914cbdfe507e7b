"""Figure ``general_covariances`` (claim C6): projected TV versus the condition number for the CKS
and GKL learners and EM; W2 versus the halting time on rank-deficient covariances, next to CKS's
bound sqrt((e^{2 t0} - 1) n) and the run without halting."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..claims.c6_general import TV2, debiased_w2, halting_bound
from .common import (
    CONTROL_STYLE,
    FIGURES,
    claims_banner,
    color_map,
    control_labels,
    draw_controls,
    figure_claims,
    finish,
    floor_line,
    lines_by,
    log_axis,
    param_column,
    positive_log_ylim,
    style,
)

NAME = "general_covariances"


@FIGURES.register(NAME)
def general_covariances(summary, out_prefix, title: str = "", claims=None):
    """C6: TV vs condition number per learner; W2 excess vs halting time with the bound."""
    drawn = figure_claims(NAME)
    summary = summary.assign(control=control_labels(summary, drawn))
    degenerate = param_column(summary, "rank").notna()
    full, halted = summary[~degenerate], summary[degenerate]
    with style():
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.2), layout="constrained")
        tv = full[(full["metric"] == TV2[0]) & (full["estimator"] == TV2[1])]
        main = tv[tv["control"] == ""]
        lines_by(
            axes[0], main, "p_target_condition_number", "learner", colors=color_map(main["learner"])
        )
        control = tv[tv["control"] != ""]
        draw_controls(axes[0], control, "p_target_condition_number", drawn, errorbars=False)
        floor_line(axes[0], main, "p_target_condition_number")
        positive_log_ylim(axes[0], pd.concat([main, control]))
        log_axis(axes[0], "x")
        axes[0].set(
            xlabel="condition number kappa",
            ylabel="2-D projected TV (mean of planes)",
            title="general covariances (full rank)",
        )
        axes[0].legend(fontsize=7)
        w2 = halted[(halted["metric"] == "w2") & (halted["n_ok"] > 0)]
        if not w2.empty:
            ax = axes[1]
            w2 = w2.assign(
                t0=param_column(w2, "halting_time").astype(float),
                w2_hat=debiased_w2(w2["mean"], w2["floor_mean"]),
            )
            halted = w2[w2["t0"].notna() & (w2["control"] == "")].sort_values("t0")
            ax.plot(halted["t0"], halted["w2_hat"], "o-", label="halted at t0")
            for label, frame in w2[w2["t0"].notna() & (w2["control"] != "")].groupby("control"):
                frame = frame.sort_values("t0")
                ax.plot(frame["t0"], frame["w2_hat"], marker="x", label=label, **CONTROL_STYLE)
            t0 = w2["t0"].dropna().to_numpy(float)
            grid = np.geomspace(min(t0.min(), 1e-3), t0.max(), 50)
            dim = float(w2["dim"].iloc[0])
            ax.plot(
                grid,
                halting_bound(grid, dim),
                color="0.25",
                linestyle="--",
                linewidth=1,
                label="bound sqrt((e^{2 t0} - 1) n)",
            )
            no_halt = w2[w2["t0"].isna() & (w2["control"] == "")]
            if not no_halt.empty:
                ax.plot(
                    [1e-3],
                    no_halt["w2_hat"].iloc[:1],
                    "s",
                    color="0.6",
                    label="no halting (reference, to t = 1e-3)",
                )
            log_axis(ax, "x")
            ax.set(
                xlabel="halting time t0",
                ylabel="W2 estimate sqrt(W2^2 - floor^2)",
                title=(
                    f"halting, rank-{int(float(w2['p_target_rank'].iloc[0]))} covariances "
                    f"in R^{int(dim)}"
                ),
            )
            ax.legend(fontsize=7)
        else:
            axes[1].set_visible(False)
        heading = "C6: general Gaussian mixtures (CKS)"
        return finish(
            fig,
            summary,
            title or claims_banner(claims, NAME, heading),
            out_prefix,
            "W2 estimate from the means over seeds; its interval is C6b's, in the title.",
        )
