"""`md` and `md_cell`: user text made safe for Markdown (maps/exports/markdown.py)."""

from __future__ import annotations

from django import template

from maps.exports.markdown import md, md_cell
from maps.folds import folds_display

register = template.Library()
register.filter("md", md)
register.filter("md_cell", md_cell)
register.filter("folds", folds_display)
