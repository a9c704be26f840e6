"""Closed-form cost of MobileNet v2's building blocks (chapter 5)."""

__all__ = []
