"""MobileNet v1 (Howard et al., 2017): a stack of depthwise separable convolutions.

"MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
Applications", https://arxiv.org/abs/1704.04861
"""

from torch import nn

from .. import cost
from .._checks import positive_int, positive_number
from ..layers import ConvBNAct, DepthwiseSeparable
from . import register_model

__all__ = ["MobileNetV1", "mobilenet_v1", "mobilenet_v1_conv", "mobilenet_v1_shallow", "mobilenet_v1_cost",
           "MOBILENET_V1_LAYERS"]

# The body of Table 1, one row per depthwise separable layer ("Conv dw / s",
# then "Conv / s1" 1x1): (stride of the depthwise conv, output channels of the
# pointwise conv). The first full 3x3 conv (s2, 32 filters) and the head
# (avg pool 7x7, FC) are built separately.
MOBILENET_V1_LAYERS = [
    # stride, c_out      input size of the depthwise conv (Table 1)
    (1, 64),             # 112 x 112 x 32
    (2, 128),            # 112 x 112 x 64
    (1, 128),            # 56 x 56 x 128
    (2, 256),            # 56 x 56 x 128
    (1, 256),            # 28 x 28 x 256
    (2, 512),            # 28 x 28 x 256
    (1, 512), (1, 512), (1, 512), (1, 512), (1, 512),  # "5x" at 14 x 14 x 512
    (2, 1024),           # 14 x 14 x 512
    (1, 1024),           # 7 x 7 x 1024: printed "s2" in Table 1, an erratum;
                         # stride 1 keeps the 7 x 7 map the next rows expect
]
STEM_CHANNELS = 32
SHALLOW_REMOVED = range(6, 11)  # the "5x" rows, removed in Table 5's shallow MobileNet


def scale_channels(channels, width_mult, min_channels=8):
    """TF-slim's rule for the width multiplier alpha: ``max(int(c * alpha), 8)``."""
    return max(int(channels * width_mult), min_channels)


def mobilenet_v1_cost(width_mult=1.0, resolution=224, num_classes=1000, batchnorm=True):
    """Params and MACs of MobileNet v1 in closed form, from Table 1's rows.

    Uses the same rows and channel rounding as :class:`MobileNetV1`
    (``MOBILENET_V1_LAYERS``, ``scale_channels``), and :mod:`lightnets_edu.cost`
    for every layer, so it equals ``profile(model).params / .macs`` without
    building the model. ``batchnorm=False`` leaves out batch norm's ``2C``
    parameters per layer (the convention of the paper's Table 2; the one-decimal
    counts of Tables 4 to 7 fit both).
    """
    width_mult = positive_number("width_mult", width_mult)
    resolution = positive_int("resolution", resolution)
    num_classes = positive_int("num_classes", num_classes)

    def bn(channels):
        return cost.batchnorm(channels) if batchnorm else cost.Cost(0, 0)

    size = cost.conv_out_size(resolution, 3, stride=2, padding=1)
    c_in = scale_channels(STEM_CHANNELS, width_mult)
    total = cost.conv2d(3, c_in, 3, size) + bn(c_in)
    for stride, c_out in MOBILENET_V1_LAYERS:
        c_out = scale_channels(c_out, width_mult)
        size = cost.conv_out_size(size, 3, stride=stride, padding=1)
        total = total + cost.depthwise_conv(c_in, 3, size) + bn(c_in)
        total = total + cost.pointwise_conv(c_in, c_out, size) + bn(c_out)
        c_in = c_out
    return total + cost.linear(c_in, num_classes)


class MobileNetV1(nn.Module):
    """MobileNet v1: a 3x3 stem, 13 depthwise separable layers, average pool, FC.

    Args:
        width_mult: alpha, the width multiplier that thins every layer.
        num_classes: outputs of the final fully connected layer.
        dropout: dropout before the classifier (TF-slim keeps 0.999 of units).
        layers: rows of ``(stride, c_out)``, by default Table 1's.
        separable: ``False`` builds Table 4's "Conv MobileNet", with a full 3x3
            convolution (+ BN + ReLU) in place of every depthwise separable layer.
    """

    def __init__(self, width_mult=1.0, num_classes=1000, dropout=0.001, layers=MOBILENET_V1_LAYERS,
                 separable=True):
        super().__init__()
        width_mult = positive_number("width_mult", width_mult)
        if not isinstance(separable, bool):
            raise TypeError(f"separable must be True or False, got {separable!r}")
        if not layers:
            raise ValueError(f"layers must hold at least one (stride, c_out) row, got {layers!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        c_in = scale_channels(STEM_CHANNELS, width_mult)
        blocks = [ConvBNAct(3, c_in, 3, stride=2)]  # Conv / s2, 3x3x3x32
        for stride, c_out in layers:
            c_out = scale_channels(c_out, width_mult)
            if separable:
                blocks.append(DepthwiseSeparable(c_in, c_out, stride))
            else:
                blocks.append(ConvBNAct(c_in, c_out, 3, stride))
            c_in = c_out
        self.features = nn.Sequential(*blocks)
        self.avgpool = nn.AdaptiveAvgPool2d(1)  # "Avg Pool / s1, Pool 7x7" at 224
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(c_in, num_classes))
        self.width_mult = width_mult

    def forward(self, x):
        x = self.features(x)           # (B, 1024 alpha, H/32, W/32)
        x = self.avgpool(x).flatten(1)  # (B, 1024 alpha)
        return self.classifier(x)       # (B, num_classes)


@register_model
def mobilenet_v1(*, width_mult=1.0, num_classes=1000, dropout=0.001):
    """MobileNet v1 from "MobileNets" (https://arxiv.org/abs/1704.04861).

    The resolution multiplier rho is simply the input size: 224 rho.
    """
    return MobileNetV1(width_mult=width_mult, num_classes=num_classes, dropout=dropout)


@register_model
def mobilenet_v1_conv(*, width_mult=1.0, num_classes=1000, dropout=0.001):
    """Table 4's "Conv MobileNet": MobileNet v1 with full 3x3 convolutions, same widths."""
    return MobileNetV1(width_mult=width_mult, num_classes=num_classes, dropout=dropout, separable=False)


@register_model
def mobilenet_v1_shallow(*, width_mult=1.0, num_classes=1000, dropout=0.001):
    """Table 5's "Shallow MobileNet": the five 14 x 14 x 512 separable layers removed."""
    layers = [row for i, row in enumerate(MOBILENET_V1_LAYERS) if i not in SHALLOW_REMOVED]
    return MobileNetV1(width_mult=width_mult, num_classes=num_classes, dropout=dropout, layers=layers)
