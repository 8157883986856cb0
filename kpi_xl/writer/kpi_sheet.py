"""The KPI sheet: the department's 3–5 KPIs as an Excel Table, with SMART verdicts and live checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from kpi_xl.core.expr import (
    Expr,
    if_,
    or_,
    ref,
)
from kpi_xl.core.kpis import (
    CADENCES,
    DIRECTIONS,
    KINDS_OF_INDICATOR,
    UNIT_LABELS,
    Kpi,
    number_kind,
)
from kpi_xl.core.measures import outside_range_expr
from kpi_xl.writer.blocks import (
    title_block,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext, KpiRow
from kpi_xl.writer.targets_sheet import TargetsTable

DEFINITION_WIDTH = 26


STATEMENT_WIDTH = 46
PERIOD_WIDTH = 22
#: The SMART verdict column: an NG verdict names the letters and why, wrapped, never cut off.
SMART_WIDTH = 30


KPI_SHEET_COLUMNS = ("kpi.no", "kpi.name", "kpi.definition", "kpi.ksf", "kpi.unit", "kpi.kind",
                     "kpi.direction", "kpi.target", "kpi.period", "kpi.deadline", "kpi.owner",
                     "kpi.cadence", "kpi.indicator", "kpi.link", "kpi.statement", "kpi.smart",
                     "kpi.live_check")


def kpi_name_key(index: int) -> str:
    """Key of the cell holding the name of the KPI at ``index`` on the KPI sheet."""
    return f"kpi.{index}.name"


def write_kpi_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                    targets: TargetsTable) -> list[KpiRow]:
    """The KPI list as an Excel Table (``Sales_KPIList``) with its SMART verdicts and live checks.

    Each KPI's target is its target for the quarter being generated, read from the Targets table;
    the SMART statement states that figure and its period.
    """
    from kpi_xl.core.i18n import quarter_label
    from kpi_xl.core.kpis import statement_expr

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
    months = ctx.plan.months()
    q_months = [months[m] for m in ctx.quarter.month_indexes()]
    q_first = dt.date(*q_months[0], 1)
    q_name = f"{ctx.t('quarter_name', q=ctx.quarter.quarter)} ({quarter_label(lang, q_months)})"
    targets_for: list[Expr] = [targets.lookup(i, "quarter", q_first) for i in range(len(kpis))]
    periods = [ctx.t(f"kpi.period.{kpi.measure_kind}", quarter=q_name)
               + (ctx.t("kpi.period.lagged", months=ctx.lagged_months(kpi))
                  if ctx.lagged_months(kpi) else "") for kpi in kpis]
    # SMART judges each KPI per month, as the plan defines it (a linked target is the plan's
    # average month): the same verdict as kpi-xl check gives the plan.
    smart = _smart_results(kpis, lang, ctx)
    for i, kpi in enumerate(kpis):
        r = first + i
        base = f"kpi.{i}"
        sheet.number(r, col["kpi.no"], i + 1, "count", "label")
        name = sheet.text_key(r, col["kpi.name"], kpi.name, kpi_name_key(i), "label_bold")
        sheet.text(r, col["kpi.definition"], kpi.definition, "note_wrap", fit=False)
        ksf = sheet.text_key(r, col["kpi.ksf"], kpi.ksf, f"{base}.ksf")
        unit = sheet.text_key(r, col["kpi.unit"], UNIT_LABELS.get(kpi.unit, {lang: kpi.unit})[lang],
                              f"{base}.unit", "unit")
        sheet.text(r, col["kpi.kind"], kpi.measure_kind, "unit")
        direction = sheet.input(r, col["kpi.direction"], f"{base}.direction",
                                DIRECTIONS[kpi.direction][lang], "text", validate=False)
        kind = number_kind(kpi.unit)
        target = sheet.formula(r, col["kpi.target"], targets_for[i], kind, key=f"{base}.target")
        sheet.text(r, col["kpi.period"], periods[i], "note_wrap", fit=False)
        deadline = sheet.input(r, col["kpi.deadline"], f"{base}.deadline",
                               excel_serial(kpi.deadline) if kpi.deadline else None, "date",
                               validate=False)
        owner = sheet.input(r, col["kpi.owner"], f"{base}.owner", kpi.owner or None, "text",
                            validate=False)
        sheet.input(r, col["kpi.cadence"], f"{base}.cadence", CADENCES[kpi.cadence][lang], "text",
                    validate=False)
        sheet.text(r, col["kpi.indicator"], KINDS_OF_INDICATOR[kpi.indicator][lang], "label")
        sheet.text(r, col["kpi.link"], kpi.link or "", "note")
        # Live: the statement's number is the target cell, so it follows a changed input.
        stated = statement_expr(kpi, lang, periods[i], ref(target))
        sheet.formula(r, col["kpi.statement"], stated, style="note_wrap")
        said = str(stated.evaluate(ctx.book.env))  # the cell's cached text, to size the row
        sheet.text(r, col["kpi.smart"], smart[i], "note_wrap", fit=False)
        c = col["kpi.live_check"]
        missing = or_(ref(target).eq(""), ref(deadline).eq(""), ref(owner).eq(""))
        outside = _outside_benchmark(kpi, ref(target))
        verdict = if_(missing, ctx.t("kpi.check_missing"),
                      if_(outside, ctx.t("kpi.check_benchmark"), ctx.t("check.ok")))
        sheet.formula(r, c, verdict)
        sheet.flag_if(r, c, missing, "bad")
        sheet.flag_if(r, c, outside, "warn")
        sheet.fit_row(r, [(kpi.definition, DEFINITION_WIDTH), (said, STATEMENT_WIDTH),
                          (periods[i], PERIOD_WIDTH), (smart[i], SMART_WIDTH)])
        rows.append(KpiRow(kpi, name, unit, direction, target, deadline, owner, ksf, i))
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
    sheet.set_width(col["kpi.period"], PERIOD_WIDTH)
    sheet.set_width(col["kpi.smart"], SMART_WIDTH)
    return rows


def _outside_benchmark(kpi: Kpi, target: Expr) -> Expr:
    """A live test of the KPI's target against its benchmark (false when it has none)."""
    from kpi_xl.core.kpi_checks import benchmark_for

    bench = benchmark_for(kpi)
    return outside_range_expr(target, *(bench.bounds if bench is not None else (None, None)))


def _smart_results(kpis: Sequence[Kpi], lang: str, ctx: BuildContext) -> list[str]:
    """SMART verdicts, written at generation (a cell cannot run the checker without the add-in)."""
    from kpi_xl.core.kpi_checks import smart_check

    return [smart_check(kpi, lang, ctx.plan).summary() for kpi in kpis]


def excel_serial(day: dt.date) -> float:
    return float((day - dt.date(1899, 12, 30)).days)
