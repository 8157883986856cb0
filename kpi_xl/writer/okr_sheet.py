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
from kpi_xl.core.measures import okr_score_expr
from kpi_xl.writer.blocks import (
    title_block,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext, KpiRow, Summary


def write_okr_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
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
        sheet.list_validation(first, 2, last + 10, names_list)  # long lists: a hidden sheet
    # The 60–70% band that marks an OKR success.
    sheet.conditional(first, 6, last, 6, {"type": "cell", "criteria": "between", "minimum": 0.6,
                                          "maximum": 1, "format": sheet.book.fmt("good")})
    sheet.conditional(first, 6, last, 6, {"type": "cell", "criteria": "between", "minimum": 0.3,
                                          "maximum": 0.5999999, "format": sheet.book.fmt("warn")})
    sheet.set_width(0, 30)
    sheet.set_width(1, 36)
