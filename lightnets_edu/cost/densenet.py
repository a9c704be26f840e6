"""Closed-form cost of DenseNet's building blocks (chapter 4)."""

__all__ = []
