"""Checkers for the exercises of chapter 5, *MobileNet v2 and ReLU6*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. The expected
answers are computed from :mod:`lightnets_edu.cost` and from MobileNet v2's
config table, never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
05_1       MACs of one inverted residual block: ``EX1_C_IN=64 ->
           EX1_C_OUT=64``, ``EX1_T=6``, kernel ``EX1_KERNEL=3``, stride 1,
           on an ``EX1_SIZE=14`` x 14 map
05_2       channels of MobileNet v2's stem (32 in Table 2) at
           ``EX2_WIDTH=0.35``, rounded with ``make_divisible`` (divisor 8)
05_3       how many of MobileNet v2's 17 bottleneck blocks have a residual
           connection
05_4       most activation values held by the block of 05_1 when it is
           evaluated in ``EX4_SPLITS=6`` splits along the expansion channels
05_5       fractional bits of an 8-bit unsigned fixed-point format that holds
           every ReLU6 output (``EX5_BITS=8``, bound ``EX5_BOUND=6``)
=========  ===============================================================
"""

import math

from .. import cost
from ..models.mobilenet_v2 import MOBILENET_V2_SETTING, STEM_CHANNELS
from ._catalog import exercise
from ._grading import check_number, distinct_mistakes

__all__ = ["check_05_1", "check_05_2", "check_05_3", "check_05_4", "check_05_5"]

# exercise 1: one block of the 14 x 14 stage
EX1_C_IN, EX1_C_OUT, EX1_T, EX1_KERNEL, EX1_SIZE = 64, 64, 6, 3, 14
# exercise 2: the width multiplier and the 10% guard of make_divisible
EX2_WIDTH, EX2_DIVISOR = 0.35, 8
# exercise 4: memory-efficient inference
EX4_SPLITS = 6
# exercise 5: fixed point for ReLU6
EX5_BITS, EX5_BOUND = 8, 6


def _residual_blocks(setting=MOBILENET_V2_SETTING, c_in=STEM_CHANNELS):
    """(blocks with a residual, blocks with stride 1, all blocks) of Table 2 at width 1."""
    residual = stride1 = total = 0
    for _, c, n, s in setting:
        for i in range(n):
            stride = s if i == 0 else 1
            total += 1
            stride1 += stride == 1
            residual += stride == 1 and c_in == c
            c_in = c
    return residual, stride1, total


@exercise(5, 1, kind="number", points=1, minutes=10,
          title="MACs of an inverted residual",
          objective="count expansion, depthwise and projection of a block")
def check_05_1(answer):
    """MACs of an inverted residual block 64 -> 64, t = 6, 3x3, stride 1, at 14 x 14."""
    block = cost.inverted_residual(EX1_C_IN, EX1_C_OUT, EX1_T, EX1_KERNEL, 1, EX1_SIZE)
    hidden = EX1_T * EX1_C_IN
    no_expand = cost.depthwise_conv(hidden, EX1_KERNEL, EX1_SIZE) + cost.pointwise_conv(hidden, EX1_C_OUT, EX1_SIZE)
    v1_block = cost.depthwise_separable(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_SIZE)
    return check_number(
        answer, block.macs,
        hint="use h w d' t (d' + k^2 + d''): expansion h w d' (t d'), depthwise h w (t d') k^2, "
             "projection h w (t d') d''.",
        mistakes=distinct_mistakes(
            block.macs,
            flops=(block.flops, "That is the FLOP count (2 per MAC). The question asks for MACs."),
            no_expand=(no_expand.macs, "That leaves out the 1x1 expansion d' -> t d'; add h w d' t d'."),
            v1=(v1_block.macs, "That is a MobileNet v1 separable block on the thin tensor: the v2 block "
                               "works on the t = 6 times wider expansion."),
            params=(block.params, "That is the number of parameters. Multiply each layer by the "
                                  f"{EX1_SIZE} x {EX1_SIZE} positions it is applied at."),
        ),
        explain=f"The depthwise part is only {cost.depthwise_conv(hidden, EX1_KERNEL, EX1_SIZE).macs / block.macs:.1%}"
                " of it: the two 1x1 convolutions do the rest.",
    )


@exercise(5, 2, kind="number", points=1, minutes=5,
          title="make_divisible at width 0.35",
          objective="round channels as MobileNet v2 does")
def check_05_2(answer):
    """Stem channels at width 0.35 with make_divisible(32 * 0.35, 8)."""
    ideal = STEM_CHANNELS * EX2_WIDTH
    expected = cost.make_divisible(ideal, EX2_DIVISOR)
    nearest = max(EX2_DIVISOR, round(ideal / EX2_DIVISOR) * EX2_DIVISOR)
    return check_number(
        answer, expected,
        hint="round 32 x 0.35 to the nearest multiple of 8, then check the 10% rule: if that lost more "
             "than 10% of the ideal width, add 8.",
        mistakes=distinct_mistakes(
            expected,
            nearest=(nearest, f"{nearest} is the nearest multiple of 8, but it is "
                              f"{1 - nearest / ideal:.0%} below {ideal:g}: more than the 10% the rule allows."),
            truncated=(int(ideal), "That is 32 x 0.35 cut to an integer: the rule also makes it a multiple of 8."),
            ceil=(math.ceil(ideal), "That rounds 32 x 0.35 up to an integer; the rule rounds to a multiple of 8."),
        ),
        explain=f"32 x 0.35 = {ideal:g}; the nearest multiple of 8 is {nearest}, a cut of "
                f"{1 - nearest / ideal:.0%}, so make_divisible adds 8.",
    )


@exercise(5, 3, kind="number", points=1, minutes=10,
          title="Blocks with a shortcut",
          objective="know when an inverted residual has a residual connection")
def check_05_3(answer):
    """Blocks of MobileNet v2 with a residual connection (stride 1 and equal in/out channels)."""
    residual, stride1, total = _residual_blocks()
    return check_number(
        answer, residual,
        hint="a block adds its input only when its stride is 1 AND its input and output widths are "
             "equal: go through Table 2 row by row (the first block of a row changes the width).",
        mistakes=distinct_mistakes(
            residual,
            all_blocks=(total, "Not every block has a shortcut: a stride-2 block changes the map size, and "
                               "the first block of a row usually changes the width."),
            stride1=(stride1, "That counts every stride-1 block. Three of them change the width "
                              "(32 -> 16, 64 -> 96, 160 -> 320), so they cannot add their input."),
        ),
        explain=f"{residual} of {total}: the repeats after the first block of each row (sum of n - 1).",
    )


@exercise(5, 4, kind="number", points=2, minutes=15,
          title="Memory of a block evaluated in splits",
          objective="see what evaluating the expansion in slices saves")
def check_05_4(answer):
    """Most values held by the 64 -> 64, t = 6 block at 14 x 14, evaluated in 6 splits."""
    args = (EX1_C_IN, EX1_C_OUT, EX1_T, EX1_KERNEL, 1, EX1_SIZE)
    split = cost.inverted_residual_memory(*args, splits=EX4_SPLITS)
    whole = cost.inverted_residual_memory(*args)
    x = EX1_C_IN * EX1_SIZE ** 2
    return check_number(
        answer, split,
        hint="the block holds its input x and the output y throughout, plus one split's expansion "
             "and depthwise output (t d' / splits channels each).",
        mistakes=distinct_mistakes(
            split,
            whole=(whole, "That is the whole-block evaluation, which holds the full expansion and the full "
                          "depthwise output."),
            bytes16=(2 * split, "That is in bytes at 16 bits per value; the question counts values."),
            no_xy=(split - 2 * x, "That is only the split's own tensors: the input x and the output y "
                                  "accumulator are held too."),
        ),
        explain=f"{split:,} values instead of {whole:,} for the whole block ({whole / split:.1f}x less).",
    )


@exercise(5, 5, kind="number", points=1, minutes=10,
          title="ReLU6 in fixed point",
          objective="see why a bounded activation suits low precision")
def check_05_5(answer):
    """Fractional bits of an 8-bit unsigned fixed-point format covering [0, 6]."""
    integer_bits = math.ceil(math.log2(EX5_BOUND + 1))  # 6 = 110b needs 3 bits
    expected = EX5_BITS - integer_bits
    return check_number(
        answer, expected,
        hint="the integer part must hold 6 (binary 110); whatever bits are left of the 8 are fractional.",
        mistakes=distinct_mistakes(
            expected,
            integer=(integer_bits, "That is the number of integer bits (6 needs 3). The question asks for the "
                                   "bits left for the fraction."),
            all_bits=(EX5_BITS, "Some of the 8 bits must hold the integer part, up to 6."),
        ),
        explain=f"{integer_bits} integer bits and {expected} fractional bits: a step of 1/{2 ** expected} over "
                f"[0, {2 ** integer_bits - 2 ** -expected:g}]. The bound fixes the format; it does not mean 3 bits "
                "represent every value.",
    )
