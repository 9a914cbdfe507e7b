"""Figure ``moments_vs_diffusion`` (claim C8): what each method outputs -- projected TV of its
samples and, for parametric methods, W1 of its mixing law -- versus k (dimension 5) and versus
the separation (dimension 1), the diffusion learner on the same panels."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from .common import (
    FIGURES,
    claims_banner,
    color_map,
    figure_claims,
    finish,
    floor_line,
    learner_labels,
    lines_by,
    param_column,
    positive_log_ylim,
    style,
)

NAME = "moments_vs_diffusion"


def _sigma_known(frame):
    known = (frame["learner"] == "moments_dmm") & param_column(frame, "sigma").notna()
    return known.map({True: " (sigma known)", False: ""})


@FIGURES.register(NAME)
def moments_vs_diffusion(summary, out_prefix, title: str = "", claims=None):
    """C8: moment methods vs EM and the diffusion learner, vs k (dim 5) and separation (dim 1)."""
    summary = summary.assign(label=learner_labels(summary, figure_claims(NAME), _sigma_known))
    by_k, by_sep = summary[summary["dim"] == 5], summary[summary["dim"] == 1]
    panels = [
        (
            by_k,
            "p_target_k",
            "tv_projected",
            "hist1d_mean",
            "components k (dimension 5)",
            "1-D projected TV (mean of planes)",
        ),
        (
            by_k,
            "p_target_k",
            "w1_mixing",
            "emd",
            "components k (dimension 5)",
            "W1 of the mixing laws",
        ),
        (
            by_sep,
            "p_target_separation",
            "tv_projected",
            "hist1d_mean",
            "separation (dimension 1, k = 3)",
            "1-D projected TV (mean of planes)",
        ),
        (
            by_sep,
            "p_target_separation",
            "w1_mixing",
            "emd",
            "separation (dimension 1, k = 3)",
            "W1 of the mixing laws",
        ),
    ]
    panels = [p for p in panels if ((p[0]["metric"] == p[2]) & (p[0]["n_ok"] > 0)).any()]
    with style():
        colors = color_map(summary["label"])
        fig, axes = plt.subplots(
            1, len(panels), figsize=(3.3 * len(panels), 3.2), layout="constrained", squeeze=False
        )
        for ax, (frame, x, metric, estimator, xlabel, ylabel) in zip(axes[0], panels):
            sel = frame[
                (frame["metric"] == metric)
                & (frame["estimator"] == estimator)
                & (frame["n_ok"] > 0)
            ]
            lines_by(ax, sel, x, "label", colors=colors)
            if metric == "tv_projected":
                floor_line(ax, sel, x)
            ax.set(xlabel=xlabel, ylabel=ylabel)
            if x == "p_target_k":
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            positive_log_ylim(ax, sel)
            ax.legend(fontsize=6.5)
        skipped = summary[(summary["n_ok"] == 0) & (summary.get("n_skipped", 0) > 0)]
        gaps = sorted(
            {
                f"{r.learner} at k={int(r.p_target_k)}"
                for r in skipped.itertuples()
                if r.learner.startswith("moments") and r.dim == 5
            }
        )
        note = (
            "Missing points: outside the method's precondition (status=skipped): "
            f"{', '.join(gaps)}."
            if gaps
            else ""
        )
        heading = "C8: moment methods vs EM and the diffusion learner"
        return finish(fig, summary, title or claims_banner(claims, NAME, heading), out_prefix, note)
