"""Targets: exact scores, denoisers, densities and samples (docs/theory.md §1-2)."""

import numpy as np
import pytest
from scipy import stats

import gmmlearn as gl
from gmmlearn.diffusion import alpha, noise_var
from gmmlearn.targets import GaussianMixture, target_from_dict
from tests.conftest import build, zscore

TIMES = [0.0, 0.05, 0.7, 3.0]


def _points(target, t, n=40, seed=0):
    """Points in the bulk of p_t plus a few far out."""
    rng = np.random.default_rng(seed)
    X0 = target.sample(n, random_state=rng)
    Xt = alpha(t) * X0 + np.sqrt(noise_var(t)) * rng.standard_normal(X0.shape)
    far = 3.0 * rng.standard_normal((5, target.dim)) * np.sqrt(np.trace(target.covariance()))
    return np.vstack([Xt, far])


def _fd_gradient(f, X, h=1e-5):
    grad = np.empty_like(X)
    for i in range(X.shape[1]):
        e = np.zeros(X.shape[1])
        e[i] = h
        grad[:, i] = (f(X + e) - f(X - e)) / (2 * h)
    return grad


@pytest.mark.parametrize("t", TIMES)
def test_score_is_gradient_of_log_density(any_target, t):
    if t == 0.0 and getattr(any_target, "degenerate", False):
        pytest.skip("degenerate covariances have no density at t = 0 (tested below)")
    X = _points(any_target, t)
    pt = any_target.at_time(t)
    fd = _fd_gradient(pt.logpdf, X)
    score = any_target.score(X, t)
    np.testing.assert_allclose(score, fd, rtol=1e-5, atol=1e-5 * (1 + np.abs(fd).max()))


@pytest.mark.parametrize("t", [0.01, 0.7, 3.0])
def test_tweedie_links_score_and_denoiser(any_target, t):
    X = _points(any_target, t)
    tweedie = (alpha(t) * any_target.denoise(X, t) - X) / noise_var(t)
    np.testing.assert_allclose(any_target.score(X, t), tweedie, rtol=1e-8, atol=1e-8)


def test_denoiser_matches_monte_carlo_posterior_mean(any_target):
    """E[X_0 | X_t = x] by self-normalised importance sampling over exact draws of X_0."""
    t, rng = 0.7, np.random.default_rng(42)
    X0 = any_target.sample(200_000, random_state=rng)
    points = _points(any_target, t, n=3, seed=7)[:3]
    a, s2 = alpha(t), noise_var(t)
    for x in points:
        logw = -np.sum((x - a * X0) ** 2, axis=1) / (2 * s2)
        w = np.exp(logw - logw.max())
        w /= w.sum()
        est = w @ X0
        stderr = np.sqrt((w**2) @ (X0 - est) ** 2)  # delta-method standard error per coordinate
        assert 1 / np.sum(w**2) > 500, "effective sample size too small for a meaningful check"
        exact = any_target.denoise(x[None, :], t)[0]
        assert np.all(zscore(est, exact, stderr + 1e-12) < 5), (est, exact, stderr)


def test_sample_mean_and_covariance_match_exact_moments(any_target):
    n = 200_000
    X = any_target.sample(n, random_state=123)
    mean, cov = any_target.mean(), any_target.covariance()
    assert np.all(zscore(X.mean(axis=0), mean, np.sqrt(np.diag(cov) / n)) < 5)
    C = X - mean
    products = C[:, :, None] * C[:, None, :]
    se = products.std(axis=0) / np.sqrt(n)
    assert np.all(zscore(products.mean(axis=0), cov, se) < 5)


@pytest.mark.parametrize(
    "shape,n_atoms,exact", [("circle", 720, "circle_exact"), ("sphere", 5000, "sphere_exact")]
)
def test_gridded_manifold_matches_closed_form(shape, n_atoms, exact):
    params = dict(dim=5, scale=4.0, sigma=0.5, seed=3)
    grid = gl.make_target("manifold", shape=shape, n_atoms=n_atoms, **params)
    closed = gl.make_target(exact, **params)
    X = closed.sample(300, random_state=0)
    assert np.abs(grid.logpdf(X) - closed.logpdf(X)).max() <= 1e-6
    for t in (0.0, 0.01, 0.5, 2.0):
        assert np.abs(grid.score(X, t) - closed.score(X, t)).max() <= 1e-6
        if t > 0:
            assert np.abs(grid.denoise(X, t) - closed.denoise(X, t)).max() <= 1e-6


@pytest.mark.parametrize("rho", [-0.999, -0.6, 0.0, 0.35, 0.95])
def test_bivariate_normal_cdf_matches_scipy(rho):
    from scipy.stats import multivariate_normal

    from gmmlearn.targets.gaussian import bivariate_normal_cdf

    points = [(0.0, 0.0), (0.0, 1.3), (-1.2, 0.0), (0.5, -0.7), (2.0, 2.0), (-3.0, -1.0)]
    ref = [multivariate_normal(cov=[[1, rho], [rho, 1]]).cdf(p) for p in points]
    h, k = np.array(points).T
    np.testing.assert_allclose(bivariate_normal_cdf(h, k, rho), ref, atol=1e-7)  # scipy's own tol


@pytest.mark.parametrize(
    "params",
    [
        dict(dim=2, k=2, rank=1, seed=1),
        dict(dim=2, k=2, condition_number=1e5, min_eigenvalue=1e-3, seed=2),
    ],
)
def test_bin_masses_of_degenerate_and_elongated_components(params):
    """Chi-square check of exact 2-D masses where a quadrature in x fails (rank 1, kappa = 1e5)."""
    target = gl.make_target("general_gmm", **params)
    edges = [np.linspace(-12, 12, 25), np.linspace(-12, 12, 25)]
    masses = target.bin_masses(edges)
    n = 400_000
    X = target.sample(n, random_state=0)
    counts, _, _ = np.histogram2d(X[:, 0], X[:, 1], bins=edges)
    big = masses * n >= 5
    observed = np.append(counts[big], n - counts[big].sum())
    expected = np.append(masses[big], 1 - masses[big].sum()) * n
    assert stats.chisquare(observed, expected).pvalue > 1e-3


@pytest.mark.parametrize(
    "params",
    [
        dict(dim=3, k=2, condition_number=5.0, seed=1),
        dict(dim=3, k=2, condition_number=1e4, min_eigenvalue=1e-2, seed=2),
        dict(dim=3, k=2, rank=2, seed=3),
    ],
)
def test_box_masses_in_three_dimensions(params):
    target = gl.make_target("general_gmm", **params)
    edges = [np.linspace(-10, 10, 11)] * 3
    masses = target.bin_masses(edges)
    n = 500_000
    counts, _ = np.histogramdd(target.sample(n, random_state=0), bins=edges)
    big = masses * n >= 5
    observed = np.append(counts[big], n - counts[big].sum())
    expected = np.append(masses[big], 1 - masses[big].sum()) * n
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_sphere_quadrature_stays_exact_for_a_thin_sphere():
    closed = gl.make_target("sphere_exact", scale=4.0, sigma=0.1)
    X = closed.sample(200, random_state=0)
    assert np.abs(closed.as_location_mixture().logpdf(X) - closed.logpdf(X)).max() < 1e-9


def test_degenerate_covariances_have_no_density_but_have_scores_at_positive_time():
    target = build("general_gmm_degenerate")
    assert target.degenerate
    X = target.sample(10, random_state=0)
    with pytest.raises(ValueError, match="rank-deficient"):
        target.logpdf(X)
    with pytest.raises(ValueError, match="rank-deficient"):
        target.score(X, 0.0)
    assert np.all(np.isfinite(target.score(X, 0.1)))


def test_isotropic_means_are_separated():
    target = gl.make_target("isotropic_gmm", dim=2, k=6, separation=5.0, seed=3)
    gaps = np.linalg.norm(target.atoms[:, None] - target.atoms[None], axis=-1)
    assert gaps[np.triu_indices(6, 1)].min() >= 5.0


def test_w_min_is_respected():
    target = gl.make_target("isotropic_gmm", dim=2, k=5, w_min=0.15, seed=1)
    assert target.weights.min() >= 0.15 - 1e-12 and abs(target.weights.sum() - 1) < 1e-12


def test_general_gmm_condition_number_is_exact():
    target = gl.make_target("general_gmm", dim=4, k=3, condition_number=7.0, seed=0)
    eig = np.linalg.eigvalsh(target.covariances)
    np.testing.assert_allclose(eig.max(axis=1) / eig.min(axis=1), 7.0, rtol=1e-10)


def test_explicit_parameters_reproduce_an_instance():
    means = [[0.0, 0.0], [5.0, 1.0]]
    target = gl.make_target("isotropic_gmm", means=means, weights=[0.3, 0.7], sigma=0.5)
    assert target.dim == 2 and target.n_atoms == 2 and target.sigma == 0.5
    np.testing.assert_array_equal(target.atoms, means)
    covs = np.stack([np.eye(2), np.diag([2.0, 0.5])])
    general = gl.make_target("general_gmm", means=means, covariances=covs, weights=[0.5, 0.5])
    np.testing.assert_array_equal(general.covariances, covs)


def test_to_dict_round_trip_is_exact(any_target):
    clone = target_from_dict(any_target.to_dict())
    X = any_target.sample(50, random_state=0)
    assert type(clone) is type(any_target) and clone.family == any_target.family
    for key, value in any_target._arrays().items():
        np.testing.assert_array_equal(clone._arrays()[key], value)
    # BLAS may take alignment-dependent paths: equal arrays give scores equal to round-off
    np.testing.assert_allclose(
        clone.score(X, 0.3), any_target.score(X, 0.3), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        clone.sample(20, random_state=1),
        any_target.sample(20, random_state=1),
        rtol=1e-12,
        atol=1e-12,
    )


def test_same_seed_same_instance_and_samples():
    a = gl.make_target("union_of_balls", seed=5)
    b = gl.make_target("union_of_balls", seed=5)
    np.testing.assert_array_equal(a.atoms, b.atoms)
    np.testing.assert_array_equal(a.sample(100, random_state=9), b.sample(100, random_state=9))
    assert not np.array_equal(a.atoms, gl.make_target("union_of_balls", seed=6).atoms)


def test_bin_masses_sum_to_one_and_match_sampling():
    """Exact 2-D bin masses of a general mixture (quadrature) against an exact sample: chi-square
    goodness of fit over cells with expected count >= 5, the rest pooled into one cell."""
    target = gl.make_target("general_gmm", dim=2, k=3, condition_number=6.0, seed=1)
    edges = [np.linspace(-20, 20, 41), np.linspace(-20, 20, 37)]
    masses = target.bin_masses(edges)
    assert abs(masses.sum() - 1) < 1e-9
    n = 400_000
    X = target.sample(n, random_state=0)
    counts, _, _ = np.histogram2d(X[:, 0], X[:, 1], bins=edges)
    big = masses * n >= 5
    observed = np.append(counts[big], counts[~big].sum() + (n - counts.sum()))
    expected = np.append(masses[big], 1 - masses[big].sum()) * n
    assert stats.chisquare(observed, expected).pvalue > 1e-3


@pytest.mark.parametrize(
    "family,params,match",
    [
        ("isotropic_gmm", dict(dim=0), "dim must be an integer >= 1"),
        ("isotropic_gmm", dict(k=0), "k must be an integer >= 1"),
        ("isotropic_gmm", dict(sigma=0.0), "sigma must be > 0"),
        ("isotropic_gmm", dict(k=4, w_min=0.3), r"w_min \* k must be <= 1"),
        ("isotropic_gmm", dict(dim=1, k=5, separation=10.0, radius=5.0), "could not place"),
        ("general_gmm", dict(dim=3, rank=4), r"rank must be an integer in \[1, 3\]"),
        ("general_gmm", dict(condition_number=0.5), "condition_number must be >= 1"),
        ("manifold", dict(shape="klein_bottle"), "shape must be one of"),
        ("manifold", dict(shape="sphere", dim=2), "dim must be an integer >= 3"),
        ("far_groups", dict(dim=1), "dim must be an integer >= 2"),
        ("nonexistent", {}, "unknown target family 'nonexistent'; valid names are: circle_exact"),
        ("isotropic_gmm", dict(colour="red"), r"unknown parameter\(s\) \['colour'\]"),
    ],
)
def test_bad_parameters_name_the_parameter(family, params, match):
    with pytest.raises(ValueError, match=match):
        gl.make_target(family, **params)


@pytest.mark.parametrize(
    "bad,match",
    [
        (np.full((3, 2), np.nan), "NaN"),
        (np.zeros((3, 4)), "dimension 4, expected dim=2"),
        (np.zeros((0, 2)), "at least 1 point"),
        (np.zeros((2, 2, 2)), "shape"),
    ],
)
def test_bad_samples_are_rejected(bad, match):
    target = gl.make_target("isotropic_gmm", dim=2, k=2)
    with pytest.raises(ValueError, match=match):
        target.score(bad, 0.1)
    with pytest.raises(ValueError, match="t must be >= 0"):
        target.score(np.zeros((1, 2)), -1.0)


def test_null_space_eigenvalues_at_round_off_are_zeroed():
    """A covariance whose null-space eigenvalue comes out as a tiny positive number (its sign
    depends on the LAPACK build) must factor exactly like one whose eigenvalue is 0: before the
    fix, sqrt(1e-14) = 1e-7 leaked into every sample along the null direction."""
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    cov = (Q * np.array([3.0, 2.0, 1e-14])) @ Q.T
    target = GaussianMixture(np.zeros((1, 3)), [1.0], cov[None])
    assert target.ranks.tolist() == [2]
    X = target.sample(200, random_state=0)
    # every sample lies in the 2-plane: its null coordinate is round-off of a 3-term sum (<= ~1e-15)
    assert np.max(np.abs(X @ Q[:, 2])) < 1e-13
    # the rebuilt target factors the same stored matrix: samples agree to the round-off of a
    # 3-term dot product (<= 3 eps |R||z| ~ 1e-14 here), far below the 1e-7 of the old defect
    clone = target_from_dict(target.to_dict())
    np.testing.assert_allclose(
        clone.sample(50, random_state=3), target.sample(50, random_state=3), rtol=0, atol=1e-12
    )


def test_line_groups_layout():
    target = gl.make_target(
        "line_groups", m=4, spacing=10.0, gap=2.0, sigma=0.5, orientation="varied"
    )
    assert target.n_atoms == 8 and target.params["L"] == 0.5 * 3 * 10.0 * 0.5
    pairs = target.atoms.reshape(4, 2, 2)
    np.testing.assert_allclose(pairs.mean(axis=1)[:, 0], [-7.5, -2.5, 2.5, 7.5], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(pairs[:, 1] - pairs[:, 0], axis=1), 1.0, atol=1e-12)
    directions = (pairs[:, 1] - pairs[:, 0]) / 1.0
    np.testing.assert_allclose(
        np.abs(directions[:, 1]), np.abs(np.cos(np.pi * np.arange(4) / 4)), atol=1e-12
    )
    w = target.weights.reshape(4, 2)
    np.testing.assert_allclose(w.sum(axis=1), 0.25, atol=1e-15)
    np.testing.assert_allclose(w[:, 0] * 4, [0.2, 0.4, 0.6, 0.8], atol=1e-12)
    with pytest.raises(ValueError, match="orientation"):
        gl.make_target("line_groups", orientation="diagonal")
    with pytest.raises(ValueError, match="m must be"):
        gl.make_target("line_groups", m=0)
