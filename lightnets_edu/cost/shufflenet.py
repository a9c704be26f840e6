"""Closed-form cost of ShuffleNet v1/v2's building blocks (chapter 6)."""

__all__ = []
