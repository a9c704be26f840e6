"""DenseNet (Huang et al., 2017): dense blocks joined by transitions.

"Densely Connected Convolutional Networks", https://arxiv.org/abs/1608.06993

* ImageNet models (Table 1 of the paper): ``densenet121/169/201/264``, and
  ``densenet161`` (k = 48) from the authors' release. Module names follow
  torchvision's, so ``torchvision.models.densenet121().state_dict()`` loads
  with ``strict=True`` and gives identical outputs.
* CIFAR models (Section 4.1 / Table 2): ``densenet_cifar(depth, growth_rate,
  bottleneck, compression)``: three dense blocks on 32x32, 16x16 and 8x8 maps.
* ``densenet_cifar_early_exit``: the same with a classifier after every block,
  for the "easy images leave early" experiment of the chapter (an idea of the
  authors' later MSDNet, not of the DenseNet paper).
"""

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from .. import cost
from .._checks import boolean, int_pair, number, positive_int
from ..cost.densenet import check_bn_size, check_compression
from ..layers import DenseBlock, Transition
from . import register_model

__all__ = ["DenseNet", "EarlyExitDenseNet", "ExitHead", "DENSENET_IMAGENET", "densenet121", "densenet169",
           "densenet201", "densenet161", "densenet264", "densenet_cifar", "densenet_cifar_early_exit",
           "densenet_cifar_config", "densenet_cost", "densenet_cost_table", "early_exit_macs", "exit_at"]

# Table 1 of the paper, one row per ImageNet model:
#   growth rate k, layers in dense blocks (1)-(4), channels of the 7x7 stem (2k)
# Every layer is DenseNet-B's [1x1 conv, 3x3 conv]; every transition halves the
# width (theta = 0.5), so these are DenseNet-BC networks.
DENSENET_IMAGENET = {
    "densenet121": (32, (6, 12, 24, 16), 64),
    "densenet169": (32, (6, 12, 32, 32), 64),
    "densenet201": (32, (6, 12, 48, 32), 64),
    "densenet264": (32, (6, 12, 64, 48), 64),
    "densenet161": (48, (6, 12, 36, 24), 96),  # not in Table 1: the authors' k = 48 release, in torchvision
}
CIFAR_BLOCKS = 3        # Section 4.1: three dense blocks with the same number of layers
CIFAR_INIT_FEATURES = 16  # "16 output channels" of the first conv; 2k for DenseNet-BC


class DenseNet(nn.Module):
    """DenseNet: a stem, dense blocks joined by transitions, BN-ReLU, global pool, FC.

    Args:
        growth_rate: k, the maps each dense layer adds.
        block_config: layers in each dense block.
        num_init_features: channels of the stem convolution (2k in the paper's BC models).
        bn_size: bottleneck width factor (4: DenseNet-B), or ``None`` for basic layers.
        compression: theta of every transition, in (0, 1].
        drop_rate: dropout after each dense layer.
        num_classes: outputs of the classifier.
        memory_efficient: checkpoint each layer's concatenation-BN-ReLU-conv1.
        small_inputs: the CIFAR stem (one 3x3 conv, stride 1) instead of the
            ImageNet stem (7x7 conv stride 2, BN, ReLU, 3x3 max pool stride 2).
    """

    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64, bn_size=4,
                 compression=0.5, drop_rate=0.0, num_classes=1000, memory_efficient=False, small_inputs=False):
        super().__init__()
        growth_rate = positive_int("growth_rate", growth_rate)
        block_config = _block_config(block_config)
        num_init_features = positive_int("num_init_features", num_init_features)
        check_compression(compression)
        num_classes = positive_int("num_classes", num_classes)
        boolean("memory_efficient", memory_efficient)
        boolean("small_inputs", small_inputs)

        if small_inputs:  # CIFAR: 3x3 conv, no BN-ReLU (the first dense layer starts with them)
            stem = [("conv0", nn.Conv2d(3, num_init_features, kernel_size=3, padding=1, bias=False))]
        else:  # ImageNet: 224 -> 112 (conv) -> 56 (pool)
            stem = [("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
                    ("norm0", nn.BatchNorm2d(num_init_features)),
                    ("relu0", nn.ReLU(inplace=True)),
                    ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1))]
        self.features = nn.Sequential(OrderedDict(stem))
        channels = num_init_features
        for i, num_layers in enumerate(block_config):
            block = DenseBlock(num_layers, channels, growth_rate, bn_size, drop_rate, memory_efficient)
            self.features.add_module(f"denseblock{i + 1}", block)
            channels = block.c_out  # k0 + n k for a block of n layers
            if i != len(block_config) - 1:
                trans = Transition(channels, compression)
                self.features.add_module(f"transition{i + 1}", trans)
                channels = trans.c_out  # floor(theta m)
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.classifier = nn.Linear(channels, num_classes)
        _init_weights(self)
        self.growth_rate, self.block_config = growth_rate, block_config

    def forward(self, x):
        x = self.features(x)                       # (B, C, H/32, W/32) on ImageNet
        x = F.relu(x, inplace=True)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)  # (B, C)
        return self.classifier(x)                   # (B, num_classes)


def _init_weights(model):
    """torchvision's (and the authors') initialisation: He-normal convs, BN to identity, zero FC bias."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.Linear):
            nn.init.constant_(m.bias, 0)


def _block_config(block_config):
    if not isinstance(block_config, (tuple, list)) or not block_config:
        raise TypeError(f"block_config must be a non-empty tuple of layer counts such as (6, 12, 24, 16), "
                        f"got {block_config!r}")
    return tuple(positive_int(f"block_config[{i}]", n) for i, n in enumerate(block_config))


# ---------------------------------------------------------------- the paper's CIFAR recipe

def densenet_cifar_config(depth, growth_rate, bottleneck=False, compression=1.0):
    """``(block_config, num_init_features, bn_size)`` of the paper's CIFAR network of depth L.

    L counts the convolutions and the FC layer: the first conv, the dense
    layers (one conv each, two with a bottleneck), two transition convs and
    the classifier. Three equal blocks of n layers give L = 3n + 4, or
    L = 6n + 4 with bottlenecks. The first conv has 16 channels, 2k for
    DenseNet-BC (bottleneck and theta < 1).
    """
    depth = positive_int("depth", depth)
    growth_rate = positive_int("growth_rate", growth_rate)
    boolean("bottleneck", bottleneck)
    check_compression(compression)
    convs_per_layer = 2 if bottleneck else 1
    per_block, left = divmod(depth - 4, CIFAR_BLOCKS * convs_per_layer)
    if depth < 4 or left or per_block < 1:
        form = "6n + 4" if bottleneck else "3n + 4"
        raise ValueError(f"depth={depth} does not fit the CIFAR recipe{' with bottlenecks' if bottleneck else ''}: "
                         f"expected depth = {form} for a whole number n >= 1 of layers per block "
                         f"(e.g. {10 if bottleneck else 7}, {16 if bottleneck else 10}, "
                         f"{100 if bottleneck else 40})")
    init = 2 * growth_rate if bottleneck and compression < 1 else CIFAR_INIT_FEATURES
    return (per_block,) * CIFAR_BLOCKS, init, (4 if bottleneck else None)


@register_model
def densenet_cifar(depth=40, growth_rate=12, bottleneck=False, compression=1.0, num_classes=10, *,
                   drop_rate=0.0, memory_efficient=False):
    """DenseNet for 32x32 images (Section 4.1): ``DenseNet-BC`` is ``bottleneck=True, compression=0.5``.

    Table 2's rows: (40, 12), (100, 12), (100, 24) without bottleneck or
    compression; (100, 12), (250, 24), (190, 40) as DenseNet-BC.
    """
    block_config, init, bn_size = densenet_cifar_config(depth, growth_rate, bottleneck, compression)
    return DenseNet(growth_rate, block_config, init, bn_size, compression, drop_rate, num_classes,
                    memory_efficient, small_inputs=True)


# ---------------------------------------------------------------- closed-form cost

def densenet_cost_table(growth_rate, block_config, num_init_features, bn_size=4, compression=0.5, num_classes=1000,
                        resolution=224, small_inputs=False):
    """One row per stage, walked with :mod:`lightnets_edu.cost`: name, channels in and
    out, output size, params, MACs. Sums to ``profile(model)``'s params and MACs."""
    growth_rate = positive_int("growth_rate", growth_rate)
    block_config = _block_config(block_config)
    c = positive_int("num_init_features", num_init_features)
    bn_size = check_bn_size(bn_size)
    check_compression(compression)
    h, w = int_pair("resolution", resolution)
    rows = []

    def add(name, c_in, c_out, hw, stage_cost):
        rows.append({"stage": name, "c_in": c_in, "c_out": c_out, "output size": hw,
                     "params": stage_cost.params, "MACs": stage_cost.macs})

    if small_inputs:
        add("conv0 3x3", 3, c, (h, w), cost.conv2d(3, c, 3, (h, w)))
    else:
        h, w = (cost.conv_out_size(s, 7, stride=2, padding=3) for s in (h, w))
        stem = cost.conv2d(3, c, 7, (h, w)) + cost.batchnorm(c)
        h, w = (cost.conv_out_size(s, 3, stride=2, padding=1) for s in (h, w))
        add("conv0 7x7 s2 + max pool", 3, c, (h, w), stem)
    for i, num_layers in enumerate(block_config):
        block, c_out = cost.dense_block(c, growth_rate, num_layers, (h, w), bn_size)
        add(f"denseblock{i + 1}", c, c_out, (h, w), block)
        c = c_out
        if i != len(block_config) - 1:
            trans, c_out = cost.transition(c, compression, (h, w))
            h, w = (cost.conv_out_size(s, 2, stride=2) for s in (h, w))
            add(f"transition{i + 1}", c, c_out, (h, w), trans)
            c = c_out
    add("norm5 + classifier", c, positive_int("num_classes", num_classes), (1, 1),
        cost.batchnorm(c) + cost.linear(c, num_classes))
    return rows


def densenet_cost(growth_rate, block_config, num_init_features, bn_size=4, compression=0.5, num_classes=1000,
                  resolution=224, small_inputs=False):
    """Params and MACs of a :class:`DenseNet` in closed form (the sum of :func:`densenet_cost_table`)."""
    rows = densenet_cost_table(growth_rate, block_config, num_init_features, bn_size, compression, num_classes,
                               resolution, small_inputs)
    return cost.Cost(sum(r["params"] for r in rows), sum(r["MACs"] for r in rows))


# ---------------------------------------------------------------- ImageNet builders

def _densenet(name, num_classes, memory_efficient, drop_rate):
    growth_rate, block_config, init = DENSENET_IMAGENET[name]
    return DenseNet(growth_rate, block_config, init, bn_size=4, compression=0.5, drop_rate=drop_rate,
                    num_classes=num_classes, memory_efficient=memory_efficient)


@register_model
def densenet121(*, num_classes=1000, memory_efficient=False, drop_rate=0.0):
    """DenseNet-121 from "Densely Connected Convolutional Networks" (https://arxiv.org/abs/1608.06993)."""
    return _densenet("densenet121", num_classes, memory_efficient, drop_rate)


@register_model
def densenet169(*, num_classes=1000, memory_efficient=False, drop_rate=0.0):
    """DenseNet-169 from "Densely Connected Convolutional Networks" (https://arxiv.org/abs/1608.06993)."""
    return _densenet("densenet169", num_classes, memory_efficient, drop_rate)


@register_model
def densenet201(*, num_classes=1000, memory_efficient=False, drop_rate=0.0):
    """DenseNet-201 from "Densely Connected Convolutional Networks" (https://arxiv.org/abs/1608.06993)."""
    return _densenet("densenet201", num_classes, memory_efficient, drop_rate)


@register_model
def densenet264(*, num_classes=1000, memory_efficient=False, drop_rate=0.0):
    """DenseNet-264 from Table 1 of "Densely Connected Convolutional Networks" (not in torchvision)."""
    return _densenet("densenet264", num_classes, memory_efficient, drop_rate)


@register_model
def densenet161(*, num_classes=1000, memory_efficient=False, drop_rate=0.0):
    """DenseNet-161 (k = 48), the authors' wider ImageNet model, as in torchvision."""
    return _densenet("densenet161", num_classes, memory_efficient, drop_rate)


# ---------------------------------------------------------------- early exits

class ExitHead(nn.Sequential):
    """A classifier on a block's output: BN-ReLU, global average pool, FC (as at the network's end)."""

    def __init__(self, channels, num_classes):
        super().__init__(OrderedDict([
            ("norm", nn.BatchNorm2d(positive_int("channels", channels))),
            ("relu", nn.ReLU(inplace=True)),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten()),
            ("fc", nn.Linear(channels, positive_int("num_classes", num_classes))),
        ]))


class EarlyExitDenseNet(nn.Module):
    """A CIFAR DenseNet with an :class:`ExitHead` after every dense block.

    ``forward(x)`` returns the list of every exit's logits; ``forward(x, n)``
    runs only as far as exit ``n`` (1-based) and returns the first ``n``
    logits, which is what an image that leaves at exit ``n`` costs.
    """

    def __init__(self, depth=16, growth_rate=12, bottleneck=False, compression=1.0, num_classes=10):
        super().__init__()
        block_config, c, bn_size = densenet_cifar_config(depth, growth_rate, bottleneck, compression)
        self.conv0 = nn.Conv2d(3, c, kernel_size=3, padding=1, bias=False)
        self.blocks, self.transitions, self.exits = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for i, num_layers in enumerate(block_config):
            block = DenseBlock(num_layers, c, growth_rate, bn_size)
            self.blocks.append(block)
            self.exits.append(ExitHead(block.c_out, num_classes))
            c = block.c_out
            if i != len(block_config) - 1:
                self.transitions.append(Transition(c, compression))
                c = self.transitions[-1].c_out
        _init_weights(self)
        self.config = dict(depth=depth, growth_rate=growth_rate, bottleneck=bottleneck, compression=compression,
                           num_classes=num_classes)

    def forward(self, x, num_exits=None):
        num_exits = len(self.exits) if num_exits is None else positive_int("num_exits", num_exits)
        if num_exits > len(self.exits):
            raise ValueError(f"num_exits must be at most {len(self.exits)}, got {num_exits}")
        x = self.conv0(x)
        logits = []
        for i in range(num_exits):
            if i:
                x = self.transitions[i - 1](x)
            x = self.blocks[i](x)
            logits.append(self.exits[i](x))  # (B, num_classes)
        return logits


@register_model
def densenet_cifar_early_exit(depth=16, growth_rate=12, bottleneck=False, compression=1.0, num_classes=10):
    """A CIFAR DenseNet (see :func:`densenet_cifar`) with a classifier after each of its three blocks."""
    return EarlyExitDenseNet(depth, growth_rate, bottleneck, compression, num_classes)


def early_exit_macs(depth=16, growth_rate=12, bottleneck=False, compression=1.0, num_classes=10, resolution=32):
    """MACs per image of leaving at exit 1, 2, 3 of :class:`EarlyExitDenseNet`, from :mod:`lightnets_edu.cost`.

    Leaving at exit ``n`` means running the stem, blocks 1..n, the transitions
    between them, and heads 1..n (the earlier heads ran and were not sure enough).
    """
    block_config, c, bn_size = densenet_cifar_config(depth, growth_rate, bottleneck, compression)
    h, w = int_pair("resolution", resolution)
    spent = cost.conv2d(3, c, 3, (h, w)).macs
    totals = []
    for i, num_layers in enumerate(block_config):
        if i:
            trans, c_next = cost.transition(c, compression, (h, w))
            spent += trans.macs
            c = c_next
            h, w = (cost.conv_out_size(s, 2, stride=2) for s in (h, w))
        block, c = cost.dense_block(c, growth_rate, num_layers, (h, w), bn_size)
        spent += block.macs + cost.linear(c, positive_int("num_classes", num_classes)).macs
        totals.append(spent)
    return totals


def exit_at(logits, threshold):
    """For each image, the first exit (0-based) whose top softmax probability is >= ``threshold``.

    ``logits`` is a list of (B, num_classes) tensors, one per exit; an image
    that no exit is sure enough about leaves at the last one. Returns a
    (B,) tensor of exit indices.
    """
    threshold = number("threshold", threshold, "in [0, 1]")
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be a probability in [0, 1], got {threshold!r}")
    if not isinstance(logits, (list, tuple)) or not logits:
        raise TypeError(f"logits must be a non-empty list of (B, num_classes) tensors, got {type(logits).__name__}")
    confident = torch.stack([F.softmax(z, dim=1).amax(dim=1) >= threshold for z in logits])  # (exits, B)
    confident[-1] = True  # the last exit always answers
    return confident.int().argmax(dim=0)  # first True
