"""The OKR sheet: each key result scored 0–1 from the KPI that measures it."""

from __future__ import annotations

from kpi_xl.core.expr import (
    Expr,
    Num,
    area,
    if_,
    iferror,
    index_match,
    ref,
)
from kpi_xl.core.kpis import number_kind
from kpi_xl.core.measures import okr_score_expr
from kpi_xl.writer.blocks import (
    title_block,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext, KpiRow, Summary
from kpi_xl.writer.targets_sheet import TargetsTable


def write_okr_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                    rows: list[KpiRow], summary: Summary, targets: TargetsTable) -> None:
    """Key results scored 0–1, each beside its KPI's target for this quarter (from the Targets
    table, found by the KPI's name with exact comparisons)."""
    import datetime as dt

    lang = ctx.lang
    quarter_first = dt.date(*ctx.plan.months()[ctx.quarter.month_indexes()[0]], 1)
    okrs = [o for o in ctx.plan.okrs if o.department == ctx.department.key]
    row = title_block(sheet, lang, heading, period, 9)
    sheet.section(row, ctx.t("okr.section"), 9)
    row += 1
    headers = [ctx.t(k) for k in ("okr.objective", "okr.kr", "okr.kpi", "okr.start", "okr.target",
                                  "okr.current", "okr.score", "okr.judgement",
                                  "okr.kpi_target")]
    sheet.header(row, 0, headers)
    row += 1
    first = row
    names = area(summary.names) if summary.names else None
    units = {r.kpi.name: r.kpi.unit for r in rows}
    for i, okr in enumerate(okrs or []):
        base = f"okr.{i}"
        # Figures in the measuring KPI's own format: a rate as 20.0%, a count as 1,250.
        kind = number_kind(units[okr.kpi]) if okr.kpi in units else "decimal"
        sheet.input(row, 0, f"{base}.objective", okr.objective, "text", validate=False)
        sheet.input(row, 1, f"{base}.kr", okr.key_result, "text", validate=False)
        kpi = sheet.input(row, 2, f"{base}.kpi", okr.kpi, "text", validate=False)
        start = sheet.input(row, 3, f"{base}.start", okr.start, kind, validate=False)
        target = sheet.input(row, 4, f"{base}.target", okr.target, kind, validate=False)
        if names is not None:
            current_expr: Expr = iferror(index_match(area(summary.monthly_average), ref(kpi),
                                                     names), "")
        else:
            current_expr = Num(0)
        current = sheet.formula(row, 5, current_expr, kind)
        score = sheet.formula(row, 6, okr_score_expr(ref(current), ref(start), ref(target)),
                              "score")
        sheet.formula(row, 7, if_(ref(score).eq(""), "",
                                  if_(ref(score).ge(1), ctx.t("okr.stretch"),
                                      if_(ref(score).ge(0.6), ctx.t("okr.success"),
                                          if_(ref(score).ge(0.3), ctx.t("okr.progress"),
                                              ctx.t("okr.behind"))))))
        sheet.formula(row, 8, targets.by_name(ref(kpi), "quarter", quarter_first), kind)
        row += 1
    last = max(row - 1, first)
    if rows:
        names_list = [r.kpi.name for r in rows]
        sheet.list_validation(first, 2, last + 10, names_list)  # long lists: a hidden sheet
    # The 60–70% band that marks an OKR success.
    sheet.conditional(first, 6, last, 6, {"type": "cell", "criteria": "between", "minimum": 0.6,
                                          "maximum": 1, "format": sheet.book.fmt("good")})
    sheet.conditional(first, 6, last, 6, {"type": "cell", "criteria": "between", "minimum": 0.3,
                                          "maximum": 0.5999999, "format": sheet.book.fmt("warn")})
    sheet.set_width(0, 30)
    sheet.set_width(1, 36)
