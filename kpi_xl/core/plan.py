"""The plan: what a planner typed into the template, validated, as plain data (stdlib only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kpi_xl.core.fiscal import fiscal_months
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import Kpi, Okr
from kpi_xl.core.spec import InputSpec, Scalar

if TYPE_CHECKING:
    from kpi_xl.core.departments.base import Department

__all__ = ["GENERAL_INPUTS", "SEASONALITY_NAME", "Plan", "PlanValues", "named_value", "plan_departments",
           "plan_sheet_name", "plan_values", "resolve_linked_targets"]

SEASONALITY_NAME = "Plan_Seasonality"
LANGUAGE_NAME = "Plan_Language"

GENERAL_INPUTS: list[InputSpec] = [
    InputSpec("Plan_Company", "text", {"ja": "会社名", "en": "Company"},
              {"ja": "資料に表示する会社名・事業部名", "en": "Shown on every workbook"},
              sample=None),
    InputSpec("Plan_FiscalYear", "year", {"ja": "年度(期首の西暦年)", "en": "Fiscal year (year it starts)"},
              {"ja": "例: 2026年4月始まりなら 2026", "en": "e.g. 2026 for a year starting April 2026"},
              sample=2026),
    InputSpec("Plan_StartMonth", "month", {"ja": "期首月", "en": "First month of the fiscal year"},
              {"ja": "1〜12。日本企業の多くは 4(4月)", "en": "1-12; April (4) is common in Japan"},
              sample=4),
    InputSpec("Plan_ReviewDay", "weekday", {"ja": "週次レビューの曜日", "en": "Weekly review day"},
              {"ja": "週はこの曜日に始まります(週次目標・レビュー日)。空欄なら月曜日",
               "en": "Weeks start on this day (weekly targets, review dates); blank means Monday"},
              sample=None, required=False, blank_value=0),
]

SAMPLE_COMPANY = {"ja": "サンプル株式会社", "en": "Sample Co., Ltd."}


def _all_departments() -> tuple[str, ...]:
    from kpi_xl.core.departments import DEPARTMENTS

    return tuple(DEPARTMENTS)


def plan_sheet_name(lang: str) -> str:
    """Name of the template's input sheet."""
    return t(lang, "sheet.plan_input")


@dataclass(frozen=True)
class Plan:
    """A validated plan. ``values`` holds every named input by its defined name."""

    company: str
    fiscal_year: int
    start_month: int
    seasonality: tuple[float, ...]
    values: Mapping[str, Scalar]
    lang: str = "ja"
    source: str = "<sample>"
    kpis: Mapping[str, tuple[Kpi, ...]] = field(default_factory=dict)  # by department key
    okrs: tuple[Okr, ...] = ()
    # The built-in departments the plan covers, in the registry's order: a department whose
    # inputs and KPI table were left wholly blank is skipped (kpi_xl.core.partial).
    departments: tuple[str, ...] = field(default_factory=_all_departments)
    # The planner's own departments (template tables Custom_Departments and Custom_Stages),
    # built by kpi_xl.core.departments.custom; their inputs are in ``values`` like any other.
    custom: tuple[Department, ...] = ()

    @property
    def review_weekday(self) -> int:
        """The day weeks start on, 0 (Monday, the default) to 6 (Sunday)."""
        day = self.values.get("Plan_ReviewDay")
        return int(day) if isinstance(day, int) and 0 <= day <= 6 else 0

    def months(self) -> list[tuple[int, int]]:
        """The fiscal year's twelve (calendar year, month) pairs."""
        return fiscal_months(self.fiscal_year, self.start_month)

    def number(self, name: str) -> float:
        """A numeric input by defined name."""
        value = self.values[name]
        if not isinstance(value, (int, float)):
            raise TypeError(f"{name} is not a number: {value!r}")
        return value


class PlanValues(dict):  # type: ignore[type-arg]
    """A plan's values by defined name; outputs are computed on first use and remembered.

    Outputs come from the same expressions the workbooks write as formulas, so a value read here
    is the workbook's cached value. Usable as the ``env`` of any :mod:`kpi_xl.core.expr` expression.
    """

    def __init__(self, values: Mapping[str, Scalar] | Iterable[tuple[str, Scalar]] = (),
                 custom: Iterable[Department] = ()) -> None:
        """``custom``: a plan's own departments, whose outputs are found too."""
        super().__init__(values)
        self.custom = tuple(custom)

    def __missing__(self, key: str) -> Scalar:
        from kpi_xl.core.departments import DEPARTMENTS

        for dept in (*DEPARTMENTS.values(), *self.custom):
            for output in dept.outputs:
                if output.name == key:
                    value = output.expr.evaluate(self)
                    self[key] = value
                    return value  # type: ignore[return-value]
        raise KeyError(key)


def plan_departments(plan: object) -> dict[str, Department]:
    """Every department a plan covers, by key: the registry's that it plans (a built-in one left
    wholly blank is skipped: ``Plan.departments``), then the plan's own (custom) ones.

    Use this, not the registry, wherever a plan is at hand: a custom department is found by its
    key like a built-in one.
    """
    from kpi_xl.core.departments import DEPARTMENTS

    planned = getattr(plan, "departments", None)
    builtin = {k: d for k, d in DEPARTMENTS.items() if planned is None or k in planned}
    return {**builtin, **{d.key: d for d in getattr(plan, "custom", ())}}


def plan_values(plan: object) -> PlanValues:
    """The plan's values with every output (its custom departments' too) computed on demand."""
    return PlanValues(plan.values, getattr(plan, "custom", ()))  # type: ignore[attr-defined]


def named_value(name: str, values: Mapping[str, Scalar]) -> Scalar:
    """The value of any defined name of a plan: an input, or an output computed from inputs."""
    return PlanValues(values)[name]


def resolve_linked_targets(plan: Plan) -> Plan:
    """The plan with every linked KPI's target computed from the plan's figures.

    A KPI linked to, say, Sales_RequiredLeads has whatever number the template cell last showed;
    the plan's own inputs decide its target, by the same expression the workbook writes.
    """
    from dataclasses import replace

    from kpi_xl.core.expr import ExcelError

    env = plan_values(plan)
    departments = plan_departments(plan)
    kpis = {}
    for key, items in plan.kpis.items():
        dept = departments.get(key)
        resolved = []
        for kpi in items:
            expr = dept.link_expr(kpi) if dept else None
            if expr is not None:
                try:
                    value = expr.evaluate(env)
                except (KeyError, ExcelError, TypeError):
                    value = None
                if isinstance(value, (int, float)):
                    kpi = replace(kpi, target=float(value))
            resolved.append(kpi)
        kpis[key] = tuple(resolved)
    return replace(plan, kpis=kpis)
