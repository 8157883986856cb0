"""The Targets sheet: the ``<Prefix>_Targets`` table, one row per KPI per period.

The one place a KPI's target for a period is defined (:mod:`kpi_xl.core.targets` gives each row's
expression). Every other target in the workbook (the Plan sheet's quarters, the KPI sheet, Tracking
by month, week and quarter, the OKR sheet) is a formula that reads a row of this table: an exact
INDEX/MATCH on the numeric ``Key`` column, or, where the KPI is named by a planner's text, a
SUMPRODUCT of exact comparisons (never a SUMIFS criterion, where ``*`` and ``?`` are wildcards).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kpi_xl.core.expr import Expr, Num, column, date_, index_match, lift
from kpi_xl.core.i18n import week_days
from kpi_xl.core.kpis import MEASURE_KINDS, number_kind
from kpi_xl.core.targets import Period, TargetRow, lookup_key, target_rows
from kpi_xl.writer.blocks import title_block
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext

__all__ = ["TARGET_COLUMNS", "TargetsTable", "write_targets_sheet"]

#: The table's columns: the first five are fixed codes and values, the rest help people read it.
TARGET_COLUMNS = ("targets.period_type", "targets.first_day", "targets.kpi", "targets.kind",
                  "targets.target", "targets.no", "targets.key", "targets.period",
                  "targets.kind_label")


@dataclass
class TargetsTable:
    """Where the Targets table is, and how another sheet reads one of its rows."""

    name: str
    headers: list[str]
    rows: list[TargetRow] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the Key column's cells
    targets: list[str] = field(default_factory=list)  # the Target column's cells
    kpi_cells: list[str] = field(default_factory=list)
    type_cells: list[str] = field(default_factory=list)
    first_cells: list[str] = field(default_factory=list)

    def lookup(self, kpi_index: int, period_type: str, first: dt.date | Expr) -> Expr:
        """INDEX(<table>[Target], MATCH(key, <table>[Key], 0)) for a KPI's period.

        ``first`` is the period's first day, a date or an expression that gives one (a cell of
        the reading table).
        """
        base = lookup_key(kpi_index, period_type, dt.date(1899, 12, 30))
        day = (date_(first.year, first.month, first.day) if isinstance(first, dt.date)
               else first)
        return index_match(column(self.name, self.headers[4], self.targets), Num(base) + day,
                           column(self.name, self.headers[6], self.keys))

    def by_name(self, kpi: Expr, period_type: str, first: dt.date) -> Expr:
        """The target of the KPI named by ``kpi`` (a cell of text) for a period: exact matches."""
        from kpi_xl.core.expr import sumproduct_eq

        return sumproduct_eq(column(self.name, self.headers[4], self.targets), (
            (column(self.name, self.headers[2], self.kpi_cells), kpi),
            (column(self.name, self.headers[0], self.type_cells), lift(period_type)),
            (column(self.name, self.headers[1], self.first_cells),
             date_(first.year, first.month, first.day))))


def write_targets_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str,
                        period: str) -> TargetsTable:
    """The table of every KPI's target for the year, its quarters, months and weeks."""
    lang, dept, plan = ctx.lang, ctx.department, ctx.plan
    kpis = plan.kpis.get(dept.key, ())
    headers = [ctx.t(k) for k in TARGET_COLUMNS]
    table = TargetsTable(f"{dept.prefix}_Targets", headers)
    row = title_block(sheet, lang, heading, period, len(headers))
    sheet.text(row - 1, 0, ctx.t("targets.help", **week_days(ctx.lang, ctx.plan.review_weekday)),
               "plain_note", fit=False)
    sheet.section(row, ctx.t("targets.section"), len(headers))
    row += 1
    rows = target_rows(dept, kpis, plan.fiscal_year, plan.start_month, plan.review_weekday)
    first = row + 1
    last = first + max(len(rows), 1) - 1
    sheet.table(row, 0, last, table.name, headers)
    sheet.freeze(first, 3)
    months = plan.months()
    for n, target in enumerate(rows):
        r = first + n
        p = target.period
        table.type_cells.append(sheet.text_key(r, 0, p.type, f"targets.{n}.type"))
        table.first_cells.append(sheet.date(r, 1, p.first, "date", key=f"targets.{n}.first"))
        # The KPI's name as the KPI sheet writes it (both are the plan's text, never a formula).
        table.kpi_cells.append(sheet.text_key(r, 2, target.kpi.name, f"targets.{n}.kpi"))
        sheet.text(r, 3, target.kind, "label")
        kind = number_kind(target.kpi.unit)
        if target.typed:
            table.targets.append(sheet.input(r, 4, target.key, target.expr.evaluate({}), kind,
                                             validate=False))
        else:
            table.targets.append(sheet.formula(r, 4, target.expr, kind, key=target.key))
        sheet.number(r, 5, target.kpi_index + 1, "count", key=f"targets.{n}.no")
        # No. × 10⁶ + period code × 10⁵ + the first day's serial: a number, so an exact MATCH
        # on it can never treat a KPI's name as a pattern.
        table.keys.append(sheet.number(r, 6, target.lookup, "integer", key=f"targets.{n}.key"))
        sheet.text(r, 7, _period_label(ctx, p, months), "label")
        sheet.text(r, 8, MEASURE_KINDS[target.kind][lang], "note")
    table.rows = rows
    sheet.set_width(0, 10)
    sheet.set_width(1, 12)
    return table


def _period_label(ctx: BuildContext, p: Period, months: list[tuple[int, int]]) -> str:
    """The period as people say it; a week names the month it belongs to."""
    from kpi_xl.core.i18n import month_name

    if p.type == "year":
        return ctx.t("fy", year=ctx.plan.fiscal_year)
    if p.type == "quarter":
        return ctx.t("quarter_name", q=p.quarter)
    if p.type == "month":
        return month_name(ctx.lang, *months[p.month])
    return ctx.t("targets.week_label", day=p.first.isoformat(),
                 month=month_name(ctx.lang, *months[p.month]))
