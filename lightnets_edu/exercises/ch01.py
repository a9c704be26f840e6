"""Checkers for the exercises of chapter 1, *What a convolution costs*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. The expected
answers are computed from :mod:`lightnets_edu.cost`, never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
01_1       MACs of a strided 3x3 conv: ``EX1_C_IN=64 -> EX1_C_OUT=128``
           channels, kernel ``EX1_KERNEL=3``, stride ``EX1_STRIDE=2``,
           padding ``EX1_PADDING=1``, on an ``EX1_SIZE=56`` x 56 input
01_2       learnable parameters of conv (no bias) + batch norm:
           ``EX2_C_IN=128 -> EX2_C_OUT=256``, kernel ``EX2_KERNEL=3``
01_3       MACs of a grouped 3x3 conv (ResNeXt style): ``EX3_CHANNELS=256``
           in and out, ``EX3_GROUPS=32``, kernel ``EX3_KERNEL=3``,
           output ``EX3_SIZE=14`` x 14
01_4       fraction of a 5x5 conv's MACs that the equivalent stack of 3x3
           convs costs: ``EX4_CHANNELS=128``, kernel ``EX4_KERNEL=5``,
           output ``EX4_SIZE=28`` x 28
01_5       how many times fewer MACs a depthwise separable conv needs than a
           standard 3x3 conv: ``EX5_CHANNELS=512`` in and out,
           kernel ``EX5_KERNEL=3``, output ``EX5_SIZE=14`` x 14
=========  ===============================================================
"""

from fractions import Fraction

from .. import cost
from ._catalog import exercise
from ._grading import check_number, distinct_mistakes

__all__ = ["check_01_1", "check_01_2", "check_01_3", "check_01_4", "check_01_5"]

# exercise 1: output size, then MACs
EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_STRIDE, EX1_PADDING, EX1_SIZE = 64, 128, 3, 2, 1, 56
# exercise 2: parameters of conv + BN
EX2_C_IN, EX2_C_OUT, EX2_KERNEL = 128, 256, 3
# exercise 3: grouped convolution
EX3_CHANNELS, EX3_GROUPS, EX3_KERNEL, EX3_SIZE = 256, 32, 3, 14
# exercise 4: stacked 3x3 convolutions instead of one larger kernel
EX4_CHANNELS, EX4_KERNEL, EX4_SIZE = 128, 5, 28
# exercise 5: depthwise separable instead of standard
EX5_CHANNELS, EX5_KERNEL, EX5_SIZE = 512, 3, 14


@exercise(1, 1, kind="number", points=1, minutes=10,
          title="MACs of a strided convolution",
          objective="count the MACs of a convolution from its output size")
def check_01_1(answer):
    """MACs of a 3x3 conv, 64 -> 128 channels, stride 2, padding 1, on a 56 x 56 input (batch 1)."""
    out = cost.conv_out_size(EX1_SIZE, EX1_KERNEL, stride=EX1_STRIDE, padding=EX1_PADDING)
    conv = cost.conv2d(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, out)
    unpadded = cost.conv_out_size(EX1_SIZE, EX1_KERNEL, stride=EX1_STRIDE, padding=0)
    return check_number(
        answer, conv.macs,
        hint="first find the output size with floor((H + 2p - K) / s) + 1, then multiply "
             "K*K*C_in*C_out by H_out*W_out.",
        mistakes=distinct_mistakes(
            conv.macs,
            flops=(conv.flops, "That is the FLOP count: one MAC is a multiply and an add, "
                               "2 FLOPs. The question asks for MACs."),
            stride=(cost.conv2d(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_SIZE).macs,
                    f"That is the cost at stride 1. With stride {EX1_STRIDE} the output is "
                    f"{out} x {out}, so there are {EX1_STRIDE ** 2}x fewer output positions."),
            positions=(conv.params, "That is the number of weights. Each weight is used once "
                                    "per output position: multiply by H_out * W_out."),
            padding=(cost.conv2d(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, unpadded).macs,
                     f"That output size ({unpadded} x {unpadded}) ignores the padding of "
                     f"{EX1_PADDING} on each side."),
        ),
        explain=f"The output is {out} x {out}; each of its {EX1_C_OUT} x {out} x {out} values "
                f"takes {EX1_KERNEL}*{EX1_KERNEL}*{EX1_C_IN} MACs.",
    )


@exercise(1, 2, kind="number", points=1, minutes=5,
          title="Parameters of conv + batch norm",
          objective="count every learnable tensor of a layer, batch norm included")
def check_01_2(answer):
    """Learnable parameters of Conv2d(128, 256, 3, bias=False) followed by BatchNorm2d(256)."""
    conv = cost.conv2d(EX2_C_IN, EX2_C_OUT, EX2_KERNEL, 1)
    bn = cost.batchnorm(EX2_C_OUT)
    expected = conv.params + bn.params
    running_stats = 2 * EX2_C_OUT
    return check_number(
        answer, expected,
        hint="count the conv's weights K*K*C_in*C_out, then what batch norm *learns* per channel.",
        mistakes=distinct_mistakes(
            expected,
            no_bn=(conv.params, "That is the conv alone. Batch norm learns a scale (gamma) and "
                                "a shift (beta) per channel."),
            buffers=(expected + running_stats, "You counted the running mean and variance: they "
                                               "are buffers, estimated, not learned."),
            buffers_and_counter=(expected + running_stats + 1,
                                 "You counted BN's buffers (running mean, running variance, "
                                 "num_batches_tracked): they are not parameters."),
            bias=(expected + EX2_C_OUT, "The conv has bias=False: a bias before batch norm is "
                                        "redundant, because BN subtracts the mean and adds beta."),
            kernel_not_squared=(EX2_KERNEL * EX2_C_IN * EX2_C_OUT + bn.params,
                                "A K x K kernel has K*K weights per pair of channels."),
        ),
        explain=f"{conv.params:,} conv weights + {bn.params:,} BN parameters (gamma and beta).",
    )


@exercise(1, 3, kind="number", points=1, minutes=10,
          title="MACs of a grouped convolution",
          objective="see how groups divide a convolution's cost")
def check_01_3(answer):
    """MACs of a 3x3 conv, 256 -> 256 channels, groups=32, output 14 x 14."""
    c, g = EX3_CHANNELS, EX3_GROUPS
    conv = cost.conv2d(c, c, EX3_KERNEL, EX3_SIZE, groups=g)
    dense = cost.conv2d(c, c, EX3_KERNEL, EX3_SIZE)
    return check_number(
        answer, conv.macs,
        hint="each filter sees only C_in / g input channels; everything else is as for a "
             "standard convolution.",
        mistakes=distinct_mistakes(
            conv.macs,
            groups=(dense.macs, f"That ignores the groups: each filter sees only "
                                f"{c}/{g} = {c // g} input channels, so the cost is g = {g} "
                                f"times smaller."),
            groups_squared=(dense.macs // g ** 2, "Grouping divides the cost by g once, not g^2: "
                                                  "C_out stays the same, only C_in per filter "
                                                  "shrinks."),
            flops=(conv.flops, "That is the FLOP count (2 per MAC). The question asks for MACs."),
            positions=(conv.params, "That is the number of weights; multiply by the "
                                    f"{EX3_SIZE} x {EX3_SIZE} output positions."),
        ),
        explain=f"K*K*(C_in/g)*C_out*H*W = 1/{g} of the ungrouped {dense.macs:,} MACs.",
    )


@exercise(1, 4, kind="number", points=1, minutes=10,
          title="Stacked 3x3 convolutions instead of a 5x5",
          objective="compare receptive field and cost of factorized kernels")
def check_01_4(answer):
    """Cost of the 3x3 stack with a 5 x 5 receptive field, as a fraction of the 5x5 conv's MACs."""
    c, k, hw = EX4_CHANNELS, EX4_KERNEL, EX4_SIZE
    big = cost.conv2d(c, c, k, hw)
    layers = (k - 1) // 2  # each stride-1 3x3 layer widens the receptive field by 2
    stack = layers * cost.conv2d(c, c, 3, hw)
    expected = Fraction(stack.macs, big.macs)

    def fraction_of(n):
        return Fraction((n * cost.conv2d(c, c, 3, hw)).macs, big.macs)

    return check_number(
        answer, expected, rel_tol=1e-6,
        hint="a stack of n stride-1 3x3 convs has a (2n+1) x (2n+1) receptive field; compare "
             "n * 9 * C^2 with 25 * C^2 MACs per output position.",
        mistakes=distinct_mistakes(
            expected,
            four=(fraction_of(4), "Four 3x3 layers see a 9 x 9 window, not 5 x 5: the "
                                  "'four 3x3 filters' picture counts overlapping patches, not "
                                  "layers. Two layers are enough."),
            three=(fraction_of(3), "Three stacked 3x3 layers see 7 x 7; for 5 x 5 you need two."),
            one=(fraction_of(1), "One 3x3 layer only sees 3 x 3."),
            inverse=(1 / expected, "That is the 5x5 conv's cost relative to the stack; the "
                                   "question asks for the stack relative to the 5x5 conv."),
            saving=(1 - expected, "That is the saving; the question asks for the fraction the "
                                  "stack still costs."),
        ),
        explain=f"Two 3x3 layers: {layers} * 9 C^2 = 18 C^2 against 25 C^2 per output position.",
    )


@exercise(1, 5, kind="number", points=1, minutes=10,
          title="Depthwise separable saving",
          objective="derive the separable/standard cost ratio 1/N + 1/K^2")
def check_01_5(answer):
    """How many times fewer MACs a depthwise separable conv needs than a standard 3x3 (512 -> 512, 14 x 14)."""
    c, k, hw = EX5_CHANNELS, EX5_KERNEL, EX5_SIZE
    standard = cost.conv2d(c, c, k, hw)
    separable = cost.depthwise_separable(c, c, k, hw)
    expected = Fraction(standard.macs, separable.macs)
    assert 1 / expected == cost.separable_ratio(c, k)
    return check_number(
        answer, expected, rel_tol=1e-3,
        hint="divide the standard cost K^2*M*N*H*W by the depthwise K^2*M*H*W plus the pointwise "
             "M*N*H*W cost; three significant figures are enough.",
        mistakes=distinct_mistakes(
            expected,
            pointwise_only=(Fraction(standard.macs, cost.pointwise_conv(c, c, hw).macs),
                            f"That is K^2 = {k * k}: you compared with the pointwise 1x1 conv "
                            "alone. Add the depthwise conv's MACs."),
            depthwise_only=(Fraction(standard.macs, cost.depthwise_conv(c, k, hw).macs),
                            f"That is N = {c}: you compared with the depthwise conv alone. "
                            "Add the pointwise 1x1 conv's MACs, which dominate."),
            inverse=(1 / expected, "That is the ratio separable / standard = 1/N + 1/K^2; the "
                                   "question asks how many times fewer, standard / separable."),
        ),
        explain=f"1 / (1/{c} + 1/{k * k}) = {float(expected):.4g}: close to, but below, K^2 = {k * k}.",
    )
