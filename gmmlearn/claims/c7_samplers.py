"""C7 (Chen et al. 2023; Benton et al. 2024): with the exact score, the reverse sampler's
discretisation error falls with the number of steps and vanishes on a fine enough grid.

Sweep ``samplers``: the ``oracle`` learner (exact score) with the DDPM, exponential-integrator
and Heun samplers on three schedules and 10..400 steps, on a separated GMM and a circle
convolution; exact samples give the floor (docs/theory.md §6). 1-D projected TV (mean over
planes) on the geometric schedule:

* C7a: the largest, over targets and samplers, excess TV (value - floor) at the largest step
  count. Expected <= 0.01. Control: the oracle with its score scaled by 0.5.
* C7b: the largest, over targets and samplers, slope of log10 TV on log10 steps. Expected
  <= -0.2. Control: the score scaled by 0.5, whose error does not fall with more steps.
"""

from __future__ import annotations

import pandas as pd

from .base import CLAIMS, Arm, Claim, MissingData, Region, learner_param, ok_rows, slopes, table

TV1 = ("tv_projected", "hist1d_mean")
ORACLE = Arm("oracle", {"schedule": "geometric", "score_scale": 1.0})


def per_run(rows: pd.DataFrame, arm: Arm, value: str) -> dict:
    """(family, sampler) -> replicates x n_steps table of the arm's 1-D TV (or excess)."""
    sel = ok_rows(rows, arm, *TV1)
    sel = sel.assign(sampler=learner_param(sel, "sampler"))
    runs = {
        key: table(group, "p_learner_n_steps", value=value)
        for key, group in sel.groupby(["family", "sampler"])
    }
    if not runs:
        raise MissingData(f"no runs of {arm.name()}")
    return runs


@CLAIMS.register
class ReachesTheFloor(Claim):
    id = "C7a"
    statement = "with the exact score, every sampler reaches the exact-sample floor on a fine grid"
    sweep = "samplers"
    figure = "samplers"
    quantity = (
        "max over targets and samplers of excess 1-D TV at the largest step count (geometric)"
    )
    kind = "max_excess"
    expected = Region(high=0.01)
    subject = ORACLE
    control = ORACLE.but(score_scale=0.5)
    control_note = "a score scaled by 0.5 converges to the wrong law"

    def per_replicate(self, rows, arm):
        runs = per_run(rows, arm, "excess")
        return (
            pd.DataFrame({key: t[t.columns.max()] for key, t in runs.items()}).dropna().max(axis=1)
        )


@CLAIMS.register
class DiscretisationFalls(Claim):
    id = "C7b"
    statement = "with the exact score, the sampler's error falls with the number of steps"
    sweep = "samplers"
    figure = "samplers"
    quantity = (
        "max over targets and samplers of the slope of log10 1-D TV on log10 steps (geometric)"
    )
    kind = "slope"
    expected = Region(high=-0.2)
    subject = ORACLE
    control = ORACLE.but(score_scale=0.5)
    control_note = "with a score scaled by 0.5 more steps do not help"

    def per_replicate(self, rows, arm):
        runs = per_run(rows, arm, "value")
        return pd.DataFrame({key: slopes(t) for key, t in runs.items()}).dropna().max(axis=1)
