"""C3: the learned sampler's error falls with the sample count N toward the oracle score's.

Sweep ``samples``: ``diffusion_poly`` (and EM) at N in 1e3..1e5 on isotropic_gmm(dim 2, k 3,
separation 6), the oracle score on the learner's own time grid, exact samples. 2-D projected TV
(mean over planes); the learner and the oracle share evaluation streams (docs/theory.md §6):

* C3a: the slope of log10 TV on log10 N. Expected <= -0.05. Control: the learner with its score
  scaled by 0.5, whose error is dominated by the wrong scale at every N.
* C3b: TV(learner at the largest N) - TV(oracle score, same grid), paired. Expected <= 0.005.
  Control: the score scaled by 0.5.
"""

from __future__ import annotations

from .base import CLAIMS, Arm, Claim, MissingData, Region, ok_rows, paired, slopes, table

TV2 = ("tv_projected", "hist2d_mean")
LEARNER = Arm("diffusion_poly", {"score_scale": 1.0})


@CLAIMS.register
class ErrorFallsWithSamples(Claim):
    id = "C3a"
    statement = "the diffusion learner's TV error falls with the number of training samples"
    sweep = "samples"
    figure = "samples"
    quantity = "slope of log10 TV on log10 n_train (2-D projected TV)"
    kind = "slope"
    expected = Region(high=-0.05)
    subject = LEARNER
    control = LEARNER.but(score_scale=0.5)
    control_note = "a score scaled by 0.5 leaves an error no sample size removes"

    def per_replicate(self, rows, arm):
        return slopes(table(ok_rows(rows, arm, *TV2), "n_train"))


@CLAIMS.register
class ReachesTheOracle(Claim):
    id = "C3b"
    statement = (
        "with enough samples the diffusion learner reaches the exact score's error on the same grid"
    )
    sweep = "samples"
    figure = "samples"
    quantity = "paired TV(learner, largest n_train) - TV(oracle score), 2-D projected TV"
    kind = "paired_difference"
    expected = Region(high=0.005)
    subject = LEARNER
    control = LEARNER.but(score_scale=0.5)
    control_note = "a score scaled by 0.5 stays far from the exact score"

    def per_replicate(self, rows, arm):
        mine = table(ok_rows(rows, arm, *TV2), "n_train")
        oracle = ok_rows(rows, Arm("oracle", {"score_scale": 1.0}), *TV2)
        if oracle["replicate"].duplicated().any():
            raise MissingData("more than one oracle setting in the sweep")
        return paired(mine[mine.columns.max()], oracle.set_index("replicate")["value"])
