"""Checkers for the exercises of chapter 2, *MobileNet v1*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. The expected
answers are computed from :mod:`lightnets_edu.cost` and from MobileNet v1's
config table (through :func:`lightnets_edu.models.mobilenet_v1.mobilenet_v1_cost`, which
the tests check against the profiled model), never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
02_1       MACs of one depthwise separable layer of MobileNet v1:
           ``EX1_C_IN=256 -> EX1_C_OUT=256``, kernel ``EX1_KERNEL=3``,
           stride 1, output ``EX1_SIZE=28`` x 28
02_2       the largest width multiplier on the grid ``EX2_STEP=0.05``
           (alpha = 0.05 k) for which MobileNet v1 at ``EX2_RESOLUTION=224``
           needs at most ``EX2_BUDGET=250_000_000`` MACs
02_3       depthwise separable / standard cost ratio for
           ``EX3_C_OUT=512`` output channels and kernel ``EX3_KERNEL=3``
02_4       output size of a 3x3 depthwise conv with stride ``EX4_STRIDE=2``
           and padding 1 on the ``EX4_SIZE=7`` x 7 map of Table 1's last row
02_5       MACs of MobileNet v1 with ``EX5_ALPHA=0.5`` at ``EX5_RESOLUTION=160``
=========  ===============================================================
"""

from fractions import Fraction

from .. import cost
from ..models.mobilenet_v1 import mobilenet_v1_cost
from ._catalog import exercise
from ._grading import check_number, distinct_mistakes

__all__ = ["check_02_1", "check_02_2", "check_02_3", "check_02_4", "check_02_5"]

# exercise 1: one separable layer
EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_SIZE = 256, 256, 3, 28
# exercise 2: width multiplier under a MAC budget
EX2_BUDGET, EX2_STEP, EX2_RESOLUTION = 250_000_000, Fraction(1, 20), 224
# exercise 3: the cost ratio
EX3_C_OUT, EX3_KERNEL = 512, 3
# exercise 4: Table 1's erratum
EX4_SIZE, EX4_KERNEL, EX4_STRIDE, EX4_PADDING = 7, 3, 2, 1
# exercise 5: both multipliers
EX5_ALPHA, EX5_RESOLUTION = 0.5, 160


def _ex2_alphas():
    """The grid 0.05, 0.10, ..., 1.00 as floats, each with its MACs at EX2_RESOLUTION."""
    steps = int(1 / EX2_STEP)
    return [(float(k * EX2_STEP), mobilenet_v1_cost(float(k * EX2_STEP), EX2_RESOLUTION).macs)
            for k in range(1, steps + 1)]


@exercise(2, 1, kind="number", points=1, minutes=10,
          title="MACs of one separable layer",
          objective="count a depthwise separable layer's two halves")
def check_02_1(answer):
    """MACs of a depthwise separable layer, 256 -> 256 channels, 3x3, stride 1, at 28 x 28."""
    block = cost.depthwise_separable(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_SIZE)
    depthwise = cost.depthwise_conv(EX1_C_IN, EX1_KERNEL, EX1_SIZE)
    pointwise = cost.pointwise_conv(EX1_C_IN, EX1_C_OUT, EX1_SIZE)
    standard = cost.conv2d(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_SIZE)
    return check_number(
        answer, block.macs,
        hint="add the depthwise part D_K^2 M D_F^2 and the pointwise part M N D_F^2.",
        mistakes=distinct_mistakes(
            block.macs,
            flops=(block.flops, "That is the FLOP count (2 per MAC). The question asks for MACs."),
            standard=(standard.macs, "That is the standard 3x3 convolution the block replaces: "
                                     "D_K^2 M N D_F^2."),
            pointwise=(pointwise.macs, "That is only the pointwise (1x1) part; add the depthwise 3x3 part."),
            depthwise=(depthwise.macs, "That is only the depthwise part; add the pointwise 1x1 part."),
            params=(block.params, "That is the number of weights. Multiply each part by the "
                                  f"{EX1_SIZE} x {EX1_SIZE} output positions."),
        ),
        explain=f"Depthwise {depthwise.macs:,} + pointwise {pointwise.macs:,}: the 1x1 part is "
                f"{pointwise.macs / block.macs:.0%} of the block.",
    )


@exercise(2, 2, kind="number", points=2, minutes=15,
          title="Width multiplier under a MAC budget",
          objective="use alpha to fit a network to a budget")
def check_02_2(answer):
    """Largest alpha = 0.05 k with MobileNet v1's MACs at 224 within 250M."""
    grid = _ex2_alphas()
    fits = [alpha for alpha, macs in grid if macs <= EX2_BUDGET]
    best = max(fits)
    over = min(alpha for alpha, macs in grid if macs > EX2_BUDGET)
    over_macs = dict(grid)[over]
    return check_number(
        answer, best, rel_tol=1e-9,
        hint="MACs grow roughly as alpha^2: start near sqrt(budget / MACs at alpha = 1), then "
             "compute the exact MACs of the neighbouring grid points.",
        mistakes=distinct_mistakes(
            best,
            over=(over, f"alpha = {over:g} needs {over_macs:,} MACs, over the budget of {EX2_BUDGET:,}."),
            linear=(float(int(EX2_BUDGET / mobilenet_v1_cost(1.0, EX2_RESOLUTION).macs / EX2_STEP) * EX2_STEP),
                    "That scales the MACs linearly with alpha. Nearly every MAC is in a layer whose "
                    "input and output channels both shrink, so MACs scale as alpha^2."),
        ),
        explain=f"alpha = {best:g} needs {dict(grid)[best]:,} MACs; alpha = {over:g} would need {over_macs:,}.",
    )


@exercise(2, 3, kind="number", points=1, minutes=5,
          title="The separable cost ratio",
          objective="derive the separable/standard cost ratio 1/N + 1/D_K^2")
def check_02_3(answer):
    """Depthwise separable / standard cost for N = 512, D_K = 3: 1/N + 1/D_K^2."""
    ratio = cost.separable_ratio(EX3_C_OUT, EX3_KERNEL)
    return check_number(
        answer, ratio, rel_tol=1e-3,
        hint="divide D_K^2 M D_F^2 + M N D_F^2 by D_K^2 M N D_F^2 term by term.",
        mistakes=distinct_mistakes(
            ratio,
            inverse=(1 / ratio, "That is how many times cheaper the separable layer is; the question "
                                "asks for the ratio separable / standard, a number below 1."),
            kernel_only=(Fraction(1, EX3_KERNEL ** 2), "That is only the 1/D_K^2 term; add 1/N."),
            not_squared=(Fraction(1, EX3_C_OUT) + Fraction(1, EX3_KERNEL),
                         "The kernel has D_K x D_K = D_K^2 taps: the second term is 1/D_K^2, not 1/D_K."),
        ),
        explain=f"1/{EX3_C_OUT} + 1/{EX3_KERNEL ** 2} = {ratio}: about {float(1 / ratio):.2f}x fewer MACs.",
    )


@exercise(2, 4, kind="number", points=1, minutes=10,
          title="Table 1's last row",
          objective="check a paper's table against the shapes it implies")
def check_02_4(answer):
    """Output size of a 3x3 stride-2 padding-1 conv on a 7 x 7 map (Table 1's printed last row)."""
    out = cost.conv_out_size(EX4_SIZE, EX4_KERNEL, stride=EX4_STRIDE, padding=EX4_PADDING)
    return check_number(
        answer, out,
        hint="use floor((H + 2p - K) / s) + 1 with H = 7, p = 1, K = 3, s = 2.",
        mistakes=distinct_mistakes(
            out,
            same=(EX4_SIZE, "That is what the table needs next (the 7x7 average pool), and what "
                            "stride 1 gives. With the printed stride 2 the map shrinks."),
            unpadded=(cost.conv_out_size(EX4_SIZE, EX4_KERNEL, stride=EX4_STRIDE, padding=0),
                      f"That ignores the padding of {EX4_PADDING} on each side."),
            half=(EX4_SIZE / 2, "Sizes are whole numbers: the formula takes the floor, then adds 1."),
        ),
        explain=f"A {out}x{out} map, which a 7x7 average pool could not take: Table 1's "
                "last 'Conv dw / s2' must be stride 1.",
    )


@exercise(2, 5, kind="number", points=2, minutes=15,
          title="MobileNet v1 at alpha 0.5, 160 px",
          objective="see why real MACs exceed the alpha^2 rho^2 rule")
def check_02_5(answer):
    """MACs of MobileNet v1 with alpha = 0.5 at 160 x 160."""
    exact = mobilenet_v1_cost(EX5_ALPHA, EX5_RESOLUTION)
    full = mobilenet_v1_cost(1.0, 224).macs
    rho = EX5_RESOLUTION / 224
    return check_number(
        answer, exact.macs, rel_tol=0.0,
        hint="build mobilenet_v1(width_mult=0.5) and profile it at (1, 3, 160, 160), or add up the "
             "layers of Table 1 with every channel count halved and every map scaled to 160.",
        mistakes=distinct_mistakes(
            exact.macs,
            flops=(exact.flops, "That is the FLOP count (2 per MAC). The question asks for MACs."),
            approx=(round(full * EX5_ALPHA ** 2 * rho ** 2),
                    "That is the alpha^2 rho^2 approximation of the paper. It is close but not exact: "
                    "a depthwise layer's MACs grow as alpha, not alpha^2 (it has one filter per channel), "
                    "the first layer has 3 input channels whatever alpha is, and the FC layer does not "
                    "scale with the resolution. Count the layers."),
            linear=(round(full * EX5_ALPHA * rho), "MACs scale about as alpha^2 rho^2, not alpha rho."),
        ),
        explain=f"{exact.macs / 1e6:.1f}M MACs, {exact.macs / full:.1%} of alpha = 1 at 224.",
    )
