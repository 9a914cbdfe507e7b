"""Baselines (docs/theory.md §4.4): tensor method, denoised method of moments, EM, moment-started
EM, KDE."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import wasserstein_distance
from sklearn.mixture import GaussianMixture

import gmmlearn as gl
from gmmlearn.learners.moments_dmm import denoised_moments, golub_welsch, in_moment_space


def _matched_max_error(estimate, truth):
    cost = np.linalg.norm(estimate[:, None] - truth[None], axis=-1)
    rows, cols = linear_sum_assignment(cost)
    return cost[rows, cols].max()


def test_tensor_method_recovers_the_means():
    target = gl.make_target("isotropic_gmm", dim=6, k=3, separation=6.0, seed=0)
    learner = gl.make_learner("moments_tensor", n_components=3).fit(
        target.sample(200_000, random_state=1), random_state=2
    )
    assert _matched_max_error(learner.means_, target.atoms) <= 0.05
    assert learner.sigma_ == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize(
    "means,match",
    [
        (
            np.array([[0.0, 5.0], [5.0, 0.0], [-5.0, -5.0]]),
            "needs k <= dim and linearly independent means; got n_components=3 > dim=2",
        ),
        (
            np.array([[1.0, 0, 0], [2.0, 0, 0], [-3.0, 0, 0]]),
            "fewer than k=3 significant eigenvalues",
        ),
    ],
)
def test_tensor_method_preconditions(means, match):
    target = gl.make_target(
        "isotropic_gmm", means=means, weights=np.full(len(means), 1 / len(means))
    )
    X = target.sample(5000, random_state=0)
    with pytest.raises(ValueError, match=match):
        gl.make_learner("moments_tensor", n_components=3).fit(X)


def test_golub_welsch_recovers_a_discrete_law_from_its_moments():
    atoms, weights = np.array([-1.5, 0.2, 2.0]), np.array([0.2, 0.5, 0.3])
    m = np.array([np.sum(weights * atoms**r) for r in range(6)])
    assert in_moment_space(m, 3, -3.0, 3.0) and not in_moment_space(m, 3, 0.0, 3.0)
    nodes, w = golub_welsch(m, 3)
    np.testing.assert_allclose(nodes, atoms, atol=1e-10)
    np.testing.assert_allclose(w, weights, atol=1e-10)


def test_denoised_moments_are_unbiased():
    rng = np.random.default_rng(0)
    a = rng.choice([-1.0, 2.0], size=400_000, p=[0.4, 0.6])
    x = a + 0.8 * rng.standard_normal(a.size)
    m = denoised_moments(x, 0.8, 4)
    exact = [np.mean(np.where(True, 0.4 * (-1.0) ** r + 0.6 * 2.0**r, 0)) for r in range(5)]
    se = np.array(
        [np.std(0.8**r * np.polynomial.hermite_e.hermeval(x / 0.8, np.eye(5)[r])) for r in range(5)]
    ) / np.sqrt(a.size)
    assert np.all(np.abs(m - exact) <= 5 * se + 1e-12)


@pytest.fixture(scope="module")
def one_d():
    target = gl.make_target(
        "isotropic_gmm", means=[[-2.0], [0.5], [3.0]], weights=[0.3, 0.4, 0.3], sigma=1.0
    )
    return target, target.sample(100_000, random_state=1)


def test_dmm_recovers_a_one_dimensional_mixing_law(one_d):
    target, X = one_d
    known = gl.make_learner("moments_dmm", n_components=3, sigma=1.0).fit(X, random_state=2)
    w1 = wasserstein_distance(
        known.means_[:, 0], target.atoms[:, 0], known.weights_, target.weights
    )
    assert w1 <= 0.1
    unknown = gl.make_learner("moments_dmm", n_components=3).fit(X, random_state=2)
    assert abs(unknown.sigma_ - 1.0) <= 0.05


def test_dmm_projects_moments_outside_the_moment_space():
    """With 300 points the empirical moments of a nearly-degenerate law leave the moment space:
    the projection still returns a k-atom law inside the data range."""
    target = gl.make_target(
        "isotropic_gmm", means=[[0.0], [0.3], [0.6]], weights=[1 / 3] * 3, sigma=1.0
    )
    X = target.sample(300, random_state=4)
    learner = gl.make_learner("moments_dmm", n_components=3, sigma=1.0).fit(X, random_state=0)
    assert np.all((learner.means_ >= X.min() - 1e-9) & (learner.means_ <= X.max() + 1e-9))
    assert learner.weights_.sum() == pytest.approx(1.0)


def test_dmm_high_dimensional_and_its_limit():
    target = gl.make_target("isotropic_gmm", dim=5, k=3, separation=6.0, seed=0)
    X = target.sample(50_000, random_state=1)
    learner = gl.make_learner("moments_dmm", n_components=3).fit(X, random_state=2)
    assert _matched_max_error(learner.means_, target.atoms) <= 0.3
    with pytest.raises(ValueError, match="supports n_components <= 4"):
        gl.make_learner("moments_dmm", n_components=5).fit(X)


def test_em_reproduces_scikit_learn():
    target = gl.make_target("isotropic_gmm", dim=3, k=3, separation=5.0, seed=1)
    X = target.sample(5000, random_state=0)
    ours = gl.make_learner("em", n_components=3).fit(X, random_state=7)
    seed = int(np.random.default_rng(7).integers(2**31 - 1))
    theirs = GaussianMixture(
        3,
        covariance_type="full",
        n_init=5,
        init_params="k-means++",
        tol=1e-6,
        max_iter=1000,
        random_state=seed,
    ).fit(X)
    np.testing.assert_array_equal(ours.means_, theirs.means_)
    assert ours.converged_ and ours.covariances_.shape == (3, 3, 3)
    np.testing.assert_allclose(ours.logpdf(X[:50]), theirs.score_samples(X[:50]), rtol=1e-10)


def test_em_from_moments_starts_at_the_moment_estimate():
    target = gl.make_target("isotropic_gmm", dim=5, k=3, separation=4.0, seed=0)
    X = target.sample(20_000, random_state=1)
    learner = gl.make_learner("em_from_moments", init="tensor").fit(X, random_state=2)
    assert learner.converged_ and learner.init_means_.shape == (3, 5)
    assert _matched_max_error(learner.means_, target.atoms) <= 0.1


def test_kde_bandwidths_and_density():
    target = gl.make_target("isotropic_gmm", dim=2, k=3, separation=6.0, seed=0)
    X = target.sample(3000, random_state=1)
    cv = gl.make_learner("kde").fit(X, random_state=0)
    silverman = gl.make_learner("kde", bandwidth="silverman").fit(X, random_state=0)
    assert 0 < cv.bandwidth_ < silverman.bandwidth_  # Silverman oversmooths multimodal data
    assert gl.make_learner("kde", bandwidth=0.3).fit(X).bandwidth_ == 0.3
    assert np.all(np.isfinite(cv.logpdf(X[:10])))


@pytest.mark.parametrize(
    "name,params",
    [
        ("em", dict(n_components=3)),
        ("em_from_moments", dict(init="dmm")),
        ("kde", {}),
        ("moments_tensor", dict(n_components=3)),
        ("moments_dmm", dict(n_components=3)),
    ],
)
def test_baselines_are_deterministic_given_random_state(name, params):
    X = gl.make_target("isotropic_gmm", dim=3, k=3, separation=5.0, seed=2).sample(
        4000, random_state=0
    )
    a = gl.make_learner(name, **params).fit(X, random_state=11).sample(100, random_state=3)
    b = gl.make_learner(name, **params).fit(X, random_state=11).sample(100, random_state=3)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "name,params,match",
    [
        ("em", dict(n_components=0), "n_components must be an integer >= 1"),
        ("em", dict(covariance_type="tied-ish"), "covariance_type must be one of"),
        ("kde", dict(bandwidth=-1.0), "bandwidth must be > 0"),
        ("kde", dict(bandwidth="scott"), "bandwidth must be one of"),
        ("em_from_moments", dict(init="spectral"), "init must be one of"),
    ],
)
def test_bad_parameters(name, params, match):
    X = gl.make_target("isotropic_gmm", dim=2, k=2).sample(300, random_state=0)
    with pytest.raises(ValueError, match=match):
        gl.make_learner(name, **params).fit(X)
