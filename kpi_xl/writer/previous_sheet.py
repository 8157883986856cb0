"""The "last quarter review" sheet: what earlier quarters' actuals teach the new quarter.

Figures carried from last quarter's workbook are history and are written as constants; every
comparison made with them is a live formula (written with its cached value from the same
expression): achievement and status per KPI, months in which a KPI was met while the KGI was
missed (and the KPI倒れ verdict), year to date including the new quarter's live actuals, and
achieved conversion rates against the rates the plan assumes, flagged when the plan assumes a
clearly better rate.

The flags and their thresholds are defined once in :mod:`kpi_xl.core.review_flags`, which
``kpi-xl check`` evaluates over the same cells: the rate comparisons are the table
``<Prefix>_PrevRates``, last quarter's months the table ``<Prefix>_PrevMonths``, and the
thresholds are input cells with defined names (``<Prefix>_PrevRateGap``, ``_PrevMinCases``,
``_PrevMinPeriods``; the KGI's KPI is ``<Prefix>_PrevKGI``).
"""

from __future__ import annotations

import datetime as dt

from kpi_xl.core.expr import Expr, Num, area, count_equal, if_, iferror, ref
from kpi_xl.core.failure import EVIDENCE_MIN_PERIODS, CorrelationLine, analyze, correlation_lines
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import DIRECTIONS, UNIT_LABELS, number_kind
from kpi_xl.core.measures import achievement_expr
from kpi_xl.core.review_flags import MIN_CASES, RATE_GAP, collapse_flag, names, rate_verdict
from kpi_xl.core.rollforward import Carried, failure_records
from kpi_xl.writer.blocks import title_block
from kpi_xl.writer.book import SheetWriter, display_width
from kpi_xl.writer.context import BuildContext

__all__ = ["previous_quarter_sheet", "sheet_name"]

WIDTH = 12
#: The column of the threshold cells: their labels (in column A) run on up to it.
INPUT_COL = 5

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
    collapse_lines = _collapse_lines(carried, lang)
    collapse_rows = 5 + max(len(collapse_lines[0]), 1) + len(collapse_lines[1])
    reviews_rows = 5 + len(carried.done_reviews) if carried.done_reviews else 4
    history_row = row + 2 + by_kpi_rows + 1 + rates_rows + collapse_rows + reviews_rows + 1
    history = _history(ctx, sheet, history_row, carried)

    lower = DIRECTIONS["lower"][lang]
    sheet.section(row, _tx(lang, "by_kpi"), WIDTH)
    row += 1
    sheet.ws.set_row(row, 30)  # wrapped headers
    sheet.header(row, 0, [_tx(lang, k) for k in ("kpi", "unit", "direction", "months", "target",
                                                 "actual", "achievement", "status",
                                                 "met_missed", "ytd_before", "ytd_now",
                                                 "collapse_verdict")])
    row += 1
    first = row
    prefix = ctx.department.prefix
    name_keys: dict[str, str] = {}  # KPI → the cell holding its name (read by formulas)
    for summary in summaries:
        kind = number_kind(summary.unit)
        name = sheet.text_key(row, 0, summary.kpi, f"prev.{row}.kpi", "label_bold")
        name_keys[summary.kpi] = name
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
            sheet.book.define_name(names(prefix)["kgi"], name)
        elif history is None:
            sheet.text(row, 8, _tx(lang, "no_kgi"), "unit")
        else:
            kpis, met, kgi_met = history
            met_missed = sheet.formula(row, 8, count_equal(kpis, ref(name), met, 1, kgi_met, 0),
                                       "count")
            # The KGI-missed months in which the KPI has a verdict: met (the cell beside) or not.
            missed = ref(met_missed) + count_equal(kpis, ref(name), met, 0, kgi_met, 0)
            collapse = collapse_flag(ref(met_missed), missed)
            sheet.formula(row, 11, if_(collapse, _tx(lang, "collapse_flag"), ""))
            sheet.flag_if(row, 11, collapse, "bad")
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
    row = _collapse(ctx, sheet, row, carried, history, collapse_lines, name_keys)
    row = _reviews(ctx, sheet, row, carried)
    sheet.set_width(0, 30)
    for col in range(3, WIDTH):
        sheet.set_width(col, 16)
    # The rates table names each denominator's KPI in column D: whole, never cut by the count
    # beside it ("Opportunities per mont").
    longest = max((display_width(c.denominator_kpi) for c in carried.rates), default=0)
    sheet.set_width(3, max(16, longest + 2))
    sheet.set_width(8, 40)  # the rates' judgement, in words
    sheet.freeze(4)


def _year_to_date(ctx: BuildContext, sheet: SheetWriter, row: int, name: str, kind: str,
                  carried: Carried, to_date: dict[str, tuple[str, str]]) -> None:
    from kpi_xl.core.kpis import infer_kind

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
    measure = infer_kind(ytd.unit, name)
    if measure == "flow":
        sheet.formula(row, 10, ref(before) + now_value, kind)
    elif measure == "level":
        # A level is its latest value: this quarter's once reported, else the last one before.
        sheet.formula(row, 10, if_(reported.gt(0), now, ref(before)), kind)
    else:
        # Ratios and averages (CPA, deal size): the average over every reported month, last
        # quarters' and this quarter's; never added up.
        months = Num(ytd.months)
        sheet.formula(row, 10, iferror((ref(before) * months + now_value * reported)
                                       / (months + reported), ""), kind)


def _rates(ctx: BuildContext, sheet: SheetWriter, row: int, carried: Carried) -> int:
    """Planned rates beside achieved ones: the table ``<Prefix>_PrevRates`` that check reads."""
    lang = ctx.lang
    named = names(ctx.department.prefix)
    sheet.section(row, _tx(lang, "rates"), WIDTH)
    row += 1
    sheet.text(row, 0, _tx(lang, "gap_input"), "label")
    gap = sheet.input(row, INPUT_COL, f"{ctx.department.key}.prev.rate_gap", RATE_GAP, "rate",
                      name=named["rate_gap"], help_title=_tx(lang, "gap"),
                      help_text=_tx(lang, "gap_input"))
    row += 1
    sheet.text(row, 0, _tx(lang, "sample_input"), "label")
    sample = sheet.input(row, INPUT_COL, f"{ctx.department.key}.prev.min_sample", MIN_CASES, "count",
                         name=named["min_cases"], help_title=_tx(lang, "sample_input"),
                         help_text=_tx(lang, "sample_input"))
    row += 1
    sheet.ws.set_row(row, 30)  # wrapped headers
    headers = [_tx(lang, k) for k in ("rate", "numerator", "numerator_value", "denominator",
                                      "denominator_value", "achieved", "planned", "gap",
                                      "judgement")]
    sheet.table(row, 0, row + len(carried.rates), named["rates"], headers)
    row += 1
    for check in carried.rates:
        sheet.text(row, 0, check.label[lang], "label_bold")
        sheet.text(row, 1, check.numerator_kpi, "label")
        numerator = sheet.number(row, 2, check.numerator, "count")
        sheet.text(row, 3, check.denominator_kpi, "label")
        denominator = sheet.number(row, 4, check.denominator, "count")
        planned = ref(check.rate_name)
        verdict = rate_verdict(ref(numerator), ref(denominator), planned, ref(gap), ref(sample))
        achieved = sheet.formula(row, 5, verdict.achieved, "percent")
        verdict = rate_verdict(ref(numerator), ref(denominator), planned, ref(gap), ref(sample),
                               achieved=ref(achieved))
        sheet.formula(row, 6, planned, "percent")
        sheet.formula(row, 7, verdict.gap, "percent")
        sheet.formula(row, 8, verdict.judgement(lang))
        sheet.flag_if(row, 8, verdict.flagged, "bad")
        sheet.flag_if(row, 6, verdict.flagged, "bad")
        row += 1
    return row + 1


def _collapse_lines(carried: Carried, lang: str) -> tuple[list[str], list[CorrelationLine]]:
    """KPI倒れ lines (no floor applies) and each KPI's correlation line (the floor is live)."""
    if carried.kgi_kpi is None:
        return [], []
    records = failure_records(carried.last, carried.kgi_kpi)
    fixed = [f.message for f in analyze(records, kgi=carried.kgi_kpi, lang=lang,
                                        min_periods=10**9) if f.code != "not_enough_data"]
    return fixed, correlation_lines(records, kgi=carried.kgi_kpi, lang=lang)


def _collapse(ctx: BuildContext, sheet: SheetWriter, row: int, carried: Carried,
              history: tuple[Expr, Expr, Expr] | None,
              lines: tuple[list[str], list[CorrelationLine]], name_keys: dict[str, str]
              ) -> int:
    """KPI倒れ lines, and the correlation verdicts under a live evidence floor (an input cell)."""
    lang = ctx.lang
    sheet.section(row, _tx(lang, "collapse"), WIDTH)
    row += 1
    sheet.text(row, 0, _tx(lang, "floor_input"), "label")
    floor = sheet.input(row, INPUT_COL, f"{ctx.department.key}.prev.min_periods", EVIDENCE_MIN_PERIODS,
                        "count", name=names(ctx.department.prefix)["min_periods"],
                        help_title=_tx(lang, "floor_title"), help_text=_tx(lang, "floor_input"))
    row += 1
    sheet.text(row, 0, _tx(lang, "floor_months"), "label")
    if history is not None and carried.kgi_kpi is not None:
        months = sheet.formula(row, INPUT_COL, count_equal(history[0], carried.kgi_kpi), "count")
        # A note that runs on to the right: no cell border drawn through its words.
        sheet.formula(row, INPUT_COL + 1, if_(ref(months).lt(ref(floor)), _tx(lang, "floor_short"),
                                  _tx(lang, "floor_enough")), style="plain_note", fit=False)
    else:
        sheet.number(row, INPUT_COL, 0, "count")
        sheet.text(row, INPUT_COL + 1, _tx(lang, "floor_short"), "plain_note", fit=False)
    row += 1
    fixed, correlations = lines
    if carried.kgi_kpi is None:
        fixed = [_tx(lang, "collapse_no_kgi", name=ctx.department.kgi_measure)]
    for line in fixed or [_tx(lang, "collapse_none")]:
        sheet.text(row, 0, line, "plain_note", fit=False)
        row += 1
    for correlation in correlations:  # the words analyze says for the floor typed above
        node, kgi = (name_keys.get(correlation.node), name_keys.get(correlation.kgi))
        sheet.formula(row, 0, correlation.expr(ref(floor), node and ref(node),
                                               kgi and ref(kgi)), style="plain_note", fit=False)
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
    headers = [_tx(lang, k) for k in ("kpi", "month", "direction", "target", "actual", "met",
                                      "kgi_met")]
    rows = sorted(carried.last.rows, key=lambda r: r.month)
    if rows:  # the table kpi-xl check reads last quarter's months from
        sheet.table(row, 0, row + len(rows), names(ctx.department.prefix)["months"], headers)
    else:
        sheet.header(row, 0, headers)
    row += 1
    months, kpi_names, mets, kgi_mets = [], [], [], []
    for item in rows:
        kind = number_kind(item.unit)
        kpi_names.append(sheet.text_key(row, 0, item.kpi, f"hist.{row}.kpi"))
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
    kpi_area, month_area, met_area = area(kpi_names), area(months), area(mets)
    first = row - len(rows)
    for i in range(len(rows)):
        r = first + i
        month = ref(months[i])
        met_kgi = count_equal(month_area, month, kpi_area, carried.kgi_kpi, met_area, 1)
        missed_kgi = count_equal(month_area, month, kpi_area, carried.kgi_kpi, met_area, 0)
        kgi_mets.append(sheet.formula(r, 6, if_(met_kgi.gt(0), 1, if_(missed_kgi.gt(0), 0, "")),
                                      "count"))
    return kpi_area, met_area, area(kgi_mets)
