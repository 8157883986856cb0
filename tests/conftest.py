"""Shared fixtures: generated workbooks, and one LibreOffice run that recalculates them all."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.fiscal import FiscalQuarter
from kpi_xl.generate import generate
from kpi_xl.reader import read_plan
from kpi_xl.resources import sample_plan_path
from kpi_xl.writer.template import write_template
from tests.libreoffice import INSTALL_HINT, recalculate, soffice
from tests.workbook_values import named_cells

# A plan nobody tuned the code against: odd rates (145/0.29 is Excel's classic 15-digit trap),
# a January fiscal year, uneven seasonality.
HELD_OUT = {
    "Plan_Company": "Held-out Trading K.K.",
    "Plan_FiscalYear": 2027,
    "Plan_StartMonth": 1,
    "Sales_TargetDeals": 145,
    "Sales_WinRate": 0.29,
    "Sales_LeadToOppRate": 0.07,
    "Sales_AvgDealSize": 3_456_789,
    # Mkt_TargetSQL keeps the template's default formula: it must follow sales' opportunities.
    "Mkt_MqlToSqlRate": 0.37,
    "Mkt_LeadToMqlRate": 0.23,
    "Mkt_VisitToLeadRate": 0.017,
    "CS_StartCustomers": 487,
    "CS_MaxChurnRate": 0.043,
    "Dev_DeploysPerWeek": 3,
}
HELD_OUT_WEIGHTS = [0.8, 0.9, 1.4, 1.0, 1.0, 1.1, 0.7, 0.6, 1.2, 1.0, 1.1, 1.6]

# New inputs typed into a generated workbook before LibreOffice recalculates it.
CHANGED = {
    "Sales_TargetDeals": 233,
    "Sales_WinRate": 0.23,
    "Sales_LeadToOppRate": 0.061,
    "Sales_AvgDealSize": 1_234_567,
}
CHANGED_WEIGHTS = [3, 1, 1, 2, 0, 1, 1, 1, 1, 1, 1, 5]


def fill_template(template: Path, target: Path, values: dict, weights: list[float]) -> Path:
    """Type values into a template by its named cells, as a planner would, and save it."""
    wb = openpyxl.load_workbook(template)
    set_named(wb, values)
    sheet, ref = next(iter(wb.defined_names["Plan_Seasonality"].destinations))
    cells = [c for row in wb[sheet][ref.replace("$", "")] for c in row]
    for cell, weight in zip(cells, weights, strict=True):
        cell.value = weight
    wb.save(target)
    return target


def set_named(wb: openpyxl.Workbook, values: dict) -> None:
    """Set single-cell defined names to new values."""
    for name, value in values.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")].value = value


def department_of(path: Path) -> str:
    """The department key in a workbook's file name (FY2026Q1_customer_success_ja.xlsx)."""
    return path.stem.split("_", 1)[1].rsplit("_", 1)[0]


@dataclass
class Recalculated:
    """A generated workbook and its copy recalculated by LibreOffice."""

    original: Path
    recalculated: Path


def require_libreoffice() -> None:
    """Skip (or, with KPI_XL_REQUIRE_LIBREOFFICE=1, fail) when LibreOffice is missing."""
    if soffice() is None:
        if os.environ.get("KPI_XL_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(f"KPI_XL_REQUIRE_LIBREOFFICE=1 but {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Workbooks generated once per session, by label."""
    root = tmp_path_factory.mktemp("generated")
    out: dict[str, Path] = {}
    for lang, quarter in (("ja", FiscalQuarter(2026, 1)), ("en", FiscalQuarter(2026, 3))):
        plan = read_plan(sample_plan_path(lang))
        for path in generate(plan, quarter, root / f"sample-{lang}", lang):
            out[f"sample-{lang}-{department_of(path)}"] = path

    # The held-out plan starts from the sample (for its KPI tables) with every number retyped.
    template = write_template(root / "sample_en.xlsx", "en", sample=True)
    plan_file = fill_template(template, root / "held_out_plan.xlsx", HELD_OUT, HELD_OUT_WEIGHTS)
    plan = read_plan(plan_file)
    for path in generate(plan, FiscalQuarter(2027, 2), root / "held-out", "en"):
        out[f"held-out-{department_of(path)}"] = path

    # The sample sales workbook with new inputs typed in (openpyxl keeps formulas, drops caches).
    wb = openpyxl.load_workbook(out["sample-ja-sales"])
    set_named(wb, CHANGED)
    sheet, ref = next(iter(wb.defined_names["Plan_Seasonality"].destinations))
    cells = [c for row in wb[sheet][ref.replace("$", "")] for c in row]
    for cell, weight in zip(cells, CHANGED_WEIGHTS, strict=True):
        cell.value = weight
    changed = root / "changed_inputs_sales.xlsx"
    wb.save(changed)
    out["changed-sales"] = changed
    out["template-ja"] = write_template(root / "template_ja.xlsx", "ja")
    out["template-sample-en"] = write_template(root / "template_sample_en.xlsx", "en",
                                               sample=True)
    return out


@pytest.fixture(scope="session")
def recalculated(generated: dict[str, Path],
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, Recalculated]:
    """Every generated workbook recalculated in a single LibreOffice run."""
    require_libreoffice()
    staging = tmp_path_factory.mktemp("lo-in")
    renamed = {}
    for label, path in generated.items():
        copy = staging / f"{label}.xlsx"
        copy.write_bytes(path.read_bytes())
        renamed[label] = copy
    mapping = recalculate(renamed.values(), tmp_path_factory.mktemp("lo-out"))
    return {label: Recalculated(generated[label], mapping[copy.resolve()])
            for label, copy in renamed.items()}


__all__ = ["CHANGED", "HELD_OUT", "Recalculated", "named_cells"]
