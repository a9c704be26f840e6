"""Closed-form cost of SqueezeNet's building blocks (chapter 3).

Iandola et al., "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters
and <0.5MB model size", https://arxiv.org/abs/1602.07360

A Fire module squeezes its ``c_in`` input channels to ``s1x1`` with 1x1
filters, then expands them again with ``e1x1`` 1x1 filters and ``e3x3`` 3x3
filters side by side, and concatenates the two: ``e1x1 + e3x3`` outputs. Every
convolution has a bias (the paper's Caffe model and torchvision's both do).

Section 5 of the paper describes a whole family of SqueezeNets with five
metaparameters; :func:`fire_channels` turns them into the ``(s1x1, e1x1,
e3x3)`` of every Fire module. Nothing here imports torch.
"""

import math
from fractions import Fraction

from .._checks import boolean, int_pair, nonnegative_int, number, positive_int
from .conv import batchnorm as batchnorm_cost
from .conv import conv2d

__all__ = ["fire", "fire_channels", "model_size_bytes", "ceil_pool_out_size", "MIB"]

MIB = 2 ** 20  # bytes in a mebibyte: the MB of the paper's "4.8MB" (1,248,424 x 4 bytes / 2**20 = 4.76);
# the paper never defines its MB, and its "19MB" model (Sec. 5.2) fits 10**6-byte MB instead


def fire(c_in, s1x1, e1x1, e3x3, out_hw, batchnorm=False):
    """A Fire module: squeeze 1x1 (``s1x1``), then expand 1x1 (``e1x1``) and 3x3 (``e3x3``).

    With biases, and ``H x W = out_hw`` the map size (a Fire module keeps it):

        params = (c_in s1x1 + s1x1) + (s1x1 e1x1 + e1x1) + (9 s1x1 e3x3 + e3x3)
        macs   = (c_in s1x1 + s1x1 e1x1 + 9 s1x1 e3x3) H W

    The squeeze layer is what makes the 3x3 term cheap: its filters see
    ``s1x1`` channels instead of ``c_in`` (the paper's strategy 2).

    ``batchnorm=True`` counts the modern variant of ``layers.Fire(...,
    batchnorm=True)`` (not in the paper): each bias of ``c`` channels becomes a
    batch norm with ``2 c`` parameters (scale and shift), and no MACs.
    """
    c_in, s1x1 = positive_int("c_in", c_in), positive_int("s1x1", s1x1)
    e1x1, e3x3 = positive_int("e1x1", e1x1), positive_int("e3x3", e3x3)
    out_hw = int_pair("out_hw", out_hw)
    batchnorm = boolean("batchnorm", batchnorm)
    return (_conv_cost(c_in, s1x1, 1, out_hw, batchnorm)                  # squeeze
            + _conv_cost(s1x1, e1x1, 1, out_hw, batchnorm)                # expand 1x1
            + _conv_cost(s1x1, e3x3, 3, out_hw, batchnorm))               # expand 3x3, padding 1 keeps H x W


def ceil_pool_out_size(size, kernel=3, stride=2):
    """Output length of a max pool that rounds up (Caffe's rule; PyTorch's ``ceil_mode=True``).

        out = ceil((size - kernel) / stride) + 1

    less one when that last window would start past the map (PyTorch's rule,
    which never bites for SqueezeNet's 3x3 / stride 2 pools). Those pools give
    111 -> 55 -> 27 -> 13 and 113 -> 56 -> 28 -> 14: where ``size - 3`` is odd
    they round up (56 -> 28 and 28 -> 14, where floor mode would give 27 and
    13). A last window may overhang the map (2 -> 1 for a 3x3 window). Returns at least 0; the caller decides whether 0 is too small.
    """
    size = positive_int("size", size)
    kernel = positive_int("kernel", kernel)
    stride = positive_int("stride", stride)
    out = -(-(size - kernel) // stride) + 1
    if out > 1 and (out - 1) * stride >= size:  # the last window must start inside the map
        out -= 1
    return max(0, out)


def _conv_cost(c_in, c_out, kernel, out_hw, batchnorm):
    """A convolution with a bias (the paper's layers), or without one and followed by batch norm."""
    if batchnorm:
        return conv2d(c_in, c_out, kernel, out_hw, bias=False) + batchnorm_cost(c_out)
    return conv2d(c_in, c_out, kernel, out_hw, bias=True)


def _round_half_up(x):
    """Nearest integer, halves up (Python's round() sends 2.5 to 2: banker's rounding)."""
    return math.floor(x + Fraction(1, 2))


def fire_channels(base_e=128, incr_e=128, freq=2, pct3x3=0.5, squeeze_ratio=0.125, num_fire=8):
    """``(s1x1, e1x1, e3x3)`` of each Fire module from the paper's Section 5 metaparameters.

    For Fire module ``i = 0, 1, ..., num_fire - 1`` (fire2 ... fire9):

        e_i  = base_e + incr_e * floor(i / freq)     expand filters
        e3x3 = pct3x3 * e_i,   e1x1 = e_i - e3x3     split between 3x3 and 1x1
        s1x1 = SR * e_i                              squeeze filters (SR = squeeze_ratio)

    The defaults are SqueezeNet 1.0's. Where ``pct3x3 * e_i`` or ``SR * e_i``
    is not a whole number it is rounded to the nearest integer, halves up
    (``SR = 0.3`` of 128 gives 38). A setting that leaves a Fire module with
    no squeeze filter, no 1x1 or no 3x3 expand filter raises ``ValueError``:
    every layer of a Fire module needs at least one filter.

    Args:
        base_e: expand filters of the first Fire module.
        incr_e: expand filters added every ``freq`` modules.
        freq: how many Fire modules share one width.
        pct3x3: share of the expand filters that are 3x3, in [0, 1].
        squeeze_ratio: SR, squeeze filters per expand filter, in (0, 1].
        num_fire: number of Fire modules (8 in SqueezeNet).
    """
    base_e = positive_int("base_e", base_e)
    incr_e = nonnegative_int("incr_e", incr_e)
    freq = positive_int("freq", freq)
    num_fire = positive_int("num_fire", num_fire)
    pct3x3 = _fraction_in("pct3x3", pct3x3, "in [0, 1]", lambda p: 0 <= p <= 1)
    squeeze_ratio = _fraction_in("squeeze_ratio", squeeze_ratio, "in (0, 1]", lambda r: 0 < r <= 1)
    rows = []
    for i in range(num_fire):
        e_i = base_e + incr_e * (i // freq)
        e3x3 = _round_half_up(pct3x3 * e_i)
        e1x1 = e_i - e3x3
        s1x1 = _round_half_up(squeeze_ratio * e_i)
        for name, value, knob in (("s1x1", s1x1, f"squeeze_ratio={float(squeeze_ratio)!r}"),
                                  ("e3x3", e3x3, f"pct3x3={float(pct3x3)!r}"),
                                  ("e1x1", e1x1, f"pct3x3={float(pct3x3)!r}")):
            if value < 1:
                raise ValueError(
                    f"{knob} gives {name}={value} filters in Fire module {i} (e_i={e_i}); every "
                    "squeeze and expand layer needs at least one filter"
                )
        rows.append((s1x1, e1x1, e3x3))
    return rows


def _fraction_in(name, value, expected, ok):
    """``value`` as an exact Fraction (0.125 stays 1/8), or raise if ``ok`` rejects it."""
    value = number(name, value, expected)
    exact = Fraction(value)
    if not ok(exact):
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return exact


def model_size_bytes(params, bits=32):
    """Bytes to store ``params`` numbers of ``bits`` bits each, densely (no index, no codebook).

    ``model_size_bytes(1_248_424) / MIB`` is SqueezeNet 1.0 at 32 bits: 4.76,
    the paper's "4.8 MB".
    """
    params = nonnegative_int("params", params)
    bits = positive_int("bits", bits)
    return params * bits / 8
