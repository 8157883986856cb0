"""What every department workbook must contain, read straight from the files (no engine needed)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.workbook_values import formulas

DEPARTMENTS = {"sales": "Sales", "marketing": "Mkt", "customer_success": "CS",
               "development": "Dev"}
NAMED = {
    "sales": ["Sales_TargetDeals", "Sales_WinRate", "Sales_LeadToOppRate", "Sales_AvgDealSize",
              "Sales_RequiredOpps", "Sales_RequiredLeads", "Sales_TargetRevenue"],
    "marketing": ["Mkt_TargetSQL", "Mkt_MqlToSqlRate", "Mkt_LeadToMqlRate", "Mkt_VisitToLeadRate",
                  "Mkt_RequiredMQL", "Mkt_RequiredLeads", "Mkt_RequiredVisits"],
    "customer_success": ["CS_StartCustomers", "CS_MaxChurnRate", "CS_MaxChurnedCustomers"],
    "development": ["Dev_DeploysPerWeek", "Dev_DeploysPerQuarter"],
}
# Functions every Excel since 2007, LibreOffice and Google Sheets know without _xlfn.
CLASSIC = {"ROUNDUP", "ROUNDDOWN", "ROUND", "IF", "AND", "OR", "SUM", "MIN", "MAX", "ABS",
           "IFERROR", "DATE", "SUMIFS", "COUNTIFS", "AVERAGEIFS", "COUNTA", "COUNTBLANK",
           "COUNTIF", "INDEX", "MATCH", "MOD", "POWER", "SUMPRODUCT", "ISNUMBER", "TEXT",
           "TODAY"}  # the review log's days late (live; every Excel, LibreOffice, Sheets)
CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$|^[Rr][0-9]*[Cc][0-9]*$")


def _books(generated: dict[str, Path]) -> list[tuple[str, str, Path]]:
    return [(label.split("-")[1], dept, path) for label, path in generated.items()
            for dept in DEPARTMENTS if label.startswith("sample-") and label.endswith(dept)]


def test_every_department_is_written_in_both_languages(generated: dict[str, Path]) -> None:
    books = _books(generated)
    assert {(lang, dept) for lang, dept, _ in books} == {
        (lang, dept) for lang in ("ja", "en") for dept in DEPARTMENTS}
    for _, dept, path in books:
        assert dept in path.name


def test_sheet_names_are_valid_and_english_books_have_no_japanese(
        generated: dict[str, Path]) -> None:
    for lang, _, path in _books(generated):
        names = openpyxl.load_workbook(path, read_only=True).sheetnames
        assert len(names) == 9
        for name in names:
            assert len(name) <= 31 and not set(name) & set(":\\/?*[]")
            if lang == "en":
                assert name.isascii(), name


def test_named_cells_point_at_one_cell_and_never_look_like_cell_references(
        generated: dict[str, Path]) -> None:
    for _, dept, path in _books(generated):
        wb = openpyxl.load_workbook(path)
        for name in NAMED[dept]:
            dests = list(wb.defined_names[name].destinations)
            assert len(dests) == 1 and ":" not in dests[0][1], name
        for name in wb.defined_names:
            assert not CELL_LIKE.match(name) and not name.lower().startswith("_xl"), name


def test_formulas_use_only_classic_functions_and_stay_within_excel_limits(
        generated: dict[str, Path]) -> None:
    for _, _, path in _books(generated):
        for cell, text in formulas(path).items():
            used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", text))
            assert used <= CLASSIC, (cell, used - CLASSIC)
            assert len(text) <= 8192


def test_actuals_are_named_tables_with_structured_references(
        generated: dict[str, Path]) -> None:
    for _, dept, path in _books(generated):
        prefix = DEPARTMENTS[dept]
        wb = openpyxl.load_workbook(path)
        tables = {name for ws in wb.worksheets for name in ws.tables}
        assert {f"{prefix}_Actuals", f"{prefix}_KPIList", f"{prefix}_Reviews"} <= tables
        achievement = [t for (sheet, _), t in formulas(path).items()
                       if f"{prefix}_Actuals[[#This Row]," in t]
        assert achievement, "achievement must read its row through the table"


def test_inputs_are_unlocked_formulas_locked_and_plan_sheets_protected(
        generated: dict[str, Path]) -> None:
    path = generated["sample-en-sales"]
    wb = openpyxl.load_workbook(path)
    plan = wb["Plan"]
    assert plan.protection.sheet and not plan.protection.password
    sheet, ref = next(iter(wb.defined_names["Sales_WinRate"].destinations))
    assert wb[sheet][ref.replace("$", "")].protection.locked is False
    sheet, ref = next(iter(wb.defined_names["Sales_RequiredLeads"].destinations))
    assert wb[sheet][ref.replace("$", "")].protection.locked is True
    # Tracking has a row for every KPI and period: protected, typing lands in Actual and Note.
    tracking = wb["Tracking"]
    assert tracking.protection.sheet and not tracking.protection.password
    for table in tracking.tables.values():
        header, *rows = tracking[table.ref]
        labels = [c.value for c in header]
        assert labels[-1] == "Note"
        for line in rows:
            unlocked = {labels[i] for i, c in enumerate(line) if c.protection.locked is False}
            assert unlocked == {"Actual", "Note"}, (table.name, line[0].coordinate, unlocked)
    # The OKR sheet and the review log grow by rows, which Excel refuses on a protected sheet.
    assert not wb["OKRs"].protection.sheet
    assert not wb["Review log"].protection.sheet


@pytest.mark.parametrize("dept,charts", [("sales", 2), ("marketing", 2),
                                          ("customer_success", 1), ("development", 1)])
def test_charts_actual_vs_target_everywhere_and_a_funnel_where_there_is_one(
        generated: dict[str, Path], dept: str, charts: int) -> None:
    with zipfile.ZipFile(generated[f"sample-en-{dept}"]) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == charts


def test_kpi_sheet_offers_drop_downs_for_direction_and_cadence(
        generated: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(generated["sample-ja-sales"])
    lists = [dv.formula1 for dv in wb["KPI"].data_validations.dataValidation
             if dv.type == "list"]
    assert any("高いほど良い" in f for f in lists) and any("週次" in f for f in lists)


def test_every_declared_input_and_output_is_a_named_cell_of_its_workbook(
        generated: dict[str, Path]) -> None:
    from kpi_xl.core.departments import DEPARTMENTS as SPECS

    for _, dept, path in _books(generated):
        names = set(openpyxl.load_workbook(path, read_only=True).defined_names)
        declared = {s.name for s in (*SPECS[dept].inputs, *SPECS[dept].outputs)}
        assert declared - names == set(), dept


def test_no_conditional_format_or_validation_holds_a_table_reference(
        generated: dict[str, Path]) -> None:
    # Excel refuses structured references (Sales_Reviews[Overdue]) in conditional formats and
    # data validation; LibreOffice silently never applies such a format.
    for _, _, path in _books(generated):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not name.startswith("xl/worksheets/sheet"):
                    continue
                xml = archive.read(name).decode("utf-8")
                rules = r"<(?:cfRule|dataValidation)\b.*?</(?:cfRule|dataValidation)>"
                for rule in re.findall(rules, xml, re.S):
                    for formula in re.findall(r"<formula1?>(.*?)</formula1?>", rule, re.S):
                        assert "[" not in formula, (path.name, name, formula)
