"""Input checks shared by targets, learners, metrics and the workflow.

Every check raises :class:`ValueError` (or :class:`ConfigError` for sweep configs) whose message
names the offending parameter and its allowed range, so that bad input never surfaces as a deep
numpy traceback or as a NaN in a result table. :class:`NotApplicable` is the other kind of
refusal: valid input that the method does not cover (recorded as ``skipped``, not ``failed``).
"""

from __future__ import annotations

import numbers

import numpy as np


class ConfigError(ValueError):
    """An invalid sweep configuration (schema violation or inconsistent values)."""


class ParameterError(ValueError):
    """A parameter value outside its allowed type or range; ``name`` is the parameter."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


class NotApplicable(ValueError):
    """A method asked to work outside its precondition (benchopt's ``skip``): a metric that needs
    a density the learner lacks, a moment method beyond the k its theory allows. A cell records
    it as ``status=skipped`` with this reason, apart from failures (``status=failed``)."""

    @property
    def reason(self) -> str:
        return str(self)


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise naming ``name`` and its allowed range.

    Booleans are not integers here (``True`` is an error, not 1); a float with an integral
    value (``3.0``) is accepted as that integer."""
    allowed = f"an integer{_range_text(minimum, maximum)}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ParameterError(name, f"{name} must be {allowed}, got {value!r}")
    if not isinstance(value, numbers.Integral):
        if not float(value).is_integer():
            raise ParameterError(name, f"{name} must be {allowed}, got {value!r}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ParameterError(name, f"{name} must be {allowed}, got {value}")
    return value


def check_float(
    name: str,
    value,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_min: bool = False,
    strict_max: bool = False,
) -> float:
    """Return ``value`` as a finite float in the given range, or raise naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ParameterError(name, f"{name} must be a real number, got {value!r}")
    value = float(value)
    low_bad = minimum is not None and (value <= minimum if strict_min else value < minimum)
    high_bad = maximum is not None and (value >= maximum if strict_max else value > maximum)
    if not np.isfinite(value) or low_bad or high_bad:
        lo = "" if minimum is None else ("> " if strict_min else ">= ") + f"{minimum:g}"
        hi = "" if maximum is None else ("< " if strict_max else "<= ") + f"{maximum:g}"
        allowed = " and ".join(part for part in (lo, hi) if part) or "finite"
        raise ParameterError(name, f"{name} must be {allowed}, got {value!r}")
    return value


#: the lengths a target accepts (sigma, scale, radius, separation, ...): wide enough for any
#: benchmark, narrow enough that squares and ratios of two lengths (up to 1e200) and their
#: inverses stay finite in float64
LENGTH_MIN, LENGTH_MAX = 1e-50, 1e50


def check_length(name: str, value, *, allow_zero: bool = False) -> float:
    """A length in [LENGTH_MIN, LENGTH_MAX] (or exactly 0 with ``allow_zero``), else a
    ParameterError naming ``name`` and that range."""
    value = check_float(name, value, minimum=0.0, strict_min=not allow_zero)
    if (value != 0.0 and value < LENGTH_MIN) or value > LENGTH_MAX:
        zero = "0 or " if allow_zero else ""
        raise ParameterError(
            name, f"{name} must be {zero}in [{LENGTH_MIN:g}, {LENGTH_MAX:g}], got {value!r}"
        )
    return value


def check_choice(name: str, value, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ParameterError(name, f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_samples(X, name: str = "X", dim: int | None = None) -> np.ndarray:
    """Return ``X`` as a finite float64 array of shape (n, dim) with n >= 1.

    A 1-D array is read as n points in dimension 1 when ``dim`` is 1 or None.
    """
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array of shape (n, dim): {exc}") from None
    if X.ndim == 1 and dim in (None, 1):
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (n, dim), got an array of shape {X.shape}")
    if X.shape[0] < 1:
        raise ValueError(f"{name} must contain at least 1 point, got shape {X.shape}")
    if dim is not None and X.shape[1] != dim:
        raise ValueError(f"{name} has dimension {X.shape[1]}, expected dim={dim}")
    if not np.all(np.isfinite(X)):
        bad = int(np.sum(~np.all(np.isfinite(X), axis=1)))
        raise ValueError(f"{name} contains NaN or infinite values ({bad} of {X.shape[0]} rows)")
    return X


def check_time(t, name: str = "t", *, allow_zero: bool = True) -> float:
    """Diffusion time: a finite float >= 0 (or > 0 when ``allow_zero`` is False)."""
    return check_float(name, t, minimum=0.0, strict_min=not allow_zero)


def check_random_state(random_state) -> np.random.Generator:
    """Turn None, an int, a SeedSequence or a Generator into a :class:`numpy.random.Generator`."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"random_state must be None, a non-negative int, a SeedSequence or a numpy Generator, "
        f"got {type(random_state).__name__}"
    )


def _range_text(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f" in [{minimum}, {maximum}]"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""
