"""Int8 quantization by formula: scales, zero points, codes and the error they make (chapter 9).

The affine map stores a real value x as an integer code q = clamp(round(x / s) + z, q_min, q_max)
and reads it back as s (q - z). These are the formulas PyTorch's observers and fake quantization
use; the tests prove each one against them.

* :func:`affine_qparams` -- the scale and zero point of a min/max observer (activations, quint8);
* :func:`symmetric_scale` -- the scale of a symmetric observer (weights, qint8, zero point 0);
* :func:`signed_range` -- the codes of a signed b-bit integer, -2^(b-1) .. 2^(b-1) - 1;
* :func:`int8_levels` -- how many codes the weights of a range can take under a scale;
* :func:`uniform_mse`, :func:`uniform_sqnr_db` and :func:`uniform_clipped_share` -- the exact
  error of quantizing values spread uniformly over [-max_abs, max_abs], clipping included.
"""

import math
from numbers import Integral

from .._checks import nonnegative_number, number, positive_number

__all__ = ["affine_qparams", "symmetric_scale", "signed_range", "int8_levels", "uniform_mse", "uniform_sqnr_db",
           "uniform_clipped_share"]

QINT8_MIN, QINT8_MAX = -128, 127


def _code_range(q_min, q_max, *, holds_zero=False):
    """``(q_min, q_max)`` as ints, or raise: two integers with q_min < q_max (and q_min <= 0 <= q_max)."""
    for name, value in (("q_min", q_min), ("q_max", q_max)):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise TypeError(f"{name} must be an integer code, got {value!r} ({type(value).__name__})")
    if q_min >= q_max:
        raise ValueError(f"q_min must be < q_max (at least two codes), got q_min={q_min!r}, q_max={q_max!r}")
    if holds_zero and not q_min <= 0 <= q_max:
        raise ValueError(f"the codes q_min..q_max must include 0, the zero point of a symmetric quantizer; "
                         f"got q_min={q_min!r}, q_max={q_max!r}")
    return int(q_min), int(q_max)


def affine_qparams(x_min, x_max, q_min=0, q_max=255):
    """``(scale, zero_point)`` that PyTorch's min/max observer picks for values seen in [x_min, x_max].

    The range is first widened to hold 0, so that 0.0 (zero padding, a ReLU's output) is stored
    exactly: s = (x_max - x_min) / (q_max - q_min), z = q_min - round(x_min / s), clamped to
    [q_min, q_max]. Python's ``round`` sends halves to even, as ``torch.round`` does. PyTorch also
    raises a scale below float32's eps to eps; here a range that gives no scale (both ends 0) is an
    error instead.
    """
    lo = number("x_min", x_min, "(the smallest value seen)")
    hi = number("x_max", x_max, "(the largest value seen)")
    if lo > hi:
        raise ValueError(f"x_min must be <= x_max, got x_min={x_min!r}, x_max={x_max!r}")
    q_min, q_max = _code_range(q_min, q_max)
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        raise ValueError(f"the range [{x_min!r}, {x_max!r}] is a single value, 0, and gives no scale: "
                         "x_min < 0 or x_max > 0 is needed")
    scale = (hi - lo) / (q_max - q_min)
    zero_point = q_min - round(lo / scale)
    return scale, min(q_max, max(q_min, zero_point))


def symmetric_scale(max_abs, q_min=QINT8_MIN, q_max=QINT8_MAX):
    """The scale of PyTorch's symmetric weight observer (per tensor or per channel): max|w| / 127.5 in int8.

    The codes' half width, (q_max - q_min) / 2, is spread over [0, max_abs]. ``max_abs`` must be
    > 0: PyTorch gives an all-zero channel the scale eps (float32's) instead, which this formula omits.
    """
    max_abs = positive_number("max_abs", max_abs)
    q_min, q_max = _code_range(q_min, q_max)
    return max_abs / ((q_max - q_min) / 2)


def signed_range(bits):
    """The codes of a signed ``bits``-bit integer: ``(-2**(bits-1), 2**(bits-1) - 1)``, bits from 2 to 16."""
    if isinstance(bits, bool) or not isinstance(bits, Integral):
        raise TypeError(f"bits must be an integer from 2 to 16, got {bits!r} ({type(bits).__name__})")
    if not 2 <= bits <= 16:
        raise ValueError(f"bits must be an integer from 2 to 16, got {bits!r}")
    return -2 ** (bits - 1), 2 ** (bits - 1) - 1


def _symmetric_args(max_abs, scale, q_min, q_max):
    max_abs = nonnegative_number("max_abs", max_abs)
    scale = positive_number("scale", scale)
    return (max_abs, scale) + _code_range(q_min, q_max, holds_zero=True)


def int8_levels(max_abs, scale, q_min=QINT8_MIN, q_max=QINT8_MAX):
    """How many distinct codes weights in [-max_abs, max_abs] can take with ``scale`` (zero point 0).

    The codes run from -round(max_abs / s) to round(max_abs / s), cut to [q_min, q_max].
    """
    max_abs, scale, q_min, q_max = _symmetric_args(max_abs, scale, q_min, q_max)
    reach = round(min(max_abs / scale, q_max - q_min + 1))  # min(): no code lies further; keeps round() finite
    return min(q_max, reach) - max(q_min, -reach) + 1


def _squared_error(code, a, b, scale):
    """The integral of (x - code * scale)^2 over [a, b]."""
    c = code * scale
    return ((b - c) ** 3 - (a - c) ** 3) / 3


def uniform_mse(max_abs, scale, q_min=QINT8_MIN, q_max=QINT8_MAX):
    """Exact mean squared error of quantizing values uniform over [-max_abs, max_abs] (zero point 0).

    Code k stands for the values that round to it, the cell [(k - 1/2) s, (k + 1/2) s]; the end
    codes also take every value beyond (clipping). Every cell strictly between the first and the
    last code reached lies inside the range and contributes s^3 / 12 to the integral; the two end
    cells are integrated exactly. No s^2 / 12 approximation: it fails for coarse or clipped codes.
    """
    max_abs, scale, q_min, q_max = _symmetric_args(max_abs, scale, q_min, q_max)
    if max_abs == 0:
        return 0.0  # every value is 0.0, stored exactly
    # the codes of -max_abs and +max_abs (the end codes' cells reach to infinity: clipping);
    # comparing before floor() keeps it finite for tiny scales
    low, high = -max_abs / scale + 0.5, max_abs / scale - 0.5
    first = q_min if low <= q_min else min(q_max, math.floor(low))
    last = q_max if high >= q_max else max(q_min, math.ceil(high))
    if first == last:  # one code c s for every value: the mean of (x - c s)^2 is max_abs^2 / 3 + (c s)^2
        return max_abs ** 2 / 3 + (first * scale) ** 2
    total = (_squared_error(first, -max_abs, (first + 0.5) * scale, scale)
             + _squared_error(last, (last - 0.5) * scale, max_abs, scale)
             + (last - first - 1) * scale ** 3 / 12)
    return total / (2 * max_abs)


def uniform_sqnr_db(max_abs, scale, q_min=QINT8_MIN, q_max=QINT8_MAX):
    """Signal-to-quantization-noise ratio in dB of :func:`uniform_mse`: 10 log10((max_abs^2 / 3) / mse).

    max_abs^2 / 3 is the mean square of values uniform over [-max_abs, max_abs]; 0 dB means every
    value was rounded to zero, and each extra bit adds about 6 dB while nothing is clipped.
    """
    if nonnegative_number("max_abs", max_abs) == 0:
        raise ValueError("max_abs must be > 0 for a signal-to-noise ratio (values all 0 have no signal), got "
                         f"{max_abs!r}")
    return 10 * math.log10((max_abs ** 2 / 3) / uniform_mse(max_abs, scale, q_min, q_max))


def uniform_clipped_share(max_abs, scale, q_min=QINT8_MIN, q_max=QINT8_MAX):
    """The fraction of values uniform over [-max_abs, max_abs] that are clipped (zero point 0).

    A value is clipped when no code is within half a step of it: above (q_max + 1/2) s or below
    (q_min - 1/2) s. Its error then grows with its distance from the range instead of staying
    under s / 2.
    """
    max_abs, scale, q_min, q_max = _symmetric_args(max_abs, scale, q_min, q_max)
    if max_abs == 0:
        return 0.0
    above = max(0.0, max_abs - (q_max + 0.5) * scale)
    below = max(0.0, max_abs - (0.5 - q_min) * scale)
    return (above + below) / (2 * max_abs)
