"""The Tracking sheet: monthly and weekly actual against target, quarter to date and forecast."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi_xl.core.expr import (
    Expr,
    Num,
    and_,
    column,
    if_,
    iferror,
    isnumber,
    latest_filled,
    ref,
    sumproduct_eq,
    sumproduct_where,
    this_row,
)
from kpi_xl.core.i18n import week_days
from kpi_xl.core.kpis import DIRECTIONS, number_kind
from kpi_xl.core.measures import achievement_expr
from kpi_xl.core.rollforward import ratio_parts
from kpi_xl.writer.blocks import (
    title_block,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext, KpiRow, Summary
from kpi_xl.writer.targets_sheet import TargetsTable


def labelled_achievement(actual: Expr, target: Expr, direction: Expr, lang: str) -> Expr:
    """Achievement where ``direction`` holds the workbook's direction label (低いほど良い...)."""
    return achievement_expr(actual, target, direction.eq(DIRECTIONS["lower"][lang]))


def write_tracking_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                         rows: list[KpiRow], targets: TargetsTable) -> Summary:
    """Monthly and weekly actual against target, quarter to date and forecast.

    Every target is read from the Targets table (month, week and quarter rows), so Tracking
    agrees with the Plan and KPI sheets. Flows add up; levels, ratios and averages are averaged
    and judged against the average target of the months reported.
    """
    lang, dept, plan = ctx.lang, ctx.department, ctx.plan
    row = title_block(sheet, lang, heading, period, 9)
    sheet.text(row - 1, 0, ctx.t("track.help"), "plain_note", fit=False)
    row += 1
    months = [plan.months()[i] for i in ctx.quarter.month_indexes()]

    # Monthly actuals table.
    sheet.section(row, ctx.t("track.monthly"), 9)
    row += 1
    table = dept.actuals_table
    headers = [ctx.t("track.month"), ctx.t("kpi.name"), ctx.t("kpi.unit"), ctx.t("kpi.direction"),
               ctx.t("kpi.target"), ctx.t("track.actual"), ctx.t("track.achievement"),
               ctx.t("track.status"), ctx.t("track.note")]
    month_rows = _actuals_table(ctx, sheet, row, table, headers, rows,
                                [dt.date(y, m, 1) for y, m in months], "month", targets)
    row = month_rows.next_row + 1
    lagged = [r.kpi.name for r in rows if ctx.lagged_months(r.kpi)]
    if lagged:
        sheet.text(row - 1, 0, ctx.t("track.lagged", kpis=", ".join(lagged)), "plain_note",
                   fit=False)

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
    month_col = column(table, headers[0], month_rows.periods)
    summary = Summary([], [])
    first_summary = row
    # A ratio that follows a funnel rate whose two stages are tracked (the win rate, from deals
    # and opportunities) is recomputed from them, as the report and the review do.
    parts = ratio_parts(dept, {r.kpi.name: r.kpi.link for r in rows if r.kpi.link})
    position = {r.kpi.name: i for i, r in enumerate(rows)}
    for r in rows:
        name = sheet.formula(row, 0, ref(r.name))
        direction = sheet.formula(row, 1, ref(r.direction))
        kind = number_kind(r.kpi.unit)
        quarter_target = ref(sheet.formula(row, 2, targets.lookup(
            r.index, "quarter", dt.date(*months[0], 1)), kind))
        # Exact comparisons (never SUMIFS criteria: a KPI named `Lead*` or `>5` is just text);
        # a month counts as reported when its actual is a number.
        this_kpi = ((names_col, ref(name)),)
        own_months = sumproduct_where(None, this_kpi, (actual_col,))
        # The KPI's actuals and targets summed over its reported months.
        own_actual = sumproduct_where(actual_col, this_kpi, (actual_col,))
        own_target = sumproduct_where(target_col, this_kpi, (actual_col,))
        if r.kpi.measure_kind == "ratio" and r.kpi.name in parts:
            # Σ numerator ÷ Σ denominator over the months both were reported; until there is
            # such a month, the average of the ratio's own months, like any other ratio.
            numerator, denominator = (position[k] for k in parts[r.kpi.name])
            ratio = _ratio_to_date(month_rows, len(rows), len(months), r.index, numerator,
                                   denominator)
            from_parts = ratio.months.gt(0)
            n = ref(sheet.formula(row, 4, if_(from_parts, ratio.months, own_months), "count"))
            own = own_actual / n
            to_date = ref(sheet.formula(row, 3, if_(n.eq(0), "", if_(
                from_parts, iferror(ratio.value, ""), own)), kind))
            target_so_far = if_(from_parts, ratio.target, own_target) / n
            to_date_ach = iferror(labelled_achievement(to_date, target_so_far, ref(direction),
                                                       lang), "")
            _finish_summary_row(sheet, row, summary, name, n, to_date_ach, to_date, None,
                                to_date, kind, lang)
            row += 1
            continue
        n = ref(sheet.formula(row, 4, own_months, "count"))
        if r.kpi.aggregation == "sum":
            # Counts and amounts add up: the quarter's target is its months' targets, and the
            # pace so far (actual against the target of the months reported) sets the forecast.
            to_date = ref(sheet.formula(row, 3, if_(n.eq(0), "", own_actual), kind))
            target_so_far = own_target
            to_date_ach = labelled_achievement(to_date, target_so_far, ref(direction), lang)
            forecast = iferror(to_date / target_so_far * quarter_target, "")
            average = to_date / n
        elif r.kpi.measure_kind == "level":
            # A level (customers) is its value at the end: the latest month reported, judged
            # against the quarter's level.
            latest = latest_filled(month_col, names_col, ref(name), actual_col)
            to_date = ref(sheet.formula(row, 3, if_(n.eq(0), "", sumproduct_eq(
                actual_col, ((names_col, ref(name)), (month_col, latest)))), kind))
            to_date_ach = iferror(labelled_achievement(to_date, quarter_target, ref(direction),
                                                       lang), "")
            forecast = to_date
            average = to_date
        else:
            # Rates, scores and hours are never added up: the average of the months
            # reported, judged against the average target of those months (a month's churn
            # against a month's cap, never against the year's).
            to_date = ref(sheet.formula(row, 3, if_(n.eq(0), "", own_actual / n), kind))
            target_so_far = own_target / n
            to_date_ach = iferror(labelled_achievement(to_date, target_so_far, ref(direction),
                                                       lang), "")
            forecast = to_date
            average = to_date
        # A flow's forecast is judged against the quarter; any other kind's is its to-date.
        judge = (quarter_target, ref(direction)) if r.kpi.aggregation == "sum" else None
        _finish_summary_row(sheet, row, summary, name, n, to_date_ach, forecast, judge,
                            average, kind, lang)
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
        sheet.section(row, ctx.t("track.weekly"), 9)
        row += 1
        weeks = ctx.quarter_weeks()
        headers_w = [ctx.t("track.week"), *headers[1:]]
        _actuals_table(ctx, sheet, row, f"{dept.prefix}_WeeklyActuals", headers_w, weekly, weeks,
                       "week", targets)
        sheet.text(row + len(weeks) * len(weekly) + 2, 0,
                   ctx.t("track.week_rule", **week_days(lang, plan.review_weekday)),
                   "plain_note", fit=False)
    sheet.set_width(0, 28)
    return summary


def _finish_summary_row(sheet: SheetWriter, row: int, summary: Summary, name: str, n: Expr,
                        to_date_ach: Expr, forecast: Expr, judge: tuple[Expr, Expr] | None,
                        average: Expr, kind: str, lang: str) -> None:
    """Achievement, forecast and monthly average of one KPI's quarter-to-date row; blank until
    a month is reported. ``judge`` (quarter target, direction) judges the forecast; without
    it the forecast's achievement is the achievement to date."""
    summary.to_date.append(sheet.key_at(row, 3))
    summary.reported.append(sheet.key_at(row, 4))
    sheet.formula(row, 5, if_(n.eq(0), "", to_date_ach), "percent")
    fc = sheet.formula(row, 6, if_(n.eq(0), "", forecast), kind)
    forecast_ach = (to_date_ach if judge is None
                    else labelled_achievement(ref(fc), judge[0], judge[1], lang))
    sheet.formula(row, 7, if_(n.eq(0), "", forecast_ach), "percent")
    summary.names.append(name)
    summary.monthly_average.append(sheet.formula(row, 8, if_(n.eq(0), "", average), kind))


@dataclass(frozen=True)
class _RatioToDate:
    months: Expr  # months where both stages were reported
    value: Expr  # Σ numerator ÷ Σ denominator over those months
    target: Expr  # Σ of the ratio's monthly targets over those months


def _ratio_to_date(table: _TableKeys, per_month: int, n_months: int, ratio: int,
                   numerator: int, denominator: int) -> _RatioToDate:
    """A ratio to date from its parts' actuals, month by month (the table has one row per
    month and KPI, in the KPI sheet's order; the sheet is protected, so the rows stay put)."""
    count: Expr = Num(0)
    top: Expr = Num(0)
    bottom: Expr = Num(0)
    target: Expr = Num(0)
    for month in range(n_months):
        num = ref(table.actuals[month * per_month + numerator])
        den = ref(table.actuals[month * per_month + denominator])
        both = and_(isnumber(num), isnumber(den))
        count = count + if_(both, 1, 0)
        top = top + if_(both, num, 0)
        bottom = bottom + if_(both, den, 0)
        target = target + if_(both, ref(table.targets[month * per_month + ratio]), 0)
    return _RatioToDate(count, top / bottom, target)


@dataclass
class _TableKeys:
    names: list[str]
    targets: list[str]
    actuals: list[str]
    next_row: int
    periods: list[str]


def _traffic_lights(sheet: SheetWriter, first: int, col: int, last: int) -> None:
    sheet.conditional(first, col, last, col, {
        "type": "icon_set", "icon_style": "3_traffic_lights",
        "icons": [{"criteria": ">=", "type": "number", "value": 1},
                  {"criteria": ">=", "type": "number", "value": 0.8}]})


def _actuals_table(ctx: BuildContext, sheet: SheetWriter, row: int, table: str,
                   headers: list[str], rows: list[KpiRow], periods: list[dt.date],
                   period_type: str, targets: TargetsTable) -> _TableKeys:
    lang = ctx.lang
    first = row + 1
    n_rows = max(len(periods) * len(rows), 1)
    last = first + n_rows - 1
    achievement_formula = labelled_achievement(
        this_row(table, headers[5], "_"), this_row(table, headers[4], "_"),
        this_row(table, headers[3], "_"), lang).formula(ctx.book.resolver(sheet.name))
    status_formula = status_text(this_row(table, headers[6], "_"), ctx).formula(
        ctx.book.resolver(sheet.name))
    sheet.table(row, 0, last, table, headers,
                column_formulas={6: "=" + achievement_formula, 7: "=" + status_formula})
    keys = _TableKeys([], [], [], last + 1, [])
    r = first
    for period in periods:
        for kpi_row in rows:
            day = sheet.date(r, 0, period, "date" if period_type == "week" else "month_label",
                             "label")
            name = sheet.formula(r, 1, ref(kpi_row.name))
            sheet.formula(r, 2, ref(kpi_row.unit), style="unit")
            direction = sheet.formula(r, 3, ref(kpi_row.direction))
            kind = number_kind(kpi_row.kpi.unit)
            target = sheet.formula(r, 4, targets.lookup(kpi_row.index, period_type, ref(day)),
                                   kind)
            actual = sheet.input(r, 5, f"{table}.{r}.actual", None, kind, validate=False)
            achievement = sheet.formula(
                r, 6, labelled_achievement(this_row(table, headers[5], actual),
                                   this_row(table, headers[4], target),
                                   this_row(table, headers[3], direction), lang), "percent")
            sheet.formula(r, 7, status_text(this_row(table, headers[6], achievement), ctx))
            sheet.input(r, 8, f"{table}.{r}.note", None, "text", validate=False)
            keys.periods.append(day)
            keys.names.append(name)
            keys.targets.append(target)
            keys.actuals.append(actual)
            r += 1
    _traffic_lights(sheet, first, 6, last)
    _data_bars(sheet, first, len(periods), len(rows))
    return keys


def _data_bars(sheet: SheetWriter, first: int, periods: int, kpis: int) -> None:
    """A data bar over each KPI's own actuals (column F), so bars compare a KPI's periods with
    each other, never leads with a rate or yen with a count."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    for k in range(kpis):
        rows = [first + p * kpis + k for p in range(periods)]
        if not rows:
            continue
        cells = " ".join(xl_rowcol_to_cell(r, 5) for r in rows)
        sheet.conditional(rows[0], 5, rows[0], 5, {"type": "data_bar", "bar_color": "#63BE7B",
                                                   "bar_solid": True, "multi_range": cells})


def status_text(achievement: Expr, ctx: BuildContext) -> Expr:
    return if_(achievement.eq(""), "",
               if_(achievement.ge(1), ctx.t("track.achieved"), ctx.t("track.missed")))
