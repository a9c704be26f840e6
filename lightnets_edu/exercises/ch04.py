"""Checkers for the exercises of chapter 4, *DenseNet*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. Expected
answers are computed from :mod:`lightnets_edu.cost` and from the CIFAR recipe
(:func:`lightnets_edu.models.densenet.densenet_cifar_config`), never typed in;
the implement exercises compare with the package's own layers.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
04_1       channels entering layer ``EX1_LAYER=20`` of DenseNet-161's third
           block: k0 = ``EX1_K0=384``, k = ``EX1_K=48``
04_2       parameters (BN included) of DenseNet-161's first dense block:
           ``EX2_LAYERS=6`` bottleneck layers, k0 = ``EX2_K0=96``,
           k = ``EX2_K=48``, at ``EX2_SIZE=56`` x 56
04_3       channels entering the classifier of DenseNet-BC with
           L = ``EX3_DEPTH=130``, k = ``EX3_K=15`` (theta = 0.5)
04_4       feature-map values a naive implementation keeps for the
           concatenated inputs of one block: ``EX4_LAYERS=16`` layers,
           k0 = ``EX4_K0=24``, k = ``EX4_K=12``, ``EX4_SIZE=32`` x 32, batch 1
04_5       implement: ``MyDenseLayer(c_in, growth_rate)``, DenseNet-B's
           BN-ReLU-1x1-BN-ReLU-3x3 layer (an ``nn.Module`` class)
04_6       implement: ``dense_block(x, layers)``, a dense block's forward
           pass (the concatenation)
04_7       design: a DenseNet-BC for CIFAR (``EX7_CLASSES=10`` classes,
           ``EX7_SIZE=32`` x 32) with growth rate >= ``EX7_MIN_K=12``, at most
           ``EX7_BUDGET=1,000,000`` parameters and depth L >= ``EX7_DEPTH=120``
04_8       choice: what ``memory_efficient=True`` (checkpointing) trades
=========  ===============================================================
"""

import math

import torch
from torch import nn

from .. import cost
from ..layers import DenseLayer
from ..models.densenet import DenseNet, densenet_cifar_config, densenet_cost_table
from ..profile import profile
from ._catalog import exercise
from ._grading import Verdict, check_choice, check_number, distinct_mistakes
from ._implement import check_function, check_module

__all__ = ["check_04_1", "check_04_2", "check_04_3", "check_04_4", "check_04_5", "check_04_6", "check_04_7",
           "check_04_8"]

# exercise 1: channel arithmetic, in DenseNet-161's third block
EX1_LAYER, EX1_K0, EX1_K = 20, 384, 48
# exercise 2: DenseNet-161's first block
EX2_LAYERS, EX2_K0, EX2_K, EX2_SIZE = 6, 96, 48, 56
# exercise 3: a DenseNet-BC the paper did not train (L = 130, k = 15): the floors matter
EX3_DEPTH, EX3_K, EX3_THETA = 130, 15, 0.5
# exercise 4: what concatenation stores
EX4_LAYERS, EX4_K0, EX4_K, EX4_SIZE = 16, 24, 12, 32
# exercise 7: a deep DenseNet-BC under a parameter budget
EX7_CLASSES, EX7_SIZE, EX7_MIN_K, EX7_BUDGET, EX7_DEPTH = 10, 32, 12, 1_000_000, 120
EX7_PAPER_DEPTH = 100  # the paper's DenseNet-BC (L = 100, k = 12): under the budget, not deep enough

DENSE_LAYER_SECTION = "'The cost of a dense layer'"


def _classifier_width(depth, growth_rate, bottleneck, compression, init=None):
    """Channels entering the FC layer of a CIFAR DenseNet (``init`` overrides the first conv's width)."""
    blocks, first, bn_size = densenet_cifar_config(depth, growth_rate, bottleneck, compression)
    rows = densenet_cost_table(growth_rate, blocks, init or first, bn_size, compression, 10, 32, small_inputs=True)
    return rows[-1]["c_in"]


def _width_story(depth, growth_rate, compression):
    """'30 + 21 x 15 = 345 -> 172; ...': the widths through a DenseNet-BC, from the cost table."""
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
    """Channels entering the 20th layer of a block with k0 = 384, k = 48 (DenseNet-161's third block)."""
    expected = cost.dense_block(EX1_K0, EX1_K, EX1_LAYER - 1, 1).c_out  # the input and the 19 earlier layers
    return check_number(
        answer, expected,
        concept="layer l reads the block's input and the k maps of every layer before it: see "
                "'Channel arithmetic: k_0 + (\\ell - 1)k'.",
        hint=f"k0 + (l - 1) k = {EX1_K0} + {EX1_LAYER - 1} x {EX1_K}.",
        mistakes=distinct_mistakes(
            expected,
            one_too_many=(EX1_K0 + EX1_LAYER * EX1_K,
                          f"That counts {EX1_LAYER} layers' maps: it is what layer {EX1_LAYER} *passes on* (its own "
                          f"k maps included). Layer {EX1_LAYER} reads {EX1_LAYER - 1} earlier layers."),
            no_input=((EX1_LAYER - 1) * EX1_K, "The block's input k0 is concatenated too: add it."),
            no_input_and_one_more=(EX1_LAYER * EX1_K, f"Add the block's input k0, and count only the layers "
                                                      f"before the {EX1_LAYER}th."),
            growth_only=(EX1_K, "Every layer *adds* k maps, but it *reads* all the earlier ones."),
            bottleneck=(4 * EX1_K, "That is the bottleneck's width 4k, what the layer's 3x3 conv reads. The "
                                   "question asks what the layer itself reads: its 1x1 conv's input."),
        ),
        explain=f"k0 + {EX1_LAYER - 1}k = {EX1_K0} + {EX1_LAYER - 1} x {EX1_K} = {expected}; its 1x1 conv "
                f"reduces them to 4k = {4 * EX1_K}, and its 3x3 conv adds only {EX1_K} maps.",
    )


@exercise(4, 2, kind="number", points=1, minutes=15,
          title="Parameters of a dense block",
          objective="count a bottleneck dense block's parameters")
def check_04_2(answer):
    """Parameters of DenseNet-161's first dense block (6 bottleneck layers, k0 = 96, k = 48, BN included)."""
    n, k0, k = EX2_LAYERS, EX2_K0, EX2_K
    block = cost.dense_block(k0, k, n, EX2_SIZE, bn_size=4)
    bn = sum(cost.batchnorm(k0 + i * k).params + cost.batchnorm(4 * k).params for i in range(n))
    same_width = n * cost.dense_layer(k0, k, EX2_SIZE, bn_size=4).params
    basic = cost.dense_block(k0, k, n, EX2_SIZE, bn_size=None).params
    one_more = cost.dense_block(k0 + k, k, n, EX2_SIZE, bn_size=4).params
    widths = n * k0 + k * n * (n - 1) // 2
    return check_number(
        answer, block.params,
        concept=f"a bottleneck layer reading c channels has 2c + 4kc + 2(4k) + 9(4k)k parameters, and the c "
                f"grow by k from layer to layer: see {DENSE_LAYER_SECTION}, then sum over the block.",
        hint=f"(4k + 2) S_n + n (8k + 36k^2) with k = {k}, n = {n} and S_n = n k0 + k n (n - 1) / 2 = "
             f"{n} x {k0} + {k} x {n} x {n - 1} / 2 = {widths}.",
        mistakes=distinct_mistakes(
            block.params,
            weights_only=(block.params - bn, f"That leaves out batch norm's 2C parameters ({bn:,} in this "
                                             "block); the book counts them."),
            same_width=(same_width, f"Every layer reads more channels than the one before: c = {k0}, {k0 + k}, "
                                    f"{k0 + 2 * k}, ... not {k0} each time."),
            no_bottleneck=(basic, "That is a block of basic BN-ReLU-3x3 layers. DenseNet-161's layers have "
                                  f"the 1x1 bottleneck to 4k = {4 * k} channels."),
            off_by_one=(one_more, f"Layer 1 reads k0 = {k0} channels, not k0 + k: layer l reads k0 + (l - 1) k."),
            macs=(block.macs, f"That is the MAC count at {EX2_SIZE} x {EX2_SIZE}; parameters do not depend on "
                              "the map size."),
        ),
        explain=f"{block.params:,} parameters, of which {bn:,} are batch norm's; the block leaves "
                f"{block.c_out} channels.",
    )


def _rounded_up_width(depth, growth_rate, compression):
    """The classifier's width if every transition rounded theta m up instead of down."""
    blocks, c, _ = densenet_cifar_config(depth, growth_rate, True, compression)
    for i, n in enumerate(blocks):
        c += n * growth_rate
        if i != len(blocks) - 1:
            c = math.ceil(compression * c)
    return c


@exercise(4, 3, kind="number", points=1, minutes=15,
          title="Channels entering DenseNet-BC's classifier",
          objective="follow growth and compression through a network")
def check_04_3(answer):
    """Channels entering the classifier of DenseNet-BC (L = 130, k = 15, theta = 0.5)."""
    depth, k, theta = EX3_DEPTH, EX3_K, EX3_THETA
    expected = _classifier_width(depth, k, True, theta)
    n = densenet_cifar_config(depth, k, True, theta)[0][0]
    return check_number(
        answer, expected,
        concept="the recipe fixes the layers per block and the first conv's width, and every transition keeps "
                "floor(theta m) of the m channels it reads: see 'Verify: Table 2, the CIFAR networks' and "
                "'Transitions and compression \\theta'.",
        hint=f"n = (L - 4) / 6 = ({depth} - 4) / 6 = {n} layers per block; start from 2k = {2 * k} channels; "
             f"each block adds n k = {n * k}; the two transitions keep floor(m / 2); the last block has no "
             "transition after it.",
        mistakes=distinct_mistakes(
            expected,
            no_compression=(_classifier_width(depth, k, True, 1.0, init=2 * k),
                            "The two transitions halve the width (theta = 0.5)."),
            sixteen=(_classifier_width(depth, k, True, theta, init=16),
                     f"DenseNet-BC's first convolution has 2k = {2 * k} channels; 16 is the basic DenseNet's."),
            no_halving=(_classifier_width(depth, k, False, theta, init=2 * k),
                        "With bottlenecks each layer has two convolutions, so a block has (L - 4) / 6 "
                        "layers, not (L - 4) / 3."),
            rounded_up=(_rounded_up_width(depth, k, theta),
                        "A transition keeps floor(theta m) channels: an odd m rounds down, as int() does."),
            last_transition=(expected // 2, "There are only two transitions, between the blocks: nothing "
                                            "halves the last block's output before the classifier."),
        ),
        explain=_width_story(depth, k, theta),
    )


@exercise(4, 4, kind="number", points=1, minutes=15,
          title="Memory of the concatenations",
          objective="see why naive dense blocks need quadratic memory")
def check_04_4(answer):
    """Values stored for the concatenated inputs of a 16-layer block (k0 = 24, k = 12, 32 x 32, batch 1)."""
    n, k0, k = EX4_LAYERS, EX4_K0, EX4_K
    positions = EX4_SIZE * EX4_SIZE
    stored = sum(k0 + i * k for i in range(n)) * positions
    return check_number(
        answer, stored,
        concept="a naive block keeps every layer's own concatenated input, B HW (k0 + (l - 1) k) values for "
                "layer l: see 'Memory: concatenation is paid for in training'.",
        hint=f"B HW S_n with S_n = n k0 + k n (n - 1) / 2 = {n} x {k0} + {k} x {n} x {n - 1} / 2 and "
             f"HW = {EX4_SIZE} x {EX4_SIZE}.",
        mistakes=distinct_mistakes(
            stored,
            bytes=(4 * stored, "That is in bytes (float32). The question asks for values."),
            last_only=((k0 + (n - 1) * k) * positions,
                       "That is only the last layer's input; every layer keeps its own concatenated copy."),
            output_only=((k0 + n * k) * positions,
                         "That is the block's output, stored once. The naive implementation stores one "
                         "concatenation per layer."),
            no_positions=(stored // positions, f"That counts channels; multiply by the {EX4_SIZE} x {EX4_SIZE} "
                                               "positions."),
        ),
        explain=f"(n k0 + k n (n - 1) / 2) H W with n = {n} layers: ({n} x {k0} + {k} x "
                f"{n} x {n - 1} / 2) x {positions} = {stored:,} values ({4 * stored / 2 ** 20:.1f} MiB in "
                "float32), quadratic in the number of layers.",
    )


# ---------------------------------------------------------------- implement: a dense layer

def _randomize_batch_norms(module):
    """Give every batch norm of ``module`` random scale, shift and running statistics (from torch's RNG), so
    that in eval mode it is not close to the identity and the order of BN and ReLU shows in the output."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.5)
                m.running_mean.normal_(0.0, 0.5)
                m.running_var.uniform_(0.5, 2.0)


class _ReferenceDenseLayer(DenseLayer):
    """The package's :class:`~lightnets_edu.layers.DenseLayer` with a 4k bottleneck, with random batch norms."""

    def __init__(self, c_in, growth_rate):
        super().__init__(c_in, growth_rate, bn_size=4)
        _randomize_batch_norms(self)


class _SlipDenseLayer(nn.Module):
    """A dense layer built with one known slip (class attributes), parameters named as in the stub."""

    bias, padding, relu_first, second_bn, post_activation, concatenate = False, 1, False, True, False, False

    def __init__(self, c_in, growth_rate):
        super().__init__()
        width = 4 * growth_rate
        self.norm1 = nn.BatchNorm2d(width if self.post_activation else c_in)
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=self.bias)
        if self.second_bn:
            self.norm2 = nn.BatchNorm2d(growth_rate if self.post_activation else width)
        self.conv2 = nn.Conv2d(width, growth_rate, 3, padding=self.padding, bias=self.bias)
        _randomize_batch_norms(self)

    def _pre(self, norm, x):
        if norm is None:
            return torch.relu(x)
        return norm(torch.relu(x)) if self.relu_first else torch.relu(norm(x))

    def forward(self, x):
        if self.post_activation:
            out = torch.relu(self.norm1(self.conv1(x)))
            out = torch.relu(self.norm2(self.conv2(out)))
        else:
            out = self.conv1(self._pre(self.norm1, x))
            out = self.conv2(self._pre(getattr(self, "norm2", None), out))
        return torch.cat([x, out], 1) if self.concatenate else out


def _slip(name, **flags):
    return type(name, (_SlipDenseLayer,), flags)


_LAYER_SLIPS = [
    (_slip("ReluFirst", relu_first=True), "Your layer applies ReLU before batch norm. The order is BN, then ReLU, "
                                          "then conv: batch norm normalizes what the layer reads."),
    (_slip("PostActivation", post_activation=True), "Your layer is post-activation (conv, BN, ReLU). A dense layer "
                                                    "is pre-activation: BN-ReLU-conv, twice."),
    (_slip("NoSecondBN", second_bn=False), "Your layer has no batch norm between the two convolutions: the 3x3 "
                                           "conv reads BN-ReLU of the 1x1 conv's output (norm2)."),
    (_slip("Biased", bias=True), "Your convolutions have a bias: with batch norm after them (or, for conv2, "
                                 "at the next layer) it is redundant; DenseNet's convs use bias=False."),
    (_slip("Unpadded", padding=0), "Your 3x3 conv shrinks the map: the block concatenates along the channels, "
                                   "so every layer must keep H x W (padding=1)."),
    (_slip("Concatenating", concatenate=True), "Your layer returns its input and its new maps concatenated. The "
                                               "layer returns only its k new maps; the block does the "
                                               "concatenation."),
]
_LAYER_CONFIGS = [(f"c_in={c}, growth_rate={k}", dict(c_in=c, growth_rate=k))
                  for c, k in [(8, 4), (24, 12), (13, 5), (36, 6), (3, 2)]]


def _layer_input(kwargs, seed):
    return torch.randn(2, kwargs["c_in"], 7, 6, generator=torch.Generator().manual_seed(100 + seed))


@exercise(4, 5, kind="implement", points=2, minutes=20,
          title="Implement DenseNet-B's layer",
          objective="build a bottleneck dense layer: pre-activation BN-ReLU-Conv, 1x1 to 4k, 3x3 to k")
def check_04_5(dense_layer_cls):
    """Student's class ``MyDenseLayer(c_in, growth_rate)`` (norm1, conv1, norm2, conv2) against ``DenseLayer``."""
    return check_module(
        dense_layer_cls, _ReferenceDenseLayer, _LAYER_CONFIGS, _layer_input,
        concept="a dense layer is BN-ReLU-1x1 conv to 4k, then BN-ReLU-3x3 conv to k, and returns only its k "
                f"new maps: see 'Pre-activation: BN-ReLU-Conv' and {DENSE_LAYER_SECTION}.",
        hint="norm1 = BatchNorm2d(c_in); conv1 = Conv2d(c_in, 4k, 1, bias=False); norm2 = BatchNorm2d(4k); "
             "conv2 = Conv2d(4k, k, 3, padding=1, bias=False); forward: conv2(relu(norm2(conv1(relu(norm1(x)))))).",
        mistakes=_LAYER_SLIPS,
        explain="The same parameters and the same outputs as the package's DenseLayer (and torchvision's "
                "_DenseLayer): 2c + 4kc + 8k + 36k^2 parameters.",
    )


# ---------------------------------------------------------------- implement: a dense block's forward pass

def _dense_block_reference(x, layers):
    """A dense block's forward pass, as :class:`~lightnets_edu.layers.DenseBlock` runs it: layer l reads the
    concatenation of the input and every earlier layer's maps; the output is all of them, input first."""
    features = [x]
    for layer in layers:
        features.append(layer(torch.cat(features, 1)))
    return torch.cat(features, 1)


def _block_without_input(x, layers):
    return _dense_block_reference(x, layers)[:, x.shape[1]:]


def _block_last_only(x, layers):
    out = _dense_block_reference(x, layers)
    k = (out.shape[1] - x.shape[1]) // len(layers)
    return out[:, -k:]


def _block_new_first(x, layers):
    out = _dense_block_reference(x, layers)
    return torch.cat([out[:, x.shape[1]:], x], 1)


def _block_cases():
    cases = []
    for seed, (n, k0, k, batch, h, w) in enumerate([(3, 4, 2, 2, 5, 5), (1, 6, 3, 1, 4, 7), (4, 3, 5, 2, 6, 6),
                                                     (2, 8, 4, 3, 3, 5), (5, 2, 1, 1, 8, 8)]):
        torch.manual_seed(200 + seed)
        layers = []
        for i in range(n):
            c = k0 + i * k
            layer = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, k, 3, padding=1, bias=False))
            _randomize_batch_norms(layer)
            layers.append(layer.eval())
        x = torch.randn(batch, k0, h, w, generator=torch.Generator().manual_seed(300 + seed))
        cases.append((f"{n} layers (k0={k0}, k={k}) on an input of shape {tuple(x.shape)}", (x, layers)))
    return cases


@exercise(4, 6, kind="implement", points=2, minutes=15,
          title="Implement a dense block's forward pass",
          objective="explain the difference between concatenation and addition, in code")
def check_04_6(dense_block):
    """Student's ``dense_block(x, layers)``: layer l reads [x, y_1, ..., y_{l-1}]; returns [x, y_1, ..., y_n]."""
    return check_function(
        dense_block, _dense_block_reference, _block_cases(),
        concept="each layer reads the concatenation, along the channels, of the block's input and every earlier "
                "layer's output; nothing is added: see 'Concatenation, not addition'.",
        hint="features = [x]; for each layer: features.append(layer(torch.cat(features, 1))); "
             "return torch.cat(features, 1).",
        mistakes=[(_block_without_input, "Your output leaves out the block's input x: the block passes on x0 and "
                                         "every layer's maps, k0 + n k channels."),
                  (_block_last_only, "You return only the last layer's k maps: the block's output is the "
                                     "concatenation of the input and all the layers' maps."),
                  (_block_new_first, "Your output has the right channels in the wrong order: the input comes "
                                     "first, then layer 1's maps, layer 2's, ...")],
        explain="The output contains x and every layer's maps unchanged: torch.cat, never a sum.",
    )


# ---------------------------------------------------------------- design

def _dense_layers(model):
    return [m for m in model.modules() if isinstance(m, DenseLayer)]


def design_depth(model):
    """L as the paper counts it: every convolution and fully connected layer of ``model``."""
    return sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())


@exercise(4, 7, kind="design", points=3, minutes=25,
          title="The deepest DenseNet-BC under a million parameters",
          objective="trade depth against parameters with the number of blocks, compression and growth rate")
def check_04_7(design):
    """A DenseNet for 32 x 32 inputs, 10 classes, k >= 12, bottleneck layers, <= 1 M parameters, L >= 120."""
    if design is None or design is Ellipsis:
        return Verdict(False, "No answer yet: replace the three dots (...) with your network (an instance, e.g. "
                              "DenseNet(...)) and run the cell again.", counts_as_try=False)
    if not isinstance(design, DenseNet):
        return Verdict(False, f"Expected a DenseNet instance, built with DenseNet(...) or densenet_cifar(...), "
                              f"got {type(design).__name__}.", counts_as_try=False)
    try:
        layers = _dense_layers(design)
        k = design.growth_rate
        if k < EX7_MIN_K:
            return Verdict(False, f"Not quite: your growth rate is k = {k}; the exercise asks for k >= "
                                  f"{EX7_MIN_K}, the paper's smallest. (A tiny k makes any depth cheap.)")
        if any(layer.bn_size != 4 for layer in layers):
            return Verdict(False, "Not quite: a DenseNet-BC's layers have the 1x1 bottleneck to 4k channels; "
                                  "build it with bn_size=4.")
        shape = (1, 3, EX7_SIZE, EX7_SIZE)
        with torch.no_grad():
            out = design.eval()(torch.zeros(shape))
        if tuple(out.shape) != (1, EX7_CLASSES):
            return Verdict(False, f"Not quite: on a {shape} input your network returns {tuple(out.shape)}; it must "
                                  f"return (1, {EX7_CLASSES}): set num_classes={EX7_CLASSES}.")
        report = profile(design, input_size=shape)
    except Exception as err:  # a student's network may fail in any way: say so, never raise
        return Verdict(False, f"Not quite: running your network on a (1, 3, {EX7_SIZE}, {EX7_SIZE}) input raised "
                              f"{type(err).__name__}: {err}. (Each transition halves the map: how many fit?)")
    depth = design_depth(design)
    blocks = design.block_config
    measured = (f"your network has L = {depth} layers ({len(blocks)} blocks of {', '.join(map(str, blocks))} "
                f"dense layers, k = {k}), {report.params:,} parameters ({report.params / EX7_BUDGET:.1%} of the "
                f"budget) and {report.macs / 1e6:,.0f} M MACs per image")
    cheap, deep = report.params <= EX7_BUDGET, depth >= EX7_DEPTH
    if cheap and deep:
        return Verdict(True, f"Correct: {measured}. Many designs pass: four or five shorter blocks (a block's "
                             "parameters grow with the square of its layers, and each transition adds a layer), "
                             "stronger compression (theta = 0.3), or both.")
    if cheap:
        score = 0.5 * max(0, min(1, (depth - EX7_PAPER_DEPTH) / (EX7_DEPTH - EX7_PAPER_DEPTH))) + 0.25
        return Verdict(False, f"Not quite: {measured}: under the budget, but L < {EX7_DEPTH}. Hint: a block's "
                              "parameters grow with the square of its number of layers: more, shorter blocks, "
                              "or a smaller theta, buy depth.", score=score)
    return Verdict(False, f"Not quite: {measured}: over the {EX7_BUDGET:,}-parameter budget"
                          f"{'' if deep else f' and L < {EX7_DEPTH}'}. Hint: shorter blocks (quadratic) and a "
                          "smaller theta (every later layer reads fewer channels) cut parameters.",
                   score=0.25 if deep else 0.0)


# ---------------------------------------------------------------- choice

@exercise(4, 8, kind="choice", points=1, minutes=10,
          title="What checkpointing trades",
          objective="explain what memory_efficient=True (checkpointing) trades for the quadratic memory")
def check_04_8(answer):
    """Training DenseNet with memory_efficient=True: which statement is right?"""
    return check_choice(
        answer, "c", ["a", "b", "c", "d"],
        concept="what autograd keeps for the backward pass, and what checkpointing recomputes instead: see "
                "'Memory: concatenation is paid for in training'.",
        option_hints={
            "a": "The parameters are exactly the same (the weights of the same layers); what changes is what "
                 "autograd keeps between the forward and the backward pass.",
            "b": "Checkpointing recomputes, it does not approximate: the outputs and gradients are the same, "
                 "only when the tensors exist changes.",
            "d": "Nothing is stored for free: not keeping the concatenation, BN and ReLU means computing them "
                 "again in the backward pass, extra work.",
        },
        hint="the plain network keeps each layer's concatenation and its BN-ReLU copy (sum of k0 + (l - 1) k over "
             "the layers: quadratic); checkpointing keeps only the feature maps they are made of (k0 + n k: "
             "linear) and runs concat-BN-ReLU again in the backward pass.",
        explain="Saved activations grow linearly instead of quadratically with depth; each training step "
                "computes each layer's concatenation, batch norm and ReLU twice, so it is slower.",
    )
