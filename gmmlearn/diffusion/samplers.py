"""Reverse-time samplers driven by a score or a denoiser (docs/theory.md §3).

All samplers start from ``Y ~ N(0, I)`` at the horizon ``T`` and walk down a time grid
(:func:`~gmmlearn.diffusion.schedules.time_grid`) to the early-stopping time ``delta``:

* ``exponential``: exponential integrator, score frozen over the step ``h``:
  ``Y <- e^h Y + 2 (e^h - 1) s(Y, t) + sqrt(e^{2h} - 1) xi``.
* ``ddpm``: the DDPM posterior step written with the denoiser ``D`` (t -> t' < t, a = e^{-t},
  a' = e^{-t'}, r = a / a'): mean ``a'(1 - r^2)/s_t^2 D + r s_{t'}^2/s_t^2 Y``, variance
  ``(1 - r^2) s_{t'}^2 / s_t^2``.
* ``heun``: the probability-flow ODE, integrated with Heun's method in the variance-exploding
  variables ``x~ = e^t x``, ``sigma = sqrt(e^{2t} - 1)``, where it reads
  ``dx~/dsigma = (x~ - D(e^{-t} x~, t)) / sigma`` (Karras et al. 2022, Alg. 1): deterministic,
  two model evaluations a step.

``final`` selects the output: ``none`` returns the sample of ``p_delta``; ``denoise`` returns
``D(Y, delta)``; ``rescale`` returns ``e^{delta} Y`` (the halting estimator of CKS, whose W2 error
to P is at most ``sqrt((e^{2 delta} - 1) n)``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.progress import progress as progress_bar
from ..core.validation import check_choice, check_int, check_random_state
from .ou import alpha, denoiser_from_score, noise_var, score_from_denoiser
from .schedules import time_grid

Field = Callable[[np.ndarray, float], np.ndarray]

SAMPLERS = ("ddpm", "exponential", "heun")
FINALS = ("none", "denoise", "rescale")


def _fields(denoiser: Field | None, score: Field | None) -> tuple[Field, Field]:
    if (denoiser is None) == (score is None):
        raise ValueError("give exactly one of denoiser= or score=")
    if denoiser is not None:
        return denoiser, lambda X, t: score_from_denoiser(denoiser(X, t), X, t)
    return (lambda X, t: denoiser_from_score(score(X, t), X, t)), score


def _exponential_step(Y, t, t_next, score, rng):
    h = t - t_next
    return (
        np.exp(h) * Y
        + 2.0 * np.expm1(h) * score(Y, t)
        + np.sqrt(np.expm1(2.0 * h)) * rng.standard_normal(Y.shape)
    )


def _ddpm_step(Y, t, t_next, denoiser, rng):
    r2 = np.exp(-2.0 * (t - t_next))  # (a / a')^2
    s2, s2_next = noise_var(t), noise_var(t_next)
    mean = alpha(t_next) * (1.0 - r2) / s2 * denoiser(Y, t) + np.sqrt(r2) * s2_next / s2 * Y
    return mean + np.sqrt((1.0 - r2) * s2_next / s2) * rng.standard_normal(Y.shape)


def _heun_step(Y, t, t_next, denoiser, rng):
    sig, sig_next = np.sqrt(np.expm1(2.0 * t)), np.sqrt(np.expm1(2.0 * t_next))
    x = np.exp(t) * Y
    d = (x - denoiser(Y, t)) / sig
    x_next = x + (sig_next - sig) * d
    Y_next = np.exp(-t_next) * x_next
    d_next = (x_next - denoiser(Y_next, t_next)) / sig_next
    return np.exp(-t_next) * (x + (sig_next - sig) * 0.5 * (d + d_next))


def reverse_sample(
    n: int,
    dim: int,
    *,
    denoiser: Field | None = None,
    score: Field | None = None,
    sampler: str = "ddpm",
    schedule: str = "geometric",
    n_steps: int = 200,
    T: float = 8.0,
    delta: float = 1e-3,
    final: str = "none",
    times: np.ndarray | None = None,
    random_state=None,
    progress: bool | None = None,
) -> np.ndarray:
    """Run a reverse sampler; return an (n, dim) array.

    ``times`` overrides (schedule, n_steps, T, delta) with an explicit decreasing grid.
    """
    n = check_int("n", n, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    check_choice("sampler", sampler, SAMPLERS)
    check_choice("final", final, FINALS)
    rng = check_random_state(random_state)
    den, sco = _fields(denoiser, score)
    if times is None:
        times = time_grid(schedule, n_steps, T, delta)
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size < 2 or np.any(np.diff(times) >= 0) or times[-1] <= 0:
        raise ValueError("times must be a strictly decreasing grid of at least 2 positive times")

    step = {
        "ddpm": (_ddpm_step, den),
        "exponential": (_exponential_step, sco),
        "heun": (_heun_step, den),
    }
    step_fn, field = step[sampler]
    Y = rng.standard_normal((n, dim))
    for t, t_next in progress_bar(
        zip(times[:-1], times[1:]), total=times.size - 1, desc=f"{sampler} sampler", show=progress
    ):
        Y = step_fn(Y, t, t_next, field, rng)
    delta = times[-1]
    if final == "denoise":
        return den(Y, delta)
    if final == "rescale":
        return np.exp(delta) * Y
    return Y
