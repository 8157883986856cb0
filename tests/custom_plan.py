"""A plan with your own department, made as a planner makes it: rows typed into the template's
``Custom_Departments``, ``Custom_Stages`` and ``Custom_KPIs`` tables (issue 15's recruiting
example: 20 hires, offer→hire 80%, interview→offer 25%, application→interview 20%)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# isort: off
import kpi_xl.io  # noqa: F401  (first: it asks openpyxl for defusedxml where lxml is installed)
import openpyxl
# isort: on

from kpi_xl.core.plan_tables import (
    CUSTOM_DEPARTMENT_COLUMNS,
    CUSTOM_KPI_COLUMNS,
    CUSTOM_STAGE_COLUMNS,
)
from kpi_xl.io.resources import sample_plan_path

RECRUITING = {
    "ja": [("recruiting", "採用", "入社", "人", 20, "月次")],
    "en": [("recruiting", "Recruiting", "Hires", "people", 20, "monthly")],
}
RECRUITING_STAGES = {
    "ja": [("recruiting", 1, "応募", 0.2), ("recruiting", 2, "面接", 0.25),
           ("recruiting", 3, "内定", 0.8), ("recruiting", 4, "入社", None)],
    "en": [("recruiting", 1, "Applications", 0.2), ("recruiting", 2, "Interviews", 0.25),
           ("recruiting", 3, "Offers", 0.8), ("recruiting", 4, "Hires", None)],
}
_END = dt.datetime(2027, 3, 31)
RECRUITING_KPIS = {
    "ja": [
        ("recruiting", "月間応募数", "求人媒体と紹介から届いた応募の件数", "母集団形成", "件", None,
         "高いほど良い", None, _END, "採用担当", "週次", "先行指標", "Recruiting_Stage1"),
        ("recruiting", "月間面接数", "実施した一次面接の件数", "選考の質", "件", None, "高いほど良い",
         None, _END, "採用担当", "週次", "先行指標", "Recruiting_Stage2"),
        ("recruiting", "月間入社数", "入社した人数", "内定承諾", "件", None, "高いほど良い", None,
         _END, "人事部長", None, "遅行指標", "Recruiting_KGITarget"),
    ],
    "en": [
        ("recruiting", "Applications per month", "Applications received from job boards and "
         "referrals", "Candidate pipeline", "件", None, "higher", None, _END, "Recruiter",
         "weekly", "leading", "Recruiting_Stage1"),
        ("recruiting", "Interviews per month", "First interviews held", "Selection quality",
         "件", None, "higher", None, _END, "Recruiter", "weekly", "leading",
         "Recruiting_Stage2"),
        ("recruiting", "Hires per month", "People who joined", "Offer acceptance", "件", None,
         "higher", None, _END, "Head of People", None, "lagging", "Recruiting_KGITarget"),
    ],
}


def fill_table(wb: Any, name: str, rows: Sequence[Sequence[Any]], columns: Sequence[Any]) -> None:
    """Type ``rows`` into the Excel Table ``name`` (values in the order of ``columns``),
    growing the table when the rows do not fit, as Excel does when a planner types below it."""
    for ws in wb.worksheets:
        if name in ws.tables:
            table = ws.tables[name]
            min_col, min_row, max_col, max_row = openpyxl.utils.cell.range_boundaries(table.ref)
            header = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
            order = [header.index(_header_of(column, header)) for column in columns]
            for i, row in enumerate(rows):
                for value, col in zip(row, order, strict=True):
                    ws.cell(min_row + 1 + i, min_col + col).value = value
            last = max(max_row, min_row + len(rows))
            if last != max_row:
                table.ref = (f"{openpyxl.utils.get_column_letter(min_col)}{min_row}:"
                             f"{openpyxl.utils.get_column_letter(max_col)}{last}")
                table.autoFilter.ref = table.ref
            return
    raise KeyError(name)


def _header_of(column: Any, header: list[Any]) -> str:
    from kpi_xl.core.i18n import t

    for lang in ("ja", "en"):
        if t(lang, column.label_key) in header:
            return t(lang, column.label_key)
    raise KeyError(column.field)


def custom_plan(target: Path, lang: str, departments: Sequence[Sequence[Any]] | None = None,
                stages: Sequence[Sequence[Any]] | None = None,
                kpis: Sequence[Sequence[Any]] | None = None, base: Path | None = None) -> Path:
    """The sample plan with custom departments typed in (recruiting by default); saved."""
    wb = openpyxl.load_workbook(base or sample_plan_path(lang))
    fill_table(wb, "Custom_Departments", RECRUITING[lang] if departments is None else departments,
               CUSTOM_DEPARTMENT_COLUMNS)
    fill_table(wb, "Custom_Stages", RECRUITING_STAGES[lang] if stages is None else stages,
               CUSTOM_STAGE_COLUMNS)
    fill_table(wb, "Custom_KPIs", RECRUITING_KPIS[lang] if kpis is None else kpis,
               CUSTOM_KPI_COLUMNS)
    wb.save(target)
    return target
