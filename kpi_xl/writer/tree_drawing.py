"""The KPI tree drawn on the KPI tree sheet: KGI → KSFs → KPIs as boxes of bordered cells.

Laid out by :func:`kpi_xl.core.tree_layout.layout` (in cells: each box two columns wide and four
rows tall), to the right of the sheet's indented table. Each KPI's box shows its live quarter
target, actual to date and achievement to date, read by formula from the Tracking sheet's summary,
and is coloured green / amber / red by conditional formatting on that achievement, so it follows
the actuals as managers type them and reads the same when printed.
"""

from __future__ import annotations

import re

from kpi_xl.core.expr import ref
from kpi_xl.core.kpis import number_kind
from kpi_xl.core.tree_layout import TreeNode, layout
from kpi_xl.writer.book import SheetWriter, column_letter
from kpi_xl.writer.context import BuildContext, KpiRow, Summary
from kpi_xl.writer.dashboard import traffic_lights

__all__ = ["draw_tree"]

FIRST_COL = 9  # column J: one spacer column after the table's eight (priority is the eighth)
BOX_COLS, BOX_ROWS = 2, 4


def _beside(key: str, letter: str) -> str:
    """The tracking summary's cell in column ``letter`` on the row of ``key`` (Sheet!D12)."""
    sheet, cell = key.rsplit("!", 1)
    return f"{sheet}!{letter}{re.sub(r'^[A-Z]+', '', cell)}"


def draw_tree(ctx: BuildContext, sheet: SheetWriter, rows: list[KpiRow], summary: Summary,
              top: int) -> None:
    """Draw the tree with its top-left box corner at (``top``, column I)."""
    lang, dept = ctx.lang, ctx.department
    # The summary's to-date cells are in column D; the quarter target in C, achievement in F.
    figures = {r.kpi.name: (_beside(key, "C"), key, _beside(key, "F"))
               for r, key in zip(rows, summary.to_date, strict=True)}
    kgi_row = next((r for r in rows if r.kpi.link == dept.kgi_measure), None)
    root = TreeNode(("kgi", dept.kgi[0][lang], kgi_row))
    groups: dict[str, TreeNode] = {}
    for r in rows:
        ksf = r.kpi.ksf or "—"
        if r is kgi_row and not r.kpi.ksf:
            continue
        if ksf not in groups:  # a KSF served only by the KGI's own KPI is drawn too, as the
            groups[ksf] = TreeNode(("ksf", ksf, None))  # table beside it lists it
            root.children.append(groups[ksf])
        if r is not kgi_row:  # the KGI's KPI is the root's box
            groups[ksf].children.append(TreeNode(("kpi", r.kpi.name, r)))
    shape = layout(root, box_w=BOX_COLS, box_h=BOX_ROWS, gap_x=1, gap_y=1, margin=0)
    book = sheet.book
    # The title spans the drawing, borderless: no cell edge drawn through its words.
    sheet.merge(top - 1, FIRST_COL, top - 1, FIRST_COL + max(round(shape.width), 1),
                ctx.t("tree.drawing"), book.fmt("label_bold", border=0))
    name_fmt = book.fmt("header", align="center")
    for box in shape.boxes:
        role, label, row = box.payload  # type: ignore[misc]
        r0, c0 = top + round(box.y), FIRST_COL + round(box.x)
        shown = f"KGI: {label}" if role == "kgi" else label
        sheet.merge(r0, c0, r0, c0 + 1, shown, name_fmt)
        if role == "ksf":
            sheet.merge(r0 + 1, c0, r0 + BOX_ROWS - 1, c0 + 1, "KSF",
                        book.fmt("note", align="center"))
            continue
        if row is None:  # a KGI no KPI measures month by month: its annual target only
            sheet.text(r0 + 1, c0, ctx.t("kpi.target"), "note")
            sheet.formula(r0 + 1, c0 + 1, ref(dept.kgi[1]), dept.kgi[2])
            for r in range(r0 + 2, r0 + BOX_ROWS):
                sheet.blank(r, c0)
                sheet.blank(r, c0 + 1)
            continue
        target, actual, achieved = figures[row.kpi.name]
        kind = number_kind(row.kpi.unit)
        sheet.text(r0 + 1, c0, ctx.t("tree.box_target"), "note")
        sheet.formula(r0 + 1, c0 + 1, ref(target), kind)
        sheet.text(r0 + 2, c0, ctx.t("tree.box_actual"), "note")
        sheet.formula(r0 + 2, c0 + 1, ref(actual), kind)
        sheet.text(r0 + 3, c0, ctx.t("tree.box_achieved"), "note")
        sheet.formula(r0 + 3, c0 + 1, ref(achieved), "percent")
        traffic_lights(sheet, r0, c0, r0 + BOX_ROWS - 1, c0 + 1,
                       f"${column_letter(c0 + 1)}${r0 + 4}")
    arrow = book.fmt("plain_note", align="center")
    for x, y in sorted({line[0] for line in shape.lines}):  # under each parent, over its children
        col = FIRST_COL + round(x - BOX_COLS / 2)
        sheet.merge(top + round(y), col, top + round(y), col + 1, "▼", arrow)
    for i in range(round(shape.width) + 1):
        sheet.set_width(FIRST_COL + i, 11)
    sheet.set_width(FIRST_COL - 1, 3)
    sheet.paper = 8  # the table and the drawing side by side: A3 landscape
