"""Reading the template's KPI and OKR tables (from an already opened openpyxl workbook).

Rows are found through the Excel Tables' names (``Sales_KPIs``, ``Plan_OKRs``), so planners may
add or delete rows inside a table. Blank rows are skipped; every problem names its cell.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.utils.cell import get_column_letter, range_boundaries

from kpi_xl.core.departments import DEPARTMENTS, Department
from kpi_xl.core.errors import CellProblem
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import (
    CADENCES,
    DIRECTIONS,
    KINDS_OF_INDICATOR,
    MEASURE_KINDS,
    UNIT_LABELS,
    Kpi,
    Okr,
    normalise_choice,
    unit_key,
)
from kpi_xl.core.plan_tables import KPI_COLUMNS, OKR_COLUMNS, OKR_TABLE, Column, field_for_header
from kpi_xl.core.spec import text_number
from kpi_xl.core.textnum import normalize
from kpi_xl.io.safety import MAX_TABLE_ROWS

__all__ = ["filled_kpi_tables", "has_okr_rows", "read_kpis", "read_okrs"]

FormulaResult = Callable[[str, str], Any]
#: A rate KPI's target above this (1000%) is a slip however the cell was formatted.
MAX_PERCENT = 10


def _find_table(wb: Any, name: str) -> tuple[Any, str] | None:
    for ws in wb.worksheets:
        for table_name, table in ws.tables.items():
            if table_name == name:
                ref = table if isinstance(table, str) else table.ref
                return ws, ref
    return None


@dataclass
class _Table:
    """A table's rows (field → (cell, value), plus ``_at``: the row's first cell) and its place."""

    sheet: str
    header: str  # the header row, e.g. "A5:K5"
    first_data: str  # the first data row's first cell, e.g. "A6"
    rows: list[dict[str, tuple[str, Any]]]
    missing: list[Column]  # required columns whose header is not in the table
    too_many: int = 0  # the table's row count when it exceeds MAX_TABLE_ROWS


def _rows(wb: Any, name: str, columns: tuple[Column, ...]) -> _Table | None:
    found = _find_table(wb, name)
    if found is None:
        return None
    ws, ref = found
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    header_ref = (f"{get_column_letter(min_col)}{min_row}:"
                  f"{get_column_letter(max_col)}{min_row}")
    first_data = f"{get_column_letter(min_col)}{min_row + 1}"
    if max_row - min_row > MAX_TABLE_ROWS:
        return _Table(ws.title, header_ref, first_data, [], [], too_many=max_row - min_row)
    cells = list(ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col,
                              max_col=max_col))
    header = [field_for_header(columns, c.value) for c in cells[0]]
    missing = [c for c in columns if c.required and c.field not in header]
    rows = []
    for line in cells[1:]:
        row = {f: (c.coordinate, c.value) for f, c in zip(header, line, strict=False) if f}
        if any(v not in (None, "") and not (isinstance(v, str) and not v.strip())
               for _, v in row.values()):
            row["_at"] = (line[0].coordinate, None)
            # Number formats (as "_fmt.<field>"), to tell "110%" from 1.1 typed in a rate row.
            for f, c in zip(header, line, strict=False):
                if f:
                    row[f"_fmt.{f}"] = (c.coordinate, c.number_format)
            rows.append(row)
    return _Table(ws.title, header_ref, first_data, rows, missing)


def _table_problems(table: _Table, name: str, label: str, lang: str) -> list[CellProblem]:
    """A table too big to be a plan, or missing a required column: one problem each."""
    if table.too_many:
        return [CellProblem(
            table.sheet, table.header, name, label,
            t(lang, "kpitable.too_many_rows", rows=table.too_many),
            t(lang, "kpitable.too_many_rows.expected", max=MAX_TABLE_ROWS))]
    return [CellProblem(
        table.sheet, table.header, name, label,
        t(lang, "kpitable.column_missing", column=t(lang, c.label_key)),
        t(lang, "kpitable.column_missing.expected"))
        for c in table.missing]


#: Fields of free text (longer limit); every other text field is a name.
_FREE_TEXT = frozenset(("definition", "ksf", "objective", "key_result"))


def _too_long(text: str, free: bool, lang: str) -> tuple[str, str] | None:
    """(found, expected) when ``text`` is longer than its field allows (core.spec's limits)."""
    from kpi_xl.core.i18n import t
    from kpi_xl.core.spec import MAX_NAME_UNITS, MAX_TEXT_UNITS, shorten, utf16_len

    limit = MAX_TEXT_UNITS if free else MAX_NAME_UNITS
    units = utf16_len(text) if len(text) > limit // 2 else len(text)
    if units <= limit:
        return None
    return (t(lang, "text.too_long", text=shorten(text), count=f"{units:,}"),
            t(lang, "text.limit_free" if free else "text.limit", limit=f"{limit:,}"))


def _problem(sheet: str, cell: str, name: str, label: str, found: Any, expected: str,
             lang: str) -> CellProblem:
    from kpi_xl.core.spec import shorten

    if found is None or (isinstance(found, str) and not found.strip()):
        shown = t(lang, "kpitable.blank")
    elif isinstance(found, str):
        shown = t(lang, "kpitable.found", found=shorten(found))
    else:
        shown = t(lang, "kpitable.found", found=found)
    return CellProblem(sheet, cell, name, label, shown, expected)


def _choices(choices: dict[str, dict[str, str]], lang: str) -> str:
    return " / ".join(v[lang] for v in choices.values())


def filled_kpi_tables(wb: Any) -> set[str]:
    """The departments whose KPI table holds anything (a table too big to read counts as filled;
    a table that is gone, or has no row with a value in it, does not)."""
    filled = set()
    for key, dept in DEPARTMENTS.items():
        table = _rows(wb, dept.kpi_table, KPI_COLUMNS)
        if table is not None and (table.rows or table.too_many):
            filled.add(key)
    return filled


def read_kpis(wb: Any, lang: str, problems: list[CellProblem],
              formula_result: FormulaResult,
              departments: Collection[str] | None = None) -> dict[str, tuple[Kpi, ...]]:
    """Each planned department's KPIs from its table (``departments``: the keys to read, by
    default all); problems are appended, not raised."""
    out: dict[str, tuple[Kpi, ...]] = {}
    for key, dept in DEPARTMENTS.items():
        if departments is not None and key not in departments:
            continue
        table = _rows(wb, dept.kpi_table, KPI_COLUMNS)
        if table is None:
            sheet, cell = _where_heading_is(wb, dept.name[lang], lang)
            problems.append(CellProblem(
                sheet, cell, dept.kpi_table, dept.name[lang],
                t(lang, "kpitable.table_missing"), t(lang, "kpitable.table_missing.expected")))
            continue
        trouble = _table_problems(table, dept.kpi_table, dept.name[lang], lang)
        if trouble:
            problems.extend(trouble)
            continue
        sheet, rows = table.sheet, table.rows
        kpis: list[Kpi] = []
        names: dict[str, tuple[str, str]] = {}
        for row in rows:
            kpi = _kpi(row, sheet, dept.kpi_table, dept.links, lang, problems, formula_result)
            if kpi is None:
                continue
            duplicate = _duplicate(names, kpi, row["name"][0], sheet, dept.kpi_table, lang)
            if duplicate is not None:
                problems.append(duplicate)
                continue
            kpis.append(kpi)
        if not kpis and not any(p.name == dept.kpi_table for p in problems):
            problems.append(CellProblem(
                sheet, table.first_data, dept.kpi_table, dept.name[lang],
                t(lang, "kpitable.no_kpis"), t(lang, "kpitable.no_kpis.expected")))
        out[key] = tuple(kpis)
    return out


def _duplicate(names: dict[str, tuple[str, str]], kpi: Kpi, cell: str, sheet: str, table: str,
               lang: str) -> CellProblem | None:
    """The problem of a KPI named like an earlier row's (``names``: folded name → (name, cell)
    so far); None, and the name remembered, when it is new. Excel compares text without case
    (lookups, =, COUNTIFS): "Leads" and "LEADS" are one."""
    folded = kpi.name.casefold()
    if folded not in names:
        names[folded] = (kpi.name, cell)
        return None
    first, first_cell = names[folded]
    found = (t(lang, "kpitable.duplicate", name=kpi.name) if first == kpi.name else
             t(lang, "kpi.duplicate_case", name=kpi.name, first=first, cell=first_cell))
    return CellProblem(sheet, cell, table, t(lang, "kpi.name"), found,
                       t(lang, "kpitable.duplicate.expected"))


class _Cells:
    """One KPI table row being read: its cells by field, and the list its problems go to."""

    __slots__ = ("lang", "problems", "row", "sheet", "table")

    def __init__(self, row: dict[str, tuple[str, Any]], sheet: str, table: str, lang: str,
                 problems: list[CellProblem]) -> None:
        self.row = row
        self.sheet = sheet
        self.table = table
        self.lang = lang
        self.problems = problems

    def get(self, field: str) -> tuple[str, Any]:
        """(cell, value) of a field; the row's first cell and None when the column is absent."""
        return self.row.get(field, self.row["_at"])

    def refuse(self, cell: str, field: str, found: Any, expected: str, **values: Any) -> None:
        """Record that ``cell`` holds ``found`` where the text ``kpitable.<expected>`` asks for
        something else (``values`` fill its placeholders)."""
        self.problems.append(_problem(self.sheet, cell, self.table, t(self.lang, f"kpi.{field}"),
                                      found, t(self.lang, f"kpitable.{expected}", **values),
                                      self.lang))

    def text(self, field: str, required: bool = True) -> str:
        """A text cell, stripped ("" when blank; a problem when blank and required)."""
        cell, value = self.get(field)
        value = "" if value is None else str(value).strip()
        if required and not value:
            self.refuse(cell, field, None, "expect.text")
        too_long = _too_long(value, field in _FREE_TEXT, self.lang)
        if too_long:
            self.problems.append(CellProblem(self.sheet, cell, self.table,
                                             t(self.lang, f"kpi.{field}"), *too_long))
            return ""
        return value

    def choice(self, field: str, choices: dict[str, dict[str, str]]) -> str:
        """The key of the choice a cell names in either language (the first after a problem)."""
        cell, value = self.get(field)
        key = normalise_choice(value, choices)
        if key is None:
            self.refuse(cell, field, value, "expect.choice", choices=_choices(choices, self.lang))
            return next(iter(choices))
        return key


def _kpi(row: dict[str, tuple[str, Any]], sheet: str, table: str, links: dict[str, str],
         lang: str, problems: list[CellProblem], formula_result: FormulaResult) -> Kpi | None:
    """The KPI of one table row, or None when any of its cells has a problem (each appended
    to ``problems``, in the order of the columns)."""
    before = len(problems)
    cells = _Cells(row, sheet, table, lang, problems)
    name = cells.text("name")
    definition = cells.text("definition", required=False)
    ksf = cells.text("ksf")
    unit = _unit(cells)
    kind = _kind(cells)
    direction = cells.choice("direction", DIRECTIONS)
    cadence = cells.choice("cadence", CADENCES)
    indicator = cells.choice("indicator", KINDS_OF_INDICATOR)
    link = _link(cells, links)
    target = _target(cells, unit, link, formula_result)
    owner = cells.text("owner")
    deadline = _deadline(cells)
    if link and not len(problems) > before:
        _check_link_kind(cells, name, unit, kind, link, links[link])
    if len(problems) > before or deadline is None:
        return None
    if isinstance(target, bool) or not isinstance(target, (int, float)):
        target = 0  # a linked KPI's target comes from the plan's formula, whatever the cell says
    return Kpi(name, definition, ksf, unit, direction, float(target), deadline, owner,
               cadence, indicator, link=link, kind=kind)


def _kind(cells: _Cells) -> str | None:
    """The measure kind typed (flow, level, ratio, average), or None: inferred from the unit."""
    cell, raw = cells.get("kind")
    if raw is None or not str(raw).strip():
        return None
    kind = normalise_choice(raw, MEASURE_KINDS)
    if kind is None:
        cells.refuse(cell, "kind", raw, "expect.kind", choices=" / ".join(MEASURE_KINDS))
    return kind


def _check_link_kind(cells: _Cells, name: str, unit: str, kind: str | None, link: str,
                     code: str) -> None:
    """A KPI must be of a kind its linked figure can be: deals a month add up (a flow), a
    yearly churn cap is a ratio. Refused at the kind cell, or the unit's when it was inferred."""
    from kpi_xl.core.kpis import infer_kind
    from kpi_xl.core.targets import LINK_KINDS

    allowed = LINK_KINDS[code]
    effective = kind or infer_kind(unit, name)
    if effective in allowed:
        return
    field = "kind" if kind else "unit"
    cell, raw = cells.get(field)
    cells.refuse(cell, field, raw if kind else f"{raw} ({effective})", "expect.link_kind",
                 link=link, kinds=" / ".join(allowed))


def _unit(cells: _Cells) -> str:
    """The unit's key ("件", "%"...); "件" after a problem."""
    cell, raw = cells.get("unit")
    unit = unit_key(raw)
    if unit is None:
        cells.refuse(cell, "unit", raw, "expect.choice",
                     choices=_choices(UNIT_LABELS, cells.lang))
        return "件"
    return unit


def _link(cells: _Cells, links: dict[str, str]) -> str | None:
    """The plan figure the target is linked to, or None (blank, or not one of ``links``)."""
    link = cells.text("link", required=False) or None
    if link and link not in links:
        cells.refuse(cells.get("link")[0], "link", link, "expect.link",
                     choices=" / ".join(links))
        return None
    return link


def _target(cells: _Cells, unit: str, link: str | None, formula_result: FormulaResult) -> Any:
    """The target as typed; 0 after a problem. A linked KPI's cell is not judged.

    A formula gives its saved result; text such as "20%", full-width digits or "1,000" is
    read as a number; a rate above 1 typed without % (20: 20% or 2000%?) is refused.
    """
    cell, target = cells.get("target")
    if isinstance(target, str) and target.startswith("="):
        formula = target
        target = None if link else formula_result(cells.sheet, cell)
        if target is None and not link:  # a formula saved without its result is not "blank"
            from kpi_xl.core.spec import shorten

            cells.problems.append(CellProblem(
                cells.sheet, cell, cells.table, t(cells.lang, "kpi.target"),
                t(cells.lang, "formula.unsaved", formula=shorten(formula)),
                t(cells.lang, "kpitable.expect.number_not_negative")))
            return 0
    # Whether the planner saw a percentage: a cell formatted as %, or text such as "110%".
    seen_percent = "%" in str(cells.get("_fmt.target")[1] or "")
    if isinstance(target, str) and not link:
        # "20%", full-width digits, "1,000": understood; other text is refused below.
        seen_percent = normalize(target).strip().endswith("%")
        target = _number(target, percent=unit == "%")
    if (not link and unit == "%" and isinstance(target, (int, float))
            and not isinstance(target, bool) and math.isfinite(target)
            and (target > MAX_PERCENT or (target > 1 and not seen_percent))):
        # 20 in a rate row that is not formatted as %: 20% or 2000%? Refused, with the fix.
        # (In a cell formatted as %, 1.1 was seen and typed as 110%, and is kept.)
        cells.refuse(cell, "target", target, "expect.percent", target=target,
                     fraction=target / 100)
        return 0
    if not link and (isinstance(target, bool) or not isinstance(target, (int, float))
                     or not math.isfinite(target) or target < 0):
        cells.refuse(cell, "target", target, "expect.number_not_negative")
        return 0
    if not link and isinstance(target, (int, float)):
        from kpi_xl.core.spec import figure_problem

        too_big = figure_problem(float(target), cells.lang)
        if too_big:
            cells.problems.append(CellProblem(
                cells.sheet, cell, cells.table, t(cells.lang, "kpi.target"), too_big,
                t(cells.lang, "kpitable.expect.number_not_negative")))
            return 0
    return target


def _deadline(cells: _Cells) -> dt.date | None:
    """The deadline's date, or None (with a problem) when the cell does not name one day."""
    cell, raw = cells.get("deadline")
    deadline = _date(raw)
    if deadline is None:
        cells.refuse(cell, "deadline", raw, "expect.date")
    return deadline


def _number(value: Any, percent: bool = False) -> float | None:
    """A number, or a number typed as text (full-width digits, separators, "20%")."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        number = text_number(value, "rate" if percent or normalize(value).strip().endswith("%")
                             else "weight")
        return number
    return None


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value: Any) -> dt.date | None:
    """A date cell, an Excel serial, or a date typed as text that can mean one day only.

    Year first is unambiguous (2027-03-31, 2027/3/31, 2027年3月31日, full-width digits too);
    day-first and month-first forms such as 03/04/2027 are not, and are refused.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 < value < 2958466:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    if isinstance(value, str):
        match = _DATE_TEXT.match(normalize(value).strip())
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def _where_heading_is(wb: Any, heading: str, lang: str) -> tuple[str, str]:
    """Where a department's section of the KPI sheet is (its heading), when its table is gone."""
    names = [t(lang, "sheet.kpis"), t("ja", "sheet.kpis"), t("en", "sheet.kpis")]
    for name in names:
        if name in wb.sheetnames:
            for row in wb[name].iter_rows(max_col=1, max_row=500):
                cell = row[0]
                if isinstance(cell.value, str) and cell.value.strip() == heading:
                    return name, f"A{cell.row + 1}"
            return name, "A1"
    return names[0], "A1"


def _okr_label(field: str, lang: str) -> str:
    """An OKR column's header as the planner sees it (not the field's internal name)."""
    key = next((c.label_key for c in OKR_COLUMNS if c.field == field), None)
    return t(lang, key) if key else field


def has_okr_rows(wb: Any) -> bool:
    """Whether the OKR table holds any row with a value in it."""
    table = _rows(wb, OKR_TABLE, OKR_COLUMNS)
    return bool(table is not None and (table.rows or table.too_many))


def read_okrs(wb: Any, lang: str, problems: list[CellProblem],
              departments: Collection[str] | None = None,
              custom: Sequence[Department] = ()) -> tuple[Okr, ...]:
    """The OKR table's rows; a missing table means no OKRs. An OKR of a built-in department that
    is not among ``departments`` (the planned ones; by default all) is a problem: it would be
    lost. ``custom``: the plan's own departments, named by their key or name like the others."""
    table = _rows(wb, OKR_TABLE, OKR_COLUMNS)
    if table is None:
        return ()
    trouble = _table_problems(table, OKR_TABLE, t(lang, "okr.objective"), lang)
    if trouble:
        problems.extend(trouble)
        return ()
    sheet, rows = table.sheet, table.rows
    everyone = {**DEPARTMENTS, **{d.key: d for d in custom}}
    # A built-in department's name wins over a custom department that took the same name.
    by_name = {name.casefold(): key for key, d in reversed(everyone.items())
               for name in (*d.name.values(), key)}
    okrs = []
    for row in rows:
        before = len(problems)
        cell, dept_raw = row.get("department", row["_at"])
        dept = by_name.get(str(dept_raw or "").strip().casefold())
        if dept is None:
            problems.append(_problem(sheet, cell, OKR_TABLE, t(lang, "okr.department"), dept_raw,
                                     " / ".join(d.name[lang] for d in everyone.values()), lang))
        elif departments is not None and dept in DEPARTMENTS and dept not in departments:
            name = DEPARTMENTS[dept].name[lang]
            problems.append(CellProblem(sheet, cell, OKR_TABLE, t(lang, "okr.department"),
                                        t(lang, "partial.okr_skipped", department=name),
                                        t(lang, "partial.okr_skipped.expected", department=name)))
        texts = {}
        for field in ("objective", "key_result", "kpi"):
            c, v = row.get(field, row["_at"])
            texts[field] = "" if v is None else str(v).strip()
            if not texts[field]:
                problems.append(_problem(sheet, c, OKR_TABLE, _okr_label(field, lang), v,
                                         t(lang, "kpitable.expect.text"), lang))
            too_long = _too_long(texts[field], field in _FREE_TEXT, lang)
            if too_long:
                problems.append(CellProblem(sheet, c, OKR_TABLE, _okr_label(field, lang),
                                            *too_long))
        numbers = {}
        for field in ("start", "target"):
            c, v = row.get(field, row["_at"])
            raw, v = v, _number(v)
            if v is None:
                problems.append(_problem(sheet, c, OKR_TABLE, _okr_label(field, lang), raw,
                                         t(lang, "kpitable.expect.number"), lang))
                v = 0
            else:
                from kpi_xl.core.spec import figure_problem

                trouble = figure_problem(v, lang, negative_ok=True)
                if trouble:
                    problems.append(CellProblem(sheet, c, OKR_TABLE, _okr_label(field, lang),
                                                trouble, t(lang, "kpitable.expect.number")))
                    v = 0
            numbers[field] = float(v)
        if len(problems) == before and dept is not None:
            okrs.append(Okr(dept, texts["objective"], texts["key_result"], texts["kpi"],
                            numbers["start"], numbers["target"]))
    return tuple(okrs)
