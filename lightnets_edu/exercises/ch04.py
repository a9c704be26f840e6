"""Chapter 4 exercises: DenseNet."""

__all__ = []
