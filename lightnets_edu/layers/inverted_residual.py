"""MobileNet v2: the inverted residual block as ``nn.Module``s (chapter 5)."""

__all__ = []
