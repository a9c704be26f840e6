"""Checkers for the exercises of chapter 5, *MobileNet v2 and ReLU6*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. The expected
answers are computed from :mod:`lightnets_edu.cost` and from MobileNet v2's
config table, never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
05_1       MACs of the stride-2 inverted residual ``EX1_C_IN=96 ->
           EX1_C_OUT=160``, ``EX1_T=6``, kernel ``EX1_KERNEL=3``, stride
           ``EX1_STRIDE=2``, on an ``EX1_SIZE=14`` x 14 input
05_2       channels of MobileNet v2's stem (32 in Table 2) at
           ``EX2_WIDTH=0.6``, rounded with ``make_divisible`` (divisor
           ``EX2_DIVISOR=8``)
05_3       values MobileNet v2 (width 1) adds in all its residual connections
           for one ``EX3_RESOLUTION=160`` x 160 image
05_4       most activation values held by the block ``EX4_C=96 -> 96``,
           ``EX4_T=6``, on ``EX4_SIZE=14`` x 14, evaluated in
           ``EX4_SPLITS=4`` splits along its expansion channels
05_5       largest rounding error of a ReLU6 output stored in
           ``EX5_BITS=10``-bit unsigned fixed point (bound ``EX5_BOUND=6``)
05_6       implement: ``make_divisible(value, divisor)``, the reference
           code's channel rounding
05_7       implement: an inverted residual block as an ``nn.Module`` (layers
           ``expand, bn1, depthwise, bn2, project, bn3``)
05_8       design: MobileNet v2 ``(width_mult, resolution, t)`` with at most
           ``EX8_MACS=100`` M MACs and a peak of at most ``EX8_MEMORY=600``
           thousand activation values (whole blocks), using at least
           ``EX8_USE=80`` % of the MACs budget
05_9       choice: where a ReLU after the projection destroys the most
=========  ===============================================================
"""

import math
import random
from fractions import Fraction
from numbers import Integral, Real

import torch
from torch import nn

from .. import cost
from ..models.mobilenet_v2 import (MOBILENET_V2_SETTING, STEM_CHANNELS, MobileNetV2, mobilenet_v2_cost,
                                   mobilenet_v2_peak_memory,
                                   with_expand_ratio)
from ..profile import profile
from ._catalog import exercise
from ._grading import Verdict, check_choice, check_number, distinct_mistakes
from ._implement import check_function, check_module

__all__ = ["check_05_1", "check_05_2", "check_05_3", "check_05_4", "check_05_5", "check_05_6", "check_05_7",
           "check_05_8", "check_05_9"]

# exercise 1: the stride-2 block that leaves the 14 x 14 stage (96 -> 160)
EX1_C_IN, EX1_C_OUT, EX1_T, EX1_KERNEL, EX1_STRIDE, EX1_SIZE = 96, 160, 6, 3, 2, 14
# exercise 2: the width multiplier and the 10% guard of make_divisible
EX2_WIDTH, EX2_DIVISOR = 0.6, 8
# exercise 3: the values the shortcuts add, at a smaller input
EX3_RESOLUTION = 160
# exercise 4: memory-efficient inference of a 14 x 14 block
EX4_C, EX4_T, EX4_SIZE, EX4_SPLITS = 96, 6, 14, 4
# exercise 5: fixed point for ReLU6, in 10 bits
EX5_BITS, EX5_BOUND = 10, 6
# exercise 8: a MobileNet v2 under a MACs and a memory budget (millions of MACs, thousands of values, percent)
EX8_MACS, EX8_MEMORY, EX8_USE = 100, 600, 80


def _shortcut_values(resolution, setting=MOBILENET_V2_SETTING, c_in=STEM_CHANNELS, expansion=False,
                     every_stride1=False, every_block=False):
    """Values added by MobileNet v2's residual connections (width 1) for one image, and the slips' variants."""
    size = cost.conv_out_size(resolution, 3, stride=2, padding=1)  # after the stem
    total = 0
    for t, c, n, s in setting:
        for i in range(n):
            stride = s if i == 0 else 1
            size = cost.conv_out_size(size, 3, stride=stride, padding=1)
            residual = stride == 1 and c_in == c
            if residual or every_block or (every_stride1 and stride == 1):
                total += (t * c if expansion else c) * size * size
            c_in = c
    return total


def _shortcut_terms(resolution):
    """The sum of exercise 05_3 written out: (n - 1) x c x size^2 per row of Table 2 that has shortcuts."""
    size, terms = cost.conv_out_size(resolution, 3, stride=2, padding=1), []
    for t, c, n, s in MOBILENET_V2_SETTING:
        size = cost.conv_out_size(size, 3, stride=s, padding=1)
        if n > 1:
            terms.append(f"{n - 1} x {c} x {size}^2")
    return " + ".join(terms)


# ---------------------------------------------------------------- number

@exercise(5, 1, kind="number", points=1, minutes=15,
          title="MACs of a stride-2 inverted residual",
          objective="count expansion, depthwise and projection of a block, and where the stride acts")
def check_05_1(answer):
    """MACs of an inverted residual block 96 -> 160, t = 6, 3x3, stride 2, on a 14 x 14 input."""
    args = (EX1_C_IN, EX1_C_OUT, EX1_T, EX1_KERNEL)
    block = cost.inverted_residual(*args, EX1_STRIDE, EX1_SIZE)
    out = cost.conv_out_size(EX1_SIZE, EX1_KERNEL, stride=EX1_STRIDE, padding=EX1_KERNEL // 2)
    hidden = EX1_T * EX1_C_IN
    no_expand = cost.depthwise_conv(hidden, EX1_KERNEL, out) + cost.pointwise_conv(hidden, EX1_C_OUT, out)
    return check_number(
        answer, block.macs,
        concept="the expansion runs on the input map, the depthwise convolution and the projection on the "
                "strided output map: see 'Its cost, derived'.",
        hint=f"{EX1_SIZE}*{EX1_SIZE}*{EX1_C_IN}*{EX1_T}*{EX1_C_IN} (expand) + {out}*{out}*{hidden}*{EX1_KERNEL}^2 "
             f"(depthwise) + {out}*{out}*{hidden}*{EX1_C_OUT} (project): h w d' t (d' + (k^2 + d'')/4).",
        mistakes=distinct_mistakes(
            block.macs,
            stride1=(cost.inverted_residual(*args, 1, EX1_SIZE).macs,
                     f"That is the block at stride 1: with stride {EX1_STRIDE} the depthwise convolution and the "
                     f"projection run on the {out} x {out} output map."),
            all_small=(cost.inverted_residual(*args, 1, out).macs,
                       f"That puts the whole block on the {out} x {out} map: the expansion runs before the stride, "
                       f"on the {EX1_SIZE} x {EX1_SIZE} input."),
            flops=(block.flops, "That is the FLOP count (2 per MAC). The question asks for MACs."),
            no_expand=(no_expand.macs, f"That leaves out the 1x1 expansion d' -> t d' = {hidden}."),
            params=(block.params, "That is the number of parameters. Multiply each layer by the positions it "
                                  "is applied at."),
        ),
        explain=f"The expansion alone is {cost.pointwise_conv(EX1_C_IN, hidden, EX1_SIZE).macs / block.macs:.0%} "
                "of it: it is the only layer on the large map.",
    )


@exercise(5, 2, kind="number", points=1, minutes=5,
          title="make_divisible at width 0.6",
          objective="round channels as MobileNet v2 does")
def check_05_2(answer):
    """Stem channels at width 0.6 with make_divisible(32 * 0.6, 8)."""
    ideal = STEM_CHANNELS * EX2_WIDTH
    expected = cost.make_divisible(ideal, EX2_DIVISOR)
    nearest = max(EX2_DIVISOR, int(ideal + EX2_DIVISOR / 2) // EX2_DIVISOR * EX2_DIVISOR)
    return check_number(
        answer, expected,
        concept="the width multiplier's channels are rounded to the nearest multiple of 8, with a 10% guard: "
                "see 'Channel rounding'.",
        hint=f"32 x {EX2_WIDTH} = {ideal:g}; the nearest multiple of 8 is {nearest}; {nearest} < 0.9 x {ideal:g} "
             f"= {0.9 * ideal:g}? If so, add 8.",
        mistakes=distinct_mistakes(
            expected,
            nearest=(nearest, f"{nearest} is the nearest multiple of 8, but it is "
                              f"{1 - nearest / ideal:.0%} below {ideal:g}: more than the 10% the rule allows."),
            truncated=(int(ideal), f"That is 32 x {EX2_WIDTH} cut to an integer: the rule also makes it a "
                                   "multiple of 8."),
            ceil=(math.ceil(ideal), f"That rounds 32 x {EX2_WIDTH} up to an integer; the rule rounds to a "
                                    "multiple of 8."),
            unthinned=(STEM_CHANNELS, "That is the stem at width 1: the width multiplier thins it first."),
        ),
        explain=f"32 x {EX2_WIDTH} = {ideal:g}; the nearest multiple of 8 is {nearest}, a cut of "
                f"{1 - nearest / ideal:.0%}, so make_divisible adds 8.",
    )


@exercise(5, 3, kind="number", points=1, minutes=15,
          title="Values added by the shortcuts",
          objective="know which blocks have a residual connection and what it costs")
def check_05_3(answer):
    """Values MobileNet v2 (width 1) adds in its residual connections for one 160 x 160 image."""
    r = EX3_RESOLUTION
    expected = _shortcut_values(r)
    sizes = [r // 2 ** k for k in (1, 2, 3, 4, 5)]
    return check_number(
        answer, expected,
        concept="a block adds its input only when its stride is 1 and its input and output widths are "
                "equal, and each addition costs one value per output element: see 'The residual joins the "
                "bottlenecks'.",
        hint=f"maps {' -> '.join(map(str, sizes))} after the stem and the stride-2 rows; the shortcuts are the "
             f"n - 1 repeats of each row: {_shortcut_terms(r)}.",
        mistakes=distinct_mistakes(
            expected,
            every_stride1=(_shortcut_values(r, every_stride1=True),
                           "That counts every stride-1 block, but three of them change the width "
                           "(32 -> 16, 64 -> 96, 160 -> 320): they cannot add their input."),
            every_block=(_shortcut_values(r, every_block=True),
                         "That counts an addition in every block's output; stride-2 blocks and blocks that "
                         "change the width have no shortcut."),
            expansion=(_shortcut_values(r, expansion=True),
                       "That adds the t d'-channel expansions: MobileNet v2's shortcuts join the thin "
                       "bottlenecks, t = 6 times smaller."),
            at_224=(_shortcut_values(224), f"That is for a 224 x 224 image; the question's is {r} x {r}."),
        ),
        explain=f"{expected:,} additions, which profile counts as 'elementwise' operations, not MACs: next to "
                f"the network's {mobilenet_v2_cost(1.0, r).macs / 1e6:.0f}M MACs they are nearly free.",
    )


@exercise(5, 4, kind="number", points=1, minutes=15,
          title="Memory of a block evaluated in splits",
          objective="see what evaluating the expansion in slices saves")
def check_05_4(answer):
    """Most values held by the 96 -> 96, t = 6 block at 14 x 14, evaluated in 4 splits."""
    args = (EX4_C, EX4_C, EX4_T, 3, 1, EX4_SIZE)
    split = cost.inverted_residual_memory(*args, splits=EX4_SPLITS)
    whole = cost.inverted_residual_memory(*args)
    x = EX4_C * EX4_SIZE ** 2
    hidden = EX4_T * EX4_C
    return check_number(
        answer, split,
        concept="evaluated in splits, a block holds its input and output throughout and one split's "
                "expansion and depthwise output: see 'Memory-efficient inference'.",
        hint=f"|x| + |y| + (|E| + |D|) / p = {EX4_C}*{EX4_SIZE}^2 + {EX4_C}*{EX4_SIZE}^2 + "
             f"2*({hidden}/{EX4_SPLITS})*{EX4_SIZE}^2.",
        mistakes=distinct_mistakes(
            split,
            whole=(whole, "That is the whole-block evaluation, which holds the full expansion and the full "
                          "depthwise output."),
            bytes16=(2 * split, "That is in bytes at 16 bits per value; the question counts values."),
            no_xy=(split - 2 * x, "That is only the split's own tensors: the input x and the output y "
                                  "accumulator are held too."),
            t_splits=(cost.inverted_residual_memory(*args, splits=EX4_T),
                      f"That is {EX4_T} splits (p = t); the question cuts the expansion into {EX4_SPLITS}."),
        ),
        explain=f"{split:,} values instead of {whole:,} for the whole block ({whole / split:.1f}x less).",
    )


@exercise(5, 5, kind="number", points=1, minutes=10,
          title="ReLU6 in 10-bit fixed point",
          objective="see why a bounded activation suits low precision")
def check_05_5(answer):
    """Largest rounding error of a ReLU6 output in 10-bit unsigned fixed point (no overflow allowed)."""
    integer_bits = math.ceil(math.log2(EX5_BOUND + 1))  # 6 = 110b needs 3 bits
    fraction_bits = EX5_BITS - integer_bits
    step = Fraction(1, 2 ** fraction_bits)
    expected = step / 2
    return check_number(
        answer, expected, rel_tol=1e-9,
        concept="the bound fixes the integer bits, the rest are fractional, and rounding to the nearest step "
                "errs by at most half a step: see 'ReLU6: a ReLU with a ceiling'.",
        hint=f"6 = 110b needs 3 integer bits; {EX5_BITS} - 3 = {fraction_bits} fractional bits, a step of "
             f"2^-{fraction_bits}; the error is at most half of it.",
        mistakes=distinct_mistakes(
            expected,
            step=(step, "That is the step. Rounding to the nearest step errs by at most half a step."),
            eight_bits=(Fraction(1, 2 ** (8 - integer_bits + 1)),
                        f"That is for the chapter's 8-bit format; this one has {EX5_BITS} bits."),
            no_integer=(Fraction(1, 2 ** (EX5_BITS + 1)),
                        "With every bit fractional the format cannot hold 6: the integer part needs 3 bits."),
            two_integer=(Fraction(1, 2 ** (fraction_bits + 2)),
                         "2 integer bits reach only 3.99: 6 = 110b needs 3, so one more bit is not fractional."),
        ),
        explain=f"{integer_bits} integer bits and {fraction_bits} fractional bits: a step of 1/{2 ** fraction_bits}, "
                f"so no ReLU6 output is off by more than 1/{2 ** (fraction_bits + 1)}.",
    )


# ---------------------------------------------------------------- implement

def _divisible_cases():
    """(value, divisor) pairs: the chapter's table, the guard's edge, exact halves, tiny values, random widths."""
    rng = random.Random(5)
    cases = [(32 * 0.35, 8), (24 * 0.75, 8), (160 * 1.4, 8), (16 * 0.35, 8), (20.0, 8), (52.0, 8), (44.0, 8),
             (4.0, 8), (2.0, 8), (0.0, 8), (1280 * 1.3, 8), (36.0, 8), (9.0, 4), (7.4, 4), (100.0, 16), (17.0, 1)]
    while len(cases) < 40:
        c, width = rng.choice([16, 24, 32, 64, 96, 160, 320, 1280]), rng.choice([0.25, 0.35, 0.5, 0.6, 0.75, 1.3, 1.4])
        cases.append((c * width, rng.choice([4, 8, 8, 8, 16])))
    return [(f"value={v!r}, divisor={d}", (v, d)) for v, d in cases]


def _divisible_reference(value, divisor):
    return cost.make_divisible(value, divisor)


def _divisible_no_guard(value, divisor):
    return max(divisor, int(value + divisor / 2) // divisor * divisor)


def _divisible_floor(value, divisor):
    rounded = max(divisor, int(value) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _divisible_ceil(value, divisor):
    return max(divisor, math.ceil(value / divisor) * divisor)


def _divisible_no_minimum(value, divisor):
    rounded = int(value + divisor / 2) // divisor * divisor
    return rounded + divisor if rounded < 0.9 * value else rounded


def _divisible_half_even(value, divisor):
    rounded = max(divisor, round(value / divisor) * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


@exercise(5, 6, kind="implement", points=2, minutes=15,
          title="Implement make_divisible",
          objective="round channels as MobileNet v2's reference code does")
def check_05_6(make_divisible):
    """Student's ``make_divisible(value, divisor=8) -> int`` against the reference code's rule."""
    return check_function(
        make_divisible, _divisible_reference, _divisible_cases(),
        concept="round to the nearest multiple of the divisor, never below the divisor, and add one more "
                "divisor if the rounding lost more than 10%: see 'Channel rounding'.",
        hint="rounded = max(divisor, int(value + divisor / 2) // divisor * divisor); "
             "if rounded < 0.9 * value: rounded += divisor.",
        mistakes=[(_divisible_no_guard, "You round to the nearest multiple but forget the 10% guard: when that "
                                        "loses more than 10% of the value, add one more divisor."),
                  (_divisible_floor, "You round down (floor) to a multiple; the rule rounds to the nearest one "
                                     "(halves up), then applies the guard."),
                  (_divisible_ceil, "You always round up to a multiple; the rule rounds to the nearest one and "
                                    "adds a divisor only when that lost more than 10%."),
                  (_divisible_no_minimum, "Small values round to 0: the result is never below the divisor."),
                  (_divisible_half_even, "Python's round() rounds halves to even (round(6.5) == 6); the reference "
                                         "code rounds halves up: int(value + divisor / 2) // divisor.")],
        explain="torchvision's and TF-slim's _make_divisible, bit for bit; MobileNet v3 reuses it.",
    )


class _InvertedResidualReference(nn.Module):
    """The inverted residual of exercise 05_7, with the stub's layer names.

    Expand (1x1) -> BN -> ReLU6 -> depthwise (3x3, stride) -> BN -> ReLU6 ->
    project (1x1) -> BN, no activation; the input is added when the stride is 1
    and ``c_in == c_out``. The same function as :class:`~lightnets_edu.layers.InvertedResidual`
    (tested). Batch norm gets random scales, shifts and statistics, so that
    activations pass 6 and a missing or extra ReLU6 shows.
    """

    def __init__(self, c_in, c_out, stride, t):
        super().__init__()
        hidden = c_in * t
        self.expand = nn.Conv2d(c_in, hidden, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.depthwise = nn.Conv2d(hidden, hidden, 3, stride=stride, padding=1, groups=hidden, bias=False)
        self.bn2 = nn.BatchNorm2d(hidden)
        self.project = nn.Conv2d(hidden, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.use_res_connect = stride == 1 and c_in == c_out
        with torch.no_grad():
            for bn in (self.bn1, self.bn2, self.bn3):
                bn.weight.uniform_(0.5, 3.0)
                bn.bias.normal_()
                bn.running_mean.normal_(0, 0.2)
                bn.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        out = nn.functional.relu6(self.bn1(self.expand(x)))
        out = nn.functional.relu6(self.bn2(self.depthwise(out)))
        out = self.bn3(self.project(out))
        return x + out if self.use_res_connect else out


class _ProjectionWithReLU6(_InvertedResidualReference):
    def forward(self, x):
        out = nn.functional.relu6(super().forward(x) - (x if self.use_res_connect else 0))
        return x + out if self.use_res_connect else out


class _NoShortcut(_InvertedResidualReference):
    def forward(self, x):
        out = nn.functional.relu6(self.bn1(self.expand(x)))
        out = nn.functional.relu6(self.bn2(self.depthwise(out)))
        return self.bn3(self.project(out))


class _PlainReLU(_InvertedResidualReference):
    def forward(self, x):
        out = torch.relu(self.bn1(self.expand(x)))
        out = torch.relu(self.bn2(self.depthwise(out)))
        out = self.bn3(self.project(out))
        return x + out if self.use_res_connect else out


class _ShortcutAfterActivation(_InvertedResidualReference):
    def forward(self, x):
        out = self.bn3(self.project(nn.functional.relu6(self.bn2(self.depthwise(
            nn.functional.relu6(self.bn1(self.expand(x))))))))
        return nn.functional.relu6(x + out) if self.use_res_connect else out


_BLOCK_CONFIGS = [(f"c_in={a}, c_out={b}, stride={s}, t={t}", dict(c_in=a, c_out=b, stride=s, t=t))
                  for a, b, s, t in [(8, 8, 1, 6), (8, 12, 2, 6), (6, 10, 1, 4), (4, 4, 1, 2), (5, 5, 2, 3)]]


def _block_input(kwargs, seed):
    return 4 * torch.randn(2, kwargs["c_in"], 9, 9, generator=torch.Generator().manual_seed(seed))


@exercise(5, 7, kind="implement", points=2, minutes=25,
          title="Implement the inverted residual block",
          objective="build expand, depthwise and linear projection, with the shortcut only where it fits")
def check_05_7(InvertedResidualBlock):
    """Student's ``nn.Module`` class ``(c_in, c_out, stride, t)`` with layers expand, bn1, depthwise, bn2,
    project, bn3, against the reference on 5 configurations."""
    return check_module(
        InvertedResidualBlock, _InvertedResidualReference, _BLOCK_CONFIGS, _block_input,
        mistakes=[(_ProjectionWithReLU6, "You put a ReLU6 after the projection: the bottleneck is linear, only batch "
                                "norm follows the last 1x1 convolution."),
         (_NoShortcut, "Your block never adds its input: with stride 1 and c_in == c_out, return x + out."),
         (_PlainReLU, "You use ReLU where MobileNet v2 uses ReLU6: the outputs differ wherever an activation "
                      "passes 6."),
         (_ShortcutAfterActivation, "You apply an activation after adding the shortcut: the sum of the "
                                    "bottlenecks is returned as it is.")],
        concept="narrow -> wide -> narrow: expand with a 1x1 conv, filter depthwise (groups = channels) with "
                "the stride, project linearly, and add the input only when the shapes agree: see 'The inverted "
                "residual block'.",
        hint="hidden = c_in * t; expand Conv2d(c_in, hidden, 1), depthwise Conv2d(hidden, hidden, 3, stride, 1, "
             "groups=hidden), project Conv2d(hidden, c_out, 1), all bias=False; forward: relu6(bn1(expand(x))), "
             "relu6(bn2(depthwise(.))), bn3(project(.)), plus x if stride == 1 and c_in == c_out.",
        explain="The package's InvertedResidual computes the same function, with torchvision's layer names.",
    )


# ---------------------------------------------------------------- design

def _read_design(design):
    """(width_mult, resolution, t) from a tuple/list or a dict, or a message saying what is wrong."""
    if isinstance(design, dict):
        keys = {"width_mult", "resolution", "t"}
        if set(design) != keys:
            return None, (f"Expected a dict with the keys width_mult, resolution and t, got the keys "
                          f"{', '.join(map(str, design)) or 'none'}.")
        values = (design["width_mult"], design["resolution"], design["t"])
    elif isinstance(design, (tuple, list)):
        if len(design) != 3:
            return None, f"Expected three values (width_mult, resolution, t), got {len(design)}."
        values = tuple(design)
    else:
        return None, (f"Expected (width_mult, resolution, t), e.g. (0.5, 160, 6), or a dict with those keys, "
                      f"got {type(design).__name__}.")
    width, resolution, t = values
    if isinstance(width, bool) or not isinstance(width, Real) or not 0.1 <= float(width) <= 2.0:
        return None, f"width_mult must be a number from 0.1 to 2, got {width!r}."
    if isinstance(resolution, bool) or not isinstance(resolution, Integral) or not 32 <= resolution <= 512:
        return None, f"resolution must be a whole number of pixels from 32 to 512, got {resolution!r}."
    if isinstance(t, bool) or not isinstance(t, Real) or not 1 <= float(t) <= 10:
        return None, f"t must be a number from 1 to 10 (the paper uses 6), got {t!r}."
    return (float(width), int(resolution), t), None


@exercise(5, 8, kind="design", points=3, minutes=20,
          title="A MobileNet v2 under a MACs and a memory budget",
          objective="trade width, resolution and expansion ratio against MACs and activation memory")
def check_05_8(design):
    """A MobileNet v2 (width_mult, resolution, t) with <= 100 M MACs, a peak of <= 600 K activation values
    (whole blocks), using >= 80% of the MACs budget."""
    if design is None or design is Ellipsis:
        return Verdict(False, "No answer yet: replace the three dots (...) with your (width_mult, resolution, t) and run the "
                              "cell again.", counts_as_try=False)
    try:
        values, problem = _read_design(design)
        if problem:
            return Verdict(False, problem, counts_as_try=False)
        width, resolution, t = values
        setting = with_expand_ratio(t)
        model = MobileNetV2(width_mult=width, setting=setting).eval()
        report = profile(model, input_size=(1, 3, resolution, resolution))
        peak = mobilenet_v2_peak_memory(width, resolution, setting=setting)
    except Exception as err:  # a checker never raises
        return Verdict(False, f"Could not build that network ({type(err).__name__}: {err}).", counts_as_try=False)
    budget, limit, floor = EX8_MACS * 10 ** 6, EX8_MEMORY * 10 ** 3, EX8_MACS * EX8_USE * 10 ** 4
    measured = (f"width {width:g}, {resolution} x {resolution}, t = {t:g}: {report.macs / 1e6:.1f}M MACs "
                f"({report.macs / budget:.0%} of the {EX8_MACS}M budget), a peak of {peak / 1e3:.0f}K activation "
                f"values (limit {EX8_MEMORY}K), {report.params / 1e6:.2f}M parameters")
    cheap, small, used = report.macs <= budget, peak <= limit, report.macs >= floor
    if cheap and small and used:
        return Verdict(True, f"Correct: {measured}. Many designs pass: full width at 128 pixels with t = 6, "
                             "width 1.3 at 128 with t = 3, width 1 at 160 with t = 3...")
    missing = [what for what, ok in [("over the MACs budget", cheap), ("over the memory limit", small)] if not ok]
    if missing:
        advice = ("MACs grow with width^2 x resolution^2 x t (roughly); the peak is set by the early, large maps "
                  "and grows with resolution^2 and t, but less with width")
        return Verdict(False, f"Not quite: {measured}: {' and '.join(missing)}. Hint: {advice}.",
                       score=0.5 if len(missing) == 1 else 0.0)
    return Verdict(False, f"Not quite: {measured}: within both limits, but it leaves more than "
                          f"{100 - EX8_USE}% of the MACs budget unused. Spend it: more width, resolution or t "
                          "buy accuracy.", score=0.5)


# ---------------------------------------------------------------- choice

@exercise(5, 9, kind="choice", points=1, minutes=5,
          title="Where a ReLU after the projection hurts",
          objective="explain from the manifold argument why the bottleneck projection is linear")
def check_05_9(answer):
    """Which block loses the most when a ReLU6 follows its projection: 8 channels, 320, or neither?"""
    return check_choice(
        answer, "a", ["a", "b", "c"],
        concept="a ReLU loses information where the representation has few dimensions: see 'Why the projection "
                "is linear: the manifold of interest'.",
        option_hints={"b": "In hundreds of dimensions a ReLU keeps almost every input recoverable: the spiral "
                           "came back whole from m = 15 on.",
                      "c": "What a ReLU maps to the same output is gone for good: no later layer, linear or not, "
                           "can tell those inputs apart again."},
        hint="the spiral experiment: with m = 2 or 3 dimensions about half or more of the points are lost, from "
             "m = 15 on none; 8 channels is the low end, 320 the high end.",
        explain="The bottleneck is the low-dimensional space: a ReLU there zeroes whole regions that no later "
                "layer can recover, which is why MobileNet v2 projects linearly.",
    )
