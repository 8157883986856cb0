"""Determinism: the same plan and quarter give byte-identical workbooks, roll-forward sheet included.

Outputs can then be diffed and kept in version control. Document properties are fixed (creation
date from the plan's fiscal year), nothing depends on the clock, the folder or the file's path.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import ACTUALS_SALES, type_actuals


def _bytes(paths: list[Path]) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in paths}


def test_the_same_plan_and_quarter_give_byte_identical_workbooks(tmp_path: Path) -> None:
    plan = read_plan(sample_plan_path("ja"))
    q1 = generate(plan, FiscalQuarter(2026, 1), tmp_path / "first", "ja")
    sales = next(p for p in q1 if "_sales_" in p.name)
    type_actuals(sales, "Sales_Actuals", ACTUALS_SALES, sales)
    shutil.copytree(tmp_path / "first" / "FY2026Q1", tmp_path / "second" / "FY2026Q1")

    first = generate(plan, FiscalQuarter(2026, 2), tmp_path / "first", "ja")
    time.sleep(1.1)  # a clock-dependent timestamp would differ by now
    second = generate(plan, FiscalQuarter(2026, 2), tmp_path / "second", "ja")
    assert _bytes(first) == _bytes(second)
    import openpyxl

    assert "前四半期の振り返り" in openpyxl.load_workbook(first[0]).sheetnames


def test_regenerating_in_place_changes_nothing(tmp_path: Path) -> None:
    plan = read_plan(sample_plan_path("en"))
    before = _bytes(generate(plan, FiscalQuarter(2026, 3), tmp_path, "en"))
    after = _bytes(generate(plan, FiscalQuarter(2026, 3), tmp_path, "en"))
    assert before == after
