"""MobileNet v3's blocks: h-sigmoid, h-swish, squeeze-and-excitation and its inverted residual (chapter 7).

Howard et al., "Searching for MobileNetV3" (ICCV 2019, https://arxiv.org/abs/1905.02244),
Section 5 and Figure 4. Submodule names follow torchvision's ``mobilenetv3.py``
and ``ops.misc.SqueezeExcitation`` so that torchvision checkpoints load.
"""

import torch.nn.functional as F
from torch import nn

from .._checks import boolean, positive_int
from ..cost import make_divisible
from .conv import ConvBNAct

__all__ = ["HSigmoid", "HSwish", "SqueezeExcitation", "InvertedResidualV3", "BN_EPS", "BN_MOMENTUM"]

# Batch norm as in the TF reference and torchvision: eps 1e-3 and momentum 0.01
# (TF's "decay 0.99"). eps changes the eval-mode output, so it must match.
BN_EPS, BN_MOMENTUM = 1e-3, 0.01


class HSigmoid(nn.Hardsigmoid):
    """h-sigmoid(x) = ReLU6(x + 3) / 6: a piecewise-linear stand-in for the sigmoid.

    0 below -3, 1 above 3, the line (x + 3) / 6 in between. It subclasses
    ``nn.Hardsigmoid`` so that :func:`lightnets_edu.profile.profile` counts it
    as one activation op per element, like torch's own module. The forward
    pass calls PyTorch's fused ``F.hardsigmoid``, which computes this formula
    in one kernel instead of three (add, clamp, divide); tests check that the
    two agree.
    """

    def __init__(self):
        super().__init__()

    def forward(self, x):
        return F.hardsigmoid(x)  # = F.relu6(x + 3) / 6, fused


class HSwish(nn.Hardswish):
    """h-swish(x) = x * ReLU6(x + 3) / 6: swish, x * sigmoid(x), with the sigmoid made hard.

    Equal to ``x`` above 3 and to 0 below -3, so only the band [-3, 3] needs a
    multiply. Subclasses ``nn.Hardswish`` for :func:`profile`'s counting. The
    forward pass calls PyTorch's fused ``F.hardswish``: the formula written out
    is four tensor operations (add, ReLU6, multiply, divide), each a pass over
    memory, and made our MobileNet v3 about 10 % slower than torchvision's.
    Tests check that the fused op equals the formula.
    """

    def __init__(self):
        super().__init__()

    def forward(self, x):
        return F.hardswish(x)  # = x * F.relu6(x + 3) / 6, fused


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation (Hu et al., 2018): re-weight channels by a gate computed from the whole map.

    squeeze: global average pool to one number per channel; excite: two 1x1
    convolutions (fully connected layers on a 1x1 map) ``channels ->
    squeeze_channels -> channels`` with ``activation`` between them and
    ``scale_activation`` (the gate, in [0, 1]) after; scale: multiply every
    channel of the input by its gate. MobileNet v3 uses ReLU and h-sigmoid.

    Names as in ``torchvision.ops.SqueezeExcitation``: ``avgpool``, ``fc1``,
    ``activation``, ``fc2``, ``scale_activation``.
    """

    def __init__(self, channels, squeeze_channels, activation=nn.ReLU, scale_activation=HSigmoid):
        super().__init__()
        self.channels = positive_int("channels", channels)
        self.squeeze_channels = positive_int("squeeze_channels", squeeze_channels)
        for name, value in (("activation", activation), ("scale_activation", scale_activation)):
            if not callable(value):
                raise TypeError(f"{name} must be a module class such as nn.ReLU, got {value!r}")
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.activation = activation()
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.scale_activation = scale_activation()

    def forward(self, x):
        scale = self.avgpool(x)                                   # (B, C, 1, 1): squeeze
        scale = self.fc2(self.activation(self.fc1(scale)))        # (B, C, 1, 1): excite
        return self.scale_activation(scale) * x                   # (B, C, H, W): scale

    def extra_repr(self):
        return f"channels={self.channels}, squeeze_channels={self.squeeze_channels}"


def conv_bn_act(c_in, c_out, kernel=1, stride=1, groups=1, activation=None):
    """:class:`ConvBNAct` with MobileNet v3's batch norm settings (eps 1e-3, momentum 0.01)."""
    block = ConvBNAct(c_in, c_out, kernel, stride, groups=groups, activation=activation)
    block[1].eps, block[1].momentum = BN_EPS, BN_MOMENTUM
    return block


class InvertedResidualV3(nn.Module):
    """MobileNet v3's "bneck" (Figure 4): MobileNet v2's inverted residual plus SE and a choice of activation.

    ``block`` holds, in order (as torchvision's): the 1x1 expansion (left out
    when ``exp_size == c_in``), the ``kernel x kernel`` depthwise conv with the
    stride, the squeeze-and-excitation on the expanded channels (if
    ``use_se``; squeeze to ``make_divisible(exp_size // 4, 8)``), and the
    linear 1x1 projection. The residual is added when the stride is 1 and
    ``c_in == c_out``. ``activation`` is ``"RE"`` (ReLU) or ``"HS"`` (h-swish),
    the NL column of the paper's Tables 1 and 2.
    """

    ACTIVATIONS = {"RE": nn.ReLU, "HS": HSwish}

    def __init__(self, c_in, exp_size, c_out, kernel=3, stride=1, use_se=False, activation="RE"):
        super().__init__()
        c_in, exp_size, c_out = (positive_int(n, v) for n, v in
                                 (("c_in", c_in), ("exp_size", exp_size), ("c_out", c_out)))
        kernel = positive_int("kernel", kernel)
        if kernel % 2 == 0:
            raise ValueError(f"kernel must be odd (3 or 5 in MobileNet v3), got {kernel}")
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}")
        boolean("use_se", use_se)
        if activation not in self.ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(self.ACTIVATIONS)} (the NL column), "
                             f"got {activation!r}")
        act = self.ACTIVATIONS[activation]
        layers = []
        if exp_size != c_in:
            layers.append(conv_bn_act(c_in, exp_size, 1, activation=act))                      # expand
        layers.append(conv_bn_act(exp_size, exp_size, kernel, stride, groups=exp_size, activation=act))  # depthwise
        if use_se:
            layers.append(SqueezeExcitation(exp_size, make_divisible(exp_size // 4, 8)))     # re-weight channels
        layers.append(conv_bn_act(exp_size, c_out, 1, activation=None))                       # project (linear)
        self.block = nn.Sequential(*layers)
        self.use_res_connect = stride == 1 and c_in == c_out
        self.c_in, self.exp_size, self.c_out, self.stride = c_in, exp_size, c_out, stride

    def forward(self, x):
        out = self.block(x)
        return out + x if self.use_res_connect else out
