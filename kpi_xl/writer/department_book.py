"""The department workbook: plan, monthly targets, KPIs, KPI tree, tracking, OKRs, reviews, checklist.

One builder serves every department; the department module supplies the data. Every figure is a
live formula written with its cached value (see :mod:`kpi_xl.core.expr`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from kpi_xl.core.expr import (
    Expr,
    Num,
    abs_,
    and_,
    area,
    averageifs,
    column,
    counta,
    countblank,
    countif,
    countifs,
    if_,
    iferror,
    index_match,
    or_,
    ref,
    roundup,
    sumifs,
    this_row,
)
from kpi_xl.core.i18n import quarter_label
from kpi_xl.core.kpis import CADENCES, DIRECTIONS, KINDS_OF_INDICATOR, UNIT_LABELS, Kpi, number_kind
from kpi_xl.core.measures import achievement_expr, okr_score_expr, outside_range_expr
from kpi_xl.writer.blocks import (
    Series,
    assumptions_table,
    figures_table,
    monthly_table,
    quarter_table,
    title_block,
    unit_text,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext

__all__ = ["build_department"]

WIDTH = 7


@dataclass
class KpiRow:
    """Keys of one KPI's cells on the KPI sheet."""

    kpi: Kpi
    name: str
    unit: str
    direction: str
    target: str
    deadline: str
    owner: str
    ksf: str


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
    kpi_sheet = ctx.book.sheet(ctx.t("sheet.kpis"))
    tree_sheet = ctx.book.sheet(ctx.t("sheet.tree"))
    tracking_sheet = ctx.book.sheet(ctx.t("sheet.tracking"))
    okr_sheet = ctx.book.sheet(ctx.t("sheet.okr"))
    review_sheet = ctx.book.sheet(ctx.t("sheet.review"))
    checklist_sheet = ctx.book.sheet(ctx.t("sheet.checklist"))
    # Data-entry sheets stay unprotected: Excel cannot grow a table on a protected sheet.
    for sheet in (tracking_sheet, okr_sheet, review_sheet):
        sheet.protect = False
    kpi_sheet.paper = 8  # fifteen columns: A3 landscape keeps them readable (A3横)

    monthly_targets = _plan_sheet(ctx, plan_sheet, monthly_sheet, heading, period, quarter_months)
    rows = _kpi_sheet(ctx, kpi_sheet, heading, period)
    tree_check = _tree_sheet(ctx, tree_sheet, heading, period, rows)
    summary = _tracking_sheet(ctx, tracking_sheet, heading, period, rows, monthly_targets)
    _okr_sheet(ctx, okr_sheet, heading, period, rows, summary)
    review_cadence = _review_sheet(ctx, review_sheet, heading, period, rows)
    _checklist_sheet(ctx, checklist_sheet, heading, period, rows, tree_check, review_cadence)
    if ctx.with_udfs:  # opt-in cells that call the add-in's functions (kpi-xl addin)
        from kpi_xl.writer.udf_cells import add_udf_cells

        add_udf_cells(ctx, rows)
    if previous_sheet is not None:
        _previous_quarter_sheet(ctx, heading, period, summary, previous_sheet)


def _previous_quarter_sheet(ctx: BuildContext, heading: str, period: str,
                            summary: Summary, sheet: SheetWriter) -> None:
    """Last quarter's actuals carried forward (kpi_xl.io.previous), on a sheet of their own."""
    from kpi_xl.writer.previous_sheet import previous_quarter_sheet

    names = [ctx.book.value(key) for key in summary.names]
    to_date = {str(name): (to_date, reported) for name, to_date, reported
               in zip(names, summary.to_date, summary.reported, strict=True)}
    previous_quarter_sheet(ctx, heading, period, to_date, sheet)


# Plan and monthly targets ------------------------------------------------------------------------

def _plan_sheet(ctx: BuildContext, sheet: SheetWriter, monthly: SheetWriter, heading: str,
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


# KPI sheet ---------------------------------------------------------------------------------------

DEFINITION_WIDTH = 26
STATEMENT_WIDTH = 46
KPI_SHEET_COLUMNS = ("kpi.no", "kpi.name", "kpi.definition", "kpi.ksf", "kpi.unit",
                     "kpi.direction", "kpi.target", "kpi.deadline", "kpi.owner", "kpi.cadence",
                     "kpi.indicator", "kpi.link", "kpi.statement", "kpi.smart", "kpi.live_check")


def _kpi_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str) -> list[KpiRow]:
    """The KPI list as an Excel Table (``Sales_KPIList``) with its SMART verdicts and live checks."""
    from kpi_xl.core.kpis import statement

    lang, dept = ctx.lang, ctx.department
    kpis = ctx.plan.kpis.get(dept.key, ())
    col = {key: i for i, key in enumerate(KPI_SHEET_COLUMNS)}
    headers = [ctx.t(k) for k in KPI_SHEET_COLUMNS]
    row = title_block(sheet, lang, heading, period, len(headers))
    sheet.section(row, ctx.t("kpi.section"), len(headers))
    row += 1
    first = row + 1
    last = first + max(len(kpis), 1) - 1
    sheet.table(row, 0, last, f"{dept.prefix}_KPIList", headers)
    sheet.freeze(first, 2)
    rows: list[KpiRow] = []
    smart = _smart_results(kpis, lang, ctx)
    for i, kpi in enumerate(kpis):
        r = first + i
        base = f"kpi.{i}"
        sheet.number(r, col["kpi.no"], i + 1, "count", "label")
        name = sheet.text_key(r, col["kpi.name"], kpi.name, f"{base}.name", "label_bold")
        sheet.text(r, col["kpi.definition"], kpi.definition, "note_wrap", fit=False)
        ksf = sheet.text_key(r, col["kpi.ksf"], kpi.ksf, f"{base}.ksf")
        unit = sheet.text_key(r, col["kpi.unit"], UNIT_LABELS.get(kpi.unit, {lang: kpi.unit})[lang],
                              f"{base}.unit", "unit")
        direction = sheet.input(r, col["kpi.direction"], f"{base}.direction",
                                DIRECTIONS[kpi.direction][lang], "text", validate=False)
        kind = number_kind(kpi.unit)
        linked = dept.link_expr(kpi)
        if linked is not None:
            target = sheet.formula(r, col["kpi.target"], linked, kind, key=f"{base}.target")
        else:
            target = sheet.input(r, col["kpi.target"], f"{base}.target", kpi.target, kind,
                                 validate=False)
        deadline = sheet.input(r, col["kpi.deadline"], f"{base}.deadline",
                               _serial(kpi.deadline) if kpi.deadline else None, "date",
                               validate=False)
        owner = sheet.input(r, col["kpi.owner"], f"{base}.owner", kpi.owner or None, "text",
                            validate=False)
        sheet.input(r, col["kpi.cadence"], f"{base}.cadence", CADENCES[kpi.cadence][lang], "text",
                    validate=False)
        sheet.text(r, col["kpi.indicator"], KINDS_OF_INDICATOR[kpi.indicator][lang], "label")
        sheet.text(r, col["kpi.link"], kpi.link or "", "note")
        sheet.text(r, col["kpi.statement"], statement(kpi, lang), "note_wrap", fit=False)
        sheet.text(r, col["kpi.smart"], smart[i], "label")
        c = col["kpi.live_check"]
        missing = or_(ref(target).eq(""), ref(deadline).eq(""), ref(owner).eq(""))
        outside = _outside_benchmark(kpi, ref(target))
        verdict = if_(missing, ctx.t("kpi.check_missing"),
                      if_(outside, ctx.t("kpi.check_benchmark"), ctx.t("check.ok")))
        sheet.formula(r, c, verdict)
        sheet.flag_if(r, c, missing, "bad")
        sheet.flag_if(r, c, outside, "warn")
        sheet.fit_row(r, [(kpi.definition, DEFINITION_WIDTH),
                          (statement(kpi, lang), STATEMENT_WIDTH)])
        rows.append(KpiRow(kpi, name, unit, direction, target, deadline, owner, ksf))
    if kpis:
        sheet.list_validation(first, col["kpi.direction"], last,
                              [v[lang] for v in DIRECTIONS.values()])
        sheet.list_validation(first, col["kpi.cadence"], last,
                              [v[lang] for v in CADENCES.values()])
        c = col["kpi.smart"]
        sheet.conditional(first, c, last, c, {"type": "text", "criteria": "begins with",
                                              "value": "NG", "format": sheet.book.fmt("bad")})
        sheet.conditional(first, c, last, c, {"type": "text", "criteria": "begins with",
                                              "value": "OK", "format": sheet.book.fmt("good")})
    sheet.text(last + 2, 0, ctx.t("kpi.target_note"), "plain_note", fit=False)
    sheet.set_width(col["kpi.definition"], DEFINITION_WIDTH)
    sheet.set_width(col["kpi.statement"], STATEMENT_WIDTH)
    return rows


def _outside_benchmark(kpi: Kpi, target: Expr) -> Expr:
    """A live test of the KPI's target against its benchmark (false when it has none)."""
    from kpi_xl.core.kpis import benchmark_for

    bench = benchmark_for(kpi)
    return outside_range_expr(target, *(bench.bounds if bench is not None else (None, None)))


def _smart_results(kpis: Sequence[Kpi], lang: str, ctx: BuildContext) -> list[str]:
    """SMART verdicts, written at generation (a cell cannot run the checker without the add-in)."""
    from kpi_xl.core.kpis import smart_check

    return [smart_check(kpi, lang, ctx.plan).summary() for kpi in kpis]


def _serial(day: dt.date) -> float:
    return float((day - dt.date(1899, 12, 30)).days)


# KPI tree ----------------------------------------------------------------------------------------

def _tree_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                rows: list[KpiRow]) -> str:
    lang, dept = ctx.lang, ctx.department
    kpi_sheet = ctx.t("sheet.kpis")
    del kpi_sheet
    row = title_block(sheet, lang, heading, period, 7)
    sheet.section(row, ctx.t("tree.section"), 7)
    row += 1
    sheet.header(row, 0, ["KGI", "KSF", "KPI", ctx.t("kpi.target"), ctx.t("kpi.unit"),
                          ctx.t("kpi.owner"), ctx.t("kpi.cadence")])
    row += 1
    kgi_label, kgi_name, kgi_kind = dept.kgi
    sheet.text(row, 0, f"■ {kgi_label[lang]}", "label_bold")
    sheet.blank(row, 1)
    sheet.blank(row, 2)
    sheet.formula(row, 3, ref(kgi_name), kgi_kind, style="formula_bold")
    sheet.text(row, 4, unit_text(lang, kgi_kind), "unit")
    sheet.blank(row, 5)
    sheet.blank(row, 6)
    row += 1
    ksfs: list[str] = []
    for r in rows:
        if r.kpi.ksf not in ksfs:
            ksfs.append(r.kpi.ksf)
    for k, ksf in enumerate(ksfs):
        last_ksf = k == len(ksfs) - 1
        sheet.blank(row, 0)
        sheet.text(row, 1, ("└ " if last_ksf else "├ ") + (ksf or "—"), "label_bold")
        for col in range(2, 7):
            sheet.blank(row, col)
        row += 1
        members = [r for r in rows if r.kpi.ksf == ksf]
        for m, r in enumerate(members):
            sheet.blank(row, 0)
            sheet.text(row, 1, "" if last_ksf else "│", "label")
            sheet.text(row, 2, ("└ " if m == len(members) - 1 else "├ ") + r.kpi.name, "label")
            sheet.formula(row, 3, ref(r.target), number_kind(r.kpi.unit))
            sheet.formula(row, 4, ref(r.unit), style="unit")
            sheet.formula(row, 5, ref(r.owner).concat(""))
            sheet.text(row, 6, CADENCES[r.kpi.cadence][lang], "label")
            row += 1
    row += 1
    check = _decomposition(ctx, sheet, row)
    _validator_findings(ctx, sheet, sheet.max_row + 2, rows)
    return check


def _validator_findings(ctx: BuildContext, sheet: SheetWriter, row: int,
                        rows: list[KpiRow]) -> None:
    """The KPI tree validator's findings for this plan, as of generation."""
    from kpi_xl.core import tree
    from kpi_xl.app.check import TREE_TOLERANCE, plan_tree_rows

    findings = tree.validate(plan_tree_rows(ctx.department, [r.kpi for r in rows],
                                            ctx.plan.values, ctx.lang),
                             lang=ctx.lang, tolerance=TREE_TOLERANCE)
    sheet.section(row, ctx.t("tree.findings"), 7)
    row += 1
    if not findings:
        sheet.text(row, 0, ctx.t("tree.no_findings"), "good")
        return
    sheet.header(row, 0, [ctx.t("tree.severity"), ctx.t("tree.code"), ctx.t("tree.message")])
    for finding in findings:
        row += 1
        style = "bad" if finding.severity == "error" else "warn"
        sheet.text(row, 0, ctx.t(f"tree.{finding.severity}"), style)
        sheet.text(row, 1, finding.code, "label")
        sheet.text(row, 2, finding.message, "note", fit=False)


def _decomposition(ctx: BuildContext, sheet: SheetWriter, row: int) -> str:
    lang, dec = ctx.lang, ctx.department.decomposition
    sheet.section(row, ctx.t("tree.decomposition"), 7)
    row += 1
    sheet.header(row, 0, [ctx.t("tree.factor"), ctx.t("col.value"), ctx.t("col.unit")])
    row += 1
    factor_keys = []
    for label, expr, kind in dec.factors:
        sign = "" if label[lang].startswith("−") else ("× " if dec.operator == "×" else "+ ")
        sheet.text(row, 0, f"{sign}{label[lang]}", "label")
        factor_keys.append(sheet.formula(row, 1, expr, kind))
        sheet.text(row, 2, unit_text(lang, kind), "unit")
        row += 1
    combined: Expr = ref(factor_keys[0])
    for key in factor_keys[1:]:
        combined = combined * ref(key) if dec.operator == "×" else combined + ref(key)
    sheet.text(row, 0, ctx.t("tree.product" if dec.operator == "×" else "tree.sum"), "label_bold")
    result = sheet.formula(row, 1, combined, dec.parent_kind, style="formula_bold")
    sheet.text(row, 2, unit_text(lang, dec.parent_kind), "unit")
    row += 1
    sheet.text(row, 0, f"{ctx.t('tree.parent')}: {dec.parent[lang]}", "label_bold")
    parent = sheet.formula(row, 1, ref(dec.parent_name), dec.parent_kind, style="formula_bold")
    sheet.text(row, 2, unit_text(lang, dec.parent_kind), "unit")
    row += 1
    sheet.text(row, 0, ctx.t("tree.difference"), "label")
    difference = sheet.formula(row, 1, iferror(ref(result) / ref(parent) - 1, 0), "percent")
    row += 1
    sheet.text(row, 0, ctx.t("tree.tolerance"), "label")
    tolerance = sheet.input(row, 1, f"{ctx.department.key}.tree.tolerance", 0.01, "rate",
                            help_title=ctx.t("tree.tolerance"),
                            help_text=ctx.t("tree.rounding_note"))
    row += 1
    sheet.text(row, 0, ctx.t("tree.check"), "label_bold")
    ok = abs_(ref(difference)).le(ref(tolerance))
    check = sheet.formula(row, 1, if_(ok, ctx.t("tree.ok"), ctx.t("tree.ng")), style="formula_bold")
    sheet.flag_if(row, 1, ok, "good")
    sheet.flag_if(row, 1, if_(ok, False, True), "bad")
    row += 1
    sheet.text(row, 0, ctx.t("tree.rounding_note"), "plain_note", fit=False)
    sheet.set_width(0, 44)
    return check


# Tracking ----------------------------------------------------------------------------------------

@dataclass
class Summary:
    """Keys of the tracking summary: KPI names and their monthly average actuals."""

    names: list[str]
    monthly_average: list[str]
    to_date: list[str] = field(default_factory=list)  # actual to date, per KPI
    reported: list[str] = field(default_factory=list)  # months reported, per KPI


def _achievement(actual: Expr, target: Expr, direction: Expr, lang: str) -> Expr:
    return achievement_expr(actual, target, direction.eq(DIRECTIONS["lower"][lang]))


def _tracking_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                    rows: list[KpiRow], monthly_targets: dict[str, list[str]]) -> Summary:
    lang, dept, plan = ctx.lang, ctx.department, ctx.plan
    row = title_block(sheet, lang, heading, period, 9)
    sheet.text(row - 1, 0, ctx.t("track.help"), "plain_note", fit=False)
    row += 1
    months = [plan.months()[i] for i in ctx.quarter.month_indexes()]

    # Monthly actuals table.
    sheet.section(row, ctx.t("track.monthly"), 8)
    row += 1
    table = dept.actuals_table
    headers = [ctx.t("track.month"), ctx.t("kpi.name"), ctx.t("kpi.unit"), ctx.t("kpi.direction"),
               ctx.t("kpi.target"), ctx.t("track.actual"), ctx.t("track.achievement"),
               ctx.t("track.status")]
    month_rows = _actuals_table(ctx, sheet, row, table, headers, rows,
                                [dt.date(y, m, 1) for y, m in months], weekly=False,
                                monthly_targets=monthly_targets)
    row = month_rows.next_row + 1

    # Quarter-to-date summary and forecast, read from the table by KPI name (live, rows may grow).
    sheet.section(row, ctx.t("track.summary"), 9)
    row += 1
    sheet.header(row, 0, [ctx.t("kpi.name"), ctx.t("kpi.direction"), ctx.t("track.quarter_target"),
                          ctx.t("track.to_date"), ctx.t("track.reported"),
                          ctx.t("track.to_date_ach"), ctx.t("track.forecast"),
                          ctx.t("track.forecast_ach"), ctx.t("track.monthly_avg")])
    row += 1
    names_col = column(table, headers[1], month_rows.names)
    target_col = column(table, headers[4], month_rows.targets)
    actual_col = column(table, headers[5], month_rows.actuals)
    summary = Summary([], [])
    first_summary = row
    for r in rows:
        name = sheet.formula(row, 0, ref(r.name))
        direction = sheet.formula(row, 1, ref(r.direction))
        kind = number_kind(r.kpi.unit)
        n = ref(sheet.formula(row, 4, countifs(names_col, ref(name), actual_col, "<>"), "count"))
        if r.kpi.aggregation == "sum":
            # Counts and amounts add up: the quarter's target is its months' targets, and the
            # pace so far (actual against the target of the months reported) sets the forecast.
            quarter_target = ref(sheet.formula(row, 2, sumifs(target_col, names_col, ref(name)),
                                               kind))
            to_date = ref(sheet.formula(row, 3, if_(n.eq(0), "", sumifs(actual_col, names_col,
                                                                        ref(name))), kind))
            target_so_far = sumifs(target_col, names_col, ref(name), actual_col, "<>")
            to_date_ach = _achievement(to_date, target_so_far, ref(direction), lang)
            forecast = iferror(to_date / target_so_far * quarter_target, "")
            average = to_date / n
        else:
            # Rates, scores and hours are levels: averaged, and judged against the level.
            quarter_target = ref(sheet.formula(row, 2, ref(r.target), kind))
            to_date = ref(sheet.formula(row, 3, iferror(averageifs(actual_col, names_col,
                                                                   ref(name)), ""), kind))
            to_date_ach = _achievement(to_date, quarter_target, ref(direction), lang)
            forecast = to_date
            average = to_date
        summary.to_date.append(sheet.key_at(row, 3))
        summary.reported.append(sheet.key_at(row, 4))
        sheet.formula(row, 5, if_(n.eq(0), "", to_date_ach), "percent")
        fc = sheet.formula(row, 6, if_(n.eq(0), "", forecast), kind)
        sheet.formula(row, 7, if_(n.eq(0), "", _achievement(ref(fc), quarter_target,
                                                             ref(direction), lang)), "percent")
        summary.names.append(name)
        summary.monthly_average.append(sheet.formula(row, 8, if_(n.eq(0), "", average), kind))
        row += 1
    last_summary = row - 1
    if rows:
        for col in (5, 7):
            _traffic_lights(sheet, first_summary, col, last_summary)
        chart = ctx.book.chart("column")
        name = sheet.name.replace("'", "''")
        for col, title, color in ((5, ctx.t("track.to_date_ach"), "#4472C4"),
                                  (7, ctx.t("track.forecast_ach"), "#A5A5A5")):
            letter = chr(ord("A") + col)
            chart.add_series({
                "name": title,
                "categories": f"='{name}'!$A${first_summary + 1}:$A${last_summary + 1}",
                "values": f"='{name}'!${letter}${first_summary + 1}:${letter}${last_summary + 1}",
                "fill": {"color": color},
            })
        chart.set_title({"name": ctx.t("track.chart"), "name_font": {"size": 11}})
        chart.set_y_axis({"num_format": "0%", "min": 0, "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        row += 1
        sheet.chart(row, 0, chart, x_scale=1.5, y_scale=0.9)
        row += 16
        sheet.max_row = max(sheet.max_row, row)

    # Weekly actuals for the KPIs reviewed weekly.
    weekly = [r for r in rows if r.kpi.cadence == "weekly"]
    if weekly:
        sheet.section(row, ctx.t("track.weekly"), 8)
        row += 1
        start = dt.date(*months[0], 1)
        weeks = [start + dt.timedelta(days=7 * i) for i in range(13)]
        headers_w = [ctx.t("track.week"), *headers[1:]]
        _actuals_table(ctx, sheet, row, f"{dept.prefix}_WeeklyActuals", headers_w, weekly, weeks,
                       weekly=True)
    sheet.set_width(0, 28)
    return summary


@dataclass
class _TableKeys:
    names: list[str]
    targets: list[str]
    actuals: list[str]
    next_row: int


def _traffic_lights(sheet: SheetWriter, first: int, col: int, last: int) -> None:
    sheet.conditional(first, col, last, col, {
        "type": "icon_set", "icon_style": "3_traffic_lights",
        "icons": [{"criteria": ">=", "type": "number", "value": 1},
                  {"criteria": ">=", "type": "number", "value": 0.8}]})


def _actuals_table(ctx: BuildContext, sheet: SheetWriter, row: int, table: str,
                   headers: list[str], rows: list[KpiRow], periods: list[dt.date],
                   weekly: bool, monthly_targets: dict[str, list[str]] | None = None
                   ) -> _TableKeys:
    lang = ctx.lang
    first = row + 1
    n_rows = max(len(periods) * len(rows), 1)
    last = first + n_rows - 1
    achievement_formula = _achievement(
        this_row(table, headers[5], "_"), this_row(table, headers[4], "_"),
        this_row(table, headers[3], "_"), lang).formula(ctx.book.resolver(sheet.name))
    status_formula = _status(this_row(table, headers[6], "_"), ctx).formula(
        ctx.book.resolver(sheet.name))
    sheet.table(row, 0, last, table, headers,
                column_formulas={6: "=" + achievement_formula, 7: "=" + status_formula})
    keys = _TableKeys([], [], [], last + 1)
    quarter_months = list(ctx.quarter.month_indexes())
    r = first
    for p, period in enumerate(periods):
        for kpi_row in rows:
            sheet.date(r, 0, period, "date" if weekly else "month_label", "label")
            name = sheet.formula(r, 1, ref(kpi_row.name))
            sheet.formula(r, 2, ref(kpi_row.unit), style="unit")
            direction = sheet.formula(r, 3, ref(kpi_row.direction))
            kind = number_kind(kpi_row.kpi.unit)
            link = kpi_row.kpi.link
            if weekly and kpi_row.kpi.aggregation == "sum":
                # A month's target spread over its share of the quarter's 13 weeks.
                target_expr: Expr = roundup(ref(kpi_row.target) * 3 / 13, 0)
            elif (monthly_targets and link in monthly_targets
                  and kpi_row.kpi.aggregation == "sum"):
                # Linked to an annual figure: this month's seasonal share, as on the plan sheet.
                target_expr = ref(monthly_targets[link][quarter_months[p]])
            else:
                target_expr = ref(kpi_row.target)
            target = sheet.formula(r, 4, target_expr, kind)
            actual = sheet.input(r, 5, f"{table}.{r}.actual", None, kind, validate=False)
            achievement = sheet.formula(
                r, 6, _achievement(this_row(table, headers[5], actual),
                                   this_row(table, headers[4], target),
                                   this_row(table, headers[3], direction), lang), "percent")
            sheet.formula(r, 7, _status(this_row(table, headers[6], achievement), ctx))
            keys.names.append(name)
            keys.targets.append(target)
            keys.actuals.append(actual)
            r += 1
    _traffic_lights(sheet, first, 6, last)
    sheet.conditional(first, 5, last, 5, {"type": "data_bar", "bar_color": "#63BE7B",
                                          "bar_solid": True})
    return keys


def _status(achievement: Expr, ctx: BuildContext) -> Expr:
    return if_(achievement.eq(""), "",
               if_(achievement.ge(1), ctx.t("track.achieved"), ctx.t("track.missed")))


# OKRs --------------------------------------------------------------------------------------------

def _okr_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
               rows: list[KpiRow], summary: Summary) -> None:
    lang = ctx.lang
    okrs = [o for o in ctx.plan.okrs if o.department == ctx.department.key]
    row = title_block(sheet, lang, heading, period, 8)
    sheet.section(row, ctx.t("okr.section"), 8)
    row += 1
    headers = [ctx.t(k) for k in ("okr.objective", "okr.kr", "okr.kpi", "okr.start", "okr.target",
                                  "okr.current", "okr.score", "okr.judgement")]
    sheet.header(row, 0, headers)
    row += 1
    first = row
    names = area(summary.names) if summary.names else None
    for i, okr in enumerate(okrs or []):
        base = f"okr.{i}"
        sheet.input(row, 0, f"{base}.objective", okr.objective, "text", validate=False)
        sheet.input(row, 1, f"{base}.kr", okr.key_result, "text", validate=False)
        kpi = sheet.input(row, 2, f"{base}.kpi", okr.kpi, "text", validate=False)
        start = sheet.input(row, 3, f"{base}.start", okr.start, "decimal", validate=False)
        target = sheet.input(row, 4, f"{base}.target", okr.target, "decimal", validate=False)
        if names is not None:
            current_expr: Expr = iferror(index_match(area(summary.monthly_average), ref(kpi),
                                                     names), "")
        else:
            current_expr = Num(0)
        current = sheet.formula(row, 5, current_expr, "decimal")
        score = sheet.formula(row, 6, okr_score_expr(ref(current), ref(start), ref(target)),
                              "score")
        sheet.formula(row, 7, if_(ref(score).eq(""), "",
                                  if_(ref(score).ge(1), ctx.t("okr.stretch"),
                                      if_(ref(score).ge(0.6), ctx.t("okr.success"),
                                          if_(ref(score).ge(0.3), ctx.t("okr.progress"),
                                              ctx.t("okr.behind"))))))
        row += 1
    last = max(row - 1, first)
    if rows:
        names_list = [r.kpi.name for r in rows]
        if sum(len(n) + 1 for n in names_list) < 250:
            sheet.list_validation(first, 2, last + 10, names_list)
    # The 60–70% band that marks an OKR success.
    sheet.conditional(first, 6, last, 6, {"type": "cell", "criteria": "between", "minimum": 0.6,
                                          "maximum": 1, "format": sheet.book.fmt("good")})
    sheet.conditional(first, 6, last, 6, {"type": "cell", "criteria": "between", "minimum": 0.3,
                                          "maximum": 0.5999999, "format": sheet.book.fmt("warn")})
    sheet.set_width(0, 30)
    sheet.set_width(1, 36)


# Review log --------------------------------------------------------------------------------------

def _review_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                  rows: list[KpiRow]) -> list[str]:
    lang, plan, dept = ctx.lang, ctx.plan, ctx.department
    row = title_block(sheet, lang, heading, period, 9)
    sheet.text(row - 1, 0, ctx.t("review.help"), "plain_note", fit=False)
    row += 1
    sheet.section(row, ctx.t("review.section"), 9)
    row += 1
    headers = [ctx.t(k) for k in ("review.date", "review.cadence", "review.kpi", "review.fact",
                                  "review.cause", "review.action", "review.owner", "review.due",
                                  "review.status")]
    # The quarter's review rhythm, pre-scheduled: weekly, month ends and the quarter end.
    months = [plan.months()[i] for i in ctx.quarter.month_indexes()]
    start = dt.date(*months[0], 1)
    schedule: list[tuple[dt.date, str]] = [(start + dt.timedelta(days=7 * i + 4), "weekly")
                                           for i in range(13)]
    for y, m in months:
        schedule.append((_month_end(y, m), "monthly"))
    schedule.append((_month_end(*months[-1]), "quarterly"))
    schedule.sort(key=lambda item: (item[0], list(CADENCES).index(item[1])))
    first = row + 1
    last = first + len(schedule) - 1
    sheet.table(row, 0, last, f"{dept.prefix}_Reviews", headers)
    cadence_keys = []
    for i, (day, cadence) in enumerate(schedule):
        r = first + i
        sheet.date(r, 0, day, "date", "input")
        cadence_keys.append(sheet.input(r, 1, f"review.{i}.cadence", CADENCES[cadence][lang],
                                        "text", validate=False))
        for col in range(2, 9):
            kind = "date" if col == 7 else "text"
            value = ctx.t("review.open") if col == 8 else None
            sheet.input(r, col, f"review.{i}.{col}", value, kind, validate=False)
    sheet.list_validation(first, 1, last + 50, [v[lang] for v in CADENCES.values()])
    names = [r.kpi.name for r in rows]
    if names and sum(len(n) + 1 for n in names) < 250:
        sheet.list_validation(first, 2, last + 50, names)
    owners = sorted({r.kpi.owner for r in rows if r.kpi.owner})
    if owners and sum(len(o) + 1 for o in owners) < 250:
        sheet.list_validation(first, 6, last + 50, owners)
    sheet.list_validation(first, 8, last + 50, [ctx.t("review.open"), ctx.t("review.doing"),
                                                ctx.t("review.done")])
    for col in (3, 4, 5):
        sheet.set_width(col, 30)
    return cadence_keys


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


# Checklist ---------------------------------------------------------------------------------------

def _checklist_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                     rows: list[KpiRow], tree_check: str, review_cadence: list[str]) -> None:
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
    cadence_area = area(review_cadence)
    reviews = and_(countif(cadence_area, CADENCES["weekly"][lang]).gt(0),
                   countif(cadence_area, CADENCES["monthly"][lang]).gt(0))
    items = [
        ref(kgi_name).gt(0),
        ksf_blank,
        complete,
        ref(tree_check).eq(ctx.t("tree.ok")),
        sized,
        reviews,
    ]
    for i, condition in enumerate(items, start=1):
        sheet.text(row, 0, ctx.t(f"check.{i}"), "label_bold")
        sheet.formula(row, 1, if_(condition, ctx.t("check.done"), ctx.t("check.todo")),
                      style="formula_bold")
        sheet.flag_if(row, 1, condition, "good")
        sheet.flag_if(row, 1, if_(condition, False, True), "bad")
        sheet.text(row, 2, ctx.t(f"check.{i}.how"), "note")
        row += 1
    sheet.set_width(0, 44)
    sheet.set_width(1, 14)
    sheet.set_width(2, 50)
