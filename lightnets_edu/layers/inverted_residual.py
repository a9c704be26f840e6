"""MobileNet v2: the inverted residual block as ``nn.Module``s (chapter 5).

Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
https://arxiv.org/abs/1801.04381, Table 1 and Figure 3b:

    x (h x w x d') -> 1x1 conv, BN, ReLU6      (expand to t d' channels)
                   -> k x k depthwise, stride s, BN, ReLU6
                   -> 1x1 conv, BN              (project to d'', *linear*)
                   (+ x, when s = 1 and d' = d'')

:func:`forward_in_splits` evaluates the same block in pieces along the
expansion channels (the paper's Section 5), so the wide tensor is never held
whole.
"""

import torch
import torch.nn.functional as F
from torch import nn

from .. import cost
from .._checks import positive_int
from .conv import ConvBNAct

__all__ = ["InvertedResidual", "forward_in_splits"]


class InvertedResidual(nn.Module):
    """Expand (1x1) -> depthwise (k x k) -> linear projection (1x1), with a residual between bottlenecks.

    The submodules are named as in torchvision's ``InvertedResidual``: ``conv``
    is a Sequential of ``[expand,] depthwise, project conv, project BN``, where
    expand and depthwise are :class:`ConvBNAct` (children 0, 1, 2 like
    ``Conv2dNormActivation``), so torchvision's checkpoints load unchanged.

    Args:
        c_in, c_out: d' and d'' of the paper (the bottleneck widths).
        stride: stride of the depthwise convolution (1 or 2).
        expand_ratio: t; the expansion has ``round(t * c_in)`` channels. With
            ``t = 1`` there is no expansion layer (MobileNet v2's first block).
        kernel: the depthwise kernel, 3 in MobileNet v2 (v3 also uses 5).
        activation: the non-linearity after expand and depthwise (ReLU6 in v2).
        project_activation: ``None`` for the paper's *linear* bottleneck, or an
            activation class to put after the projection (the ablation of the
            paper's Fig. 6a).
        residual: add the input to the output when the shapes allow it
            (stride 1 and ``c_in == c_out``); ``False`` removes every shortcut.
    """

    def __init__(self, c_in, c_out, stride, expand_ratio, *, kernel=3, activation=nn.ReLU6,
                 project_activation=None, residual=True):
        super().__init__()
        c_in, c_out = positive_int("c_in", c_in), positive_int("c_out", c_out)
        stride = positive_int("stride", stride)
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride}")
        if not isinstance(residual, bool):
            raise TypeError(f"residual must be True or False, got {residual!r}")
        if project_activation is not None and not callable(project_activation):
            raise TypeError(f"project_activation must be a module class such as nn.ReLU6, or None, "
                            f"got {project_activation!r}")
        hidden = cost.expanded_channels(c_in, expand_ratio)
        kernel = positive_int("kernel", kernel)
        if kernel % 2 == 0:
            raise ValueError(f"kernel must be odd (3, 5, 7, ...) so that 'same' padding exists, got {kernel}")
        layers = []
        if expand_ratio != 1:
            layers.append(ConvBNAct(c_in, hidden, 1, activation=activation))  # expand: pw
        layers += [
            ConvBNAct(hidden, hidden, kernel, stride, groups=hidden, activation=activation),  # dw
            nn.Conv2d(hidden, c_out, 1, bias=False),  # project: pw-linear
            nn.BatchNorm2d(c_out),
        ]
        if project_activation is not None:  # not in MobileNet v2: only for the linear-vs-ReLU6 ablation
            layers.append(project_activation())
        self.conv = nn.Sequential(*layers)
        self.c_in, self.c_out, self.stride, self.expand_ratio, self.hidden = c_in, c_out, stride, expand_ratio, hidden
        self.use_res_connect = residual and stride == 1 and c_in == c_out

    @property
    def expands(self):
        """Whether the block has an expansion layer (``t != 1``)."""
        return self.expand_ratio != 1

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)  # the shortcut joins the thin bottlenecks
        return self.conv(x)

    def extra_repr(self):
        return (f"c_in={self.c_in}, c_out={self.c_out}, stride={self.stride}, t={self.expand_ratio}, "
                f"hidden={self.hidden}, residual={self.use_res_connect}")


def _conv_bn_act_slice(unit, x, lo, hi, depthwise):
    """Output channels ``lo:hi`` of a ConvBNAct in eval mode (BN with running statistics)."""
    conv, bn = unit[0], unit[1]
    if depthwise:  # channel i only sees input channel i: x holds exactly channels lo:hi
        out = F.conv2d(x, conv.weight[lo:hi], None, conv.stride, conv.padding, groups=hi - lo)
    else:
        out = F.conv2d(x, conv.weight[lo:hi], None, conv.stride, conv.padding)
    out = F.batch_norm(out, bn.running_mean[lo:hi], bn.running_var[lo:hi], bn.weight[lo:hi], bn.bias[lo:hi],
                       False, 0.0, bn.eps)
    return unit[2](out) if len(unit) > 2 else out


def forward_in_splits(block, x, splits):
    """Evaluate ``block`` (eval mode) in ``splits`` groups of expansion channels; return ``(y, peak)``.

    Expansion, batch norm, ReLU6 and the depthwise convolution all act on each
    expansion channel separately; the projection is a sum over the expansion
    channels. So the block can be computed one group of channels at a time,
    adding each group's projection into the output: the full ``t d'``-channel
    tensor never exists. ``peak`` is the largest number of values held at once
    (input, output accumulator, one group's expansion and depthwise output),
    measured from the tensors themselves; for batch 1 it equals
    :func:`lightnets_edu.cost.inverted_residual_memory` with the same ``splits``.

    The result equals ``block(x)`` up to float rounding: the projection adds the
    same products in a different order.
    """
    if not isinstance(block, InvertedResidual):
        raise TypeError(f"block must be an InvertedResidual, got {type(block).__name__}")
    if block.training:
        raise ValueError("block must be in eval mode (block.eval()): batch norm must use its running statistics")
    splits = positive_int("splits", splits)
    if splits > block.hidden:
        raise ValueError(f"splits={splits} is more than the {block.hidden} expansion channels")
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != block.c_in:
        raise ValueError(f"x must be a (batch, {block.c_in}, h, w) tensor, got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    expand = block.conv[0] if block.expands else None
    depthwise = block.conv[1] if block.expands else block.conv[0]
    project, project_bn = block.conv[2 if block.expands else 1], block.conv[3 if block.expands else 2]
    after = block.conv[4 if block.expands else 3:]  # the ablation's activation after the projection, if any

    group = -(-block.hidden // splits)
    y, peak = None, 0
    with torch.no_grad():
        for lo in range(0, block.hidden, group):
            hi = min(lo + group, block.hidden)
            e = _conv_bn_act_slice(expand, x, lo, hi, depthwise=False) if expand else x[:, lo:hi]  # (B, g, h, w)
            d = _conv_bn_act_slice(depthwise, e, lo, hi, depthwise=True)  # (B, g, h', w')
            part = F.conv2d(d, project.weight[:, lo:hi])  # (B, d'', h', w')
            y = part if y is None else y.add_(part)
            held = x.numel() + y.numel() + d.numel() + (e.numel() if expand else 0)
            peak = max(peak, held)
        y = after(project_bn(y))
        if block.use_res_connect:
            y = x + y
    return y, peak
