"""What a workbook about to be replaced holds that a person typed: no false alarm, no miss.

The catalogue runs the refusals through the command line; these tests pin the fingerprint itself:
a workbook saved again, unchanged, by LibreOffice or openpyxl is not "entered data", while one
changed cell anywhere is, and its sheet and cell are named.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.io.overwrite import entered_data
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import require_libreoffice

Q = FiscalQuarter(2026, 1)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """This run's workbooks (``fresh``) and the same again (``old``), as a previous run left them."""
    root = tmp_path_factory.mktemp("overwrite")
    plan = read_plan(sample_plan_path("en"))
    generate(plan, Q, root / "fresh", "en", with_udfs=True)
    generate(plan, Q, root / "old", "en", with_udfs=True)
    return root / "fresh" / Q.folder_name, root / "old" / Q.folder_name


def test_a_workbook_saved_again_unchanged_by_libreoffice_holds_no_entered_data(
        books: tuple[Path, Path], tmp_path: Path) -> None:
    require_libreoffice()
    from tests.libreoffice import recalculate

    fresh, old = books
    saved = recalculate(sorted(old.glob("*.xlsx")), tmp_path / "lo")
    for source, copy in saved.items():
        assert entered_data(copy, fresh / source.name) == [], copy.name


def test_a_workbook_saved_again_unchanged_by_openpyxl_holds_no_entered_data(
        books: tuple[Path, Path], tmp_path: Path) -> None:
    fresh, old = books
    for book in sorted(old.glob("*.xlsx")):
        copy = tmp_path / book.name
        openpyxl.load_workbook(book).save(copy)
        assert entered_data(copy, fresh / book.name) == [], copy.name


@pytest.mark.parametrize("sheet, cell, value", [
    ("Plan", "A2", "a title edited"),  # a label of a protected sheet (protection lifted)
    ("KPI tree", "Z40", 1),  # far from any content
    ("Checklist", "B3", None),  # generated text deleted
])
def test_any_changed_cell_is_entered_data_and_named(books: tuple[Path, Path], tmp_path: Path,
                                                   sheet: str, cell: str, value: object) -> None:
    fresh, old = books
    book = sorted(old.glob("*_sales_en.xlsx"))[0]
    copy = tmp_path / book.name
    shutil.copyfile(book, copy)
    wb = openpyxl.load_workbook(copy)
    if value is None:
        assert wb[sheet][cell].value not in (None, "")
    wb[sheet][cell].value = value
    wb.save(copy)
    findings = entered_data(copy, fresh / book.name)
    assert findings and f"{sheet}!{cell}" in findings[-1]["en"], findings
