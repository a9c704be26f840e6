"""Checkers for the exercises of chapter 2, *MobileNet v1*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. The expected
answers are computed from :mod:`lightnets_edu.cost` and from MobileNet v1's
config table (through :func:`lightnets_edu.models.mobilenet_v1.mobilenet_v1_cost`, which
the tests check against the profiled model), never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
02_1       MACs of one strided depthwise separable layer:
           ``EX1_C_IN=192 -> EX1_C_OUT=384`` channels, kernel ``EX1_KERNEL=3``,
           stride ``EX1_STRIDE=2``, on an ``EX1_SIZE=28`` x 28 input
02_2       separable / standard cost when the depthwise conv has a channel
           multiplier (TF's ``depth_multiplier``) ``EX2_MULTIPLIER=2``:
           ``EX2_CHANNELS=256`` in and out, kernel ``EX2_KERNEL=3``
02_3       exact MACs of MobileNet v1 with ``EX3_ALPHA=0.75`` at
           ``EX3_RESOLUTION=96`` (not the alpha^2 rho^2 estimate)
02_4       implement: ``MyDepthwiseSeparable(c_in, c_out, stride)``, MobileNet
           v1's block as an ``nn.Module`` (parameters named as the package's)
02_5       implement: ``my_mobilenet_v1_macs(alpha, resolution)``, MobileNet v1's
           MACs from Table 1's rows, without building the model
02_6       design: a MobileNet v1 ``(alpha, resolution)`` with at most
           ``EX6_MACS=150_000_000`` MACs and ``EX6_PARAMS=1_500_000``
           parameters that uses at least ``EX6_USE=0.9`` of the MACs budget
02_7       choice: halve the MACs, keep the parameters (resolution, not width)
02_8       choice: the layer with the lowest arithmetic intensity (the FC layer
           at batch 1)
=========  ===============================================================
"""

from fractions import Fraction
from numbers import Integral, Real

import torch
from torch import nn

from .. import cost
from ..layers import DepthwiseSeparable
from ..models.mobilenet_v1 import MOBILENET_V1_LAYERS, STEM_CHANNELS, mobilenet_v1, mobilenet_v1_cost
from ..profile import profile
from ._catalog import exercise
from ._grading import Verdict, _graduated, check_choice, check_number, distinct_mistakes
from ._implement import check_function, check_module

__all__ = ["check_02_1", "check_02_2", "check_02_3", "check_02_4", "check_02_5", "check_02_6", "check_02_7",
           "check_02_8"]

# exercise 1: one strided separable layer (the stride is on the depthwise conv)
EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_STRIDE, EX1_SIZE = 192, 384, 3, 2, 28
# exercise 2: a depthwise conv with a channel multiplier, then the pointwise conv
EX2_CHANNELS, EX2_KERNEL, EX2_MULTIPLIER = 256, 3, 2
# exercise 3: both multipliers, off the paper's grid
EX3_ALPHA, EX3_RESOLUTION = 0.75, 96
# exercise 6: two budgets, and how much of the MACs budget a good design uses
EX6_MACS, EX6_PARAMS, EX6_USE = 150_000_000, 1_500_000, 0.9

# the chapter's section headings ($ signs dropped), which the first wrong try points at
DERIVING = "Deriving the cost, with the paper's symbols"
CONFIG_TABLE = "The network, from its config table"
THIN = "Why thin models need more than \\alpha^2 of the MACs"
EXPLORE = "Explore: the width and the resolution multipliers"
LATENCY = "Experiment B: MACs are not latency"


@exercise(2, 1, kind="number", points=1, minutes=10,
          title="MACs of a strided separable layer",
          objective="count a depthwise separable layer's two halves, with the stride on the depthwise conv")
def check_02_1(answer):
    """MACs of a depthwise separable layer, 192 -> 384 channels, 3x3, stride 2, on a 28 x 28 input."""
    out = cost.conv_out_size(EX1_SIZE, EX1_KERNEL, stride=EX1_STRIDE, padding=(EX1_KERNEL - 1) // 2)
    block = cost.depthwise_separable(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, out)
    depthwise = cost.depthwise_conv(EX1_C_IN, EX1_KERNEL, out)
    pointwise = cost.pointwise_conv(EX1_C_IN, EX1_C_OUT, out)
    return check_number(
        answer, block.macs,
        concept="a depthwise conv (D_K^2 M MACs per output position) plus a pointwise conv (M N per position), "
                f"both on the output map, which the stride makes smaller: see '{DERIVING}'.",
        hint=f"D_F = floor(({EX1_SIZE} + 2 - 3) / {EX1_STRIDE}) + 1 = {out}, then "
             f"3*3*{EX1_C_IN}*{out}*{out} + {EX1_C_IN}*{EX1_C_OUT}*{out}*{out}.",
        mistakes=distinct_mistakes(
            block.macs,
            flops=(block.flops, "That is the FLOP count (2 per MAC). The question asks for MACs."),
            standard=(cost.conv2d(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, out).macs,
                      "That is the standard 3x3 convolution the block replaces: D_K^2 M N D_F^2."),
            pointwise=(pointwise.macs, "That is only the pointwise (1x1) part; add the depthwise 3x3 part."),
            depthwise=(depthwise.macs, "That is only the depthwise part; add the pointwise 1x1 part."),
            no_stride=(cost.depthwise_separable(EX1_C_IN, EX1_C_OUT, EX1_KERNEL, EX1_SIZE).macs,
                       f"That is the cost at stride 1. With stride {EX1_STRIDE} both convolutions produce a "
                       f"{out} x {out} map."),
            stride_late=(cost.depthwise_conv(EX1_C_IN, EX1_KERNEL, EX1_SIZE).macs + pointwise.macs,
                         f"You counted the depthwise conv on the {EX1_SIZE} x {EX1_SIZE} map: it carries the "
                         f"stride, so it too computes only {out} x {out} outputs."),
            params=(block.params, f"That is the number of weights. Multiply each part by the {out} x {out} "
                                  "output positions."),
        ),
        explain=f"The output is {out} x {out}: depthwise {depthwise.macs:,} + pointwise {pointwise.macs:,} MACs; "
                f"the 1x1 part is {pointwise.macs / block.macs:.0%} of the block.",
    )


@exercise(2, 2, kind="number", points=1, minutes=10,
          title="Separable cost with a depthwise channel multiplier",
          objective="tell the depthwise channel multiplier from alpha and rho, and cost it")
def check_02_2(answer):
    """(depthwise with multiplier 2, then pointwise 512 -> 256) / standard 3x3 conv 256 -> 256."""
    c, k, mult = EX2_CHANNELS, EX2_KERNEL, EX2_MULTIPLIER
    hw = 14  # any map size: it cancels
    standard = cost.conv2d(c, c, k, hw)
    pair = cost.conv2d(c, mult * c, k, hw, groups=c) + cost.pointwise_conv(mult * c, c, hw)
    expected = Fraction(pair.macs, standard.macs)
    plain = cost.separable_ratio(c, k)
    return check_number(
        answer, expected, rel_tol=1e-3,
        concept="divide the pair's MACs by the standard conv's term by term; with a channel multiplier k the "
                f"depthwise conv has k M outputs, and the pointwise conv k M inputs: see '{DERIVING}' (its "
                "correction box, and the measurement after it).",
        hint=f"(D_K^2 k M + k M N) / (D_K^2 M N) = k/N + k/D_K^2 = {mult}/{c} + {mult}/{k * k}.",
        mistakes=distinct_mistakes(
            expected,
            no_multiplier=(plain, f"That is 1/N + 1/D_K^2, the ratio without the multiplier. With k = {mult} "
                                  f"the depthwise conv makes {mult * c} channels, and the pointwise conv reads all "
                                  "of them."),
            depthwise_only=(Fraction(mult, c) + Fraction(1, k * k),
                            f"You multiplied only the depthwise term by k. The pointwise conv then has k M = "
                            f"{mult * c} inputs, so its term is k/D_K^2 too."),
            pointwise_only=(Fraction(1, c) + Fraction(mult, k * k),
                            "You multiplied only the pointwise term by k. The depthwise conv has k filters per "
                            "input channel, so its term is k/N too."),
            inverse=(1 / expected, "That is how many times cheaper the pair is; the question asks for the "
                                   "ratio pair / standard, a number below 1."),
        ),
        explain=f"{mult}/{c} + {mult}/{k * k} = {expected}: the multiplier doubles both halves, so the pair costs "
                f"{mult}x the plain separable layer ({plain}). MobileNet v1 uses k = 1.",
    )


@exercise(2, 3, kind="number", points=1, minutes=15,
          title="MobileNet v1 at alpha 0.75, 96 px",
          objective="see why real MACs exceed the alpha^2 rho^2 rule")
def check_02_3(answer):
    """MACs of MobileNet v1 with alpha = 0.75 at 96 x 96."""
    exact = mobilenet_v1_cost(EX3_ALPHA, EX3_RESOLUTION)
    full = mobilenet_v1_cost(1.0, 224).macs
    rho = Fraction(EX3_RESOLUTION, 224)
    alpha = Fraction(EX3_ALPHA)
    return check_number(
        answer, exact.macs,
        concept="the pointwise layers scale as alpha^2 rho^2, the depthwise layers and the stem as alpha rho^2, "
                f"the FC layer as alpha: see '{THIN}'.",
        hint=f"build mobilenet_v1(width_mult={EX3_ALPHA}) and profile it at (1, 3, {EX3_RESOLUTION}, "
             f"{EX3_RESOLUTION}), or add Table 1's layers with every width times {EX3_ALPHA} and every map "
             f"{EX3_RESOLUTION}/224 of its size.",
        mistakes=distinct_mistakes(
            exact.macs,
            flops=(exact.flops, "That is the FLOP count (2 per MAC). The question asks for MACs."),
            approx=(round(full * alpha ** 2 * rho ** 2),
                    "That is the alpha^2 rho^2 approximation of the paper. It is close but not exact: "
                    "a depthwise layer's MACs grow as alpha, not alpha^2 (it has one filter per channel), "
                    "the first layer has 3 input channels whatever alpha is, and the FC layer does not "
                    "scale with the resolution. Count the layers."),
            linear=(round(full * alpha * rho), "MACs scale about as alpha^2 rho^2, not alpha rho."),
            params=(exact.params, "That is the parameter count; the question asks for MACs."),
        ),
        explain=f"{exact.macs / 1e6:.1f}M MACs, {float(exact.macs / (full * alpha ** 2 * rho ** 2)):.3f} times "
                "the alpha^2 rho^2 estimate.",
    )


# ---------------------------------------------------------------- implement

class _ReferenceBlock(DepthwiseSeparable):
    """The package's block with batch norm's parameters and statistics drawn at random.

    A freshly built batch norm is the identity in eval mode; random values make
    a forgotten or misplaced batch norm visible in the outputs.
    """

    def __init__(self, c_in, c_out, stride=1):
        super().__init__(c_in, c_out, stride)
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2.0)


_BLOCK_CONFIGS = [(f"c_in={a}, c_out={b}, stride={s}", {"c_in": a, "c_out": b, "stride": s})
                  for a, b, s in [(8, 16, 1), (6, 6, 2), (4, 12, 2), (16, 8, 1), (3, 5, 2)]]


def _block_input(kwargs, seed):
    size = 9 + seed  # odd and even sizes
    return torch.randn(2, kwargs["c_in"], size, size, generator=torch.Generator().manual_seed(seed))


def _block_slip(candidate_cls):
    """The message for a known slip visible in the student's layers, or None."""
    try:
        torch.manual_seed(0)
        block = candidate_cls(c_in=8, c_out=16, stride=2)
        convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
        norms = [m for m in block.modules() if isinstance(m, nn.BatchNorm2d)]
    except Exception:
        return None
    if len(convs) != 2:
        return (f"Your block has {len(convs)} convolutions; MobileNet v1's has two: a depthwise 3x3 conv and a "
                "pointwise 1x1 conv.")
    depthwise, pointwise = convs
    if depthwise.groups != depthwise.in_channels:
        return (f"Your 3x3 conv has groups={depthwise.groups}: that is a standard convolution. A depthwise conv "
                "has groups=c_in (and c_in outputs): one filter per channel.")
    if depthwise.bias is not None or pointwise.bias is not None:
        return "Your convolutions have a bias: with batch norm right after, use bias=False (BN's beta is the shift)."
    if depthwise.padding != (1, 1):
        return f"Your depthwise conv has padding={depthwise.padding}: padding 1 keeps a 3x3 conv's map size."
    if depthwise.stride != (2, 2):
        return ("Your depthwise conv has stride 1: the stride belongs on the depthwise conv, so it computes only "
                "the output positions it keeps.")
    if len(norms) != 2:
        return f"Your block has {len(norms)} batch norms; each of the two convolutions is followed by one."
    return None


def _stride_on_pointwise(candidate_cls, reference_cls, configs):
    """True when the student's block matches outputs but spends more MACs (a stride moved after the depthwise conv)."""
    for _, kwargs in configs:
        if kwargs["stride"] == 1:
            continue
        torch.manual_seed(0)
        size = (1, kwargs["c_in"], 12, 12)
        if profile(candidate_cls(**kwargs), input_size=size).macs != profile(reference_cls(**kwargs),
                                                                             input_size=size).macs:
            return True
    return False


_STUB_HINT = "\x00hint\x00"


@exercise(2, 4, kind="implement", points=2, minutes=20,
          title="Implement MobileNet v1's depthwise separable block",
          objective="build a depthwise separable block: groups, stride, batch norm and ReLU in their places")
def check_02_4(block_cls):
    """Student's ``MyDepthwiseSeparable(c_in, c_out, stride)`` against the package's ``DepthwiseSeparable``."""
    concept = (f"a depthwise 3x3 conv (groups = channels) carrying the stride, then a pointwise 1x1 conv, each "
               f"followed by batch norm and ReLU: see '{DERIVING}' and '{CONFIG_TABLE}'.")
    hint = ("self.depthwise = nn.Sequential(nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False), "
            "nn.BatchNorm2d(c_in), nn.ReLU()); self.pointwise = nn.Sequential(nn.Conv2d(c_in, c_out, 1, "
            "bias=False), nn.BatchNorm2d(c_out), nn.ReLU()); forward returns self.pointwise(self.depthwise(x)).")
    verdict = check_module(block_cls, _ReferenceBlock, _BLOCK_CONFIGS, _block_input, hint=_STUB_HINT,
                           explain="It is the block MobileNet v1 repeats 13 times.")
    if not verdict and verdict.counts_as_try and f"Hint: {_STUB_HINT}" in verdict.message:
        graduated = _graduated(concept, _block_slip(block_cls), hint)
        verdict.message = verdict.message.replace(f"Hint: {_STUB_HINT}", graduated)
    elif not verdict and _STUB_HINT in verdict.message:
        verdict.message = verdict.message.replace(_STUB_HINT, concept)
    elif verdict:
        try:
            more_macs = _stride_on_pointwise(block_cls, _ReferenceBlock, _BLOCK_CONFIGS)
        except Exception:  # the student's class built and ran above; never raise here either
            more_macs = False
        if more_macs:
            slip = ("The stride is not on your depthwise conv: a stride-1 depthwise conv followed by a stride-2 "
                    "1x1 conv gives the same numbers, but computes 4 times as many depthwise outputs and throws "
                    "three quarters of them away.")
            return Verdict(False, "Not quite: for the stride-2 configurations your block's outputs are right, but "
                                  "profile counts more MACs than in the reference. " + _graduated(concept, slip, hint))
    return verdict


def _v1_macs(alpha, resolution, *, stem=True, fc=True, min_channels=8, stride_on_pointwise=False):
    """MobileNet v1's MACs from Table 1's rows, with switches for the slips of exercise 02_5."""
    size = cost.conv_out_size(resolution, 3, stride=2, padding=1)
    c_in = max(int(STEM_CHANNELS * alpha), min_channels)
    total = cost.conv2d(3, c_in, 3, size).macs if stem else 0
    for stride, c_out in MOBILENET_V1_LAYERS:
        c_out = max(int(c_out * alpha), min_channels)
        out = cost.conv_out_size(size, 3, stride=stride, padding=1)
        total += cost.depthwise_conv(c_in, 3, size if stride_on_pointwise else out).macs
        total += cost.pointwise_conv(c_in, c_out, out).macs
        c_in, size = c_out, out
    return total + (cost.linear(c_in, 1000).macs if fc else 0)


def _v1_macs_reference(alpha, resolution):
    return mobilenet_v1_cost(alpha, resolution).macs


def _v1_rule_of_thumb(alpha, resolution):
    return round(mobilenet_v1_cost(1.0, 224).macs * alpha ** 2 * (resolution / 224) ** 2)


_V1_CASES = [(f"alpha={a}, resolution={r}", (a, r)) for a, r in
             [(1.0, 224), (0.75, 192), (0.5, 160), (0.25, 128), (0.35, 224), (1.0, 100), (0.6, 96), (1.3, 256),
              (0.1, 64)]]


@exercise(2, 5, kind="implement", points=2, minutes=25,
          title="Implement MobileNet v1's MAC count from its config table",
          objective="compute a whole network's MACs from its config table, layer by layer")
def check_02_5(mobilenet_v1_macs):
    """Student's ``mobilenet_v1_macs(alpha, resolution) -> int`` against ``mobilenet_v1_cost(...).macs``."""
    return check_function(
        mobilenet_v1_macs, _v1_macs_reference, _V1_CASES,
        concept="walk Table 1: the stem, then per row a depthwise conv on the strided map and a pointwise conv, "
                f"then the FC layer, every width max(int(c * alpha), 8): see '{CONFIG_TABLE}' and '{THIN}'.",
        hint="size = conv_out_size(resolution, 3, 2, 1); c_in = max(int(32 * alpha), 8); total = 3*3*3*c_in*size^2; "
             "per (stride, c) in MOBILENET_V1_LAYERS: c_out = max(int(c * alpha), 8), size = conv_out_size(size, 3, "
             "stride, 1), total += 9*c_in*size^2 + c_in*c_out*size^2, c_in = c_out; finally total += c_in*1000.",
        mistakes=[(lambda a, r: _v1_macs(a, r, fc=False), "You left out the FC layer: 1024 alpha x 1000 MACs."),
                  (lambda a, r: _v1_macs(a, r, stem=False), "You left out the stem, the full 3x3 conv from 3 to "
                                                            "32 alpha channels at stride 2."),
                  (lambda a, r: _v1_macs(a, r, min_channels=1), "Your widths miss the floor of 8 channels: "
                                                                "max(int(c * alpha), 8), as scale_channels does."),
                  (lambda a, r: _v1_macs(a, r, stride_on_pointwise=True),
                   "You cost each strided depthwise conv on its input map: it carries the stride, so it computes "
                   "only the output positions."),
                  (_v1_rule_of_thumb, "That is the alpha^2 rho^2 rule of thumb, not the count: add the layers.")],
        explain="The same sum as mobilenet_v1_cost, which the tests check against the profiled model.",
    )


# ---------------------------------------------------------------- design

def _read_design(design):
    """(alpha, resolution) from what the student gave, or (None, message)."""
    if isinstance(design, dict):
        design = (design.get("alpha", design.get("width_mult")), design.get("resolution"))
    if not isinstance(design, (tuple, list)) or len(design) != 2:
        return None, (f"Expected a pair (alpha, resolution) such as (0.3, 200), got {type(design).__name__}"
                      + (f" of {len(design)} items." if isinstance(design, (tuple, list)) else "."))
    alpha, resolution = design
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0.05 <= float(alpha) <= 1.5:
        return None, f"alpha must be a number between 0.05 and 1.5, got {alpha!r}."
    if isinstance(resolution, float) and resolution.is_integer():
        resolution = int(resolution)
    if isinstance(resolution, bool) or not isinstance(resolution, Integral) or not 32 <= resolution <= 512:
        return None, f"resolution must be a whole number of pixels between 32 and 512, got {resolution!r}."
    return (float(alpha), int(resolution)), None


@exercise(2, 6, kind="design", points=3, minutes=20,
          title="A MobileNet v1 under two budgets",
          objective="fit a network to a MACs and a parameter budget with the width and the resolution multipliers")
def check_02_6(design):
    """(alpha, resolution): at most 150M MACs and 1.5M parameters, using at least 90% of the MACs budget."""
    try:
        if design is None or design is Ellipsis:
            return Verdict(False, "No answer yet: replace the three dots (...) with a pair (alpha, resolution) and run the "
                                  "cell again.", counts_as_try=False)
        read, problem = _read_design(design)
        if problem:
            return Verdict(False, problem, counts_as_try=False)
        alpha, resolution = read
        measured = profile(mobilenet_v1(width_mult=alpha), input_size=(1, 3, resolution, resolution))
    except Exception as err:  # never raise on a student's answer
        return Verdict(False, f"Could not check that ({type(err).__name__}: {err}).", counts_as_try=False)
    macs, params = measured.macs, measured.params
    report = (f"MobileNet v1 with alpha = {alpha:g} at {resolution} x {resolution} has {params:,} parameters "
              f"(budget {EX6_PARAMS:,}) and needs {macs:,} MACs ({macs / EX6_MACS:.1%} of the budget of "
              f"{EX6_MACS:,})")
    cheap, small, full = macs <= EX6_MACS, params <= EX6_PARAMS, macs >= EX6_USE * EX6_MACS
    if cheap and small and full:
        return Verdict(True, f"Correct: {report}. Many designs pass: alpha fixes the parameters (the resolution "
                             "changes none), then the resolution spends the MACs; e.g. (0.5, 224), (0.45, 240), "
                             "(0.4, 272).")
    if cheap and small:
        return Verdict(False, f"Not quite: {report}: within both budgets, but it leaves more than "
                              f"{1 - EX6_USE:.0%} of the MACs unused. A larger input fits: the resolution adds "
                              "MACs and no parameters.", score=0.6)
    missing = [what for what, ok in [("over the MACs budget", cheap), ("over the parameter budget", small)] if not ok]
    advice = (" The parameters depend on alpha only: lower alpha first, then raise the resolution to spend the "
              "MACs." if not small else " Lower the resolution (or alpha): MACs grow about as alpha^2 rho^2.")
    return Verdict(False, f"Not quite: {report}: {' and '.join(missing)}.{advice}",
                   score=0.3 if len(missing) == 1 else 0.0)


# ---------------------------------------------------------------- choice

@exercise(2, 7, kind="choice", points=1, minutes=5,
          title="Half the MACs, the same model file",
          objective="tell what the width multiplier, the resolution and depth change: MACs and parameters")
def check_02_7(answer):
    """Halve MobileNet v1's MACs (alpha = 1, 224) while keeping every parameter: which change?"""
    return check_choice(
        answer, "b", ["a", "b", "c"],
        concept="which of alpha, rho and depth changes the weights, and which only the maps: see "
                f"'{EXPLORE}' and 'Misconceptions'.",
        option_hints={"a": "alpha thins every layer: the weights shrink too, roughly as alpha^2.",
                      "c": "Removing layers removes their weights (Shallow MobileNet has 2.9M parameters, not "
                           "4.2M), and it cuts the MACs by less than half."},
        hint="MACs(1, 160) / MACs(1, 224) = 290.7M / 568.7M = 0.51, with the same 4,231,976 parameters; the "
             "weights of a convolution do not depend on the map size.",
        explain="The resolution multiplier scales every map, and no weight: the same checkpoint runs at 160 "
                "pixels for about rho^2 = (160/224)^2 = 0.51 of the MACs.",
    )


@exercise(2, 8, kind="choice", points=1, minutes=10,
          title="The lowest arithmetic intensity",
          objective="compute MACs per byte moved and predict which layers are memory-bound")
def check_02_8(answer):
    """Lowest MACs per byte (float32, batch 1): pointwise 1024 at 7x7, depthwise 32 at 112x112, or the FC layer?"""
    return check_choice(
        answer, "c", ["a", "b", "c"],
        concept="count each layer's MACs and the bytes it must move at least once (input, weights, output): see "
                f"'{LATENCY}'.",
        option_hints={"a": "A 1x1 conv on a 7 x 7 map uses each of its million weights 49 times: about 11 MACs "
                           "per byte.",
                      "b": "The depthwise conv is memory-bound (about 1.1 MACs per byte), but count the FC layer: "
                           "at batch 1 each of its weights is read once and used once."},
        hint="a: 1024*1024*49 MACs / 4*(2*1024*49 + 1024*1024) bytes = 11.2; b: 9*32*112*112 / 4*(2*32*112*112 + "
             "9*32) = 1.1; c: 1024*1000 / 4*(1024 + 1024*1000 + 1000) = 0.25.",
        explain="At batch 1 the FC layer does one MAC per 4-byte weight it reads: about 0.25 MACs per byte. It is "
                "small in time only because it is small in total.",
    )
