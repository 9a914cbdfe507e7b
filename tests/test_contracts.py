"""Contracts every registered learner, metric and family keeps (in the spirit of scikit-learn's
``parametrize_with_checks``): a new registration without a case here fails
``test_every_registered_name_has_a_case``.

Learners: construction stores parameters only, ``get_params`` / ``clone`` / a rebuild from the
parameters give the same learner, ``fit`` returns self, ``sample`` has the right shape and is
finite, seeded runs are bit-identical (same inputs, same code path on one machine), bad input is
a ``ValueError`` naming its parameter, sampling before ``fit`` is a ``NotFittedError``.
Metrics: rows of the declared format, finite, identical for the same random state, or a
``MetricNotApplicable`` naming the requirement. Families: default construction, seeded sampling,
exact ``to_dict`` round trip, a clear error for an unknown parameter.
"""

import numpy as np
import pytest
from conftest import FAMILY_CASES, build
from sklearn.base import clone

import gmmlearn as gl
from gmmlearn.learners import LEARNERS, NotFittedError
from gmmlearn.metrics import METRICS, MetricNotApplicable
from gmmlearn.targets import FAMILIES

#: fast settings per learner; ``target`` is filled in by the fixture
LEARNER_CASES = {
    "diffusion_general": dict(n_levels=5, degree=2, n_components=2),
    "diffusion_poly": dict(n_levels=5, degree=2),
    "em": dict(n_components=2, n_init=1),
    "em_from_moments": dict(n_components=2),
    "exact": dict(target=None),
    "kde": dict(bandwidth="silverman"),
    "moments_dmm": dict(n_components=2),
    "moments_tensor": dict(n_components=2),
    "oracle": dict(target=None, n_steps=8),
}
#: metric -> (learner it applies to, fast parameters)
METRIC_CASES = {
    "fit_diagnostics": ("diffusion_poly", {}),
    "kl_girsanov": ("oracle", dict(n_points=200, n_nodes=2)),
    "param_error": ("em", {}),
    "score_error": ("diffusion_poly", dict(n_points=300, n_times=3)),
    "tv_classifier": ("exact", dict(n_max=400)),
    "tv_exact": ("em", {}),
    "tv_girsanov": ("oracle", dict(n_points=200, n_nodes=2)),
    "tv_projected": ("exact", dict(n_boot=5)),
    "w1_mixing": ("em", {}),
    "w2": ("exact", dict(n_subsample=200, n_repeats=2)),
    "w2_sliced": ("exact", dict(n_projections=20, n_subsample=200, n_repeats=2)),
}
N_TRAIN = 1500


@pytest.fixture(scope="module")
def target():
    return gl.make_target("isotropic_gmm", dim=2, k=2, separation=6.0, seed=0)


@pytest.fixture(scope="module")
def data(target):
    return target.sample(N_TRAIN, random_state=0)


def _make(name, target):
    params = dict(LEARNER_CASES[name])
    if "target" in params:
        params["target"] = target
    return gl.make_learner(name, **params)


def _fit(learner, data, seed=1):
    return learner.fit(data if learner.needs_data else None, random_state=seed)


def test_every_registered_name_has_a_case():
    assert set(LEARNERS.names()) == set(LEARNER_CASES)
    assert set(METRICS.names()) == set(METRIC_CASES)
    assert set(FAMILIES.names()) <= {build(case).family for case in FAMILY_CASES}


# -- learners -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(LEARNER_CASES))
def test_learner_construction_and_parameters(name, target):
    learner = _make(name, target)
    params = learner.get_params()
    assert set(params) == set(LEARNERS.get(name).parameters)
    assert set(vars(learner)) == set(params)  # __init__ only stores its parameters
    assert clone(learner).get_params().keys() == params.keys()
    rebuilt = gl.make_learner(name, **params)
    assert all(
        rebuilt.get_params()[k] is v or rebuilt.get_params()[k] == v for k, v in params.items()
    )
    assert repr(learner).startswith(type(learner).__name__ + "(")
    with pytest.raises(ValueError, match="unknown parameter"):
        gl.make_learner(name, no_such_parameter=1)


@pytest.mark.parametrize("name", sorted(LEARNER_CASES))
def test_learner_fit_sample_and_seeded_determinism(name, target, data):
    learner = _make(name, target)
    with pytest.raises(NotFittedError, match="call fit"):
        learner.sample(5)
    assert _fit(learner, data) is learner
    Y = learner.sample(40, random_state=2)
    assert Y.shape == (40, target.dim) and np.all(np.isfinite(Y))
    again = _fit(clone(learner), data).sample(40, random_state=2)
    np.testing.assert_array_equal(Y, again)  # same inputs, same path: bit-identical
    rebuilt = _fit(gl.make_learner(name, **learner.get_params()), data).sample(40, random_state=2)
    np.testing.assert_array_equal(Y, rebuilt)
    assert not np.array_equal(Y, learner.sample(40, random_state=3))


@pytest.mark.parametrize("name", sorted(LEARNER_CASES))
def test_learner_bad_input_is_a_clear_error(name, target, data):
    learner = _make(name, target)
    bad = data.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        learner.fit(bad, random_state=1)
    _fit(learner, data)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        learner.sample(0)


@pytest.mark.parametrize("name", ["diffusion_poly", "diffusion_general"])
def test_diffusion_learners_report_effective_settings(name, target, data):
    learner = _fit(_make(name, target), data)
    effective = learner.effective_params_
    assert set(effective) == {"degree_max", "subspace", "partition", "cells"}
    assert 1 <= effective["degree_max"] <= learner.degree and effective["subspace"] == "none"


# -- metrics ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", sorted(METRIC_CASES))
def test_metric_rows_are_finite_and_seeded(metric, target, data):
    learner_name, params = METRIC_CASES[metric]
    learner = _fit(_make(learner_name, target), data)
    Y = learner.sample(600, random_state=2)
    spec = {"name": metric, "params": params}
    rows = gl.evaluate(target, learner, Y, [spec], random_state=3)
    assert rows and all(
        set(r) == {"metric", "estimator", "value", "stderr", "floor", "floor_stderr"} for r in rows
    )
    if metric != "fit_diagnostics":  # diagnostics are properties of the fit: NaN stderr and floor
        assert all(np.isfinite(r["value"]) and np.isfinite(r["floor"]) for r in rows)
    np.testing.assert_equal(
        rows, gl.evaluate(target, learner, Y, [spec], random_state=3)
    )  # NaN == NaN
    with pytest.raises(ValueError, match="unknown parameter"):
        gl.evaluate(target, learner, Y, [{"name": metric, "params": {"no_such_parameter": 1}}])


@pytest.mark.parametrize("metric", sorted(METRIC_CASES))
def test_metric_applies_or_names_its_requirement(metric, target, data):
    """On the exact learner (no score, no levels, no parameters), a metric either works or raises
    MetricNotApplicable saying what it needs."""
    learner = _fit(_make("exact", target), data)
    Y = learner.sample(600, random_state=2)
    try:
        rows = gl.evaluate(
            target,
            learner,
            Y,
            [{"name": metric, "params": METRIC_CASES[metric][1]}],
            random_state=3,
        )
    except MetricNotApplicable as exc:
        assert "needs" in str(exc)
    else:
        assert rows


# -- families -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("family", FAMILIES.names())
def test_family_defaults_sampling_and_round_trip(family):
    target = gl.make_target(family)
    X = target.sample(50, random_state=1)
    assert X.shape == (50, target.dim) and np.all(np.isfinite(X))
    np.testing.assert_array_equal(X, target.sample(50, random_state=1))
    rebuilt = gl.target_from_dict(target.to_dict())
    np.testing.assert_array_equal(rebuilt.sample(50, random_state=1), X)
    with pytest.raises(ValueError, match="unknown parameter"):
        gl.make_target(family, no_such_parameter=1)


def test_result_rows_carry_the_effective_settings():
    """A degree the data cannot afford is recorded as the one used (issue 10: never silently
    capped), and a principal-subspace run says so in its rows."""
    from gmmlearn.bench.cell import CellSpec
    from gmmlearn.bench.experiment import run_cell

    def rows(**params):
        spec = CellSpec(
            target="isotropic_gmm",
            target_params=dict(dim=5, k=2, separation=8.0),
            learner="diffusion_poly",
            learner_params=dict(n_levels=4, **params),
            n_train=1500,
            n_eval=500,
            metrics=["tv_projected"],
        )
        out = run_cell(spec)
        assert all(r["status"] == "ok" for r in out)
        return out

    # degree 9 in 5 dimensions needs 4 * C(14, 9) = 8008 points a cell; 1350 afford degree 5
    capped = rows(degree=9, degree_selection="fixed", subspace="none")
    assert {r["eff_degree_max"] for r in capped} == {5} and {r["eff_subspace"] for r in capped} == {
        "none"
    }
    assert {r["eff_subspace"] for r in rows()} == {"pca:1"}  # 'auto' chose a principal subspace
    em = run_cell(
        CellSpec(
            target="isotropic_gmm",
            learner="em",
            learner_params=dict(n_components=3),
            n_train=500,
            n_eval=200,
            metrics=["tv_projected"],
        )
    )
    assert not any(key.startswith("eff_") for key in em[0])
