"""``paper_figures/index.md``: every figure of a config with its claims, their verdicts and
intervals, and the command that regenerates it (written by the workflow after the claims)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..claims import claims_for, estimate_text


def _shown(path) -> str:
    """A path as a user types it: relative to the working directory when it lies below it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def build_index(
    config, config_path, claims: pd.DataFrame, out_path, figures_dir=None, results_dir=None
) -> str:
    """The Markdown index of a loaded config (:class:`~gmmlearn.bench.sweeps.WorkflowConfig`,
    read from ``config_path``; figures linked relative to ``out_path``'s folder).
    ``figures_dir`` / ``results_dir``: where the run wrote them, when a ``--config`` override
    moved them from the config's folders."""
    figures_dir = config.figures_dir if figures_dir is None else figures_dir
    results_dir = config.results_dir if results_dir is None else results_dir
    out_dir = Path(out_path).resolve().parent
    command = f"snakemake --cores all --configfile {_shown(config_path)}"
    if (figures_dir, results_dir) != (config.figures_dir, config.results_dir):
        command += f" --config results_dir={_shown(results_dir)} figures_dir={_shown(figures_dir)}"
    lines = [
        f"# Figures and claims of the `{config.name}` config",
        "",
        f"Regenerate everything: `{command}` (claims table: `{_shown(results_dir)}/claims.md`).",
        "A verdict is `pass` when the claim's 95% interval lies inside the expected region, "
        "`fail` when it lies outside, `inconclusive` otherwise; every claim has a control that "
        "must `fail` (docs/theory.md §6).",
        "",
    ]
    for name, sweep in config.sweeps.items():
        if not sweep.figure:
            continue
        png = Path(figures_dir).resolve() / f"{name}.png"
        lines += (
            [f"## {name}", ""]
            + ([sweep.description, ""] if sweep.description else [])
            + [
                f"![{name}]({os.path.relpath(png, out_dir)})",
                "",
                "| claim | role | statement | quantity | estimate [95% CI] | expected | verdict "
                "| n |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |",
            ]
        )
        ids = [c.id for c in claims_for([name], config.claim_sweeps)]
        for _, row in claims[claims["claim"].isin(ids)].iterrows():
            lines.append(
                f"| {row['claim']} | {row['role']} | {row['statement']} | {row['quantity']} | "
                f"{estimate_text(row)} | {row['expected']} | **{row['verdict']}** | "
                f"{row['n_replicates']} |"
            )
        lines += ["", f"Regenerate: `{command} {_shown(png)}`", ""]
    return "\n".join(lines)
