"""Auto-checked exercises: ``check_<chapter>_<n>(answer)`` for every chapter.

Each checker returns a :class:`Verdict` that prints a verdict and a hint and
is truthy only for a right answer. Expected answers are computed from
:mod:`lightnets_edu.cost` or measured with :mod:`lightnets_edu.profile`, never typed in.
:func:`catalog` lists every exercise with its kind, points, objective and time.
"""

from ._catalog import Exercise, catalog  # noqa: F401
from ._grading import Verdict, check_choice, check_number  # noqa: F401
from .ch01 import *  # noqa: F401,F403
from .ch02 import *  # noqa: F401,F403
from .ch03 import *  # noqa: F401,F403
from .ch04 import *  # noqa: F401,F403
from .ch05 import *  # noqa: F401,F403
from .ch06 import *  # noqa: F401,F403
from .ch07 import *  # noqa: F401,F403
from .ch08 import *  # noqa: F401,F403
from .ch09 import *  # noqa: F401,F403
