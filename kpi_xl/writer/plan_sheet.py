"""The Plan sheet (assumptions, reverse funnel, targets by quarter, funnel chart) and the Monthly targets sheet."""

from __future__ import annotations

from kpi_xl.writer.blocks import (
    WIDTH,
    Series,
    assumptions_table,
    figures_table,
    monthly_table,
    quarter_table,
    title_block,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext


def write_plan_sheet(ctx: BuildContext, sheet: SheetWriter, monthly: SheetWriter, heading: str,
                period: str, quarter_months: list[int]) -> dict[str, list[str]]:
    """Assumptions, funnel, quarterly and monthly targets; returns month cells by annual name."""
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
    series = [Series(s.label[lang], s.annual_name, s.kind, s.lag_name,
                     ctx.t("lagged", label=s.label[lang])) for s in dept.series]

    columns = len(series) + 3 + sum(1 for s in series if s.lag_key)
    mrow = title_block(monthly, lang, heading, period, columns)
    monthly.section(mrow, ctx.t("monthly"), columns)
    monthly.freeze(mrow + 2)
    mrow, month_keys = monthly_table(monthly, mrow + 1, lang, plan, series, quarter_months)
    monthly.text(mrow - 1, 0, ctx.t("monthly_help"), "plain_note", fit=False)
    row = quarter_table(sheet, row, lang, plan, ctx.t("quarters"), series, month_keys,
                        ctx.quarter.quarter, width=WIDTH)
    sheet.freeze(3)
    if dept.funnel:
        _funnel_chart(ctx, sheet, row, figures_row + 2, len(dept.funnel))
    # Tracking uses the months in which things must happen: the lagged column where there is one.
    return {s.annual_key: month_keys[s.lag_label if s.lag_key else s.label] for s in series}


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
