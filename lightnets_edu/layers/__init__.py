"""The building blocks of the course's networks, as ``nn.Module``s.

One file per family of blocks; everything public is re-exported here so a
notebook writes ``from lightnets_edu.layers import DepthwiseSeparable``.
"""

from .conv import ConvBNAct, DepthwiseSeparable

__all__ = ["ConvBNAct", "DepthwiseSeparable"]
