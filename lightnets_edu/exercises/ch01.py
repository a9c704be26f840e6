"""Checkers for the exercises of chapter 1, *What a convolution costs*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. The expected
answers are computed from :mod:`lightnets_edu.cost`, never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
01_1       MACs of a strided 3x3 conv: ``EX1_C_IN=64 -> EX1_C_OUT=128``
           channels, kernel ``EX1_KERNEL=3``, stride ``EX1_STRIDE=2``,
           padding ``EX1_PADDING=1``, on an ``EX1_SIZE=57`` x 57 input
01_2       learnable parameters of conv (no bias) + batch norm:
           ``EX2_C_IN=128 -> EX2_C_OUT=256``, kernel ``EX2_KERNEL=3``
01_3       MACs of a grouped 3x3 conv (ResNeXt style): ``EX3_CHANNELS=256``
           in and out, ``EX3_GROUPS=32``, kernel ``EX3_KERNEL=3``,
           output ``EX3_SIZE=14`` x 14
01_4       fraction of a 5x5 conv's MACs (``EX4_C_IN=64 -> EX4_C_OUT=96``)
           that two stacked 3x3 convs (64 -> ``EX4_C_MID=64`` -> 96) cost,
           output ``EX4_SIZE=28`` x 28
01_5       how many times fewer MACs a depthwise separable conv needs than a
           standard ``EX5_KERNEL=5`` x 5 conv: ``EX5_CHANNELS=320`` in and
           out, output ``EX5_SIZE=7`` x 7
01_6       implement: ``conv_out_size(size, kernel, stride, padding, dilation)``
01_7       implement: ``conv2d_macs(conv, x)``, the MACs of ``conv(x)``
01_8       implement: ``pointwise_conv(x, weight)``, a 1x1 conv as a matrix product
01_9       design: ``EX9_CHANNELS=96`` -> 96 channels on ``EX9_SIZE=28`` x 28,
           receptive field >= ``EX9_FIELD=5``, at most 1/``EX9_SAVING=4`` of a
           standard 5x5 conv's MACs
01_10      choice: same MACs, different time (arithmetic intensity)
=========  ===============================================================
"""

import copy
import random
from fractions import Fraction

import torch
from torch import nn

from .. import cost
from ..profile import profile
from ._catalog import exercise
from ._grading import Verdict, check_choice, check_number, distinct_mistakes, not_a_module
from ._implement import check_function

__all__ = ["check_01_1", "check_01_2", "check_01_3", "check_01_4", "check_01_5", "check_01_6", "check_01_7",
           "check_01_8", "check_01_9", "check_01_10"]

# exercise 1: output size, then MACs (an odd input size: the floor matters)
EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_STRIDE, EX1_PADDING, EX1_SIZE = 64, 128, 3, 2, 1, 57
# exercise 2: parameters of conv + BN
EX2_C_IN, EX2_C_OUT, EX2_KERNEL = 128, 256, 3
# exercise 3: grouped convolution
EX3_CHANNELS, EX3_GROUPS, EX3_KERNEL, EX3_SIZE = 256, 32, 3, 14
# exercise 4: two stacked 3x3 convolutions instead of one 5x5, channels changing on the way
EX4_C_IN, EX4_C_MID, EX4_C_OUT, EX4_KERNEL, EX4_SIZE = 64, 64, 96, 5, 28
# exercise 5: depthwise separable instead of standard
EX5_CHANNELS, EX5_KERNEL, EX5_SIZE = 320, 5, 7
# exercise 9: a cheap block with a 5 x 5 receptive field
EX9_CHANNELS, EX9_SIZE, EX9_FIELD, EX9_SAVING = 96, 28, 5, 4


@exercise(1, 1, kind="number", points=1, minutes=10,
          title="MACs of a strided convolution",
          objective="count the MACs of a convolution from its output size")
def check_01_1(answer):
    """MACs of a 3x3 conv, 64 -> 128 channels, stride 2, padding 1, on a 57 x 57 input (batch 1)."""
    out = cost.conv_out_size(EX1_SIZE, EX1_KERNEL, stride=EX1_STRIDE, padding=EX1_PADDING)
    conv = cost.conv2d(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, out)
    unpadded = cost.conv_out_size(EX1_SIZE, EX1_KERNEL, stride=EX1_STRIDE, padding=0)
    return check_number(
        answer, conv.macs,
        concept="MACs = weights x output positions, and the output size comes first: see 'Output size' "
                "and 'Parameters and MACs'.",
        hint="H_out = floor((H + 2p - K) / s) + 1, then K*K*C_in*C_out*H_out*W_out.",
        mistakes=distinct_mistakes(
            conv.macs,
            flops=(conv.flops, "That is the FLOP count: one MAC is a multiply and an add, "
                               "2 FLOPs. The question asks for MACs."),
            stride=(cost.conv2d(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_SIZE).macs,
                    f"That is the cost at stride 1. With stride {EX1_STRIDE} the output is "
                    f"{out} x {out}: about {EX1_STRIDE ** 2}x fewer output positions."),
            positions=(conv.params, "That is the number of weights. Each weight is used once "
                                    "per output position: multiply by H_out * W_out."),
            padding=(cost.conv2d(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, unpadded).macs,
                     f"That output size ({unpadded} x {unpadded}) ignores the padding of {EX1_PADDING} on "
                     f"each side (or halves {EX1_SIZE} and rounds down); the formula gives {out}."),
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
        concept="count what each layer *learns*: see 'Bias and batch norm'.",
        hint="the conv's weights K*K*C_in*C_out, plus gamma and beta: 2 per channel of batch norm.",
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
        concept="with g groups each filter sees only part of the input channels: see 'Grouped convolution'.",
        hint="K*K*(C_in/g)*C_out*H_out*W_out.",
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


@exercise(1, 4, kind="number", points=1, minutes=15,
          title="Stacked 3x3 convolutions instead of a 5x5, channels changing",
          objective="compare receptive field and cost of factorized kernels")
def check_01_4(answer):
    """Cost of the 3x3 stack (64 -> 64 -> 96) with a 5 x 5 receptive field, as a fraction of the 5x5 conv's MACs."""
    hw = EX4_SIZE
    big = cost.conv2d(EX4_C_IN, EX4_C_OUT, EX4_KERNEL, hw)
    stack = cost.conv2d(EX4_C_IN, EX4_C_MID, 3, hw) + cost.conv2d(EX4_C_MID, EX4_C_OUT, 3, hw)
    expected = Fraction(stack.macs, big.macs)

    def fraction(*layers):
        return Fraction(sum(cost.conv2d(a, b, 3, hw).macs for a, b in layers), big.macs)

    return check_number(
        answer, expected, rel_tol=1e-6,
        concept="n stride-1 3x3 layers see (2n+1) x (2n+1), and each layer costs its own "
                "K*K*C_in*C_out per position: see 'Stacking 3×3 convolutions: the VGG argument'.",
        hint=f"two layers: (9*{EX4_C_IN}*{EX4_C_MID} + 9*{EX4_C_MID}*{EX4_C_OUT}) / (25*{EX4_C_IN}*{EX4_C_OUT}); "
             "the map size cancels.",
        mistakes=distinct_mistakes(
            expected,
            square=(Fraction(18, 25), "18/25 is the chapter's square case (C channels throughout). Here the "
                                      f"first layer maps {EX4_C_IN} -> {EX4_C_MID} and the second "
                                      f"{EX4_C_MID} -> {EX4_C_OUT}: cost each layer separately."),
            both_wide=(fraction((EX4_C_IN, EX4_C_OUT), (EX4_C_OUT, EX4_C_OUT)),
                       f"That widens to {EX4_C_OUT} in the first layer; the stack keeps {EX4_C_MID} "
                       "channels in between."),
            three=(fraction((EX4_C_IN, EX4_C_MID), (EX4_C_MID, EX4_C_MID), (EX4_C_MID, EX4_C_OUT)),
                   "Three stacked 3x3 layers see 7 x 7; for 5 x 5 you need two."),
            inverse=(1 / expected, "That is the 5x5 conv's cost relative to the stack; the "
                                   "question asks for the stack relative to the 5x5 conv."),
            saving=(1 - expected, "That is the saving; the question asks for the fraction the "
                                  "stack still costs."),
        ),
        explain=f"{stack.macs:,} / {big.macs:,} MACs: 9*{EX4_C_MID}*({EX4_C_IN} + {EX4_C_OUT}) against "
                f"25*{EX4_C_IN}*{EX4_C_OUT} per output position.",
    )


@exercise(1, 5, kind="number", points=1, minutes=10,
          title="Depthwise separable saving",
          objective="derive the separable/standard cost ratio 1/N + 1/K^2")
def check_01_5(answer):
    """How many times fewer MACs a depthwise separable conv needs than a standard 5x5 (320 -> 320, 7 x 7)."""
    c, k, hw = EX5_CHANNELS, EX5_KERNEL, EX5_SIZE
    standard = cost.conv2d(c, c, k, hw)
    separable = cost.depthwise_separable(c, c, k, hw)
    expected = Fraction(standard.macs, separable.macs)
    assert 1 / expected == cost.separable_ratio(c, k)
    return check_number(
        answer, expected, rel_tol=1e-3,
        concept="a depthwise conv then a pointwise 1x1 conv, against one standard conv: see "
                "'Depthwise separable convolution: the ratio 1/N + 1/D_K^2'.",
        hint="standard / separable = 1 / (1/N + 1/K^2); three significant figures are enough.",
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
            three_by_three=(1 / cost.separable_ratio(c, 3),
                            "That is the saving of a 3x3 kernel; this one is 5 x 5."),
        ),
        explain=f"1 / (1/{c} + 1/{k * k}) = {float(expected):.4g}: close to, but below, K^2 = {k * k}.",
    )


# ---------------------------------------------------------------- implement

def _conv_size_cases():
    """Random (size, kernel, stride, padding, dilation) that fit, and the edge cases."""
    rng = random.Random(1)
    cases = [(7, 7, 1, 0, 1), (8, 3, 2, 0, 1), (9, 3, 2, 1, 1), (28, 3, 1, 2, 2), (224, 7, 2, 3, 1)]
    while len(cases) < 24:
        size, kernel = rng.randint(1, 40), rng.randint(1, 7)
        stride, padding, dilation = rng.randint(1, 4), rng.randint(0, 3), rng.randint(1, 3)
        if dilation * (kernel - 1) + 1 <= size + 2 * padding:
            cases.append((size, kernel, stride, padding, dilation))
    return [(f"size={a}, kernel={b}, stride={c}, padding={d}, dilation={e}", (a, b, c, d, e))
            for a, b, c, d, e in cases]


def _size_without_dilation(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - kernel) // stride + 1


def _size_rounded_up(size, kernel, stride, padding, dilation):
    return -(-(size + 2 * padding - dilation * (kernel - 1) - 1) // stride) + 1


def _size_without_plus_one(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride


@exercise(1, 6, kind="implement", points=2, minutes=15,
          title="Implement the output-size rule",
          objective="compute the output size of any convolution (stride, padding, dilation)")
def check_01_6(conv_out_size):
    """Student's ``conv_out_size(size, kernel, stride, padding, dilation) -> int`` against PyTorch's rule."""
    def reference(size, kernel, stride, padding, dilation):
        return cost.conv_out_size(size, kernel, stride=stride, padding=padding, dilation=dilation)

    return check_function(
        conv_out_size, reference, _conv_size_cases(),
        concept="a window dilated by d spans d(K-1)+1 inputs and slides with stride s: see 'Output size'.",
        hint="floor((size + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1, with integer division //.",
        mistakes=[(_size_without_dilation, "Your function ignores dilation: a dilated window spans "
                                           "dilation*(kernel-1)+1 inputs, not kernel."),
                  (_size_rounded_up, "You rounded up: a window that does not fit entirely is not "
                                     "used, so the division rounds down (//)."),
                  (_size_without_plus_one, "You count the steps of the window, not its positions: add 1 "
                                           "for the first position.")],
        explain="It is the rule PyTorch's Conv2d and MaxPool2d use (ceil_mode=False).",
    )


def _conv_cases():
    rng = random.Random(7)
    cases = []
    for n in range(8):
        groups = rng.choice([1, 1, 2, 4])
        c_in, c_out = groups * rng.randint(1, 6), groups * rng.randint(1, 6)
        kernel = (rng.randint(1, 5), rng.randint(1, 5))
        stride, padding, dilation = rng.randint(1, 3), rng.randint(0, 2), rng.choice([1, 1, 2])
        batch, size = rng.randint(1, 3), rng.randint(10, 20)
        torch.manual_seed(n)
        conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, dilation=dilation,
                         groups=groups, bias=rng.random() < 0.5)
        x = torch.randn(batch, c_in, size, size + 1)
        cases.append((f"{conv} on an input of shape {tuple(x.shape)}", (conv, x)))
    return cases


def _macs_reference(conv, x):
    return profile(conv, input_size=tuple(x.shape)).macs


def _macs_one_image(conv, x):
    return _macs_reference(conv, x) // x.shape[0]


def _macs_no_groups(conv, x):
    return _macs_reference(conv, x) * conv.groups


@exercise(1, 7, kind="implement", points=2, minutes=20,
          title="Implement a MAC counter for Conv2d",
          objective="count the MACs of any Conv2d from its attributes, as a profiler's forward hook does")
def check_01_7(conv2d_macs):
    """Student's ``conv2d_macs(conv, x) -> int``: the MACs of ``conv(x)`` for the whole batch."""
    return check_function(
        conv2d_macs, _macs_reference, _conv_cases(),
        concept="every weight is used once per output position, for every image of the batch: see "
                "'Parameters and MACs'.",
        hint="run the conv (or use the output-size rule) to get (B, C_out, H_out, W_out); the MACs are "
             "conv.weight.numel() * B * H_out * W_out (the bias adds no MAC).",
        mistakes=[(_macs_one_image, "You counted one image: the input has a batch dimension, and "
                                    "profile counts the whole batch."),
                  (_macs_no_groups, "You ignored conv.groups: each filter sees in_channels / groups "
                                    "channels (conv.weight.shape[1] already says so).")],
        explain="A profiler's forward hook does exactly this for every Conv2d it sees.",
    )


def _pointwise_cases():
    g = torch.Generator().manual_seed(8)
    cases = []
    for batch, c_in, c_out, height, width in [(1, 3, 5, 4, 4), (2, 8, 8, 5, 3), (3, 6, 2, 1, 7), (1, 1, 4, 2, 2)]:
        x, weight = torch.randn(batch, c_in, height, width, generator=g), torch.randn(c_out, c_in, generator=g)
        cases.append((f"x of shape {tuple(x.shape)} and weight of shape {tuple(weight.shape)}", (x, weight)))
    return cases


def _pointwise_reference(x, weight):
    return torch.nn.functional.conv2d(x, weight[:, :, None, None])


def _pointwise_channels_last(x, weight):
    return torch.einsum("bchw,oc->bhwo", x, weight)


@exercise(1, 8, kind="implement", points=2, minutes=15,
          title="Implement a 1x1 convolution as a matrix product",
          objective="see a 1x1 convolution as a linear layer applied at every pixel")
def check_01_8(pointwise_conv):
    """Student's ``pointwise_conv(x, weight)``: x (B, C_in, H, W), weight (C_out, C_in) -> (B, C_out, H, W)."""
    return check_function(
        pointwise_conv, _pointwise_reference, _pointwise_cases(),
        concept="a 1x1 convolution applies one C_out x C_in matrix to the channel vector of every pixel: see "
                "'A 1×1 convolution is a linear layer applied at every pixel'.",
        hint="move the channels last (x.permute(0, 2, 3, 1)), multiply by weight.T, move them back "
             "(permute(0, 3, 1, 2)); or torch.einsum('bchw,oc->bohw', x, weight).",
        mistakes=[(_pointwise_channels_last, "Your output keeps the channels last: permute it back to "
                                             "(B, C_out, H, W).")],
        rtol=1e-4, atol=1e-5,
        explain="The same numbers as nn.Conv2d with a 1x1 kernel (up to float rounding): one matrix, every pixel.",
    )


# ---------------------------------------------------------------- design

def receptive_field_of(module, channels, size, window=11):
    """Side of the square input window that the centre output pixel of ``module`` depends on.

    Perturbs one input position at a time (all channels) inside a ``window``
    around the centre and watches the centre output. The module is measured on
    a copy with every parameter made positive, so no ReLU or max-pool can hide
    a dependence; the result is capped at ``window``.
    """
    probe = copy.deepcopy(module).eval()
    with torch.no_grad():
        for p in probe.parameters():
            p.copy_(p.abs() + 0.01)
        x = torch.rand(1, channels, size, size, generator=torch.Generator().manual_seed(0))
        centre = size // 2
        base = probe(x)[0, :, centre, centre]
        seen_rows, seen_cols = [], []
        half = window // 2
        for i in range(centre - half, centre + half + 1):
            for j in range(centre - half, centre + half + 1):
                moved = x.clone()
                moved[0, :, i, j] += 100.0
                if not torch.equal(probe(moved)[0, :, centre, centre], base):
                    seen_rows.append(i)
                    seen_cols.append(j)
    if not seen_rows:
        return 0
    return min(max(seen_rows) - min(seen_rows) + 1, max(seen_cols) - min(seen_cols) + 1)


@exercise(1, 9, kind="design", points=3, minutes=25,
          title="A 5x5 receptive field for a quarter of the MACs",
          objective="trade receptive field against cost with factorized and depthwise convolutions")
def check_01_9(design):
    """A module 96 -> 96 channels on 28 x 28 that sees at least 5 x 5 and costs <= 1/4 of a standard 5x5 conv."""
    c, hw = EX9_CHANNELS, EX9_SIZE
    budget = Fraction(cost.conv2d(c, c, 5, hw).macs, EX9_SAVING)
    unreadable = not_a_module(design, "module", "nn.Sequential(...)")
    if unreadable is not None:
        return unreadable
    try:
        with torch.no_grad():
            out = design.eval()(torch.zeros(1, c, hw, hw))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (1, c, hw, hw):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return Verdict(False, f"Not quite: on a (1, {c}, {hw}, {hw}) input your module returns {shape}; "
                                  f"it must keep the shape (1, {c}, {hw}, {hw}). Use stride 1 and 'same' padding.")
        macs = profile(design, input_size=(1, c, hw, hw)).macs
        field = receptive_field_of(design, c, hw)
    except Exception as err:  # a student's module may fail in any way: say so, never raise
        return Verdict(False, f"Not quite: running your module raised {type(err).__name__}: {err}.")
    share = Fraction(macs) / (EX9_SAVING * budget)
    report = (f"your module costs {macs:,} MACs ({float(share):.1%} of the standard 5x5 conv's "
              f"{int(EX9_SAVING * budget):,}; the budget is {1 / EX9_SAVING:.0%}) and sees a {field} x {field} window")
    cheap, wide = macs <= budget, field >= EX9_FIELD
    if cheap and wide:
        pooled = profile(design, input_size=(1, c, hw, hw)).other_ops.get("pooling", 0) > 0
        note = (" Your window comes (at least partly) from pooling: it averages or picks, it does not learn "
                "a 5 x 5 filter; compare with a depthwise design." if pooled else "")
        return Verdict(True, f"Correct: {report}. Many designs pass: a 5x5 depthwise conv and a 1x1 conv; "
                             "two 3x3 depthwise convs and a 1x1; a 1x5 then 5x1 depthwise pair and a 1x1."
                             + note)
    missing = [what for what, ok in [("over the MACs budget", cheap),
                                     (f"a window under {EX9_FIELD} x {EX9_FIELD}", wide)] if not ok]
    return Verdict(False, f"Not quite: {report}: {' and '.join(missing)}. Hint: a depthwise conv buys a "
                          "spatial window for K*K*C MACs per position; a 1x1 conv mixes the channels.",
                   score=0.5 if len(missing) == 1 else 0.0)


# ---------------------------------------------------------------- choice

@exercise(1, 10, kind="choice", points=1, minutes=10,
          title="Same MACs, same time?",
          objective="predict from arithmetic intensity which of two equal-MAC layers is slower")
def check_01_10(answer):
    """A: 1x1 conv 144 -> 144 on 14 x 14. B: 3x3 depthwise conv, 144 channels, 56 x 56. Same MACs."""
    return check_choice(
        answer, "b", ["a", "b", "c"],
        concept="compute each layer's MACs per byte moved (its arithmetic intensity): see "
                "'Experiment: MACs are not latency'.",
        option_hints={"a": "Equal MACs do not mean equal time: count the bytes each layer must read and write.",
                      "c": "A 1x1 conv is a matrix multiply over the pixels, the best-tuned kernel there is."},
        hint="A moves 4*(2*144*14*14 + 144*144) bytes, B 4*(2*144*56*56 + 9*144): about 12x more for the "
             "same MACs, so B does far fewer MACs per byte.",
        explain="B reads and writes feature maps 16x larger for the same MACs: about 12x lower arithmetic "
                "intensity, so it is bound by memory traffic, not arithmetic.",
    )
