"""Figure ``approximation`` (claim C1): score error per noise level versus the degree, for the fit
to the exact denoiser (approximation) and the fit to data (estimation at a fixed N)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..claims.c1_approximation import DATA, EXACT
from ..metrics.score import level_rows
from .common import (
    FIGURES,
    claims_banner,
    finish,
    lines_by,
    positive_log_ylim,
    select,
    style,
    target_label,
)

PANELS = (
    (EXACT, "approximation: fit to the exact denoiser"),
    (DATA, "estimation: fit to data, fixed N"),
)


def _levels(frame, shown=None):
    err = select(frame, "score_error")
    err = level_rows(err)
    if shown is None:
        times = np.sort(err.loc[(err["t"] >= 0.02) & (err["t"] <= 1.0), "t"].unique())
        shown = times[np.unique(np.linspace(0, len(times) - 1, 4).round().astype(int))]
    return err[err["t"].isin(shown)], shown


@FIGURES.register("approximation")
def approximation(summary, out_prefix, title: str = "", claims=None):
    """C1: relative score error per noise level versus the degree, exact-denoiser fit vs fit to data."""
    with style():
        fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.1), layout="constrained")
        shown = None
        for ax, (arm, panel_title) in zip(axes, PANELS):
            err, shown = _levels(arm.select(summary), shown)
            lines_by(ax, err, "degree", "t", label=lambda t: f"t = {t:.3g}")
            shown_rows = err
            if arm is EXACT:
                control = EXACT.but(score_scale=0.5).select(summary)
                if not control.empty:
                    control, _ = _levels(control, shown)
                    for _, lines in control.groupby("t"):
                        lines = lines.sort_values("degree")
                        ax.plot(
                            lines["degree"], lines["mean"], color="0.6", linestyle=":", linewidth=1
                        )
                    ax.plot([], [], color="0.6", linestyle=":", label="control: score x 0.5")
                    shown_rows = pd.concat([err, control])
            ax.set(xlabel="polynomial degree D", ylabel="relative score error", title=panel_title)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            positive_log_ylim(ax, shown_rows)
        axes[0].legend(fontsize=7, title="noise level")
        heading = f"C1: error vs polynomial degree, {target_label(summary)}"
        return finish(
            fig,
            summary,
            title or claims_banner(claims, ["C1a", "C1b"], heading),
            out_prefix,
            "Relative score error E|s - s*|^2 / E|s*|^2 on fresh points of p_t. Fixed degree in every "
            "cell (no validation selection).",
            floor=False,
        )
