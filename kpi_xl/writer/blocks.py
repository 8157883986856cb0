"""Building blocks shared by the template and every department workbook.

Each block writes one recognisable part (title, assumptions, a table of figures, monthly and
quarterly targets) and returns the next free row, so department modules read as a list of blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from kpi_xl.core.departments.base import FigureSpec
from kpi_xl.core.expr import Num, area, if_, index_, mod_, ref, sum_
from kpi_xl.core.funnel import monthly_split_exprs
from kpi_xl.core.i18n import month_name, quarter_label, t
from kpi_xl.core.measures import outside_range_expr
from kpi_xl.core.plan import SEASONALITY_NAME, Plan
from kpi_xl.core.spec import KINDS, InputSpec, OutputSpec, Scalar
from kpi_xl.writer.book import SheetWriter

__all__ = [
    "Series",
    "assumptions_table",
    "figures_table",
    "monthly_table",
    "quarter_table",
    "title_block",
]


#: Columns that a department sheet's title and sections span.
WIDTH = 7


def unit_text(lang: str, kind: str) -> str:
    """The unit shown beside a value of ``kind``."""
    info = KINDS.get(kind)
    return info.unit[lang] if info else ""


def title_block(sheet: SheetWriter, lang: str, title: str, subtitle: str, width: int) -> int:
    """Title, subtitle and the input/formula legend. Returns the next free row."""
    sheet.text(0, 0, title, "title", fit=False)
    sheet.ws.set_row(0, 26)
    sheet.text(1, 0, subtitle, "subtitle", fit=False)
    sheet.text(2, 0, t(lang, "legend.input"), "legend_input", fit=False)
    sheet.text(2, 1, t(lang, "legend.formula"), "legend_formula", fit=False)
    sheet.text(2, 2, t(lang, "legend"), "plain_note", fit=False)
    del width
    return 4


def assumptions_table(sheet: SheetWriter, row: int, lang: str, specs: Sequence[InputSpec],
                      values: Mapping[str, Scalar], *, title: str | None = None,
                      width: int = 7) -> int:
    """The planner's inputs with units, benchmark ranges and a live benchmark check.

    Each input gets its defined name; a rate outside its benchmark is coloured and the check
    column says so, live.
    """
    if title:
        sheet.section(row, title, width)
        row += 1
    sheet.header(row, 0, [t(lang, "col.item"), t(lang, "col.value"), t(lang, "col.unit"),
                          t(lang, "col.bench_low"), t(lang, "col.bench_high"),
                          t(lang, "col.check"), t(lang, "col.help")])
    row += 1
    for spec in specs:
        sheet.text(row, 0, spec.label[lang], "label_bold")
        value = values.get(spec.name, spec.sample)
        if value is None and spec.default is not None:
            # A live default the planner may type over (styled and unlocked as an input).
            sheet.formula(row, 1, spec.default, spec.kind, key=spec.name, name=spec.name,
                          style="input")
        else:
            sheet.input(row, 1, spec.name, value, spec.kind, name=spec.name,
                        help_title=spec.label[lang], help_text=spec.help[lang])
        sheet.text(row, 2, unit_text(lang, spec.kind), "unit")
        if spec.bounds:
            # The range sits in cells, so the live check follows if someone edits it.
            ends = []
            for col, end in ((3, spec.bounds[0]), (4, spec.bounds[1])):
                if end is None:
                    sheet.blank(row, col)  # open on this side (e.g. churn: at most 5%)
                    ends.append(None)
                else:
                    ends.append(ref(sheet.number(row, col, end, spec.kind, "label")))
            outside = outside_range_expr(ref(spec.name), ends[0], ends[1])
            sheet.formula(row, 5, if_(outside, t(lang, "check.out_of_range"),
                                      t(lang, "check.in_range")))
            sheet.flag_if(row, 1, outside, "bad")
            sheet.flag_if(row, 5, outside, "bad")
        else:
            for col in (3, 4, 5):
                sheet.blank(row, col)
        sheet.text(row, 6, spec.help[lang], "note_wrap", fit=False)
        row += 1
    sheet.set_width(6, 58)
    return row + 1


def figures_table(sheet: SheetWriter, row: int, lang: str, title: str,
                  figures: Sequence[FigureSpec], *, width: int = 7) -> int:
    """A table of computed figures: label, annual value, unit, monthly average, how computed.

    A figure with a ``name`` becomes that defined name. Returns the next free row.
    """
    sheet.section(row, title, width)
    row += 1
    sheet.header(row, 0, [t(lang, "col.stage"), t(lang, "col.annual"), t(lang, "col.unit"),
                          t(lang, "col.per_month")])
    sheet.text(row, width - 1, t(lang, "col.how"), "header")
    row += 1
    for fig in figures:
        sheet.text(row, 0, fig.label[lang], "label_bold" if fig.bold else "label")
        key = sheet.formula(row, 1, fig.expr, fig.kind, key=fig.name, name=fig.name,
                            style="formula_bold" if fig.bold else "formula")
        sheet.text(row, 2, unit_text(lang, fig.kind), "unit")
        months = {"annual": 12, "quarter": 3}.get(fig.period)
        if months and fig.kind != "rate":
            sheet.formula(row, 3, ref(key) / months,
                          "money" if fig.kind == "money" else "decimal")
        else:
            sheet.blank(row, 3)  # a level (customers, a rate) has no monthly share
        # The explanation sits in the notes column, as in the assumptions above.
        sheet.text(row, width - 1, fig.how[lang], "note")
        row += 1
    return row + 1


@dataclass(frozen=True)
class Series:
    """A figure to spread over the months: its column label, annual key and kind."""

    label: str
    annual_key: str
    kind: str
    lag_key: str | None = None
    lag_label: str = ""


def monthly_table(sheet: SheetWriter, row: int, lang: str, plan: Plan, series: Sequence[Series],
                  quarter_months: Sequence[int], *, weight_name: str = SEASONALITY_NAME
                  ) -> tuple[int, dict[str, list[str]]]:
    """Months down, series across: seasonality weights (inputs) and the split targets.

    Returns the next free row and, per series label, the twelve monthly cell keys.
    """
    headers = [t(lang, "col.month"), t(lang, "col.quarter"), t(lang, "col.weight")]
    headers += [s.label for s in series]
    lagged = [s for s in series if s.lag_key]
    headers += [s.lag_label for s in lagged]
    sheet.header(row, 0, headers)
    header_row = row
    row += 1
    months = plan.months()
    weight_keys: list[str] = []
    first = row
    for i, (year, month) in enumerate(months):
        quarter = i // 3 + 1
        style = "highlight" if i in quarter_months else "label"
        sheet.date(row + i, 0, date(year, month, 1), "month_label", style)
        sheet.text(row + i, 1, t(lang, "quarter_short", q=quarter), style)
        weight_keys.append(sheet.input(
            row + i, 2, f"season.{i}", plan.seasonality[i], "weight",
            help_title=t(lang, "col.weight"), help_text=t(lang, "weight_help")))
    sheet.book.define_area_name(weight_name, weight_keys)
    month_keys: dict[str, list[str]] = {}
    for j, s in enumerate(series):
        exprs = monthly_split_exprs(ref(s.annual_key), weight_keys)
        keys = []
        for i, expr in enumerate(exprs):
            style = "formula_bold" if i in quarter_months else "formula"
            keys.append(sheet.formula(first + i, 3 + j, expr, s.kind, style=style))
        month_keys[s.label] = keys
    for j, s in enumerate(lagged, start=len(series)):
        # This month must bring in what the deals of (month + lag) need, so the column reads
        # the split that many months ahead (wrapping round the year: the pattern repeats).
        keys = []
        for i in range(12):
            position = mod_(Num(i) + ref(s.lag_key), 12) + 1  # type: ignore[arg-type]
            style = "formula_bold" if i in quarter_months else "formula"
            keys.append(sheet.formula(first + i, 3 + j,
                                      index_(area(month_keys[s.label]), position), s.kind,
                                      style=style))
        month_keys[s.lag_label] = keys
    series = [*series, *(Series(s.lag_label, s.annual_key, s.kind) for s in lagged)]
    row = first + 12
    sheet.text(row, 0, t(lang, "total"), "label_bold")
    sheet.blank(row, 1, "label_bold")
    sheet.formula(row, 2, sum_(area(weight_keys)), "weight", style="formula_bold")
    for j, s in enumerate(series):
        sheet.formula(row, 3 + j, sum_(area(month_keys[s.label])), s.kind, style="formula_bold")
    row += 1
    sheet.text(row, 0, t(lang, "total_check"), "label")
    sheet.blank(row, 1)
    sheet.blank(row, 2)
    for j, s in enumerate(series):
        matches = sum_(area(month_keys[s.label])).eq(ref(s.annual_key))
        col = 3 + j
        sheet.formula(row, col, if_(matches, t(lang, "check.ok"), t(lang, "check.mismatch")))
        sheet.flag_if(row, col, matches, "good")
    del header_row
    return row + 2, month_keys


def quarter_table(sheet: SheetWriter, row: int, lang: str, plan: Plan, title: str,
                  series: Sequence[Series], month_keys: dict[str, list[str]], this_quarter: int,
                  *, width: int = 7) -> int:
    """Each quarter's targets as sums of its months, with the generated quarter marked."""
    sheet.section(row, title, width)
    row += 1
    sheet.header(row, 0, [t(lang, "col.quarter"), t(lang, "col.months")]
                 + [s.label for s in series])
    row += 1
    months = plan.months()
    for q in range(1, 5):
        idx = list(range((q - 1) * 3, q * 3))
        current = q == this_quarter
        label = t(lang, "quarter_name", q=q) + (f"  {t(lang, 'this_quarter')}" if current else "")
        sheet.text(row, 0, label, "highlight" if current else "label")
        sheet.text(row, 1, quarter_label(lang, [months[i] for i in idx]),
                   "highlight" if current else "label")
        for j, s in enumerate(series):
            keys = month_keys[s.label]
            sheet.formula(row, 2 + j, sum_(area([keys[i] for i in idx])), s.kind,
                          style="formula_bold" if current else "formula")
        row += 1
    return row + 1


def template_outputs(sheet: SheetWriter, row: int, lang: str, specs: Sequence[OutputSpec]) -> int:
    """The template's computed cells: each output's formula with its defined name."""
    for spec in specs:
        sheet.text(row, 0, spec.label[lang], "label")
        sheet.formula(row, 1, spec.expr, spec.kind, key=spec.name, name=spec.name)
        sheet.text(row, 2, unit_text(lang, spec.kind), "unit")
        for col in (3, 4, 5):
            sheet.blank(row, col)
        sheet.text(row, 6, spec.help[lang], "note")
        row += 1
    return row + 1


def month_labels(lang: str, plan: Plan, indexes: Sequence[int]) -> list[str]:
    """Readable names of the fiscal months at ``indexes``."""
    months = plan.months()
    return [month_name(lang, *months[i]) for i in indexes]
