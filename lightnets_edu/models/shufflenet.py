"""ShuffleNet v1 (Zhang et al., 2018) and ShuffleNet v2 (Ma et al., 2018).

"ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile
Devices", https://arxiv.org/abs/1707.01083
"ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design",
https://arxiv.org/abs/1807.11164

ShuffleNet v2 follows torchvision's ``shufflenetv2.py`` module for module
(``conv1``, ``maxpool``, ``stage2``-``stage4``, ``conv5``, ``fc``), so
torchvision's ``state_dict`` loads with ``strict=True`` and gives identical
outputs. ShuffleNet v1 has no torchvision version; it uses the same names.
"""

from torch import nn

from .. import cost
from .._checks import boolean, positive_int, positive_number
from ..layers import ConvBNAct, ShuffleUnit, ShuffleV2Block
from . import register_model

__all__ = [
    "SHUFFLENET_V1_CHANNELS", "SHUFFLENET_V1_REPEATS", "SHUFFLENET_V1_GROUPS", "SHUFFLENET_V1_SCALES",
    "PRINTED_V1_TABLE_1_MFLOPS", "PRINTED_V1_TABLE_2_MFLOPS",
    "SHUFFLENET_V2_CHANNELS", "SHUFFLENET_V2_REPEATS",
    "ShuffleNetV1", "ShuffleNetV2", "shufflenet_v1", "shufflenet_v1_channels", "shufflenet_v1_cost",
    "shufflenet_v2_cost", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
]

# ---------------------------------------------------------------- ShuffleNet v1: Table 1

# Table 1, "Output channels (g groups)" for ShuffleNet 1x, one row per g:
#   g: (Conv1, Stage2, Stage3, Stage4)
SHUFFLENET_V1_CHANNELS = {
    1: (24, 144, 288, 576),
    2: (24, 200, 400, 800),
    3: (24, 240, 480, 960),
    4: (24, 272, 544, 1088),
    8: (24, 384, 768, 1536),
}
# Table 1, "Repeat": each stage is one stride-2 unit, then 3, 7, 3 stride-1 units.
#   stage: units (output size at 224: 28, 14, 7)
SHUFFLENET_V1_REPEATS = {"stage2": 4, "stage3": 8, "stage4": 4}
SHUFFLENET_V1_GROUPS = tuple(SHUFFLENET_V1_CHANNELS)
SHUFFLENET_V1_SCALES = (1.0, 0.5, 0.25)  # "ShuffleNet s x" of Table 2

# Cited reference data, as printed in the paper (not computed here):
# Table 1's "Complexity (MFLOPs)" row, one value per g, and Table 2's
# "Complexity (MFLOPs)" column, one value per scale s (for every g).
# The papers' "FLOPs" are multiply-accumulates.
PRINTED_V1_TABLE_1_MFLOPS = {1: 143, 2: 140, 3: 137, 4: 133, 8: 137}
PRINTED_V1_TABLE_2_MFLOPS = {1.0: 140, 0.5: 38, 0.25: 13}


def shufflenet_v1_channels(groups=3, scale=1.0):
    """``(Conv1, Stage2, Stage3, Stage4)`` output channels of ShuffleNet ``scale`` x with ``groups``.

    Table 1's 1x channels times ``scale``, rounded by :func:`lightnets_edu.cost.make_divisible`
    (nearest, never more than 10% down) to a multiple of
    ``4 g`` for the stages (the bottleneck, a quarter of a stage's channels, is
    split into g groups) and of ``g`` for Conv1 (so the first unit's residual
    branch, ``Stage2 - Conv1`` channels, splits into g groups too). At 1x
    nothing moves: Table 1's numbers are already such multiples.
    """
    groups = _groups(groups)
    scale = positive_number("scale", scale)
    conv1, *stages = SHUFFLENET_V1_CHANNELS[groups]
    return (cost.make_divisible(conv1 * scale, groups),
            *(cost.make_divisible(c * scale, 4 * groups) for c in stages))


def _groups(groups):
    groups = positive_int("groups", groups)
    if groups not in SHUFFLENET_V1_CHANNELS:
        raise ValueError(f"groups must be one of {SHUFFLENET_V1_GROUPS} (Table 1's columns), got {groups!r}")
    return groups


def _repeats(repeats):
    if not isinstance(repeats, (tuple, list)) or len(repeats) != 3:
        raise TypeError(f"repeats must be 3 positive integers (units in stage2, stage3, stage4), got {repeats!r}")
    return dict(zip(SHUFFLENET_V1_REPEATS, (positive_int(f"repeats[{i}]", n) for i, n in enumerate(repeats))))


def _v1_units(groups, scale, repeats=SHUFFLENET_V1_REPEATS):
    """Rows ``(stage, c_in, c_out, stride, group_first_pointwise)``, one per unit."""
    conv1, *stages = shufflenet_v1_channels(groups, scale)
    c_in, rows = conv1, []
    for (stage, n), c_out in zip(repeats.items(), stages):
        for i in range(n):
            # the first 1x1 conv of stage 2 sees Conv1's few channels: not grouped
            rows.append((stage, c_in, c_out, 2 if i == 0 else 1, not (stage == "stage2" and i == 0)))
            c_in = c_out
    return rows


def shufflenet_v1_cost(groups=3, scale=1.0, resolution=224, num_classes=1000, batchnorm=True, repeats=(4, 8, 4)):
    """Params and MACs of ShuffleNet v1 in closed form, walking Table 1 with :mod:`lightnets_edu.cost`.

    Equals ``profile(ShuffleNetV1(...))`` (tested). ``batchnorm=False`` leaves
    out batch norm's ``2C`` parameters per layer.
    """
    repeats = _repeats(repeats)
    resolution = positive_int("resolution", resolution)
    num_classes = positive_int("num_classes", num_classes)
    boolean("batchnorm", batchnorm)
    conv1 = shufflenet_v1_channels(groups, scale)[0]
    size = cost.conv_out_size(resolution, 3, 2, 1)                        # Conv1, 3x3 stride 2
    total = cost.conv2d(3, conv1, 3, size) + (cost.batchnorm(conv1) if batchnorm else cost.Cost(0, 0))
    size = cost.conv_out_size(size, 3, 2, 1)                              # MaxPool 3x3 stride 2
    c_last = conv1
    for _, c_in, c_out, stride, grouped in _v1_units(groups, scale, repeats):
        total = total + cost.shuffle_unit(c_in, c_out, groups, size, stride, group_first_pointwise=grouped,
                                          batchnorm=batchnorm)
        size = cost.conv_out_size(size, 3, stride, 1)
        c_last = c_out
    return total + cost.linear(c_last, num_classes)                       # GlobalPool, FC


class ShuffleNetV1(nn.Module):
    """ShuffleNet v1: Conv1 3x3/2, MaxPool 3x3/2, stages 2-4 of ShuffleNet units, global pool, FC.

    Args:
        groups: g in Table 1 (1, 2, 3, 4 or 8).
        scale: s in "ShuffleNet s x": every channel count times s (rounded,
            see :func:`shufflenet_v1_channels`).
        num_classes: outputs of the FC layer.
        shuffle: False drops every channel shuffle (Table 3's ablation);
            parameters and MACs stay the same.
        repeats: units in stage2, stage3, stage4; Table 1's ``(4, 8, 4)`` by
            default, fewer for a small network to train in a notebook.
    """

    def __init__(self, groups=3, scale=1.0, num_classes=1000, shuffle=True, repeats=(4, 8, 4)):
        super().__init__()
        groups, num_classes = _groups(groups), positive_int("num_classes", num_classes)
        boolean("shuffle", shuffle)
        repeats = _repeats(repeats)
        conv1 = shufflenet_v1_channels(groups, scale)[0]
        self.conv1 = ConvBNAct(3, conv1, 3, stride=2)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        stages = {}
        for stage, c_in, c_out, stride, grouped in _v1_units(groups, scale, repeats):
            stages.setdefault(stage, []).append(
                ShuffleUnit(c_in, c_out, groups, stride, group_first_pointwise=grouped, shuffle=shuffle))
        self.stage2 = nn.Sequential(*stages["stage2"])
        self.stage3 = nn.Sequential(*stages["stage3"])
        self.stage4 = nn.Sequential(*stages["stage4"])
        self.fc = nn.Linear(self.stage4[-1].c_out, num_classes)
        self.groups, self.scale = groups, float(scale)

    def forward(self, x):
        x = self.maxpool(self.conv1(x))  # (B, Conv1, H/4, W/4)
        x = self.stage2(x)               # (B, Stage2, H/8, W/8)
        x = self.stage3(x)               # (B, Stage3, H/16, W/16)
        x = self.stage4(x)               # (B, Stage4, H/32, W/32)
        x = x.mean([2, 3])               # global average pool
        return self.fc(x)


@register_model
def shufflenet_v1(*, groups=3, scale=1.0, num_classes=1000, shuffle=True):
    """ShuffleNet v1 from "ShuffleNet" (https://arxiv.org/abs/1707.01083), Table 1.

    ``groups`` in (1, 2, 3, 4, 8); ``scale`` is the "s x" of Table 2 (1.0, 0.5, 0.25).
    """
    return ShuffleNetV1(groups=groups, scale=scale, num_classes=num_classes, shuffle=shuffle)


# ---------------------------------------------------------------- ShuffleNet v2: Table 5

# Table 5 of ShuffleNet v2, "Output channels" for 0.5x, 1x, 1.5x, 2x:
#   size: (Conv1, Stage2, Stage3, Stage4, Conv5)
SHUFFLENET_V2_CHANNELS = {
    "x0_5": (24, 48, 96, 192, 1024),
    "x1_0": (24, 116, 232, 464, 1024),
    "x1_5": (24, 176, 352, 704, 1024),
    "x2_0": (24, 244, 488, 976, 2048),
}
# Table 5, "Repeat": one stride-2 unit, then 3, 7, 3 stride-1 units.
SHUFFLENET_V2_REPEATS = (4, 8, 4)


class ShuffleNetV2(nn.Module):
    """ShuffleNet v2, module for module torchvision's ``ShuffleNetV2``.

    Args:
        stages_repeats: units in stage2, stage3, stage4.
        stages_out_channels: Conv1, Stage2, Stage3, Stage4, Conv5 channels.
        num_classes: outputs of ``fc``.
    """

    def __init__(self, stages_repeats, stages_out_channels, num_classes=1000):
        super().__init__()
        for name, value, length in (("stages_repeats", stages_repeats, 3), ("stages_out_channels", stages_out_channels, 5)):
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"{name} must be a list of {length} positive ints, got {value!r}")
            if len(value) != length:
                raise ValueError(f"{name} must hold {length} positive ints, got {value!r}")
        num_classes = positive_int("num_classes", num_classes)
        conv1, *stages, conv5 = (positive_int(f"stages_out_channels[{i}]", c) for i, c in enumerate(stages_out_channels))
        # torchvision's conv1 is a Sequential(conv, bn, relu): ConvBNAct has the same layout
        self.conv1 = ConvBNAct(3, conv1, 3, stride=2)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        c_in = conv1
        for i, (name, repeats, c_out) in enumerate(zip(("stage2", "stage3", "stage4"), stages_repeats, stages)):
            repeats = positive_int(f"stages_repeats[{i}]", repeats)
            units = [ShuffleV2Block(c_in, c_out, 2)] + [ShuffleV2Block(c_out, c_out, 1) for _ in range(repeats - 1)]
            setattr(self, name, nn.Sequential(*units))
            c_in = c_out
        self.conv5 = ConvBNAct(c_in, conv5, 1)
        self.fc = nn.Linear(conv5, num_classes)

    def forward(self, x):
        x = self.maxpool(self.conv1(x))  # (B, 24, H/4, W/4)
        x = self.stage2(x)               # (B, Stage2, H/8, W/8)
        x = self.stage3(x)               # (B, Stage3, H/16, W/16)
        x = self.stage4(x)               # (B, Stage4, H/32, W/32)
        x = self.conv5(x)                # (B, Conv5, H/32, W/32)
        x = x.mean([2, 3])               # global average pool, as torchvision
        return self.fc(x)


def _v2_size(size):
    if size not in SHUFFLENET_V2_CHANNELS:
        raise ValueError(f"size must be one of {sorted(SHUFFLENET_V2_CHANNELS)}, got {size!r}")
    return size


def shufflenet_v2_cost(size="x1_0", resolution=224, num_classes=1000, batchnorm=True):
    """Params and MACs of ShuffleNet v2 ``size`` in closed form, from Table 5 and :mod:`lightnets_edu.cost`."""
    conv1, *stages, conv5 = SHUFFLENET_V2_CHANNELS[_v2_size(size)]
    resolution = positive_int("resolution", resolution)
    num_classes = positive_int("num_classes", num_classes)
    boolean("batchnorm", batchnorm)

    def bn(c):
        return cost.batchnorm(c) if batchnorm else cost.Cost(0, 0)

    hw = cost.conv_out_size(resolution, 3, 2, 1)
    total = cost.conv2d(3, conv1, 3, hw) + bn(conv1)
    hw = cost.conv_out_size(hw, 3, 2, 1)
    c_in = conv1
    for repeats, c_out in zip(SHUFFLENET_V2_REPEATS, stages):
        for i in range(repeats):
            stride = 2 if i == 0 else 1
            total = total + cost.shuffle_v2_block(c_in, c_out, stride, hw, batchnorm=batchnorm)
            hw, c_in = cost.conv_out_size(hw, 3, stride, 1), c_out
    return total + cost.pointwise_conv(c_in, conv5, hw) + bn(conv5) + cost.linear(conv5, num_classes)


def _shufflenet_v2(size, num_classes):
    return ShuffleNetV2(SHUFFLENET_V2_REPEATS, SHUFFLENET_V2_CHANNELS[size], num_classes=num_classes)


@register_model
def shufflenet_v2_x0_5(*, num_classes=1000):
    """ShuffleNet v2 0.5x from "ShuffleNet V2" (https://arxiv.org/abs/1807.11164); torchvision's names."""
    return _shufflenet_v2("x0_5", num_classes)


@register_model
def shufflenet_v2_x1_0(*, num_classes=1000):
    """ShuffleNet v2 1x from "ShuffleNet V2" (https://arxiv.org/abs/1807.11164); torchvision's names."""
    return _shufflenet_v2("x1_0", num_classes)


@register_model
def shufflenet_v2_x1_5(*, num_classes=1000):
    """ShuffleNet v2 1.5x from "ShuffleNet V2" (https://arxiv.org/abs/1807.11164); torchvision's names."""
    return _shufflenet_v2("x1_5", num_classes)


@register_model
def shufflenet_v2_x2_0(*, num_classes=1000):
    """ShuffleNet v2 2x from "ShuffleNet V2" (https://arxiv.org/abs/1807.11164); torchvision's names."""
    return _shufflenet_v2("x2_0", num_classes)
