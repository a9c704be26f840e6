"""Chapter 3 exercises: SqueezeNet."""

__all__ = []
