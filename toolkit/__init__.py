"""Analysis toolkit for mapping studies of National Society programmes for migrants."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
