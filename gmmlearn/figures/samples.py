"""Figure ``samples`` (claim C3): error versus the training sample size by every metric the sweep
has, learners as lines, the oracle score on the same grid and the exact-sample floor as
references, and the broken-score control."""

from __future__ import annotations

import matplotlib.pyplot as plt

from .common import (
    FIGURES,
    claims_banner,
    figure_claims,
    finish,
    floor_line,
    learner_labels,
    lines_by,
    log_axis,
    positive_log_ylim,
    style,
    target_label,
)

NAME = "samples"

PANELS = [
    ("tv_projected", "hist2d_mean", "2-D projected TV (mean of planes)"),
    ("tv_classifier", "2acc-1", "classifier TV lower bound (2 acc - 1)"),
    ("w2", None, "W2 (exact OT on subsamples)"),
    ("kl_girsanov", "score_term", "Girsanov KL: learned-score term"),
]


@FIGURES.register(NAME)
def samples(summary, out_prefix, title: str = "", claims=None):
    """C3: error vs n_train by every metric present, learners as lines, oracle and floor as
    references."""
    summary = summary.assign(label=learner_labels(summary, figure_claims(NAME)))
    panels = [p for p in PANELS if ((summary["metric"] == p[0]) & (summary["n_ok"] > 0)).any()]
    with style():
        fig, axes = plt.subplots(
            1, len(panels), figsize=(3.4 * len(panels), 3.1), layout="constrained", squeeze=False
        )
        for ax, (metric, estimator, ylabel) in zip(axes[0], panels):
            sel = summary[(summary["metric"] == metric) & (summary["n_ok"] > 0)]
            if estimator is not None:
                sel = sel[sel["estimator"] == estimator]
            fitted = sel[sel["n_train"].notna() & ~sel["learner"].isin(["oracle", "exact"])]
            lines_by(ax, fitted, "n_train", "label")
            oracle = sel[sel["learner"] == "oracle"]
            if not oracle.empty and metric != "kl_girsanov":
                ax.axhline(
                    oracle["mean"].iloc[0],
                    color="0.45",
                    linestyle=":",
                    label="oracle score, same grid",
                )
            floor_line(ax, sel)
            log_axis(ax, "x")
            ax.set(xlabel="training samples n_train", ylabel=ylabel)
            positive_log_ylim(ax, sel)
        axes[0][0].legend(fontsize=7)
        heading = f"C3: error vs sample size, {target_label(summary)}"
        return finish(fig, summary, title or claims_banner(claims, NAME, heading), out_prefix)
