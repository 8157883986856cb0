"""Partial plans and optional channels, as the plan reader sees them.

A department left wholly blank (inputs and KPI table) is skipped; one filled in part is refused
naming exactly its missing cells; a department that follows a skipped one stands on its own
inputs. A marketing channel is planned when its inputs are filled, not planned when they are all
blank, and refused when filled in part. Plans are blank templates filled in by named cells.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.errors import PlanError
from kpi_xl.core.partial import follows, plan_notes, skipped
from kpi_xl.core.plan import Plan
from kpi_xl.core.plan_tables import OKR_TABLE
from kpi_xl.io.plan_reader import read_plan
from tests.io.test_plan_reader import named_cell
from tests.partial import CHANNELS, MARKETING, SALES, partial_plan


def problems_of(path: Path, lang: str | None = None) -> list:
    with pytest.raises(PlanError) as caught:
        read_plan(path, lang)
    return caught.value.problems


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_plan_of_sales_alone_skips_the_other_departments(tmp_path: Path, lang: str) -> None:
    plan = read_plan(partial_plan(tmp_path / "sales.xlsx", lang, SALES))
    assert plan.departments == ("sales",)
    assert set(plan.kpis) == {"sales"}
    assert len(plan.kpis["sales"]) == len(DEPARTMENTS["sales"].sample_kpis[lang])
    # Nothing of a skipped department is read or derived (no marketing rates from sales').
    assert not [name for name in plan.values if not name.startswith(("Plan_", "Sales_"))]
    assert plan.number("Sales_LeadToOppRate") == 0.1
    notes = plan_notes(plan.departments, lang, plan.values)
    names = [DEPARTMENTS[k].name[lang] for k in ("marketing", "customer_success", "development")]
    assert all(name in notes[0] for name in names) and DEPARTMENTS["sales"].name[lang] not in notes[0]
    # Sales' lead→opportunity rate would be derived from marketing's: it is sales' own now.
    assert len(notes) == 2 and DEPARTMENTS["sales"].input("Sales_LeadToOppRate").label[lang] in notes[1]


def test_a_plan_made_in_code_covers_every_department() -> None:
    plan = Plan("Co", 2026, 4, (1.0,) * 12, {})
    assert plan.departments == tuple(DEPARTMENTS)
    assert skipped(plan.departments) == [] and plan_notes(plan.departments, "en", plan.values) == []


def test_which_departments_follow_which() -> None:
    assert follows("marketing") == {"sales": ("Mkt_TargetSQL", "Mkt_MqlToSqlRate",
                                              "Mkt_LeadToMqlRate", "Mkt_CycleMonths")}
    assert follows("sales") == {"marketing": ("Sales_LeadToOppRate",)}
    # Customer success follows sales' deals only while it counts new customers from them.
    assert follows("customer_success") == {"sales": ("CS_WonDeals",)}
    assert follows("customer_success", {"CS_NewCustomerShare": None}) == {}
    assert follows("customer_success", {"CS_NewCustomerShare": 0.5}) == {"sales": ("CS_WonDeals",)}
    assert follows("development") == {}


def test_a_department_filled_in_part_names_exactly_its_missing_cells(tmp_path: Path) -> None:
    path = partial_plan(tmp_path / "plan.xlsx", "en", {**SALES, "CS_StartCustomers": 200})
    problems = problems_of(path)
    # Customer success: its churn rate and its KPI table; nothing about marketing or development.
    assert [p.name for p in problems] == ["CS_MaxChurnRate", "CS_KPIs"]
    assert (problems[0].sheet, problems[0].cell) == named_cell(path, "CS_MaxChurnRate")
    assert problems[0].found == "the cell is blank"
    assert "no KPIs" in problems[1].found


def test_a_kpi_table_alone_makes_its_department_planned(tmp_path: Path) -> None:
    path = partial_plan(tmp_path / "plan.xlsx", "en", SALES, kpis=("sales", "development"))
    assert [p.name for p in problems_of(path)] == ["Dev_DeploysPerWeek"]


def test_a_fully_blank_plan_is_refused_in_japanese_too(tmp_path: Path) -> None:
    path = partial_plan(tmp_path / "blank.xlsx", "ja", {}, kpis=())
    [nothing] = problems_of(path)  # the general inputs are filled in here
    assert nothing.name == "Sales_TargetDeals"
    assert "計画するものがありません" in nothing.found
    assert "営業、マーケティング、カスタマーサクセス、開発" in nothing.found


def test_an_okr_of_a_skipped_department_is_refused(tmp_path: Path) -> None:
    path = partial_plan(tmp_path / "plan.xlsx", "en", SALES)
    wb = openpyxl.load_workbook(path)
    ws = next(ws for ws in wb.worksheets if OKR_TABLE in ws.tables)
    first = list(ws[ws.tables[OKR_TABLE].ref])[1]
    for cell, value in zip(first, ("Marketing", "Feed sales", "250 MQLs", "MQLs", 167, 250),
                           strict=True):
        cell.value = value
    wb.save(path)
    [problem] = problems_of(path)
    assert (problem.sheet, problem.cell) == (ws.title, first[0].coordinate)
    assert "Marketing, which is not planned" in problem.found
    assert "or this OKR row deleted" in problem.expected


def test_marketing_without_sales_must_type_its_own_sql_target(tmp_path: Path) -> None:
    values = {k: v for k, v in MARKETING.items() if k not in ("Mkt_TargetSQL", "Mkt_CycleMonths")}
    path = partial_plan(tmp_path / "plan.xlsx", "en", values, kpis=("marketing",))
    [problem] = problems_of(path)  # the SQL target still holds the template's =Sales_RequiredOpps
    assert problem.name == "Mkt_TargetSQL"
    assert (problem.sheet, problem.cell) == named_cell(path, "Mkt_TargetSQL")
    assert "follows Sales, which is not planned" in problem.found
    assert "whole number" in problem.expected


def test_marketing_without_sales_stands_on_its_own_inputs(tmp_path: Path) -> None:
    values = {k: v for k, v in MARKETING.items() if k != "Mkt_CycleMonths"}
    plan = read_plan(partial_plan(tmp_path / "plan.xlsx", "en", values, kpis=("marketing",)))
    assert plan.departments == ("marketing",)
    assert plan.values["Mkt_TargetSQL"] == 500
    assert plan.values["Mkt_CycleMonths"] == 0  # its formula followed sales' cycle: blank now
    assert not [name for name in plan.values if name.startswith("Sales_")]
    notes = plan_notes(plan.departments, "en", plan.values)
    assert notes[1] == ("Marketing uses its own Target SQLs (annual), MQL → SQL rate, "
                        "Lead → MQL rate, Sales cycle (months), not figures from Sales, "
                        "which is not planned")


@pytest.mark.parametrize(("planned", "values", "blank"), [
    (("sales",), {**SALES, "Sales_LeadToOppRate": None}, "Sales_LeadToOppRate"),
    (("marketing",), {**MARKETING, "Mkt_LeadToMqlRate": None}, "Mkt_LeadToMqlRate"),
])
def test_a_rate_that_cannot_be_derived_without_the_other_department_is_asked_for(
        tmp_path: Path, planned: tuple, values: dict, blank: str) -> None:
    path = partial_plan(tmp_path / "plan.xlsx", "en", values, kpis=planned)
    [problem] = problems_of(path)
    assert problem.name == blank and (problem.sheet, problem.cell) == named_cell(path, blank)
    assert "cannot be derived" in problem.found and "not planned" in problem.found


def test_channels_left_blank_are_not_planned(tmp_path: Path) -> None:
    plan = read_plan(partial_plan(tmp_path / "plan.xlsx", "en", {**SALES, **MARKETING},
                                  kpis=("sales", "marketing")))
    assert plan.departments == ("sales", "marketing")
    assert {name: plan.values[name] for name in CHANNELS} == dict.fromkeys(CHANNELS)


def test_channels_filled_in_are_planned(tmp_path: Path) -> None:
    plan = read_plan(partial_plan(tmp_path / "plan.xlsx", "en", {**SALES, **MARKETING, **CHANNELS},
                                  kpis=("sales", "marketing")))
    assert {name: plan.values[name] for name in CHANNELS} == CHANNELS


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_channel_filled_in_part_names_its_blank_cell_and_the_filled_one(
        tmp_path: Path, lang: str) -> None:
    path = partial_plan(tmp_path / "plan.xlsx", lang,
                        {**SALES, **MARKETING, "Mkt_AdsCtr": 0.01, "Mkt_SeoSessions": 30_000},
                        kpis=("sales", "marketing"))
    [problem] = problems_of(path)  # SEO alone is a whole channel; ads lacks its CPA
    assert problem.name == "Mkt_AdsCpa"
    assert (problem.sheet, problem.cell) == named_cell(path, "Mkt_AdsCpa")
    sheet, cell = named_cell(path, "Mkt_AdsCtr")
    assert f"{sheet}!{cell}" in problem.expected
    if lang == "en":
        assert problem.found == "the cell is blank while other Ads inputs are filled in"
        assert problem.expected.startswith("to plan Ads, expected an amount above 0")
    else:
        assert "広告の他の入力は埋まっています" in problem.found


CS = {"CS_StartCustomers": 200, "CS_MaxChurnRate": 0.05}


def test_customer_success_without_sales_and_without_the_link_says_nothing_of_sales(
        tmp_path: Path) -> None:
    plan = read_plan(partial_plan(tmp_path / "plan.xlsx", "en", CS, kpis=("customer_success",)))
    assert plan.departments == ("customer_success",)
    assert plan.values["CS_WonDeals"] == 0 and plan.values["CS_NewCustomerShare"] is None
    notes = plan_notes(plan.departments, "en", plan.values)
    assert len(notes) == 1  # the skipped departments; CS does not follow sales here


def test_customer_success_counting_new_customers_without_sales_types_its_won_deals(
        tmp_path: Path) -> None:
    path = partial_plan(tmp_path / "plan.xlsx", "en", {**CS, "CS_NewCustomerShare": 0.5},
                        kpis=("customer_success",))
    [problem] = problems_of(path)  # won deals still hold the template's =Sales_TargetDeals
    assert problem.name == "CS_WonDeals"
    assert (problem.sheet, problem.cell) == named_cell(path, "CS_WonDeals")
    assert "follows Sales, which is not planned" in problem.found

    path = partial_plan(tmp_path / "typed.xlsx", "en",
                        {**CS, "CS_NewCustomerShare": 0.5, "CS_WonDeals": 40},
                        kpis=("customer_success",))
    plan = read_plan(path)
    assert plan.values["CS_WonDeals"] == 40
    assert plan_notes(plan.departments, "en", plan.values)[1] == (
        "Customer Success uses its own Won deals (sales plan), not figures from Sales, "
        "which is not planned")


def test_won_deals_are_still_compared_with_sales_when_marketing_is_skipped(
        tmp_path: Path) -> None:
    path = partial_plan(tmp_path / "plan.xlsx", "en",
                        {**SALES, **CS, "CS_NewCustomerShare": 0.5, "CS_WonDeals": 40},
                        kpis=("sales", "customer_success"))
    [problem] = problems_of(path)
    assert problem.name == "Sales_TargetDeals"
    assert "100" in problem.found and "40" in problem.found
