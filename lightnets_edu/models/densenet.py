"""DenseNet networks (chapter 4)."""

__all__ = []
