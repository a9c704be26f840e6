"""Checkers for the exercises of chapter 6, *ShuffleNet v1 and v2*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. Expected
answers come from :mod:`lightnets_edu.cost`, the ShuffleNet config table and
:func:`lightnets_edu.layers.channel_shuffle`, never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
06_1       MACs (multiply-accumulates) of a stride-1 ShuffleNet v1 unit:
           ``EX1_C=240`` channels, bottleneck ``EX1_C // 4``,
           ``EX1_GROUPS=3``, on a ``EX1_SIZE=28`` x 28 map
06_2       channels made by the residual branch of the first unit of
           stage 2, ShuffleNet 1x with ``EX2_GROUPS=3``
06_3       which input channel lands at output position ``EX3_POSITION=5``
           after ``channel_shuffle`` with ``EX3_GROUPS=3`` on
           ``EX3_CHANNELS=12`` channels
06_4       memory access cost (in values) of a 1x1 conv ``EX4_C1=64`` ->
           ``EX4_C2=128`` on a ``EX4_SIZE=56`` x 56 map
06_5       the least memory access cost of a 1x1 conv on a ``EX5_SIZE=28``
           x 28 map with ``c1 * c2 = EX5_PRODUCT=16384`` (the shape given is
           ``EX5_C1=64`` -> ``EX5_C2=256``)
=========  ===============================================================
"""

import math

import torch

from .. import cost
from ..layers.shuffle import channel_shuffle
from ..models.shufflenet import shufflenet_v1_channels
from ._catalog import exercise
from ._grading import check_number, distinct_mistakes

__all__ = ["check_06_1", "check_06_2", "check_06_3", "check_06_4", "check_06_5"]

# exercise 1: the unit's cost, hw (2 c m / g + 9 m)
EX1_C, EX1_GROUPS, EX1_SIZE = 240, 3, 28
# exercise 2: the stride-2 unit's concat
EX2_GROUPS = 3
# exercise 3: the shuffle as a permutation
EX3_CHANNELS, EX3_GROUPS, EX3_POSITION = 12, 3, 5
# exercise 4: memory access cost of a 1x1 conv
EX4_C1, EX4_C2, EX4_SIZE = 64, 128, 56
# exercise 5: guideline G1's bound
EX5_C1, EX5_C2, EX5_SIZE = 64, 256, 28
EX5_PRODUCT = EX5_C1 * EX5_C2


def _shuffle_source(channels, groups, position):
    """The input channel that channel_shuffle puts at ``position``."""
    order = channel_shuffle(torch.arange(channels, dtype=torch.float32).view(1, channels, 1, 1), groups)
    return int(order.flatten()[position].item())


@exercise(6, 1, kind="number", points=1, minutes=10,
          title="MACs of a ShuffleNet unit",
          objective="count a unit's grouped 1x1 and depthwise convolutions")
def check_06_1(answer):
    """MACs of a stride-1 ShuffleNet unit: c = 240, m = 60, g = 3, 28 x 28."""
    m = EX1_C // 4
    unit = cost.shuffle_unit(EX1_C, EX1_C, EX1_GROUPS, EX1_SIZE)
    hw = EX1_SIZE * EX1_SIZE
    ungrouped = cost.shuffle_unit(EX1_C, EX1_C, 1, EX1_SIZE, bottleneck=m)
    resnet = hw * (2 * EX1_C * m + 9 * m * m)
    return check_number(
        answer, unit.macs,
        hint="two 1x1 group convs of c m / g weights each and a 3x3 depthwise conv of 9 m weights, "
             "all applied at every one of the h w positions: hw (2 c m / g + 9 m).",
        mistakes=distinct_mistakes(
            unit.macs,
            flops=(unit.flops, "That is the FLOP count (2 per multiply-accumulate). The question asks for MACs."),
            ungrouped=(ungrouped.macs, "That is hw (2 c m + 9 m): the 1x1 convs without groups. "
                                       f"With g = {EX1_GROUPS} each 1x1 conv does g times fewer MACs."),
            resnet=(resnet, "That is a ResNet bottleneck, hw (2 c m + 9 m^2), with a full 3x3 conv. "
                            "ShuffleNet's 3x3 is depthwise and its 1x1 convs are grouped."),
            params=(unit.params, f"That is a parameter count. Multiply the weights by the "
                                 f"{EX1_SIZE} x {EX1_SIZE} positions, and leave batch norm out."),
        ),
        explain=f"hw (2 c m / g + 9 m) = {hw} x (2 x {EX1_C} x {m} / {EX1_GROUPS} + 9 x {m}).",
    )


@exercise(6, 2, kind="number", points=1, minutes=10,
          title="Channels of a stride-2 unit",
          objective="follow concatenation in ShuffleNet's stride-2 unit")
def check_06_2(answer):
    """Output channels of the residual branch of stage 2's first unit (1x, g = 3)."""
    conv1, stage2, *_ = shufflenet_v1_channels(EX2_GROUPS, 1.0)
    expected = stage2 - conv1
    return check_number(
        answer, expected,
        hint="a stride-2 unit concatenates its average-pooled input with the residual branch; "
             "together they must make the stage's output channels.",
        mistakes=distinct_mistakes(
            expected,
            all_=(stage2, "That is the unit's output. Part of it is the pooled input "
                          f"({conv1} channels), concatenated: the branch makes the rest."),
            bottleneck=(stage2 // 4, "That is the bottleneck, the depthwise conv's channels; the "
                                     "branch's last 1x1 conv expands them again."),
            conv1=(conv1, "That is the pooled shortcut's share: the input's channels."),
        ),
        explain=f"{stage2} - {conv1} = {expected}: the residual branch makes {expected} channels and the "
                f"3x3 average-pooled input supplies the other {conv1}.",
    )


@exercise(6, 3, kind="number", points=1, minutes=10,
          title="Where the shuffle sends a channel",
          objective="trace the channel shuffle permutation")
def check_06_3(answer):
    """Which input channel ends at output position 5 of channel_shuffle(x, 3) on 12 channels."""
    expected = _shuffle_source(EX3_CHANNELS, EX3_GROUPS, EX3_POSITION)
    n = EX3_CHANNELS // EX3_GROUPS
    forward = next(p for p in range(EX3_CHANNELS)
                   if _shuffle_source(EX3_CHANNELS, EX3_GROUPS, p) == EX3_POSITION)
    return check_number(
        answer, expected,
        hint=f"reshape the {EX3_CHANNELS} channels into a ({EX3_GROUPS}, {n}) grid, row by row; "
             f"transpose it and read it row by row again.",
        mistakes=distinct_mistakes(
            expected,
            inverse=(forward, f"That is where input channel {EX3_POSITION} goes, the inverse question. "
                              f"Which channel arrives at position {EX3_POSITION}?"),
            identity=(EX3_POSITION, "The shuffle does move channels: only the first and the last stay."),
        ),
        explain=f"position j g + i holds channel i n + j; {EX3_POSITION} = {EX3_POSITION // EX3_GROUPS} x "
                f"{EX3_GROUPS} + {EX3_POSITION % EX3_GROUPS}, so it holds channel "
                f"{EX3_POSITION % EX3_GROUPS} x {n} + {EX3_POSITION // EX3_GROUPS} = {expected}.",
    )


@exercise(6, 4, kind="number", points=1, minutes=10,
          title="Memory access cost of a 1x1 conv",
          objective="count the values a layer reads and writes")
def check_06_4(answer):
    """Memory access cost of a 1x1 conv 64 -> 128 on 56 x 56, in values."""
    expected = cost.pointwise_memory_access_cost(EX4_C1, EX4_C2, EX4_SIZE)
    hw = EX4_SIZE * EX4_SIZE
    return check_number(
        answer, expected,
        hint="count the values read (input map h w c1, weights c1 c2) and written (output map h w c2).",
        mistakes=distinct_mistakes(
            expected,
            multiply_accumulates=(cost.pointwise_conv(EX4_C1, EX4_C2, EX4_SIZE).macs,
                                  "That is the multiply-accumulate count, h w c1 c2: the other 'MAC'. "
                                  "The memory access cost counts values moved."),
            no_weights=(hw * (EX4_C1 + EX4_C2), "That counts the two feature maps; the weights are read too."),
            bytes_=(4 * expected, "That is in bytes (float32). Give the count of values."),
        ),
        explain=f"h w (c1 + c2) + c1 c2 = {hw} x {EX4_C1 + EX4_C2} + {EX4_C1 * EX4_C2}.",
    )


@exercise(6, 5, kind="number", points=2, minutes=15,
          title="The least memory access cost",
          objective="derive guideline G1: equal widths minimize memory access")
def check_06_5(answer):
    """Least memory access cost of a 1x1 conv with c1 c2 = 16384 on 28 x 28."""
    side = math.isqrt(EX5_PRODUCT)
    expected = cost.pointwise_memory_access_cost(side, side, EX5_SIZE)
    given = cost.pointwise_memory_access_cost(EX5_C1, EX5_C2, EX5_SIZE)
    return check_number(
        answer, expected,
        hint="for a fixed product c1 c2, the sum c1 + c2 is smallest when c1 = c2 (AM-GM).",
        mistakes=distinct_mistakes(
            expected,
            given=(given, f"That is the cost of the {EX5_C1} -> {EX5_C2} layer as given; the question asks "
                          "for the cheapest shape with the same multiply-accumulates."),
            multiply_accumulates=(EX5_SIZE * EX5_SIZE * EX5_PRODUCT,
                                  "That is the multiply-accumulate count, the same for every shape."),
        ),
        explain=f"c1 = c2 = {side}: {expected:,} values, against {given:,} for {EX5_C1} -> {EX5_C2}; "
                "it equals the bound 2 sqrt(hw B) + B / hw.",
    )
