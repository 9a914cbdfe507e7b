"""Reference learners: scikit-learn conventions, and the oracle sampler against the exact floor."""

import numpy as np
import pytest
from sklearn.base import clone

import gmmlearn as gl
from gmmlearn.learners import NotFittedError


@pytest.fixture(scope="module")
def target():
    return gl.make_target("isotropic_gmm", dim=2, k=3, separation=8.0, seed=0)


def test_sklearn_conventions(target):
    learner = gl.make_learner("oracle", target=target, n_steps=50)
    assert learner.get_params()["n_steps"] == 50
    assert not any(name.endswith("_") for name in vars(learner))  # __init__ only stores
    assert learner.fit() is learner and learner.T_ > 0
    copy = clone(learner).set_params(n_steps=7)
    assert copy.n_steps == 7 and not hasattr(copy, "T_")
    assert "OracleSampler(" in repr(learner)


def test_not_fitted_and_no_density_errors(target):
    with pytest.raises(NotFittedError, match="call fit"):
        gl.make_learner("oracle", target=target).sample(10)
    with pytest.raises(ValueError, match="has no density"):
        gl.make_learner("oracle", target=target).fit().logpdf(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="target must be a gmmlearn Target"):
        gl.make_learner("oracle").fit()
    with pytest.raises(ValueError, match="dimension 3, expected dim=2"):
        gl.make_learner("exact", target=target).fit(np.zeros((5, 3)))
    with pytest.raises(
        ValueError, match="unknown learner .gan.; valid names are: .*exact, .*oracle"
    ):
        gl.make_learner("gan")  # the message lists every registered learner


def test_exact_learner_is_the_target(target):
    learner = gl.make_learner("exact", target=target).fit()
    np.testing.assert_array_equal(
        learner.sample(10, random_state=1), target.sample(10, random_state=1)
    )
    X = target.sample(10, random_state=2)
    np.testing.assert_array_equal(learner.logpdf(X), target.logpdf(X))


def test_sampling_is_reproducible(target):
    learner = gl.make_learner("oracle", target=target, n_steps=20).fit()
    np.testing.assert_array_equal(
        learner.sample(100, random_state=4), learner.sample(100, random_state=4)
    )
    assert not np.array_equal(
        learner.sample(100, random_state=4), learner.sample(100, random_state=5)
    )


def _excess_in_standard_errors(rows):
    """(value - floor) / sd of the difference; value and floor come from independent samples."""
    return {
        r["estimator"]: (r["value"] - r["floor"]) / np.hypot(r["stderr"], r["floor_stderr"])
        for r in rows
    }


@pytest.mark.parametrize(
    "family,params",
    [
        ("isotropic_gmm", dict(dim=2, k=3, separation=8.0, seed=0)),
        pytest.param(
            "manifold",
            dict(shape="circle", dim=2, n_atoms=64, scale=4.0, sigma=0.5, seed=0),
            marks=pytest.mark.slow,  # 1000 steps against 64 atoms: ~45 s
        ),
    ],
)
def test_oracle_with_a_fine_schedule_reaches_the_exact_floor(family, params):
    """Positive control: 1000 DDPM steps with the exact score are within 3 standard errors of the
    floor; negative control: 10 steps are far above it."""
    target = gl.make_target(family, **params)
    fine = gl.make_learner("oracle", target=target, n_steps=1000).fit()
    rows = gl.evaluate(
        target, fine, fine.sample(20_000, random_state=1), metrics=["tv_projected"], random_state=2
    )
    excess = _excess_in_standard_errors(rows)
    assert all(z < 3 for z in excess.values()), excess
    coarse = gl.make_learner("oracle", target=target, n_steps=10).fit()
    rows = gl.evaluate(
        target,
        coarse,
        coarse.sample(20_000, random_state=1),
        metrics=["tv_projected"],
        random_state=2,
    )
    assert all(z > 10 for z in _excess_in_standard_errors(rows).values())


def test_score_scale_control_multiplies_the_score_and_breaks_the_sampler():
    """The negative control of the claims: score_scale c gives c times the score (Tweedie-consistent
    denoiser) and a sampler far from the target, while c = 1 is the learner itself."""
    from gmmlearn.diffusion import scale_score, score_from_denoiser

    target = gl.make_target("isotropic_gmm", dim=2, k=3, separation=8.0, seed=0)
    X = target.sample(500, random_state=1)
    broken = gl.make_learner("oracle", target=target, n_steps=50, score_scale=0.8).fit()
    np.testing.assert_allclose(broken.score(X, 0.3), 0.8 * target.score(X, 0.3), rtol=1e-12)
    D = scale_score(target.denoise(X, 0.3), X, 0.3, 0.8)
    np.testing.assert_allclose(
        score_from_denoiser(D, X, 0.3), 0.8 * target.score(X, 0.3), rtol=1e-9, atol=1e-12
    )
    assert scale_score(D, X, 0.3, 1.0) is D
    with pytest.raises(ValueError, match="score_scale"):
        gl.make_learner("oracle", target=target, score_scale=0.0).fit()
