"""Tracking's quarter-to-date figures pick a KPI's own rows by exact comparison.

A KPI named ``Lead*``, ``>100`` or ``=x`` is text, never a SUMIFS/COUNTIFS pattern or operator:
in LibreOffice (the reference engine) its actual to date is the sum of its own months only, and
a month whose actual is text (「未集計」) is not counted as reported.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl

from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import require_libreoffice, type_actuals
from tests.libreoffice import recalculate

# Name → (unit, three months' actuals). "Leads" is what the pattern ``Lead*`` would also match.
NAMED = {
    "Leads": ("件", (100, 200, 300)),
    "Lead*": ("件", (1, 2, None)),
    ">100": ("件", (10, "pending", 30)),
    "=x": ("%", (0.25, None, 0.5)),
}


def _generate(tmp_path: Path) -> Path:
    plan = read_plan(sample_plan_path("en"))
    template, *_ = plan.kpis["sales"]
    kpis = tuple(replace(template, name=name, unit=unit, link=None, target=100 if unit == "件"
                         else 0.4) for name, (unit, _) in NAMED.items())
    plan = replace(plan, kpis={**plan.kpis, "sales": kpis})
    [book] = generate(plan, FiscalQuarter(2026, 2), tmp_path / "out", "en",
                      departments=["sales"], roll_forward=False)
    actuals = {(month, name): value for name, (_, values) in NAMED.items()
               for month, value in enumerate(values) if value is not None}
    return type_actuals(book, "Sales_Actuals", actuals, tmp_path / "typed.xlsx")


def _summary(path: Path) -> dict[str, tuple[object, object]]:
    """KPI name → (actual to date, periods reported) from Tracking's quarter-to-date block."""
    ws = openpyxl.load_workbook(path, data_only=True)["Tracking"]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Quarter to date and forecast to quarter end")
    return {row[0]: (row[3], row[4]) for row in rows[start + 2:start + 2 + len(NAMED)]}


def test_to_date_figures_compare_names_exactly_in_libreoffice(tmp_path: Path) -> None:
    require_libreoffice()
    typed = _generate(tmp_path)
    formulas = [str(c.value) for c in openpyxl.load_workbook(typed)["Tracking"]._cells.values()
                if c.data_type == "f"]
    assert not any(f in text for text in formulas for f in ("SUMIFS", "COUNTIFS", "AVERAGEIFS"))

    summary = _summary(recalculate([typed], tmp_path / "lo")[typed.resolve()])

    assert summary["Leads"] == (600, 3)
    assert summary["Lead*"] == (3, 2)  # its own two months, not Leads' 600 as well
    assert summary[">100"] == (40, 2)  # "pending" is not a reported month
    assert summary["=x"][1] == 2
    assert abs(summary["=x"][0] - 0.375) < 1e-12  # a rate: the average of the months reported
