"""The Plan sheet's what-if blocks, recalculated by LibreOffice.

``<Prefix>_Scenarios`` (the sensitivity table) and the forward view must follow a planner's edit
of an input cell and actuals typed into the Tracking sheet, with no add-in; the cell for the plan's
own rates must be the plan figure; cached values must equal LibreOffice's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.funnel import monthly_split, required_count
from kpi_xl.core.i18n import t
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import require_libreoffice, set_named, type_actuals
from tests.libreoffice import recalculate
from tests.workbook_values import errors_in, formulas, named_values, same, values

QUARTER = FiscalQuarter(2026, 1)
NEW_WIN_RATE = 0.25
# Two of the quarter's three months reported: leads, opportunities and deals (English sample).
ACTUALS = {(0, "Leads per month"): 500, (1, "Leads per month"): 300,
           (0, "Opportunities per month"): 45, (1, "Opportunities per month"): 30,
           (0, "Deals per month"): 9, (1, "Deals per month"): 6}
LEADS = {(0, "Leads per month"): 500, (1, "Leads per month"): 300}


@dataclass
class Book:
    """A workbook as generated (or edited) and its LibreOffice recalculation."""

    original: Path
    recalculated: Path


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Book]:
    """Sales and marketing workbooks (ja, en), one with a new win rate, one with actuals."""
    require_libreoffice()
    root = tmp_path_factory.mktemp("scenarios")
    paths: dict[str, Path] = {}
    for lang in ("ja", "en"):
        plan = read_plan(sample_plan_path(lang))
        for path in generate(plan, QUARTER, root / lang, lang,
                             departments=["sales", "marketing", "customer_success"],
                             roll_forward=False):
            paths[f"{path.stem.split('_', 1)[1].rsplit('_', 1)[0]}-{lang}"] = path
    wb = openpyxl.load_workbook(paths["sales-en"])  # keeps formulas, drops cached values
    set_named(wb, {"Sales_WinRate": NEW_WIN_RATE})
    wb.save(root / "win_rate.xlsx")
    paths["win-rate"] = root / "win_rate.xlsx"
    paths["actuals"] = type_actuals(paths["sales-en"], "Sales_Actuals", ACTUALS,
                                    root / "actuals.xlsx")
    # Leads reported, nothing further down yet: the rates are the plan's, so the planner's new
    # win rate decides where the quarter lands.
    paths["leads"] = type_actuals(paths["sales-en"], "Sales_Actuals", LEADS, root / "leads.xlsx")
    wb = openpyxl.load_workbook(paths["leads"])
    set_named(wb, {"Sales_WinRate": NEW_WIN_RATE})
    wb.save(root / "leads_win_rate.xlsx")
    paths["leads-win-rate"] = root / "leads_win_rate.xlsx"
    staging = root / "in"
    staging.mkdir()
    copies = {}
    for label, path in paths.items():
        copies[label] = staging / f"{label}.xlsx"
        copies[label].write_bytes(path.read_bytes())
    mapping = recalculate(copies.values(), root / "out")
    return {label: Book(paths[label], mapping[copy.resolve()]) for label, copy in copies.items()}


def table(path: Path, name: str) -> tuple[list[float], list[float], list[list[Any]]]:
    """(column rates, row rates, cells) of a Scenarios table, as stored in ``path``."""
    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        if name in ws.tables:
            rows = [[c.value for c in r] for r in ws[ws.tables[name].ref]]
            return rows[1][1:], [r[0] for r in rows[2:]], [r[1:] for r in rows[2:]]
    raise KeyError(name)


def plan_rows(path: Path, lang: str) -> dict[str, list[Any]]:
    """The Plan sheet's rows by their label in column A (values as stored)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[t(lang, "sheet.plan")]
    return {r[0].value: [c.value for c in r] for r in ws.iter_rows() if isinstance(r[0].value, str)}


def cell_at(path: Path, name: str, row_rate: float, column_rate: float) -> Any:
    columns, rows, cells = table(path, name)
    return cells[rows.index(row_rate)][columns.index(column_rate)]


@pytest.mark.parametrize("label", ["sales-ja", "sales-en", "marketing-ja", "marketing-en"])
def test_every_new_cell_caches_what_libreoffice_computes(books: dict[str, Book], label: str
                                                         ) -> None:
    book = books[label]
    cached, fresh = values(book.original), values(book.recalculated)
    plan = t(label.rsplit("-", 1)[1], "sheet.plan")
    cells = [c for c in formulas(book.original) if c[0] == plan]
    assert len(cells) > 40  # the grid and the forward view are live formulas
    mismatches = {c: (cached.get(c), fresh.get(c)) for c in cells
                  if not same(cached.get(c), fresh.get(c))}
    assert mismatches == {}


@pytest.mark.parametrize("label", ["sales-ja", "sales-en", "marketing-ja", "marketing-en",
                                   "win-rate", "actuals", "leads", "leads-win-rate"])
def test_no_error_values_after_recalculation(books: dict[str, Book], label: str) -> None:
    assert errors_in(values(books[label].recalculated)) == {}


@pytest.mark.parametrize(("label", "name", "figure", "rows", "columns"), [
    ("sales-ja", "Sales_Scenarios", "Sales_RequiredLeads", "Sales_WinRate", "Sales_LeadToOppRate"),
    ("sales-en", "Sales_Scenarios", "Sales_RequiredLeads", "Sales_WinRate", "Sales_LeadToOppRate"),
    ("win-rate", "Sales_Scenarios", "Sales_RequiredLeads", "Sales_WinRate",
     "Sales_LeadToOppRate"),
    ("marketing-ja", "Mkt_Scenarios", "Mkt_RequiredLeads", "Mkt_MqlToSqlRate",
     "Mkt_LeadToMqlRate"),
])
def test_the_cell_for_the_plans_own_rates_is_the_plan_figure(
        books: dict[str, Book], label: str, name: str, figure: str, rows: str, columns: str
) -> None:
    path = books[label].recalculated
    named = named_values(path)
    assert cell_at(path, name, named[rows], named[columns]) == named[figure]


def test_a_new_win_rate_moves_the_grid_and_the_forward_view(books: dict[str, Book]) -> None:
    before, after = books["sales-en"].recalculated, books["win-rate"].recalculated
    _, rows_before, cells_before = table(before, "Sales_Scenarios")
    columns, rows_after, cells_after = table(after, "Sales_Scenarios")
    assert rows_before == pytest.approx([0.15, 0.18, 0.2, 0.22, 0.25])
    assert rows_after == pytest.approx([0.2, 0.23, 0.25, 0.27, 0.3])
    assert cells_after != cells_before
    # Every cell is the core's reverse funnel for its row's and column's rate (Excel rounding).
    deals = named_values(after)["Sales_TargetDeals"]
    assert cells_after == [[required_count(required_count(deals, r), c) for c in columns]
                           for r in rows_after]
    assert named_values(after)["Sales_RequiredLeads"] == required_count(
        required_count(deals, NEW_WIN_RATE), 0.1) == cells_after[2][2]
    # No actual yet: the forward view runs the plan's new leads at the plan's new rate (and so
    # lands on the plan's deals again).
    old, new = plan_rows(before, "en"), plan_rows(after, "en")
    assert new["Win rate (opportunity → deal)"][1] == NEW_WIN_RATE
    assert new["Win rate (opportunity → deal)"][6] == "The plan's rate (no actual yet)"
    assert new["Leads this quarter"][1] < old["Leads this quarter"][1]
    leads = new["Leads this quarter"][1]
    assert new["Deals (forward)"][1] == pytest.approx(leads * 0.1 * NEW_WIN_RATE, rel=1e-12)


def test_with_leads_reported_a_new_win_rate_changes_where_the_quarter_lands(
        books: dict[str, Book]) -> None:
    before = plan_rows(books["leads"].recalculated, "en")
    after_path = books["leads-win-rate"].recalculated
    after = plan_rows(after_path, "en")
    named = named_values(after_path)
    assert before["Leads so far"][1] == after["Leads so far"][1] == 800
    assert after["Win rate (opportunity → deal)"][1] == NEW_WIN_RATE
    assert after["Deals (forward)"][1] != before["Deals (forward)"][1]
    # The remaining month's planned leads follow the new (smaller) plan as well.
    plan = read_plan(sample_plan_path("en"))
    lag = int(named["Sales_CycleMonths"])
    third = monthly_split(named["Sales_RequiredLeads"], plan.seasonality)[(2 + lag) % 12]
    deals = (800 + third) * named["Sales_LeadToOppRate"] * NEW_WIN_RATE
    assert after["Deals (forward)"][1] == pytest.approx(deals, rel=1e-12)
    assert after["Revenue (forward)"][1] == pytest.approx(deals * named["Sales_AvgDealSize"],
                                                           rel=1e-12)


def test_untouched_forward_view_lands_on_the_plan(books: dict[str, Book]) -> None:
    rows = plan_rows(books["sales-en"].recalculated, "en")
    assert rows["Leads so far"][1] == 0
    assert rows["Leads so far"][6] == "No actual typed yet (counted as 0)"
    assert rows["Leads this quarter"][1] == rows["Leads this quarter"][3]
    assert rows["Lead → opportunity rate"][6] == "The plan's rate (no actual yet)"


def test_actuals_to_date_drive_the_forward_view(books: dict[str, Book]) -> None:
    path = books["actuals"].recalculated
    rows = plan_rows(path, "en")
    named = named_values(path)
    plan = read_plan(sample_plan_path("en"))
    # The third month's leads as the Monthly sheet plans them: moved earlier by the sales cycle.
    lag = int(named["Sales_CycleMonths"])
    third = monthly_split(named["Sales_RequiredLeads"], plan.seasonality)[(2 + lag) % 12]
    assert rows["Leads so far"][1] == 800
    assert rows["Leads so far"][6] == "Actuals on the Tracking sheet (2 month(s))"
    assert rows["Leads planned, months not reported"][1] == third
    assert rows["Lead → opportunity rate"][1] == pytest.approx(75 / 800, rel=1e-12)
    assert rows["Lead → opportunity rate"][6] == "Rate achieved (Tracking sheet)"
    assert rows["Win rate (opportunity → deal)"][1] == pytest.approx(15 / 75, rel=1e-12)
    deals = (800 + third) * 75 / 800 * 15 / 75
    assert rows["Deals (forward)"][1] == pytest.approx(deals, rel=1e-12)
    assert rows["Revenue (forward)"][1] == pytest.approx(deals * named["Sales_AvgDealSize"],
                                                          rel=1e-12)


def test_departments_without_a_funnel_have_no_scenarios(books: dict[str, Book]) -> None:
    wb = openpyxl.load_workbook(books["customer_success-en"].original)
    assert not any(name.endswith("_Scenarios") for ws in wb.worksheets for name in ws.tables)
    sales = openpyxl.load_workbook(books["sales-ja"].original)
    assert "Sales_Scenarios" in sales[t("ja", "sheet.plan")].tables


def test_the_plans_own_cell_is_marked_by_a_rule_that_reads_the_inputs(books: dict[str, Book]
                                                                        ) -> None:
    # The green mark compares each header with the input cells, so it moves with a new rate.
    wb = openpyxl.load_workbook(books["sales-en"].original)
    ws = wb[t("en", "sheet.plan")]
    grid_ref = ws.tables["Sales_Scenarios"].ref  # header, rates row, five rows
    first_col, last = grid_ref.split(":")
    top = int(first_col[1:])
    cells = f"B{top + 2}:{last}"
    rules = {str(cf.sqref): [r.formula for r in cf.rules] for cf in ws.conditional_formatting}
    assert rules[cells] == [[f"AND($A{top + 2}=Sales_WinRate,B${top + 1}=Sales_LeadToOppRate)"]]
    # Read against the edited workbook's recalculated values: exactly one cell, the middle one.
    path = books["win-rate"].recalculated
    named = named_values(path)
    columns, rows, _ = table(path, "Sales_Scenarios")
    marked = [(i, j) for i, r in enumerate(rows) for j, c in enumerate(columns)
              if r == named["Sales_WinRate"] and c == named["Sales_LeadToOppRate"]]
    assert marked == [(2, 2)]
