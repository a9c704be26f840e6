"""ShuffleNet v1/v2: the channel shuffle and ShuffleNet units as ``nn.Module``s (chapter 6).

* :func:`channel_shuffle` -- reshape the channels into ``(groups, n)``,
  transpose to ``(n, groups)``, flatten back (Zhang et al., 2018, Sec. 3.1):
  a fixed permutation of the channels, with no parameters and no MACs.
* :class:`ShuffleUnit` -- ShuffleNet v1's unit (Fig. 2b stride 1, Fig. 2c stride 2).
* :class:`ShuffleV2Block` -- ShuffleNet v2's unit (Ma et al., 2018, Fig. 3c/d),
  with torchvision's submodule names ``branch1``/``branch2`` so torchvision's
  weights load into it.
"""

import torch
from torch import nn

from .._checks import boolean, positive_int
from .conv import ConvBNAct

__all__ = ["channel_shuffle", "ChannelShuffle", "ShuffleUnit", "ShuffleV2Block"]


def channel_shuffle(x, groups):
    """Shuffle the channels of ``x`` (B, C, H, W) across ``groups`` groups.

    Output channel ``j * groups + i`` is input channel ``i * (C / groups) + j``:
    the ``j``-th channel of every group, one group after the other. The inverse
    is ``channel_shuffle(y, C // groups)``.
    """
    if not isinstance(x, torch.fx.Proxy):  # under torch.fx tracing (ch. 9's int8) x is symbolic: no shape to check
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor of shape (B, C, H, W), got {type(x).__name__}")
        if x.dim() != 4:
            raise ValueError(f"x must have shape (B, C, H, W), got a tensor of shape {tuple(x.shape)}")
        groups = positive_int("groups", groups)
        if x.shape[1] % groups:
            raise ValueError(f"groups={groups} must divide the number of channels of x, {x.shape[1]}")
    batch, channels, height, width = x.shape
    x = x.view(batch, groups, channels // groups, height, width)  # (B, g, n, H, W)
    x = torch.transpose(x, 1, 2).contiguous()                     # (B, n, g, H, W)
    return x.view(batch, channels, height, width)                 # (B, C, H, W)


class ChannelShuffle(nn.Module):
    """:func:`channel_shuffle` as a module, so it shows in a printed network."""

    def __init__(self, groups):
        super().__init__()
        self.groups = positive_int("groups", groups)

    def forward(self, x):
        return channel_shuffle(x, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class ShuffleUnit(nn.Module):
    """ShuffleNet v1's unit: 1x1 GConv -> shuffle -> 3x3 DWConv -> 1x1 GConv, plus a shortcut.

    Stride 1 adds the input back (``c_in == c_out``); stride 2 concatenates the
    3x3 average-pooled input, so the residual branch makes ``c_out - c_in``
    channels. The bottleneck ``m`` (channels of the depthwise conv) is a quarter
    of ``c_out``. As in the paper's Fig. 2, there is no ReLU after the depthwise
    conv nor after the second 1x1 conv: the ReLU comes after the add / concat.

    Args:
        c_in, c_out: input and output channels of the unit.
        groups: g, the groups of both 1x1 convolutions.
        stride: 1 or 2.
        bottleneck: m; by default ``c_out // 4``.
        group_first_pointwise: False for the first unit of stage 2, whose input
            has too few channels (24) to split into groups.
        shuffle: False replaces the channel shuffle by an identity (the
            paper's "no shuffle" ablation, Table 3); nothing else changes.
    """

    def __init__(self, c_in, c_out, groups, stride=1, bottleneck=None, group_first_pointwise=True, shuffle=True):
        super().__init__()
        c_in, c_out = positive_int("c_in", c_in), positive_int("c_out", c_out)
        groups, stride = positive_int("groups", groups), positive_int("stride", stride)
        boolean("group_first_pointwise", group_first_pointwise)
        boolean("shuffle", shuffle)
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}")
        if stride == 1 and c_in != c_out:
            raise ValueError(f"a stride-1 unit adds its input back: c_in={c_in} must equal c_out={c_out}")
        if stride == 2 and c_out <= c_in:
            raise ValueError(f"a stride-2 unit concatenates its input: c_out={c_out} must exceed c_in={c_in}")
        m = c_out // 4 if bottleneck is None else positive_int("bottleneck", bottleneck)
        if m < 1:
            raise ValueError(f"c_out={c_out} is too small for the default bottleneck c_out // 4; pass bottleneck=")
        c_res = c_out if stride == 1 else c_out - c_in
        first_groups = groups if group_first_pointwise else 1
        for name, channels, g in (("c_in", c_in, first_groups), ("bottleneck", m, groups),
                                  ("residual branch output (c_out - c_in at stride 2)", c_res, groups)):
            if channels < 1 or channels % g:
                raise ValueError(f"groups={g} must divide {name}={channels} (c_in={c_in}, c_out={c_out})")

        self.gconv1 = ConvBNAct(c_in, m, 1, groups=first_groups)                   # 1x1 GConv, BN, ReLU
        self.shuffle = ChannelShuffle(groups) if shuffle else nn.Identity()         # channel shuffle
        self.dwconv = ConvBNAct(m, m, 3, stride, groups=m, activation=None)        # 3x3 DWConv, BN
        self.gconv2 = ConvBNAct(m, c_res, 1, groups=groups, activation=None)       # 1x1 GConv, BN
        self.shortcut = nn.AvgPool2d(3, stride=2, padding=1) if stride == 2 else nn.Identity()
        self.relu = nn.ReLU(inplace=True)
        self.c_in, self.c_out, self.groups, self.stride = c_in, c_out, groups, stride

    def forward(self, x):
        out = self.gconv2(self.dwconv(self.shuffle(self.gconv1(x))))  # (B, c_res, H/s, W/s)
        if self.stride == 1:
            return self.relu(out + x)                                 # Fig. 2b: Add
        return self.relu(torch.cat((self.shortcut(x), out), dim=1))  # Fig. 2c: Concat


class ShuffleV2Block(nn.Module):
    """ShuffleNet v2's unit, named and ordered exactly as torchvision's ``InvertedResidual``.

    Stride 1 (``c_in == c_out``): channel split, the right half goes through
    ``branch2`` = 1x1 conv, 3x3 depthwise, 1x1 conv (equal widths, no groups),
    the left half is kept as it is; concat; channel shuffle with 2 groups.
    Stride 2: no split; ``branch1`` (3x3 depthwise stride 2, 1x1) and
    ``branch2`` both see the whole input; concat doubles the channels; shuffle.
    """

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        c_in, c_out, stride = positive_int("c_in", c_in), positive_int("c_out", c_out), positive_int("stride", stride)
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}")
        if c_out % 2:
            raise ValueError(f"c_out={c_out} must be even: the unit concatenates two branches of c_out / 2")
        if stride == 1 and c_in != c_out:
            raise ValueError(f"a stride-1 unit splits its input in two halves: c_in={c_in} must equal c_out={c_out}")
        b = c_out // 2
        self.stride = stride
        if stride == 2:
            self.branch1 = nn.Sequential(
                _depthwise(c_in, stride), nn.BatchNorm2d(c_in),                   # dw 3x3, BN (no ReLU)
                nn.Conv2d(c_in, b, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True),  # pw
            )
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(c_in if stride == 2 else b, b, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True),  # pw
            _depthwise(b, stride), nn.BatchNorm2d(b),                                                    # dw 3x3
            nn.Conv2d(b, b, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True),                    # pw
        )

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)                          # channel split: (B, b, H, W) each
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


def _depthwise(channels, stride):
    return nn.Conv2d(channels, channels, 3, stride, 1, groups=channels, bias=False)
