"""Chapter 4 explorer: DenseNet."""

__all__ = []
