"""Reading kpi-xl's own department workbooks back, as saved by Excel, LibreOffice or openpyxl.

Excel and LibreOffice save every formula with its result; openpyxl saves formulas without one.
:class:`SavedWorkbook` opens a file twice (saved results, and formulas) after
:func:`kpi_xl.io.safety.check_xlsx` passed it, and :meth:`SavedWorkbook.value` gives a cell's saved
result, or its constant, or, for a formula that is a plain reference to another cell
(``=KPI!$B$7``, as the tracking tables' KPI names are), the referenced cell's value. Nothing else
is evaluated: a formula kpi-xl cannot read without a spreadsheet engine reads as unknown (None).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpi_xl.core.i18n import t

__all__ = ["SavedWorkbook", "TableView", "header_field"]

_REFERENCE = re.compile(
    r"^=\s*(?:(?:(?P<quoted>'(?:[^']|'')+')|(?P<plain>[^'!=\s()]+))!)?"
    r"\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d{1,7})\s*$")


@dataclass
class TableView:
    """One Excel Table: its sheet, its cells by column field, and where it is."""

    sheet: str
    ref: str
    header_row: int
    columns: dict[str, int]  # field → column number (1-based)
    first_row: int
    last_row: int

    def cell(self, field: str, row: int) -> str:
        from openpyxl.utils.cell import get_column_letter

        return f"{get_column_letter(self.columns[field])}{row}"

    @property
    def header(self) -> str:
        from openpyxl.utils.cell import get_column_letter

        cols = sorted(self.columns.values()) or [1]
        return (f"{get_column_letter(cols[0])}{self.header_row}:"
                f"{get_column_letter(cols[-1])}{self.header_row}")

    def rows(self) -> Iterator[int]:
        return iter(range(self.first_row, self.last_row + 1))


def header_field(text: object, fields: dict[str, str]) -> str | None:
    """The field a header stands for, in either language; ``fields`` maps field → i18n key."""
    shown = str(text or "").strip()
    for field, key in fields.items():
        if shown in (t("ja", key), t("en", key)):
            return field
    return None


class SavedWorkbook:
    """A workbook opened for reading (saved results and formulas). See the module docstring."""

    def __init__(self, path: Path) -> None:
        import warnings

        import openpyxl

        from kpi_xl.io.plan_reader import open_checked

        self.path = Path(path)
        self.formulas = open_checked(self.path, data_only=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with open(self.path, "rb") as handle:  # a file object: see open_checked
                self.results = openpyxl.load_workbook(handle, data_only=True)

    def table(self, name: str, fields: dict[str, str]) -> TableView | None:
        """The Excel Table ``name`` (any sheet), its columns mapped by header to ``fields``."""
        from openpyxl.utils.cell import range_boundaries

        for ws in self.formulas.worksheets:
            for table in ws.tables.values():
                if getattr(table, "name", None) != name:
                    continue
                min_col, min_row, max_col, max_row = range_boundaries(table.ref.replace("$", ""))
                # A table stretched far beyond its cells (to row 1,048,576) is read only as far
                # as cells exist: the rest is empty by definition, and costs nothing.
                max_row = max(min_row, min(max_row, ws.max_row))
                max_col = max(min_col, min(max_col, ws.max_column))
                columns: dict[str, int] = {}
                for col in range(min_col, max_col + 1):
                    field = header_field(self.value(ws.title, f"{_letter(col)}{min_row}"), fields)
                    if field and field not in columns:
                        columns[field] = col
                return TableView(ws.title, table.ref, min_row, columns, min_row + 1, max_row)
        return None

    def named_cells(self, name: str) -> list[tuple[str, str]]:
        """Where the defined name ``name`` points: (sheet, cell without ``$``) each; [] when the
        workbook has no such name (or one that points nowhere readable)."""
        from kpi_xl.io.plan_reader import _destinations

        return [(sheet, ref.replace("$", "")) for sheet, ref in _destinations(self.formulas, name)]

    def raw(self, sheet: str, coordinate: str) -> Any:
        """What the cell holds: a constant, or a formula's text (None for an absent cell)."""
        return _get(self.formulas[sheet], coordinate)

    def number_format(self, sheet: str, coordinate: str) -> str:
        return str(self.formulas[sheet][coordinate].number_format or "")

    def value(self, sheet: str, coordinate: str, _depth: int = 0) -> Any:
        """The saved result, the constant, or a plain reference followed; None when unknown."""
        if sheet not in self.formulas.sheetnames:
            return None
        if ":" in coordinate:  # a range is not one value (and may be a whole sheet)
            first, last = coordinate.split(":", 1)
            if first != last:
                return None
            coordinate = first
        saved = _get(self.results[sheet], coordinate)
        raw = _get(self.formulas[sheet], coordinate)
        if not (isinstance(raw, str) and raw.startswith("=")):
            return raw
        if saved is not None:
            return saved
        match = _REFERENCE.match(raw)
        if match is None or _depth > 8:
            return None
        target = sheet
        if match.group("quoted"):
            target = match.group("quoted")[1:-1].replace("''", "'")
        elif match.group("plain"):
            target = match.group("plain")
        return self.value(target, f"{match.group('col')}{match.group('row')}", _depth + 1)


def _get(ws: Any, coordinate: str) -> Any:
    """A cell's value without creating the cell (reading never grows a sheet)."""
    from openpyxl.utils.cell import coordinate_to_tuple

    cell = ws._cells.get(coordinate_to_tuple(coordinate.replace("$", "")))
    return None if cell is None else cell.value


def _letter(col: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return get_column_letter(col)


def as_month(value: Any) -> dt.date | None:
    """A month cell: a date, an Excel serial, or text such as 2026-04 / 2026年4月 / ２０２６/４."""
    from kpi_xl.core.textnum import normalize

    if isinstance(value, dt.datetime):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 < value < 2958466:
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        return dt.date(day.year, day.month, 1)
    if isinstance(value, str):
        match = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|[-/.]\s*\d{1,2}\s*日?)?$",
                         normalize(value).strip())
        if match and 1 <= int(match.group(2)) <= 12:
            return dt.date(int(match.group(1)), int(match.group(2)), 1)
    return None
