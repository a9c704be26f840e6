"""Closed-form cost of MobileNet v3's additions (chapter 7).

Howard et al., "Searching for MobileNetV3" (ICCV 2019, https://arxiv.org/abs/1905.02244).

* :func:`se_channels` -- the squeeze width of a squeeze-and-excitation block:
  a quarter of the expansion, rounded with :func:`make_divisible`;
* :func:`squeeze_excitation` -- params and MACs of the SE block (the two
  1x1 convolutions acting as fully connected layers), with the work papers
  leave out of MACs (pooling, the two activations, the channel-wise scale)
  reported separately, in the same kinds and units as
  :func:`lightnets_edu.profile.profile`;
* :func:`efficient_last_stage` and :func:`original_last_stage` -- the two
  last stages of the paper's Figure 5, to compute what the redesign saves.
"""

from dataclasses import dataclass, field

from .._checks import int_pair, positive_int
from .conv import Cost, batchnorm, depthwise_conv, linear, pointwise_conv
from .mobilenet_v2 import make_divisible

__all__ = ["CostWithOps", "se_channels", "squeeze_excitation", "efficient_last_stage", "original_last_stage"]

OTHER_KINDS = ("norm", "activation", "pooling", "elementwise")  # as in lightnets_edu.profile


@dataclass(frozen=True)
class CostWithOps:
    """Params and MACs of a block, plus the operations that are not MACs.

    ``other_ops`` maps each of ``norm``, ``activation``, ``pooling`` and
    ``elementwise`` to a number of elementary operations, counted the way
    :func:`lightnets_edu.profile.profile` counts them (one per output element
    of an activation or an element-wise op, one per element read by a pool).
    """

    params: int
    macs: int
    other_ops: dict = field(default_factory=dict)

    @property
    def cost(self):
        """Just the params and MACs, as a :class:`Cost` (which adds up with others)."""
        return Cost(self.params, self.macs)

    @property
    def flops(self):
        """2 x MACs: a multiply and an add each."""
        return 2 * self.macs


def se_channels(channels, squeeze_ratio=4, divisor=8):
    """Squeeze width of an SE block on ``channels``: ``make_divisible(channels // squeeze_ratio, divisor)``.

    MobileNet v3 fixes the squeeze to 1/4 of the expansion layer's channels
    (Section 5 of the paper); the reference implementations round it to a
    multiple of 8, so 72 channels squeeze to 24, not 18.
    """
    channels = positive_int("channels", channels)
    squeeze_ratio = positive_int("squeeze_ratio", squeeze_ratio)
    divisor = positive_int("divisor", divisor)
    if channels < squeeze_ratio:
        raise ValueError(f"channels={channels} must be at least squeeze_ratio={squeeze_ratio}")
    return make_divisible(channels // squeeze_ratio, divisor)


def squeeze_excitation(channels, squeeze_channels, in_hw):
    """Squeeze-and-excitation on a ``channels x H x W`` map (Hu et al., Fig. 1).

    squeeze: global average pool, ``C H W`` elements read, one value per channel;
    excite:  fc1 (``C -> S``, bias) -> ReLU -> fc2 (``S -> C``, bias) -> h-sigmoid;
    scale:   every element of the map times its channel's weight.

        params = C S + S + S C + C
        macs   = C S + S C                       (the two FC layers, once per image)
        other  = pooling C H W, activation S + C, elementwise C H W

    The MACs do not grow with the map: only the pooling and the scale do.
    """
    channels = positive_int("channels", channels)
    squeeze_channels = positive_int("squeeze_channels", squeeze_channels)
    h, w = int_pair("in_hw", in_hw)
    fcs = linear(channels, squeeze_channels) + linear(squeeze_channels, channels)
    other = dict.fromkeys(OTHER_KINDS, 0)
    other.update(pooling=channels * h * w, activation=squeeze_channels + channels, elementwise=channels * h * w)
    return CostWithOps(fcs.params, fcs.macs, other)


def _conv_bn(c_in, c_out, hw):
    return pointwise_conv(c_in, c_out, hw) + batchnorm(c_out)


def efficient_last_stage(c_in, c_expand, last_channel, num_classes, in_hw):
    """MobileNet v3's last stage (Figure 5, bottom), params and MACs as built.

    1x1 conv ``c_in -> c_expand`` + BN on the ``H x W`` map, global average
    pool, then the 1x1 conv to ``last_channel`` and the classifier, both on a
    1 x 1 map (so fully connected, with bias and without BN: "NBN").
    """
    hw = int_pair("in_hw", in_hw)
    return (_conv_bn(c_in, c_expand, hw) + linear(c_expand, last_channel)
            + linear(last_channel, num_classes))


def original_last_stage(c_in, c_expand, c_project, last_channel, num_classes, in_hw, kernel=3):
    """The MobileNet v2-style last stage the paper starts from (Figure 5, top).

    A last inverted residual block (1x1 expand ``c_in -> c_expand``, ``k x k``
    depthwise, 1x1 project to ``c_project``, each with BN), the 1x1 conv to
    ``last_channel`` + BN still on the ``H x W`` map, global average pool and
    the classifier.
    """
    hw = int_pair("in_hw", in_hw)
    c_expand = positive_int("c_expand", c_expand)
    block = (_conv_bn(c_in, c_expand, hw) + depthwise_conv(c_expand, kernel, hw) + batchnorm(c_expand)
             + _conv_bn(c_expand, c_project, hw))
    return block + _conv_bn(c_project, last_channel, hw) + linear(last_channel, num_classes)
