"""Checkers for the exercises of chapter 9, *Int8 quantization*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. Expected answers
are computed from the affine quantization formulas (the ones PyTorch's
observers use, checked against them in the tests), from
:mod:`lightnets_edu.cost`, and for the design exercise measured with
:mod:`lightnets_edu.profile` and :mod:`lightnets_edu.deploy`, never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
09_1       the zero point a min/max observer picks for activations seen in
           [``EX1_MIN=-1.2``, ``EX1_MAX=5.2``], quint8 codes ``EX1_QMIN=0``
           .. ``EX1_QMAX=255``
09_2       how many distinct int8 values a depthwise channel with max |w| =
           ``EX2_SMALL=0.9`` can take under one per-tensor symmetric scale
           set by a channel with max |w| = ``EX2_BIG=24.0``
09_3       bytes of MobileNetV3-Large's last depthwise conv (``EX3_CHANNELS
           =960`` channels, ``EX3_KERNEL=5`` x 5, batch norm folded into a
           bias) in int8 with per-channel scales, at ``EX3_SCALE_BYTES=4``
           bytes per scale and per bias value
09_4       implement: ``my_fake_quantize(x, scale, zero_point)``, quantize
           to quint8 (0..255) and back, as
           ``torch.fake_quantize_per_tensor_affine``
09_5       implement: ``my_per_channel_scales(weight)``, PyTorch's
           per-output-channel symmetric int8 weight scales
09_6       design: a network for ``(1, 3, EX6_SIZE=32, 32)`` inputs and
           ``EX6_CLASSES=10`` classes, with a depthwise conv, that
           ``quantize_int8`` accepts, at most ``EX6_MACS=1_000_000`` MACs and
           an int8 file of at most ``EX6_BYTES=131_072`` bytes; full marks
           from ``EX6_PARAMS=80_000`` parameters
09_7       choice: "int8 is 4 times faster than float32"
09_8       choice: what a concatenation (DenseNet) needs in int8
=========  ===============================================================
"""

import copy
import warnings

import torch
from torch import nn

from .. import cost
from ..cost import affine_qparams, int8_levels, symmetric_scale  # the book's formulas, tested against PyTorch
from ..deploy import model_size_bytes, quantize_int8
from ..profile import profile
from ._catalog import exercise
from ._grading import Verdict, check_choice, check_number, distinct_mistakes, first_line, run_design
from ._implement import check_function

__all__ = ["check_09_1", "check_09_2", "check_09_3", "check_09_4", "check_09_5", "check_09_6", "check_09_7",
           "check_09_8"]

# The chapter's headings the first hints point to (tests check that the notebook has them).
SECTIONS = {
    "affine": "Eight bits: the affine map, derived",
    "activations": "Why ReLU6 and h-swish",
    "hard": "What does not quantize well",
}
# where chapter 8 measured int8's size and speed (named in hints that point back to it)
CH8_INT8 = "Int8 in practice: size and speed"

# exercise 1: an activation's range, with negative values (before a ReLU, or an h-swish output)
EX1_MIN, EX1_MAX, EX1_QMIN, EX1_QMAX = -1.2, 5.2, 0, 255
# exercise 2: one depthwise conv, two channels whose ranges differ a lot (as after folding batch norm)
EX2_BIG, EX2_SMALL = 24.0, 0.9
# exercise 3: MobileNetV3-Large's last bneck's depthwise conv (960 channels, 5 x 5), bytes per float32 value
EX3_CHANNELS, EX3_KERNEL, EX3_SCALE_BYTES = 960, 5, 4
# exercise 6: a small int8 classifier for a microcontroller's flash (128 KiB)
EX6_SIZE, EX6_CLASSES, EX6_MACS, EX6_BYTES, EX6_PARAMS = 32, 10, 1_000_000, 131_072, 80_000

# ---------------------------------------------------------------- numbers

@exercise(9, 1, kind="number", points=1, minutes=10,
          title="The zero point of an activation",
          objective="compute an affine quantizer's scale and zero point from an observed range")
def check_09_1(answer):
    """The quint8 zero point for activations observed in [-1.2, 5.2], on codes 0..255."""
    scale, zero_point = affine_qparams(EX1_MIN, EX1_MAX, EX1_QMIN, EX1_QMAX)
    exact = -EX1_MIN / scale
    _, reduced = affine_qparams(EX1_MIN, EX1_MAX, 0, 127)
    return check_number(
        answer, zero_point,
        concept="the zero point is the integer code that stands for the real value 0.0: see "
                f"'{SECTIONS['affine']}'.",
        hint=f"s = ({EX1_MAX} - ({EX1_MIN})) / ({EX1_QMAX} - {EX1_QMIN}) = {scale:.6f}; "
             f"z = {EX1_QMIN} - round({EX1_MIN} / s) = round({exact:.4f}).",
        mistakes=distinct_mistakes(
            zero_point,
            floor=(int(exact), f"That rounds {exact:.4f} down; the observer rounds to the nearest integer."),
            sign=(-zero_point, "Mind the sign: z = qmin - round(min / s), and min is negative, so z is positive: "
                               "the codes below z stand for the negative values."),
            reduced=(reduced, f"That is the zero point on codes 0..127 (the x86 backend's reduce_range); the "
                              f"question uses all {EX1_QMAX - EX1_QMIN + 1} codes, {EX1_QMIN}..{EX1_QMAX}."),
            midpoint=((EX1_QMAX + EX1_QMIN + 1) // 2, "That is the middle code, the zero point of a symmetric "
                                                      "range; this range is not symmetric about 0."),
            top=(round(EX1_MAX / scale), f"That is how many steps of s fit in {EX1_MAX}; the zero point counts the "
                                         f"steps from {EX1_MIN} up to 0."),
        ),
        explain=f"s = {EX1_MAX - EX1_MIN:g} / {EX1_QMAX - EX1_QMIN} = {scale:.6f} and {-EX1_MIN} / s = {exact:.4f}, "
                f"rounded to {zero_point}: code {zero_point} stands for exactly 0.0, codes "
                f"{EX1_QMIN}..{zero_point - 1} for the negative values. On the x86 backend's codes 0..127 it would "
                f"be {reduced}.",
    )


@exercise(9, 2, kind="number", points=1, minutes=10,
          title="A small channel under a per-tensor scale",
          objective="see how a per-tensor scale starves the channels with small weights")
def check_09_2(answer):
    """Distinct int8 values of a channel with max |w| = 0.9 when the tensor's scale is set by max |w| = 24."""
    scale = symmetric_scale(EX2_BIG)
    levels = int8_levels(EX2_SMALL, scale)
    top = round(EX2_SMALL / scale)
    own = int8_levels(EX2_SMALL, symmetric_scale(EX2_SMALL))
    return check_number(
        answer, levels,
        concept="one scale for the whole tensor is set by its largest weight, and a channel with small weights "
                f"uses only the codes near 0 (per-tensor against per-channel): see '{SECTIONS['affine']}'.",
        hint=f"s = {EX2_BIG} / 127.5 = {scale:.5f}; the small channel's codes run from -round({EX2_SMALL} / s) to "
             f"round({EX2_SMALL} / s) = {top}, zero included.",
        mistakes=distinct_mistakes(
            levels,
            positive=(top, f"That is the largest code, {top}; the channel also takes the negative codes "
                           f"-{top}..-1 and 0."),
            no_zero=(2 * top, "Count the code 0 too: small weights round to it."),
            own_scale=(own, "That is what the channel gets with its own scale (per-channel quantization); the "
                            "question asks about one scale for the whole tensor."),
            own_scale_127=(own - 1, "That is what the channel would get with its own scale; the question asks "
                                    "about one scale for the whole tensor."),
            collapsed=(1, f"A channel collapses to the single code 0 only when max |w| < s / 2 = {scale / 2:.4f}; "
                          f"{EX2_SMALL} is larger."),
        ),
        explain=f"s = {scale:.5f}, so {EX2_SMALL} / s = {EX2_SMALL / scale:.2f} rounds to {top}: the channel's "
                f"weights land on {levels} codes out of 256, steps of {scale:.3f} for weights no larger than "
                f"{EX2_SMALL}. With its own scale it would use all {own}.",
    )


def _ex3():
    """(int8 bytes, float32 bytes) of the fused depthwise conv: weights, scales and bias."""
    conv = cost.depthwise_conv(EX3_CHANNELS, EX3_KERNEL, 1, bias=True)  # batch norm folded into the bias
    weights = conv.params - EX3_CHANNELS
    int8 = weights * 1 + EX3_CHANNELS * EX3_SCALE_BYTES + EX3_CHANNELS * EX3_SCALE_BYTES  # codes, scales, bias
    return int8, conv.params * 4


@exercise(9, 3, kind="number", points=1, minutes=10,
          title="Bytes of an int8 depthwise conv",
          objective="count what an int8 layer stores besides its int8 weights")
def check_09_3(answer):
    """Bytes of a 960-channel 5 x 5 depthwise conv (BN folded) in int8: codes, per-channel scales, float bias."""
    int8, fp32 = _ex3()
    c, k, b = EX3_CHANNELS, EX3_KERNEL, EX3_SCALE_BYTES
    weights = c * k * k
    return check_number(
        answer, int8,
        concept="an int8 layer stores one byte per weight, plus a float scale per output channel and a float "
                f"bias (per-tensor against per-channel): see '{SECTIONS['affine']}'.",
        hint=f"{c} x {k} x {k} weights at 1 byte + {c} scales at {b} bytes + {c} bias values at {b} bytes "
             "(the symmetric zero points are all 0: nothing to store).",
        mistakes=distinct_mistakes(
            int8,
            weights_only=(weights, "That counts the int8 weights only; each of the channels also needs its scale, "
                                   "and the conv its bias (batch norm folded in)."),
            one_vector=(weights + c * b, "One per-channel vector is missing: the layer stores a scale *and* a "
                                         "bias value for each channel."),
            zero_points=(int8 + c * b, "With symmetric weights every zero point is 0, so none is stored."),
            fp32=(fp32, "That is the float32 layer (4 bytes per weight and bias value)."),
            quarter=(fp32 // 4, "That is the float32 size divided by 4: the rule of thumb leaves out the scales "
                                "and keeps the bias at 1 byte."),
        ),
        explain=f"{weights:,} + {c * b:,} + {c * b:,} = {int8:,} bytes, against {fp32:,} in float32: "
                f"{fp32 / int8:.2f} times smaller, not 4. A depthwise conv has only {k * k} weights per "
                "channel, so the per-channel scale and bias weigh a lot; a 1x1 conv with hundreds of inputs per "
                "channel gets close to 4.",
    )


# ---------------------------------------------------------------- implement

FAKE_QMIN, FAKE_QMAX = 0, 255  # quint8 activations


def _fake_quantize_reference(x, scale, zero_point):
    return torch.fake_quantize_per_tensor_affine(x, scale, zero_point, FAKE_QMIN, FAKE_QMAX)


def _fake_quantize_cases():
    """(description, (x, scale, zero_point)): scales of powers of 2 where the halves must be exact, others
    on random values (none near a half, so x / s and x * (1 / s) round alike), and values beyond the range."""
    g = torch.Generator().manual_seed(8)
    halves = (torch.arange(-40, 40, dtype=torch.float32) + 0.5) * 0.125  # k + 1/2 steps: round half to even
    cases = [
        (torch.linspace(-5, 15, 321), 0.0625, 48),
        (halves, 0.125, 128),
        (3 * torch.randn(2, 3, 8, 8, generator=g), 0.05, 60),
        (14 * torch.rand(4, 50, generator=g) - 4, 8 / 255, 64),
        (8 * torch.rand(1, 6, 5, 5, generator=g), 6 / 255, 0),
    ]
    return [(f"x of shape {tuple(x.shape)} (from {x.min().item():g} to {x.max().item():g}), scale={s:.6g}, "
             f"zero_point={z}", (x, s, z)) for x, s, z in cases]


def _fq_no_clamp(x, s, z):
    return torch.round(x / s) * s


def _fq_half_up(x, s, z):
    return (torch.clamp(torch.floor(x / s + 0.5) + z, FAKE_QMIN, FAKE_QMAX) - z) * s


def _fq_truncate(x, s, z):
    return (torch.clamp(torch.trunc(x / s) + z, FAKE_QMIN, FAKE_QMAX) - z) * s


def _fq_codes(x, s, z):
    return torch.clamp(torch.round(x / s) + z, FAKE_QMIN, FAKE_QMAX)


def _fq_keep_zero_point(x, s, z):
    return torch.clamp(torch.round(x / s) + z, FAKE_QMIN, FAKE_QMAX) * s


def _fq_signed(x, s, z):
    return (torch.clamp(torch.round(x / s) + z, -128, 127) - z) * s


def _fq_clamp_before_shift(x, s, z):
    return torch.clamp(torch.round(x / s), FAKE_QMIN, FAKE_QMAX) * s


@exercise(9, 4, kind="implement", points=2, minutes=15,
          title="Implement fake quantization",
          objective="write affine quantize-dequantize: scale, round half to even, shift, clamp, back")
def check_09_4(fake_quantize):
    """Student's ``my_fake_quantize(x, scale, zero_point)``: quint8 (0..255) round trip of a float32 tensor."""
    return check_function(
        fake_quantize, _fake_quantize_reference, _fake_quantize_cases(),
        concept="quantize (divide by the scale, round, add the zero point, clamp to the codes), then dequantize "
                f"(subtract the zero point, multiply by the scale): see '{SECTIONS['affine']}'.",
        hint="q = torch.clamp(torch.round(x / scale) + zero_point, 0, 255); return (q - zero_point) * scale.",
        mistakes=[(_fq_no_clamp, "Your values are not clamped: a code must stay in 0..255, so values beyond the "
                                 "range saturate at (0 - z) s and (255 - z) s (clipping error)."),
                  (_fq_half_up, "You round halves up (floor(x / s + 0.5)); torch.round rounds halves to the even "
                                "integer, as the int8 kernels do: 2.5 -> 2, 3.5 -> 4."),
                  (_fq_truncate, "You truncate towards zero; round to the nearest integer (torch.round)."),
                  (_fq_codes, "You return the integer codes q; dequantize them: (q - zero_point) * scale."),
                  (_fq_keep_zero_point, "You forgot to subtract the zero point before multiplying by the scale."),
                  (_fq_signed, "You clamp to -128..127, the qint8 codes; activations are quint8, 0..255."),
                  (_fq_clamp_before_shift, "You clamp round(x / s) before adding the zero point: the codes 0..255 "
                                           "are what must stay in range, after the shift.")],
        explain="torch.fake_quantize_per_tensor_affine computes the same; quantization-aware training inserts it "
                "so that the float network sees the int8 rounding and clipping.",
    )


def _per_channel_reference(weight):
    from torch.ao.quantization.observer import PerChannelMinMaxObserver

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notices
        observer = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
        observer(weight)
        scale, _ = observer.calculate_qparams()
    return scale


def _weights():
    """A conv, a depthwise conv whose channels' ranges differ 1000-fold, a linear layer, and a zero channel."""
    g = torch.Generator().manual_seed(80)
    conv = torch.randn(8, 4, 3, 3, generator=g)
    conv[3] = -conv[3].abs()  # a channel whose largest magnitude is negative
    spread = 10 ** (3 * torch.rand(16, 1, 1, 1, generator=g) - 2)  # 0.01 .. 10
    depthwise = spread * torch.randn(16, 1, 3, 3, generator=g)
    linear = 0.1 * torch.randn(10, 32, generator=g)
    dead = torch.randn(6, 6, 1, 1, generator=g)
    dead[2] = 0.0  # a pruned channel
    return [(f"a {name} weight of shape {tuple(w.shape)}", (w,))
            for name, w in [("conv", conv), ("depthwise", depthwise), ("linear", linear), ("1x1 conv", dead)]]


def _pc_dims(w):
    return tuple(range(1, w.dim()))


def _pc_eps(scale):
    return torch.clamp(scale, min=torch.finfo(torch.float32).eps)


def _pc_per_tensor(w):
    return _pc_eps(w.abs().amax() / 127.5 * torch.ones(w.shape[0]))


def _pc_127(w):
    return _pc_eps(w.abs().amax(dim=_pc_dims(w)) / 127)


def _pc_255(w):
    return _pc_eps(w.abs().amax(dim=_pc_dims(w)) / 255)


def _pc_affine(w):
    return _pc_eps((w.amax(dim=_pc_dims(w)) - w.amin(dim=_pc_dims(w))) / 255)


def _pc_no_abs(w):
    return _pc_eps(w.amax(dim=_pc_dims(w)) / 127.5)


def _pc_no_eps(w):
    return w.abs().amax(dim=_pc_dims(w)) / 127.5


@exercise(9, 5, kind="implement", points=2, minutes=15,
          title="Implement per-channel weight scales",
          objective="compute one symmetric int8 scale per output channel, as PyTorch's weight observer does")
def check_09_5(per_channel_scales):
    """Student's ``my_per_channel_scales(weight)``: one float32 scale per output channel (dim 0)."""
    return check_function(
        per_channel_scales, _per_channel_reference, _weights(),
        concept="each output channel gets its own scale, set by its own largest |w| and the 255 steps of int8 "
                f"(per-tensor against per-channel): see '{SECTIONS['affine']}'.",
        hint="dims = tuple(range(1, weight.dim())); s = weight.abs().amax(dim=dims) / 127.5; "
             "return torch.clamp(s, min=torch.finfo(torch.float32).eps).",
        mistakes=[(_pc_per_tensor, "All your channels have the same scale: the largest |w| of the whole tensor. "
                                   "Reduce over every dimension except dim 0, one maximum per output channel."),
                  (_pc_127, "You divide by 127; PyTorch's symmetric observer divides by 127.5, half of the 255 "
                            "steps from -128 to 127."),
                  (_pc_255, "You divide by 255, as if the weights used the codes on one side of 0 only; symmetric "
                            "int8 spreads -max..max over the 255 steps, so divide by 255 / 2 = 127.5."),
                  (_pc_affine, "That is an affine scale, (max - min) / 255; weights are quantized symmetrically, "
                               "with zero point 0: max |w| / 127.5."),
                  (_pc_no_abs, "You take each channel's largest w, not its largest |w|: a channel whose extreme "
                               "weight is negative gets too small a scale. Use weight.abs()."),
                  (_pc_no_eps, "A channel of zeros gets the scale 0, and q = round(w / s) divides by zero; clamp "
                               "the scales to at least torch.finfo(torch.float32).eps, as PyTorch does.")],
        rtol=1e-6, atol=0.0,  # the eps of a zero channel (1.2e-7) must show
        explain="The same as PyTorch's PerChannelMinMaxObserver with qint8 and per_channel_symmetric, the weight "
                "observer quantize_int8 uses on the x86 backend.",
    )


# ---------------------------------------------------------------- design

def is_depthwise(module):
    """Whether ``module`` is a depthwise convolution: one filter per channel, a kernel larger than 1x1."""
    return (isinstance(module, nn.Conv2d) and module.groups == module.in_channels > 1
            and max(module.kernel_size) > 1)


def calibration_batch():
    """The fixed batch the design checker calibrates with (random: ranges only need to be plausible here)."""
    return torch.randn(8, 3, EX6_SIZE, EX6_SIZE, generator=torch.Generator().manual_seed(0))


def design_report(design):
    """What the design exercise measures, as a dict: macs, params, fp32_bytes, int8_bytes (None when
    quantize_int8 refused the network), why_not (its message then) and depthwise."""
    model = copy.deepcopy(design).eval()
    report = profile(model, input_size=(1, 3, EX6_SIZE, EX6_SIZE))
    found = dict(macs=report.macs, params=report.params, fp32_bytes=model_size_bytes(model), int8_bytes=None,
                 why_not=None, depthwise=any(is_depthwise(m) for m in model.modules()))
    batch = calibration_batch()
    try:
        quantized = quantize_int8(model, [batch])
        with torch.no_grad():
            quantized(batch[:1])
        found["int8_bytes"] = model_size_bytes(quantized)
    except Exception as err:  # untraceable, or an int8 op that fails: say which, never raise
        found["why_not"] = first_line(err)
    return found


@exercise(9, 6, kind="design", points=3, minutes=30,
          title="An int8 network for 128 KiB of flash",
          objective="fit a network into a flash and a MACs budget with int8, and see what the int8 file holds")
def check_09_6(design):
    """A network for (1, 3, 32, 32) inputs and 10 classes, with a depthwise conv, that quantize_int8 accepts, at
    most 1,000,000 MACs and an int8 file of at most 131,072 bytes; full marks from 80,000 parameters."""
    shape = (1, 3, EX6_SIZE, EX6_SIZE)
    found, unfit = run_design(design, shape, EX6_CLASSES, design_report)
    if unfit is not None:
        return unfit
    int8 = found["int8_bytes"]
    report = (f"your network costs {found['macs']:,} MACs (budget {EX6_MACS:,}) and has {found['params']:,} "
              f"parameters; its float32 file takes {found['fp32_bytes']:,} bytes"
              + (f", its int8 file {int8:,} bytes (budget {EX6_BYTES:,})" if int8 is not None else "")
              + ("; it has a depthwise conv" if found["depthwise"] else "; it has no depthwise conv"))
    requirements = [("over the MACs budget", found["macs"] <= EX6_MACS),
                    (f"quantize_int8 cannot quantize it ({found['why_not']})", int8 is not None),
                    ("its int8 file is over the flash budget", int8 is not None and int8 <= EX6_BYTES),
                    ("the task asks for a depthwise convolution", found["depthwise"])]
    missing = [what for what, ok in requirements if not ok]
    if int8 is None:  # the size is unknown, not over: name one problem
        missing.remove("its int8 file is over the flash budget")
    if missing:
        met = sum(ok for _, ok in requirements)
        advice = []
        if "over the MACs budget" in missing:
            advice.append("MACs are paid at every position of a map: stride 2 early, and depthwise separable "
                          "convs instead of full 3x3 convs.")
        if "its int8 file is over the flash budget" in missing:
            advice.append("The int8 file holds about 1 byte per weight plus, per layer, a float bias, a scale and "
                          "a zero point per channel and a header: fewer parameters, or fewer layers.")
        hint = f" Hint: {' '.join(advice)}" if advice else ""
        return Verdict(False, f"Not quite: {report}: {'; '.join(missing)}.{hint}",
                       score=0.6 * met / len(requirements))
    if found["params"] < EX6_PARAMS:
        return Verdict(False, f"Not quite: {report}. It fits, but full marks need at least {EX6_PARAMS:,} "
                              "parameters (the capacity the flash can hold). Hint: every layer costs some bytes "
                              "besides its weights, so a few wide layers hold more weights than many narrow ones; "
                              "a 1x1 conv on a small map adds many parameters for few MACs.",
                       score=0.6 + 0.3 * found["params"] / EX6_PARAMS)
    return Verdict(True, f"Correct: {report}. The float32 file is {found['fp32_bytes'] / int8:.1f} times the int8 "
                         "one, over the budget: only int8 fits. "
                         "Many designs pass, e.g. a stem with stride 2 and four depthwise separable blocks, the last "
                         "one wide on a 4 x 4 map.")


# ---------------------------------------------------------------- choice

@exercise(9, 7, kind="choice", points=1, minutes=10,
          title="Is int8 four times faster?",
          objective="tell what int8 changes (bytes, kernels, conversions) from what it does not promise (speed)")
def check_09_7(answer):
    """Which statement about "int8 is 4 times faster than float32" is right."""
    return check_choice(
        answer, "b", ["a", "b", "c"],
        concept="a layer's time depends on its kernel and on the bytes it moves, not only on the width of its "
                f"numbers: chapter 8's '{CH8_INT8}' measures it, and where swish goes shows why: "
                f"see '{SECTIONS['activations']}'.",
        option_hints={"a": "Only the weights and activations shrink 4x, and not even the file does (scales, float "
                           "biases). The time depends on the int8 kernels the runtime has, the quantize / "
                           "dequantize steps between int8 and float layers, and how memory-bound each layer is.",
                      "c": "int8 kernels do speed up convolutions on CPUs: a vector register holds four times as "
                           "many 8-bit values as 32-bit ones. The speed-up is measured, network by network, in the "
                           "int8 table of chapter 8; it is neither 4 nor a rule."},
        hint="compare chapter 8's int8 table: the speed-up differs from network to network, and a layer that the "
             "backend has no int8 kernel for (a SiLU, for one) runs in float32 between a dequantize and a quantize.",
        explain="int8 makes the weights about 4x smaller and the arithmetic cheaper where the runtime has int8 "
                "kernels; how much faster a network runs depends on its layers and on the machine. Measure it.",
    )


@exercise(9, 8, kind="choice", points=1, minutes=10,
          title="Concatenation in int8",
          objective="explain why a concatenation forces one scale on tensors of different ranges")
def check_09_8(answer):
    """What concatenating two int8 tensors (a DenseNet layer's input) requires."""
    return check_choice(
        answer, "b", ["a", "b", "c"],
        concept="a quantized tensor has one scale and one zero point (per tensor), and a concatenation makes one "
                f"tensor out of several: see '{SECTIONS['hard']}'.",
        option_hints={"a": "A concatenation does no arithmetic at all: it copies values side by side. The problem is "
                           "what the copied codes mean.",
                      "c": "Copying int8 codes is as easy as copying floats, and PyTorch has an int8 torch.cat. "
                           "What does each code mean after the concatenation?"},
        hint="codes mean q -> (q - z) s with the tensor's one (s, z): two inputs quantized with their own scales "
             "must be requantized to a common one, set by the widest range, and the narrow input keeps only a few "
             "of the codes.",
        explain="PyTorch's FX quantization gives the layers that feed a torch.cat one shared scale and zero point, "
                "so the concatenation is a plain copy; the price is the resolution of the narrower inputs. DenseNet "
                "concatenates every earlier layer's output.",
    )
