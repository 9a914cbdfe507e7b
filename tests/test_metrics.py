"""Metrics: values, standard errors and floors against known answers (docs/theory.md §5)."""

import numpy as np
import ot
import pytest
from scipy.stats import norm

import gmmlearn as gl
from gmmlearn.learners.base import Learner
from gmmlearn.metrics import MetricNotApplicable
from gmmlearn.metrics.wasserstein import emd_w2, sliced_w2_equal_size


class ShiftedGaussian(Learner):
    """Test double: N(shift, I) with a density, standing for a learner that has logpdf."""

    has_logpdf = True
    needs_data = False

    def __init__(self, dim=1, shift=0.0):
        self.dim = dim
        self.shift = shift

    def fit(self, X=None, random_state=None):
        self.dim_ = self.dim
        return self

    def sample(self, n, random_state=None):
        return self.shift + np.random.default_rng(random_state).standard_normal((n, self.dim))

    def logpdf(self, X):
        return norm.logpdf(np.asarray(X) - self.shift).sum(axis=1)


def _unit_gaussian(dim=1):
    return gl.make_target("isotropic_gmm", means=np.zeros((1, dim)), weights=[1.0], sigma=1.0)


@pytest.mark.parametrize("delta", [0.1, 0.5, 1.0, 2.0, 4.0])
def test_tv_exact_between_shifted_gaussians(delta):
    target, learner = _unit_gaussian(), ShiftedGaussian(shift=delta).fit()
    (row,) = gl.evaluate(
        target, learner, learner.sample(50_000, random_state=1), ["tv_exact"], random_state=2
    )
    truth = 2 * norm.cdf(delta / 2) - 1
    assert abs(row["value"] - truth) < 5 * row["stderr"]
    assert row["stderr"] <= 1 / (2 * np.sqrt(50_000)) and row["floor"] == 0.0


def test_tv_exact_needs_a_density():
    target = _unit_gaussian()
    oracle = gl.make_learner("oracle", target=target, n_steps=5).fit()
    with pytest.raises(MetricNotApplicable, match="tv_exact needs a learner with logpdf"):
        gl.evaluate(target, oracle, oracle.sample(100, random_state=0), ["tv_exact"])


def test_tv_projected_of_exact_samples_sits_on_its_floor():
    target = gl.make_target("isotropic_gmm", dim=3, k=4, separation=3.0, seed=2)
    exact = gl.make_learner("exact", target=target).fit()
    rows = gl.evaluate(
        target, exact, exact.sample(20_000, random_state=1), ["tv_projected"], random_state=3
    )
    assert {r["estimator"] for r in rows} == {
        "hist1d_mean",
        "hist1d_max",
        "hist2d_mean",
        "hist2d_max",
    }
    for r in rows:
        assert abs(r["value"] - r["floor"]) < 4 * np.hypot(r["stderr"], r["floor_stderr"]), r


@pytest.mark.parametrize("delta", [0.2, 0.5, 1.0])
def test_tv_projected_detects_a_shift_and_stays_below_the_true_tv(delta):
    """1-D: the binned TV minus its floor is a lower bound of the true TV (data processing)."""
    target, learner = _unit_gaussian(), ShiftedGaussian(shift=delta).fit()
    rows = gl.evaluate(
        target,
        learner,
        learner.sample(100_000, random_state=1),
        [{"name": "tv_projected", "params": {"dims": [1]}}],
        random_state=2,
    )
    row = next(r for r in rows if r["estimator"] == "hist1d_mean")
    truth = 2 * norm.cdf(delta / 2) - 1
    se = np.hypot(row["stderr"], row["floor_stderr"])
    assert row["value"] - row["floor"] > 5 * se
    assert row["value"] - row["floor"] <= truth + 3 * se


def test_emd_w2_is_exact_for_translations_and_zero_for_identical_samples():
    X = np.random.default_rng(0).standard_normal((300, 3))
    shift = np.array([0.5, -1.0, 2.0])
    assert emd_w2(X, X + shift) == pytest.approx(np.linalg.norm(shift), rel=1e-9)
    assert emd_w2(X, X) == pytest.approx(0.0, abs=1e-12)


def test_sliced_w2_matches_pot():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((500, 3)), 1.5 + rng.standard_normal((500, 3))
    directions = ot.sliced.get_random_projections(3, 100, seed=4)
    ours = sliced_w2_equal_size(X, Y, directions)
    pot = ot.sliced_wasserstein_distance(X, Y, projections=directions, p=2)
    assert ours == pytest.approx(float(pot), rel=1e-10)


def test_w2_rows_carry_floor_and_detect_a_shift():
    target, learner = _unit_gaussian(2), ShiftedGaussian(dim=2, shift=1.0).fit()
    Y = learner.sample(3000, random_state=0)
    rows = {
        r["metric"]: r for r in gl.evaluate(target, learner, Y, ["w2", "w2_sliced"], random_state=1)
    }
    w2 = rows["w2"]
    assert w2["value"] - w2["floor"] > 5 * np.hypot(w2["stderr"], w2["floor_stderr"])
    assert w2["estimator"] == "emd_n1000" and rows["w2_sliced"]["floor"] > 0


def test_w2_subsamples_are_disjoint_when_the_sample_is_small():
    target = _unit_gaussian(2)
    exact = gl.make_learner("exact", target=target).fit()
    (row,) = gl.evaluate(target, exact, exact.sample(900, random_state=0), ["w2"], random_state=1)
    assert row["estimator"] == "emd_n300"  # 900 // 3 repeats, not 3 copies of the same points
    with pytest.raises(ValueError, match=r"n_eval must be >= 2 \* n_repeats = 6"):
        gl.evaluate(target, exact, exact.sample(5, random_state=0), ["w2"], random_state=1)


def test_metric_streams_do_not_depend_on_the_order_of_metrics():
    target = gl.make_target("isotropic_gmm", dim=2, k=2)
    exact = gl.make_learner("exact", target=target).fit()
    Y = exact.sample(2000, random_state=0)
    a = gl.evaluate(target, exact, Y, ["w2", "tv_projected"], random_state=5)
    b = gl.evaluate(target, exact, Y, ["tv_projected", "w2"], random_state=5)
    key = lambda rows: sorted(rows, key=lambda r: (r["metric"], r["estimator"]))  # noqa: E731
    assert key(a) == key(b)


def test_unknown_metric_and_parameter_are_clear_errors():
    target = gl.make_target("isotropic_gmm", dim=2, k=2)
    exact = gl.make_learner("exact", target=target).fit()
    Y = exact.sample(100, random_state=0)
    with pytest.raises(ValueError, match="unknown metric 'kl'; valid names are: .*tv_exact"):
        gl.evaluate(target, exact, Y, ["kl"])
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['bins_per_axis'\]"):
        gl.evaluate(target, exact, Y, [{"name": "tv_projected", "params": {"bins_per_axis": 3}}])
    with pytest.raises(ValueError, match="Y has dimension 3, expected dim=2"):
        gl.evaluate(target, exact, np.zeros((5, 3)), ["w2"])


class MixtureLearner(Learner):
    """Test double: a known mixture (a target) standing for a learner with a density."""

    has_logpdf = True
    needs_data = False

    def __init__(self, law=None):
        self.law = law

    def fit(self, X=None, random_state=None):
        self.dim_ = self.law.dim
        return self

    def sample(self, n, random_state=None):
        return self.law.sample(n, random_state=random_state)

    def logpdf(self, X):
        return self.law.logpdf(X)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_projected_tv_stays_below_exact_tv_on_3d_mixtures(seed):
    target = gl.make_target("general_gmm", dim=3, k=3, condition_number=3.0, radius=3.0, seed=seed)
    other = gl.make_target(
        "general_gmm", dim=3, k=3, condition_number=3.0, radius=3.0, seed=seed + 10
    )
    learner = MixtureLearner(other).fit()
    Y = learner.sample(40_000, random_state=1)
    rows = gl.evaluate(
        target,
        learner,
        Y,
        ["tv_exact", {"name": "tv_projected", "params": {"dims": [1, 2, 3]}}],
        random_state=2,
    )
    exact = next(r for r in rows if r["metric"] == "tv_exact")
    for r in rows:
        if r["metric"] == "tv_projected":
            excess = r["value"] - r["floor"]
            assert excess <= exact["value"] + 3 * np.hypot(
                exact["stderr"], np.hypot(r["stderr"], r["floor_stderr"])
            ), r


def test_w2_matches_the_bures_wasserstein_distance_up_to_its_floor():
    """W2(N(0, I), N(m, B)) = sqrt(|m|^2 + tr(I + B - 2 B^{1/2})); the empirical estimate is within
    sqrt(2) floor (triangle inequality: two empirical measures) plus 3 standard errors."""
    B = np.diag([2.0, 0.5])
    m = np.array([1.0, -0.5])
    target = _unit_gaussian(2)
    law = gl.make_target("general_gmm", means=m[None, :], weights=[1.0], covariances=B[None])
    learner = MixtureLearner(law).fit()
    (row,) = gl.evaluate(
        target,
        learner,
        learner.sample(6000, random_state=1),
        [{"name": "w2", "params": {"n_subsample": 2000}}],
        random_state=2,
    )
    truth = np.sqrt(m @ m + np.trace(np.eye(2) + B - 2 * np.sqrt(B)))
    assert abs(row["value"] - truth) <= np.sqrt(2) * row["floor"] + 3 * row["stderr"]


@pytest.mark.parametrize("delta", [pytest.param(0.0, marks=pytest.mark.slow), 0.5, 1.5])
def test_classifier_bound_stays_below_the_true_tv(delta):
    target, learner = _unit_gaussian(), ShiftedGaussian(shift=delta).fit()
    rows = {
        r["estimator"]: r
        for r in gl.evaluate(
            target,
            learner,
            learner.sample(20_000, random_state=1),
            ["tv_classifier"],
            random_state=2,
        )
    }
    truth = 2 * norm.cdf(delta / 2) - 1
    assert rows["clopper_pearson"]["value"] <= truth
    assert rows["2acc-1"]["value"] <= truth + 3 * rows["2acc-1"]["stderr"]


@pytest.mark.parametrize(
    "metric,learner,match",
    [
        ("tv_exact", "oracle", "tv_exact needs a learner with logpdf"),
        ("w1_mixing", "oracle", "needs a learner with fitted means_ and weights_"),
        ("param_error", "exact", "needs a learner with fitted means_ and weights_"),
        ("kl_girsanov", "exact", "needs a learner with score"),
        ("score_error", "exact", "needs a learner with a score"),
        ("fit_diagnostics", "oracle", "needs a learner with per-level diagnostics_"),
    ],
)
def test_metrics_name_their_requirement(metric, learner, match):
    target = gl.make_target("isotropic_gmm", dim=2, k=2)
    fitted = gl.make_learner(learner, target=target).fit()
    with pytest.raises(ValueError, match=match):
        gl.evaluate(target, fitted, target.sample(100, random_state=0), [metric])


def test_param_error_needs_matching_component_counts():
    target = gl.make_target("isotropic_gmm", dim=2, k=3, separation=6.0)
    X = target.sample(3000, random_state=0)
    em = gl.make_learner("em", n_components=2).fit(X, random_state=1)
    with pytest.raises(ValueError, match="needs as many components as the target"):
        gl.evaluate(target, em, X[:10], ["param_error"])
    em3 = gl.make_learner("em", n_components=3).fit(X, random_state=1)
    rows = {
        r["estimator"]: r["value"]
        for r in gl.evaluate(target, em3, X[:10], ["param_error", "w1_mixing"])
    }
    assert rows["means_max"] < 0.2 and rows["weights_max"] < 0.05 and rows["emd"] < 0.3
