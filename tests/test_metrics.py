"""Metrics: values, standard errors and floors against known answers (THEORY §5)."""

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
    (row,) = gl.evaluate(target, learner, learner.sample(50_000, random_state=1), ["tv_exact"],
                         random_state=2)
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
    rows = gl.evaluate(target, exact, exact.sample(20_000, random_state=1), ["tv_projected"],
                       random_state=3)
    assert {r["estimator"] for r in rows} == {"hist1d_mean", "hist1d_max", "hist2d_mean", "hist2d_max"}
    for r in rows:
        assert abs(r["value"] - r["floor"]) < 4 * np.hypot(r["stderr"], r["floor_stderr"]), r


@pytest.mark.parametrize("delta", [0.2, 0.5, 1.0])
def test_tv_projected_detects_a_shift_and_stays_below_the_true_tv(delta):
    """1-D: the binned TV minus its floor is a lower bound of the true TV (data processing)."""
    target, learner = _unit_gaussian(), ShiftedGaussian(shift=delta).fit()
    rows = gl.evaluate(target, learner, learner.sample(100_000, random_state=1),
                       [{"name": "tv_projected", "params": {"dims": [1]}}], random_state=2)
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
    rows = {r["metric"]: r for r in gl.evaluate(target, learner, Y, ["w2", "w2_sliced"], random_state=1)}
    w2 = rows["w2"]
    assert w2["value"] - w2["floor"] > 5 * np.hypot(w2["stderr"], w2["floor_stderr"])
    assert w2["estimator"] == "emd_n1000" and rows["w2_sliced"]["floor"] > 0


def test_w2_subsamples_are_disjoint_when_the_sample_is_small():
    target = _unit_gaussian(2)
    exact = gl.make_learner("exact", target=target).fit()
    (row,) = gl.evaluate(target, exact, exact.sample(900, random_state=0), ["w2"], random_state=1)
    assert row["estimator"] == "emd_n300"  # 900 // 3 repeats, not 3 copies of the same points
    with pytest.raises(ValueError, match=r"need at least 2 \* n_repeats = 6 samples"):
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
