"""Closed-form cost of MobileNet v2's building blocks (chapter 5).

Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks"
(CVPR 2018, https://arxiv.org/abs/1801.04381). The symbols follow the paper's
Table 1: a block takes an ``h x w x d'`` tensor (``c_in = d'``), expands it by
the factor ``t`` (``expand_ratio``) with a 1x1 convolution, filters the
``t d'`` channels with a ``k x k`` depthwise convolution of stride ``s``, and
projects them linearly to ``d''`` channels (``c_out``).

* :func:`make_divisible` -- the channel-rounding rule every MobileNet
  (v2, v3) applies to ``c * width_mult``;
* :func:`inverted_residual` -- params and MACs of the block as built, for any
  stride, kernel and input size;
* :func:`inverted_residual_paper_macs` -- the paper's closed form
  ``h w d' t (d' + k^2 + d'')`` (stride 1) and its stride-``s`` extension;
* :func:`inverted_residual_memory` -- the largest number of activation values
  held at once when the block is evaluated whole or in splits along the
  expansion channels (the paper's Section 5).
"""

from .._checks import boolean, int_pair, nonnegative_number, positive_int, positive_number
from .conv import Cost, batchnorm, conv_out_size, depthwise_conv, pointwise_conv

__all__ = [
    "make_divisible",
    "expanded_channels",
    "inverted_residual",
    "inverted_residual_paper_macs",
    "inverted_residual_memory",
]


def make_divisible(value, divisor=8, min_value=None):
    """Round a channel count ``value`` to a multiple of ``divisor``, never down by more than 10%.

    The rule of the TensorFlow reference implementation of MobileNet v2
    (``_make_divisible`` in TF-slim's ``mobilenet.py``, copied by torchvision
    and reused by MobileNet v3): round ``value`` to the *nearest* multiple of
    ``divisor`` (halves round up), but not below ``min_value`` (by default
    ``divisor``), and if that lost more than 10% of ``value``, add one more
    ``divisor``. Hardware likes channel counts that are multiples of 8; the 10%
    guard keeps a thin layer from losing too much width to the rounding.

    Examples: ``make_divisible(32 * 0.35) == 16`` (nearest is 8, which would be
    a 29% cut), ``make_divisible(24 * 0.75) == 24`` (18 rounds up to 24 because
    16 would be a 11% cut), ``make_divisible(160 * 1.4) == 224``.

    Args:
        value: the ideal channel count, e.g. ``c * width_mult`` (a number >= 0;
            0 gives ``min_value``, as in the reference code).
        divisor: the result is a multiple of this (a positive integer; 1 turns
            the rounding into plain round-half-up).
        min_value: the smallest allowed result (a positive integer), by
            default ``divisor``.
    """
    value = nonnegative_number("value", value)
    divisor = positive_int("divisor", divisor)
    min_value = divisor if min_value is None else positive_int("min_value", min_value)
    # the same float arithmetic as the reference code, so the results agree bit for bit
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:  # rounding down lost more than 10%
        rounded += divisor
    return rounded


def expanded_channels(c_in, expand_ratio):
    """The width ``t d'`` of the expansion: ``round(c_in * expand_ratio)``, as torchvision builds it."""
    c_in = positive_int("c_in", c_in)
    expand_ratio = positive_number("expand_ratio", expand_ratio)
    hidden = int(round(c_in * expand_ratio))
    if hidden < 1:
        raise ValueError(f"expand_ratio={expand_ratio!r} leaves no expansion channel for c_in={c_in}")
    return hidden


def _block_shapes(c_in, c_out, expand_ratio, kernel, stride, in_hw):
    """Checked arguments plus the expansion width and the output map of a block."""
    c_out = positive_int("c_out", c_out)
    hidden = expanded_channels(c_in, expand_ratio)
    kernel = positive_int("kernel", kernel)
    stride = positive_int("stride", stride)
    if kernel % 2 == 0:
        raise ValueError(f"kernel must be odd (3, 5, 7, ...) so that 'same' padding exists, got {kernel}")
    h, w = int_pair("in_hw", in_hw)
    pad = (kernel - 1) // 2
    out_hw = (conv_out_size(h, kernel, stride, pad), conv_out_size(w, kernel, stride, pad))
    return int(c_in), c_out, hidden, kernel, stride, (h, w), out_hw


def inverted_residual(c_in, c_out, expand_ratio, kernel, stride, in_hw, batchnorm_params=True):
    """Params and MACs of one inverted residual block, as :class:`~lightnets_edu.layers.InvertedResidual` builds it.

    expand (1x1, ``c_in -> t c_in``, only when ``t != 1``) -> depthwise ``k x k``
    with stride ``s`` -> project (1x1, ``t c_in -> c_out``), each followed by
    batch norm. The expansion runs on the ``in_hw`` map, the depthwise and the
    projection on the strided ``out_hw`` map. The residual addition, batch
    norm and the activations are not MACs.

    Args:
        c_in, c_out: d' and d'' of the paper.
        expand_ratio: t; the expansion has ``round(t * c_in)`` channels.
        kernel: k, the depthwise kernel (odd: 3 in MobileNet v2, 3 or 5 in v3).
        stride: the depthwise convolution's stride.
        in_hw: the input map ``h x w`` (an int for a square).
        batchnorm_params: count batch norm's scale and shift (the book's
            convention, and what ``profile`` reports); ``False`` gives
            convolution weights only.
    """
    c_in, c_out, hidden, kernel, stride, in_hw, out_hw = _block_shapes(c_in, c_out, expand_ratio, kernel, stride, in_hw)
    boolean("batchnorm_params", batchnorm_params)

    def bn(channels):
        return batchnorm(channels) if batchnorm_params else Cost(0, 0)

    total = Cost(0, 0)
    if expand_ratio != 1:  # t = 1: no expansion layer (MobileNet v2's first block)
        total += pointwise_conv(c_in, hidden, in_hw) + bn(hidden)
    total += depthwise_conv(hidden, kernel, out_hw) + bn(hidden)
    total += pointwise_conv(hidden, c_out, out_hw) + bn(c_out)
    return total


def inverted_residual_paper_macs(c_in, c_out, expand_ratio, kernel, stride, in_hw):
    """The paper's closed form for the MACs of a bottleneck block, extended to any stride.

    Section 3.3: "for a block of size h x w, expansion factor t and kernel
    size k with d' input channels and d'' output channels, the total number of
    multiply add required is h * w * d' * t * (d' + k^2 + d'')".

    That sum assumes stride 1: the expansion (``h w d' t d'``), the depthwise
    (``h w t d' k^2``) and the projection (``h w t d' d''``) all see the same
    ``h x w`` map. With stride ``s`` the last two run on the ``h' x w'`` output
    map, so

        MACs = t d' (h w d' + h' w' (k^2 + d'')),

    which for stride 2 on an even map is ``h w d' t (d' + (k^2 + d'') / 4)``.
    The formula always counts an expansion layer, so it equals
    :func:`inverted_residual` only when ``t != 1`` (with ``t = 1`` the block has
    no expansion and the first term is absent). ``expand_ratio`` must be an
    integer here, as in the paper.
    """
    c_in, c_out, _, kernel, stride, (h, w), (h_out, w_out) = _block_shapes(
        c_in, c_out, expand_ratio, kernel, stride, in_hw)
    t = positive_int("expand_ratio", expand_ratio)
    return t * c_in * (h * w * c_in + h_out * w_out * (kernel ** 2 + c_out))


def inverted_residual_memory(c_in, c_out, expand_ratio, kernel, stride, in_hw, splits=None):
    """Most activation values held at once while one block runs, whole or in ``splits`` pieces.

    Whole (``splits=None``, an ordinary forward pass), the block holds its
    input x (``c_in h w``, kept for the residual) and, step by step: the
    expansion E (``t c_in h w``), then E and the depthwise output D
    (``t c_in h' w'``), then D and the output y (``c_out h' w'``). The peak is
    ``x + max(E + D, D + y)``.

    In splits (Section 5 of the paper: every operation inside the block is
    per-channel except the projection, which is a sum over the expansion
    channels), the ``t c_in`` expansion channels are cut into groups of
    ``ceil(t c_in / splits)``. Each group is expanded, filtered and projected
    in turn, and its projection is *added* into y, so the block holds x, y, and
    one group's E_i and D_i: ``x + y + max_i (E_i + D_i)``. ``splits=1`` is
    this schedule with one group (y is allocated before the group runs).

    Counts values (multiply by the bytes per value: 2 for 16-bit floats).
    A block with ``t = 1`` has no expansion: its E is its input x, held anyway.
    """
    c_in, c_out, hidden, kernel, stride, (h, w), (h_out, w_out) = _block_shapes(
        c_in, c_out, expand_ratio, kernel, stride, in_hw)
    x, y = c_in * h * w, c_out * h_out * w_out
    expands = expand_ratio != 1
    if splits is None:
        e, d = (hidden * h * w if expands else 0), hidden * h_out * w_out
        return x + max(e + d, d + y)
    splits = positive_int("splits", splits)
    if splits > hidden:
        raise ValueError(f"splits={splits} is more than the {hidden} expansion channels")
    group = -(-hidden // splits)  # the largest group: ceil(hidden / splits) channels
    e = group * h * w if expands else 0  # without an expansion, E is x itself
    d = group * h_out * w_out
    return x + y + e + d
