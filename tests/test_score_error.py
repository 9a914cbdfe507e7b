"""score_error (docs/theory.md §5): per-level relative errors, their mean, the worst level and the
step-weighted sum of the sampling bound, checked where the answer is exact."""

import numpy as np
import pytest

import gmmlearn as gl
from gmmlearn.diffusion import noise_var, time_grid


def _rows(learner, target, **params):
    rows = gl.evaluate(
        target,
        learner,
        target.sample(10, random_state=0),
        [{"name": "score_error", "params": params}],
        random_state=1,
    )
    return {r["estimator"]: r for r in rows}


def test_a_scaled_exact_score_gives_exact_relative_errors_and_the_weighted_sum():
    """The oracle with score_scale c has s_hat - s = (c - 1) s at every point, so every level's
    relative error is (c - 1)^2 to round-off. For one Gaussian N(0, I) in dimension 2,
    E||s||^2 = 2 / v_t with v_t = 1, so the weighted sum is (c - 1)^2 * 2 * (t_max - t_min)
    exactly; the estimate is within 4 of its standard errors."""
    target = gl.make_target("isotropic_gmm", means=[[0.0, 0.0]], weights=[1.0])
    c = 0.8
    oracle = gl.make_learner("oracle", target=target, score_scale=c).fit()
    rows = _rows(oracle, target, n_points=4000, n_times=6)
    levels = [r for name, r in rows.items() if name.startswith("t=")]
    assert len(levels) == 6
    for r in levels + [rows["mean"], rows["worst"]]:
        assert r["value"] == pytest.approx((c - 1) ** 2, rel=1e-9)
    times = time_grid("geometric", 5, 5.0, 0.02)
    exact = (
        (c - 1) ** 2
        * 2
        * np.sum(-np.diff(times) / (np.exp(-2 * times[:-1]) + noise_var(times[:-1])))
    )
    assert abs(rows["girsanov"]["value"] - exact) <= 4 * rows["girsanov"]["stderr"]
    exact_rows = _rows(
        gl.make_learner("oracle", target=target).fit(), target, n_points=500, n_times=4
    )
    assert all(r["value"] == 0.0 for r in exact_rows.values())  # the exact score is the floor


def test_worst_level_and_the_sampling_grid():
    target = gl.make_target("isotropic_gmm", dim=2, k=2, separation=5.0, seed=0)
    learner = gl.make_learner("diffusion_poly", n_levels=6, substeps=1, tail_steps=2).fit(
        target.sample(3000, random_state=1), random_state=2
    )
    rows = _rows(learner, target, n_points=500)
    levels = {name: r["value"] for name, r in rows.items() if name.startswith("t=")}
    assert rows["worst"]["value"] == max(levels.values())
    sampling = _rows(learner, target, n_points=500, times="sampling")
    assert sum(name.startswith("t=") for name in sampling) == learner.sampling_times().size
    with pytest.raises(ValueError, match="times must be one of"):
        _rows(learner, target, times="every")
