"""One company funnel, as the plan reader enforces it: each conversion rate is typed once.

Sales' lead→opportunity rate is marketing's lead→MQL rate times its MQL→SQL rate. Two of the
three give the third; three that disagree are refused with both cells named and both lead
figures shown, in the planner's language.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi_xl.core.funnel import required_count
from kpi_xl.core.plan import PlanValues
from kpi_xl.io.plan_reader import read_plan
from tests.io.test_plan_reader import make_plan, named_cell, problems_of

# The issue's plan: 172 deals at 23%, a direct 6.5%, and marketing's 30% and 35%.
ISSUE = {"Sales_TargetDeals": 172, "Sales_WinRate": 0.23, "Sales_LeadToOppRate": 0.065,
         "Mkt_MqlToSqlRate": 0.3, "Mkt_LeadToMqlRate": 0.35}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_three_rates_that_disagree_are_refused_naming_both_sides_and_both_lead_figures(
        tmp_path: Path, lang: str) -> None:
    path = make_plan(tmp_path, ISSUE, lang=lang)
    [problem] = problems_of(path)
    opps = required_count(172, 0.23)  # 748
    sales_leads = required_count(opps, 0.065)  # 11,508, as the issue counted
    marketing_leads = required_count(opps, 0.35 * 0.3)  # 7,124
    assert (opps, sales_leads) == (748, 11_508)
    assert problem.name == "Sales_RequiredLeads"
    assert (problem.sheet, problem.cell) == named_cell(path, "Sales_LeadToOppRate")
    for figure in (f"{sales_leads:,}", f"{marketing_leads:,}"):
        assert figure in problem.found
    for name in ("Sales_LeadToOppRate", "Mkt_LeadToMqlRate", "Mkt_MqlToSqlRate"):
        sheet, cell = named_cell(path, name)
        assert f"{sheet}!{cell}" in problem.found, name
    said = problem.describe(lang)
    assert ("営業では" in said and "マーケティング" in said) if lang == "ja" else (
        "sales plans" in said and "one company funnel" in said)


def test_a_blank_lead_to_opportunity_rate_is_the_product_of_marketing_rates(
        tmp_path: Path) -> None:
    plan = read_plan(make_plan(tmp_path, {**ISSUE, "Sales_LeadToOppRate": None}))
    assert plan.values["Sales_LeadToOppRate"] == 0.35 * 0.3
    env = PlanValues(plan.values)
    assert env["Sales_RequiredLeads"] == env["Mkt_RequiredLeads"] == 7_124
    assert env["Sales_RequiredOpps"] == env["Mkt_TargetSQL"] == 748


def test_a_company_without_mql_stages_plans_with_the_direct_rate(tmp_path: Path) -> None:
    plan = read_plan(make_plan(tmp_path, {**ISSUE, "Mkt_LeadToMqlRate": None,
                                          "Mkt_MqlToSqlRate": None}))
    assert plan.values["Mkt_MqlToSqlRate"] == 1  # every MQL is an SQL
    assert plan.values["Mkt_LeadToMqlRate"] == 0.065
    env = PlanValues(plan.values)
    assert env["Sales_RequiredLeads"] == env["Mkt_RequiredLeads"] == 11_508


def test_one_blank_marketing_rate_is_derived_from_the_other_two(tmp_path: Path) -> None:
    plan = read_plan(make_plan(tmp_path, {**ISSUE, "Mkt_LeadToMqlRate": None}))
    assert plan.values["Mkt_LeadToMqlRate"] == pytest.approx(0.065 / 0.3)
    env = PlanValues(plan.values)
    assert env["Sales_RequiredLeads"] == env["Mkt_RequiredLeads"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_derived_rate_above_100_percent_is_refused(tmp_path: Path, lang: str) -> None:
    path = make_plan(tmp_path, {**ISSUE, "Mkt_MqlToSqlRate": 0.05, "Mkt_LeadToMqlRate": None},
                     lang=lang)
    [problem] = problems_of(path)
    assert problem.name == "Mkt_LeadToMqlRate"
    assert "130.0%" in problem.found
    assert (problem.sheet, problem.cell) == named_cell(path, "Mkt_LeadToMqlRate")
