"""Where the bundled templates and sample plans live, installed or in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["sample_plan_path", "template_path", "templates_dir"]


def templates_dir() -> Path:
    """The folder of bundled templates: inside the installed package, else the repository's."""
    packaged = resources.files("kpi_xl") / "_templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "templates"


def sample_plan_path(lang: str = "ja") -> Path:
    """The bundled sample plan, filled with the article's example numbers."""
    return templates_dir() / f"sample_plan_{lang}.xlsx"


def template_path(lang: str = "ja") -> Path:
    """The bundled blank template."""
    return templates_dir() / f"kpi_plan_template_{lang}.xlsx"
