"""The planner's template: one input sheet with every department's named inputs."""

from __future__ import annotations

from datetime import datetime

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.expr import date_, if_, iferror, lift, ref
from kpi_xl.core.i18n import t
from kpi_xl.core.plan import (
    GENERAL_INPUTS,
    LANGUAGE_NAME,
    SAMPLE_COMPANY,
    SEASONALITY_NAME,
    plan_sheet_name,
)
from kpi_xl.core.spec import OutputSpec, Scalar
from kpi_xl.writer.blocks import assumptions_table, template_outputs, title_block
from kpi_xl.writer.book import BookWriter

__all__ = ["build_template"]

WIDTH = 7


def build_template(lang: str = "ja", *, sample: bool = False) -> BookWriter:
    """A blank template, or with ``sample=True`` the sample plan (the article's numbers).

    The caller renders it (:meth:`BookWriter.render`) and moves the file into place.
    """
    title = t(lang, "template.sample_title" if sample else "template.title")
    book = BookWriter(lang, title=title, created=datetime(2026, 1, 1))
    sheet = book.sheet(plan_sheet_name(lang))
    row = title_block(sheet, lang, title, "", WIDTH)
    # The template's language, so that generate speaks the planner's language by default.
    sheet.text(1, 6, lang, "plain_note", fit=False)
    book.register(LANGUAGE_NAME, sheet, 1, 6)
    book.define_name(LANGUAGE_NAME, LANGUAGE_NAME)

    general_values: dict[str, Scalar] = {"Plan_StartMonth": 4}
    if sample:
        general_values = {"Plan_Company": SAMPLE_COMPANY[lang], "Plan_FiscalYear": 2026,
                          "Plan_StartMonth": 4}
    general = [spec if sample else _blank(spec) for spec in GENERAL_INPUTS]
    row = assumptions_table(sheet, row, lang, general, general_values,
                            title=t(lang, "template.general"), width=WIDTH)
    # The command to run next names the plan's own fiscal year, live (YYYY until it is typed).
    before, _, after = t(lang, "template.how_to_year", year="\x00").partition("\x00")
    year = ref("Plan_FiscalYear")
    sheet.formula(1, 0, lift(before).concat(if_(year.eq(""), "YYYY", year)).concat(after),
                  style="subtitle", fit=False)

    sheet.section(row, t(lang, "template.seasonality"), WIDTH)
    row += 1
    sheet.header(row, 0, [t(lang, "col.month"), t(lang, "col.weight"), "", "", "", "",
                          t(lang, "col.help")])
    row += 1
    weight_keys = []
    for i in range(12):
        label = if_(ref("Plan_FiscalYear").eq(""), "",
                    date_(ref("Plan_FiscalYear"), ref("Plan_StartMonth") + i, 1))
        sheet.formula(row + i, 0, label, "month_label")
        weight_keys.append(sheet.input(row + i, 1, f"season.{i}", 1, "weight",
                                       help_title=t(lang, "col.weight"),
                                       help_text=t(lang, "template.seasonality_help")))
        if i == 0:
            sheet.text(row, 6, t(lang, "template.seasonality_help"), "note")
    book.define_area_name(SEASONALITY_NAME, weight_keys)
    row += 13

    for dept in DEPARTMENTS.values():
        specs = dept.inputs if sample else tuple(_blank(s) for s in dept.inputs)
        row = assumptions_table(sheet, row, lang, specs, {},
                                title=f"{dept.name[lang]}", width=WIDTH)
        row -= 1
        # Blank inputs would make the outputs #DIV/0!; the template shows them empty instead.
        outputs = [OutputSpec(o.name, o.kind, o.label, o.help, iferror(o.expr, ""))
                   for o in dept.outputs]
        row = template_outputs(sheet, row, lang, outputs)
    _custom_tables(sheet, row, lang)
    sheet.freeze(3)
    _kpi_tables(book, lang, sample)
    _okr_table(book, lang, sample)
    return book


def _kpi_tables(book: BookWriter, lang: str, sample: bool) -> None:
    """One Excel Table of KPIs per department, with drop-downs for the choice columns."""
    from kpi_xl.core.kpis import (
        CADENCES,
        DIRECTIONS,
        KINDS_OF_INDICATOR,
        MEASURE_KINDS,
        UNIT_LABELS,
        number_kind,
    )
    from kpi_xl.core.plan_tables import KPI_COLUMNS, headers
    from kpi_xl.writer.kpi_sheet import excel_serial

    sheet = book.sheet(t(lang, "sheet.kpis"))
    # A data-entry sheet, unprotected like the workbooks' own: Excel grows or shrinks a table
    # only on an unprotected sheet, and the title promises rows added and deleted in them.
    sheet.protect = False
    row = title_block(sheet, lang, t(lang, "template.kpi_title"), t(lang, "template.kpi_help"), 12)
    heads = headers(KPI_COLUMNS, lang)
    for dept in DEPARTMENTS.values():
        sheet.section(row, dept.name[lang], len(heads))
        row += 1
        kpis = dept.sample_kpis[lang] if sample else ()
        n_rows = max(len(kpis), 5)
        first, last = row + 1, row + n_rows
        sheet.table(row, 0, last, dept.kpi_table, heads)
        for i in range(n_rows):
            r = first + i
            kpi = kpis[i] if i < len(kpis) else None
            base = f"{dept.key}.kpi.{i}"
            cells = {
                "name": kpi.name if kpi else None,
                "definition": kpi.definition if kpi else None,
                "ksf": kpi.ksf if kpi else None,
                "unit": UNIT_LABELS[kpi.unit][lang] if kpi else None,
                "kind": kpi.kind if kpi else None,
                "direction": DIRECTIONS[kpi.direction][lang] if kpi else None,
                "deadline": excel_serial(kpi.deadline) if kpi and kpi.deadline else None,
                "owner": kpi.owner if kpi else None,
                "cadence": CADENCES[kpi.cadence][lang] if kpi else None,
                "indicator": KINDS_OF_INDICATOR[kpi.indicator][lang] if kpi else None,
                "link": kpi.link if kpi else None,
            }
            for c, column in enumerate(KPI_COLUMNS):
                if column.field == "target":
                    kind = number_kind(kpi.unit) if kpi else "decimal"
                    link = _linked_target(dept, kpi)
                    if link is not None:
                        sheet.formula(r, c, link, kind, key=f"{base}.target", style="input")
                    else:
                        sheet.input(r, c, f"{base}.target", kpi.target if kpi else None, kind,
                                    validate=False)
                    continue
                kind = "date" if column.field == "deadline" else "text"
                sheet.input(r, c, f"{base}.{column.field}", cells[column.field], kind,
                            validate=False)
        col = {c.field: i for i, c in enumerate(KPI_COLUMNS)}
        sheet.list_validation(first, col["unit"], last,
                              [labels[lang] for labels in UNIT_LABELS.values()])
        sheet.list_validation(first, col["kind"], last, list(MEASURE_KINDS))
        sheet.list_validation(first, col["direction"], last,
                              [v[lang] for v in DIRECTIONS.values()])
        sheet.list_validation(first, col["cadence"], last, [v[lang] for v in CADENCES.values()])
        sheet.list_validation(first, col["indicator"], last,
                              [v[lang] for v in KINDS_OF_INDICATOR.values()])
        if dept.links:
            sheet.list_validation(first, col["link"], last, list(dept.links))
        row = last + 2
    _custom_kpi_table(sheet, row, lang)
    sheet.set_width(1, 36)
    sheet.freeze(3)


#: Blank rows the template gives the custom tables (planners may add more inside a table).
CUSTOM_ROWS = {"departments": 3, "stages": 8, "kpis": 5}


def _custom_tables(sheet, row: int, lang: str) -> int:  # type: ignore[no-untyped-def]
    """Your own departments: ``Custom_Departments`` and ``Custom_Stages``, blank (= none)."""
    from kpi_xl.core.departments.custom import CUSTOM_DEPARTMENTS_TABLE, CUSTOM_STAGES_TABLE
    from kpi_xl.core.kpis import CADENCES
    from kpi_xl.core.plan_tables import (
        CUSTOM_DEPARTMENT_COLUMNS,
        CUSTOM_STAGE_COLUMNS,
        headers,
    )

    kinds = {"kgi_target": "count", "order": "count", "rate": "rate"}
    for title, name, columns, n_rows in (
            ("custom.section_departments", CUSTOM_DEPARTMENTS_TABLE, CUSTOM_DEPARTMENT_COLUMNS,
             CUSTOM_ROWS["departments"]),
            ("custom.section_stages", CUSTOM_STAGES_TABLE, CUSTOM_STAGE_COLUMNS,
             CUSTOM_ROWS["stages"])):
        sheet.section(row, t(lang, title), WIDTH)
        row += 1
        if name == CUSTOM_DEPARTMENTS_TABLE:
            sheet.text(row, 0, t(lang, "custom.help"), "plain_note", fit=False)
            row += 1
        first, last = row + 1, row + n_rows
        sheet.table(row, 0, last, name, headers(columns, lang))
        for i in range(n_rows):
            for c, column in enumerate(columns):
                kind = kinds.get(column.field, "text")
                sheet.input(first + i, c, f"{name}.{i}.{column.field}", None, kind,
                            validate=kind != "text",
                            help_title=t(lang, column.label_key))
        if name == CUSTOM_DEPARTMENTS_TABLE:
            cadence = next(i for i, c in enumerate(columns) if c.field == "cadence")
            sheet.list_validation(first, cadence, last, [v[lang] for v in CADENCES.values()])
        row = last + 2
    return row


def _custom_kpi_table(sheet, row: int, lang: str) -> int:  # type: ignore[no-untyped-def]
    """``Custom_KPIs``: the KPI table of every custom department, a department-key column first."""
    from kpi_xl.core.departments.custom import CUSTOM_KPIS_TABLE
    from kpi_xl.core.kpis import (
        CADENCES,
        DIRECTIONS,
        KINDS_OF_INDICATOR,
        MEASURE_KINDS,
        UNIT_LABELS,
    )
    from kpi_xl.core.plan_tables import CUSTOM_KPI_COLUMNS, headers

    sheet.section(row, t(lang, "custom.section_kpis"), len(CUSTOM_KPI_COLUMNS))
    row += 1
    first, last = row + 1, row + CUSTOM_ROWS["kpis"]
    sheet.table(row, 0, last, CUSTOM_KPIS_TABLE, headers(CUSTOM_KPI_COLUMNS, lang))
    for i in range(CUSTOM_ROWS["kpis"]):
        for c, column in enumerate(CUSTOM_KPI_COLUMNS):
            kind = {"target": "decimal", "deadline": "date"}.get(column.field, "text")
            sheet.input(first + i, c, f"custom.kpi.{i}.{column.field}", None, kind,
                        validate=False)
    col = {c.field: i for i, c in enumerate(CUSTOM_KPI_COLUMNS)}
    for field, choices in (("unit", [labels[lang] for labels in UNIT_LABELS.values()]),
                           ("kind", list(MEASURE_KINDS)),
                           ("direction", [v[lang] for v in DIRECTIONS.values()]),
                           ("cadence", [v[lang] for v in CADENCES.values()]),
                           ("indicator", [v[lang] for v in KINDS_OF_INDICATOR.values()])):
        sheet.list_validation(first, col[field], last, choices)
    return last + 2


def _linked_target(dept, kpi):  # type: ignore[no-untyped-def]
    """The live target formula of a linked sample KPI (same definition as the workbooks)."""
    return None if kpi is None else dept.link_expr(kpi)


def _okr_table(book: BookWriter, lang: str, sample: bool) -> None:
    from kpi_xl.core.plan_tables import OKR_COLUMNS, OKR_TABLE, headers

    sheet = book.sheet(t(lang, "sheet.okr"))
    sheet.protect = False  # a data-entry table, as the KPI sheet's
    row = title_block(sheet, lang, t(lang, "template.okr_title"), "", 6)
    heads = headers(OKR_COLUMNS, lang)
    okrs = [o for d in DEPARTMENTS.values() for o in d.sample_okrs[lang]] if sample else []
    n_rows = max(len(okrs), 8)
    first, last = row + 1, row + n_rows
    sheet.table(row, 0, last, OKR_TABLE, heads)
    for i in range(n_rows):
        okr = okrs[i] if i < len(okrs) else None
        values = [DEPARTMENTS[okr.department].name[lang] if okr else None,
                  okr.objective if okr else None, okr.key_result if okr else None,
                  okr.kpi if okr else None, okr.start if okr else None,
                  okr.target if okr else None]
        for c, value in enumerate(values):
            kind = "decimal" if c >= 4 else "text"
            sheet.input(first + i, c, f"okr.{i}.{c}", value, kind, validate=False)
    sheet.list_validation(first, 0, last, [d.name[lang] for d in DEPARTMENTS.values()],
                          others=t(lang, "custom.okr_department"))
    sheet.set_width(1, 30)
    sheet.set_width(2, 36)


def _blank(spec):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(spec, sample=None)
