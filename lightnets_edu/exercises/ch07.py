"""Checkers for the exercises of chapter 7, *MobileNet v3*.

Expected answers are computed from :mod:`lightnets_edu.cost`, from the config
tables of :mod:`lightnets_edu.models.mobilenet_v3` (checked against profiled
models in the tests) and from the activation formulas, never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
07_1       params of the SE block of MobileNetV3-Large's fourth bneck: its
           ``EX1_EXP=72``-channel expansion runs on the 56 x 56 input, the
           stride-2 depthwise conv brings it to the ``EX1_SIZE=28`` map the SE
           block pools (the size does not change the parameters)
07_2       the largest gap between h-swish and swish over all real x
07_3       MACs saved by the efficient last stage of MobileNetV3-Large
           (Figure 5: 160 -> 960 -> 320 -> 1280 at 7 x 7, 1000 classes)
07_4       the reward weight w that puts the reward's peak on the target for
           a family gaining ``EX4_POINTS=7`` accuracy points per doubling of
           latency, at ``EX4_ACC=0.67`` on target
07_5       MACs (conv + FC) of MobileNetV3-Large 0.75 as the paper built it
           (TF's width rule)
=========  ===============================================================
"""

import math

from .. import cost
from ..models.mobilenet_v3 import mobilenet_v3_cost
from ._catalog import exercise
from ._grading import check_number, distinct_mistakes

__all__ = ["check_07_1", "check_07_2", "check_07_3", "check_07_4", "check_07_5"]

# exercise 1: one SE block
EX1_EXP, EX1_SIZE = 72, 28
# exercise 3: Figure 5's two last stages of MobileNetV3-Large
EX3_C_IN, EX3_EXPAND, EX3_PROJECT, EX3_LAST, EX3_CLASSES, EX3_SIZE = 160, 960, 320, 1280, 1000, 7
# exercise 4: the reward weight
EX4_POINTS, EX4_ACC = 7, 0.67
# exercise 5: Table 3's 0.75 model
EX5_WIDTH = 0.75


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


def hswish_swish_gap():
    """max |h-swish(x) - swish(x)|: reached at x = +-3, where h-swish is exactly x (or 0)
    and swish is 3 sigmoid(3) (or -3 sigmoid(-3)): the gap is 3 sigmoid(-3)."""
    return 3 * _sigmoid(-3)


def hsigmoid_sigmoid_gap():
    """max |h-sigmoid(x) - sigmoid(x)|, by a fine search on [0, 3] (the gap is odd about x = 0)."""
    return max(abs(min(max(x + 3, 0), 6) / 6 - _sigmoid(x)) for x in (k / 100_000 for k in range(300_001)))


@exercise(7, 1, kind="number", points=1, minutes=10,
          title="Parameters of an SE block",
          objective="count squeeze-excite's two layers")
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
        hint="the squeeze width is make_divisible(72 // 4, 8); then count fc1 (C x S weights + S biases) "
             "and fc2 (S x C weights + C biases).",
        mistakes=distinct_mistakes(
            se.params,
            unrounded=(unrounded.params, f"That squeezes to 72 // 4 = {EX1_EXP // 4} channels. The reference code "
                                         f"rounds with make_divisible: {squeeze} channels."),
            no_bias=(se.macs, "That leaves out the two bias vectors (fc1 and fc2 are 1x1 convs with bias). "
                              "It happens to be the block's MAC count."),
            per_map=(se.params + se.other_ops["pooling"], "The pooling and the scaling have no parameters; "
                                                          "only the two FC layers do."),
        ),
        explain=f"{EX1_EXP} x {squeeze} + {squeeze} + {squeeze} x {EX1_EXP} + {EX1_EXP} = {se.params:,}: "
                f"the map size (56 x 56 at the expansion, {EX1_SIZE} x {EX1_SIZE} after the stride-2 depthwise "
                f"conv, where the SE block runs) does not enter.",
    )


@exercise(7, 2, kind="number", points=2, minutes=15,
          title="h-swish against swish",
          objective="bound the error of the hard approximation")
def check_07_2(answer):
    """The largest |h-swish(x) - swish(x)| over all real x."""
    gap = hswish_swish_gap()
    return check_number(
        answer, gap, rel_tol=2e-3,
        hint="compare the two on a fine grid, e.g. torch.linspace(-10, 10, 2_000_001), in float64; "
             "look at where h-swish stops being curved.",
        mistakes=distinct_mistakes(
            gap,
            sigmoid=(hsigmoid_sigmoid_gap(), "That is the gap between h-sigmoid and sigmoid. Multiplying by x "
                                             "makes the swish gap larger."),
            at_zero=(0.0, "At x = 0 both are 0, but the gap is not zero elsewhere."),
        ),
        explain=f"{gap:.4f}, at x = +-3 where h-swish is exactly x (or 0) and swish is 3 sigmoid(3) "
                "(or -3 sigmoid(-3)).",
    )


def _ex3():
    original = cost.original_last_stage(EX3_C_IN, EX3_EXPAND, EX3_PROJECT, EX3_LAST, EX3_CLASSES, EX3_SIZE)
    efficient = cost.efficient_last_stage(EX3_C_IN, EX3_EXPAND, EX3_LAST, EX3_CLASSES, EX3_SIZE)
    return original, efficient


@exercise(7, 3, kind="number", points=2, minutes=15,
          title="The efficient last stage",
          objective="count what moving the last layers after the pool saves")
def check_07_3(answer):
    """MACs saved by moving the 1280-wide layer after the pool and dropping the last dw + projection."""
    original, efficient = _ex3()
    saved = original.macs - efficient.macs
    moved_only = EX3_PROJECT * EX3_LAST * EX3_SIZE ** 2 - EX3_EXPAND * EX3_LAST
    return check_number(
        answer, saved,
        hint="add up the MACs of both stages (every 1x1 conv on the 7 x 7 map costs c_in c_out 49; after "
             "the pool it costs c_in c_out), then subtract.",
        mistakes=distinct_mistakes(
            saved,
            flops=(2 * saved, "That is in FLOPs (2 per MAC). The question asks for MACs."),
            original=(original.macs, "That is the cost of the original stage; subtract the efficient one."),
            moved_only=(moved_only, "That counts only moving the 1280-wide layer after the pool; the "
                                    "depthwise conv and the 960 -> 320 projection are gone too."),
        ),
        explain=f"{original.macs / 1e6:.1f}M - {efficient.macs / 1e6:.1f}M = {saved / 1e6:.1f}M MACs "
                "(the paper says about 30 million).",
    )


@exercise(7, 4, kind="number", points=2, minutes=15,
          title="The weight of the latency term",
          objective="derive the reward exponent from a trade-off")
def check_07_4(answer):
    """The weight w that makes ACC x (LAT/TAR)^w peak at the target for 7 points per doubling at 67%."""
    slope = EX4_POINTS / 100
    w = -slope / (math.log(2) * EX4_ACC)
    return check_number(
        answer, w, rel_tol=1e-2,
        hint="at the peak, d log(reward) / d log(LAT) = 0: (dACC / dlog LAT) / ACC + w = 0, and "
             "dACC / dlog LAT = (points / 100) / ln 2 for 'points per doubling'.",
        mistakes=distinct_mistakes(
            w,
            positive=(-w, "A positive w would reward slower networks. The penalty needs w < 0."),
            no_log2=(-slope / EX4_ACC, "A doubling is a step of ln 2 in log latency: divide by ln 2 too."),
            percent=(-EX4_POINTS / (math.log(2) * EX4_ACC), "Accuracy is a fraction here: 7 points is 0.07."),
        ),
        explain=f"w = -0.07 / (ln 2 x {EX4_ACC}) = {w:.3f}, close to the -0.15 MobileNet v3-Small used.",
    )


@exercise(7, 5, kind="number", points=1, minutes=10,
          title="MobileNet v3-Large 0.75",
          objective="reproduce a table row from the config")
def check_07_5(answer):
    """Conv + FC MACs of MobileNetV3-Large 0.75 as built by the TF reference (Table 3's 155M row)."""
    tf = mobilenet_v3_cost("large", EX5_WIDTH, reference="tf")
    tv = mobilenet_v3_cost("large", EX5_WIDTH, reference="torchvision")
    return check_number(
        answer, tf.macs,
        hint="build the rows with mobilenet_v3_config('large', 0.75, reference='tf') (expansions = the "
             "table's factor x the rounded input; the 1280 kept), then profile MobileNetV3(*config).",
        mistakes=distinct_mistakes(
            tf.macs,
            torchvision=(tv.macs, "That is torchvision's mobilenet_v3_large(width_mult=0.75), which scales the "
                                  "expansions and the 1280 directly: a smaller network than the paper's."),
            flops=(2 * tf.macs, "That is in FLOPs (2 per MAC). The question asks for MACs."),
            full=(mobilenet_v3_cost("large").macs, "That is the width-1.0 model."),
        ),
        explain=f"{tf.macs / 1e6:.1f}M MACs, the printed 155M; torchvision's 0.75 model has "
                f"{tv.macs / 1e6:.1f}M.",
    )
