"""SqueezeNet's Fire module as an ``nn.Module`` (chapter 3).

The submodule names are torchvision's (``squeeze``, ``squeeze_activation``,
``expand1x1``, ``expand1x1_activation``, ``expand3x3``,
``expand3x3_activation``), so a torchvision SqueezeNet ``state_dict`` loads
into networks built from this block.
"""

import torch
from torch import nn

from .._checks import boolean, positive_int

__all__ = ["Fire", "BYPASS_KINDS"]

#: What a Fire module's bypass can be (Iandola et al., 2016, Section 6 and Fig. 2).
BYPASS_KINDS = (None, "simple", "complex")


class Fire(nn.Module):
    """Squeeze with 1x1 filters, then expand with 1x1 and 3x3 filters side by side.

    ``c_in -> s1x1`` (1x1, ReLU), then ``s1x1 -> e1x1`` (1x1, ReLU) and
    ``s1x1 -> e3x3`` (3x3, padding 1, ReLU), concatenated: ``e1x1 + e3x3``
    output channels on the same ``H x W`` map. Every convolution has a bias
    (unless ``batchnorm=True``).

    Args:
        c_in: input channels (torchvision's ``inplanes``).
        s1x1: squeeze filters (``squeeze_planes``).
        e1x1, e3x3: 1x1 and 3x3 expand filters (``expand1x1_planes``, ``expand3x3_planes``).
        bypass: ``None``; ``"simple"``, which adds the input to the output (a
            ResNet-style identity, possible only when ``c_in == e1x1 + e3x3``);
            or ``"complex"``, which adds a 1x1 convolution of the input
            (``self.bypass``, with bias) and works for any channel counts.
        batchnorm: ``False`` (the paper's and torchvision's Fire module). ``True``
            is a modern addition that is **not** in the 2016 paper: every
            convolution (the bypass one too) loses its bias and is followed by a
            ``BatchNorm2d`` (``squeeze_bn``, ``expand1x1_bn``, ``expand3x3_bn``,
            ``bypass_bn``) before its ReLU, as in ResNet and later networks.
    """

    def __init__(self, c_in, s1x1, e1x1, e3x3, bypass=None, batchnorm=False):
        super().__init__()
        c_in, s1x1 = positive_int("c_in", c_in), positive_int("s1x1", s1x1)
        e1x1, e3x3 = positive_int("e1x1", e1x1), positive_int("e3x3", e3x3)
        batchnorm = boolean("batchnorm", batchnorm)
        if bypass not in BYPASS_KINDS:
            raise ValueError(f"bypass must be one of {BYPASS_KINDS}, got {bypass!r}")
        c_out = e1x1 + e3x3
        if bypass == "simple" and c_in != c_out:
            raise ValueError(
                f"bypass='simple' adds the input to the output, so it needs c_in == e1x1 + e3x3; "
                f"got c_in={c_in} and e1x1 + e3x3 = {c_out} (use bypass='complex')"
            )
        self.batchnorm = batchnorm
        self._add_conv("squeeze", c_in, s1x1, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self._add_conv("expand1x1", s1x1, e1x1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self._add_conv("expand3x3", s1x1, e3x3, 3)
        self.expand3x3_activation = nn.ReLU(inplace=True)
        if bypass == "complex":
            self._add_conv("bypass", c_in, c_out, 1)  # the "1x1 conv" of Fig. 2 (right)
        self.c_in, self.s1x1, self.e1x1, self.e3x3, self.c_out = c_in, s1x1, e1x1, e3x3, c_out
        self.bypass_kind = bypass

    def _add_conv(self, name, c_in, c_out, kernel):
        """Register conv ``name`` (padding keeps H x W) and, with batch norm, ``name + "_bn"`` after it."""
        # no BN by default, so the state_dict keys stay torchvision's; BN's shift makes a bias redundant
        setattr(self, name, nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=not self.batchnorm))
        if self.batchnorm:
            setattr(self, name + "_bn", nn.BatchNorm2d(c_out))

    def _conv(self, name, x):
        """Convolution ``name``, then its batch norm when the module has one."""
        x = getattr(self, name)(x)
        return getattr(self, name + "_bn")(x) if self.batchnorm else x

    def forward(self, x):
        s = self.squeeze_activation(self._conv("squeeze", x))  # (B, s1x1, H, W)
        out = torch.cat([self.expand1x1_activation(self._conv("expand1x1", s)),
                         self.expand3x3_activation(self._conv("expand3x3", s))], 1)  # (B, e1x1 + e3x3, H, W)
        if self.bypass_kind == "simple":
            out = out + x
        elif self.bypass_kind == "complex":
            out = out + self._conv("bypass", x)
        return out

    def extra_repr(self):
        return (f"c_in={self.c_in}, s1x1={self.s1x1}, e1x1={self.e1x1}, e3x3={self.e3x3}"
                + (f", bypass={self.bypass_kind!r}" if self.bypass_kind else "")
                + (", batchnorm=True" if self.batchnorm else ""))
