"""The Ornstein-Uhlenbeck forward process dX = -X dt + sqrt(2) dB (docs/theory.md §2).

``X_t = e^{-t} X_0 + s_t Z`` with ``s_t^2 = 1 - e^{-2t}``. Tweedie's formula links the score of
``p_t`` and the denoiser ``D(x, t) = E[X_0 | X_t = x]``:
``score(x, t) = (e^{-t} D(x, t) - x) / s_t^2``.
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_random_state


def alpha(t):
    """Signal scale ``e^{-t}``."""
    return np.exp(-np.asarray(t, dtype=np.float64))


def noise_var(t):
    """Noise variance ``s_t^2 = 1 - e^{-2t}`` (accurate for small t)."""
    return -np.expm1(-2.0 * np.asarray(t, dtype=np.float64))


def forward(X0, t: float, random_state=None) -> np.ndarray:
    """Draw ``X_t`` given ``X_0`` (one fresh Gaussian per row)."""
    rng = check_random_state(random_state)
    X0 = np.asarray(X0, dtype=np.float64)
    return alpha(t) * X0 + np.sqrt(noise_var(t)) * rng.standard_normal(X0.shape)


def transition(Xa, a: float, b: float, random_state=None) -> np.ndarray:
    """Draw ``X_b`` given ``X_a`` for b > a (the OU transition over time b - a)."""
    return forward(Xa, b - a, random_state)


def score_from_denoiser(D, X, t: float) -> np.ndarray:
    """Tweedie: the score at time t > 0 from a denoiser value ``D = E[X_0 | X_t = X]``."""
    return (alpha(t) * D - X) / noise_var(t)


def denoiser_from_score(S, X, t: float) -> np.ndarray:
    """Inverse Tweedie: ``E[X_0 | X_t = X]`` from a score value ``S`` at time t > 0."""
    return (X + noise_var(t) * S) / alpha(t)


def scale_score(D, X, t: float, factor: float) -> np.ndarray:
    """The denoiser whose score is ``factor`` times the score of the denoiser value ``D`` at X.

    Used only by the claims' negative controls (a learner with a deliberately wrong score,
    docs/theory.md §6); ``factor = 1`` returns D unchanged."""
    if factor == 1.0:
        return D
    return denoiser_from_score(factor * score_from_denoiser(D, X, t), X, t)


def default_horizon(second_moment: float, kl_budget: float = 1e-6) -> float:
    """A horizon T with ``e^{-2T} E||X_0||^2 <= kl_budget``, which bounds the initialisation
    term ``KL(p_T || N(0, I))`` at the scale of ``kl_budget``; never below 2."""
    return float(max(2.0, 0.5 * np.log(max(second_moment, 1.0) / kl_budget)))
