"""The article's six-item checklist, evaluated live."""

from __future__ import annotations

from kpi_xl.core.expr import (
    Num,
    and_,
    area,
    counta,
    countblank,
    countif,
    if_,
    ref,
    sum_,
)
from kpi_xl.core.kpis import CADENCES
from kpi_xl.writer.blocks import (
    title_block,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext, KpiRow
from kpi_xl.writer.review_sheet import ReviewLog


def write_checklist_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                          rows: list[KpiRow], tree_check: str, reviews: ReviewLog) -> None:
    """The six items, live. The sixth (reviews take place) needs weekly and monthly reviews in
    the log and none overdue beyond its cadence (:mod:`kpi_xl.core.reviews`)."""
    lang = ctx.lang
    row = title_block(sheet, lang, heading, period, 3)
    sheet.section(row, ctx.t("check.section"), 3)
    row += 1
    sheet.header(row, 0, [ctx.t("check.item"), ctx.t("check.status"), ctx.t("check.how")])
    row += 1
    kgi_name = ctx.department.kgi[1]
    if rows:
        ksf_blank = countblank(area([r.ksf for r in rows])).eq(0)
        complete = and_(*(countblank(area([getattr(r, field) for r in rows])).eq(0)
                          for field in ("target", "deadline", "owner")))
        count = counta(area([r.name for r in rows]))
        sized = and_(count.ge(3), count.le(5))
    else:
        ksf_blank = complete = sized = Num(0).eq(1)
    cadence_area = area(reviews.cadence)
    held = and_(countif(cadence_area, CADENCES["weekly"][lang]).gt(0),
                countif(cadence_area, CADENCES["monthly"][lang]).gt(0),
                sum_(reviews.overdue).eq(0))
    items = [
        ref(kgi_name).gt(0),
        ksf_blank,
        complete,
        ref(tree_check).eq(ctx.t("tree.ok")),
        sized,
        held,
    ]
    for i, condition in enumerate(items, start=1):
        sheet.text(row, 0, ctx.t(f"check.{i}"), "label_bold")
        status = sheet.formula(row, 1, if_(condition, ctx.t("check.done"), ctx.t("check.todo")),
                               style="formula_bold")
        # Coloured by the cell's own value: a conditional format may not hold the condition's
        # table references (Sales_Reviews[...]), which Excel refuses in conditional formats.
        sheet.flag_if(row, 1, ref(status).eq(ctx.t("check.done")), "good")
        sheet.flag_if(row, 1, ref(status).eq(ctx.t("check.todo")), "bad")
        sheet.text(row, 2, ctx.t(f"check.{i}.how"), "note")
        row += 1
    sheet.set_width(0, 44)
    sheet.set_width(1, 14)
    sheet.set_width(2, 50)
