"""The Girsanov bound dominates the true KL of the sampler output (docs/theory.md §3), checked on
a 1-D mixture where the sampler's output density is computed exactly by propagating it through every
exponential-integrator step (each is a Gaussian transition kernel) on a fine grid."""

import numpy as np
import pytest

import gmmlearn as gl
from gmmlearn.diffusion import time_grid

GRID = np.linspace(-40, 40, 4001)  # wide: the first large steps spread the mass to +-26


def output_density(score, times):
    """Density on GRID of the exponential integrator started from N(0, 1) at times[0]."""
    dy = GRID[1] - GRID[0]
    p = np.exp(-0.5 * GRID**2) / np.sqrt(2 * np.pi)
    for b, a in zip(times[:-1], times[1:]):
        h = b - a
        mean = np.exp(h) * GRID + 2 * np.expm1(h) * score(GRID[:, None], b)[:, 0]
        var = np.expm1(2 * h)
        kernel = np.exp(-0.5 * (GRID[:, None] - mean[None, :]) ** 2 / var) / np.sqrt(
            2 * np.pi * var
        )
        p = kernel @ p * dy
    return p


class PerturbedScore:
    """Test double: the exact score plus a bias, with the metric's learner interface."""

    def __init__(self, target, times, bias):
        self.target, self.times, self.bias = target, times, bias

    def score(self, X, t):
        return self.target.score(X, t) + self.bias

    def sampling_times(self):
        return self.times


@pytest.mark.parametrize("bias", [0.0, 0.3])
def test_bound_dominates_the_true_kl(bias):
    target = gl.make_target(
        "isotropic_gmm", means=[[-3.0], [0.5], [2.5]], weights=[0.3, 0.3, 0.4], sigma=1.0
    )
    times = time_grid("geometric", 25, 6.0, 0.01)
    learner = PerturbedScore(target, times, bias)
    p_hat = output_density(learner.score, times)
    p_delta = np.exp(target.at_time(times[-1]).logpdf(GRID[:, None]))
    dy = GRID[1] - GRID[0]
    assert abs(p_hat.sum() * dy - 1) < 1e-6 and abs(p_delta.sum() * dy - 1) < 1e-6
    mask = p_delta > 1e-300
    true_kl = float(np.sum(p_delta[mask] * np.log(p_delta[mask] / p_hat[mask])) * dy)
    rows = {
        r["estimator"]: r
        for r in gl.evaluate(
            target,
            learner,
            target.sample(10, random_state=0),
            [{"name": "kl_girsanov", "params": {"n_points": 4000}}],
            random_state=1,
        )
    }
    total = rows["total"]
    assert total["value"] + 3 * total["stderr"] >= true_kl > 0
    split = (
        rows["score_term"]["value"] + rows["discretization_term"]["value"] + rows["init"]["value"]
    )
    assert (
        split + 3 * (rows["score_term"]["stderr"] + rows["discretization_term"]["stderr"])
        >= total["value"]
    )
    if bias == 0.0:
        assert rows["score_term"]["value"] == 0.0


def test_the_bound_needs_a_score():
    target = gl.make_target("isotropic_gmm", dim=1, k=2)
    exact = gl.make_learner("exact", target=target).fit()
    with pytest.raises(ValueError, match="needs a learner with score"):
        gl.evaluate(target, exact, target.sample(10, random_state=0), ["kl_girsanov"])
