"""Several plans (business units) rolled up into a group view: ``kpi-xl report A.xlsx B.xlsx``.

Each plan's workbooks live in ``OUT/<plan file name>/`` (as ``kpi-xl generate A.xlsx B.xlsx``
writes them) and get their own report there. The group gets ``OUT/group/FY2026Q2/``:

- ``history.csv``: every unit's history with a ``unit`` column;
- ``dashboard_<lang>.xlsx``: each department's KGI for the group (units combined by kind:
  flows and levels add up, ratios and averages are the units' average;
  :func:`kpi_xl.core.rollup.combine_units`), every unit's KGI beneath, the group funnel (flow
  stages added up month by month), and every unit's findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kpi_xl.app.report import QuarterReport, month_label
from kpi_xl.core.dashboard import Dashboard, DashFunnel, DashKpi
from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.i18n import quarter_label, t
from kpi_xl.core.plan import plan_departments
from kpi_xl.core.rollup import combine_units

__all__ = ["group_dashboard", "write_group"]


def group_dashboard(units: Sequence[tuple[str, QuarterReport]]) -> Dashboard:
    """The group's dashboard from each unit's report (all of the same quarter and language)."""
    from kpi_xl.app.dashboard import dashboard_data

    first = units[0][1]
    lang = first.lang
    per_unit = [(name, dashboard_data(report)) for name, report in units]
    kgis: list[DashKpi] = []
    unit_rows: list[DashKpi] = []
    departments = dict(DEPARTMENTS)
    for _, report in units:  # the units' own departments too; one key is one department
        for key, dept in plan_departments(report.plan).items():
            departments.setdefault(key, dept)
    for dept in departments.values():
        rows = [(name, row) for name, data in per_unit for row in data.kgis
                if row.department == dept.name[lang]]
        if not rows:
            continue
        sample = rows[0][1]

        def combined(field: str, rows=rows, kind=sample.kind) -> float | None:
            return combine_units(kind, [getattr(row, field) for _, row in rows])

        kgis.append(DashKpi(
            t(lang, "group.all_units", department=dept.name[lang]), dept.kgi[0][lang],
            sample.kpi, sample.unit, sample.kind, sample.direction, combined("target"),
            combined("target_to_date"), combined("actual"),
            min(row.months for _, row in rows), sample.months_total))
        unit_rows += [DashKpi(f"{name} · {row.department}", row.name, row.kpi, row.unit,
                              row.kind, row.direction, row.target, row.target_to_date,
                              row.actual, row.months, row.months_total) for name, row in rows]
    stages: dict[str, list[DashFunnel]] = {}
    for _, data in per_unit:
        for stage in data.funnel:
            stages.setdefault(stage.label, []).append(stage)
    funnel = []
    for label, items in stages.items():
        months = range(len(first.months))
        funnel.append(DashFunnel(
            label, items[0].unit,
            tuple(combine_units("flow", [s.planned[i] for s in items]) for i in months),
            tuple(combine_units("flow", [s.actual[i] for s in items]) for i in months)))
    findings = tuple((f"{name} · {dept}", severity, message)
                     for name, data in per_unit for dept, severity, message in data.findings)
    sources = tuple((f"{name} · {dept}", source)
                    for name, data in per_unit for dept, source in data.sources)
    months = [(m.year, m.month) for m in first.months]
    return Dashboard(
        lang, t(lang, "group.title", quarter=first.quarter.folder_name, units=len(units)),
        f"{', '.join(name for name, _ in units)} · {quarter_label(lang, months)}",
        max(report.read_at for _, report in units),
        tuple(month_label(lang, m) for m in first.months), tuple(kgis), tuple(unit_rows),
        tuple(funnel), findings, sources)


def write_group(units: Sequence[tuple[str, QuarterReport]], folder: Path) -> list[Path]:
    """The group's history CSV and dashboard workbook in ``folder``."""
    from kpi_xl.io.files import atomic_move
    from kpi_xl.writer.dashboard import write_dashboard

    folder.mkdir(parents=True, exist_ok=True)
    lang = units[0][1].lang
    csv_path, book = folder / "history.csv", folder / f"dashboard_{lang}.xlsx"
    staged = [(folder / ".dashboard.tmp.xlsx", book)]
    try:
        write_dashboard(group_dashboard(units), staged[0][0])
        try:  # pandas is an extra; each unit's report already said so when it is missing
            from kpi_xl.app.history import group_history_frame, write_history_csv
        except ImportError:
            pass
        else:
            staged.insert(0, (folder / ".history.tmp.csv", csv_path))
            write_history_csv(group_history_frame(units), staged[0][0])
        for source, target in staged:
            atomic_move(source, target)
    finally:
        for source, _ in staged:
            source.unlink(missing_ok=True)
    return [target for _, target in staged]
