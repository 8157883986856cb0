"""Reading your own departments from the template's Custom_* tables, and refusing bad rows.

Plans are the sample plan with rows typed into ``Custom_Departments``, ``Custom_Stages`` and
``Custom_KPIs`` (tests/custom_plan.py). Every bad row is a problem naming its sheet, cell, what
was found and what was expected, and all of them are reported at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi_xl.core.errors import PlanError
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.custom_plan import (
    RECRUITING,
    RECRUITING_KPIS,
    RECRUITING_STAGES,
    custom_plan,
)


def problems_of(path: Path, lang: str | None = None) -> list:
    with pytest.raises(PlanError) as caught:
        read_plan(path, lang)
    return caught.value.problems


def _stages(**rates: float | None) -> list[tuple]:
    """The English recruiting stages with some rates replaced (by stage order: r1=…)."""
    return [(key, order, name, rates.get(f"r{order}", rate))
            for key, order, name, rate in RECRUITING_STAGES["en"]]


def test_blank_custom_tables_mean_no_custom_departments() -> None:
    plan = read_plan(sample_plan_path("en"))
    assert plan.custom == ()
    assert set(plan.kpis) == {"sales", "marketing", "customer_success", "development"}
    assert not any(name.startswith("Recruiting") for name in plan.values)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_recruiting_department_reads_into_the_plan(tmp_path: Path, lang: str) -> None:
    plan = read_plan(custom_plan(tmp_path / "plan.xlsx", lang))
    [dept] = plan.custom
    assert dept.key == "recruiting"
    assert dept.name[lang] == RECRUITING[lang][0][1]
    assert {k: plan.values[k] for k in ("Recruiting_KGITarget", "Recruiting_Rate1",
                                        "Recruiting_Rate2", "Recruiting_Rate3")} == {
        "Recruiting_KGITarget": 20, "Recruiting_Rate1": 0.2, "Recruiting_Rate2": 0.25,
        "Recruiting_Rate3": 0.8}
    kpis = plan.kpis["recruiting"]
    assert [k.name for k in kpis] == [row[1] for row in RECRUITING_KPIS[lang]]
    # Linked targets come from the custom funnel: ⌈500/12⌉ applications, ⌈100/12⌉ interviews.
    assert [k.target for k in kpis] == [42, 9, 2]
    # A blank cadence takes the department's review cadence (monthly).
    assert [k.cadence for k in kpis] == ["weekly", "weekly", "monthly"]


def test_the_stages_may_be_typed_in_any_row_order_and_key_case(tmp_path: Path) -> None:
    stages = [(key.upper(), order, name, rate)
              for key, order, name, rate in reversed(RECRUITING_STAGES["en"])]
    plan = read_plan(custom_plan(tmp_path / "plan.xlsx", "en", stages=stages))
    [dept] = plan.custom
    assert [f.label["en"] for f in dept.figures] == ["Applications", "Interviews", "Offers",
                                                     "Hires"]


def test_two_custom_departments_each_get_their_own_funnel(tmp_path: Path) -> None:
    departments = [*RECRUITING["en"], ("renewals", "Renewals", "Renewals", "contracts", 90,
                                       "quarterly")]
    stages = [*RECRUITING_STAGES["en"], ("renewals", 1, "Health checks", 0.5),
              ("renewals", 2, "Renewals", None)]
    kpis = [*RECRUITING_KPIS["en"],
            ("renewals", "Renewals per month", "Contracts renewed", "Retention", "件", None,
             "higher", None, RECRUITING_KPIS["en"][0][8], "Head of CS", None, "lagging",
             "Renewals_KGITarget")]
    plan = read_plan(custom_plan(tmp_path / "plan.xlsx", "en", departments, stages, kpis))
    assert [d.key for d in plan.custom] == ["recruiting", "renewals"]
    assert plan.values["Renewals_KGITarget"] == 90
    assert plan.kpis["renewals"][0].cadence == "quarterly"


# Bad input ---------------------------------------------------------------------------------

def _one(problems: list, table: str) -> object:
    found = [p for p in problems if p.name == table]
    assert len(found) == 1, [p.describe("en") for p in problems]
    return found[0]


@pytest.mark.parametrize(("rate", "found"), [(0, "found 0"), (1.5, "found 1.5"),
                                             (80, "8000%"), (-0.2, "-0.2")])
def test_a_stage_rate_of_0_or_above_100_percent_is_refused(tmp_path: Path, rate: float,
                                                           found: str) -> None:
    path = custom_plan(tmp_path / "plan.xlsx", "en", stages=_stages(r2=rate))
    problem = _one(problems_of(path), "Custom_Stages")
    assert found in problem.found
    assert "above 0% and at most 100%" in problem.expected
    assert problem.label == "Rate into next stage"
    assert problem.cell == _cell_of(path, "Custom_Stages", row=2, column="Rate into next stage")


def _cell_of(path: Path, table: str, row: int, column: str) -> str:
    """The coordinate of ``column`` in the ``row``-th data row (1-based) of an Excel Table."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if table in ws.tables:
            first = ws[ws.tables[table].ref.split(":")[0]]
            header = [c.value for c in ws[first.row]][first.column - 1:]
            col = first.column + header.index(column)
            return f"{openpyxl.utils.get_column_letter(col)}{first.row + row}"
    raise KeyError(table)


@pytest.mark.parametrize("key", ["sales", "Sales", "MKT", "cs", "Dev", "development", "plan"])
def test_a_key_that_collides_with_a_built_in_department_is_refused(tmp_path: Path,
                                                                   key: str) -> None:
    departments = [(key, "Ours", "Hires", "people", 20, "monthly")]
    stages = [(key, order, name, rate) for _, order, name, rate in RECRUITING_STAGES["en"]]
    path = custom_plan(tmp_path / "plan.xlsx", "en", departments, stages, kpis=[])
    problem = _one(problems_of(path), "Custom_Departments")
    assert f"the key {key!r} collides with" in problem.found
    assert "sales, marketing, customer_success, development" in problem.expected
    assert problem.cell == _cell_of(path, "Custom_Departments", row=1, column="Key")


@pytest.mark.parametrize("key", ["採用", "hr-team", "hr2", "human resources", "customer_success"])
def test_a_key_that_is_not_ascii_letters_is_refused(tmp_path: Path, key: str) -> None:
    departments = [(key, "Ours", "Hires", "people", 20, "monthly")]
    path = custom_plan(tmp_path / "plan.xlsx", "en", departments, stages=[], kpis=[])
    problem = _one(problems_of(path), "Custom_Departments")
    assert repr(key) in problem.found
    assert "ASCII letters" in problem.expected


def test_the_same_key_twice_is_refused_naming_the_first(tmp_path: Path) -> None:
    departments = [*RECRUITING["en"], ("Recruiting", "Again", "Hires", "people", 5, "weekly")]
    path = custom_plan(tmp_path / "plan.xlsx", "en", departments)
    problem = _one(problems_of(path), "Custom_Departments")
    first = _cell_of(path, "Custom_Departments", row=1, column="Key")
    assert f"already used in cell {first}" in problem.found


def test_a_stage_list_with_a_gap_is_refused(tmp_path: Path) -> None:
    stages = [row if row[1] < 3 else (row[0], row[1] + 1, row[2], row[3])
              for row in RECRUITING_STAGES["en"]]  # 1, 2, 4, 5
    path = custom_plan(tmp_path / "plan.xlsx", "en", stages=stages)
    problem = _one(problems_of(path), "Custom_Stages")
    assert problem.found == "department 'recruiting' numbers its stages 1, 2, 4, 5: 3 is missing"
    assert "without a gap" in problem.expected


def test_the_same_order_twice_is_refused(tmp_path: Path) -> None:
    stages = [*RECRUITING_STAGES["en"][:3], ("recruiting", 3, "Hires", None)]
    problem = _one(problems_of(custom_plan(tmp_path / "plan.xlsx", "en", stages=stages)),
                   "Custom_Stages")
    assert "already has order 3" in problem.found


def test_a_department_with_no_stages_is_refused(tmp_path: Path) -> None:
    path = custom_plan(tmp_path / "plan.xlsx", "en", stages=[])
    problem = _one(problems_of(path), "Custom_Departments")
    assert problem.found == "department 'recruiting' has 0 stage(s) in Custom_Stages"
    assert "at least two stages" in problem.expected
    assert problem.cell == _cell_of(path, "Custom_Departments", row=1, column="Key")


def test_a_rate_on_the_last_stage_or_a_blank_rate_before_it_is_refused(tmp_path: Path) -> None:
    path = custom_plan(tmp_path / "plan.xlsx", "en", stages=_stages(r4=0.5))
    assert "expected a blank rate" in _one(problems_of(path), "Custom_Stages").expected
    path = custom_plan(tmp_path / "plan2.xlsx", "en", stages=_stages(r1=None))
    problem = _one(problems_of(path), "Custom_Stages")
    assert problem.found == "the cell is blank" or "blank" in problem.found
    assert problem.cell == _cell_of(path, "Custom_Stages", row=1, column="Rate into next stage")


def test_a_custom_kpi_naming_an_unknown_department_is_refused(tmp_path: Path) -> None:
    kpis = [*RECRUITING_KPIS["en"], ("hiring", *RECRUITING_KPIS["en"][0][1:])]
    path = custom_plan(tmp_path / "plan.xlsx", "en", kpis=kpis)
    problem = _one(problems_of(path), "Custom_KPIs")
    assert problem.found == "department key 'hiring' is not in Custom_Departments"
    assert problem.expected == "expected one of the keys of Custom_Departments: recruiting"
    assert problem.cell == _cell_of(path, "Custom_KPIs", row=4, column="Department key")


def test_a_stage_naming_an_unknown_department_is_refused(tmp_path: Path) -> None:
    stages = [*RECRUITING_STAGES["en"], ("hiring", 1, "Offers", 0.5)]
    problem = _one(problems_of(custom_plan(tmp_path / "plan.xlsx", "en", stages=stages)),
                   "Custom_Stages")
    assert "'hiring' is not in Custom_Departments" in problem.found


def test_a_custom_department_without_kpis_is_refused(tmp_path: Path) -> None:
    problem = _one(problems_of(custom_plan(tmp_path / "plan.xlsx", "en", kpis=[])),
                   "Custom_KPIs")
    assert problem.found == "department 'recruiting' has no KPI in Custom_KPIs"


def test_a_link_to_a_figure_of_another_department_is_refused(tmp_path: Path) -> None:
    kpi = (*RECRUITING_KPIS["en"][0][:7], 40, *RECRUITING_KPIS["en"][0][8:-1],
           "Sales_RequiredLeads")
    path = custom_plan(tmp_path / "plan.xlsx", "en", kpis=[kpi])
    problem = _one(problems_of(path), "Custom_KPIs")
    assert "Recruiting_Stage1" in problem.expected


def test_problems_are_described_in_japanese_too(tmp_path: Path) -> None:
    departments = [("採用", "採用", "入社", "人", 20, "月次")]
    path = custom_plan(tmp_path / "plan.xlsx", "ja", departments, stages=[], kpis=[])
    problem = _one(problems_of(path, "ja"), "Custom_Departments")
    assert "英字" in problem.expected and "採用" in problem.found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    departments = [*RECRUITING["en"], ("sales", "Ours", "Deals", "deals", 5, "monthly")]
    stages = _stages(r1=0, r3=2)
    kpis = [*RECRUITING_KPIS["en"], ("nobody", *RECRUITING_KPIS["en"][0][1:])]
    problems = problems_of(custom_plan(tmp_path / "plan.xlsx", "en", departments, stages, kpis))
    assert sorted(p.name for p in problems) == ["Custom_Departments", "Custom_KPIs",
                                                "Custom_Stages", "Custom_Stages"]


def test_an_okr_may_name_a_custom_department_by_key_or_name(tmp_path: Path) -> None:
    import openpyxl

    from kpi_xl.app.generate import generate
    from kpi_xl.core.fiscal import FiscalQuarter
    from kpi_xl.core.plan_tables import OKR_COLUMNS
    from tests.custom_plan import fill_table

    path = custom_plan(tmp_path / "plan.xlsx", "en")
    wb = openpyxl.load_workbook(path)
    fill_table(wb, "Plan_OKRs", [
        ("Recruiting", "Hire the team we need", "Grow offers from 2 to 3 a month",
         "Hires per month", 2, 3),
        ("recruiting", "Shorten hiring", "Interviews within a week", "Interviews per month", 8,
         10), *[(None,) * 6] * 6], OKR_COLUMNS)  # the sample's OKRs cleared
    wb.save(path)
    plan = read_plan(path)
    assert [(o.department, o.kpi) for o in plan.okrs] == [
        ("recruiting", "Hires per month"), ("recruiting", "Interviews per month")]
    [book] = generate(plan, FiscalQuarter(2026, 1), tmp_path / "out", "en",
                      departments=["recruiting"], roll_forward=False)
    shown = openpyxl.load_workbook(book, data_only=True)["OKRs"]
    texts = {c.value for row in shown.iter_rows() for c in row if isinstance(c.value, str)}
    assert "Hire the team we need" in texts and "Shorten hiring" in texts


def test_an_okr_of_an_unknown_department_lists_the_custom_ones_too(tmp_path: Path) -> None:
    import openpyxl

    from kpi_xl.core.plan_tables import OKR_COLUMNS
    from tests.custom_plan import fill_table

    path = custom_plan(tmp_path / "plan.xlsx", "en")
    wb = openpyxl.load_workbook(path)
    fill_table(wb, "Plan_OKRs", [("Hiring", "Hire", "More offers", "Hires per month", 2, 3),
                                 *[(None,) * 6] * 7], OKR_COLUMNS)
    wb.save(path)
    [problem] = problems_of(path)
    assert problem.name == "Plan_OKRs" and problem.expected.endswith("Development / Recruiting")
