"""Figure ``oracle_steps`` (claim C7): the exact-score sampler's error versus step count.

One row per target, one column per metric; a line per schedule (mean over seeds, bootstrap
band) and the exact-sample floor as a dashed line.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from .common import (
    FIGURES, band_line, floor_line, footnote, positive_log_ylim, save, style, target_label,
)

PANELS = [
    ("tv_projected", "hist1d_mean", "TV, 1-D projections", "projected TV (mean of planes)"),
    ("tv_projected", "hist2d_mean", "TV, 2-D projections", "projected TV (mean of planes)"),
    ("w2", None, "W2, exact OT on subsamples", "W2"),
]


@FIGURES.register("oracle_steps")
def oracle_steps(summary, out_prefix, title: str = ""):
    """Oracle TV and W2 vs number of sampler steps, per schedule, with the exact floor."""
    oracle = summary[summary["learner"] == "oracle"]
    if oracle.empty:
        raise ValueError("oracle_steps needs rows of learner 'oracle' in the summary")
    by_target = list(oracle.groupby("family", sort=True)) if "p_target_shape" not in oracle else \
        list(oracle.groupby(["family", "p_target_shape"], sort=True, dropna=False))
    with style():
        fig = plt.figure(figsize=(3.3 * len(PANELS), 2.9 * len(by_target)), layout="constrained")
        rows = fig.subfigures(len(by_target), 1, squeeze=False)[:, 0]
        for subfig, (_, group) in zip(rows, by_target):
            subfig.suptitle(target_label(group), fontsize=9, x=0.01, ha="left")
            axes = subfig.subplots(1, len(PANELS))
            for ax, (metric, estimator, panel_title, ylabel) in zip(axes, PANELS):
                sel = group[group["metric"] == metric]
                if estimator is not None:
                    sel = sel[sel["estimator"] == estimator]
                for schedule, lines in sel.groupby("p_learner_schedule", sort=True):
                    band_line(ax, lines, "p_learner_n_steps", label=str(schedule))
                floor_line(ax, sel)
                ax.set_xscale("log")
                positive_log_ylim(ax, sel)
                ax.set_title(panel_title)
                ax.set_xlabel("reverse steps")
                ax.set_ylabel(ylabel)
        rows[0].axes[-1].legend(title="schedule", loc="upper right")
        n_seeds = int(oracle["n_ok"].max())
        sampler = ", ".join(sorted(oracle["p_learner_sampler"].dropna().astype(str).unique())) \
            if "p_learner_sampler" in oracle else "ddpm"
        fig.suptitle(title or f"Oracle-score sampler ({sampler}) vs step count", fontsize=10)
        footnote(fig, f"{sampler} sampler with the exact score; mean over {n_seeds} seeds, band: 95% t "
                      "interval over seeds; dashed line and grey band: exact-sample floor")
        return save(fig, out_prefix)
