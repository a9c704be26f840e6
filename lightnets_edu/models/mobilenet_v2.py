"""MobileNet v2 networks (chapter 5)."""

__all__ = []
