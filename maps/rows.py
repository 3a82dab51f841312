"""Kept for `workshops.selectors`, which reads its rows with these: they live in `maps.sql`."""

from __future__ import annotations

from maps.sql import columns, converted, instance

__all__ = ["columns", "converted", "instance"]
