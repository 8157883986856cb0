"""Last quarter's workbooks: find them and read the actuals managers typed into them.

``kpi-xl generate --quarter 2026Q2`` looks for the workbooks of earlier quarters in the output
folder (``<out>/FY2026Q1/``, and for year to date every earlier quarter of the fiscal year), or in
``--previous DIR``, sub-folders included. A workbook is recognised by the identity it carries
(plan, department, quarter: :mod:`kpi_xl.core.identity`), so a renamed or moved one is found;
another plan's workbook is left out with a note, and two workbooks of one department and quarter
are refused, both named. From each department's monthly actuals table (``Sales_Actuals``: found by its
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.departments.base import Department
from kpi_xl.core.errors import CellProblem, PlanError, UsageError, WorkbookError
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.i18n import t
from kpi_xl.core.identity import WorkbookIdentity
from kpi_xl.core.kpis import DIRECTIONS, normalise_choice, unit_key
from kpi_xl.core.plan import Plan, plan_departments
from kpi_xl.core.reviews import ReviewEntry
from kpi_xl.core.rollforward import MonthActual, QuarterActuals, with_planned_targets
from kpi_xl.core.spec import text_number
from kpi_xl.core.textnum import normalize
from kpi_xl.io.safety import MAX_TABLE_ROWS, check_xlsx
from kpi_xl.io.saved_workbook import SavedWorkbook, TableView, as_month

__all__ = ["PreviousBooks", "find_previous", "read_actuals", "read_reviews", "workbook_identity"]

_FILE = re.compile(r"^FY(\d{4})Q([1-4])_(?P<dept>[A-Za-z_]+)_(?P<lang>ja|en)\.xlsx$")
ACTUAL_FIELDS = {"month": "track.month", "kpi": "kpi.name", "unit": "kpi.unit",
                 "direction": "kpi.direction", "target": "kpi.target", "actual": "track.actual"}
_LIST_FIELDS = {"kpi": "kpi.name", "link": "kpi.link"}
#: A % actual above this (1000%) is a slip however the cell was formatted.
MAX_PERCENT = 10


# Finding the files -------------------------------------------------------------------------------

#: Files looked at per folder at most: a previous-quarter folder holds a few dozen workbooks.
MAX_FILES = 2000


@dataclass
class PreviousBooks:
    """Earlier quarters' workbooks per department, and what the search noticed on the way.

    ``books`` maps a department to its (quarter, path) pairs, oldest first: the last one is last
    quarter. ``notes`` are lines for the planner (a workbook of another plan ignored, a file
    that could not be read); ``searched`` is True when an earlier quarter's folder of the year
    (or ``--previous``) exists, so a department without last quarter's workbook is worth a
    warning.
    """

    books: dict[str, list[tuple[FiscalQuarter, Path]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    searched: bool = False


def workbook_identity(path: Path) -> WorkbookIdentity | None:
    """The identity a kpi-xl workbook carries in its custom document properties, or None.

    The file is checked first (:func:`kpi_xl.io.safety.check_xlsx`; PlanError when unsafe), and
    only ``docProps/custom.xml`` is parsed (through defusedxml).
    """
    import zipfile

    from defusedxml import ElementTree

    check_xlsx(path)
    with zipfile.ZipFile(path) as archive:
        try:
            data = archive.read("docProps/custom.xml")
        except KeyError:
            return None
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None
    found: dict[str, object] = {}
    for prop in root:
        name = prop.get("name")
        value = next(iter(prop), None)
        if name and value is not None:
            found[name] = value.text
    return WorkbookIdentity.from_properties(found)


def _workbook_files(folder: Path) -> list[Path]:
    """The .xlsx files in a folder and its sub-folders, without lock files and kept backups."""
    files = []
    for path in sorted(folder.rglob("*.xlsx")):
        name = path.name
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if hidden or name.startswith("~$") or name.endswith(".bak.xlsx") or not path.is_file():
            continue
        files.append(path)
        if len(files) >= MAX_FILES:
            break
    return files


def _identify(path: Path, plan_id: str | None, lang: str, notes: list[str]
              ) -> tuple[FiscalQuarter, str, str] | None:
    """(quarter, department, language) of a kpi-xl workbook of this plan; None otherwise.

    A workbook without an identity (written before workbooks carried one) is known by its file
    name, as it always was. A workbook of another plan is left out with a note.
    """
    try:
        identity = workbook_identity(path)
    except PlanError as err:
        if _FILE.match(path.name):  # ours by its name, and it may hold actuals: refuse
            raise WorkbookError(str(path), file_problem=err.file_problem, lang=err.lang) from None
        notes.append(t(lang, "prev.note.unreadable", file=path, reason=err.message(lang)))
        return None
    if identity is None:
        match = _FILE.match(path.name)
        if match is None:
            return None
        return (FiscalQuarter(int(match.group(1)), int(match.group(2))), match.group("dept"),
                match.group("lang"))
    if plan_id is not None and identity.plan != plan_id:
        notes.append(t(lang, "prev.note.other_plan", file=path, company=identity.company,
                       quarter=identity.quarter.folder_name))
        return None
    return identity.quarter, identity.department, identity.lang


def _candidates(folders: list[Path], plan_id: str | None, lang: str, notes: list[str],
                departments: Mapping[str, Department] = DEPARTMENTS
                ) -> dict[tuple[FiscalQuarter, str], dict[str, list[Path]]]:
    found: dict[tuple[FiscalQuarter, str], dict[str, list[Path]]] = {}
    seen: set[Path] = set()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in _workbook_files(folder):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            known = _identify(path, plan_id, lang, notes)
            if known is None or known[1] not in departments:
                continue
            quarter, dept, book_lang = known
            found.setdefault((quarter, dept), {}).setdefault(book_lang, []).append(path)
    return found


def _pick(quarter: FiscalQuarter, dept: str, langs: dict[str, list[Path]], lang: str,
          departments: Mapping[str, Department] = DEPARTMENTS) -> Path:
    """The workbook in ``lang`` (else another language); two of them are refused, both named."""
    paths = langs.get(lang) or langs[sorted(langs)[0]]
    if len(paths) > 1:
        files = "\n".join(f"  - {p}" for p in paths)
        texts = {lang_: t(lang_, "error.previous_twice", department=departments[dept].name[lang_],
                          quarter=quarter.folder_name, files=files) for lang_ in ("en", "ja")}
        raise UsageError(texts["en"], texts["ja"])
    return paths[0]


def find_previous(quarter: FiscalQuarter, out_dir: Path, lang: str,
                  previous_dir: Path | None = None, plan_id: str | None = None,
                  departments: Mapping[str, Department] = DEPARTMENTS) -> PreviousBooks:
    """Earlier quarters' workbooks of the plan ``plan_id``, per department (see PreviousBooks).

    Without ``previous_dir``: last quarter's folder in ``out_dir`` and every earlier quarter's of
    the same fiscal year. With it: the workbooks in that folder (of quarters before ``quarter``).
    Sub-folders are searched too, and workbooks are recognised by the identity they carry
    (:mod:`kpi_xl.core.identity`), whatever their file name. Two workbooks of one department and
    quarter are refused (UsageError), both named: kpi-xl cannot know which one holds the actuals.
    ``departments``: those to look for (a plan's, with its own departments: ``plan_departments``).
    """
    result = PreviousBooks()
    if previous_dir is not None:
        if not previous_dir.is_dir():
            raise UsageError.text("error.no_previous_folder", folder=previous_dir,
                                  example=quarter.previous().folder_name)
        result.searched = True
        found = _candidates([previous_dir], plan_id, lang, result.notes, departments)
        for (q, dept), langs in sorted(found.items(), key=lambda item: item[0][0]):
            if q < quarter:
                result.books.setdefault(dept, []).append(
                    (q, _pick(q, dept, langs, lang, departments)))
        if not result.books and not result.notes:
            raise UsageError.text("error.no_previous_books", folder=previous_dir, quarter=quarter,
                                  example=quarter.previous().folder_name)
        return result
    quarters = [FiscalQuarter(quarter.year, q) for q in range(1, quarter.quarter)]
    if quarter.quarter == 1:
        quarters = [quarter.previous()]
    last = quarter.previous()
    # Any earlier quarter's folder of this year means the plan has history worth a warning.
    result.searched = any((Path(out_dir) / q.folder_name).is_dir() for q in quarters)
    found = _candidates([Path(out_dir) / q.folder_name for q in quarters], plan_id, lang,
                        result.notes, departments)
    for q in quarters:
        for dept in departments:
            if (q, dept) in found:
                result.books.setdefault(dept, []).append((q, _pick(q, dept, found[q, dept],
                                                                   lang, departments)))
    # Only departments whose last quarter is there get a review; year to date needs it too.
    result.books = {dept: items for dept, items in result.books.items() if items[-1][0] == last}
    return result


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


def read_actuals(path: Path, department: str | Department, quarter: FiscalQuarter, lang: str,
                 plan: Plan | None = None) -> QuarterActuals:
    """A department's reported months from its workbook; raise WorkbookError on bad cells.

    Every bad cell is collected before anything is refused, so the planner sees them all.
    """
    if isinstance(department, Department):
        dept = department
    else:
        dept = (plan_departments(plan) if plan is not None else DEPARTMENTS)[department]
    department = dept.key
    book, table = _actuals_table(path, dept, lang)
    reader = _RowReader(book, table, dept, quarter, lang, plan)
    rows = [row for row in (reader.read(r) for r in table.rows()) if row is not None]
    if reader.problems:
        raise WorkbookError(str(path), reader.problems, lang=lang)
    result = QuarterActuals(department, quarter, Path(path), tuple(rows), _links(book, dept),
                            reviews=read_reviews(book, dept))
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


_REVIEW_FIELDS = {"day": "review.date", "cadence": "review.cadence", "kpi": "review.kpi",
                  "fact": "review.fact", "cause": "review.cause", "action": "review.action",
                  "owner": "review.owner", "due": "review.due", "status": "review.status",
                  "carried_from": "review.carried"}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize(str(value)).strip() if isinstance(value, str) else str(value)


def _day(value: object) -> dt.date | str | None:
    """A date cell: a date, or the text typed in its place, or None when blank."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 2958466:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = _text(value)
    return text or None


def _key(value: object, choices: dict[str, dict[str, str]]) -> str:
    """The key of a choice shown in either language, else the text as typed."""
    text = _text(value)
    for key, shown in choices.items():
        if text.casefold() in (shown["ja"].casefold(), shown["en"].casefold()):
            return key
    return text


def read_reviews(book: SavedWorkbook, dept: Department) -> tuple[ReviewEntry, ...]:
    """The rows of a department workbook's review log (``<Prefix>_Reviews``), in order."""
    from kpi_xl.core.kpis import CADENCES
    from kpi_xl.core.reviews import STATUSES

    table = book.table(f"{dept.prefix}_Reviews", _REVIEW_FIELDS)
    if table is None or "day" not in table.columns:
        return ()
    statuses = {key: {lang: t(lang, f"review.{key}") for lang in ("ja", "en")}
                for key in STATUSES}
    entries = []
    for r in table.rows():
        def get(field: str, r: int = r) -> object:
            return book.value(table.sheet, table.cell(field, r)) if field in table.columns \
                else None
        entries.append(ReviewEntry(
            day=_day(get("day")), cadence=_key(get("cadence"), CADENCES), kpi=_text(get("kpi")),
            fact=_text(get("fact")), cause=_text(get("cause")), action=_text(get("action")),
            owner=_text(get("owner")), due=_day(get("due")),
            status=_key(get("status"), statuses), carried_from=_text(get("carried_from")),
            cell=f"{table.sheet}!{table.cell('day', r)}"))
    return tuple(entries)
