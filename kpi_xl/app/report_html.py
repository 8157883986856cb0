"""The HTML report: a :class:`~kpi_xl.app.report.QuarterReport` rendered with Jinja2.

The template (``templates/report.html.j2``, shipped in the package) holds the page; this module
turns the report into plain strings and numbers for it: figures formatted by unit, the KPI tree
laid out by :func:`kpi_xl.core.tree_layout.layout`, statuses as CSS classes. The page has inline
CSS and SVG only: no script, no font, no image from the network.
"""

from __future__ import annotations

from typing import Any

from kpi_xl import __version__
from kpi_xl.app.report import DeptQuarter, KpiLine, QuarterReport, month_label
from kpi_xl.core.departments import Department
from kpi_xl.core.i18n import quarter_label, t
from kpi_xl.core.rollup import STATUSES, achievement, status
from kpi_xl.core.tree_layout import TreeNode, layout

__all__ = ["fmt", "render_html", "view"]

_TEXT_KEYS = ("kgi_heading", "target", "actual", "actual_to_date", "target_to_date", "forecast",
              "status", "funnel_heading", "stage", "planned", "findings_heading", "no_findings",
              "warnings_heading", "tree_heading", "kpi", "kind", "achievement", "trend_heading",
              "one_quarter", "monthly_heading", "overdue_heading", "trend_line")
_BAR_COLOURS = {"ok": "#2e7d32", "watch": "#b26a00", "behind": "#c62828", "none": "#757575"}


def fmt(value: float | None, unit: str, lang: str) -> str:
    """A figure for people: 25.0%, 2,000,000円 / ¥2,000,000, 1,234, 41.5 点."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "円":
        return f"{value:,.0f}円" if lang == "ja" else f"¥{value:,.0f}"
    number = f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"
    if unit in ("点", "時間"):
        return f"{number}{unit}" if lang == "ja" else f"{number} {'pts' if unit == '点' else 'h'}"
    return number


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _kpi_view(line: KpiLine, lang: str) -> dict[str, Any]:
    r = line.rolled
    return {"name": line.name, "kind": t(lang, f"report.kind.{line.kind}"),
            "target_to_date": fmt(r.target_to_date, r.unit, lang),
            "actual": fmt(r.actual, r.unit, lang), "achievement": _pct(r.achievement),
            "target": fmt(r.target, r.unit, lang), "forecast": fmt(r.forecast, r.unit, lang),
            "status": r.status, "status_label": t(lang, f"report.status.{r.status}"),
            "months": t(lang, "report.months_reported", done=r.months, total=r.months_total)}


def _clip(text: str, limit: float) -> str:
    """Text cut to fit a box: full-width characters count double."""
    width = 0.0
    for i, ch in enumerate(text):
        width += 2 if ord(ch) > 0x2E7F else 1.1
        if width > limit:
            return text[: max(i - 1, 1)] + "…"
    return text


def _tree(dq: DeptQuarter, lang: str, dept: Department) -> dict[str, Any]:
    """The department's KPI tree: KGI → KSFs → KPIs, laid out, as SVG-ready numbers."""
    kgi_line = dq.kpi(dq.kgi_kpi)
    root = TreeNode(("kgi", dept.kgi[0][lang], kgi_line))
    groups: dict[str, TreeNode] = {}
    for line in dq.kpis:
        if line.name == dq.kgi_kpi:
            continue
        ksf = line.ksf or "—"
        if ksf not in groups:
            groups[ksf] = TreeNode(("ksf", ksf, None))
            root.children.append(groups[ksf])
        groups[ksf].children.append(TreeNode(("kpi", line.name, line)))
    shape = layout(root, box_w=168, box_h=66, gap_x=10, gap_y=30)
    boxes = []
    for box in shape.boxes:
        role, label, line = box.payload  # type: ignore[misc]
        texts = [_clip(label, 27)]
        cls = "ksf" if role == "ksf" else "none"
        if role == "kgi":
            texts[0] = _clip(f"KGI: {label}", 27)
        if line is not None:
            r = line.rolled
            # The quarter's target, as the table below and the workbook's drawn tree show it
            # (the achievement is to date, against the months reported).
            texts.append(f"{t(lang, 'report.target')} {fmt(r.target, r.unit, lang)}"
                         f" / {t(lang, 'report.actual')} {fmt(r.actual, r.unit, lang)}")
            texts.append(f"{t(lang, 'report.achievement')} {_pct(r.achievement)}"
                         f" · {t(lang, f'report.status.{r.status}')}")
            cls = r.status
        elif role == "kgi":
            texts.append(t(lang, "report.no_kgi_kpi"))
        elif role == "ksf":
            texts.append(t(lang, "report.ksf"))
        top = box.y + (box.h - 16 * len(texts)) / 2 + 12
        boxes.append({"x": round(box.x, 1), "y": round(box.y, 1), "w": box.w, "h": box.h,
                      "tx": round(box.cx, 1), "cls": cls,
                      "texts": [{"y": round(top + 16 * i, 1), "text": text}
                                for i, text in enumerate(texts)]})
    lines = [" ".join(f"{x:.1f},{y:.1f}" for x, y in line) for line in shape.lines]
    return {"width": round(shape.width), "height": round(shape.height), "boxes": boxes,
            "lines": lines}


def _kgi(dq: DeptQuarter, lang: str, dept: Department) -> dict[str, Any]:
    line = dq.kpi(dq.kgi_kpi)
    if line is None:
        return {"label": dept.kgi[0][lang], "measured_by": t(lang, "report.no_kgi_kpi"),
                "target": "—", "actual": "—", "forecast": "—", "months": "", "status": "none",
                "status_label": t(lang, "report.status.none")}
    view = _kpi_view(line, lang)
    return {**view, "label": dept.kgi[0][lang],
            "measured_by": t(lang, "report.measured_by", kpi=line.name)}


def _monthly(report: QuarterReport, dq: DeptQuarter, lang: str) -> list[dict[str, Any]]:
    """Each KPI's months as typed: plan and actual."""
    rows = []
    for line in dq.kpis:
        cells = []
        for month in report.months:
            target, actual = line.months.get(month, (None, None))
            cells.append({"planned": fmt(target, line.unit, lang),
                          "actual": fmt(actual, line.unit, lang) if actual is not None else "",
                          "status": status(achievement(actual, target, line.direction))})
        rows.append({"label": line.name, "cells": cells})
    return rows


def funnel_stages(report: QuarterReport) -> list[tuple[str, KpiLine]]:
    """The company funnel's stages that a flow KPI measures, in the chain's order (visits →
    leads → MQL → SQL = opportunities → deals → revenue), each stage once
    (:data:`kpi_xl.core.company.CHAIN`): a figure two departments share is one row."""
    from kpi_xl.core.company import CHAIN

    lang = report.lang
    found = []
    for stage in CHAIN:
        for key, name in stage:
            dq = report.departments.get(key)
            line = next((k for k in dq.kpis if k.link == name and k.kind == "flow"),
                        None) if dq is not None else None
            if line is not None:
                owners = " / ".join(report.dept(k).name[lang] for k, _ in stage
                                    if k in report.departments)
                found.append((f"{owners} · {line.name}", line))
                break
    # A planner's own departments: each one's funnel after the company's chain, widest first.
    for key, dq in report.departments.items():
        dept = report.dept(key)
        if dept.custom is None:
            continue
        for name in dept.funnel:
            line = next((k for k in dq.kpis if k.link == name and k.kind == "flow"), None)
            if line is not None:
                found.append((f"{dept.name[lang]} · {line.name}", line))
    return found


def _funnel(report: QuarterReport, lang: str) -> list[dict[str, Any]]:
    rows = []
    for label, line in funnel_stages(report):
        cells = []
        for month in report.months:
            target, actual = line.months.get(month, (None, None))
            cells.append({"planned": fmt(target, line.unit, lang),
                          "actual": fmt(actual, line.unit, lang) if actual is not None else "",
                          "status": status(achievement(actual, target, line.direction))})
        rows.append({"label": label, "cells": cells})
    return rows


def _trend(report: QuarterReport, key: str, lang: str) -> dict[str, Any]:
    quarters = [q for q in report.history if key in report.history[q]]
    names: list[str] = []
    for q in quarters:
        names += [k.name for k in report.history[q][key].kpis if k.name not in names]
    rows = []
    for name in names:
        cells = []
        lines = [report.history[q][key].kpi(name) for q in quarters]
        for line in lines:
            value = line.rolled.achievement if line else None
            if value is None:
                cells.append({"text": ""})
                continue
            cells.append({"text": _pct(value), "width": round(min(value, 1.5) / 1.5 * 60, 1),
                          "color": _BAR_COLOURS[status(value)]})
        rows.append({"name": name, "cells": cells, "line": _sparkline(lines)})
    return {"quarters": [q.folder_name for q in quarters], "rows": rows}


#: The trend line's box (SVG units): achievement 0–150% from bottom to top, 100% dashed.
_SPARK_W, _SPARK_H, _SPARK_TOP = 90, 24, 1.5


def _sparkline(lines: list[Any]) -> dict[str, Any] | None:
    """Achievement quarter by quarter as an SVG polyline (None with fewer than two points)."""
    values = [line.rolled.achievement if line else None for line in lines]
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return None
    step = _SPARK_W / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return round(_SPARK_H - min(max(value, 0), _SPARK_TOP) / _SPARK_TOP * _SPARK_H, 1)
    return {"width": _SPARK_W, "height": _SPARK_H, "target": y(1.0),
            "points": " ".join(f"{round(i * step, 1)},{y(v)}" for i, v in points),
            "last": {"x": round(points[-1][0] * step, 1), "y": y(points[-1][1]),
                     "color": _BAR_COLOURS[status(points[-1][1])]}}


def view(report: QuarterReport) -> dict[str, Any]:
    """Everything the template shows, as strings and numbers."""
    lang = report.lang
    departments = []
    for key, dq in report.departments.items():
        dept = report.dept(key)
        departments.append({"key": key, "name": dept.name[lang],
                            "kgi": _kgi(dq, lang, dept), "tree": _tree(dq, lang, dept),
                            "kpis": [_kpi_view(k, lang) for k in dq.kpis],
                            "monthly": _monthly(report, dq, lang),
                            "trend": _trend(report, key, lang)})
    findings = [{"department": report.dept(f.department).name[lang], "severity": f.severity,
                 "severity_label": t(lang, f"report.severity.{f.severity}"),
                 "message": f.message} for f in report.findings]
    sep = t(lang, "report.list_separator")
    overdue = [t(lang, "report.overdue_line", department=report.dept(key).name[lang],
                 month=month_label(lang, month), kpis=sep.join(kpis))
               for key, month, kpis in report.overdue()]
    months = [(m.year, m.month) for m in report.months]
    read_at = report.read_at.strftime("%Y-%m-%d %H:%M")
    return {
        "lang": lang, "version": __version__,
        "title": t(lang, "report.title", quarter=report.quarter.folder_name),
        "company": report.plan.company, "period": quarter_label(lang, months),
        "read_note": t(lang, "report.read_note", when=read_at,
                       count=len(report.departments)),
        "t": {key: t(lang, f"report.{key}") for key in _TEXT_KEYS},
        "statuses": [{"key": s, "label": t(lang, f"report.status.{s}")} for s in STATUSES],
        "departments": departments, "months": [month_label(lang, m) for m in report.months],
        "funnel": _funnel(report, lang), "findings": findings, "overdue": overdue, "warnings": report.warnings,
        "footer": t(lang, "report.footer", version=__version__, when=read_at),
    }


def render_html(report: QuarterReport) -> str:
    """The report as one self-contained HTML page."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("kpi_xl.app", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2").render(**view(report))
