"""Argument checks shared by the public API.

Every public function rejects bad input with a ``TypeError`` (wrong kind of
value) or a ``ValueError`` (right kind, impossible value) whose message names
the argument, the value it got and what was expected.
"""

import math
from numbers import Integral, Real


def positive_int(name, value):
    """Return ``value`` as an int, or raise if it is not an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def nonnegative_int(name, value):
    """Return ``value`` as an int, or raise if it is not an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def int_pair(name, value, *, minimum=1):
    """Return ``value`` as an ``(h, w)`` pair of ints >= ``minimum``.

    A single integer means a square: ``3`` is ``(3, 3)``.
    """
    pair = (value, value) if isinstance(value, Integral) and not isinstance(value, bool) else value
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"{name} must be an integer or a pair of integers, got {value!r}")
    check = positive_int if minimum == 1 else nonnegative_int
    h, w = (check(f"{name}[{i}]", v) for i, v in enumerate(pair))
    return h, w


def boolean(name, value):
    """Return ``value`` if it is a bool, or raise."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return value


def number(name, value, expected):
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number {expected}, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number {expected}, got {value!r}")
    return float(value)


def positive_number(name, value):
    """Return ``value`` as a float, or raise if it is not a number > 0."""
    value = number(name, value, "> 0")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def nonnegative_number(name, value):
    """Return ``value`` as a float, or raise if it is not a number >= 0."""
    value = number(name, value, ">= 0")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value
