"""Convolution -> batch norm -> activation, and the depthwise separable block."""

from torch import nn

from .._checks import positive_int

__all__ = ["ConvBNAct", "DepthwiseSeparable"]


class ConvBNAct(nn.Sequential):
    """Conv2d -> BatchNorm2d -> activation, the unit every network here is made of.

    The convolution has no bias: batch norm's shift would cancel it. Padding is
    ``(kernel - 1) // 2``, so stride 1 keeps the map size and stride 2 halves it.
    The children are numbered 0, 1, 2 like torchvision's ``Conv2dNormActivation``,
    so torchvision checkpoints load into networks built from this block.

    Args:
        c_in, c_out: input and output channels.
        kernel: square kernel size.
        stride: convolution stride.
        groups: 1 for a standard conv, ``c_in`` for a depthwise conv.
        activation: a module class such as ``nn.ReLU`` or ``nn.ReLU6``, or
            ``None`` for a linear output (MobileNet v2's projection).
    """

    def __init__(self, c_in, c_out, kernel=3, stride=1, groups=1, activation=nn.ReLU):
        c_in, c_out = positive_int("c_in", c_in), positive_int("c_out", c_out)
        kernel, stride = positive_int("kernel", kernel), positive_int("stride", stride)
        groups = positive_int("groups", groups)
        if c_in % groups or c_out % groups:
            raise ValueError(f"groups={groups} must divide c_in={c_in} and c_out={c_out}")
        if activation is not None and not callable(activation):
            raise TypeError(f"activation must be a module class such as nn.ReLU, or None, got {activation!r}")
        layers = [
            nn.Conv2d(c_in, c_out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(c_out),
        ]
        if activation is not None:
            layers.append(activation(inplace=True) if _takes_inplace(activation) else activation())
        super().__init__(*layers)
        self.c_in, self.c_out, self.stride = c_in, c_out, stride


def _takes_inplace(activation):
    return activation in (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid, nn.SiLU)


class DepthwiseSeparable(nn.Module):
    """MobileNet v1's block: a depthwise 3x3 conv, then a pointwise 1x1 conv.

    The depthwise conv filters each channel on its own (and carries the stride);
    the pointwise conv mixes channels. Each is followed by BN and the activation
    (Howard et al., 2017, Fig. 3).
    """

    def __init__(self, c_in, c_out, stride=1, kernel=3, activation=nn.ReLU):
        super().__init__()
        self.depthwise = ConvBNAct(c_in, c_in, kernel, stride, groups=c_in, activation=activation)
        self.pointwise = ConvBNAct(c_in, c_out, 1, activation=activation)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))
