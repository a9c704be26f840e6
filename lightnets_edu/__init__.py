"""LightNets course reference package."""
