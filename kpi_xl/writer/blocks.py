"""Building blocks shared by the template and every department workbook.

Each block writes one recognisable part (title, assumptions, a table of figures, monthly and
quarterly targets) and returns the next free row, so department modules read as a list of blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from kpi_xl.core.departments.base import FigureSpec, SeriesSpec
from kpi_xl.core.expr import Expr, area, if_, ref, sum_
from kpi_xl.core.i18n import month_name, quarter_label, t
from kpi_xl.core.kpis import Kpi, number_kind
from kpi_xl.core.measures import outside_range_expr
from kpi_xl.core.plan import SEASONALITY_NAME, Plan
from kpi_xl.core.spec import KINDS, InputSpec, OutputSpec, Scalar, Text
from kpi_xl.core.targets import series_cells, series_key, weight_key
from kpi_xl.writer.book import SheetWriter

__all__ = [
    "assumptions_table",
    "figures_table",
    "monthly_table",
    "quarter_table",
    "title_block",
]


#: Columns that a department sheet's title and sections span.
WIDTH = 7


def unit_text(lang: str, kind: str, unit: Text | None = None) -> str:
    """The unit shown beside a value of ``kind``: ``unit`` when given (a custom KGI's "人"),
    else the kind's."""
    if unit and unit.get(lang):
        return unit[lang]
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
        sheet.text(row, 2, unit_text(lang, spec.kind, spec.unit), "unit")
        # An input planned with its group (a marketing channel) may be blank: not planned, said
        # live in the check column (a number typed in later clears it).
        unplanned = ref(spec.name).eq("") if spec.group is not None else None
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
            check = if_(outside, t(lang, "check.out_of_range"), t(lang, "check.in_range"))
            if unplanned is not None:
                check = if_(unplanned, t(lang, "partial.not_planned"), check)
            sheet.formula(row, 5, check)
            sheet.flag_if(row, 1, outside, "bad")
            sheet.flag_if(row, 5, outside, "bad")
        else:
            for col in (3, 4):
                sheet.blank(row, col)
            if unplanned is not None:
                sheet.formula(row, 5, if_(unplanned, t(lang, "partial.not_planned"), ""))
            else:
                sheet.blank(row, 5)
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
        sheet.text(row, 2, unit_text(lang, fig.kind, fig.unit), "unit")
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


def monthly_table(sheet: SheetWriter, row: int, lang: str, plan: Plan,
                  series: Sequence[SeriesSpec], quarter_months: Sequence[int], *,
                  weight_name: str = SEASONALITY_NAME) -> int:
    """Months down, series across: seasonality weights (inputs) and the split targets.

    Each series' monthly cells are :func:`kpi_xl.core.targets.series_cells` (seasonal, or even
    for allowances and deploys), written under their keys; a series with a lead time gets a
    second, labelled column moved that many months earlier. Returns the next free row.
    """
    lagged = [s for s in series if s.lag_name]
    columns = [(s.label[lang], s, False) for s in series]
    columns += [(t(lang, "lagged", label=s.label[lang]), s, True) for s in lagged]
    sheet.header(row, 0, [t(lang, "col.month"), t(lang, "col.quarter"), t(lang, "col.weight")]
                 + [label for label, _, _ in columns])
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
            row + i, 2, weight_key(i), plan.seasonality[i], "weight",
            help_title=t(lang, "col.weight"), help_text=t(lang, "weight_help")))
    sheet.book.define_area_name(weight_name, weight_keys)
    cells = series_cells(series)
    month_keys: list[list[str]] = []
    for j, (_, s, lag) in enumerate(columns):
        keys = []
        for i in range(12):
            key = series_key(s.annual_name, i, lagged=lag)
            style = "formula_bold" if i in quarter_months else "formula"
            keys.append(sheet.formula(first + i, 3 + j, cells[key], s.kind, key=key, style=style))
        month_keys.append(keys)
    row = first + 12
    sheet.text(row, 0, t(lang, "total"), "label_bold")
    sheet.blank(row, 1, "label_bold")
    sheet.formula(row, 2, sum_(area(weight_keys)), "weight", style="formula_bold")
    for j, (_, s, _lag) in enumerate(columns):
        sheet.formula(row, 3 + j, sum_(area(month_keys[j])), s.kind, style="formula_bold")
    row += 1
    sheet.text(row, 0, t(lang, "total_check"), "label")
    sheet.blank(row, 1)
    sheet.blank(row, 2)
    for j, (_, s, _lag) in enumerate(columns):
        matches = sum_(area(month_keys[j])).eq(ref(s.annual_name))
        col = 3 + j
        sheet.formula(row, col, if_(matches, t(lang, "check.ok"), t(lang, "check.mismatch")))
        sheet.flag_if(row, col, matches, "good")
    return row + 2


def quarter_table(sheet: SheetWriter, row: int, lang: str, plan: Plan, title: str,
                  kpis: Sequence[Kpi], lookup: Callable[[int, str, date], Expr],
                  this_quarter: int, *, width: int = 7, lagged: bool = False) -> int:
    """Each KPI's target for each quarter, read from the Targets table, this quarter marked.

    ``lagged``: a KPI of the table follows a series moved earlier by a lead time, and the note
    says so (a department without one is not told about leads).
    """
    sheet.section(row, title, width)
    row += 1
    # A flow's cell is the quarter's total: "Leads per month" over 1,250 would read as a month.
    sheet.header(row, 0, [t(lang, "col.quarter"), t(lang, "col.months")]
                 + [k.name + (t(lang, "quarters.total") if k.measure_kind == "flow" else "")
                    for k in kpis])
    row += 1
    months = plan.months()
    for q in range(1, 5):
        idx = list(range((q - 1) * 3, q * 3))
        current = q == this_quarter
        label = t(lang, "quarter_name", q=q) + (f"  {t(lang, 'this_quarter')}" if current else "")
        sheet.text(row, 0, label, "highlight" if current else "label")
        sheet.text(row, 1, quarter_label(lang, [months[i] for i in idx]),
                   "highlight" if current else "label")
        for j, kpi in enumerate(kpis):
            sheet.formula(row, 2 + j, lookup(j, "quarter", date(*months[idx[0]], 1)),
                          number_kind(kpi.unit), style="formula_bold" if current else "formula")
        row += 1
    help_text = t(lang, "quarters_help") + (t(lang, "quarters_help.lead") if lagged else "")
    sheet.text(row, 0, help_text, "plain_note", fit=False)
    return row + 2


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
