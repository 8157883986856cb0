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
        return [_finding("overwrite.unreadable", error={
            "ja": err.message("ja"), "en": err.message("en")})]
    stored = _stored_content(old.formulas)
    digests = {ws.title: _sheet_digest(ws) for ws in old.formulas.worksheets}
    if stored is not None and all(d in stored for d in digests.values()):
        return []  # every sheet is exactly as kpi-xl wrote it: nothing was typed
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
    inputs: set[str] = set()
    untouched = _inputs_as_generated(old.formulas)
    for ws in new.worksheets:
        if ws.title not in old.formulas.sheetnames:
            continue
        before = old.formulas[ws.title]
        for cell in ws._cells.values():
            if cell.protection.locked is not False:
                continue
            where = f"{ws.title}!{cell.coordinate}"
            inputs.add(where)
            if untouched or where in seen:
                continue
            was = before[cell.coordinate].value
            if not _same(was, cell.value):
                changed.append(f"{where} ({_show(cell.value)} → {_show(was)})")
    seen |= inputs
    added = [title for title in old.formulas.sheetnames if title not in new.sheetnames]
    others: list[str] = []
    for ws in old.formulas.worksheets:
        if ws.title in added or (stored is not None and digests[ws.title] in stored):
            continue
        others.extend(_other_cells(ws, new[ws.title], seen, strict=stored is not None))
    if actuals:
        findings.append(_finding("overwrite.actuals", cells=actuals))
    if reviews:
        findings.append(_finding("overwrite.reviews", cells=reviews))
    if changed:
        findings.append(_finding("overwrite.inputs", cells=changed))
    if others:
        findings.append(_finding("overwrite.other_cells", cells=others))
    if added:
        findings.append(_finding("overwrite.added_sheets", cells=[f"'{a}'" for a in added],
                                 sheets=True))
    return findings


def _finding(key: str, cells: list[str] | None = None,
             error: dict[str, str] | None = None, sheets: bool = False) -> dict[str, str]:
    """One finding in both languages (texts in kpi_xl.core.i18n)."""
    out = {}
    for lang in ("ja", "en"):
        values: dict[str, str] = {}
        if cells is not None:
            values.update(count=_count(len(cells), lang, sheets), cells=_cells(cells))
        if error is not None:
            values.update(error=error[lang])
        out[lang] = t(lang, key, **values)
    return out


def _count(n: int, lang: str, sheets: bool = False) -> str:
    key = f"overwrite.{'sheet' if sheets else 'cell'}{'' if n == 1 else 's'}"
    return t(lang, key, n=n)


def _content(cell: Any) -> str | None:
    from kpi_xl.core.fingerprint import cell_content

    value = cell.value
    return cell_content(getattr(value, "text", value), cell.data_type == "f")


def _sheet_digest(ws: Any) -> str:
    """The content fingerprint of a sheet as it is now (kpi_xl.core.fingerprint)."""
    from kpi_xl.core.fingerprint import sheet_digest

    return sheet_digest(ws.title, ((r, c, _content(cell)) for (r, c), cell in ws._cells.items()))


def _stored_content(wb: Any) -> set[str] | None:
    from kpi_xl.core.fingerprint import unpack

    try:
        props = {p.name: p.value for p in wb.custom_doc_props.props}
    except AttributeError:
        return None
    return unpack(props)


def _other_cells(old: Any, new: Any, seen: set[str], *, strict: bool) -> list[str]:
    """Cells of a sheet that differ from this run's workbook, beyond those already reported.

    ``strict`` (the sheet's fingerprint shows a change): any difference counts. Otherwise (a
    workbook written before fingerprints): only text or numbers where this run writes nothing.
    """
    found: list[tuple[int, int, str]] = []
    for (r, c), cell in old._cells.items():
        text = _content(cell)
        where = f"{old.title}!{cell.coordinate}"
        if where in seen:
            continue
        fresh = new._cells.get((r, c))
        now = _content(fresh) if fresh is not None else None
        if text == now or (text is None and not strict):
            continue
        if not strict and now is not None:
            continue
        found.append((r, c, f"{where} ({_show(cell.value)})"))
    if strict:
        for (r, c), cell in new._cells.items():
            where = f"{new.title}!{cell.coordinate}"
            if (r, c) in old._cells or where in seen or _content(cell) is None:
                continue
            found.append((r, c, f"{where} ({_show(None)})"))
    return [text for _, _, text in sorted(found)]


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


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if hasattr(value, "text"):  # an array formula
        value = value.text
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= 30 else text[:29] + "…"
