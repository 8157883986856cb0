"""Your own department as data (issue 15): a KGI and stages become a Department like the others.

Pure: no files. The recruiting example (20 hires; offer→hire 80%, interview→offer 25%,
application→interview 20%) needs 25 offers, 100 interviews and 500 applications, by the same
ROUNDUP expressions the workbook writes.
"""

from __future__ import annotations

import pytest

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.departments.custom import (
    CustomDefinition,
    CustomStage,
    custom_department,
    custom_values,
    key_problem,
    prefix_for,
    required_counts,
    stage_gap,
)
from kpi_xl.core.expr import NameResolver
from kpi_xl.core.funnel import reverse_funnel
from kpi_xl.core.plan import Plan, PlanValues, plan_departments, plan_values, resolve_linked_targets
from kpi_xl.core.plan_tree import plan_tree_rows
from kpi_xl.core.targets import targets_by_period

RECRUITING = CustomDefinition(
    "recruiting", "Recruiting", "Hires", "people", 20, "monthly",
    (CustomStage(1, "Applications", 0.2), CustomStage(2, "Interviews", 0.25),
     CustomStage(3, "Offers", 0.8), CustomStage(4, "Hires", None)))


def test_recruiting_needs_25_offers_100_interviews_500_applications() -> None:
    assert required_counts(RECRUITING) == [500, 100, 25, 20]
    # The same numbers as the sales funnel's function, walking back from the KGI.
    assert reverse_funnel(20, [0.8, 0.25, 0.2]) == [25, 100, 500]


def test_the_department_names_its_inputs_and_outputs_by_prefix() -> None:
    dept = custom_department(RECRUITING)
    assert dept.key == "recruiting" and dept.prefix == "Recruiting"
    assert [s.name for s in dept.inputs] == ["Recruiting_KGITarget", "Recruiting_Rate1",
                                             "Recruiting_Rate2", "Recruiting_Rate3"]
    assert [s.kind for s in dept.inputs] == ["count", "rate", "rate", "rate"]
    assert [o.name for o in dept.outputs] == ["Recruiting_Stage1", "Recruiting_Stage2",
                                              "Recruiting_Stage3"]
    # Each stage is ROUNDUP(next stage / its rate, 0), exactly as sales' required opportunities.
    formulas = [o.expr.formula(NameResolver()) for o in dept.outputs]
    assert formulas == ["ROUNDUP(Recruiting_Stage2/Recruiting_Rate1,0)",
                        "ROUNDUP(Recruiting_Stage3/Recruiting_Rate2,0)",
                        "ROUNDUP(Recruiting_KGITarget/Recruiting_Rate3,0)"]
    assert dept.funnel == ("Recruiting_Stage1", "Recruiting_Stage2", "Recruiting_Stage3",
                           "Recruiting_KGITarget")
    assert dept.kgi[1] == dept.kgi_measure == "Recruiting_KGITarget"
    assert [f.label["en"] for f in dept.figures] == ["Applications", "Interviews", "Offers",
                                                     "Hires"]
    assert [s.annual_name for s in dept.series] == list(dept.funnel)
    assert all(s.seasonal for s in dept.series)


def test_plan_values_find_a_custom_departments_outputs() -> None:
    dept = custom_department(RECRUITING)
    values = custom_values(RECRUITING)
    with pytest.raises(KeyError):
        PlanValues(values)["Recruiting_Stage1"]  # the registry alone does not know it
    env = PlanValues(values, (dept,))
    assert env["Recruiting_Stage1"] == 500


def _plan(**changes: object) -> Plan:
    import datetime as dt

    from kpi_xl.core.kpis import Kpi

    dept = custom_department(RECRUITING)
    kpis = (Kpi("Applications per month", "Applications received", "Pipeline", "件", "higher",
                0, dt.date(2027, 3, 31), "Recruiter", "weekly", "leading",
                link="Recruiting_Stage1"),
            Kpi("Hires per month", "People who joined", "Acceptance", "件", "higher", 0,
                dt.date(2027, 3, 31), "Head of People", "monthly", "lagging",
                link="Recruiting_KGITarget"))
    base = Plan("ACME", 2026, 4, (1.0,) * 12, custom_values(RECRUITING), "en",
                kpis={"recruiting": kpis}, custom=(dept,))
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_plan_finds_its_custom_department_by_key_after_the_built_in_ones() -> None:
    plan = _plan()
    found = plan_departments(plan)
    assert list(found) == [*DEPARTMENTS, "recruiting"]
    assert found["recruiting"] is plan.custom[0]
    assert plan_values(plan)["Recruiting_Stage2"] == 100


def test_linked_targets_and_targets_by_period_come_from_the_custom_funnel() -> None:
    plan = resolve_linked_targets(_plan())
    targets = {k.name: k.target for k in plan.kpis["recruiting"]}
    assert targets == {"Applications per month": 42.0, "Hires per month": 2.0}  # ⌈500/12⌉, ⌈20/12⌉
    by_period = targets_by_period(plan, plan.custom[0])
    months = [v for (period, _, name), v in by_period.items()
              if period == "month" and name == "Applications per month"]
    assert len(months) == 12 and sum(months) == 500


def test_the_tree_decomposition_reproduces_the_kgi() -> None:
    from kpi_xl.core import tree

    plan = _plan()
    dept = plan.custom[0]
    rows = plan_tree_rows(dept, plan.kpis["recruiting"], plan.values, "en")
    dec = [r for r in rows if r["id"].startswith("DEC")]
    assert [r["target"] for r in dec] == [20, 500, 0.2, 0.25, 0.8]
    assert [f for f in tree.validate(rows, lang="en") if f.code.startswith("decomposition")] == []


@pytest.mark.parametrize(("key", "reason"), [
    ("recruiting", None), ("Renewals", None), ("partnerSales", None),
    ("sales", "reserved"), ("SALES", "reserved"), ("Mkt", "reserved"), ("cs", "reserved"),
    ("dev", "reserved"), ("development", "reserved"), ("marketing", "reserved"),
    ("customer_success", "not_ascii"),  # the underscore already makes it not a letters-only key
    ("plan", "reserved"), ("Custom", "reserved"),
    ("採用", "not_ascii"), ("hr2", "not_ascii"), ("human resources", "not_ascii"),
    ("", "not_ascii"), ("a" * 25, "too_long"),
])
def test_keys_are_ascii_letters_and_never_a_built_in_department_or_prefix(
        key: str, reason: str | None) -> None:
    found = key_problem(key, list(DEPARTMENTS))
    assert (found[0] if found else None) == reason


def test_every_built_in_key_and_prefix_is_refused() -> None:
    for dept in DEPARTMENTS.values():
        for taken in (dept.key, dept.prefix, dept.prefix.upper(), dept.prefix.lower()):
            if taken.isalpha():
                assert key_problem(taken, list(DEPARTMENTS)) is not None, taken


def test_a_prefix_capitalises_the_key() -> None:
    assert prefix_for("recruiting") == "Recruiting"
    assert prefix_for("partnerSales") == "PartnerSales"


def test_gaps_in_the_stage_order_are_named() -> None:
    assert stage_gap([1, 2, 3]) == []
    assert stage_gap([1, 2, 4]) == [3]
    assert stage_gap([3, 1]) == [2]
    assert stage_gap([2]) == [1]


def test_a_funnel_needs_the_kgi_and_one_stage_before_it() -> None:
    from dataclasses import replace

    with pytest.raises(ValueError, match="at least one stage"):
        custom_department(replace(RECRUITING, stages=(CustomStage(1, "Hires", None),)))
    two = replace(RECRUITING, kgi_target=7, stages=(CustomStage(1, "Offers", 0.3),
                                                    CustomStage(2, "Hires", None)))
    assert required_counts(two) == [24, 7]  # ⌈7 / 0.3⌉ = ⌈23.33…⌉


def test_excel_rounding_not_python_ceil() -> None:
    # 145 / 0.29 is 500.00000000000006 in Python; Excel's ROUNDUP sees 15 digits: 500.
    from dataclasses import replace

    d = replace(RECRUITING, kgi_target=145, stages=(CustomStage(1, "Leads", 0.29),
                                                    CustomStage(2, "Wins", None)))
    assert required_counts(d) == [500, 145]


def test_smart_knows_the_custom_departments_own_words() -> None:
    """A KPI named after a stage ("Hires per month") names a metric in its own department; the
    vocabulary of the built-in departments alone does not know the word."""
    import datetime as dt

    from kpi_xl.core import smart
    from kpi_xl.core.kpi_checks import own_metrics, smart_check
    from kpi_xl.core.kpis import Kpi

    plan = _plan()
    dept = plan.custom[0]
    assert own_metrics(dept) == ("Applications", "Interviews", "Offers", "Hires", "Hires")
    assert own_metrics(DEPARTMENTS["sales"]) == ()
    hires = plan.kpis["recruiting"][1]
    assert smart_check(hires, "en", plan).criteria[0].status == "pass"
    assert smart_check(hires, "en", None, dept).criteria[0].status == "pass"
    assert smart_check(hires, "en", None).criteria[0].status == "fail"
    # Singular or plural, either way round; text that names none of them still fails.
    for name, status in (("Offer acceptance count", "pass"), ("Hire rate", "pass"),
                         ("Team happiness", "fail")):
        kpi = Kpi(name, "", "Acceptance", "件", "higher", 3, dt.date(2027, 3, 31), "Head",
                  "monthly", "lagging")
        assert smart_check(kpi, "en", None, dept).criteria[0].status == status, name
    assert smart.check("x", name="Hires", metrics="Hires").criteria[0].status == "fail"


def test_roll_forward_compares_the_achieved_stage_rates_with_the_planned_ones() -> None:
    import datetime as dt
    from pathlib import Path

    from kpi_xl.core.fiscal import FiscalQuarter
    from kpi_xl.core.rollforward import MonthActual, QuarterActuals, rate_checks

    plan = _plan()
    rows = []
    for m, (apps, interviews) in enumerate(((100, 15), (120, 18))):
        month = dt.date(2026, 4 + m, 1)
        rows += [MonthActual(month, "Applications per month", "件", "higher", 42, apps, "F8"),
                 MonthActual(month, "Interviews per month", "件", "higher", 9, interviews, "F9")]
    links = {"Applications per month": "Recruiting_Stage1",
             "Interviews per month": "Recruiting_Stage2"}
    last = QuarterActuals("recruiting", FiscalQuarter(2026, 1), Path("x.xlsx"), tuple(rows),
                          links)
    [check] = rate_checks(plan.custom[0], last, plan)
    assert check.rate_name == "Recruiting_Rate1"
    assert (check.numerator, check.denominator) == (33, 220)  # 15% achieved against 20% planned
    assert check.label["en"] == "Applications → Interviews rate"
