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
03_1       parameters of Fire module fire4 of SqueezeNet 1.0 (``EX1_FIRE``:
           128 input channels, s1x1 = 32, e1x1 = e3x3 = 128), biases included
03_2       parameters of the whole SqueezeNet built from the Section 5
           metaparameters with ``EX2_SQUEEZE_RATIO=0.75`` (the rest default)
03_3       parameters the complex bypass adds to SqueezeNet 1.0
03_4       MACs of SqueezeNet 1.0 divided by MACs of 1.1 at
           ``EX4_RESOLUTION=224``
03_5       size in MB (2**20 bytes) of SqueezeNet 1.0's parameters stored
           densely at ``EX5_BITS=6`` bits each, i.e. quantized but not pruned
=========  ===============================================================
"""

from .. import cost
from ..models.squeezenet import SQUEEZENET_FIRES, squeezenet_cost, squeezenet_metaparams_cost
from ._catalog import exercise
from ._grading import check_number, distinct_mistakes

__all__ = ["check_03_1", "check_03_2", "check_03_3", "check_03_4", "check_03_5"]

# exercise 1: one Fire module (fire4: in 128 channels, Table 1's s1x1 / e1x1 / e3x3), at 55 x 55
EX1_C_IN, EX1_FIRE, EX1_SIZE = 128, SQUEEZENET_FIRES[2], 55
# exercise 2: SR = 0.75, where the accuracy of the paper's Fig. 3(a) sweep plateaus ("a 19MB model", Sec. 5.2)
EX2_SQUEEZE_RATIO = 0.75
# exercise 4: the "2.4x less computation" of SqueezeNet 1.1
EX4_RESOLUTION = 224
# exercise 5: quantization alone
EX5_BITS = 6
# Table 1's last column: parameters left after Deep Compression's pruning (cited, printed)
PAPER_PRUNED_PARAMS = 421_098
PAPER_COMPRESSED_MB = {8: 0.66, 6: 0.47}  # Table 2 (printed)


@exercise(3, 1, kind="number", points=1, minutes=10,
          title="Parameters of a Fire module",
          objective="count a Fire module's squeeze and expand layers")
def check_03_1(answer):
    """Parameters of fire4 (128 -> s1x1 32 -> e1x1 128 + e3x3 128), biases included."""
    s1x1, e1x1, e3x3 = EX1_FIRE
    fire = cost.fire(EX1_C_IN, s1x1, e1x1, e3x3, EX1_SIZE)
    biases = s1x1 + e1x1 + e3x3
    no_squeeze = cost.conv2d(EX1_C_IN, e1x1, 1, EX1_SIZE, bias=True) + cost.conv2d(EX1_C_IN, e3x3, 3, EX1_SIZE,
                                                                                  bias=True)
    return check_number(
        answer, fire.params,
        hint="add three convolutions: squeeze c_in x s1x1, expand s1x1 x e1x1 (1x1) and s1x1 x e3x3 (3x3, "
             "so 9 weights per pair), each with one bias per filter.",
        mistakes=distinct_mistakes(
            fire.params,
            no_bias=(fire.params - biases, f"That leaves out the {biases} biases: every Fire convolution has one "
                                           "bias per filter."),
            macs=(fire.macs, f"That is the MAC count at {EX1_SIZE} x {EX1_SIZE}; parameters do not depend on the "
                             "map size."),
            all_1x1=(fire.params - 8 * s1x1 * e3x3, "The e3x3 filters are 3x3: each has 9 weights per input "
                                                    "channel."),
            no_squeeze=(no_squeeze.params, "That feeds all 128 input channels to the expand filters. The "
                                           f"squeeze layer cuts them to s1x1 = {s1x1} first."),
        ),
        explain=f"The 3x3 expand layer holds {9 * s1x1 * e3x3 + e3x3:,} of them "
                f"({(9 * s1x1 * e3x3 + e3x3) / fire.params:.0%}).",
    )


@exercise(3, 2, kind="number", points=2, minutes=15,
          title="SqueezeNet from its metaparameters",
          objective="build a network from base_e, incr_e, freq, pct3x3 and SR")
def check_03_2(answer):
    """Parameters of the Section 5 SqueezeNet with SR = 0.75 (base_e = incr_e = 128, freq 2, pct3x3 0.5)."""
    expected = squeezenet_metaparams_cost(squeeze_ratio=EX2_SQUEEZE_RATIO).params
    default = squeezenet_metaparams_cost().params
    return check_number(
        answer, expected,
        hint="s1x1 = SR x e_i with e_i = 128, 128, 256, 256, 384, 384, 512, 512; build "
             "squeezenet_from_metaparams(squeeze_ratio=0.75) and count, or add the Fire modules with cost.fire "
             "plus conv1 and conv10.",
        mistakes=distinct_mistakes(
            expected,
            default=(default, "That is SqueezeNet 1.0 itself (SR = 0.125). Set the squeeze ratio to 0.75."),
            size=(round(expected * 4 / cost.MIB, 1), "That is the size in MB; the question asks for parameters."),
            size_bytes=(expected * 4, "That is the size in bytes at 32 bits; the question asks for parameters."),
        ),
        explain=f"{expected / default:.1f}x SqueezeNet 1.0's parameters: at 32 bits {expected * 4 / cost.MIB:.2f} MB "
                f"of 2**20 bytes or {expected * 4 / 1e6:.2f} MB of 10**6 bytes; the paper's \"19MB model\" "
                "(Sec. 5.2) fits the second.",
    )


def _complex_bypass_convs():
    """(c_in, c_out) of the Fire modules whose channels change: the complex bypass puts a 1x1 conv there."""
    c_in, pairs = 96, []
    for s1x1, e1x1, e3x3 in SQUEEZENET_FIRES:
        if c_in != e1x1 + e3x3:
            pairs.append((c_in, e1x1 + e3x3))
        c_in = e1x1 + e3x3
    return pairs


@exercise(3, 3, kind="number", points=1, minutes=10,
          title="The cost of the complex bypass",
          objective="count what a 1x1 bypass conv adds")
def check_03_3(answer):
    """Parameters that the complex bypass adds to SqueezeNet 1.0."""
    expected = squeezenet_cost(bypass="complex").params - squeezenet_cost().params
    pairs = _complex_bypass_convs()
    every_fire = sum(c * c_out + c_out for c, c_out in
                     zip([96] + [e1 + e3 for _, e1, e3 in SQUEEZENET_FIRES[:-1]],
                         [e1 + e3 for _, e1, e3 in SQUEEZENET_FIRES]))
    return check_number(
        answer, expected,
        hint="the complex bypass adds a 1x1 convolution (with bias) only around the Fire modules whose input "
             "and output channels differ; the others get the free identity bypass.",
        mistakes=distinct_mistakes(
            expected,
            no_bias=(sum(c * c_out for c, c_out in pairs), "Close: each bypass convolution also has one bias per "
                                                           "output channel."),
            simple=(0, "That is the simple bypass, which adds nothing. The complex one adds 1x1 convolutions "
                       "where the channels change."),
            every_fire=(every_fire, "That puts a 1x1 convolution around all eight Fire modules. Where the "
                                    "channels match, the identity bypass needs no weights."),
        ),
        explain=f"{len(pairs)} convolutions ({', '.join(f'{a}->{b}' for a, b in pairs)}): "
                f"{squeezenet_cost(bypass='complex').params * 4 / cost.MIB:.2f} MB in all at 32 bits.",
    )


@exercise(3, 4, kind="number", points=2, minutes=15,
          title="SqueezeNet 1.1's saving",
          objective="trace where downsampling earlier saves MACs")
def check_03_4(answer):
    """MACs of SqueezeNet 1.0 / MACs of SqueezeNet 1.1, at 224 x 224."""
    v10, v11 = squeezenet_cost("1_0", EX4_RESOLUTION), squeezenet_cost("1_1", EX4_RESOLUTION)
    ratio = v10.macs / v11.macs
    at227 = squeezenet_cost("1_0", 227).macs / squeezenet_cost("1_1", 227).macs
    return check_number(
        answer, ratio, rel_tol=2e-3,
        hint="profile squeezenet(version='1_0') and squeezenet(version='1_1') at (1, 3, 224, 224), or use "
             "squeezenet_cost, and divide the MACs.",
        mistakes=distinct_mistakes(
            round(ratio, 6),
            inverse=(round(1 / ratio, 6), "That is 1.1 / 1.0; the question asks how many times more MACs 1.0 "
                                          "needs, a number above 1."),
            params=(round(v10.params / v11.params, 6), "That is the parameter ratio: the two versions have "
                                                       "nearly the same parameters. Compare MACs."),
            readme=(2.4, "That is the claim of the SqueezeNet 1.1 README. Compute the ratio from the models."),
            at227=(round(at227, 6), "That is at 227 x 227 (the Caffe crop); the question is at 224."),
        ),
        explain=f"{v10.macs / 1e6:.0f}M / {v11.macs / 1e6:.0f}M MACs; at 227 x 227 the ratio is {at227:.2f}.",
    )


@exercise(3, 5, kind="number", points=1, minutes=5,
          title="Model size at 6 bits",
          objective="turn a parameter count into megabytes at a given precision")
def check_03_5(answer):
    """Size in MB (2**20 bytes) of SqueezeNet 1.0 stored densely at 6 bits per parameter."""
    params = squeezenet_cost().params
    expected = cost.model_size_bytes(params, EX5_BITS) / cost.MIB
    return check_number(
        answer, expected, rel_tol=5e-3,
        hint=f"bytes = parameters x {EX5_BITS} / 8; the paper's MB is 2**20 bytes (1,248,424 x 4 bytes is its "
             "'4.8 MB').",
        mistakes=distinct_mistakes(
            expected,
            decimal=(cost.model_size_bytes(params, EX5_BITS) / 1e6, "That uses MB = 10**6 bytes; the paper's 4.8 MB "
                                                                    "for 32 bits is 2**20-byte MB."),
            float32=(cost.model_size_bytes(params) / cost.MIB, "That is the 32-bit size; store 6 bits per "
                                                               "parameter."),
            pruned=(cost.model_size_bytes(PAPER_PRUNED_PARAMS, EX5_BITS) / cost.MIB,
                    "That also prunes the model to Table 1's 421,098 weights; the question is quantization alone."),
            printed=(PAPER_COMPRESSED_MB[EX5_BITS], "That is the paper's Deep Compression result, which also prunes "
                                                    "(and stores sparse indices); the question is quantization "
                                                    "alone."),
            bits_as_bytes=(params * EX5_BITS / cost.MIB, "That stores 6 bytes per parameter; 6 bits is 6/8 of a "
                                                         "byte."),
        ),
        explain="Quantization alone gives about 5.3x; Table 2's 0.47 MB needs pruning too.",
    )
