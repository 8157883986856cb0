"""The company dashboard workbook: a QuarterReport turned into :class:`kpi_xl.core.dashboard.Dashboard`
and written by :mod:`kpi_xl.writer.dashboard`."""

from __future__ import annotations

from pathlib import Path

from kpi_xl.app.report import DeptQuarter, KpiLine, QuarterReport, month_label
from kpi_xl.core.dashboard import Dashboard, DashFunnel, DashKpi
from kpi_xl.core.departments import Department
from kpi_xl.core.i18n import quarter_label, t

__all__ = ["dashboard_data", "write_dashboard_file"]


def write_dashboard_file(report: QuarterReport, path: Path) -> Path:
    """Write the dashboard workbook of ``report`` to ``path``."""
    from kpi_xl.writer.dashboard import write_dashboard

    return write_dashboard(dashboard_data(report), path)


def _row(dq: DeptQuarter, line: KpiLine, name: str, lang: str, dept: Department) -> DashKpi:
    r = line.rolled
    return DashKpi(dept.name[lang], name, line.name, line.unit, line.kind,
                   line.direction, r.target, r.target_to_date, r.actual, r.months,
                   r.months_total)


def dashboard_data(report: QuarterReport) -> Dashboard:
    """The dashboard's content: the same roll-up the HTML report shows."""
    from kpi_xl.app.report_html import funnel_stages

    lang = report.lang
    kgis, kpis = [], []
    for dq in report.departments.values():
        dept = report.dept(dq.department)
        kgi = dq.kpi(dq.kgi_kpi)
        if kgi is not None:
            kgis.append(_row(dq, kgi, f"{dept.kgi[0][lang]} ({kgi.name})", lang, dept))
        kpis += [_row(dq, line, line.name, lang, dept) for line in dq.kpis
                 if line.name != dq.kgi_kpi]
    funnel = []
    for label, line in funnel_stages(report):
        funnel.append(DashFunnel(label, line.unit,
                                 tuple(line.months.get(m, (None, None))[0] for m in report.months),
                                 tuple(line.months.get(m, (None, None))[1] for m in report.months)))
    months = [(m.year, m.month) for m in report.months]
    return Dashboard(
        lang, t(lang, "report.title", quarter=report.quarter.folder_name),
        f"{report.plan.company} · {quarter_label(lang, months)}", report.read_at,
        tuple(month_label(lang, m) for m in report.months), tuple(kgis), tuple(kpis),
        tuple(funnel),
        tuple((report.dept(f.department).name[lang], t(lang, f"report.severity.{f.severity}"),
               f.message) for f in report.findings)
        + tuple((report.dept(key).name[lang], t(lang, "report.severity.overdue"),
                 t(lang, "report.overdue_line", department=report.dept(key).name[lang],
                   month=month_label(lang, month),
                   kpis=t(lang, "report.list_separator").join(kpis)))
                for key, month, kpis in report.overdue()),
        tuple((report.dept(k).name[lang], str(dq.source or "")) for k, dq in
              report.departments.items()))
