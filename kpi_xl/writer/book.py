"""A thin, opinionated layer over XlsxWriter: the only module that imports it.

Department modules describe *what* goes where (labels, inputs, formula expressions); this module
decides *how* it looks and makes the guarantees:

- every formula is written with its cached value, computed from the same :class:`~kpi_xl.core.expr.Expr`
  that produced its text;
- input cells share one style, are unlocked, and carry data validation with a short help text;
  formula cells share another style and are locked (sheet protection without a password);
- text from plans is always written as text, never as a formula (formula injection);
- column widths fit their contents (Japanese characters count double), panes freeze, sheets print
  on A4 landscape one page wide;
- the file is written atomically and deterministically (fixed document properties).
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from kpi_xl.core.expr import ExcelError, Expr, Value
from kpi_xl.core.i18n import t
from kpi_xl.core.spec import KINDS, rate_rule_formula

__all__ = ["BookWriter", "SheetWriter"]

FONTS = {"ja": "Yu Gothic", "en": "Calibri"}
#: The hidden sheet that holds drop-down lists too long or too odd to write inline.
LISTS_SHEET = "kpi-xl lists"

# One palette for every workbook: inputs are pale yellow with blue text (the common convention in
# financial models), formulas pale grey with black text.
PALETTE = {
    "navy": "#1F3864",
    "header": "#D9E1F2",
    "input_fill": "#FFF2CC",
    "input_font": "#1F4E9A",
    "formula_fill": "#F2F2F2",
    "border": "#BFBFBF",
    "note": "#595959",
    "bad_fill": "#FFC7CE",
    "bad_font": "#9C0006",
    "good_fill": "#C6EFCE",
    "good_font": "#006100",
    "warn_fill": "#FFEB9C",
    "warn_font": "#9C5700",
    "highlight": "#E2EFDA",
}

NUMBER_FORMATS = {kind: info.number_format for kind, info in KINDS.items()}
NUMBER_FORMATS.update({
    "decimal": "#,##0.0",
    "percent": "0.0%",
    "score": "0.00",
    "date": "yyyy-mm-dd",
    "month_label": "yyyy-mm",
    "general": "General",
    "integer": "0",
    # A 1/0 flag that formulas add up, shown as a mark: 1 → ✖, 0 → nothing.
    "flag": '"✖";"";""',
})


# XlsxWriter prefixes dynamic-array functions with _xlfn. by running one regular expression per
# function over every formula: 29 passes that were 40% of the time spent writing a workbook.
# One alternation does the same in a single pass (tests/test_writer_formulas.py proves the output
# identical to XlsxWriter's own).
_DYNAMIC_FUNCTIONS = (
    "ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER",
    "HSTACK", "LAMBDA", "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "SEQUENCE", "SINGLE",
    "SORT",
    "SORTBY", "SWITCH", "TAKE", "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE", "VSTACK", "WRAPCOLS",
    "WRAPROWS", "XLOOKUP",
)
_DYNAMIC_RE = re.compile(r"\b(" + "|".join(sorted(_DYNAMIC_FUNCTIONS, key=len, reverse=True))
                         + r")\(")
_WORKSHEET_FUNCTIONS = ("FILTER", "SORT")  # these two take _xlfn._xlws.


def _prefix_dynamic(match: re.Match[str]) -> str:
    name = match.group(1)
    return ("_xlfn._xlws." if name in _WORKSHEET_FUNCTIONS else "_xlfn.") + name + "("


# Functions that need no prefix at all, whichever way XlsxWriter is asked to expand: a formula
# using only these (every formula kpi_xl writes) is returned as it is.
_CLASSIC_FUNCTIONS = frozenset((
    "ROUNDUP", "ROUNDDOWN", "ROUND", "IF", "AND", "OR", "SUM", "MIN", "MAX", "ABS", "IFERROR",
    "DATE", "SUMIFS", "COUNTIFS", "AVERAGEIFS", "COUNTA", "COUNTBLANK", "COUNTIF", "INDEX",
    "MATCH", "MOD", "ISNUMBER", "POWER", "SUMPRODUCT", "TEXT",
))
_CALLS_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")


class _Worksheet(Worksheet):
    """XlsxWriter's worksheet with a single-pass formula preparation (same output)."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if self.use_future_functions or expand_future_functions:
            stripped = formula.lstrip("{").removeprefix("=").removesuffix("}")
            if all(name.upper() in _CLASSIC_FUNCTIONS for name in _CALLS_RE.findall(stripped)):
                return super()._prepare_formula(stripped, False) if "_xlfn." in stripped \
                    else _DYNAMIC_RE.sub(_prefix_dynamic, stripped)
            return super()._prepare_formula(formula, expand_future_functions)
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        if "_xlfn." in formula or "(" not in formula:
            return formula
        return _DYNAMIC_RE.sub(_prefix_dynamic, formula)


#: How much wider than its characters an unwrapped text of a style runs (font sizes 16/12/9/10).
_OVERFLOW_SCALE = {"title": 1.7, "subtitle": 1.1, "plain_note": 0.95, "label": 1.05,
                   "label_bold": 1.1}
#: The widest print area (column units) a title or note may stretch a sheet to: about an A4
#: landscape page at a readable scale.
MAX_PRINT_WIDTH = 150


def display_width(text: str) -> int:
    """Width of ``text`` in Excel column units: East Asian wide characters count as two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


@dataclass
class _PendingFormula:
    sheet: SheetWriter
    row: int
    col: int
    expr: Expr
    style: str
    kind: str
    fit: bool = True  # False: a title or note that runs on to the right, not sized for


@dataclass
class _CellRef:
    sheet: str
    row: int
    col: int


class _LazyEnv(Mapping[str, Value]):
    """Values of every key; formula values are computed on first use, in dependency order."""

    def __init__(self, book: BookWriter) -> None:
        self._book = book
        self._values: dict[str, Value] = {}
        self._busy: set[str] = set()

    def set(self, key: str, value: Value) -> None:
        self._values[key] = value

    def __getitem__(self, key: str) -> Value:
        if key in self._values:
            return self._values[key]
        pending = self._book._formulas.get(key)
        if pending is None:
            raise KeyError(key)
        if key in self._busy:
            raise ValueError(f"circular reference through {key}")
        self._busy.add(key)
        try:
            value = pending.expr.evaluate(self)
        finally:
            self._busy.discard(key)
        self._values[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter({**self._values, **self._book._formulas})

    def __len__(self) -> int:
        return len(set(self._values) | set(self._book._formulas))

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


class BookWriter:
    """Builds one workbook. Call :meth:`sheet` for each sheet, then :meth:`save`."""

    def __init__(self, lang: str, *, title: str = "", company: str = "",
                 created: datetime | None = None, fingerprint: bool = False) -> None:
        """``fingerprint``: store each sheet's content fingerprint (kpi_xl.core.fingerprint), so
        that a later run can tell whether anything was typed into the workbook."""
        self.lang = lang
        self._fingerprint = fingerprint
        # The process id in the name lets a later run remove the folder if this one is killed.
        self._tmpdir = tempfile.TemporaryDirectory(prefix=f"kpi-xl-build-{os.getpid()}-")
        self._tmp_path = Path(self._tmpdir.name) / "book.xlsx"
        self.wb = xlsxwriter.Workbook(str(self._tmp_path), {
            # Text from plans must stay text: never a formula, number or link.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            # Assemble the parts in memory rather than in hundreds of temporary files.
            "in_memory": True,
        })
        # Fixed properties make the same plan give byte-identical files.
        self.wb.set_properties({
            "title": title,
            "company": company,
            "author": "kpi-xl",
            "comments": "Generated by kpi-xl",
            "created": created or datetime(2000, 1, 1),
        })
        self.wb.set_calc_mode("auto")
        self._formats: dict[tuple, Any] = {}
        self._sheets: list[SheetWriter] = []
        self._cells: dict[str, _CellRef] = {}
        self._formulas: dict[str, _PendingFormula] = {}
        self._names: dict[str, str] = {}
        self.env = _LazyEnv(self)
        self._rendered = False
        self._lists: SheetWriter | None = None  # the hidden sheet of drop-down sources
        self._list_columns = 0
        # Input cells as written, for the fingerprint that tells a later run nobody typed here.
        self._inputs: dict[tuple[str, int, int], tuple[object, bool]] = {}

    # Formats -------------------------------------------------------------------------------
    def fmt(self, style: str, kind: str = "general", **extra: Any) -> Any:
        """A cached XlsxWriter format for a style role and a number kind."""
        key = (style, kind, tuple(sorted(extra.items())))
        if key in self._formats:
            return self._formats[key]
        props: dict[str, Any] = {"font_name": FONTS.get(self.lang, "Calibri"), "font_size": 10,
                                 "valign": "vcenter"}
        border = {"border": 1, "border_color": PALETTE["border"]}
        if style == "title":
            props.update(bold=True, font_size=16, font_color=PALETTE["navy"])
        elif style == "subtitle":
            props.update(font_color=PALETTE["note"], italic=True)
        elif style == "section":
            props.update(bold=True, font_size=12, font_color="#FFFFFF", bg_color=PALETTE["navy"])
        elif style == "header":
            props.update(bold=True, bg_color=PALETTE["header"], text_wrap=True, **border)
        elif style == "label":
            props.update(border)
        elif style == "label_bold":
            props.update(bold=True, **border)
        elif style == "input":
            props.update(bg_color=PALETTE["input_fill"], font_color=PALETTE["input_font"],
                         locked=False, **border)
        elif style == "formula":
            props.update(bg_color=PALETTE["formula_fill"], **border)
        elif style == "formula_bold":
            props.update(bg_color=PALETTE["formula_fill"], bold=True, **border)
        elif style == "highlight":
            props.update(bg_color=PALETTE["highlight"], bold=True, **border)
        elif style == "unit":
            props.update(font_color=PALETTE["note"], align="center", **border)
        elif style == "note":
            props.update(font_color=PALETTE["note"], font_size=9, **border)
        elif style == "note_wrap":
            props.update(font_color=PALETTE["note"], font_size=9, text_wrap=True, **border)
        elif style == "plain_note":
            props.update(font_color=PALETTE["note"], font_size=9)
        elif style == "legend_input":
            props.update(bg_color=PALETTE["input_fill"], font_color=PALETTE["input_font"], **border)
        elif style == "legend_formula":
            props.update(bg_color=PALETTE["formula_fill"], **border)
        elif style == "bad":
            props.update(bg_color=PALETTE["bad_fill"], font_color=PALETTE["bad_font"])
        elif style == "good":
            props.update(bg_color=PALETTE["good_fill"], font_color=PALETTE["good_font"])
        elif style == "warn":
            props.update(bg_color=PALETTE["warn_fill"], font_color=PALETTE["warn_font"])
        else:
            raise KeyError(style)
        if style not in ("title", "subtitle", "section", "header", "note", "note_wrap",
                         "plain_note", "bad",
                         "good", "warn") and kind != "general":
            props["num_format"] = NUMBER_FORMATS[kind]
        props.update(extra)
        if style in ("bad", "good", "warn"):
            props.pop("font_name"), props.pop("font_size"), props.pop("valign")
        fmt = self.wb.add_format(props)
        self._formats[key] = fmt
        return fmt

    # Sheets and references -----------------------------------------------------------------
    def sheet(self, name: str) -> SheetWriter:
        """Add a sheet. ``name`` must be a valid Excel sheet name (31 characters at most)."""
        ws = self.wb.add_worksheet(name, worksheet_class=_Worksheet)
        sheet = SheetWriter(self, ws, name)
        self._sheets.append(sheet)
        return sheet

    def register(self, key: str, sheet: SheetWriter, row: int, col: int) -> None:
        if key in self._cells:
            raise ValueError(f"key {key!r} is written twice")
        self._cells[key] = _CellRef(sheet.name, row, col)

    def define_name(self, name: str, key: str) -> None:
        """Give the cell holding ``key`` a workbook-scope defined name; formulas then use it."""
        cell = self._cells[key]
        self.wb.define_name(name, f"={_quote(cell.sheet)}!{_abs(cell.row, cell.col)}")
        self._names[key] = name

    def define_area_name(self, name: str, keys: Sequence[str]) -> None:
        """Name a contiguous block of cells (e.g. the twelve seasonality weights)."""
        first, last = self._cells[keys[0]], self._cells[keys[-1]]
        self.wb.define_name(
            name, f"={_quote(first.sheet)}!{_abs(first.row, first.col)}:"
                  f"{_abs(last.row, last.col)}")

    def address(self, key: str, from_sheet: str | None = None) -> str:
        """Absolute address of ``key``, with the sheet name when it lives on another sheet."""
        cell = self._cells[key]
        addr = _abs(cell.row, cell.col)
        return addr if cell.sheet == from_sheet else f"{_quote(cell.sheet)}!{addr}"

    def resolver(self, from_sheet: str) -> _Resolver:
        return _Resolver(self, from_sheet)

    def chart(self, kind: str, subtype: str | None = None) -> Any:
        """A new XlsxWriter chart (the caller adds series referencing :meth:`address`)."""
        options = {"type": kind}
        if subtype:
            options["subtype"] = subtype
        return self.wb.add_chart(options)

    def cell(self, key: str) -> tuple[str, int, int]:
        """(sheet name, row, col) of a key."""
        c = self._cells[key]
        return c.sheet, c.row, c.col

    def value(self, key: str) -> Value:
        """The (cached) value of a key: an input's value or a formula's result."""
        return self.env[key]

    def set_custom_properties(self, properties: Mapping[str, str]) -> None:
        """Custom document properties (text), such as the workbook's identity
        (:class:`kpi_xl.core.identity.WorkbookIdentity`): Excel shows them under File > Info >
        Properties > Advanced, and they survive renaming, moving and re-saving the file."""
        for name, value in properties.items():
            self.wb.set_custom_property(name, str(value))

    # Saving --------------------------------------------------------------------------------
    def render(self) -> Path:
        """Evaluate every formula and write the workbook to a private temporary file."""
        if self._rendered:
            return self._tmp_path
        for key, pending in self._formulas.items():
            try:
                value = self.env[key]
            except ExcelError as err:
                raise ValueError(f"formula {key} evaluates to {err.code}") from err
            text = "=" + pending.expr.formula(self.resolver(pending.sheet.name))
            if len(text) > 8192:
                raise ValueError(f"formula {key} is longer than Excel's 8,192 characters")
            if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
                value = int(value)
            if value is None:
                value = 0  # a formula that reads a blank cell shows 0, as in Excel
            pending.sheet.ws.write_formula(pending.row, pending.col, text,
                                           self.fmt(pending.style, pending.kind), value)
            shown = _shown(value, pending.kind)
            if pending.fit:
                pending.sheet.note_width(pending.col, shown)
            else:
                pending.sheet.note_overflow(pending.col, shown, pending.style)
        for sheet in self._sheets:
            sheet.finish()
        from kpi_xl.core.fingerprint import PROPERTY, canonical, digest, pack, property_names

        self.wb.set_custom_property(PROPERTY, digest(
            (sheet, xl_rowcol_to_cell(row, col), canonical(value, is_date))
            for (sheet, row, col), (value, is_date) in self._inputs.items()))
        if self._fingerprint:
            texts = pack(self._content_digests())
            for name, text in zip(property_names(len(texts)), texts, strict=True):
                self.wb.set_custom_property(name, text)
        self.wb.close()
        self._rendered = True
        return self._tmp_path

    def list_source(self, items: Sequence[str]) -> str:
        """A range on the hidden lists sheet holding ``items`` (for a drop-down list)."""
        if self._lists is None:
            self._lists = self.sheet(LISTS_SHEET)
            self._lists.ws.hide()
            self._list_columns = 0
        col = self._list_columns
        self._list_columns += 1
        for row, item in enumerate(items):
            self._lists.text(row, col, item, "plain_note", fit=False)
        last = max(len(items) - 1, 0)
        return f"={_quote(LISTS_SHEET)}!{_abs(0, col)}:{_abs(last, col)}"

    def _content_digests(self) -> list[str]:
        """Each sheet's content fingerprint (kpi_xl.core.fingerprint), from the cells as written."""
        from kpi_xl.core.fingerprint import cell_content, sheet_digest

        strings = {index: text for text, index in self.wb.str_table.string_table.items()}
        digests = []
        for sheet in self._sheets:
            cells = []
            for row, columns in sheet.ws.table.items():
                for col, cell in columns.items():
                    kind = type(cell).__name__
                    if kind in ("Formula", "ArrayFormula"):
                        text = cell_content(cell.formula, formula=True)
                    elif kind == "String":
                        text = cell_content(strings.get(cell.string, cell.string))
                    elif kind == "RichString":
                        text = cell_content(cell.raw_string)
                    elif kind in ("Number", "Datetime"):
                        text = cell_content(cell.number)
                    elif kind == "Boolean":
                        text = cell_content(bool(cell.boolean))
                    else:
                        text = None
                    cells.append((row + 1, col + 1, text))
            digests.append(sheet_digest(sheet.name, cells))
        return digests

    def discard(self) -> None:
        """Remove the temporary file (after it was moved into place, or after an error)."""
        self._tmpdir.cleanup()


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _abs(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)


def _shown(value: Any, kind: str) -> str:
    if isinstance(value, bool):
        return "TRUE"
    if isinstance(value, (int, float)):
        if kind in ("rate", "percent"):
            return f"{value * 100:.1f}%"
        if kind in ("date", "month_label"):
            return "2026-04-01"
        if kind in ("decimal", "score", "weight"):
            return f"{value:,.2f}"
        return f"{value:,.0f}"
    return str(value)


class _Resolver:
    def __init__(self, book: BookWriter, from_sheet: str) -> None:
        self.book = book
        self.from_sheet = from_sheet

    def ref(self, key: str) -> str:
        name = self.book._names.get(key)
        return name if name else self.book.address(key, self.from_sheet)

    def area(self, keys: Sequence[str]) -> str:
        cells = [self.book._cells[k] for k in keys]
        first, last = cells[0], cells[-1]
        if len({c.sheet for c in cells}) != 1:
            raise ValueError("an area must lie on one sheet")
        rows = {c.row for c in cells}
        cols = {c.col for c in cells}
        if not ((len(cols) == 1 and rows == set(range(first.row, first.row + len(cells))))
                or (len(rows) == 1 and cols == set(range(first.col, first.col + len(cells))))):
            raise ValueError(f"keys {keys[0]}..{keys[-1]} are not a contiguous block")
        text = f"{_abs(first.row, first.col)}:{_abs(last.row, last.col)}"
        return text if first.sheet == self.from_sheet else f"{_quote(first.sheet)}!{text}"


@dataclass
class SheetWriter:
    """Writes one sheet; remembers contents to size columns and set the print area."""

    book: BookWriter
    ws: Any
    name: str
    widths: dict[int, int] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0
    fixed_widths: dict[int, float] = field(default_factory=dict)
    protect: bool = True
    paper: int = 9  # A4; 8 is A3, for sheets too wide to read on A4 one page wide
    pages_tall: int = 0  # 0: as many pages as it takes; 1: the whole sheet on one page
    # Rows that start a new printed page (a block that should not be split from its heading).
    page_breaks: list[int] = field(default_factory=list)
    # Unwrapped text that runs on to the right of its cell (titles, notes): (column, width it
    # needs); the print area reaches that far, so a narrow sheet's title is not cut off.
    overflow: list[tuple[int, float]] = field(default_factory=list)

    def _track(self, row: int, col: int) -> None:
        self.max_row = max(self.max_row, row)
        self.max_col = max(self.max_col, col)

    def note_width(self, col: int, text: str) -> None:
        self.widths[col] = max(self.widths.get(col, 0), display_width(text))

    def note_overflow(self, col: int, text: str, style: str) -> None:
        """Text of a title or note style that runs on to the right: the print area reaches it."""
        if style in _OVERFLOW_SCALE:
            self.overflow.append((col, display_width(text) * _OVERFLOW_SCALE[style]))

    def key_at(self, row: int, col: int) -> str:
        return f"{self.name}!{xl_rowcol_to_cell(row, col)}"

    # Writing ---------------------------------------------------------------------------------
    def text(self, row: int, col: int, text: str, style: str = "label", *,
             fit: bool = True) -> None:
        """Write text as text, whatever it starts with (never a formula)."""
        self._track(row, col)
        self.ws.write_string(row, col, str(text), self.book.fmt(style))
        if fit:
            self.note_width(col, str(text))
        else:
            self.note_overflow(col, str(text), style)

    def text_key(self, row: int, col: int, text: str, key: str, style: str = "label") -> str:
        """Write text that formulas refer to (by ``key``)."""
        self.text(row, col, text, style)
        self.book.register(key, self, row, col)
        self.book.env.set(key, text)
        return key

    def number(self, row: int, col: int, value: float, kind: str = "general",
               style: str = "label", key: str | None = None) -> str:
        """Write a constant number (not an input the planner is meant to change)."""
        self._track(row, col)
        self.ws.write_number(row, col, value, self.book.fmt(style, kind))
        self.note_width(col, _shown(value, kind))
        key = key or self.key_at(row, col)
        self.book.register(key, self, row, col)
        self.book.env.set(key, value)
        return key

    def date(self, row: int, col: int, day: date, kind: str = "date", style: str = "label",
             key: str | None = None) -> str:
        """Write a date as an Excel date serial with a date format."""
        self._track(row, col)
        self.ws.write_datetime(row, col, datetime(day.year, day.month, day.day),
                               self.book.fmt(style, kind))
        self.note_width(col, "2026-04-01" if kind == "date" else "2026-04")
        key = key or self.key_at(row, col)
        self.book.register(key, self, row, col)
        self.book.env.set(key, float((day - date(1899, 12, 30)).days))
        if style == "input":
            self.book._inputs[(self.name, row, col)] = (day, True)
        return key

    def blank(self, row: int, col: int, style: str = "label", kind: str = "general") -> None:
        self._track(row, col)
        self.ws.write_blank(row, col, None, self.book.fmt(style, kind))

    def input(self, row: int, col: int, key: str, value: Value | None, kind: str, *,
              name: str | None = None, help_title: str = "", help_text: str = "",
              validate: bool = True) -> str:
        """Write an input cell (unlocked, input style, validated, with a help text)."""
        self._track(row, col)
        fmt = self.book.fmt("input", kind)
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            self.ws.write_string(row, col, value, fmt)
        else:
            self.ws.write_number(row, col, value, fmt)
        self.note_width(col, _shown(value, kind) if value is not None else "")
        self.book.register(key, self, row, col)
        self.book.env.set(key, value)  # type: ignore[arg-type]
        self.book._inputs[(self.name, row, col)] = (value, kind in ("date", "month_label"))
        if name:
            self.book.define_name(name, key)
        if validate:
            self._validation(row, col, kind, help_title, help_text)
        return key

    def _validation(self, row: int, col: int, kind: str, title: str, text: str) -> None:
        lang = self.book.lang
        info = KINDS.get(kind)
        kind = info.rule if info is not None else kind  # customers and times validate as counts
        options: dict[str, Any] = {}
        if kind == "rate":
            # The plan reader's own rule, so Excel never accepts what kpi-xl then refuses.
            options = {"validate": "custom", "value": rate_rule_formula(xl_rowcol_to_cell(row, col))}
        elif kind == "count":
            options = {"validate": "integer", "criteria": ">=", "value": 0}
        elif kind in ("money",):
            options = {"validate": "decimal", "criteria": ">", "value": 0}
        elif kind in ("weight", "decimal"):
            options = {"validate": "decimal", "criteria": ">=", "value": 0}
        elif kind == "month":
            options = {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 12}
        elif kind == "weekday":
            options = {"validate": "list", "source": [t(lang, f"weekday.{i}") for i in range(7)]}
        elif kind == "year":
            options = {"validate": "integer", "criteria": "between", "minimum": 2000,
                       "maximum": 2100}
        else:
            options = {"validate": "any"}
        if options["validate"] != "any" and info is not None:
            options.update(error_title=t(lang, "validation.error_title"),
                           error_message=info.expected[lang][:255], error_type="stop")
        if text:
            options.update(input_title=title[:32], input_message=text[:255])
        if options["validate"] == "any" and not text:
            return
        self.ws.data_validation(row, col, row, col, options)

    def formula(self, row: int, col: int, expr: Expr, kind: str = "general", *,
                key: str | None = None, name: str | None = None,
                style: str = "formula", fit: bool = True) -> str:
        """Write a live formula; its cached value is computed from the same expression.

        ``fit=False`` leaves the column's width alone (a title or a note that runs on)."""
        self._track(row, col)
        key = key or self.key_at(row, col)
        self.book.register(key, self, row, col)
        self.book._formulas[key] = _PendingFormula(self, row, col, expr, style, kind, fit)
        if name:
            self.book.define_name(name, key)
        return key

    def spilling_formula(self, row: int, col: int, text: str, first_value: Value,
                         spill_rows: int = 1, spill_cols: int = 1) -> None:
        """A dynamic-array formula (Excel 365) anchored at one cell, with its first value cached.

        Only for the optional add-in cells: kpi_xl's own formulas never spill, so they work in
        every Excel. ``spill_rows``/``spill_cols`` reserve the area for widths and the print area.
        """
        self.ws.write_dynamic_array_formula(row, col, row, col, text, self.book.fmt("formula"),
                                            first_value)
        self._track(row + spill_rows - 1, col + spill_cols - 1)

    def list_validation(self, first_row: int, col: int, last_row: int, source: str | Sequence[str],
                        title: str = "", text: str = "", *, others: str = "") -> None:
        """A drop-down list: a range reference (``=$H$2:$H$5``) or a list of choices.

        A list is written inline when Excel can hold it so (255 UTF-16 units with the commas, no
        item holding a comma or a double quote); any other list (planners' names: ``Leads,
        "qualified"``, long or many) goes to a hidden sheet and the drop-down refers to its range,
        so nothing is altered, truncated or dropped.
        """
        if not isinstance(source, str):
            items = [str(item) for item in source]
            joined = ",".join(items)
            if any("," in item or '"' in item for item in items) or \
                    len(joined.encode("utf-16-le")) // 2 > 255:
                source = self.book.list_source(items)
            else:
                source = items
        options: dict[str, Any] = {"validate": "list", "source": source}
        if others:
            # Other values are allowed after a warning that says which (the list is a guide).
            options.update(error_type="warning", error_message=others[:255])
        if text:
            options.update(input_title=title[:32], input_message=text[:255])
        self.ws.data_validation(first_row, col, last_row, col, options)

    def table(self, first_row: int, first_col: int, last_row: int, name: str,
              headers: Sequence[str], column_formulas: dict[int, str] | None = None,
              style: str = "Table Style Light 9", autofilter: bool = True) -> None:
        """An Excel Table (ListObject) with a header row; cells are written separately.

        ``column_formulas`` (column offset → formula text) become calculated columns, so rows a
        user adds inherit them. ``autofilter=False`` leaves out the filter buttons (a grid whose
        rows must not be sorted or filtered).
        """
        columns = []
        for i, header in enumerate(headers):
            column: dict[str, Any] = {"header": header,
                                      "header_format": self.book.fmt("header")}
            if column_formulas and i in column_formulas:
                column["formula"] = column_formulas[i]
            columns.append(column)
            self.note_width(first_col + i, header)
        last_col = first_col + len(headers) - 1
        self._track(last_row, last_col)
        self.ws.add_table(first_row, first_col, last_row, last_col,
                          {"name": name, "columns": columns, "style": style,
                           "autofilter": autofilter})

    def chart(self, row: int, col: int, chart: Any, *, x_scale: float = 1.0,
              y_scale: float = 1.0) -> None:
        """Place a chart made with :meth:`BookWriter.chart`."""
        self.ws.insert_chart(row, col, chart, {"x_scale": x_scale, "y_scale": y_scale})

    # Conditional formats ---------------------------------------------------------------------
    def flag_if(self, row: int, col: int, condition: Expr, style: str = "bad",
                last_row: int | None = None, last_col: int | None = None) -> None:
        """Colour the cell(s) while ``condition`` (an expression over keys) is true."""
        text = "=" + condition.formula(self.book.resolver(self.name))
        self.ws.conditional_format(row, col, last_row if last_row is not None else row,
                                   last_col if last_col is not None else col,
                                   {"type": "formula", "criteria": text,
                                    "format": self.book.fmt(style)})

    def conditional(self, first_row: int, first_col: int, last_row: int, last_col: int,
                    options: dict[str, Any]) -> None:
        """Pass-through for XlsxWriter conditional formats (data bars, icon sets)."""
        self.ws.conditional_format(first_row, first_col, last_row, last_col, options)

    # Layout ----------------------------------------------------------------------------------
    def section(self, row: int, text: str, width: int) -> None:
        """A full-width section band."""
        self._track(row, width - 1)
        self.ws.merge_range(row, 0, row, width - 1, text, self.book.fmt("section"))
        self.ws.set_row(row, 20)

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int, text: str,
              fmt: Any) -> None:
        """Merge a range holding ``text``; the sheet's print area reaches it (a box drawn with
        no cell written beside it is printed too)."""
        self._track(last_row, last_col)
        self.ws.merge_range(first_row, first_col, last_row, last_col, text, fmt)

    def header(self, row: int, col: int, labels: Sequence[str]) -> None:
        for i, label in enumerate(labels):
            self.text(row, col + i, label, "header")

    def set_width(self, col: int, width: float) -> None:
        self.fixed_widths[col] = width

    def fit_row(self, row: int, texts: Sequence[tuple[str, float]], line_height: float = 12.5
                ) -> None:
        """Make a row tall enough for wrapped texts, given (text, column width) pairs.

        Excel and LibreOffice do not always grow a row for wrapped text on their own.
        """
        lines = max((-(-display_width(text) // max(int(width) - 1, 1)) for text, width in texts),
                    default=1)
        if lines > 1:
            self.ws.set_row(row, line_height * lines)

    def freeze(self, row: int, col: int = 0) -> None:
        self.ws.freeze_panes(row, col)

    def _width(self, col: int) -> float:
        if col in self.fixed_widths:
            return self.fixed_widths[col]
        return min(max(self.widths.get(col, 8) + 2.5, 8), 60)

    def _print_columns(self) -> int:
        """The last column to print: the content's, or further where a title or a note runs
        on beyond it (up to :data:`MAX_PRINT_WIDTH` columns units in all)."""
        last = self.max_col
        total = sum(self._width(c) for c in range(last + 1))
        for col, need in self.overflow:
            reach = sum(self._width(c) for c in range(col, last + 1))
            while reach < need and total < MAX_PRINT_WIDTH:
                last += 1
                reach += self._width(last)
                total += self._width(last)
        return last

    def finish(self) -> None:
        """Column widths, print setup and protection, once everything is written."""
        last_col = self._print_columns()
        for col in range(last_col + 1):
            self.ws.set_column(col, col, self._width(col))
        self.ws.set_landscape()
        self.ws.set_paper(self.paper)
        self.ws.fit_to_pages(1, self.pages_tall)
        self.ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        self.ws.set_footer("&L&A&R&P / &N")
        self.ws.print_area(0, 0, self.max_row, last_col)
        if self.page_breaks:
            self.ws.set_h_pagebreaks(sorted(set(self.page_breaks)))
        self.ws.hide_gridlines(2)  # cells carry their own borders
        self.max_col = last_col  # the notes area below starts after what is printed
        if self.protect and self.book._fingerprint and self.name != LISTS_SHEET:
            # A notes area beside the content (three unlocked columns after a gap), so a planner
            # can write a remark on a protected sheet; regenerating keeps it (it counts as
            # entered data, see kpi_xl.io.overwrite).
            notes = self.book.wb.add_format({"locked": False, "text_wrap": True, "valign": "top",
                                             "font_name": FONTS.get(self.book.lang, "Calibri"),
                                             "font_size": 10})
            self.ws.set_column(self.max_col + 2, self.max_col + 4, 30, notes)
        if self.protect:
            # No password: protection guards formulas against slips and is easy to lift.
            self.ws.protect("", {"format_columns": True, "format_rows": True, "sort": True,
                                 "autofilter": True, "insert_rows": True})


def column_letter(col: int) -> str:
    """Column letters for a zero-based index (0 → A)."""
    return xl_col_to_name(col)
