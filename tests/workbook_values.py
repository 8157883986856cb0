"""Reading generated workbooks back: formulas, cached values and defined names (openpyxl)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import openpyxl

ERROR_VALUES = ("#NAME?", "#DIV/0!", "#VALUE!", "#REF!", "#N/A", "#NUM!", "#NULL!", "Err:")


def formulas(path: Path) -> dict[tuple[str, str], str]:
    """Every formula cell: (sheet, coordinate) → formula text."""
    wb = openpyxl.load_workbook(path, data_only=False)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    out[(ws.title, cell.coordinate)] = cell.value
    return out


def values(path: Path) -> dict[tuple[str, str], Any]:
    """Every non-empty cell's stored value (cached results for formulas)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    out[(ws.title, cell.coordinate)] = cell.value
    return out


def named_cells(path: Path) -> dict[str, tuple[str, str]]:
    """Defined names that point at one cell: name → (sheet, coordinate)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for name, defined in wb.defined_names.items():
        dests = list(defined.destinations)
        if len(dests) == 1 and ":" not in dests[0][1]:
            out[name] = (dests[0][0], dests[0][1].replace("$", ""))
    return out


def named_values(path: Path) -> dict[str, Any]:
    """The value of every single-cell defined name."""
    vals = values(path)
    return {name: vals.get(where) for name, where in named_cells(path).items()}


def same(a: Any, b: Any, rel: float = 1e-12) -> bool:
    """Equal as Excel would show them: numbers within a relative tolerance, bools as 0/1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return (a in (1, True)) == (b in (1, True)) and (a in (0, 1, True, False)
                                                         and b in (0, 1, True, False))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)
    if a in (None, "") and b in (None, ""):
        return True
    return a == b


def errors_in(vals: dict[tuple[str, str], Any]) -> dict[tuple[str, str], Any]:
    """Cells whose value is a spreadsheet error."""
    return {k: v for k, v in vals.items()
            if isinstance(v, str) and v.startswith(ERROR_VALUES)}
