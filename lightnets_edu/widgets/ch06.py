"""Chapter 6 explorer: ShuffleNet v1/v2."""

__all__ = []
