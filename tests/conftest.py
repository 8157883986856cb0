"""Shared fixtures: generated workbooks, and one LibreOffice run that recalculates them all."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# isort: off
import kpi_xl.io  # noqa: F401  (first: it asks openpyxl for defusedxml where lxml is installed)
import openpyxl
# isort: on
import pytest

from kpi_xl.app.generate import generate
from kpi_xl.app.template import write_template
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
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
    # Left blank: one company funnel derives it from marketing's rates (0.23 × 0.37).
    "Sales_LeadToOppRate": None,
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


# Actuals a manager types into the monthly tracking table: (month index in quarter, KPI) → value.
ACTUALS_CS = {(0, "Churn rate"): 0.04, (1, "Churn rate"): 0.06, (0, "Retention rate"): 0.85,
              (0, "NPS"): 55, (1, "NPS"): 41}
ACTUALS_SALES = {(0, "月間リード獲得数"): 500, (1, "月間リード獲得数"): 300,
                 (0, "月間受注件数"): 8, (0, "提案成功率"): 0.25}

# KPI倒れ: leads beat their target every month while deals (the KGI's measure) miss every month.
ACTUALS_KPI_COLLAPSE = {
    **{(m, "月間リード獲得数"): v for m, v in enumerate((520, 505, 530))},
    **{(m, "月間商談獲得数"): v for m, v in enumerate((44, 43, 45))},
    **{(m, "月間受注件数"): v for m, v in enumerate((4, 6, 3))},
    **{(m, "提案成功率"): v for m, v in enumerate((0.09, 0.14, 0.07))},
}


def type_actuals(workbook: Path, table: str, actuals: dict, target: Path) -> Path:
    """Type actuals into a tracking table by month and KPI name, as a manager would."""
    shown = openpyxl.load_workbook(workbook, data_only=True)
    wb = openpyxl.load_workbook(workbook)
    for ws in wb.worksheets:
        if table in ws.tables:
            ref = ws.tables[table].ref
            rows = list(ws[ref])
            shown_rows = list(shown[ws.title][ref])
            header = [c.value for c in rows[0]]
            kpi_col = 1
            actual_col = 5
            months: list = []
            for cells, shown_cells in zip(rows[1:], shown_rows[1:], strict=True):
                month = shown_cells[0].value
                if month not in months:
                    months.append(month)
                key = (months.index(month), shown_cells[kpi_col].value)
                if key in actuals:
                    cells[actual_col].value = actuals[key]
            del header
    wb.save(target)
    return target


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
    out["actuals-cs"] = type_actuals(out["sample-en-customer_success"], "CS_Actuals",
                                     ACTUALS_CS, root / "actuals_cs.xlsx")
    out["actuals-sales"] = type_actuals(out["sample-ja-sales"], "Sales_Actuals",
                                        ACTUALS_SALES, root / "actuals_sales.xlsx")
    out["failure-sales"] = type_actuals(out["sample-ja-sales"], "Sales_Actuals",
                                        ACTUALS_KPI_COLLAPSE, root / "failure_sales.xlsx")
    # KPI names that would be patterns in a SUMIFS criterion, and a unit cost (an average).
    out["hostile-sales"] = _hostile_sales(root)
    out["level-actuals"] = type_actuals(out["hostile-sales"], "Sales_Actuals",
                                        {(0, "Active customers"): 205,
                                         (1, "Active customers"): 212},
                                        root / "level_actuals.xlsx")
    out["template-ja"] = write_template(root / "template_ja.xlsx", "ja")
    out["template-sample-en"] = write_template(root / "template_sample_en.xlsx", "en",
                                               sample=True)
    return out


HOSTILE_NAME = "Leads* <=? a month"


def _hostile_sales(root: Path) -> Path:
    """The English sample's sales workbook with a KPI named like a wildcard pattern and an ad
    CPA (an average: never added up over periods)."""
    import datetime as dt
    from dataclasses import replace

    from kpi_xl.core.kpis import Kpi

    plan = read_plan(sample_plan_path("en"))
    first, *rest = plan.kpis["sales"]
    cpa = Kpi("Ads CPA", "Ad spend per lead", "Lead generation", "円", "lower", 18_000,
              dt.date(2027, 3, 31), "Head of Marketing", "monthly", "leading")
    customers = Kpi("Active customers", "Paying customers at month end", "Retention", "社",
                    "higher", 210, dt.date(2027, 3, 31), "Head of Sales", "monthly", "lagging")
    plan = replace(plan, kpis={**plan.kpis, "sales": (replace(first, name=HOSTILE_NAME), *rest,
                                                      cpa, customers)})
    [path] = generate(plan, FiscalQuarter(2026, 2), root / "hostile", "en",
                      departments=["sales"], roll_forward=False)
    return path


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


__all__ = ["ACTUALS_CS", "ACTUALS_SALES", "CHANGED", "HELD_OUT", "Recalculated", "named_cells"]
