"""Partial plans made the way a new user makes them: a blank template (``kpi-xl template``) with
only some departments filled in, by named cells and KPI table rows, then saved."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kpi_xl.app.template import write_template
from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.kpis import CADENCES, DIRECTIONS, KINDS_OF_INDICATOR, UNIT_LABELS
from kpi_xl.core.plan_tables import KPI_COLUMNS, headers
from tests.conftest import set_named

GENERAL = {"Plan_Company": "Partial K.K.", "Plan_FiscalYear": 2026, "Plan_StartMonth": 4}
SALES = {"Sales_TargetDeals": 100, "Sales_WinRate": 0.2, "Sales_LeadToOppRate": 0.1,
         "Sales_CycleMonths": 2, "Sales_AvgDealSize": 2_000_000}
MARKETING = {"Mkt_TargetSQL": 500, "Mkt_MqlToSqlRate": 0.25, "Mkt_LeadToMqlRate": 0.4,
             "Mkt_CycleMonths": 2, "Mkt_VisitToLeadRate": 0.03}
#: Every channel input, as the sample plan fills them.
CHANNELS = {spec.name: spec.sample for spec in DEPARTMENTS["marketing"].inputs
            if spec.group is not None}


def fill_kpis(wb: openpyxl.Workbook, key: str, lang: str) -> None:
    """Type a department's sample KPIs into its (blank) KPI table, row by row."""
    dept = DEPARTMENTS[key]
    columns = headers(KPI_COLUMNS, lang)
    for ws in wb.worksheets:
        if dept.kpi_table not in ws.tables:
            continue
        rows = list(ws[ws.tables[dept.kpi_table].ref])
        assert [c.value for c in rows[0]] == columns
        for cells, kpi in zip(rows[1:], dept.sample_kpis[lang], strict=False):
            values = {"name": kpi.name, "definition": kpi.definition, "ksf": kpi.ksf,
                      "unit": UNIT_LABELS[kpi.unit][lang], "kind": kpi.kind,
                      "direction": DIRECTIONS[kpi.direction][lang], "target": kpi.target,
                      "deadline": kpi.deadline, "owner": kpi.owner,
                      "cadence": CADENCES[kpi.cadence][lang],
                      "indicator": KINDS_OF_INDICATOR[kpi.indicator][lang], "link": kpi.link}
            for cell, column in zip(cells, KPI_COLUMNS, strict=True):
                cell.value = values[column.field]
        return
    raise KeyError(dept.kpi_table)


def partial_plan(path: Path, lang: str, values: dict, kpis: tuple[str, ...] = ("sales",),
                 general: dict | None = None) -> Path:
    """A blank template of ``lang`` with ``values`` typed into named cells and the sample KPIs of
    the departments in ``kpis`` typed into their tables."""
    template = write_template(path.with_name(f"blank_{lang}_{path.stem}.xlsx"), lang)
    wb = openpyxl.load_workbook(template)
    set_named(wb, {**(GENERAL if general is None else general), **values})
    for key in kpis:
        fill_kpis(wb, key, lang)
    wb.save(path)
    return path
