"""What the company dashboard shows, as plain data, and its comparisons as expressions.

The app reads the department workbooks and fills :class:`Dashboard`; the writer
(:mod:`kpi_xl.writer.dashboard`) lays it out. Every comparison on the sheet (achievement, pace
forecast, status) is an :class:`~kpi_xl.core.expr.Expr` built here, so its formula text and its
cached value come from one definition, and it agrees with :mod:`kpi_xl.core.rollup`.
A group of business units (``kpi-xl report A.xlsx B.xlsx``) has rows that combine the units'
rows written beneath them: their figures are :func:`kpi_xl.core.rollup.combine_units_expr`
formulas over the units' cells. Standard library only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from kpi_xl.core.expr import Expr, if_, iferror, ref
from kpi_xl.core.measures import achievement_expr as measured_expr
from kpi_xl.core.rollup import ON_TRACK, WATCH, combine_units_expr, reported_plan_expr

__all__ = ["DashFunnel", "DashKpi", "DashParts", "Dashboard", "achievement_expr",
           "forecast_expr", "group_forecast_expr", "group_stage_achievement_expr", "number_kind",
           "status_expr"]

Figures = tuple[float | None, float | None, float | None]  # (target, target to date, actual)


@dataclass(frozen=True)
class DashParts:
    """Each unit's numerator and denominator of a ratio the group recomputes as Σ ÷ Σ.

    Per unit, in the order of the group row's ``units``: (target, target to date, actual).
    A numerator of None is the unit's ratio × its denominator (a share of a base the plan
    gives: customers kept = retention × customers at the start), written as a formula
    (:func:`kpi_xl.core.rollup.numerator_expr`).
    """

    numerator: str  # label
    denominator: str  # label
    unit: str
    numerators: tuple[Figures | None, ...]
    denominators: tuple[Figures, ...]


@dataclass(frozen=True)
class DashKpi:
    """One KPI (or KGI) row: figures read from a department workbook."""

    department: str  # shown name
    name: str  # the KGI label for a KGI row, else the KPI's name
    kpi: str
    unit: str
    kind: str  # flow | level | ratio | average
    direction: str  # higher | lower
    target: float | None  # the whole quarter's
    target_to_date: float | None
    actual: float | None
    months: int
    months_total: int
    # A group row: the indexes in Dashboard.kpis of the unit rows it combines (contiguous), and
    # for a ratio, the units' parts it is recomputed from.
    units: tuple[int, ...] = ()
    parts: DashParts | None = None


@dataclass(frozen=True)
class DashFunnel:
    """A funnel stage month by month: planned and actual (None where not typed)."""

    label: str
    unit: str
    planned: tuple[float | None, ...]
    actual: tuple[float | None, ...]
    units: tuple[DashFunnel, ...] = ()  # a group stage: each unit's stage, summed by formula


@dataclass(frozen=True)
class Dashboard:
    lang: str
    title: str
    subtitle: str
    read_at: dt.datetime
    months: tuple[str, ...]  # shown labels of the quarter's months
    kgis: tuple[DashKpi, ...]
    kpis: tuple[DashKpi, ...]
    funnel: tuple[DashFunnel, ...]
    findings: tuple[tuple[str, str, str], ...]  # (department, severity label, message)
    sources: tuple[tuple[str, str], ...]  # (department, file)
    notes: tuple[str, ...] = ()  # under the KGI block: how a group's rows combine the units
    legend: str = ""  # what is read and what is a formula, when not the company dashboard's


def number_kind(unit: str) -> str:
    """The workbook number format kind of a unit."""
    return {"%": "percent", "円": "money", "点": "decimal", "時間": "decimal"}.get(unit, "count")


def achievement_expr(actual: str, target: str, direction: str) -> Expr:
    """Actual against target (keys of two cells), as the workbooks define it
    (:func:`kpi_xl.core.measures.achievement_expr`); "" when either is missing."""
    a, t = ref(actual), ref(target)
    return if_(t.eq(""), "", iferror(measured_expr(a, t, direction == "lower"), ""))


def forecast_expr(actual: str, months: str, months_total: str, kind: str) -> Expr:
    """The quarter's end at the reported pace: flows extrapolate, the others keep the actual."""
    a = ref(actual)
    if kind == "flow":
        return if_(a.eq(""), "", iferror(a / ref(months) * ref(months_total), ""))
    return if_(a.eq(""), "", a)


def group_forecast_expr(kind: str, actual: str, unit_forecasts: tuple[str, ...], months: str,
                        months_total: str) -> Expr:
    """The group's quarter end: a flow adds up the units' forecasts (each unit extrapolated over
    the months it reported, so units that reported different numbers of months are not mixed);
    the other kinds keep the group's actual, as :func:`forecast_expr` does."""
    if kind == "flow":
        return combine_units_expr("flow", unit_forecasts)
    return forecast_expr(actual, months, months_total, kind)


def group_stage_achievement_expr(actual: str, plans: Sequence[str], actuals: Sequence[str]
                                 ) -> Expr:
    """A group funnel stage's month: its actual against the plan of the units that reported
    that month (:func:`kpi_xl.core.rollup.reported_plan_expr`); "" when none has."""
    a = ref(actual)
    return if_(a.eq(""), "", iferror(measured_expr(a, reported_plan_expr(plans, actuals),
                                                   False), ""))


def status_expr(achievement: str, labels: dict[str, str]) -> Expr:
    """On track / watch / behind from an achievement cell, with the report's thresholds."""
    x = ref(achievement)
    return if_(x.eq(""), labels["none"],
               if_(x.ge(ON_TRACK), labels["ok"], if_(x.ge(WATCH), labels["watch"],
                                                     labels["behind"])))
