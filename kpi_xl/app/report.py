"""``kpi-xl report``: a quarter's department workbooks read back and shared as one view.

Reads the quarter's department workbooks (``OUT/FY2026Q2/FY2026Q2_<dept>_<lang>.xlsx``, as saved
by Excel, LibreOffice or openpyxl) with the actuals typed so far, and every earlier quarter's
folder in ``OUT``, and :mod:`kpi_xl.app.report_files` writes into ``OUT/FY2026Q2/report/``:

- ``report_<lang>.html``: self-contained (inline CSS and SVG, no script, no network), each
  department's KGI with pace forecast, its KPI tree drawn, the company funnel month by month,
  KPI倒れ and optimistic-rate findings, the trend across the quarters found; prints on A4;
- ``history.csv``: one row per month and per quarter, department and KPI, kind-aware
  (:mod:`kpi_xl.app.history`, pandas);
- ``dashboard_<lang>.xlsx``: the company dashboard workbook (:mod:`kpi_xl.writer.dashboard`).

Nothing the planner typed is changed: workbooks are only read. A missing, foreign or
half-filled workbook is skipped with a warning naming it; a quarter with none readable stops
with a message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.departments.base import Department
from kpi_xl.core.errors import KpiXlError, UsageError
from kpi_xl.core.failure import EVIDENCE_MIN_PERIODS, analyze
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.i18n import month_name, t
from kpi_xl.core.plan import Plan, plan_departments
from kpi_xl.core.review_flags import judge_rate
from kpi_xl.core.rollforward import (
    MonthActual,
    QuarterActuals,
    planned_month_targets,
    rate_checks,
)
from kpi_xl.core.rollup import Rolled, aggregate, measure_kind, pace_forecast

__all__ = ["DeptQuarter", "QuarterReport", "build_report", "quarter_books"]

_FOLDER = re.compile(r"^FY(\d{4})Q([1-4])$")


@dataclass
class KpiLine:
    """A KPI of a department in one quarter: its definition and its roll-up."""

    name: str
    ksf: str
    unit: str
    kind: str
    direction: str
    link: str | None
    rolled: Rolled
    months: dict[dt.date, tuple[float | None, float | None]]  # month → (target, actual)


@dataclass
class Finding:
    department: str
    severity: str  # error | warning | info
    code: str
    message: str


@dataclass
class DeptQuarter:
    """One department's quarter as read from its workbook."""

    department: str
    quarter: FiscalQuarter
    source: Path | None
    kpis: list[KpiLine]
    kgi_kpi: str | None
    targets_from_plan: bool = False

    def kpi(self, name: str | None) -> KpiLine | None:
        return next((k for k in self.kpis if k.name == name), None)


@dataclass
class QuarterReport:
    """Everything the HTML, the CSV and the dashboard show."""

    plan: Plan
    quarter: FiscalQuarter
    lang: str
    read_at: dt.datetime
    months: list[dt.date]
    departments: dict[str, DeptQuarter]  # this quarter, registry order
    history: dict[FiscalQuarter, dict[str, DeptQuarter]]  # every quarter found, oldest first
    actuals: dict[FiscalQuarter, dict[str, QuarterActuals]]
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def dept(self, key: str) -> Department:
        """The department ``key`` of the plan (a built-in one or the plan's own)."""
        return plan_departments(self.plan)[key]

    def overdue(self) -> list[tuple[str, dt.date, list[str]]]:
        """(department, month, KPIs) for months that have ended without an actual typed."""
        today = self.read_at.date()
        out = []
        for key, dq in self.departments.items():
            for month in self.months:
                following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
                if following > today:
                    continue
                missing = [k.name for k in dq.kpis
                           if k.months.get(month, (None, None))[1] is None
                           and k.months.get(month, (None, None))[0] is not None]
                if missing:
                    out.append((key, month, missing))
        return out


# Finding the workbooks ---------------------------------------------------------------------------

def quarter_books(out_dir: Path, lang: str, upto: FiscalQuarter,
                  departments: Iterable[str] = DEPARTMENTS
                  ) -> dict[FiscalQuarter, dict[str, Path]]:
    """Every quarter folder in ``out_dir`` up to ``upto``: department → workbook (``lang``
    preferred). ``departments``: the keys to look for (a plan's own departments included)."""
    departments = list(departments)
    from kpi_xl.app.generate import workbook_name

    found: dict[FiscalQuarter, dict[str, Path]] = {}
    if not Path(out_dir).is_dir():
        return found
    for folder in sorted(Path(out_dir).iterdir()):
        match = _FOLDER.match(folder.name)
        if not (match and folder.is_dir()):
            continue
        quarter = FiscalQuarter(int(match.group(1)), int(match.group(2)))
        if upto < quarter:
            continue
        for key in departments:
            for language in (lang, *(x for x in ("ja", "en") if x != lang)):
                path = folder / workbook_name(quarter, key, language)
                if path.is_file():
                    found.setdefault(quarter, {})[key] = path
                    break
    return dict(sorted(found.items(), key=lambda item: (item[0].year, item[0].quarter)))


# Rolling a quarter up ----------------------------------------------------------------------------

def _quarter_months(plan: Plan, quarter: FiscalQuarter) -> list[dt.date]:
    if plan.fiscal_year == quarter.year:
        months = plan.months()
        return [dt.date(*months[i], 1) for i in quarter.month_indexes()]
    # Another fiscal year: the plan's calendar shifted by whole years.
    shift = quarter.year - plan.fiscal_year
    months = plan.months()
    return [dt.date(months[i][0] + shift, months[i][1], 1) for i in quarter.month_indexes()]


def roll_department(plan: Plan, dept: Department, actuals: QuarterActuals,
                    months: list[dt.date], kinds: dict[str, str] | None = None) -> DeptQuarter:
    """One department's quarter: every KPI of the plan (and any other reported) rolled up."""
    planned = (planned_month_targets(plan, dept.key, actuals.quarter)
               if plan.fiscal_year == actuals.quarter.year else {})
    plan_kpis = {k.name: k for k in plan.kpis.get(dept.key, ())}
    names = list(plan_kpis) + [r.kpi for r in actuals.rows if r.kpi not in plan_kpis]
    names = list(dict.fromkeys(names))
    by_kpi: dict[str, dict[dt.date, MonthActual]] = {}
    for row in actuals.rows:
        by_kpi.setdefault(row.kpi, {})[row.month] = row
    links = {**{k.name: k.link for k in plan_kpis.values() if k.link}, **actuals.links}
    parts = _ratio_parts(dept, actuals, plan)
    lines = []
    for name in names:
        spec = plan_kpis.get(name)
        reported = by_kpi.get(name, {})
        first = next(iter(reported.values()), None)
        unit = spec.unit if spec else (first.unit if first else "件")
        direction = spec.direction if spec else (first.direction if first else "higher")
        # A kind the plan's KPI list declares (when it has a kind column), else from the unit.
        kind = measure_kind(unit, (kinds or {}).get(name) or getattr(spec, "kind", None))
        per_month: dict[dt.date, tuple[float | None, float | None]] = {}
        for month in months:
            row = reported.get(month)
            target = row.target if row and row.target is not None else planned.get((month, name))
            per_month[month] = (target, row.actual if row else None)
        done = [m for m in months if per_month[m][1] is not None]
        targets_all = [per_month[m][0] for m in months]
        targets_done = [per_month[m][0] for m in done]
        actual_values = [float(per_month[m][1]) for m in done]  # type: ignore[arg-type]
        part = None
        if kind == "ratio" and name in parts:
            num_kpi, den_kpi = parts[name]
            num, den = by_kpi.get(num_kpi, {}), by_kpi.get(den_kpi, {})
            both = [m for m in done if m in num and m in den]
            if both and len(both) == len(done):
                part = ([num[m].actual for m in both], [den[m].actual for m in both])
        rolled = Rolled(
            name, kind, unit, direction, len(done), len(months),
            _agg(kind, targets_all), _agg(kind, targets_done),
            aggregate(kind, actual_values, part),
            _forecast(kind, actual_values, len(months), part))
        lines.append(KpiLine(name, spec.ksf if spec else "", unit, kind, direction,
                             links.get(name), rolled, per_month))
    kgi = next((k.name for k in lines if k.link == dept.kgi_measure), None)
    return DeptQuarter(dept.key, actuals.quarter, actuals.source, lines, kgi,
                       actuals.targets_from_plan)


def _agg(kind: str, values: list[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return aggregate(kind, [float(v) for v in values])  # type: ignore[arg-type]


def _forecast(kind: str, values: list[float], total: int,
              parts: tuple[list[float], list[float]] | None) -> float | None:
    if kind == "ratio" and parts is not None:
        return aggregate(kind, values, parts)
    return pace_forecast(kind, values, total)


def _ratio_parts(dept: Department, actuals: QuarterActuals, plan: Plan
                 ) -> dict[str, tuple[str, str]]:
    """Ratio KPI → (numerator KPI, denominator KPI), from the funnel the plan's rates join."""
    links = {**{k.name: k.link for k in plan.kpis.get(dept.key, ()) if k.link}, **actuals.links}
    out = {}
    for check in rate_checks(dept, actuals, plan):
        for name, link in links.items():
            if link == check.rate_name:
                out[name] = (check.numerator_kpi, check.denominator_kpi)
    return out


# Findings ----------------------------------------------------------------------------------------

def _findings(plan: Plan, report_actuals: dict[FiscalQuarter, dict[str, QuarterActuals]],
              quarter: FiscalQuarter, current: dict[str, DeptQuarter], lang: str
              ) -> list[Finding]:
    out: list[Finding] = []
    for key, dq in current.items():
        dept = plan_departments(plan)[key]
        rows = [row for q in report_actuals.values() if key in q for row in q[key].rows]
        if dq.kgi_kpi is not None and any(r.kpi == dq.kgi_kpi for r in rows):
            records = [{"period": f"{r.month:%Y-%m}", "id": r.kpi,  # 2027-04, as check says
                        "kind": "KGI" if r.kpi == dq.kgi_kpi else "KPI", "actual": r.actual,
                        "target": r.target, "direction": r.direction} for r in rows]
            waiting: list[str] = []
            periods = 0
            for finding in analyze(records, kgi=dq.kgi_kpi, lang=lang,
                                   min_periods=EVIDENCE_MIN_PERIODS):
                if finding.code == "not_enough_data":  # one line per department, not per KPI
                    waiting.append(str(finding.node))
                    periods = max(periods, int(finding.actual or 0))
                    continue
                out.append(Finding(key, finding.severity, finding.code, finding.message))
            if waiting:
                out.append(Finding(key, "info", "not_enough_data", t(
                    lang, "report.not_enough_data", kpis=t(lang, "report.list_separator").join(
                        waiting), kgi=dq.kgi_kpi, n=periods, min=EVIDENCE_MIN_PERIODS)))
        this = report_actuals.get(quarter, {}).get(key)
        if this is None:
            continue
        for check in rate_checks(dept, this, plan):
            planned = plan.values.get(check.rate_name)
            if not isinstance(planned, (int, float)) or not check.denominator:
                continue
            achieved = check.numerator / check.denominator
            # The review sheet's verdict (kpi_xl.core.review_flags), at its default thresholds.
            if judge_rate(check.numerator, check.denominator, planned) == "too_optimistic":
                out.append(Finding(key, "warning", "optimistic_rate", t(
                    lang, "report.optimistic_rate", rate=check.label[lang],
                    planned=f"{planned:.1%}", achieved=f"{achieved:.1%}",
                    numerator=check.numerator_kpi, denominator=check.denominator_kpi,
                    num=f"{check.numerator:,.0f}", den=f"{check.denominator:,.0f}")))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(out, key=lambda f: order.get(f.severity, 3))


# The whole report --------------------------------------------------------------------------------

def build_report(plan: Plan, quarter: FiscalQuarter, out_dir: Path, lang: str, *,
                 now: dt.datetime | None = None,
                 on_warning: Callable[[str], None] | None = None) -> QuarterReport:
    """Read the quarter's workbooks and earlier quarters' in ``out_dir``; roll them up."""
    from kpi_xl.io.previous import read_actuals

    planned = plan_departments(plan)
    books = quarter_books(Path(out_dir), lang, quarter, planned)
    warnings: list[str] = []

    def warn(text: str) -> None:
        warnings.append(text)
        if on_warning is not None:
            on_warning(text)

    if quarter not in books:
        raise UsageError.text("report.no_books", folder=Path(out_dir) / quarter.folder_name,
                              quarter=str(quarter))
    for key in planned:  # a department the plan leaves blank has no workbook to miss
        if key not in books[quarter]:
            warn(t(lang, "report.missing_book", department=planned[key].name[lang],
                   folder=Path(out_dir) / quarter.folder_name))
    actuals: dict[FiscalQuarter, dict[str, QuarterActuals]] = {}
    history: dict[FiscalQuarter, dict[str, DeptQuarter]] = {}
    for q, paths in books.items():
        for key, path in paths.items():
            if key not in planned:
                continue  # an earlier quarter's workbook of a department this plan skips
            try:
                qa = read_actuals(path, key, q, lang, plan)
            except KpiXlError as err:
                warn(t(lang, "report.unreadable", path=path, reason=err.message(lang)))
                continue
            actuals.setdefault(q, {})[key] = qa
            known = {k.name for k in plan.kpis.get(key, ())}
            foreign = sorted({r.kpi for r in qa.rows} - known)
            if q == quarter and known and foreign:
                warn(t(lang, "report.unknown_kpis", path=path, source=plan.source,
                       kpis=t(lang, "report.list_separator").join(foreign)))
            months = _quarter_months(plan, q)
            history.setdefault(q, {})[key] = roll_department(plan, planned[key], qa, months)
    if quarter not in history:
        raise UsageError.text("report.no_books", folder=Path(out_dir) / quarter.folder_name,
                              quarter=str(quarter))
    current = history[quarter]
    report = QuarterReport(plan, quarter, lang, now or dt.datetime.now().replace(microsecond=0),
                           _quarter_months(plan, quarter), current, history, actuals,
                           warnings=warnings)
    report.findings = _findings(plan, actuals, quarter, current, lang)
    report.findings += _review_findings(actuals.get(quarter, {}), lang, report.read_at.date())
    return report


def _review_findings(this_quarter: dict[str, QuarterActuals], lang: str, today: dt.date
                     ) -> list[Finding]:
    """Reviews still open beyond their cadence, in the words of ``check`` and the checklist."""
    from kpi_xl.core.reviews import overdue_reviews

    out = []
    for key, qa in this_quarter.items():
        messages = [message for _, message in overdue_reviews(qa.reviews, lang, today)]
        if len(messages) > 3:  # a meeting needs the count and the oldest, not a page of lines
            messages = [t(lang, "report.reviews_overdue_many", count=len(messages),
                          first=messages[0])]
        out += [Finding(key, "warning", "review_overdue", message) for message in messages]
    return out


def month_label(lang: str, month: dt.date) -> str:
    return month_name(lang, month.year, month.month)
