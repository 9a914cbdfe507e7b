"""The outputs of a comparison: ``compare.csv`` (every row), ``report.md`` (worse first) and
``compare.png`` / ``.pdf`` (a forest plot of the paired differences, one panel per metric)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from ..core.atomic import write_text
from ..figures.common import footnote, save, style
from ..results.io import write_table
from ..results.schema import row_labels
from .pairing import GATING, NOT_OK, VERDICTS, Comparison

VERDICT_COLORS = {
    "worse": "#c0392b",
    "now failing": "#c0392b",
    "better": "#1e8449",
    "fixed": "#1e8449",
    "changed": "#d68910",
    "inconclusive": "#d68910",
    "unchanged": "0.45",
}
#: rows listed per verdict in report.md (all rows are in compare.csv)
LISTED = 40
#: rows drawn per forest-plot panel: the most notable first
DRAWN = 45


def write_comparison(comparison: Comparison, out_dir) -> list[Path]:
    """Write compare.csv, report.md and the forest plot into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [
        write_table(comparison.table, out_dir / "compare.csv"),
        write_text(out_dir / "report.md", report_markdown(comparison)),
    ]
    return written + forest_plot(comparison, out_dir / "compare")


def console_lines(comparison: Comparison, out_dir, shown: int = 10) -> list[str]:
    """What ``gmmlearn compare`` prints: the gate and the counts, the first gating rows, and
    where the outputs are."""
    counts = ", ".join(f"{n} {v}" for v, n in comparison.counts().items() if n)
    lines = [f"{'REGRESSION' if comparison.regressed else 'no regression'}: {counts}"]
    flagged = comparison.table[comparison.table["verdict"].isin(GATING)].head(shown)
    for (_, row), label in zip(flagged.iterrows(), row_labels(flagged)):
        lines.append(
            f"  {row['verdict']}: {label} {row['metric']} "
            f"{_number(row['base_mean'])} -> {_number(row['new_mean'])}"
        )
    out_dir = Path(out_dir)
    lines.append(
        f"report: {out_dir / 'report.md'}, table: {out_dir / 'compare.csv'}, "
        f"plot: {out_dir / 'compare.png'}"
    )
    return lines


def _number(value, digits: int = 4) -> str:
    return "" if pd.isna(value) else f"{value:.{digits}g}"


def _markdown_table(table: pd.DataFrame) -> list[str]:
    lines = [
        "| cell | metric | n | base | new | diff [95% CI] | rel | tolerance | q |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (_, row), label in zip(table.iterrows(), row_labels(table)):
        interval = (
            f" [{_number(row['diff_ci_low'], 3)}, {_number(row['diff_ci_high'], 3)}]"
            if pd.notna(row["diff_ci_low"])
            else ""
        )
        rel = "" if pd.isna(row["rel_diff"]) else f"{100 * row['rel_diff']:+.1f}%"
        lines.append(
            f"| {label} | {row['metric']} | {int(row['n_pairs'])} | {_number(row['base_mean'])} | "
            f"{_number(row['new_mean'])} | {_number(row['diff'], 3)}{interval} | {rel} | "
            f"{_number(row['tolerance'], 2)} | {_number(row['q_value'], 2)} |"
        )
    return lines


def report_markdown(comparison: Comparison) -> str:
    """The report: what was compared, how, the counts, then the rows of each verdict, worst
    first."""
    table, counts = comparison.table, comparison.counts()
    gate = "REGRESSION" if comparison.regressed else "no regression"
    lines = [
        f"# gmmlearn compare: {gate}",
        "",
        f"- BASE: `{comparison.base}`",
        f"- NEW: `{comparison.new}`",
        *[f"- {note}" for note in comparison.notes],
        "",
        "Rows pair by (sweep, cell, replicate, metric, estimator); diff = NEW - BASE, mean over "
        "the "
        "paired replicates with its 95% Student-t interval; two-sided paired t test, "
        f"Benjamini-Hochberg q-values over the whole comparison, alpha = {comparison.alpha:g}. "
        "A difference inside the metric's practical tolerance is `unchanged` whatever its q; "
        "differences within relative 1e-8 (round-off) are not tested.",
        "",
        "| verdict | rows |",
        "| --- | --- |",
        *[f"| {verdict} | {n} |" for verdict, n in counts.items() if n],
        "",
        *_status_changes(table),
    ]
    for verdict in VERDICTS:
        rows = table[table["verdict"] == verdict]
        if rows.empty or verdict == "unchanged":
            continue
        lines += [f"## {verdict} ({len(rows)})", ""]
        if verdict in ("new", "missing", "now failing", "fixed"):
            listed = rows.assign(label=row_labels(rows))
            lines += [
                f"- {r.label} {r.metric}"
                + (
                    f" (BASE {r.status_base}, NEW {r.status_new})"
                    if verdict not in ("new", "missing")
                    else ""
                )
                for r in listed.head(LISTED).itertuples()
            ]
        else:
            lines += _markdown_table(rows.head(LISTED))
        if len(rows) > LISTED:
            lines.append(f"\n... and {len(rows) - LISTED} more in compare.csv")
        lines.append("")
    lines.append(f"{counts['unchanged']} rows unchanged (listed in compare.csv).")
    return "\n".join(lines) + "\n"


def _status_changes(table: pd.DataFrame) -> list[str]:
    """Lines naming the rows that are not ok on either side but changed status (failed ->
    skipped, say): they do not gate, and the report says so."""
    both = table[
        table["status_base"].isin(NOT_OK)
        & table["status_new"].isin(NOT_OK)
        & (table["status_base"] != table["status_new"])
    ]
    if both.empty:
        return []
    changes = both.groupby(["status_base", "status_new"]).size()
    listed = ", ".join(f"{n} {a} -> {b}" for (a, b), n in changes.items())
    lines = [
        f"Not ok on both sides, status changed ({listed}): `unchanged`, not gating.",
        "",
    ]
    for r in both.assign(label=row_labels(both)).head(LISTED).itertuples():
        lines.append(f"- {r.label} {r.metric}: {r.status_base} -> {r.status_new}")
    if len(both) > LISTED:
        lines.append(f"- ... and {len(both) - LISTED} more in compare.csv")
    return [*lines, ""]


def _drawn(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows a panel shows: every flagged row (in the table's order: worst first), then the
    largest differences relative to the tolerance, at most DRAWN, the unchanged ones by label."""
    flagged = ~rows["verdict"].eq("unchanged")
    size = (rows["diff"].abs() / rows["tolerance"]).fillna(0)
    keep = rows.assign(_key=np.where(flagged, np.inf, size)).nlargest(DRAWN, "_key", keep="first")
    kept = rows.loc[rows.index.isin(keep.index)]
    calm = kept[kept["verdict"] == "unchanged"]
    calm = calm.iloc[np.argsort(row_labels(calm).to_numpy(), kind="stable")] if len(calm) else calm
    return pd.concat([kept[kept["verdict"] != "unchanged"], calm])


def forest_plot(comparison: Comparison, out_prefix) -> list[Path]:
    """Paired differences with their 95% intervals (rows) per metric (panels), the practical
    tolerance as a grey band around zero, points coloured by verdict; symmetric-log x axis."""
    table = comparison.table
    tested = table[(table["n_pairs"] > 0) & (table["direction"] != "none")]
    metrics = sorted(tested["metric"].unique())
    panels = [(m, _drawn(tested[tested["metric"] == m])) for m in metrics]
    heights = [max(len(rows), 2) * 0.19 + 0.9 for _, rows in panels] or [1.5]
    with style():
        fig, axes = plt.subplots(
            len(heights),
            1,
            figsize=(7.5, sum(heights)),
            squeeze=False,
            gridspec_kw={"height_ratios": heights},
            layout="constrained",
        )
        if not panels:
            axes[0, 0].text(0.5, 0.5, "no paired rows to draw", ha="center", va="center")
            axes[0, 0].set_axis_off()
        for ax, (metric, rows) in zip(axes[:, 0], panels):
            y = np.arange(len(rows))[::-1]
            ax.barh(
                y,
                2 * rows["tolerance"],
                left=-rows["tolerance"],
                height=0.8,
                color="0.88",
                linewidth=0,
                label="practical tolerance",
            )
            colors = rows["verdict"].map(VERDICT_COLORS).fillna("0.45").tolist()
            low = (rows["diff"] - rows["diff_ci_low"]).fillna(0).to_numpy()
            high = (rows["diff_ci_high"] - rows["diff"]).fillna(0).to_numpy()
            ax.errorbar(rows["diff"], y, xerr=[low, high], fmt="none", ecolor=colors, elinewidth=1)
            ax.scatter(rows["diff"], y, c=colors, s=14, zorder=3)
            ax.axvline(0, color="0.2", linewidth=0.8)
            # linear within the typical tolerance, logarithmic beyond: estimators of one metric can
            # differ by orders of magnitude (score error per noise level)
            linthresh = float(np.nanmedian(rows["tolerance"])) or 1e-12
            ax.set_xscale("symlog", linthresh=linthresh, linscale=0.5)
            ax.xaxis.set_major_formatter(
                mticker.FuncFormatter(
                    lambda v, _, cut=linthresh: (
                        "0" if v == 0 else ("" if abs(v) < cut else f"{v:g}")
                    )
                )
            )
            ax.set_yticks(y, row_labels(rows), fontsize=6.5)
            ax.set_ylim(-0.7, len(rows) - 0.3)
            unit = rows["metric_unit"].iloc[0]
            hidden = (tested["metric"] == metric).sum() - len(rows)
            more = f"; {hidden} more unchanged rows not drawn" if hidden else ""
            ax.set_title(
                f"{metric} ({rows['direction'].iloc[0]} is better){more}", fontsize=8.5, loc="left"
            )
            ax.set_xlabel(f"NEW - BASE ({unit})", fontsize=8)
        counts = comparison.counts()
        flagged = (
            ", ".join(f"{n} {v}" for v, n in counts.items() if n and v != "unchanged")
            or "nothing flagged"
        )
        fig.suptitle(
            f"{'REGRESSION' if comparison.regressed else 'no regression'}: {flagged}", fontsize=10
        )
        footnote(
            fig,
            "points: mean paired difference over replicates; bars: unadjusted 95% t interval; "
            "grey: "
            "practical tolerance; colour: verdict (BH-adjusted, alpha "
            f"{comparison.alpha:g}) -- red {'/'.join(GATING)}, green better/fixed, grey unchanged",
        )
        return save(fig, out_prefix)
