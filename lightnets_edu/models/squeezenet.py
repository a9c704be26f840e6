"""SqueezeNet networks (chapter 3)."""

__all__ = []
