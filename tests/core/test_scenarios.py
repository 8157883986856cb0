"""The what-if grid's header rule and the funnel model behind Sales_Scenarios (pure, no workbook)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.expr import NameResolver, Num, ref
from kpi_xl.core.funnel import required_count
from kpi_xl.core.plan import PlanValues
from kpi_xl.core.scenarios import (
    achieved_rate_expr,
    forward_exprs,
    funnel_model,
    grid,
    grid_exprs,
    remaining_planned_expr,
)

rates = st.floats(min_value=1e-6, max_value=1.0, exclude_min=False, allow_nan=False)


def test_the_grid_around_a_20_percent_win_rate_is_plus_minus_2_and_5_points() -> None:
    assert grid(0.2) == pytest.approx([0.15, 0.18, 0.2, 0.22, 0.25], abs=1e-15)


def test_small_rates_step_by_a_share_of_the_rate_so_the_grid_stays_above_zero() -> None:
    # 3% − 5 points would be negative: 40% and 20% of the rate instead.
    assert grid(0.03) == pytest.approx([0.018, 0.024, 0.03, 0.036, 0.042], abs=1e-15)


def test_rates_near_100_percent_stay_at_or_below_it() -> None:
    assert grid(0.99) == pytest.approx([0.94, 0.97, 0.99, 0.99 + 0.01 / 3, 0.99 + 0.02 / 3])
    # At 100% nothing lies above: the upper steps repeat the plan's rate.
    assert grid(1.0) == pytest.approx([0.95, 0.98, 1.0, 1.0, 1.0])


@given(st.floats(min_value=1e-6, max_value=0.999) | st.integers(1, 9999).map(lambda n: n / 10_000))
def test_the_grid_is_sorted_distinct_within_0_and_1_and_holds_the_plan_rate_exactly(
        p: float) -> None:
    # Up to 99.9% (a rate typed to a hundredth of a percent): nearer 1, the steps above would be
    # finer than floating point can tell apart.
    values = grid(p)
    assert len(values) == 5
    assert values[2] == p  # exactly, not approximately: the middle header is the input itself
    assert all(0 < v <= 1 for v in values)
    assert values == sorted(values)
    assert len(set(values)) == 5


@pytest.mark.parametrize("bad", [0, -0.1, 1.01])
def test_the_grid_refuses_what_is_not_a_rate(bad: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        grid(bad)


def test_the_middle_header_formula_is_the_input_cell_itself() -> None:
    formulas = [e.formula(NameResolver()) for e in grid_exprs(ref("Sales_WinRate"))]
    assert formulas[2] == "Sales_WinRate"
    assert formulas[0] == "MAX(Sales_WinRate-0.05,Sales_WinRate*0.6)"
    assert all("Sales_WinRate" in f for f in formulas)


def test_sales_grid_is_required_leads_by_win_rate_and_lead_to_opportunity_rate() -> None:
    model = funnel_model(DEPARTMENTS["sales"])
    assert model is not None
    assert model.scenario == ("Sales_RequiredLeads", "Sales_WinRate", "Sales_LeadToOppRate")
    assert model.rates == ("Sales_LeadToOppRate", "Sales_WinRate")
    assert [name for name, _ in model.values] == ["Sales_TargetRevenue"]
    cell = model.scenario_cell(ref("row"), ref("col"))
    assert cell.formula(NameResolver()) == "ROUNDUP(ROUNDUP(Sales_TargetDeals/row,0)/col,0)"


def test_marketing_grid_is_required_leads_by_the_two_nurturing_rates() -> None:
    model = funnel_model(DEPARTMENTS["marketing"])
    assert model is not None
    assert model.scenario == ("Mkt_RequiredLeads", "Mkt_MqlToSqlRate", "Mkt_LeadToMqlRate")
    assert model.values == ()


@pytest.mark.parametrize("key", ["customer_success", "development"])
def test_departments_without_a_funnel_have_no_what_if(key: str) -> None:
    assert funnel_model(DEPARTMENTS[key]) is None


@given(st.integers(1, 10_000), rates, rates)
def test_the_cell_at_the_plan_rates_is_the_plan_figure(deals: int, win: float, lead: float
                                                        ) -> None:
    model = funnel_model(DEPARTMENTS["sales"])
    assert model is not None
    values = PlanValues({"Sales_TargetDeals": deals, "Sales_WinRate": win,
                         "Sales_LeadToOppRate": lead, "Sales_AvgDealSize": 1})
    cell = model.scenario_cell(ref("Sales_WinRate"), ref("Sales_LeadToOppRate"))
    assert cell.evaluate(values) == values["Sales_RequiredLeads"]
    assert cell.evaluate(values) == required_count(required_count(deals, win), lead)


def test_forward_uses_achieved_rates_where_both_stages_were_reported() -> None:
    env = {"plan": 0.1, "up": 800, "up_n": 2, "down": 60, "down_n": 2}
    used, achieved = achieved_rate_expr(ref("plan"), counts=(ref("up"), ref("up_n"), ref("down"),
                                                              ref("down_n")))
    assert used.evaluate(env) == 60 / 800 and achieved.evaluate(env) is True
    for missing in ({"down": "", "down_n": 0}, {"up": 0}):
        env2 = {**env, **missing}
        assert used.evaluate(env2) == 0.1 and achieved.evaluate(env2) is False


def test_forward_falls_back_to_a_rate_kpi_then_to_the_plan() -> None:
    used, achieved = achieved_rate_expr(ref("plan"), rate=(ref("avg"), ref("n")))
    assert (used.evaluate({"plan": 0.2, "avg": 0.25, "n": 1}),
            achieved.evaluate({"plan": 0.2, "avg": 0.25, "n": 1})) == (0.25, True)
    assert (used.evaluate({"plan": 0.2, "avg": "", "n": 0}),
            achieved.evaluate({"plan": 0.2, "avg": "", "n": 0})) == (0.2, False)


def test_remaining_planned_counts_the_months_not_reported() -> None:
    planned = [ref("m0"), ref("m1"), ref("m2")]
    env = {"m0": 400, "m1": 420, "m2": 430}
    assert remaining_planned_expr(planned, None).evaluate(env) == 1250
    for reported, expected in ((0, 1250), (1, 850), (2, 430), (3, 0)):
        assert remaining_planned_expr(planned, ref("n")).evaluate({**env, "n": reported}) \
            == expected
    assert [e.evaluate({}) for e in forward_exprs(Num(1000), [Num(0.1), Num(0.25)])] \
        == [1000, 100.0, 25.0]
