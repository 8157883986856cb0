"""Writing the planner's template: built by :mod:`kpi_xl.writer.template`, moved into place whole."""

from __future__ import annotations

from pathlib import Path

from kpi_xl.io.files import atomic_move
from kpi_xl.writer.template import build_template

__all__ = ["write_template"]


def write_template(path: Path, lang: str = "ja", *, sample: bool = False) -> Path:
    """Write a blank template, or with ``sample=True`` the sample plan (the article's numbers)."""
    book = build_template(lang, sample=sample)
    try:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_move(book.render(), path)
    finally:
        book.discard()
    return path
