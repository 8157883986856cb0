"""Several plans (business units) rolled up into a group view: ``kpi-xl report A.xlsx B.xlsx``.

Each plan's workbooks live in ``OUT/<plan file name>/`` (as ``kpi-xl generate A.xlsx B.xlsx``
writes them) and get their own report there. The group gets ``OUT/group/FY2026Q2/``:

- ``history.csv``: every unit's history with a ``unit`` column;
- ``dashboard_<lang>.xlsx``: each department's KGI for the group, a live formula over every
  unit's KGI row beneath (units combined by kind, :func:`kpi_xl.core.rollup.combine_units_expr`:
  flows and levels add up; a ratio is Σ numerator ÷ Σ denominator where the units carry the
  parts, else the units' plain average; an average is the units' plain average), the group
  funnel (each stage month by month the SUM of the units' stage rows beneath it), and every
  unit's findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kpi_xl.app.report import QuarterReport, month_label
from kpi_xl.core.dashboard import Dashboard, DashFunnel, DashKpi, DashParts
from kpi_xl.core.departments import DEPARTMENTS, Department
from kpi_xl.core.i18n import quarter_label, t
from kpi_xl.core.plan import plan_departments, plan_values
from kpi_xl.core.rollup import combine_units, share_parts

__all__ = ["group_dashboard", "write_group"]


def group_dashboard(units: Sequence[tuple[str, QuarterReport]]) -> Dashboard:
    """The group's dashboard from each unit's report (all of the same quarter and language).

    Each department's group row combines its units' KGI rows by kind
    (:func:`kpi_xl.core.rollup.combine_units_expr`): flows and levels add up; a ratio whose
    plan figure is a share of a base the plan gives (retention of the customers at the start:
    ``Department.ratio_bases``) is recomputed as Σ(ratio × base) ÷ Σ base, the units' parts
    written beneath; any other ratio, and an average, is the plain average of the units that
    report it. The workbook writes these as formulas over the unit rows; the values here come
    from the same expressions.
    """
    from kpi_xl.app.dashboard import dashboard_data

    first = units[0][1]
    lang = first.lang
    per_unit = [(name, report, dashboard_data(report)) for name, report in units]
    kgis: list[DashKpi] = []
    unit_rows: list[DashKpi] = []
    notes = [t(lang, "group.rule")]
    departments = dict(DEPARTMENTS)
    for _, report in units:  # the units' own departments too; one key is one department
        for key, dept in plan_departments(report.plan).items():
            departments.setdefault(key, dept)
    for key, dept in departments.items():
        rows = [(name, report, row) for name, report, data in per_unit for row in data.kgis
                if row.department == dept.name[lang]]
        if not rows:
            continue
        sample = rows[0][2]
        found = _ratio_parts(key, rows, lang) if sample.kind == "ratio" else None
        parts = found[0] if found else None
        if sample.kind == "ratio":
            notes.append(t(lang, "group.ratio_parts" if found else "group.ratio_average",
                           department=dept.name[lang], kpi=sample.kpi,
                           base=found[1] if found else ""))

        def combined(field: str, at: int, rows=rows, kind=sample.kind, parts=parts
                     ) -> float | None:
            values = [getattr(row, field) for _, _, row in rows]
            pairs = None
            if parts is not None:
                pairs = share_parts(values, [d[at] or 0.0 for d in parts.denominators])
            return combine_units(kind, values, pairs)

        first_unit = len(unit_rows)
        kgis.append(DashKpi(
            t(lang, "group.all_units", department=dept.name[lang]),
            f"{dept.kgi[0][lang]} ({sample.kpi})",
            sample.kpi, sample.unit, sample.kind, sample.direction, combined("target", 0),
            combined("target_to_date", 1), combined("actual", 2),
            min(row.months for _, _, row in rows), sample.months_total,
            units=tuple(range(first_unit, first_unit + len(rows))), parts=parts))
        unit_rows += [DashKpi(f"{name} · {row.department}", row.name, row.kpi, row.unit,
                              row.kind, row.direction, row.target, row.target_to_date,
                              row.actual, row.months, row.months_total)
                      for name, _, row in rows]
    stages: dict[str, list[tuple[str, DashFunnel]]] = {}
    for name, _, data in per_unit:
        for stage in data.funnel:
            stages.setdefault(stage.label, []).append((name, stage))
    funnel = []
    months = range(len(first.months))
    for label, items in stages.items():
        funnel.append(DashFunnel(
            label, items[0][1].unit,
            tuple(combine_units("flow", [s.planned[i] for _, s in items]) for i in months),
            tuple(combine_units("flow", [s.actual[i] for _, s in items]) for i in months),
            units=tuple(DashFunnel(name, s.unit, s.planned, s.actual) for name, s in items)))
    findings = tuple((f"{name} · {dept}", severity, message)
                     for name, _, data in per_unit for dept, severity, message in data.findings)
    sources = tuple((f"{name} · {dept}", source)
                    for name, _, data in per_unit for dept, source in data.sources)
    quarter_months = [(m.year, m.month) for m in first.months]
    return Dashboard(
        lang, t(lang, "group.title", quarter=first.quarter.folder_name, units=len(units)),
        f"{', '.join(name for name, _ in units)} · {quarter_label(lang, quarter_months)}",
        max(report.read_at for _, report in units),
        tuple(month_label(lang, m) for m in first.months), tuple(kgis), tuple(unit_rows),
        tuple(funnel), findings, sources, tuple(notes), t(lang, "group.legend"))


def _ratio_parts(key: str, rows: Sequence[tuple[str, QuarterReport, DashKpi]], lang: str
                 ) -> tuple[DashParts, str] | None:
    """Each unit's denominator of a ratio KGI that is a share of a base its plan gives
    (``Department.ratio_bases``), and the base's label; None unless every unit has that base,
    above 0 (the group then falls back to the units' plain average)."""
    bases: list[float] = []
    label = ""
    for _, report, _ in rows:
        dept = report.dept(key)
        dq = report.departments.get(key)
        line = dq.kpi(dq.kgi_kpi) if dq is not None else None
        base = dept.ratio_bases.get(line.link or "") if line is not None else None
        if base is None:
            return None
        try:
            value = plan_values(report.plan)[base]
        except KeyError:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            return None
        bases.append(float(value))
        label = _figure_label(dept, base, lang)
    sample = rows[0][2]
    return DashParts(
        t(lang, "group.part.numerator", kpi=sample.kpi, base=label),
        t(lang, "group.part.denominator", base=label), "",
        tuple(None for _ in rows),
        tuple(tuple(None if v is None else base for v in (row.target, row.target_to_date,
                                                          row.actual))  # type: ignore[misc]
              for base, (_, _, row) in zip(bases, rows, strict=True))), label


def _figure_label(dept: Department, name: str, lang: str) -> str:
    """The shown label of a department's input or output."""
    for spec in (*dept.inputs, *dept.outputs):
        if spec.name == name:
            return spec.label[lang]
    return name


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
