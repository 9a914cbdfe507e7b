"""The diffusion learner (docs/theory.md §4.1): features, regression, partitions, end-to-end controls."""

from math import comb, factorial

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss, hermeval

import gmmlearn as gl
from gmmlearn.regression import (
    NormalEquations,
    hermite_1d,
    hermite_features,
    multi_indices,
    n_features,
    voronoi_labels,
    warm_start_partition,
)
from gmmlearn.regression.partition import (
    VoronoiPartition,
    cell_slices,
    mean_shift,
    rnet_seeds,
    sq_distances,
)


def test_univariate_hermite_matches_numpy():
    z = np.linspace(-3, 3, 7)
    H = hermite_1d(z, 6)
    for n in range(7):
        coef = np.zeros(n + 1)
        coef[n] = 1
        np.testing.assert_allclose(H[:, n], hermeval(z, coef) / np.sqrt(factorial(n)), atol=1e-12)


@pytest.mark.parametrize("dim,degree", [(1, 5), (2, 4), (3, 3)])
def test_features_are_orthonormal_under_the_gaussian(dim, degree):
    """Exact by tensor Gauss-Hermite quadrature (exact for polynomials of degree <= 2 * 10 - 1)."""
    x, w = hermegauss(10)
    grid = np.stack(np.meshgrid(*[x] * dim, indexing="ij"), -1).reshape(-1, dim)
    weights = np.prod(
        np.stack(np.meshgrid(*[w / w.sum()] * dim, indexing="ij"), -1).reshape(-1, dim), 1
    )
    Phi = hermite_features(grid, degree)
    assert (
        Phi.shape
        == (comb(dim + degree, degree), grid.shape[0])
        == (n_features(dim, degree), grid.shape[0])
    )
    np.testing.assert_allclose((Phi * weights) @ Phi.T, np.eye(Phi.shape[0]), atol=1e-12)


def test_features_are_sorted_by_total_degree():
    alphas = multi_indices(3, 4)
    assert np.all(np.diff(alphas.sum(axis=1)) >= 0) and not alphas[0].any()
    assert len({tuple(a) for a in alphas}) == len(alphas)


@pytest.mark.parametrize("dim", [1, 4, 6])
def test_features_are_products_of_univariate_hermite_and_nest_across_degrees(dim):
    """Every row is prod_j h_{alpha_j}(z_j) for its multi-index, and the degree-D' rows are the
    leading rows of the degree-D features (the same order), so a lower degree is a leading block."""
    Z = np.random.default_rng(dim).standard_normal((64, dim))
    H = hermite_1d(Z, 5)  # (64, dim, 6)
    alphas = multi_indices(dim, 5)
    brute = np.prod([H[:, j, alphas[:, j]] for j in range(dim)], axis=0).T
    np.testing.assert_array_equal(hermite_features(Z, 5), brute)
    for lower in range(5):
        np.testing.assert_array_equal(multi_indices(dim, lower), alphas[: n_features(dim, lower)])


def test_cell_slices_group_rows_by_cell_in_their_order():
    labels = np.array([2, 0, 2, 1, 0, 2, 4])
    order, rows = cell_slices(labels, 5)
    assert [order[r].tolist() for r in rows] == [[1, 4], [3], [0, 2, 5], [], [6]]


def _polynomial_data(n, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, 2))
    Y = np.column_stack([1 + Z[:, 0] ** 3 - 2 * Z[:, 0] * Z[:, 1], Z[:, 1] ** 2 - 0.5 * Z[:, 0]])
    return Z, Y


def test_regression_recovers_a_polynomial_map_exactly():
    Z, Y = _polynomial_data(3000)
    system = NormalEquations(n_features(2, 3), 2)
    system.add(hermite_features(Z, 3), Y)
    solution = system.solve(ridge=0.0)
    Zt, Yt = _polynomial_data(500, seed=1)
    np.testing.assert_allclose(hermite_features(Zt, 3).T @ solution.coef, Yt, atol=1e-9)
    assert solution.train_loss < 1e-18 and solution.method == "direct"


def test_normal_equations_do_not_depend_on_the_chunk_size():
    Z, Y = _polynomial_data(5000)
    Y = Y + np.random.default_rng(3).standard_normal(Y.shape)
    solutions = []
    for chunk in (5000, 1024, 333):
        system = NormalEquations(n_features(2, 4), 2)
        for start in range(0, 5000, chunk):
            system.add(hermite_features(Z[start : start + chunk], 4), Y[start : start + chunk])
        solutions.append(system.solve(ridge=1e-6))
    for other in solutions[1:]:
        np.testing.assert_allclose(other.coef, solutions[0].coef, rtol=1e-9, atol=1e-12)
        assert other.train_loss == pytest.approx(solutions[0].train_loss, rel=1e-9)


def test_lower_degrees_are_leading_blocks_of_the_same_system():
    Z, Y = _polynomial_data(4000)
    full = NormalEquations(n_features(2, 4), 2)
    full.add(hermite_features(Z, 4), Y)
    direct = NormalEquations(n_features(2, 2), 2)
    direct.add(hermite_features(Z, 2), Y)
    np.testing.assert_allclose(
        full.solve(1e-6, n_features(2, 2)).coef, direct.solve(1e-6).coef, atol=1e-12
    )


def test_voronoi_labels_match_brute_force():
    rng = np.random.default_rng(0)
    X, C = rng.standard_normal((500, 3)), rng.standard_normal((7, 3))
    brute = np.argmin(((X[:, None] - C[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(voronoi_labels(X, C), brute)


def test_rnet_is_a_cover_and_a_packing():
    points = np.random.default_rng(3).standard_normal((500, 5))
    net = rnet_seeds(points, 1.5)
    D2 = sq_distances(points, points[net])
    assert np.all(D2.min(axis=1) <= 1.5**2 + 1e-12)  # every point is covered
    between = sq_distances(points[net], points[net])
    assert np.all(between[~np.eye(net.size, dtype=bool)] > 1.5**2)  # seeds are > r apart


def test_mean_shift_reaches_the_mode_of_one_blob():
    # the kernel density of a Gaussian sample smoothed at bandwidth h has expectation
    # N(0, (1 + h^2) I), mode 0; the estimated mode's per-coordinate standard deviation at
    # n = 4000, h = 1 is 0.022 (measured over 200 seeds), so 0.15 is about 7 standard deviations
    points = np.random.default_rng(4).standard_normal((4000, 2))
    modes = mean_shift(points[:20] * 2.0, points, bandwidth=1.0, tol=1e-8, n_iter=500)
    assert np.all(np.linalg.norm(modes, axis=1) < 0.15)
    assert np.ptp(modes, axis=0).max() < 1e-5  # all seeds end at the same mode


def _blobs(centres, per_cell, rng):
    return np.repeat(centres, per_cell, axis=0) + 0.1 * rng.standard_normal(
        (len(centres) * per_cell, 2)
    )


def _merge_reference(partition, X, least, most):
    """One-at-a-time merging of the lightest cell with a full reassignment every time."""
    while True:
        counts = np.bincount(partition.assign(X), minlength=partition.n_cells)
        if partition.n_cells == 1 or (partition.n_cells <= most and counts.min() >= least):
            return partition
        partition = partition.without(int(np.argmin(counts)))


def test_light_cells_merge_one_at_a_time_like_a_full_reassignment():
    # 36 cells of 11 points; degree 1 in 2-D needs 4 * 3 = 12: merging all light cells at once
    # would leave one cell, merging the lightest one at a time leaves pairs
    rng = np.random.default_rng(5)
    grid = np.array([[i, j] for i in range(6) for j in range(6)], dtype=float) * 3.0
    X = _blobs(grid, 11, rng)
    learner = gl.make_learner(
        "diffusion_poly", noise_draws=1
    )  # counts are of points, one draw each
    learner.rank_ = 2
    partition, labels, counts = learner._affordable_partition(VoronoiPartition(grid, 1.0), X)
    # the degree-2 cap: 396 // (4 * 6) = 16 cells
    expected = _merge_reference(VoronoiPartition(grid, 1.0), X, least=12, most=16)
    np.testing.assert_array_equal(partition.centers, expected.centers)
    np.testing.assert_array_equal(labels, expected.assign(X))
    assert partition.n_cells == 16 and counts.min() >= 12


def test_the_cell_cap_never_merges_below_the_number_of_clusters():
    # 8 clusters of 15 points: the degree-2 cap allows 120 // (4 * 6) = 5 cells
    rng = np.random.default_rng(6)
    centres = np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4]) * 10.0
    X = _blobs(centres, 15, rng)
    learner = gl.make_learner(
        "diffusion_poly", noise_draws=1
    )  # counts are of points, one draw each
    learner.rank_ = 2
    assert learner._affordable_partition(VoronoiPartition(centres, 1.0), X)[0].n_cells == 5
    assert (
        learner._affordable_partition(VoronoiPartition(centres, 1.0), X, n_clusters=8)[0].n_cells
        == 8
    )


def test_warm_start_clusters_separated_blobs():
    rng = np.random.default_rng(1)
    centres = np.array([[0, 0, 0], [9, 0, 0], [0, 9, 0], [0, 0, 9]], dtype=float)
    points = np.repeat(centres, 300, axis=0) + rng.standard_normal((1200, 3))
    partition, clusters, dropped = warm_start_partition(
        points, 1.0, 0.02, 1.0, rng, cell_radius=2.5
    )
    assert clusters == 4
    cells = partition.centers
    assert len(cells) >= 4 and set(voronoi_labels(cells, centres)) == {0, 1, 2, 3}
    whole, clusters, dropped = warm_start_partition(points, 1.0, 0.02, 1.0, rng)  # cells = clusters
    assert clusters == whole.n_cells == 4 and dropped == 0
    # a 1 % blob (below w_min / 2 = 5 %) is dropped, its points join the nearest cluster
    light = np.vstack([points, [[30.0, 0, 0]] + 0.1 * rng.standard_normal((12, 3))])
    _, clusters, dropped = warm_start_partition(light, 1.0, 0.1, 1.0, rng)
    assert (clusters, dropped) == (4, 1)
    np.testing.assert_array_equal(whole.assign(centres), voronoi_labels(centres, whole.centers))


def test_warm_start_finds_the_true_number_of_clusters():
    target = gl.make_target("isotropic_gmm", dim=2, k=4, separation=10.0, seed=0)
    learner = gl.make_learner("diffusion_poly", n_levels=30, sigma=1.0)
    learner.fit(target.sample(20_000, random_state=1), random_state=2)
    assert [d["clusters"] for d in learner.diagnostics_[-10:]] == [4] * 10
    assert learner.diagnostics_[0]["cells"] == 1  # the top level has one cell


def test_partitions_oracle_and_global():
    target = gl.make_target("far_groups", L=6.0)
    X = target.sample(8000, random_state=0)
    oracle = gl.make_learner("diffusion_poly", n_levels=8, partition="oracle", target=target).fit(
        X, random_state=1
    )
    assert all(d["clusters"] == 4 for d in oracle.diagnostics_)
    flat = gl.make_learner("diffusion_poly", n_levels=8, partition="global").fit(X, random_state=1)
    assert all(d["cells"] == 1 for d in flat.diagnostics_)


def test_subspace_auto_and_explicit():
    target = gl.make_target("isotropic_gmm", dim=10, k=4, separation=8.0, seed=0)
    X = target.sample(20_000, random_state=1)
    auto = gl.make_learner("diffusion_poly", n_levels=5).fit(X, random_state=2)
    assert auto.rank_ == 3  # 4 means span an affine 3-dimensional subspace
    estimated = gl.make_learner("diffusion_poly", n_levels=5, sigma=None).fit(X, random_state=2)
    assert estimated.rank_ == 3
    # sigma^2 = mean of 7 noise eigenvalues of a 2e4-sample covariance: standard error about
    # sqrt(2 / (7 * 2e4)) = 0.004 in sigma^2, so 0.02 in sigma is > 5 standard errors
    assert estimated.sigma_ == pytest.approx(1.0, abs=0.02)
    # close means (separation 4, k = 4 in dim 5): the median rule kept only 2 of the 3 directions
    close = gl.make_target("isotropic_gmm", dim=5, k=4, separation=4.0, seed=0)
    assert (
        gl.make_learner("diffusion_poly", n_levels=5)
        .fit(close.sample(20_000, random_state=0))
        .rank_
        == 3
    )
    small = gl.make_target("isotropic_gmm", dim=2, k=3, separation=8.0)
    assert (
        gl.make_learner("diffusion_poly", n_levels=5).fit(small.sample(5000, random_state=0)).rank_
        == 2
    )
    pca = gl.make_learner("diffusion_poly", n_levels=5, subspace="pca:4").fit(X, random_state=2)
    assert pca.rank_ == 4


def _tv2(target, learner, seed=3):
    rows = gl.evaluate(
        target, learner, learner.sample(20_000, random_state=seed), ["tv_projected"], random_state=4
    )
    return next(r for r in rows if r["estimator"] == "hist2d_mean")


def test_end_to_end_lands_near_the_oracle_and_beats_a_broken_learner():
    """Positive control: within 0.03 projected TV of the exact-score sampler on the same grid.
    Negative control: the same fit with its coefficients halved is > 10 standard errors worse.
    k > dim on purpose: there the covariance spectrum does not reveal sigma (the default sigma = 1
    is GKL's known identity covariance; estimating it merged clusters, TV 0.10)."""
    target = gl.make_target("isotropic_gmm", dim=2, k=4, separation=6.0, seed=0)
    learner = gl.make_learner("diffusion_poly", n_levels=60).fit(
        target.sample(20_000, random_state=1), random_state=2
    )
    healthy = _tv2(target, learner)
    oracle = gl.make_learner("oracle", target=target, sampler="exponential", n_steps=70).fit()
    assert healthy["value"] <= _tv2(target, oracle)["value"] + 0.03
    for level in learner.levels_:
        for cell in level.cells:
            cell.coef *= 0.5
    broken = _tv2(target, learner)
    assert broken["value"] - healthy["value"] > 10 * np.hypot(broken["stderr"], healthy["stderr"])


def test_a_finer_sampling_grid_than_the_levels():
    target = gl.make_target("isotropic_gmm", dim=2, k=2, separation=5.0, seed=0)
    learner = gl.make_learner("diffusion_poly", n_levels=20, sampling_steps=57).fit(
        target.sample(5000, random_state=1), random_state=2
    )
    times = learner.sampling_times()
    assert times.size == 58 and times[0] == learner.T_ and times[-1] == learner.delta
    Y = learner.sample(2000, random_state=3)
    assert Y.shape == (2000, 2) and np.all(np.isfinite(Y))


def test_score_error_metric_rows():
    target = gl.make_target("isotropic_gmm", dim=2, k=2, separation=5.0, seed=0)
    learner = gl.make_learner("diffusion_poly", n_levels=6).fit(target.sample(5000, random_state=1))
    rows = gl.evaluate(
        target, learner, target.sample(10, random_state=0), ["score_error"], random_state=2
    )
    assert len(rows) == 15 and [r["estimator"] for r in rows[:1] + rows[-3:]] == [
        "t=5",
        "mean",
        "worst",
        "girsanov",
    ]
    assert rows[0]["value"] < 0.01  # at t = 5 the score is nearly Gaussian
    levels = gl.evaluate(
        target,
        learner,
        target.sample(10, random_state=0),
        [{"name": "score_error", "params": {"times": "levels"}}],
        random_state=2,
    )
    assert len(levels) == 9
    diag = gl.evaluate(target, learner, target.sample(10, random_state=0), ["fit_diagnostics"])
    assert {r["estimator"] for r in diag if r["metric"] == "diag_t"} == {
        f"level{i:03d}" for i in range(6)
    } | {"max"}
    flops = {r["estimator"]: r["value"] for r in diag if r["metric"] == "diag_gemm_flops"}
    # the sum over levels is the fit's total (flop counts are integers: exact in float64)
    assert flops["sum"] == sum(flops[f"level{i:03d}"] for i in range(6)) > 0
    totals = gl.evaluate(
        target,
        learner,
        target.sample(10, random_state=0),
        [{"name": "fit_diagnostics", "params": {"per_level": False}}],
    )
    assert {r["estimator"] for r in totals} == {"max", "sum"} and len(totals) == 14 + 2
    with pytest.raises(ValueError, match="per_level must be true or false, got 'yes'"):
        gl.evaluate(
            target,
            learner,
            target.sample(10, random_state=0),
            [{"name": "fit_diagnostics", "params": {"per_level": "yes"}}],
        )
    exact = gl.make_learner("exact", target=target).fit()
    with pytest.raises(ValueError, match="score_error needs a learner with a score"):
        gl.evaluate(target, exact, target.sample(10, random_state=0), ["score_error"])


@pytest.mark.parametrize(
    "params,match",
    [
        (dict(degree=0), "degree must be an integer >= 1"),
        (dict(cells="tiles"), "cells must be one of"),
        (dict(outside="extrapolate"), "outside must be one of"),
        (dict(noise_draws=0), "noise_draws must be an integer >= 1"),
        (dict(substeps=0), "substeps must be an integer >= 1"),
        (dict(partition="kmeans"), "partition must be one of"),
        (dict(subspace="pca:5"), r"pca:r needs 1 <= r <= dim=3"),
        (dict(subspace="svd"), "subspace must be 'auto', 'none' or 'pca:r'"),
        (dict(n_levels=1), "n_levels must be an integer >= 2"),
        (dict(delta=0.05), "delta must be < t_min"),
        (dict(partition="oracle"), "partition='oracle' or 'oracle_groups' needs the target"),
        (dict(partition="oracle_groups"), "partition='oracle' or 'oracle_groups' needs the target"),
    ],
)
def test_bad_parameters(params, match):
    X = gl.make_target("isotropic_gmm", dim=3, k=2).sample(500, random_state=0)
    with pytest.raises(ValueError, match=match):
        gl.make_learner("diffusion_poly", **params).fit(X)


# -- cells outside their training box ------------------------------------------------------------------
def _cell(outside):
    """A degree-8 cell fitted on z in [-2, 2] to a switch that is affine in its tails (like a
    mixture's denoiser): inside, every variant is the same fit."""
    from gmmlearn.regression import fit_cell

    rng = np.random.default_rng(0)
    D = rng.uniform(-2, 2, size=(4000, 1))
    Y = D + 2 * np.tanh(3 * D) + 0.1 * rng.standard_normal(D.shape)
    return fit_cell(D, Y, np.zeros(1), 8, 1e-9, outside=outside).model


def test_a_cell_is_the_same_inside_its_box_and_stays_affine_beyond_it():
    affine, clamp, poly = _cell("affine"), _cell("clamp"), _cell("polynomial")
    inside = np.linspace(-1.9, 1.9, 50)[:, None]
    np.testing.assert_array_equal(
        affine.predict(inside), poly.predict(inside)
    )  # same path, no clip
    np.testing.assert_array_equal(clamp.predict(inside), poly.predict(inside))
    W = float(affine.whitening[0, 0])
    hi = affine.high[0] / W  # the box's upper edge in input units
    beyond = hi + np.array([[0.5], [1.0], [2.0]])
    np.testing.assert_array_equal(
        clamp.predict(beyond), clamp.predict(np.full((3, 1), hi))
    )  # constant
    # affine continuation: the value at the edge plus the cell's degree-1 slope times the excess
    # (round-off of a degree-8 Hermite evaluation at |z| ~ 4: below 1e-9)
    expected = affine.predict(np.array([[hi]])) + (beyond - hi) * W * affine.slope[0, 0]
    np.testing.assert_allclose(affine.predict(beyond), expected, rtol=0, atol=1e-9)
    # the degree-8 extrapolation runs away from the affine tail; the continuation does not
    truth = beyond + 2 * np.tanh(3 * beyond)
    assert np.all(np.abs(affine.predict(beyond) - truth) < np.abs(poly.predict(beyond) - truth))


def test_the_box_keeps_a_boundary_cells_score_error_bounded():
    """A 1-D mixture at small t: fresh points beyond the training range fall in the boundary cells.
    The plain polynomial extrapolates there; with the box the learned score at those points stays
    within the error the same cell makes at its edge plus the error of an affine slope."""
    target = gl.make_target("isotropic_gmm", means=[[-3.0], [3.0]], weights=[0.5, 0.5])
    X = target.sample(3000, random_state=1)
    t = 0.05
    fits = {
        o: gl.make_learner(
            "diffusion_poly", n_levels=30, t_min=t, degree=8, degree_selection="fixed", outside=o
        ).fit(X, random_state=2)
        for o in ("affine", "polynomial")
    }
    hi = X.max()
    tail = np.linspace(hi + 0.25, hi + 1.5, 20)[:, None]
    errors = {o: np.abs(f.score(tail, t) - target.score(tail, t)).max() for o, f in fits.items()}
    edge = np.abs(
        fits["affine"].score(np.array([[hi]]), t) - target.score(np.array([[hi]]), t)
    ).max()
    assert errors["affine"] < errors["polynomial"]
    # beyond the edge the true score is affine (one Gaussian) with slope -1/v_t = -1 here; the
    # continuation's slope is the cell's degree-1 fit: its error is at most |slope error| * 1.5
    # with |slope error| < 1 (both slopes lie in [-1, 0] for this mixture), so the error stays
    # below the edge error plus 1.5 / s_t^2 in score units
    from gmmlearn.diffusion import noise_var

    assert errors["affine"] <= edge + 1.5 * float(np.exp(-t)) / float(noise_var(t))


def test_oracle_groups_give_one_cell_per_group():
    target = gl.make_target("line_groups", m=3, dim=2)
    X = target.sample(6000, random_state=0)
    groups = gl.make_learner(
        "diffusion_poly", n_levels=4, partition="oracle_groups", target=target
    ).fit(X, random_state=1)
    atoms = gl.make_learner("diffusion_poly", n_levels=4, partition="oracle", target=target).fit(
        X, random_state=1
    )
    # at the top level the scaled centres nearly coincide and thin cells merge (with a diagnostic)
    assert all(d["cells"] + d["merged_cells"] == d["clusters"] == 3 for d in groups.diagnostics_)
    assert groups.diagnostics_[-1]["cells"] == 3 and atoms.diagnostics_[-1]["cells"] == 6
    assert groups.effective_params_["partition"] == "oracle_groups"
    # a group's region is the union of its atoms' Voronoi regions: every atom lands in its group
    level = groups.levels_[-1]
    centred = (target.atoms - groups.mean_) @ groups.basis_
    np.testing.assert_array_equal(
        level.partition.assign(level.partition.scale * centred), np.repeat([0, 1, 2], 2)
    )


def test_cluster_cells_are_one_per_cluster():
    target = gl.make_target("isotropic_gmm", dim=2, k=3, separation=12.0, seed=0)
    learner = gl.make_learner("diffusion_poly", n_levels=20, cells="cluster").fit(
        target.sample(6000, random_state=0), random_state=1
    )
    assert all(d["cells"] == d["clusters"] for d in learner.diagnostics_)
    assert learner.diagnostics_[-1]["clusters"] == 3
    assert learner.effective_params_["partition"] == "warm_start:cluster"


def test_effective_degree_records_a_cap_and_a_subspace():
    """degree 12 in 3-D needs 4 * 455 points per cell: 2000 points cannot afford it, and the
    learner says which degree it used instead of silently using less than asked."""
    X = gl.make_target("isotropic_gmm", dim=3, k=2, separation=6.0).sample(2000, random_state=0)
    learner = gl.make_learner(
        "diffusion_poly", n_levels=4, degree=12, degree_selection="fixed"
    ).fit(X, random_state=1)
    assert learner.effective_params_["degree_max"] < 12
    assert learner.effective_params_["degree_max"] == max(
        d["max_degree"] for d in learner.diagnostics_
    )
    X10 = gl.make_target("isotropic_gmm", dim=10, k=3, separation=8.0).sample(5000, random_state=0)
    auto = gl.make_learner("diffusion_poly", n_levels=4).fit(X10, random_state=1)
    assert auto.effective_params_["subspace"] == "pca:2"


def test_tiny_data_merges_cells_and_too_little_data_is_a_clear_error():
    X = gl.make_target("isotropic_gmm", dim=2, k=3, separation=8.0).sample(60, random_state=0)
    learner = gl.make_learner("diffusion_poly", n_levels=6).fit(X, random_state=1)
    assert all(d["min_cell_samples"] >= 4 * 3 for d in learner.diagnostics_ if d["cells"] > 1)
    assert np.all(np.isfinite(learner.sample(200, random_state=2)))
    with pytest.raises(ValueError, match="needs at least 12 training points"):
        gl.make_learner("diffusion_poly", n_levels=6).fit(X[:12], random_state=1)


def test_noise_draws_and_substeps():
    X = gl.make_target("isotropic_gmm", dim=2, k=2, separation=6.0).sample(3000, random_state=0)
    learner = gl.make_learner(
        "diffusion_poly", n_levels=8, tail_steps=3, substeps=3, noise_draws=2
    ).fit(X, random_state=1)
    times = learner.sampling_times()
    assert times.size == 3 * (8 + 3 - 1) + 1 and np.all(np.diff(times) < 0)
    assert set(learner.times_) <= set(times) and times[-1] == learner.delta
    # counts are of distinct points: two noisy copies of each of the 2700 training points
    assert learner.diagnostics_[0]["max_cell_samples"] == 2700


def test_fit_is_silent_off_a_terminal(capsys):
    X = gl.make_target("isotropic_gmm", dim=2, k=2).sample(1000, random_state=0)
    gl.make_learner("diffusion_poly", n_levels=4).fit(X, random_state=1).sample(10, random_state=2)
    assert capsys.readouterr().err == ""


def test_exact_regression_target_measures_approximation_not_estimation():
    """regression_target='exact' regresses the exact denoiser: no label noise, so at small noise
    its score error is far below the data fit's at the same degree (C1's approximation arm).
    Measured at N 1e4: 0.0036 +- 0.001 (exact) vs 0.083 +- 0.019 (data) at t = 0.25; the bounds
    leave about 3x room on each side."""
    from gmmlearn.metrics import evaluate

    target = gl.make_target("isotropic_gmm", dim=2, k=4, separation=4.0, seed=0)
    X = target.sample(10_000, random_state=1)
    errors = {}
    for rt in ("exact", "data"):
        learner = gl.make_learner(
            "diffusion_poly",
            degree=5,
            degree_selection="fixed",
            n_levels=30,
            regression_target=rt,
            target=target,
        ).fit(X, random_state=2)
        rows = evaluate(
            target,
            learner,
            learner.sample(100, random_state=3),
            metrics=[
                {
                    "name": "score_error",
                    "params": {"n_times": 3, "t_max": 1.0, "t_min": 0.0625, "n_points": 5000},
                }
            ],
            random_state=4,
        )
        errors[rt] = {r["estimator"]: r["value"] for r in rows}
    assert errors["exact"]["t=0.25"] < 0.01
    assert errors["data"]["t=0.25"] > 5 * errors["exact"]["t=0.25"]
    with pytest.raises(ValueError, match="regression_target='exact' needs the target"):
        gl.make_learner("diffusion_poly", regression_target="exact").fit(X[:500])
