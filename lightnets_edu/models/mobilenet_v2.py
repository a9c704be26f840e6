"""MobileNet v2 (Sandler et al., 2018): inverted residuals and linear bottlenecks.

"MobileNetV2: Inverted Residuals and Linear Bottlenecks",
https://arxiv.org/abs/1801.04381

Module names follow torchvision's ``mobilenetv2.py`` (``features``,
``classifier``, each block's ``conv``), so ``torchvision.models.mobilenet_v2()``'s
``state_dict`` loads into :func:`mobilenet_v2` with ``strict=True``.
:class:`MobileNetV2Ablation` holds the small variants of the paper's Fig. 6.
"""

from torch import nn

from .. import cost
from .._checks import positive_int, positive_number
from ..layers import ConvBNAct, InvertedResidual
from . import register_model

__all__ = ["MobileNetV2", "MobileNetV2Ablation", "mobilenet_v2", "mobilenet_v2_cost", "mobilenet_v2_peak_memory",
           "with_expand_ratio", "MOBILENET_V2_SETTING", "SHORTCUTS"]

# Table 2 of the paper, one row per sequence of identical bottleneck blocks:
# t expansion factor, c output channels, n repeats, s stride of the first repeat.
# The 3x3 stem (32 channels, stride 2) and the head (1x1 conv to 1280, average
# pool, classifier) are built separately.
MOBILENET_V2_SETTING = [
    # t, c, n, s     input of the first block (Table 2)
    [1, 16, 1, 1],   # 112 x 112 x 32
    [6, 24, 2, 2],   # 112 x 112 x 16
    [6, 32, 3, 2],   # 56 x 56 x 24
    [6, 64, 4, 2],   # 28 x 28 x 32
    [6, 96, 3, 1],   # 14 x 14 x 64
    [6, 160, 3, 2],  # 14 x 14 x 96
    [6, 320, 1, 1],  # 7 x 7 x 160
]
STEM_CHANNELS = 32
LAST_CHANNELS = 1280  # the 1x1 conv before pooling; never thinned (Section 4 of the paper)
SHORTCUTS = ("bottleneck", "expansion", "none")


def _check_setting(setting):
    if not isinstance(setting, (list, tuple)) or not setting:
        raise ValueError(f"setting must be a non-empty list of [t, c, n, s] rows, got {setting!r}")
    for row in setting:
        if not isinstance(row, (list, tuple)) or len(row) != 4:
            raise ValueError(f"each row of setting must be [t, c, n, s], got {row!r}")
        positive_number("t", row[0])
        for name, value in zip("cns", row[1:]):
            positive_int(name, value)
    return [list(row) for row in setting]


def _widths(width_mult, round_nearest, stem_channels, last_channel):
    """Stem and head widths under the width multiplier, rounded as in the reference code."""
    stem = cost.make_divisible(stem_channels * width_mult, round_nearest)
    last = cost.make_divisible(last_channel * max(1.0, width_mult), round_nearest)  # thinned never, widened yes
    return stem, last


def _blocks(setting, width_mult, round_nearest, c_in):
    """(c_in, c_out, stride, t) of every bottleneck block: Table 2's rows unrolled."""
    for t, c, n, s in setting:
        c_out = cost.make_divisible(c * width_mult, round_nearest)
        for i in range(n):
            yield c_in, c_out, s if i == 0 else 1, t
            c_in = c_out


def mobilenet_v2_cost(width_mult=1.0, resolution=224, num_classes=1000, round_nearest=8, batchnorm=True,
                      setting=MOBILENET_V2_SETTING):
    """Params and MACs of MobileNet v2 in closed form, from Table 2's rows.

    Walks the same rows and channel rounding as :class:`MobileNetV2` with
    :mod:`lightnets_edu.cost`, so it equals ``profile(model)`` without building
    the model. ``batchnorm=False`` leaves out batch norm's ``2C`` parameters.
    """
    width_mult = positive_number("width_mult", width_mult)
    resolution = positive_int("resolution", resolution)
    num_classes = positive_int("num_classes", num_classes)
    round_nearest = positive_int("round_nearest", round_nearest)
    setting = _check_setting(setting)

    def bn(channels):
        return cost.batchnorm(channels) if batchnorm else cost.Cost(0, 0)

    stem, last = _widths(width_mult, round_nearest, STEM_CHANNELS, LAST_CHANNELS)
    size = cost.conv_out_size(resolution, 3, stride=2, padding=1)
    total = cost.conv2d(3, stem, 3, size) + bn(stem)
    c_in = stem
    for c_in, c_out, stride, t in _blocks(setting, width_mult, round_nearest, stem):
        total += cost.inverted_residual(c_in, c_out, t, 3, stride, size, batchnorm_params=batchnorm)
        size = cost.conv_out_size(size, 3, stride=stride, padding=1)
        c_in = c_out
    total += cost.pointwise_conv(c_in, last, size) + bn(last)
    return total + cost.linear(last, num_classes)


def with_expand_ratio(expand_ratio, setting=MOBILENET_V2_SETTING):
    """Table 2 with every expansion factor t = 6 replaced by ``expand_ratio`` (t = 1 rows stay)."""
    expand_ratio = positive_number("expand_ratio", expand_ratio)
    return [[t if t == 1 else expand_ratio, c, n, s] for t, c, n, s in _check_setting(setting)]


def mobilenet_v2_peak_memory(width_mult=1.0, resolution=224, round_nearest=8, setting=MOBILENET_V2_SETTING,
                             split=False, num_classes=1000):
    """The most activation values MobileNet v2 holds at once for one image, in closed form.

    Every layer outside the blocks (stem, last 1x1 conv, pooling, classifier)
    holds its input and its output; every block holds what
    :func:`lightnets_edu.cost.inverted_residual_memory` says: the whole block
    (``split=False``), or the block evaluated in t splits along its expansion
    channels (``split=True``; blocks with t = 1 have no expansion to split).
    Multiply by 2 for bytes at 16 bits per value.
    """
    width_mult = positive_number("width_mult", width_mult)
    resolution = positive_int("resolution", resolution)
    round_nearest = positive_int("round_nearest", round_nearest)
    setting = _check_setting(setting)
    stem, last = _widths(width_mult, round_nearest, STEM_CHANNELS, LAST_CHANNELS)
    size = cost.conv_out_size(resolution, 3, stride=2, padding=1)
    peaks = [3 * resolution ** 2 + stem * size ** 2]  # the stem: image in, 32 channels out
    c_in = stem
    for c_in, c_out, stride, t in _blocks(setting, width_mult, round_nearest, stem):
        splits = max(1, int(t)) if split and t != 1 else None
        peaks.append(cost.inverted_residual_memory(c_in, c_out, t, 3, stride, size, splits=splits))
        size = cost.conv_out_size(size, 3, stride=stride, padding=1)
        c_in = c_out
    peaks.append((c_in + last) * size ** 2)      # the last 1x1 conv
    peaks.append(last * size ** 2 + last)        # average pooling
    peaks.append(last + num_classes)             # the classifier
    return max(peaks)


class MobileNetV2(nn.Module):
    """MobileNet v2: a 3x3 stem, 17 inverted residual blocks, a 1x1 conv to 1280, average pool, classifier.

    Args:
        width_mult: the width multiplier; every width ``c`` becomes
            ``make_divisible(c * width_mult, round_nearest)``, except the last
            1280-channel layer, which is only ever widened.
        num_classes: outputs of the classifier.
        round_nearest: channel counts are multiples of this (1: no rounding).
        dropout: dropout before the classifier.
        setting: rows ``[t, c, n, s]`` (Table 2 by default).
        stem_channels, last_channel: widths of the stem and of the last 1x1 conv.
        stem_stride: stride of the stem (2; 1 keeps small images large).
        project_activation, residual: passed to every :class:`InvertedResidual`
            (the ablations of Fig. 6; the defaults are the paper's network).
    """

    def __init__(self, width_mult=1.0, num_classes=1000, round_nearest=8, dropout=0.2,
                 setting=MOBILENET_V2_SETTING, stem_channels=STEM_CHANNELS, last_channel=LAST_CHANNELS,
                 stem_stride=2, project_activation=None, residual=True):
        super().__init__()
        width_mult = positive_number("width_mult", width_mult)
        num_classes = positive_int("num_classes", num_classes)
        round_nearest = positive_int("round_nearest", round_nearest)
        setting = _check_setting(setting)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
        stem, last = _widths(width_mult, round_nearest, positive_int("stem_channels", stem_channels),
                             positive_int("last_channel", last_channel))
        features = [ConvBNAct(3, stem, 3, stride=stem_stride, activation=nn.ReLU6)]  # conv2d 3x3, s2
        c_in = stem
        for c_in, c_out, stride, t in _blocks(setting, width_mult, round_nearest, stem):
            features.append(InvertedResidual(c_in, c_out, stride, t, project_activation=project_activation,
                                             residual=residual))
            c_in = c_out
        features.append(ConvBNAct(c_in, last, 1, activation=nn.ReLU6))  # conv2d 1x1 to 1280
        self.features = nn.Sequential(*features)
        self.avgpool = nn.AdaptiveAvgPool2d(1)  # "avgpool 7x7" at 224
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(last, num_classes))
        self.last_channel = last
        _init_like_torchvision(self)

    def forward(self, x):
        x = self.features(x)            # (B, 1280, H/32, W/32)
        x = self.avgpool(x).flatten(1)  # (B, 1280)
        return self.classifier(x)       # (B, num_classes)


def _init_like_torchvision(model):
    """torchvision's initialisation: Kaiming (fan out) convs, unit BN, small classifier."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)


class MobileNetV2Ablation(MobileNetV2):
    """MobileNet v2 with the design choices of the paper's Fig. 6 as switches, for small experiments.

    Args:
        projection: ``"linear"`` (the paper) or ``"relu6"``: a ReLU6 after every
            block's projection (Fig. 6a).
        shortcut: where the residual connections go (Fig. 6b):
            ``"bottleneck"`` between the thin block outputs (the paper),
            ``"expansion"`` between the wide expansion tensors of consecutive
            blocks (the classical residual layout: the addition happens on the
            wide tensors, the thin ones are inside the residual branch), or
            ``"none"``. A shortcut is added only where the shapes match.
        **kwargs: the other arguments of :class:`MobileNetV2` (width_mult,
            num_classes, setting, stem_channels, last_channel, stem_stride, ...).
    """

    def __init__(self, projection="linear", shortcut="bottleneck", **kwargs):
        if projection not in ("linear", "relu6"):
            raise ValueError(f"projection must be 'linear' or 'relu6', got {projection!r}")
        if shortcut not in SHORTCUTS:
            raise ValueError(f"shortcut must be one of {SHORTCUTS}, got {shortcut!r}")
        super().__init__(project_activation=nn.ReLU6 if projection == "relu6" else None,
                         residual=shortcut == "bottleneck", **kwargs)
        blocks = self.features[1:-1]
        if shortcut == "expansion" and not all(block.expands for block in blocks):
            raise ValueError("shortcut='expansion' needs an expansion layer (t != 1) in every block")
        self.projection, self.shortcut = projection, shortcut

    def forward(self, x):
        if self.shortcut != "expansion":
            return super().forward(x)
        x = self.features[0](x)
        previous = None  # the last block's expansion output
        for block in self.features[1:-1]:
            expanded = block.conv[0](x)  # (B, t c, h, w)
            if previous is not None and previous.shape == expanded.shape:
                expanded = expanded + previous  # the shortcut joins the wide tensors
            previous = expanded
            x = block.conv[1:](expanded)  # depthwise, projection
        x = self.features[-1](x)
        return self.classifier(self.avgpool(x).flatten(1))


@register_model
def mobilenet_v2(*, width_mult=1.0, num_classes=1000, round_nearest=8, dropout=0.2):
    """MobileNet v2 from "MobileNetV2: Inverted Residuals and Linear Bottlenecks" (https://arxiv.org/abs/1801.04381).

    The resolution is simply the input size (96 to 224 in the paper).
    """
    return MobileNetV2(width_mult=width_mult, num_classes=num_classes, round_nearest=round_nearest, dropout=dropout)

