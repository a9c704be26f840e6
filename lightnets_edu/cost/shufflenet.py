"""Closed-form cost of ShuffleNet v1/v2's building blocks (chapter 6).

* :func:`shuffle_unit` -- the ShuffleNet v1 unit (Zhang et al., 2018, Fig. 2b/c):
  1x1 group conv -> channel shuffle -> 3x3 depthwise conv -> 1x1 group conv,
  each followed by batch norm. For a stride-1 unit with ``c`` channels in and
  out and ``m`` bottleneck channels its MACs are the paper's

      hw (2 c m / g + 9 m)

  (two 1x1 group convs of ``c m / g`` weights each, and a depthwise 3x3 of
  ``9 m``, all applied at the ``h x w`` positions).
* :func:`resnet_bottleneck` -- the two units ShuffleNet v1 compares its own
  with (Sec. 3.2): ResNet's bottleneck, ``hw (2 c m + 9 m^2)``, and, with the
  3x3 convolution grouped, ResNeXt's, ``hw (2 c m + 9 m^2 / g)``.
* :func:`shuffle_source` and :func:`shuffle_target` -- the channel shuffle's
  index map and its inverse, as integer formulas.
* :func:`shuffle_v2_block` -- the ShuffleNet v2 unit (Ma et al., 2018, Fig. 3c/d),
  laid out as torchvision's ``InvertedResidual``.
* :func:`pointwise_memory_access_cost` -- ShuffleNet v2's *memory access cost*
  of a 1x1 convolution, ``hw (c1 + c2) + c1 c2`` values read and written, and
  :func:`pointwise_memory_access_cost_bound`, its minimum for a fixed number of
  multiply-accumulates. Memory access cost is **not** a multiply-accumulate
  count: ShuffleNet v2 abbreviates it "MAC", this course never does.

The channel shuffle itself is a permutation: no parameters, no MACs.
Everything here is integer arithmetic (the bound is the one float).
"""

import math

from .._checks import boolean, int_pair, nonnegative_int, positive_int
from .conv import Cost, batchnorm as _batchnorm, conv2d, conv_out_size

__all__ = ["shuffle_unit", "resnet_bottleneck", "shuffle_source", "shuffle_target", "shuffle_v2_block",
           "pointwise_memory_access_cost", "pointwise_memory_access_cost_bound"]


def _bn(channels, included):
    return _batchnorm(channels) if included else Cost(0, 0)


def _stride(stride):
    stride = positive_int("stride", stride)
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2, got {stride!r}")
    return stride


def shuffle_unit(c_in, c_out, groups, in_hw, stride=1, bottleneck=None, group_first_pointwise=True,
                 batchnorm=True):
    """Params and MACs of a ShuffleNet v1 unit on an ``in_hw`` input map.

    Args:
        c_in, c_out: the unit's input and output channels. A stride-1 unit adds
            its input back, so ``c_in == c_out``; a stride-2 unit concatenates
            the 3x3 average-pooled input, so its residual branch makes only
            ``c_out - c_in`` channels.
        groups: g, the groups of the 1x1 convolutions.
        in_hw: the input map, ``h`` or ``(h, w)``; the output map is
            ``conv_out_size(h, 3, stride, 1)``.
        stride: 1, or 2 to halve the map.
        bottleneck: m, the channels of the depthwise conv; by default
            ``c_out // 4`` (the paper: a quarter of the unit's output channels).
        group_first_pointwise: False for the first unit of stage 2, whose first
            1x1 conv is not grouped (its input has only 24 channels).
        batchnorm: include the ``2C`` parameters of the three batch norms.

    Pooling, the shortcut addition and the ReLUs are not MACs.
    """
    c_in, c_out = positive_int("c_in", c_in), positive_int("c_out", c_out)
    groups = positive_int("groups", groups)
    h, w = int_pair("in_hw", in_hw)
    stride = _stride(stride)
    boolean("group_first_pointwise", group_first_pointwise)
    boolean("batchnorm", batchnorm)
    m = c_out // 4 if bottleneck is None else positive_int("bottleneck", bottleneck)
    if m < 1:
        raise ValueError(f"c_out={c_out} is too small for the default bottleneck c_out // 4; pass bottleneck=")
    if stride == 1 and c_in != c_out:
        raise ValueError(f"a stride-1 unit adds its input back: c_in={c_in} must equal c_out={c_out}")
    if stride == 2 and c_out <= c_in:
        raise ValueError(f"a stride-2 unit concatenates its input: c_out={c_out} must exceed c_in={c_in}")
    c_res = c_out if stride == 1 else c_out - c_in  # channels the residual branch makes
    first_groups = groups if group_first_pointwise else 1
    out_hw = (conv_out_size(h, 3, stride, 1), conv_out_size(w, 3, stride, 1))

    gconv1 = conv2d(c_in, m, 1, (h, w), groups=first_groups) + _bn(m, batchnorm)   # 1x1 GConv, input map
    dwconv = conv2d(m, m, 3, out_hw, groups=m) + _bn(m, batchnorm)                 # 3x3 DWConv, stride s
    gconv2 = conv2d(m, c_res, 1, out_hw, groups=groups) + _bn(c_res, batchnorm)    # 1x1 GConv
    return gconv1 + dwconv + gconv2


def resnet_bottleneck(c, m, hw, groups=1, batchnorm=True):
    """Params and MACs of the stride-1 bottleneck units ShuffleNet v1 compares with (Sec. 3.2).

    ``c`` channels in and out on an ``hw`` map (``h`` or ``(h, w)``), ``m``
    bottleneck channels: 1x1 conv ``c -> m``, 3x3 conv ``m -> m`` (padding 1)
    with ``groups`` groups, 1x1 conv ``m -> c``, each followed by batch norm.
    ``groups=1`` is ResNet's bottleneck, ``groups=g`` ResNeXt's unit with the
    same ``c`` and ``m``. Each output value of a conv costs one MAC per weight
    of its filter, so the three convs cost ``hw c m``, ``hw 9 m (m / g)`` and
    ``hw m c`` MACs:

        ResNet:  hw (2 c m + 9 m^2)        ResNeXt:  hw (2 c m + 9 m^2 / g)

    The shortcut addition and the ReLUs are not MACs.
    """
    c, m = positive_int("c", c), positive_int("m", m)
    groups = positive_int("groups", groups)
    h, w = int_pair("hw", hw)
    boolean("batchnorm", batchnorm)
    if m % groups:
        raise ValueError(f"groups={groups} must divide the bottleneck m={m}")
    return (conv2d(c, m, 1, (h, w)) + _bn(m, batchnorm)
            + conv2d(m, m, 3, (h, w), groups=groups) + _bn(m, batchnorm)
            + conv2d(m, c, 1, (h, w)) + _bn(c, batchnorm))


def _shuffle_args(index_name, index, channels, groups):
    channels, groups = positive_int("channels", channels), positive_int("groups", groups)
    index = nonnegative_int(index_name, index)
    if channels % groups:
        raise ValueError(f"groups={groups} must divide channels={channels}")
    if index >= channels:
        raise ValueError(f"{index_name}={index} must be below channels={channels}")
    return index, channels // groups


def shuffle_source(position, channels, groups):
    """The input channel that ``channel_shuffle(x, groups)`` puts at output ``position``.

    With ``n = channels / groups`` and ``position = j g + i`` (``i = position
    mod g``, ``j = position div g``), the shuffle (reshape to ``(g, n)``,
    transpose, flatten) puts input channel ``i n + j`` there:

        shuffle_source(p) = (p mod g) n + (p div g)
    """
    groups = positive_int("groups", groups)
    position, n = _shuffle_args("position", position, channels, groups)
    return (position % groups) * n + position // groups


def shuffle_target(channel, channels, groups):
    """The output position where ``channel_shuffle(x, groups)`` puts input ``channel``: the inverse map.

    Input channel ``q = i n + j`` (``i = q div n``, ``j = q mod n``) lands at
    position ``j g + i``:

        shuffle_target(q) = (q mod n) g + (q div n)

    which is :func:`shuffle_source` with ``g`` and ``n`` swapped, so the
    inverse of the shuffle with ``g`` groups is the shuffle with ``n`` groups.
    """
    groups = positive_int("groups", groups)
    channel, n = _shuffle_args("channel", channel, channels, groups)
    return (channel % n) * groups + channel // n


def shuffle_v2_block(c_in, c_out, stride, in_hw, batchnorm=True):
    """Params and MACs of a ShuffleNet v2 unit (torchvision's ``InvertedResidual``).

    Each branch makes ``b = c_out / 2`` channels. Stride 1 (``c_in == c_out``):
    the channel split sends half the input through ``branch2`` = 1x1 (b -> b),
    3x3 depthwise, 1x1 (b -> b); the other half is passed on untouched.
    Stride 2: ``branch1`` = 3x3 depthwise (stride 2) on all ``c_in`` channels,
    1x1 (c_in -> b); ``branch2`` = 1x1 (c_in -> b), 3x3 depthwise (stride 2),
    1x1 (b -> b). Every conv is followed by batch norm.
    """
    c_in, c_out = positive_int("c_in", c_in), positive_int("c_out", c_out)
    stride = _stride(stride)
    h, w = int_pair("in_hw", in_hw)
    boolean("batchnorm", batchnorm)
    if c_out % 2:
        raise ValueError(f"c_out={c_out} must be even: the unit concatenates two branches of c_out / 2")
    if stride == 1 and c_in != c_out:
        raise ValueError(f"a stride-1 unit splits its input in two halves: c_in={c_in} must equal c_out={c_out}")
    b = c_out // 2
    out_hw = (conv_out_size(h, 3, stride, 1), conv_out_size(w, 3, stride, 1))

    def conv_bn(ci, co, kernel, hw, groups=1):
        return conv2d(ci, co, kernel, hw, groups=groups) + _bn(co, batchnorm)

    if stride == 1:
        return conv_bn(b, b, 1, (h, w)) + conv_bn(b, b, 3, out_hw, groups=b) + conv_bn(b, b, 1, out_hw)
    branch1 = conv_bn(c_in, c_in, 3, out_hw, groups=c_in) + conv_bn(c_in, b, 1, out_hw)
    branch2 = conv_bn(c_in, b, 1, (h, w)) + conv_bn(b, b, 3, out_hw, groups=b) + conv_bn(b, b, 1, out_hw)
    return branch1 + branch2


def pointwise_memory_access_cost(c1, c2, hw):
    """ShuffleNet v2's memory access cost of a 1x1 conv, in values (not bytes, not MACs).

    The layer reads its input map (``h w c1`` values) and its weights
    (``c1 c2``) and writes its output map (``h w c2``), each once:

        memory access cost = h w (c1 + c2) + c1 c2

    Multiply by the bytes per value (4 for float32) for bytes.
    """
    c1, c2 = positive_int("c1", c1), positive_int("c2", c2)
    h, w = int_pair("hw", hw)
    return h * w * (c1 + c2) + c1 * c2


def pointwise_memory_access_cost_bound(macs, hw):
    """The least memory access cost of a 1x1 conv doing ``macs`` multiply-accumulates.

    With ``B = h w c1 c2`` multiply-accumulates (the paper's "FLOPs") and
    ``hw = h w`` positions, the AM-GM inequality ``c1 + c2 >= 2 sqrt(c1 c2)``
    gives ShuffleNet v2's guideline G1:

        memory access cost >= 2 sqrt(hw B) + B / hw,

    with equality exactly when ``c1 == c2``. Returned as a float.
    """
    macs = positive_int("macs", macs)
    h, w = int_pair("hw", hw)
    positions = h * w
    return 2 * math.sqrt(positions * macs) + macs / positions
