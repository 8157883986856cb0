"""Customer success can plan its customer base from the deals sales wins.

The plan says which share of won deals are new customers (blank: not linked). Then customer
success' won deals are sales' deal target (one number in both workbooks, refused with both cells
named when typed differently), its new customers are that share rounded down, and its customers
at year end are the customers it keeps plus the new ones — after LibreOffice recalculation too.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.plan import PlanValues
from kpi_xl.io.plan_reader import read_plan
from tests.conftest import require_libreoffice
from tests.io.test_plan_reader import make_plan, named_cell, problems_of

# The plan: 172 deals, 860 customers with at most 3% churn; 60% of deals are new logos.
LINKED = {"Sales_TargetDeals": 172, "CS_StartCustomers": 860, "CS_MaxChurnRate": 0.03,
          "CS_NewCustomerShare": 0.6}


def test_new_customers_follow_sales_deals_when_the_plan_links_them(tmp_path: Path) -> None:
    env = PlanValues(read_plan(make_plan(tmp_path, LINKED)).values)
    assert env["CS_WonDeals"] == env["Sales_TargetDeals"] == 172
    assert env["CS_NewCustomers"] == 103  # 172 × 60% = 103.2, rounded down: whole customers
    assert env["CS_MaxChurnedCustomers"] == 25  # 860 × 3% = 25.8, rounded down
    assert env["CS_EndCustomers"] == 860 - 25 + 103


def test_a_blank_share_means_not_linked(tmp_path: Path) -> None:
    env = PlanValues(read_plan(make_plan(tmp_path, {**LINKED, "CS_NewCustomerShare": None,
                                                    "CS_WonDeals": 99})).values)
    assert env["CS_NewCustomers"] == 0
    assert env["CS_EndCustomers"] == env["CS_MinRetainedCustomers"] == 860 - 25


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_won_deals_typed_over_sales_target_are_refused_naming_both_cells(
        tmp_path: Path, lang: str) -> None:
    path = make_plan(tmp_path, {**LINKED, "CS_WonDeals": 150}, lang=lang)
    [problem] = problems_of(path)
    assert problem.name == "Sales_TargetDeals"
    for name in ("Sales_TargetDeals", "CS_WonDeals"):
        sheet, cell = named_cell(path, name)
        assert f"{sheet}!{cell}" in problem.found, name
    assert "172" in problem.found and "150" in problem.found
    assert ("カスタマーサクセス" in problem.found) if lang == "ja" else (
        "customer success plans 150" in problem.found)


def test_a_plan_from_an_earlier_template_without_the_new_inputs_still_reads(
        tmp_path: Path) -> None:
    path = make_plan(tmp_path, {})
    wb = openpyxl.load_workbook(path)
    for name in ("CS_NewCustomerShare", "CS_WonDeals"):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")].value = None
        del wb.defined_names[name]
    wb.save(path)
    env = PlanValues(read_plan(path).values)
    assert env["CS_NewCustomers"] == 0 and env["CS_WonDeals"] == env["Sales_TargetDeals"]


def test_the_linked_customer_base_recalculates_in_libreoffice(tmp_path: Path) -> None:
    require_libreoffice()
    from tests.libreoffice import recalculate

    plan = read_plan(make_plan(tmp_path, LINKED))
    [book] = generate(plan, FiscalQuarter(plan.fiscal_year, 1), tmp_path / "out", "en",
                      departments=["customer_success"], roll_forward=False)
    engine = openpyxl.load_workbook(recalculate([book], tmp_path / "lo")[book], data_only=True)
    cached = openpyxl.load_workbook(book, data_only=True)
    for name, expected in (("CS_NewCustomers", 103), ("CS_EndCustomers", 938),
                           ("CS_WonDeals", 172)):
        sheet, ref = next(iter(engine.defined_names[name].destinations))
        cell = ref.replace("$", "")
        assert engine[sheet][cell].value == cached[sheet][cell].value == expected, name
    # The months' new customers add up to the year's (shaped by the sales season).
    rows = list(cached["Monthly targets"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Month")
    col = rows[start].index("New customers from won deals")
    months = [row[col] for row in rows[start + 1:start + 13]]
    assert sum(months) == 103 and max(months) - min(months) <= 1  # even weights: 8 or 9
