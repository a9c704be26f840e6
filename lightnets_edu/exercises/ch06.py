"""Chapter 6 exercises: ShuffleNet v1/v2."""

__all__ = []
