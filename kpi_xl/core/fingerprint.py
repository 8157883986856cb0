"""Fingerprints of a workbook as kpi-xl wrote it (standard library only).

Two kinds, both stored in custom document properties by the writer:

- :data:`PROPERTY`: the input (unlocked) cells. Equal means nobody changed an input, so the
  differences from a fresh build come from a changed plan.
- :data:`CONTENT_PROPERTY`: one short digest per sheet over *every* non-blank cell (constants as
  values, formulas as their normalised text; cached results are left out, since a spreadsheet
  recalculates them). Before replacing a workbook, generate recomputes the digests from the file:
  a sheet whose digest is not among the stored ones, or a sheet kpi-xl did not write, holds
  something a person typed (a note beside an actual, a row below a table, a new sheet).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

__all__ = ["CONTENT_PROPERTY", "PROPERTY", "canonical", "cell_content", "digest", "pack",
           "sheet_digest", "unpack"]

PROPERTY = "kpi_xl_inputs"
CONTENT_PROPERTY = "kpi_xl_content"
#: Excel keeps at most 255 characters of a custom property's text; longer lists are split.
_PROPERTY_CHARS = 255
_SHEET_DIGEST_CHARS = 16
_EPOCH = dt.date(1899, 12, 30)


def canonical(value: object, is_date: bool = False) -> str | None:
    """A value as text that the writer and a reader of the saved file agree on (None: blank)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time(0) else value
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if is_date:
            return (_EPOCH + dt.timedelta(days=float(value))).isoformat()
        return format(float(value), ".12g")
    text = str(value)
    return None if text.startswith("=") else "s:" + text


def digest(cells: Iterable[tuple[str, str, str | None]]) -> str:
    """SHA-256 of (sheet, coordinate, canonical value) for every non-blank input cell."""
    lines = sorted(f"{sheet}!{coordinate}={value}" for sheet, coordinate, value in cells
                   if value is not None)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def cell_content(value: object, formula: bool = False) -> str | None:
    """One cell as the content fingerprint sees it (None: blank).

    A formula is its text without ``=``, spaces, ``$`` and quotes, case-folded, ``FALSE()`` as
    ``FALSE`` (Excel and LibreOffice write these differently when they save a workbook unchanged);
    a date is its Excel serial number, as the writer stores it.
    """
    if value is None or value == "":
        return None
    if formula:
        text = str(value).lstrip("=")
        for mark in (" ", "$", "'", "\n", "\r"):
            text = text.replace(mark, "")
        text = text.casefold().replace("true()", "true").replace("false()", "false")
        return "f:" + text
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime(1899, 12, 30)
        value = delta.days + delta.seconds / 86400
    elif isinstance(value, dt.date):
        value = (value - _EPOCH).days
    elif isinstance(value, dt.time):
        value = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if isinstance(value, bool):
        return "b:" + ("TRUE" if value else "FALSE")
    if isinstance(value, (int, float)):
        return "n:" + format(float(value), ".12g")
    return "s:" + str(value)


def sheet_digest(name: str, cells: Iterable[tuple[int, int, str | None]]) -> str:
    """A short digest of a sheet's name and its non-blank cells (row, column, content)."""
    lines = sorted(f"{row},{col}={text}" for row, col, text in cells if text is not None)
    body = name + "\n" + "\n".join(lines)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:_SHEET_DIGEST_CHARS]


def pack(digests: Iterable[str]) -> list[str]:
    """Sheet digests as property texts of at most 255 characters each."""
    per = _PROPERTY_CHARS // (_SHEET_DIGEST_CHARS + 1)
    items = list(digests)
    return [",".join(items[i:i + per]) for i in range(0, len(items), per)] or [""]


def property_names(count: int) -> list[str]:
    """The names of ``count`` content properties: kpi_xl_content, kpi_xl_content.2, ..."""
    return [CONTENT_PROPERTY] + [f"{CONTENT_PROPERTY}.{i}" for i in range(2, count + 1)]


def unpack(properties: dict[str, str]) -> set[str] | None:
    """The stored sheet digests from a workbook's custom properties; None when there are none."""
    if CONTENT_PROPERTY not in properties:
        return None
    found: set[str] = set()
    i = 1
    while True:
        name = CONTENT_PROPERTY if i == 1 else f"{CONTENT_PROPERTY}.{i}"
        if name not in properties:
            return found
        found.update(d for d in str(properties[name] or "").split(",") if d)
        i += 1
