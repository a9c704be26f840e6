"""The building blocks of the course's networks, as ``nn.Module``s.

One file per family of blocks; everything public is re-exported here so a
notebook writes ``from lightnets_edu.layers import DepthwiseSeparable``.
"""

from . import conv, dense, fire, inverted_residual, mobilenet_v3, shuffle
from .conv import *  # noqa: F401,F403
from .dense import *  # noqa: F401,F403
from .fire import *  # noqa: F401,F403
from .inverted_residual import *  # noqa: F401,F403
from .mobilenet_v3 import *  # noqa: F401,F403
from .shuffle import *  # noqa: F401,F403

__all__ = (conv.__all__ + fire.__all__ + dense.__all__ + inverted_residual.__all__ + shuffle.__all__
           + mobilenet_v3.__all__)
