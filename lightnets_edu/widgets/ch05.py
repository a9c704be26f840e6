"""Chapter 5 explorer: MobileNet v2."""

__all__ = []
