"""The Girsanov bound on KL(p_delta || p_hat), computable because the true score is known
(docs/theory.md §3).

For the exponential integrator on the sampler's grid ``T = t_0 > ... > t_K = delta`` (step from
b = t_k down to a = t_{k+1}, score frozen at b):

``KL(p_delta || p_hat) <= KL(p_T || N(0, I))
+ sum_k int_a^b E||grad log p_s(X_s) - s_hat(X_b, b)||^2 ds``

with (X_s, X_b) a forward pair (X_0 ~ P, X_s by the OU marginal, X_b from X_s by the OU
transition). Monte Carlo: ``n_points`` fresh pairs for each of ``n_nodes`` Gauss-Legendre nodes
per step. The first term is a Monte Carlo average of ``log p_T - log N(0, I)``. With
(x + y)^2 <= 2x^2 + 2y^2 the integrand splits into the *learned-score* term
``2 (b - a) E||s_hat(X_b, b) - grad log p_b(X_b)||^2`` and the *discretisation* term
``2 int E||grad log p_s(X_s) - grad log p_b(X_b)||^2 ds`` (rows ``score_term`` and
``discretization_term``; their sum bounds the integral, ``total`` is the unsplit bound).
``tv_girsanov``: ``TV(P, p_hat) <= TV(P, p_delta) + sqrt(KL / 2)`` (Pinsker), with TV(P, p_delta)
by exact Monte Carlo (both densities known). Needs a learner with ``score(x, t)`` and
``sampling_times()`` (the diffusion learners and the oracle); for other samplers than the
exponential integrator it is the bound of the exponential integrator on the same grid.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import Integral, Interval
from ..core.stats import mean_and_stderr
from ..diffusion import forward, transition
from .base import METRICS, MetricNotApplicable, MetricRow, Sense

#: the Monte Carlo sizes of both Girsanov metrics
OPTIONS = {
    "n_points": [Interval(Integral, 2, None, closed="left")],
    "n_nodes": [Interval(Integral, 1, None, closed="left")],
}


def _needs_score(learner):
    if not (
        callable(getattr(learner, "score", None))
        and callable(getattr(learner, "sampling_times", None))
    ):
        raise MetricNotApplicable(
            f"the Girsanov bound needs a learner with score(x, t) and sampling_times(); "
            f"{type(learner).__name__} has not both"
        )


def initialisation_kl(target, T: float, n: int, rng) -> tuple[float, float]:
    """Monte Carlo ``KL(p_T || N(0, I))`` and its standard error."""
    XT = forward(target.sample(n, random_state=rng), T, random_state=rng)
    log_gauss = -0.5 * np.sum(XT**2, axis=1) - 0.5 * target.dim * np.log(2 * np.pi)
    return mean_and_stderr(target.at_time(T).logpdf(XT) - log_gauss)


def girsanov_terms(
    target, learner, rng, n_points: int, n_nodes: int
) -> dict[str, tuple[float, float]]:
    """Each term of the bound as (value, standard error)."""
    times = np.asarray(learner.sampling_times(), dtype=np.float64)
    nodes, gl_weights = np.polynomial.legendre.leggauss(int(n_nodes))
    total = score_term = disc_term = 0.0
    var_total = var_score = var_disc = 0.0
    for b, a in zip(times[:-1], times[1:]):  # one sampler step at a time
        half = 0.5 * (b - a)
        Xb_first = None
        for node, weight in zip(nodes, gl_weights):  # Gauss-Legendre nodes in (a, b)
            s = a + half * (node + 1)
            Xs = forward(target.sample(n_points, random_state=rng), s, random_state=rng)
            Xb = transition(Xs, s, b, random_state=rng)
            exact_s, exact_b = target.score(Xs, s), target.score(Xb, b)
            learned_b = learner.score(Xb, b)
            full = np.sum((exact_s - learned_b) ** 2, axis=1)
            disc = np.sum((exact_s - exact_b) ** 2, axis=1)
            w = half * weight
            total += w * full.mean()
            var_total += w**2 * full.var(ddof=1) / n_points
            disc_term += 2 * w * disc.mean()
            var_disc += (2 * w) ** 2 * disc.var(ddof=1) / n_points
            if Xb_first is None:
                Xb_first = np.sum((learned_b - exact_b) ** 2, axis=1)
        score_term += 2 * (b - a) * Xb_first.mean()
        var_score += (2 * (b - a)) ** 2 * Xb_first.var(ddof=1) / n_points
    init, init_se = initialisation_kl(target, float(times[0]), n_points * 10, rng)
    return {
        "init": (init, init_se),
        "total": (init + total, float(np.sqrt(init_se**2 + var_total))),
        "score_term": (score_term, float(np.sqrt(var_score))),
        "discretization_term": (disc_term, float(np.sqrt(var_disc))),
    }


@METRICS.register(
    "kl_girsanov", sense=Sense("lower", "nats", abs_tol=0.01, rel_tol=0.05), constraints=OPTIONS
)
def kl_girsanov(target, learner, Y, rng, n_points: int = 2000, n_nodes: int = 3) -> list[MetricRow]:
    """Upper bound on KL(p_delta || p_hat), with its initialisation, learned-score and
    discretisation terms as separate rows."""
    _needs_score(learner)
    terms = girsanov_terms(target, learner, rng, int(n_points), int(n_nodes))
    return [
        MetricRow("kl_girsanov", name, float(v), float(se), 0.0, 0.0)
        for name, (v, se) in terms.items()
    ]


def early_stopping_tv(target, delta: float, n: int, rng) -> tuple[float, float]:
    """TV(P, p_delta) by Monte Carlo under (P + p_delta) / 2 (both densities exact)."""
    p_delta = target.at_time(delta)
    X = np.vstack([target.sample(n, random_state=rng), p_delta.sample(n, random_state=rng)])
    f = np.abs(np.tanh(0.5 * (target.logpdf(X) - p_delta.logpdf(X))))
    return mean_and_stderr(f)


@METRICS.register(
    "tv_girsanov", sense=Sense("lower", "TV", abs_tol=0.005, rel_tol=0.05), constraints=OPTIONS
)
def tv_girsanov(target, learner, Y, rng, n_points: int = 2000, n_nodes: int = 3) -> list[MetricRow]:
    """TV(P, p_hat) <= TV(P, p_delta) + sqrt(KL_bound / 2) (Pinsker)."""
    _needs_score(learner)
    kl, kl_se = girsanov_terms(target, learner, rng, int(n_points), int(n_nodes))["total"]
    tv_delta, tv_se = early_stopping_tv(
        target, float(learner.sampling_times()[-1]), 10 * int(n_points), rng
    )
    root = np.sqrt(max(kl, 0.0) / 2)
    se = np.sqrt(tv_se**2 + (kl_se / (4 * max(root, 1e-12))) ** 2)
    return [
        MetricRow("tv_girsanov", "pinsker", float(tv_delta + root), float(se), 0.0, 0.0),
        MetricRow("tv_girsanov", "early_stopping", float(tv_delta), float(tv_se), 0.0, 0.0),
    ]
