"""The department workbook: plan, monthly targets, KPIs, KPI tree, tracking, OKRs, reviews, checklist.

One builder serves every department; the department module supplies the data. Every figure is a
live formula written with its cached value (see :mod:`kpi_xl.core.expr`).
"""

from __future__ import annotations

from kpi_xl.core.i18n import quarter_label
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.checklist_sheet import write_checklist_sheet
from kpi_xl.writer.context import BuildContext, Summary
from kpi_xl.writer.kpi_sheet import write_kpi_sheet
from kpi_xl.writer.okr_sheet import write_okr_sheet
from kpi_xl.writer.plan_sheet import write_plan_sheet
from kpi_xl.writer.review_sheet import write_review_sheet
from kpi_xl.writer.targets_sheet import write_targets_sheet
from kpi_xl.writer.tracking_sheet import write_tracking_sheet
from kpi_xl.writer.tree_drawing import draw_tree
from kpi_xl.writer.tree_sheet import write_tree_sheet

__all__ = ["build_department"]


def build_department(ctx: BuildContext) -> None:
    """Write every sheet of a department workbook."""
    dept, lang = ctx.department, ctx.lang
    heading = (f"{ctx.plan.company}  {ctx.t('dept_title', dept=dept.name[lang])}  "
               f"{ctx.t('fy', year=ctx.plan.fiscal_year)} "
               f"{ctx.t('quarter_name', q=ctx.quarter.quarter)}")
    quarter_months = list(ctx.quarter.month_indexes())
    period = quarter_label(lang, [ctx.plan.months()[i] for i in quarter_months])

    plan_sheet = ctx.book.sheet(ctx.t("sheet.plan"))
    previous_sheet = None
    if ctx.previous is not None:
        from kpi_xl.writer.previous_sheet import sheet_name

        # A new quarter opens with how the last one went: right after the plan.
        previous_sheet = ctx.book.sheet(sheet_name(ctx.lang))
    monthly_sheet = ctx.book.sheet(ctx.t("sheet.monthly"))
    targets_sheet = ctx.book.sheet(ctx.t("sheet.targets"))
    kpi_sheet = ctx.book.sheet(ctx.t("sheet.kpis"))
    tree_sheet = ctx.book.sheet(ctx.t("sheet.tree"))
    tracking_sheet = ctx.book.sheet(ctx.t("sheet.tracking"))
    okr_sheet = ctx.book.sheet(ctx.t("sheet.okr"))
    review_sheet = ctx.book.sheet(ctx.t("sheet.review"))
    checklist_sheet = ctx.book.sheet(ctx.t("sheet.checklist"))
    # Tracking's tables have a row for every KPI and period, so it is protected like the rest:
    # typing lands in the actual and note columns. The OKR sheet and the review log grow by
    # rows, which Excel cannot add to a table on a protected sheet: they stay unprotected (what
    # is typed there is still kept on regenerating, see kpi_xl.io.overwrite).
    for sheet in (okr_sheet, review_sheet):
        sheet.protect = False
    kpi_sheet.paper = 8  # fifteen columns: A3 landscape keeps them readable (A3横)

    # The Targets table first: every other sheet's targets read it.
    targets = write_targets_sheet(ctx, targets_sheet, heading, period)
    write_plan_sheet(ctx, plan_sheet, monthly_sheet, heading, period, quarter_months, targets)
    rows = write_kpi_sheet(ctx, kpi_sheet, heading, period, targets)
    tree_check = write_tree_sheet(ctx, tree_sheet, heading, period, rows)
    summary = write_tracking_sheet(ctx, tracking_sheet, heading, period, rows, targets)
    draw_tree(ctx, tree_sheet, rows, summary, top=5)  # beside the tree table, live from tracking
    write_okr_sheet(ctx, okr_sheet, heading, period, rows, summary, targets)
    review_cadence = write_review_sheet(ctx, review_sheet, heading, period, rows)
    write_checklist_sheet(ctx, checklist_sheet, heading, period, rows, tree_check, review_cadence)
    if ctx.with_udfs:  # opt-in cells that call the add-in's functions (kpi-xl addin)
        from kpi_xl.writer.udf_cells import add_udf_cells

        add_udf_cells(ctx, rows)
    if previous_sheet is not None:
        _previous_quarter_sheet(ctx, heading, period, summary, previous_sheet)


def _previous_quarter_sheet(ctx: BuildContext, heading: str, period: str,
                            summary: Summary, sheet: SheetWriter) -> None:
    """Last quarter's actuals carried forward (kpi_xl.app.rollforward), on a sheet of their own."""
    from kpi_xl.writer.previous_sheet import previous_quarter_sheet

    names = [ctx.book.value(key) for key in summary.names]
    to_date = {str(name): (to_date, reported) for name, to_date, reported
               in zip(names, summary.to_date, summary.reported, strict=True)}
    previous_quarter_sheet(ctx, heading, period, to_date, sheet)
