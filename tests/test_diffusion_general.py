"""CKS's general-covariance learner (THEORY §4.2): crude estimates, grouping, regions, halting."""

import numpy as np
import pytest

import gmmlearn as gl
from gmmlearn.learners.diffusion_general import component_distances
from gmmlearn.regression import GaussianRegions


def test_component_distance_is_zero_for_identical_components_and_grows_apart():
    means = np.array([[0.0, 0.0], [0.0, 0.0], [6.0, 0.0]])
    covs = np.stack([np.eye(2), np.eye(2), np.diag([4.0, 1.0])])
    d = component_distances(means, covs)
    assert d[0, 1] == pytest.approx(0.0, abs=1e-12) and d[0, 2] > 4 and np.allclose(d, d.T)


def test_regions_follow_the_likelihood_and_merge_groups():
    means = np.array([[-4.0, 0.0], [4.0, 0.0], [4.0, 5.0]])
    covs = np.stack([np.eye(2)] * 3)
    regions = GaussianRegions(means[[0, 1]], [0, 1, 1], means, covs, np.log([1 / 3] * 3), 1.0)
    np.testing.assert_array_equal(regions.assign(np.array([[-4.0, 0.1], [4.0, 0.2], [4.1, 5.0]])), [0, 1, 1])
    merged = regions.without(0)
    assert merged.n_cells == 1 and set(merged.group) == {0}


def test_crude_estimates_and_groups_on_a_separated_mixture():
    target = gl.make_target("general_gmm", dim=2, k=3, condition_number=4.0, radius=8.0, separation=8.0, seed=3)
    learner = gl.make_learner("diffusion_general", n_levels=20).fit(target.sample(20_000, random_state=1),
                                                                    random_state=2)
    assert learner.crude_means_.shape == (3, 2)  # k chosen by BIC
    groups = [d["clusters"] for d in learner.diagnostics_]
    assert groups[0] == 1 and groups[-1] == 3


def test_halting_stops_at_t0_and_rescales():
    """Rank-1 covariances: no density at t = 0. Halting at t0: W2 to P within the CKS bound
    sqrt((e^{2 t0} - 1) n) plus the learner's and the estimator's error."""
    target = gl.make_target("general_gmm", dim=2, k=2, rank=1, radius=4.0, separation=4.0, seed=1)
    t0 = 0.02
    learner = gl.make_learner("diffusion_general", n_components=2, halting_time=t0, n_levels=40)
    learner.fit(target.sample(20_000, random_state=1), random_state=2)
    assert learner.sampling_times()[-1] == t0 and learner.final_ == "rescale"
    (row,) = gl.evaluate(target, learner, learner.sample(6000, random_state=3), ["w2"], random_state=4)
    bound = np.sqrt(np.expm1(2 * t0) * 2)
    assert row["value"] <= row["floor"] + bound + 3 * np.hypot(row["stderr"], row["floor_stderr"])


@pytest.mark.parametrize("params,match", [
    (dict(delta_out=-1.0), "delta_out must be >= 0"),
    (dict(n_components=0), "n_components must be an integer >= 1"),
    (dict(halting_time=0.0), "halting_time must be > 0"),
])
def test_bad_parameters(params, match):
    X = gl.make_target("general_gmm", dim=2, k=2).sample(500, random_state=0)
    with pytest.raises(ValueError, match=match):
        gl.make_learner("diffusion_general", **params).fit(X)
