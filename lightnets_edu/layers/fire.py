"""SqueezeNet: the Fire module as ``nn.Module``s (chapter 3)."""

__all__ = []
