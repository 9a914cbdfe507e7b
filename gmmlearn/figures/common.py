"""Shared plotting helpers: style, mean line with a band over seeds, the floor line, saving.

Figures read aggregated tables (``summary.csv`` from :func:`gmmlearn.results.aggregate`) and
never fit anything.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..atomic import atomic_path  # noqa: E402
from ..registry import Registry  # noqa: E402

#: registry of figures: name -> function(summary, out_prefix, title) -> list of written paths
FIGURES = Registry("figure")

FLOOR_STYLE = dict(color="0.25", linestyle="--", linewidth=1.0)


def style():
    """Context manager applying the gmmlearn style file."""
    path = resources.files("gmmlearn").joinpath("figures/gmmlearn.mplstyle")
    return plt.style.context(str(path))


def band_line(ax, frame: pd.DataFrame, x: str, label: str, **kwargs):
    """Mean over seeds as a line with markers, its confidence interval as a band. (For log axes
    the band's lower edge is drawn at no less than mean / 20: an interval reaching zero or below
    cannot be drawn there.)"""
    frame = frame.sort_values(x)
    (line,) = ax.plot(frame[x], frame["mean"], marker="o", label=label, **kwargs)
    low = np.maximum(frame["ci_low"], frame["mean"] / 20) if (frame["mean"] > 0).all() else frame["ci_low"]
    ax.fill_between(frame[x], low, frame["ci_high"], color=line.get_color(), alpha=0.2, linewidth=0)
    return line


def lines_by(ax, frame: pd.DataFrame, x: str, hue: str, label=str, colors: dict | None = None) -> None:
    """One band line per value of ``hue`` (sorted), x on the horizontal axis; ``colors`` fixes
    each value's colour (the same learner in the same colour on every panel)."""
    for value, lines in frame.groupby(hue, sort=True, dropna=False):
        style = {"color": colors[value]} if colors is not None else {}
        band_line(ax, lines, x, label=label(value), **style)


def color_map(values) -> dict:
    """A colour of the style's cycle for each of the sorted distinct values."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {value: cycle[i % len(cycle)] for i, value in enumerate(sorted(set(values)))}


def select(summary: pd.DataFrame, metric: str, estimator: str | None = None, **equal) -> pd.DataFrame:
    """Rows of one metric (and estimator), with column == value filters."""
    sel = summary[summary["metric"] == metric]
    if estimator is not None:
        sel = sel[sel["estimator"] == estimator]
    for column, value in equal.items():
        sel = sel[sel[column] == value]
    if sel.empty:
        raise ValueError(f"the summary has no rows for metric={metric!r} estimator={estimator!r} {equal}")
    return sel


def floor_line(ax, frame: pd.DataFrame, x: str | None = None, label: str = "exact-sample floor"):
    """The floor (same estimator on an exact sample) as a dashed line with its interval: against
    ``x`` when the floor changes along it (a different target per x), else horizontal."""
    frame = frame.dropna(subset=["floor_mean"])
    if frame.empty or not (frame["floor_mean"] > 0).any():
        return None
    if x is None:
        line = ax.axhline(frame["floor_mean"].mean(), label=label, **FLOOR_STYLE)
        ax.axhspan(frame["floor_ci_low"].min(), frame["floor_ci_high"].max(), color=FLOOR_STYLE["color"],
                   alpha=0.12, linewidth=0)
        return line
    per_x = frame.groupby(x).agg(mean=("floor_mean", "mean"), low=("floor_ci_low", "min"),
                                 high=("floor_ci_high", "max")).sort_index()
    (line,) = ax.plot(per_x.index, per_x["mean"], label=label, **FLOOR_STYLE)
    ax.fill_between(per_x.index, per_x["low"], per_x["high"], color=FLOOR_STYLE["color"], alpha=0.12,
                    linewidth=0)
    return line


def _short(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def target_label(group: pd.DataFrame,
                 keys=("shape", "dim", "k", "separation", "L", "n_atoms", "scale", "sigma")) -> str:
    """``family(key=value, ...)`` for the target parameters of a summary group."""
    row = group.iloc[0]
    shown = []
    for key in keys:
        value = row.get(f"p_target_{key}")
        if value is not None and not (isinstance(value, float) and np.isnan(value)):
            shown.append(f"{key}={_short(value)}")
    return f"{row['family']}({', '.join(shown)})"


def footnote(fig, text: str) -> None:
    """Provenance line under the figure (saved with bbox 'tight', so below the axes is fine)."""
    fig.text(0.005, -0.01, text, fontsize=6.5, color="0.35", ha="left", va="top")


def save(fig, out_prefix: str | os.PathLike) -> list[Path]:
    """Write ``<prefix>.pdf`` and ``<prefix>.png`` atomically; close the figure."""
    out_prefix = Path(out_prefix)
    written = []
    for ext in ("pdf", "png"):
        target = out_prefix.with_name(f"{out_prefix.name}.{ext}")
        with atomic_path(target) as tmp:
            # no creation date: the same numbers give byte-identical files
            fig.savefig(tmp, format=ext, metadata={"CreationDate": None} if ext == "pdf" else None)
        written.append(target)
    plt.close(fig)
    return written


def _log_tick_label(value: float, decades: float) -> str:
    """Plain numbers on log axes: every tick within a decade, mantissas 1, 2 and 5 up to three
    decades, powers of ten beyond."""
    if value <= 0:
        return ""
    mantissa = round(value / 10 ** np.floor(np.log10(value)), 6)
    shown = (1, 2, 5) if decades <= 3 else (1,)
    return f"{value:g}" if decades < 1 or mantissa in shown else ""


def positive_log_ylim(ax, frame: pd.DataFrame) -> None:
    """Log y axis with plain tick labels when every plotted mean is positive (call after
    plotting); parts of intervals below zero are clipped at the axis."""
    values = frame["mean"].to_numpy(float)
    if "floor_mean" in frame:  # an exact-zero floor (score error) is simply not drawn
        floors = frame["floor_mean"].to_numpy(float)
        values = np.concatenate([values, floors[floors > 0]])
    values = values[np.isfinite(values)]
    if values.size and np.all(values > 0):
        ax.set_yscale("log", nonpositive="clip")
        top = np.nanmax(frame[[c for c in ("ci_high", "mean", "floor_ci_high") if c in frame]].to_numpy(float))
        ax.set_ylim(values.min() / 1.5, max(top, values.max()) * 1.3)
        low, high = ax.get_ylim()
        decades = np.log10(high / low)
        formatter = mticker.FuncFormatter(lambda v, _: _log_tick_label(v, decades))
        ax.yaxis.set_major_formatter(formatter)
        ax.yaxis.set_minor_formatter(formatter)
