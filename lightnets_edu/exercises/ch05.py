"""Chapter 5 exercises: MobileNet v2."""

__all__ = []
