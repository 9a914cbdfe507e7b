"""C1 (GKL): the *approximation* error of degree-D piecewise polynomials falls fast with D at
every noise level; at a fixed sample size the *estimation* error grows with the feature count.

Sweep ``approximation``: ``diffusion_poly`` at fixed degrees D (no validation selection) with
``regression_target='exact'`` (the levels regress the target's exact denoiser: no label noise,
so the score error is the approximation error of the cells' polynomials) and with
``regression_target='data'`` (the learner at a fixed N); ``score_error`` on a fixed grid of
noise levels. Quantities (docs/theory.md §6):

* C1a: at each noise level t in [0.03, 1], the least-squares slope of log10(relative score error)
  on D; the *worst* (largest) slope over those levels, per replicate. Expected <= -0.1 (every
  level's error shrinks by at least 10^0.1 = 1.26x per degree). Control: the exact fit with its
  score scaled by 0.5 -- its error is stuck at (1 - 0.5)^2 = 0.25 of the score, whatever D.
* C1b: the same slope for the data fit, averaged over the levels t <= 0.1, where the score is
  steep and cells are small. Expected >= 0.05 (grows with D). Control: the exact fit (C1a's
  subject), whose error falls.
"""

from __future__ import annotations

import pandas as pd

from ..results.schema import level_rows
from .base import CLAIMS, Arm, Claim, MissingData, Region, ok_rows, slopes, table

EXACT = Arm("diffusion_poly", {"regression_target": "exact", "score_scale": 1.0})
DATA = Arm("diffusion_poly", {"regression_target": "data", "score_scale": 1.0})


def level_slopes(rows: pd.DataFrame, arm: Arm, t_low: float, t_high: float) -> pd.DataFrame:
    """Replicates x levels: slope of log10 score error on the degree, for t in [t_low, t_high]."""
    sel = ok_rows(rows, arm, "score_error")
    sel = level_rows(sel)
    sel = sel[(sel["t"] >= t_low) & (sel["t"] <= t_high)]
    if sel.empty:
        raise MissingData(f"no score_error levels of {arm.name()} in [{t_low}, {t_high}]")
    out = {
        level: slopes(table(group, "degree"), log_x=False)
        for level, group in sel.groupby("estimator")
    }
    return pd.DataFrame(out).dropna()


@CLAIMS.register
class ApproximationFallsWithDegree(Claim):
    id = "C1a"
    statement = (
        "the approximation error of piecewise polynomials falls fast with the degree at every "
        "noise level"
    )
    sweep = "approximation"
    figure = "approximation"
    quantity = "worst slope over t in [0.03, 1] of log10 score error vs degree (exact-denoiser fit)"
    kind = "slope"
    expected = Region(high=-0.1)
    subject = EXACT
    control = EXACT.but(score_scale=0.5)
    control_note = "a score scaled by 0.5 keeps a relative error of 0.25 at every degree"

    def per_replicate(self, rows, arm):
        return level_slopes(rows, arm, 0.03, 1.0).max(axis=1)


@CLAIMS.register
class EstimationGrowsWithFeatures(Claim):
    id = "C1b"
    statement = (
        "at a fixed sample size the estimation error grows with the feature count at small noise"
    )
    sweep = "approximation"
    figure = "approximation"
    quantity = "mean slope over t <= 0.1 of log10 score error vs degree (fit to data, fixed N)"
    kind = "slope"
    expected = Region(low=0.05)
    subject = DATA
    control = EXACT
    control_note = "without label noise (exact-denoiser fit) the error falls with the degree"

    def per_replicate(self, rows, arm):
        return level_slopes(rows, arm, 0.0, 0.1).mean(axis=1)
