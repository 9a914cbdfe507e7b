"""Property test: every registered family, with parameters at and beyond the edges of their
allowed ranges, either refuses them with a clear ValueError or gives finite samples, densities,
scores and denoisers (never a silent NaN or inf, never another exception)."""

import inspect
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gmmlearn as gl
from gmmlearn.core.validation import LENGTH_MAX, LENGTH_MIN
from gmmlearn.targets.manifold import SHAPE_DIMS

TINY, HUGE = 1e-300, 1e300
#: lengths at the edges of the allowed range [LENGTH_MIN, LENGTH_MAX], just outside, and between
LENGTHS = [
    -1.0,
    0.0,
    TINY,
    LENGTH_MIN / 2,
    LENGTH_MIN,
    1e-8,
    1e-3,
    0.5,
    1.0,
    3.0,
    1e3,
    1e8,
    LENGTH_MAX,
    2 * LENGTH_MAX,
    HUGE,
    math.inf,
    math.nan,
]
SIZES = [-1, 0, 1, 2, 3, 5]

#: values to draw for each parameter name; a family parameter missing here keeps its default
#: (explicit arrays: means, weights, atoms...), and a *required* one fails the test below
STRATEGIES = {
    "dim": st.sampled_from(SIZES + [True]),
    "k": st.sampled_from(SIZES),
    "m": st.sampled_from(SIZES),
    "rank": st.sampled_from([None, 0, 1, 2, 3, 6]),
    "n_atoms": st.sampled_from([-1, 0, 1, 7, 8, 9, 64]),
    "seed": st.sampled_from([0, 1, -1, 2**40, True]),
    "sigma": st.sampled_from(LENGTHS),
    "scale": st.sampled_from(LENGTHS),
    "radius": st.sampled_from(LENGTHS),
    "centers_radius": st.sampled_from([None] + LENGTHS),
    "ball_radius": st.sampled_from(LENGTHS),
    "spacing": st.sampled_from(LENGTHS),
    "separation": st.sampled_from(LENGTHS),
    "gap": st.sampled_from(LENGTHS),
    "L": st.sampled_from(LENGTHS),
    "min_eigenvalue": st.sampled_from(LENGTHS),
    "condition_number": st.sampled_from([0.5, 1.0, 2.0, 1e6, 1e12, 1e16, HUGE, math.inf, math.nan]),
    "w_min": st.sampled_from([None, -0.1, 0.0, 1e-12, 0.1, 0.2, 1 / 3, 0.5, 1.0]),
    "shape": st.sampled_from(sorted(SHAPE_DIMS) + ["nope"]),
    "orientation": st.sampled_from(["parallel", "varied", "nope"]),
}
TIMES = [0.0, 1e-3, 1.0, 30.0]
COUNTS: dict[str, Counter] = {}


def _family_params(name):
    entry = gl.FAMILIES.get(name)
    required = [p for p, d in entry.parameters.items() if d is inspect.Parameter.empty]
    missing = [p for p in required if p not in STRATEGIES]
    assert not missing, f"family {name!r}: add strategies for its required parameters {missing}"
    return st.fixed_dictionaries(
        {}, optional={p: STRATEGIES[p] for p in entry.parameters if p in STRATEGIES}
    )


def _check_finite(what, value):
    value = np.asarray(value)
    assert np.all(np.isfinite(value)), (
        f"{what} is not finite: {value.ravel()[~np.isfinite(value.ravel())][:3]}"
    )


def _exercise(target):
    """Every output on the target's own samples, at several times; a ValueError is allowed for a
    call that does not apply (logpdf of a degenerate covariance at t = 0)."""
    X = target.sample(20, random_state=0)
    _check_finite("sample", X)
    for t in TIMES:
        for what, call in (
            ("logpdf", lambda t=t: target.at_time(t).logpdf(X)),
            ("score", lambda t=t: target.score(X, t)),
            ("denoise", lambda t=t: target.denoise(X, t)),
        ):
            try:
                value = call()
            except ValueError as exc:
                assert str(exc), f"{what} raised an empty ValueError"
                continue
            _check_finite(f"{what}(t={t})", value)


@pytest.mark.parametrize("family", gl.FAMILIES.names())
def test_family_parameters_give_finite_outputs_or_clear_errors(family):
    counts = COUNTS.setdefault(family, Counter())

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(params=_family_params(family))
    def check(params):
        try:
            target = gl.make_target(family, **params)
        except ValueError as exc:
            message = str(exc)
            assert message and any(
                p in message for p in list(params) + ["weights", "means", "atoms"]
            ), f"{family}({params}): the error does not name a parameter: {message}"
            counts["refused"] += 1
            return
        _exercise(target)
        counts["finite"] += 1

    check()
    print(f"\n{family}: {dict(counts)}")
    assert counts["finite"] > 0, f"{family}: no valid parameter set was drawn"
