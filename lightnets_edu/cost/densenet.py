"""Closed-form cost of DenseNet's building blocks (chapter 4).

Huang et al., "Densely Connected Convolutional Networks" (CVPR 2017),
https://arxiv.org/abs/1608.06993. Symbols from the paper:

* ``growth_rate`` is k, the feature maps each layer adds;
* ``c0`` is k0, the channels entering a dense block; layer l (from 1) sees
  ``k0 + (l - 1) k`` channels, and the block leaves ``k0 + n k`` after its
  ``n = num_layers`` layers (the book writes n for layers per block, and keeps
  the paper's L for the depth of the whole network);
* ``bn_size`` is the bottleneck factor: DenseNet-B puts a 1x1 convolution to
  ``bn_size * k`` channels (4k in the paper) before each 3x3; ``bn_size=None``
  is the basic layer, BN-ReLU-3x3 conv straight from the concatenation;
* ``compression`` is theta: a transition keeps ``floor(theta m)`` of its ``m``
  input channels (DenseNet-C: theta < 1; the paper uses 0.5).

Batch norm's scale and shift are counted in ``params`` (the book's convention);
the concatenation, ReLU and pooling cost no parameters and no MACs.
"""

import math
from fractions import Fraction
from numbers import Integral
from typing import NamedTuple

from .._checks import int_pair, number, positive_int
from .conv import Cost, batchnorm, conv2d

__all__ = ["BlockCost", "dense_layer", "dense_block", "dense_block_closed_form", "transition", "compressed_channels"]


class BlockCost(NamedTuple):
    """The cost of a block that changes the width, and the width it leaves.

    Unpacks as ``cost, c_out = dense_block(...)``; ``.params`` and ``.macs``
    read through to ``cost``.
    """

    cost: Cost
    c_out: int

    @property
    def params(self):
        return self.cost.params

    @property
    def macs(self):
        return self.cost.macs

    @property
    def flops(self):
        return self.cost.flops


def check_bn_size(bn_size):
    """``None`` (no bottleneck) or a positive integer, else a clear error."""
    if bn_size is None:
        return None
    if isinstance(bn_size, bool) or not isinstance(bn_size, Integral):
        raise TypeError(f"bn_size must be a positive integer (the bottleneck is bn_size * growth_rate channels) "
                        f"or None (no bottleneck), got {bn_size!r} ({type(bn_size).__name__})")
    return positive_int("bn_size", bn_size)


def check_compression(compression):
    """theta as a float in (0, 1], else a clear error."""
    compression = number("compression", compression, "in (0, 1]")
    if not 0 < compression <= 1:
        raise ValueError(f"compression (theta) must be in (0, 1], got {compression!r}")
    return compression


def compressed_channels(c_in, compression):
    """``floor(theta * c_in)``: the channels a transition keeps (Section 3, "Compression").

    theta is read as the decimal it is written as (0.29 is 29/100, not the
    float just below it), so ``floor`` never loses a channel to rounding.
    Raises ``ValueError`` when fewer than one channel would be left.
    """
    c_in = positive_int("c_in", c_in)
    theta = Fraction(repr(check_compression(compression)))
    c_out = math.floor(theta * c_in)
    if c_out < 1:
        raise ValueError(f"compression={compression!r} leaves floor({compression!r} * {c_in}) = 0 channels "
                         f"of c_in={c_in}; expected at least 1")
    return c_out


def dense_layer(c_in, growth_rate, out_hw, bn_size=4):
    """One dense layer H_l on ``c_in`` concatenated channels, adding ``growth_rate`` maps.

    With the bottleneck (DenseNet-B, ``bn_size`` = 4 in the paper):
    BN(c_in) - ReLU - 1x1 conv to ``bn_size * k`` - BN - ReLU - 3x3 conv to k::

        params = 2 c_in + c_in (bn_size k) + 2 (bn_size k) + 9 (bn_size k) k
        macs   = (c_in (bn_size k) + 9 (bn_size k) k) H W

    Without (``bn_size=None``): BN(c_in) - ReLU - 3x3 conv to k::

        params = 2 c_in + 9 c_in k,   macs = 9 c_in k H W
    """
    c_in = positive_int("c_in", c_in)
    growth_rate = positive_int("growth_rate", growth_rate)
    bn_size = check_bn_size(bn_size)
    if bn_size is None:
        return batchnorm(c_in) + conv2d(c_in, growth_rate, 3, out_hw)
    width = bn_size * growth_rate  # the bottleneck's width, 4k
    return (batchnorm(c_in) + conv2d(c_in, width, 1, out_hw)
            + batchnorm(width) + conv2d(width, growth_rate, 3, out_hw))


def dense_block(c0, growth_rate, num_layers, out_hw, bn_size=4):
    """A dense block of ``num_layers`` layers on a ``c0``-channel input.

    Layer ``i`` (0-based) sees ``c0 + i k`` channels, so the cost is the sum of
    :func:`dense_layer` over those widths, quadratic in ``num_layers``. Returns
    ``BlockCost(cost, c_out)`` with ``c_out = c0 + num_layers * k``.
    """
    c0 = positive_int("c0", c0)
    growth_rate = positive_int("growth_rate", growth_rate)
    num_layers = positive_int("num_layers", num_layers)
    int_pair("out_hw", out_hw)
    total = sum(dense_layer(c0 + i * growth_rate, growth_rate, out_hw, bn_size) for i in range(num_layers))
    return BlockCost(total, c0 + num_layers * growth_rate)


def dense_block_closed_form(c0, growth_rate, num_layers, out_hw, bn_size=4):
    """:func:`dense_block`'s cost from the closed form, without summing layer by layer.

    With ``n = num_layers``, the widths the layers read add up to the
    arithmetic series ``S = n k0 + k n (n - 1) / 2``. Every term of a layer's
    cost that depends on its width c is linear in c, so summing over the block
    replaces c by S and every constant term by n times itself. With
    ``b = bn_size`` (bottleneck width ``b k``; the paper's 4k) and ``HW`` the
    map::

        params = (b k + 2) S + n (2 b k + 9 b k^2)      macs = (b k S + 9 n b k^2) H W

    (for b = 4: ``(4k + 2) S + n (8k + 36 k^2)`` and ``(4k S + 36 n k^2) H W``),
    and without the bottleneck (``bn_size=None``)::

        params = (9 k + 2) S                            macs = 9 k S H W

    Both are quadratic in n. Returns ``BlockCost(cost, c_out)`` like
    :func:`dense_block`, which it always equals (the tests check both against
    ``profile`` of a real :class:`~lightnets_edu.layers.DenseBlock`).
    """
    c0 = positive_int("c0", c0)
    k = positive_int("growth_rate", growth_rate)
    n = positive_int("num_layers", num_layers)
    h, w = int_pair("out_hw", out_hw)
    bn_size = check_bn_size(bn_size)
    widths = n * c0 + k * n * (n - 1) // 2  # S, the sum of the widths the n layers read
    if bn_size is None:
        params, macs = (9 * k + 2) * widths, 9 * k * widths * h * w
    else:
        b = bn_size * k  # the bottleneck's width
        params = (b + 2) * widths + n * (2 * b + 9 * b * k)
        macs = (b * widths + 9 * n * b * k) * h * w
    return BlockCost(Cost(params, macs), c0 + n * k)


def transition(c_in, compression, out_hw):
    """A transition layer: BN - ReLU - 1x1 conv to ``floor(theta c_in)`` - 2x2 average pool.

    ``out_hw`` is the map the 1x1 convolution runs on, which is the size of
    the dense block before it; the average pool then halves it (and costs no
    MACs). Returns ``BlockCost(cost, c_out)``.
    """
    c_out = compressed_channels(c_in, compression)
    return BlockCost(batchnorm(c_in) + conv2d(c_in, c_out, 1, out_hw), c_out)

