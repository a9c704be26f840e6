"""ShuffleNet v1/v2: the channel shuffle and ShuffleNet units as ``nn.Module``s (chapter 6)."""

__all__ = []
