"""Diffusion core: schedules, OU helpers and the three reverse samplers (docs/theory.md §2-3)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gmmlearn as gl
from gmmlearn.diffusion import SAMPLERS, SCHEDULES, reverse_sample, time_grid
from gmmlearn.diffusion.ou import default_horizon, forward, noise_var
from tests.conftest import zscore


@settings(max_examples=60, deadline=None)
@given(
    schedule=st.sampled_from(SCHEDULES),
    n_steps=st.integers(1, 300),
    T=st.floats(1.5, 20.0),
    delta=st.floats(1e-5, 0.5),
)
def test_grids_run_from_T_to_delta_strictly_decreasing(schedule, n_steps, T, delta):
    grid = time_grid(schedule, n_steps, T, delta)
    assert grid.shape == (n_steps + 1,)
    assert grid[0] == T and grid[-1] == delta
    assert np.all(np.diff(grid) < 0)


def test_schedules_are_uniform_in_their_variable():
    g = time_grid("geometric", 50, 8.0, 1e-3)
    np.testing.assert_allclose(np.diff(np.log(g)), np.log(1e-3 / 8.0) / 50)
    b = time_grid("benton", 200, 8.0, 1e-3)
    steps, ratios = -np.diff(b), b[1:] / b[:-1]
    above = b[:-1] >= 1.0
    below = b[1:] < 1.0
    np.testing.assert_allclose(steps[above & (b[1:] >= 1.0)], steps[0], rtol=1e-9)  # constant step
    np.testing.assert_allclose(ratios[below & (b[:-1] < 1.0)], ratios[-1], rtol=1e-9)  # geometric
    s = time_grid("log_snr", 40, 6.0, 1e-2)
    lam = np.log(np.exp(-2 * s) / noise_var(s))
    np.testing.assert_allclose(np.diff(lam), np.diff(lam)[0], rtol=1e-7)


def test_forward_process_has_the_ou_marginal():
    X0 = np.full((200_000, 1), 3.0)
    Xt = forward(X0, 0.5, random_state=0)
    assert zscore(Xt.mean(), 3 * np.exp(-0.5), np.sqrt(noise_var(0.5) / X0.shape[0])) < 5
    assert zscore(Xt.var(), noise_var(0.5), noise_var(0.5) * np.sqrt(2 / X0.shape[0])) < 5


def test_default_horizon_bounds_the_initialisation_term():
    T = default_horizon(150.0)
    assert np.exp(-2 * T) * 150.0 <= 1e-6 * (1 + 1e-12)
    assert default_horizon(0.0) == pytest.approx(0.5 * np.log(1e6))


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_each_sampler_reproduces_a_gaussian(sampler):
    """One-atom target N(m, s^2 I): sample mean and variance within 5 standard errors."""
    target = gl.make_target("isotropic_gmm", means=[[1.5, -2.0]], weights=[1.0], sigma=0.7)
    n = 100_000
    Y = reverse_sample(
        n,
        2,
        denoiser=target.denoise,
        sampler=sampler,
        n_steps=400,
        T=default_horizon(target.second_moment()),
        random_state=1,
    )
    assert np.all(zscore(Y.mean(axis=0), [1.5, -2.0], 0.7 / np.sqrt(n)) < 5)
    var_se = 0.49 * np.sqrt(2 / n)
    assert np.all(zscore(Y.var(axis=0), 0.49, var_se) < 5)


def test_score_and_denoiser_inputs_give_the_same_chain():
    target = gl.make_target("isotropic_gmm", dim=2, k=3, separation=5.0)
    a = reverse_sample(500, 2, denoiser=target.denoise, n_steps=30, random_state=3)
    b = reverse_sample(500, 2, score=target.score, n_steps=30, random_state=3)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_final_step_options():
    target = gl.make_target("isotropic_gmm", dim=2, k=2, separation=4.0)
    kw = dict(denoiser=target.denoise, n_steps=20, delta=0.05, random_state=5)
    raw = reverse_sample(300, 2, **kw)
    np.testing.assert_allclose(reverse_sample(300, 2, final="rescale", **kw), np.exp(0.05) * raw)
    np.testing.assert_allclose(
        reverse_sample(300, 2, final="denoise", **kw), target.denoise(raw, 0.05)
    )


def test_probability_flow_is_deterministic_given_the_initial_noise():
    target = gl.make_target("isotropic_gmm", dim=2, k=2, separation=4.0)
    runs = [
        reverse_sample(
            100,
            2,
            denoiser=target.denoise,
            sampler="heun",
            n_steps=20,
            random_state=np.random.default_rng(9),
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(sampler="euler"), "sampler must be one of"),
        (dict(schedule="cosine"), "schedule must be one of"),
        (dict(n_steps=0), "n_steps must be an integer >= 1"),
        (dict(delta=0.0), "delta must be > 0"),
        (dict(T=1e-4), "T must be > 0.001"),
        (dict(final="clip"), "final must be one of"),
    ],
)
def test_bad_sampler_arguments(kwargs, match):
    target = gl.make_target("isotropic_gmm", dim=1, k=2)
    with pytest.raises(ValueError, match=match):
        reverse_sample(10, 1, denoiser=target.denoise, **kwargs)


def test_exactly_one_field_is_required():
    with pytest.raises(ValueError, match="exactly one of denoiser= or score="):
        reverse_sample(10, 1)
