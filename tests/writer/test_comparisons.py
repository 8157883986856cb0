"""Comparisons decide statuses, verdicts and traffic lights; they must come out as the engine's.

Excel and LibreOffice compare numbers to 15 significant digits, so an average of 85% and 95%
(0.8999999999999999 in binary) meets a 90% target. The Python core mirrors that, and the same
comparisons written as formulas recalculate in LibreOffice to the values Python cached.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from kpi_xl.core.expr import Expr, NameResolver, Num
from kpi_xl.core.rollup import status
from tests.conftest import require_libreoffice
from tests.libreoffice import recalculate

HALF = (Num(0.85) + Num(0.95)) / 2  # 0.8999999999999999 as a float
TENTHS = Num(0.1) + Num(0.2)  # 0.30000000000000004
CASES: dict[str, Expr] = {
    "average meets its target": HALF.ge(0.9),
    "average is not below its target": HALF.lt(0.9),
    "tenths add up": TENTHS.eq(0.3),
    "tenths are not more": TENTHS.gt(0.3),
    "a third times three is one": (Num(1) / 3 * 3).eq(1),
    "a real shortfall is still short": Num(0.8999).ge(0.9),
    "a tiny negative is below zero": Num(-1e-20).lt(0),
    "a difference in the 14th digit counts": Num(1.0000000000001).gt(1),
}


@pytest.mark.parametrize(("case", "expected"), [
    ("average meets its target", True), ("average is not below its target", False),
    ("tenths add up", True), ("tenths are not more", False),
    ("a third times three is one", True), ("a real shortfall is still short", False),
    ("a tiny negative is below zero", True), ("a difference in the 14th digit counts", True),
])
def test_python_compares_to_15_significant_digits(case: str, expected: bool) -> None:
    assert CASES[case].evaluate({}) is expected


def test_a_status_on_a_rounding_hair_is_the_dashboards() -> None:
    assert status(float(HALF.evaluate({})) / 0.9) == "ok"
    assert status(0.9 * (1 - 1e-16)) == "watch"


def test_libreoffice_recalculates_every_comparison_to_the_cached_value(tmp_path: Path) -> None:
    require_libreoffice()
    path = tmp_path / "comparisons.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Comparisons")
    for row, (case, expr) in enumerate(CASES.items()):
        sheet.write_string(row, 0, case)
        sheet.write_formula(row, 1, "=" + expr.formula(NameResolver()), None, expr.evaluate({}))
    book.close()

    recalculated = recalculate([path], tmp_path / "lo")[path.resolve()]
    cells = openpyxl.load_workbook(recalculated, data_only=True)["Comparisons"]
    engine = {row[0]: row[1] for row in cells.iter_rows(values_only=True)}
    assert engine == {case: expr.evaluate({}) for case, expr in CASES.items()}
