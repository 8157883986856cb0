"""The Review log (PDCA): weekly, monthly and quarterly reviews scheduled with drop-downs.

Open actions of last quarter's log come first, with their original dates and the quarter they
were carried from. Two live columns tell whether the reviews take place
(:mod:`kpi_xl.core.reviews`, the definition ``kpi-xl check`` evaluates too): the days a pending
review is late, and whether it is late beyond its cadence, which the checklist counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kpi_xl.core.expr import Expr, column, ref, this_row
from kpi_xl.core.kpis import CADENCES
from kpi_xl.core.reviews import (
    ReviewEntry,
    cadence_text,
    late_days,
    overdue,
    review_rhythm,
    status_text,
)
from kpi_xl.writer.blocks import (
    title_block,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext, KpiRow

__all__ = ["ReviewLog", "write_review_sheet"]

_FIELDS = ("review.date", "review.cadence", "review.kpi", "review.fact", "review.cause",
           "review.action", "review.owner", "review.due", "review.status", "review.carried",
           "review.late", "review.overdue")
_DATE, _CADENCE, _STATUS, _FACT, _ACTION, _CARRIED, _LATE, _OVERDUE = 0, 1, 8, 3, 5, 9, 10, 11


@dataclass
class ReviewLog:
    """Keys the checklist reads: each row's cadence, and the table's overdue column."""

    cadence: list[str]
    overdue: Expr  # the whole "Overdue" column (grows with the table)


def write_review_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                       rows: list[KpiRow]) -> ReviewLog:
    lang, plan, dept = ctx.lang, ctx.plan, ctx.department
    width = len(_FIELDS)
    row = title_block(sheet, lang, heading, period, width)
    sheet.text(row - 1, 0, review_rhythm(lang, [r.kpi for r in rows]), "plain_note", fit=False)
    row += 1
    sheet.text(row - 1, 0, ctx.t("review.late_help"), "plain_note", fit=False)
    row += 1
    sheet.section(row, ctx.t("review.section"), width)
    row += 1
    headers = [ctx.t(k) for k in _FIELDS]
    table = f"{dept.prefix}_Reviews"
    # The quarter's review rhythm, pre-scheduled: weekly, month ends and the quarter end.
    months = [plan.months()[i] for i in ctx.quarter.month_indexes()]
    # A weekly review opens each of the quarter's weeks, on the plan's review day.
    schedule: list[tuple[dt.date, str]] = [(day, "weekly") for day in ctx.quarter_weeks()]
    for y, m in months:
        schedule.append((_month_end(y, m), "monthly"))
    schedule.append((_month_end(*months[-1]), "quarterly"))
    schedule.sort(key=lambda item: (item[0], list(CADENCES).index(item[1])))
    carried = _carried(ctx)
    first = row + 1
    last = first + len(carried) + len(schedule) - 1
    resolver = ctx.book.resolver(sheet.name)

    def formulas(keys: dict[int, str]) -> tuple[Expr, Expr]:
        def cell(col: int) -> Expr:
            return this_row(table, headers[col], keys.get(col, "_"))
        late = late_days(cell(_DATE), cell(_STATUS), cell(_FACT), cell(_ACTION), lang)
        return late, overdue(cell(_CADENCE), cell(_LATE), lang)

    late_text, overdue_text = formulas({})
    sheet.table(row, 0, last, table, headers,
                column_formulas={_LATE: "=" + late_text.formula(resolver),
                                 _OVERDUE: "=" + overdue_text.formula(resolver)})
    cadence_keys, overdue_keys = [], []
    r = first
    for i, entry in enumerate(carried):
        keys = _carried_row(ctx, sheet, r, i, entry)
        cadence_keys.append(keys[_CADENCE])
        overdue_keys.append(_live_columns(sheet, r, keys, formulas))
        r += 1
    for i, (day, cadence) in enumerate(schedule):
        keys = {_DATE: sheet.date(r, 0, day, "date", "input")}
        keys[_CADENCE] = sheet.input(r, 1, f"review.{i}.cadence", CADENCES[cadence][lang],
                                     "text", validate=False)
        for col in range(2, 10):
            kind = "date" if col == 7 else "text"
            value = ctx.t("review.open") if col == _STATUS else None
            keys[col] = sheet.input(r, col, f"review.{i}.{col}", value, kind, validate=False)
        cadence_keys.append(keys[_CADENCE])
        overdue_keys.append(_live_columns(sheet, r, keys, formulas))
        r += 1
    sheet.list_validation(first, 1, last + 50, [v[lang] for v in CADENCES.values()])
    names = [r.kpi.name for r in rows]
    if names:
        sheet.list_validation(first, 2, last + 50, names)
    owners = sorted({r.kpi.owner for r in rows if r.kpi.owner})
    if owners:
        sheet.list_validation(first, 6, last + 50, owners)
    sheet.list_validation(first, 8, last + 50, [ctx.t("review.open"), ctx.t("review.doing"),
                                                ctx.t("review.done")])
    for col in (3, 4, 5):
        sheet.set_width(col, 30)
    return ReviewLog(cadence_keys, column(table, headers[_OVERDUE], overdue_keys))


def _live_columns(sheet: SheetWriter, r: int, keys: dict[int, str],
                  formulas: Callable[[dict[int, str]], tuple[Expr, Expr]]) -> str:
    """The row's days late and overdue flag (live, with TODAY()); returns the flag's key."""
    late_expr, _ = formulas(keys)
    keys[_LATE] = sheet.formula(r, _LATE, late_expr, "count")
    _, overdue_expr = formulas(keys)
    flag = sheet.formula(r, _OVERDUE, overdue_expr, "flag")
    sheet.flag_if(r, _LATE, ref(keys[_LATE]).ne(""), "warn")
    sheet.flag_if(r, _OVERDUE, ref(flag).eq(1), "bad")
    sheet.flag_if(r, _DATE, ref(flag).eq(1), "bad")
    return flag


def _carried(ctx: BuildContext) -> list[ReviewEntry]:
    """Last quarter's open actions (kpi_xl.core.reviews.open_entries), oldest first."""
    previous = ctx.previous
    if previous is None:
        return []
    entries = list(previous.open_reviews)  # type: ignore[attr-defined]
    quarter = previous.last.quarter.folder_name  # type: ignore[attr-defined]
    return [_with_origin(e, quarter) for e in sorted(entries, key=_date_order)]


def _date_order(entry: ReviewEntry) -> tuple[int, str]:
    day = entry.day
    return (0, day.isoformat()) if isinstance(day, dt.date) else (1, str(day or ""))


def _with_origin(entry: ReviewEntry, quarter: str) -> ReviewEntry:
    from dataclasses import replace

    return entry if entry.carried_from else replace(entry, carried_from=quarter)


def _carried_row(ctx: BuildContext, sheet: SheetWriter, r: int, i: int, entry: ReviewEntry
                 ) -> dict[int, str]:
    """One carried entry, as typed last quarter (still editable: its action is open)."""
    lang = ctx.lang
    keys: dict[int, str] = {}
    for col, value in enumerate((entry.day, cadence_text(entry.cadence, lang), entry.kpi,
                                 entry.fact, entry.cause, entry.action, entry.owner, entry.due,
                                 status_text(entry.status, lang), entry.carried_from)):
        key = f"review.carried.{i}.{col}"
        if isinstance(value, dt.date):
            keys[col] = sheet.date(r, col, value, "date", "input", key=key)
        else:
            kind = "date" if col in (_DATE, 7) else "text"
            keys[col] = sheet.input(r, col, key, value or None, kind, validate=False)
    return keys


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)
