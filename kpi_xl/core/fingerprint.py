"""A fingerprint of a workbook's input cells as kpi-xl wrote them (standard library only).

The writer stores it in a custom document property; before replacing a workbook, generate
recomputes it from the input (unlocked) cells the file holds now. Equal fingerprints mean nobody
typed into the workbook, so it may be regenerated even though the plan changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

__all__ = ["PROPERTY", "canonical", "digest"]

PROPERTY = "kpi_xl_inputs"
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
