"""Shared plotting helpers: style, mean line with a band over seeds, the floor line, the claims'
controls, the title with the claims' verdicts, saving.

Figures read aggregated tables (``summary.csv`` from :func:`gmmlearn.results.aggregate`) and
never fit anything. A summary may hold several runs of a sweep (:func:`overlay_runs`): the band
lines then draw each run in the same colour, the first solid, the second dashed. A figure's
claims come from the claims registry (:meth:`~gmmlearn.claims.base.ClaimRegistry.of_figure`);
a *control* row is one of a claim's control arm that is no claim's subject (:func:`is_control`):
the one notion of control, the claims'.
"""

from __future__ import annotations

import os
import textwrap
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..claims import CLAIMS, estimate_text  # noqa: E402
from ..claims.base import Arm, Claim  # noqa: E402
from ..core.atomic import atomic_path  # noqa: E402
from ..core.registry import Registry  # noqa: E402

#: registry of figures: name -> function(summary, out_prefix, title) -> list of written paths
FIGURES = Registry("figure")

FLOOR_STYLE = dict(color="0.25", linestyle="--", linewidth=1.0)


def style():
    """Context manager applying the gmmlearn style file."""
    path = resources.files("gmmlearn").joinpath("figures/gmmlearn.mplstyle")
    return plt.style.context(str(path))


#: column naming the run of each summary row when runs are overlaid (:func:`overlay_runs`)
RUN = "run"
#: line style and marker of the first, second, ... overlaid run (all in the line's colour)
RUN_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))


def overlay_runs(summaries: list[pd.DataFrame], labels: list[str]) -> pd.DataFrame:
    """One summary holding several runs of a sweep, told apart by the ordered ``run`` column: every
    figure then draws each run's lines in the same colours, the first solid, the second dashed."""
    if len(labels) != len(summaries) or len(set(labels)) != len(labels):
        raise ValueError(
            f"--labels needs one distinct label per summary: {len(summaries)} summaries, "
            f"labels {labels}"
        )
    frame = pd.concat(
        [s.assign(**{RUN: label}) for s, label in zip(summaries, labels)], ignore_index=True
    )
    return frame.assign(**{RUN: pd.Categorical(frame[RUN], categories=labels, ordered=True)})


def runs(frame: pd.DataFrame) -> list:
    """The overlaid runs of a summary in their order; empty for a single run."""
    if RUN not in frame:
        return []
    column = frame[RUN]
    return (
        list(column.cat.categories)
        if isinstance(column.dtype, pd.CategoricalDtype)
        else list(dict.fromkeys(column))
    )


def band_line(ax, frame: pd.DataFrame, x: str, label: str, **kwargs):
    """Mean over seeds as a line with markers, its confidence interval as a band. (For log axes
    the band's lower edge is drawn at no less than mean / 20: an interval reaching zero or below
    cannot be drawn there.) Overlaid runs (:func:`overlay_runs`) share the line's colour, each in
    its :data:`RUN_STYLES` style and labelled ``label (run)``; returns the first run's line."""
    first = None
    for i, run in enumerate(runs(frame)):
        part = frame[frame[RUN] == run]
        if part.empty:
            continue
        linestyle, marker = RUN_STYLES[i % len(RUN_STYLES)]
        color = {"color": first.get_color()} if first is not None else {}
        line = _band_line(
            ax,
            part,
            x,
            f"{label} ({run})",
            **{**kwargs, **color, "linestyle": linestyle, "marker": marker},
            band_alpha=0.2 if i == 0 else 0.1,
        )
        first = first or line
    return first if first is not None else _band_line(ax, frame, x, label, **kwargs)


def _band_line(ax, frame: pd.DataFrame, x: str, label: str, band_alpha: float = 0.2, **kwargs):
    frame = frame.sort_values(x)
    (line,) = ax.plot(frame[x], frame["mean"], label=label, **{"marker": "o", **kwargs})
    low = (
        np.maximum(frame["ci_low"], frame["mean"] / 20)
        if (frame["mean"] > 0).all()
        else frame["ci_low"]
    )
    ax.fill_between(
        frame[x], low, frame["ci_high"], color=line.get_color(), alpha=band_alpha, linewidth=0
    )
    return line


def lines_by(
    ax, frame: pd.DataFrame, x: str, hue: str, label=str, colors: dict | None = None
) -> None:
    """One band line per value of ``hue`` (sorted), x on the horizontal axis; ``colors`` fixes
    each value's colour (the same learner in the same colour on every panel)."""
    for value, lines in frame.groupby(hue, sort=True, dropna=False):
        style = {"color": colors[value]} if colors is not None else {}
        band_line(ax, lines, x, label=label(value), **style)


def color_map(values) -> dict:
    """A colour of the style's cycle for each of the sorted distinct values."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {value: cycle[i % len(cycle)] for i, value in enumerate(sorted(set(values)))}


def select(
    summary: pd.DataFrame, metric: str, estimator: str | None = None, **equal
) -> pd.DataFrame:
    """Rows of one metric (and estimator), with column == value filters."""
    sel = summary[summary["metric"] == metric]
    if estimator is not None:
        sel = sel[sel["estimator"] == estimator]
    for column, value in equal.items():
        sel = sel[sel[column] == value]
    if sel.empty:
        raise ValueError(
            f"the summary has no rows for metric={metric!r} estimator={estimator!r} {equal}"
        )
    return sel


def floor_line(ax, frame: pd.DataFrame, x: str | None = None, label: str = "exact-sample floor"):
    """The floor (same estimator on an exact sample) as a dashed line with its interval: against
    ``x`` when the floor changes along it (a different target per x), else horizontal."""
    frame = frame.dropna(subset=["floor_mean"])
    if frame.empty or not (frame["floor_mean"] > 0).any():
        return None
    if x is None:
        line = ax.axhline(frame["floor_mean"].mean(), label=label, **FLOOR_STYLE)
        ax.axhspan(
            frame["floor_ci_low"].min(),
            frame["floor_ci_high"].max(),
            color=FLOOR_STYLE["color"],
            alpha=0.12,
            linewidth=0,
        )
        return line
    per_x = (
        frame.groupby(x)
        .agg(
            mean=("floor_mean", "mean"), low=("floor_ci_low", "min"), high=("floor_ci_high", "max")
        )
        .sort_index()
    )
    (line,) = ax.plot(per_x.index, per_x["mean"], label=label, **FLOOR_STYLE)
    ax.fill_between(
        per_x.index,
        per_x["low"],
        per_x["high"],
        color=FLOOR_STYLE["color"],
        alpha=0.12,
        linewidth=0,
    )
    return line


def _short(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def target_label(
    group: pd.DataFrame, keys=("shape", "dim", "k", "separation", "L", "n_atoms", "scale", "sigma")
) -> str:
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
        top = np.nanmax(
            frame[[c for c in ("ci_high", "mean", "floor_ci_high") if c in frame]].to_numpy(float)
        )
        log_axis(ax, "y", (values.min() / 1.5, max(top, values.max()) * 1.3))


def log_axis(ax, which: str = "y", limits=None) -> None:
    """A log-scaled x or y axis with plain tick labels (see :func:`_log_tick_label`)."""
    getattr(ax, f"set_{which}scale")("log", nonpositive="clip")
    if limits is not None:
        getattr(ax, f"set_{which}lim")(*limits)
    low, high = getattr(ax, f"get_{which}lim")()
    decades = np.log10(high / low)
    formatter = mticker.FuncFormatter(lambda v, _: _log_tick_label(v, decades))
    axis = getattr(ax, f"{which}axis")
    axis.set_major_formatter(formatter)
    axis.set_minor_formatter(formatter)


def param_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A learner or target parameter column (``p_learner_<name>`` / ``p_target_<name>``) as the
    rows record it (resolved: NaN only where the value is None or the learner has no such
    parameter)."""
    names = (f"p_learner_{name}", f"p_target_{name}")
    column = next((c for c in names if c in frame), None)
    return frame[column] if column is not None else pd.Series(np.nan, index=frame.index)


def figure_claims(figure: str) -> list[Claim]:
    """The claims a figure draws (from the claims registry: each declares its figure)."""
    return CLAIMS.of_figure(figure)


def _difference(arm: Arm, reference: Arm) -> str:
    """What sets an arm apart from another: its learner, or its other parameters and family."""
    if arm.learner != reference.learner:
        return arm.name()
    parts = [f"{k}={v}" for k, v in sorted(arm.params.items()) if reference.params.get(k) != v]
    if not parts:  # the same setting elsewhere: say which setting
        parts = [f"{k}={v}" for k, v in sorted(arm.params.items())]
    text = ", ".join(parts)
    if arm.family and arm.family != reference.family:
        text = f"{text} on {arm.family}".strip()
    return text or arm.name()


def control_arms(claims: list[Claim]) -> list[tuple[Arm, str]]:
    """The claims' control arms that are no claim's subject, each with its legend label
    (``control (C3a, C3b): score_scale=0.5``)."""
    subjects = [claim.subject for claim in claims]
    found: list[tuple[Arm, list[str], Arm]] = []
    for claim in claims:
        if claim.control in subjects:
            continue
        for arm, ids, _ in found:
            if arm == claim.control:
                ids.append(claim.id)
                break
        else:
            found.append((claim.control, [claim.id], claim.subject))
    return [
        (arm, f"control ({', '.join(ids)}): {_difference(arm, subject)}")
        for arm, ids, subject in found
    ]


def control_labels(frame: pd.DataFrame, claims: list[Claim]) -> pd.Series:
    """Per row, the label of the control arm it belongs to ('' for rows of no control)."""
    labels = pd.Series("", index=frame.index, dtype=object)
    subject = pd.Series(False, index=frame.index)
    for claim in claims:
        subject |= frame.index.isin(claim.subject.select(frame).index)
    for arm, label in control_arms(claims):
        rows = frame.index.isin(arm.select(frame).index) & ~subject.to_numpy()
        labels[rows & (labels == "").to_numpy()] = label
    return labels


def is_control(frame: pd.DataFrame, claims: list[Claim]) -> pd.Series:
    """Rows of the claims' controls: a control arm's rows that are no claim's subject."""
    return control_labels(frame, claims) != ""


def learner_labels(frame: pd.DataFrame, claims: list[Claim], detail=None) -> pd.Series:
    """Legend labels: the learner's name, ``detail(frame)`` appended (a Series of suffixes), and
    for the claims' controls the control's label."""
    labels = frame["learner"].astype(str)
    if detail is not None:
        labels = labels + detail(frame)
    controls = control_labels(frame, claims)
    return labels.where(controls == "", labels + " (" + controls + ")")


CONTROL_STYLE = dict(color="0.4", linestyle=":", linewidth=0.9)
#: marker and line style of the first, second, ... control arm of a figure (all grey)
CONTROL_MARKS = (("x", ":"), ("+", "-."), ("d", "--"), ("*", ":"))


def draw_controls(ax, frame: pd.DataFrame, x: str, claims: list[Claim], errorbars=True):
    """Each control arm's rows of ``frame`` in grey -- its own marker and dotted or dash-dotted
    line -- with its label and (``errorbars``) its 95% intervals."""
    labels = control_labels(frame, claims)
    order = [label for _, label in control_arms(claims)]
    for label in dict.fromkeys(labels[labels != ""]):
        rows = frame[labels == label].sort_values(x)
        marker, linestyle = CONTROL_MARKS[order.index(label) % len(CONTROL_MARKS)]
        yerr = (
            [rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]]
            if errorbars and {"ci_low", "ci_high"} <= set(rows)
            else None
        )
        style = {**CONTROL_STYLE, "linestyle": linestyle}
        ax.errorbar(rows[x], rows["mean"], yerr=yerr, fmt=marker, label=label, **style)


def finish(
    fig, summary: pd.DataFrame, title: str, out_prefix, note: str = "", floor: bool = True
) -> list[Path]:
    """Title (each line wrapped to the figure's width), provenance footnote (seeds, band, floor),
    save."""
    n = int(summary["n_ok"].max()) if "n_ok" in summary and len(summary) else 0
    width = max(40, int(fig.get_size_inches()[0] * 15))  # characters of 8-pt text per line
    title = "\n".join(
        textwrap.fill(line, width, subsequent_indent="    ") for line in title.split("\n")
    )
    fig.suptitle(title, fontsize=8, x=0.01, ha="left")
    # the title's lines get their own height, so that the panels keep theirs (a 5-line title on
    # a 2.9-inch figure squeezed the axes below their y labels' length)
    width_in, height_in = fig.get_size_inches()
    fig.set_size_inches(width_in, height_in + 0.14 * (title.count("\n") + 1))
    floor_text = "dashed line and grey band: exact-sample floor. " if floor else ""
    footnote(fig, f"mean over {n} seeds, band: 95% t interval over seeds; {floor_text}{note}")
    return save(fig, out_prefix)


def claims_banner(claims: pd.DataFrame | None, figure: str, heading: str) -> str:
    """The figure's title: its heading, then one line per claim of the figure (the claims
    registry's) -- statement, quantity with its 95% interval, the expected region, the verdict,
    and whether the control failed as it must."""
    lines = [heading]
    if claims is None:
        return heading
    for claim_id in [claim.id for claim in figure_claims(figure)]:
        pair = claims[claims["claim"] == claim_id]
        if pair.empty:
            continue
        row = pair[pair["role"] == "claim"].iloc[0]
        control = pair[pair["role"] == "control"]
        guard = ""
        if not control.empty:
            guard = (
                "; control fails ✓"
                if control.iloc[0]["verdict"] == "fail"
                else f"; control {control.iloc[0]['verdict']} ✗"
            )
        lines.append(
            f"{claim_id} {row['verdict'].upper()}: {row['statement']} -- {row['quantity']} = "
            f"{estimate_text(row)} (expected {row['expected']}){guard}"
        )
    return "\n".join(lines)
