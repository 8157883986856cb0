"""Reading the template's KPI and OKR tables (from an already opened openpyxl workbook).

Rows are found through the Excel Tables' names (``Sales_KPIs``, ``Plan_OKRs``), so planners may
add or delete rows inside a table. Blank rows are skipped; every problem names its cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from kpi_xl.departments import DEPARTMENTS
from kpi_xl.errors import CellProblem
from kpi_xl.kpis import (
    CADENCES,
    DIRECTIONS,
    KINDS_OF_INDICATOR,
    UNIT_LABELS,
    Kpi,
    Okr,
    normalise_choice,
    unit_key,
)
from kpi_xl.plan_tables import KPI_COLUMNS, OKR_COLUMNS, OKR_TABLE, Column, field_for_header

__all__ = ["read_kpis", "read_okrs"]

FormulaResult = Callable[[str, str], Any]


def _find_table(wb: Any, name: str) -> tuple[Any, str] | None:
    for ws in wb.worksheets:
        for table_name, table in ws.tables.items():
            if table_name == name:
                ref = table if isinstance(table, str) else table.ref
                return ws, ref
    return None


def _rows(wb: Any, name: str, columns: tuple[Column, ...]
          ) -> tuple[str, list[dict[str, tuple[str, Any]]]] | None:
    found = _find_table(wb, name)
    if found is None:
        return None
    ws, ref = found
    cells = ws[ref]
    header = [field_for_header(columns, c.value) for c in cells[0]]
    rows = []
    for line in cells[1:]:
        row = {f: (c.coordinate, c.value) for f, c in zip(header, line, strict=False) if f}
        if any(v not in (None, "") and not (isinstance(v, str) and not v.strip())
               for _, v in row.values()):
            rows.append(row)
    return ws.title, rows


def _problem(sheet: str, cell: str, name: str, label: str, found: Any, expected: str,
             lang: str) -> CellProblem:
    if found is None or (isinstance(found, str) and not found.strip()):
        shown = "空欄です" if lang == "ja" else "the cell is blank"
    else:
        shown = f"「{found}」が入っています" if lang == "ja" else f"found {found!r}"
    return CellProblem(sheet, cell, name, label, shown, expected)


def _choices(choices: dict[str, dict[str, str]], lang: str) -> str:
    return " / ".join(v[lang] for v in choices.values())


def read_kpis(wb: Any, lang: str, problems: list[CellProblem],
              formula_result: FormulaResult) -> dict[str, tuple[Kpi, ...]]:
    """Each department's KPIs from its table; problems are appended, not raised."""
    from kpi_xl.i18n import t

    out: dict[str, tuple[Kpi, ...]] = {}
    for key, dept in DEPARTMENTS.items():
        found = _rows(wb, dept.kpi_table, KPI_COLUMNS)
        if found is None:
            problems.append(CellProblem(
                t(lang, "sheet.kpis"), "?", dept.kpi_table, dept.name[lang],
                "KPI テーブルがありません" if lang == "ja" else "the KPI table is missing",
                "kpi-xl template の KPI シートのテーブルを使ってください" if lang == "ja"
                else "expected the KPI table of the kpi-xl template"))
            continue
        sheet, rows = found
        kpis: list[Kpi] = []
        names: set[str] = set()
        for row in rows:
            kpi = _kpi(row, sheet, dept.kpi_table, dept.links, lang, problems, formula_result)
            if kpi is None:
                continue
            if kpi.name in names:
                cell = row["name"][0]
                problems.append(CellProblem(
                    sheet, cell, dept.kpi_table, t(lang, "kpi.name"),
                    (f"KPI「{kpi.name}」が重複しています" if lang == "ja"
                     else f"the KPI {kpi.name!r} appears twice"),
                    "KPI 名は部門内で一意にしてください" if lang == "ja"
                    else "expected each KPI name once per department"))
                continue
            names.add(kpi.name)
            kpis.append(kpi)
        if not kpis and not any(p.name == dept.kpi_table for p in problems):
            problems.append(CellProblem(
                sheet, "?", dept.kpi_table, dept.name[lang],
                "KPI が 1 つもありません" if lang == "ja" else "the department has no KPIs",
                "3〜5 個の KPI を入力してください" if lang == "ja"
                else "expected 3 to 5 KPIs"))
        out[key] = tuple(kpis)
    return out


def _kpi(row: dict[str, tuple[str, Any]], sheet: str, table: str, links: dict[str, str],
         lang: str, problems: list[CellProblem], formula_result: FormulaResult) -> Kpi | None:
    from kpi_xl.i18n import t

    before = len(problems)

    def get(field: str) -> tuple[str, Any]:
        return row.get(field, ("?", None))

    def text(field: str, required: bool = True) -> str:
        cell, value = get(field)
        value = "" if value is None else str(value).strip()
        if required and not value:
            problems.append(_problem(sheet, cell, table, t(lang, f"kpi.{field}"), None,
                                     "文字を入力してください" if lang == "ja"
                                     else "expected some text", lang))
        return value

    def choice(field: str, choices: dict[str, dict[str, str]]) -> str:
        cell, value = get(field)
        key = normalise_choice(value, choices)
        if key is None:
            problems.append(_problem(sheet, cell, table, t(lang, f"kpi.{field}"), value,
                                     (f"次のいずれかを選んでください: {_choices(choices, lang)}"
                                      if lang == "ja" else
                                      f"expected one of: {_choices(choices, lang)}"), lang))
            return next(iter(choices))
        return key

    name = text("name")
    definition = text("definition", required=False)
    ksf = text("ksf")
    unit_cell, unit_raw = get("unit")
    unit = unit_key(unit_raw)
    if unit is None:
        problems.append(_problem(sheet, unit_cell, table, t(lang, "kpi.unit"), unit_raw,
                                 (f"次のいずれかを選んでください: "
                                  f"{' / '.join(v[lang] for v in UNIT_LABELS.values())}"
                                  if lang == "ja" else
                                  f"expected one of: "
                                  f"{' / '.join(v[lang] for v in UNIT_LABELS.values())}"), lang))
        unit = "件"
    direction = choice("direction", DIRECTIONS)
    cadence = choice("cadence", CADENCES)
    indicator = choice("indicator", KINDS_OF_INDICATOR)
    link = text("link", required=False) or None
    if link and link not in links:
        problems.append(_problem(sheet, get("link")[0], table, t(lang, "kpi.link"), link,
                                 (f"次のいずれか(または空欄): {' / '.join(links)}" if lang == "ja"
                                  else f"expected one of (or blank): {' / '.join(links)}"), lang))
        link = None
    target_cell, target = get("target")
    if isinstance(target, str) and target.startswith("="):
        target = None if link else formula_result(sheet, target_cell)
    if not link and (isinstance(target, bool) or not isinstance(target, (int, float))
                     or target < 0):
        problems.append(_problem(sheet, target_cell, table, t(lang, "kpi.target"), target,
                                 "0 以上の数値を入力してください" if lang == "ja"
                                 else "expected a number of 0 or more", lang))
        target = 0
    owner = text("owner")
    deadline_cell, deadline_raw = get("deadline")
    deadline = _date(deadline_raw)
    if deadline is None:
        problems.append(_problem(sheet, deadline_cell, table, t(lang, "kpi.deadline"), deadline_raw,
                                 "日付を入力してください(例: 2027-03-31)" if lang == "ja"
                                 else "expected a date such as 2027-03-31", lang))
    if len(problems) > before:
        return None
    return Kpi(name, definition, ksf, unit, direction, float(target or 0), deadline, owner,
               cadence, indicator, link=link)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 < value < 2958466:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    if isinstance(value, str):
        text = value.strip().replace("/", "-").replace("年", "-").replace("月", "-").rstrip("日")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            parts = text.split("-")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                try:
                    return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
                except ValueError:
                    return None
    return None


def read_okrs(wb: Any, lang: str, problems: list[CellProblem]) -> tuple[Okr, ...]:
    """The OKR table's rows; a missing table means no OKRs."""
    from kpi_xl.i18n import t

    found = _rows(wb, OKR_TABLE, OKR_COLUMNS)
    if found is None:
        return ()
    sheet, rows = found
    by_name = {name.casefold(): key for key, d in DEPARTMENTS.items()
               for name in (*d.name.values(), key)}
    okrs = []
    for row in rows:
        before = len(problems)
        cell, dept_raw = row.get("department", ("?", None))
        dept = by_name.get(str(dept_raw or "").strip().casefold())
        if dept is None:
            problems.append(_problem(sheet, cell, OKR_TABLE, t(lang, "okr.department"), dept_raw,
                                     " / ".join(d.name[lang] for d in DEPARTMENTS.values()), lang))
        texts = {}
        for field in ("objective", "key_result", "kpi"):
            c, v = row.get(field, ("?", None))
            texts[field] = "" if v is None else str(v).strip()
            if not texts[field]:
                problems.append(_problem(sheet, c, OKR_TABLE, field, v,
                                         "文字を入力してください" if lang == "ja"
                                         else "expected some text", lang))
        numbers = {}
        for field in ("start", "target"):
            c, v = row.get(field, ("?", None))
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                problems.append(_problem(sheet, c, OKR_TABLE, field, v,
                                         "数値を入力してください" if lang == "ja"
                                         else "expected a number", lang))
                v = 0
            numbers[field] = float(v)
        if len(problems) == before and dept is not None:
            okrs.append(Okr(dept, texts["objective"], texts["key_result"], texts["kpi"],
                            numbers["start"], numbers["target"]))
    return tuple(okrs)
