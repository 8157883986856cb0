"""Last quarter's workbooks are found by the identity they carry, not by their file names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.errors import UsageError
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.identity import plan_identity
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.previous import find_previous
from kpi_xl.io.resources import sample_plan_path

Q1, Q2, Q3 = FiscalQuarter(2026, 1), FiscalQuarter(2026, 2), FiscalQuarter(2026, 3)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    plan = read_plan(sample_plan_path("en"))
    [path] = generate(plan, Q1, tmp_path_factory.mktemp("q1"), "en", departments=["sales"])
    return path, plan_identity(plan.company, plan.start_month)


def test_a_renamed_workbook_in_a_sub_folder_is_found(book: tuple[Path, str],
                                                     tmp_path: Path) -> None:
    path, plan = book
    folder = tmp_path / "FY2026Q1" / "edited by Tanaka"
    folder.mkdir(parents=True)
    shutil.copy(path, folder / "sales final (2).xlsx")
    shutil.copy(path, tmp_path / "FY2026Q1" / "FY2026Q1_sales_en.20260701-101500.bak.xlsx")
    shutil.copy(path, tmp_path / "FY2026Q1" / "~$sales final (2).xlsx")
    found = find_previous(Q2, tmp_path, "en", plan_id=plan)
    assert found.books == {"sales": [(Q1, folder / "sales final (2).xlsx")]}
    assert found.notes == [] and found.searched


def test_two_of_one_department_are_refused_naming_both(book: tuple[Path, str],
                                                       tmp_path: Path) -> None:
    path, plan = book
    (tmp_path / "FY2026Q1").mkdir()
    shutil.copy(path, tmp_path / "FY2026Q1" / "a.xlsx")
    shutil.copy(path, tmp_path / "FY2026Q1" / "b.xlsx")
    with pytest.raises(UsageError) as raised:
        find_previous(Q2, tmp_path, "en", plan_id=plan)
    message = raised.value.message("ja")
    assert "a.xlsx" in message and "b.xlsx" in message and "営業" in message


def test_another_plan_is_noted_and_a_missing_quarter_still_counts_as_history(
        book: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = book
    (tmp_path / "FY2026Q1").mkdir()
    shutil.copy(path, tmp_path / "FY2026Q1" / "x.xlsx")
    found = find_previous(Q3, tmp_path, "en", plan_id=plan_identity("Another Co.", 4))
    assert found.books == {} and found.searched  # Q2's folder is missing, Q1's is there
    assert found.notes == [f"{tmp_path / 'FY2026Q1' / 'x.xlsx'} belongs to another plan "
                           "(Sample Co., Ltd., FY2026Q1); it is not read"]
    assert not find_previous(Q2, tmp_path / "nowhere", "en", plan_id="x").searched
