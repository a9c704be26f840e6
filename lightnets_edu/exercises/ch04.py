"""Checkers for the exercises of chapter 4, *DenseNet*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. Expected
answers are computed from :mod:`lightnets_edu.cost` and from the CIFAR recipe
(:func:`lightnets_edu.models.densenet.densenet_cifar_config`), never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
04_1       channels entering layer ``EX1_LAYER=7`` of a dense block with
           k0 = ``EX1_K0=64``, k = ``EX1_K=32``
04_2       parameters (BN included) of DenseNet-121's first dense block:
           ``EX2_LAYERS=6`` bottleneck layers, k0 = ``EX2_K0=64``,
           k = ``EX2_K=32``, at ``EX2_SIZE=56`` x 56
04_3       channels entering the classifier of DenseNet-BC with
           L = ``EX3_DEPTH=100``, k = ``EX3_K=12`` (theta = 0.5)
04_4       layers per dense block of DenseNet-BC with L = ``EX4_DEPTH=250``
04_5       feature-map values a naive implementation keeps for the
           concatenated inputs of one block: ``EX5_LAYERS=16`` layers,
           k0 = ``EX5_K0=24``, k = ``EX5_K=12``, ``EX5_SIZE=32`` x 32, batch 1
=========  ===============================================================
"""

from .. import cost
from ..models.densenet import densenet_cifar_config, densenet_cost_table
from ._catalog import exercise
from ._grading import check_number, distinct_mistakes

__all__ = ["check_04_1", "check_04_2", "check_04_3", "check_04_4", "check_04_5"]

# exercise 1: channel arithmetic
EX1_LAYER, EX1_K0, EX1_K = 7, 64, 32
# exercise 2: DenseNet-121's first block
EX2_LAYERS, EX2_K0, EX2_K, EX2_SIZE = 6, 64, 32, 56
# exercise 3: DenseNet-BC (L = 100, k = 12)
EX3_DEPTH, EX3_K, EX3_THETA = 100, 12, 0.5
# exercise 4: the depth recipe
EX4_DEPTH = 250
# exercise 5: what concatenation stores
EX5_LAYERS, EX5_K0, EX5_K, EX5_SIZE = 16, 24, 12, 32


def _classifier_width(depth, growth_rate, bottleneck, compression, init=None):
    """Channels entering the FC layer of a CIFAR DenseNet (``init`` overrides the first conv's width)."""
    blocks, first, bn_size = densenet_cifar_config(depth, growth_rate, bottleneck, compression)
    rows = densenet_cost_table(growth_rate, blocks, init or first, bn_size, compression, 10, 32, small_inputs=True)
    return rows[-1]["c_in"]


def _width_story(depth, growth_rate, compression):
    """'24 + 16 x 12 = 216 -> 108; ...': the widths through a DenseNet-BC, from the cost table."""
    blocks, init, bn_size = densenet_cifar_config(depth, growth_rate, True, compression)
    rows = densenet_cost_table(growth_rate, blocks, init, bn_size, compression, 10, 32, small_inputs=True)
    steps = []
    for row in rows:
        if row["stage"].startswith("denseblock"):
            steps.append(f"{row['c_in']} + {blocks[0]} x {growth_rate} = {row['c_out']}")
        elif row["stage"].startswith("transition"):
            steps[-1] += f" -> {row['c_out']}"
    return "; ".join(steps) + " channels reach the classifier."


@exercise(4, 1, kind="number", points=1, minutes=5,
          title="Channels entering a dense layer",
          objective="follow the channel arithmetic k0 + (l - 1) k")
def check_04_1(answer):
    """Channels entering the 7th layer of a block with k0 = 64, k = 32."""
    expected = cost.dense_block(EX1_K0, EX1_K, EX1_LAYER - 1, 1).c_out  # the input and 6 earlier layers
    return check_number(
        answer, expected,
        hint="layer l sees the block's input and the k maps of each of the l - 1 layers before it.",
        mistakes=distinct_mistakes(
            expected,
            one_too_many=(EX1_K0 + EX1_LAYER * EX1_K,
                          f"That counts {EX1_LAYER} layers' maps: it is what layer {EX1_LAYER} *outputs* to "
                          f"the next one (its own k maps included). Layer {EX1_LAYER} sees {EX1_LAYER - 1} earlier "
                          "layers."),
            no_input=((EX1_LAYER - 1) * EX1_K, "The block's input k0 is concatenated too: add it."),
            no_input_and_one_more=(EX1_LAYER * EX1_K, "Add the block's input k0, and count only the layers "
                                                      "before the 7th."),
            growth_only=(EX1_K, "Every layer *adds* k maps, but it *sees* all the earlier ones."),
        ),
        explain=f"k0 + 6k = {EX1_K0} + 6 x {EX1_K} = {expected}: the 3x3 conv of that layer still outputs only "
                f"{EX1_K} maps.",
    )


@exercise(4, 2, kind="number", points=2, minutes=15,
          title="Parameters of a dense block",
          objective="count a bottleneck dense block's parameters")
def check_04_2(answer):
    """Parameters of DenseNet-121's first dense block (bottleneck layers, BN included)."""
    block = cost.dense_block(EX2_K0, EX2_K, EX2_LAYERS, EX2_SIZE, bn_size=4)
    bn = sum(cost.batchnorm(EX2_K0 + i * EX2_K).params + cost.batchnorm(4 * EX2_K).params
             for i in range(EX2_LAYERS))
    same_width = EX2_LAYERS * cost.dense_layer(EX2_K0, EX2_K, EX2_SIZE, bn_size=4).params
    basic = cost.dense_block(EX2_K0, EX2_K, EX2_LAYERS, EX2_SIZE, bn_size=None).params
    return check_number(
        answer, block.params,
        hint="sum over the 6 layers: BN(c) + 1x1 conv c -> 4k + BN(4k) + 3x3 conv 4k -> k, with c = 64 + i 32.",
        mistakes=distinct_mistakes(
            block.params,
            weights_only=(block.params - bn, f"That leaves out batch norm's 2C parameters ({bn:,} in this "
                                             "block); the book counts them."),
            same_width=(same_width, "Every layer sees more channels than the one before: c = 64, 96, 128, ... "
                                    "not 64 each time."),
            no_bottleneck=(basic, "That is a block of basic BN-ReLU-3x3 layers. DenseNet-121's layers have "
                                  "the 1x1 bottleneck to 4k = 128 channels."),
            macs=(block.macs, f"That is the MAC count at {EX2_SIZE} x {EX2_SIZE}; parameters do not depend on "
                              "the map size."),
        ),
        explain=f"{block.params:,} parameters, of which {bn:,} are batch norm's; the block leaves "
                f"{block.c_out} channels.",
    )


@exercise(4, 3, kind="number", points=2, minutes=15,
          title="Channels entering DenseNet-BC's classifier",
          objective="follow growth and compression through a network")
def check_04_3(answer):
    """Channels entering the classifier of DenseNet-BC (L = 100, k = 12)."""
    expected = _classifier_width(EX3_DEPTH, EX3_K, True, EX3_THETA)
    return check_number(
        answer, expected,
        hint="(L - 4) / 6 layers per block, 2k channels from the first conv, each transition keeps "
             "floor(theta m) channels, and the last block has no transition after it.",
        mistakes=distinct_mistakes(
            expected,
            no_compression=(_classifier_width(EX3_DEPTH, EX3_K, True, 1.0, init=2 * EX3_K),
                            "The two transitions halve the width (theta = 0.5)."),
            sixteen=(_classifier_width(EX3_DEPTH, EX3_K, True, EX3_THETA, init=16),
                     "DenseNet-BC's first convolution has 2k = 24 channels; 16 is the basic DenseNet's."),
            no_halving=(_classifier_width(EX3_DEPTH, EX3_K, False, EX3_THETA, init=2 * EX3_K),
                        "With bottlenecks each layer has two convolutions, so a block has (L - 4) / 6 "
                        "layers, not (L - 4) / 3."),
        ),
        explain=_width_story(EX3_DEPTH, EX3_K, EX3_THETA),
    )


@exercise(4, 4, kind="number", points=1, minutes=10,
          title="Layers per block of DenseNet-BC",
          objective="relate depth L to layers per block")
def check_04_4(answer):
    """Layers per dense block of DenseNet-BC with L = 250."""
    expected = densenet_cifar_config(EX4_DEPTH, 24, bottleneck=True, compression=0.5)[0][0]
    return check_number(
        answer, expected,
        hint="L counts every convolution and the FC layer: the first conv, 2 per bottleneck layer, the two "
             "transition convs and the classifier.",
        mistakes=distinct_mistakes(
            expected,
            basic=((EX4_DEPTH - 4) // 3, "That is (L - 4) / 3, the recipe for layers with one convolution. "
                                         "A bottleneck layer has two: (L - 4) / 6."),
            total=(3 * expected, "That is the number of dense layers in all three blocks; divide by 3."),
            no_extra=(EX4_DEPTH / 6, "Subtract the 4 layers outside the blocks (first conv, two transitions, "
                                     "FC) first."),
        ),
        explain=f"(250 - 4) / 6 = {expected} layers per block, {3 * expected} dense layers, "
                f"{6 * expected} convolutions in the blocks.",
    )


@exercise(4, 5, kind="number", points=2, minutes=15,
          title="Memory of the concatenations",
          objective="see why naive dense blocks need quadratic memory")
def check_04_5(answer):
    """Values stored for the concatenated inputs of a 16-layer block (k0 = 24, k = 12, 32 x 32, batch 1)."""
    positions = EX5_SIZE * EX5_SIZE
    stored = sum(EX5_K0 + i * EX5_K for i in range(EX5_LAYERS)) * positions
    return check_number(
        answer, stored,
        hint="layer i's concatenated input has k0 + i k channels of 32 x 32 values; add them up over the "
             "16 layers (an arithmetic series).",
        mistakes=distinct_mistakes(
            stored,
            bytes=(4 * stored, "That is in bytes (float32). The question asks for values."),
            last_only=((EX5_K0 + (EX5_LAYERS - 1) * EX5_K) * positions,
                       "That is only the last layer's input; every layer keeps its own concatenated copy."),
            output_only=((EX5_K0 + EX5_LAYERS * EX5_K) * positions,
                         "That is the block's output, stored once. The naive implementation stores one "
                         "concatenation per layer."),
            no_positions=(stored // positions, "That counts channels; multiply by the 32 x 32 positions."),
        ),
        explain=f"(n k0 + k n (n - 1) / 2) H W with n = {EX5_LAYERS} layers: ({EX5_LAYERS} x {EX5_K0} + {EX5_K} x "
                f"{EX5_LAYERS} x {EX5_LAYERS - 1} / 2) x {positions} = {stored:,} values ({4 * stored / 2 ** 20:.1f} MiB in "
                "float32), quadratic in the number of layers.",
    )
