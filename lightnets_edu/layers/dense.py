"""DenseNet: the dense layer, dense block and transition as ``nn.Module``s (chapter 4)."""

__all__ = []
