"""A department's KPI tree as rows for the tree validator, from a plan's or a workbook's values.

KGI → KSF → KPI gives the structure; the factor decomposition (revenue = leads × rates × deal
size) hangs under its own parent with the plan's values, so :func:`kpi_xl.core.tree.validate`
checks that the children reproduce it. The workbook's KPI tree sheet and ``kpi-xl check`` both
read these rows. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kpi_xl.core.departments.base import Department
from kpi_xl.core.expr import ExcelError
from kpi_xl.core.kpis import Kpi
from kpi_xl.core.plan import PlanValues
from kpi_xl.core.spec import KINDS

__all__ = ["TREE_TOLERANCE", "plan_tree_rows"]

#: The tree sheet's default: each stage is rounded up, so a product may exceed its target a little.
TREE_TOLERANCE = 0.01


def plan_tree_rows(dept: Department, kpis: Iterable[Kpi], values: Mapping[str, Any],
                   lang: str) -> list[dict[str, Any]]:
    """The department's KPI tree as rows for :func:`kpi_xl.core.tree.validate`.

    KGI → KSF → KPI gives the structure; the factor decomposition (revenue = leads × rates ×
    deal size) hangs under its own parent with the plan's values, so the validator checks that
    the children reproduce it.
    """
    env = PlanValues(values, (dept,))

    def value(name: str) -> Any:
        try:
            return env[name]
        except (KeyError, ExcelError, TypeError, ZeroDivisionError):
            return None

    label, kgi_name, kgi_kind = dept.kgi
    rows: list[dict[str, Any]] = [{
        "id": "KGI", "parent": None, "name": label[lang], "kind": "KGI",
        "department": dept.name[lang], "target": value(kgi_name), "unit": KINDS[kgi_kind].unit["ja"]}]
    seen_ksf: set[str] = set()
    for kpi in kpis:
        ksf_id = f"KSF:{kpi.ksf}"
        if kpi.ksf and ksf_id not in seen_ksf:
            seen_ksf.add(ksf_id)
            rows.append({"id": ksf_id, "parent": "KGI", "name": kpi.ksf, "kind": "KSF",
                         "department": dept.name[lang]})
        rows.append({"id": kpi.name, "parent": ksf_id if kpi.ksf else None, "name": kpi.name,
                     "kind": "KPI", "department": dept.name[lang],
                     "target": f"{kpi.target * 100:g}%" if kpi.unit == "%" else kpi.target,
                     "unit": kpi.unit, "owner": kpi.owner})
    dec = dept.decomposition
    rows.append({"id": "DEC", "parent": None, "name": dec.parent[lang], "kind": "KGI",
                 "operator": dec.operator, "target": value(dec.parent_name),
                 "unit": KINDS[dec.parent_kind].unit["ja"]})
    for i, (factor_label, expr, kind) in enumerate(dec.factors):
        try:
            factor_value: Any = expr.evaluate(env)
        except (KeyError, ExcelError, TypeError, ZeroDivisionError):
            factor_value = None
        unit = KINDS[kind].unit["ja"] if kind in KINDS else ""  # a plain factor (13 weeks)
        # Factors are parts of the arithmetic, not KPIs with owners: they sit as KSF-level nodes.
        rows.append({"id": f"DEC:{i}", "parent": "DEC", "name": factor_label[lang],
                     "kind": "KSF", "target": factor_value, "unit": unit})
    return rows
