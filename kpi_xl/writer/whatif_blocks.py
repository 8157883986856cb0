"""The Plan sheet's what-if blocks: the ``<Prefix>_Scenarios`` table and the forward view.

Both come from the department's funnel data (:func:`kpi_xl.core.scenarios.funnel_model`), so any
department with a funnel gets them and one without (customer success, development) does not.
Every cell is a live formula of the plan's input cells and the Tracking sheet's actuals: a
planner who changes a rate or types an actual sees both blocks follow, without the add-in.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpi_xl.core.departments.base import Department
from kpi_xl.core.expr import Expr, Num, Ref, Str, if_, iferror, ref, substitute, sum_
from kpi_xl.core.scenarios import (
    achieved_rate_expr,
    forward_exprs,
    funnel_model,
    grid_exprs,
    remaining_planned_expr,
)
from kpi_xl.core.targets import series_key
from kpi_xl.writer.blocks import WIDTH, unit_text
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext, KpiRow, Summary

__all__ = ["forward_block", "forward_rows", "scenario_block", "scenarios_table_name"]


def scenarios_table_name(department: Department) -> str:
    """The sensitivity table's name, e.g. ``Sales_Scenarios``."""
    return f"{department.prefix}_Scenarios"


def _label(department: Department, lang: str, name: str) -> str:
    """What the sheet calls a stage, a rate or a figure: its output, input or figure label."""
    for output in department.outputs:
        if output.name == name:
            return output.label[lang]
    for spec in department.inputs:
        if spec.name == name:
            return spec.label[lang]
    for fig in department.figures:
        if fig.name == name or (isinstance(fig.expr, Ref) and fig.expr.key == name):
            return fig.label[lang]
    return name


def _stage_label(department: Department, lang: str, name: str) -> str:
    """A stage's short label (Leads, Opportunities, Deals) from the funnel figures."""
    for fig in department.figures:
        if fig.name == name or (isinstance(fig.expr, Ref) and fig.expr.key == name):
            return fig.label[lang]
    return _label(department, lang, name)


def scenario_block(ctx: BuildContext, sheet: SheetWriter, row: int) -> int:
    """The sensitivity grid as an Excel Table; returns the next free row (``row`` if none).

    Header row: the row rate's label and five step names. First data row: the columns' rates.
    Then five rows: the row's rate and the figure for each column's rate. Rates are formulas of
    the plan's inputs (:func:`kpi_xl.core.scenarios.grid_exprs`); cells are the figure's own
    expression with those rates; conditional formatting marks the plan's own rates.
    """
    dept, lang = ctx.department, ctx.lang
    model = funnel_model(dept)
    if model is None or model.scenario is None:
        return row
    figure, rows_rate, columns_rate = model.scenario
    figure_label = _label(dept, lang, figure)
    sheet.section(row, ctx.t("whatif.scenarios", figure=figure_label,
                             rows=_label(dept, lang, rows_rate),
                             columns=_label(dept, lang, columns_rate)), WIDTH)
    sheet.text(row + 1, 0, ctx.t("whatif.grid_rule", figure=figure_label), "plain_note", fit=False)
    header = row + 2
    rates_row = header + 1
    first = rates_row + 1
    steps = 5
    headers = [_label(dept, lang, rows_rate)] + [ctx.t(f"whatif.step.{i}") for i in range(steps)]
    sheet.table(header, 0, first + steps - 1, scenarios_table_name(dept), headers,
                style="Table Style Light 1", autofilter=False)
    sheet.text(rates_row, 0, ctx.t("whatif.columns_label",
                                   columns=_label(dept, lang, columns_rate)), "label_bold")
    column_keys = [sheet.formula(rates_row, 1 + j, rate, "rate", style="formula_bold")
                   for j, rate in enumerate(grid_exprs(ref(columns_rate)))]
    for i, rate in enumerate(grid_exprs(ref(rows_rate))):
        r = first + i
        row_key = sheet.formula(r, 0, rate, "rate", style="formula_bold")
        for j, column_key in enumerate(column_keys):
            sheet.formula(r, 1 + j, model.scenario_cell(ref(row_key), ref(column_key)), "count")
    _mark_plan(ctx, sheet, rates_row, first, steps, rows_rate, columns_rate)
    return first + steps + 1


def _mark_plan(ctx: BuildContext, sheet: SheetWriter, rates_row: int, first: int, steps: int,
               rows_rate: str, columns_rate: str) -> None:
    """Green where the row's and the column's rates are the plan's own (follows the inputs)."""
    resolver = ctx.book.resolver(sheet.name)
    plan_row, plan_col = ref(rows_rate).formula(resolver), ref(columns_rate).formula(resolver)
    top, left = rates_row + 1, 1
    green = ctx.book.fmt("good", bold=True)
    sheet.conditional(first, 1, first + steps - 1, steps, {
        "type": "formula", "format": green,
        "criteria": f"=AND($A{first + 1}={plan_row},B${top}={plan_col})"})
    sheet.conditional(first, 0, first + steps - 1, 0, {
        "type": "formula", "format": green, "criteria": f"=$A{first + 1}={plan_row}"})
    sheet.conditional(rates_row, left, rates_row, steps, {
        "type": "formula", "format": green, "criteria": f"=B${top}={plan_col}"})


def forward_rows(department: Department) -> int:
    """Rows the forward block takes (0 without a funnel), so the Plan sheet can keep them free."""
    model = funnel_model(department)
    if model is None:
        return 0
    return 3 + 3 + 2 * (len(model.stages) - 1) + len(model.values) + 1


def _kpi_cells(rows: Sequence[KpiRow], summary: Summary, name: str, flow: bool
               ) -> tuple[Expr, Expr] | None:
    """(to date, months reported) of the first KPI linked to ``name`` (a flow or a rate)."""
    for i, r in enumerate(rows):  # the tracking summary has one row per KPI, in this order
        if r.kpi.link == name and (r.kpi.aggregation == "sum") == flow:
            return ref(summary.to_date[i]), ref(summary.reported[i])
    return None


def _planned(ctx: BuildContext, name: str, *, lagged: bool) -> list[Expr] | None:
    """The Monthly sheet's cells of a series for this quarter's months (None: no series)."""
    for spec in ctx.department.series:
        if spec.annual_name == name:
            moved = lagged and bool(spec.lag_name)
            return [ref(series_key(name, m, lagged=moved)) for m in ctx.quarter.month_indexes()]
    return None


def forward_block(ctx: BuildContext, sheet: SheetWriter, row: int, rows: Sequence[KpiRow],
                  summary: Summary) -> int:
    """The quarter's forward view on the Plan sheet, from the Tracking sheet's actuals to date.

    Written after the Tracking sheet (it reads the tracking summary) into the rows the Plan sheet
    kept free (:func:`forward_rows`). Returns the next free row.
    """
    dept = ctx.department
    model = funnel_model(dept)
    if model is None:
        return row
    lang = ctx.lang
    top = model.stages[0]
    top_label = _stage_label(dept, lang, top)
    # The forward view, the quarters and the funnel chart print on a page of their own (the
    # assumptions, funnel and what-if grid fill the first), so no block is cut in two.
    sheet.page_breaks.append(row)
    sheet.section(row, ctx.t("whatif.forward"), WIDTH)
    sheet.text(row + 1, 0, ctx.t("whatif.forward_rule", top=top_label), "plain_note", fit=False)
    sheet.header(row + 2, 0, [ctx.t("whatif.col.item"), ctx.t("whatif.col.forward"),
                              ctx.t("col.unit"), ctx.t("whatif.col.plan"),
                              ctx.t("whatif.col.vs_plan")])
    sheet.blank(row + 2, 5, "header")
    sheet.text(row + 2, WIDTH - 1, ctx.t("whatif.col.basis"), "header")
    r = row + 3

    def line(label: str, value: Expr, kind: str, plan: Expr | None, basis: Expr | str | None,
             bold: bool = False, of: str | None = None) -> str:
        """One row: label, forward value, unit, quarter plan, forward ÷ plan, basis; ``of``
        names the stage or figure whose own unit (a custom KGI's "人") the row shows."""
        nonlocal r
        sheet.text(r, 0, label, "label_bold" if bold else "label")
        key = sheet.formula(r, 1, value, kind, style="formula_bold" if bold else "formula")
        sheet.text(r, 2, unit_text(lang, "count" if kind == "decimal" else kind,
                                   dept.unit_of(of) if of else None), "unit")
        if plan is None:
            sheet.blank(r, 3)
            sheet.blank(r, 4)
        else:
            plan_key = sheet.formula(r, 3, plan, "count" if kind == "decimal" else kind)
            sheet.formula(r, 4, iferror(ref(key) / ref(plan_key), ""), "percent")
        sheet.blank(r, 5)
        if basis is None:
            sheet.blank(r, WIDTH - 1, "note")
        elif isinstance(basis, str):
            sheet.text(r, WIDTH - 1, basis, "note")
        else:
            sheet.formula(r, WIDTH - 1, basis, style="note")
        r += 1
        return key

    # The top of the funnel: so far, what the plan still expects, the quarter.
    top_kpi = _kpi_cells(rows, summary, top, flow=True)
    planned_top = _planned(ctx, top, lagged=True) or []
    if top_kpi is not None:
        to_date, reported = top_kpi
        so_far: Expr = if_(reported.gt(0), to_date, 0)
        before, after = ctx.t("whatif.basis.actual", n="\x00").split("\x00")
        basis: Expr | str = if_(reported.gt(0), Str(before).concat(reported).concat(after),
                                ctx.t("whatif.basis.no_actual"))
    else:
        reported, so_far, basis = None, Num(0), ctx.t("whatif.basis.no_kpi")
    so_far_key = line(ctx.t("whatif.so_far", stage=top_label), so_far, "count", None, basis,
                      of=top)
    remaining_key = line(ctx.t("whatif.remaining", stage=top_label),
                         remaining_planned_expr(planned_top, reported) if planned_top else Num(0),
                         "count", None, ctx.t("whatif.basis.remaining"), of=top)
    quarter_plan = sum_(*planned_top) if planned_top else None
    inflow_key = line(ctx.t("whatif.quarter_total", stage=top_label),
                      ref(so_far_key) + ref(remaining_key), "count", quarter_plan,
                      None, of=top)

    # Down the funnel at the rates achieved (the plan's where none is reported).
    previous = inflow_key
    for i, rate_name in enumerate(model.rates):
        up, down = model.stages[i], model.stages[i + 1]
        up_cells = _kpi_cells(rows, summary, up, flow=True)
        down_cells = _kpi_cells(rows, summary, down, flow=True)
        counts = (up_cells[0], up_cells[1], down_cells[0], down_cells[1]) \
            if up_cells and down_cells else None
        used, achieved = achieved_rate_expr(ref(rate_name), counts=counts,
                                            rate=_kpi_cells(rows, summary, rate_name, flow=False))
        rate_key = line(_label(dept, lang, rate_name), used, "rate", ref(rate_name),
                        if_(achieved, ctx.t("whatif.basis.achieved"),
                            ctx.t("whatif.basis.plan_rate")))
        [_, stage] = forward_exprs(ref(previous), [ref(rate_key)])
        planned = _planned(ctx, down, lagged=False)
        last = i == len(model.rates) - 1
        previous = line(ctx.t("whatif.stage_forward", stage=_stage_label(dept, lang, down)),
                        stage, "decimal", sum_(*planned) if planned else None,
                        ctx.t("whatif.basis.product"), bold=last, of=down)

    # Figures of the KGI (revenue = deals × average deal size): the plan's own expression.
    # Its basis names the forecast it stands on, not the plan's help text (which speaks of the
    # target: "target deals × average deal size").
    kgi_forward = ctx.t("whatif.stage_forward", stage=_stage_label(dept, lang, model.kgi))
    for name, expr in model.values:
        planned = _planned(ctx, name, lagged=False)
        kind = dept.output(name).kind
        line(ctx.t("whatif.stage_forward", stage=_stage_label(dept, lang, name)),
             substitute(expr, {model.kgi: ref(previous)}), kind,
             sum_(*planned) if planned else None,
             ctx.t("whatif.basis.value", kgi=kgi_forward), bold=True, of=name)
    return r + 1
