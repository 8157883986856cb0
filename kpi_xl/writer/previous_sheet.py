"""The "last quarter review" sheet: what earlier quarters' actuals teach the new quarter.

Figures carried from last quarter's workbook are history and are written as constants; every
comparison made with them is a live formula (written with its cached value from the same
expression): achievement and status per KPI, months in which a KPI was met while the KGI was
missed, year to date including the new quarter's live actuals, and achieved conversion rates
against the rates the plan assumes, flagged when the plan assumes a clearly better rate.

Thresholds (editable input cells on the sheet):

- ``RATE_GAP`` (20%): a planned rate is flagged when it exceeds the achieved rate by more than
  this, relatively (planned > achieved × 1.2). Smaller gaps are within a quarter's noise.
- ``MIN_SAMPLE`` (30): below this many cases in the wider stage (e.g. 30 opportunities), an
  achieved rate is too noisy to judge a plan by, and the row says so instead.
"""

from __future__ import annotations

import datetime as dt

from kpi_xl.core.expr import Expr, Num, and_, area, countifs, if_, iferror, or_, ref
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import DIRECTIONS, UNIT_LABELS, number_kind
from kpi_xl.core.measures import achievement_expr
from kpi_xl.core.rollforward import Carried
from kpi_xl.writer.blocks import title_block
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext

__all__ = ["MIN_SAMPLE", "RATE_GAP", "previous_quarter_sheet"]

RATE_GAP = 0.2
MIN_SAMPLE = 30
WIDTH = 11

def _tx(lang: str, key: str, **values: object) -> str:
    return t(lang, "prev." + key, **values)


def sheet_name(lang: str) -> str:
    """The review sheet's name in ``lang`` (at most 31 characters)."""
    return _tx(lang, "sheet")


def _blank(sheet: SheetWriter, row: int, col: int, kind: str = "general") -> str:
    """An empty cell that formulas may refer to (it reads as blank, as in Excel)."""
    sheet.blank(row, col, "label", kind)
    key = sheet.key_at(row, col)
    sheet.book.register(key, sheet, row, col)
    sheet.book.env.set(key, None)  # type: ignore[arg-type]
    return key


def _number_or_blank(sheet: SheetWriter, row: int, col: int, value: float | None,
                     kind: str) -> str:
    if value is None:
        return _blank(sheet, row, col, kind)
    return sheet.number(row, col, value, kind)


def previous_quarter_sheet(ctx: BuildContext, heading: str, period: str,
                           to_date: dict[str, tuple[str, str]],
                           sheet: SheetWriter | None = None) -> None:
    """Write the review sheet from ``ctx.previous`` (a :class:`~kpi_xl.core.rollforward.Carried`).

    ``to_date`` maps a KPI name of the new quarter to the keys of its tracking summary cells
    (actual to date, months reported), so year to date includes the new quarter, live.
    """
    carried: Carried = ctx.previous  # type: ignore[attr-defined]
    lang = ctx.lang
    last = carried.last
    sheet = sheet or ctx.book.sheet(sheet_name(lang))
    row = title_block(sheet, lang, heading, period, WIDTH)
    sheet.text(row - 1, 0, _tx(lang, "help"), "plain_note", fit=False)
    sheet.text(row, 0, _tx(lang, "title", quarter=last.quarter.folder_name), "label_bold",
               fit=False)
    row += 1
    sheet.text(row, 0, _tx(lang, "source", source=last.source.name,
                           quarter=last.quarter.folder_name), "plain_note", fit=False)
    row += 1
    if last.targets_from_plan:
        sheet.text(row, 0, _tx(lang, "from_plan"), "plain_note", fit=False)
        row += 1
    row += 1

    # The history block goes last, but the formulas above need its keys: lay it out first.
    summaries = carried.last_quarter
    by_kpi_rows = len(summaries)
    rates_rows = (len(carried.rates) + 5) if carried.rates else 0
    collapse_rows = 3 + max(len(carried.findings), 1)
    reviews_rows = 5 + len(carried.done_reviews) if carried.done_reviews else 4
    history_row = row + 2 + by_kpi_rows + 1 + rates_rows + collapse_rows + reviews_rows + 1
    history = _history(ctx, sheet, history_row, carried)

    lower = DIRECTIONS["lower"][lang]
    sheet.section(row, _tx(lang, "by_kpi"), WIDTH)
    row += 1
    sheet.ws.set_row(row, 30)  # wrapped headers
    sheet.header(row, 0, [_tx(lang, k) for k in ("kpi", "unit", "direction", "months", "target",
                                                 "actual", "achievement", "status",
                                                 "met_missed", "ytd_before", "ytd_now")])
    row += 1
    first = row
    for summary in summaries:
        kind = number_kind(summary.unit)
        name = sheet.text_key(row, 0, summary.kpi, f"prev.{row}.kpi", "label_bold")
        sheet.text(row, 1, UNIT_LABELS.get(summary.unit, {lang: summary.unit})[lang], "unit")
        direction = sheet.text_key(row, 2, DIRECTIONS[summary.direction][lang],
                                   f"prev.{row}.direction")
        sheet.number(row, 3, summary.months, "count")
        target = _number_or_blank(sheet, row, 4, summary.target, kind)
        actual = sheet.number(row, 5, summary.actual, kind)
        achievement = sheet.formula(
            row, 6, if_(ref(target).eq(""), "",
                        achievement_expr(ref(actual), ref(target), ref(direction).eq(lower))),
            "percent")
        sheet.formula(row, 7, if_(ref(achievement).eq(""), "",
                                  if_(ref(achievement).ge(1), t(lang, "track.achieved"),
                                      t(lang, "track.missed"))))
        if summary.kpi == carried.kgi_kpi:
            sheet.text(row, 8, _tx(lang, "kgi"), "unit")
        elif history is None:
            sheet.text(row, 8, _tx(lang, "no_kgi"), "unit")
        else:
            kpis, met, kgi_met = history
            sheet.formula(row, 8, countifs(kpis, ref(name), met, 1, kgi_met, 0), "count")
        _year_to_date(ctx, sheet, row, summary.kpi, kind, carried, to_date)
        row += 1
    if summaries:
        sheet.conditional(first, 6, row - 1, 6, {
            "type": "icon_set", "icon_style": "3_traffic_lights",
            "icons": [{"criteria": ">=", "type": "number", "value": 1},
                      {"criteria": ">=", "type": "number", "value": 0.8}]})
        sheet.conditional(first, 8, row - 1, 8, {"type": "cell", "criteria": ">", "value": 0,
                                                 "format": sheet.book.fmt("warn")})
    row += 1
    if carried.rates:
        row = _rates(ctx, sheet, row, carried)
    row = _collapse(ctx, sheet, row, carried)
    row = _reviews(ctx, sheet, row, carried)
    sheet.set_width(0, 30)
    for col in range(3, WIDTH):
        sheet.set_width(col, 16)
    sheet.freeze(4)


def _year_to_date(ctx: BuildContext, sheet: SheetWriter, row: int, name: str, kind: str,
                  carried: Carried, to_date: dict[str, tuple[str, str]]) -> None:
    from kpi_xl.core.kpis import aggregation

    ytd = carried.year_to_date.get(name)
    if ytd is None:  # last quarter lies in the previous fiscal year
        _blank(sheet, row, 9, kind)
        _blank(sheet, row, 10, kind)
        return
    before = sheet.number(row, 9, ytd.actual, kind)
    keys = to_date.get(name)
    if keys is None:  # not a KPI of the new quarter: the year so far is what came before
        sheet.formula(row, 10, ref(before), kind)
        return
    now, reported = ref(keys[0]), ref(keys[1])
    now_value = if_(now.eq(""), 0, now)
    if aggregation(ytd.unit) == "sum":
        sheet.formula(row, 10, ref(before) + now_value, kind)
    else:
        # Levels: the average over every reported month, last quarters' and this quarter's.
        months = Num(ytd.months)
        sheet.formula(row, 10, iferror((ref(before) * months + now_value * reported)
                                       / (months + reported), ""), kind)


def _rates(ctx: BuildContext, sheet: SheetWriter, row: int, carried: Carried) -> int:
    lang = ctx.lang
    sheet.section(row, _tx(lang, "rates"), WIDTH)
    row += 1
    sheet.text(row, 0, _tx(lang, "gap_input"), "label")
    gap = sheet.input(row, 3, f"{ctx.department.key}.prev.rate_gap", RATE_GAP, "rate",
                      help_title=_tx(lang, "gap"), help_text=_tx(lang, "gap_input"))
    row += 1
    sheet.text(row, 0, _tx(lang, "sample_input"), "label")
    sample = sheet.input(row, 3, f"{ctx.department.key}.prev.min_sample", MIN_SAMPLE, "count",
                         help_title=_tx(lang, "sample_input"),
                         help_text=_tx(lang, "sample_input"))
    row += 1
    sheet.ws.set_row(row, 30)  # wrapped headers
    sheet.header(row, 0, [_tx(lang, k) for k in ("rate", "numerator", "actual", "denominator",
                                                 "actual", "achieved", "planned", "gap",
                                                 "judgement")])
    row += 1
    for check in carried.rates:
        sheet.text(row, 0, check.label[lang], "label_bold")
        sheet.text(row, 1, check.numerator_kpi, "label")
        numerator = sheet.number(row, 2, check.numerator, "count")
        sheet.text(row, 3, check.denominator_kpi, "label")
        denominator = sheet.number(row, 4, check.denominator, "count")
        achieved = sheet.formula(row, 5, iferror(ref(numerator) / ref(denominator), ""),
                                 "percent")
        planned = sheet.formula(row, 6, ref(check.rate_name), "percent")
        sheet.formula(row, 7, iferror(ref(planned) / ref(achieved) - 1, ""), "percent")
        optimistic = and_(ref(achieved).ne(""),
                          ref(planned).gt(ref(achieved) * (1 + ref(gap))))
        few = or_(ref(denominator).lt(ref(sample)), ref(achieved).eq(""))
        sheet.formula(row, 8, if_(few, _tx(lang, "too_few"),
                                  if_(optimistic, _tx(lang, "too_optimistic"),
                                      _tx(lang, "in_line"))))
        flagged: Expr = and_(if_(few, False, True), optimistic)
        sheet.flag_if(row, 8, flagged, "bad")
        sheet.flag_if(row, 6, flagged, "bad")
        row += 1
    return row + 1


def _collapse(ctx: BuildContext, sheet: SheetWriter, row: int, carried: Carried) -> int:
    lang = ctx.lang
    sheet.section(row, _tx(lang, "collapse"), WIDTH)
    row += 1
    if carried.kgi_kpi is None:
        lines = [_tx(lang, "collapse_no_kgi", name=ctx.department.kgi_measure)]
    else:
        lines = carried.findings or [_tx(lang, "collapse_none")]
    for line in lines:
        sheet.text(row, 0, line, "plain_note", fit=False)
        row += 1
    return row + 1


def _reviews(ctx: BuildContext, sheet: SheetWriter, row: int, carried: Carried) -> int:
    """Last quarter's review log: how many open actions were carried, and the completed ones."""
    from kpi_xl.core.reviews import cadence_text

    lang = ctx.lang
    sheet.section(row, _tx(lang, "reviews"), WIDTH)
    row += 1
    sheet.text(row, 0, _tx(lang, "reviews_open", count=len(carried.open_reviews),
                           quarter=carried.last.quarter.folder_name), "plain_note", fit=False)
    row += 1
    done = carried.done_reviews
    if not done:
        sheet.text(row, 0, _tx(lang, "reviews_none"), "plain_note", fit=False)
        return row + 2
    sheet.text(row, 0, _tx(lang, "reviews_done", count=len(done)), "plain_note", fit=False)
    row += 1
    sheet.header(row, 0, [t(lang, k) for k in ("review.kpi", "review.date", "review.cadence",
                                               "review.fact", "review.action", "review.owner")])
    row += 1
    for entry in done:
        sheet.text(row, 0, entry.kpi, "label")
        if isinstance(entry.day, dt.date):
            sheet.date(row, 1, entry.day, "date")
        else:
            sheet.text(row, 1, str(entry.day or ""), "label")
        sheet.text(row, 2, cadence_text(entry.cadence, lang), "label")
        sheet.text(row, 3, entry.fact, "label", fit=False)
        sheet.text(row, 4, entry.action, "label", fit=False)
        sheet.text(row, 5, entry.owner, "label")
        row += 1
    return row + 1


def _history(ctx: BuildContext, sheet: SheetWriter, row: int, carried: Carried
             ) -> tuple[Expr, Expr, Expr] | None:
    """Monthly rows of last quarter; returns (KPI, met, KGI met) areas when there is a KGI."""
    lang = ctx.lang
    lower = DIRECTIONS["lower"][lang]
    sheet.section(row, _tx(lang, "history"), WIDTH)
    row += 1
    sheet.ws.set_row(row, 30)  # wrapped headers
    sheet.header(row, 0, [_tx(lang, k) for k in ("kpi", "month", "direction", "target", "actual",
                                                 "met", "kgi_met")])
    row += 1
    rows = sorted(carried.last.rows, key=lambda r: r.month)
    months, names, mets, kgi_mets = [], [], [], []
    for item in rows:
        kind = number_kind(item.unit)
        names.append(sheet.text_key(row, 0, item.kpi, f"hist.{row}.kpi"))
        months.append(sheet.date(row, 1, item.month, "month_label"))
        direction = sheet.text_key(row, 2, DIRECTIONS[item.direction][lang], f"hist.{row}.dir")
        target = _number_or_blank(sheet, row, 3, item.target, kind)
        actual = sheet.number(row, 4, item.actual, kind)
        met_if = if_(ref(direction).eq(lower), ref(actual).le(ref(target)),
                     ref(actual).ge(ref(target)))
        mets.append(sheet.formula(row, 5, if_(ref(target).eq(""), "", if_(met_if, 1, 0)),
                                  "count"))
        row += 1
    if not rows or carried.kgi_kpi is None:
        return None
    kpi_area, month_area, met_area = area(names), area(months), area(mets)
    first = row - len(rows)
    for i in range(len(rows)):
        r = first + i
        month = ref(months[i])
        met_kgi = countifs(month_area, month, kpi_area, carried.kgi_kpi, met_area, 1)
        missed_kgi = countifs(month_area, month, kpi_area, carried.kgi_kpi, met_area, 0)
        kgi_mets.append(sheet.formula(r, 6, if_(met_kgi.gt(0), 1, if_(missed_kgi.gt(0), 0, "")),
                                      "count"))
    return kpi_area, met_area, area(kgi_mets)
