"""``kpi-xl generate --with-udfs``: a sheet of cells that call the kpi_xl Excel functions.

Only for planners who have the add-in (see ``kpi-xl addin``): without it Excel shows ``#NAME?``
in these cells, which is why workbooks get them only on request and never depend on them. The
sheet holds:

- a live SMART check of every KPI, ``=KPI_SMART_CHECK(statement, target, deadline, owner, KSF)``,
  reading the KPI sheet's cells (the statement is editable here);
- the department's KPI tree as a table (ID, Parent, Name, Kind, Department, Operator, Target,
  Unit, Owner) that follows the KPI sheet, checked by ``=KPI_TREE_VALIDATE(table)``, a
  dynamic-array formula that spills one row per finding.

Cached values come from calling the same functions in Python (:mod:`kpi_xl.addin.udfs`), so previews
show what Excel will show once the add-in computes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kpi_xl.core.expr import Expr, Value, if_, ref
from kpi_xl.core.functions import FUNCTIONS
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import statement

if TYPE_CHECKING:
    from kpi_xl.writer.context import BuildContext, KpiRow

__all__ = ["UdfCall", "add_udf_cells"]



@dataclass(frozen=True, eq=False)
class UdfCall(Expr):
    """A call of a kpi_xl Excel function: formula text for Excel, the UDF itself for the value."""

    name: str
    args: tuple[Expr, ...]

    def formula(self, resolver: Any) -> str:
        return f"{self.name}({','.join(a.formula(resolver) for a in self.args)})"

    def evaluate(self, env: Mapping[str, Value]) -> Value:

        value = FUNCTIONS[self.name](*(_value(a, env) for a in self.args))
        while isinstance(value, list) and value:  # a cell shows an array's first value
            value = value[0]
        return value  # type: ignore[return-value]

    def keys(self) -> set[str]:
        out: set[str] = set()
        for arg in self.args:
            out |= arg.keys()
        return out


@dataclass(frozen=True, eq=False)
class Block(Expr):
    """A rectangular block of cells (rows of keys), passed to a UDF as a 2-D range."""

    rows: tuple[tuple[str, ...], ...]
    address: Callable[[str], str]

    def formula(self, resolver: Any) -> str:
        return f"{self.address(self.rows[0][0])}:{self.address(self.rows[-1][-1])}"

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        raise TypeError("a block is only valid as a UDF argument")

    def values(self, env: Mapping[str, Value]) -> list[list[Value | None]]:
        return [[env.get(k) for k in row] for row in self.rows]

    def keys(self) -> set[str]:
        return {k for row in self.rows for k in row}


def _value(arg: Expr, env: Mapping[str, Value]) -> Any:
    if isinstance(arg, Block):
        return arg.values(env)
    value = arg.evaluate(env)
    return None if value == "" else value  # an empty cell, as classic xlwings passes it


def add_udf_cells(ctx: BuildContext, rows: Sequence[KpiRow]) -> None:
    """Add the add-in sheet to a department workbook (called by ``build_department``)."""
    def text(key: str) -> str:
        return t(ctx.lang, "udf." + key)

    dept, lang, book = ctx.department, ctx.lang, ctx.book
    sheet = book.sheet(text("sheet"))
    sheet.text(0, 0, text("title"), "title")
    sheet.text(1, 0, text("note"), "plain_note", fit=False)
    width = 9

    # SMART check per KPI --------------------------------------------------------------------
    row = 3
    sheet.section(row, text("smart"), width)
    row += 1
    sheet.header(row, 0, text("headers.smart").split("|"))
    row += 1
    prefix = f"{dept.key}.udf"
    for i, kpi_row in enumerate(rows):
        r = row + i
        sheet.number(r, 0, i + 1, "count")
        sheet.formula(r, 1, ref(kpi_row.name))
        stmt = sheet.input(r, 2, f"{prefix}.{i}.statement", statement(kpi_row.kpi, lang), "text",
                           validate=False)
        target = sheet.formula(r, 3, _or_blank(kpi_row.target), _kind_of(kpi_row))
        deadline = sheet.formula(r, 4, _or_blank(kpi_row.deadline), "date")
        owner = sheet.formula(r, 5, ref(kpi_row.owner).concat(""))
        ksf = sheet.formula(r, 6, ref(kpi_row.ksf).concat(""))
        sheet.formula(r, 7, UdfCall("KPI_SMART_CHECK", (ref(stmt), ref(target), ref(deadline),
                                                        ref(owner), ref(ksf))),
                      style="formula_bold")
    if rows:
        last = row + len(rows) - 1
        for criteria, style in (("NG", "bad"), ("OK", "good")):
            sheet.conditional(row, 7, last, 7, {"type": "text", "criteria": "begins with",
                                                "value": criteria, "format": book.fmt(style)})
    row += max(len(rows), 1) + 1

    # KPI tree table and its validation -------------------------------------------------------
    sheet.section(row, text("tree"), width)
    row += 1
    headers = text("headers.tree").split("|")
    header_keys = tuple(sheet.text_key(row, c, h, f"{prefix}.tree.h{c}", "header")
                        for c, h in enumerate(headers))
    table_rows: list[tuple[str, ...]] = [header_keys]
    row += 1
    kgi_label, kgi_name, kgi_kind = dept.kgi
    ksfs = list(dict.fromkeys(r.kpi.ksf for r in rows if r.kpi.ksf))

    def node(cells: Sequence[object]) -> None:
        nonlocal row
        keys = []
        for c, cell in enumerate(cells):
            key = f"{prefix}.tree.{row}.{c}"
            if isinstance(cell, Expr):
                sheet.formula(row, c, cell, key=key)
            elif isinstance(cell, (int, float)):
                sheet.number(row, c, cell, key=key)
            else:
                sheet.input(row, c, key, cell if cell else None, "text", validate=False)
            keys.append(key)
        table_rows.append(tuple(keys))
        row += 1

    kgi_unit = "円" if kgi_kind == "money" else ("%" if kgi_kind in ("rate", "percent") else "")
    node(["KGI", "", kgi_label[lang], "KGI", dept.key, "", ref(kgi_name), kgi_unit, ""])
    for k, ksf in enumerate(ksfs, start=1):
        node([f"KSF{k}", "KGI", ksf, "KSF", dept.key, "", "", "", ""])
    for i, kpi_row in enumerate(rows, start=1):
        parent = f"KSF{ksfs.index(kpi_row.kpi.ksf) + 1}" if kpi_row.kpi.ksf else "KGI"
        node([f"KPI{i}", parent, ref(kpi_row.name), "KPI", dept.key, "",
              _or_blank(kpi_row.target), kpi_row.kpi.unit, ref(kpi_row.owner).concat("")])
    row += 1
    sheet.text(row, 0, text("result"), "label_bold")
    row += 1
    block = Block(tuple(table_rows), lambda key: _address(book, key, sheet.name))
    call = UdfCall("KPI_TREE_VALIDATE", (block,))
    _spill(sheet, row, 0, call, book)
    sheet.set_width(2, 40)
    sheet.set_width(3, 14)
    sheet.freeze(3)


def _kind_of(kpi_row: KpiRow) -> str:
    from kpi_xl.core.kpis import number_kind

    return number_kind(kpi_row.kpi.unit)


def _or_blank(key: str) -> Expr:
    """The cell's value, or "" when it is empty (a plain reference would show 0)."""
    return if_(ref(key).eq(""), "", ref(key))


def _address(book: Any, key: str, from_sheet: str) -> str:
    return book.address(key, from_sheet)


def _spill(sheet: Any, row: int, col: int, call: UdfCall, book: Any) -> None:
    """Write an array-returning UDF as a dynamic-array formula that spills (Excel 365)."""
    values = [[_value(a, book.env) for a in call.args]]

    result = FUNCTIONS[call.name](*values[0])
    first = result
    while isinstance(first, list) and first:
        first = first[0]
    text = "=" + call.formula(book.resolver(sheet.name))
    lines = result if isinstance(result, list) else [[result]]
    sheet.spilling_formula(row, col, text, first, 1, max(len(line) for line in lines))
    # Note the spilled findings' widths so the message column fits.
    for line in lines:
        for c, value in enumerate(line):
            sheet.note_width(col + c, str(value)[:60])
