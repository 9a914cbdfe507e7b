"""The claims over a sweep at one look of its sequential design (docs/theory.md §6).

A sweep with ``replicates: {min, max, batch}`` is evaluated after min, min + batch, ..., max
replicates. At look k (0-based, n_k replicates) every claim over the sweep is evaluated on the
replicates below n_k with the design's error control (:mod:`gmmlearn.core.sequential`: each look
at level alpha / K, an instance decided at the first look where it passes or fails, and staying
decided); the cells that a still undecided claim reads run the next batch, the others stop.
:func:`decide` is what the workflow's ``look`` checkpoint computes. Because a replicate's rows do
not depend on when it ran, replaying the looks on the final rows gives the same decisions: a
killed and resumed run decides as an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.sequential import Design, InstanceVerdict, combine, instance_verdict
from .base import Claim, MissingData


@dataclass
class ClaimAtLook:
    """A claim's state at a look: its verdict, its instances, and the cells its arms read."""

    claim: str
    verdict: str
    instances: list[InstanceVerdict] = field(default_factory=list)
    cells: set[str] = field(default_factory=set)
    reason: str = ""

    @property
    def decided(self) -> bool:
        return self.verdict in ("pass", "fail")


def evaluate_at_look(claim: Claim, rows: pd.DataFrame, design: Design) -> ClaimAtLook:
    """The claim's subject over the rows with the design's sequential rule: one instance per
    column of its per-replicate quantity (a Series is one instance), intersection-union over
    them. The cells read are every cell of the rows: a claim cannot yet say which of its sweep's
    cells it uses, so a sweep's cells run while any claim over it is undecided."""
    cells = set(rows["cell_id"].astype(str))
    try:
        values = claim.per_replicate(rows, claim.subject)
    except MissingData as exc:
        return ClaimAtLook(claim.id, "inconclusive", cells=cells, reason=str(exc))
    table = values.to_frame(claim.id) if isinstance(values, pd.Series) else values
    table = table.sort_index()
    instances = [
        instance_verdict(
            table[column].to_numpy(np.float64), claim.expected, design, instance=str(column)
        )
        for column in table.columns
    ]
    verdict, _, _ = combine(instances)
    return ClaimAtLook(claim.id, verdict, instances, cells)


@dataclass
class LookDecision:
    """What a look decided: the claims' verdicts and the cells that run the next look."""

    look: int
    n: int
    claims: dict[str, str]
    active: list[str]

    def as_dict(self) -> dict:
        return {"look": self.look, "n": self.n, "claims": self.claims, "active": self.active}


def decide(rows: pd.DataFrame, claims: list[Claim], design: Design, look: int) -> LookDecision:
    """Look ``look`` (0-based) of a sweep's design over its rows: the claims on the replicates
    below the look's count, and the cells that run the next look -- those read by a claim still
    undecided; none after the last look or when every claim is decided."""
    counts = design.looks()
    if not 0 <= look < len(counts):
        raise ValueError(f"look must be in [0, {len(counts) - 1}] for design {design.text()}")
    n = counts[look]
    seen = rows[rows["replicate"] < n]
    evaluations = [evaluate_at_look(claim, seen, design) for claim in claims]
    needed = set()
    for evaluation in evaluations:
        if not evaluation.decided:
            needed |= evaluation.cells
    active = [] if look + 1 == len(counts) else sorted(needed)
    return LookDecision(look, n, {e.claim: e.verdict for e in evaluations}, active)
