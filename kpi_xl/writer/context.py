"""What a department's build function gets: the book, the plan, the quarter and the language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.i18n import t
from kpi_xl.core.plan import Plan

if TYPE_CHECKING:
    from kpi_xl.core.departments.base import Department
    from kpi_xl.writer.book import BookWriter

__all__ = ["BuildContext"]


@dataclass
class BuildContext:
    """Everything a department needs to write its workbook."""

    book: BookWriter
    plan: Plan
    quarter: FiscalQuarter
    lang: str
    department: Department
    # What earlier quarters' workbooks carry into this one (kpi_xl.io.previous.Carried), if any.
    previous: object | None = None
    with_udfs: bool = False  # add cells that call the add-in's functions (kpi-xl addin)

    def t(self, key: str, **values: object) -> str:
        """Generic text in the workbook's language."""
        return t(self.lang, key, **values)

    def label(self, key: str) -> str:
        """Department-specific text in the workbook's language."""
        return self.department.label(self.lang, key)
