"""Figures of the diffusion-learner sweeps (claims C1-C4 of THEORY §6)."""

from __future__ import annotations

from math import comb

import matplotlib.pyplot as plt
import numpy as np

from .common import (
    FIGURES, band_line, color_map, floor_line, footnote, lines_by, positive_log_ylim, save, select, style,
    target_label,
)

TV2 = ("tv_projected", "hist2d_mean", "projected TV (2-D planes, mean)")


def _finish(fig, summary, title, out_prefix, note=""):
    n = int(summary["n_ok"].max())
    fig.suptitle(title, fontsize=10)
    footnote(fig, f"mean over {n} seeds, band: 95% t interval over seeds; dashed line and grey band: "
                  f"exact-sample floor. {note}")
    return save(fig, out_prefix)


@FIGURES.register("degree")
def degree(summary, out_prefix, title: str = ""):
    """C1: score error per noise level and projected TV versus the polynomial degree."""
    learner = summary[summary["learner"] == "diffusion_poly"]
    err = select(learner, "score_error")
    err = err[err["estimator"] != "mean"].assign(t=lambda f: f["estimator"].str[2:].astype(float))
    times = np.sort(err["t"].unique())
    times = times[times <= 2.0]  # above, p_t is nearly Gaussian and any degree >= 1 is exact
    shown = times[np.unique(np.linspace(0, len(times) - 1, 4).round().astype(int))]
    with style():
        fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.0), layout="constrained")
        lines_by(axes[0], err[err["t"].isin(shown)], "degree", "t", label=lambda t: f"t = {t:.3g}")
        axes[0].set(xlabel="polynomial degree D", ylabel="relative score error", title="score error per noise level")
        positive_log_ylim(axes[0], err[err["t"].isin(shown)])
        axes[0].legend(fontsize=7, title="noise level")
        tv = select(learner, *TV2[:2])
        band_line(axes[1], tv, "degree", label="diffusion_poly")
        floor_line(axes[1], tv)
        axes[1].set(xlabel="polynomial degree D", ylabel=TV2[2], title="accuracy")
        positive_log_ylim(axes[1], tv)
        axes[1].legend()
        return _finish(fig, summary, title or f"C1: error vs degree, {target_label(learner)}", out_prefix,
                       "Fixed degree in every cell (no validation selection).")


def _tv_panel(ax, learner, x: str, hue: str, xlabel: str, legend_title: str):
    """2-D projected TV against x, one line per hue value, with the floor along x."""
    tv = select(learner, *TV2[:2])
    lines_by(ax, tv, x, hue)
    floor_line(ax, tv, x)
    ax.set(xlabel=xlabel, ylabel=TV2[2], title="accuracy")
    positive_log_ylim(ax, tv)
    ax.legend(title=legend_title)
    return tv


@FIGURES.register("piecewise_vs_global")
def piecewise_vs_global(summary, out_prefix, title: str = ""):
    """C2: projected TV and mean score error versus the group distance L, per partition."""
    learner = summary[summary["learner"] == "diffusion_poly"]
    with style():
        fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.0), layout="constrained")
        _tv_panel(axes[0], learner, "p_target_L", "p_learner_partition", "group distance L (units of sigma)",
                  "partition")
        err = select(learner, "score_error", "mean")
        lines_by(axes[1], err, "p_target_L", "p_learner_partition")
        axes[1].set(xlabel="group distance L (units of sigma)", ylabel="relative score error (mean over t)",
                    title="score")
        positive_log_ylim(axes[1], err)
        return _finish(fig, summary, title or "C2: piecewise vs global polynomial, far_groups", out_prefix)


@FIGURES.register("samples")
def samples(summary, out_prefix, title: str = ""):
    """C3: error versus n_train by several metrics, learners as lines, the oracle as a reference."""
    panels = [TV2, ("tv_classifier", "2acc-1", "classifier TV lower bound (2 acc - 1)"),
              ("w2", None, "W2 (exact OT on subsamples)"),
              ("kl_girsanov", "score_term", "Girsanov KL: learned-score term")]
    fitted = ("diffusion_poly", "em")
    with style():
        fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 3.1), layout="constrained")
        for ax, (metric, estimator, ylabel) in zip(axes, panels):
            sel = select(summary, metric, estimator)
            sel = sel[sel["n_ok"] > 0]
            lines_by(ax, sel[sel["learner"].isin(fitted)], "n_train", "learner")
            ref = sel[sel["learner"] == "oracle"]
            if not ref.empty and metric != "kl_girsanov":
                ax.axhline(ref["mean"].iloc[0], color="0.45", linestyle=":", label="oracle score, same grid")
            floor_line(ax, sel)
            ax.set_xscale("log")
            ax.set(xlabel="training samples n_train", ylabel=ylabel)
            positive_log_ylim(ax, sel)
        axes[0].legend(fontsize=7)
        return _finish(fig, summary, title or f"C3: error vs sample size, {target_label(summary)}", out_prefix)


@FIGURES.register("dimension")
def dimension(summary, out_prefix, title: str = ""):
    """C4: projected TV, fit time and regression features versus the ambient dimension."""
    learner = summary[summary["learner"] == "diffusion_poly"]
    with style():
        fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.0), layout="constrained")
        tv = _tv_panel(axes[0], learner, "dim", "p_learner_subspace", "dimension n", "subspace")
        for subspace, lines in tv.groupby("p_learner_subspace", sort=True):
            lines = lines.sort_values("dim")
            axes[1].plot(lines["dim"], lines["fit_seconds"], marker="o", label=str(subspace))
        axes[1].set(xlabel="dimension n", ylabel="fit time (s, mean over seeds)", title="cost", yscale="log")
        feats = select(learner, "diag_features", "max")
        lines_by(axes[2], feats, "dim", "p_learner_subspace")
        dims = np.array(sorted(feats["dim"].unique()))
        degree = int(feats["degree"].max())
        axes[2].plot(dims, [comb(int(d) + degree, degree) for d in dims], color="0.4", linestyle="--",
                     linewidth=1, label=f"C(n + {degree}, {degree})")
        axes[2].set(xlabel="dimension n", ylabel="features per cell (max over levels)", title="features",
                    yscale="log")
        axes[2].legend(fontsize=7)
        return _finish(fig, summary, title or "C4: cost and error vs dimension, isotropic_gmm(k=4)", out_prefix,
                       "Features are capped by the samples a cell can afford (4 per feature).")


def _learner_label(row) -> str:
    name = row["learner"]
    if name == "moments_dmm" and "p_learner_sigma" in row and np.isfinite(float(row["p_learner_sigma"] or np.nan)):
        return "moments_dmm (sigma known)"
    return name


@FIGURES.register("moments_vs_diffusion")
def moments_vs_diffusion(summary, out_prefix, title: str = ""):
    """C8: moment methods vs EM and the diffusion learner, vs k (dim 5) and separation (dim 1)."""
    summary = summary.assign(label=summary.apply(_learner_label, axis=1))
    by_k, by_sep = summary[summary["dim"] == 5], summary[summary["dim"] == 1]
    panels = [
        (by_k, "p_target_k", "tv_projected", "hist1d_mean", "components k (dimension 5)", "projected TV (1-D planes, mean)"),
        (by_k, "p_target_k", "w1_mixing", "emd", "components k (dimension 5)", "W1 of the mixing laws"),
        (by_sep, "p_target_separation", "tv_projected", "hist1d_mean", "separation (dimension 1, k = 3)",
         "projected TV (1-D, mean)"),
        (by_sep, "p_target_separation", "w1_mixing", "emd", "separation (dimension 1, k = 3)",
         "W1 of the mixing laws"),
    ]
    with style():
        colors = color_map(summary["label"])
        fig, axes = plt.subplots(1, 4, figsize=(13.0, 3.2), layout="constrained")
        for ax, (frame, x, metric, estimator, xlabel, ylabel) in zip(axes, panels):
            sel = frame[(frame["metric"] == metric) & (frame["estimator"] == estimator) & (frame["n_ok"] > 0)]
            lines_by(ax, sel, x, "label", colors=colors)
            if metric == "tv_projected":
                floor_line(ax, sel, x)
            ax.set(xlabel=xlabel, ylabel=ylabel)
            positive_log_ylim(ax, sel)
        axes[0].legend(fontsize=7)
        axes[2].legend(fontsize=7)
        failed = summary[(summary["n_ok"] == 0) & (summary["n_failed"] > 0)]
        gaps = sorted({f"{r.learner} at k={int(r.p_target_k)}" for r in failed.itertuples()
                       if r.learner.startswith("moments") and r.dim == 5})
        note = "Missing points: the method's precondition fails (status=failed)." if gaps else ""
        return _finish(fig, summary, title or "C8: moment methods vs EM and the diffusion learner", out_prefix,
                       note)
