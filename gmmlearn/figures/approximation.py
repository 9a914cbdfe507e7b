"""Figure ``approximation`` (claim C1): score error per noise level versus the degree, for the fit
to the exact denoiser (approximation) and the fit to data (estimation at a fixed N)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..claims.c1_approximation import DATA, EXACT
from ..results.schema import level_rows
from .common import (
    CONTROL_STYLE,
    FIGURES,
    claims_banner,
    control_arms,
    figure_claims,
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


NAME = "approximation"


@FIGURES.register(NAME)
def approximation(summary, out_prefix, title: str = "", claims=None):
    """C1: relative score error per noise level versus the degree, exact-denoiser fit vs fit to
    data."""
    mine_all = figure_claims(NAME)
    with style():
        fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.1), layout="constrained")
        shown = None
        for ax, (arm, panel_title) in zip(axes, PANELS):
            err, shown = _levels(arm.select(summary), shown)
            lines_by(ax, err, "degree", "t", label=lambda t: f"t = {t:.3g}")
            shown_rows = err
            # the control arms of the claims about this panel's arm, one dotted line per level
            mine = [c for c in mine_all if c.subject == arm]
            for control_arm, label in control_arms(mine_all):
                if not any(c.control == control_arm for c in mine):
                    continue
                control = control_arm.select(summary)
                if control.empty:
                    continue
                control, _ = _levels(control, shown)
                for _, lines in control.groupby("t"):
                    lines = lines.sort_values("degree")
                    ax.plot(lines["degree"], lines["mean"], marker="x", **CONTROL_STYLE)
                ax.plot([], [], marker="x", label=label, **CONTROL_STYLE)
                shown_rows = pd.concat([shown_rows, control])
            ax.set(xlabel="polynomial degree D", ylabel="relative score error", title=panel_title)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            positive_log_ylim(ax, shown_rows)
        axes[0].legend(fontsize=7, title="noise level")
        heading = f"C1: error vs polynomial degree, {target_label(summary)}"
        return finish(
            fig,
            summary,
            title or claims_banner(claims, NAME, heading),
            out_prefix,
            "Relative score error E|s - s*|^2 / E|s*|^2 on fresh points of p_t. Fixed degree in "
            "every cell (no validation selection).",
            floor=False,
        )
