"""CKS's general-covariance learner (docs/theory.md §4.2): crude estimates, grouping, regions, halting."""

import numpy as np
import pytest

import gmmlearn as gl
from gmmlearn.learners.diffusion_engine import DiffusionLearner
from gmmlearn.learners.diffusion_general import (
    DiffusionGeneral,
    component_distances,
    gap_grouping,
    pca_crude,
)
from gmmlearn.learners.diffusion_poly import DiffusionPoly
from gmmlearn.regression import GaussianRegions, TiledPartition


def test_component_distance_is_zero_for_identical_components_and_grows_apart():
    means = np.array([[0.0, 0.0], [0.0, 0.0], [6.0, 0.0]])
    covs = np.stack([np.eye(2), np.eye(2), np.diag([4.0, 1.0])])
    d = component_distances(means, covs)
    assert d[0, 1] == pytest.approx(0.0, abs=1e-12) and d[0, 2] > 4 and np.allclose(d, d.T)


def test_regions_follow_the_likelihood_and_merge_groups():
    means = np.array([[-4.0, 0.0], [4.0, 0.0], [4.0, 5.0]])
    covs = np.stack([np.eye(2)] * 3)
    regions = GaussianRegions(means[[0, 1]], [0, 1, 1], means, covs, np.log([1 / 3] * 3), 1.0)
    np.testing.assert_array_equal(
        regions.assign(np.array([[-4.0, 0.1], [4.0, 0.2], [4.1, 5.0]])), [0, 1, 1]
    )
    merged = regions.without(0)
    assert merged.n_cells == 1 and set(merged.group) == {0}


def test_crude_estimates_and_groups_on_a_separated_mixture():
    target = gl.make_target(
        "general_gmm", dim=2, k=3, condition_number=4.0, radius=8.0, separation=8.0, seed=3
    )
    learner = gl.make_learner("diffusion_general", n_levels=20).fit(
        target.sample(20_000, random_state=1), random_state=2
    )
    assert learner.crude_means_.shape == (3, 2)  # k chosen by BIC
    groups = [d["clusters"] for d in learner.diagnostics_]
    assert groups[0] == 1 and groups[-1] == 3


def test_pca_crude_estimates_recover_separated_components():
    """k-means on the principal projections, then EM steps: the means of well separated
    components to within a few standard errors (sd of a component mean from ~6700 points with
    eigenvalues <= 4: 0.025 per coordinate; 0.15 is 6 of them)."""
    target = gl.make_target(
        "general_gmm", dim=3, k=3, condition_number=4.0, radius=8.0, separation=8.0, seed=3
    )
    X = target.sample(20_000, random_state=1)
    weights, means, covs = pca_crude(X, 3, 0.02, seed=0)
    error = np.linalg.norm(means[:, None] - target.means[None], axis=-1).min(axis=1)
    assert weights.shape == (3,) and covs.shape == (3, 3, 3) and np.all(error < 0.15)


def test_gap_grouping_finds_the_first_empty_rung_and_always_halts():
    # two tight pairs (distance 0.5) 10 apart: the rung (1, 3] is empty, groups are the pairs
    d = np.array(
        [[0, 0.5, 10, 10], [0.5, 0, 10, 10], [10, 10, 0, 0.5], [10, 10, 0.5, 0]], dtype=float
    )
    group, delta_in = gap_grouping(d, 1.0, 3.0)
    assert delta_in == 1.0 and group[0] == group[1] != group[2] == group[3]
    # a merge height at 2 fills (1, 3]: the next rung (3, 9] is empty, the pairs still separate
    d[0, 2] = d[2, 0] = 2.0
    group, delta_in = gap_grouping(d, 1.0, 3.0)
    assert delta_in == 3.0 and len(set(group)) == 1
    # pigeonhole: k - 1 merge heights never fill k rungs; the chosen rung holds no merge height
    rng = np.random.default_rng(0)
    for k in (2, 5, 9):
        for _ in range(50):
            points = rng.standard_normal((k, 2)) * rng.uniform(0.1, 30)
            d = np.linalg.norm(points[:, None] - points[None], axis=-1)
            group, delta_in = gap_grouping(d, 1.0, 3.0)
            assert delta_in <= 3.0 ** (k - 1)
            cross = d[group[:, None] != group[None, :]]
            assert cross.size == 0 or cross.min() > 3.0 * delta_in


def test_tiled_regions_never_cross_a_region():
    means = np.array([[-3.0, 0.0], [3.0, 0.0]])
    covs = np.stack([np.eye(2)] * 2)
    regions = GaussianRegions(means, [0, 1], means, covs, np.log([0.5, 0.5]), 1.0)
    # a site of region 0 lies inside region 1's half plane: it only takes region-0 points
    tiled = TiledPartition(
        regions, np.array([[-3.0, 0.0], [0.5, 0.0], [3.0, 0.0]]), np.array([0, 0, 1]), 1.0
    )
    Z = np.array([[0.4, 0.0], [-0.4, 0.0], [2.0, 1.0], [-5.0, 0.0]])
    np.testing.assert_array_equal(tiled.assign(Z), [2, 1, 2, 0])
    merged = tiled.without(2)  # region 1 has no site left: its points go to the nearest site
    np.testing.assert_array_equal(merged.assign(Z), [1, 1, 1, 0])


def test_one_engine_no_pinned_parameters():
    """Both learners are siblings on the engine; neither pins the other's parameters as class
    attributes, and the discarded directions of general covariances keep their own variances."""
    assert issubclass(DiffusionGeneral, DiffusionLearner) and issubclass(
        DiffusionPoly, DiffusionLearner
    )
    assert not issubclass(DiffusionGeneral, DiffusionPoly)
    for cls in (DiffusionGeneral, DiffusionPoly):
        params = set(cls().get_params())
        assert not params & {name for klass in cls.__mro__ for name in vars(klass)}
    target = gl.make_target("general_gmm", dim=6, k=2, condition_number=10.0, seed=0)
    X = target.sample(5000, random_state=0)
    learner = gl.make_learner("diffusion_general", n_levels=4, subspace="pca:3").fit(
        X, random_state=1
    )
    eig = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
    np.testing.assert_allclose(learner.perp_vars_, eig[3:], rtol=1e-8)
    assert learner.effective_params_["subspace"] == "pca:3"


def test_halting_stops_at_t0_and_rescales():
    """Rank-1 covariances: no density at t = 0. Halting at t0: W2 to P within the CKS bound
    sqrt((e^{2 t0} - 1) n) plus the learner's and the estimator's error."""
    target = gl.make_target("general_gmm", dim=2, k=2, rank=1, radius=4.0, separation=4.0, seed=1)
    t0 = 0.02
    learner = gl.make_learner("diffusion_general", n_components=2, halting_time=t0, n_levels=40)
    learner.fit(target.sample(20_000, random_state=1), random_state=2)
    assert learner.sampling_times()[-1] == t0 and learner.final_ == "rescale"
    (row,) = gl.evaluate(
        target, learner, learner.sample(6000, random_state=3), ["w2"], random_state=4
    )
    bound = np.sqrt(np.expm1(2 * t0) * 2)
    assert row["value"] <= row["floor"] + bound + 3 * np.hypot(row["stderr"], row["floor_stderr"])


@pytest.mark.parametrize(
    "params,match",
    [
        (dict(delta_out=-1.0), "delta_out must be >= 0"),
        (dict(n_components=0), "n_components must be an integer >= 1"),
        (dict(halting_time=0.0), "halting_time must be > 0"),
        (dict(crude="moments"), "crude must be one of"),
        (dict(grouping="kmeans"), "grouping must be one of"),
        (dict(delta_ratio=1.0), "delta_ratio must be > 1"),
        (dict(cells="atoms"), "cells must be one of"),
    ],
)
def test_bad_parameters(params, match):
    X = gl.make_target("general_gmm", dim=2, k=2).sample(500, random_state=0)
    with pytest.raises(ValueError, match=match):
        gl.make_learner("diffusion_general", **params).fit(X)
