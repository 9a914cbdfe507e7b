"""Time grids for the reverse process (docs/theory.md §3).

Each schedule is a grid that is uniform in a monotone reparametrisation ``phi`` of the diffusion
time; the grid runs from the horizon ``T`` down to the early-stopping time ``delta`` in
``n_steps`` steps.

* ``geometric``: uniform in ``log t``.
* ``benton`` (Benton-De Bortoli-Doucet-Deligiannidis 2024): a constant step while ``t >= 1`` and
  geometric steps ``t <- (1 - a) t`` below 1. Both hold at once for a grid uniform in
  ``phi(t) = t`` (t >= 1), ``1 + log t`` (t < 1), which is what we use.
* ``log_snr``: uniform in ``lambda = log(e^{-2t} / s_t^2)``, inverted as ``t = softplus(-lambda)/2``.
* ``uniform``: uniform in t (a poor choice for separated mixtures, kept as a reference).
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_choice, check_float, check_int


def _benton_phi(t):
    t = np.asarray(t, dtype=np.float64)
    return np.where(t >= 1.0, t, 1.0 + np.log(np.minimum(t, 1.0)))


def _benton_phi_inv(u):
    u = np.asarray(u, dtype=np.float64)
    return np.where(u >= 1.0, u, np.exp(np.minimum(u, 1.0) - 1.0))


def _log_snr(t):
    t = np.asarray(t, dtype=np.float64)
    return -2.0 * t - np.log(-np.expm1(-2.0 * t))


def _log_snr_inv(lam):
    return 0.5 * np.logaddexp(0.0, -np.asarray(lam, dtype=np.float64))


_SCHEDULES = {
    "geometric": (np.log, np.exp),
    "benton": (_benton_phi, _benton_phi_inv),
    "log_snr": (_log_snr, _log_snr_inv),
    "uniform": (
        lambda t: np.asarray(t, dtype=np.float64),
        lambda u: np.asarray(u, dtype=np.float64),
    ),
}

SCHEDULES = tuple(_SCHEDULES)


def time_grid(schedule: str, n_steps: int, T: float, delta: float) -> np.ndarray:
    """Decreasing times ``T = t_0 > t_1 > ... > t_{n_steps} = delta``."""
    check_choice("schedule", schedule, SCHEDULES)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    delta = check_float("delta", delta, minimum=0.0, strict_min=True)
    T = check_float("T", T, minimum=delta, strict_min=True)
    phi, phi_inv = _SCHEDULES[schedule]
    grid = phi_inv(np.linspace(phi(T), phi(delta), n_steps + 1))
    grid[0], grid[-1] = T, delta  # exact end points despite round-off in phi_inv(phi(.))
    return grid
