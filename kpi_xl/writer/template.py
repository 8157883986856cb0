"""The planner's template: one input sheet with every department's named inputs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kpi_xl.departments import DEPARTMENTS
from kpi_xl.expr import date_, if_, iferror, ref
from kpi_xl.i18n import t
from kpi_xl.plan import (
    GENERAL_INPUTS,
    LANGUAGE_NAME,
    SAMPLE_COMPANY,
    SEASONALITY_NAME,
    plan_sheet_name,
)
from kpi_xl.spec import OutputSpec
from kpi_xl.writer.blocks import assumptions_table, template_outputs, title_block
from kpi_xl.writer.book import BookWriter

__all__ = ["write_template"]

WIDTH = 7


def write_template(path: Path, lang: str = "ja", *, sample: bool = False) -> Path:
    """Write a blank template, or with ``sample=True`` the sample plan (the article's numbers)."""
    title = t(lang, "template.sample_title" if sample else "template.title")
    book = BookWriter(lang, title=title, created=datetime(2026, 1, 1))
    sheet = book.sheet(plan_sheet_name(lang))
    row = title_block(sheet, lang, title, t(lang, "template.how_to"), WIDTH)
    # The template's language, so that generate speaks the planner's language by default.
    sheet.text(1, 6, lang, "plain_note", fit=False)
    book.register(LANGUAGE_NAME, sheet, 1, 6)
    book.define_name(LANGUAGE_NAME, LANGUAGE_NAME)

    general_values = {"Plan_StartMonth": 4}
    if sample:
        general_values = {"Plan_Company": SAMPLE_COMPANY[lang], "Plan_FiscalYear": 2026,
                          "Plan_StartMonth": 4}
    general = [spec if sample else _blank(spec) for spec in GENERAL_INPUTS]
    row = assumptions_table(sheet, row, lang, general, general_values,
                            title=t(lang, "template.general"), width=WIDTH)

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
    sheet.freeze(3)
    sheet.set_width(6, 52)
    book.save(path)
    return path


def _blank(spec):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(spec, sample=None)
