"""Declared parameter constraints, in the style of scikit-learn's ``_parameter_constraints``.

A learner declares ``_parameter_constraints = {"n_steps": [Interval(Integral, 1, None,
closed="left")], "T": [None, Interval(Real, 0, None, closed="neither")], ...}``; a metric
declares ``constraints={...}`` where it is registered. Each value is a list of alternatives: a
:class:`Constraint`, or ``None`` (the value ``None`` is allowed). One function,
:func:`validate_params`, reads them for ``gmmlearn list`` (:func:`describe`), for config
validation (before anything runs) and before ``fit`` / before a metric runs, so the three always
agree. Messages are those of the check helpers (:mod:`gmmlearn.core.validation`): they name the
parameter and its allowed range.

Constraints are per parameter; a check that relates two parameters (``T > max(delta, t_min)``)
or a parameter and the data (``k <= dim``) stays in the method, which knows both.
"""

from __future__ import annotations

import numbers
import re
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np

from .validation import ParameterError, check_choice, check_float, check_int

__all__ = [
    "Boolean",
    "Constraint",
    "InstanceOf",
    "Integral",
    "Interval",
    "ListOf",
    "Options",
    "Pattern",
    "Real",
    "describe",
    "validate_params",
]

CLOSED = ("left", "right", "both", "neither")


class Constraint(ABC):
    """One allowed kind of value of a parameter."""

    @abstractmethod
    def check(self, name: str, value) -> None:
        """Raise a ParameterError naming ``name`` and the allowed values unless ``value`` is one."""

    @abstractmethod
    def __str__(self) -> str:
        """The allowed values, as the messages say them ("an integer >= 1")."""

    def accepts_type(self, value) -> bool:
        """Whether ``value`` is of the kind this constraint is about (then its message applies)."""
        return True

    def is_satisfied_by(self, value) -> bool:
        try:
            self.check("value", value)
        except ParameterError:
            return False
        return True


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


class Interval(Constraint):
    """Numbers of a kind (``Integral`` or ``Real``) between ``low`` and ``high`` (None: no
    bound); ``closed`` says which ends belong: ``left``, ``right``, ``both`` or ``neither``.
    An integer may be given as an integral float (3.0); booleans are never numbers here."""

    def __init__(self, kind, low=None, high=None, *, closed: str = "both"):
        if kind not in (Integral, Real):
            raise ValueError(
                f"Interval kind must be numbers.Integral or numbers.Real, got {kind!r}"
            )
        if closed not in CLOSED:
            raise ValueError(f"closed must be one of {CLOSED}, got {closed!r}")
        if low is not None and high is not None and low > high:
            raise ValueError(f"Interval low={low} is above high={high}")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def _bounds(self):
        strict_low = self.low is not None and self.closed in ("right", "neither")
        strict_high = self.high is not None and self.closed in ("left", "neither")
        return strict_low, strict_high

    def check(self, name: str, value) -> None:
        strict_low, strict_high = self._bounds()
        if self.kind is Integral:
            low = None if self.low is None else int(np.floor(self.low)) + (1 if strict_low else 0)
            high = (
                None if self.high is None else int(np.ceil(self.high)) - (1 if strict_high else 0)
            )
            check_int(name, value, minimum=low, maximum=high)
        else:
            check_float(
                name,
                value,
                minimum=self.low,
                maximum=self.high,
                strict_min=strict_low,
                strict_max=strict_high,
            )

    def accepts_type(self, value) -> bool:
        return _is_number(value)

    def __str__(self) -> str:
        strict_low, strict_high = self._bounds()
        noun = "an integer" if self.kind is Integral else "a real number"
        if self.low is not None and self.high is not None:
            left, right = "(" if strict_low else "[", ")" if strict_high else "]"
            return f"{noun} in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            return f"{noun} {'>' if strict_low else '>='} {self.low:g}"
        if self.high is not None:
            return f"{noun} {'<' if strict_high else '<='} {self.high:g}"
        return f"{noun}" if self.kind is Integral else "a finite real number"


class Options(Constraint):
    """One of a set of texts (scikit-learn's ``StrOptions``)."""

    def __init__(self, options):
        self.options = frozenset(options)
        if not self.options or not all(isinstance(o, str) for o in self.options):
            raise ValueError(f"Options needs a non-empty set of texts, got {options!r}")

    def check(self, name: str, value) -> None:
        check_choice(name, value, self.options)

    def accepts_type(self, value) -> bool:
        return isinstance(value, str)

    def __str__(self) -> str:
        return f"one of {sorted(self.options)}"


class Pattern(Constraint):
    """A text matching a regular expression (``pca:\\d+``), described in words."""

    def __init__(self, regex: str, description: str):
        self.regex, self.description = re.compile(regex), description

    def check(self, name: str, value) -> None:
        if not isinstance(value, str) or not self.regex.fullmatch(value):
            raise ParameterError(name, f"{name} must be {self.description}, got {value!r}")

    def accepts_type(self, value) -> bool:
        return isinstance(value, str)

    def __str__(self) -> str:
        return self.description


class Boolean(Constraint):
    """``true`` or ``false`` (numpy booleans too; 0, 1 and the text "yes" are not booleans)."""

    def check(self, name: str, value) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise ParameterError(name, f"{name} must be true or false, got {value!r}")

    def __str__(self) -> str:
        return "true or false"


class InstanceOf(Constraint):
    """An instance of a class (a Target), described in words."""

    def __init__(self, cls: type, description: str):
        self.cls, self.description = cls, description

    def check(self, name: str, value) -> None:
        if not isinstance(value, self.cls):
            raise ParameterError(
                name, f"{name} must be {self.description}, got {type(value).__name__}"
            )

    def __str__(self) -> str:
        return self.description


class ListOf(Constraint):
    """A non-empty list or tuple whose every item meets ``item``."""

    def __init__(self, item: Constraint):
        self.item = item

    def check(self, name: str, value) -> None:
        if not isinstance(value, (list, tuple)) or not value:
            raise ParameterError(
                name, f"{name} must be a non-empty list of {self.item}, got {value!r}"
            )
        for index, entry in enumerate(value):
            self.item.check(f"{name}[{index}]", entry)

    def accepts_type(self, value) -> bool:
        return isinstance(value, (list, tuple))

    def __str__(self) -> str:
        return f"a non-empty list of {self.item}"


def describe(alternatives) -> str:
    """The allowed values of a parameter in words ("an integer >= 1 or None")."""
    return " or ".join("None" if c is None else str(c) for c in alternatives)


def _check_one(name: str, value, alternatives) -> None:
    if value is None and None in alternatives:
        return
    constraints = [c for c in alternatives if c is not None]
    if any(c.is_satisfied_by(value) for c in constraints):
        return
    applicable = [c for c in constraints if c.accepts_type(value)]
    if len(constraints) == 1 or len(applicable) == 1:
        (applicable or constraints)[0].check(name, value)  # its own message
    raise ParameterError(name, f"{name} must be {describe(alternatives)}, got {value!r}")


def validate_params(constraints: dict, params: dict) -> None:
    """Check every parameter of ``params`` that ``constraints`` declares; raise the
    :class:`~gmmlearn.core.validation.ParameterError` of the first one outside its range."""
    for name, value in params.items():
        if name in constraints:
            _check_one(name, value, constraints[name])
