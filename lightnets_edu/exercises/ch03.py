"""Checkers for the exercises of chapter 3, *SqueezeNet*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. The expected
answers are computed from :mod:`lightnets_edu.cost` and from SqueezeNet's
config tables (through :func:`lightnets_edu.models.squeezenet_cost` and
:func:`lightnets_edu.models.squeezenet_metaparams_cost`, which the tests check
against the profiled models), never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
03_1       parameters of a Fire module with pct3x3 = 0.25, biases included:
           ``EX1_C_IN=256`` input channels, ``EX1_FIRE`` = (s1x1 48,
           e1x1 288, e3x3 96), on an ``EX1_SIZE=27`` x 27 map
03_2       parameters of the whole Section 5 SqueezeNet with
           ``EX2_SQUEEZE_RATIO=0.25`` and ``EX2_PCT3X3=0.75`` (the rest default)
03_3       MACs that the complex bypass adds to SqueezeNet ``EX3_VERSION="1_1"``
           at ``EX3_RESOLUTION=224``
03_4       size in MB (2**20 bytes) of SqueezeNet 1.0's parameters stored
           densely at ``EX4_BITS=4`` bits each, i.e. quantized but not pruned
03_5       implement: ``fire_channels(base_e, incr_e, freq, pct3x3,
           squeeze_ratio, num_fire)``, Section 5's metaparameters
03_6       implement: ``fire(x, squeeze, expand1x1, expand3x3)``, the Fire
           module's forward pass
03_7       design: a SqueezeNet of Fire modules for 1000 classes at
           ``EX7_RESOLUTION=224`` with at most ``EX7_MAX_PARAMS=1_000_000``
           parameters, at least SqueezeNet 1.0's MACs (strategy 3) and at most
           ``EX7_MAX_MACS=1_500_000_000`` MACs
03_8       choice: what doubling SR (0.125 -> ``EX8_SQUEEZE_RATIO=0.25``) does
           to the parameters
=========  ===============================================================
"""

import random
from fractions import Fraction

import torch
import torch.nn.functional as F
from torch import nn

from .. import cost
from ..layers import Fire
from ..models.squeezenet import squeezenet_cost, squeezenet_metaparams_cost
from ..profile import profile
from ._catalog import exercise
from ._grading import Verdict, check_choice, check_number, distinct_mistakes, not_a_module
from ._implement import check_function

__all__ = ["check_03_1", "check_03_2", "check_03_3", "check_03_4", "check_03_5", "check_03_6", "check_03_7",
           "check_03_8"]

# exercise 1: a Fire module of the pct3x3 = 0.25 network (fire6 there), not one the page prints
EX1_C_IN, EX1_FIRE, EX1_SIZE = 256, (48, 288, 96), 27
# exercise 2: a point of the design space off both of Fig. 3's sweeps
EX2_SQUEEZE_RATIO, EX2_PCT3X3 = 0.25, 0.75
# exercise 3: the complex bypass on SqueezeNet 1.1, whose pools come earlier
EX3_VERSION, EX3_RESOLUTION = "1_1", 224
# exercise 4: quantization alone, more aggressive than Table 2's
EX4_BITS = 4
# exercise 7: smaller than SqueezeNet 1.0, at least its computation, and a compute cap
EX7_RESOLUTION, EX7_CLASSES, EX7_MAX_PARAMS, EX7_MAX_MACS = 224, 1000, 1_000_000, 1_500_000_000
# exercise 8: doubling the squeeze ratio
EX8_SQUEEZE_RATIO = 0.25
# Table 1's last column: parameters left after Deep Compression's pruning (cited, printed)
PAPER_PRUNED_PARAMS = 421_098
PAPER_COMPRESSED_MB = {8: 0.66, 6: 0.47}  # Table 2 (printed)


@exercise(3, 1, kind="number", points=1, minutes=10,
          title="Parameters of a Fire module",
          objective="count a Fire module's squeeze and expand layers")
def check_03_1(answer):
    """Parameters of a Fire module 256 -> s1x1 48 -> e1x1 288 + e3x3 96, biases included."""
    s1x1, e1x1, e3x3 = EX1_FIRE
    fire = cost.fire(EX1_C_IN, s1x1, e1x1, e3x3, EX1_SIZE)
    biases = s1x1 + e1x1 + e3x3
    no_squeeze = cost.conv2d(EX1_C_IN, e1x1, 1, EX1_SIZE, bias=True) + cost.conv2d(EX1_C_IN, e3x3, 3, EX1_SIZE,
                                                                                  bias=True)
    return check_number(
        answer, fire.params,
        concept="a Fire module is three convolutions with biases, and only the e3x3 filters are 3x3: see "
                "'The Fire module, derived'.",
        hint=f"(C_in s1x1 + s1x1) + (s1x1 e1x1 + e1x1) + (9 s1x1 e3x3 + e3x3) = ({EX1_C_IN}*{s1x1} + {s1x1}) + "
             f"({s1x1}*{e1x1} + {e1x1}) + (9*{s1x1}*{e3x3} + {e3x3}).",
        mistakes=distinct_mistakes(
            fire.params,
            no_bias=(fire.params - biases, f"That leaves out the {biases} biases: every Fire convolution has one "
                                           "bias per filter."),
            macs=(fire.macs, f"That is the MAC count at {EX1_SIZE} x {EX1_SIZE}; parameters do not depend on the "
                             "map size."),
            all_1x1=(fire.params - 8 * s1x1 * e3x3, "The e3x3 filters are 3x3: each has 9 weights per input "
                                                    "channel."),
            swapped=(cost.fire(EX1_C_IN, s1x1, e3x3, e1x1, EX1_SIZE).params,
                     f"That makes the {e1x1} filters 3x3; here only e3x3 = {e3x3} are (pct3x3 = 0.25), and "
                     f"the {e1x1} e1x1 filters are 1x1."),
            no_squeeze=(no_squeeze.params, f"That feeds all {EX1_C_IN} input channels to the expand filters. The "
                                           f"squeeze layer cuts them to s1x1 = {s1x1} first."),
        ),
        explain=f"The 3x3 expand layer holds {9 * s1x1 * e3x3 + e3x3:,} of them "
                f"({(9 * s1x1 * e3x3 + e3x3) / fire.params:.0%}), although it has only a quarter of the expand "
                "filters.",
    )


@exercise(3, 2, kind="number", points=1, minutes=15,
          title="SqueezeNet from its metaparameters",
          objective="build a network from base_e, incr_e, freq, pct3x3 and SR")
def check_03_2(answer):
    """Parameters of the Section 5 SqueezeNet with SR = 0.25 and pct3x3 = 0.75 (base_e = incr_e = 128, freq 2)."""
    sr, pct = EX2_SQUEEZE_RATIO, EX2_PCT3X3
    expected = squeezenet_metaparams_cost(squeeze_ratio=sr, pct3x3=pct).params
    default = squeezenet_metaparams_cost().params
    fires_only = sum(cost.fire(c, *row, 1).params
                     for c, row in _fire_inputs(cost.fire_channels(squeeze_ratio=sr, pct3x3=pct)))
    return check_number(
        answer, expected,
        concept="e_i = base_e + incr_e floor(i / freq), then e3x3 = pct3x3 e_i and s1x1 = SR e_i for each "
                "Fire module, plus conv1 and conv10: see 'The squeeze ratio and pct3x3' and "
                "'The network, from its config table'.",
        hint=f"s1x1 = {sr} e_i and e3x3 = {pct} e_i with e_i = 128, 128, 256, 256, 384, 384, 512, 512; build "
             f"squeezenet_from_metaparams(squeeze_ratio={sr}, pct3x3={pct}) and count, or add the Fire modules "
             "with cost.fire plus conv1 (3 -> 96, 7x7) and conv10 (512 -> 1000, 1x1), all with biases.",
        mistakes=distinct_mistakes(
            expected,
            default=(default, "That is SqueezeNet 1.0 itself (SR = 0.125, pct3x3 = 0.5). Set both "
                              "metaparameters."),
            only_sr=(squeezenet_metaparams_cost(squeeze_ratio=sr).params,
                     f"That changes SR only; pct3x3 = {pct} makes three quarters of the expand filters 3x3."),
            only_pct=(squeezenet_metaparams_cost(pct3x3=pct).params,
                      f"That changes pct3x3 only; SR = {sr} doubles the squeeze layers of SqueezeNet 1.0."),
            swapped=(squeezenet_metaparams_cost(squeeze_ratio=sr, pct3x3=1 - pct).params,
                     f"That makes {pct:.0%} of the expand filters 1x1; pct3x3 is the share that is 3x3."),
            fires_only=(fires_only, "That counts the Fire modules only; conv1 and conv10 belong to the network "
                                    "too (conv10 alone has 513,000 parameters)."),
        ),
        explain=f"{expected / default:.2f}x SqueezeNet 1.0's parameters; at 32 bits {expected * 4 / cost.MIB:.2f} MB "
                "of 2**20 bytes.",
    )


def _fire_inputs(fires, stem_channels=96):
    """``(c_in, (s1x1, e1x1, e3x3))`` for each Fire module: each takes the previous one's output."""
    c_in, rows = stem_channels, []
    for row in fires:
        rows.append((c_in, row))
        c_in = row[1] + row[2]
    return rows


def _bypass_macs(version, resolution):
    return (squeezenet_cost(version, resolution, bypass="complex").macs
            - squeezenet_cost(version, resolution).macs)


@exercise(3, 3, kind="number", points=1, minutes=15,
          title="The complex bypass on SqueezeNet 1.1",
          objective="cost a 1x1 bypass conv on the map its Fire module runs on")
def check_03_3(answer):
    """MACs that the complex bypass adds to SqueezeNet 1.1 at 224 x 224."""
    version, resolution = EX3_VERSION, EX3_RESOLUTION
    expected = _bypass_macs(version, resolution)
    added_params = squeezenet_cost(version, bypass="complex").params - squeezenet_cost(version).params
    return check_number(
        answer, expected,
        concept="a 1x1 bypass conv costs C_in x C_out MACs per position of the map its Fire module runs on, "
                "and SqueezeNet 1.1 pools earlier than 1.0: see 'Bypass connections' and 'SqueezeNet 1.1'.",
        hint="1.1 at 224 runs fire2-3 at 55 x 55, fire4-5 at 27 x 27 and fire6-9 at 13 x 13; the bypass convs sit "
             "on fire2 (64 -> 128: 1.1's conv1 has 64 filters), fire4 (128 -> 256), fire6 (256 -> 384) and fire8 "
             "(384 -> 512): 64*128*55*55 + 128*256*27*27 + 256*384*13*13 + 384*512*13*13.",
        mistakes=distinct_mistakes(
            expected,
            v10=(_bypass_macs("1_0", resolution), "That is SqueezeNet 1.0's bypass: 1.1 pools after fire3 and "
                                                  "fire5, so fire4 and fire6 to fire8 run on smaller maps."),
            params=(added_params, "That is the parameters the bypass adds; each weight of a 1x1 conv is used "
                                  "once per output position: multiply by H x W."),
            at227=(_bypass_macs(version, 227), "That is at 227 x 227, where 1.1's maps are one pixel larger; "
                                               "the question is at 224."),
            flops=(2 * expected, "That is the FLOP count (2 per MAC). The question asks for MACs."),
        ),
        explain=f"{expected / 1e6:.1f}M MACs against {_bypass_macs('1_0', resolution) / 1e6:.1f}M on 1.0: the same "
                "parameters, on smaller maps.",
    )


@exercise(3, 4, kind="number", points=1, minutes=5,
          title="Model size at 4 bits",
          objective="turn a parameter count into megabytes at a given precision")
def check_03_4(answer):
    """Size in MB (2**20 bytes) of SqueezeNet 1.0 stored densely at 4 bits per parameter."""
    params, bits = squeezenet_cost().params, EX4_BITS
    expected = cost.model_size_bytes(params, bits) / cost.MIB
    return check_number(
        answer, expected, rel_tol=5e-3,
        concept="size = parameters x bits per parameter, in MB of 2**20 bytes: see 'Model size: Table 2, from code'.",
        hint=f"{params:,} x {bits} / 8 bytes, divided by 2**20.",
        mistakes=distinct_mistakes(
            expected,
            decimal=(cost.model_size_bytes(params, bits) / 1e6, "That uses MB = 10**6 bytes; the paper's 4.8 MB "
                                                                "for 32 bits is 2**20-byte MB."),
            float32=(cost.model_size_bytes(params) / cost.MIB, f"That is 4 bytes per parameter, the 32-bit size; "
                                                               f"store {bits} bits, {bits}/8 of a byte, per "
                                                               "parameter."),
            pruned=(cost.model_size_bytes(PAPER_PRUNED_PARAMS, bits) / cost.MIB,
                    "That also prunes the model to Table 1's 421,098 weights; the question is quantization alone."),
            six_bits=(cost.model_size_bytes(params, 6) / cost.MIB, f"That is 6 bits per parameter; here it is {bits}."),
        ),
        explain=f"{32 // bits}x smaller than float32, and still above 0.5 MB: the paper's < 0.5 MB needs pruning too.",
    )


# ---------------------------------------------------------------- implement

_DYADIC = [Fraction(n, 8) for n in range(1, 8)]  # exact in floating point: a float implementation can round alike


def _fire_channel_cases():
    """Valid Section 5 settings: the paper's, the toy example, halves to round, and random ones."""
    cases = [(128, 128, 2, 0.5, 0.125, 8), (4, 0, 2, 0.5, 0.75, 1), (5, 3, 1, 0.5, 0.5, 4),
             (64, 32, 3, 0.25, 0.375, 8), (128, 128, 2, 0.125, 0.875, 8), (40, 24, 2, 0.375, 0.125, 6)]
    rng = random.Random(3)
    while len(cases) < 20:
        case = (rng.randint(4, 96), rng.randint(0, 64), rng.randint(1, 4), float(rng.choice(_DYADIC)),
                float(rng.choice(_DYADIC)), rng.randint(1, 9))
        try:
            cost.fire_channels(*case)
        except ValueError:
            continue  # a setting that leaves a layer without filters: not a question
        cases.append(case)
    names = ("base_e", "incr_e", "freq", "pct3x3", "squeeze_ratio", "num_fire")
    return [(", ".join(f"{n}={v}" for n, v in zip(names, case)), case) for case in cases]


def _round_half_up(x):
    return int(Fraction(x) + Fraction(1, 2)) if x >= 0 else -int(-Fraction(x) + Fraction(1, 2))


def _channels_with(e_of, round_, split=lambda e3, e: (e - e3, e3), squeeze_of=lambda e, e3: e):
    def channels(base_e=128, incr_e=128, freq=2, pct3x3=0.5, squeeze_ratio=0.125, num_fire=8):
        rows = []
        for i in range(num_fire):
            e = e_of(base_e, incr_e, freq, i)
            e3 = round_(pct3x3 * e)
            e1, e3 = split(e3, e)
            rows.append((round_(squeeze_ratio * squeeze_of(e, e3)), e1, e3))
        return rows
    return channels


def _floor_width(base_e, incr_e, freq, i):
    return base_e + incr_e * (i // freq)


def _fire_channels_reference(*args):
    return cost.fire_channels(*args)


_CHANNELS_TRUNCATED = _channels_with(_floor_width, int)
_CHANNELS_BANKERS = _channels_with(_floor_width, round)
_CHANNELS_SPLIT_SWAPPED = _channels_with(_floor_width, _round_half_up, split=lambda e3, e: (e3, e - e3))
_CHANNELS_NO_FLOOR = _channels_with(lambda b, n, f, i: b + n * i / f, _round_half_up)
_CHANNELS_SQUEEZE_OF_3X3 = _channels_with(_floor_width, _round_half_up, squeeze_of=lambda e, e3: e3)


def _as_rows(candidate):
    """``candidate`` whose result is read as a list of ``(s1x1, e1x1, e3x3)`` tuples of ints, where it is one
    (lists, NumPy or tensor integers and whole floats are fine); anything else is passed on unchanged."""
    def rows(*args):
        result = candidate(*args)
        try:
            out = []
            for row in result:
                values = tuple(v.item() if hasattr(v, "item") else v for v in row)
                if len(values) != 3 or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               and float(v).is_integer() for v in values):
                    return result
                out.append(tuple(int(v) for v in values))
            return out
        except Exception:
            return result
    return rows


@exercise(3, 5, kind="implement", points=2, minutes=20,
          title="Implement fire_channels",
          objective="turn Section 5's metaparameters into the filters of every Fire module")
def check_03_5(fire_channels):
    """Student's ``fire_channels(base_e, incr_e, freq, pct3x3, squeeze_ratio, num_fire)`` -> [(s1x1, e1x1, e3x3)]."""
    candidate = _as_rows(fire_channels) if callable(fire_channels) else fire_channels
    return check_function(
        candidate, _fire_channels_reference, _fire_channel_cases(),
        concept="e_i grows by incr_e every freq modules; pct3x3 of it are 3x3 filters and SR x e_i squeeze "
                "filters: see 'The squeeze ratio and pct3x3'.",
        hint="for i in range(num_fire): e = base_e + incr_e * (i // freq); e3x3 = round_half_up(pct3x3 * e); "
             "e1x1 = e - e3x3; s1x1 = round_half_up(squeeze_ratio * e), with round_half_up(v) = "
             "math.floor(v + 0.5); return the list of (s1x1, e1x1, e3x3).",
        mistakes=[(_as_rows(_CHANNELS_TRUNCATED), "You round down (int() or //): a product such as 2.5 or 4.75 "
                                                  "rounds to the nearest integer, halves up."),
                  (_as_rows(_CHANNELS_BANKERS), "Python's round() rounds halves to the even neighbour "
                                                "(round(2.5) == 2); the rule rounds halves up: floor(v + 0.5)."),
                  (_as_rows(_CHANNELS_SPLIT_SWAPPED), "Your e1x1 and e3x3 are swapped: pct3x3 is the share of "
                                                      "the expand filters that are 3x3."),
                  (_as_rows(_CHANNELS_NO_FLOOR), "The width grows in steps: floor(i / freq), so freq modules "
                                                 "share one width (use i // freq)."),
                  (_as_rows(_CHANNELS_SQUEEZE_OF_3X3), "SR counts squeeze filters per expand filter, all e_i of "
                                                       "them, not only the 3x3 ones.")],
        explain="The defaults give the Fire modules of Table 1; cost.fire_channels is the course's version.",
    )


def _fire_cases():
    rng = random.Random(5)
    cases = []
    for n in range(6):
        c_in, s1x1, e1x1, e3x3 = rng.randint(2, 12), rng.randint(1, 6), rng.randint(1, 8), rng.randint(1, 8)
        if n == 0:
            e1x1, e3x3 = 4, 6  # unequal: the order of the concatenation shows
        torch.manual_seed(100 + n)
        squeeze, expand1x1 = nn.Conv2d(c_in, s1x1, 1), nn.Conv2d(s1x1, e1x1, 1)
        expand3x3 = nn.Conv2d(s1x1, e3x3, 3, padding=1)
        x = torch.randn(rng.randint(1, 3), c_in, rng.randint(3, 9), rng.randint(3, 9),
                        generator=torch.Generator().manual_seed(n))
        cases.append((f"x of shape {tuple(x.shape)}, squeeze {squeeze}, expand1x1 {expand1x1}, "
                      f"expand3x3 {expand3x3}", (x, squeeze, expand1x1, expand3x3)))
    return cases


def _fire_reference(x, squeeze, expand1x1, expand3x3):
    s = F.relu(squeeze(x))
    return torch.cat([F.relu(expand1x1(s)), F.relu(expand3x3(s))], dim=1)


def _fire_no_squeeze_relu(x, squeeze, expand1x1, expand3x3):
    s = squeeze(x)
    return torch.cat([F.relu(expand1x1(s)), F.relu(expand3x3(s))], dim=1)


def _fire_no_expand_relu(x, squeeze, expand1x1, expand3x3):
    s = F.relu(squeeze(x))
    return torch.cat([expand1x1(s), expand3x3(s)], dim=1)


def _fire_swapped(x, squeeze, expand1x1, expand3x3):
    s = F.relu(squeeze(x))
    return torch.cat([F.relu(expand3x3(s)), F.relu(expand1x1(s))], dim=1)


@exercise(3, 6, kind="implement", points=2, minutes=15,
          title="Implement a Fire module's forward pass",
          objective="write the Fire module: squeeze, two expand branches, concatenation")
def check_03_6(fire):
    """Student's ``fire(x, squeeze, expand1x1, expand3x3)``: the output of a Fire module with those three convs."""
    return check_function(
        fire, _fire_reference, _fire_cases(),
        concept="squeeze with ReLU, then the 1x1 and 3x3 expand branches side by side on the squeezed map, each "
                "with ReLU, concatenated along the channels: see 'The Fire module, derived'.",
        hint="s = relu(squeeze(x)); return torch.cat([relu(expand1x1(s)), relu(expand3x3(s))], dim=1), with "
             "relu = torch.relu; the 1x1 branch comes first.",
        mistakes=[(_fire_no_squeeze_relu, "You leave out the ReLU after the squeeze layer: every convolution "
                                          "of a Fire module is followed by a ReLU."),
                  (_fire_no_expand_relu, "You leave out the ReLUs of the expand branches: each expand "
                                         "convolution is followed by a ReLU."),
                  (_fire_swapped, "Your channels are in the wrong order: the 1x1 branch comes first in the "
                                  "concatenation (torchvision's order, so its weights load).")],
        explain="It is layers.Fire's forward without bypass: the two expand branches read the same squeezed map.",
    )


# ---------------------------------------------------------------- design

def _design_budget():
    return squeezenet_cost("1_0", EX7_RESOLUTION).macs


@exercise(3, 7, kind="design", points=3, minutes=25,
          title="Smaller than SqueezeNet 1.0, as much computation",
          objective="move parameters and MACs separately: widths and conv10 set the size, pooling positions the MACs")
def check_03_7(design):
    """A network of Fire modules, 1000 classes at 224 x 224: <= 1 M params, >= SqueezeNet 1.0's MACs, <= 1.5 G MACs."""
    res, classes = EX7_RESOLUTION, EX7_CLASSES
    floor_macs = _design_budget()
    unreadable = not_a_module(design, "network", "squeezenet_from_metaparams(...)")
    if unreadable is not None:
        return unreadable
    try:
        fires = [m for m in design.modules() if isinstance(m, Fire)]
        if not fires:
            return Verdict(False, "Not quite: your network has no Fire module. Build it from Fire modules, e.g. "
                                  "with squeezenet_from_metaparams(...) or SqueezeNet(fires=..., pool_after=...).",
                           score=0.0)
        outputs = []  # one forward pass, the profiler's, gives both the output and the counts
        handle = design.register_forward_hook(lambda module, inputs, output: outputs.append(output))
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # one thread: quick and steady even on a busy machine
        try:
            report = profile(design, input_size=(1, 3, res, res))
        finally:
            torch.set_num_threads(threads)
            handle.remove()
        out = outputs[0] if outputs else None
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (1, classes):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return Verdict(False, f"Not quite: on a (1, 3, {res}, {res}) input your network returns {shape}; "
                                  f"it must return (1, {classes}) class scores.", score=0.0)
    except Exception as err:  # a student's module may fail in any way: say so, never raise
        return Verdict(False, f"Not quite: running your network raised {type(err).__name__}: {err}.", score=0.0)
    params, macs = report.params, report.macs
    measured = (f"your network has {len(fires)} Fire modules, {params:,} parameters (budget {EX7_MAX_PARAMS:,}) "
                f"and {macs / 1e6:,.1f}M MACs at {res} x {res} (at least SqueezeNet 1.0's {floor_macs / 1e6:.1f}M, "
                f"at most {EX7_MAX_MACS / 1e6:,.0f}M)")
    checks = [(params <= EX7_MAX_PARAMS, "too many parameters"),
              (macs >= floor_macs, "less computation than SqueezeNet 1.0"),
              (macs <= EX7_MAX_MACS, "over the MACs cap")]
    missing = [why for ok, why in checks if not ok]
    if not missing:
        return Verdict(True, f"Correct: {measured}. Many designs pass: narrower late Fire modules (a smaller "
                             "incr_e also shrinks conv10) with the pools moved later; a smaller pct3x3 with later "
                             "pools; a smaller base_e and incr_e.")
    return Verdict(False, f"Not quite: {measured}: {' and '.join(missing)}. Hint: the widths of the last Fire "
                          "modules set conv10's size (41% of SqueezeNet 1.0's parameters); where the max pools sit "
                          "changes the MACs and not one parameter (pool_after=...).",
                   score=(len(checks) - len(missing)) / len(checks))


# ---------------------------------------------------------------- choice

@exercise(3, 8, kind="choice", points=1, minutes=10,
          title="Doubling the squeeze ratio",
          objective="see which parts of a network a metaparameter scales, and which it leaves alone")
def check_03_8(answer):
    """SqueezeNet 1.0 with SR 0.125 -> 0.25: what happens to the parameters?"""
    base, doubled = squeezenet_cost().params, squeezenet_metaparams_cost(squeeze_ratio=EX8_SQUEEZE_RATIO).params
    fixed = cost.conv2d(3, 96, 7, 1, bias=True).params + cost.conv2d(512, 1000, 1, 1, bias=True).params
    return check_choice(
        answer, "b", ["a", "b", "c"],
        concept="every Fire term except the expand biases is proportional to s1x1, but SR does not reach every "
                "layer: see 'The squeeze ratio and pct3x3'.",
        option_hints={"a": "The Fire modules roughly double, but conv1 and conv10 have no squeeze layer: they "
                           "stay as they are.",
                      "c": "s1x1 is a number of filters: each squeeze filter has C_in weights and each expand "
                           "filter s1x1 weights (9 s1x1 for 3x3), so the parameters grow with it."},
        hint=f"conv1 + conv10 = {fixed:,} of the {base:,} parameters do not depend on SR; the other "
             f"{base - fixed:,} (the Fire modules) nearly double: about {doubled / base:.2f}x in all.",
        explain=f"{base:,} -> {doubled:,} parameters, {doubled / base:.2f}x: conv1 and conv10 "
                f"({fixed / base:.0%} of SqueezeNet 1.0) dilute the doubling.",
    )
