"""Claims C1-C8 as code (docs/theory.md §6): ``evaluate_claims(results_dir)`` gives the claims
table, one row per claim and one per its control. A new claim is one module of this folder whose
class declares its id, sweep, figure, arms, quantity and region once and is decorated with
``@CLAIMS.register``: every module here is imported (README, "How to add")."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.registry import import_submodules
from ..results.io import read_results
from .base import CLAIMS, VERDICTS, Arm, Claim, ClaimResult, MissingData, Region

import_submodules(__name__, __path__)  # the claims register themselves

COLUMNS = [
    "claim",
    "role",
    "statement",
    "sweep",
    "subject",
    "quantity",
    "estimate",
    "ci_low",
    "ci_high",
    "expected",
    "verdict",
    "n_replicates",
    "reason",
]


def claims_for(sweeps=None, sweep_of: dict | None = None) -> list[Claim]:
    """Every registered claim, or those whose sweep is among ``sweeps``; ``sweep_of`` points
    claims (by id) at other sweeps than their own."""
    claims = []
    for name in CLAIMS.names():
        claim = CLAIMS.get(name).factory()
        if sweep_of and name in sweep_of:
            claim.sweep = sweep_of[name]
        if sweeps is None or claim.sweep in set(sweeps):
            claims.append(claim)
    return claims


def load_sweep(results_dir, sweep: str) -> pd.DataFrame | None:
    """The per-replicate rows of one sweep (``<results_dir>/<sweep>/results.csv``), or None."""
    path = Path(results_dir) / sweep / "results.csv"
    return read_results(path) if path.exists() else None


def evaluate_claims(results_dir, sweeps=None, sweep_of: dict | None = None) -> pd.DataFrame:
    """The claims table over a results folder: for each claim, its row and its control's."""
    claims = claims_for(sweeps, sweep_of)
    tables = {sweep: load_sweep(results_dir, sweep) for sweep in sorted({c.sweep for c in claims})}
    rows = [
        claim.evaluate(tables[claim.sweep], role).as_dict()
        for claim in claims
        for role in ("claim", "control")
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def estimate_text(row) -> str:
    """``estimate [ci_low, ci_high]`` of a claims-table row (``n/a`` without an estimate)."""
    if pd.isna(row["estimate"]):
        return "n/a"
    if pd.isna(row["ci_low"]):
        return f"{row['estimate']:.3g}"
    return f"{row['estimate']:.3g} [{row['ci_low']:.3g}, {row['ci_high']:.3g}]"


def to_markdown(table: pd.DataFrame) -> str:
    """The claims table as Markdown: one line per claim, its control's verdict beside it."""
    lines = [
        "| claim | statement | quantity | estimate [95% CI] | expected | verdict | n | "
        "control | control estimate | control verdict (must fail) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for claim, pair in table.groupby("claim", sort=True):
        row = pair[pair["role"] == "claim"].iloc[0]
        control = pair[pair["role"] == "control"].iloc[0]
        verdict = row["verdict"] + (
            f" ({row['reason']})" if row["verdict"] == "inconclusive" and row["reason"] else ""
        )
        ok = "fail ✓" if control["verdict"] == "fail" else f"{control['verdict']} ✗"
        lines.append(
            f"| {claim} | {row['statement']} | {row['quantity']} | {estimate_text(row)} | "
            f"{row['expected']} | **{verdict}** | {row['n_replicates']} | {control['subject']} | "
            f"{estimate_text(control)} | {ok} |"
        )
    return "\n".join(lines) + "\n"


__all__ = [
    "CLAIMS",
    "COLUMNS",
    "VERDICTS",
    "Arm",
    "Claim",
    "ClaimResult",
    "MissingData",
    "Region",
    "claims_for",
    "estimate_text",
    "evaluate_claims",
    "load_sweep",
    "to_markdown",
]
