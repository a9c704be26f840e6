"""Chapter 3 explorer: SqueezeNet."""

__all__ = []
