"""ShuffleNet v1/v2 networks (chapter 6)."""

__all__ = []
