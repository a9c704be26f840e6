"""DenseNet's dense layer, dense block and transition as ``nn.Module``s (chapter 4).

Huang et al., "Densely Connected Convolutional Networks" (CVPR 2017),
https://arxiv.org/abs/1608.06993. Submodule names follow torchvision's
``densenet.py`` (``norm1``/``relu1``/``conv1``/``norm2``/``relu2``/``conv2``,
``denselayer1``..., ``norm``/``relu``/``conv``/``pool``), so torchvision's
``state_dict`` loads into networks built from these blocks with ``strict=True``.
"""

import torch
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from torch import nn

from .._checks import boolean, number, positive_int
from ..cost.densenet import check_bn_size, compressed_channels

__all__ = ["DenseLayer", "DenseBlock", "Transition"]


class DenseLayer(nn.Module):
    """H_l: pre-activation BN-ReLU-Conv on the concatenation of every earlier map.

    With a bottleneck (DenseNet-B): BN-ReLU-1x1 conv to ``bn_size * k``, then
    BN-ReLU-3x3 conv to ``k``. With ``bn_size=None``: BN-ReLU-3x3 conv to ``k``
    (then named ``norm1``/``relu1``/``conv1``). The layer returns only its ``k``
    new maps; the block concatenates them to the rest.

    Args:
        c_in: channels of the concatenated input, ``k0 + i k`` for layer ``i``.
        growth_rate: k, the maps this layer adds.
        bn_size: bottleneck factor (4 in the paper), or ``None`` for no bottleneck.
        drop_rate: dropout after the layer, as in the paper's runs without
            data augmentation (0 = none).
        memory_efficient: recompute the concatenation, BN, ReLU and the first
            convolution in the backward pass instead of storing them
            (gradient checkpointing; Pleiss et al., 2017). Same outputs and
            gradients, less memory, more time.
    """

    def __init__(self, c_in, growth_rate, bn_size=4, drop_rate=0.0, memory_efficient=False):
        super().__init__()
        c_in = positive_int("c_in", c_in)
        growth_rate = positive_int("growth_rate", growth_rate)
        bn_size = check_bn_size(bn_size)
        if not 0 <= number("drop_rate", drop_rate, "in [0, 1)") < 1:
            raise ValueError(f"drop_rate must be in [0, 1), got {drop_rate!r}")
        boolean("memory_efficient", memory_efficient)
        first_out = growth_rate if bn_size is None else bn_size * growth_rate
        self.norm1 = nn.BatchNorm2d(c_in)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(c_in, first_out, kernel_size=1 if bn_size else 3, padding=0 if bn_size else 1,
                               bias=False)
        if bn_size is not None:
            self.norm2 = nn.BatchNorm2d(first_out)
            self.relu2 = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(first_out, growth_rate, kernel_size=3, padding=1, bias=False)
        self.c_in, self.growth_rate, self.bn_size = c_in, growth_rate, bn_size
        self.drop_rate, self.memory_efficient = float(drop_rate), memory_efficient

    def first(self, inputs, recomputing=False):
        """Concatenate (B, k0 + i k, H, W), then BN-ReLU-conv1."""
        x = torch.cat(inputs, 1)
        if recomputing and self.norm1.training:
            # the backward pass's second run: batch statistics, as in the first run, but
            # the running statistics must not be updated twice: give BN copies to update
            bn = self.norm1
            x = F.batch_norm(x, bn.running_mean.clone(), bn.running_var.clone(), bn.weight, bn.bias, True,
                             bn.momentum, bn.eps)
        else:
            x = self.norm1(x)
        return self.conv1(self.relu1(x))

    def _checkpointed_first(self, inputs):
        runs = []

        def closure(*tensors):
            runs.append(None)
            return self.first(tensors, recomputing=len(runs) > 1)

        return cp.checkpoint(closure, *inputs, use_reentrant=False)

    def forward(self, inputs):
        inputs = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs)
        if self.memory_efficient and torch.is_grad_enabled() and any(t.requires_grad for t in inputs):
            out = self._checkpointed_first(inputs)
        else:
            out = self.first(inputs)
        if self.bn_size is not None:
            out = self.conv2(self.relu2(self.norm2(out)))  # (B, k, H, W)
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return out


class DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers; layer ``i`` sees every earlier map, concatenated.

    The output is the input and all ``num_layers`` layers' maps side by side:
    ``c0 + num_layers * k`` channels (``self.c_out``), same spatial size.
    """

    def __init__(self, num_layers, c0, growth_rate, bn_size=4, drop_rate=0.0, memory_efficient=False):
        super().__init__()
        num_layers = positive_int("num_layers", num_layers)
        c0 = positive_int("c0", c0)
        growth_rate = positive_int("growth_rate", growth_rate)
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", DenseLayer(c0 + i * growth_rate, growth_rate, bn_size,
                                                             drop_rate, memory_efficient))
        self.c0, self.growth_rate, self.c_out = c0, growth_rate, c0 + num_layers * growth_rate

    def forward(self, x):
        features = [x]  # every map so far, never modified
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)  # (B, k0 + n k, H, W), n = num_layers


class Transition(nn.Sequential):
    """Between dense blocks: BN-ReLU-1x1 conv to ``floor(theta c_in)`` channels, 2x2 average pool.

    ``compression`` is theta in (0, 1]: 1 keeps the width (DenseNet), 0.5
    halves it (DenseNet-C and -BC, and torchvision's ImageNet models).
    """

    def __init__(self, c_in, compression=0.5):
        super().__init__()
        c_out = compressed_channels(c_in, compression)
        self.norm = nn.BatchNorm2d(c_in)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(c_in, c_out, kernel_size=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)
        self.c_in, self.c_out = c_in, c_out
