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
from kpi_xl.core.kpis import DIRECTIONS, normalise_choice, unit_key
from kpi_xl.core.plan import Plan
from kpi_xl.core.rollforward import MonthActual, QuarterActuals, with_planned_targets

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
            raise UsageError(
                f"--previous {previous_dir}: no such folder; give the folder of last quarter's "
                f"workbooks (e.g. workbooks/FY{quarter.previous().year}Q{quarter.previous().quarter})",
                f"--previous {previous_dir}: フォルダがありません。前四半期のブックのフォルダ"
                f"(例: workbooks/{quarter.previous().folder_name})を指定してください")
        found = _candidates(previous_dir)
        for (q, dept), langs in sorted(found.items(), key=lambda item: item[0][0]):
            if q < quarter and dept in DEPARTMENTS:
                out.setdefault(dept, []).append((q, _pick(langs, lang)))
        if not out:
            raise UsageError(
                f"--previous {previous_dir}: no kpi-xl workbooks of a quarter before {quarter} "
                f"there (names like FY{quarter.previous().year}Q{quarter.previous().quarter}"
                f"_sales_ja.xlsx)",
                f"--previous {previous_dir}: {quarter} より前の四半期の kpi-xl ブック"
                f"({quarter.previous().folder_name}_sales_ja.xlsx のような名前)がありません")
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

def _problem(sheet: str, cell: str, name: str, label: str, found: str, expected: str
             ) -> CellProblem:
    return CellProblem(sheet, cell, name, label, found, expected)


def _shown(value: object, lang: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "空欄です" if lang == "ja" else "the cell is blank"
    if isinstance(value, str):
        return f"文字「{value}」が入っています" if lang == "ja" else f"found the text {value!r}"
    return f"{value!r} が入っています" if lang == "ja" else f"found {value!r}"


def _actual_number(raw: object, percent: bool, seen_percent: bool
                   ) -> tuple[float | None, str | None]:
    """(number, None), or (None, reason) where reason is 'text', 'percent' or 'number'."""
    from kpi_xl.core.spec import text_number
    from kpi_xl.core.textnum import normalize

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
    """A department's reported months from its workbook; raise WorkbookError on bad cells."""
    from kpi_xl.core.i18n import t
    from kpi_xl.io.safety import MAX_TABLE_ROWS
    from kpi_xl.io.saved_workbook import SavedWorkbook, as_month

    dept = DEPARTMENTS[department]
    try:
        book = SavedWorkbook(path)
    except PlanError as err:
        raise WorkbookError(str(path), file_problem=err.file_problem, lang=err.lang) from None
    table_name = dept.actuals_table
    table = book.table(table_name, ACTUAL_FIELDS)
    problems: list[CellProblem] = []
    label = t(lang, "track.actual")
    if table is None:
        raise WorkbookError(str(path), [_problem(
            t(lang, "sheet.tracking"), "A1", table_name, dept.name[lang],
            (f"実績テーブル {table_name} がありません" if lang == "ja"
             else f"the actuals table {table_name} is missing"),
            ("kpi-xl generate で作成したブックの実績テーブルに入力してください" if lang == "ja"
             else "expected the tracking table of a workbook written by kpi-xl generate"))],
            lang=lang)
    missing = [f for f in ("month", "kpi", "actual") if f not in table.columns]
    if missing:
        raise WorkbookError(str(path), [_problem(
            table.sheet, table.header, table_name, dept.name[lang],
            (f"列「{'」「'.join(t(lang, ACTUAL_FIELDS[f]) for f in missing)}」がありません"
             if lang == "ja" else
             f"the column(s) {', '.join(repr(t(lang, ACTUAL_FIELDS[f])) for f in missing)} "
             f"are missing"),
            ("見出しを生成時のとおりに戻してください" if lang == "ja"
             else "expected the headers as kpi-xl wrote them; restore them"))], lang=lang)
    if table.last_row - table.first_row + 1 > MAX_TABLE_ROWS:
        raise WorkbookError(str(path), [_problem(
            table.sheet, table.header, table_name, dept.name[lang],
            (f"テーブルが {table.last_row - table.first_row + 1:,} 行あります" if lang == "ja"
             else f"the table has {table.last_row - table.first_row + 1:,} rows"),
            (f"{MAX_TABLE_ROWS:,} 行以下にしてください" if lang == "ja"
             else f"expected at most {MAX_TABLE_ROWS:,} rows"))], lang=lang)
    plan_kpis = {k.name: k for k in (plan.kpis.get(department, ()) if plan else ())}
    months_of_quarter = _quarter_months(quarter, plan, book, table)
    rows: list[MonthActual] = []
    missing_targets = False
    for r in table.rows():
        actual_cell = table.cell("actual", r)
        raw = book.raw(table.sheet, actual_cell)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        where = f"{table.sheet}!{actual_cell}"
        name_value = book.value(table.sheet, table.cell("kpi", r))
        name = str(name_value).strip() if name_value not in (None, "") else ""
        kpi = plan_kpis.get(name)
        unit = unit_key(book.value(table.sheet, table.cell("unit", r))) if "unit" in \
            table.columns else None
        unit = unit or (kpi.unit if kpi else "件")
        direction = normalise_choice(book.value(table.sheet, table.cell("direction", r)),
                                     DIRECTIONS) if "direction" in table.columns else None
        direction = direction or (kpi.direction if kpi else "higher")
        if isinstance(raw, str) and raw.startswith("="):
            raw = book.value(table.sheet, actual_cell)
        number, reason = _actual_number(raw, unit == "%",
                                        "%" in book.number_format(table.sheet, actual_cell))
        if not name:
            problems.append(_problem(
                table.sheet, table.cell("kpi", r), table_name, t(lang, "kpi.name"),
                _shown(name_value, lang),
                "実績を入力した行には KPI 名が必要です" if lang == "ja"
                else "expected the KPI's name on a row with an actual"))
            continue
        if number is None:
            if reason == "percent":
                expected = (f"率は % で入力してください({raw:g}% のつもりなら {raw:g}% または "
                            f"{float(raw) / 100:g})" if lang == "ja" else
                            f"expected a rate typed with % (for {raw:g}% type {raw:g}% or "
                            f"{float(raw) / 100:g})") if isinstance(raw, (int, float)) else (
                    "0%〜1000% の率を入力してください" if lang == "ja"
                    else "expected a rate between 0% and 1000%")
            else:
                expected = "数値を入力してください" if lang == "ja" else "expected a number"
            problems.append(_problem(table.sheet, actual_cell, table_name, f"{label} ({name})",
                                     _shown(raw, lang), expected))
            continue
        from kpi_xl.core.spec import figure_problem

        trouble = figure_problem(number, lang, negative_ok=unit == "点")
        if trouble:
            problems.append(_problem(table.sheet, actual_cell, table_name, f"{label} ({name})",
                                     trouble, t(lang, "figure.expected_actual")))
            continue
        month_raw = book.value(table.sheet, table.cell("month", r))
        month = as_month(month_raw)
        if month is None or (months_of_quarter and month not in months_of_quarter):
            shown = ", ".join(f"{m:%Y-%m}" for m in months_of_quarter)
            problems.append(_problem(
                table.sheet, table.cell("month", r), table_name, t(lang, "track.month"),
                (_shown(month_raw, lang) if month is None else
                 f"{month:%Y-%m} の月です" if lang == "ja" else f"found the month {month:%Y-%m}"),
                (f"{quarter.folder_name} の月({shown})を入力してください" if lang == "ja"
                 else f"expected a month of {quarter.folder_name} ({shown})")))
            continue
        target = None
        if "target" in table.columns:
            target_value = book.value(table.sheet, table.cell("target", r))
            if isinstance(target_value, (int, float)) and not isinstance(target_value, bool):
                target = float(target_value)
        missing_targets = missing_targets or target is None
        rows.append(MonthActual(month, name, unit, direction, target, number, where))
    if problems:
        raise WorkbookError(str(path), problems, lang=lang)
    links = _links(book, dept)
    result = QuarterActuals(department, quarter, Path(path), tuple(rows), links)
    if missing_targets and plan is not None and plan.fiscal_year == quarter.year:
        result = with_planned_targets(result, plan)
    return result


def _quarter_months(quarter: FiscalQuarter, plan: Plan | None, book: object,
                    table: object) -> list[dt.date]:
    """The calendar months of ``quarter`` when the plan's fiscal calendar knows them."""
    if plan is None or plan.fiscal_year != quarter.year:
        return []
    months = plan.months()
    return [dt.date(*months[i], 1) for i in quarter.month_indexes()]


def _links(book: object, dept: Department) -> dict[str, str]:
    from kpi_xl.io.saved_workbook import SavedWorkbook

    assert isinstance(book, SavedWorkbook)
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
