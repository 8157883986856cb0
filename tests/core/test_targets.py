"""One target per KPI per period (kpi_xl.core.targets): kinds decide how periods combine.

Each test states a rule a planner relies on when two sheets are put side by side: weeks add up to
months and months to quarters for flows; levels, ratios and averages are never added up; a yearly
churn cap becomes a monthly cap; seasonality shapes demand, not churn or deploys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.fiscal import fiscal_weeks
from kpi_xl.core.kpis import Kpi, infer_kind
from kpi_xl.core.plan import Plan
from kpi_xl.core.targets import evaluate, targets_by_period

SEASONS = (0.8, 0.9, 1.4, 1.0, 1.0, 1.1, 0.7, 0.6, 1.2, 1.0, 1.1, 1.6)
VALUES = {
    "Sales_TargetDeals": 172, "Sales_WinRate": 0.23, "Sales_LeadToOppRate": 0.065,
    "Sales_AvgDealSize": 3_400_000, "Sales_CycleMonths": 2,
    "Mkt_TargetSQL": 748, "Mkt_MqlToSqlRate": 0.25, "Mkt_LeadToMqlRate": 0.26,
    "Mkt_VisitToLeadRate": 0.025, "Mkt_CycleMonths": 2,
    "CS_StartCustomers": 860, "CS_MaxChurnRate": 0.03, "Dev_DeploysPerWeek": 4,
}
_END = dt.date(2027, 12, 31)


def _kpi(name: str, unit: str, target: float, link: str | None = None,
         kind: str | None = None) -> Kpi:
    return Kpi(name, "", "ksf", unit, "higher", target, _END, "owner", "monthly", "leading",
               link=link, kind=kind)


def _plan(department: str, *kpis: Kpi, lang: str = "en") -> Plan:
    return Plan("Co", 2027, 1, SEASONS, dict(VALUES), lang=lang, kpis={department: kpis})


def _by(plan: Plan, department: str) -> dict[tuple[str, dt.date, str], float]:
    return targets_by_period(plan, DEPARTMENTS[department])


def _periods(targets: dict, kind: str, name: str) -> dict[dt.date, float]:
    return {first: v for (k, first, n), v in targets.items() if k == kind and n == name}


# Kinds --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("unit", "name", "kind"), [
    ("件", "Leads per month", "flow"), ("円", "Revenue", "flow"), ("回", "Deploys", "flow"),
    ("社", "Customers", "level"), ("%", "Churn rate", "ratio"), ("点", "NPS", "average"),
    ("時間", "Code review time", "average"), ("円", "Ads CPA", "average"),
    ("円", "平均受注単価", "average"), ("円", "Average deal size", "average"),
])
def test_a_kpi_without_a_kind_takes_the_one_its_unit_implies(unit: str, name: str,
                                                             kind: str) -> None:
    assert infer_kind(unit, name) == kind
    assert _kpi(name, unit, 1).measure_kind == kind


def test_a_kind_the_planner_gives_wins_over_the_unit() -> None:
    assert _kpi("Headcount", "人", 30, kind="level").measure_kind == "level"


# Flows --------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_flow_adds_up_weeks_to_months_months_to_quarters_and_quarters_to_the_year(
        lang: str) -> None:
    leads = _kpi("Leads", "件", 0, link="Sales_RequiredLeads")
    bugs = _kpi("Bugs", "件", 10)
    plan = _plan("sales", leads, replace(bugs, name="Bugs"), lang=lang)
    targets = _by(plan, "sales")
    weeks = fiscal_weeks(2027, 1)
    for name in ("Leads", "Bugs"):
        months = _periods(targets, "month", name)
        quarters = _periods(targets, "quarter", name)
        week_values = _periods(targets, "week", name)
        assert len(months) == 12 and len(quarters) == 4 and len(week_values) == len(weeks)
        for m, first in enumerate(sorted(months)):
            in_month = [week_values[day] for day, month in weeks if month == m]
            assert sum(in_month) == months[first], (name, first)
            assert all(float(w).is_integer() for w in in_month)
        for q, first in enumerate(sorted(quarters)):
            assert quarters[first] == sum(months[f] for f in sorted(months)[3 * q:3 * q + 3])
        assert _periods(targets, "year", name)[dt.date(2027, 1, 1)] == sum(quarters.values())
    # 10 bugs a month is the planner's monthly number, not a yearly one spread out.
    assert set(_periods(targets, "month", "Bugs").values()) == {10}


def test_leads_follow_seasonality_moved_earlier_by_the_sales_cycle() -> None:
    from kpi_xl.core.funnel import monthly_split
    from kpi_xl.core.plan import PlanValues

    plan = _plan("sales", _kpi("Leads", "件", 0, link="Sales_RequiredLeads"))
    annual = PlanValues(VALUES)["Sales_RequiredLeads"]
    split = monthly_split(annual, SEASONS)
    months = _periods(_by(plan, "sales"), "month", "Leads")
    assert [months[f] for f in sorted(months)] == [split[(m + 2) % 12] for m in range(12)]


@pytest.mark.parametrize(("department", "link"), [("customer_success", "CS_MaxChurnedCustomers"),
                                                   ("development", "Dev_DeploysPerQuarter")])
def test_seasonality_does_not_shape_churn_allowances_or_deploys(department: str,
                                                                link: str) -> None:
    flat = replace(_plan(department, _kpi("X", "件", 0, link=link)), seasonality=(1.0,) * 12)
    seasonal = _plan(department, _kpi("X", "件", 0, link=link))
    assert _periods(_by(seasonal, department), "month", "X") == \
        _periods(_by(flat, department), "month", "X")


# Levels, ratios, averages -----------------------------------------------------------------------

def test_a_yearly_churn_cap_of_3_percent_is_a_monthly_cap_of_1_minus_097_to_the_twelfth() -> None:
    plan = _plan("customer_success", _kpi("Churn", "%", 0, link="CS_MaxChurnRate"))
    targets = _by(plan, "customer_success")
    months = list(_periods(targets, "month", "Churn").values())
    assert months == pytest.approx([1 - 0.97 ** (1 / 12)] * 12, rel=1e-12)  # ≈ 0.25%, not 3%
    assert 0.03 not in months
    assert list(_periods(targets, "quarter", "Churn").values()) == pytest.approx(
        [1 - 0.97 ** 0.25] * 4, rel=1e-12)
    assert _periods(targets, "year", "Churn") == {dt.date(2027, 1, 1): 0.03}


def test_a_yearly_retention_target_compounds_the_same_way() -> None:
    plan = _plan("customer_success", _kpi("Retention", "%", 0, link="CS_TargetRetention"))
    keep = (860 - 25) / 860  # ROUNDDOWN(860 × 3%) = 25 may churn
    months = list(_periods(_by(plan, "customer_success"), "month", "Retention").values())
    assert months == pytest.approx([keep ** (1 / 12)] * 12, rel=1e-12)


@pytest.mark.parametrize(("unit", "name", "target"), [
    ("円", "Ads CPA", 18_000), ("円", "Average deal size", 3_400_000), ("社", "Customers", 860),
    ("%", "Win rate", 0.23), ("時間", "Review hours", 24)])
def test_averages_ratios_and_levels_are_never_added_up(unit: str, name: str,
                                                       target: float) -> None:
    targets = _by(_plan("sales", _kpi(name, unit, target)), "sales")
    for period in ("year", "quarter", "month", "week"):
        assert set(_periods(targets, period, name).values()) == {target}, period


def test_a_kpi_linked_to_the_average_deal_size_keeps_it_for_every_period() -> None:
    plan = _plan("sales", _kpi("Deal size", "円", 0, link="Sales_AvgDealSize"))
    targets = _by(plan, "sales")
    assert set(_periods(targets, "quarter", "Deal size").values()) == {3_400_000}


def test_every_row_has_a_value_and_the_five_codes() -> None:
    plan = _plan("marketing", _kpi("Leads", "件", 0, link="Mkt_RequiredLeads"),
                 _kpi("CPA", "円", 15000))
    rows, values = evaluate(plan, DEPARTMENTS["marketing"])
    assert {r.period.type for r in rows} == {"year", "quarter", "month", "week"}
    assert {r.kind for r in rows} == {"flow", "average"}
    assert all(r.key in values for r in rows)


def test_quarters_carried_forward_combine_by_kind() -> None:
    from kpi_xl.core.rollforward import MonthActual, summarise

    def month(m: int, kpi: str, unit: str, actual: float) -> MonthActual:
        return MonthActual(dt.date(2027, m, 1), kpi, unit, "higher", 1.0, actual, "T!F1")

    rows = [month(m, k, u, a) for m in (1, 2, 3) for k, u, a in (
        ("Leads", "件", 100 * m), ("Ads CPA", "円", 15000 + 1000 * m),
        ("Customers", "社", 800 + m), ("Churn", "%", 0.01 * m))]
    by = {s.kpi: s.actual for s in summarise(rows)}
    assert by == {"Leads": 600, "Ads CPA": 17000, "Customers": 803,
                  "Churn": pytest.approx(0.02)}
