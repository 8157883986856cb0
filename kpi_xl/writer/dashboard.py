"""The company dashboard workbook: one sheet that prints on one landscape page.

Figures read from the department workbooks are written as values, with the date they were read;
every comparison (achievement, pace forecast, status, funnel achievement) is a live formula with
its cached value, both from the expressions of :mod:`kpi_xl.core.dashboard`. Traffic lights are
conditional formats on the achievement cells.

A group dashboard (several business units) also writes its group rows as formulas: each
department's group KGI row combines the unit rows of the block beneath by kind
(:func:`kpi_xl.core.rollup.combine_units_expr`), a ratio from the units' numerators and
denominators listed after them; each group funnel stage is the SUM of its unit rows, written
right under it.
"""

from __future__ import annotations

from pathlib import Path

from kpi_xl.core.dashboard import (
    Dashboard,
    DashFunnel,
    DashKpi,
    achievement_expr,
    forecast_expr,
    group_forecast_expr,
    group_stage_achievement_expr,
    number_kind,
    status_expr,
)
from kpi_xl.core.expr import Expr, area, min_
from kpi_xl.core.i18n import t
from kpi_xl.core.rollup import ON_TRACK, WATCH, combine_units_expr, numerator_expr
from kpi_xl.writer.book import BookWriter, SheetWriter, column_letter, display_width

__all__ = ["traffic_lights", "write_dashboard"]

_KPI_COLUMNS = ("col.department", "col.kpi", "col.kind", "col.target", "col.target_to_date",
                "col.actual", "col.months", "col.months_total", "col.achievement",
                "col.forecast", "col.forecast_achievement", "col.status")
WIDTH = len(_KPI_COLUMNS)


def _tx(lang: str, key: str, **values: object) -> str:
    return t(lang, f"dashboard.{key}", **values)


def write_dashboard(data: Dashboard, path: Path) -> Path:
    """Write the dashboard workbook to ``path``."""
    import shutil

    lang = data.lang
    book = BookWriter(lang, title=data.title, company=data.subtitle, created=data.read_at)
    try:
        sheet = book.sheet(_tx(lang, "sheet"))
        rows = (len(data.kpis) + sum(1 + len(s.units) for s in data.funnel) + len(data.findings)
                + sum(2 * len(k.units) for k in data.kgis if k.parts is not None))
        sheet.paper = 8 if rows > 40 else 9
        sheet.pages_tall = 1
        _write(book, sheet, data)
        shutil.copyfile(book.render(), path)
    finally:
        book.discard()
    return Path(path)


def _write(book: BookWriter, sheet: SheetWriter, data: Dashboard) -> None:
    lang = data.lang
    sheet.text(0, 0, data.title, "title", fit=False)
    sheet.text(1, 0, data.subtitle, "subtitle", fit=False)
    sheet.text(2, 0, _tx(lang, "read_at"), "plain_note", fit=False)
    sheet.date(2, 3, data.read_at.date(), style="label")
    sheet.text(2, 4, data.legend or _tx(lang, "legend"), "plain_note", fit=False)
    row = 4
    sheet.section(row, _tx(lang, "kgi_heading"), WIDTH)
    row = _kpi_block(book, sheet, row + 1, data.kgis, lang, "kgi", data.kgis)
    wrap = book.fmt("note_wrap")
    for note in data.notes:
        sheet.ws.merge_range(row, 0, row, WIDTH - 1, note, wrap)
        sheet.fit_row(row, [(note, 150)])
        row += 1
    row += 1
    sheet.section(row, _tx(lang, "kpi_heading"), WIDTH)
    row = _kpi_block(book, sheet, row + 1, data.kpis, lang, "kpi", data.kgis)
    row += 1
    if any(k.parts is not None for k in data.kgis):
        sheet.section(row, t(lang, "group.parts_heading"), WIDTH)
        row = _parts_block(sheet, row + 1, data, lang) + 1
    sheet.section(row, _tx(lang, "funnel_heading"), WIDTH)
    row = _funnel(sheet, row + 1, data, lang)
    row += 1
    sheet.section(row, _tx(lang, "findings_heading"), WIDTH)
    row += 1
    if not data.findings:
        sheet.text(row, 0, _tx(lang, "no_findings"), "note", fit=False)
        row += 1
    for department, severity, message in data.findings:
        sheet.text(row, 0, department, "label_bold")
        sheet.text(row, 1, severity, "label")
        sheet.ws.merge_range(row, 2, row, WIDTH - 1, message, wrap)
        sheet.fit_row(row, [(message, 150)])
        row += 1
    row += 1
    sheet.section(row, _tx(lang, "sources_heading"), WIDTH)
    row += 1
    for department, source in data.sources:
        sheet.text(row, 0, department, "label")
        sheet.ws.merge_range(row, 1, row, WIDTH - 1, source, book.fmt("note"))
        row += 1
    # Names decide the first two columns; findings and sources are merged across the rest.
    rows = (*data.kgis, *data.kpis)
    sheet.set_width(0, min(max((display_width(r.department) for r in rows), default=12) + 2, 36))
    names = [r.name for r in rows] + [label for k in data.kgis if k.parts is not None
                                      for label in (k.parts.numerator, k.parts.denominator)]
    sheet.set_width(1, min(max((display_width(n) for n in names), default=20) + 2, 44))
    sheet.freeze(4)


def _kpi_block(book: BookWriter, sheet: SheetWriter, row: int, items: tuple[DashKpi, ...],
               lang: str, block: str, groups: tuple[DashKpi, ...]) -> int:
    """One row per KGI or KPI; a group row (``units``) combines the unit rows of the "kpi"
    block by formula. Cells are keyed ``<block>.<index>.<field>`` so that formulas find them."""
    sheet.header(row, 0, [_tx(lang, key) for key in _KPI_COLUMNS])
    labels = {s: t(lang, f"report.status.{s}") for s in ("ok", "watch", "behind", "none")}
    first = row + 1
    for index, item in enumerate(items):
        row += 1
        kind = number_kind(item.unit)
        key = f"{block}.{index}"
        sheet.text(row, 0, item.department, "label_bold" if item.units else "label")
        sheet.text(row, 1, item.name, "label_bold" if item.name != item.kpi else "label")
        sheet.text(row, 2, t(lang, f"report.kind.{item.kind}"), "unit")
        keys = {}
        for col, field, value in ((3, "target", item.target),
                                  (4, "target_to_date", item.target_to_date),
                                  (5, "actual", item.actual)):
            if item.units:
                keys[field] = sheet.formula(row, col, _combined(index, item, field),
                                            kind, key=f"{key}.{field}")
            else:
                keys[field] = _value(book, sheet, row, col, value, kind, key=f"{key}.{field}")
        if item.units:
            keys["months"] = sheet.formula(
                row, 6, min_(area([f"kpi.{i}.months" for i in item.units])), "count",
                key=f"{key}.months")
        else:
            keys["months"] = sheet.number(row, 6, item.months, "count", key=f"{key}.months")
        keys["months_total"] = sheet.number(row, 7, item.months_total, "count")
        sheet.formula(row, 8, achievement_expr(keys["actual"], keys["target_to_date"],
                                                          item.direction), "percent")
        if item.units:
            forecast_of = group_forecast_expr(
                item.kind, keys["actual"], tuple(f"kpi.{i}.forecast" for i in item.units),
                keys["months"], keys["months_total"])
        else:
            forecast_of = forecast_expr(keys["actual"], keys["months"], keys["months_total"],
                                        item.kind)
        forecast = sheet.formula(row, 9, forecast_of, kind, key=f"{key}.forecast")
        at_end = sheet.formula(row, 10, achievement_expr(forecast, keys["target"],
                                                         item.direction), "percent")
        sheet.formula(row, 11, status_expr(at_end, labels), "general")
    if row >= first:
        _lights(sheet, first, row, 8)
        _lights(sheet, first, row, 10)
        _lights(sheet, first, row, 11, source_col=10)
    return row + 1


_FIELDS = ("target", "target_to_date", "actual")


def _combined(index: int, item: DashKpi, field: str) -> Expr:
    """The group row's figure: its units' cells combined by kind (one rule, core.rollup)."""
    values = [f"kpi.{i}.{field}" for i in item.units]
    parts = None
    if item.parts is not None:
        parts = ([f"part.{index}.num.{u}.{field}" for u in range(len(item.units))],
                 [f"part.{index}.den.{u}.{field}" for u in range(len(item.units))])
    return combine_units_expr(item.kind, values, parts)


def _parts_block(sheet: SheetWriter, row: int, data: Dashboard, lang: str) -> int:
    """Each unit's numerator and denominator of the group's recomputed ratios: the numerators
    together, then the denominators, so that each is one contiguous range to SUM."""
    book = sheet.book
    sheet.header(row, 0, [_tx(lang, key) for key in _KPI_COLUMNS[:6]])
    for index, group in enumerate(data.kgis):
        parts = group.parts
        if parts is None:
            continue
        kind = number_kind(parts.unit)
        units = [data.kpis[i] for i in group.units]
        for role, label, figures in (("num", parts.numerator, parts.numerators),
                                     ("den", parts.denominator, parts.denominators)):
            for u, (unit, values) in enumerate(zip(units, figures, strict=True)):
                row += 1
                sheet.text(row, 0, unit.department, "label")
                sheet.text(row, 1, label, "label")
                sheet.text(row, 2, "", "unit")
                for col, field in enumerate(_FIELDS, start=3):
                    key = f"part.{index}.{role}.{u}.{field}"
                    if values is None:  # the unit's ratio × its denominator
                        sheet.formula(row, col, numerator_expr(
                            f"kpi.{group.units[u]}.{field}", f"part.{index}.den.{u}.{field}"),
                            kind, key=key)
                    else:
                        _value(book, sheet, row, col, values[col - 3], kind, key=key)
    return row + 1


def _value(book: BookWriter, sheet: SheetWriter, row: int, col: int, value: float | None,
           kind: str, style: str = "label", key: str | None = None) -> str:
    """A figure read from a workbook (a value, not a formula); blank when there is none."""
    if value is None:
        sheet.blank(row, col, style, kind)
        key = key or sheet.key_at(row, col)
        book.register(key, sheet, row, col)
        book.env.set(key, None)
        return key
    return sheet.number(row, col, value, kind, style=style, key=key)


def traffic_lights(sheet: SheetWriter, first_row: int, first_col: int, last_row: int,
                   last_col: int, achievement: str) -> None:
    """Green / amber / red over a range by an achievement cell (A1 text as seen from the
    range's top-left cell: ``$I7`` follows the row, ``$J$9`` is one cell for the whole range)."""
    cell = achievement
    for style, test in (("good", f"{cell}>={ON_TRACK}"),
                        ("warn", f"AND({cell}>={WATCH},{cell}<{ON_TRACK})"),
                        ("bad", f"{cell}<{WATCH}")):
        sheet.conditional(first_row, first_col, last_row, last_col, {
            "type": "formula", "criteria": f"=AND(ISNUMBER({cell}),{test})",
            "format": sheet.book.fmt(style)})


def _lights(sheet: SheetWriter, first: int, last: int, col: int, source_col: int | None = None
            ) -> None:
    """Traffic lights down one column, each row by its own achievement (``source_col``)."""
    source = column_letter(source_col if source_col is not None else col)
    traffic_lights(sheet, first, col, last, col, f"${source}{first + 1}")


def _funnel(sheet: SheetWriter, row: int, data: Dashboard, lang: str) -> int:
    """Stages month by month; a group stage is the SUM of its unit rows, written under it."""
    book = sheet.book
    labels = [_tx(lang, "col.stage"), ""]
    for month in data.months:
        labels += [f"{month} {_tx(lang, 'col.planned')}", f"{month} {_tx(lang, 'col.actual_short')}",
                   f"{month} {_tx(lang, 'col.achievement')}"]
    sheet.header(row, 0, labels[: 2 + 3 * len(data.months)])
    sheet.ws.merge_range(row, 0, row, 1, labels[0], book.fmt("header"))
    first = row + 1
    for number, stage in enumerate(data.funnel):
        row += 1
        group_row = row
        for u, unit in enumerate(stage.units):  # beneath the group row
            _stage(sheet, group_row + 1 + u, unit, f"funnel.{number}.{u}", "note",
                   f"\u3000{unit.label}")
        _stage(sheet, group_row, stage, f"funnel.{number}",
               "label_bold" if stage.units else "label", stage.label,
               [f"funnel.{number}.{u}" for u in range(len(stage.units))])
        row += len(stage.units)
    for i in range(len(data.months)):
        if row >= first:
            _lights(sheet, first, row, 4 + 3 * i)
    return row + 1


def _stage(sheet: SheetWriter, row: int, stage: DashFunnel, key: str, style: str, label: str,
           units: list[str] | None = None) -> None:
    """One funnel row: planned, actual and achievement for each month (values, or for a group
    stage the SUM of its ``units`` rows)."""
    book = sheet.book
    kind = number_kind(stage.unit)
    sheet.ws.merge_range(row, 0, row, 1, label, book.fmt(style))
    for i, (planned, actual) in enumerate(zip(stage.planned, stage.actual, strict=True)):
        col = 2 + 3 * i
        cells = []
        for offset, field, value in ((0, "planned", planned), (1, "actual", actual)):
            cell = f"{key}.{i}.{field}"
            if units:
                sheet.formula(row, col + offset, combine_units_expr(
                    "flow", [f"{u}.{i}.{field}" for u in units]), kind, key=cell,
                    style="label_bold")
            else:
                _value(book, sheet, row, col + offset, value, kind, key=cell)
            cells.append(cell)
        if units:  # against the plan of the units that reported the month
            reached = group_stage_achievement_expr(
                cells[1], [f"{u}.{i}.planned" for u in units], [f"{u}.{i}.actual" for u in units])
        else:
            reached = achievement_expr(cells[1], cells[0], "higher")
        sheet.formula(row, col + 2, reached, "percent")
