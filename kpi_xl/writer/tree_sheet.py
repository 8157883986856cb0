"""The KPI tree sheet: KGI → KSF → KPI, the live factor decomposition, and the validator's findings."""

from __future__ import annotations

from kpi_xl.core.departments.base import Department
from kpi_xl.core.expr import (
    BinOp,
    Expr,
    Func,
    Ref,
    abs_,
    if_,
    iferror,
    ref,
)
from kpi_xl.core.kpis import CADENCES, Kpi, number_kind
from kpi_xl.writer.blocks import (
    title_block,
    unit_text,
)
from kpi_xl.writer.book import SheetWriter
from kpi_xl.writer.context import BuildContext, KpiRow


def write_tree_sheet(ctx: BuildContext, sheet: SheetWriter, heading: str, period: str,
                rows: list[KpiRow]) -> str:
    lang, dept = ctx.lang, ctx.department
    kpi_sheet = ctx.t("sheet.kpis")
    del kpi_sheet
    row = title_block(sheet, lang, heading, period, 8)
    sheet.section(row, ctx.t("tree.section"), 8)
    row += 1
    # Every target in the table is this quarter's, as on the KPI sheet and in the drawing beside.
    sheet.header(row, 0, ["KGI", "KSF", "KPI", ctx.t("tree.box_target"), ctx.t("kpi.unit"),
                          ctx.t("kpi.owner"), ctx.t("kpi.cadence"), ctx.t("tree.priority")])
    row += 1
    priorities = [ctx.t(f"tree.priority.{level}") for level in PRIORITIES]
    kgi_label, kgi_name, kgi_kind = dept.kgi
    measured_by = next((r for r in rows if r.kpi.link == dept.kgi_measure), None)
    if measured_by is not None:  # the KGI's quarter target: the KPI that measures it
        sheet.text(row, 0, f"■ {kgi_label[lang]}", "label_bold")
        sheet.formula(row, 3, ref(measured_by.target), number_kind(measured_by.kpi.unit),
                      style="formula_bold")
        sheet.formula(row, 4, ref(measured_by.unit), style="unit")
    else:  # no KPI measures it by quarter: the plan's figure, said to be the year's
        sheet.text(row, 0, f"■ {kgi_label[lang]}{ctx.t('tree.kgi_for_year')}", "label_bold")
        sheet.formula(row, 3, ref(kgi_name), kgi_kind, style="formula_bold")
        sheet.text(row, 4, unit_text(lang, kgi_kind, dept.unit_of(kgi_name)), "unit")
    sheet.blank(row, 1)
    sheet.blank(row, 2)
    sheet.blank(row, 5)
    sheet.blank(row, 6)
    sheet.blank(row, 7)
    row += 1
    ksfs: list[str] = []
    kpi_rows: list[int] = []
    for r in rows:
        if r.kpi.ksf not in ksfs:
            ksfs.append(r.kpi.ksf)
    for k, ksf in enumerate(ksfs):
        last_ksf = k == len(ksfs) - 1
        sheet.blank(row, 0)
        sheet.text(row, 1, ("└ " if last_ksf else "├ ") + (ksf or "—"), "label_bold")
        for col in range(2, 8):
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
            sheet.input(row, 7, f"{dept.key}.tree.priority.{r.index}",
                        ctx.t(f"tree.priority.{priority(r.kpi)}"), "text", validate=False)
            kpi_rows.append(row)
            row += 1
    if kpi_rows:
        sheet.list_validation(kpi_rows[0], 7, kpi_rows[-1], priorities,
                              ctx.t("tree.priority"), ctx.t("tree.priority_help"))
    sheet.text(row, 0, ctx.t("tree.priority_note"), "plain_note", fit=False)
    row += 1
    row += 1
    check = _decomposition(ctx, sheet, row)
    _validator_findings(ctx, sheet, sheet.max_row + 2, rows)
    return check


def _validator_findings(ctx: BuildContext, sheet: SheetWriter, row: int,
                        rows: list[KpiRow]) -> None:
    """The KPI tree validator's findings for this plan, as of generation."""
    from kpi_xl.core import tree
    from kpi_xl.core.plan_tree import TREE_TOLERANCE, plan_tree_rows

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
    parent_unit = ctx.department.unit_of(dec.parent_name)
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
    sheet.text(row, 2, unit_text(lang, dec.parent_kind, parent_unit), "unit")
    row += 1
    sheet.text(row, 0, f"{ctx.t('tree.parent')}: {dec.parent[lang]}", "label_bold")
    parent = sheet.formula(row, 1, ref(dec.parent_name), dec.parent_kind, style="formula_bold")
    sheet.text(row, 2, unit_text(lang, dec.parent_kind, parent_unit), "unit")
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
    if any(rounds(expr, ctx.department) for _, expr, _ in dec.factors) or rounds(
            ref(dec.parent_name), ctx.department):
        sheet.text(row, 0, ctx.t("tree.rounding_note"), "plain_note", fit=False)
    sheet.set_width(0, 44)
    return check


#: The article's step 4, prioritise: the levels a KPI may be given, highest first.
PRIORITIES = ("high", "mid", "low")


def priority(kpi: Kpi) -> str:
    """The priority a KPI starts with (the planner may change it on the sheet).

    High: a leading indicator tied to a plan figure (it moves first and its target follows the
    KGI's funnel); middle: one of the two (a lagging result on the funnel, or a leading
    indicator of the planner's own); low: neither.
    """
    linked, leading = bool(kpi.link), kpi.indicator == "leading"
    return "high" if linked and leading else "mid" if linked or leading else "low"


_ROUNDING = frozenset(("ROUNDUP", "ROUNDDOWN", "ROUND"))


def rounds(expr: Expr, dept: Department, seen: frozenset[str] = frozenset()) -> bool:
    """Whether ``expr`` rounds, itself or through the department's outputs it refers to (a
    tree whose stages are rounded up may not multiply back to its target exactly)."""
    if isinstance(expr, Func):
        return expr.name in _ROUNDING or any(rounds(a, dept, seen) for a in expr.args)
    if isinstance(expr, BinOp):
        return rounds(expr.left, dept, seen) or rounds(expr.right, dept, seen)
    if isinstance(expr, Ref) and expr.key not in seen:
        try:
            output = dept.output(expr.key)
        except KeyError:
            return False
        return rounds(output.expr, dept, seen | {expr.key})
    return False
