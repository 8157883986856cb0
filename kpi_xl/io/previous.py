"""Last quarter's workbooks: find them and read the actuals managers typed into them.

``kpi-xl generate --quarter 2026Q2`` looks for the workbooks of earlier quarters in the output
folder (``<out>/FY2026Q1/``, and for year to date every earlier quarter of the fiscal year), or in
``--previous DIR``. From each department's monthly actuals table (``Sales_Actuals``: found by its
name, headers in either language) it reads month, KPI, unit, direction, target and actual, and
from its KPI list (``Sales_KPIList``) which plan figure each KPI is linked to. Files saved by
Excel, LibreOffice or openpyxl all read back (see :mod:`kpi_xl.io.saved_workbook`); when a file was
saved without formula results (openpyxl), targets are evaluated from the current plan for
quarters of the plan's fiscal year (:func:`kpi_xl.core.rollforward.with_planned_targets`), and
say so. Bad cells are refused with the workbook, sheet and cell named.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.departments.base import Department
from kpi_xl.core.errors import CellProblem, PlanError, UsageError, WorkbookError
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import DIRECTIONS, normalise_choice, unit_key
from kpi_xl.core.plan import Plan
from kpi_xl.core.rollforward import MonthActual, QuarterActuals, with_planned_targets
from kpi_xl.core.spec import text_number
from kpi_xl.core.textnum import normalize
from kpi_xl.io.safety import MAX_TABLE_ROWS
from kpi_xl.io.saved_workbook import SavedWorkbook, TableView, as_month

__all__ = ["find_previous", "read_actuals"]

_FILE = re.compile(r"^FY(\d{4})Q([1-4])_(?P<dept>[a-z_]+)_(?P<lang>ja|en)\.xlsx$")
ACTUAL_FIELDS = {"month": "track.month", "kpi": "kpi.name", "unit": "kpi.unit",
                 "direction": "kpi.direction", "target": "kpi.target", "actual": "track.actual"}
_LIST_FIELDS = {"kpi": "kpi.name", "link": "kpi.link"}
#: A % actual above this (1000%) is a slip however the cell was formatted.
MAX_PERCENT = 10


# Finding the files -------------------------------------------------------------------------------

def _candidates(folder: Path) -> dict[tuple[FiscalQuarter, str], dict[str, Path]]:
    found: dict[tuple[FiscalQuarter, str], dict[str, Path]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        match = _FILE.match(path.name)
        if match and path.is_file():
            quarter = FiscalQuarter(int(match.group(1)), int(match.group(2)))
            found.setdefault((quarter, match.group("dept")), {})[match.group("lang")] = path
    return found


def _pick(langs: dict[str, Path], lang: str) -> Path:
    return langs.get(lang) or langs[sorted(langs)[0]]


def find_previous(quarter: FiscalQuarter, out_dir: Path, lang: str,
                  previous_dir: Path | None = None) -> dict[str, list[tuple[FiscalQuarter, Path]]]:
    """Earlier quarters' workbooks per department, oldest first; the last one is last quarter.

    Without ``previous_dir``: last quarter's folder in ``out_dir`` and every earlier quarter of
    the same fiscal year. With it: the workbooks in that folder (of quarters before ``quarter``).
    """
    out: dict[str, list[tuple[FiscalQuarter, Path]]] = {}
    if previous_dir is not None:
        if not previous_dir.is_dir():
            raise UsageError.text("error.no_previous_folder", folder=previous_dir,
                                  example=quarter.previous().folder_name)
        found = _candidates(previous_dir)
        for (q, dept), langs in sorted(found.items(), key=lambda item: item[0][0]):
            if q < quarter and dept in DEPARTMENTS:
                out.setdefault(dept, []).append((q, _pick(langs, lang)))
        if not out:
            raise UsageError.text("error.no_previous_books", folder=previous_dir, quarter=quarter,
                                  example=quarter.previous().folder_name)
        return out
    quarters = [FiscalQuarter(quarter.year, q) for q in range(1, quarter.quarter)]
    if quarter.quarter == 1:
        quarters = [quarter.previous()]
    for q in quarters:
        found = _candidates(Path(out_dir) / q.folder_name)
        for (fq, dept), langs in found.items():
            if fq == q and dept in DEPARTMENTS:
                out.setdefault(dept, []).append((q, _pick(langs, lang)))
    # Only departments whose last quarter is there get a review; year to date needs it too.
    last = quarter.previous()
    return {dept: items for dept, items in out.items() if items[-1][0] == last}


# Reading one workbook ----------------------------------------------------------------------------

def _shown(value: object, lang: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return t(lang, "prev.blank")
    if isinstance(value, str):
        return t(lang, "prev.text", value=value)
    return t(lang, "prev.value", value=repr(value))


def _actual_number(raw: object, percent: bool, seen_percent: bool
                   ) -> tuple[float | None, str | None]:
    """(number, None), or (None, reason) where reason is 'text', 'percent' or 'number'."""
    if isinstance(raw, bool):
        return None, "number"
    if isinstance(raw, str):
        text = normalize(raw).strip()
        number = text_number(text, "rate" if percent or text.endswith("%") else "weight")
        if number is None:
            return None, "text"
        seen_percent = text.endswith("%")
    elif isinstance(raw, (int, float)):
        number = float(raw)
    elif isinstance(raw, (dt.date, dt.time, dt.timedelta)):
        return None, "number"
    else:
        return None, "text"
    if not math.isfinite(number):
        return None, "number"
    if percent and (number > MAX_PERCENT or (number > 1 and not seen_percent)):
        return None, "percent"
    return number, None


def read_actuals(path: Path, department: str, quarter: FiscalQuarter, lang: str,
                 plan: Plan | None = None) -> QuarterActuals:
    """A department's reported months from its workbook; raise WorkbookError on bad cells.

    Every bad cell is collected before anything is refused, so the planner sees them all.
    """
    dept = DEPARTMENTS[department]
    book, table = _actuals_table(path, dept, lang)
    reader = _RowReader(book, table, dept, quarter, lang, plan)
    rows = [row for row in (reader.read(r) for r in table.rows()) if row is not None]
    if reader.problems:
        raise WorkbookError(str(path), reader.problems, lang=lang)
    result = QuarterActuals(department, quarter, Path(path), tuple(rows), _links(book, dept))
    if (any(row.target is None for row in rows) and plan is not None
            and plan.fiscal_year == quarter.year):
        result = with_planned_targets(result, plan)
    return result


def _actuals_table(path: Path, dept: Department, lang: str) -> tuple[SavedWorkbook, TableView]:
    """The workbook and its actuals table, or WorkbookError when either cannot be used."""
    try:
        book = SavedWorkbook(path)
    except PlanError as err:
        raise WorkbookError(str(path), file_problem=err.file_problem, lang=err.lang) from None
    name = dept.actuals_table

    def refuse(sheet: str, cell: str, found: str, expected: str) -> WorkbookError:
        return WorkbookError(str(path), [CellProblem(sheet, cell, name, dept.name[lang], found,
                                                     expected)], lang=lang)

    table = book.table(name, ACTUAL_FIELDS)
    if table is None:
        raise refuse(t(lang, "sheet.tracking"), "A1", t(lang, "prev.no_table", table=name),
                     t(lang, "prev.no_table_expected"))
    missing = [t(lang, ACTUAL_FIELDS[f]) for f in ("month", "kpi", "actual")
               if f not in table.columns]
    if missing:
        columns = t(lang, "prev.column_separator").join(
            t(lang, "prev.column", name=name) for name in missing)
        raise refuse(table.sheet, table.header, t(lang, "prev.missing_columns", columns=columns),
                     t(lang, "prev.missing_columns_expected"))
    size = table.last_row - table.first_row + 1
    if size > MAX_TABLE_ROWS:
        raise refuse(table.sheet, table.header, t(lang, "prev.too_many_rows", rows=size),
                     t(lang, "prev.too_many_rows_expected", limit=MAX_TABLE_ROWS))
    return book, table


class _RowReader:
    """Reads one row of an actuals table at a time, collecting the problems it finds."""

    def __init__(self, book: SavedWorkbook, table: TableView, dept: Department,
                 quarter: FiscalQuarter, lang: str, plan: Plan | None) -> None:
        self.book, self.table, self.dept, self.quarter, self.lang = book, table, dept, quarter, lang
        self.plan_kpis = {k.name: k for k in (plan.kpis.get(dept.key, ()) if plan else ())}
        self.months = _quarter_months(quarter, plan)
        self.problems: list[CellProblem] = []

    def value(self, field: str, r: int) -> object:
        """A column's value on row ``r`` (None when the table has no such column)."""
        if field not in self.table.columns:
            return None
        return self.book.value(self.table.sheet, self.table.cell(field, r))

    def problem(self, field: str, r: int, label: str, found: str, expected: str) -> None:
        self.problems.append(CellProblem(self.table.sheet, self.table.cell(field, r),
                                         self.dept.actuals_table, label, found, expected))

    def read(self, r: int) -> MonthActual | None:
        """The row's actual, or None for a row without one or with a problem (recorded)."""
        table, lang = self.table, self.lang
        actual_cell = table.cell("actual", r)
        raw = self.book.raw(table.sheet, actual_cell)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        name_value = self.value("kpi", r)
        name = str(name_value).strip() if name_value not in (None, "") else ""
        kpi = self.plan_kpis.get(name)
        unit = unit_key(self.value("unit", r)) or (kpi.unit if kpi else "件")
        direction = (normalise_choice(self.value("direction", r), DIRECTIONS)
                     or (kpi.direction if kpi else "higher"))
        if isinstance(raw, str) and raw.startswith("="):
            raw = self.book.value(table.sheet, actual_cell)
        if not name:
            self.problem("kpi", r, t(lang, "kpi.name"), _shown(name_value, lang),
                         t(lang, "prev.name_needed"))
            return None
        number, reason = _actual_number(raw, unit == "%",
                                        "%" in self.book.number_format(table.sheet, actual_cell))
        if number is None:
            self.problem("actual", r, f"{t(lang, 'track.actual')} ({name})", _shown(raw, lang),
                         self._expected_number(raw, reason))
            return None
        from kpi_xl.core.spec import figure_problem

        trouble = figure_problem(number, lang, negative_ok=unit == "点")
        if trouble:  # 1e308 or -50 leads: refused by name, never an overflow later
            self.problem("actual", r, f"{t(lang, 'track.actual')} ({name})", trouble,
                         t(lang, "figure.expected_actual"))
            return None
        month = self._month(r)
        if month is None:
            return None
        target = self.value("target", r)
        known = isinstance(target, (int, float)) and not isinstance(target, bool)
        return MonthActual(month, name, unit, direction,
                           float(target) if known else None,  # type: ignore[arg-type]
                           number, f"{table.sheet}!{actual_cell}")

    def _expected_number(self, raw: object, reason: str | None) -> str:
        if reason != "percent":
            return t(self.lang, "prev.number_expected")
        if isinstance(raw, (int, float)):
            return t(self.lang, "prev.percent_expected", value=raw, fraction=float(raw) / 100)
        return t(self.lang, "prev.percent_range")

    def _month(self, r: int) -> dt.date | None:
        """The row's month, when it is one of the quarter's (else a recorded problem)."""
        raw = self.value("month", r)
        month = as_month(raw)
        if month is not None and (not self.months or month in self.months):
            return month
        shown = ", ".join(f"{m:%Y-%m}" for m in self.months)
        found = (_shown(raw, self.lang) if month is None
                 else t(self.lang, "prev.month_found", month=month))
        self.problem("month", r, t(self.lang, "track.month"), found,
                     t(self.lang, "prev.month_expected", quarter=self.quarter.folder_name,
                       months=shown))
        return None


def _quarter_months(quarter: FiscalQuarter, plan: Plan | None) -> list[dt.date]:
    """The calendar months of ``quarter`` when the plan's fiscal calendar knows them."""
    if plan is None or plan.fiscal_year != quarter.year:
        return []
    months = plan.months()
    return [dt.date(*months[i], 1) for i in quarter.month_indexes()]


def _links(book: SavedWorkbook, dept: Department) -> dict[str, str]:
    """KPI name → the plan figure it is linked to, from the workbook's KPI list."""
    table = book.table(f"{dept.prefix}_KPIList", _LIST_FIELDS)
    links: dict[str, str] = {}
    if table is None or "kpi" not in table.columns or "link" not in table.columns:
        return links
    for r in table.rows():
        name = book.value(table.sheet, table.cell("kpi", r))
        link = book.value(table.sheet, table.cell("link", r))
        if isinstance(name, str) and isinstance(link, str) and link.strip():
            links[name.strip()] = link.strip()
    return links
