"""The Review log (PDCA): weekly, monthly and quarterly reviews scheduled with drop-downs."""

from __future__ import annotations

import datetime as dt

from kpi_xl.core.kpis import CADENCES
from kpi_xl.writer.blocks import (
    title_block,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext, KpiRow


def write_review_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
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
    if names:
        sheet.list_validation(first, 2, last + 50, names)
    owners = sorted({r.kpi.owner for r in rows if r.kpi.owner})
    if owners:
        sheet.list_validation(first, 6, last + 50, owners)
    sheet.list_validation(first, 8, last + 50, [ctx.t("review.open"), ctx.t("review.doing"),
                                                ctx.t("review.done")])
    for col in (3, 4, 5):
        sheet.set_width(col, 30)
    return cadence_keys


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)
