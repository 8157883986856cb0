"""A KPI judged as a whole: its SMART verdict with its fields, benchmark and plan as context.

Above :mod:`kpi_xl.core.kpis` (the records) and :mod:`kpi_xl.core.smart` (the checker): the
KPI sheet and ``kpi-xl check`` both call :func:`smart_check`, so they give one verdict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from kpi_xl.core import benchmarks, smart
from kpi_xl.core.expr import ExcelError
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import Kpi, statement
from kpi_xl.core.plan import plan_departments, plan_values

__all__ = ["benchmark_for", "plan_need", "smart_check"]


def benchmark_for(kpi: Kpi) -> Any:
    """The benchmark (:class:`kpi_xl.core.benchmarks.Benchmark`) that judges a KPI, or None.

    Found through the metric its name names, as the SMART checker reads it.
    """
    for key in smart.metric_keys(kpi.name):
        bench = benchmarks.for_metric(key)
        if bench is not None:
            return bench
    return None


def smart_check(kpi: Kpi, lang: str, plan: object | None = None,
                department: object | None = None) -> Any:
    """The SMART verdict on a KPI's statement, with its fields and benchmark as context.

    Dates are judged as of the plan's fiscal-year start, so the same plan always gives the
    same verdict (and byte-identical workbooks). A planner's own department (``department``,
    else the plan's department holding ``kpi``) adds its stage and KGI names to the metrics the
    checker knows.
    """
    text = statement(kpi, lang)
    bench = benchmark_for(kpi)
    fy, start = (getattr(plan, "fiscal_year", None), getattr(plan, "start_month", 4))
    today = dt.date(fy, start, 1) if fy else None
    return smart.check(text, target=kpi.target if kpi.unit != "%" else f"{kpi.target * 100:g}%",
                       unit=kpi.unit, deadline=kpi.deadline, owner=kpi.owner,
                       direction=kpi.direction, parent=kpi.ksf or None,
                       benchmark=bench, lang=lang, today=today, fiscal_year_start=start,
                       name=kpi.name, required=plan_need(kpi, lang, plan),
                       metrics=own_metrics(department or _department_of(kpi, plan)))


def own_metrics(department: object | None) -> tuple[str, ...]:
    """The names a custom department measures by: its stages and its KGI (none for built-ins)."""
    definition = getattr(department, "custom", None)
    if definition is None:
        return ()
    return (*(s.name for s in definition.stages), definition.kgi_name)  # type: ignore[attr-defined]


def _department_of(kpi: Kpi, plan: object | None) -> Any:
    """The plan's department whose KPI table holds ``kpi`` (the very object), or None."""
    if plan is None:
        return None
    return next((d for key, d in plan_departments(plan).items()
                 if any(k is kpi for k in plan.kpis.get(key, ()))), None)  # type: ignore[attr-defined]


def plan_need(kpi: Kpi, lang: str, plan: object | None) -> tuple[float, str] | None:
    """(what the plan needs this KPI's target to reach, a label saying from where), or None.

    Only for a KPI whose target was typed (not linked to the plan) and whose name measures a
    figure of its department's plan: "月間リード獲得数" in sales needs the required leads for
    a month. The need comes from the same expression a linked KPI's target would use.
    """
    if plan is None or kpi.link or not getattr(plan, "values", None):
        return None
    dept = _department_of(kpi, plan)
    if dept is None:
        return None
    figure = next((dept.measures[key] for key in smart.metric_keys(kpi.name)
                   if key in dept.measures), None)
    if figure is None:
        return None
    expr = dept.link_expr(replace(kpi, link=figure))
    try:
        need = expr.evaluate(plan_values(plan)) if expr is not None else None  # type: ignore[attr-defined]
    except (ExcelError, KeyError, TypeError, ZeroDivisionError):
        return None
    if not isinstance(need, (int, float)) or isinstance(need, bool):
        return None
    spec = next((o for o in (*dept.outputs, *dept.inputs) if o.name == figure), None)
    label = spec.label[lang] if spec is not None else figure
    period = dept.links.get(figure)
    return float(need), t(lang, f"statement.need.{period}", figure=label) if period in (
        "annual", "quarter") else label
