"""Closed-form cost of SqueezeNet's building blocks (chapter 3)."""

__all__ = []
