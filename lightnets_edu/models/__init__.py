"""Whole networks built from :mod:`lightnets_edu.layers`, one builder per variant.

Each chapter registers its builders with :func:`register_model`, so the CLI and
the tests can reach every model by name. Where torchvision has the
architecture, module names match torchvision's, so its ``state_dict`` loads
with ``strict=True``.
"""

_REGISTRY = {}


def register_model(builder):
    """Decorator: make ``builder`` reachable as ``get_model(builder.__name__)``."""
    _REGISTRY[builder.__name__] = builder
    return builder


def list_models():
    """Names of every registered builder, sorted."""
    return sorted(_REGISTRY)


def get_model(name, **kwargs):
    """Build the registered model ``name`` with keyword arguments ``kwargs``."""
    if name not in _REGISTRY:
        known = ", ".join(list_models()) or "none yet"
        raise ValueError(f"name={name!r} is not a lightnets_edu model; known models: {known}")
    return _REGISTRY[name](**kwargs)


# each chapter's builders register themselves on import
from .mobilenet_v1 import *  # noqa: E402,F401,F403
from .squeezenet import *  # noqa: E402,F401,F403
from .densenet import *  # noqa: E402,F401,F403
from .mobilenet_v2 import *  # noqa: E402,F401,F403
from .shufflenet import *  # noqa: E402,F401,F403
from .mobilenet_v3 import *  # noqa: E402,F401,F403
