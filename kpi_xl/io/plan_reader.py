"""Reading a planner's template (.xlsx) into a validated :class:`~kpi_xl.core.plan.Plan`.

The only module that reads plans with openpyxl. Inputs are found by their defined names, so a
planner may move sections, add notes or restyle the sheet; what matters is the named cells.
Every problem is collected (not just the first) and reported with the sheet, the cell, the
input's name, what was found and what is expected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.errors import CellProblem, PlanError
from kpi_xl.core.expr import NameResolver
from kpi_xl.core.i18n import t
from kpi_xl.core.plan import (
    GENERAL_INPUTS,
    LANGUAGE_NAME,
    SEASONALITY_NAME,
    Plan,
    named_value,
    plan_sheet_name,
    resolve_linked_targets,
)
from kpi_xl.core.spec import InputSpec, Scalar, check_value

__all__ = ["read_plan"]

_WEIGHT = InputSpec(SEASONALITY_NAME, "weight", {"ja": "季節性ウェイト", "en": "Seasonality weight"},
                    {"ja": "", "en": ""}, sample=1, required=False, blank_value=1)


def _file_error(path: Path, ja: str, en: str) -> PlanError:
    return PlanError(str(path), file_problem={"ja": ja, "en": en})


_EXPECTED_JA = "kpi-xl template で作成した Excel ブック(.xlsx)を指定してください。"
_EXPECTED_EN = "Expected an Excel workbook (.xlsx) made from the kpi-xl template."

# What to do with a file of another kind, by its extension.
_OTHER_FORMATS = {
    ".xls": ("Excel で開き、「Excel ブック (*.xlsx)」として保存し直してください。",
             "Open it in Excel and save it as 'Excel Workbook (*.xlsx)'."),
    ".xlsm": ("マクロなしの「Excel ブック (*.xlsx)」として保存し直してください。",
              "Save it as a macro-free 'Excel Workbook (*.xlsx)'."),
    ".csv": ("CSV には名前付きセルがありません。kpi-xl template で作成したテンプレートに入力してください。",
             "A CSV file has no named cells; fill in a template written by kpi-xl template."),
    ".ods": ("Calc で「Excel 2007-365 (.xlsx)」として保存し直してください。",
             "Save it from Calc as 'Excel 2007-365 (.xlsx)'."),
}


def _open(path: Path) -> Any:
    if not path.exists():
        raise _file_error(path, f"計画ファイルが見つかりません: {path}",
                          f"Plan file not found: {path}")
    if path.is_dir():
        raise _file_error(path, f"{path} はフォルダです。計画ファイル(.xlsx)を指定してください。",
                          f"{path} is a folder; give the plan file (.xlsx).")
    suffix = path.suffix.lower()
    if suffix != ".xlsx":
        hint_ja, hint_en = _OTHER_FORMATS.get(suffix, (_EXPECTED_JA, _EXPECTED_EN))
        raise _file_error(
            path,
            f"{path.name} は .xlsx ファイルではありません({suffix or '拡張子なし'})。{hint_ja}",
            f"{path.name} is not an .xlsx file ({suffix or 'no extension'}). {hint_en}")
    return open_checked(path)


def open_checked(path: Path, data_only: bool = False) -> Any:
    """Open an .xlsx with openpyxl after :func:`kpi_xl.io.safety.check_xlsx` passed it.

    Raises :class:`PlanError` (a file-level problem) for anything openpyxl cannot open.
    """
    from kpi_xl.io.safety import check_xlsx

    try:
        check_xlsx(path)
    except OSError as err:
        raise _file_error(path, f"{path.name} を読めませんでした: {err.strerror or err}",
                          f"{path.name} could not be read: {err.strerror or err}") from None
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            # A file object, not the name: openpyxl judges a name by its extension and refuses
            # "..xlsx" (InvalidFileException); the content was checked above.
            with open(path, "rb") as handle:
                return openpyxl.load_workbook(handle, data_only=data_only)
    except Exception as err:
        raise _file_error(
            path,
            f"{path.name} を Excel ブックとして開けませんでした({type(err).__name__})。{_EXPECTED_JA}",
            f"{path.name} could not be opened as an Excel workbook ({type(err).__name__}). "
            f"{_EXPECTED_EN}") from None


def _cached_values(path: Path) -> Any:
    """The workbook as Excel last computed it (formula cells give their saved results)."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open(path, "rb") as handle:
            return openpyxl.load_workbook(handle, data_only=True)


def _destinations(wb: Any, name: str) -> list[tuple[str, str]]:
    defined = wb.defined_names.get(name)
    if defined is None:
        return []
    try:
        return list(defined.destinations)
    except Exception:
        return []


def _size(ref: str) -> int:
    """How many cells a reference covers, without touching them (0 when it is not a range)."""
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    except (ValueError, TypeError):
        return 0
    if None in (min_col, min_row, max_col, max_row):  # whole columns or rows: A:A, 1:1
        return 1 << 40
    return (max_col - min_col + 1) * (max_row - min_row + 1)  # type: ignore[operator]


def _name_problem(wb: Any, name: str, dests: list[tuple[str, str]], cells: int,
                  lang: str) -> str | None:
    """What is wrong with a defined name meant to cover ``cells`` cells; None when nothing.

    Sizes are computed from the reference, so a name stretched over a whole sheet costs nothing.
    """
    from kpi_xl.core.i18n import t

    if not dests:
        return t(lang, "name.missing", name=name)
    if len(dests) > 1:
        return t(lang, "name.places", name=name, count=len(dests),
                 refs=", ".join(f"{s}!{r}" for s, r in dests[:3]))
    sheet, ref = dests[0]
    if sheet not in wb.sheetnames:
        return t(lang, "name.no_sheet", name=name, sheet=sheet,
                 sheets=", ".join(f"'{n}'" for n in wb.sheetnames[:8]))
    size = _size(ref)
    if size != cells:
        return t(lang, "name.cells", name=name, ref=ref.replace("$", ""), count=f"{size:,}")
    return None


def _cells(wb: Any, sheet: str, ref: str) -> list[tuple[str, Any]]:
    if sheet not in wb.sheetnames or not 0 < _size(ref) <= 12:
        return []
    ws = wb[sheet]
    cells = ws[ref.replace("$", "")]
    if not isinstance(cells, tuple):
        return [(cells.coordinate, cells.value)]
    flat: list[tuple[str, Any]] = []
    for item in cells:
        if isinstance(item, tuple):
            flat.extend((c.coordinate, c.value) for c in item)
        else:
            flat.append((item.coordinate, item.value))
    return flat


def read_plan(path: str | Path, lang: str | None = None) -> Plan:
    """Read and validate a plan; raise :class:`PlanError` listing every problem found.

    ``lang`` is the language of the messages; by default, the template's own language.
    """
    path = Path(path)
    wb = _open(path)
    plan_lang = _template_language(wb)
    lang = lang or plan_lang
    problems: list[CellProblem] = []
    values: dict[str, Scalar] = {}
    default_sheet = plan_sheet_name(plan_lang)
    cached: list[Any] = []  # the data_only workbook, loaded only if an input holds a formula
    where: dict[str, tuple[str, str]] = {}  # input name → (sheet, cell)

    def formula_result(sheet: str, coordinate: str) -> Any:
        if not cached:
            cached.append(_cached_values(path))
        return cached[0][sheet][coordinate].value

    def read_one(spec: InputSpec) -> None:
        dests = _destinations(wb, spec.name)
        if not dests and not spec.required and spec.name not in wb.defined_names:
            # An optional input that a template of an earlier version does not have yet: as if
            # left blank (its default, else its blank value), so last year's plan still reads.
            values[spec.name] = spec.blank_value
            if spec.default is not None:
                with contextlib.suppress(KeyError, ArithmeticError, TypeError):
                    values[spec.name] = named_value(spec.default.formula(NameResolver()), values)
            return
        trouble = _name_problem(wb, spec.name, dests, 1, lang)
        if trouble is not None:
            sheet, cell = _where_name_is(wb, dests, default_sheet, spec, lang)
            problems.append(CellProblem(sheet, cell, spec.name, spec.label[lang], trouble,
                                        t(lang, "name.expected_cell")))
            return
        cells = _cells(wb, *dests[0])
        sheet = dests[0][0]
        coordinate, raw = cells[0]
        where[spec.name] = (sheet, coordinate)
        if isinstance(raw, str) and raw.startswith("=") and _is_default(spec, raw):
            # The template's own default formula (e.g. SQL target = sales' required
            # opportunities): computed from the plan's inputs by the same definition.
            try:
                raw = named_value(spec.default.formula(NameResolver()), values)  # type: ignore[union-attr]
            except (KeyError, ArithmeticError, TypeError):
                return  # the inputs it depends on are reported already
        if isinstance(raw, str) and raw.startswith("="):
            result = formula_result(sheet, coordinate)
            if result is None:
                problems.append(CellProblem(
                    sheet, coordinate, spec.name, spec.label[lang],
                    _unsaved_formula(raw, lang), spec.kind_info.expected[lang]))
                return
            raw = result
        value, problem = check_value(spec, raw, lang)
        if problem:
            problems.append(CellProblem(sheet, coordinate, spec.name, spec.label[lang], *problem))
        else:
            values[spec.name] = value

    from kpi_xl.io.kpi_tables import has_okr_rows, read_kpis, read_okrs

    planned = _planned(wb)
    for spec in GENERAL_INPUTS:
        read_one(spec)
    for key, dept in DEPARTMENTS.items():
        if key in planned:
            for spec in dept.inputs:
                if not _own_default(spec, planned, where, values, wb, lang, problems):
                    read_one(spec)
    if not problems:
        problems.extend(_close_funnel(values, where, lang, planned))
    problems.extend(_groups(values, where, lang, planned))
    seasonality = _read_seasonality(wb, lang, problems, formula_result)
    from kpi_xl.io.custom_tables import read_custom

    kpis = read_kpis(wb, lang, problems, formula_result, planned)
    custom = read_custom(wb, lang, problems, formula_result)
    if not planned and not custom.typed and not has_okr_rows(wb):
        problems.append(_nothing_to_plan(wb, default_sheet, lang))
    okrs = read_okrs(wb, lang, problems, planned, custom.departments)
    if problems:
        raise PlanError(str(path), problems, lang=lang)
    return resolve_linked_targets(Plan(
        company=str(values.get("Plan_Company") or ""),
        fiscal_year=int(values["Plan_FiscalYear"]),  # type: ignore[arg-type]
        start_month=int(values["Plan_StartMonth"]),  # type: ignore[arg-type]
        seasonality=seasonality,
        values={**values, **custom.values},
        lang=plan_lang,
        source=str(path),
        kpis={**kpis, **custom.kpis},
        okrs=okrs,
        departments=tuple(k for k in DEPARTMENTS if k in planned),
        custom=custom.departments,
    ))


def _blank(spec: InputSpec, raw: Any) -> bool:
    """Whether a cell leaves its input unplanned: empty, spaces, or the template's default."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return True
    return isinstance(raw, str) and raw.startswith("=") and _is_default(spec, raw)


def _raw(wb: Any, name: str) -> tuple[bool, Any]:
    """(True, the cell's raw value) for a name that is one cell; (False, None) otherwise."""
    dests = _destinations(wb, name)
    if len(dests) != 1 or _size(dests[0][1]) != 1:
        return False, None
    cells = _cells(wb, *dests[0])
    return (True, cells[0][1]) if cells else (False, None)


def _planned(wb: Any) -> set[str]:
    """The departments the planner filled anything in for: an input (a cell that is not its
    template default) or a row of the KPI table. A name that is broken counts as filled, so that
    its problem is reported rather than the department skipped."""
    from kpi_xl.io.kpi_tables import filled_kpi_tables

    planned = filled_kpi_tables(wb)
    for key, dept in DEPARTMENTS.items():
        for spec in dept.inputs:
            if not spec.required and spec.name not in wb.defined_names:
                continue  # an optional input an earlier template lacks: blank (see read_one)
            found, raw = _raw(wb, spec.name)
            if not found or not _blank(spec, raw):
                planned.add(key)
                break
    return planned


def _own_default(spec: InputSpec, planned: set[str], where: dict[str, tuple[str, str]],
                 values: dict[str, Scalar], wb: Any, lang: str,
                 problems: list[CellProblem]) -> bool:
    """Handle an input whose template default follows a department that is not planned.

    An optional input falls back to its blank value; a required one (marketing's SQL target
    without sales), or one that another input links (CS' won deals with a share of new
    customers), must be typed: a problem. Returns False when the default is not in play, so
    the input is read as usual.
    """
    from kpi_xl.core.partial import owner

    if spec.default is None:
        return False
    others = {owner(name) for name in sorted(spec.default.keys())} - {None}
    missing = [k for k in others if k not in planned]
    if not missing:
        return False
    found, raw = _raw(wb, spec.name)
    if not found or not _blank(spec, raw):
        return False  # typed over: the department's own input, read as usual
    from kpi_xl.core.company import LINKED_BY

    dests = _destinations(wb, spec.name)
    where[spec.name] = (dests[0][0], dests[0][1].replace("$", ""))
    # A figure that matters only when another input links it (CS' won deals, when a share of
    # them are new customers) must be typed only while that link is in play.
    linked = spec.name in LINKED_BY and values.get(LINKED_BY[spec.name]) not in (None, "")
    if not spec.required and not linked:
        values[spec.name] = spec.blank_value  # as if left blank (marketing's sales cycle: 0)
        return True
    other = DEPARTMENTS[missing[0]].name[lang]
    problems.append(CellProblem(*where[spec.name], spec.name, spec.label[lang],
                                t(lang, "partial.default_skipped", department=other),
                                t(lang, "partial.default_skipped.expected",
                                  department=other, expected=spec.kind_info.expected[lang])))
    return True


def _nothing_to_plan(wb: Any, sheet: str, lang: str) -> CellProblem:
    """The one problem of a plan with no department filled in: where the first one starts."""
    first = next(iter(DEPARTMENTS.values()))
    spec = first.inputs[0]
    dests = _destinations(wb, spec.name)
    place = _where_name_is(wb, dests, sheet, spec, lang)
    names = t(lang, "partial.separator").join(d.name[lang] for d in DEPARTMENTS.values())
    return CellProblem(*place, spec.name, spec.label[lang],
                       t(lang, "partial.nothing", departments=names),
                       t(lang, "partial.nothing.expected"))


def _groups(values: dict[str, Scalar], where: dict[str, tuple[str, str]], lang: str,
            planned: set[str]) -> list[CellProblem]:
    """Inputs planned together (a marketing channel): a group filled in part is refused, each
    blank cell named, with the cells that were filled."""
    problems = []
    for key, dept in DEPARTMENTS.items():
        if key not in planned:
            continue
        groups: dict[str, list[InputSpec]] = {}
        for spec in dept.inputs:
            if spec.group is not None and spec.name in where:
                groups.setdefault(spec.group, []).append(spec)
        for group, specs in groups.items():
            filled = [s for s in specs if values.get(s.name) is not None or s.name not in values]
            blank = [s for s in specs if s.name in values and values[s.name] is None]
            if not filled or not blank:
                continue
            shown = t(lang, "partial.separator").join(
                f"{s.label[lang]} {where[s.name][0]}!{where[s.name][1]}" for s in filled)
            for spec in blank:
                problems.append(CellProblem(
                    *where[spec.name], spec.name, spec.label[lang],
                    t(lang, "partial.group_blank", group=t(lang, f"group.{group}")),
                    t(lang, "partial.group_blank.expected", group=t(lang, f"group.{group}"),
                      filled=shown, expected=spec.kind_info.expected[lang])))
    return problems


def _close_funnel(values: dict[str, Scalar], where: dict[str, tuple[str, str]], lang: str,
                  planned: set[str]) -> list[CellProblem]:
    """Derive the blank conversion rate; refuse a plan whose company funnel does not close.

    Every shared figure that differs (leads, SQL = opportunities, the sales cycle) is one problem
    that names the cells on both sides and shows both figures (kpi_xl.core.company). When one of
    the funnel's departments is not among ``planned``, no rate is derived across the chain:
    each planned department's rates are its own and must be typed. Figures shared with a
    department that is not planned are not compared (they are not in ``values``).
    """
    from kpi_xl.core.company import RATES, derive_rates, funnel_gaps
    from kpi_xl.core.departments import DEPARTMENTS
    from kpi_xl.core.i18n import t
    from kpi_xl.core.partial import owner

    specs = {spec.name: spec for dept in DEPARTMENTS.values() for spec in dept.inputs}
    owners = {name: owner(name) for name in RATES}
    problems = []
    if not set(owners.values()) <= planned:
        # One side of the chain is not planned: the other's rates are its own, typed.
        other = next(DEPARTMENTS[k].name[lang] for k in owners.values() if k not in planned)
        for name in RATES:
            if values.get(name) is None and name in where:
                problems.append(CellProblem(
                    *where[name], name, specs[name].label[lang],
                    t(lang, "partial.rate_alone", department=other),
                    specs[name].kind_info.expected[lang]))
    else:
        for name, value in derive_rates(values).items():
            if values.get(name) is None:
                if 0 < value <= 1:
                    values[name] = value
                else:
                    sheet, cell = where.get(name, ("?", "?"))
                    problems.append(CellProblem(
                        sheet, cell, name, specs[name].label[lang],
                        t(lang, "funnel.derived_rate", rate=f"{value:.1%}"),
                        specs[name].kind_info.expected[lang]))
        for name in RATES:
            if values.get(name) is None and name in where and not problems:
                sheet, cell = where[name]
                problems.append(CellProblem(sheet, cell, name, specs[name].label[lang],
                                            t(lang, "funnel.rate_missing_found"),
                                            t(lang, "funnel.rate_missing")))
    if problems:
        return problems

    def cells(names: tuple[str, ...]) -> str:
        return ", ".join(f"{specs[n].label[lang]} {where.get(n, ('?', '?'))[0]}!"
                         f"{where.get(n, ('?', '?'))[1]}" for n in names if n in specs)

    for gap in funnel_gaps(values):
        first = gap.sales_inputs[0] if gap.sales_inputs[0] in where else gap.marketing_inputs[0]
        sheet, cell = where.get(first, ("?", "?"))
        problems.append(CellProblem(
            sheet, cell, gap.sales, t(lang, f"funnel.shared.{gap.sales}"),
            t(lang, "funnel.gap", other=t(lang, f"funnel.side.{gap.other}"),
              sales=f"{gap.sales_value:,.0f}", sales_cells=cells(
                gap.sales_inputs), marketing=f"{gap.marketing_value:,.0f}",
              marketing_cells=cells(gap.marketing_inputs)),
            t(lang, "funnel.gap_expected")))
    return problems


def _is_default(spec: InputSpec, formula: str) -> bool:
    if spec.default is None:
        return False
    expected = "=" + spec.default.formula(NameResolver())
    return formula.replace(" ", "").casefold() == expected.casefold()


def _unsaved_formula(formula: str, lang: str) -> str:
    # openpyxl and some tools save formulas without their results; Excel and Calc always save them.
    from kpi_xl.core.spec import shorten

    return t(lang, "formula.unsaved", formula=shorten(formula))


def _where_name_is(wb: Any, dests: list[tuple[str, str]], sheet: str, spec: InputSpec,
                   lang: str) -> tuple[str, str]:
    """Where a badly defined name points (its first place on a sheet that exists), else the
    place of its label (:func:`_where_label_is`)."""
    if dests and dests[0][0] in wb.sheetnames:
        return dests[0][0], dests[0][1].replace("$", "")
    return _where_label_is(wb, sheet, spec, lang)


def _where_label_is(wb: Any, sheet: str, spec: InputSpec, lang: str = "en") -> tuple[str, str]:
    """Where the input probably is when its name was deleted: beside its label on the plan
    sheet, or on any sheet (a renamed one); else the plan sheet, cell unknown (said in words)."""
    from kpi_xl.core.i18n import t

    labels = set(spec.label.values())
    order = [sheet] + [n for n in wb.sheetnames if n != sheet] if sheet in wb.sheetnames \
        else list(wb.sheetnames)
    for name in order:
        for row in wb[name].iter_rows(max_col=1, max_row=min(wb[name].max_row, 500)):
            cell = row[0]
            if isinstance(cell.value, str) and cell.value.strip() in labels:
                return name, f"B{cell.row}"
    return sheet, t(lang, "cell.unknown")


def _template_language(wb: Any) -> str:
    dests = _destinations(wb, LANGUAGE_NAME)
    if len(dests) == 1:
        cells = _cells(wb, *dests[0])
        if cells and cells[0][1] in ("ja", "en"):
            return str(cells[0][1])
    return "ja" if plan_sheet_name("ja") in wb.sheetnames else "en"


def _read_seasonality(wb: Any, lang: str, problems: list[CellProblem],
                      formula_result: Callable[[str, str], Any]) -> tuple[float, ...]:
    from kpi_xl.core.i18n import t

    dests = _destinations(wb, SEASONALITY_NAME)
    trouble = _name_problem(wb, SEASONALITY_NAME, dests, 12, lang)
    if trouble is not None:
        sheet, cell = _where_name_is(wb, dests, plan_sheet_name(lang), _WEIGHT, lang)
        problems.append(CellProblem(sheet, cell, SEASONALITY_NAME, _WEIGHT.label[lang], trouble,
                                    t(lang, "name.expected_weights")))
        return (1.0,) * 12
    sheet = dests[0][0]
    cells = _cells(wb, *dests[0])
    weights: list[float] = []
    already = len(problems)
    for coordinate, raw in cells:
        if isinstance(raw, str) and raw.startswith("="):
            result = formula_result(sheet, coordinate)
            if result is None:
                problems.append(CellProblem(sheet, coordinate, SEASONALITY_NAME,
                                            _WEIGHT.label[lang], _unsaved_formula(raw, lang),
                                            _WEIGHT.kind_info.expected[lang]))
                weights.append(1.0)
                continue
            raw = result
        value, problem = check_value(_WEIGHT, raw, lang)
        if problem:
            problems.append(CellProblem(sheet, coordinate, SEASONALITY_NAME, _WEIGHT.label[lang],
                                        *problem))
            weights.append(1.0)
        else:
            weights.append(float(value))  # type: ignore[arg-type]
    if len(problems) == already and sum(weights) <= 0:
        coordinate = f"{cells[0][0]}:{cells[-1][0]}"
        problems.append(CellProblem(
            sheet, coordinate, SEASONALITY_NAME, _WEIGHT.label[lang],
            t(lang, "weights.zero"), t(lang, "weights.zero_expected")))
    return tuple(weights)
