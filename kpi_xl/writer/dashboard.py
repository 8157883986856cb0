"""The company dashboard workbook: one sheet that prints on one landscape page.

Figures read from the department workbooks are written as values, with the date they were read;
every comparison (achievement, pace forecast, status, funnel achievement) is a live formula with
its cached value, both from the expressions of :mod:`kpi_xl.core.dashboard`. Traffic lights are
conditional formats on the achievement cells.
"""

from __future__ import annotations

from pathlib import Path

from kpi_xl.core.dashboard import (
    Dashboard,
    DashKpi,
    achievement_expr,
    forecast_expr,
    number_kind,
    status_expr,
)
from kpi_xl.core.i18n import t
from kpi_xl.core.rollup import ON_TRACK, WATCH
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
        sheet.paper = 8 if len(data.kpis) + len(data.funnel) + len(data.findings) > 40 else 9
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
    sheet.text(2, 4, _tx(lang, "legend"), "plain_note", fit=False)
    row = 4
    sheet.section(row, _tx(lang, "kgi_heading"), WIDTH)
    row = _kpi_block(book, sheet, row + 1, data.kgis, lang)
    row += 1
    sheet.section(row, _tx(lang, "kpi_heading"), WIDTH)
    row = _kpi_block(book, sheet, row + 1, data.kpis, lang)
    row += 1
    sheet.section(row, _tx(lang, "funnel_heading"), WIDTH)
    row = _funnel(sheet, row + 1, data, lang)
    row += 1
    sheet.section(row, _tx(lang, "findings_heading"), WIDTH)
    row += 1
    if not data.findings:
        sheet.text(row, 0, _tx(lang, "no_findings"), "note", fit=False)
        row += 1
    wrap = book.fmt("note_wrap")
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
    sheet.set_width(1, min(max((display_width(r.name) for r in rows), default=20) + 2, 44))
    sheet.freeze(4)


def _kpi_block(book: BookWriter, sheet: SheetWriter, row: int, items: tuple[DashKpi, ...],
               lang: str) -> int:
    sheet.header(row, 0, [_tx(lang, key) for key in _KPI_COLUMNS])
    labels = {s: t(lang, f"report.status.{s}") for s in ("ok", "watch", "behind", "none")}
    first = row + 1
    for item in items:
        row += 1
        kind = number_kind(item.unit)
        sheet.text(row, 0, item.department, "label")
        sheet.text(row, 1, item.name, "label_bold" if item.name != item.kpi else "label")
        sheet.text(row, 2, t(lang, f"report.kind.{item.kind}"), "unit")
        keys = {}
        for col, field, value in ((3, "target", item.target),
                                  (4, "target_to_date", item.target_to_date),
                                  (5, "actual", item.actual)):
            keys[field] = _value(book, sheet, row, col, value, kind)
        keys["months"] = sheet.number(row, 6, item.months, "count")
        keys["months_total"] = sheet.number(row, 7, item.months_total, "count")
        sheet.formula(row, 8, achievement_expr(keys["actual"], keys["target_to_date"],
                                                          item.direction), "percent")
        forecast = sheet.formula(row, 9, forecast_expr(keys["actual"], keys["months"],
                                                       keys["months_total"], item.kind), kind)
        at_end = sheet.formula(row, 10, achievement_expr(forecast, keys["target"],
                                                         item.direction), "percent")
        sheet.formula(row, 11, status_expr(at_end, labels), "general")
    if row >= first:
        _lights(sheet, first, row, 8)
        _lights(sheet, first, row, 10)
        _lights(sheet, first, row, 11, source_col=10)
    return row + 1


def _value(book: BookWriter, sheet: SheetWriter, row: int, col: int, value: float | None,
           kind: str) -> str:
    """A figure read from a workbook (a value, not a formula); blank when there is none."""
    if value is None:
        sheet.blank(row, col, "label", kind)
        key = sheet.key_at(row, col)
        book.register(key, sheet, row, col)
        book.env.set(key, None)
        return key
    return sheet.number(row, col, value, kind)


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
    book = sheet.book
    labels = [_tx(lang, "col.stage"), ""]
    for month in data.months:
        labels += [f"{month} {_tx(lang, 'col.planned')}", f"{month} {_tx(lang, 'col.actual_short')}",
                   f"{month} {_tx(lang, 'col.achievement')}"]
    sheet.header(row, 0, labels[: 2 + 3 * len(data.months)])
    sheet.ws.merge_range(row, 0, row, 1, labels[0], book.fmt("header"))
    first = row + 1
    for stage in data.funnel:
        row += 1
        kind = number_kind(stage.unit)
        sheet.ws.merge_range(row, 0, row, 1, stage.label, book.fmt("label"))
        for i, (planned, actual) in enumerate(zip(stage.planned, stage.actual, strict=True)):
            col = 2 + 3 * i
            plan_key = _value(book, sheet, row, col, planned, kind)
            actual_key = _value(book, sheet, row, col + 1, actual, kind)
            sheet.formula(row, col + 2, achievement_expr(actual_key, plan_key, "higher"),
                          "percent")
    for i in range(len(data.months)):
        if row >= first:
            _lights(sheet, first, row, 4 + 3 * i)
    return row + 1
