"""linguafranca: one common language for every chat model."""

__version__ = "0.1.0"

__all__ = ["__version__"]
