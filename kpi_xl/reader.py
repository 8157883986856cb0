"""Reading a planner's template (.xlsx) into a validated :class:`~kpi_xl.plan.Plan`.

The only module that reads plans with openpyxl. Inputs are found by their defined names, so a
planner may move sections, add notes or restyle the sheet; what matters is the named cells.
Every problem is collected (not just the first) and reported with the sheet, the cell, the
input's name, what was found and what is expected.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kpi_xl.departments import DEPARTMENTS
from kpi_xl.errors import CellProblem, PlanError
from kpi_xl.plan import GENERAL_INPUTS, LANGUAGE_NAME, SEASONALITY_NAME, Plan, plan_sheet_name
from kpi_xl.spec import InputSpec, Scalar, check_value

__all__ = ["read_plan"]

_WEIGHT = InputSpec(SEASONALITY_NAME, "weight", {"ja": "季節性ウェイト", "en": "Seasonality weight"},
                    {"ja": "", "en": ""}, sample=1, required=False, blank_value=1)


def _file_error(path: Path, lang: str, ja: str, en: str) -> PlanError:
    return PlanError(str(path), file_problem=(ja if lang == "ja" else en))


def _open(path: Path, lang: str) -> Any:
    if not path.exists():
        raise _file_error(path, lang, f"計画ファイルが見つかりません: {path}",
                          f"Plan file not found: {path}")
    if path.is_dir():
        raise _file_error(path, lang, f"{path} はフォルダです。計画ファイル(.xlsx)を指定してください。",
                          f"{path} is a folder; give the plan file (.xlsx).")
    suffix = path.suffix.lower()
    expected_ja = "kpi-xl template で作成した Excel ブック(.xlsx)を指定してください。"
    expected_en = "Expected an Excel workbook (.xlsx) made from the kpi-xl template."
    if suffix != ".xlsx":
        raise _file_error(path, lang,
                          f"{path.name} は .xlsx ファイルではありません({suffix or '拡張子なし'})。{expected_ja}",
                          f"{path.name} is not an .xlsx file ({suffix or 'no extension'}). {expected_en}")
    if not zipfile.is_zipfile(path):
        raise _file_error(path, lang,
                          f"{path.name} は Excel ブックとして読めません(.xlsx 形式ではない、または壊れています)。{expected_ja}",
                          f"{path.name} cannot be read as an Excel workbook (not .xlsx data, or damaged). {expected_en}")
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            return openpyxl.load_workbook(path, data_only=False)
    except Exception as err:
        raise _file_error(path, lang,
                          f"{path.name} を Excel ブックとして開けませんでした({type(err).__name__})。{expected_ja}",
                          f"{path.name} could not be opened as an Excel workbook ({type(err).__name__}). {expected_en}") from None


def _destinations(wb: Any, name: str) -> list[tuple[str, str]]:
    defined = wb.defined_names.get(name)
    if defined is None:
        return []
    try:
        return list(defined.destinations)
    except Exception:
        return []


def _cells(wb: Any, sheet: str, ref: str) -> list[tuple[str, Any]]:
    if sheet not in wb.sheetnames:
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
    wb = _open(path, lang or "en")
    plan_lang = _template_language(wb)
    lang = lang or plan_lang
    problems: list[CellProblem] = []
    values: dict[str, Scalar] = {}
    default_sheet = plan_sheet_name(plan_lang)

    def read_one(spec: InputSpec) -> None:
        dests = _destinations(wb, spec.name)
        cells = _cells(wb, *dests[0]) if len(dests) == 1 else []
        if len(cells) != 1:
            problems.append(CellProblem(
                default_sheet, "?", spec.name, spec.label[lang],
                "名前付きセルがありません" if lang == "ja" else "the named cell is missing",
                ("テンプレートの名前付きセルを削除・変更しないでください(kpi-xl template で新しいテンプレートを作成できます)"
                 if lang == "ja" else
                 "keep the template's named cells (kpi-xl template writes a fresh one)")))
            return
        coordinate, raw = cells[0]
        if isinstance(raw, str) and raw.startswith("="):
            raw = _formula_value(raw)
        value, problem = check_value(spec, raw, lang)
        if problem:
            problems.append(CellProblem(dests[0][0], coordinate, spec.name, spec.label[lang],
                                        *problem))
        else:
            values[spec.name] = value

    for spec in _all_inputs():
        read_one(spec)

    seasonality = _read_seasonality(wb, lang, problems, default_sheet)
    if problems:
        raise PlanError(str(path), problems)
    return Plan(
        company=str(values.get("Plan_Company") or ""),
        fiscal_year=int(values["Plan_FiscalYear"]),  # type: ignore[arg-type]
        start_month=int(values["Plan_StartMonth"]),  # type: ignore[arg-type]
        seasonality=seasonality,
        values=values,
        lang=plan_lang,
        source=str(path),
    )


def _formula_value(formula: str) -> Any:
    # Formulas in input cells are not evaluated here; the planner is asked for a value instead.
    return formula


def _all_inputs() -> Iterable[InputSpec]:
    yield from GENERAL_INPUTS
    for dept in DEPARTMENTS.values():
        yield from dept.inputs


def _template_language(wb: Any) -> str:
    dests = _destinations(wb, LANGUAGE_NAME)
    if len(dests) == 1:
        cells = _cells(wb, *dests[0])
        if cells and cells[0][1] in ("ja", "en"):
            return str(cells[0][1])
    return "ja" if plan_sheet_name("ja") in wb.sheetnames else "en"


def _read_seasonality(wb: Any, lang: str, problems: list[CellProblem],
                      default_sheet: str) -> tuple[float, ...]:
    dests = _destinations(wb, SEASONALITY_NAME)
    if len(dests) != 1:
        return (1.0,) * 12  # no seasonality block: an even split
    sheet = dests[0][0]
    cells = _cells(wb, *dests[0])
    if len(cells) != 12:
        problems.append(CellProblem(
            sheet, dests[0][1].replace("$", ""), SEASONALITY_NAME, _WEIGHT.label[lang],
            f"{len(cells)} 個のセルです" if lang == "ja" else f"it covers {len(cells)} cells",
            "12 か月分のセルが必要です" if lang == "ja" else "expected twelve monthly cells"))
        return (1.0,) * 12
    weights: list[float] = []
    for coordinate, raw in cells:
        value, problem = check_value(_WEIGHT, raw, lang)
        if problem:
            problems.append(CellProblem(sheet, coordinate, SEASONALITY_NAME, _WEIGHT.label[lang],
                                        *problem))
            weights.append(1.0)
        else:
            weights.append(float(value))  # type: ignore[arg-type]
    if not problems and sum(weights) <= 0:
        coordinate = cells[0][0]
        problems.append(CellProblem(
            sheet, coordinate, SEASONALITY_NAME, _WEIGHT.label[lang],
            "ウェイトの合計が 0 です" if lang == "ja" else "the weights add up to 0",
            "少なくとも 1 か月は 0 より大きくしてください" if lang == "ja"
            else "expected at least one month above 0"))
    del default_sheet
    return tuple(weights)
