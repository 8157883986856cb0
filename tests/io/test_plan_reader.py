"""Reading a planner's template: every bad input is named by sheet, cell and input, all at once.

Plans are made the way a planner makes them: a bundled template filled in by its named cells
(see ``fill_template`` in conftest), then saved. The base is the sample plan with every sales
number retyped (the held-out plan), so that the departments' KPI tables are filled; each case
then spoils one input.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.core.errors import PlanError
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path, template_path
from tests.conftest import HELD_OUT, fill_template, require_libreoffice
from tests.libreoffice import recalculate

EVEN = [1] * 12


def named_cell(path: Path, name: str) -> tuple[str, str]:
    """(sheet, cell) a defined name points at, e.g. ('Plan', 'B29')."""
    wb = openpyxl.load_workbook(path)
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return sheet, ref.replace("$", "")


def make_plan(tmp_path: Path, changes: dict, weights: list[float] = EVEN, lang: str = "en",
              name: str = "plan.xlsx") -> Path:
    return fill_template(sample_plan_path(lang), tmp_path / name, {**HELD_OUT, **changes}, weights)


def problems_of(path: Path, lang: str | None = None) -> list:
    with pytest.raises(PlanError) as caught:
        read_plan(path, lang)
    return caught.value.problems


def test_a_well_filled_template_reads_into_a_plan(tmp_path: Path) -> None:
    plan = read_plan(make_plan(tmp_path, {}))
    assert plan.fiscal_year == 2027 and plan.start_month == 1
    assert plan.number("Sales_WinRate") == 0.29
    assert plan.values["Sales_TargetDeals"] == 145
    assert plan.seasonality == (1.0,) * 12
    assert plan.lang == "en"


@pytest.mark.parametrize(("name", "value", "found", "expected"), [
    ("Sales_WinRate", 0, "found 0", "above 0%"),
    ("Sales_WinRate", 20, "2000%", "at most 100%"),
    ("Sales_LeadToOppRate", -0.1, "-0.1", "above 0%"),
    ("Sales_AvgDealSize", "two million", "two million", "amount above 0"),
    ("Sales_TargetDeals", None, "blank", "whole number"),
    ("Sales_TargetDeals", -5, "-5", "0 or more"),
    ("Sales_TargetDeals", 12.5, "12.5", "whole number"),
    ("Plan_StartMonth", 13, "13", "1-12"),
    ("Plan_FiscalYear", 26, "26", "four-digit year"),
    ("Sales_TargetDeals", True, "TRUE", "whole number"),
    ("Sales_AvgDealSize", datetime.datetime(2026, 4, 1), "2026-04-01", "amount"),
    ("Sales_WinRate", "=1/5", "formula", "rate"),
])
def test_each_bad_input_is_named_with_its_sheet_cell_found_and_expected(
        tmp_path: Path, name: str, value: object, found: str, expected: str) -> None:
    path = make_plan(tmp_path, {name: value})
    [problem] = problems_of(path)
    assert (problem.sheet, problem.cell) == named_cell(path, name)
    assert problem.name == name
    assert found in problem.found
    assert expected in problem.expected


def test_the_blank_template_as_it_comes_says_there_is_nothing_to_plan(tmp_path: Path) -> None:
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(template_path("en").read_bytes())
    problems = problems_of(blank)
    # The general inputs stay required; the departments are all blank, which is one problem
    # (not one per input: a department left wholly blank is skipped).
    assert [p.name for p in problems] == ["Plan_Company", "Plan_FiscalYear", "Sales_TargetDeals"]
    assert {p.found for p in problems[:2]} == {"the cell is blank"}
    nothing = problems[2]
    assert (nothing.sheet, nothing.cell) == named_cell(blank, "Sales_TargetDeals")
    assert "nothing to plan" in nothing.found
    assert "Sales, Marketing, Customer Success, Development" in nothing.found
    assert "at least one department" in nothing.expected


def test_problems_are_described_in_japanese_too(tmp_path: Path) -> None:
    path = make_plan(tmp_path, {"Sales_WinRate": 20}, lang="ja")
    [problem] = problems_of(path)  # a Japanese template speaks Japanese by default
    assert problem.sheet == "計画"
    assert problem.label == "商談→受注率"
    assert "2000%" in problem.found and "が入っています" in problem.found
    assert "100% 以下" in problem.expected
    [english] = problems_of(path, "en")
    assert english.label == "Win rate (opportunity → deal)"


def test_seasonality_weights_that_are_all_zero_are_refused(tmp_path: Path) -> None:
    path = make_plan(tmp_path, {}, weights=[0] * 12)
    [problem] = problems_of(path)
    sheet, block = named_cell(path, "Plan_Seasonality")
    assert problem.sheet == sheet
    assert problem.cell == block  # the whole block, e.g. B13:B24
    assert "add up to 0" in problem.found


def test_a_negative_weight_names_its_month_cell(tmp_path: Path) -> None:
    path = make_plan(tmp_path, {}, weights=[1] * 11 + [-1])
    [problem] = problems_of(path)
    assert problem.cell == named_cell(path, "Plan_Seasonality")[1].split(":")[1]
    assert problem.name == "Plan_Seasonality"


def test_a_blank_weight_counts_as_one(tmp_path: Path) -> None:
    plan = read_plan(make_plan(tmp_path, {}, weights=[None] * 11 + [2]))
    assert plan.seasonality == (1.0,) * 11 + (2.0,)


def test_every_problem_in_a_plan_is_reported_at_once(tmp_path: Path) -> None:
    path = make_plan(tmp_path, {"Sales_WinRate": 0, "Sales_LeadToOppRate": 10,
                                "Sales_TargetDeals": "lots", "Sales_AvgDealSize": None,
                                "Plan_StartMonth": 13}, weights=[0] * 12)
    problems = problems_of(path)
    assert {p.name for p in problems} == {"Sales_WinRate", "Sales_LeadToOppRate",
                                          "Sales_TargetDeals", "Sales_AvgDealSize",
                                          "Plan_StartMonth", "Plan_Seasonality"}


def test_a_deleted_named_cell_is_reported_where_its_label_stands(tmp_path: Path) -> None:
    path = make_plan(tmp_path, {})
    where = named_cell(path, "Sales_WinRate")
    wb = openpyxl.load_workbook(path)
    del wb.defined_names["Sales_WinRate"]
    wb.save(path)
    [problem] = problems_of(path)
    assert problem.name == "Sales_WinRate"
    assert (problem.sheet, problem.cell) == where
    assert "missing" in problem.found
    assert "kpi-xl template" in problem.expected


def test_a_deleted_seasonality_name_is_reported_not_silently_evened_out(tmp_path: Path) -> None:
    path = make_plan(tmp_path, {}, weights=[3] + [1] * 11)
    wb = openpyxl.load_workbook(path)
    del wb.defined_names["Plan_Seasonality"]
    wb.save(path)
    [problem] = problems_of(path)
    assert problem.name == "Plan_Seasonality"
    assert "missing" in problem.found


@pytest.mark.parametrize(("make", "says_en", "says_ja"), [
    (lambda d: d / "plan.csv", "not found", "見つかりません"),
    (lambda d: _write(d / "plan.csv", b"a,b\n1,2\n"), "not an .xlsx file (.csv)", ".xlsx ファイルではありません"),
    (lambda d: _write(d / "plan.xlsx", b"just text, renamed"), "cannot be read as an Excel workbook", "Excel ブックとして読めません"),
    (lambda d: _write(d / "plan.xls", b"\xd0\xcf\x11\xe0" + bytes(100)), "save it as 'Excel Workbook (*.xlsx)'", "保存し直してください"),
    (lambda d: _mkdir(d / "plans.xlsx"), "is a folder", "フォルダです"),
    (lambda d: _write(d / "plan.xlsx", _zip_of_nothing()), "could not be opened", "開けませんでした"),
])
def test_a_file_that_is_not_a_plan_gets_a_clear_message(tmp_path: Path, make, says_en: str,
                                                         says_ja: str) -> None:
    path = make(tmp_path)
    with pytest.raises(PlanError) as caught:
        read_plan(path)
    assert says_en in caught.value.message("en")
    assert path.name in caught.value.message("en")
    assert says_ja in caught.value.message("ja")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _zip_of_nothing() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


def test_a_plan_saved_by_libreoffice_with_a_formula_input_reads_its_saved_result(
        tmp_path: Path) -> None:
    # A planner may fill the template in LibreOffice, and type =1/5 for 20%: the saved result counts.
    require_libreoffice()
    path = make_plan(tmp_path, {"Sales_WinRate": "=1/5"}, name="typed.xlsx")
    saved = recalculate([path], tmp_path / "saved")[path.resolve()]
    plan = read_plan(saved)
    assert plan.number("Sales_WinRate") == pytest.approx(0.2)
    assert plan.values["Sales_TargetDeals"] == 145


@pytest.mark.parametrize(("text", "kind", "number"), [
    ("２０％", "rate", 0.2), ("20%", "rate", 0.2), ("0.2", "rate", 0.2), ("１，０００", "count", 1000),
    ("100件", "count", 100), ("¥2,000,000", "money", 2_000_000), ("2000000円", "money", 2_000_000),
    ("４月", "month", 4), ("2027年度", "year", 2027), (" 12 ", "weight", 12),
    ("2 million", "money", None), ("20%", "count", None), ("1e5", "count", None),
    ("20-30%", "rate", None), ("2027/3/31", "count", None), ("", "count", None),
])
def test_numbers_typed_as_text_are_understood_only_when_unambiguous(
        text: str, kind: str, number: float | None) -> None:
    from kpi_xl.core.spec import text_number

    assert text_number(text, kind) == (pytest.approx(number) if number is not None else None)


@pytest.mark.parametrize(("raw", "day"), [
    ("2027-03-31", datetime.date(2027, 3, 31)), ("2027/3/31", datetime.date(2027, 3, 31)),
    ("２０２７年３月３１日", datetime.date(2027, 3, 31)), ("2027.3.31", datetime.date(2027, 3, 31)),
    (datetime.datetime(2027, 3, 31), datetime.date(2027, 3, 31)), (46477, datetime.date(2027, 3, 31)),
    ("03/04/2027", None), ("31/3/2027", None), ("2027-02-30", None), ("next March", None),
])
def test_deadlines_typed_as_text_are_read_when_they_name_one_day(raw: object,
                                                                 day: object) -> None:
    from kpi_xl.io.kpi_tables import _date

    assert _date(raw) == day


def test_a_rate_target_above_100_percent_is_kept_when_the_cell_shows_a_percentage(
        tmp_path: Path) -> None:
    # Net revenue retention of 110%: typed as 110% into a % cell, stored as 1.1.
    wb = openpyxl.load_workbook(make_plan(tmp_path, {}))
    ws = wb["KPIs"]
    ws["G26"].value, ws["G26"].number_format = 1.1, "0%"
    wb.save(tmp_path / "nrr.xlsx")
    plan = read_plan(tmp_path / "nrr.xlsx")
    assert [k.target for k in plan.kpis["customer_success"] if k.unit == "%"][-1] == 1.1
    ws["G26"].number_format = "General"  # the same 1.1 shown as "1.1": 1.1% or 110%?
    wb.save(tmp_path / "nrr.xlsx")
    [problem] = problems_of(tmp_path / "nrr.xlsx")
    assert problem.cell == "G26" and "for 1.1% type 1.1% or 0.011" in problem.expected
