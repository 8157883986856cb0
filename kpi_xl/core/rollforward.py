"""Roll forward, the pure half: what earlier quarters' actuals carry into a new workbook.

The records read from last quarter's workbooks (:mod:`kpi_xl.io.previous` reads them), their
summaries per KPI (counts and amounts add up, levels are averaged), the conversion rates achieved
along the funnel beside the planned ones, KPIs met while the KGI was missed, and the monthly
targets a quarter had, evaluated from the plan's expressions for workbooks saved without
formula results; and the quarter's review log, whose open actions the new log carries.
Standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kpi_xl.core.departments.base import Department
from kpi_xl.core.failure import EVIDENCE_MIN_PERIODS, analyze
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.kpis import infer_kind
from kpi_xl.core.plan import Plan, plan_departments
from kpi_xl.core.reviews import ReviewEntry, done_entries, open_entries

__all__ = [
    "Carried",
    "KpiSummary",
    "MonthActual",
    "QuarterActuals",
    "RateCheck",
    "failure_findings",
    "failure_records",
    "planned_month_targets",
    "rate_checks",
    "summarise",
    "with_planned_targets",
]


@dataclass(frozen=True)
class MonthActual:
    """One reported month of one KPI (only rows with an actual are kept)."""

    month: dt.date
    kpi: str
    unit: str  # canonical unit (件, %, 円...)
    direction: str  # higher | lower
    target: float | None
    actual: float
    cell: str  # Sheet!F12, where the actual was typed


@dataclass(frozen=True)
class QuarterActuals:
    """A department's actuals of one earlier quarter, as read from its workbook."""

    department: str
    quarter: FiscalQuarter
    source: Path
    rows: tuple[MonthActual, ...]
    links: dict[str, str]  # KPI name → linked plan figure
    targets_from_plan: bool = False
    reviews: tuple[ReviewEntry, ...] = ()  # the quarter's review log, row by row


@dataclass(frozen=True)
class KpiSummary:
    """A KPI over a period: months reported, target and actual (summed or averaged by unit)."""

    kpi: str
    unit: str
    direction: str
    months: int
    target: float | None
    actual: float


@dataclass(frozen=True)
class RateCheck:
    """An achieved conversion rate (narrow ÷ wide stage actuals) beside the planned rate name."""

    rate_name: str  # the plan's input, e.g. Sales_WinRate
    label: dict[str, str]
    numerator_kpi: str
    denominator_kpi: str
    numerator: float
    denominator: float


@dataclass
class Carried:
    """Everything carried into one department's new workbook."""

    department: str
    last: QuarterActuals
    earlier: list[QuarterActuals]  # this fiscal year's quarters before the new one, oldest first
    last_quarter: list[KpiSummary] = field(default_factory=list)
    year_to_date: dict[str, KpiSummary] = field(default_factory=dict)  # before the new quarter
    rates: list[RateCheck] = field(default_factory=list)
    kgi_kpi: str | None = None
    findings: list[str] = field(default_factory=list)

    @property
    def open_reviews(self) -> list[ReviewEntry]:
        """Last quarter's review entries whose action is still open: carried into the new log."""
        return open_entries(self.last.reviews)

    @property
    def done_reviews(self) -> list[ReviewEntry]:
        """Last quarter's completed review entries: summarised on the review sheet."""
        return done_entries(self.last.reviews)


# What is carried ---------------------------------------------------------------------------------

def summarise(rows: Sequence[MonthActual]) -> list[KpiSummary]:
    """Per KPI (in first-seen order), by its kind: flows add up, a level is its last month's
    value, ratios and averages are averaged (never added up)."""
    order: list[str] = []
    by_kpi: dict[str, list[MonthActual]] = {}
    for row in rows:
        if row.kpi not in by_kpi:
            order.append(row.kpi)
        by_kpi.setdefault(row.kpi, []).append(row)
    out = []
    for name in order:
        items = by_kpi[name]
        first = items[0]
        targets = [i.target for i in items]
        known = None if any(x is None for x in targets) else [float(x) for x in targets]  # type: ignore[arg-type]
        kind = infer_kind(first.unit, name)
        if kind == "flow":
            actual = math.fsum(i.actual for i in items)
            target = math.fsum(known) if known is not None else None
        elif kind == "level":
            last = max(items, key=lambda i: i.month)
            actual = last.actual
            target = None if last.target is None else float(last.target)
        else:
            actual = math.fsum(i.actual for i in items) / len(items)
            target = math.fsum(known) / len(known) if known else None
        out.append(KpiSummary(name, first.unit, first.direction, len(items), target, actual))
    return out


def rate_stages(dept: Department, links: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """The funnel's conversion rates whose two stages are tracked by KPIs.

    ``links`` maps a KPI's name to the plan figure it follows. One entry per adjacent pair of
    funnel stages with a single rate input between them and a KPI on each stage: (the rate's
    input name, the narrow stage's KPI, the wide stage's KPI) — e.g. (Sales_WinRate, deals,
    opportunities). A ratio KPI that follows the rate is recomputed as narrow ÷ wide from these.
    """
    by_link: dict[str, str] = {}
    for name, link in links.items():
        by_link.setdefault(link, name)
    inputs = {spec.name: spec for spec in dept.inputs}
    out = []
    for wide, narrow in zip(dept.funnel, dept.funnel[1:], strict=False):
        try:
            output = dept.output(wide)
        except KeyError:
            continue
        rates = [k for k in sorted(output.expr.keys()) if k in inputs and inputs[k].kind == "rate"]
        if len(rates) == 1 and wide in by_link and narrow in by_link:
            out.append((rates[0], by_link[narrow], by_link[wide]))
    return out


def ratio_parts(dept: Department, links: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Ratio KPI → (numerator KPI, denominator KPI): a KPI that follows a rate whose stages
    are both tracked (the win rate from deals and opportunities)."""
    out = {}
    for rate, narrow, wide in rate_stages(dept, links):
        for name, link in links.items():
            if link == rate:
                out[name] = (narrow, wide)
    return out


def rate_checks(dept: Department, last: QuarterActuals, plan: Plan) -> list[RateCheck]:
    """Achieved conversion rates along the funnel: narrow stage ÷ wide stage, last quarter.

    Only months where both stages were reported count, as in the workbook's Tracking sheet.
    """
    links = dict(last.links)
    for kpi in plan.kpis.get(dept.key, ()):
        if kpi.link:
            links.setdefault(kpi.name, kpi.link)
    inputs = {spec.name: spec for spec in dept.inputs}
    checks = []
    for rate, narrow_kpi, wide_kpi in rate_stages(dept, links):
        wide_rows = {r.month: r.actual for r in last.rows if r.kpi == wide_kpi}
        narrow_rows = {r.month: r.actual for r in last.rows if r.kpi == narrow_kpi}
        both = sorted(set(wide_rows) & set(narrow_rows))
        if not both:
            continue
        checks.append(RateCheck(rate, inputs[rate].label, narrow_kpi, wide_kpi,
                                math.fsum(narrow_rows[m] for m in both),
                                math.fsum(wide_rows[m] for m in both)))
    return checks


def failure_records(last: QuarterActuals, kgi_kpi: str) -> list[dict[str, object]]:
    """Last quarter's rows as :func:`kpi_xl.core.failure.analyze` reads them (periods 2027-04,
    as ``check`` says them)."""
    return [{"period": f"{row.month:%Y-%m}", "id": row.kpi,
             "kind": "KGI" if row.kpi == kgi_kpi else "KPI", "actual": row.actual,
             "target": row.target, "direction": row.direction} for row in last.rows]


def failure_findings(dept: Department, last: QuarterActuals, kgi_kpi: str | None, lang: str
                     ) -> list[str]:
    """KPI倒れ and correlation verdicts on last quarter, at the default evidence floor."""
    if kgi_kpi is None:
        return []
    return [f.message for f in analyze(failure_records(last, kgi_kpi), kgi=kgi_kpi, lang=lang,
                                       min_periods=EVIDENCE_MIN_PERIODS)]




# Targets from the plan ---------------------------------------------------------------------------

def planned_month_targets(plan: Plan, department: str, quarter: FiscalQuarter
                          ) -> dict[tuple[dt.date, str], float]:
    """(month, KPI) → the monthly target a quarter's tracking table shows, from the plan alone.

    The month rows of the workbook's Targets table, evaluated from the same expressions
    (:mod:`kpi_xl.core.targets`): a seasonal share moved earlier by the lead time, an even share
    of an allowance, a yearly churn cap as a monthly cap, the planner's own monthly number.
    """
    from kpi_xl.core.targets import targets_by_period

    months = {dt.date(*plan.months()[i], 1) for i in quarter.month_indexes()}
    return {(first, name): value for (period, first, name), value
            in targets_by_period(plan, plan_departments(plan)[department]).items()
            if period == "month" and first in months}


def with_planned_targets(actuals: QuarterActuals, plan: Plan) -> QuarterActuals:
    """Targets for a workbook saved without formula results, evaluated from the plan."""
    planned = planned_month_targets(plan, actuals.department, actuals.quarter)
    rows = tuple(row if row.target is not None else
                 MonthActual(row.month, row.kpi, row.unit, row.direction,
                             planned.get((row.month, row.kpi)), row.actual, row.cell)
                 for row in actuals.rows)
    return QuarterActuals(actuals.department, actuals.quarter, actuals.source, rows,
                          actuals.links, targets_from_plan=True, reviews=actuals.reviews)
