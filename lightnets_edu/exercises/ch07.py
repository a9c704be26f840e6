"""Checkers for the exercises of chapter 7, *MobileNet v3*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. Expected answers
are computed from :mod:`lightnets_edu.cost`, from the config tables of
:mod:`lightnets_edu.models.mobilenet_v3` (checked against profiled models in
the tests) and from the activation formulas, never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
07_1       params of the SE block of MobileNetV3-Large's fourth bneck: its
           ``EX1_EXP=72``-channel expansion runs on the 56 x 56 input, the
           stride-2 depthwise conv brings it to the ``EX1_SIZE=28`` map the SE
           block pools (the size does not change the parameters)
07_2       the smallest value h-swish takes over all real x (on [-3, 3] it is
           the parabola x (x + 3) / 6)
07_3       MACs the efficient last stage of MobileNetV3-Large saves at a
           288 x 288 input, whose last map is ``EX3_SIZE=9`` x 9 (Figure 5's
           widths: ``EX3_C_IN=160`` -> ``EX3_EXPAND=960`` ->
           ``EX3_PROJECT=320`` -> ``EX3_LAST=1280``, ``EX3_CLASSES=1000``)
07_4       the reward weight w that puts the reward's peak on the target for
           a family gaining ``EX4_POINTS=5`` accuracy points per doubling of
           latency, at ``EX4_ACC=0.6`` on target
07_5       MACs (conv + FC) of MobileNetV3-Large ``EX5_WIDTH=0.5`` as the TF
           reference code builds it (TF's width rule)
07_6       implement: ``my_hswish(x)``, h-swish from ReLU6-style clipping
07_7       implement: ``MySqueezeExcitation.forward`` (pool, fc1, ReLU, fc2,
           h-sigmoid gate, scale)
07_8       design: a bneck ``EX8_CHANNELS=80`` -> 80 channels on
           ``EX8_SIZE=14`` x 14 with a depthwise conv and an SE block, at most
           ``EX8_MACS=8_000_000`` MACs and ``EX8_PARAMS=60_000`` parameters;
           full marks for an expansion of at least ``EX8_WIDTH=216`` channels
07_9       choice: what moving the 1x1 conv after the global pool changes
           (a 1x1 conv commutes with average pooling, h-swish does not)
=========  ===============================================================
"""

import copy
import functools
import math

import torch
import torch.nn.functional as F
from torch import nn

from .. import cost
from ..layers.mobilenet_v3 import SqueezeExcitation
from ..models.mobilenet_v3 import mobilenet_v3_cost
from ..profile import profile
from ._catalog import exercise
from ._grading import Verdict, check_choice, check_number, distinct_mistakes, not_a_module
from ._implement import check_function, check_module

__all__ = ["check_07_1", "check_07_2", "check_07_3", "check_07_4", "check_07_5", "check_07_6", "check_07_7",
           "check_07_8", "check_07_9"]

# exercise 1: one SE block
EX1_EXP, EX1_SIZE = 72, 28
# exercise 3: Figure 5's two last stages of MobileNetV3-Large, at a 288 x 288 input (last map 9 x 9)
EX3_C_IN, EX3_EXPAND, EX3_PROJECT, EX3_LAST, EX3_CLASSES, EX3_SIZE = 160, 960, 320, 1280, 1000, 9
# exercise 4: the reward weight
EX4_POINTS, EX4_ACC = 5, 0.6
# exercise 5: a width the paper's Table 3 does not print
EX5_WIDTH = 0.5
# exercise 8: a bneck under two budgets
EX8_CHANNELS, EX8_SIZE, EX8_MACS, EX8_PARAMS, EX8_WIDTH = 80, 14, 8_000_000, 60_000, 216


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


@functools.lru_cache(maxsize=None)
def swish_minimum():
    """min over x of swish(x) = x sigmoid(x) (about -0.278, near x = -1.28), by a ternary search on [-3, 0],
    where swish falls, then rises: one minimum."""
    lo, hi = -3.0, 0.0
    for _ in range(200):
        a, b = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (lo, b) if a * _sigmoid(a) < b * _sigmoid(b) else (a, hi)
    return lo * _sigmoid(lo)


@exercise(7, 1, kind="number", points=1, minutes=10,
          title="Parameters of an SE block",
          objective="count squeeze-excite's two layers, with the rounded squeeze width")
def check_07_1(answer):
    """Params of the SE block on 72 expanded channels (MobileNetV3-Large's fourth bneck).

    The bneck expands its 56 x 56 x 24 input to 72 channels at 56 x 56; its depthwise 5x5
    has stride 2, so the SE block after it sees 72 channels at 28 x 28 (``EX1_SIZE``).
    The parameter count does not depend on either size.
    """
    squeeze = cost.se_channels(EX1_EXP)
    se = cost.squeeze_excitation(EX1_EXP, squeeze, EX1_SIZE)
    unrounded = cost.squeeze_excitation(EX1_EXP, EX1_EXP // 4, EX1_SIZE)
    return check_number(
        answer, se.params,
        concept="an SE block is two fully connected layers (1x1 convs with bias) on the pooled vector, "
                "squeezed to a rounded quarter: see 'Squeeze-and-excitation: channel attention, and its cost'.",
        hint=f"S = make_divisible({EX1_EXP} // 4, 8) = {squeeze}; params = C*S + S + S*C + C with C = {EX1_EXP}.",
        mistakes=distinct_mistakes(
            se.params,
            unrounded=(unrounded.params, f"That squeezes to {EX1_EXP} // 4 = {EX1_EXP // 4} channels. The "
                                         f"reference code rounds with make_divisible: {squeeze} channels."),
            no_bias=(se.macs, "That leaves out the two bias vectors (fc1 and fc2 are 1x1 convs with bias). "
                              "It happens to be the block's MAC count."),
            per_map=(se.params + se.other_ops["pooling"], "The pooling and the scaling have no parameters; "
                                                          "only the two FC layers do."),
            one_layer=(EX1_EXP * squeeze + squeeze, "That is fc1 alone; fc2 maps the squeeze back to the "
                                                    f"{EX1_EXP} channels, with its own bias."),
        ),
        explain=f"{EX1_EXP} x {squeeze} + {squeeze} + {squeeze} x {EX1_EXP} + {EX1_EXP} = {se.params:,}: "
                f"the map size (56 x 56 at the expansion, {EX1_SIZE} x {EX1_SIZE} after the stride-2 depthwise "
                f"conv, where the SE block runs) does not enter.",
    )


@exercise(7, 2, kind="number", points=1, minutes=10,
          title="The lowest point of h-swish",
          objective="read h-swish as a piecewise function and find its extremum")
def check_07_2(answer):
    """The smallest value h-swish(x) = x ReLU6(x + 3) / 6 takes over all real x."""
    lowest = -0.375  # h-swish is x (x + 3) / 6 on [-3, 3]: a parabola with its vertex at x = -3/2
    return check_number(
        answer, lowest, rel_tol=1e-3,
        concept="h-swish is 0 below -3, x above 3 and x(x + 3)/6 in between: see "
                "'h-sigmoid and h-swish, from ReLU6'.",
        hint="on [-3, 3], h-swish(x) = (x^2 + 3x) / 6; its derivative (2x + 3) / 6 vanishes at x = -1.5, "
             "so the minimum is -1.5 * 1.5 / 6.",
        mistakes=distinct_mistakes(
            lowest,
            where=(-1.5, "That is where the minimum is (x = -1.5); the question asks for the value "
                         "h-swish takes there."),
            swish=(swish_minimum(), "That is the minimum of swish, x sigmoid(x). h-swish's hard gate is "
                                    "smaller for negative x, and its minimum is lower."),
            zero=(0.0, "h-swish is not a ReLU: between -3 and 0 the gate is positive and x is negative, "
                       "so h-swish dips below 0."),
            positive=(0.375, "Mind the sign: for x in (-3, 0), x is negative and the gate positive."),
        ),
        explain="-3/8, at x = -3/2: on [-3, 3] h-swish is the parabola x(x + 3)/6. Swish dips only to about "
                f"{swish_minimum():.3f} (near x = -1.28).",
    )


def _ex3():
    original = cost.original_last_stage(EX3_C_IN, EX3_EXPAND, EX3_PROJECT, EX3_LAST, EX3_CLASSES, EX3_SIZE)
    efficient = cost.efficient_last_stage(EX3_C_IN, EX3_EXPAND, EX3_LAST, EX3_CLASSES, EX3_SIZE)
    return original, efficient


def last_stage_saving(size):
    """MACs the efficient last stage saves on a ``size`` x ``size`` last map (Figure 5's widths)."""
    original = cost.original_last_stage(EX3_C_IN, EX3_EXPAND, EX3_PROJECT, EX3_LAST, EX3_CLASSES, size)
    efficient = cost.efficient_last_stage(EX3_C_IN, EX3_EXPAND, EX3_LAST, EX3_CLASSES, size)
    return original.macs - efficient.macs


@exercise(7, 3, kind="number", points=1, minutes=15,
          title="The efficient last stage at another resolution",
          objective="count what moving the last layers after the pool saves, and how it grows with the map")
def check_07_3(answer):
    """MACs saved at a 288 x 288 input (last map 9 x 9) by moving the 1280-wide layer after the pool and
    dropping the last depthwise conv and projection."""
    original, efficient = _ex3()
    saved = original.macs - efficient.macs
    hw = EX3_SIZE ** 2
    moved_only = EX3_PROJECT * EX3_LAST * hw - EX3_EXPAND * EX3_LAST
    return check_number(
        answer, saved,
        concept="on the map every 1x1 conv costs c_in*c_out per position, after the pool c_in*c_out once: see "
                "'The efficient last stage, and the 16-filter stem'.",
        hint=f"(9*{EX3_EXPAND} + {EX3_EXPAND}*{EX3_PROJECT} + {EX3_PROJECT}*{EX3_LAST}) * {EX3_SIZE}*{EX3_SIZE} "
             f"- {EX3_EXPAND}*{EX3_LAST}: the common expansion and the classifier cancel.",
        mistakes=distinct_mistakes(
            saved,
            at_224=(last_stage_saving(7), "That is the saving at 224 x 224 (a 7 x 7 last map), computed in the "
                                          f"chapter. At 288 x 288 the last map is {EX3_SIZE} x {EX3_SIZE}."),
            flops=(2 * saved, "That is in FLOPs (2 per MAC). The question asks for MACs."),
            original=(original.macs, "That is the cost of the original stage; subtract the efficient one."),
            moved_only=(moved_only, f"That counts only moving the {EX3_LAST}-wide layer after the pool; the "
                                    f"depthwise conv and the {EX3_EXPAND} -> {EX3_PROJECT} projection are gone too."),
            no_fc=(saved + EX3_EXPAND * EX3_LAST, f"After the pool the {EX3_LAST}-wide layer still costs "
                                                  f"{EX3_EXPAND} x {EX3_LAST} MACs: subtract it."),
        ),
        explain=f"{original.macs / 1e6:.1f}M - {efficient.macs / 1e6:.1f}M = {saved / 1e6:.1f}M MACs: the terms on "
                f"the map grow with its area ({EX3_SIZE ** 2} positions against 49 at 224 x 224), the layer after "
                "the pool does not.",
    )



@exercise(7, 4, kind="number", points=1, minutes=15,
          title="The weight of the latency term",
          objective="derive the reward exponent from a trade-off")
def check_07_4(answer):
    """The weight w that makes ACC x (LAT/TAR)^w peak at the target for 5 points per doubling at 60%."""
    slope = EX4_POINTS / 100
    w = -slope / (math.log(2) * EX4_ACC)
    return check_number(
        answer, w, rel_tol=1e-2,
        concept="the reward peaks where d log(reward) / d log(LAT) = 0: see 'MnasNet's reward, and the two "
                "MobileNet v3 models'.",
        hint=f"(dACC / dlog LAT) / ACC + w = 0 with dACC / dlog LAT = {slope} / ln 2 for '{EX4_POINTS} points "
             f"per doubling': w = -{slope} / (ln 2 x {EX4_ACC}).",
        mistakes=distinct_mistakes(
            w,
            positive=(-w, "A positive w would reward slower networks. The penalty needs w < 0."),
            no_log2=(-slope / EX4_ACC, "A doubling is a step of ln 2 in log latency: divide by ln 2 too."),
            percent=(-EX4_POINTS / (math.log(2) * EX4_ACC), f"Accuracy is a fraction here: {EX4_POINTS} points "
                                                           f"is {slope}."),
            no_acc=(-slope / math.log(2), "The reward is ACC times a factor: the relative change "
                                          "(dACC / ACC) must balance w, so divide by ACC too."),
        ),
        explain=f"w = -{slope} / (ln 2 x {EX4_ACC}) = {w:.3f}: between MnasNet's -0.07 and Small's -0.15.",
    )


@exercise(7, 5, kind="number", points=1, minutes=10,
          title="MobileNet v3-Large 0.5, the paper's way",
          objective="build a network from its config with the right width rule and count its MACs")
def check_07_5(answer):
    """Conv + FC MACs of MobileNetV3-Large 0.5 as built by the TF reference code (its width rule)."""
    tf = mobilenet_v3_cost("large", EX5_WIDTH, reference="tf")
    tv = mobilenet_v3_cost("large", EX5_WIDTH, reference="torchvision")
    full = mobilenet_v3_cost("large").macs
    return check_number(
        answer, tf.macs,
        concept="a width multiplier is applied by a rule, and the TF rule differs from torchvision's: see "
                "'Verify: Table 3, from code'.",
        hint=f"profile(MobileNetV3(*mobilenet_v3_config('large', {EX5_WIDTH}, reference='tf'))).macs: the #out "
             "column scaled and rounded to multiples of 8, each expansion = the table's factor x the rounded "
             "input, the 1280 kept.",
        mistakes=distinct_mistakes(
            tf.macs,
            torchvision=(tv.macs, f"That is torchvision's mobilenet_v3_large(width_mult={EX5_WIDTH}), which scales "
                                  "the expansions and the 1280 directly: a smaller network than the TF rule's."),
            flops=(2 * tf.macs, "That is in FLOPs (2 per MAC). The question asks for MACs."),
            full=(full, "That is the width-1.0 model."),
            squared=(EX5_WIDTH ** 2 * full, "alpha^2 x the 1.0 model is only an estimate: channel counts are "
                                            "rounded to multiples of 8, and the 1280-wide layer and the classifier "
                                            "are not scaled. Build the network and count."),
        ),
        explain=f"{tf.macs / 1e6:.1f}M MACs; torchvision's {EX5_WIDTH} model has {tv.macs / 1e6:.1f}M, and "
                f"alpha^2 x 216.6M would be {EX5_WIDTH ** 2 * full / 1e6:.1f}M.",
    )


# ---------------------------------------------------------------- implement

def _hswish_cases():
    g = torch.Generator().manual_seed(7)
    cases = [torch.linspace(-6, 6, 49),  # steps of 0.25: -3, 0 and 3 exactly
             torch.tensor([-1e4, -3.0001, -2.9999, -1.5, 2.9999, 3.0001, 1e4]),
             4 * torch.randn(2, 3, 4, 5, generator=g),
             5 * torch.randn(11, dtype=torch.float64, generator=g)]
    return [(f"x of shape {tuple(x.shape)} ({x.dtype}, from {x.min().item():g} to {x.max().item():g})", (x,))
            for x in cases]


def _hswish_as_swish(x):
    return x * torch.sigmoid(x)


def _hswish_unshifted(x):
    return x * F.relu6(x) / 6


def _hswish_unclipped(x):
    return x * F.relu(x + 3) / 6


def _hswish_gate_only(x):
    return F.relu6(x + 3) / 6


def _hswish_undivided(x):
    return x * F.relu6(x + 3)


@exercise(7, 6, kind="implement", points=2, minutes=10,
          title="Implement h-swish",
          objective="build h-swish from ReLU6: a shift, a clip, a scale and a multiply")
def check_07_6(hswish):
    """Student's ``my_hswish(x)``: h-swish of a tensor, elementwise, any shape and float dtype."""
    return check_function(
        hswish, F.hardswish, _hswish_cases(),
        concept="h-swish multiplies x by a hard gate, ReLU6 shifted left by 3 and divided by 6: see "
                "'h-sigmoid and h-swish, from ReLU6'.",
        hint="x * torch.clamp(x + 3, 0, 6) / 6 (or x * F.relu6(x + 3) / 6).",
        mistakes=[(_hswish_as_swish, "That is swish, x sigmoid(x): the smooth function h-swish replaces. "
                                     "Make the gate hard: ReLU6(x + 3) / 6."),
                  (_hswish_unshifted, "Your gate is ReLU6(x) / 6: it opens on [0, 6]. Shift it left by 3, "
                                      "ReLU6(x + 3) / 6, so it is 1/2 at x = 0 like the sigmoid."),
                  (_hswish_unclipped, "Your gate is not clipped at 1: ReLU6, not ReLU, caps x + 3 at 6, so "
                                      "h-swish(x) = x for x >= 3."),
                  (_hswish_gate_only, "That is h-sigmoid, the gate alone: multiply it by x."),
                  (_hswish_undivided, "Your gate goes from 0 to 6: divide ReLU6(x + 3) by 6.")],
        explain="PyTorch's F.hardswish and nn.Hardswish compute the same, in one fused pass over memory.",
    )


class _BoldSqueezeExcitation(SqueezeExcitation):
    """The reference SE block with its FC weights scaled up 4x, so that the gate's input leaves [-3, 3] and
    h-sigmoid's clipping (and the difference from a sigmoid) shows in the outputs."""

    def __init__(self, channels, squeeze_channels):
        super().__init__(channels, squeeze_channels)
        with torch.no_grad():
            for fc in (self.fc1, self.fc2):
                fc.weight.mul_(4)
                fc.bias.mul_(4)


def _se_configs():
    return [(f"MySqueezeExcitation(channels={c}, squeeze_channels={s})", dict(channels=c, squeeze_channels=s))
            for c, s in [(16, 8), (24, 8), (72, 24), (40, 16), (8, 8)]]


def _se_input(kwargs, seed):
    """Channels with different means (the squeeze sees them) and a batch of 2 (each image its own gates)."""
    g = torch.Generator().manual_seed(100 + seed)
    c = kwargs["channels"]
    offset = 2 * torch.randn(2, c, 1, 1, generator=g)
    return offset + torch.randn(2, c, 5 + seed, 6, generator=g)


def _se_gate(se, pooled, gate=F.hardsigmoid, between=F.relu):
    return gate(se.fc2(between(se.fc1(pooled))))


_SE_SLIPS = [
    (lambda se, x: _se_gate(se, x.mean((2, 3), keepdim=True), gate=torch.sigmoid) * x,
     "Your gate is a sigmoid. MobileNet v3's SE blocks use h-sigmoid, ReLU6(x + 3) / 6, for the gate."),
    (lambda se, x: _se_gate(se, x.amax((2, 3), keepdim=True)) * x,
     "You squeeze with a max; the squeeze is a global *average* pool (self.avgpool or x.mean((2, 3)))."),
    (lambda se, x: _se_gate(se, x.mean((2, 3), keepdim=True), between=lambda t: t) * x,
     "You left out the ReLU between fc1 and fc2: the excitation is a two-layer network with a nonlinearity."),
    (lambda se, x: _se_gate(se, x.mean((2, 3), keepdim=True)),
     "You return the gates, one per channel: multiply the input x by them (scale)."),
    (lambda se, x: _se_gate(se, x) * x,
     "Your gate differs from pixel to pixel: you skipped the squeeze. Pool to one number per channel first, "
     "so that every position of a channel is scaled by the same gate."),
]


def _slip_module(wrong):
    """The reference SE block with ``wrong(block, x)`` as its forward: a known wrong module for check_module."""
    return type("WrongSqueezeExcitation", (_BoldSqueezeExcitation,), {"forward": lambda self, x: wrong(self, x)})


@exercise(7, 7, kind="implement", points=2, minutes=20,
          title="Implement a squeeze-and-excitation block",
          objective="write SE's forward pass: squeeze, excite with a hard gate, scale")
def check_07_7(module_cls):
    """Student's ``MySqueezeExcitation(channels, squeeze_channels)`` (the stub fixes ``fc1`` and ``fc2``)."""
    concept = ("squeeze (average each channel over the map), excite (fc1, ReLU, fc2, h-sigmoid), scale (x times "
               "its channel's gate): see 'Squeeze-and-excitation: channel attention, and its cost'.")
    hint = ("gate = F.hardsigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True))))); return x * gate "
            "(the gate has shape (B, C, 1, 1) and broadcasts over H and W).")
    return check_module(
        module_cls, _BoldSqueezeExcitation, _se_configs(), _se_input, concept=concept, hint=hint,
        mistakes=[(_slip_module(wrong), message) for wrong, message in _SE_SLIPS],
        explain="The same block as lightnets_edu.layers.SqueezeExcitation and torchvision.ops.SqueezeExcitation "
                "with MobileNet v3's settings.",
    )


# ---------------------------------------------------------------- design

def sees_the_whole_map(module, channels, size):
    """Whether ``module`` holds a global pool (an SE block): a submodule that pools to one value per channel,
    or a centre output that depends on the input's far rows, which no stack of small convolutions on a
    ``size`` x ``size`` map reaches. Several inputs and perturbations of both signs, so that ReLUs cannot
    hide the dependence."""
    pools = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
    if any(isinstance(m, pools) and m.output_size in (1, (1, 1)) for m in module.modules()):
        return True
    probe = copy.deepcopy(module).eval()
    g = torch.Generator().manual_seed(0)
    centre = size // 2
    with torch.no_grad():
        for _ in range(3):
            x = torch.randn(1, channels, size, size, generator=g)
            base = probe(x)[0, :, centre, centre]
            for step in (10.0, -10.0):
                moved = x.clone()
                moved[0, :, :2, :] += step
                if (probe(moved)[0, :, centre, centre] - base).abs().max() > 1e-4:
                    return True
    return False


def _design_report(design):
    """What the design exercise measures: (MACs, params, widest conv, depthwise kernel, pools the whole map)."""
    c, hw = EX8_CHANNELS, EX8_SIZE
    report = profile(design, input_size=(1, c, hw, hw))
    convs = [m for m in design.modules() if isinstance(m, nn.Conv2d)]
    widest = max((m.out_channels for m in convs), default=0)
    depthwise = [m for m in convs if m.groups == m.in_channels > 1 and max(m.kernel_size) > 1]
    kernel = max((max(m.kernel_size) for m in depthwise), default=0)
    return report.macs, report.params, widest, kernel, sees_the_whole_map(design, c, hw)


@exercise(7, 8, kind="design", points=3, minutes=30,
          title="The widest bneck under two budgets",
          objective="trade expansion width, kernel and SE squeeze against a MACs and a parameter budget")
def check_07_8(design):
    """A module 80 -> 80 channels on 14 x 14, with a depthwise conv and an SE block, at most 8,000,000 MACs and
    60,000 parameters; the wider its expansion the better (full marks from 216 channels)."""
    c, hw = EX8_CHANNELS, EX8_SIZE
    unreadable = not_a_module(design, "module", "InvertedResidualV3(...) or nn.Sequential(...)")
    if unreadable is not None:
        return unreadable
    try:
        with torch.no_grad():
            out = copy.deepcopy(design).eval()(torch.zeros(1, c, hw, hw))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (1, c, hw, hw):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return Verdict(False, f"Not quite: on a (1, {c}, {hw}, {hw}) input your module returns {shape}; "
                                  f"it must keep the shape (1, {c}, {hw}, {hw}). Use stride 1 and 'same' padding.")
        macs, params, widest, kernel, global_view = _design_report(design)
    except Exception as err:  # a student's module may fail in any way: say so, never raise
        return Verdict(False, f"Not quite: running your module raised {type(err).__name__}: {err}.")
    report = (f"your block costs {macs:,} MACs (budget {EX8_MACS:,}) and has {params:,} parameters "
              f"(budget {EX8_PARAMS:,}); its widest layer has {widest} channels; "
              + (f"it has a {kernel}x{kernel} depthwise conv" if kernel else "it has no depthwise conv")
              + ("; it pools the whole map (an SE block)" if global_view
                 else "; nothing in it pools the whole map: its centre output does not depend on the far rows"))
    requirements = [("over the MACs budget", macs <= EX8_MACS), ("over the parameter budget", params <= EX8_PARAMS),
                    ("no depthwise convolution with a kernel larger than 1x1", kernel > 1),
                    ("no squeeze-and-excitation block", global_view)]
    missing = [what for what, ok in requirements if not ok]
    if missing:
        met = len(requirements) - len(missing)
        advice = (" Hint: the SE block's two FC layers cost about 2*E*S parameters but only 2*E*S MACs once per "
                  "image; the expansion, depthwise and projection cost about (2*80 + K*K)*E MACs per position."
                  if "over the parameter budget" in missing or "over the MACs budget" in missing else "")
        return Verdict(False, f"Not quite: {report}: {'; '.join(missing)}.{advice}",
                       score=0.6 * met / len(requirements))
    if widest < EX8_WIDTH:
        return Verdict(False, f"Not quite: {report}. It fits, but full marks need an expansion of at least "
                              f"{EX8_WIDTH} channels. Hint: which budget binds? With the quarter squeeze the SE "
                              "block's parameters grow as E^2 / 2; a smaller squeeze buys a wider expansion, and "
                              "a 3x3 depthwise costs less than a 5x5.",
                       score=0.6 + 0.3 * widest / EX8_WIDTH)
    return Verdict(True, f"Correct: {report}. Many designs pass: a 3x3 depthwise with an expansion from 216 to "
                         "240 and an SE squeeze well under a quarter, or a 5x5 depthwise at 216 with a small "
                         "squeeze. The quarter squeeze alone stops at 208 channels: the SE block holds "
                         "parameters, not MACs.")


# ---------------------------------------------------------------- choice

@exercise(7, 9, kind="choice", points=1, minutes=10,
          title="Moving a layer past the pool",
          objective="tell which layers commute with global average pooling, and what the efficient last stage changes")
def check_07_9(answer):
    """What moving the 1x1 conv (+ BN + h-swish) to 1280 channels from the 7 x 7 map to after the pool changes."""
    return check_choice(
        answer, "b", ["a", "b", "c"],
        concept="which of the layers moved past the pool are linear, and which is not: see "
                "'The efficient last stage, and the 16-filter stem'.",
        option_hints={"a": "Only the linear part commutes with the average: the mean of h-swish(Wx) over the "
                           "positions is not h-swish(W mean(x)).",
                      "c": "A 1x1 conv sees one position at a time: it has no spatial context to lose. It is "
                           "linear, so it commutes with the average over positions."},
        hint="mean over positions of (W x_p + b) = W (mean of x_p) + b; but mean of h-swish(z_p) differs from "
             "h-swish(mean of z_p) whenever the z_p fall on the curved part.",
        explain="A 1x1 convolution and eval-mode batch norm are affine maps applied at each position, so they "
                "commute with averaging; the h-swish after them does not, so the network computes a different "
                "function and is trained that way (the paper reports almost no loss of accuracy).",
    )
