"""The Plan sheet (assumptions, reverse funnel, targets by quarter, funnel chart) and the Monthly targets sheet."""

from __future__ import annotations

from kpi_xl.writer.blocks import (
    WIDTH,
    assumptions_table,
    figures_table,
    monthly_table,
    quarter_table,
    title_block,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext
from kpi_xl.writer.targets_sheet import TargetsTable
from kpi_xl.writer.whatif_blocks import forward_rows, scenario_block


def write_plan_sheet(ctx: BuildContext, sheet: SheetWriter, monthly: SheetWriter, heading: str,
                     period: str, quarter_months: list[int], targets: TargetsTable) -> int:
    """Assumptions, funnel, what-if grid, each KPI's quarterly targets (from the Targets table),
    monthly split.

    Returns the first of the rows kept free for the forward view
    (:func:`kpi_xl.writer.whatif_blocks.forward_block`), which reads the Tracking sheet and is
    written after it.
    """
    dept, lang, plan = ctx.department, ctx.lang, ctx.plan
    row = title_block(sheet, lang, heading, period, WIDTH)
    sections: list[str] = []
    for spec in dept.inputs:
        if spec.section not in sections:
            sections.append(spec.section)
    for section in sections:
        specs = [spec for spec in dept.inputs if spec.section == section]
        title = ctx.t("assumptions" if section == "main" else f"section.{section}")
        row = assumptions_table(sheet, row, lang, specs, dict(plan.values), title=title,
                                width=WIDTH)
    figures_row = row
    row = figures_table(sheet, row, lang, ctx.t("funnel" if dept.funnel else "figures"),
                        dept.figures, width=WIDTH)
    row = scenario_block(ctx, sheet, row)
    forward_row = row
    row += forward_rows(dept)
    columns = len(dept.series) + 3 + sum(1 for s in dept.series if s.lag_name)
    mrow = title_block(monthly, lang, heading, period, columns)
    monthly.section(mrow, ctx.t("monthly"), columns)
    monthly.freeze(mrow + 2)
    mrow = monthly_table(monthly, mrow + 1, lang, plan, dept.series, quarter_months)
    monthly.text(mrow - 1, 0, ctx.t("monthly_help"), "plain_note", fit=False)
    kpis = plan.kpis.get(dept.key, ())
    lagged = {s.annual_name for s in dept.series if s.lag_name}
    row = quarter_table(sheet, row, lang, plan, ctx.t("quarters"), kpis, targets.lookup,
                        ctx.quarter.quarter, width=WIDTH,
                        lagged=any(k.link in lagged for k in kpis))
    sheet.freeze(3)
    if dept.funnel:
        _funnel_chart(ctx, sheet, row, figures_row + 2, len(dept.funnel))
    return forward_row


def _funnel_chart(ctx: BuildContext, sheet: SheetWriter, row: int, first_row: int,
                  stages: int) -> None:
    chart = ctx.book.chart("bar")
    name = sheet.name.replace("'", "''")
    chart.add_series({
        "name": ctx.t("funnel_chart"),
        "categories": f"='{name}'!$A${first_row + 1}:$A${first_row + stages}",
        "values": f"='{name}'!$B${first_row + 1}:$B${first_row + stages}",
        "data_labels": {"value": True, "num_format": "#,##0"},
        "fill": {"color": "#4472C4"},
        "gap": 40,
    })
    chart.set_title({"name": ctx.t("funnel_chart"), "name_font": {"size": 11}})
    chart.set_y_axis({"reverse": True})  # widest stage on top, like a funnel
    # A log scale keeps 5,000 leads and 100 deals both readable.
    chart.set_x_axis({"num_format": "#,##0", "log_base": 10, "min": 1})
    chart.set_legend({"none": True})
    sheet.chart(row, 0, chart, x_scale=1.4, y_scale=0.9)
    sheet.max_row = max(sheet.max_row, row + 15)
