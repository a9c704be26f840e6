"""Interactive explorers for the notebooks, each with a static figure for the book.

Every explorer comes in three small pieces, so each can be tested on its own:

1. a *table* function of plain integers, computed with :mod:`lightnets_edu.cost`
   (raises ``ValueError`` on an impossible combination);
2. a *view* function that turns the table, or the reason it cannot be computed,
   into something to display: a wrong setting is a readable message, never a
   traceback;
3. the *explorer*, an ``ipywidgets.interactive`` over the view, and a *figure*
   function that draws the same sweep with matplotlib for the rendered book,
   where widgets cannot compute.

One file per chapter, re-exported here, and two private helpers: ``_explore`` (the
controls every explorer shares) and ``_labels`` (labels on a scatter plot that cover
nothing). ipywidgets, matplotlib and pandas are imported inside the functions, so
``import lightnets_edu.widgets`` stays cheap.
"""

from . import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09
from .ch01 import *  # noqa: F401,F403
from .ch02 import *  # noqa: F401,F403
from .ch03 import *  # noqa: F401,F403
from .ch04 import *  # noqa: F401,F403
from .ch05 import *  # noqa: F401,F403
from .ch06 import *  # noqa: F401,F403
from .ch07 import *  # noqa: F401,F403
from .ch08 import *  # noqa: F401,F403
from .ch09 import *  # noqa: F401,F403

__all__ = (ch01.__all__ + ch02.__all__ + ch03.__all__ + ch04.__all__ + ch05.__all__ + ch06.__all__
           + ch07.__all__ + ch08.__all__ + ch09.__all__)
