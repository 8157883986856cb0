"""Generating a quarter's department workbooks from a plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from kpi_xl.departments import DEPARTMENTS
from kpi_xl.fiscal import FiscalQuarter
from kpi_xl.i18n import t
from kpi_xl.plan import Plan

__all__ = ["generate", "workbook_name"]


def workbook_name(quarter: FiscalQuarter, department: str, lang: str) -> str:
    """File name of a department workbook, e.g. ``FY2026Q1_sales_ja.xlsx``."""
    return f"{quarter.folder_name}_{department}_{lang}.xlsx"


def generate(plan: Plan, quarter: FiscalQuarter, out_dir: Path, lang: str,
             departments: Sequence[str] | None = None, *, with_udfs: bool = False) -> list[Path]:
    """Write one workbook per department into ``out_dir/FY<year>Q<n>/``; return their paths.

    Every workbook is built completely before any is moved into place, so a failure leaves the
    output folder as it was. ``with_udfs`` adds a sheet of cells that call the add-in's Excel
    functions (see :mod:`kpi_xl.writer.udf_cells`).
    """
    from kpi_xl.writer.book import BookWriter
    from kpi_xl.writer.context import BuildContext
    from kpi_xl.writer.department_book import build_department

    folder = Path(out_dir) / quarter.folder_name
    built: list[tuple[BookWriter, Path]] = []
    try:
        for key in departments or list(DEPARTMENTS):
            dept = DEPARTMENTS[key]
            title = f"{plan.company} {dept.name[lang]} KPI {t(lang, 'fy', year=plan.fiscal_year)}"
            book = BookWriter(lang, title=title, company=plan.company,
                              created=datetime(plan.fiscal_year, plan.start_month, 1))
            built.append((book, folder / workbook_name(quarter, key, lang)))
            build_department(BuildContext(book, plan, quarter, lang, dept, with_udfs=with_udfs))
        rendered = [(book.render(), target) for book, target in built]
        folder.mkdir(parents=True, exist_ok=True)
        from kpi_xl.writer.book import atomic_move

        for source, target in rendered:
            atomic_move(source, target)
        return [target for _, target in rendered]
    finally:
        for book, _ in built:
            book.discard()
