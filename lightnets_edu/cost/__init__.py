"""Closed-form parameter and MAC counts of the layers the course studies, and int8's formulas.

Every counting function takes plain integers and returns a :class:`Cost` (or,
for a block whose output width is part of the answer, a small result holding
one); :mod:`.int8` takes and returns plain numbers.
Nothing here imports torch: these are the formulas printed in the book, and the
tests prove each one equal to :func:`lightnets_edu.profile.profile` of a real
module. One file per family, all re-exported here, so a notebook writes
``cost.conv2d(...)`` or ``cost.fire(...)``:

* :mod:`.conv` -- standard, grouped, depthwise, pointwise and separable convs,
  linear and batch norm layers (chapters 1-2);
* :mod:`.squeezenet` -- the Fire module (chapter 3);
* :mod:`.densenet` -- dense layers, blocks and transitions (chapter 4);
* :mod:`.mobilenet_v2` -- the inverted residual block, channel rounding (chapter 5);
* :mod:`.shufflenet` -- the ShuffleNet unit (chapter 6);
* :mod:`.mobilenet_v3` -- the squeeze-and-excitation block (chapter 7);
* :mod:`.int8` -- int8 quantization, plain numbers in and out: scales, zero
  points, codes used and the error of a uniform range (chapter 9), proved
  against PyTorch's observers and fake quantization instead of a profiler.
"""

from . import conv, densenet, int8, mobilenet_v2, mobilenet_v3, shufflenet, squeezenet
from .conv import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .int8 import *  # noqa: F401,F403
from .mobilenet_v2 import *  # noqa: F401,F403
from .mobilenet_v3 import *  # noqa: F401,F403
from .shufflenet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403

__all__ = (conv.__all__ + squeezenet.__all__ + densenet.__all__ + mobilenet_v2.__all__ + shufflenet.__all__
           + mobilenet_v3.__all__ + int8.__all__)
