"""No overwrite, no loss: what a workbook about to be replaced holds that a person typed.

Before ``kpi-xl generate`` replaces an existing workbook, :func:`entered_data` compares it with
the workbook this run has just built (in a temporary file) and reports:

- actuals: any non-empty cell in the Actual column of a tracking table (``*_Actuals``,
  ``*_WeeklyActuals``), including rows a manager added;
- review-log entries: any fact, cause, action, owner or due date in a ``*_Reviews`` table, or a
  status other than the initial one;
- changed inputs: any input cell (unlocked in the new workbook) whose value differs from what this
  run would write. After the plan itself changed this also reports the plan's new values: the
  refusal is then a false alarm, which ``--force`` settles while keeping a backup.

A byte-identical file is untouched by definition. A file that cannot be read cannot be shown to
be empty, and is reported too. :func:`kpi_xl.io.files.keep_backup` copies a file to
``<name>.YYYYmmdd-HHMMSS.bak.xlsx`` beside it, atomically, before it is replaced.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from kpi_xl.core.errors import PlanError
from kpi_xl.core.i18n import t

__all__ = ["entered_data"]

_SHOWN = 5
_REVIEW_FIELDS = {"fact": "review.fact", "cause": "review.cause", "action": "review.action",
                  "owner": "review.owner", "due": "review.due", "status": "review.status"}


def _same(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return abs((a - b).total_seconds()) < 1
    if isinstance(a, str) and isinstance(b, str) and a.startswith("=") and b.startswith("="):
        def norm(text: str) -> str:
            return text.replace(" ", "").replace("$", "").casefold()
        return norm(a) == norm(b)
    return a == b


def _cells(cells: list[str]) -> str:
    shown = ", ".join(cells[:_SHOWN])
    return shown + (f" … (+{len(cells) - _SHOWN})" if len(cells) > _SHOWN else "")


def entered_data(existing: Path, fresh: Path) -> list[dict[str, str]]:
    """What ``existing`` holds that ``fresh`` (this run's workbook) would lose; [] if nothing."""
    import warnings

    import openpyxl

    from kpi_xl.io.saved_workbook import SavedWorkbook

    existing, fresh = Path(existing), Path(fresh)
    if existing.read_bytes() == fresh.read_bytes():
        return []
    try:
        old = SavedWorkbook(existing)
    except PlanError as err:
        return [{"ja": f"読めないため、入力済みデータがないことを確認できません: {err.message('ja')}",
                 "en": f"cannot be read, so it cannot be shown to hold no data: "
                       f"{err.message('en')}"}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = openpyxl.load_workbook(fresh)
    findings: list[dict[str, str]] = []

    actuals: list[str] = []
    reviews: list[str] = []
    for ws in old.formulas.worksheets:
        for table in ws.tables.values():
            name = getattr(table, "name", "") or ""
            if name.endswith(("_Actuals", "_WeeklyActuals")):
                view = old.table(name, {"actual": "track.actual"})
                if view is not None and "actual" in view.columns:
                    actuals.extend(f"{view.sheet}!{view.cell('actual', r)}" for r in view.rows()
                                   if old.raw(view.sheet, view.cell("actual", r))
                                   not in (None, ""))
            elif name.endswith("_Reviews"):
                view = old.table(name, _REVIEW_FIELDS)
                if view is None:
                    continue
                initial = {t("ja", "review.open"), t("en", "review.open"), None, ""}
                for r in view.rows():
                    for field in view.columns:
                        value = old.raw(view.sheet, view.cell(field, r))
                        if (value not in initial) if field == "status" else (
                                value not in (None, "")):
                            reviews.append(f"{view.sheet}!{view.cell(field, r)}")
    seen = set(actuals) | set(reviews)
    changed: list[str] = []
    untouched = _inputs_as_generated(old.formulas)
    for ws in ([] if untouched else new.worksheets):
        if ws.title not in old.formulas.sheetnames:
            continue
        before = old.formulas[ws.title]
        for line in ws.iter_rows():
            for cell in line:
                if cell.protection.locked is not False:
                    continue
                where = f"{ws.title}!{cell.coordinate}"
                if where in seen:
                    continue
                was = before[cell.coordinate].value
                if not _same(was, cell.value):
                    changed.append(f"{where} ({_show(cell.value)} → {_show(was)})")
    if actuals:
        findings.append({"ja": f"実績が入力されています({len(actuals)} セル): {_cells(actuals)}",
                         "en": f"actuals entered ({_n(actuals)}): {_cells(actuals)}"})
    if reviews:
        findings.append({"ja": f"レビュー記録が入力されています({len(reviews)} セル): "
                               f"{_cells(reviews)}",
                         "en": f"review log entries ({_n(reviews)}): {_cells(reviews)}"})
    if changed:
        findings.append({"ja": f"入力欄が生成時から変更されています({len(changed)} セル、生成値 → "
                               f"現在の値): {_cells(changed)}",
                         "en": f"inputs changed from what kpi-xl would write ({_n(changed)}, "
                               f"generated → now): {_cells(changed)}"})
    return findings


def _inputs_as_generated(wb: Any) -> bool:
    """True when every input cell still holds what kpi-xl wrote (its stored fingerprint).

    Then the differences from this run's workbook come from a changed plan, not from a person.
    """
    from kpi_xl.core.fingerprint import PROPERTY, canonical, digest

    try:
        stored = next((p.value for p in wb.custom_doc_props.props if p.name == PROPERTY), None)
    except AttributeError:
        return False
    if not stored:
        return False
    cells = []
    for ws in wb.worksheets:
        for line in ws.iter_rows():
            for cell in line:
                if cell.protection.locked is False:
                    cells.append((ws.title, cell.coordinate, canonical(cell.value)))
    return digest(cells) == stored


def _n(cells: list[str]) -> str:
    return f"{len(cells)} cell{'s' if len(cells) != 1 else ''}"


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= 30 else text[:29] + "…"
