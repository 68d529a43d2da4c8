"""Stepclip host tools: the `stepclip` command."""

__version__ = "0.1.0"
